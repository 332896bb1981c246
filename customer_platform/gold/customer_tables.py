"""Customer management (seed 000) and customer facts (seed 001): the customer-domain gold tables."""

import datetime as dt

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.completeness import (
    SILVER_MISSING,
    UNDELIVERED,
    canonical,
    carry_forward_sources,
    carry_forward_windows,
    known,
    last_delivered,
    record_field,
    snapshot_as_of,
    snapshot_table,
    undelivered,
    unrecovered_rejects,
)
from customer_platform.gold.metrics import (
    AGGREGATE_WINDOW,
    IS_COMPLETE_DOC,
    PERIOD_DAYS,
    PERIOD_END,
    Metric,
    period_complete,
)
from customer_platform.gold.scd2 import (
    Scd2Dimension,
    inferred_members,
    scd2_dimension,
    snapshot_filter,
    undelivered_column,
)
from customer_platform.gold.sql import (
    CUSTOMER_KEY,
    EVENT_DATE_FK,
    customer_fk,
    event_columns,
    metadata_columns,
    sk,
)
from customer_platform.silver.cleaning import SILVER_LINEAGE
from customer_platform.vocabulary import DISCOUNT_BANDS, REGION_GEO, SEAT_PRODUCTS, TICKET_TYPES

# -- dim_customer (SCD type 2 over segment, tier, status and address) --------------------------


class DimCustomerVersion(GoldModel):
    customer_key: str = column("Durable surrogate key of the customer (same in every version)")
    customer_version_key: str = column("Surrogate key of this version", unique=True)
    customer_id: str = column("Conformed customer key (business key)")
    customer_name: str = column("Person or company name", pii="personal_identifier")
    email: str = column("Primary contact email", pii="contact")
    phone: str = column("Primary contact phone number", pii="contact", nullable=True)
    customer_segment: str = column("Residential, SMB, Enterprise or Government")
    customer_tier: str = column("Bronze, Silver, Gold or Platinum")
    status: str = column("Active, Inactive or Churned")
    address_line: str = column("Street address", pii="address", nullable=True)
    city: str = column("City")
    state: str = column("State, province or county")
    country: str = column("ISO 3166-1 alpha-2 country code")
    region: str = column("Sales region code")
    signup_date: dt.date = column("Day the customer signed up")
    is_inferred: bool = column(
        "Inferred member: referenced by another system on a day the CRM snapshot lacked it "
        "(its row was rejected, or it is not in the CRM yet); attributes are 'Unknown' until "
        "a real version arrives")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the CRM recorded this version "
                                            "(1900-01-01 for an inferred member)")


#: Silver tables that refer to customers, and the column they do it with.
CUSTOMER_REFERENCES = tuple(
    (t.silver_table, "account_id" if t.qualified_name == "crm.account_hierarchy"
     else "customer_id")
    for t in SOURCE_TABLES
    if t.qualified_name != "crm.customers"
    and ("customer_id" in t.columns() or t.qualified_name == "crm.account_hierarchy")
)
DIM_CUSTOMER = Scd2Dimension(
    versions=GoldTable(
        name="dim_customer_versions",
        model=DimCustomerVersion,
        description="Master customer information for all customer-related analysis and "
        "segmentation (seed 000, DimCustomer): the versions of each customer as the CRM "
        "snapshots show them, plus inferred members for customers other systems refer to "
        "before the CRM delivers them.",
        seed="000",
        kind="dimension",
        domain="customer",
        primary_key=("customer_version_key",),
        sources=("silver.stg_crm_customers",
                 *(f"silver.{table}" for table, _ in CUSTOMER_REFERENCES)),
        grain="one row per customer version contributed by the day's CRM snapshot (recent "
        "changes, and customers new since yesterday's snapshot), plus one inferred version "
        "per customer referenced that day but missing from the snapshot",
        sql=f"""
        WITH snapshot AS (
            SELECT * FROM silver.stg_crm_customers WHERE _partition_date = $day
        )
        SELECT {CUSTOMER_KEY} AS customer_key,
               {sk("customer_version", "customer_id", "updated_at")} AS customer_version_key,
               * EXCLUDE (updated_at, {", ".join(SILVER_LINEAGE)}),
               FALSE AS is_inferred, _missing_columns AS {UNDELIVERED},
               updated_at AS source_updated_at,
               CAST($day AS DATE) AS load_date,
               CAST(updated_at AS DATE) AS update_date,
               'crm' AS source_system
        FROM snapshot AS stg_crm_customers
        WHERE {snapshot_filter("silver.stg_crm_customers", "customer_id", "updated_at")}
        UNION ALL BY NAME
        {inferred_members("customer", "customer_id", DimCustomerVersion,
                          "silver.stg_crm_customers", "crm", CUSTOMER_REFERENCES)}
        """,
        window=(-1, 0),
    ),
    entity_key="customer_key",
    business_key="customer_id",
    tracked=("customer_segment", "customer_tier", "status", "address_line", "city", "state",
             "country", "region"),
    changed_at="source_updated_at",
)


# -- fact_invoice -----------------------------------------------------------------------------


class FactInvoice(GoldModel):
    invoice_event_key: str = column("Surrogate key of this invoice status change", unique=True)
    invoice_key: str = column("Surrogate key of the invoice")
    invoice_id: str = column("Invoice business key")
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    event_date: dt.date = column("Business day of the status change (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    invoice_date: dt.date = column("Day the invoice was issued")
    due_date: dt.date = column("Day payment is due")
    amount: float = column("Invoice total including tax", ge=0.0)
    currency: str = column("ISO 4217 currency")
    paid_status: str = column("Open, Overdue or Paid after this change")
    paid_date: dt.date = column("Day the invoice was paid; unknown on a row whose file did not "
                                "deliver it (undelivered_columns)", nullable=True)
    days_to_pay: int = column("Days from invoice to payment (paid rows with a known paid_date "
                              "only)", nullable=True, ge=0)
    is_late_payment: bool = column("Paid after the due date (paid rows with a known paid_date "
                                   "only: empty is unknown, never 'on time')", nullable=True)
    undelivered_columns: str = undelivered_column(fact=True)


FACT_INVOICE = GoldTable(
    name="fact_invoice",
    model=FactInvoice,
    description="Customer revenue history and payment behaviour (seed 001, Fact_Invoice): one "
    "row per invoice status change (issued Open, Overdue, Paid).",
    seed="001",
    kind="fact",
    domain="customer",
    primary_key=("invoice_event_key",),
    sources=("silver.stg_bil_invoices", "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(ForeignKey("customer_key", "dim_customer", "customer_key"),
                  ForeignKey("event_date_key", "dim_date", "date_key")),
    grain="one row per invoice status change, in the partition of the day it was received",
    sql=f"""
    SELECT {sk("invoice_event", "invoice_id", "updated_at")} AS invoice_event_key,
           {sk("invoice", "invoice_id")} AS invoice_key,
           invoice_id, {CUSTOMER_KEY} AS customer_key, customer_id,
           _event_date AS event_date,
           CAST(strftime(_event_date, '%Y%m%d') AS INTEGER) AS event_date_key,
           invoice_date, due_date, amount, currency, paid_status, paid_date,
           CASE WHEN paid_status = 'Paid' THEN paid_date - invoice_date END AS days_to_pay,
           CASE WHEN paid_status = 'Paid' THEN paid_date > due_date END AS is_late_payment,
           _missing_columns AS {UNDELIVERED},
           CAST($day AS DATE) AS load_date,
           CAST(updated_at AS DATE) AS update_date,
           'billing' AS source_system
    FROM silver.stg_bil_invoices
    WHERE _partition_date = $day
    """,
)


# == shared SQL pieces =========================================================================






# -- dim_opportunity (SCD2 over the incremental stage changes) --------------------------------


class DimOpportunityVersion(GoldModel):
    opportunity_key: str = column("Durable surrogate key of the opportunity")
    opportunity_version_key: str = column("Surrogate key of this version", unique=True)
    opportunity_id: str = column("Opportunity business key (O + 9 digits)")
    customer_key: str = column("Account the deal is with (dim_customer.customer_key)")
    customer_id: str = column("Customer business key of the account")
    opportunity_name: str = column("Name the sales rep gave the deal")
    stage: str = column("Sales stage of this version")
    probability_of_close: float = column("Likelihood of closing implied by the stage",
                                         ge=0.0, le=1.0)
    amount: float = column("Potential revenue value in USD", ge=0.0)
    close_date: dt.date = column("Expected close date while open; actual once closed",
                                 nullable=True)
    is_closed: bool = column("Stage is Closed Won or Closed Lost")
    is_won: bool = column("Stage is Closed Won")
    sales_rep: str = column("Account executive who owns the deal", pii="personal_identifier")
    geo: str = column("Sales geography of the account")
    solution: str = column("Product family being sold")
    sales_motion: str = column("New, Growth on renewal or True up")
    fiscal_week: str = column("Fiscal week of the stage change (FYyyyy-Www)")
    pipe_actual: float = column("Pipeline value counted: amount while open or won, 0 when lost",
                                ge=0.0)
    created_at: dt.datetime = column("When the opportunity was opened")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the opportunity moved to this stage")


DIM_OPPORTUNITY = scd2_dimension(
    entity="opportunity", business_key="opportunity_id", version_model=DimOpportunityVersion,
    view_name="opportunity",
    description="Sales pipeline and opportunity tracking for revenue forecasting (seed 000, "
    "DimOpportunity): one version per stage change of each opportunity.",
    seed="000", domain="customer",
    source="silver.stg_crm_opportunities", system="crm", snapshot=False,
    columns=f"""opportunity_id, {CUSTOMER_KEY} AS customer_key, customer_id, opportunity_name,
           stage, probability_of_close, amount, close_date,
           stage IN ('Closed Won', 'Closed Lost') AS is_closed, stage = 'Closed Won' AS is_won,
           sales_rep, geo, solution, sales_motion, fiscal_week, pipe_actual, created_at""",
    tracked=("stage", "probability_of_close", "amount", "close_date", "sales_rep", "geo",
             "solution", "sales_motion"),
    grain="one row per opportunity stage change received that day",
    sources=("gold.dim_customer",), foreign_keys=(customer_fk(),),
)


# -- dim_campaign (SCD2 over the campaign snapshot) -------------------------------------------


class DimCampaignVersion(GoldModel):
    campaign_key: str = column("Durable surrogate key of the campaign")
    campaign_version_key: str = column("Surrogate key of this version", unique=True)
    campaign_id: str = column("Campaign business key (CMP + 6 digits)")
    campaign_name: str = column("Name of the campaign")
    campaign_type: str = column("Type of marketing campaign")
    objective: str = column("Campaign goal")
    target_audience: str = column("Intended audience (a segment or All Customers)")
    budget: float = column("Campaign investment in USD; empty until approved", nullable=True,
                           ge=0.0)
    channel: str = column("Delivery channel")
    start_date: dt.date = column("First day the campaign runs")
    end_date: dt.date = column("Last day the campaign runs")
    duration_days: int = column("Days the campaign runs, both ends included")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the marketing system recorded this version")


DIM_CAMPAIGN = scd2_dimension(
    entity="campaign", business_key="campaign_id", version_model=DimCampaignVersion,
    view_name="campaign",
    description="Marketing campaign management and performance tracking (seed 000, "
    "DimCampaign): the versions of each campaign as the marketing snapshots show them.",
    seed="000", domain="customer",
    source="silver.stg_mkt_campaigns", system="marketing", snapshot=True,
    columns="""campaign_id, campaign_name, campaign_type, objective, target_audience, budget,
           channel, start_date, end_date, end_date - start_date + 1 AS duration_days""",
    tracked=("campaign_name", "campaign_type", "objective", "target_audience", "budget",
             "channel", "start_date", "end_date"),
    grain="one row per campaign version seen in the day's marketing snapshot",
    referenced_by=(("stg_mkt_campaign_targets", "campaign_id"),),
)


# -- dim_support_ticket (SCD2 over the incremental status changes) ----------------------------

SUPPORT_TICKET_KEY = sk("support_ticket", "ticket_id")


class DimSupportTicketVersion(GoldModel):
    support_ticket_key: str = column("Durable surrogate key of the ticket")
    support_ticket_version_key: str = column("Surrogate key of this version", unique=True)
    ticket_id: str = column("Ticket business key (T + 9 digits)")
    customer_key: str = column("Customer who raised it (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    user_id: str = column("Platform user who raised it (business accounts)", nullable=True)
    priority: str = column("Urgency level (High, Medium, Low)")
    status: str = column("State after this change (Open, In Progress, Resolved, Closed)")
    channel_of_contact: str = column("How the customer contacted support")
    category: str = column("Type of issue")
    ticket_type: str = column("Technical Issue, Billing Question or Feature Request")
    subject: str = column("Short summary of the issue")
    description: str = column("Agent's note on the issue", nullable=True)
    agent_name: str = column("Support agent who owns the ticket", pii="personal_identifier",
                             nullable=True)
    opened_at: dt.datetime = column("When the customer raised the ticket")
    first_response_at: dt.datetime = column("When an agent first responded", nullable=True)
    resolved_at: dt.datetime = column("When the ticket was resolved", nullable=True)
    satisfaction_score: int = column("Satisfaction survey answer 1..5", nullable=True,
                                     ge=1, le=5)
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the ticket moved to this status")


TICKET_COLUMNS = """ticket_id, customer_id, user_id, priority, status, channel_of_contact,
           category, ticket_type, subject, description, agent_name, opened_at,
           first_response_at, resolved_at, satisfaction_score"""

DIM_SUPPORT_TICKET = scd2_dimension(
    entity="support_ticket", business_key="ticket_id", version_model=DimSupportTicketVersion,
    view_name="support_ticket",
    description="Customer support case management and service quality tracking (seed 000, "
    "DimSupportTicket): one version per status change of each ticket (the view keeps the "
    "last change of a day).",
    seed="000", domain="customer",
    source="silver.stg_sup_tickets", system="support", snapshot=False,
    columns=f"{CUSTOMER_KEY} AS customer_key, {TICKET_COLUMNS}",
    tracked=("status", "priority", "channel_of_contact", "category", "ticket_type",
             "agent_name", "satisfaction_score"),
    grain="one row per ticket status change received that day",
    sources=("gold.dim_customer",), foreign_keys=(customer_fk(),),
)


# -- dim_service (SCD2 over the service catalogue snapshot) -----------------------------------

SERVICE_KEY = sk("service", "service_id")


class DimServiceVersion(GoldModel):
    service_key: str = column("Durable surrogate key of the service")
    service_version_key: str = column("Surrogate key of this version", unique=True)
    service_id: str = column("Service business key (S + 3 digits)")
    service_type: str = column("Category (Internet, TV, Mobile, Voice)")
    service_name: str = column("Specific service offering (may be renamed; join on the key)")
    monthly_cost: float = column("Standard monthly price before tax", ge=0.0)
    currency: str = column("ISO 4217 currency of the monthly cost")
    active_flag: bool = column("Currently offered to new subscribers")
    source_updated_at: dt.datetime = column("When the catalogue recorded this version")


DIM_SERVICE = scd2_dimension(
    entity="service", business_key="service_id", version_model=DimServiceVersion,
    view_name="service",
    description="Service catalog and offering management (seed 000, DimService): the "
    "versions of each telco service as the provisioning catalogue snapshots show them.",
    seed="000", domain="customer",
    source="silver.stg_prv_service_catalogue", system="provisioning",
    snapshot=True,
    columns="service_id, service_type, service_name, monthly_cost, currency, active_flag",
    tracked=("service_type", "service_name", "monthly_cost", "currency", "active_flag"),
    grain="one row per service version seen in the day's catalogue snapshot",
    referenced_by=(("stg_net_daily_usage", "service_id"),
                   ("stg_prv_service_assignments", "service_id")),
)


# -- dim_kb_article (SCD2 over the knowledge-base snapshot) -----------------------------------


class DimKbArticleVersion(GoldModel):
    kb_article_key: str = column("Durable surrogate key of the article")
    kb_article_version_key: str = column("Surrogate key of this version", unique=True)
    article_id: str = column("Article business key (KB + 6 digits)")
    title: str = column("Article subject")
    category: str = column("Topic classification")
    version_number: int = column("Content version (1 when published, +1 per revision)", ge=1)
    article_author: str = column("Content creator", pii="personal_identifier")
    published_at: dt.datetime = column("When the first version was published")
    source_updated_at: dt.datetime = column("When this content version was published")


DIM_KB_ARTICLE = scd2_dimension(
    entity="kb_article", business_key="article_id", version_model=DimKbArticleVersion,
    view_name="kb_article",
    description="Knowledge base content management for self-service support (seed 000, "
    "DimKBArticle): the versions of each article as the support snapshots show them.",
    seed="000", domain="customer",
    source="silver.stg_sup_kb_articles", system="support", snapshot=True,
    columns="article_id, title, category, version_number, article_author, published_at",
    tracked=("title", "category", "version_number", "article_author"),
    grain="one row per article version seen in the day's knowledge-base snapshot",
)


# -- dim_account_hierarchy (SCD2 over the parent/child account snapshot) ----------------------

GEO_OF_REGION = "CASE region " + " ".join(
    f"WHEN '{region}' THEN '{geo}'" for region, geo in REGION_GEO.items()) + " END"


class DimAccountHierarchyVersion(GoldModel):
    account_key: str = column("Durable surrogate key of the business account")
    account_version_key: str = column("Surrogate key of this version", unique=True)
    account_id: str = column("Account business key (the account's conformed customer key)")
    customer_key: str = column("The account as a customer (dim_customer.customer_key)")
    company_name: str = column("Legal name of the account's company")
    parent_account_key: str = column("Surrogate key of the parent company; empty when "
                                     "stand-alone", nullable=True)
    parent_account_id: str = column("Parent company key (P + 6 digits); empty when stand-alone",
                                    nullable=True)
    parent_company_name: str = column("Name of the parent company", nullable=True)
    rollup_account_key: str = column("Key to roll the account up by: its parent company's "
                                     "key, else its own")
    rollup_company_name: str = column("Name to roll up by: the parent company's, else its own")
    is_child_account: bool = column("The account belongs to a parent company")
    region: str = column("Sales region code")
    geo: str = column("Sales geography of the region (AMER, EMEA, APAC, LATAM)")
    vertical: str = column("Industry vertical")
    customer_type: str = column("Account type for sales coverage")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the CRM recorded this version")


PARENT_KEY = sk("parent_account", "parent_account_id")

DIM_ACCOUNT_HIERARCHY = scd2_dimension(
    entity="account", business_key="account_id", version_model=DimAccountHierarchyVersion,
    view_name="account_hierarchy",
    description="Parent/child company mapping that links accounts to parent organisations and "
    "allows segmentation by region, vertical and customer type (seed 003, Customer "
    "Hierarchy): the versions of each business account as the CRM snapshots show them.",
    seed="003", domain="customer",
    source="silver.stg_crm_account_hierarchy", system="crm", snapshot=True,
    columns=f"""account_id, {sk("customer", "account_id")} AS customer_key, company_name,
           CASE WHEN parent_account_id IS NOT NULL THEN {PARENT_KEY} END AS parent_account_key,
           parent_account_id, parent_company_name,
           CASE WHEN parent_account_id IS NOT NULL THEN {PARENT_KEY}
                ELSE {sk("account", "account_id")} END AS rollup_account_key,
           coalesce(parent_company_name, company_name) AS rollup_company_name,
           parent_account_id IS NOT NULL AS is_child_account,
           region, {GEO_OF_REGION} AS geo, vertical, customer_type""",
    tracked=("company_name", "parent_account_id", "parent_company_name", "region", "vertical",
             "customer_type"),
    grain="one row per account version seen in the day's CRM hierarchy snapshot",
    sources=("gold.dim_customer",), foreign_keys=(customer_fk(),),
    derived=(*((name, "parent_account_id") for name in (
        "parent_account_key", "rollup_account_key", "rollup_company_name", "is_child_account")),
        ("rollup_company_name", "parent_company_name")),
)


# -- dim_product (SCD2 over the product catalogue, discount bands folded in) ------------------


def band_price(band: str):
    return column(f"Unit price after volume discount band {band} (list_price x (1 - its "
                  "discount)); empty when the band is missing from the day's band snapshot; "
                  "the last known price when its row was rejected with nothing to carry",
                  nullable=True, ge=0.0)


#: The volume discount bands, a snapshot read as of the day (``gold/completeness.py``): a
#: rejected band row carried from its last good one of the 7 days before.
BANDS = snapshot_table("cat_discount_bands")
#: SQL: the bands of day ``$day``, a rejected row carried forward (``carried_from``)
BANDS_AS_OF = snapshot_as_of(BANDS)
#: SQL: the band codes of ``$day`` that are unknown: absent from ``BANDS_AS_OF`` and named by a
#: rejected row nothing could carry (a code that cannot be read names every absent band)
UNKNOWN_BANDS = f"""(
    SELECT DISTINCT v.band_code
    FROM (SELECT unnest([{", ".join(f"'{b}'" for b in DISCOUNT_BANDS)}]) AS band_code) v,
         {unrecovered_rejects(BANDS)} r
    WHERE coalesce({canonical(record_field("band_code"), DISCOUNT_BANDS)}, v.band_code)
              = v.band_code
      AND v.band_code NOT IN (SELECT band_code FROM {BANDS_AS_OF})
)"""


class DimProductVersion(GoldModel):
    product_key: str = column("Durable surrogate key of the product")
    product_version_key: str = column("Surrogate key of this version", unique=True)
    product_id: str = column("Catalogue product business key (PRD + 3 digits)")
    product_code: str = column("Short product code used by licensing and sales")
    product_name: str = column("Marketed product name")
    product_family: str = column("Product family (Creative Cloud, Document Cloud, Devices)")
    solution: str = column("Sales solution the product is sold under", nullable=True)
    price_unit: str = column("What the list price is per: 'seat per month' or 'unit'")
    list_price: float = column("List price in currency per price_unit", ge=0.0)
    currency: str = column("ISO 4217 currency of the prices")
    active_flag: bool = column("The product can currently be ordered")
    band_a_unit_price: float = band_price("A")
    band_b_unit_price: float = band_price("B")
    band_c_unit_price: float = band_price("C")
    band_d_unit_price: float = band_price("D")
    band_e_unit_price: float = band_price("E")
    bands_carried_from: dt.date = column(
        "Earliest partition a band row of the day was carried from (rejected that day, its "
        "last good row used); empty when every band row came that day", nullable=True)
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column(
        "Latest of the product's and the discount bands' change times: a band revision opens "
        "a version of every product")


BAND_PIVOT = ", ".join(
    f"max(discount_pct) FILTER (WHERE band_code = '{b}') AS band_{b.lower()}_discount"
    for b in DISCOUNT_BANDS)

DIM_PRODUCT = scd2_dimension(
    entity="product", business_key="product_id", version_model=DimProductVersion,
    view_name="product",
    description="Product catalogue mapping solutions to product families with list price and "
    "discount bands (seeds 003 and 004), for revenue, pricing and price-elasticity analysis: "
    "the versions of each product as the catalogue snapshots show them, with the unit price "
    "of every volume discount band folded in as a column set.",
    seed="003", domain="customer",
    source="silver.stg_cat_products", system="catalogue", snapshot=True,
    from_clause=f"""(
        SELECT p.* REPLACE (  -- an unknown band's price is not delivered: the view keeps its last
                   CASE WHEN b.unknown_prices IS NULL THEN p._missing_columns
                        ELSE concat_ws(',', nullif(p._missing_columns, ''), b.unknown_prices)
                   END AS _missing_columns),
               b.* EXCLUDE (unknown_prices),
               greatest(p.updated_at, b.bands_updated_at) AS changed_at
        FROM silver.stg_cat_products p
        CROSS JOIN (SELECT max(updated_at) AS bands_updated_at, {BAND_PIVOT},
                           min(carried_from) AS bands_carried_from,
                           (SELECT string_agg('band_' || lower(band_code) || '_unit_price', ','
                                              ORDER BY band_code) FROM {UNKNOWN_BANDS})
                               AS unknown_prices
                    FROM {BANDS_AS_OF}) b
    ) AS products""",
    changed_at="changed_at",
    columns=f"""product_id, product_code, product_name, product_family, solution,
           CASE WHEN product_code IN ({", ".join(f"'{c}'" for c in SEAT_PRODUCTS)})
                THEN 'seat per month' ELSE 'unit' END AS price_unit,
           list_price, currency, active_flag,
           {", ".join(f"round(list_price * (1 - band_{b}_discount), 2) AS band_{b}_unit_price"
                      for b in "abcde")}, bands_carried_from""",
    tracked=("product_code", "product_name", "product_family", "solution", "list_price",
             "currency", "active_flag", *(f"band_{b}_unit_price" for b in "abcde")),
    grain="one row per product version seen in the day's catalogue and discount-band "
    "snapshots",
    sources=carry_forward_sources(BANDS),
    source_windows=carry_forward_windows(BANDS),
    referenced_by=(("stg_com_order_lines", "product_id"),),
)


# == facts =====================================================================================


# -- fact_service_assignment ------------------------------------------------------------------


class FactServiceAssignment(GoldModel):
    service_assignment_event_key: str = column("Surrogate key of this assignment status change",
                                               unique=True)
    service_assignment_key: str = column("Surrogate key of the assignment")
    assignment_id: str = column("Service assignment business key (SA + 9 digits)")
    customer_key: str = column("Customer holding the service (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    service_key: str = column("Service held (dim_service.service_key)")
    service_id: str = column("Service business key")
    event_date: dt.date = column("Business day of the status change (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    status: str = column("Active from the start, Ended from the end date")
    start_date: dt.date = column("First day the service was active (and billed)")
    end_date: dt.date = column("First day the service was no longer active; empty while active "
                               "(unknown when undelivered_columns names it)", nullable=True)
    is_active: bool = column("The assignment is active after this change")
    days_active: int = column("Days the service was active (ended assignments with a known "
                              "end_date only)", nullable=True)
    undelivered_columns: str = undelivered_column(fact=True)
    source_updated_at: dt.datetime = column("When the assignment moved to this status")


FACT_SERVICE_ASSIGNMENT = GoldTable(
    name="fact_service_assignment",
    model=FactServiceAssignment,
    description="Which customer holds which service from when to when, for service portfolio, "
    "adoption and churn analysis (seed 001, FactServiceAssignment in the Customer 360 view): "
    "one row per assignment started (Active) or ended (Ended).",
    seed="001",
    kind="fact",
    domain="customer",
    primary_key=("service_assignment_event_key",),
    sources=("silver.stg_prv_service_assignments", "gold.dim_customer", "gold.dim_service",
             "gold.dim_date"),
    foreign_keys=(customer_fk(), ForeignKey("service_key", "dim_service", "service_key"),
                  EVENT_DATE_FK),
    grain="one row per assignment status change, in the partition of the day it was received",
    sql=f"""
    SELECT {sk("service_assignment_event", "assignment_id", "updated_at")}
               AS service_assignment_event_key,
           {sk("service_assignment", "assignment_id")} AS service_assignment_key,
           assignment_id, {CUSTOMER_KEY} AS customer_key, customer_id,
           {SERVICE_KEY} AS service_key, service_id,
           {event_columns()},
           status, start_date, end_date, status = 'Active' AS is_active,
           CASE WHEN status = 'Ended' THEN end_date - start_date END AS days_active,
           _missing_columns AS {UNDELIVERED},
           updated_at AS source_updated_at,
           {metadata_columns("provisioning", "updated_at")}
    FROM silver.stg_prv_service_assignments
    WHERE _partition_date = $day
    """,
)


# -- fact_support_ticket ----------------------------------------------------------------------


def hours_between(start: str, end: str) -> str:
    return f"date_diff('second', {start}, {end}) / 3600.0"


class FactSupportTicket(GoldModel):
    support_ticket_event_key: str = column("Surrogate key of this ticket status change",
                                           unique=True)
    support_ticket_key: str = column("Ticket (dim_support_ticket.support_ticket_key)")
    ticket_id: str = column("Ticket business key")
    customer_key: str = column("Customer who raised it (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    user_id: str = column("Platform user who raised it (business accounts)", nullable=True)
    event_date: dt.date = column("Business day of the status change (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    status: str = column("Open, In Progress, Resolved or Closed after this change")
    priority: str = column("Urgency level (High, Medium, Low)")
    ticket_type: str = column("Technical Issue, Billing Question or Feature Request")
    category: str = column("Type of issue")
    channel_of_contact: str = column("How the customer contacted support")
    agent_name: str = column("Support agent who owns the ticket", pii="personal_identifier",
                             nullable=True)
    opened_at: dt.datetime = column("When the customer raised the ticket")
    open_date: dt.date = column("Day the ticket was raised")
    first_response_at: dt.datetime = column("When an agent first responded", nullable=True)
    resolved_at: dt.datetime = column("When the ticket was resolved", nullable=True)
    first_response_hours: float = column("Hours from opening to the first agent response, "
                                         "once known", nullable=True)
    resolution_hours: float = column("Hours from opening to resolution, once resolved",
                                     nullable=True)
    satisfaction_score: int = column("Satisfaction survey answer 1..5, once given",
                                     nullable=True, ge=1, le=5)
    undelivered_columns: str = undelivered_column(fact=True)
    source_updated_at: dt.datetime = column("When the ticket moved to this status")


FACT_SUPPORT_TICKET = GoldTable(
    name="fact_support_ticket",
    model=FactSupportTicket,
    description="Customer support data for service quality analysis and issue tracking; "
    "supports ticket resolution time and service quality KPIs (seed 002, Go_Fact_Support_Ticket; "
    "FactSupportTicket in seed 001's Customer 360 view): one row per ticket status change.",
    seed="002",
    kind="fact",
    domain="customer",
    primary_key=("support_ticket_event_key",),
    sources=("silver.stg_sup_tickets", "gold.dim_customer", "gold.dim_support_ticket",
             "gold.dim_date"),
    foreign_keys=(customer_fk(),
                  ForeignKey("support_ticket_key", "dim_support_ticket", "support_ticket_key"),
                  EVENT_DATE_FK),
    grain="one row per ticket status change (ticket_id, updated_at), in the partition of the "
    "day it was received",
    sql=f"""
    SELECT {sk("support_ticket_event", "ticket_id", "updated_at")} AS support_ticket_event_key,
           {SUPPORT_TICKET_KEY} AS support_ticket_key, ticket_id,
           {CUSTOMER_KEY} AS customer_key, customer_id, user_id,
           {event_columns()},
           status, priority, ticket_type, category, channel_of_contact, agent_name,
           opened_at, CAST(opened_at AS DATE) AS open_date, first_response_at, resolved_at,
           {hours_between("opened_at", "first_response_at")} AS first_response_hours,
           {hours_between("opened_at", "resolved_at")} AS resolution_hours,
           satisfaction_score, _missing_columns AS {UNDELIVERED},
           updated_at AS source_updated_at,
           {metadata_columns("support", "updated_at")}
    FROM silver.stg_sup_tickets
    WHERE _partition_date = $day
    """,
)


# -- fact_campaign_target ---------------------------------------------------------------------

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
    source_updated_at: dt.datetime = column("When the target's state changed")


FACT_CAMPAIGN_TARGET = GoldTable(
    name="fact_campaign_target",
    model=FactCampaignTarget,
    description="Marketing campaign response behaviour (seed 001, Fact_Campaign_Target in the "
    "Customer 360 view): which customers each campaign reached and how they responded, one "
    "row per target state change (sent, opened, responded, converted).",
    seed="001",
    kind="fact",
    domain="customer",
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


# -- fact_network_usage -----------------------------------------------------------------------


class FactNetworkUsage(GoldModel):
    network_usage_key: str = column("Surrogate key of the usage day x customer x service",
                                    unique=True)
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    service_key: str = column("Service used (dim_service.service_key)")
    service_id: str = column("Service business key")
    event_date: dt.date = column("Usage day (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    data_volume_mb: float = column("Data transferred (Internet, Mobile)", nullable=True, ge=0.0)
    minutes: int = column("Call or viewing minutes (Voice, Mobile, TV)", nullable=True, ge=0)
    sessions: int = column("Sessions started", ge=0)
    dropped_sessions: int = column("Sessions cut off by the network", ge=0)
    drop_rate: float = column("dropped_sessions / sessions; empty without sessions",
                              nullable=True, ge=0.0)
    outage_minutes: int = column("Minutes unavailable because of a network outage", ge=0)
    had_outage: bool = column("Any outage minute that day")
    undelivered_columns: str = undelivered_column(fact=True)


FACT_NETWORK_USAGE = GoldTable(
    name="fact_network_usage",
    model=FactNetworkUsage,
    description="Service utilisation patterns and network quality per customer and service "
    "(seed 001, FactNetworkUsage in the Customer 360 view): daily usage, dropped sessions and "
    "outage minutes, churn early-warning features.",
    seed="001",
    kind="fact",
    domain="customer",
    primary_key=("network_usage_key",),
    sources=("silver.stg_net_daily_usage", "gold.dim_customer", "gold.dim_service",
             "gold.dim_date"),
    foreign_keys=(customer_fk(), ForeignKey("service_key", "dim_service", "service_key"),
                  EVENT_DATE_FK),
    grain="one row per usage day x customer x service, in the partition of the day it was "
    "received",
    sql=f"""
    SELECT {sk("network_usage", "usage_date", "customer_id", "service_id")} AS network_usage_key,
           {CUSTOMER_KEY} AS customer_key, customer_id, {SERVICE_KEY} AS service_key, service_id,
           {event_columns()},
           data_volume_mb, minutes, sessions, dropped_sessions,
           CASE WHEN sessions > 0 THEN dropped_sessions / sessions END AS drop_rate,
           outage_minutes, outage_minutes > 0 AS had_outage, _missing_columns AS {UNDELIVERED},
           {metadata_columns("network")}
    FROM silver.stg_net_daily_usage
    WHERE _partition_date = $day
    """,
)


# -- fact_order and fact_order_line (seed 004) ------------------------------------------------

ORDER_KEY = sk("order", "order_id")


class FactOrder(GoldModel):
    order_key: str = column("Surrogate key of the order", unique=True)
    order_id: str = column("Order business key (ORD + 9 digits)")
    customer_key: str = column("Ordering customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    event_date: dt.date = column("Order day (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    order_status: str = column("Completed, Cancelled or Returned")
    order_channel: str = column("Online, Sales Rep or Partner", nullable=True)
    total_amount: float = column("Order value after discounts (sum of its lines)", ge=0.0)
    currency: str = column("ISO 4217 currency")
    is_completed: bool = column("The order was fulfilled (not cancelled or returned)")
    undelivered_columns: str = undelivered_column(fact=True)
    source_updated_at: dt.datetime = column("When the order record last changed")


FACT_ORDER = GoldTable(
    name="fact_order",
    model=FactOrder,
    description="Orders of catalogue products for revenue and price-elasticity analysis "
    "(seed 004: a customer places an order): one row per order.",
    seed="004",
    kind="fact",
    domain="customer",
    primary_key=("order_key",),
    sources=("silver.stg_com_orders", "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(customer_fk(), EVENT_DATE_FK),
    grain="one row per order, in the partition of the day it was received",
    sql=f"""
    SELECT {ORDER_KEY} AS order_key, order_id, {CUSTOMER_KEY} AS customer_key, customer_id,
           {event_columns()},
           order_status, order_channel, total_amount, currency,
           order_status = 'Completed' AS is_completed, _missing_columns AS {UNDELIVERED},
           updated_at AS source_updated_at,
           {metadata_columns("commerce", "updated_at")}
    FROM silver.stg_com_orders
    WHERE _partition_date = $day
    """,
)


class FactOrderLine(GoldModel):
    order_line_key: str = column("Surrogate key of the order line", unique=True)
    order_line_id: str = column("Order line business key (OL + 10 digits)")
    order_key: str = column("Order the line belongs to (fact_order.order_key)")
    order_id: str = column("Order business key")
    product_key: str = column("Product ordered (dim_product.product_key)")
    product_id: str = column("Product business key")
    event_date: dt.date = column("Order day (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    quantity: int = column("Units (seats or devices) ordered", ge=1)
    unit_price: float = column("Price per unit before the volume discount", ge=0.0)
    discount_pct: float = column("Volume discount applied, as a fraction", nullable=True,
                                 ge=0.0, le=1.0)
    discount_band: str = column("Volume discount band (A-E) of the quantity in the day's "
                                "discount-band snapshot (a rejected band row carried from its "
                                "last good one; a max_quantity not delivered carried from the "
                                "band's last delivery of the 7 days before)", nullable=True)
    discount_band_carried_from: dt.date = column(
        "Partition the band's row was carried from (rejected on the day); empty when it came "
        "that day", nullable=True)
    is_discount_band_unknown: bool = column(
        "The quantity is in no known band while a band row of the day was rejected with "
        "nothing to carry, or is at least the min_quantity of a band whose max_quantity was "
        "not delivered with none to carry: the band is unknown, not none")
    gross_amount: float = column("quantity x unit_price", ge=0.0)
    discount_amount: float = column("gross_amount - line_amount")
    line_amount: float = column("Amount charged after the volume discount", ge=0.0)
    undelivered_columns: str = undelivered_column(fact=True)


FACT_ORDER_LINE = GoldTable(
    name="fact_order_line",
    model=FactOrderLine,
    description="Order lines with quantity, promotional unit price and volume discount, for "
    "price-elasticity analysis (seed 004: an order contains products): one row per line.",
    seed="004",
    kind="fact",
    domain="customer",
    primary_key=("order_line_key",),
    sources=("silver.stg_com_order_lines", *carry_forward_sources(BANDS), "gold.fact_order",
             "gold.dim_product", "gold.dim_date"),
    source_windows=carry_forward_windows(BANDS),
    foreign_keys=(ForeignKey("order_key", "fact_order", "order_key", blocking=False),
                  ForeignKey("product_key", "dim_product", "product_key"), EVENT_DATE_FK),
    grain="one row per order line, in the partition of the day it was received",
    sql=f"""
    WITH bands AS (  -- an undelivered max_quantity carried; with none, the band's top unknown
        SELECT b.band_code, b.min_quantity, b.carried_from,
               coalesce(CASE WHEN {undelivered("max_quantity", "b." + SILVER_MISSING)}
                             THEN d.max_quantity ELSE b.max_quantity END, 2147483647)
                   AS max_quantity,
               {undelivered("max_quantity", "b." + SILVER_MISSING)} AND d._delivered IS NULL
                   AS is_max_unknown
        FROM {BANDS_AS_OF} b LEFT JOIN {last_delivered(BANDS, "max_quantity")} d USING (band_code)
    ), banded AS (  -- bands do not overlap: a known band holding the quantity is its band
        SELECT l.*, b.band_code, b.carried_from, b.is_max_unknown
        FROM silver.stg_com_order_lines l LEFT JOIN bands b
          ON l.quantity >= b.min_quantity AND (b.is_max_unknown OR l.quantity <= b.max_quantity)
        WHERE l._partition_date = $day
        QUALIFY row_number() OVER (PARTITION BY l.order_line_id
                                   ORDER BY b.is_max_unknown, b.band_code) = 1
    )
    SELECT {sk("order_line", "order_line_id")} AS order_line_key, order_line_id,
           {ORDER_KEY} AS order_key, order_id,
           {sk("product", "product_id")} AS product_key, product_id,
           {event_columns()},
           quantity, unit_price, discount_pct,
           CASE WHEN NOT is_max_unknown THEN band_code END AS discount_band,
           CASE WHEN NOT is_max_unknown THEN carried_from END AS discount_band_carried_from,
           coalesce(is_max_unknown, EXISTS (SELECT 1 FROM {UNKNOWN_BANDS}))
               AS is_discount_band_unknown,
           round(quantity * unit_price, 2) AS gross_amount,
           round(quantity * unit_price - line_amount, 2) AS discount_amount,
           line_amount, _missing_columns AS {UNDELIVERED},
           {metadata_columns("commerce")}
    FROM banded
    """,
)


# == aggregates ================================================================================


class AggTicketResolution(GoldModel):
    ticket_type: str = column("Ticket type (Technical Issue, Billing Question, Feature Request)")
    period_type: str = column("Daily, Weekly (rolling 7 days) or Monthly (rolling 30 days)")
    period_start: dt.date = column("First day of the period")
    period_end: dt.date = column("Last day of the period (the day before the partition day)")
    is_complete: bool = column(IS_COMPLETE_DOC)
    resolved_tickets: int = column("Tickets resolved in the period", ge=0)
    untimed_resolved_tickets: int = column(
        "Tickets of resolved_tickets whose resolution time is unknown (no file delivered their "
        "resolved_at): left out of the average", ge=0)
    avg_resolution_hours: float = column(
        "Average hours from opening to resolution of the tickets resolved in the period whose "
        "resolution time is known; empty when none is", nullable=True, ge=0.0)


PERIODS = " UNION ALL ".join(f"SELECT '{name}' AS period_type, {days} AS days"
                             for name, days in PERIOD_DAYS.items())
TYPES = ", ".join(f"'{t}'" for t in TICKET_TYPES)
LONGEST = max(PERIOD_DAYS.values())
FIRST_LOAD, LAST_LOAD = AGGREGATE_WINDOW

AGG_TICKET_RESOLUTION = GoldTable(
    name="agg_ticket_resolution",
    model=AggTicketResolution,
    description="Average ticket resolution times by ticket type and period for service quality "
    "analysis and support team performance metrics (seed 002, Go_Agg_Ticket_Resolution).",
    seed="002",
    kind="aggregate",
    domain="customer",
    primary_key=("ticket_type", "period_type"),
    sources=("gold.fact_support_ticket",),
    window=AGGREGATE_WINDOW,
    grain="one row per ticket type x period type, for the periods ending on the day before "
    "the partition day (the settled day, see gold/metrics.py)",
    sql=f"""
    WITH resolved AS (  -- each ticket's resolution, counted on its business day; its hours
                        -- from its last change that delivered resolved_at, else unknown
        SELECT ticket_type, event_date,
               last_value(resolution_hours IGNORE NULLS) OVER (
                   PARTITION BY support_ticket_key ORDER BY source_updated_at, load_date
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                   AS resolution_hours
        FROM gold.fact_support_ticket
        WHERE load_date BETWEEN CAST($day AS DATE) + {FIRST_LOAD}
                            AND CAST($day AS DATE) + {LAST_LOAD}
          AND event_date BETWEEN {PERIOD_END} - {LONGEST - 1} AND {PERIOD_END}
          AND status = 'Resolved'
          AND (resolution_hours IS NOT NULL OR {undelivered("resolved_at")})
        QUALIFY row_number() OVER (PARTITION BY support_ticket_key
                                   ORDER BY source_updated_at DESC, load_date DESC) = 1
    ), daily AS (  -- per type and day, so windows add up small summaries
        SELECT ticket_type, event_date, count(*) AS tickets,
               count(resolution_hours) AS timed, sum(resolution_hours) AS hours
        FROM resolved GROUP BY ticket_type, event_date
    ), periods AS (
        SELECT period_type, {PERIOD_END} - (days - 1) AS period_start FROM ({PERIODS})
    )
    SELECT t.ticket_type, p.period_type, p.period_start, {PERIOD_END} AS period_end,
           {period_complete("p.period_start")} AS is_complete,
           coalesce(sum(d.tickets), 0) AS resolved_tickets,
           coalesce(sum(d.tickets - d.timed), 0) AS untimed_resolved_tickets,
           round(sum(d.hours) / nullif(sum(d.timed), 0), 2) AS avg_resolution_hours,
           {metadata_columns("support")}
    FROM (SELECT unnest([{TYPES}]) AS ticket_type) t
    CROSS JOIN periods p
    LEFT JOIN daily d ON d.ticket_type = t.ticket_type
                     AND d.event_date BETWEEN p.period_start AND {PERIOD_END}
    GROUP BY t.ticket_type, p.period_type, p.period_start
    """,
)

METRICS = [
    Metric(
        name="avg_resolution_hours",
        table="agg_ticket_resolution",
        formula="sum(resolution_hours) / count(resolution_hours) over the tickets resolved in "
        "the period whose resolution time is known, where resolution_hours = (resolved_at - "
        "opened_at) in hours; rounded to 2 decimals",
        grain="ticket_type x period_type, per period end (the day before the partition day)",
        filters="as resolved_tickets; a ticket's hours come from its last Resolved change that "
        "delivered resolved_at; empty when no resolved ticket of the type has a known "
        "resolution time",
    ),
    Metric(
        name="resolved_tickets",
        table="agg_ticket_resolution",
        formula="count of distinct tickets resolved in the period",
        grain="ticket_type x period_type, per period end (the day before the partition day)",
        filters="fact_support_ticket rows with status = 'Resolved' and a resolved_at, or whose "
        "file did not deliver resolved_at (resolved, time unknown: never 'not resolved'); one "
        "per ticket (its latest Resolved change), counted on their event_date (late rows on "
        "their business day); 0 when none was resolved",
    ),
    Metric(
        name="untimed_resolved_tickets",
        table="agg_ticket_resolution",
        formula="count of the resolved_tickets whose resolution time is unknown: no Resolved "
        "change of the ticket in the window delivered resolved_at",
        grain="ticket_type x period_type, per period end (the day before the partition day)",
        filters="as resolved_tickets; 0 when every resolution time is known",
    ),
]


SCD2_DIMENSIONS = [DIM_CUSTOMER, DIM_OPPORTUNITY, DIM_CAMPAIGN, DIM_SUPPORT_TICKET, DIM_SERVICE,
                   DIM_KB_ARTICLE, DIM_ACCOUNT_HIERARCHY, DIM_PRODUCT]
TABLES = [FACT_INVOICE, FACT_SERVICE_ASSIGNMENT, FACT_SUPPORT_TICKET, FACT_CAMPAIGN_TARGET,
          FACT_NETWORK_USAGE, FACT_ORDER, FACT_ORDER_LINE, AGG_TICKET_RESOLUTION]
