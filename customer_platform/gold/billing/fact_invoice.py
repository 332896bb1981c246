"""fact_invoice: every status change of an invoice (issued Open, Overdue, Paid), for
revenue history and payment behaviour: days to pay and late payment are known only once a
paid invoice's paid_date is.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.completeness import UNDELIVERED
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import CUSTOMER_KEY, DAY, date_key, sk


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
    description="Customer revenue history and payment behaviour: one "
    "row per invoice status change (issued Open, Overdue, Paid).",
    seed="001",
    kind="fact",
    domain="billing",
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
           {date_key('_event_date')} AS event_date_key,
           invoice_date, due_date, amount, currency, paid_status, paid_date,
           CASE WHEN paid_status = 'Paid' THEN paid_date - invoice_date END AS days_to_pay,
           CASE WHEN paid_status = 'Paid' THEN paid_date > due_date END AS is_late_payment,
           _missing_columns AS {UNDELIVERED},
           {DAY} AS load_date,
           CAST(updated_at AS DATE) AS update_date,
           'billing' AS source_system
    FROM silver.stg_bil_invoices
    WHERE _partition_date = $day
    """,
)

