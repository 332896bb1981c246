"""The Delta Lake storage backend: the same assets, one open-format table per asset.

``CUSTOMER_PLATFORM_STORAGE=delta`` swaps the two storage resources and nothing else
(``storage.default_resources``): bronze and silver go through Dagster's Delta Lake I/O manager,
gold's SQL still runs in DuckDB over the Delta tables' snapshots and writes a partition back as
one Delta commit. Every write is its own transaction, so processes need no lock to take turns
with. The layout, the cost and what is not done yet: docs/scaling.md.
"""

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
from dagster import InputContext, MetadataValue, OutputContext
from dagster._core.storage.db_io_manager import DbTypeHandler, TableSlice
from dagster._utils.backoff import backoff
from dagster_deltalake import LocalConfig
from dagster_deltalake.io_manager import TableConnection
from dagster_deltalake_polars import DeltaLakePolarsIOManager, DeltaLakePolarsTypeHandler
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError
from pydantic import Field

from customer_platform.privacy import markdown_preview
from customer_platform.resources import Warehouse, _pii_columns

#: The layers, one folder (and one DuckDB schema) each.
LAYERS = ("bronze", "silver", "gold")
#: The partition columns a table may have: bronze/silver's day received, gold's load date.
PARTITION_COLUMNS = ("_partition_date", "load_date")
DEFINITIONS = "_definitions"


def _stamp(path: Path) -> int:
    """Changes whenever a file in ``path`` is added or replaced (a Delta commit, a definition)."""
    return os.stat(path).st_mtime_ns


def _partition_column(columns: list[str]) -> list[str] | None:
    found = [c for c in PARTITION_COLUMNS if c in columns]
    return found[:1] or None


def commit_partition(path: Path, rows: pa.Table, partition_column: str, day: dt.date) -> None:
    """Replace partition ``day`` of the Delta table at ``path`` by ``rows`` in one commit
    (creating the table, partitioned by ``partition_column``, on its first write)."""

    def commit():
        if (path / "_delta_log").is_dir():
            stored = DeltaTable(str(path)).schema()
            write_deltalake(str(path), rows.select([f.name for f in stored.fields]),
                            mode="overwrite", predicate=f"{partition_column} = '{day.isoformat()}'")
        else:
            write_deltalake(str(path), rows, mode="error", partition_by=[partition_column])

    # another process's commit to the same table at the same instant: read it, try again
    backoff(fn=commit, retry_on=(CommitFailedError,), max_retries=5)


class _Session:
    """This process's SQL session over one root: one in-memory DuckDB in which every Delta
    table is a view over its latest snapshot. Opening ~150 tables per statement would cost
    about a second; instead each connection stats the tables' logs and re-reads only those
    with a new commit, whichever process wrote it."""

    def __init__(self, root: Path):
        self.root, self.pid = root, os.getpid()
        self.lock = threading.RLock()
        self.con = duckdb.connect(":memory:")
        for layer in LAYERS:
            self.con.execute(f"CREATE SCHEMA {layer}")
        self.seen: dict[str, int] = {}  # table or definition path -> stamp when attached
        self.depth = 0

    def refresh(self) -> None:
        for layer in LAYERS:
            folder = self.root / layer
            for table in sorted(folder.iterdir()) if folder.is_dir() else ():
                log = table / "_delta_log"
                if log.is_dir() and self.seen.get(str(table)) != _stamp(log):
                    self.attach(layer, table.name)
        folder = self.root / DEFINITIONS
        for ddl in sorted(folder.glob("*.sql")) if folder.is_dir() else ():
            if self.seen.get(str(ddl)) != _stamp(ddl):  # views sort before the macros
                self.con.execute(ddl.read_text())
                self.seen[str(ddl)] = _stamp(ddl)

    def attach(self, layer: str, table: str) -> None:
        path = self.root / layer / table
        stamp = _stamp(path / "_delta_log")
        registered = f"_delta__{layer}__{table}"
        self.con.register(registered, DeltaTable(str(path)).to_pyarrow_dataset())
        [(created_here,)] = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND "
            "table_name = ? AND table_type = 'BASE TABLE'", [layer, table]).fetchall()
        if created_here:  # by SQL in this session, now replaced by its Delta table
            self.con.execute(f"DROP TABLE {layer}.{table}")
        if str(path) not in self.seen:
            self.con.execute(f"CREATE OR REPLACE VIEW {layer}.{table} AS "
                             f"SELECT * FROM {registered}")
        self.seen[str(path)] = stamp

    def persist_created_tables(self) -> None:
        """Tables created by SQL (``CREATE TABLE``) become (empty or filled) Delta tables."""
        created = self.con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE "
            "table_type = 'BASE TABLE' AND table_catalog = 'memory' AND table_schema IN "
            f"({', '.join(repr(layer) for layer in LAYERS)})").fetchall()
        for layer, table in created:
            path = self.root / layer / table
            if not (path / "_delta_log").is_dir():
                rows = self.con.sql(f"SELECT * FROM {layer}.{table}").to_arrow_table()
                write_deltalake(str(path), rows, mode="error",
                                partition_by=_partition_column(rows.column_names))
            self.attach(layer, table)


_SESSIONS: dict[str, _Session] = {}
_SESSIONS_GUARD = threading.Lock()


def _session(root: str) -> _Session:
    with _SESSIONS_GUARD:
        session = _SESSIONS.get(root)
        if session is None or session.pid != os.getpid():  # never reuse one across a fork
            session = _SESSIONS[root] = _Session(Path(root))
        return session


class DeltaWarehouse(Warehouse):
    """SQL over the Delta tables under ``root``: DuckDB in memory, one view per table.

    Same interface as the DuckDB file's ``Warehouse``; only the writes differ (one Delta
    commit per partition) and no process waits for another. Within a process, connections
    are one session, taken in turn by threads.
    """

    root: str = Field(description="Folder of the Delta tables: <root>/<layer>/<table>/")
    database: str = Field(default=":memory:", description="Unused: SQL runs in memory.")

    @contextlib.contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        session = _session(str(Path(self.root).resolve()))
        with session.lock:
            session.refresh()
            session.depth += 1
            try:
                yield session.con
            finally:
                session.depth -= 1
            if session.depth == 0:
                session.persist_created_tables()

    def replace_partition(self, con, table: str, partition_column: str, day,
                          select_from: str) -> None:
        """One Delta commit: the partition's files are replaced, or nothing changes."""
        layer, name = table.split(".")
        path = Path(self.root) / layer / name
        rows = con.sql(f"SELECT * FROM {select_from}").to_arrow_table()
        commit_partition(path, rows, partition_column, day)
        _session(str(Path(self.root).resolve())).attach(layer, name)

    def replace_partitions(self, con, table: str, partition_column: str,
                           staged: dict) -> None:
        """A Delta commit per partition, in day order (each replaces its own files)."""
        for day, select_from in staged.items():
            self.replace_partition(con, table, partition_column, day, select_from)

    def define(self, con, ddl: str) -> None:
        """Create the view or macro here and keep its DDL for every later connection."""
        con.execute(ddl)
        words = ddl.split(None, 5)  # CREATE OR REPLACE VIEW|MACRO <name> ...
        kind, name = words[3].lower(), words[4].split("(")[0]
        folder = Path(self.root) / DEFINITIONS
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{'1' if kind == 'view' else '2'}_{kind}_{name}.sql"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(ddl)
        temporary.replace(target)  # atomic: a reader never sees half a definition

    def partition_heads(self, con, table: str, partition_column: str, days,
                        rows: int = 5) -> pl.DataFrame:
        """A preview of each partition: the Delta tables are views here, without stored row
        positions, so the rows are numbered whole."""
        return con.sql(f"SELECT * FROM {table} WHERE {partition_column} BETWEEN ? AND ? "
                       f"QUALIFY row_number() OVER (PARTITION BY {partition_column}) <= {rows}",
                       params=[min(days), max(days)]).pl()


class DeltaFrameHandler(DeltaLakePolarsTypeHandler):
    """Polars <-> Delta: a day's frame is one commit replacing its partition, with the row
    count and a PII-masked preview (as the DuckDB handler gives); reads are the stock ones."""

    def handle_output(self, context: OutputContext, table_slice: TableSlice, obj: pl.DataFrame,
                      connection: TableConnection):
        # The same commit as gold's (the stock handler's statistics fail on deltalake 1.x).
        (dimension,) = table_slice.partition_dimensions
        commit_partition(Path(connection.table_uri), obj.rechunk().to_arrow(),
                         dimension.partition_expr, dimension.partitions.start.date())
        return {"dagster/row_count": obj.height,
                "preview": MetadataValue.md(markdown_preview(obj, _pii_columns(context)))}

    def load_input(self, context: InputContext, table_slice: TableSlice,
                   connection: TableConnection) -> pl.DataFrame:
        if table_slice.partition_dimensions and len(context.asset_partition_keys) == 0:
            return pl.DataFrame()
        return super().load_input(context, table_slice, connection)


class DeltaIOManager(DeltaLakePolarsIOManager):
    """Dagster's Delta Lake I/O manager for the platform's Polars frames."""

    @staticmethod
    def type_handlers() -> list[DbTypeHandler]:
        return [DeltaFrameHandler()]


def delta_resources(root: Path | str) -> dict:
    """The storage resources for a Delta Lake root (the landing zone is added by the caller)."""
    root = str(Path(root).resolve())
    return {
        "io_manager": DeltaIOManager(root_uri=root, storage_options=LocalConfig()),
        "warehouse": DeltaWarehouse(root=root),
    }
