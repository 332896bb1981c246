"""fact_campaign_target: whom each campaign reached and how far down the funnel they went
(sent, opened, responded, converted), one row per state change of a target.

A funnel step whose date the file did not deliver is unknown, never "not reached": its flag
is empty and the response stage is empty when such a step lies past the furthest known one.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, from_contract
from customer_platform.gold.completeness import SILVER_MISSING, UNDELIVERED, known, undelivered
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import (
    CUSTOMER_KEY,
    EVENT_DATE_FK,
    customer_fk,
    event_columns,
    metadata_columns,
    sk,
)

#: The funnel after sending, furthest step first: (stage, column of its day).
FUNNEL = (("Converted", "converted_date"), ("Responded", "responded_date"),
          ("Opened", "opened_date"))


def reached(step: str):
    """The flag of a funnel step: empty (unknown), never FALSE, when its date was not
    delivered."""
    return column(f"{step.title()} by this change; empty (unknown) when the file did not "
                  f"deliver {step}_date", nullable=True)


def response_stage() -> str:
    """SQL: the furthest funnel step a target reached. A delivered date settles it; a step
    past it whose column was not delivered makes it unknown (NULL), never a lower stage."""
    steps = " ".join(f"WHEN {col} IS NOT NULL THEN '{stage}' "
                     f"WHEN {undelivered(col, SILVER_MISSING)} THEN NULL" for stage, col in FUNNEL)
    return f"CASE {steps} ELSE 'Sent' END"


class FactCampaignTarget(GoldModel):
    campaign_target_event_key: str = column("Surrogate key of this target state change",
                                            unique=True)
    campaign_target_key: str = column("Surrogate key of the target (customer in a campaign)")
    target_id: str = column("Target business key (TG + 9 digits)")
    campaign_key: str = column("Campaign (dim_campaign.campaign_key)")
    campaign_id: str = column("Campaign business key")
    customer_key: str = column("Customer targeted (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    event_date: dt.date = column("Business day of the state change (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    response_stage: str = column("Furthest funnel step reached: Sent, Opened, Responded or "
                                 "Converted; empty (unknown) when a step past the furthest "
                                 "delivered one was not delivered", nullable=True)
    sent_date: dt.date = column("Day the message was sent")
    opened_date: dt.date = column("Day the customer opened it", nullable=True)
    responded_date: dt.date = column("Day the customer responded", nullable=True)
    converted_date: dt.date = column("Day the customer converted", nullable=True)
    is_opened: bool = reached("opened")
    is_responded: bool = reached("responded")
    is_converted: bool = reached("converted")
    days_to_convert: int = column("Days from sending to conversion (converted only)",
                                  nullable=True)
    undelivered_columns: str = undelivered_column(fact=True)
    source_updated_at: dt.datetime = from_contract("marketing.campaign_targets", "updated_at")


FACT_CAMPAIGN_TARGET = GoldTable(
    name="fact_campaign_target",
    model=FactCampaignTarget,
    description="Marketing campaign response behaviour, for the customer 360 view: which "
    "customers each campaign reached and how they responded, one "
    "row per target state change (sent, opened, responded, converted).",
    seed="001",
    kind="fact",
    domain="marketing",
    primary_key=("campaign_target_event_key",),
    sources=("silver.stg_mkt_campaign_targets", "gold.dim_customer", "gold.dim_campaign",
             "gold.dim_date"),
    foreign_keys=(customer_fk(), ForeignKey("campaign_key", "dim_campaign", "campaign_key"),
                  EVENT_DATE_FK),
    grain="one row per target state change (target_id, updated_at), in the partition of the "
    "day it was received",
    sql=f"""
    SELECT {sk("campaign_target_event", "target_id", "updated_at")} AS campaign_target_event_key,
           {sk("campaign_target", "target_id")} AS campaign_target_key, target_id,
           {sk("campaign", "campaign_id")} AS campaign_key, campaign_id,
           {CUSTOMER_KEY} AS customer_key, customer_id,
           {event_columns()},
           {response_stage()} AS response_stage,
           sent_date, opened_date, responded_date, converted_date,
           {", ".join(f"{known(col, f'{col} IS NOT NULL', SILVER_MISSING)} AS is_{col[:-5]}"
                      for _, col in reversed(FUNNEL))},
           converted_date - sent_date AS days_to_convert, _missing_columns AS {UNDELIVERED},
           updated_at AS source_updated_at,
           {metadata_columns("marketing", "updated_at")}
    FROM silver.stg_mkt_campaign_targets
    WHERE _partition_date = $day
    """,
)

