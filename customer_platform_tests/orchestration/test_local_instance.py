"""The local instance's pooled event log: a new home gets it, it stores and reads what Dagster's
own SQLite storage does, in the same files, and a run's live log still wakes up."""

import os
import threading
import time

import pytest
from dagster import AssetKey, AssetMaterialization, DagsterInstance
from dagster._core.events.log import EventLogEntry

from customer_platform.local_instance import OPEN_DATABASES, PooledSqliteEventLogStorage
from customer_platform.tools.daily_runs import ensure_dagster_home


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    return ensure_dagster_home()


def _report(instance, day: str, rows: int) -> None:
    instance.report_runless_asset_event(AssetMaterialization(
        AssetKey(["gold", "fact_order"]), partition=day, metadata={"dagster/row_count": rows}))


def test_a_new_home_stores_events_through_the_pooled_log(home):
    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        for day in range(1, 11):
            _report(instance, f"2026-01-{day:02d}", day * 10)
        assert len(instance.event_log_storage._engines) <= OPEN_DATABASES
    # the instance opens from its directory alone, with no DAGSTER_HOME (a notebook)
    os.environ.pop("DAGSTER_HOME")
    with DagsterInstance.from_config(str(home)) as reader:
        assert isinstance(reader.event_log_storage, PooledSqliteEventLogStorage)
        assert len(reader.get_materialized_partitions(AssetKey(["gold", "fact_order"]))) == 10
    os.environ["DAGSTER_HOME"] = str(home)
    # the files are Dagster's own: a stock SQLite instance on the same home reads every event
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with DagsterInstance.get() as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        key = AssetKey(["gold", "fact_order"])
        assert stock.get_materialized_partitions(key) == {f"2026-01-{d:02d}" for d in range(1, 11)}
        latest = stock.get_latest_materialization_event(key).asset_materialization
        assert (latest.partition, latest.metadata["dagster/row_count"].value) == ("2026-01-10", 100)


def test_a_forked_child_opens_its_own_connections(home):
    """A forked child (another process id) must not write through its parent's connections.
    The child is the storage seen from another pid: a real ``os.fork`` of a test worker of a
    few GiB failed with ENOMEM on the CI machine."""
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        _report(instance, "2026-01-01", 1)
        parent_engines = set(storage._engines.values())
        storage._engines_pid = os.getpid() + 1  # what the child finds: its parent's pid
        _report(instance, "2026-01-02", 2)
        assert storage._engines_pid == os.getpid()
        assert parent_engines.isdisjoint(storage._engines.values())
        assert instance.get_materialized_partitions(AssetKey(["gold", "fact_order"])) == {
            "2026-01-01", "2026-01-02"}


def test_a_run_log_watch_wakes_on_a_commit(home):
    """The UI follows a run through ``watch``: a commit reaches the write-ahead log, not the
    database file, and the watcher must still be called."""
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        seen, woke = [], threading.Event()

        def callback(entry, _cursor):
            seen.append(entry)
            woke.set()

        run_id = "a" * 36
        storage.store_event(_entry(run_id, "first"))  # the run's file exists before the watch
        storage.watch(run_id, None, callback)
        try:
            woke.clear(), seen.clear()
            storage.store_event(_entry(run_id, "second"))
            assert woke.wait(10), "the watcher was not called after a commit"
            assert "second" in [entry.user_message for entry in seen]
        finally:
            storage.end_watch(run_id, callback)


def _entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(error_info=None, level=20, user_message=message, run_id=run_id,
                         timestamp=time.time())
