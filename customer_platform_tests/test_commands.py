"""The README's main command as a newcomer runs it, ``./scripts/demo.sh``, on a small company
(setup included), then the other subcommands on its result: the demo company is current (its
days end yesterday, on purpose: the one clock-dependent fixture), every run is a run of the
code location's jobs and green, every check passes, freshness included, the report is an
asset, ``status`` says so, ``export`` writes the days' files and manifest, and ``docs`` writes
the documents the repository holds."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef

REPO = Path(__file__).resolve().parents[1]
#: The freshness verdicts the sensor would give now, as the code location sees the demo.
FRESHNESS = """
import json
from dagster import DagsterInstance
from customer_platform.orchestration import cadence
from customer_platform.orchestration.freshness import FRESH_GOLD_KEYS, expected_day, verdict
now = cadence.utc_now()
day, tick = expected_day(now, cadence.freshness_deadline_cron(), cadence.schedule_timezone())
with DagsterInstance.get() as instance:
    late = [k.to_user_string() for k in FRESH_GOLD_KEYS
            if not verdict(instance, k, day, tick, now)["passed"]]
print(json.dumps({"day": day, "tables": len(FRESH_GOLD_KEYS), "late": late}))
"""

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``scripts/demo.sh`` for its default days of 30 customers, in a data folder of its own,
    its settings left in a ``.env`` of its own; and a runner of further commands (and Python)
    in the environment that file describes, as ``dagster dev`` would see it."""
    root = tmp_path_factory.mktemp("demo")
    began = dt.date.today()
    env = {**os.environ, "CUSTOMER_PLATFORM_DATA": str(root / "data"),
           "DAGSTER_HOME": str(root / "data" / "dagster_home"), "COLUMNS": "200"}
    for name in ("CUSTOMER_PLATFORM_WAREHOUSE", "CUSTOMER_PLATFORM_LANDING_ROOT",
                 "CUSTOMER_PLATFORM_EXPORTS", "CUSTOMER_PLATFORM_REPORTS",
                 "CUSTOMER_PLATFORM_PARTITION_START"):
        env.pop(name, None)
    shown = subprocess.run(["bash", "scripts/demo.sh", "--customers", "30",
                            "--env-file", str(root / ".env")], cwd=REPO,
                           env=env, capture_output=True, text=True, timeout=1200)
    settings = dict(line.split("=", 1) for line in (root / ".env").read_text().splitlines())
    env.update(settings)

    def command(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "customer_platform.tools.cli", *args],
                              env=env, capture_output=True, text=True, timeout=600)

    def python(code: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=600)

    # The demo's default window is the three days before its day (current on purpose); a run
    # that crosses midnight takes the days of the date it read, so the window is read back.
    start = dt.date.fromisoformat(settings.get("CUSTOMER_PLATFORM_PARTITION_START", str(began)))
    command.python, command.settings, command.began = python, settings, began
    command.start, command.end = start, start + dt.timedelta(days=2)
    command.days = ["--start", str(start), "--end", str(command.end)]
    return root / "data", shown, command


def test_the_demo_finishes_and_says_where_to_look(demo):
    data, shown, command = demo
    start, end = command.start, command.end
    assert shown.returncode == 0, (shown.stdout + shown.stderr)[-3000:]
    out = shown.stdout + shown.stderr
    assert f"The whole graph is materialised for {start} .. {end}" in out
    assert "dagster dev" in out and "http://127.0.0.1:3000" in out
    assert (data / "warehouse.duckdb").stat().st_size > 1_000_000
    report, = (data / "reports").glob(f"report-{end}.html")
    assert report.stat().st_size > 100_000


def test_the_demo_leaves_the_settings_dagster_dev_reads(demo):
    data, _, command = demo
    # the three days that end yesterday, by the date the demo began or (past midnight) ended on
    assert command.end + dt.timedelta(days=1) in (command.began, dt.date.today())
    assert command.settings == {"CUSTOMER_PLATFORM_PARTITION_START": str(command.start),
                                "CUSTOMER_PLATFORM_DATA": str(data),
                                "DAGSTER_HOME": str(data / "dagster_home")}


def test_the_demo_company_is_fresh_by_this_machines_clock(demo):
    _, _, command = demo
    shown = command.python(FRESHNESS)
    assert shown.returncode == 0, shown.stderr[-3000:]
    freshness = json.loads(shown.stdout)
    assert freshness["day"] in (str(command.end), str(command.end - dt.timedelta(days=1)))
    assert freshness["tables"] > 50 and freshness["late"] == []


def test_every_run_and_check_of_the_demo_company_is_green(demo):
    data, _, command = demo
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(data / "dagster_home")))
    try:
        runs = instance.get_runs()
        assert runs and {run.status for run in runs} == {DagsterRunStatus.SUCCESS}
        # each a run of the code location's job, launched from the command line
        assert {run.remote_job_origin.repository_origin.get_label() for run in runs} == {
            "__repository__@customer_platform"}
        assert {run.tags.get("customer_platform/launched_from") for run in runs} == {"cli"}
        reports = instance.fetch_materializations(AssetKey(["gold", "report"]), limit=5).records
        assert [record.partition_key for record in reports] == [str(command.end)]
        evaluations = [entry.dagster_event.event_specific_data for run in runs
                       for entry in instance.all_logs(
                           run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)]
    finally:
        instance.dispose()
    assert len(evaluations) > 300
    failed = sorted({f"{e.asset_key.to_user_string()}:{e.check_name}"
                     for e in evaluations if not e.passed})
    assert failed == []


def test_status_shows_both_days_complete_with_no_failing_check(demo):
    _, _, command = demo
    status = command("status", *command.days)
    assert status.returncode == 0, status.stderr
    for day in (command.start, command.end):
        cells = [cell.strip() for row in status.stdout.splitlines() if str(day) in row
                 for cell in row.strip("│┃ ").split("│")]
        assert cells[0] == str(day)
        done, total = cells[1].split("/")
        assert done == total and int(total) > 100, cells  # every asset of the daily job
        assert cells[2] == "-", cells  # no failing check


def test_export_writes_every_table_of_the_days_and_a_manifest(demo, tmp_path):
    _, _, command = demo
    exported = command("export", *command.days, "--root", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    assert f"exported {command.start} .. {command.end}" in exported.stdout + exported.stderr
    for day in (command.start, command.end):
        manifest = json.loads((tmp_path / "manifest" / f"manifest_{day}.json").read_text())
        assert len(manifest["exports"]) > 40
        for entry in manifest["exports"]:
            assert (tmp_path / entry["csv_file"]).exists()
            assert (tmp_path / entry["parquet_file"]).exists()
        assert sum(entry["rows"] for entry in manifest["exports"]) > 100


def test_docs_writes_the_documents_the_repository_holds(demo, tmp_path):
    _, _, command = demo
    written = command("docs", "--root", str(tmp_path))
    assert written.returncode == 0, written.stderr
    documents = sorted(tmp_path.glob("docs/*.md"))
    assert len(documents) == 4
    for document in documents:
        assert document.read_text() == (REPO / "docs" / document.name).read_text(), document


def test_bench_prints_the_figures_of_a_day_with_every_check_passing():
    """``customer-platform bench`` at its smallest: the one-day figures of 20 customers (no
    backfill, no AUC), each measured in a child process on a warehouse of its own."""
    bench = subprocess.run(
        [sys.executable, "-m", "customer_platform.tools.cli", "bench", "--customers", "20",
         "--auc-customers", "0", "--backfill-customers", "0"],
        env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=900)
    assert bench.returncode == 0, (bench.stdout + bench.stderr)[-3000:]
    graph = re.search(r"whole graph: (\d+) assets, (\d+) checks \((\d+) failed\), (\d+) source "
                      r"rows in ([\d.]+) s", bench.stdout)
    assert graph, bench.stdout[-3000:]
    assets, checks, failed, rows, seconds = graph.groups()
    assert int(assets) > 100 and int(checks) > 200 and failed == "0"
    assert int(rows) > 0 and float(seconds) > 0
    for line in ("revops + exports layer alone", "analytics, first day",
                 "analytics, steady state (5,475 summary rows = 365 days"):
        assert line in bench.stdout, line
