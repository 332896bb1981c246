"""Billing extracts: monthly invoices, and the revenue events MRR is built from."""

import datetime as dt

import pandera.polars as pa
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN

INVOICE_ID_PATTERN = r"^INV\d{9,}$"
BILLING_EVENT_ID_PATTERN = r"^BE\d{9,}$"
USER_ID_PATTERN = r"^U\d{7,}$"


class Invoices(Contract):
    """One version of a monthly invoice: a row each time its payment status changes."""

    invoice_id: str = column(
        "Invoice key (INV + 9 or more digits): one customer's bill for one month",
        normalise="upper",
        str_matches=INVOICE_ID_PATTERN,
    )
    customer_id: str = column(
        "Customer billed (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    invoice_date: dt.date = column("Day the invoice was issued (the customer's monthly bill day)")
    due_date: dt.date = column("Day payment is due (14 days after the invoice date)")
    amount: float = column(
        "Invoice total in the invoice currency: monthly service charges plus 8% tax",
        ge=0.0,
        le=1_000_000.0,
    )
    currency: str = column("ISO 4217 currency of the amount", isin=list(v.CURRENCIES))
    paid_status: str = column("Payment status after this change", isin=list(v.INVOICE_STATUSES))
    paid_date: dt.date = column("Day the invoice was paid; empty until paid", nullable=True)
    updated_at: dt.datetime = column("When the invoice moved to this status")


class BillingEvents(Contract):
    """One subscription revenue event: a monthly fee or renewal, an add-on purchase or a refund."""

    billing_event_id: str = column(
        "Billing event key (BE + 9 or more digits)",
        normalise="upper",
        str_matches=BILLING_EVENT_ID_PATTERN,
    )
    customer_id: str = column(
        "Customer charged or refunded (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    user_id: str = column(
        "Billing contact of a business account (its first platform user); empty for "
        "residential customers",
        normalise="upper",
        nullable=True,
        str_matches=USER_ID_PATTERN,
    )
    event_type: str = column("Kind of revenue event", isin=list(v.BILLING_EVENT_TYPES))
    amount: float = column(
        "Amount in the event currency, before tax; negative for refunds",
        in_range={"min_value": -100_000.0, "max_value": 100_000.0},
    )
    currency: str = column("ISO 4217 currency of the amount", isin=list(v.CURRENCIES))
    event_date: dt.date = column("Day the revenue event was booked")
    plan_type: str = column(
        "Platform plan of the billing contact on the event day; empty without a contact",
        isin=list(v.PLAN_TYPES),
        nullable=True,
    )

    @pa.dataframe_check(error="amount_sign: refunds are negative, every other event positive")
    def amount_sign(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A fee, renewal or add-on booked as negative (or a positive refund) is a bad row."""
        return data.lazyframe.select(
            pl.when(pl.col("event_type") == "Refund").then(pl.col("amount") < 0)
            .otherwise(pl.col("amount") > 0))


TABLES = [
    SourceTable(
        system="billing",
        code="bil",
        name="invoices",
        model=Invoices,
        description=(
            "Monthly customer invoices for revenue, receivables and payment-behaviour analysis. "
            "Incremental: one row per invoice status change (issued Open, Overdue, Paid) on "
            "the day it happened."
        ),
        seed="001",
        primary_key=("invoice_id", "updated_at"),
        extract="incremental",
        file_format="csv",
        event_date="updated_at",
        updated_at="updated_at",
    ),
    SourceTable(
        system="billing",
        code="bil",
        name="billing_events",
        model=BillingEvents,
        description=(
            "Subscription revenue events that monthly recurring revenue and its movements (new, "
            "expansion, contraction, churn, reactivation) are computed from. "
            "Incremental: one row per fee, renewal, add-on purchase or refund booked that day."
        ),
        seed="002",
        primary_key=("billing_event_id",),
        extract="incremental",
        file_format="jsonl",
        event_date="event_date",
    ),
]
