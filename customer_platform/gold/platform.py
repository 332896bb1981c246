"""The collaboration platform (seed 002): users, meetings, webinars, features, licenses.

Seed 002 joins on names (User_Name, Meeting_Topic); gold joins on stable surrogate keys
(``sk``) and keeps the business keys beside them, so a topic shared by many meetings or two
users with the same name never merge.

Dimensions (all SCD2 machinery, see ``gold/scd2.py``: a stored ``<dim>_versions`` table and
the ``gold.<dim>`` view with valid_from / valid_to / is_current):

- ``dim_user``: type 2 over plan_type, company and customer_id (a company move is a move to
  another customer). A day's versions are the snapshot rows that ``versions_filter`` selects
  (recent changes; everything on the first partition) plus the users that appear in today's
  snapshot but not in yesterday's, so a user whose row was rejected on the first day (or on
  the day of its change) comes in the next day instead of never. A user the day's meetings,
  webinars or licenses reference but whose snapshot row is missing today (rejected) gets an
  *inferred member* version (``is_inferred``, attributes unknown) dated 1900-01-01: it keeps
  every fact's ``user_key`` resolvable, and any real version, earlier or later, supersedes it
  (it can only ever be the "before we knew" version).
- ``dim_meeting`` / ``dim_webinar``: type 1 in effect. A meeting is one version whose change
  time is its start; the view folds repeats. Feature usage can arrive a day before its
  meeting (late rows) or for a meeting whose row was rejected: such meetings get an inferred
  version dated midnight of the usage day, which the real meeting (same day, later time)
  replaces in the view as soon as it arrives ("the last change of a day wins").
- ``dim_feature``, ``dim_license_type``, ``dim_ticket_type``, ``dim_billing_event_type``:
  reference lists built from ``vocabulary.py`` (a ``VALUES`` list). Every partition stores
  the same version of every value with the fixed change time 2015-01-01, so whichever
  partitions are loaded, the view holds exactly one row per key (the versions are folded);
  a value added to the vocabulary appears from the next loaded day, a removed one stays
  (history keeps the keys facts already reference).

Facts (partition D = the silver rows received on D; ``event_date`` = their business day,
so late rows keep theirs): ``fact_meeting_usage``, ``fact_feature_usage``,
``fact_webinar_usage`` and ``fact_license_utilization`` (a daily periodic snapshot of the
licenses). ``customer_key`` comes from the host's ``dim_user`` version in force on the event
day (``dim_user.customer_key``).

Aggregates follow ``gold/metrics.py``: partition D holds the Daily, Weekly and Monthly rows
of the periods ending on the settled day E = D-1 (E, E-6..E, E-29..E); activity counts by
event date, read from the daily per-user summary ``agg_user_daily_activity`` over partitions
D-30..D (``AGGREGATE_WINDOW``: the period's rows plus E's late rows, which arrive on D), so a
day's cost does not grow with history and a partition never changes once written. The
periodic snapshot ``fact_license_utilization`` follows the same rule: partition D holds the
licenses snapshot of E with the meetings of the 30 days up to E, late ones included.

Look-ups: a fact or aggregate of day D reads a dimension as it stood once D was loaded
(``Scd2Dimension.as_loaded()``: the versions with ``load_date <= D``), never the view, which
also holds later loads; so re-running an old day gives the rows it gave the first time.
"""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.completeness import (
    SILVER_MISSING,
    UNDELIVERED,
    canonical,
    carry_forward_sources,
    carry_forward_windows,
    last_delivered,
    record_field,
    snapshot_as_of,
    snapshot_table,
    undelivered,
    unrecovered_rejects,
)
from customer_platform.gold.metrics import (
    AGGREGATE_WINDOW,
    DAY,
    IS_COMPLETE_DOC,
    PERIOD_DAYS,
    PERIOD_END,
    Metric,
    period_complete,
)
from customer_platform.gold.scd2 import (
    INFERRED_SINCE,
    REFERENCE_SINCE_DOC,
    Scd2Dimension,
    reference_dimension,
    undelivered_column,
    versions_filter,
)
from customer_platform.gold.sql import CUSTOMER_KEY, USER_KEY, date_key, sk, values_sql

SEED = "002"
DOMAIN = "platform"

HOST_USER_KEY = sk("user", "host_user_id")
MEETING_KEY = sk("meeting", "meeting_id")
WEBINAR_KEY = sk("webinar", "webinar_id")
FEATURE_KEY = sk("feature", "feature_name")
LICENSE_TYPE_KEY = sk("license_type", "license_type")


PERIOD_TYPES = list(PERIOD_DAYS)


def _periods(alias: str = "p") -> str:
    """SQL: the period types and their lengths in days, as relation ``alias``."""
    return values_sql(list(PERIOD_DAYS.items()), ("period_type", "period_days")).replace(
        " AS t(", f" AS {alias}(")


def _in_window(alias: str) -> str:
    """SQL predicate: rows of ``alias`` from the aggregate window's partitions."""
    first, last = AGGREGATE_WINDOW
    return f"{alias}.load_date BETWEEN {DAY} + {first} AND {DAY} + {last}"


def _host_as_of(rows: str, id_col: str, user_col: str, date_col: str) -> str:
    """SQL: per row of CTE ``rows`` (unique ``id_col``), the customer of its user's dim_user
    version in force on ``date_col``; before the user's first known version, that version
    (inferred versions carry no customer and are skipped)."""
    return f"""
        SELECT r.{id_col} AS _id, u.customer_key, u.customer_id
        FROM {rows} r JOIN {DIM_USER.as_loaded()} u
          ON u.user_id = r.{user_col} AND NOT u.is_inferred
        QUALIFY row_number() OVER (
            PARTITION BY r.{id_col}
            ORDER BY (r.{date_col} BETWEEN u.valid_from AND u.valid_to) DESC, u.valid_from) = 1
    """


# -- dim_user (SCD type 2 over plan, company and customer) ------------------------------------


class DimUserVersion(GoldModel):
    user_key: str = column("Durable surrogate key of the user (same in every version)")
    user_version_key: str = column("Surrogate key of this version", unique=True)
    user_id: str = column("Platform user key (business key)")
    user_name: str = column("Full name of the registered user for identification and "
                            "personalization purposes", pii="personal_identifier",
                            nullable=True)
    email: str = column("Primary email address used for account registration and "
                        "communication", pii="contact", nullable=True)
    customer_key: str = column("Business customer of the user (dim_customer.customer_key); "
                               "empty while that customer is not in dim_customer",
                               nullable=True)
    customer_id: str = column("Business customer of the user (conformed customer key)",
                              nullable=True)
    company: str = column("Organization name associated with the user account for business "
                          "analytics and segmentation", nullable=True)
    plan_type: str = column("Subscription tier (Free, Basic, Pro, Business, Enterprise) "
                            "indicating service level and feature access", nullable=True,
                            isin=list(v.PLAN_TYPES))
    created_date: dt.date = column("Day the user account was created", nullable=True)
    is_inferred: bool = column("Inferred member: referenced by a fact before (or without) its "
                               "snapshot row; attributes unknown")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the platform recorded this version "
                                            "(1900-01-01 for an inferred member)")



_USER_VERSIONS_SQL = f"""
WITH snapshot AS (
    SELECT * FROM silver.stg_plt_users WHERE _partition_date = $day
), yesterday AS (
    SELECT user_id FROM silver.stg_plt_users WHERE _partition_date = {DAY} - 1
), referenced AS (
    SELECT host_user_id AS user_id FROM silver.stg_plt_meetings WHERE _partition_date = $day
    UNION SELECT host_user_id FROM silver.stg_plt_webinars WHERE _partition_date = $day
    UNION SELECT user_id FROM silver.stg_plt_licenses WHERE _partition_date = $day
    UNION SELECT user_id FROM silver.stg_bil_billing_events WHERE _partition_date = $day
    UNION SELECT user_id FROM silver.stg_sup_tickets WHERE _partition_date = $day
), known_customers AS (
    SELECT DISTINCT customer_id AS known_customer_id FROM gold.dim_customer_versions
    WHERE load_date <= $day
)
SELECT {USER_KEY} AS user_key,
       {sk("user_version", "user_id", "updated_at")} AS user_version_key,
       s.user_id, s.user_name, s.email,
       CASE WHEN c.known_customer_id IS NOT NULL THEN {CUSTOMER_KEY} END AS customer_key,
       s.customer_id, s.company, s.plan_type, s.created_date,
       FALSE AS is_inferred, s._missing_columns AS undelivered_columns,
       s.updated_at AS source_updated_at,
       {DAY} AS load_date,
       CAST(s.updated_at AS DATE) AS update_date,
       'platform' AS source_system
FROM snapshot s LEFT JOIN known_customers c ON c.known_customer_id = s.customer_id
WHERE {versions_filter("s.updated_at")}
   OR s.user_id NOT IN (SELECT user_id FROM yesterday)
UNION ALL BY NAME
SELECT {USER_KEY} AS user_key,
       {sk("user_version", "user_id", INFERRED_SINCE)} AS user_version_key,
       user_id, NULL AS user_name, NULL AS email, NULL AS customer_key, NULL AS customer_id,
       NULL AS company, NULL AS plan_type, NULL AS created_date,
       TRUE AS is_inferred, NULL AS undelivered_columns,
       {INFERRED_SINCE} AS source_updated_at,
       {DAY} AS load_date,
       {DAY} AS update_date,
       'platform' AS source_system
FROM referenced
WHERE user_id NOT IN (SELECT user_id FROM snapshot)
"""

DIM_USER = Scd2Dimension(
    versions=GoldTable(
        name="dim_user_versions",
        model=DimUserVersion,
        description="User profile information for analytics and subscription management "
        "(seed 002, Go_Dim_User): tracks plan changes and company moves for trend analysis "
        "and user lifecycle reporting. The stored versions of each user.",
        seed=SEED,
        kind="dimension",
        domain=DOMAIN,
        primary_key=("user_version_key",),
        sources=("silver.stg_plt_users", "silver.stg_plt_meetings", "silver.stg_plt_webinars",
                 "silver.stg_plt_licenses", "silver.stg_bil_billing_events",
                 "silver.stg_sup_tickets", "gold.dim_customer"),
        foreign_keys=(ForeignKey("customer_key", "dim_customer", "customer_key"),),
        window=(-1, 0),
        grain="one row per user version contributed by the day's users snapshot (recent "
        "changes, users new since yesterday) plus inferred members for referenced users",
        sql=_USER_VERSIONS_SQL,
    ),
    entity_key="user_key",
    business_key="user_id",
    tracked=("plan_type", "company", "customer_id"),
    changed_at="source_updated_at",
)


# -- dim_meeting, dim_webinar -----------------------------------------------------------------


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
        "(seed 002, Go_Dim_Meeting): descriptive context for the meeting facts.",
        seed=SEED,
        kind="dimension",
        domain=DOMAIN,
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
    end_time: dt.datetime = column("When the webinar ended")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("Version time: the webinar's start")



DIM_WEBINAR = Scd2Dimension(
    versions=GoldTable(
        name="dim_webinar_versions",
        model=DimWebinarVersion,
        description="Webinar metadata for webinar analytics and event management reporting "
        "(seed 002, Go_Dim_Webinar).",
        seed=SEED,
        kind="dimension",
        domain=DOMAIN,
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


# -- reference dimensions from vocabulary.py --------------------------------------------------


class DimFeatureVersion(GoldModel):
    feature_key: str = column("Surrogate key of the feature", unique=True)
    feature_version_key: str = column("Surrogate key of this version", unique=True)
    feature_name: str = column("Specific platform feature name (Screen Share, Recording, Chat, "
                               "Breakout Rooms) for adoption analysis")
    feature_order: int = column("Position in the platform's feature list, for sorting", ge=1)
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


class DimLicenseTypeVersion(GoldModel):
    license_type_key: str = column("Surrogate key of the license type", unique=True)
    license_type_version_key: str = column("Surrogate key of this version", unique=True)
    license_type: str = column("Category of software license (Basic, Pro, Business, Enterprise, "
                               "Education) indicating feature access level")
    license_type_order: int = column("Position in the license type list, for sorting", ge=1)
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


class DimTicketTypeVersion(GoldModel):
    ticket_type_key: str = column("Surrogate key of the ticket type", unique=True)
    ticket_type_version_key: str = column("Surrogate key of this version", unique=True)
    ticket_type: str = column("Category of the support request (Technical Issue, Billing "
                              "Question, Feature Request) for issue classification")
    ticket_type_order: int = column("Position in the ticket type list, for sorting", ge=1)
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


class DimBillingEventTypeVersion(GoldModel):
    billing_event_type_key: str = column("Surrogate key of the billing event type", unique=True)
    billing_event_type_version_key: str = column("Surrogate key of this version", unique=True)
    event_type: str = column("Type of billing transaction (Subscription Fee, Subscription "
                             "Renewal, Add-on Purchase, Refund) for revenue categorization")
    event_type_order: int = column("Position in the billing event type list, for sorting", ge=1)
    is_recurring: bool = column("Recurring subscription revenue (fee or renewal), the base "
                                "of MRR")
    is_refund: bool = column("Money returned to the customer (negative revenue)")
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


RECURRING_EVENT_TYPES = ("Subscription Fee", "Subscription Renewal")
REFUND_EVENT_TYPES = ("Refund",)

DIM_FEATURE = reference_dimension(
    "feature", "feature_name", DimFeatureVersion,
    [(name, i) for i, name in enumerate(v.FEATURES, 1)], ("feature_name", "feature_order"),
    "Platform feature definitions for feature adoption analysis and product development "
    "decisions (seed 002, Go_Dim_Feature).", domain=DOMAIN)

DIM_LICENSE_TYPE = reference_dimension(
    "license_type", "license_type", DimLicenseTypeVersion,
    [(name, i) for i, name in enumerate(v.LICENSE_TYPES, 1)],
    ("license_type", "license_type_order"),
    "License type definitions for license utilization analysis and renewal planning "
    "(seed 002, Go_Dim_License_Type).", domain=DOMAIN)

DIM_TICKET_TYPE = reference_dimension(
    "ticket_type", "ticket_type", DimTicketTypeVersion,
    [(name, i) for i, name in enumerate(v.TICKET_TYPES, 1)],
    ("ticket_type", "ticket_type_order"),
    "Support ticket type definitions for service quality analysis and issue categorization "
    "(seed 002, Go_Dim_Ticket_Type).", domain=DOMAIN)

DIM_BILLING_EVENT_TYPE = reference_dimension(
    "billing_event_type", "event_type", DimBillingEventTypeVersion,
    [(name, i, name in RECURRING_EVENT_TYPES, name in REFUND_EVENT_TYPES)
     for i, name in enumerate(v.BILLING_EVENT_TYPES, 1)],
    ("event_type", "event_type_order", "is_recurring", "is_refund"),
    "Billing event type definitions for revenue analysis and financial reporting "
    "categorization (seed 002, Go_Dim_Billing_Event_Type).", domain=DOMAIN)


# -- facts ------------------------------------------------------------------------------------


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
    participant_count: int = column("People who joined, host included", ge=1)


def _user_customer_join(rows: str, id_col: str, user_col: str, date_col: str) -> str:
    return (f"LEFT JOIN ({_host_as_of(rows, id_col, user_col, date_col)}) h "
            f"ON h._id = {rows}.{id_col}")


FACT_MEETING_USAGE = GoldTable(
    name="fact_meeting_usage",
    model=FactMeetingUsage,
    description="Meeting session data for usage analytics and platform activity measurement "
    "(seed 002, Go_Fact_Meeting_Usage): the central fact of meeting KPIs.",
    seed=SEED,
    kind="fact",
    domain=DOMAIN,
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
    FROM meetings {_user_customer_join("meetings", "meeting_id", "host_user_id", "_event_date")}
    """,
)


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
    "development decisions (seed 002, Go_Fact_Feature_Usage): supports adoption rates and "
    "usage trends.",
    seed=SEED,
    kind="fact",
    domain=DOMAIN,
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
    "(seed 002, Go_Fact_Webinar_Usage): webinar engagement and attendance metrics.",
    seed=SEED,
    kind="fact",
    domain=DOMAIN,
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
    FROM webinars {_user_customer_join("webinars", "webinar_id", "host_user_id", "_event_date")}
    """,
)


# -- agg_user_daily_activity (helper the period windows read) ---------------------------------


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
    description="Daily per-user activity summary (helper of seed 002's active-user, meeting "
    "minute and license utilization aggregates): the meetings each user hosted, so a 30-day "
    "window reads one row per active user and day instead of every meeting.",
    seed=SEED,
    kind="aggregate",
    domain=DOMAIN,
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


# -- fact_license_utilization (daily periodic snapshot) ---------------------------------------


class FactLicenseUtilization(GoldModel):
    license_day_key: str = column("Surrogate key of license x snapshot day", unique=True)
    license_key: str = column("Surrogate key of the license")
    license_id: str = column("License business key")
    user_key: str = column("User assigned to the license (dim_user.user_key), for utilization "
                           "tracking")
    user_id: str = column("User business key")
    customer_key: str = column("User's customer on the snapshot day "
                               "(dim_customer.customer_key); empty while unknown", nullable=True)
    customer_id: str = column("User's customer business key on the snapshot day",
                              nullable=True)
    license_type_key: str = column("dim_license_type.license_type_key")
    license_type: str = column("Category of software license (Basic, Pro, Business, "
                               "Enterprise, Education) indicating feature access level",
                               isin=list(v.LICENSE_TYPES))
    start_date: dt.date = column("Date when the license became active for usage tracking and "
                                 "compliance")
    end_date: dt.date = column("Date when the license (term) expires, for renewal planning; "
                               "empty for open-ended Enterprise licenses. Not delivered on the "
                               "day: the license's last delivered value of the 7 snapshots "
                               "before, else unknown", nullable=True)
    snapshot_date: dt.date = column("Day of the snapshot (the license state as of that day): "
                                    "the day before the partition day, whose late meetings "
                                    "have arrived; a carried row's too")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    is_active: bool = column("The license is in force on the snapshot day (assigned); empty "
                             "(unknown) when its end_date is unknown", nullable=True)
    last_meeting_date: dt.date = column("Last day in the 30 days up to the snapshot day the "
                                        "user hosted a meeting; empty if none", nullable=True)
    is_used_30d: bool = column("Active license whose user hosted a meeting in the 30 days up to "
                               "the snapshot day; empty when that depends on an unknown "
                               "is_active", nullable=True)
    carried_from: dt.date = column("Partition the license's row was carried from (its row of "
                                   "the snapshot day was rejected, its last good one of the 7 "
                                   "days before used); empty when it came that day",
                                   nullable=True)
    undelivered_columns: str = undelivered_column(fact=True)


#: The licenses, a snapshot read as of the settled day E (``gold/completeness.py``): a
#: rejected row carried from its last good one of the 7 days before E.
LICENSES = snapshot_table("plt_licenses")

FACT_LICENSE_UTILIZATION = GoldTable(
    name="fact_license_utilization",
    model=FactLicenseUtilization,
    description="License assignment data for license utilization analysis and renewal "
    "planning (seed 002, Go_Fact_License_Utilization): a daily snapshot of every license with "
    "whether it is in force and whether its user actually used the platform (hosted a "
    "meeting) recently, the base of utilization rates and capacity planning.",
    seed=SEED,
    kind="fact",
    domain=DOMAIN,
    primary_key=("license_day_key",),
    sources=(*carry_forward_sources(LICENSES), "gold.agg_user_daily_activity", "gold.dim_user",
             "gold.dim_license_type", "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(ForeignKey("user_key", "dim_user", "user_key"),
                  ForeignKey("customer_key", "dim_customer", "customer_key"),
                  ForeignKey("license_type_key", "dim_license_type", "license_type_key"),
                  ForeignKey("snapshot_date_key", "dim_date", "date_key")),
    window=AGGREGATE_WINDOW,
    source_windows=carry_forward_windows(LICENSES, offset=-1),
    grain="one row per license in the settled day's (D-1's) licenses snapshot, a rejected "
    "row carried (periodic snapshot: the same license appears once per day)",
    sql=f"""
    WITH delivered AS (  -- each license's last end_date delivered in the days before
        SELECT * FROM {last_delivered(LICENSES, "end_date", PERIOD_END)}
    ), licenses AS (  -- the settled day's snapshot (a rejected row carried), an undelivered
        -- end_date carried; a carried row stands for E, so it keys and is judged on E
        SELECT s.* REPLACE (CASE WHEN {undelivered("end_date", "s." + SILVER_MISSING)}
                                 THEN d.end_date ELSE s.end_date END AS end_date),
               {PERIOD_END} AS snapshot_date,
               {undelivered("end_date", "s." + SILVER_MISSING)} AND d._delivered IS NULL
                   AS end_unknown
        FROM {snapshot_as_of(LICENSES, PERIOD_END)} s LEFT JOIN delivered d USING (license_id)
    ), states AS (
        SELECT *, CASE WHEN start_date > snapshot_date THEN FALSE WHEN NOT end_unknown
                       THEN coalesce(end_date >= snapshot_date, TRUE) END AS is_active
        FROM licenses
    ),
    last_meeting AS (
        SELECT user_id, max(activity_date) AS last_meeting_date
        FROM gold.agg_user_daily_activity
        WHERE {_in_window("agg_user_daily_activity")}
          AND activity_date BETWEEN {PERIOD_END} - 29 AND {PERIOD_END}
        GROUP BY user_id
    )
    SELECT {sk("license_day", "licenses.license_id", "licenses.snapshot_date")}
               AS license_day_key,
           {sk("license", "licenses.license_id")} AS license_key, licenses.license_id,
           {sk("user", "licenses.user_id")} AS user_key, licenses.user_id,
           h.customer_key, h.customer_id,
           {LICENSE_TYPE_KEY} AS license_type_key, license_type, start_date, end_date,
           snapshot_date, {date_key("snapshot_date")} AS snapshot_date_key,
           is_active, lm.last_meeting_date,
           is_active AND lm.last_meeting_date IS NOT NULL AS is_used_30d,
           carried_from, {SILVER_MISSING} AS {UNDELIVERED},
           {DAY} AS load_date, CAST(updated_at AS DATE) AS update_date,
           'platform' AS source_system
    FROM states AS licenses
    {_user_customer_join("licenses", "license_id", "user_id", "snapshot_date")}
    LEFT JOIN last_meeting lm ON lm.user_id = licenses.user_id
    """,
)


# -- period aggregates ------------------------------------------------------------------------


class _PeriodColumns(GoldModel):
    activity_date: dt.date = column("Last day of the period (the day before the partition day)")
    activity_date_key: int = column("dim_date.date_key of activity_date")
    period_type: str = column("Aggregation period type (Daily, Weekly, Monthly) for different "
                              "reporting granularities", isin=PERIOD_TYPES)
    period_days: int = column("Days in the period: 1, 7 (rolling week) or 30 (rolling month)",
                              ge=1)
    period_start: dt.date = column("First day of the period")
    is_complete: bool = column(IS_COMPLETE_DOC)


def _period_select(end: str = PERIOD_END) -> str:
    """SQL select list: the period columns of periods ending on ``end``."""
    return f"""
    {end} AS activity_date, {date_key(end)} AS activity_date_key,
    p.period_type, p.period_days, {end} - (p.period_days - 1) AS period_start,
    {period_complete(f"{end} - (p.period_days - 1)")} AS is_complete,
    {DAY} AS load_date, {DAY} AS update_date, 'platform' AS source_system
"""


#: (user, activity day) in the 30 days up to PERIOD_END, whichever partition brought it
_ACTIVITY_CTE = f"""
activity AS (
    SELECT a.user_key, a.activity_date, a.meetings_hosted, a.meeting_minutes
    FROM gold.agg_user_daily_activity a
    WHERE {_in_window("a")}
      AND a.activity_date BETWEEN {PERIOD_END} - 29 AND {PERIOD_END}
)"""
_IN_PERIOD = f"a.activity_date >= {PERIOD_END} - (p.period_days - 1)"


class AggActiveUsers(_PeriodColumns):
    active_users_key: str = column("Surrogate key of period end x period type", unique=True)
    active_user_count: int = column("Number of unique active users for the specified period "
                                    "for engagement metrics (DAU, WAU, MAU)", ge=0)


AGG_ACTIVE_USERS = GoldTable(
    name="agg_active_users",
    model=AggActiveUsers,
    description="Daily, weekly and monthly active user counts for user engagement analysis "
    "and platform adoption metrics (seed 002, Go_Agg_Active_Users): an active user hosted at "
    "least one meeting in the period (the extracts carry no participant identities).",
    seed=SEED,
    kind="aggregate",
    domain=DOMAIN,
    primary_key=("period_type",),
    sources=("gold.agg_user_daily_activity", "gold.dim_date"),
    foreign_keys=(ForeignKey("activity_date_key", "dim_date", "date_key"),),
    window=AGGREGATE_WINDOW,
    grain="one row per period type (Daily, Weekly, Monthly) ending the day before the partition",
    sql=f"""
    WITH {_ACTIVITY_CTE.strip()}
    SELECT {sk("agg_active_users", DAY, "p.period_type")} AS active_users_key,
           {_period_select()},
           count(DISTINCT a.user_key) AS active_user_count
    FROM {_periods()} LEFT JOIN activity a ON {_IN_PERIOD}
    GROUP BY p.period_type, p.period_days
    """,
)


class AggMeetingMinutes(_PeriodColumns):
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
    "utilization reporting (seed 002, Go_Agg_Meeting_Minutes).",
    seed=SEED,
    kind="aggregate",
    domain=DOMAIN,
    primary_key=("period_type",),
    sources=("gold.agg_user_daily_activity", "gold.dim_date"),
    foreign_keys=(ForeignKey("activity_date_key", "dim_date", "date_key"),),
    window=AGGREGATE_WINDOW,
    grain="one row per period type (Daily, Weekly, Monthly) ending the day before the partition",
    sql=f"""
    WITH {_ACTIVITY_CTE.strip()}
    SELECT {sk("agg_meeting_minutes", DAY, "p.period_type")} AS meeting_minutes_key,
           {_period_select()},
           coalesce(sum(a.meeting_minutes), 0) AS total_meeting_minutes,
           coalesce(sum(a.meetings_hosted), 0) AS meeting_count,
           sum(a.meeting_minutes) / sum(a.meetings_hosted) AS average_meeting_minutes
    FROM {_periods()} LEFT JOIN activity a ON {_IN_PERIOD}
    GROUP BY p.period_type, p.period_days
    """,
)


class AggFeatureAdoption(_PeriodColumns):
    feature_adoption_key: str = column("Surrogate key of period end x period type x feature",
                                       unique=True)
    feature_key: str = column("dim_feature.feature_key")
    feature_name: str = column("Specific platform feature name for adoption rate analysis")
    users_using_feature: int = column("Active users who hosted a meeting using the feature in "
                                      "the period", ge=0)
    active_users: int = column("Active users of the period (agg_active_users)", ge=0)
    adoption_rate: float = column("Share of the period's active users who used the feature "
                                  "(users_using_feature / active_users, 0-1; empty with no "
                                  "active users)", nullable=True, ge=0.0, le=1.0)
    meetings_using_feature: int = column("Meetings of the period that used the feature", ge=0)
    usage_count: int = column("Times the feature was used in the period", ge=0)


AGG_FEATURE_ADOPTION = GoldTable(
    name="agg_feature_adoption",
    model=AggFeatureAdoption,
    description="Feature adoption rates by feature and period for product development "
    "insights and feature usage analysis (seed 002, Go_Agg_Feature_Adoption).",
    seed=SEED,
    kind="aggregate",
    domain=DOMAIN,
    primary_key=("period_type", "feature_key"),
    sources=("gold.fact_feature_usage", "gold.fact_meeting_usage",
             "gold.agg_user_daily_activity", "gold.dim_feature", "gold.dim_date"),
    foreign_keys=(ForeignKey("feature_key", "dim_feature", "feature_key"),
                  ForeignKey("activity_date_key", "dim_date", "date_key")),
    window=AGGREGATE_WINDOW,
    grain="one row per period type x feature (every current feature, used or not)",
    sql=f"""
    WITH {_ACTIVITY_CTE.strip()},
    active AS (
        SELECT DISTINCT p.period_type, a.user_key
        FROM {_periods()} JOIN activity a ON {_IN_PERIOD}
    ),
    usage AS (  -- the host from the fact, else from the meeting fact (arrived later)
        SELECT f.event_date, f.feature_key, f.meeting_key, f.usage_count,
               coalesce(f.user_key, m.host_user_key) AS user_key
        FROM gold.fact_feature_usage f
        LEFT JOIN gold.fact_meeting_usage m
               ON m.meeting_key = f.meeting_key AND {_in_window("m")}
        WHERE {_in_window("f")} AND f.event_date BETWEEN {PERIOD_END} - 29 AND {PERIOD_END}
    ),
    adopters AS (  -- active users of the period who hosted a meeting using the feature
        SELECT p.period_type, u.feature_key, count(DISTINCT u.user_key) AS users_using_feature
        FROM {_periods()} JOIN usage u ON u.event_date >= {PERIOD_END} - (p.period_days - 1)
        JOIN active a ON a.period_type = p.period_type AND a.user_key = u.user_key
        GROUP BY p.period_type, u.feature_key
    ),
    used AS (
        SELECT p.period_type, u.feature_key,
               count(DISTINCT u.meeting_key) AS meetings_using_feature,
               sum(u.usage_count) AS usage_count
        FROM {_periods()} JOIN usage u ON u.event_date >= {PERIOD_END} - (p.period_days - 1)
        GROUP BY p.period_type, u.feature_key
    ),
    active_count AS (
        SELECT p.period_type, count(a.user_key) AS active_users
        FROM {_periods()} LEFT JOIN active a USING (period_type) GROUP BY p.period_type
    ),
    features AS (
        SELECT feature_key, feature_name FROM {DIM_FEATURE.as_loaded()} WHERE is_current)
    SELECT {sk("agg_feature_adoption", DAY, "p.period_type", "fe.feature_key")}
               AS feature_adoption_key,
           {_period_select()},
           fe.feature_key, fe.feature_name,
           coalesce(ad.users_using_feature, 0) AS users_using_feature,
           ac.active_users,
           CASE WHEN ac.active_users > 0
                THEN coalesce(ad.users_using_feature, 0) / ac.active_users END AS adoption_rate,
           coalesce(us.meetings_using_feature, 0) AS meetings_using_feature,
           coalesce(us.usage_count, 0) AS usage_count
    FROM {_periods()} CROSS JOIN features fe
    JOIN active_count ac USING (period_type)
    LEFT JOIN adopters ad ON ad.period_type = p.period_type AND ad.feature_key = fe.feature_key
    LEFT JOIN used us ON us.period_type = p.period_type AND us.feature_key = fe.feature_key
    """,
)


class AggLicenseUtilization(_PeriodColumns):
    license_utilization_key: str = column("Surrogate key of period end x period type x license "
                                          "type", unique=True)
    license_type_key: str = column("dim_license_type.license_type_key")
    license_type: str = column("Category of software license for utilization rate analysis")
    assigned_licenses: int = column("Licenses of the type in force on the period's last day",
                                    ge=0)
    used_licenses: int = column("Of those, licenses whose user hosted a meeting in the period",
                                ge=0)
    unknown_licenses: int = column("Licenses of the type whose being in force is unknown (end "
                                   "date not delivered, or row rejected, with none to carry; a "
                                   "rejected row whose type cannot be read counts in every "
                                   "type): in neither count", ge=0)
    utilization_rate: float = column("Share of assigned licenses actively used "
                                     "(used_licenses / assigned_licenses, 0-1; empty with none "
                                     "assigned or any unknown)", nullable=True, ge=0.0, le=1.0)


AGG_LICENSE_UTILIZATION = GoldTable(
    name="agg_license_utilization",
    model=AggLicenseUtilization,
    description="License utilization rates by license type and period for capacity planning "
    "and license optimization analysis (seed 002, Go_Agg_License_Utilization).",
    seed=SEED,
    kind="aggregate",
    domain=DOMAIN,
    primary_key=("period_type", "license_type_key"),
    sources=("gold.fact_license_utilization", *carry_forward_sources(LICENSES),
             "gold.dim_license_type", "gold.dim_date"),
    foreign_keys=(ForeignKey("license_type_key", "dim_license_type", "license_type_key"),
                  ForeignKey("activity_date_key", "dim_date", "date_key")),
    source_windows=carry_forward_windows(LICENSES, offset=-1),
    grain="one row per period type x license type (every current type, held or not)",
    sql=f"""
    WITH licenses AS (
        SELECT license_type_key, last_meeting_date, is_active
        FROM gold.fact_license_utilization
        WHERE load_date = $day AND coalesce(is_active, TRUE)
    ), types AS (
        SELECT license_type_key, license_type FROM {DIM_LICENSE_TYPE.as_loaded()}
        WHERE is_current
    ), lost AS (  -- rejected rows of E nothing could carry, per type (an unreadable one: all)
        SELECT t.license_type_key, count(*) AS lost_licenses
        FROM {unrecovered_rejects(LICENSES, PERIOD_END)} r JOIN types t
          ON coalesce({canonical(record_field("license_type"), v.LICENSE_TYPES)},
                      t.license_type) = t.license_type
        GROUP BY t.license_type_key
    )
    SELECT {sk("agg_license_utilization", DAY, "p.period_type", "t.license_type_key")}
               AS license_utilization_key,
           {_period_select()},
           t.license_type_key, t.license_type,
           count(*) FILTER (WHERE l.is_active) AS assigned_licenses,
           count(*) FILTER (WHERE l.is_active
                              AND l.last_meeting_date >= {PERIOD_END} - (p.period_days - 1))
               AS used_licenses,
           count(l.license_type_key) FILTER (WHERE l.is_active IS NULL)
               + coalesce(any_value(lost.lost_licenses), 0) AS unknown_licenses,
           CASE WHEN assigned_licenses > 0 AND unknown_licenses = 0
                THEN used_licenses / assigned_licenses END AS utilization_rate
    FROM {_periods()} CROSS JOIN types t
    LEFT JOIN licenses l ON l.license_type_key = t.license_type_key
    LEFT JOIN lost ON lost.license_type_key = t.license_type_key
    GROUP BY p.period_type, p.period_days, t.license_type_key, t.license_type
    """,
)


# -- metrics ----------------------------------------------------------------------------------

METRICS = [
    Metric("Active users (DAU / WAU / MAU)", "agg_active_users",
           "count(DISTINCT user_key) of agg_user_daily_activity rows with activity_date in "
           "the period",
           "period end day x period type",
           "an active user hosted at least one meeting (by the meeting's business day; late "
           "rows counted once they arrive)"),
    Metric("Total meeting minutes", "agg_meeting_minutes",
           "sum(duration_minutes) of the meetings whose event_date is in the period",
           "period end day x period type"),
    Metric("Average meeting minutes", "agg_meeting_minutes",
           "total_meeting_minutes / meeting_count (empty with no meetings)",
           "period end day x period type"),
    Metric("Feature adoption rate", "agg_feature_adoption",
           "users_using_feature / active_users: the share of the period's active users who "
           "hosted at least one meeting that used the feature",
           "period end day x period type x feature",
           "every current feature gets a row, 0 when unused; empty rate with no active users"),
    Metric("License utilization rate", "agg_license_utilization",
           "used_licenses / assigned_licenses: licenses in force on the period's last day whose "
           "user hosted a meeting in the period, over all licenses in force that day",
           "period end day x period type x license type",
           "licenses from the day's snapshot (fact_license_utilization; a rejected row carried "
           "from the 7 days before); empty rate when none of the type is assigned, or when one "
           "is in force unknown (end_date not delivered, or row rejected, and none to carry: "
           "unknown_licenses)"),
    Metric("Webinar attendance rate", "fact_webinar_usage",
           "attendees / registrants per webinar (empty with no registrants)",
           "one webinar", periods="per webinar (aggregate over any period with "
           "sum(attendees) / sum(registrants))"),
]


SCD2_DIMENSIONS = [DIM_USER, DIM_MEETING, DIM_WEBINAR, DIM_FEATURE, DIM_LICENSE_TYPE,
                   DIM_TICKET_TYPE, DIM_BILLING_EVENT_TYPE]
TABLES = [FACT_MEETING_USAGE, FACT_FEATURE_USAGE, FACT_WEBINAR_USAGE, AGG_USER_DAILY_ACTIVITY,
          FACT_LICENSE_UTILIZATION, AGG_ACTIVE_USERS, AGG_MEETING_MINUTES, AGG_FEATURE_ADOPTION,
          AGG_LICENSE_UTILIZATION]
