"""Marketing extracts: campaigns and the customers each campaign targeted."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN

CAMPAIGN_ID_PATTERN = r"^CMP\d{6}$"
TARGET_ID_PATTERN = r"^TG\d{9,}$"


class Campaigns(Contract):
    """One marketing campaign as planned in the marketing system."""

    campaign_id: str = column(
        "Campaign key (CMP + 6 digits)", normalise="upper", str_matches=CAMPAIGN_ID_PATTERN
    )
    campaign_name: str = column("Name of the campaign")
    campaign_type: str = column("Kind of campaign", isin=list(v.CAMPAIGN_TYPES))
    objective: str = column("Business goal of the campaign", isin=list(v.CAMPAIGN_OBJECTIVES))
    target_audience: str = column("Customer segment the campaign targets",
                                  isin=list(v.CAMPAIGN_AUDIENCES))
    budget: float = column(
        "Approved budget in USD; empty until the budget is approved",
        nullable=True,
        ge=0.0,
        le=10_000_000.0,
    )
    channel: str = column("Delivery channel", isin=list(v.CAMPAIGN_CHANNELS))
    start_date: dt.date = column("First day the campaign runs")
    end_date: dt.date = column("Last day the campaign runs")
    updated_at: dt.datetime = column("When the campaign record last changed")


class CampaignTargets(Contract):
    """One version of a campaign target: a row each time the customer's response advances."""

    target_id: str = column(
        "Target key (TG + 9 or more digits): one customer in one campaign",
        normalise="upper",
        str_matches=TARGET_ID_PATTERN,
    )
    campaign_id: str = column(
        "Campaign that targeted the customer", normalise="upper", str_matches=CAMPAIGN_ID_PATTERN
    )
    customer_id: str = column(
        "Customer targeted (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    sent_date: dt.date = column("Day the campaign message was sent to the customer")
    opened_date: dt.date = column("Day the customer opened it; empty until opened", nullable=True)
    responded_date: dt.date = column(
        "Day the customer responded (click, reply, registration); empty until then", nullable=True
    )
    converted_date: dt.date = column(
        "Day the customer converted (bought, upgraded, came back); empty until then",
        nullable=True,
    )
    updated_at: dt.datetime = column("When the target's state changed")


TABLES = [
    SourceTable(
        system="marketing",
        code="mkt",
        name="campaigns",
        model=Campaigns,
        description=(
            "Marketing campaigns for campaign performance and ROI analysis. Full snapshot of "
            "every campaign planned to start within the next 30 days or already started, one "
            "row per campaign."
        ),
        seed="000",
        primary_key=("campaign_id",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
    SourceTable(
        system="marketing",
        code="mkt",
        name="campaign_targets",
        model=CampaignTargets,
        description=(
            "Which customers each campaign reached and how they responded, for response and "
            "conversion funnels. Incremental: one row per target state "
            "change (sent, opened, responded, converted) on the day it happened."
        ),
        seed="000",
        primary_key=("target_id", "updated_at"),
        extract="incremental",
        file_format="jsonl",
        event_date="updated_at",
        updated_at="updated_at",
    ),
]
