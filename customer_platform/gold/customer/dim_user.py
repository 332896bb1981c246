"""dim_user: the platform's users, type 2 over plan, company and customer (a company move is a move
to another customer).

A user the day's facts reference without a snapshot row gets an inferred version dated
1900-01-01, so every fact's ``user_key`` resolves and any real version supersedes it.
``user_customer_join`` is the look-up the meetings and licensing facts share: the customer of a
user on a day, as the dimension stood once that day was loaded, so re-running an old day gives
the rows it gave the first time.
"""

import datetime as dt

from customer_platform import scope
from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, from_contract
from customer_platform.gold.scd2 import (
    INFERRED_SINCE,
    Scd2Dimension,
    undelivered_column,
    versions_filter,
)
from customer_platform.gold.sql import CUSTOMER_KEY, DAY, USER_KEY, sk


class DimUserVersion(GoldModel):
    user_key: str = column("Durable surrogate key of the user (same in every version)")
    user_version_key: str = column("Surrogate key of this version", unique=True)
    user_id: str = column("Platform user key (business key)")
    user_name: str = from_contract("platform.users", "user_name", nullable=True,
                                   description="Full name of the registered user for "
                                   "identification and personalization purposes")
    email: str = from_contract("platform.users", "email", nullable=True,
                               description="Primary email address used for account "
                               "registration and communication")
    customer_key: str = column("Business customer of the user (dim_customer.customer_key); "
                               "empty while that customer is not in dim_customer",
                               nullable=True)
    customer_id: str = from_contract("platform.users", "customer_id", nullable=True)
    company: str = column("Organization name associated with the user account for business "
                          "analytics and segmentation", nullable=True)
    plan_type: str = column("Subscription tier (Free, Basic, Pro, Business, Enterprise) "
                            "indicating service level and feature access", nullable=True,
                            isin=list(v.PLAN_TYPES))
    created_date: dt.date = from_contract("platform.users", "created_date", nullable=True)
    is_inferred: bool = column("Inferred member: referenced by a fact before (or without) its "
                               "snapshot row; attributes unknown")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the platform recorded this version "
                                            "(1900-01-01 for an inferred member)")


#: Silver tables that refer to platform users (and the column), those this deployment builds:
#: a user they refer to on a day the users snapshot lacks gets an inferred version.
USER_REFERENCES = tuple(
    (table, column) for table, column in (
        ("stg_plt_meetings", "host_user_id"), ("stg_plt_webinars", "host_user_id"),
        ("stg_plt_licenses", "user_id"), ("stg_bil_billing_events", "user_id"),
        ("stg_sup_tickets", "user_id"))
    if scope.built(f"silver.{table}"))
USER_REFERENCES_SQL = "\n    UNION ".join(
    f"SELECT {column}{' AS user_id' if i == 0 and column != 'user_id' else ''} "
    f"FROM silver.{table} WHERE _partition_date = $day"
    for i, (table, column) in enumerate(USER_REFERENCES)
) or "SELECT NULL::VARCHAR AS user_id WHERE FALSE"

_USER_VERSIONS_SQL = f"""
WITH snapshot AS (
    SELECT * FROM silver.stg_plt_users WHERE _partition_date = $day
), yesterday AS (
    SELECT user_id FROM silver.stg_plt_users WHERE _partition_date = {DAY} - 1
), referenced AS (
    {USER_REFERENCES_SQL}
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
        "of the collaboration platform: tracks plan changes and company moves for trend analysis "
        "and user lifecycle reporting. The stored versions of each user.",
        seed="002",
        kind="dimension",
        domain="customer",
        primary_key=("user_version_key",),
        sources=("silver.stg_plt_users", *(f"silver.{table}" for table, _ in USER_REFERENCES),
                 "gold.dim_customer"),
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


def _user_customer_as_of(rows: str, id_col: str, user_col: str, date_col: str) -> str:
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


def user_customer_join(rows: str, id_col: str, user_col: str, date_col: str) -> str:
    """SQL: ``LEFT JOIN`` of ``customer_key`` and ``customer_id`` (relation ``h``) onto CTE
    ``rows``: the customer of each row's user (``user_col``) on its day (``date_col``)."""
    return (f"LEFT JOIN ({_user_customer_as_of(rows, id_col, user_col, date_col)}) h "
            f"ON h._id = {rows}.{id_col}")
