"""The audit tables, written from a real (temporary) Dagster instance's event log.

One day of crm.customers goes through the real bronze and silver assets (with the generator's
dirt, so silver rejects rows), a probe asset fails a non-blocking check, and bronze of a table
whose landing file is missing fails. The audit assets then record all of it; after the check
passes and the missing file arrives, re-auditing the day resolves both errors.
"""

import datetime as dt

import duckdb
import polars as pl
import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    MaterializeResult,
    RunRequest,
    SkipReason,
    asset,
    build_run_status_sensor_context,
    materialize,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from customer_platform.bronze.assets import BRONZE_ASSETS
from customer_platform.contracts import source_table
from customer_platform.generator import generate
from customer_platform.generator.dirt import DirtConfig
from customer_platform.gold.audit import (
    AUDIT_JOB_NAME,
    AUDIT_KEYS,
    error_audit_log,
    process_audit_log,
)
from customer_platform.gold.audit._events import (
    CheckEvaluation,
    PartitionHistory,
    RunFacts,
    runs_of_partition,
    runs_of_partitions,
)
from customer_platform.orchestration.audit_sensors import audit_after_failure, audit_after_success
from customer_platform.partitions import RANGED, daily_partitions, partition_days, record_day
from customer_platform.quality.checks import over_days
from customer_platform.resources import warehouse_resources
from customer_platform.silver.assets import SILVER_ASSETS

DAY = dt.date(2026, 3, 2)
D = DAY.isoformat()
CUSTOMERS, MISSING = source_table("crm.customers"), source_table("crm.opportunities")
PROBE_KEY = AssetKey(["gold", "audit_probe"])
PROBE = {"passes": False}
#: dirty enough that 50 customers surely give rejected rows and removed duplicates
DIRT = DirtConfig(duplicate_rate=0.1, null_rate=0.05, bad_email_rate=0.05,
                  extra_column_chance=0.0, missing_column_chance=0.0)


@asset(key=PROBE_KEY, partitions_def=daily_partitions,
       check_specs=[AssetCheckSpec("probe_rule", asset=PROBE_KEY, partitions_def=daily_partitions)])
def audit_probe() -> MaterializeResult:
    passed = PROBE["passes"]
    return MaterializeResult(
        metadata={"dagster/row_count": 7},
        check_results=[AssetCheckResult(check_name="probe_rule", passed=passed,
                                        metadata={"failing_rows": 0 if passed else 3})])


RANGE = (dt.date(2026, 3, 3), dt.date(2026, 3, 4))
RANGED_PROBE_KEY = AssetKey(["gold", "audit_ranged_probe"])


@asset(key=RANGED_PROBE_KEY, partitions_def=daily_partitions, backfill_policy=RANGED,
       check_specs=[AssetCheckSpec("probe_rule", asset=RANGED_PROBE_KEY,
                                   partitions_def=daily_partitions)])
def audit_ranged_probe(context):
    """A ranged step whose check fails on the range's last day only."""
    days = partition_days(context)
    for day in days:
        record_day(context, day, {"dagster/row_count": 7})
    yield MaterializeResult()
    yield over_days({day: AssetCheckResult(
        asset_key=RANGED_PROBE_KEY, check_name="probe_rule", passed=day != RANGE[-1],
        metadata={"failing_rows": 0 if day != RANGE[-1] else 4}) for day in days},
        context=context)


ALL = [*BRONZE_ASSETS, *SILVER_ASSETS, audit_probe, *process_audit_log.ASSETS,
       *error_audit_log.ASSETS, audit_ranged_probe]
MAIN = [f"bronze/{CUSTOMERS.bronze_table}", f"silver/{CUSTOMERS.silver_table}",
        f"silver/{CUSTOMERS.rejects_table}", "gold/audit_probe"]


class Platform:
    def __init__(self, root, instance):
        self.root, self.instance = root, instance
        self.resources = warehouse_resources(root / "warehouse.duckdb", root / "landing")

    def run(self, selection):
        return materialize(ALL, selection=selection, partition_key=D, resources=self.resources,
                           instance=self.instance, raise_on_error=False)

    def audit(self):
        result = self.run([k.to_user_string() for k in AUDIT_KEYS])
        assert result.success
        return result

    def query(self, sql, params=()) -> pl.DataFrame:
        with duckdb.connect(str(self.root / "warehouse.duckdb"), read_only=True) as con:
            return con.sql(sql, params=list(params)).pl()

    def count(self, table):
        return self.query(f"SELECT count(*) AS n FROM {table} WHERE _partition_date = ?",
                          [DAY])["n"][0]

    def process_log(self):
        return self.query("SELECT * FROM gold.process_audit_log WHERE load_date = ?", [DAY])

    def error_log(self):
        return self.query("SELECT * FROM gold.error_audit_log WHERE load_date = ?", [DAY])


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit")
    generate(root / "landing", DAY, DAY, customers=50, seed=5, dirt=DIRT, tables=[CUSTOMERS])
    home = root / "dagster_home"
    home.mkdir()
    PROBE["passes"] = False
    with DagsterInstance.local_temp(str(home)) as instance:
        p = Platform(root, instance)
        p.main = p.run(MAIN)
        p.failed = p.run([f"bronze/{MISSING.bronze_table}"])
        p.first_audit = p.audit()
        p.first_process, p.first_errors = p.process_log(), p.error_log()
        yield p


def test_the_runs_did_what_the_scenario_needs(platform):
    assert platform.main.success and not platform.failed.success
    assert platform.count(f"silver.{CUSTOMERS.rejects_table}") > 0


def test_one_success_row_per_materialisation_with_its_row_count(platform):
    log = platform.first_process.filter(pl.col("run_id") == platform.main.run_id)
    assets = {r["process_name"]: r for r in log.filter(process_type="asset").to_dicts()}
    assert set(assets) == set(MAIN)
    for name, table in [(MAIN[0], f"bronze.{CUSTOMERS.bronze_table}"),
                        (MAIN[1], f"silver.{CUSTOMERS.silver_table}"),
                        (MAIN[2], f"silver.{CUSTOMERS.rejects_table}")]:
        row = assets[name]
        assert row["status"] == "Success", row
        assert row["record_count"] == platform.count(table) > 0, name
        assert row["source_system"] == "crm" and row["partition_key"] == D
        assert row["ended_at"] >= row["started_at"] and row["execution_time"] >= 0
    rejected = platform.query(f"SELECT count(*) AS n FROM silver.{CUSTOMERS.rejects_table} "
                              "WHERE disposition = 'rejected'")["n"][0]
    assert assets[MAIN[1]]["error_count"] == rejected  # silver reports the rows it rejected
    # materialised, but its check failed
    probe = assets["gold/audit_probe"]
    assert (probe["status"], probe["record_count"], probe["error_count"]) == ("Warning", 7, 1)
    assert "probe_rule" in probe["audit_details"]
    run, = log.filter(process_type="run").to_dicts()
    assert run["status"] == "Warning" and run["record_count"] == sum(
        r["record_count"] for r in assets.values())


def test_one_failure_row_for_the_failed_step(platform):
    log = platform.first_process.filter(pl.col("run_id") == platform.failed.run_id)
    step, = log.filter(process_type="step").to_dicts()
    assert step["status"] == "Failure" and step["error_count"] == 1
    assert step["process_name"] == step["step_key"] == f"bronze__{MISSING.bronze_table}"
    assert f"bronze/{MISSING.bronze_table}" in step["audit_details"]
    assert f"{MISSING.name}/{D}" in step["audit_details"]  # the missing file's path
    assert log.filter(process_type="asset").is_empty()  # nothing was materialised
    run, = log.filter(process_type="run").to_dicts()
    assert run["status"] == "Failure" and run["process_name"] == "__ephemeral_asset_job__"


def test_the_audit_does_not_audit_itself(platform):
    log = platform.first_process
    assert set(log["run_id"]) == {platform.main.run_id, platform.failed.run_id}
    assert not log["process_name"].str.contains("audit_log").any()
    checks = platform.first_audit.get_asset_check_evaluations()
    assert {(c.asset_key, c.check_name, c.passed) for c in checks} == {
        (k, "pandera_schema", True) for k in AUDIT_KEYS}


def test_error_log_holds_every_rejected_row_with_silvers_status(platform):
    errors = platform.first_errors.filter(error_origin="rejected_row")
    silver = platform.query(f"SELECT error_id, status FROM silver.{CUSTOMERS.rejects_table} "
                            "WHERE _partition_date = ?", [DAY])
    assert errors.height == silver.height > 0
    assert set(errors["status"]) == {"Open", "Resolved"}  # rejected rows and duplicates
    assert dict(errors.select("error_id", "status").iter_rows()) == dict(silver.iter_rows())
    assert set(errors["run_id"]) == {platform.main.run_id}
    assert set(errors["source_table"]) == {"crm.customers"}


def test_failed_check_and_failed_step_are_open(platform):
    errors = platform.first_errors
    check, = errors.filter(error_origin="asset_check").to_dicts()
    assert (check["source_table"], check["error_rule"], check["status"]) == (
        "gold.audit_probe", "probe_rule", "Open")
    assert check["affected_rows"] == 3 and check["error_type"] == "Data Quality"
    step, = errors.filter(error_origin="step_failure").to_dicts()
    assert (step["source_table"], step["error_type"], step["status"]) == (
        f"bronze.{MISSING.bronze_table}", "Processing", "Open")
    assert step["run_id"] == platform.failed.run_id


def _event(instance, run_id, event_type):
    entry, = instance.all_logs(run_id, of_type=event_type)
    return entry.dagster_event


def test_sensors_request_an_audit_of_the_finished_runs_partition(platform):
    instance = platform.instance
    for sensor, result, event_type in [
        (audit_after_success, platform.main, DagsterEventType.RUN_SUCCESS),
        (audit_after_failure, platform.failed, DagsterEventType.RUN_FAILURE),
    ]:
        run = instance.get_run_by_id(result.run_id)
        context = build_run_status_sensor_context(
            sensor_name=sensor.name, dagster_event=_event(instance, run.run_id, event_type),
            dagster_instance=instance, dagster_run=run)
        request = sensor(context)
        assert isinstance(request, RunRequest), request
        assert request.partition_key == D and run.run_id in request.run_key
        assert sensor.default_status == DefaultSensorStatus.RUNNING
        assert sensor.job_name == AUDIT_JOB_NAME
    # audit runs are not audited again (no loop), nor runs without a day
    event = _event(instance, platform.first_audit.run_id, DagsterEventType.RUN_SUCCESS)
    for run in [DagsterRun(AUDIT_JOB_NAME, "a1", tags={"dagster/partition": D}),
                DagsterRun("__ASSET_JOB", "a2", tags={"dagster/partition": D},
                           asset_selection=AUDIT_KEYS),
                DagsterRun("daily_platform", "a3", tags={})]:
        context = build_run_status_sensor_context(
            sensor_name="audit_after_success", dagster_event=event, dagster_instance=instance,
            dagster_run=run)
        assert isinstance(audit_after_success(context), SkipReason), run.run_id


def test_the_main_job_leaves_the_audit_to_the_sensor():
    from customer_platform.definitions import defs

    daily = defs.resolve_job_def("daily_platform").asset_layer.selected_asset_keys
    assert not daily & AUDIT_KEYS
    assert defs.resolve_job_def("audit_job").asset_layer.selected_asset_keys == AUDIT_KEYS
    assert {s.name for s in defs.sensors} >= {"audit_after_success", "audit_after_failure"}


def test_a_later_pass_resolves_the_errors_and_reauditing_replaces_the_day(platform):
    PROBE["passes"] = True
    assert platform.run(["gold/audit_probe"]).success
    generate(platform.root / "landing", DAY, DAY, customers=50, seed=5, tables=[MISSING])
    retry = platform.run([f"bronze/{MISSING.bronze_table}"])
    assert retry.success
    platform.audit()
    errors, process = platform.error_log(), platform.process_log()
    check = errors.filter(error_origin="asset_check")
    assert check["status"].to_list() == ["Resolved"]  # one failure, no new error for the pass
    step = errors.filter(error_origin="step_failure")
    assert step["status"].to_list() == ["Resolved"]
    # same errors, same ids; the rejected rows are unchanged
    first = platform.first_errors.filter(pl.col("error_origin") != "rejected_row")
    assert sorted(first["error_id"]) == sorted([*check["error_id"], *step["error_id"]])
    assert errors.height == platform.first_errors.height
    # the day was replaced, not appended to: the first rows plus the two new runs' rows
    assert process["audit_id"].n_unique() == process.height
    assert set(platform.first_process["audit_id"]) < set(process["audit_id"])
    retried = process.filter(pl.col("run_id") == retry.run_id, process_type="asset")
    assert retried["status"].to_list() == ["Success"]
    assert retried["record_count"][0] == platform.count(f"bronze.{MISSING.bronze_table}")


def _failed_check_history(in_flight_plans):
    evaluation = CheckEvaluation("r1", PROBE_KEY, "probe_rule", "gold__audit_probe",
                                       1.0e9, False, "ERROR", None, {"failing_rows": 2})
    run = RunFacts("r1", "daily_platform", DagsterRunStatus.SUCCESS, D, 1.0e9 - 5,
                         1.0e9 + 5, evaluations=[evaluation])
    waiting = [RunFacts(f"q{i}", "daily_platform", DagsterRunStatus.STARTED, D,
                              None, None, planned=plan) for i, plan in enumerate(in_flight_plans)]
    return PartitionHistory(D, [run], waiting)


@pytest.mark.parametrize(("in_flight", "status"), [
    ([], "Open"),
    ([{AssetKey(["bronze", "other"]): "bronze__other"}], "Open"),
    ([{PROBE_KEY: "gold__audit_probe"}], "In Progress"),
])
def test_an_open_error_is_in_progress_while_a_retry_runs(in_flight, status):
    row, = error_audit_log.event_errors(_failed_check_history(in_flight), DAY)
    assert row["status"] == status and row["update_date"] == dt.date(2001, 9, 9)


RANGE_TAGS = {ASSET_PARTITION_RANGE_START_TAG: RANGE[0].isoformat(),
              ASSET_PARTITION_RANGE_END_TAG: RANGE[-1].isoformat()}


def run_ranged_probe(instance, resources):
    """One run of the ranged probe over ``RANGE`` (its check fails on the last day)."""
    return materialize(ALL, selection=[RANGED_PROBE_KEY], tags=RANGE_TAGS, resources=resources,
                       instance=instance, raise_on_error=False)


def test_a_ranged_runs_failed_check_is_an_error_of_its_own_day_only(tmp_path):
    """A run over two days whose check fails on the second: the audit of the first day holds
    no error of it, the second holds exactly one (that day's evaluation, not also the step's
    verdict over the range)."""
    resources = warehouse_resources(tmp_path / "warehouse.duckdb", tmp_path / "landing")
    (tmp_path / "dagster_home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
        ranged = run_ranged_probe(instance, resources)
        assert ranged.success  # the check is not blocking: the run succeeds, the check fails
        audit = materialize(ALL, selection=list(AUDIT_KEYS), tags=RANGE_TAGS, resources=resources,
                            instance=instance)
        assert audit.success
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        errors = con.sql("SELECT load_date, error_rule, affected_rows, run_id "
                         "FROM gold.error_audit_log WHERE error_origin = 'asset_check'").pl()
        audited = con.sql("SELECT load_date, count(*) AS n FROM gold.process_audit_log "
                          "WHERE process_type = 'asset' GROUP BY load_date").pl()
    assert errors.to_dicts() == [{"load_date": RANGE[-1], "error_rule": "probe_rule",
                                  "affected_rows": 4, "run_id": ranged.run_id}]
    assert sorted(audited["load_date"]) == list(RANGE)  # both days audited, one row each
    assert audited["n"].to_list() == [1, 1]


def test_a_day_is_audited_in_a_month_long_range_the_cli_sized(tmp_path):
    """``materialize`` may run a month as one range: the audit of its last day finds that run
    (and not a range that ended before the day, nor one that starts after it)."""
    from dagster import DagsterRun

    def ranged(start: str, end: str) -> str:
        run = DagsterRun(job_name="daily_platform", tags={
            ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end})
        instance.add_run(run)
        return run.run_id

    (tmp_path / "home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        month = ranged("2026-01-01", "2026-01-31")
        ranged("2025-12-01", "2025-12-31")
        ranged("2026-02-01", "2026-02-28")
        found = [r.dagster_run.run_id for r in runs_of_partition(instance, "2026-01-31")]
    assert found == [month]


def test_the_runs_of_a_steps_days_are_found_together(tmp_path):
    """A ranged audit finds every day's runs in two queries: each day gets its own runs and
    the ranges covering it, and no other day's."""
    def run(tags: dict) -> str:
        added = DagsterRun(job_name="daily_platform", tags=tags)
        instance.add_run(added)
        return added.run_id

    def ranged(start: str, end: str) -> str:
        return run({ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end})

    (tmp_path / "home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        december, january = ranged("2025-12-01", "2025-12-31"), ranged("2026-01-01", "2026-01-31")
        february = ranged("2026-02-01", "2026-02-28")
        mid_january = run({"dagster/partition": "2026-01-15"})
        days = ["2025-12-31", "2026-01-15", "2026-01-31", "2026-02-01", "2026-03-01"]
        found = {day: [r.dagster_run.run_id for r in records]
                 for day, records in runs_of_partitions(instance, days).items()}
        one_by_one = {day: [r.dagster_run.run_id for r in runs_of_partition(instance, day)]
                      for day in days}
    assert found == one_by_one == {
        "2025-12-31": [december], "2026-01-15": [january, mid_january],
        "2026-01-31": [january], "2026-02-01": [february], "2026-03-01": []}


def test_a_ranged_audit_leaves_the_rows_of_auditing_each_day_alone(tmp_path):
    """Three days of crm.customers, each loaded by its own run and each with rejected rows:
    audited as one range (the rejects of all days read in one statement), each day holds its
    own rejected rows with the run that wrote them, as auditing the days one at a time
    does."""
    days = [dt.date(2026, 3, 2) + dt.timedelta(days=n) for n in range(3)]
    generate(tmp_path / "landing", days[0], days[-1], customers=50, seed=5, dirt=DIRT,
             tables=[CUSTOMERS])
    resources = warehouse_resources(tmp_path / "warehouse.duckdb", tmp_path / "landing")
    (tmp_path / "dagster_home").mkdir()

    def audit_log() -> pl.DataFrame:
        with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
            return con.sql("SELECT * EXCLUDE (error_timestamp) FROM gold.error_audit_log "
                           "ORDER BY load_date, error_id").pl()

    with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
        loads = {day: materialize(ALL, selection=MAIN[:3], partition_key=day.isoformat(),
                                  resources=resources, instance=instance) for day in days}
        tags = {ASSET_PARTITION_RANGE_START_TAG: days[0].isoformat(),
                ASSET_PARTITION_RANGE_END_TAG: days[-1].isoformat()}
        assert materialize(ALL, selection=list(AUDIT_KEYS), tags=tags, resources=resources,
                           instance=instance).success
        ranged = audit_log()
        for day in days:
            assert materialize(ALL, selection=list(AUDIT_KEYS), partition_key=day.isoformat(),
                               resources=resources, instance=instance).success
        day_by_day = audit_log()
    rejected = ranged.filter(error_origin="rejected_row")
    assert ranged.equals(day_by_day)
    assert sorted(set(rejected["load_date"])) == days
    for day in days:
        assert set(rejected.filter(load_date=day)["run_id"]) == {loads[day].run_id}


def test_a_ranged_runs_log_read_for_each_re_run_day_is_read_once(tmp_path):
    """Re-running a backfilled range's days one by one audits each day in its own run: the
    range's run is read for every day, and stays in memory while the days' own runs come and
    go (it was read again every few days when the oldest run read left first)."""
    from customer_platform.gold.audit import _events

    def finished(tags: dict) -> str:
        run = DagsterRun(job_name="daily_platform", tags=tags, status=DagsterRunStatus.SUCCESS)
        instance.add_run(run)
        return run.run_id

    (tmp_path / "home").mkdir()
    _events._FINISHED_RUN_EVENTS.clear()
    with DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        quarter = finished({ASSET_PARTITION_RANGE_START_TAG: "2026-04-01",
                            ASSET_PARTITION_RANGE_END_TAG: "2026-06-30"})
        reads = []
        read_log = instance.all_logs
        instance.all_logs = lambda run_id, **kw: reads.append(run_id) or read_log(run_id, **kw)
        days = [f"2026-04-{n:02}" for n in range(10, 24)]
        for day in days:  # each day: its own new run, then its audit
            finished({"dagster/partition": day})
            _events.PartitionHistories(instance).of(day)
    assert reads.count(quarter) == 1
    assert len(reads) == len(days) + 1  # every day's own run once
    assert len(_events._FINISHED_RUN_EVENTS) == _events._FINISHED_RUNS_KEPT


def test_a_finished_runs_log_is_read_once_for_both_audit_tables(tmp_path):
    """Both audit tables read the same finished runs: the second reads them from memory, and
    what each day's history holds is what a fresh read of the log gives (a ranged run's
    events are sorted by day once, each day keeping only its own)."""
    from customer_platform.gold.audit import _events

    resources = warehouse_resources(tmp_path / "warehouse.duckdb", tmp_path / "landing")
    (tmp_path / "dagster_home").mkdir()
    with DagsterInstance.local_temp(str(tmp_path / "dagster_home")) as instance:
        ranged = run_ranged_probe(instance, resources)
        reads = []
        read_log = instance.all_logs
        instance.all_logs = lambda run_id, **kw: reads.append(run_id) or read_log(run_id, **kw)
        first, second = (_events.PartitionHistories(instance) for _ in range(2))
        days = [day.isoformat() for day in RANGE]
        histories = [[h.of(day) for day in days] for h in (first, second)]
        _events._FINISHED_RUN_EVENTS.clear()
        fresh = [_events.PartitionHistories(instance).of(day) for day in days]
    assert reads == [ranged.run_id, ranged.run_id]  # once for both, once after the clear
    for day, before, again, new in zip(days, *histories, fresh, strict=True):
        run, = new.runs
        assert before.runs == again.runs == new.runs
        assert {e.check_name for e in run.evaluations} == {"probe_rule"}  # its own day's only
        assert len(run.evaluations) == 1 and run.partition_key == day
        assert [m.asset_key for m in run.materializations] == [RANGED_PROBE_KEY]
