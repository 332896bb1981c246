"""dim_billing_event_type: the billing event types (``vocabulary.BILLING_EVENT_TYPES``, a
``reference_dimension``) with what each means for revenue.

``RECURRING_EVENT_TYPES`` is the one definition of which event types are recurring subscription
revenue (the base of MRR), ``REFUND_EVENT_TYPES`` of which return money.
"""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel
from customer_platform.gold.scd2 import REFERENCE_SINCE_DOC, reference_dimension


class DimBillingEventTypeVersion(GoldModel):
    billing_event_type_key: str = column("Surrogate key of the billing event type", unique=True)
    billing_event_type_version_key: str = column("Surrogate key of this version", unique=True)
    event_type: str = column("Type of billing transaction (Subscription Fee, Subscription "
                             "Renewal, Add-on Purchase, Refund) for revenue categorization")
    event_type_order: int = column("Position in the billing event type list, for sorting", ge=1)
    is_recurring: bool = column("Recurring subscription revenue (fee or renewal), the base "
                                "of MRR")
    is_refund: bool = column("Money returned to the customer (negative revenue)")
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


RECURRING_EVENT_TYPES = ("Subscription Fee", "Subscription Renewal")
REFUND_EVENT_TYPES = ("Refund",)


DIM_BILLING_EVENT_TYPE = reference_dimension(
    "billing_event_type", "event_type", DimBillingEventTypeVersion,
    [(name, i, name in RECURRING_EVENT_TYPES, name in REFUND_EVENT_TYPES)
     for i, name in enumerate(v.BILLING_EVENT_TYPES, 1)],
    ("event_type", "event_type_order", "is_recurring", "is_refund"),
    "Billing event type definitions for revenue analysis and financial reporting "
    "categorization.", domain="billing", system="billing", seed="002")
