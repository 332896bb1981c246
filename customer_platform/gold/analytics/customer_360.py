"""``gold.customer_360``: the complete profile of every customer as of each day, so every
question about a customer (who, how much, how used, how served, how at risk) reads one row.

One row per customer the CRM has delivered and who has signed up by D: the attributes of its
version in force on D, every feature of the catalogue (``_features.py``), the lifecycle stage
and a rule-based churn-risk level. Where each part comes from, point in time:
docs/analytics.md.
"""

import datetime as dt

from customer_platform import scope
from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import (
    LONGEST_WINDOW,
    analytics_table,
    customers_as_of,
)
from customer_platform.gold.analytics._features import (
    BAND,
    band_columns_sql,
    model_with_features,
    summary_rows_sql,
    unknown_days_by_band_sql,
    window_aggregates_sql,
)
from customer_platform.gold.analytics._features import select_sql as feature_select_sql
from customer_platform.gold.analytics._segments import LIFECYCLE_STAGE, RISK_LEVEL, RISK_RULES
from customer_platform.gold.analytics.customer_daily_summary import FACTS
from customer_platform.gold.base import from_contract
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import DAY

#: How an optional CRM column reads (crm.customers: a CRM may not keep it).
AS_OF_D = "(as of D; empty where the CRM does not deliver it)"
#: Columns describing the customer as of D (the features follow them).
IDENTITY = {
    "customer_key": (str, column("Customer (dim_customer.customer_key)")),
    "customer_id": (str, column("Customer business key")),
    "customer_name": (str, from_contract("crm.customers", "customer_name")),
    "email": (str, from_contract("crm.customers", "email")),
    "customer_segment": (str, column("Traditional segment: Residential, SMB, Enterprise or "
                                     f"Government {AS_OF_D}", nullable=True)),
    "customer_tier": (str, column(f"Bronze, Silver, Gold or Platinum {AS_OF_D}",
                                  nullable=True)),
    "status": (str, column("CRM status on D: Active, Inactive or Churned")),
    "status_since": (dt.date, column("Day the current status began (as far as the loaded "
                                     "versions show)")),
    "region": (str, column(f"Sales region code {AS_OF_D}", nullable=True)),
    "country": (str, column(f"ISO 3166-1 alpha-2 country code {AS_OF_D}", nullable=True)),
    "signup_date": (dt.date, from_contract("crm.customers", "signup_date")),
}
SUMMARY_COLUMNS = {
    "lifecycle_stage": (str, column("Onboarding, Growing, Mature or Veteran (tenure rule, see "
                                    "docs/metrics.md)")),
    "churn_risk_level": (str, column("Rule-based churn risk from the early-warning flags: "
                                     "Churned, High, Medium or Low (see docs/metrics.md)")),
}

Customer360 = model_with_features("Customer360", IDENTITY, SUMMARY_COLUMNS)

SYSTEMS = ",".join(sorted({"crm", *(system for system, _ in FACTS.values())}))

#: The summary rows customer_360 reads: received by D about the year ending D.
YEAR_OF_SUMMARIES = (f"load_date BETWEEN {DAY} - {LONGEST_WINDOW - 1} AND {DAY} "
                     f"AND activity_date BETWEEN {DAY} - {LONGEST_WINDOW - 1} AND {DAY}")

LICENCES = "gold.fact_license_utilization"
#: The platform licences of each customer's users loaded on D (none without the platform).
LICENCES_SQL = f"""
    SELECT customer_key, count(is_active) AS licences_held_on_day,
           count(*) FILTER (WHERE is_active) AS licences_active_on_day
    FROM {LICENCES}
    WHERE load_date = {DAY} AND customer_key IS NOT NULL
    GROUP BY customer_key
""" if scope.built(LICENCES) else """
    SELECT NULL::VARCHAR AS customer_key, NULL::BIGINT AS licences_held_on_day,
           NULL::BIGINT AS licences_active_on_day WHERE FALSE
"""

CUSTOMER_360_SQL = f"""
WITH {customers_as_of(DAY)}, banded AS (  -- the year's summaries, per customer and band
    SELECT *
    FROM (SELECT customer_key, {BAND} AS band,
                 {band_columns_sql()}
          FROM {summary_rows_sql(YEAR_OF_SUMMARIES)}
          GROUP BY customer_key, band)
    LEFT JOIN {unknown_days_by_band_sql(YEAR_OF_SUMMARIES)} USING (customer_key, band)
), windows AS (  -- each window adds its bands
    SELECT customer_key,
           {window_aggregates_sql()}
    FROM banded
    GROUP BY customer_key
), licences AS ({LICENCES_SQL})
SELECT {", ".join(IDENTITY)},
       {feature_select_sql()},
       {LIFECYCLE_STAGE} AS lifecycle_stage,
       {RISK_LEVEL} AS churn_risk_level,
       {DAY} AS load_date,
       CAST(source_updated_at AS DATE) AS update_date,
       '{SYSTEMS}' AS source_system
FROM customers
LEFT JOIN windows USING (customer_key)
LEFT JOIN licences USING (customer_key)
"""

CUSTOMER_360 = analytics_table(
    name="customer_360",
    model=Customer360,
    description="Customer 360 view: the complete customer profile with all "
    "touchpoints and behaviours as of each day - revenue history and trend, payment "
    "behaviour, orders, service portfolio and utilisation, platform usage and licences, "
    "support history and satisfaction, campaign response behaviour, tenure and lifecycle "
    "stage, churn-risk indicators and early-warning flags. Every feature is defined once in "
    "the feature catalogue (docs/churn_features.md).",
    sources=scope.present(("gold.dim_customer_versions", "gold.customer_daily_summary",
                           LICENCES)),
    source_windows=(("gold.customer_daily_summary", (-(LONGEST_WINDOW - 1), 0)),),
    grain="one row per customer delivered by the CRM and signed up by the partition day, as "
    "of that day",
    sql=CUSTOMER_360_SQL,
)

METRICS = [
    Metric(name="churn_risk_level", table="customer_360",
           formula="rule-based, first match: " + ", ".join(
               f"{level} ({rule})" for level, rule in RISK_RULES),
           grain="customer, per partition day", periods="as of the partition day", seed="001"),
]
