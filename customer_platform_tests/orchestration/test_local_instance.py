"""The local instance's pooled event log: a new home gets it, it stores and reads what Dagster's
own SQLite storage does, in the same files, and a run's live log still wakes up."""

import os
import threading
import time

import pytest
import sqlalchemy as db
from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    MaterializeResult,
    asset,
    materialize,
)
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry

from customer_platform.local_instance import OPEN_DATABASES, PooledSqliteEventLogStorage
from customer_platform.partitions import RANGED, daily_partitions, partition_days
from customer_platform.quality.checks import over_days
from customer_platform.tools.backfill import partition_tags
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


def _materialisation(run_id: str, day: str, rows: int) -> EventLogEntry:
    materialisation = AssetMaterialization(AssetKey(["gold", "fact_order"]), partition=day,
                                           metadata={"dagster/row_count": rows})
    event = DagsterEvent(DagsterEventType.ASSET_MATERIALIZATION.value, job_name="daily_platform",
                         event_specific_data=StepMaterializationData(materialisation))
    return EventLogEntry(error_info=None, level=20, user_message="", run_id=run_id,
                         timestamp=time.time(), job_name="daily_platform", dagster_event=event)


def test_a_batch_is_stored_in_one_transaction_a_database_or_not_at_all(home, monkeypatch):
    """A ranged step's materialisations come as one batch: one commit for the run's file and
    one for the index, whatever the number of days; a batch that fails part-way leaves none of
    its events (Dagster then stores them one by one)."""
    assert os.environ["DAGSTER_EVENT_BATCH_SIZE"]  # the storage turned batching on
    days = [f"2026-01-{day:02d}" for day in range(1, 8)]
    key = AssetKey(["gold", "fact_order"])
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        storage.store_event(_entry("b" * 36, "run started"))  # the run's file exists
        commits = []

        def count(connection):
            commits.append(connection)

        db.event.listen(db.engine.Engine, "commit", count)
        try:
            storage.store_event_batch([_materialisation("b" * 36, d, 10) for d in days])
        finally:
            db.event.remove(db.engine.Engine, "commit", count)
        assert len(commits) == 2
        assert instance.get_materialized_partitions(key) == set(days)
        assert len(instance.get_records_for_run("b" * 36).records) == 8

        def fails_after_the_rows(*_args):  # the run's and the index's rows are written
            raise RuntimeError("disk full")

        monkeypatch.setattr(storage, "_store_asset_event_tags", fails_after_the_rows)
        with pytest.raises(RuntimeError, match="disk full"):
            storage.store_event_batch([_materialisation("c" * 36, d, 20) for d in days])
        monkeypatch.undo()
        assert instance.get_records_for_run("c" * 36).records == []
        latest = instance.get_latest_materialization_event(key).asset_materialization
        assert latest.metadata["dagster/row_count"].value == 10  # the failed batch left nothing


PROBE = AssetKey(["gold", "batch_probe"])


@asset(key=PROBE, partitions_def=daily_partitions, backfill_policy=RANGED,
       check_specs=[AssetCheckSpec("probe_rule", asset=PROBE, partitions_def=daily_partitions)])
def batch_probe(context):
    """A ranged step with a check evaluated on each of its days."""
    yield MaterializeResult()
    yield over_days({day: AssetCheckResult(asset_key=PROBE, check_name="probe_rule",
                                           passed=True, metadata={"rows": day.day})
                     for day in partition_days(context)}, context=context)


def test_a_ranged_steps_materialisations_and_day_verdicts_are_stored_in_batches(home,
                                                                               monkeypatch):
    """Over a range of days, a step's materialisations and each check's per-day evaluations
    reach the storage as batches of one event a day, and every day keeps its own verdict."""
    batches, store_batch = [], PooledSqliteEventLogStorage.store_event_batch

    def seen(storage, events):
        batches.append([event.dagster_event.event_type_value for event in events])
        store_batch(storage, events)

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event_batch", seen)
    days = ["2026-01-05", "2026-01-06", "2026-01-07"]
    with DagsterInstance.get() as instance:
        result = materialize([batch_probe], instance=instance, tags=partition_tags(days))
        assert result.success
        assert ["ASSET_MATERIALIZATION"] * 3 in batches
        assert ["ASSET_CHECK_EVALUATION"] * 3 in batches
        stored = instance.event_log_storage.get_asset_check_execution_history(
            AssetCheckKey(PROBE, "probe_rule"), limit=10)
        by_day = {e.partition: e.event.dagster_event.event_specific_data.metadata["rows"].value
                  for e in stored if e.partition}
        assert by_day == {day: int(day[-2:]) for day in days}


SECOND = AssetKey(["gold", "batch_probe_reader"])


@asset(key=SECOND, deps=[PROBE], partitions_def=daily_partitions, backfill_policy=RANGED)
def batch_probe_reader(context):
    """A second ranged step, so that a run's planned events span two assets."""
    return MaterializeResult()


#: columns a database stamps with its own clock when a row or a migration is written
CLOCK_COLUMNS = ("create_timestamp", "update_timestamp", "migration_completed")


def _database_rows(directory) -> dict:
    """Every row of every table of every SQLite file under ``directory``, but the columns the
    database stamps with its own clock."""
    rows = {}
    for path in sorted(directory.glob("*.db")):
        engine = db.create_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            for table in db.inspect(conn).get_table_names():
                columns = [f'"{c["name"]}"' for c in db.inspect(conn).get_columns(table)
                           if c["name"] not in CLOCK_COLUMNS]
                rows[path.name, table] = conn.execute(db.text(
                    f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")).fetchall()
        engine.dispose()
    return rows


def test_a_batch_written_as_rows_leaves_the_databases_of_storing_its_events_one_by_one(
        home, tmp_path, monkeypatch):
    """The batched write (``_store_rows``) is what Dagster's own ``store_event`` writes, event by
    event: the events two ranged runs sent (planned events, materialisations, each check's days;
    the second run over the same days updates what the first wrote) are replayed into two new
    storages, batches as batches into one and one event at a time into the other, and every
    row of every table of every file is the same."""
    sent = []
    with DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        store_one, store_batch = storage.store_event, storage.store_event_batch

        def one(event):
            sent.append([event])
            store_one(event)

        def batch(events):
            sent.append(list(events))
            monkeypatch.setattr(storage, "store_event", store_one)  # its own inner writes
            try:
                store_batch(events)
            finally:
                monkeypatch.setattr(storage, "store_event", one)

        monkeypatch.setattr(storage, "store_event", one)
        monkeypatch.setattr(storage, "store_event_batch", batch)
        for days in (["2026-01-05", "2026-01-06", "2026-01-07"], ["2026-01-06", "2026-01-07"]):
            assert materialize([batch_probe, batch_probe_reader], instance=instance,
                               tags=partition_tags(days)).success
    batches = [events for events in sent if len(events) > 1]
    kinds = {event.dagster_event.event_type_value for events in batches for event in events}
    assert {"ASSET_MATERIALIZATION", "ASSET_MATERIALIZATION_PLANNED",
            "ASSET_CHECK_EVALUATION"} <= kinds

    # and again without the checks' planned executions, which the evaluations then create
    unplanned = [[event for event in events
                  if event.dagster_event_type != DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED]
                 for events in sent]
    for name, replayed in (("planned", sent), ("unplanned", [e for e in unplanned if e])):
        one_by_one = PooledSqliteEventLogStorage(str(tmp_path / name / "one_by_one"))
        as_rows = PooledSqliteEventLogStorage(str(tmp_path / name / "as_rows"))
        for events in replayed:
            for event in events:
                one_by_one.store_event(event)
            if len(events) > 1:
                as_rows.store_event_batch(events)
            else:
                as_rows.store_event(events[0])
        one_by_one.dispose()
        as_rows.dispose()
        expected = _database_rows(tmp_path / name / "one_by_one")
        assert sum(len(rows) for rows in expected.values()) > 100
        assert _database_rows(tmp_path / name / "as_rows") == expected, name
