"""fact_meeting_usage: one row per meeting, the central fact of meeting KPIs, with the host's
customer on the meeting's business day (``dim_user.user_customer_join``), so a host who moves
company later does not move past meetings."""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, from_contract
from customer_platform.gold.customer.dim_user import user_customer_join
from customer_platform.gold.meetings._keys import HOST_USER_KEY, MEETING_KEY
from customer_platform.gold.sql import DAY, date_key


class FactMeetingUsage(GoldModel):
    meeting_key: str = column("Meeting (dim_meeting.meeting_key)", unique=True)
    meeting_id: str = column("Meeting business key")
    host_user_key: str = column("Meeting host (dim_user.user_key), for host activity analysis "
                                "and user engagement metrics")
    host_user_id: str = column("Host user business key")
    customer_key: str = column("Host's customer on the meeting day (dim_customer.customer_key); "
                               "empty while unknown", nullable=True)
    customer_id: str = column("Host's customer business key on the meeting day", nullable=True)
    event_date: dt.date = column("Business day of the meeting (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    start_time: dt.datetime = column("Timestamp when the meeting began for scheduling and usage "
                                     "pattern analysis")
    end_time: dt.datetime = column("Timestamp when the meeting concluded for duration "
                                   "calculation and resource planning")
    duration_minutes: int = column("Total length of the meeting in minutes for usage analytics "
                                   "and billing purposes", ge=1)
    participant_count: int = from_contract("platform.meetings", "participant_count", ge=1)


FACT_MEETING_USAGE = GoldTable(
    name="fact_meeting_usage",
    model=FactMeetingUsage,
    description="Meeting session data for usage analytics and platform activity measurement "
    "on the collaboration platform: the central fact of meeting KPIs.",
    seed="002",
    kind="fact",
    domain="meetings",
    primary_key=("meeting_key",),
    sources=("silver.stg_plt_meetings", "gold.dim_user", "gold.dim_meeting",
             "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(ForeignKey("meeting_key", "dim_meeting", "meeting_key"),
                  ForeignKey("host_user_key", "dim_user", "user_key"),
                  ForeignKey("customer_key", "dim_customer", "customer_key"),
                  ForeignKey("event_date_key", "dim_date", "date_key")),
    grain="one row per meeting, in the partition of the day it was received",
    sql=f"""
    WITH meetings AS (SELECT * FROM silver.stg_plt_meetings WHERE _partition_date = $day)
    SELECT {MEETING_KEY} AS meeting_key, meeting_id,
           {HOST_USER_KEY} AS host_user_key, host_user_id,
           h.customer_key, h.customer_id,
           _event_date AS event_date, {date_key("_event_date")} AS event_date_key,
           start_time, end_time, duration_minutes, participant_count,
           {DAY} AS load_date, _event_date AS update_date, 'platform' AS source_system
    FROM meetings {user_customer_join("meetings", "meeting_id", "host_user_id", "_event_date")}
    """,
)
