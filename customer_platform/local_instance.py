"""The local Dagster instance: SQLite storage in ``$DAGSTER_HOME`` whose event log keeps its
connections open.

Dagster's SQLite event log opens a new engine and connection for every event it stores, and
each close checkpoints the write-ahead log: about 6 ms an event on an empty instance, and a
ranged day records about 800 events (a materialisation, a planned materialisation and the check
evaluations of every asset, per day). ``PooledSqliteEventLogStorage`` keeps one connection per
database file and commits with ``synchronous=NORMAL`` (durable against a crash of the process,
not of the machine; the production instance is PostgreSQL, deploy/dagster.yaml): about 1.2 ms
an event. The files, tables and layout are Dagster's own, so an instance written by either
storage is read by the other. Measured in docs/performance.md ("The local instance's event
log"): 14 ranged days of 30 customers in 133 s against 204 s.

Three more costs of Dagster's SQLite event log are cut here: a batch of events (a ranged step's
materialisations or a check's days, a run's planned events) is stored in one transaction per
database file instead of one per event, as sets of rows rather than event by event (each event
serialised once, the asset table written once per asset and event type, the check evaluations
in one statement; the same rows, tested against storing the events one by one), whether a
table exists is asked of the database once, not
with a new engine for each asset event (about 1 ms each, 2,376 times in a ranged week), and
so is whether the asset table has a column (asked by every asset event: 1.6 s of a 31-day
range).
"""

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import sqlalchemy as db
import yaml
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, DagsterEventType
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import (
    AssetCheckExecutionsTable,
    SqlEventLogStorageTable,
)
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory


def instance_yaml(home: Path) -> str:
    """What ``ensure_dagster_home`` writes into a new Dagster home: no usage statistics leave
    it, and its events go through the pooled storage. The home's path is written out (not
    ``env: DAGSTER_HOME``) so that the instance also opens from its directory alone
    (``DagsterInstance.from_config(home)``, a notebook)."""
    return yaml.safe_dump({
        "telemetry": {"enabled": False},
        "storage": {"custom": {"module": __name__, "class": LocalSqliteStorage.__name__,
                               "config": {"base_dir": str(home)}}},
    }, sort_keys=False)

OPEN_DATABASES = 8  # the index, and the latest runs' own files
#: Dagster stores events in batches (``store_event_batch``) only when this is set, for every
#: run of the process; a batch is at most one run's planned materialisations (~1,000 for a
#: ranged week), so this bounds nothing the platform writes.
EVENT_BATCH_SIZE = "10000"


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log with one open connection per database file (the index and
    the ``OPEN_DATABASES - 1`` runs written last) instead of a new engine per event."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, db.Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._batch: dict[str, db.Connection] | None = None
        self._tables: set[str] = set()
        self._asset_key_columns: set[str] = set()
        super().__init__(base_dir, inst_data)
        self._db_lock = threading.RLock()  # a batch holds it while its events take it again
        os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> db.Engine:
        if self._engines_pid != os.getpid():  # a forked child must not share its parent's files
            self._engines, self._engines_pid = OrderedDict(), os.getpid()
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = db.create_engine(self.conn_string_for_shard(shard), pool_size=1,
                                  connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        db.event.listen(engine, "connect",
                        lambda dbapi, _record: dbapi.execute("PRAGMA synchronous=NORMAL"))
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.Connection]:
        with self._db_lock:
            if self._batch is not None:  # inside store_event_batch: its open transaction
                if shard not in self._batch:
                    conn = self._batch_connections.enter_context(self._engine(shard).connect())
                    conn.begin()
                    self._batch[shard] = conn
                yield self._batch[shard]
                return
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def store_event_batch(self, events: Sequence) -> None:
        """Store ``events`` in one transaction per database file; if one fails, none is stored
        (and Dagster stores them again one by one). A batch of asset and check events (a ranged
        step's materialisations or check evaluations, a run's planned events) is written as
        sets of rows (``_store_rows``); any other batch one event at a time."""
        with self._db_lock, ExitStack() as self._batch_connections:
            self._batch = {}
            try:
                if all(_stored_as_rows(event) for event in events):
                    self._store_rows(events)
                else:
                    for event in events:
                        self.store_event(event)
                for conn in self._batch.values():
                    conn.commit()
            finally:
                self._batch = None  # closing the connections rolls back what was not committed

    def _store_rows(self, events: Sequence) -> None:
        """What ``store_event`` writes for each of ``events``, with each event serialised once,
        the run's rows inserted in one statement, and the asset table written once per asset
        and event type (its columns take the latest event's values, as one by one)."""
        rows = [self._event_to_row(event) for event in events]
        for run_id in dict.fromkeys(row["run_id"] for row in rows):
            with self.run_connection(run_id) as conn:
                conn.execute(SqlEventLogStorageTable.insert(),
                             [row for row in rows if row["run_id"] == run_id])
        insert = SqlEventLogStorageTable.insert()
        with self.index_connection() as conn:
            ids = [conn.execute(insert, row).inserted_primary_key[0] for row in rows]
            asset_events = [(event, event_id) for event, event_id in zip(events, ids, strict=True)
                            if event.dagster_event_type in ASSET_EVENTS]
            self._store_asset_event_tags(conn, [event for event, _ in asset_events],
                                         [event_id for _, event_id in asset_events])
            latest = {(event.dagster_event.asset_key, event.dagster_event_type): position
                      for position, (event, _) in enumerate(asset_events)}
            for position in sorted(latest.values()):
                self._store_asset_event(conn, *asset_events[position])
            evaluated = [(event, event_id, row["event"])
                         for event, event_id, row in zip(events, ids, rows, strict=True)
                         if event.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
            if not self._update_check_executions(conn, evaluated):
                for event, event_id, _ in evaluated:
                    self.store_asset_check_event(event, event_id)
        for event, event_id in zip(events, ids, strict=True):
            if event.dagster_event_type == DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
                self.store_asset_check_event(event, event_id)

    def _update_check_executions(self, conn: db.Connection, evaluated: list) -> bool:
        """Write a run's check evaluations of partitions onto their planned executions in one
        statement, each with its event's serialised text (Dagster serialises it again, and
        builds a statement, for each evaluation). False where an evaluation has no partition
        or no planned execution: then every evaluation goes Dagster's way, which writes the
        same values again where this statement wrote them."""
        values = []
        for event, event_id, text in evaluated:
            evaluation = event.dagster_event.event_specific_data
            if evaluation.partition is None:
                return False
            target = evaluation.target_materialization_data
            values.append({
                "_asset_key": evaluation.asset_key.to_string(),
                "_check_name": evaluation.check_name, "_run_id": event.run_id,
                "_partition": evaluation.partition,
                "execution_status": (AssetCheckExecutionRecordStatus.SUCCEEDED.value
                                     if evaluation.passed else
                                     AssetCheckExecutionRecordStatus.FAILED.value),
                "evaluation_event": text,
                "evaluation_event_timestamp": self._event_insert_timestamp(event),
                "evaluation_event_storage_id": event_id,
                "materialization_event_storage_id": target.storage_id if target else None,
                "partition": evaluation.partition,
            })
        if not values:
            return True
        table = AssetCheckExecutionsTable
        where = [table.c[name] == db.bindparam(f"_{name}")
                 for name in ("asset_key", "check_name", "run_id", "partition")]
        return conn.execute(table.update().where(*where), values).rowcount == len(values)

    def has_table(self, table_name: str) -> bool:
        """Whether the index holds ``table_name``, asked once (tables are added by
        migrations, never dropped while the instance is open)."""
        if table_name not in self._tables:
            with self._connect(INDEX_SHARD_NAME) as conn:
                if db.inspect(conn).has_table(table_name):
                    self._tables.add(table_name)
        return table_name in self._tables

    def _has_asset_key_col_on_connection(self, conn: db.Connection, column_name: str) -> bool:
        """Whether the asset table has ``column_name``, asked once (columns are added by
        migrations, never dropped while the instance is open)."""
        if column_name not in self._asset_key_columns and (
                super()._has_asset_key_col_on_connection(conn, column_name)):
            self._asset_key_columns.add(column_name)
        return column_name in self._asset_key_columns

    def watch(self, run_id, cursor, callback) -> None:
        """A run's live log in the UI: commits land in the write-ahead log (the database file
        itself changes only at a checkpoint), so the watch follows both files."""
        super().watch(run_id, cursor, callback)
        watchdog, watch = self._watchers[run_id][callback]
        self._obs.remove_handler_for_watch(watchdog, watch)
        follower = _WalWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (
            follower, self._obs.schedule(follower, self._base_dir, recursive=True))

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()


def _stored_as_rows(event) -> bool:
    """Whether ``store_event`` writes ``event`` as ``_store_rows`` does: an asset event, or a
    check event of a run (a run-less check evaluation is written otherwise)."""
    return event.is_dagster_event and (
        event.dagster_event_type in ASSET_EVENTS
        or (event.dagster_event_type in ASSET_CHECK_EVENTS and bool(event.run_id)))


class _WalWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's run-log watcher, woken by the run's database file or its write-ahead log."""

    def __init__(self, storage, run_id, callback, cursor):
        super().__init__(storage, run_id, callback, cursor)
        self._patterns = [self._log_path, self._log_path + "-wal"]

    def on_modified(self, event) -> None:
        self._process_log()


class LocalSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (runs, events, schedules under one base directory, the layout
    of a default ``$DAGSTER_HOME``) with the pooled event log."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)
