"""dim_meeting: the meetings, type 1 in effect: a meeting is one version whose change time is its
start, and the view folds repeats.

Feature usage can arrive a day before its meeting (late rows), or for a meeting whose row was
rejected: such a meeting gets an inferred version dated midnight of the usage day, which the real
meeting (same day, later time) replaces in the view as soon as it arrives ("the last change of a
day wins").
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.meetings._keys import HOST_USER_KEY, MEETING_KEY
from customer_platform.gold.scd2 import Scd2Dimension, undelivered_column
from customer_platform.gold.sql import DAY, sk


class DimMeetingVersion(GoldModel):
    meeting_key: str = column("Surrogate key of the meeting")
    meeting_version_key: str = column("Surrogate key of this version", unique=True)
    meeting_id: str = column("Meeting business key")
    meeting_topic: str = column("Descriptive name or subject of the meeting for identification "
                                "and categorization (free text, not unique)", nullable=True)
    host_user_key: str = column("Host (dim_user.user_key)", nullable=True)
    host_user_id: str = column("Host user business key", nullable=True)
    meeting_date: dt.date = column("Day the meeting took place")
    start_time: dt.datetime = column("When the meeting began", nullable=True)
    end_time: dt.datetime = column("When the meeting concluded", nullable=True)
    is_inferred: bool = column("Inferred member: known from feature usage only (its meeting "
                               "row has not arrived); attributes unknown")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("Version time: the meeting's start (midnight of "
                                            "the usage day for an inferred member)")


DIM_MEETING = Scd2Dimension(
    versions=GoldTable(
        name="dim_meeting_versions",
        model=DimMeetingVersion,
        description="Meeting metadata for usage analytics and platform activity tracking "
        "on the collaboration platform: descriptive context for the meeting facts.",
        seed="002",
        kind="dimension",
        domain="meetings",
        primary_key=("meeting_version_key",),
        sources=("silver.stg_plt_meetings", "silver.stg_plt_feature_usage", "gold.dim_user"),
        foreign_keys=(ForeignKey("host_user_key", "dim_user", "user_key"),),
        grain="one row per meeting received that day, plus an inferred one per meeting the "
        "day's feature usage references without its meeting row",
        sql=f"""
        WITH meetings AS (
            SELECT * FROM silver.stg_plt_meetings WHERE _partition_date = $day
        ), inferred AS (
            SELECT DISTINCT meeting_id, usage_date FROM silver.stg_plt_feature_usage
            WHERE _partition_date = $day AND meeting_id NOT IN (SELECT meeting_id FROM meetings)
        )
        SELECT {MEETING_KEY} AS meeting_key,
               {sk("meeting_version", "meeting_id", "start_time")} AS meeting_version_key,
               meeting_id, meeting_topic, {HOST_USER_KEY} AS host_user_key, host_user_id,
               CAST(start_time AS DATE) AS meeting_date, start_time, end_time,
               FALSE AS is_inferred, _missing_columns AS undelivered_columns,
               start_time AS source_updated_at,
               {DAY} AS load_date, _event_date AS update_date, 'platform' AS source_system
        FROM meetings
        UNION ALL BY NAME
        SELECT {MEETING_KEY} AS meeting_key,
               {sk("meeting_version", "meeting_id", "CAST(usage_date AS TIMESTAMP)")}
                   AS meeting_version_key,
               meeting_id, NULL AS meeting_topic, NULL AS host_user_key, NULL AS host_user_id,
               usage_date AS meeting_date, NULL AS start_time, NULL AS end_time,
               TRUE AS is_inferred, NULL AS undelivered_columns,
               CAST(usage_date AS TIMESTAMP) AS source_updated_at,
               {DAY} AS load_date, usage_date AS update_date, 'platform' AS source_system
        FROM inferred
        """,
    ),
    entity_key="meeting_key",
    business_key="meeting_id",
    tracked=("meeting_topic", "host_user_id", "start_time", "end_time"),
    changed_at="source_updated_at",
)
