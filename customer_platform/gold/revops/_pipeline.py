"""What the pipeline tables share: the coverage columns of a geo x solution x sales motion row,
the roll-ups' reads of ``agg_pipeline_daily`` (never their own partitions, so the history they
compare against is a pure function of partitions up to D), the closed-deal window behind
win/loss and sales-rep performance, and the wording of their metrics.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.completeness import CARRY_FORWARD_DAYS
from customer_platform.gold.metrics import Metric
from customer_platform.gold.revops._common import (
    DAY,
    SEED,
    E,
    money,
    opportunity_versions,
    stage_rank,
)
from customer_platform.gold.revops._rules import PIPELINE, PipelineRule
from customer_platform.vocabulary import GEOS, SALES_MOTIONS, SOLUTIONS

QUARTER_DAYS = 92  # the longest fiscal quarter


def _money(description: str, nullable: bool = False, signed: bool = False):
    checks = {} if signed else {"ge": 0.0}
    return column(f"{description} (USD)", nullable=nullable, **checks)


def _rate(description: str):
    return column(f"{description}; empty when the denominator is 0 or unknown", nullable=True)


class _Segment(GoldModel):
    geo: str = from_contract("crm.sales_quota_plan", "geo", isin=list(GEOS))
    solution: str = column("Solution (product family) sold", isin=list(SOLUTIONS))
    sales_motion: str = column("New, Growth on renewal or True up", isin=list(SALES_MOTIONS))


class _Coverage(_Segment):
    qrf: float = _money("Quota-based revenue forecast of the fiscal quarter, from the quota "
                        "plan received on the partition day; empty when the plan lacks it",
                        nullable=True)
    qrf_carried_from: dt.date = column(
        "The segment's quota row was rejected on the partition day: the day of the plan "
        f"snapshot (at most {CARRY_FORWARD_DAYS} days before) qrf was carried from; empty when "
        "read from the day's own plan", nullable=True)
    is_qrf_rejected: bool = column(
        "The segment's quota row was rejected on the partition day with no good row to carry: "
        "qrf (and the ratios) are unknown, not absent from the plan")
    is_pipeline_complete: bool = column(
        "The warehouse holds the open pipeline (opportunities arrive only when they change): "
        f"{PIPELINE.describe_completeness()}; while false pipe_actual, coverage and gap leave "
        "out the unseen opportunities")
    pipe_actual: float = _money("Pipeline of the quarter: pipe_actual of the opportunities "
                                "(latest version) closing in the quarter, open or won")
    pipe_coverage: float = _rate("pipe_actual / qrf")
    pipe_gap: float = _money("qrf - pipe_actual (negative when the pipeline exceeds the quota)",
                             nullable=True, signed=True)
    gap_ratio: float = _rate("(qrf - pipe_actual) / qrf")



#: columns of a roll-up row taken from the daily row it is built on
_SNAPSHOT = ("geo", "solution", "sales_motion", "fiscal_quarter", "fiscal_quarter_start", "qrf",
             "qrf_carried_from", "is_qrf_rejected", "is_pipeline_complete", "pipe_actual",
             "pipe_coverage", "pipe_gap", "gap_ratio")


def _snapshot(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in _SNAPSHOT)


def _daily_rows(first_day: str, condition: str = "TRUE") -> str:
    """SQL subquery: agg_pipeline_daily rows of the settled days from ``first_day`` to E."""
    return f"""(
        SELECT * FROM gold.agg_pipeline_daily
        WHERE load_date <= {DAY} AND snapshot_date BETWEEN {first_day} AND {E} AND {condition}
    )"""


def _history(rule: PipelineRule, rows: str) -> str:
    """SQL subquery: per row of ``rows`` (geo, solution, sales motion, fiscal quarter start,
    day of quarter), the average pipeline and coverage on the same day of the quarter in the
    previous ``history_quarters`` quarters that the warehouse holds (a quarter too short to
    have that day is left out), and how many quarters that is."""
    n = rule.history_quarters
    return f"""(
        SELECT r.geo, r.solution, r.sales_motion,
               {money("avg(h.pipe_actual)")} AS historical_avg_pipe,
               round(avg(h.pipe_coverage), 6) AS historical_avg_coverage,
               count(h.pipe_actual) AS historical_quarters
        FROM {rows} r
        LEFT JOIN {_daily_rows(f"{E} - {n * QUARTER_DAYS + QUARTER_DAYS}")} h
          ON h.geo = r.geo AND h.solution = r.solution AND h.sales_motion = r.sales_motion
         AND h.day_of_quarter = r.day_of_quarter
         AND h.fiscal_quarter_start >= CAST(r.fiscal_quarter_start - INTERVAL {3 * n} MONTH
                                            AS DATE)
         AND h.fiscal_quarter_start < r.fiscal_quarter_start
        GROUP BY ALL
    )"""


def _history_window(rule: PipelineRule) -> tuple[int, int]:
    return (-((rule.history_quarters + 1) * QUARTER_DAYS + 1), 0)


class _History(GoldModel):
    historical_avg_pipe: float = _money("Average pipe_actual on the same day of the quarter in "
                                        "the previous quarters held (history_quarters)",
                                        nullable=True)
    historical_avg_coverage: float = column(
        "Average pipe_coverage on the same day of the quarter in the previous quarters held "
        "(quarters without a coverage left out); empty without history", nullable=True)
    historical_quarters: int = column("Previous quarters in the historical averages", ge=0)



def _closed_deals(rule: PipelineRule) -> str:
    """SQL: CTEs ``versions`` and ``closed``: the deals closed in the trailing
    ``closed_window_days`` up to E (their latest version) with the furthest open stage their
    versions in the warehouse show (NULL when none is held: the deal was opened before)."""
    days = rule.closed_window_days
    return f"""
        versions AS {opportunity_versions(rule, days)},
        latest AS (
            SELECT * FROM versions
            QUALIFY row_number() OVER (PARTITION BY opportunity_id
                                       ORDER BY source_updated_at DESC, load_date DESC) = 1
        ), closed AS (
            SELECT l.opportunity_id, l.geo, l.sales_rep, l.is_won, l.amount, l.close_date,
                   l.created_at, max({stage_rank("v.stage")}) AS furthest_open_rank
            FROM latest l LEFT JOIN versions v
              ON v.opportunity_id = l.opportunity_id AND NOT v.is_closed
            WHERE l.is_closed AND CAST(l.source_updated_at AS DATE) > {E} - {days}
            GROUP BY ALL
        )"""


_QTD = ("Quarter to date on the settled day E = D - 1 (written in partition D); the quarter is "
        "E's fiscal quarter")
_PIPE_FILTER = ("latest version of each opportunity as of E with close_date in the quarter "
                f"(open or won; lost ones count 0); stale after {PIPELINE.stale_after_days} days "
                "without a stage change; Prospecting (no close date) is not pipeline; "
                "is_pipeline_complete false until the warehouse holds the open pipeline "
                f"({PIPELINE.describe_completeness()})")


def _metric(name: str, table: str, formula: str, grain: str, filters: str = _PIPE_FILTER,
            periods: str = _QTD, seed: str = SEED) -> Metric:
    return Metric(name, table, formula, grain, filters, periods, seed)


_SEGMENT = "geo x solution x sales motion"
