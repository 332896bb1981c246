"""agg_user_daily_activity: the meetings each user hosted per business day, the summary the period
aggregates and the licenses snapshot read.

A 30-day window then reads one row per active user and day instead of every meeting, so a day's
cost does not grow with history.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.sql import date_key, sk


class AggUserDailyActivity(GoldModel):
    user_activity_key: str = column("Surrogate key of user x activity day x day received",
                                    unique=True)
    user_key: str = column("Active user (dim_user.user_key)")
    user_id: str = column("User business key")
    customer_key: str = column("User's customer (dim_customer.customer_key)", nullable=True)
    activity_date: dt.date = column("Business day of the activity")
    activity_date_key: int = column("dim_date.date_key of activity_date")
    meetings_hosted: int = column("Meetings the user hosted that day", ge=1)
    meeting_minutes: int = column("Minutes of the meetings the user hosted that day", ge=1)
    participants: int = column("Participants of those meetings, hosts included", ge=1)


AGG_USER_DAILY_ACTIVITY = GoldTable(
    name="agg_user_daily_activity",
    model=AggUserDailyActivity,
    description="Daily per-user activity summary (helper of the active-user, meeting minute "
    "and license utilization aggregates): the meetings each user hosted, so a 30-day "
    "window reads one row per active user and day instead of every meeting.",
    seed="002",
    kind="aggregate",
    domain="meetings",
    primary_key=("user_key", "activity_date"),
    sources=("gold.fact_meeting_usage", "gold.dim_user", "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(ForeignKey("user_key", "dim_user", "user_key"),
                  ForeignKey("customer_key", "dim_customer", "customer_key"),
                  ForeignKey("activity_date_key", "dim_date", "date_key")),
    grain="one row per user x activity day among the meetings received that day (a late "
    "row's day may also appear in the previous partition)",
    sql=f"""
    SELECT {sk("user_activity", "host_user_id", "event_date", "load_date")} AS user_activity_key,
           host_user_key AS user_key, host_user_id AS user_id,
           any_value(customer_key) AS customer_key,
           event_date AS activity_date, {date_key("event_date")} AS activity_date_key,
           count(*) AS meetings_hosted, sum(duration_minutes) AS meeting_minutes,
           sum(participant_count) AS participants,
           load_date, max(update_date) AS update_date, 'platform' AS source_system
    FROM gold.fact_meeting_usage WHERE load_date = $day
    GROUP BY host_user_key, host_user_id, event_date, load_date
    """,
)
