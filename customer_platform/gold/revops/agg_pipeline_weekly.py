"""``gold.agg_pipeline_weekly``: written on the partition after a fiscal week's last day: the
week's closing snapshot, the week's new pipeline, the change since the previous week's close,
the quarter's BOQ snapshot and the historical coverage at the same day of the quarter, all read
from ``agg_pipeline_daily``'s partitions.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldTable
from customer_platform.gold.revops._common import (
    DOMAIN,
    SEED,
    SNAPSHOT_DATE_FK,
    E,
    money,
    settled_columns,
)
from customer_platform.gold.revops._pipeline import (
    _SEGMENT,
    QUARTER_DAYS,
    _Coverage,
    _daily_rows,
    _History,
    _history,
    _history_window,
    _metric,
    _money,
    _rate,
    _snapshot,
)
from customer_platform.gold.revops._rules import PIPELINE, PipelineRule
from customer_platform.gold.sql import sk


class AggPipelineWeekly(_Coverage, _History):
    pipeline_weekly_key: str = column("Surrogate key of fiscal week x geo x solution x sales "
                                      "motion", unique=True)
    fiscal_week: str = column("Fiscal week (FYyyyy-Www)")
    fiscal_week_start: dt.date = column("First day of the fiscal week")
    snapshot_date: dt.date = column("Last day of the fiscal week: the snapshot's day")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    fiscal_quarter: str = column("Fiscal quarter of the week's last day, the pipeline's quarter")
    fiscal_quarter_start: dt.date = column("First day of that quarter")
    day_of_quarter: int = column("Day of the quarter of the week's last day", ge=1,
                                 le=QUARTER_DAYS)
    open_opportunities: int = column("Open opportunities closing in the quarter", ge=0)
    won_amount: float = _money("Amount won in the quarter up to the week's end")
    pipe_created: float = _money("New pipeline of the week: amount of the opportunities "
                                 "opened during it")
    previous_week_pipe: float = _money("pipe_actual at the previous fiscal week's end, for the "
                                       "same quarter; empty when that day is in another "
                                       "quarter or not held", nullable=True)
    pipe_wow_change: float = _money("pipe_actual - previous_week_pipe", nullable=True,
                                    signed=True)
    boq_pipe: float = _money("pipe_actual on the quarter's first day (BOQ); empty when the "
                             "warehouse does not hold it", nullable=True)
    boq_coverage: float = _rate("BOQ pipe_coverage")
    pipe_change_since_boq: float = _money("pipe_actual - boq_pipe", nullable=True, signed=True)


def pipeline_weekly(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_weekly",
        model=AggPipelineWeekly,
        description="Weekly pipeline roll-up per geography x solution x sales motion x fiscal "
        "week: the week's closing coverage, gap and gap ratio, new pipeline, the "
        "week-over-week change, progress since BOQ and the historical coverage at the same day "
        "of the quarter.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("fiscal_week", "geo", "solution", "sales_motion"),
        sources=("gold.agg_pipeline_daily", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        window=_history_window(rule),
        grain="one row per geo x solution x sales motion for the fiscal week ending on the "
        "settled day, written on the next week's first day; other days hold none",
        sql=f"""
        WITH week AS {_daily_rows(E, "is_week_end")},
        days AS (
            SELECT w.geo, w.solution, w.sales_motion, sum(d.pipe_created) AS pipe_created
            FROM week w JOIN {_daily_rows(f"{E} - 6")} d
              USING (geo, solution, sales_motion, fiscal_week)
            GROUP BY ALL
        ), previous AS (
            SELECT p.geo, p.solution, p.sales_motion, p.pipe_actual AS previous_week_pipe
            FROM week w JOIN {_daily_rows(f"{E} - 7")} p
              ON p.geo = w.geo AND p.solution = w.solution AND p.sales_motion = w.sales_motion
             AND p.snapshot_date = w.fiscal_week_start - 1
             AND p.fiscal_quarter = w.fiscal_quarter
        ), boq AS (
            SELECT b.geo, b.solution, b.sales_motion, b.pipe_actual AS boq_pipe,
                   b.pipe_coverage AS boq_coverage
            FROM {_daily_rows(f"{E} - {QUARTER_DAYS}", "is_boq")} b
            JOIN week w USING (geo, solution, sales_motion, fiscal_quarter)
        )
        SELECT {sk("pipeline_weekly", "w.fiscal_week", "w.geo", "w.solution", "w.sales_motion")}
                   AS pipeline_weekly_key,
               {_snapshot("w")},
               w.fiscal_week, w.fiscal_week_start, w.day_of_quarter, w.open_opportunities,
               w.won_amount, {money("coalesce(d.pipe_created, 0)")} AS pipe_created,
               p.previous_week_pipe,
               {money("w.pipe_actual - p.previous_week_pipe")} AS pipe_wow_change,
               b.boq_pipe, b.boq_coverage,
               {money("w.pipe_actual - b.boq_pipe")} AS pipe_change_since_boq,
               h.historical_avg_pipe, h.historical_avg_coverage, h.historical_quarters,
               {settled_columns("crm")}
        FROM week w
        JOIN {_history(rule, "week")} h USING (geo, solution, sales_motion)
        LEFT JOIN days d USING (geo, solution, sales_motion)
        LEFT JOIN previous p USING (geo, solution, sales_motion)
        LEFT JOIN boq b USING (geo, solution, sales_motion)
        """,
    )



AGG_PIPELINE_WEEKLY = pipeline_weekly()


METRICS = [
    _metric("Week-over-week pipeline change", "agg_pipeline_weekly",
            "pipe_actual(week end) - pipe_actual(previous week end)", f"{_SEGMENT} x fiscal week",
            "same fiscal quarter only (empty across a quarter boundary)",
            "Fiscal week, written on the next week's first day"),
    _metric("Historical coverage at the same point of the quarter", "agg_pipeline_weekly",
            "avg(pipe_coverage) on the same day of the quarter in the previous "
            f"{PIPELINE.history_quarters} fiscal quarters held", f"{_SEGMENT} x fiscal week",
            "as Historical BOQ average coverage", "Fiscal week, written on the next week's "
            "first day"),
]
