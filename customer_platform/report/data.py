"""What each chart of the report reads: one DuckDB query per chart, over partitions up to D.

A query reads only the partitions ``D - lookback_days .. D`` of the tables it names, so a later
day never changes the report of D. A query of a figure the warehouse flags as incomplete reads
the flag as ``is_complete``, so the chart marks those points instead of drawing a fall.
``fetch`` masks every column a source table of the query classifies as PII before any chart
sees it, and reads a table the warehouse does not hold yet as no rows.
"""

import dataclasses
import datetime as dt

import duckdb
import polars as pl

from customer_platform import privacy
from customer_platform.gold import ANALYTICS_TABLES, DOCUMENTED_TABLES, GOLD_TABLES
from customer_platform.gold.analytics.segment_summary import SCHEMES
from customer_platform.gold.base import GoldTable
from customer_platform.gold.sql import DAY
from customer_platform.quality.schemas import pii_columns

D = DAY
#: Trailing days a trend chart reads: 13 weeks (the partitions D-90..D).
TREND_DAYS = 90
#: Closed months the MRR chart shows (months close on the next month's first day).
MRR_MONTHS = 12
TOP_PARENTS = 15
TOP_CUSTOMERS = 15
#: Width of a churn-probability histogram bin.
PROBABILITY_BIN = 0.05

_TABLES = {t.name: t for t in (*GOLD_TABLES, *DOCUMENTED_TABLES, *ANALYTICS_TABLES)}


def table(name: str) -> GoldTable:
    return _TABLES[name]


@dataclasses.dataclass(frozen=True)
class Query:
    """One chart's rows: a SELECT over ``sources`` with ``$day`` = D."""

    sources: tuple[str, ...]  # gold table names
    sql: str
    lookback_days: int = 0  # partitions D - lookback_days .. D are read

    @property
    def tables(self) -> tuple[GoldTable, ...]:
        return tuple(table(name) for name in self.sources)

    def pii(self) -> list[str]:
        return sorted({c for t in self.tables for c in pii_columns(t.schema())})


def fetch(con: duckdb.DuckDBPyConnection, query: Query, day: dt.date) -> pl.DataFrame:
    """The query's rows for ``day``, PII columns masked; no rows when a source table is not
    in the warehouse yet."""
    try:
        frame = con.sql(query.sql, params={"day": day}).pl()
    except duckdb.CatalogException:
        return pl.DataFrame()
    return privacy.mask(frame, query.pii())


def _window(days: int) -> str:
    return f"load_date BETWEEN {D} - {days} AND {D}"


_SCHEME_ORDER = "CASE scheme " + " ".join(
    f"WHEN '{s}' THEN {i}" for i, s in enumerate(SCHEMES)) + " END"

PARENT_HEALTH = Query(
    sources=("agg_parent_health",),
    sql=f"""
    WITH parents AS (
        SELECT coalesce(rollup_company_name, rollup_account_key) AS name, rollup_account_key,
               accounts, green_accounts, yellow_accounts, red_accounts, entitled_seats,
               red_share, health
        FROM gold.agg_parent_health
        WHERE load_date = {D} AND is_parent_company
    )
    SELECT CASE WHEN count(*) OVER (PARTITION BY name) > 1  -- two parents, one name
                THEN name || ' (' || rollup_account_key || ')' ELSE name END AS parent_company,
           accounts, green_accounts, yellow_accounts, red_accounts, entitled_seats, red_share,
           health
    FROM parents
    ORDER BY red_accounts DESC, yellow_accounts DESC, accounts DESC, rollup_account_key
    LIMIT {TOP_PARENTS}
    """,
)

PIPELINE_COVERAGE = Query(
    sources=("agg_pipeline_daily",),
    lookback_days=TREND_DAYS,
    sql=f"""
    WITH days AS (  -- geo totals of the segments that have a quota (QRF)
        SELECT fiscal_week, geo, snapshot_date,
               sum(pipe_actual) FILTER (WHERE qrf IS NOT NULL) AS pipe_actual,
               sum(qrf) AS qrf, coalesce(bool_and(is_pipeline_complete), TRUE) AS is_complete
        FROM gold.agg_pipeline_daily
        WHERE {_window(TREND_DAYS)}
        GROUP BY fiscal_week, geo, snapshot_date
    ), weeks AS (  -- each fiscal week at its latest settled day held
        SELECT * FROM days
        QUALIFY snapshot_date = max(snapshot_date) OVER (PARTITION BY fiscal_week)
    )
    SELECT fiscal_week, geo, snapshot_date AS as_of, pipe_actual, qrf,
           round(pipe_actual / qrf, 4) AS coverage, is_complete
    FROM weeks WHERE qrf > 0
    ORDER BY as_of, geo
    """,
)

SEAT_ACTIVATION = Query(
    sources=("agg_seat_activation",),
    lookback_days=TREND_DAYS,
    sql=f"""
    SELECT snapshot_date, sum(qal_seats) AS qal_seats, sum(mal_seats) AS mal_seats,
           sum(rmal_seats) AS rmal_seats, sum(activated_seats) AS activated_seats,
           sum(entitled_seats) AS entitled_seats
    FROM gold.agg_seat_activation
    WHERE {_window(TREND_DAYS)}
    GROUP BY snapshot_date
    ORDER BY snapshot_date
    """,
)

SEGMENTS = Query(
    sources=("segment_summary",),
    sql=f"""
    SELECT scheme, segment, customers, active_customers, total_predictive_clv, revenue_365d,
           value_at_risk
    FROM gold.segment_summary
    WHERE load_date = {D}
    ORDER BY {_SCHEME_ORDER}, customers DESC, segment
    """,
)

CHURN_RISK = Query(
    sources=("churn_scores",),
    sql=f"""
    SELECT round(least(floor(churn_probability / {PROBABILITY_BIN}),
                       {round(1 / PROBABILITY_BIN) - 1}) * {PROBABILITY_BIN}, 4) AS bin_start,
           risk_band, count(*) AS customers, max(horizon_days) AS horizon_days
    FROM gold.churn_scores
    WHERE load_date = {D} AND churn_probability IS NOT NULL
    GROUP BY ALL
    ORDER BY bin_start, risk_band
    """,
)

AT_RISK_CUSTOMERS = Query(
    sources=("churn_scores", "customer_360"),
    sql=f"""
    SELECT s.risk_rank, s.customer_id, c.customer_name, c.customer_segment, c.customer_tier,
           c.region, s.churn_probability, s.risk_band, c.early_warning_count,
           c.net_revenue_30d
    FROM gold.churn_scores s
    LEFT JOIN gold.customer_360 c ON c.customer_key = s.customer_key AND c.load_date = {D}
    WHERE s.load_date = {D} AND s.churn_probability IS NOT NULL
    ORDER BY s.risk_rank, s.customer_key
    LIMIT {TOP_CUSTOMERS}
    """,
)

MRR_MOVEMENTS = Query(
    sources=("agg_mrr_summary",),
    lookback_days=366,
    sql=f"""
    SELECT month, mrr, new_mrr, expansion_mrr, reactivated_mrr, contraction_mrr, churned_mrr,
           unclassified_mrr, mrr_change, customers_with_mrr
    FROM gold.agg_mrr_summary  -- month M is written 7 days after its end (FEE_LATE_DAYS)
    WHERE load_date > CAST({D} - INTERVAL {MRR_MONTHS} MONTH AS DATE) AND load_date <= {D}
    ORDER BY month
    """,
)

TICKET_RESOLUTION = Query(
    sources=("agg_ticket_resolution",),
    lookback_days=TREND_DAYS,
    sql=f"""
    SELECT period_end, ticket_type, resolved_tickets, avg_resolution_hours,
           coalesce(is_complete, TRUE) AS is_complete
    FROM gold.agg_ticket_resolution
    WHERE {_window(TREND_DAYS)} AND period_type = 'Weekly' AND resolved_tickets > 0
    ORDER BY period_end, ticket_type
    """,
)

PURCHASE_CALIBRATION = Query(
    sources=("clv_purchase_calibration",),
    sql=f"""
    SELECT calibration_purchases, customers, predicted_purchases, actual_purchases
    FROM gold.clv_purchase_calibration
    WHERE load_date = {D}
    ORDER BY calibration_purchases
    """,
)
