"""The terminal: a backfill with progress, status, one-line errors, and the run watcher that
feeds the progress bar."""

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from dagster import DagsterInstance, Definitions, define_asset_job

from customer_platform.bronze.assets import BRONZE_ASSETS
from customer_platform.resources import warehouse_resources
from customer_platform.silver.assets import SILVER_ASSETS
from customer_platform.tools.cli import demo_window, main
from customer_platform.tools.run_progress import RunWatcher

DAY = dt.date(2026, 1, 1)
CHAIN = "bronze/crm_customers,silver/stg_crm_customers,silver/stg_crm_customers_rejects"


@pytest.fixture
def cli(tmp_path):
    """Runs ``customer-platform`` as a person does: a new process, settings from the
    environment (a temporary data folder and Dagster home)."""
    env = {**os.environ, "CUSTOMER_PLATFORM_DATA": str(tmp_path / "data"),
           "DAGSTER_HOME": str(tmp_path / "dagster_home"),
           "CUSTOMER_PLATFORM_PARTITION_START": DAY.isoformat(), "COLUMNS": "200"}
    for name in ("CUSTOMER_PLATFORM_WAREHOUSE", "CUSTOMER_PLATFORM_LANDING_ROOT"):
        env.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "customer_platform.tools.cli", *args], env=env,
                              capture_output=True, text=True, timeout=300)

    generated = run("generate", "--start", str(DAY), "--end", str(DAY), "--customers", "30")
    assert generated.returncode == 0, generated.stderr
    return run


def test_materialize_then_status_shows_the_day(cli):
    done = cli("materialize", "--start", str(DAY), "--end", str(DAY), "--select", CHAIN)
    assert done.returncode == 0, done.stderr
    assert "materialised" in done.stderr
    status = cli("status", "--start", str(DAY), "--end", str(DAY + dt.timedelta(days=1)))
    assert status.returncode == 0, status.stderr
    out = status.stdout
    lines = [line for line in out.splitlines() if str(DAY) in line]
    assert lines and " 3/" in lines[0]  # the three assets of the chain, of the daily job's
    later = [line for line in out.splitlines() if str(DAY + dt.timedelta(days=1)) in line]
    assert later and " 0/" in later[0]


def test_an_asset_of_the_audit_is_materialised_by_selection(cli, tmp_path):
    """``--select`` takes an asset that another job runs (the audit here) with the checks its
    own step evaluates: the day's audit is written and its Pandera check is recorded."""
    import duckdb

    done = cli("materialize", "--start", str(DAY), "--end", str(DAY), "--select", CHAIN)
    assert done.returncode == 0, done.stderr
    audited = cli("materialize", "--start", str(DAY), "--end", str(DAY), "--select",
                  "gold/process_audit_log")
    assert audited.returncode == 0, audited.stderr
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        assets = {name for name, in con.execute(
            "SELECT process_name FROM gold.process_audit_log WHERE process_type = 'asset' "
            "AND load_date = ?", [DAY]).fetchall()}
    assert assets == set(CHAIN.split(","))  # the chain's run, audited; the audit's own not
    with DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        from dagster import AssetCheckKey, AssetKey

        check = AssetCheckKey(AssetKey(["gold", "process_audit_log"]), "pandera_schema")
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])
    assert latest[check].status.value == "SUCCEEDED"


def test_a_failure_is_one_readable_line(cli):
    missing = DAY + dt.timedelta(days=3)  # no landing files for that day
    failed = cli("materialize", "--start", str(missing), "--end", str(missing),
                 "--select", "bronze/crm_customers")
    assert failed.returncode == 1
    err = failed.stderr
    assert "Traceback" not in err and "Stack Trace" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(missing) in errors[0] and "--verbose" in errors[0]
    # the failed step: one line naming the missing file and the fix
    assert "missing landing file for crm.customers" in err and "Deliver the extract" in err


def test_a_bad_date_is_one_line_with_the_fix(capsys):
    with pytest.raises(SystemExit):
        main(["materialize", "--start", "2026-13-01"])
    assert "use YYYY-MM-DD" in capsys.readouterr().err


def test_a_range_longer_than_the_audit_looks_back_is_refused(capsys):
    from customer_platform.settings import longest_range_days

    assert main(["materialize", "--start", "2026-01-01", "--end", "2026-12-31",
                 "--range-days", str(longest_range_days() + 1)]) == 1
    err = " ".join(capsys.readouterr().err.split())  # the terminal folds the line
    assert f"--range-days must be 1 to {longest_range_days()}" in err
    assert "CUSTOMER_PLATFORM_RANGE_DAYS" in err


def test_the_run_watcher_reports_the_current_step_and_rows(tmp_path):
    from customer_platform.generator import generate

    generate(tmp_path / "landing", DAY, DAY, customers=30, seed=1)
    seen = []
    run_id = str(uuid.uuid4())
    with DagsterInstance.ephemeral() as instance:
        with RunWatcher(instance, run_id,
                        lambda step, rows, done: seen.append((step, rows, done)),
                        interval=0.05):
            chain = Definitions(
                assets=[*BRONZE_ASSETS, *SILVER_ASSETS],
                jobs=[define_asset_job("chain", selection=CHAIN.split(","))],
                resources=warehouse_resources(tmp_path / "w.duckdb", tmp_path / "landing"),
            ).resolve_job_def("chain")
            result = chain.execute_in_process(instance=instance, run_id=run_id,
                                              partition_key=DAY.isoformat())
    assert result.success
    steps = {step for step, _, _ in seen}
    assert any("crm_customers" in step for step in steps)
    assert seen[-1][1] > 0  # rows written, as the materialisations reported them
    assert [rows for _, rows, _ in seen] == sorted(rows for _, rows, _ in seen)
    # every asset of the chain materialised its one day, counted as the bar counts them
    assert seen[-1][2] == len(result.get_asset_materialization_events()) == len(CHAIN.split(","))
    assert [done for _, _, done in seen] == sorted(done for _, _, done in seen)


def test_report_writes_the_days_dashboard(cli, tmp_path):
    done = cli("materialize", "--start", str(DAY), "--end", str(DAY), "--select", CHAIN)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "report.html"
    report = cli("report", "--day", str(DAY), "--out", str(out))
    assert report.returncode == 0, report.stderr
    assert "charts with data" in report.stderr and out.stat().st_size > 100_000
    assert "<html" in out.read_text()[:2000].lower()


@pytest.mark.parametrize(("start", "end", "window"), [
    (None, None, ("2026-12-02", "2026-12-04")),  # the three days before today
    (None, "2026-03-10", ("2026-03-08", "2026-03-10")),
    ("2026-01-01", "2026-01-02", ("2026-01-01", "2026-01-02")),  # fixed dates, as given
])
def test_the_demo_ends_yesterday_unless_told_its_days(start, end, window):
    day = lambda text: text and dt.date.fromisoformat(text)  # noqa: E731
    assert demo_window(dt.date(2026, 12, 5), day(start), day(end)) == tuple(map(day, window))


def test_workspace_yaml_names_the_code_location_the_cli_runs_belong_to():
    import yaml

    from customer_platform.tools.location_runs import CODE_LOCATION, DEFINITIONS_MODULE

    workspace = yaml.safe_load((Path(__file__).parents[1] / "workspace.yaml").read_text())
    location, = workspace["load_from"]
    assert location["python_module"] == {"module_name": DEFINITIONS_MODULE,
                                         "location_name": CODE_LOCATION}
