"""Bronze assets: one per source table, each reading exactly its day's landing file."""

import datetime as dt

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MetadataValue,
    Output,
    asset,
)

from customer_platform.bronze.landing import PARTITION_COLUMN, find_landing_file, to_bronze
from customer_platform.contracts import DECLARED_TABLES, SourceTable
from customer_platform.partitions import RANGED, daily_partitions, each_day, record_day
from customer_platform.privacy import markdown_preview
from customer_platform.quality.checks import checked_while_written, over_days, schema_check_spec
from customer_platform.quality.schemas import bronze_schema, pii_columns, table_schema
from customer_platform.resources import LandingZone


def bronze_key(table: SourceTable) -> AssetKey:
    return AssetKey(["bronze", table.bronze_table])


def build_bronze_asset(table: SourceTable) -> AssetsDefinition:
    schema = bronze_schema(table)

    @asset(
        key=bronze_key(table),
        description=(
            f"{table.description}\n\nBronze: the landing file "
            f"`{table.system}/{table.name}/<YYYY-MM-DD>.{table.file_format}` as delivered "
            "(every value as text) plus ingestion metadata."
        ),
        group_name=f"bronze_{table.system}",
        partitions_def=daily_partitions,
        backfill_policy=RANGED,
        kinds={"duckdb", "polars", table.file_format},
        owners=[table.owner],
        tags={"layer": "bronze", "source_system": table.system, "seed": table.seed},
        metadata={
            "partition_expr": PARTITION_COLUMN,
            "dagster/column_schema": table_schema(schema),
            "source_table": table.qualified_name,
            "extract": table.extract,
            "landing_path": f"<landing_root>/{table.system}/{table.name}/<YYYY-MM-DD>.<ext>",
        },
        check_specs=[schema_check_spec(
            bronze_key(table), blocking=False,
            description="Bronze layout: every contract column present as text, ingestion "
            "metadata typed, record numbers unique.")],
    )
    def _bronze(context: AssetExecutionContext, landing: LandingZone):
        def load(day):
            path = find_landing_file(landing.path, table, day)
            loaded = to_bronze(table, path, landing.path, day, dt.datetime.now(dt.UTC)
                               .replace(tzinfo=None))
            if loaded.missing_columns:
                context.log.warning(f"{path}: optional column(s) {loaded.missing_columns} "
                                    "missing, read as null")
            if loaded.extra_columns:
                context.log.warning(f"{path}: column(s) {loaded.extra_columns} not in the "
                                    "contract, kept in _extra_columns")
            if loaded.renamed_columns:
                context.log.info(f"{path}: column name(s) matched ignoring case (as delivered "
                                 f"-> contract): {loaded.renamed_columns}")
            record_day(context, day, {
                "source_file": str(path),
                "rows": loaded.frame.height,
                "dagster/row_count": loaded.frame.height,
                "missing_columns": MetadataValue.json(loaded.missing_columns),
                "extra_columns": MetadataValue.json(loaded.extra_columns),
                "renamed_columns": MetadataValue.json(loaded.renamed_columns),
                "preview": MetadataValue.md(markdown_preview(loaded.frame, pii_columns(schema))),
            })
            return loaded.frame

        frames = dict(each_day(context, load))
        with checked_while_written() as check:
            verdicts = check(frames, schema, check_name="pandera_schema")
            yield Output(pl.concat(list(frames.values()), how="vertical_relaxed")
                         if len(frames) > 1 else next(iter(frames.values())))
            yield over_days(verdicts.result(), context=context)

    return _bronze


BRONZE_ASSETS = [build_bronze_asset(table) for table in DECLARED_TABLES]
