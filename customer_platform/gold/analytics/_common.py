"""What every analytics table shares: its group, the as-of-day rules, the customers as of a
day, and the glue of the tables written by Python assets.

The analytics layer reads gold facts and dimensions point in time: partition D reads only fact
rows received by D (``load_date <= D``) whose business day is on or before D
(``event_date <= D``), and dimension versions loaded by D. Nothing reads the gold ``agg_*``
tables or the ``dim_*`` views (which hold everything loaded so far), so re-running a day, or
running days in any order, gives the same rows.
"""

import datetime as dt

import polars as pl
from dagster import AssetCheckResult, AssetSpec, MaterializeResult

from customer_platform.gold.base import (
    ForeignKey,
    GoldModel,
    GoldTable,
    RangeWrites,
    build_gold_asset,
)
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.sql import DAY
from customer_platform.settings import partition_start

DOMAIN = "analytics"
GROUP = f"gold_{DOMAIN}"
#: The longest trailing window (days, D included) any analytics table reads.
LONGEST_WINDOW = 365
#: CRM statuses of a customer who can still churn: the population of features and labels.
ACTIVE_STATUSES = ("Active", "Inactive")
#: Customer value looks this many months ahead, discounted at this rate a month (about 12.7%
#: a year): the subscription (customer_clv) and purchase (customer_purchase_clv) methods alike.
HORIZON_MONTHS = 36
MONTHLY_DISCOUNT = 0.01


def history_start() -> dt.date:
    """First day the warehouse holds facts for (the first daily partition)."""
    return partition_start()


def history_start_sql() -> str:
    """SQL: the warehouse's first day as a DATE literal."""
    return f"DATE '{history_start().isoformat()}'"


def observed_days(window: int, since: str = "") -> str:
    """SQL: the days of a ``window``-day window ending D that the warehouse has facts for,
    and (given ``since``, a DATE expression such as a signup date) that the customer existed.
    Rates per day divide by this, so a young warehouse or a new customer is not diluted."""
    first = history_start_sql()
    if since:
        first = f"greatest({first}, {since})"
    return f"greatest(least({window}, {DAY} - {first} + 1), 1)"


def customers_as_of(day: str) -> str:
    """SQL CTEs ending in ``customers``: every customer the CRM has delivered and who has
    signed up by ``day`` (a DATE expression), in the version in force on that day of
    dim_customer's history as loaded by then (``as_loaded``: versions with load_date <= day;
    inferred members left out), with ``status_since``: the first day of the trailing run of
    versions with the current status."""
    return f"""
    history AS (
        SELECT * FROM {DIM_CUSTOMER.as_loaded(day)} AS loaded
        WHERE NOT is_inferred AND valid_from <= {day}
    ), latest AS (
        SELECT * FROM history WHERE {day} BETWEEN valid_from AND valid_to
    ), status_runs AS (
        SELECT customer_key, min(valid_from) AS status_since
        FROM (SELECT h.customer_key, h.valid_from,
                     max(CASE WHEN h.status <> l.status THEN h.valid_from END)
                         OVER (PARTITION BY h.customer_key) AS last_other
              FROM history h JOIN latest l USING (customer_key))
        WHERE last_other IS NULL OR valid_from > last_other
        GROUP BY customer_key
    ), customers AS (
        SELECT latest.* EXCLUDE (valid_from, valid_to, is_current), status_runs.status_since
        FROM latest JOIN status_runs USING (customer_key)
        WHERE signup_date <= {day}
    )"""


def analytics_spec(table: GoldTable, kinds: set[str]) -> AssetSpec:
    """The spec of a hand-written analytics asset: exactly what ``build_gold_asset`` gives a
    SQL table (description, group, partitions, windowed dependencies, owners, tags, column
    schema), with its own kinds; its checks are ``gold_check_specs(table)``."""
    spec = next(iter(build_gold_asset(table).specs))
    return spec.replace_attributes(kinds=kinds)


def keep_frame(writes: RangeWrites, table: GoldTable, day: dt.date, frame: pl.DataFrame
               ) -> None:
    """Keep ``frame`` as partition ``day`` of a model's table, each column cast to the type
    the model stores; ``written_by_range`` validates and writes it with the step's other
    days (a day whose rows break the model is not written, nor any later day)."""
    schema = table.schema()
    writes.add(table.name, schema, day, frame.select(
        pl.col(name).cast(col.dtype.type) for name, col in schema.columns.items()))


def analytics_table(name: str, model: type[GoldModel], description: str, grain: str,
                    sources: tuple[str, ...], sql: str, **overrides) -> GoldTable:
    """A GoldTable of the analytics domain; by default one row per customer and day whose
    customer_key resolves in dim_customer."""
    return GoldTable(**{
        "name": name, "model": model, "description": description, "seed": "001",
        "kind": "aggregate", "domain": DOMAIN, "primary_key": ("customer_key",),
        "sources": sources, "sql": sql, "grain": grain,
        "foreign_keys": (ForeignKey("customer_key", "dim_customer", "customer_key"),),
        **overrides})


def stamped(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """``frame`` with the metadata columns of an analytics row written on ``day``."""
    return frame.with_columns(load_date=pl.lit(day), update_date=pl.lit(day),
                              source_system=pl.lit("analytics"))


def model_results(context, tables: tuple[GoldTable, ...], writes: RangeWrites):
    """What a model's asset yields once ``writes`` has written ``tables`` for its days: a
    materialisation per table, then each table's schema check over the days."""
    from customer_platform.quality.checks import over_days

    for table in tables:
        yield MaterializeResult(asset_key=table.key)
    for table in tables:
        yield over_days({day: AssetCheckResult(
            asset_key=table.key, check_name=verdict.check_name, passed=verdict.passed,
            metadata=verdict.metadata) for day, verdict in writes.verdicts[table.name].items()},
            context=context, asset_key=table.key)
