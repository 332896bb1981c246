"""Provisioning extracts: the telco service catalogue and which customer
holds which service from when to when."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN

SERVICE_ID_PATTERN = r"^S\d{3}$"
ASSIGNMENT_ID_PATTERN = r"^SA\d{9,}$"
#: Lifecycle of a service assignment: it starts Active and ends once (cancellation or churn).
ASSIGNMENT_STATUSES = ("Active", "Ended")


class ServiceCatalogue(Contract):
    """One telco service offering (an Internet, TV, Mobile or Voice plan), as of the extract day."""

    service_id: str = column(
        "Service key (S + 3 digits): one plan of the catalogue, stable for its whole life",
        normalise="upper",
        str_matches=SERVICE_ID_PATTERN,
    )
    service_type: str = column(
        "Service category the plan belongs to (Internet, TV, Mobile, Voice)",
        isin=list(v.SERVICE_TYPES),
    )
    service_name: str = column(
        "Marketed name of the plan; may be renamed over time (track it as an attribute, "
        "join on service_id)"
    )
    monthly_cost: float = column(
        "Standard monthly price of one subscription to the plan, before tax; what billing "
        "charges per active assignment",
        ge=0.0,
        le=10_000.0,
    )
    currency: str = column("ISO 4217 currency of the monthly cost", isin=list(v.CURRENCIES))
    active_flag: bool = column(
        "Whether the plan is currently offered to new subscribers; withdrawn plans keep "
        "serving (and billing) their existing subscribers"
    )
    updated_at: dt.datetime = column(
        "When the catalogue entry last changed (creation, rename or withdrawal from sale)"
    )


class ServiceAssignments(Contract):
    """One version of a customer's subscription to a service: a row when it starts, another
    when it ends."""

    assignment_id: str = column(
        "Service assignment key (SA + 9 or more digits): one customer's subscription to one "
        "service, stable from start to end",
        normalise="upper",
        str_matches=ASSIGNMENT_ID_PATTERN,
    )
    customer_id: str = column(
        "Customer holding the service (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    service_id: str = column(
        "Service subscribed to (key of the service catalogue)",
        normalise="upper",
        str_matches=SERVICE_ID_PATTERN,
    )
    start_date: dt.date = column(
        "First day the service was active (and billed): signup, add-on or reactivation day"
    )
    end_date: dt.date = column(
        "First day the service was no longer active (cancellation or churn day): the service "
        "is active on start_date <= day < end_date; empty while it is active",
        nullable=True,
    )
    status: str = column(
        "Assignment status after this change: Active from the start, Ended from the end date",
        isin=list(ASSIGNMENT_STATUSES),
    )
    updated_at: dt.datetime = column("When the assignment moved to this status")


TABLES = [
    SourceTable(
        system="provisioning",
        code="prv",
        name="service_catalogue",
        model=ServiceCatalogue,
        description=(
            "The telco service catalogue (Internet, TV, Mobile and Voice plans) with standard "
            "monthly pricing and whether each is still sold, for service portfolio, pricing and "
            "revenue-per-service analysis; source of the service dimension. Full snapshot: one "
            "row per service as of the extract day."
        ),
        seed="000",
        primary_key=("service_id",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
    SourceTable(
        system="provisioning",
        code="prv",
        name="service_assignments",
        model=ServiceAssignments,
        description=(
            "Which customer holds which service from when to when, for service portfolio, "
            "adoption and churn analysis, and for the customer 360 view. The assignments active "
            "on a day are exactly what billing charges for. Incremental: one row per assignment "
            "started (Active) or ended (Ended) that day."
        ),
        seed="001",
        primary_key=("assignment_id", "updated_at"),
        extract="incremental",
        file_format="csv",
        event_date="updated_at",
        updated_at="updated_at",
    ),
]
