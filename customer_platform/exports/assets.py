"""The exports' asset: ``gold/exports`` (group ``gold_exports``), one materialisation a day
for the files of every exported gold table and the day's manifest.

One asset rather than one per table: each COPY is milliseconds, while an asset costs a
materialisation and a planned event per day and a box in the lineage (49 tables were a
quarter of the graph and of a day's events). What a person needs per table is in the day's
metadata (rows) and in the asset's definition (which PII columns are masked or dropped).
"""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from customer_platform import scope
from customer_platform.exports.files import (
    export_frames,
    exports_root,
    pii_treatment,
    write_export,
    write_manifest,
)
from customer_platform.gold import declared_tables, table_modules
from customer_platform.gold.base import GoldTable
from customer_platform.partitions import (
    RANGED,
    daily_partitions,
    each_day,
    partition_days,
    record_day,
)
from customer_platform.resources import Warehouse

DOMAIN = "exports"
GROUP = f"gold_{DOMAIN}"
DONE = {"mask": "masked", "drop": "dropped"}
EXPORTS_KEY = AssetKey(["gold", "exports"])


def exported_tables() -> list[GoldTable]:
    """Every partitioned gold table of the daily graph this deployment builds (not the audit
    log, which its own job writes after the day's runs), by name."""
    tables = [table for module in table_modules() for table in declared_tables(module)
              if table.domain != "audit" and scope.built(f"gold.{table.name}")]
    return sorted(tables, key=lambda t: t.name)


class ExportConfig(Config):
    root: str | None = Field(default=None, description="Exports root folder; default "
                             "$CUSTOMER_PLATFORM_EXPORTS, else exports/ beside the warehouse")
    tables: list[str] | None = Field(default=None, description="Write only these gold tables' "
                                     "files (default: every exported table); the manifest "
                                     "still lists every file the day's folder holds")


def pii_table(tables: list[GoldTable]) -> str:
    """Markdown: per exported table, its PII columns and what leaves the warehouse of each."""
    lines = ["| table | PII columns |", "|---|---|"]
    for table in tables:
        treatment = pii_treatment(table)
        lines.append(f"| {table.name} | " + (", ".join(
            f"{column} {DONE[how]}" for column, how in sorted(treatment.items())) or "none")
            + " |")
    return "\n".join(lines)


def chosen_tables(tables: list[GoldTable], names: list[str] | None) -> list[GoldTable]:
    """The tables a run exports: all, or the named ones (an unknown name is an error)."""
    if names is None:
        return tables
    by_name = {table.name: table for table in tables}
    unknown = sorted(set(names) - set(by_name))
    if unknown:
        raise ValueError(f"not exported tables: {', '.join(unknown)} (exported: "
                         f"{', '.join(by_name)})")
    return [by_name[name] for name in sorted(set(names))]


def write_table_by_table(warehouse: Warehouse, tables: list[GoldTable], days: list[dt.date],
                         root: Path) -> tuple[dict, tuple | None]:
    """The files of ``tables`` for ``days``, one table at a time: one query reads a table's
    days and its frame is let go once its files are written, so a step holds one table, not
    every exported table of its days (a 2M-customer day peaked at 7.7 GiB that way).

    Returns each day's rows by table and the first day whose files could not be written, with
    its error (or None). Later tables are written only for the days before it, so every day
    before it is whole and the range stops at it, as ``each_day`` reports a failing day."""
    rows = {day: {} for day in days}
    stop = None
    with (warehouse.get_connection() as con,
          ThreadPoolExecutor(max_workers=2, thread_name_prefix="export") as writers):
        for table in tables:
            todo = [day for day in days if stop is None or day < stop[0]]
            frames = export_frames(con, table, todo) if todo else {}
            for day in todo:
                height = frames[day].height
                try:  # the day's frame is let go as its files are written
                    write_export(frames.pop(day), root, table.name, day, writers)
                except Exception as error:  # noqa: BLE001 - the day's failure, raised by each_day
                    stop = (day, error)
                    break
                rows[day][table.name] = height
    return rows, stop


def build_exports(tables: list[GoldTable]):
    """``gold/exports``: a day's CSV and Parquet files of ``tables`` and its manifest."""

    @asset(key=EXPORTS_KEY, deps=[table.key for table in tables], group_name=GROUP,
           partitions_def=daily_partitions, backfill_policy=RANGED,
           kinds={"polars", "csv", "parquet"}, owners=["team:data-platform"],
           tags={"layer": "gold", "kind": "export", "seed": "003"},
           description="CSV and Parquet files of every gold table of the day for BI tools "
           "(one file per table and day, PII masked or dropped), and the day's manifest: per "
           "table its files, rows, columns, masked and dropped columns and file hashes.",
           metadata={"exported_tables": len(tables), "pii": MetadataValue.md(pii_table(tables))})
    def exports(context: AssetExecutionContext, config: ExportConfig, warehouse: Warehouse):
        root = Path(config.root).resolve() if config.root else exports_root()
        chosen = chosen_tables(tables, config.tables)
        rows, stop = write_table_by_table(warehouse, chosen, partition_days(context), root)

        def finish(day):  # a day's manifest, once all its files are written
            if stop and day == stop[0]:
                raise stop[1]
            manifest, _ = write_manifest(root, day, tables)
            record_day(context, day, {"dagster/row_count": sum(rows[day].values()),
                                      "tables": len(rows[day]),
                                      "rows_by_table": MetadataValue.json(rows[day]),
                                      "manifest": str(manifest)})

        each_day(context, finish)
        return MaterializeResult()

    return exports


EXPORT_ASSETS = [build_exports(exported_tables())]
