"""Product catalogue extracts: products with list-price history, volume discount bands (snapshots).

The list price and the discount bands are functions of the day (a few deterministic revisions),
so commerce prices its order lines from the same schedule and price history exists for
elasticity analysis.
"""

import datetime as dt

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.generator.columns import timestamps
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import generates
from customer_platform.generator.world import HISTORY_START, World

#: (product_name, launch list price): per seat per month for seat products, per unit for devices.
PRODUCT_INFO = {
    "CCE": ("Creative Cloud for Enterprise", 84.99),
    "CCE Pro": ("Creative Cloud Pro for Enterprise", 109.99),
    "Stock": ("Stock Assets for Teams", 29.99),
    "DCE": ("Document Cloud for Enterprise", 23.99),
    "Sign": ("E-Sign for Business", 14.99),
    "Mesh Router": ("Mesh Wi-Fi Router", 199.00),
    "Desk Phone": ("IP Desk Phone", 149.00),
    "Headset": ("Wireless Headset", 89.00),
}
N_PRODUCTS = len(v.PRODUCT_CODES)
PRODUCT_IDS = np.array([f"PRD{i:03d}" for i in range(1, N_PRODUCTS + 1)], dtype=object)
BASE_PRICE = np.array([PRODUCT_INFO[c][1] for c in v.PRODUCT_CODES])
IS_SEAT = np.array([c in v.SEAT_PRODUCTS for c in v.PRODUCT_CODES])

#: List-price revisions: (product_code, first day of the new price, multiplier on the old one).
PRICE_CHANGES = (
    ("DCE", dt.date(2025, 9, 1), 1.08),
    ("Headset", dt.date(2026, 2, 15), 0.85),
    ("CCE Pro", dt.date(2026, 3, 1), 1.10),
    ("CCE", dt.date(2026, 9, 1), 1.06),
)
#: Products withdrawn from sale: (product_code, first day not orderable).
END_OF_SALE = (("Desk Phone", dt.date(2026, 10, 1)),)
CATALOGUE_CREATED = HISTORY_START

#: Volume discount bands: (band, min quantity, max quantity or None, discount before, after)
DISCOUNT_BAND_TABLE = (
    ("A", 1, 9, 0.00, 0.00),
    ("B", 10, 49, 0.05, 0.05),
    ("C", 50, 249, 0.10, 0.10),
    ("D", 250, 999, 0.15, 0.18),
    ("E", 1000, None, 0.25, 0.30),
)
BAND_REVISION = day_number(dt.date(2026, 6, 1))
BAND_MIN = np.array([b[1] for b in DISCOUNT_BAND_TABLE])


def _product_index(code: str) -> int:
    return v.PRODUCT_CODES.index(code)


def list_prices(day: int) -> np.ndarray:
    """List price of every product (PRODUCT_CODES order) in force on ``day``."""
    price = BASE_PRICE.copy()
    for code, first, factor in PRICE_CHANGES:
        if day_number(first) <= day:
            price[_product_index(code)] *= factor
    return np.round(price, 2)


def active_products(day: int) -> np.ndarray:
    """Whether each product can be ordered on ``day``."""
    active = np.ones(N_PRODUCTS, dtype=bool)
    for code, first in END_OF_SALE:
        if day_number(first) <= day:
            active[_product_index(code)] = False
    return active


def _last_product_change(day: int) -> np.ndarray:
    changed = np.full(N_PRODUCTS, CATALOGUE_CREATED, dtype=np.int64)
    for code, first in [(c, f) for c, f, _ in PRICE_CHANGES] + list(END_OF_SALE):
        d = day_number(first)
        if d <= day:
            i = _product_index(code)
            changed[i] = max(changed[i], d)
    return changed


def discount_pcts(day: int) -> np.ndarray:
    """Discount of each band (A..E) in force on ``day``."""
    col = 4 if day >= BAND_REVISION else 3
    return np.array([b[col] for b in DISCOUNT_BAND_TABLE])


def discount_for_quantity(quantity: np.ndarray, day: int) -> np.ndarray:
    """The volume discount of each quantity's band on ``day``."""
    band = np.searchsorted(BAND_MIN, np.asarray(quantity), side="right") - 1
    return discount_pcts(day)[np.clip(band, 0, len(BAND_MIN) - 1)]


@generates("catalogue.products")
def products(world: World, day: int) -> pl.DataFrame:
    changed = _last_product_change(day)
    seconds = (np.arange(N_PRODUCTS) * 3_593 + 6 * 3_600) % 86_400
    family = [v.PRODUCT_FAMILY[c] for c in v.PRODUCT_CODES]
    return pl.DataFrame(
        {
            "product_id": PRODUCT_IDS,
            "product_code": list(v.PRODUCT_CODES),
            "product_name": [PRODUCT_INFO[c][0] for c in v.PRODUCT_CODES],
            "product_family": family,
            "solution": family,
            "list_price": list_prices(day),
            "currency": [v.CURRENCIES[0]] * N_PRODUCTS,
            "active_flag": active_products(day),
            "updated_at": timestamps(changed, seconds),
        },
        strict=False,
    )


@generates("catalogue.discount_bands")
def discount_bands(world: World, day: int) -> pl.DataFrame:
    n = len(DISCOUNT_BAND_TABLE)
    revised = np.array([b[3] != b[4] for b in DISCOUNT_BAND_TABLE])
    changed = np.where(revised & (day >= BAND_REVISION), BAND_REVISION, CATALOGUE_CREATED)
    return pl.DataFrame(
        {
            "band_code": [b[0] for b in DISCOUNT_BAND_TABLE],
            "min_quantity": [b[1] for b in DISCOUNT_BAND_TABLE],
            "max_quantity": pl.Series([b[2] for b in DISCOUNT_BAND_TABLE], dtype=pl.Int64),
            "discount_pct": discount_pcts(day),
            "updated_at": timestamps(changed, np.full(n, 9 * 3_600)),
        },
        strict=False,
    )
