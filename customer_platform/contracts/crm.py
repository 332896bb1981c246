"""CRM extracts: customers, account hierarchy, opportunities and the sales quota plan."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column

EMAIL_PATTERN = r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"
CUSTOMER_ID_PATTERN = r"^C\d{7,}$"


class Customers(Contract):
    """Master customer record, one row per customer as of the extract day."""

    customer_id: str = column(
        "Conformed customer key (C + 7 or more digits), shared by every source system",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    customer_name: str = column("Person or company name", pii="personal_identifier")
    email: str = column(
        "Primary contact email", pii="contact", normalise="email", str_matches=EMAIL_PATTERN
    )
    phone: str = column("Primary contact phone number", pii="contact", nullable=True)
    customer_segment: str = column(
        "Business type classification", isin=list(v.CUSTOMER_SEGMENTS), optional=True
    )
    customer_tier: str = column("Service level classification", isin=list(v.CUSTOMER_TIERS),
                                optional=True)
    status: str = column("Lifecycle status", isin=list(v.CUSTOMER_STATUSES))
    address_line: str = column("Street address", pii="address", nullable=True)
    city: str = column("City", optional=True)
    state: str = column("State, province or county", optional=True)
    country: str = column("ISO 3166-1 alpha-2 country code", normalise="upper", str_length=2,
                          optional=True)
    region: str = column("Sales region code (unified spelling)", isin=list(v.REGIONS),
                         optional=True)
    signup_date: dt.date = column("Day the customer signed up")
    updated_at: dt.datetime = column("When the CRM last changed this record")


TABLES = [
    SourceTable(
        system="crm",
        code="crm",
        name="customers",
        model=Customers,
        description=(
            "Master customer information for all customer-related analysis and segmentation. "
            "Full snapshot of every customer as of the extract day."
        ),
        seed="000",
        primary_key=("customer_id",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
]


# -- account hierarchy, pipeline and quota plan (revenue operations) ----------------------

OPPORTUNITY_ID_PATTERN = r"^O\d{9,}$"
PARENT_ACCOUNT_ID_PATTERN = r"^P\d{6,}$"
FISCAL_WEEK_PATTERN = r"^FY\d{4}-W\d{2}$"
FISCAL_QUARTER_PATTERN = r"^FY\d{4}-Q[1-4]$"


class AccountHierarchy(Contract):
    """One business account and its place in the corporate hierarchy, as of the extract day."""

    account_id: str = column(
        "Business account key: the conformed customer key of the account (C + 7 or more digits)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    company_name: str = column("Legal name of the account's company")
    parent_account_id: str = column(
        "Parent company key (P + 6 or more digits); empty for a stand-alone company",
        normalise="upper",
        nullable=True,
        str_matches=PARENT_ACCOUNT_ID_PATTERN,
    )
    parent_company_name: str = column(
        "Name of the parent company; empty for a stand-alone company", nullable=True
    )
    region: str = column(
        "Sales region code of the account (unified spelling)", isin=list(v.REGIONS)
    )
    vertical: str = column("Industry vertical of the account", isin=list(v.VERTICALS))
    customer_type: str = column(
        "Account type used for sales coverage", isin=list(v.ACCOUNT_CUSTOMER_TYPES)
    )
    updated_at: dt.datetime = column("When the CRM last changed this account")


class Opportunities(Contract):
    """One version of a sales opportunity: a row each time it moves to a new stage."""

    opportunity_id: str = column(
        "Opportunity key (O + 9 or more digits)", normalise="upper",
        str_matches=OPPORTUNITY_ID_PATTERN,
    )
    customer_id: str = column(
        "Business account the deal is with (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    opportunity_name: str = column("Name the sales rep gave the deal")
    stage: str = column("Sales stage after this change", isin=list(v.OPPORTUNITY_STAGES))
    probability_of_close: float = column(
        "Probability of winning implied by the stage (1 won, 0 lost)", ge=0.0, le=1.0
    )
    amount: float = column("Deal value in USD", ge=0.0, le=10_000_000.0)
    close_date: dt.date = column(
        "Expected close date while open (empty until qualified); the actual date once closed",
        nullable=True,
    )
    sales_rep: str = column("Account executive who owns the deal", pii="personal_identifier")
    geo: str = column("Sales geography of the account", isin=list(v.GEOS))
    solution: str = column("Product family being sold", isin=list(v.SOLUTIONS))
    sales_motion: str = column("Kind of deal: new business, renewal growth or true-up",
                               isin=list(v.SALES_MOTIONS))
    fiscal_week: str = column(
        "Fiscal week of the change (FYyyyy-Www)",
        normalise="fiscal_week",
        str_matches=FISCAL_WEEK_PATTERN,
    )
    pipe_actual: float = column(
        "Pipeline value counted for the week: the amount while open or won, 0 when lost",
        ge=0.0,
        le=10_000_000.0,
    )
    created_at: dt.datetime = column("When the opportunity was opened")
    updated_at: dt.datetime = column("When the opportunity moved to this stage")


class SalesQuotaPlan(Contract):
    """Quota-based revenue forecast (QRF) for one geo x solution x sales motion x quarter."""

    geo: str = column("Sales geography", isin=list(v.GEOS))
    solution: str = column("Product family", isin=list(v.SOLUTIONS))
    sales_motion: str = column("Kind of deal", isin=list(v.SALES_MOTIONS))
    fiscal_quarter: str = column(
        "Fiscal quarter the quota applies to (FYyyyy-Qn)",
        normalise="fiscal_quarter",
        str_matches=FISCAL_QUARTER_PATTERN,
    )
    qrf: float = column(
        "Quota-based revenue forecast for the quarter; may be 0 (no quota set)",
        ge=0.0,
        le=10_000_000_000.0,
    )
    currency: str = column(
        "ISO 4217 currency of the QRF (empty means the plan currency, USD)",
        isin=list(v.CURRENCIES),
        nullable=True,
    )
    updated_at: dt.datetime = column("When the plan for this fiscal year was published")


TABLES += [
    SourceTable(
        system="crm",
        code="crm",
        name="account_hierarchy",
        model=AccountHierarchy,
        description=(
            "Business accounts and their parent companies, vertical and type, for account-level "
            "pipeline and revenue roll-ups. Full snapshot of every business account "
            "as of the extract day."
        ),
        seed="003",
        primary_key=("account_id",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
    SourceTable(
        system="crm",
        code="crm",
        name="opportunities",
        model=Opportunities,
        description=(
            "Sales pipeline for pipeline-versus-quota reporting by fiscal week. "
            "Incremental: one row per opportunity stage change on the day it happened."
        ),
        seed="003",
        primary_key=("opportunity_id", "updated_at"),
        extract="incremental",
        file_format="jsonl",
        event_date="updated_at",
        updated_at="updated_at",
    ),
    SourceTable(
        system="crm",
        code="crm",
        name="sales_quota_plan",
        model=SalesQuotaPlan,
        description=(
            "Quota-based revenue forecast (QRF) that pipeline coverage is measured against. "
            "Full snapshot of the plan for every quarter of the current and next fiscal year, "
            "one row per geo x solution x sales motion x quarter."
        ),
        seed="003",
        primary_key=("geo", "solution", "sales_motion", "fiscal_quarter"),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
]
