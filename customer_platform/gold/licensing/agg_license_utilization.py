"""agg_license_utilization: the share of licenses in force whose user hosted a meeting in the
period, per license type.

Periods end on the day of the licenses snapshot (``fact_license_utilization``). A license whose
being in force is unknown counts in neither figure but in ``unknown_licenses``, and leaves the rate
empty rather than wrong.
"""

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldTable
from customer_platform.gold.completeness import (
    canonical,
    carry_forward_sources,
    carry_forward_windows,
    record_field,
    unrecovered_rejects,
)
from customer_platform.gold.licensing._licenses import LICENSES
from customer_platform.gold.licensing.dim_license_type import DIM_LICENSE_TYPE
from customer_platform.gold.metrics import PERIOD_END, Metric, PeriodColumns, period_select, periods
from customer_platform.gold.sql import DAY, sk


class AggLicenseUtilization(PeriodColumns):
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
    "and license optimization analysis.",
    seed="002",
    kind="aggregate",
    domain="licensing",
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
           {period_select()},
           t.license_type_key, t.license_type,
           count(*) FILTER (WHERE l.is_active) AS assigned_licenses,
           count(*) FILTER (WHERE l.is_active
                              AND l.last_meeting_date >= {PERIOD_END} - (p.period_days - 1))
               AS used_licenses,
           count(l.license_type_key) FILTER (WHERE l.is_active IS NULL)
               + coalesce(any_value(lost.lost_licenses), 0) AS unknown_licenses,
           CASE WHEN assigned_licenses > 0 AND unknown_licenses = 0
                THEN used_licenses / assigned_licenses END AS utilization_rate
    FROM {periods()} CROSS JOIN types t
    LEFT JOIN licenses l ON l.license_type_key = t.license_type_key
    LEFT JOIN lost ON lost.license_type_key = t.license_type_key
    GROUP BY p.period_type, p.period_days, t.license_type_key, t.license_type
    """,
)


METRICS = [
    Metric("License utilization rate", "agg_license_utilization",
           "used_licenses / assigned_licenses: licenses in force on the period's last day whose "
           "user hosted a meeting in the period, over all licenses in force that day",
           "period end day x period type x license type",
           "licenses from the day's snapshot (fact_license_utilization; a rejected row carried "
           "from the 7 days before); empty rate when none of the type is assigned, or when one "
           "is in force unknown (end_date not delivered, or row rejected, and none to carry: "
           "unknown_licenses)"),
]
