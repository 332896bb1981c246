"""``gold.agg_price_elasticity``: price elasticity of demand within customer segments, for
pricing and discount programs.

A log-log regression of quantity on the price before the volume discount, relative to the list
price, with a fixed effect per product, per segment x product family; thin data still gets a row
that says why it is not to be trusted. The regression runs in numpy (the table's ``build`` is
``fit_and_write``; its SQL selects the regression's input lines). The model: docs/revops.md.
"""

import dataclasses
import datetime as dt

import polars as pl

from customer_platform.contracts.base import column
from customer_platform.gold.base import (
    GoldModel,
    GoldTable,
    run_gold_sql,
    run_gold_sql_days,
    select_days,
)
from customer_platform.gold.commerce.dim_product import DIM_PRODUCT
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.metrics import Metric
from customer_platform.gold.revops._common import (
    DAY,
    DOMAIN,
    SEED,
    SNAPSHOT_DATE_FK,
    E,
    literal,
    settled_columns,
)
from customer_platform.gold.revops._rules import ELASTICITY, ElasticityRule
from customer_platform.gold.sql import sk
from customer_platform.resources import Warehouse
from customer_platform.vocabulary import CUSTOMER_SEGMENTS, PRODUCT_FAMILIES

ALL_PRODUCTS = "All products"


class AggPriceElasticity(GoldModel):
    price_elasticity_key: str = column("Surrogate key of day x segment x product family",
                                       unique=True)
    snapshot_date: dt.date = column("Last day of the window (the settled day)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    period_start: dt.date = column("First day of the window of order lines")
    customer_segment: str = column("Customer segment on the order day",
                                   isin=list(CUSTOMER_SEGMENTS))
    product_family: str = column(f"Product family, or '{ALL_PRODUCTS}' for the segment as a "
                                 "whole", isin=[*PRODUCT_FAMILIES, ALL_PRODUCTS])
    order_lines: int = column("Completed order lines in the regression", ge=0)
    products: int = column("Distinct products among them (one fixed effect each)", ge=0)
    price_points: int = column("Distinct relative prices (unit / list price, 4 decimals)",
                               ge=0)
    mean_relative_price: float = column("Average unit_price / list_price of the lines",
                                        nullable=True, ge=0.0)
    elasticity: float = column("Slope of ln(quantity) on ln(unit_price / list_price) within "
                               "products: % change in quantity per 1% change in price; empty "
                               "when it cannot be estimated", nullable=True)
    std_error: float = column("Standard error of the elasticity", nullable=True, ge=0.0)
    ci_low: float = column("Lower bound of the confidence interval", nullable=True)
    ci_high: float = column("Upper bound of the confidence interval", nullable=True)
    confidence_level: float = column("Confidence level of the interval", gt=0.0, lt=1.0)
    r_squared: float = column("Within-product R squared of the fit", nullable=True)
    is_reliable: bool = column(f"Enough data to trust the estimate: {ELASTICITY.describe()}")
    reliability_note: str = column("Why it is not reliable (empty when it is)", nullable=True)


def input_sql(rule: ElasticityRule) -> str:
    """SQL: the window's completed order lines with segment, family, product, quantity and
    relative price (one row per line, its latest load)."""
    w = rule.window_days
    return f"""
    WITH lines AS (
        SELECT * FROM gold.fact_order_line
        WHERE load_date BETWEEN {DAY} - {w} AND {DAY} AND event_date BETWEEN {E} - {w - 1} AND {E}
        QUALIFY row_number() OVER (PARTITION BY order_line_key ORDER BY load_date DESC) = 1
    ), orders AS (
        SELECT order_id, customer_id, order_status FROM gold.fact_order
        WHERE load_date BETWEEN {DAY} - {w} AND {DAY}
        QUALIFY row_number() OVER (PARTITION BY order_key
                                   ORDER BY source_updated_at DESC, load_date DESC) = 1
    ), priced AS (  -- the product version in force on the order day (else its first)
        SELECT l.order_line_key, l.order_id, l.event_date, l.product_id, l.quantity,
               l.unit_price / p.list_price AS relative_price, p.product_family
        FROM lines l JOIN {DIM_PRODUCT.as_loaded()} p USING (product_id)
        WHERE p.list_price > 0 AND l.unit_price > 0
        QUALIFY row_number() OVER (PARTITION BY l.order_line_key ORDER BY
                    (l.event_date BETWEEN p.valid_from AND p.valid_to) DESC, p.valid_from) = 1
    )
    SELECT l.order_line_key, c.customer_segment, l.product_family, l.product_id, l.quantity,
           l.relative_price
    FROM priced l JOIN orders o USING (order_id)
    JOIN {DIM_CUSTOMER.as_loaded()} c ON c.customer_id = o.customer_id AND NOT c.is_inferred
    WHERE o.order_status = 'Completed'
    QUALIFY row_number() OVER (PARTITION BY l.order_line_key ORDER BY
                (l.event_date BETWEEN c.valid_from AND c.valid_to) DESC, c.valid_from) = 1
    ORDER BY l.order_line_key
    """


def fit(lines: pl.DataFrame, rule: ElasticityRule = ELASTICITY) -> dict:
    """The fixed-effects log-log fit of ``lines`` (columns product_id, quantity,
    relative_price) and its reliability verdict; pure, so it is tested on its own."""
    from scipy import stats

    n = lines.height
    result = {"order_lines": n, "products": lines["product_id"].n_unique(),
              "price_points": lines["relative_price"].round(4).n_unique(),
              "mean_relative_price": round(float(lines["relative_price"].mean()), 6) if n else None,
              "elasticity": None, "std_error": None, "ci_low": None, "ci_high": None,
              "r_squared": None}
    demeaned = lines.select(
        (pl.col("relative_price").log() - pl.col("relative_price").log().mean()
         .over("product_id")).alias("x"),
        (pl.col("quantity").cast(pl.Float64).log() - pl.col("quantity").cast(pl.Float64).log()
         .mean().over("product_id")).alias("y"))
    x, y = demeaned["x"].to_numpy(), demeaned["y"].to_numpy()
    sxx = float(x @ x) if n else 0.0
    dof = n - result["products"] - 1
    notes = []
    if sxx <= 1e-12 or dof < 1:
        notes.append("no price variation within products" if n and dof >= 1
                     else "fewer lines than parameters")
    else:
        slope = float(x @ y) / sxx
        residuals = y - slope * x
        ssr, syy = float(residuals @ residuals), float(y @ y)
        se = (ssr / dof / sxx) ** 0.5
        half = float(stats.t.ppf((1 + rule.confidence) / 2, dof)) * se
        result.update(elasticity=slope, std_error=se, ci_low=slope - half, ci_high=slope + half,
                      r_squared=1 - ssr / syy if syy > 0 else None)
        result = {k: round(v, 6) if isinstance(v, float) else v for k, v in result.items()}
        if 2 * half > rule.max_ci_width:
            notes.append(f"confidence interval wider than {rule.max_ci_width}")
    if n < rule.min_lines:
        notes.insert(0, f"fewer than {rule.min_lines} order lines")
    if result["price_points"] < rule.min_price_points:
        notes.append(f"fewer than {rule.min_price_points} distinct prices")
    return {**result, "is_reliable": not notes, "reliability_note": "; ".join(notes) or None}


def estimates(lines: pl.DataFrame, rule: ElasticityRule = ELASTICITY) -> list[dict]:
    """One fit per segment x product family and per segment over all products."""
    rows = []
    for segment in CUSTOMER_SEGMENTS:
        in_segment = lines.filter(pl.col("customer_segment") == segment)
        for family in (*PRODUCT_FAMILIES, ALL_PRODUCTS):
            subset = in_segment if family == ALL_PRODUCTS else in_segment.filter(
                pl.col("product_family") == family)
            rows.append({"customer_segment": segment, "product_family": family,
                         **fit(subset, rule), "confidence_level": rule.confidence})
    return rows


def _rows_sql(rows: list[dict], rule: ElasticityRule) -> str:
    """SQL: the fitted rows as a relation with the key, window and metadata columns (rows
    fitted for several days carry theirs in ``fitted_day``: the SQL keeps those of ``$day``)."""
    names = list(rows[0])
    values = ", ".join("(" + ", ".join(
        f"CAST({literal(r[c])} AS DOUBLE)" if isinstance(r[c], float) else literal(r[c])
        for c in names) + ")" for r in rows)
    return f"""
    SELECT {sk("price_elasticity", E, "customer_segment", "product_family")}
               AS price_elasticity_key,
           *, {E} - {rule.window_days - 1} AS period_start, {settled_columns("commerce")}
    FROM (VALUES {values}) AS fitted({", ".join(names)})
    {"WHERE fitted_day = " + DAY if "fitted_day" in names else ""}
    """


def price_elasticity(rule: ElasticityRule = ELASTICITY) -> GoldTable:
    return GoldTable(
        name="agg_price_elasticity",
        model=AggPriceElasticity,
        description="Price elasticity of quantity per customer segment and product family, "
        "for pricing and discount programs: a log-log regression with product fixed effects on "
        f"the trailing {rule.window_days} days of completed order lines, with confidence "
        "interval, sample size and a verdict on whether the data is enough to trust it.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("customer_segment", "product_family"),
        sources=("gold.fact_order_line", "gold.fact_order", "gold.dim_product",
                 "gold.dim_customer", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        window=(-rule.window_days, 0),
        grain="one row per customer segment x product family (and per segment over all "
        "products) for the trailing window ending on the settled day E = D - 1",
        sql=input_sql(rule),
        build=fit_and_write(rule),
        build_days=fit_and_write_days(rule),
    )


def fit_and_write(rule: ElasticityRule = ELASTICITY):
    """The ``run`` of the elasticity asset (see ``build_gold_asset``): select the window's
    lines (``table.sql``), fit them, then validate and write the rows the way gold does."""

    def run(warehouse: Warehouse, table: GoldTable, day: dt.date):
        with warehouse.get_connection() as con:
            lines = con.sql(table.sql, params={"day": day}).pl()
        fitted = dataclasses.replace(table, sql=_rows_sql(estimates(lines, rule), rule))
        return run_gold_sql(warehouse, fitted, day)

    return run


def fit_and_write_days(rule: ElasticityRule = ELASTICITY):
    """The ``build_days`` of the elasticity asset: every day's lines selected by one
    statement, each day fitted on its own lines in the order one day's query gives them (the
    sums of the fit are summed in that order), then the days' rows validated and written as a
    range."""

    def run(warehouse: Warehouse, table: GoldTable, days: list[dt.date]):
        with warehouse.get_connection() as con:
            lines = con.sql(select_days(table.sql, days, plan_per_day=True)).pl().sort(
                "_range_day", "order_line_key")
        by_day = lines.partition_by("_range_day", as_dict=True, include_key=False)
        rows = [{"fitted_day": day, **row} for day in days for row in estimates(
            by_day.get((day,), lines.clear().drop("_range_day")), rule)]
        fitted = dataclasses.replace(table, sql=_rows_sql(rows, rule))
        return run_gold_sql_days(warehouse, fitted, days)

    return run


AGG_PRICE_ELASTICITY = price_elasticity()

METRICS = [
    Metric("Price elasticity", "agg_price_elasticity",
           "OLS slope of ln(quantity) on ln(unit_price / list_price) with a fixed effect per "
           "product (both demeaned within product); std_error = sqrt(SSR / (n - products - 1) "
           f"/ Sxx); CI = slope +- t(dof) x std_error at {ELASTICITY.confidence:.0%}",
           "customer segment x product family (and segment x all products)",
           "completed orders; unit_price before the volume discount; list_price and segment "
           f"in force on the order day; {ELASTICITY.describe()}",
           f"Rolling {ELASTICITY.window_days} days ending on the settled day E", SEED),
]
