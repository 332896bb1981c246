"""Parallel backfills (``customer-platform materialize --workers N``): the scheduler's order,
and real backfills with two workers on one warehouse and one DagsterInstance: no DuckDB lock
error whatever the interleaving, every partition in, the checks passed, and the same tables,
row for row, as a backfill with one worker."""

import datetime as dt
import os
import random
import subprocess
import sys

import duckdb
import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.generator import days_between, generate
from customer_platform.tools.backfill import Schedule, Task, backfill_stages
from customer_platform_tests.pipeline.test_whole_graph_e2e import RUN_RECORDS, content_hashes

START = dt.date(2026, 1, 1)  # the first partition (the default CUSTOMER_PLATFORM_PARTITION_START)
CUSTOMERS = 15
LOCK_ERRORS = ("could not set lock", "conflicting lock", "lock on file")


# -- the scheduler alone ---------------------------------------------------------------------


def _days(n: int) -> list[str]:
    return [d.isoformat() for d in days_between(START, START + dt.timedelta(days=n - 1))]


def _simulate(schedule: Schedule, workers: int, rng: random.Random, fail: set[Task] = frozenset()
              ) -> list[tuple[str, Task]]:
    """Run the schedule with ``workers`` slots, tasks finishing in a random order; the log of
    ("start" | "end", task)."""
    running, log = [], []
    while True:
        while len(running) < workers and (task := schedule.next_task()):
            running.append(task)
            log.append(("start", task))
        if not running:
            return log
        task = running.pop(rng.randrange(len(running)))
        log.append(("end", task))
        schedule.finished(task, task not in fail)


def test_gold_runs_in_day_order_after_its_ingest_and_the_day_before():
    """Whatever the number of workers and the order tasks finish in (200 random runs)."""
    rng = random.Random(7)
    for _ in range(200):
        days = _days(rng.randint(1, 12))
        log = _simulate(Schedule(days), rng.randint(2, 4), rng)
        ended: set[Task] = set()
        gold_started = []
        for event, task in log:
            if event == "end":
                ended.add(task)
                continue
            if task.stage == "gold":
                gold_started.append(task.day)
                assert Task("ingest", task.day) in ended
                before = days.index(task.day) - 1
                assert before < 0 or Task("gold", days[before]) in ended
        assert gold_started == days  # each day's gold once, in day order
        assert sorted(t.day for e, t in log if e == "start" and t.stage == "ingest") == days


def test_ingest_runs_ahead_while_the_gold_chain_proceeds():
    schedule = Schedule(_days(4))
    first, second = schedule.next_task(), schedule.next_task()
    assert (first, second) == (Task("ingest", "2026-01-01"), Task("ingest", "2026-01-02"))
    schedule.finished(first, True)
    assert schedule.next_task() == Task("gold", "2026-01-01")  # the chain first
    schedule.finished(second, True)
    assert schedule.next_task() == Task("ingest", "2026-01-03")  # gold 02 waits for gold 01


@pytest.mark.parametrize("stage", ["ingest", "gold"])
def test_a_failed_day_stops_its_chain_and_later_days_gold_not_their_ingest(stage):
    days = _days(5)
    failing = Task(stage, days[2])
    schedule = Schedule(days)
    log = _simulate(schedule, 2, random.Random(1), fail={failing})
    gold = [t.day for e, t in log if e == "start" and t.stage == "gold"]
    assert gold == (days[:3] if stage == "gold" else days[:2])
    assert sorted(t.day for e, t in log if e == "start" and t.stage == "ingest") == days
    assert schedule.not_run() == (days[3:] if stage == "gold" else days[2:])
    assert days[2] in schedule.cause and stage in schedule.cause


def test_the_stages_split_the_daily_job_by_layer():
    from customer_platform.definitions import defs

    stages = backfill_stages()
    daily = defs.resolve_job_def("daily_platform").asset_layer.selected_asset_keys
    assert set(stages.ingest) | set(stages.gold) == daily
    assert {k.path[0] for k in stages.ingest} == {"bronze", "silver"}
    assert {k.path[0] for k in stages.gold} == {"gold"} and stages.follow_up
    assert len(stages.ingest) == 3 * len(SOURCE_TABLES)  # bronze, silver, rejects per table


# -- real backfills --------------------------------------------------------------------------


class Backfills:
    """``customer-platform materialize`` in a new process, as a person runs it, on a landing
    zone generated under ``root`` and, per ``name``, a warehouse and Dagster home of its own
    (``root/<name>``)."""

    def __init__(self, root, monkeypatch):
        self.root, self.monkeypatch, self.landing = root, monkeypatch, root / "landing"
        for name in ("CUSTOMER_PLATFORM_WAREHOUSE", "CUSTOMER_PLATFORM_WAREHOUSE_HOLD",
                     "CUSTOMER_PLATFORM_STORAGE", "CUSTOMER_PLATFORM_EXECUTOR"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CUSTOMER_PLATFORM_LANDING_ROOT", str(self.landing))
        monkeypatch.setenv("CUSTOMER_PLATFORM_PARTITION_START", START.isoformat())
        monkeypatch.setenv("COLUMNS", "200")

    def generate(self, days: int) -> list[str]:
        generate(self.landing, START, START + dt.timedelta(days=days - 1), customers=CUSTOMERS,
                 seed=5)
        return _days(days)

    def run(self, name: str, days: int, workers: int, *args: str) -> subprocess.CompletedProcess:
        self.monkeypatch.setenv("CUSTOMER_PLATFORM_DATA", str(self.root / name))
        self.monkeypatch.setenv("DAGSTER_HOME", str(self.root / name / "dagster_home"))
        end = START + dt.timedelta(days=days - 1)
        return subprocess.run(
            [sys.executable, "-m", "customer_platform.tools.cli", "materialize", "--start",
             str(START), "--end", str(end), "--workers", str(workers), *args],
            env=os.environ.copy(), capture_output=True, text=True, timeout=1800)

    def home(self, name: str):
        return self.root / name / "dagster_home"

    def warehouse(self, name: str):
        return self.root / name / "warehouse.duckdb"


@pytest.fixture
def backfills(tmp_path, monkeypatch) -> Backfills:
    return Backfills(tmp_path, monkeypatch)


def _text(entry) -> str:
    parts = [entry.user_message or ""]
    event = entry.dagster_event
    if event is not None and event.is_step_failure:
        error = event.step_failure_data.error
        while error:
            parts.append(error.message)
            error = error.cause
    return "\n".join(parts).lower()


def assert_backfilled(home, keys, days: list[str], stderr: str) -> None:
    """No lock error in the terminal or any run's event log, no failed step, every asset of
    ``keys`` materialised for every day, every silver table's reconciliation passed on each."""
    assert not any(e in stderr.lower() for e in LOCK_ERRORS)
    materialised: dict[AssetKey, set[str]] = {}
    reconciliation: dict[AssetKey, list[bool]] = {}
    with DagsterInstance.from_config(str(home)) as instance:
        for record in instance.get_run_records():
            for entry in instance.all_logs(record.dagster_run.run_id):
                assert not any(e in _text(entry) for e in LOCK_ERRORS), _text(entry)
                event = entry.dagster_event
                if event is None:
                    continue
                assert not event.is_step_failure, _text(entry)
                if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                    materialised.setdefault(event.asset_key, set()).add(event.partition)
                if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
                    evaluation = event.event_specific_data
                    if evaluation.check_name == "reconciliation":
                        reconciliation.setdefault(evaluation.asset_key, []).append(
                            evaluation.passed)
    for key in keys:
        assert materialised.get(key) == set(days), key
    silver = [k for k in keys if k.path[0] == "silver" and not k.path[1].endswith("_rejects")]
    assert silver
    for key in silver:  # nothing lost, on every day
        assert len(reconciliation[key]) == len(days) and all(reconciliation[key]), key


def _query(database, sql: str, params=()):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _slice(target: str) -> list[str]:
    """Every asset of the daily job ``target`` reads, transitively, and the rejects tables of
    the silver ones among them."""
    from dagster import AssetSelection

    from customer_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    daily = defs.resolve_job_def("daily_platform").asset_layer.selected_asset_keys
    chosen = AssetSelection.assets(target).upstream().resolve(graph) & daily
    chosen |= {AssetKey(["silver", f"{k.path[1]}_rejects"]) for k in chosen
               if k.path[0] == "silver" and not k.path[1].endswith("_rejects")}
    return sorted(k.to_user_string() for k in chosen)


#: The 30-day backfill's slice: catalogue products and discount bands and commerce order lines
#: (snapshots and an event table), bronze and silver, and the SCD2 product dimension, whose
#: day D reads silver D and D-1 (so the gold days form a chain).
SLICE = _slice("gold/dim_product")


@pytest.mark.e2e
def test_a_30_day_backfill_with_two_workers_has_every_partition_and_no_lock_error(
        backfills, monkeypatch):
    """30 days with --workers 2 on one warehouse and one SQLite instance: every run on its
    turn with the file, every partition of the slice in, reconciliation passed every day. The
    runs take turns per connection (``CUSTOMER_PLATFORM_WAREHOUSE_HOLD=step``), the finest
    interleaving; the whole-graph test below takes the default (per run).

    A slice of the graph, not all of it: the whole graph takes 40 s to 2 minutes a day on the
    two shared cores (as busy as they are), and every gold fact reads dim_customer, which
    reads 15 source tables (that slice took 7.3 minutes for 30 days). The whole graph's facts,
    analytics and audit are covered over 2 days below, against a one-worker backfill."""
    days = backfills.generate(30)
    monkeypatch.setenv("CUSTOMER_PLATFORM_WAREHOUSE_HOLD", "step")
    done = backfills.run("parallel", 30, 2, "--select", ",".join(SLICE))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ingested 30/30, gold 30/30" in done.stderr
    assert_backfilled(backfills.home("parallel"), [AssetKey.from_user_string(k) for k in SLICE],
                      days, done.stderr)
    warehouse = backfills.warehouse("parallel")
    for key in SLICE:
        if key.startswith("silver/"):  # the stored rows: no day outside the window
            stored = {d.isoformat() for d, in _query(
                warehouse, f"SELECT DISTINCT _partition_date FROM silver.{key.split('/')[1]}")}
            assert stored <= set(days), key
    # a daily snapshot has rows on every day; the dimension's versions start on the first
    assert _query(warehouse, "SELECT count(DISTINCT _partition_date) FROM "
                  "silver.stg_cat_products") == [(30,)]
    assert _query(warehouse, "SELECT min(load_date) FROM gold.dim_product_versions") == [(START,)]


@pytest.mark.e2e
def test_a_failed_ingest_day_stops_its_gold_and_later_days_gold(backfills):
    from customer_platform.contracts import source_table

    days = backfills.generate(3)
    source_table("catalogue.products").landing_path(backfills.landing, START + dt.timedelta(
        days=1)).unlink()
    done = backfills.run("failing", 3, 2, "--select", ",".join(SLICE))
    assert done.returncode == 1
    failures = [line for line in done.stderr.splitlines()
                if line.startswith(f"{days[1]} bronze__cat_products: ")]
    assert len(failures) == 1 and "missing landing file for catalogue.products" in failures[0]
    err = " ".join(done.stderr.split())  # the terminal's line wrapping aside
    assert "Traceback" not in err
    assert f"gold of {days[1]} .. {days[2]} not run: the ingest of {days[1]} failed" in err
    assert f"2 day(s) failed: {days[1]}, {days[2]}" in err
    with DagsterInstance.from_config(str(backfills.home("failing"))) as instance:
        def done_days(key):
            return set(instance.get_materialized_partitions(AssetKey.from_user_string(key)))

        assert done_days("silver/stg_cat_discount_bands") == set(days)  # ingest went on
        assert done_days("gold/dim_product_versions") == {days[0]}


@pytest.mark.e2e
def test_two_workers_leave_every_table_as_one_worker_does(backfills):
    """The whole graph (the daily job, the analytics the sensor requests, the audit) for 2
    days (the second day's gold reads the first's, so the chain is exercised), with one worker
    and with two: no lock error, every partition of every asset, every reconciliation passed,
    and every table's content the same (the run records and load times aside)."""
    from customer_platform.definitions import defs

    days = backfills.generate(2)
    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys()
            if graph.get(k).is_partitioned and graph.get(k).group_name != "gold_report"]
    hashes = {}
    for workers in (1, 2):
        name = f"workers{workers}"
        done = backfills.run(name, 2, workers)
        assert done.returncode == 0, done.stderr[-3000:]
        if workers == 2:
            assert_backfilled(backfills.home(name), keys, days, done.stderr)
        warehouse = backfills.warehouse(name)
        tables = [f"{schema}.{table}" for schema, table in _query(
            warehouse, "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() ORDER BY 1, 2")
            if table not in RUN_RECORDS]

        class Platform:
            @staticmethod
            def query(sql, params=(), warehouse=warehouse):
                return _query(warehouse, sql, params)

        hashes[workers] = content_hashes(Platform, tables)
    assert len(hashes[1]) > 100 and hashes[1].keys() == hashes[2].keys()
    assert {t: h for t, h in hashes[2].items() if h != hashes[1][t]} == {}
    assert any(t.startswith("gold.churn") for t in hashes[1])  # the analytics layer ran
