"""Customer management (seed 000) and customer facts (seed 001): the customer-domain gold tables."""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, sk
from customer_platform.gold.scd2 import Scd2Dimension, versions_filter

CUSTOMER_KEY = sk("customer", "customer_id")


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
    source_updated_at: dt.datetime = column("When the CRM recorded this version")


class DimCustomer(DimCustomerVersion):
    valid_from: dt.date = column("First day this version was in force")
    valid_to: dt.date = column("Last day this version was in force (9999-12-31 while current)")
    is_current: bool = column("This is the customer's current version")


DIM_CUSTOMER = Scd2Dimension(
    versions=GoldTable(
        name="dim_customer_versions",
        model=DimCustomerVersion,
        description="Master customer information for all customer-related analysis and "
        "segmentation (seed 000, DimCustomer): the versions of each customer as the CRM "
        "snapshots show them.",
        seed="000",
        kind="dimension",
        domain="customer",
        primary_key=("customer_version_key",),
        sources=("silver.stg_crm_customers",),
        grain="one row per customer version seen in the day's CRM snapshot",
        sql=f"""
        SELECT {CUSTOMER_KEY} AS customer_key,
               {sk("customer_version", "customer_id", "updated_at")} AS customer_version_key,
               * EXCLUDE (updated_at, _event_date, _partition_date, _source_file, _source_row,
                          _loaded_at),
               updated_at AS source_updated_at,
               CAST($day AS DATE) AS load_date,
               CAST(updated_at AS DATE) AS update_date,
               'crm' AS source_system
        FROM silver.stg_crm_customers
        WHERE _partition_date = $day AND {versions_filter("updated_at")}
        """,
    ),
    entity_key="customer_key",
    business_key="customer_id",
    tracked=("customer_segment", "customer_tier", "status", "address_line", "city", "state",
             "country", "region"),
    changed_at="source_updated_at",
    view_model=DimCustomer,
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
    paid_date: dt.date = column("Day the invoice was paid", nullable=True)
    days_to_pay: int = column("Days from invoice to payment (paid rows only)", nullable=True,
                              ge=0)
    is_late_payment: bool = column("Paid after the due date (paid rows only)", nullable=True)


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
           CAST($day AS DATE) AS load_date,
           CAST(updated_at AS DATE) AS update_date,
           'billing' AS source_system
    FROM silver.stg_bil_invoices
    WHERE _partition_date = $day
    """,
)

SCD2_DIMENSIONS = [DIM_CUSTOMER]
TABLES = [FACT_INVOICE]
