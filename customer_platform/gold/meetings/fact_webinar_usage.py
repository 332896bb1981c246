"""fact_webinar_usage: one row per webinar with its registrants and attendees, and the host's
customer on the webinar's business day (``dim_user.user_customer_join``)."""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.customer.dim_user import user_customer_join
from customer_platform.gold.meetings._keys import HOST_USER_KEY, WEBINAR_KEY
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import DAY, date_key


class FactWebinarUsage(GoldModel):
    webinar_key: str = column("Webinar (dim_webinar.webinar_key)", unique=True)
    webinar_id: str = column("Webinar business key")
    host_user_key: str = column("Webinar host (dim_user.user_key)")
    host_user_id: str = column("Host user business key")
    customer_key: str = column("Host's customer on the webinar day "
                               "(dim_customer.customer_key); empty while unknown", nullable=True)
    customer_id: str = column("Host's customer business key on the webinar day", nullable=True)
    event_date: dt.date = column("Business day of the webinar (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    start_time: dt.datetime = column("Timestamp when the webinar began for scheduling and usage "
                                     "pattern analysis")
    end_time: dt.datetime = column("Timestamp when the webinar ended for duration calculation "
                                   "and resource planning")
    duration_minutes: int = column("Length of the webinar in minutes", ge=0)
    registrants: int = column("Total number of users who registered for the webinar for "
                              "engagement metrics", ge=0)
    attendees: int = column("Registrants who attended", ge=0)
    attendance_rate: float = column("attendees / registrants (empty with no registrants)",
                                    nullable=True, ge=0.0)


FACT_WEBINAR_USAGE = GoldTable(
    name="fact_webinar_usage",
    model=FactWebinarUsage,
    description="Webinar session data for webinar analytics and event management reporting "
    "on the collaboration platform: webinar engagement and attendance metrics.",
    seed="002",
    kind="fact",
    domain="meetings",
    primary_key=("webinar_key",),
    sources=("silver.stg_plt_webinars", "gold.dim_user", "gold.dim_webinar",
             "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(ForeignKey("webinar_key", "dim_webinar", "webinar_key"),
                  ForeignKey("host_user_key", "dim_user", "user_key"),
                  ForeignKey("customer_key", "dim_customer", "customer_key"),
                  ForeignKey("event_date_key", "dim_date", "date_key")),
    grain="one row per webinar, in the partition of the day it was received",
    sql=f"""
    WITH webinars AS (SELECT * FROM silver.stg_plt_webinars WHERE _partition_date = $day)
    SELECT {WEBINAR_KEY} AS webinar_key, webinar_id,
           {HOST_USER_KEY} AS host_user_key, host_user_id,
           h.customer_key, h.customer_id,
           _event_date AS event_date, {date_key("_event_date")} AS event_date_key,
           start_time, end_time,
           CAST(date_diff('minute', start_time, end_time) AS BIGINT) AS duration_minutes,
           registrants, attendees,
           CASE WHEN registrants > 0 THEN attendees / registrants END AS attendance_rate,
           {DAY} AS load_date, _event_date AS update_date, 'platform' AS source_system
    FROM webinars {user_customer_join("webinars", "webinar_id", "host_user_id", "_event_date")}
    """,
)


METRICS = [
    Metric("Webinar attendance rate", "fact_webinar_usage",
           "attendees / registrants per webinar (empty with no registrants)",
           "one webinar", periods="per webinar (aggregate over any period with "
           "sum(attendees) / sum(registrants))"),
]
