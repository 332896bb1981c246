"""fact_order_line: the lines of each order with quantity, unit price and the volume
discount band the quantity falls in on the order's day, for price-elasticity analysis.

A band whose bounds are not known that day (its row rejected with nothing to carry, or its
max_quantity not delivered) makes the line's band unknown, never "no band".
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, from_contract
from customer_platform.gold.commerce._discount_bands import BANDS, BANDS_AS_OF, UNKNOWN_BANDS
from customer_platform.gold.commerce.fact_order import ORDER_KEY
from customer_platform.gold.completeness import (
    SILVER_MISSING,
    UNDELIVERED,
    carry_forward_sources,
    carry_forward_windows,
    last_delivered,
    undelivered,
)
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import EVENT_DATE_FK, event_columns, metadata_columns, sk


class FactOrderLine(GoldModel):
    order_line_key: str = column("Surrogate key of the order line", unique=True)
    order_line_id: str = column("Order line business key (OL + 10 digits)")
    order_key: str = column("Order the line belongs to (fact_order.order_key)")
    order_id: str = column("Order business key")
    product_key: str = column("Product ordered (dim_product.product_key)")
    product_id: str = column("Product business key")
    event_date: dt.date = column("Order day (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    quantity: int = from_contract("commerce.order_lines", "quantity", ge=1)
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
    "price-elasticity analysis (an order contains products): one row per line.",
    seed="004",
    kind="fact",
    domain="commerce",
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

