"""``gold.agg_pipeline_daily``: the sales pipeline against quota, quarter to date on each settled
day.

Per geo x solution x sales motion, zeros included: the latest version of each opportunity closing
in the quarter against the quota plan received on the partition day, with coverage, gap and gap
ratio. A rejected quota row and a pipeline the warehouse does not hold whole yet are flagged, not
read as zero. The weekly, BOQ and quarterly roll-ups read this table (docs/revops.md).
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldTable
from customer_platform.gold.completeness import (
    CARRY_FORWARD_DAYS,
    canonical,
    carry_forward_sources,
    carry_forward_windows,
    changes_held,
    match_text,
    record_field,
    snapshot_as_of,
    snapshot_table,
    unrecovered_rejects,
)
from customer_platform.gold.revops._common import (
    CALENDAR_WINDOW,
    DOMAIN,
    SEED,
    SNAPSHOT_DATE_FK,
    E,
    calendar,
    grid,
    latest_opportunities,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._pipeline import (
    _PIPE_FILTER,
    _SEGMENT,
    QUARTER_DAYS,
    _Coverage,
    _metric,
    _money,
)
from customer_platform.gold.revops._rules import PIPELINE, PipelineRule
from customer_platform.gold.sql import sk
from customer_platform.vocabulary import GEOS, SALES_MOTIONS, SOLUTIONS

QUOTA_PLAN = snapshot_table("crm_sales_quota_plan")


class AggPipelineDaily(_Coverage):
    pipeline_daily_key: str = column("Surrogate key of day x geo x solution x sales motion",
                                     unique=True)
    snapshot_date: dt.date = column("The settled day E described (the day before the "
                                    "partition day)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    fiscal_week: str = column("Fiscal week of snapshot_date (FYyyyy-Www)")
    fiscal_week_start: dt.date = column("First day of that fiscal week")
    fiscal_quarter: str = column("Fiscal quarter the pipeline is for: snapshot_date's")
    fiscal_quarter_start: dt.date = column("First day of the fiscal quarter")
    fiscal_quarter_end: dt.date = column("Last day of the fiscal quarter")
    day_of_quarter: int = column("Day of the fiscal quarter of snapshot_date (1 = BOQ)", ge=1,
                                 le=QUARTER_DAYS)
    is_boq: bool = column("snapshot_date is the first day of the fiscal quarter (BOQ)")
    is_week_end: bool = column("snapshot_date is the last day of its fiscal week")
    is_quarter_end: bool = column("snapshot_date is the last day of its fiscal quarter")
    open_pipe: float = _money("Amount of the open opportunities closing in the quarter")
    open_opportunities: int = column("Open opportunities closing in the quarter", ge=0)
    won_amount: float = _money("Amount won in the quarter so far (Closed Won, close date in "
                               "the quarter)")
    won_opportunities: int = column("Opportunities won in the quarter so far", ge=0)
    lost_amount: float = _money("Amount lost in the quarter so far (Closed Lost, close date in "
                                "the quarter)")
    lost_opportunities: int = column("Opportunities lost in the quarter so far", ge=0)
    pipe_created: float = _money("Amount of the opportunities opened on snapshot_date (any "
                                 "close quarter): the day's new pipeline")


def pipeline_daily(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_daily",
        model=AggPipelineDaily,
        description="Pipeline coverage, gap and gap ratio against the quota-based revenue "
        "forecast (QRF) per geography x solution x sales motion, quarter to date on each "
        "settled day.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("snapshot_date", "geo", "solution", "sales_motion"),
        sources=("gold.dim_opportunity_versions", *carry_forward_sources(QUOTA_PLAN),
                 "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        source_windows=(("gold.dim_opportunity_versions", (-rule.stale_after_days, 0)),
                        CALENDAR_WINDOW, *carry_forward_windows(QUOTA_PLAN)),
        grain="one row per geo x solution x sales motion (all 36) for the settled day E = D-1",
        sql=f"""
        WITH today AS {calendar()},
        opportunities AS (
            SELECT o.*, o.close_date BETWEEN t.fiscal_quarter_start AND t.fiscal_quarter_end
                        AS in_quarter
            FROM {latest_opportunities(rule)} o, today t
        ), pipe AS (
            SELECT geo, solution, sales_motion,
                   sum(pipe_actual) FILTER (in_quarter) AS pipe_actual,
                   sum(amount) FILTER (in_quarter AND NOT is_closed) AS open_pipe,
                   count(*) FILTER (in_quarter AND NOT is_closed) AS open_opportunities,
                   sum(amount) FILTER (in_quarter AND is_won) AS won_amount,
                   count(*) FILTER (in_quarter AND is_won) AS won_opportunities,
                   sum(amount) FILTER (in_quarter AND is_closed AND NOT is_won) AS lost_amount,
                   count(*) FILTER (in_quarter AND is_closed AND NOT is_won)
                       AS lost_opportunities,
                   sum(amount) FILTER (CAST(created_at AS DATE) = {E}) AS pipe_created
            FROM opportunities GROUP BY ALL
        ), plan AS (  -- the plan of D, a rejected row carried from its last good one
            SELECT q.geo, q.solution, q.sales_motion, q.qrf, q.carried_from AS qrf_carried_from
            FROM {snapshot_as_of(QUOTA_PLAN)} q JOIN today t
              ON q.fiscal_quarter = t.fiscal_quarter
        ), lost AS (  -- rejected quota rows nothing could carry; an unreadable field may be any
            SELECT {canonical(record_field("geo"), GEOS)} AS geo,
                   {canonical(record_field("solution"), SOLUTIONS)} AS solution,
                   {canonical(record_field("sales_motion"), SALES_MOTIONS)} AS sales_motion,
                   {match_text(record_field("fiscal_quarter"))} AS fiscal_quarter
            FROM {unrecovered_rejects(QUOTA_PLAN)} r
        ), measured AS (
            SELECT g.*, t.*, q.qrf, q.qrf_carried_from,
                   EXISTS (SELECT 1 FROM lost l
                           WHERE coalesce(l.geo, g.geo) = g.geo
                             AND coalesce(l.solution, g.solution) = g.solution
                             AND coalesce(l.sales_motion, g.sales_motion) = g.sales_motion
                             AND coalesce(nullif(l.fiscal_quarter, ''),
                                          {match_text("t.fiscal_quarter")})
                                 = {match_text("t.fiscal_quarter")}) AS is_qrf_rejected,
                   {money("coalesce(p.pipe_actual, 0)")} AS pipe_actual,
                   {money("coalesce(p.open_pipe, 0)")} AS open_pipe,
                   coalesce(p.open_opportunities, 0) AS open_opportunities,
                   {money("coalesce(p.won_amount, 0)")} AS won_amount,
                   coalesce(p.won_opportunities, 0) AS won_opportunities,
                   {money("coalesce(p.lost_amount, 0)")} AS lost_amount,
                   coalesce(p.lost_opportunities, 0) AS lost_opportunities,
                   {money("coalesce(p.pipe_created, 0)")} AS pipe_created
            FROM {grid(geo=GEOS, solution=SOLUTIONS, sales_motion=SALES_MOTIONS)} g
            CROSS JOIN today t
            LEFT JOIN pipe p USING (geo, solution, sales_motion)
            LEFT JOIN plan q USING (geo, solution, sales_motion)
        )
        SELECT {sk("pipeline_daily", E, "geo", "solution", "sales_motion")}
                   AS pipeline_daily_key,
               geo, solution, sales_motion, fiscal_week, fiscal_week_start, fiscal_quarter,
               fiscal_quarter_start, fiscal_quarter_end, day_of_quarter,
               is_beginning_of_quarter AS is_boq, is_fiscal_week_end AS is_week_end,
               is_fiscal_quarter_end AS is_quarter_end,
               qrf, qrf_carried_from, is_qrf_rejected,
               {changes_held(rule.stale_after_days, rule.opening_extract)}
                   AS is_pipeline_complete,
               pipe_actual,
               {ratio("pipe_actual", "qrf")} AS pipe_coverage,
               {money("qrf - pipe_actual")} AS pipe_gap,
               {ratio("qrf - pipe_actual", "qrf")} AS gap_ratio,
               open_pipe, open_opportunities, won_amount, won_opportunities, lost_amount,
               lost_opportunities, pipe_created,
               {settled_columns("crm")}
        FROM measured
        """,
    )



AGG_PIPELINE_DAILY = pipeline_daily()


METRICS = [
    _metric("Pipe actual", "agg_pipeline_daily", "sum(pipe_actual)", f"{_SEGMENT} x day"),
    _metric("QRF", "agg_pipeline_daily", "qrf of the quarter from the quota plan received on "
            "the partition day", f"{_SEGMENT} x fiscal quarter", "empty when the plan lacks it; "
            "a rejected quota row counts its last good row of the "
            f"{CARRY_FORWARD_DAYS} days before (qrf_carried_from), else QRF is empty and "
            "is_qrf_rejected true"),
    _metric("Pipeline coverage", "agg_pipeline_daily", "pipe_actual / QRF",
            f"{_SEGMENT} x day (also weekly, BOQ, quarterly tables)",
            _PIPE_FILTER + "; empty when QRF is 0 or missing (never infinite)"),
    _metric("Pipe gap", "agg_pipeline_daily", "QRF - pipe_actual", f"{_SEGMENT} x day",
            _PIPE_FILTER + "; negative when the pipeline exceeds the quota"),
    _metric("Gap ratio", "agg_pipeline_daily", "(QRF - pipe_actual) / QRF", f"{_SEGMENT} x day",
            _PIPE_FILTER + "; empty when QRF is 0 or missing"),
    _metric("New pipeline", "agg_pipeline_daily", "sum(amount) of opportunities with "
            "created_at on the day (week: summed over the fiscal week; quarter: over the "
            "quarter)", f"{_SEGMENT} x day / fiscal week / fiscal quarter",
            "any close quarter", "Day E; fiscal week or quarter ending on E"),
]
