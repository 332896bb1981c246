"""``gold.agg_sales_rep_performance``: per sales rep and geography, the open pipeline on the
settled day and, over a trailing window of closed deals, deals opened, won and lost, win rate,
average won deal and sales cycle.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable, from_contract
from customer_platform.gold.revops._common import (
    DOMAIN,
    SNAPSHOT_DATE_FK,
    E,
    latest_opportunities,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._pipeline import _closed_deals, _metric, _money, _rate
from customer_platform.gold.revops._rules import PIPELINE, PipelineRule
from customer_platform.gold.sql import sk
from customer_platform.vocabulary import GEOS


class AggSalesRepPerformance(GoldModel):
    sales_rep_performance_key: str = column("Surrogate key of day x sales rep x geo",
                                            unique=True)
    snapshot_date: dt.date = column("Last day of the trailing window (the settled day)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    period_start: dt.date = column("First day of the trailing window of closed deals")
    sales_rep_key: str = column("Surrogate key of the sales rep (stable; groups a masked "
                                "export)")
    sales_rep: str = from_contract("crm.opportunities", "sales_rep",
                                   description="Account executive")
    geo: str = column("Sales geography the rep sells in", isin=list(GEOS))
    open_opportunities: int = column("Open opportunities the rep owns on snapshot_date (not "
                                     "stale)", ge=0)
    open_pipe: float = _money("Their amount")
    opportunities_created: int = column("Opportunities opened in the window", ge=0)
    deals_won: int = column("Deals won in the window", ge=0)
    deals_lost: int = column("Deals lost in the window", ge=0)
    won_amount: float = _money("Amount won in the window")
    win_rate: float = _rate("deals_won / (deals_won + deals_lost)")
    avg_won_deal_size: float = _money("won_amount / deals_won", nullable=True)
    avg_sales_cycle_days: float = column("Average days from opening to closing of the won "
                                         "deals; empty without one", nullable=True, ge=0.0)


def sales_rep_performance(rule: PipelineRule = PIPELINE) -> GoldTable:
    days = rule.closed_window_days
    return GoldTable(
        name="agg_sales_rep_performance",
        model=AggSalesRepPerformance,
        description="Sales representative performance: open "
        f"pipeline on the settled day and, over the trailing {days} days, deals opened, won "
        "and lost, win rate, average won deal and sales cycle.",
        seed="000", kind="aggregate", domain=DOMAIN,
        primary_key=("sales_rep_key", "geo"),
        sources=("gold.dim_opportunity_versions", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        source_windows=(("gold.dim_opportunity_versions",
                         (-(rule.stale_after_days + days), 0)),),
        grain="one row per sales rep x geo with an open (not stale) opportunity on the settled "
        "day or a deal opened or closed in the trailing window",
        sql=f"""
        WITH {_closed_deals(rule).strip()},
        open AS (
            SELECT sales_rep, geo, count(*) AS open_opportunities, sum(amount) AS open_pipe
            FROM {latest_opportunities(rule, days)} WHERE NOT is_closed GROUP BY ALL
        ), created AS (
            SELECT sales_rep, geo, count(*) AS opportunities_created FROM latest
            WHERE CAST(created_at AS DATE) > {E} - {days} GROUP BY ALL
        ), won_lost AS (
            SELECT sales_rep, geo, count(*) FILTER (is_won) AS deals_won,
                   count(*) FILTER (NOT is_won) AS deals_lost,
                   sum(amount) FILTER (is_won) AS won_amount,
                   avg(close_date - CAST(created_at AS DATE)) FILTER (is_won) AS cycle_days
            FROM closed GROUP BY ALL
        ), reps AS (
            SELECT sales_rep, geo FROM open UNION SELECT sales_rep, geo FROM created
            UNION SELECT sales_rep, geo FROM won_lost
        )
        SELECT {sk("sales_rep_performance", E, "r.sales_rep", "r.geo")}
                   AS sales_rep_performance_key,
               {E} - {days - 1} AS period_start,
               {sk("sales_rep", "r.sales_rep")} AS sales_rep_key, r.sales_rep, r.geo,
               coalesce(o.open_opportunities, 0) AS open_opportunities,
               {money("coalesce(o.open_pipe, 0)")} AS open_pipe,
               coalesce(c.opportunities_created, 0) AS opportunities_created,
               coalesce(w.deals_won, 0) AS deals_won, coalesce(w.deals_lost, 0) AS deals_lost,
               {money("coalesce(w.won_amount, 0)")} AS won_amount,
               {ratio("w.deals_won", "w.deals_won + w.deals_lost")} AS win_rate,
               {money("w.won_amount / nullif(w.deals_won, 0)")} AS avg_won_deal_size,
               round(w.cycle_days, 2) AS avg_sales_cycle_days,
               {settled_columns("crm")}
        FROM reps r
        LEFT JOIN open o USING (sales_rep, geo)
        LEFT JOIN created c USING (sales_rep, geo)
        LEFT JOIN won_lost w USING (sales_rep, geo)
        """,
    )



AGG_SALES_REP_PERFORMANCE = sales_rep_performance()


METRICS = [
    _metric("Sales rep win rate", "agg_sales_rep_performance",
            "deals_won / (deals_won + deals_lost)", "sales rep x geo",
            f"deals closed in the trailing {PIPELINE.closed_window_days} days, by the rep of "
            "their latest version", f"Rolling {PIPELINE.closed_window_days} days ending on E",
            seed="000"),
    _metric("Average won deal size and sales cycle", "agg_sales_rep_performance",
            "won_amount / deals_won; avg(close_date - created_at) of won deals in days",
            "sales rep x geo", "as Sales rep win rate",
            f"Rolling {PIPELINE.closed_window_days} days ending on E", seed="000"),
]
