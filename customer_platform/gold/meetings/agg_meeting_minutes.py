"""agg_meeting_minutes: total and average meeting minutes per period (``gold/metrics.py``),
read from the per-user daily summary rather than every meeting."""

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldTable
from customer_platform.gold.meetings._periods import ACTIVITY_CTE, IN_PERIOD
from customer_platform.gold.metrics import (
    AGGREGATE_WINDOW,
    Metric,
    PeriodColumns,
    period_select,
    periods,
)
from customer_platform.gold.sql import DAY, sk


class AggMeetingMinutes(PeriodColumns):
    meeting_minutes_key: str = column("Surrogate key of period end x period type", unique=True)
    total_meeting_minutes: int = column("Sum of all meeting durations for the specified period "
                                        "for usage analytics", ge=0)
    meeting_count: int = column("Meetings held in the period", ge=0)
    average_meeting_minutes: float = column("Average meeting duration in minutes (empty with "
                                            "no meetings)", nullable=True, ge=0.0)


AGG_MEETING_MINUTES = GoldTable(
    name="agg_meeting_minutes",
    model=AggMeetingMinutes,
    description="Total meeting minutes by period for usage analytics and platform "
    "utilization reporting.",
    seed="002",
    kind="aggregate",
    domain="meetings",
    primary_key=("period_type",),
    sources=("gold.agg_user_daily_activity", "gold.dim_date"),
    foreign_keys=(ForeignKey("activity_date_key", "dim_date", "date_key"),),
    window=AGGREGATE_WINDOW,
    grain="one row per period type (Daily, Weekly, Monthly) ending the day before the partition",
    sql=f"""
    WITH {ACTIVITY_CTE.strip()}
    SELECT {sk("agg_meeting_minutes", DAY, "p.period_type")} AS meeting_minutes_key,
           {period_select()},
           coalesce(sum(a.meeting_minutes), 0) AS total_meeting_minutes,
           coalesce(sum(a.meetings_hosted), 0) AS meeting_count,
           sum(a.meeting_minutes) / sum(a.meetings_hosted) AS average_meeting_minutes
    FROM {periods()} LEFT JOIN activity a ON {IN_PERIOD}
    GROUP BY p.period_type, p.period_days
    """,
)


METRICS = [
    Metric("Total meeting minutes", "agg_meeting_minutes",
           "sum(duration_minutes) of the meetings whose event_date is in the period",
           "period end day x period type"),
    Metric("Average meeting minutes", "agg_meeting_minutes",
           "total_meeting_minutes / meeting_count (empty with no meetings)",
           "period end day x period type"),
]
