"""``gold.agg_pipeline_quarterly``: written on the partition after a fiscal quarter's last day:
BOQ and end-of-quarter pipeline, bookings (Closed Won) and attainment ``won / QRF``, read from
``agg_pipeline_daily``'s partitions.
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
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._pipeline import (
    _SEGMENT,
    QUARTER_DAYS,
    _Coverage,
    _daily_rows,
    _metric,
    _money,
    _rate,
    _snapshot,
)
from customer_platform.gold.revops._rules import PIPELINE, PipelineRule
from customer_platform.gold.sql import sk


class AggPipelineQuarterly(_Coverage):
    pipeline_quarterly_key: str = column("Surrogate key of fiscal quarter x geo x solution x "
                                         "sales motion", unique=True)
    fiscal_quarter: str = column("Fiscal quarter that ended")
    fiscal_quarter_start: dt.date = column("Its first day")
    snapshot_date: dt.date = column("Its last day: the end-of-quarter snapshot's day")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    boq_pipe: float = _money("pipe_actual on the quarter's first day (BOQ); empty when the "
                             "warehouse does not hold it", nullable=True)
    boq_coverage: float = _rate("BOQ pipe_coverage")
    won_amount: float = _money("Bookings: amount won with a close date in the quarter")
    won_opportunities: int = column("Opportunities won in the quarter", ge=0)
    lost_amount: float = _money("Amount lost with a close date in the quarter")
    lost_opportunities: int = column("Opportunities lost in the quarter", ge=0)
    pipe_created: float = _money("New pipeline opened during the quarter (days the warehouse "
                                 "holds)")
    attainment: float = _rate("won_amount / qrf")
    win_rate: float = _rate("won_opportunities / (won_opportunities + lost_opportunities)")


def pipeline_quarterly(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_quarterly",
        model=AggPipelineQuarterly,
        description="Quarterly pipeline roll-up per geography x solution x sales motion x "
        "fiscal quarter: BOQ and end-of-quarter pipeline and coverage, bookings "
        "and attainment against QRF.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("fiscal_quarter", "geo", "solution", "sales_motion"),
        sources=("gold.agg_pipeline_daily", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        window=(-(QUARTER_DAYS + 1), 0),
        grain="one row per geo x solution x sales motion for the fiscal quarter ending on the "
        "settled day, written on the next quarter's first day; other days hold none",
        sql=f"""
        WITH quarter_end AS {_daily_rows(E, "is_quarter_end")},
        days AS (
            SELECT q.geo, q.solution, q.sales_motion, sum(d.pipe_created) AS pipe_created,
                   max(d.pipe_actual) FILTER (d.is_boq) AS boq_pipe,
                   max(d.pipe_coverage) FILTER (d.is_boq) AS boq_coverage
            FROM quarter_end q JOIN {_daily_rows(f"{E} - {QUARTER_DAYS}")} d
              USING (geo, solution, sales_motion, fiscal_quarter)
            GROUP BY ALL
        )
        SELECT {sk("pipeline_quarterly", "q.fiscal_quarter", "q.geo", "q.solution",
                   "q.sales_motion")} AS pipeline_quarterly_key,
               {_snapshot("q")},
               d.boq_pipe, d.boq_coverage, q.won_amount, q.won_opportunities, q.lost_amount,
               q.lost_opportunities, {money("d.pipe_created")} AS pipe_created,
               {ratio("q.won_amount", "q.qrf")} AS attainment,
               {ratio("q.won_opportunities", "q.won_opportunities + q.lost_opportunities")}
                   AS win_rate,
               {settled_columns("crm")}
        FROM quarter_end q JOIN days d USING (geo, solution, sales_motion)
        """,
    )



AGG_PIPELINE_QUARTERLY = pipeline_quarterly()


METRICS = [
    _metric("Attainment", "agg_pipeline_quarterly", "won_amount / QRF: Closed Won amount with "
            "close_date in the quarter over its quota", f"{_SEGMENT} x fiscal quarter",
            "empty when QRF is 0 or missing", "Fiscal quarter, written on the next quarter's "
            "first day"),
]
