"""dim_product: the product catalogue with its list price and the unit price of every
volume discount band folded in as a column set, for revenue, pricing and price-elasticity
analysis. A band revision opens a version of every product; a band unknown on a day keeps the
product's last known price for it.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.commerce._discount_bands import BANDS, BANDS_AS_OF, UNKNOWN_BANDS
from customer_platform.gold.completeness import carry_forward_sources, carry_forward_windows
from customer_platform.gold.scd2 import scd2_dimension, undelivered_column
from customer_platform.vocabulary import DISCOUNT_BANDS, SEAT_PRODUCTS


def band_price(band: str):
    return column(f"Unit price after volume discount band {band} (list_price x (1 - its "
                  "discount)); empty when the band is missing from the day's band snapshot; "
                  "the last known price when its row was rejected with nothing to carry",
                  nullable=True, ge=0.0)


class DimProductVersion(GoldModel):
    product_key: str = column("Durable surrogate key of the product")
    product_version_key: str = column("Surrogate key of this version", unique=True)
    product_id: str = column("Catalogue product business key (PRD + 3 digits)")
    product_code: str = from_contract("catalogue.products", "product_code")
    product_name: str = from_contract("catalogue.products", "product_name")
    product_family: str = column("Product family (Creative Cloud, Document Cloud, Devices)")
    solution: str = column("Sales solution the product is sold under", nullable=True)
    price_unit: str = column("What the list price is per: 'seat per month' or 'unit'")
    list_price: float = column("List price in currency per price_unit", ge=0.0)
    currency: str = column("ISO 4217 currency of the prices")
    active_flag: bool = from_contract("catalogue.products", "active_flag")
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
    "discount bands, for revenue, pricing and price-elasticity analysis: "
    "the versions of each product as the catalogue snapshots show them, with the unit price "
    "of every volume discount band folded in as a column set.",
    seed="003", domain="commerce",
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

