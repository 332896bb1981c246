"""Commerce extracts: orders of catalogue products and their lines."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.catalogue import PRODUCT_ID_PATTERN
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN

ORDER_ID_PATTERN = r"^ORD\d{9,}$"
ORDER_LINE_ID_PATTERN = r"^OL\d{10,}$"


class Orders(Contract):
    """One row per order placed that day."""

    order_id: str = column(
        "Order key (ORD + 9 or more digits)", normalise="upper", str_matches=ORDER_ID_PATTERN
    )
    customer_id: str = column(
        "Conformed key of the ordering customer", normalise="upper", str_matches=CUSTOMER_ID_PATTERN
    )
    order_date: dt.date = column("Day the order was placed")
    order_status: str = column("Fulfilment outcome of the order", isin=list(v.ORDER_STATUSES))
    order_channel: str = column(
        "Channel the order came through", isin=list(v.ORDER_CHANNELS), nullable=True
    )
    total_amount: float = column(
        "Order value after discounts: the sum of its lines' amounts", ge=0, le=10_000_000
    )
    currency: str = column("ISO 4217 currency of the amounts", isin=list(v.CURRENCIES))
    updated_at: dt.datetime = column("When the order record last changed")


class OrderLines(Contract):
    """One row per product line of an order placed that day."""

    order_line_id: str = column(
        "Order line key (OL + 10 or more digits)", normalise="upper",
        str_matches=ORDER_LINE_ID_PATTERN,
    )
    order_id: str = column(
        "Order the line belongs to", normalise="upper", str_matches=ORDER_ID_PATTERN
    )
    order_date: dt.date = column("Day the order was placed")
    product_id: str = column(
        "Catalogue product ordered", normalise="upper", str_matches=PRODUCT_ID_PATTERN
    )
    quantity: int = column("Units (seats or devices) ordered", ge=1, le=100_000)
    unit_price: float = column(
        "Price per unit charged before volume discount (list price times promotion)",
        ge=0,
        le=100_000,
    )
    discount_pct: float = column(
        "Volume discount of the quantity's discount band, as a fraction",
        nullable=True,
        ge=0.0,
        le=0.6,
    )
    line_amount: float = column(
        "quantity x unit_price x (1 - discount_pct), rounded to cents", ge=0, le=10_000_000
    )


TABLES = [
    SourceTable(
        system="commerce",
        code="com",
        name="orders",
        model=Orders,
        description=(
            "Orders of catalogue products, for revenue and price-elasticity analysis. "
            "Incremental: one row per order placed that day."
        ),
        seed="004",
        primary_key=("order_id",),
        extract="incremental",
        file_format="jsonl",
        event_date="order_date",
        updated_at="updated_at",
    ),
    SourceTable(
        system="commerce",
        code="com",
        name="order_lines",
        model=OrderLines,
        description=(
            "Product lines of orders with quantity, promotional unit price and volume discount, "
            "for price-elasticity analysis. Incremental: one row per line of the "
            "orders placed that day."
        ),
        seed="004",
        primary_key=("order_line_id",),
        extract="incremental",
        file_format="parquet",
        event_date="order_date",
    ),
]
