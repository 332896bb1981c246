"""The exports' assets: one per exported gold table (``gold/export_<table>``, group
``gold_exports``) plus ``gold/export_manifest``, all produced by one multi-asset step (each
COPY is milliseconds while a step costs far more), which writes only the selected ones."""

from pathlib import Path

from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    multi_asset,
)
from pydantic import Field

from customer_platform import scope
from customer_platform.exports.files import (
    export_frame,
    exports_root,
    pii_treatment,
    write_export,
    write_manifest,
)
from customer_platform.gold import declared_tables, table_modules
from customer_platform.gold.base import GoldTable
from customer_platform.partitions import RANGED, daily_partitions, each_day, record_day
from customer_platform.quality.schemas import table_schema
from customer_platform.resources import Warehouse

DOMAIN = "exports"
GROUP = f"gold_{DOMAIN}"
DONE = {"mask": "masked", "drop": "dropped"}
MANIFEST_KEY = AssetKey(["gold", "export_manifest"])


def exported_tables() -> list[GoldTable]:
    """Every partitioned gold table of the daily graph this deployment builds (not the audit
    log, which its own job writes after the day's runs), by name."""
    tables = [table for module in table_modules() for table in declared_tables(module)
              if table.domain != "audit" and scope.built(f"gold.{table.name}")]
    return sorted(tables, key=lambda t: t.name)


def export_key(table: GoldTable) -> AssetKey:
    return AssetKey(["gold", f"export_{table.name}"])


class ExportConfig(Config):
    root: str | None = Field(default=None, description="Exports root folder; default "
                             "$CUSTOMER_PLATFORM_EXPORTS, else exports/ beside the warehouse")


def _spec(table: GoldTable) -> AssetSpec:
    treatment = pii_treatment(table)
    kept = table.schema().remove_columns([n for n, how in treatment.items() if how == "drop"])
    return AssetSpec(
        export_key(table), deps=[AssetDep(table.key)], group_name=GROUP,
        description=f"CSV and Parquet export of gold.{table.name} for BI tools, one file per "
        "day; PII: " + (", ".join(f"{c} {DONE[how]}" for c, how in sorted(treatment.items()))
                        or "none"),
        kinds={"polars", "csv", "parquet"}, owners=[table.owner],
        tags={"layer": "gold", "kind": "export", "seed": "003"},
        metadata={"dagster/column_schema": table_schema(kept, table.primary_key),
                  "masked_columns": sorted(c for c, h in treatment.items() if h == "mask"),
                  "dropped_columns": sorted(c for c, h in treatment.items() if h == "drop")},
    )


def build_exports(tables: list[GoldTable]):
    """The multi-asset writing the selected exports of a day, then (if selected) the
    manifest of everything exported for that day."""
    by_key = {export_key(t): t for t in tables}
    manifest_spec = AssetSpec(
        MANIFEST_KEY, deps=list(by_key), group_name=GROUP, kinds={"json"},
        owners=["team:data-platform"], tags={"layer": "gold", "kind": "export", "seed": "003"},
        description="Manifest of a day's exports: per table its files, rows, columns, masked "
        "and dropped PII columns and file hashes, and when it was generated.")

    @multi_asset(name="gold_exports", specs=[*(_spec(t) for t in tables), manifest_spec],
                 partitions_def=daily_partitions, backfill_policy=RANGED, can_subset=True)
    def gold_exports(context: AssetExecutionContext, config: ExportConfig,
                     warehouse: Warehouse):
        root = Path(config.root).resolve() if config.root else exports_root()
        selected = context.selected_asset_keys

        def export(day):
            with warehouse.get_connection() as con:
                for key in sorted(selected - {MANIFEST_KEY}, key=lambda k: k.path):
                    frame = export_frame(con, by_key[key], day)
                    files = write_export(frame, root, by_key[key].name, day)
                    record_day(context, day, {
                        "dagster/row_count": frame.height, "columns": len(frame.columns),
                        **{f"{fmt}_path": str(path) for fmt, path in files.items()}}, key)
            if MANIFEST_KEY in selected:
                path, content = write_manifest(root, day, tables)
                record_day(context, day, {
                    "path": str(path), "exports": len(content["exports"]),
                    "rows": sum(e["rows"] for e in content["exports"])}, MANIFEST_KEY)

        each_day(context, export)
        for key in sorted(selected, key=lambda k: k.path):
            yield MaterializeResult(asset_key=key)

    return gold_exports


EXPORT_ASSETS = [build_exports(exported_tables())]
