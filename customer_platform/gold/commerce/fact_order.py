"""fact_order: one row per order a customer placed, with its status and value;
``ORDER_KEY`` is the order's key, which its lines share.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable, from_contract
from customer_platform.gold.completeness import UNDELIVERED
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import (
    CUSTOMER_KEY,
    EVENT_DATE_FK,
    customer_fk,
    event_columns,
    metadata_columns,
    sk,
)

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
    total_amount: float = from_contract("commerce.orders", "total_amount", ge=0.0)
    currency: str = column("ISO 4217 currency")
    is_completed: bool = column("The order was fulfilled (not cancelled or returned)")
    undelivered_columns: str = undelivered_column(fact=True)
    source_updated_at: dt.datetime = from_contract("commerce.orders", "updated_at")


FACT_ORDER = GoldTable(
    name="fact_order",
    model=FactOrder,
    description="Orders of catalogue products for revenue and price-elasticity analysis "
    "(a customer places an order): one row per order.",
    seed="004",
    kind="fact",
    domain="commerce",
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

