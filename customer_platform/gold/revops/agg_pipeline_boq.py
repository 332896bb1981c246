"""``gold.agg_pipeline_boq``: written on the partition after a fiscal quarter's first day: the
beginning-of-quarter (BOQ) snapshot and the average BOQ of the previous quarters, read from
``agg_pipeline_daily``'s partitions.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldTable
from customer_platform.gold.revops._common import DOMAIN, SEED, SNAPSHOT_DATE_FK, E, settled_columns
from customer_platform.gold.revops._pipeline import (
    _PIPE_FILTER,
    _SEGMENT,
    _Coverage,
    _daily_rows,
    _History,
    _history,
    _history_window,
    _metric,
    _snapshot,
)
from customer_platform.gold.revops._rules import PIPELINE, PipelineRule
from customer_platform.gold.sql import sk


class AggPipelineBoq(_Coverage, _History):
    pipeline_boq_key: str = column("Surrogate key of quarter x geo x solution x sales motion",
                                   unique=True)
    fiscal_quarter: str = column("Fiscal quarter that begins")
    fiscal_quarter_start: dt.date = column("Its first day: the BOQ snapshot day")
    snapshot_date: dt.date = column("The BOQ day described (= fiscal_quarter_start)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    coverage_vs_history: float = column("pipe_coverage - historical_avg_coverage: above 0, "
                                        "the quarter starts better covered than usual",
                                        nullable=True)


def pipeline_boq(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_boq",
        model=AggPipelineBoq,
        description="Beginning-of-quarter (BOQ) pipeline snapshots with the historical BOQ "
        "averages the dashboards compare against.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("fiscal_quarter", "geo", "solution", "sales_motion"),
        sources=("gold.agg_pipeline_daily", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        window=_history_window(rule),
        grain="one row per geo x solution x sales motion for the fiscal quarter whose first "
        "day is the settled day, written on the quarter's second day; other days hold none",
        sql=f"""
        WITH boq AS {_daily_rows(E, "is_boq")}
        SELECT {sk("pipeline_boq", "b.fiscal_quarter", "b.geo", "b.solution", "b.sales_motion")}
                   AS pipeline_boq_key,
               {_snapshot("b")},
               h.historical_avg_pipe, h.historical_avg_coverage, h.historical_quarters,
               round(b.pipe_coverage - h.historical_avg_coverage, 6) AS coverage_vs_history,
               {settled_columns("crm")}
        FROM boq b JOIN {_history(rule, "boq")} h USING (geo, solution, sales_motion)
        """,
    )



AGG_PIPELINE_BOQ = pipeline_boq()


METRICS = [
    _metric("BOQ pipeline and coverage", "agg_pipeline_boq", "pipe_actual and pipe_coverage on "
            "the fiscal quarter's first day", f"{_SEGMENT} x fiscal quarter", _PIPE_FILTER,
            "The quarter's first day, written on its second"),
    _metric("Historical BOQ average coverage", "agg_pipeline_boq",
            "avg(BOQ pipe_coverage) over the previous "
            f"{PIPELINE.history_quarters} fiscal quarters the warehouse holds",
            f"{_SEGMENT} x fiscal quarter", "quarters without a coverage (QRF 0) left out; "
            "historical_quarters says how many were averaged",
            "The quarter's first day, written on its second"),
]
