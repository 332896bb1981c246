"""fact_feature_usage: one row per meeting and feature used, the base of feature adoption.

Usage can arrive before its meeting row: the host is then unknown here (empty), and the adoption
aggregate takes it from ``fact_meeting_usage`` once the meeting has arrived.
"""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.meetings._keys import HOST_USER_KEY
from customer_platform.gold.sql import DAY, date_key, sk

FEATURE_KEY = sk("feature", "feature_name")


class FactFeatureUsage(GoldModel):
    feature_usage_key: str = column("Surrogate key of this meeting x feature", unique=True)
    meeting_key: str = column("Meeting the feature was used in (dim_meeting.meeting_key)")
    meeting_id: str = column("Meeting business key")
    feature_key: str = column("Feature used (dim_feature.feature_key)")
    feature_name: str = column("Specific platform feature used (Screen Share, Recording, Chat, "
                               "Breakout Rooms) for adoption analysis", isin=list(v.FEATURES))
    user_key: str = column("Host of the meeting (dim_user.user_key); empty while the meeting "
                           "row has not arrived", nullable=True)
    user_id: str = column("Host user business key", nullable=True)
    usage_count: int = column("Number of times the feature was utilized during the meeting "
                              "for engagement metrics", ge=1)
    usage_date: dt.date = column("Date when the feature was used for temporal analysis and "
                                 "trend identification")
    event_date: dt.date = column("Business day of the usage (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")


FACT_FEATURE_USAGE = GoldTable(
    name="fact_feature_usage",
    model=FactFeatureUsage,
    description="Feature utilization data for feature adoption analysis and product "
    "development decisions: supports adoption rates and "
    "usage trends.",
    seed="002",
    kind="fact",
    domain="meetings",
    primary_key=("feature_usage_key",),
    sources=("silver.stg_plt_feature_usage", "gold.dim_meeting", "gold.dim_feature",
             "gold.dim_user", "gold.dim_date"),
    foreign_keys=(ForeignKey("meeting_key", "dim_meeting", "meeting_key"),
                  ForeignKey("feature_key", "dim_feature", "feature_key"),
                  ForeignKey("user_key", "dim_user", "user_key"),
                  ForeignKey("event_date_key", "dim_date", "date_key")),
    grain="one row per meeting x feature used, in the partition of the day it was received",
    sql=f"""
    WITH hosts AS (  -- the latest host of each meeting loaded by the day
        SELECT meeting_id, arg_max(host_user_id, source_updated_at) AS host_user_id
        FROM gold.dim_meeting_versions
        WHERE NOT is_inferred AND load_date <= $day GROUP BY meeting_id
    )
    SELECT {sk("feature_usage", "f.meeting_id", "f.feature_name")} AS feature_usage_key,
           {sk("meeting", "f.meeting_id")} AS meeting_key, f.meeting_id,
           {FEATURE_KEY} AS feature_key, feature_name,
           CASE WHEN h.host_user_id IS NOT NULL THEN {HOST_USER_KEY} END AS user_key,
           h.host_user_id AS user_id,
           usage_count, usage_date,
           _event_date AS event_date, {date_key("_event_date")} AS event_date_key,
           {DAY} AS load_date, _event_date AS update_date, 'platform' AS source_system
    FROM silver.stg_plt_feature_usage f LEFT JOIN hosts h ON h.meeting_id = f.meeting_id
    WHERE f._partition_date = $day
    """,
)
