"""Product catalogue extracts: products with list prices, discount bands."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column

PRODUCT_ID_PATTERN = r"^PRD\d{3}$"


class Products(Contract):
    """One row per catalogue product with its current list price, as of the extract day."""

    product_id: str = column(
        "Catalogue product key (PRD + 3 digits)", normalise="upper", str_matches=PRODUCT_ID_PATTERN
    )
    product_code: str = column(
        "Short product code used by licensing and sales", isin=list(v.PRODUCT_CODES)
    )
    product_name: str = column("Marketed product name")
    product_family: str = column("Product family", isin=list(v.PRODUCT_FAMILIES))
    solution: str = column(
        "Sales solution the product is sold under (its product family)",
        isin=list(v.SOLUTIONS),
        nullable=True,
    )
    list_price: float = column(
        "Current list price: per seat per month for seat products, per unit for devices",
        ge=0,
        le=100_000,
    )
    currency: str = column("ISO 4217 currency of the list price", isin=list(v.CURRENCIES))
    active_flag: bool = column("Whether the product can currently be ordered")
    updated_at: dt.datetime = column("When the catalogue last changed this product")


class DiscountBands(Contract):
    """Volume discount bands: the discount a line gets from the quantity ordered."""

    band_code: str = column("Discount band letter", isin=list(v.DISCOUNT_BANDS))
    min_quantity: int = column("Smallest line quantity in the band", ge=1, le=10_000_000)
    max_quantity: int = column(
        "Largest line quantity in the band; empty for the open-ended top band",
        nullable=True,
        ge=1,
        le=10_000_000,
    )
    discount_pct: float = column("Discount off the unit price, as a fraction", ge=0.0, le=0.6)
    updated_at: dt.datetime = column("When the band was last revised")


TABLES = [
    SourceTable(
        system="catalogue",
        code="cat",
        name="products",
        model=Products,
        description=(
            "The product catalogue with list prices, for revenue, pricing and price-elasticity "
            "analysis. Full snapshot: one row per product."
        ),
        seed="003",
        primary_key=("product_id",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
    SourceTable(
        system="catalogue",
        code="cat",
        name="discount_bands",
        model=DiscountBands,
        description=(
            "Volume discount bands A-E by quantity, for deal and price analysis. "
            "Full snapshot: one row per band."
        ),
        seed="003",
        primary_key=("band_code",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
]
