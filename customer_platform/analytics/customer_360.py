"""gold.customer_360: the complete profile of every customer as of each day (seed 001).

One row per customer the CRM has delivered by day D (inferred members, whose attributes are
unknown, wait for their CRM row) and who has signed up by D: who they are (attributes of the
dimension version in force on D), and every feature of the catalogue (``features.py``):
revenue history and trend over 30/90/365 days, payment behaviour, orders and average order
value, service portfolio and network utilisation, platform usage and licences, support
history and satisfaction, campaign response behaviour, tenure and lifecycle stage, and the
early-warning flags with a rule-based churn-risk level.

Point in time: the customer's attributes are those of its version in force on D in the history
of ``gold.dim_customer_versions`` as loaded by D (``DIM_CUSTOMER.as_loaded``; never the
``gold.dim_customer`` view, which holds everything loaded so far); windows sum
``gold.customer_daily_summary`` partitions ``D-364 .. D`` (rows received by D about days up
to D); licences are the snapshot gold loaded on D (``gold.fact_license_utilization``
partition D, the settled day's licences).
"""

import datetime as dt

from customer_platform.analytics.common import DAY, LONGEST_WINDOW, analytics_table
from customer_platform.analytics.customer_daily import FACTS
from customer_platform.analytics.features import (
    BAND,
    band_columns_sql,
    model_with_features,
    summary_rows_sql,
    unknown_days_by_band_sql,
    window_aggregates_sql,
)
from customer_platform.analytics.features import select_sql as feature_select_sql
from customer_platform.analytics.segments import LIFECYCLE_STAGE, RISK_LEVEL
from customer_platform.contracts.base import column
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER

#: Columns describing the customer as of D (the features follow them).
IDENTITY = {
    "customer_key": (str, column("Customer (dim_customer.customer_key)")),
    "customer_id": (str, column("Customer business key")),
    "customer_name": (str, column("Person or company name", pii="personal_identifier")),
    "email": (str, column("Primary contact email", pii="contact")),
    "customer_segment": (str, column("Traditional segment: Residential, SMB, Enterprise or "
                                     "Government (as of D)")),
    "customer_tier": (str, column("Bronze, Silver, Gold or Platinum (as of D)")),
    "status": (str, column("CRM status on D: Active, Inactive or Churned")),
    "status_since": (dt.date, column("Day the current status began (as far as the loaded "
                                     "versions show)")),
    "region": (str, column("Sales region code (as of D)")),
    "country": (str, column("ISO 3166-1 alpha-2 country code (as of D)")),
    "signup_date": (dt.date, column("Day the customer signed up")),
}
SUMMARY_COLUMNS = {
    "lifecycle_stage": (str, column("Onboarding, Growing, Mature or Veteran (tenure rule, see "
                                    "docs/metrics.md)")),
    "churn_risk_level": (str, column("Rule-based churn risk from the early-warning flags: "
                                     "Churned, High, Medium or Low (see docs/metrics.md)")),
}


Customer360 = model_with_features("Customer360", IDENTITY, SUMMARY_COLUMNS)

def customers_as_of(day: str) -> str:
    """SQL CTEs ending in ``customers``: every customer the CRM has delivered and who has
    signed up by ``day`` (a DATE expression), in the version in force on that day of
    dim_customer's history as loaded by then (``as_loaded``: versions with load_date <= day;
    inferred members left out), with ``status_since``: the first day of the trailing run of
    versions with the current status."""
    return f"""
    history AS (
        SELECT * FROM {DIM_CUSTOMER.as_loaded(day)} AS loaded
        WHERE NOT is_inferred AND valid_from <= {day}
    ), latest AS (
        SELECT * FROM history WHERE {day} BETWEEN valid_from AND valid_to
    ), status_runs AS (
        SELECT customer_key, min(valid_from) AS status_since
        FROM (SELECT h.customer_key, h.valid_from,
                     max(CASE WHEN h.status <> l.status THEN h.valid_from END)
                         OVER (PARTITION BY h.customer_key) AS last_other
              FROM history h JOIN latest l USING (customer_key))
        WHERE last_other IS NULL OR valid_from > last_other
        GROUP BY customer_key
    ), customers AS (
        SELECT latest.* EXCLUDE (valid_from, valid_to, is_current), status_runs.status_since
        FROM latest JOIN status_runs USING (customer_key)
        WHERE signup_date <= {day}
    )"""


#: CRM statuses of a customer who can still churn: the population of features and labels.
ACTIVE_STATUSES = ("Active", "Inactive")

SYSTEMS = ",".join(sorted({"crm", *(system for system, _ in FACTS.values())}))

#: The summary rows customer_360 reads: received by D about the year ending D.
YEAR_OF_SUMMARIES = (f"load_date BETWEEN {DAY} - {LONGEST_WINDOW - 1} AND {DAY} "
                     f"AND activity_date BETWEEN {DAY} - {LONGEST_WINDOW - 1} AND {DAY}")

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
), licences AS (
    SELECT customer_key, count(is_active) AS licences_held_on_day,
           count(*) FILTER (WHERE is_active) AS licences_active_on_day
    FROM gold.fact_license_utilization
    WHERE load_date = {DAY} AND customer_key IS NOT NULL
    GROUP BY customer_key
)
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
    description="Customer 360 view (seed 001): the complete customer profile with all "
    "touchpoints and behaviours as of each day - revenue history and trend, payment "
    "behaviour, orders, service portfolio and utilisation, platform usage and licences, "
    "support history and satisfaction, campaign response behaviour, tenure and lifecycle "
    "stage, churn-risk indicators and early-warning flags. Every feature is defined once in "
    "the feature catalogue (docs/churn_features.md).",
    sources=("gold.dim_customer_versions", "gold.customer_daily_summary",
             "gold.fact_license_utilization"),
    source_windows=(("gold.customer_daily_summary", (-(LONGEST_WINDOW - 1), 0)),),
    grain="one row per customer delivered by the CRM and signed up by the partition day, as "
    "of that day",
    sql=CUSTOMER_360_SQL,
)
