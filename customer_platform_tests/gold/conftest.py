"""Tiny hand-made warehouses for gold SQL: put a few rows in, run one table's day, read it."""

import datetime as dt
import json

import polars as pl
import pytest

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.gold.base import GoldTable, ensure_table, run_gold_sql
from customer_platform.gold.scd2 import Scd2Dimension, view_sql
from customer_platform.gold.sql import sk
from customer_platform.quality.schemas import silver_schema
from customer_platform.resources import Warehouse
from customer_platform.silver.cleaning import empty_rejects


class TinyWarehouse:
    """A real DuckDB file holding hand-made upstream rows."""

    def __init__(self, path):
        self.resource = Warehouse(database=str(path))
        self._create_empty_silver()

    def _create_empty_silver(self) -> None:
        """Every silver table and its rejects table exist, empty, as in a real warehouse after
        its first day."""
        with self.resource.get_connection() as con:
            con.execute("CREATE SCHEMA IF NOT EXISTS silver")
            for table in SOURCE_TABLES:
                empty = pl.DataFrame(schema={name: col.dtype.type for name, col in
                                             silver_schema(table).columns.items()})
                con.register("empty", empty.to_arrow())
                con.execute(f"CREATE TABLE silver.{table.silver_table} AS SELECT * FROM empty")
                con.unregister("empty")
                con.register("empty", empty_rejects().to_arrow())
                con.execute(f"CREATE TABLE silver.{table.rejects_table} AS SELECT * FROM empty")
                con.unregister("empty")

    def put(self, table: str, rows: list[dict] | pl.DataFrame, **defaults) -> None:
        """Create (or append to) ``schema.table`` from rows; ``defaults`` fill every row."""
        frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(
            [{**defaults, **row} for row in rows])
        schema = table.split(".")[0]
        with self.resource.get_connection() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.register("incoming", frame.to_arrow())
            con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM incoming LIMIT 0")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")

    def put_versions(self, dim: Scd2Dimension, rows: list[dict], loaded: dt.date) -> None:
        """Stored versions of ``dim`` loaded on ``loaded`` (columns a row lacks are empty, the
        entity and version keys are derived from the business key), and its view over them."""
        table = f"gold.{dim.versions.name}"
        entity = dim.name.removeprefix("dim_")
        with self.resource.get_connection() as con:
            ensure_table(con, dim.versions)
        flag = {"is_inferred": False} if "is_inferred" in dim.versions.schema().columns else {}
        self.put(table, rows, load_date=loaded, update_date=loaded, source_system="test", **flag)
        self.execute(f"UPDATE {table} SET {dim.entity_key} = {sk(entity, dim.business_key)}, "
                     f"{entity}_version_key = "
                     f"{sk(entity + '_version', dim.business_key, dim.changed_at)} "
                     f"WHERE {dim.entity_key} IS NULL")
        self.execute(f"CREATE OR REPLACE VIEW gold.{dim.name} AS {view_sql(dim)}")

    def run(self, table: GoldTable, day: dt.date) -> pl.DataFrame:
        """Materialise one day of ``table`` (validated, as the asset does) and return it."""
        run_gold_sql(self.resource, table, day)
        return self.read(f"SELECT * FROM gold.{table.name} WHERE load_date = ?", [day])

    def read(self, sql: str, params=()) -> pl.DataFrame:
        with self.resource.get_connection() as con:
            return con.sql(sql, params=list(params)).pl()

    def execute(self, sql: str, params=()) -> None:
        with self.resource.get_connection() as con:
            con.execute(sql, list(params))


@pytest.fixture
def tiny(tmp_path) -> TinyWarehouse:
    return TinyWarehouse(tmp_path / "tiny.duckdb")


def silver_lineage(day: dt.date, event_date: dt.date | None = None) -> dict:
    """The lineage columns every silver row carries."""
    return {"_event_date": event_date or day, "_partition_date": day,
            "_source_file": "test.csv", "_source_row": 1,
            "_loaded_at": dt.datetime.combine(day, dt.time(6))}


def rejected(table: str, record: dict, on: dt.date, row: int = 1,
             disposition: str = "rejected") -> dict:
    """A row of ``silver.<table>_rejects``: ``record`` (bronze text) rejected on day ``on``."""
    return {"error_id": f"{table}:{on}:{row}:{disposition}", "error_type": "Validation",
            "error_rule": "test", "error_description": "test", "source_system": "test",
            "source_table": table, "source_file": "test.csv", "source_row": row,
            "error_timestamp": dt.datetime.combine(on, dt.time(6)), "status": "Open",
            "disposition": disposition,
            "record": json.dumps({k: None if v is None else str(v) for k, v in record.items()}),
            "_partition_date": on}


def undelivered(rows: list[dict], *columns: str) -> list[dict]:
    """``rows`` as from a file that lacked ``columns``: empty there, and saying so (bronze's
    ``_missing_columns``)."""
    return [{**row, **dict.fromkeys(columns), "_missing_columns": ",".join(columns)}
            for row in rows]
