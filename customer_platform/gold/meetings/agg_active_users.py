"""agg_active_users: daily, weekly and monthly active users (DAU / WAU / MAU), periods as in
``gold/metrics.py``. An active user hosted at least one meeting in the period: the extracts
carry no participant identities."""

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


class AggActiveUsers(PeriodColumns):
    active_users_key: str = column("Surrogate key of period end x period type", unique=True)
    active_user_count: int = column("Number of unique active users for the specified period "
                                    "for engagement metrics (DAU, WAU, MAU)", ge=0)


AGG_ACTIVE_USERS = GoldTable(
    name="agg_active_users",
    model=AggActiveUsers,
    description="Daily, weekly and monthly active user counts for user engagement analysis "
    "and platform adoption metrics: an active user hosted at "
    "least one meeting in the period (the extracts carry no participant identities).",
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
    SELECT {sk("agg_active_users", DAY, "p.period_type")} AS active_users_key,
           {period_select()},
           count(DISTINCT a.user_key) AS active_user_count
    FROM {periods()} LEFT JOIN activity a ON {IN_PERIOD}
    GROUP BY p.period_type, p.period_days
    """,
)


METRICS = [
    Metric("Active users (DAU / WAU / MAU)", "agg_active_users",
           "count(DISTINCT user_key) of agg_user_daily_activity rows with activity_date in "
           "the period",
           "period end day x period type",
           "an active user hosted at least one meeting (by the meeting's business day; late "
           "rows counted once they arrive)"),
]
