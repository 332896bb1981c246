"""dim_campaign: the marketing campaigns, one version per change the marketing snapshots
show (budget approved, dates moved, ...). A campaign that targets refer to before the
snapshot has it gets an inferred member, so no target points at a missing campaign.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.scd2 import scd2_dimension, undelivered_column


class DimCampaignVersion(GoldModel):
    campaign_key: str = column("Durable surrogate key of the campaign")
    campaign_version_key: str = column("Surrogate key of this version", unique=True)
    campaign_id: str = column("Campaign business key (CMP + 6 digits)")
    campaign_name: str = from_contract("marketing.campaigns", "campaign_name")
    campaign_type: str = column("Type of marketing campaign")
    objective: str = column("Campaign goal")
    target_audience: str = column("Intended audience (a segment or All Customers)")
    budget: float = column("Campaign investment in USD; empty until approved", nullable=True,
                           ge=0.0)
    channel: str = from_contract("marketing.campaigns", "channel")
    start_date: dt.date = from_contract("marketing.campaigns", "start_date")
    end_date: dt.date = from_contract("marketing.campaigns", "end_date")
    duration_days: int = column("Days the campaign runs, both ends included")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the marketing system recorded this version")


DIM_CAMPAIGN = scd2_dimension(
    entity="campaign", business_key="campaign_id", version_model=DimCampaignVersion,
    view_name="campaign",
    description="Marketing campaign management and performance tracking: the versions of each "
    "campaign as the marketing snapshots show them.",
    seed="000", domain="marketing",
    source="silver.stg_mkt_campaigns", system="marketing", snapshot=True,
    columns="""campaign_id, campaign_name, campaign_type, objective, target_audience, budget,
           channel, start_date, end_date, end_date - start_date + 1 AS duration_days""",
    tracked=("campaign_name", "campaign_type", "objective", "target_audience", "budget",
             "channel", "start_date", "end_date"),
    grain="one row per campaign version seen in the day's marketing snapshot",
    referenced_by=(("stg_mkt_campaign_targets", "campaign_id"),),
)

