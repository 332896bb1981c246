"""Exports for Power BI and Tableau: CSV and Parquet files of the gold tables and the revenue
operations metrics, PII masked or dropped, with a manifest (seed 003 step 6, Load to
Analytics Warehouse: "export as CSV files ... to power dashboards such as Power BI or
Tableau").

Layout under the exports root (``CUSTOMER_PLATFORM_EXPORTS``, default ``exports/`` next to
the warehouse file; the run config ``root`` overrides both)::

    <root>/csv/<table>/<table>_<YYYY-MM-DD>.csv
    <root>/parquet/<table>/<table>_<YYYY-MM-DD>.parquet
    <root>/manifest/manifest_<YYYY-MM-DD>.json

One file per table and daily partition (the rows of ``load_date = D``), so a BI folder
connector (Power BI *Folder*, Tableau wildcard union) reads a table as the union of its
files; one folder per format so the connector never mixes them. Type 2 dimensions are
exported as their stored versions (``dim_x_versions``): the union of the files is the whole
history, the latest version per key is the current one.

PII: every column is classified in its gold model (``pii`` metadata). ``PII_POLICY`` says
what leaves the warehouse: contact details and street addresses are dropped, personal names
are masked with ``privacy.MASK`` (the rows keep their surrogate keys, so a masked sales rep
still groups by ``sales_rep_key``).

Deterministic: the same partition gives byte-identical files (rows sorted by the table's
key, no wall clock in a data file, files replaced atomically). Only the manifest carries
``generated_at``, and the file hashes that prove it.

One asset per export (``gold/export_<table>``, group ``gold_exports``) plus
``gold/export_manifest``; all are produced by one multi-asset step (each COPY is milliseconds
while a step costs far more), which writes only the selected ones.
"""

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
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

from customer_platform import privacy, settings
from customer_platform.contracts.base import column_meta
from customer_platform.gold import declared_tables, table_modules
from customer_platform.gold.base import PARTITION_COLUMN, GoldTable, ensure_table
from customer_platform.partitions import daily_partitions, partition_day
from customer_platform.quality.schemas import table_schema
from customer_platform.resources import Warehouse

DOMAIN = "exports"
GROUP = f"gold_{DOMAIN}"
#: What happens to a column of each PII class in an export.
PII_POLICY = {"personal_identifier": "mask", "contact": "drop", "address": "drop"}
DONE = {"mask": "masked", "drop": "dropped"}
MANIFEST_KEY = AssetKey(["gold", "export_manifest"])


def exports_root() -> Path:
    """Where exports go: ``CUSTOMER_PLATFORM_EXPORTS``, else ``exports/`` beside the warehouse."""
    env = os.environ.get("CUSTOMER_PLATFORM_EXPORTS")
    return Path(env).resolve() if env else settings.warehouse_path().parent / "exports"


def exported_tables() -> list[GoldTable]:
    """Every partitioned gold table of the daily graph (not the audit log, which its own job
    writes after the day's runs), by name."""
    tables = [table for module in table_modules() for table in declared_tables(module)
              if table.domain != "audit"]
    return sorted(tables, key=lambda t: t.name)


def export_key(table: GoldTable) -> AssetKey:
    return AssetKey(["gold", f"export_{table.name}"])


def pii_treatment(table: GoldTable) -> dict[str, str]:
    """column -> 'mask' or 'drop', for the table's PII columns."""
    return {name: PII_POLICY[pii] for name, col in table.schema().columns.items()
            if (pii := column_meta(col, "pii"))}


def export_frame(con, table: GoldTable, day: dt.date) -> pl.DataFrame:
    """The partition ``day`` of ``table`` as it may leave the warehouse: PII dropped or masked,
    rows in key order."""
    treatment = pii_treatment(table)
    ensure_table(con, table)
    order = ", ".join(table.primary_key)
    frame = con.execute(f"SELECT * FROM gold.{table.name} WHERE {PARTITION_COLUMN} = ? "
                        f"ORDER BY {order}", [day]).pl()
    frame = frame.drop([c for c, how in treatment.items() if how == "drop"])
    return privacy.mask(frame, [c for c, how in treatment.items() if how == "mask"])


def paths(root: Path, table: str, day: dt.date) -> dict[str, Path]:
    return {fmt: root / fmt / table / f"{table}_{day.isoformat()}.{fmt}"
            for fmt in ("csv", "parquet")}


def _replace(path: Path, write) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    write(temporary)
    os.replace(temporary, path)


def write_export(frame: pl.DataFrame, root: Path, table: str, day: dt.date) -> dict[str, Path]:
    files = paths(root, table, day)
    _replace(files["csv"], frame.write_csv)
    _replace(files["parquet"], lambda p: frame.write_parquet(p, compression="zstd",
                                                            statistics=False))
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(root: Path, day: dt.date, tables: list[GoldTable]) -> dict:
    """What the exports of ``day`` hold, read back from the files themselves."""
    entries = []
    for table in tables:
        files = paths(root, table.name, day)
        if not files["parquet"].exists():
            continue
        meta = pq.read_metadata(files["parquet"])
        treatment = pii_treatment(table)
        entries.append({
            "table": table.name, "rows": meta.num_rows, "columns": meta.schema.names,
            "masked_columns": sorted(c for c, how in treatment.items() if how == "mask"),
            "dropped_columns": sorted(c for c, how in treatment.items() if how == "drop"),
            **{f"{fmt}_file": str(path.relative_to(root)) for fmt, path in files.items()},
            **{f"{fmt}_sha256": _sha256(path) for fmt, path in files.items()},
        })
    return {"partition": day.isoformat(),
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "exports_root": str(root), "pii_policy": PII_POLICY, "exports": entries}


def write_manifest(root: Path, day: dt.date, tables: list[GoldTable]) -> tuple[Path, dict]:
    content = manifest(root, day, tables)
    path = root / "manifest" / f"manifest_{day.isoformat()}.json"
    _replace(path, lambda p: p.write_text(json.dumps(content, indent=2) + "\n"))
    return path, content


class ExportConfig(Config):
    root: str | None = Field(default=None, description="Exports root folder; default "
                             "$CUSTOMER_PLATFORM_EXPORTS, else exports/ beside the warehouse")


def _spec(table: GoldTable) -> AssetSpec:
    treatment = pii_treatment(table)
    kept = table.schema()
    kept.columns = {n: c for n, c in kept.columns.items() if treatment.get(n) != "drop"}
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
                 partitions_def=daily_partitions, can_subset=True)
    def gold_exports(context: AssetExecutionContext, config: ExportConfig,
                     warehouse: Warehouse):
        day = partition_day(context.partition_key)
        root = Path(config.root).resolve() if config.root else exports_root()
        selected = context.selected_asset_keys
        with warehouse.get_connection() as con:
            for key in sorted(selected - {MANIFEST_KEY}, key=lambda k: k.path):
                frame = export_frame(con, by_key[key], day)
                files = write_export(frame, root, by_key[key].name, day)
                yield MaterializeResult(asset_key=key, metadata={
                    "dagster/row_count": frame.height, "columns": len(frame.columns),
                    **{f"{fmt}_path": str(path) for fmt, path in files.items()}})
        if MANIFEST_KEY in selected:
            path, content = write_manifest(root, day, tables)
            yield MaterializeResult(asset_key=MANIFEST_KEY, metadata={
                "path": str(path), "exports": len(content["exports"]),
                "rows": sum(e["rows"] for e in content["exports"])})

    return gold_exports


TABLES: list[GoldTable] = []  # nothing written to the warehouse
ASSETS = [build_exports(exported_tables())]
