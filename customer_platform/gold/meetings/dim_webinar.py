"""dim_webinar: the webinars, type 1 in effect: a webinar is one version whose change time is its
start, and the view folds repeats.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, from_contract
from customer_platform.gold.meetings._keys import HOST_USER_KEY, WEBINAR_KEY
from customer_platform.gold.scd2 import Scd2Dimension, undelivered_column
from customer_platform.gold.sql import DAY, sk


class DimWebinarVersion(GoldModel):
    webinar_key: str = column("Surrogate key of the webinar")
    webinar_version_key: str = column("Surrogate key of this version", unique=True)
    webinar_id: str = column("Webinar business key")
    webinar_topic: str = column("Topic or title of the webinar for identification and "
                                "categorization", nullable=True)
    host_user_key: str = column("Host (dim_user.user_key)")
    host_user_id: str = column("Host user business key")
    webinar_date: dt.date = column("Day the webinar took place")
    start_time: dt.datetime = column("When the webinar began")
    end_time: dt.datetime = from_contract("platform.webinars", "end_time")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("Version time: the webinar's start")


DIM_WEBINAR = Scd2Dimension(
    versions=GoldTable(
        name="dim_webinar_versions",
        model=DimWebinarVersion,
        description="Webinar metadata for webinar analytics and event management reporting.",
        seed="002",
        kind="dimension",
        domain="meetings",
        primary_key=("webinar_version_key",),
        sources=("silver.stg_plt_webinars", "gold.dim_user"),
        foreign_keys=(ForeignKey("host_user_key", "dim_user", "user_key"),),
        grain="one row per webinar received that day",
        sql=f"""
        SELECT {WEBINAR_KEY} AS webinar_key,
               {sk("webinar_version", "webinar_id", "start_time")} AS webinar_version_key,
               webinar_id, webinar_topic, {HOST_USER_KEY} AS host_user_key, host_user_id,
               CAST(start_time AS DATE) AS webinar_date, start_time, end_time,
               _missing_columns AS undelivered_columns, start_time AS source_updated_at,
               {DAY} AS load_date, _event_date AS update_date, 'platform' AS source_system
        FROM silver.stg_plt_webinars WHERE _partition_date = $day
        """,
    ),
    entity_key="webinar_key",
    business_key="webinar_id",
    tracked=("webinar_topic", "host_user_id", "start_time", "end_time"),
    changed_at="source_updated_at",
)
