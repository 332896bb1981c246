"""Silver assets: each source table's staging table (``stg_*``) and a rejects table beside it."""

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetOut,
    AssetsDefinition,
    MetadataValue,
    Output,
    multi_asset,
)

from customer_platform.bronze.assets import bronze_key
from customer_platform.bronze.landing import PARTITION_COLUMN
from customer_platform.contracts import DECLARED_TABLES, SourceTable
from customer_platform.partitions import RANGED, daily_partitions, each_day, record_day
from customer_platform.privacy import markdown_preview
from customer_platform.quality.checks import (
    checked_while_written,
    over_days,
    reconcile_days,
    reconciliation_spec,
    schema_check_spec,
)
from customer_platform.quality.schemas import pii_columns, silver_schema, table_schema
from customer_platform.resources import Warehouse
from customer_platform.silver.cleaning import CleanResult, clean
from customer_platform.silver.rejects import RejectedRow

REJECTS_SCHEMA = RejectedRow.to_schema()


def silver_key(table: SourceTable) -> AssetKey:
    return AssetKey(["silver", table.silver_table])


def rejects_key(table: SourceTable) -> AssetKey:
    return AssetKey(["silver", table.rejects_table])


def build_silver_asset(table: SourceTable) -> AssetsDefinition:
    schema = silver_schema(table)
    tags = {"layer": "silver", "source_system": table.system, "seed": table.seed}

    @multi_asset(
        name=f"clean_{table.bronze_table}",
        ins={"bronze": AssetIn(key=bronze_key(table))},
        outs={
            "silver": AssetOut(
                key=silver_key(table),
                description=(
                    f"{table.description}\n\nSilver staging table: typed, trimmed, normalised, "
                    f"validated against the contract and deduplicated on "
                    f"({', '.join(table.primary_key)})."
                ),
                owners=[table.owner],
                tags=tags,
                kinds={"duckdb", "polars", "pandera"},
                metadata={
                    "partition_expr": PARTITION_COLUMN,
                    "dagster/column_schema": table_schema(schema, table.primary_key),
                    "primary_key": list(table.primary_key),
                },
            ),
            "rejects": AssetOut(
                key=rejects_key(table),
                description=(
                    f"Rows of {table.qualified_name} kept out of {table.silver_table}: rule "
                    "violations (status Open) and removed duplicates (status Resolved), each "
                    "whole, with the rule it broke."
                ),
                owners=[table.owner],
                tags=tags,
                kinds={"duckdb", "polars", "pandera"},
                metadata={
                    "partition_expr": PARTITION_COLUMN,
                    "dagster/column_schema": table_schema(RejectedRow.to_schema()),
                },
            ),
        },
        group_name=f"silver_{table.system}",
        partitions_def=daily_partitions,
        backfill_policy=RANGED,
        check_specs=[
            schema_check_spec(silver_key(table), blocking=True, description=(
                "The source contract: types, required fields, allowed values, formats, "
                "ranges, and one row per primary key.")),
            reconciliation_spec(silver_key(table)),
            schema_check_spec(rejects_key(table), blocking=False, description=(
                "Every rejected row carries its rule, its source file and row, and the "
                "original record.")),
        ],
    )
    def _silver(context: AssetExecutionContext, bronze: pl.DataFrame, warehouse: Warehouse):
        cleaned = clean_range(context, bronze, table)
        silver_days = cleaned.silver.partition_by(PARTITION_COLUMN, as_dict=True)
        rejects_days = cleaned.rejects.partition_by(PARTITION_COLUMN, as_dict=True)
        bronze_rows = dict(bronze.group_by(PARTITION_COLUMN).len().iter_rows())

        def record(day):
            result = CleanResult(silver_days.get((day,), cleaned.silver.clear()),
                                 rejects_days.get((day,), cleaned.rejects.clear()))
            counts = result.counts()
            context.log.info(f"{table.silver_table} {day}: {counts}")
            by_rule = result.rejects.group_by("error_rule").len().sort("error_rule")
            record_day(context, day, {
                **counts, "bronze_rows": bronze_rows.get(day, 0),
                "dagster/row_count": result.silver.height,
                "preview": MetadataValue.md(markdown_preview(result.silver, pii_columns(schema))),
            }, silver_key(table))
            record_day(context, day, {
                **counts, "dagster/row_count": result.rejects.height,
                "rejects_by_rule": MetadataValue.json(
                    dict(zip(by_rule["error_rule"].to_list(), by_rule["len"].to_list(),
                             strict=True))),
            }, rejects_key(table))
            return result

        cleaned_days = each_day(context, record)
        with checked_while_written() as check:
            silver_verdicts = check({day: result.silver for day, result in cleaned_days},
                                    schema, asset_key=silver_key(table),
                                    check_name="pandera_schema")
            rejects_verdicts = check({day: result.rejects for day, result in cleaned_days},
                                     REJECTS_SCHEMA, asset_key=rejects_key(table),
                                     check_name="pandera_schema")
            yield Output(cleaned.silver, "silver")
            yield Output(cleaned.rejects, "rejects")
            # Both outputs are stored by now: the checks see exactly what was written.
            yield over_days(silver_verdicts.result(), context=context)
            yield over_days(reconcile_days(warehouse, silver_key(table), table.bronze_table,
                                           table.silver_table, table.rejects_table,
                                           [day for day, _ in cleaned_days]), context=context)
            yield over_days(rejects_verdicts.result(), context=context)

    return _silver


def clean_range(context, bronze: pl.DataFrame, table: SourceTable) -> CleanResult:
    """The step's days cleaned in one pass (every rule holds within a day). If that fails,
    the days are cleaned one at a time, so that the failure names the day it is on."""
    try:
        return clean(bronze, table)
    except Exception:
        if len(context.partition_keys) == 1:
            raise
        each_day(context, lambda day: clean(bronze.filter(pl.col(PARTITION_COLUMN) == day),
                                            table))
        raise


SILVER_ASSETS = [build_silver_asset(table) for table in DECLARED_TABLES]
