"""``gold.fact_engagement_activity``: the customer-success activity log (onboarding, reviews,
training, health checks with business accounts), one row per activity in the partition of the
day it was received. With ``fact_support_ticket`` it feeds ``agg_account_adoption``, the
adoption context that customer health scores.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable, from_contract
from customer_platform.gold.completeness import SILVER_MISSING, UNDELIVERED
from customer_platform.gold.revops._common import DOMAIN, SEED
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import (
    CUSTOMER_KEY,
    EVENT_DATE_FK,
    customer_fk,
    event_columns,
    metadata_columns,
    sk,
)
from customer_platform.vocabulary import ENGAGEMENT_OUTCOMES, ENGAGEMENT_TYPES


class FactEngagementActivity(GoldModel):
    engagement_activity_key: str = column("Surrogate key of the activity", unique=True)
    activity_id: str = column("Engagement activity business key (EA + 9 digits)")
    customer_key: str = column("Business account engaged (dim_customer.customer_key)")
    customer_id: str = column("Customer business key of the account")
    event_date: dt.date = column("Day the activity took place (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    activity_type: str = column("Kind of touch", isin=list(ENGAGEMENT_TYPES))
    csm_name: str = from_contract("support.engagement_activities", "csm_name",
                                  description="Customer success manager who ran it")
    duration_minutes: int = from_contract("support.engagement_activities", "duration_minutes",
                                          ge=0)
    outcome: str = column("CSM's read of the customer's sentiment", isin=list(ENGAGEMENT_OUTCOMES))
    is_negative: bool = column("Outcome is Negative (a churn-risk signal)")
    notes: str = column("Short free-text summary of the activity", nullable=True)
    undelivered_columns: str = undelivered_column(fact=True)


FACT_ENGAGEMENT_ACTIVITY = GoldTable(
    name="fact_engagement_activity",
    model=FactEngagementActivity,
    description="Customer-success engagement activities with business accounts (onboarding, "
    "reviews, training, health checks) used with support tickets to infer adoption, "
    "satisfaction and account health: one row per activity.",
    seed=SEED, kind="fact", domain=DOMAIN,
    primary_key=("engagement_activity_key",),
    sources=("silver.stg_sup_engagement_activities", "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(customer_fk(), EVENT_DATE_FK),
    grain="one row per engagement activity, in the partition of the day it was received",
    sql=f"""
    SELECT {sk("engagement_activity", "activity_id")} AS engagement_activity_key, activity_id,
           {CUSTOMER_KEY} AS customer_key, customer_id,
           {event_columns()},
           activity_type, csm_name, duration_minutes, outcome, outcome = 'Negative' AS is_negative,
           notes, {SILVER_MISSING} AS {UNDELIVERED},
           {metadata_columns("support")}
    FROM silver.stg_sup_engagement_activities
    WHERE _partition_date = $day
    """,
)
