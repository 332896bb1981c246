"""CRM extracts (seeds 000 and 003): customers, account hierarchy, opportunities, quota plan."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column

EMAIL_PATTERN = r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"
CUSTOMER_ID_PATTERN = r"^C\d{7}$"


class Customers(Contract):
    """Master customer record, one row per customer as of the extract day (seed 000 DimCustomer)."""

    customer_id: str = column(
        "Conformed customer key (C + 7 digits), shared by every source system",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    customer_name: str = column("Person or company name", pii="personal_identifier")
    email: str = column(
        "Primary contact email", pii="contact", normalise="email", str_matches=EMAIL_PATTERN
    )
    phone: str = column("Primary contact phone number", pii="contact", nullable=True)
    customer_segment: str = column(
        "Business type classification", isin=list(v.CUSTOMER_SEGMENTS)
    )
    customer_tier: str = column("Service level classification", isin=list(v.CUSTOMER_TIERS))
    status: str = column("Lifecycle status", isin=list(v.CUSTOMER_STATUSES))
    address_line: str = column("Street address", pii="address", nullable=True)
    city: str = column("City")
    state: str = column("State, province or county")
    country: str = column("ISO 3166-1 alpha-2 country code", normalise="upper", str_length=2)
    region: str = column("Sales region code (unified spelling)", isin=list(v.REGIONS))
    signup_date: dt.date = column("Day the customer signed up")
    updated_at: dt.datetime = column("When the CRM last changed this record")


TABLES = [
    SourceTable(
        system="crm",
        code="crm",
        name="customers",
        model=Customers,
        description=(
            "Master customer information for all customer-related analysis and segmentation "
            "(seed 000, DimCustomer). Full snapshot of every customer as of the extract day."
        ),
        seed="000",
        primary_key=("customer_id",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
]
