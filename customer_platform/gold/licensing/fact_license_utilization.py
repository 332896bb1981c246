"""fact_license_utilization: a daily periodic snapshot of every license, the base of utilization
rates and capacity planning.

Partition D holds the licenses snapshot of the settled day E = D-1 (a rejected row carried from the
days before) with the meetings of the 30 days up to E, late ones included, as the aggregates'
periods do. An end_date not delivered keeps its last delivered value; with none, whether the
license is in force is unknown (empty), not guessed. The customer is the user's on E
(``dim_user.user_customer_join``).
"""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.completeness import (
    SILVER_MISSING,
    UNDELIVERED,
    carry_forward_sources,
    carry_forward_windows,
    last_delivered,
    snapshot_as_of,
    undelivered,
)
from customer_platform.gold.customer.dim_user import user_customer_join
from customer_platform.gold.licensing._licenses import LICENSES
from customer_platform.gold.metrics import AGGREGATE_WINDOW, PERIOD_END, in_window
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import DAY, date_key, sk

LICENSE_TYPE_KEY = sk("license_type", "license_type")


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


FACT_LICENSE_UTILIZATION = GoldTable(
    name="fact_license_utilization",
    model=FactLicenseUtilization,
    description="License assignment data for license utilization analysis and renewal "
    "planning: a daily snapshot of every license with "
    "whether it is in force and whether its user actually used the platform (hosted a "
    "meeting) recently, the base of utilization rates and capacity planning.",
    seed="002",
    kind="fact",
    domain="licensing",
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
        WHERE {in_window("agg_user_daily_activity")}
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
    {user_customer_join("licenses", "license_id", "user_id", "snapshot_date")}
    LEFT JOIN last_meeting lm ON lm.user_id = licenses.user_id
    """,
)
