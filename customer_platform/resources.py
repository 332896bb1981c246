"""Resources: the DuckDB warehouse I/O manager and the landing zone.

The warehouse is one DuckDB file with a schema per layer, chosen by the asset key prefix. Every
connection goes through ``open_warehouse``, and processes take turns with the file through an
exclusive lock on ``<warehouse>.lock`` instead of failing on DuckDB's one-writer rule (held per
run by default: docs/operations.md, Parallel backfills). Unlike the stock DuckDB I/O manager,
every write is one transaction (a crash leaves the old partition, never half of the new one),
and an empty frame still creates its table, so an empty day is a readable partition.
"""

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
from dagster import ConfigurableResource, InputContext, MetadataValue, OutputContext
from dagster._core.storage.db_io_manager import DbIOManager, DbTypeHandler, TableSlice
from dagster._utils.backoff import backoff
from dagster_duckdb import DuckDBIOManager, DuckDBResource
from dagster_duckdb.io_manager import DuckDbClient, _get_cleanup_statement
from dagster_duckdb_pandas import DuckDBPandasTypeHandler
from dagster_duckdb_polars import DuckDBPolarsTypeHandler
from pydantic import Field

from customer_platform import settings
from customer_platform.privacy import markdown_preview

#: Per database file: the lock file's descriptor and how many of this process's users hold it.
_LOCKS: dict[str, tuple[int, int]] = {}
_LOCKS_GUARD = threading.Lock()
#: Per database file: what the runs in this process hold open (see ``HeldOpenDuringRun``).
_HELD: dict[str, list[contextlib.ExitStack]] = {}
#: Rows of a DuckDB row group: the size of the batches a frame is handed to DuckDB in.
ROW_GROUP_ROWS = 122_880


def insertable(frame: pl.DataFrame) -> pa.Table:
    """``frame`` as Arrow for an ``INSERT``, in batches of a row group: DuckDB writes the
    batches of one table on all its threads and keeps their order, where one contiguous chunk
    is written by one thread (a 500,000-customer day of bronze: 4.1 s against 6.5 s). Text
    goes as Arrow's string views, Polars' own layout: converting it to Arrow's offsets copied
    every value (that day's bronze written in 5.4 s against 5.7 s, conversion included)."""
    table = frame.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    return pa.Table.from_batches(table.to_batches(max_chunksize=ROW_GROUP_ROWS),
                                 schema=table.schema)


def connection_config() -> dict:
    """The configuration of every connection to the warehouse (DuckDB refuses a second one for
    an open file): the memory it may use before spilling (``settings.warehouse_memory``)."""
    return {"custom_user_agent": "customer_platform", "memory_limit": settings.warehouse_memory()}


def _acquire(database: str) -> None:
    with _LOCKS_GUARD:
        fd, holders = _LOCKS.get(database, (-1, 0))
        if holders == 0:
            # a new deployment's data folder may not exist yet: the warehouse is created in it
            os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
            fd = os.open(f"{database}.lock", os.O_CREAT | os.O_RDWR, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits while another process has the warehouse
        _LOCKS[database] = (fd, holders + 1)


def _release(database: str) -> None:
    with _LOCKS_GUARD:
        fd, holders = _LOCKS.pop(database)
        if holders > 1:
            _LOCKS[database] = (fd, holders - 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def table_exists(con, table: str) -> bool:
    """Whether ``schema.name`` is a table or view of the connection's database: asked, not
    found out by a failing statement, which in DuckDB 2 aborts the open transaction."""
    schema, name = table.split(".")
    [(found,)] = con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                             "table_schema = ? AND table_name = ?", [schema, name]).fetchall()
    return found > 0


@contextlib.contextmanager
def open_warehouse(database: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the warehouse, once this process has its turn with the file.

    DuckDB's own lock can still be held by a process outside the platform (a notebook): then
    the connection is retried with back-off, as the stock resource does. A statement that
    needs more memory than the warehouse may use, and cannot spill, fails naming the setting.
    """
    config = connection_config()  # a bad setting fails before the file is taken
    shared = database != ":memory:"
    if shared:
        _acquire(database)
    try:
        conn = backoff(fn=duckdb.connect, retry_on=(RuntimeError, duckdb.IOException),
                       kwargs={"database": database, "read_only": False, "config": config},
                       max_retries=10)
        try:
            yield conn
        except duckdb.OutOfMemoryException as exc:  # DuckDB's advice names its own SET
            raise duckdb.OutOfMemoryException(
                f"{exc}\nThe warehouse may use {config['memory_limit']} of memory "
                "(CUSTOMER_PLATFORM_WAREHOUSE_MEMORY, docs/operations.md): raise it for a "
                "company of this size, then re-run the day") from exc
        finally:
            conn.close()
    finally:
        if shared:
            _release(database)


class HeldOpenDuringRun:
    """Keeps the warehouse open (and this process's turn with it) while a run uses the resource.

    Every step opens its own short connection; while another connection to the file is open
    in the process, DuckDB hands out a new one on the open database in under a millisecond,
    instead of opening the file and checkpointing it on close (about 30 ms each, hundreds of
    times per day's run). Released when the run's resources are torn down. Off with
    ``CUSTOMER_PLATFORM_WAREHOUSE_HOLD=step`` (parallel runs then take turns per step).
    """

    def setup_for_execution(self, context) -> None:
        if self.database != ":memory:" and settings.warehouse_hold() == "run":
            stack = contextlib.ExitStack()
            stack.enter_context(open_warehouse(self.database))
            _HELD.setdefault(self.database, []).append(stack)

    def teardown_after_execution(self, context) -> None:
        held = _HELD.get(self.database)
        if held:
            held.pop().close()


class PolarsFrameHandler(DuckDBPolarsTypeHandler):
    """Polars <-> DuckDB through Arrow; creates the table even for an empty frame."""

    def handle_output(self, context: OutputContext, table_slice: TableSlice, obj: pl.DataFrame,
                      connection):
        arrow_frame = insertable(obj)  # noqa: F841 - referenced by name in the SQL
        target = f"{table_slice.schema}.{table_slice.table}"
        connection.execute(f"CREATE TABLE IF NOT EXISTS {target} AS SELECT * FROM arrow_frame "
                           "LIMIT 0")
        connection.execute(f"INSERT INTO {target} BY NAME SELECT * FROM arrow_frame")
        return {"dagster/row_count": obj.height,
                "preview": MetadataValue.md(markdown_preview(obj, _pii_columns(context)))}

    def load_input(self, context: InputContext, table_slice: TableSlice, connection
                   ) -> pl.DataFrame:
        if table_slice.partition_dimensions and len(context.asset_partition_keys) == 0:
            return pl.DataFrame()
        query = DuckDbClient.get_select_statement(table_slice)
        return connection.sql(query).pl()


def _pii_columns(context: OutputContext) -> list[str]:
    """The columns the asset's column schema tags as PII (masked in the preview)."""
    schema = (context.definition_metadata or {}).get("dagster/column_schema")
    schema = getattr(schema, "schema", schema)
    return [c.name for c in getattr(schema, "columns", []) if "pii" in (c.tags or {})]


class TransactionalDuckDbClient(DuckDbClient):
    """Runs each I/O manager call (delete + insert, or a read) inside one transaction."""

    @staticmethod
    @contextlib.contextmanager
    def connect(context, _):
        with open_warehouse(context.resource_config["database"]) as conn:
            try:
                conn.begin()
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    @staticmethod
    def delete_table_slice(context: OutputContext, table_slice: TableSlice, connection) -> None:
        """The stock client tries the DELETE and ignores a missing table's error; in DuckDB 2 a
        failed statement aborts the transaction, so the table's existence is asked first."""
        if table_exists(connection, f"{table_slice.schema}.{table_slice.table}"):
            connection.execute(_get_cleanup_statement(table_slice))

    @staticmethod
    def get_table_name(table_slice: TableSlice) -> str:
        """``dagster/table_name`` as a query names it (``silver.stg_crm_customers``): the
        warehouse is one file, so the file's path is not part of the table's name."""
        return f"{table_slice.schema}.{table_slice.table}"


class WarehouseIOManager(HeldOpenDuringRun, DuckDBIOManager):
    """DuckDB I/O manager for the warehouse file: Polars by default, pandas when asked."""

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [PolarsFrameHandler(), DuckDBPandasTypeHandler()]

    @staticmethod
    def default_load_type() -> type | None:
        return pl.DataFrame

    def create_io_manager(self, context) -> DbIOManager:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        return DbIOManager(
            db_client=TransactionalDuckDbClient(),
            database=self.database,
            schema=self.schema_,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="WarehouseIOManager",
        )


class LandingZone(ConfigurableResource):
    """Where source systems drop their extracts (the landing-zone contract's root)."""

    root: str = Field(description="<root>/<source_system>/<table>/<YYYY-MM-DD>.<csv|jsonl|parquet>")

    @property
    def path(self) -> Path:
        return Path(self.root)


class Warehouse(HeldOpenDuringRun, DuckDBResource):
    """SQL access to the warehouse file for checks and reports (counts, ad-hoc queries)."""

    @contextlib.contextmanager
    def get_connection(self):
        with open_warehouse(self.database) as conn:
            yield conn

    def replace_partitions(self, con, table: str, partition_column: str,
                           staged: dict) -> None:
        """Replace each partition of ``staged`` (day -> the relation holding its rows) in a
        delete and an insert for all of them: a month's range of a gold table is 2 statements
        instead of 124 (the caller holds the transaction that makes it atomic)."""
        first = next(iter(staged.values()))
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM {first} LIMIT 0")
        days = list(staged)
        con.execute(f"DELETE FROM {table} WHERE {partition_column} BETWEEN ? AND ? AND "
                    f"{partition_column} IN ({', '.join('?' for _ in days)})",
                    [min(days), max(days), *days])
        rows = " UNION ALL BY NAME ".join(f"SELECT * FROM {name}" for name in staged.values())
        con.execute(f"INSERT INTO {table} BY NAME {rows}")

    def define(self, con, ddl: str) -> None:
        """Create or replace a derived object (a view, a table macro) over the stored tables."""
        con.execute(ddl)

    def partition_heads(self, con, table: str, partition_column: str, days: Sequence,
                        rows: int = 5) -> pl.DataFrame:
        """The first ``rows`` stored rows of each partition ``days`` of ``table`` (a
        preview), in one query: the rows are numbered by their position alone and then read
        whole, where numbering whole rows carried every column of the partitions through the
        window (a 500,000-customer day's gold previews: 2.4 s against 0.4 s)."""
        return con.sql(
            f"SELECT * FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE "
            f"{partition_column} BETWEEN ? AND ? QUALIFY row_number() OVER (PARTITION BY "
            f"{partition_column} ORDER BY rowid) <= {rows}) ORDER BY rowid",
            params=[min(days), max(days)]).pl()

    def count(self, table: str, where: str = "true", params: Sequence = ()) -> int:
        with self.get_connection() as conn:
            try:
                return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}",
                                    list(params)).fetchall()[0][0]
            except duckdb.CatalogException:
                return 0


def warehouse_resources(warehouse: Path | str, landing_root: Path | str) -> dict:
    """The resources every asset needs, for one warehouse file and one landing zone."""
    return {
        "io_manager": WarehouseIOManager(database=str(warehouse)),
        "landing": LandingZone(root=str(landing_root)),
        "warehouse": Warehouse(database=str(warehouse)),
    }

