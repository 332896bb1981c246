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
from customer_platform.partitions import daily_partitions, partition_day
from customer_platform.privacy import markdown_preview
from customer_platform.quality.checks import (
    evaluate_schema,
    reconcile,
    reconciliation_spec,
    schema_check_spec,
)
from customer_platform.quality.schemas import pii_columns, silver_schema, table_schema
from customer_platform.resources import Warehouse
from customer_platform.silver.cleaning import clean
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
        result = clean(bronze, table)
        counts = result.counts()
        context.log.info(f"{table.silver_table} {context.partition_key}: {counts}")
        yield Output(
            result.silver,
            "silver",
            metadata={
                **counts,
                "bronze_rows": bronze.height,
                "preview": MetadataValue.md(markdown_preview(result.silver, pii_columns(schema))),
            },
        )
        by_rule = result.rejects.group_by("error_rule").len().sort("error_rule")
        yield Output(
            result.rejects,
            "rejects",
            metadata={
                **counts,
                "rejects_by_rule": MetadataValue.json(
                    dict(zip(by_rule["error_rule"].to_list(), by_rule["len"].to_list(),
                             strict=True))
                ),
            },
        )
        # Both outputs are stored by now: the checks see exactly what was written.
        yield evaluate_schema(result.silver, schema, asset_key=silver_key(table),
                              check_name="pandera_schema")
        yield reconcile(warehouse, silver_key(table), table.bronze_table, table.silver_table,
                        table.rejects_table, partition_day(context.partition_key))
        yield evaluate_schema(result.rejects, REJECTS_SCHEMA, asset_key=rejects_key(table),
                              check_name="pandera_schema")

    return _silver


SILVER_ASSETS = [build_silver_asset(table) for table in DECLARED_TABLES]
