"""Support extracts: support tickets, knowledge-base articles and
customer-success engagement activities."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN
from customer_platform.contracts.platform import USER_ID_PATTERN

TICKET_ID_PATTERN = r"^T\d{9,}$"
ARTICLE_ID_PATTERN = r"^KB\d{6}$"
ACTIVITY_ID_PATTERN = r"^EA\d{9,}$"


class Tickets(Contract):
    """One version of a support ticket: a row each time its status changes."""

    ticket_id: str = column(
        "Ticket key (T + 9 or more digits): one support case raised by a customer",
        normalise="upper",
        str_matches=TICKET_ID_PATTERN,
    )
    customer_id: str = column(
        "Customer who raised the ticket (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    user_id: str = column(
        "Platform user of a business account who raised the ticket; empty for residential "
        "customers and for tickets raised without a known platform login",
        normalise="upper",
        nullable=True,
        str_matches=USER_ID_PATTERN,
    )
    priority: str = column(
        "Urgency the agent set when triaging the ticket (High, Medium, Low)",
        isin=list(v.TICKET_PRIORITIES),
    )
    status: str = column(
        "Status after this change: Open when raised, In Progress at the first agent response, "
        "then Resolved, then Closed",
        isin=list(v.TICKET_STATUSES),
    )
    channel_of_contact: str = column(
        "How the customer contacted support", isin=list(v.TICKET_CHANNELS)
    )
    category: str = column("Area of the issue", isin=list(v.TICKET_CATEGORIES))
    ticket_type: str = column(
        "Kind of request (Technical Issue, Billing Question, Feature Request); resolution-time "
        "KPIs are reported by it",
        isin=list(v.TICKET_TYPES),
    )
    subject: str = column("Short summary of the issue as logged")
    description: str = column(
        "Agent's note on the issue and its impact; often empty for phone tickets",
        nullable=True,
    )
    agent_name: str = column(
        "Support agent who owns the ticket; empty until an agent first responds",
        pii="personal_identifier",
        nullable=True,
    )
    opened_at: dt.datetime = column("When the customer raised the ticket")
    first_response_at: dt.datetime = column(
        "When an agent first responded (start of In Progress); empty while the ticket is Open; "
        "minus opened_at gives the first-response time",
        nullable=True,
    )
    resolved_at: dt.datetime = column(
        "When the ticket was resolved; empty until then; minus opened_at gives the "
        "resolution time",
        nullable=True,
    )
    satisfaction_score: int = column(
        "Customer satisfaction survey answer (1 very dissatisfied .. 5 very satisfied), given "
        "once the ticket is resolved; empty before that and when the customer did not answer",
        nullable=True,
        ge=1,
        le=5,
    )
    updated_at: dt.datetime = column("When the ticket moved to this status")


class KbArticles(Contract):
    """One knowledge-base article in its current version."""

    article_id: str = column(
        "Knowledge-base article key (KB + 6 digits)",
        normalise="upper",
        str_matches=ARTICLE_ID_PATTERN,
    )
    title: str = column("Article subject as shown to customers")
    category: str = column(
        "Topic the article is filed under, for content-gap and deflection analysis",
        isin=list(v.KB_CATEGORIES),
    )
    version_number: int = column(
        "Current content version: 1 when published, +1 at each revision", ge=1, le=1_000
    )
    article_author: str = column(
        "Staff writer who created the article", pii="personal_identifier"
    )
    published_at: dt.datetime = column("When the first version was published")
    updated_at: dt.datetime = column("When the current version was published")


class EngagementActivities(Contract):
    """One customer-success touch with a business account: a call, review or training."""

    activity_id: str = column(
        "Engagement activity key (EA + 9 or more digits)",
        normalise="upper",
        str_matches=ACTIVITY_ID_PATTERN,
    )
    customer_id: str = column(
        "Business account engaged (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    activity_type: str = column(
        "Kind of touch (onboarding call, quarterly business review, training, health check, "
        "executive sponsor meeting)",
        isin=list(v.ENGAGEMENT_TYPES),
    )
    activity_date: dt.date = column("Day the activity took place")
    csm_name: str = column(
        "Customer success manager who owns the account and ran the activity",
        pii="personal_identifier",
    )
    duration_minutes: int = column("Length of the activity in minutes", ge=5, le=480)
    outcome: str = column(
        "Customer success manager's read of the customer's sentiment: Positive, Neutral or "
        "Negative (a churn-risk signal)",
        isin=list(v.ENGAGEMENT_OUTCOMES),
    )
    notes: str = column("Short free-text summary of the activity; often empty", nullable=True)


TABLES = [
    SourceTable(
        system="support",
        code="sup",
        name="tickets",
        model=Tickets,
        description=(
            "Customer support cases for service-quality, workload, first-response and "
            "resolution-time analysis, and satisfaction and ticket volume as churn signals. "
            "Incremental: one row per ticket status change (Open, In Progress, Resolved, "
            "Closed) on the day it happened."
        ),
        seed="000",
        primary_key=("ticket_id", "updated_at"),
        extract="incremental",
        file_format="csv",
        event_date="updated_at",
        updated_at="updated_at",
    ),
    SourceTable(
        system="support",
        code="sup",
        name="kb_articles",
        model=KbArticles,
        description=(
            "Knowledge-base articles for self-service adoption, content-gap and support "
            "deflection analysis. Snapshot: every published article in its current "
            "version, each day."
        ),
        seed="000",
        primary_key=("article_id",),
        extract="snapshot",
        file_format="jsonl",
        updated_at="updated_at",
    ),
    SourceTable(
        system="support",
        code="sup",
        name="engagement_activities",
        model=EngagementActivities,
        description=(
            "Customer-success engagement activities with business accounts (onboarding, "
            "reviews, training, health checks) used with support tickets to infer adoption, "
            "satisfaction and account health. Incremental: one row per activity held that day."
        ),
        seed="003",
        primary_key=("activity_id",),
        extract="incremental",
        file_format="jsonl",
        event_date="activity_date",
    ),
]
