"""The landing sensor running for real: ``dagster-daemon run`` in a subprocess, on a temporary
DAGSTER_HOME, loading a code location by module the way a deployment does, watching a real
landing folder. The test delivers files for yesterday and asserts the runs the daemon creates
in the instance: the support chain when only the tickets are in, the whole day once every file
is, a re-run of what a re-delivered file feeds.

The sensor's clock is pinned in the location (``daemon_location.NOW``): the delivered day has
ended and its cut-off is ahead, so the same rules apply at any wall-clock time. The location
(``daemon_location``) is the platform with the real landing sensor over two support
tables and a small job as its target, so that creating a run does not cost the daemon the
execution plan of the whole daily job. The instance queues runs and starts none
(``max_concurrent_runs: 0``): the test sees the run records, and no run process is ever
started. The daemon is stopped with SIGTERM (SIGINT reset to its default first: a background
shell ignores SIGINT, and the daemon maps SIGTERM onto SIGINT's handler), then its process
group is checked empty (and killed if not).

The second test runs the platform's own location under the daemon with the production queue
(two runs at a time): the real landing sensor's run of a whole day starts and succeeds."""

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.instance.ref import InstanceRef

from customer_platform.bronze.assets import bronze_key
from customer_platform.contracts import source_table as landing_table
from customer_platform.orchestration import INTRADAY_CHAINS, TRIGGER_TAG
from customer_platform_tests.processes import start_server

from .conftest import Landing
from .daemon_location import DELIVERED_DAY, JOB_NAME

REPO = Path(__file__).resolve().parents[2]
INSTANCE_YAML = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 0
"""


def group_members(pgid: int) -> list[int]:
    """The processes still alive in process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


@contextlib.contextmanager
def daemon_process(tmp_path, instance_yaml: str, location: list[str], **env_vars: str):
    """``dagster-daemon run`` of ``location`` on a fresh home (``instance_yaml``) and landing
    zone under ``tmp_path``; stopped, and its process group checked empty, on exit."""
    home, landing = tmp_path / "dagster_home", Landing(tmp_path / "landing")
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_yaml)
    env = {**os.environ, "DAGSTER_HOME": str(home),
           "CUSTOMER_PLATFORM_LANDING_ROOT": str(landing.root),
           "CUSTOMER_PLATFORM_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
           "CUSTOMER_PLATFORM_LANDING_SENSOR_INTERVAL": "1", **env_vars}
    command = [str(Path(sys.executable).with_name("dagster-daemon")), "run", *location,
               "-d", str(REPO)]  # the test locations are modules of the repository
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    instance.get_run_records(limit=1)  # its storage exists before the daemon opens it
    log = (tmp_path / "daemon.log").open("w")
    # started outside the repository: Dagster reads a .env where it starts (the demo leaves one)
    process = start_server(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield instance, landing, process, tmp_path / "daemon.log"
    finally:
        instance.dispose()
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        for _ in range(50):  # the code server it started shuts down after it
            if not group_members(process.pid):
                break
            time.sleep(0.2)
        leftover = group_members(process.pid)
        if leftover:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
        assert process.returncode == 0, (tmp_path / "daemon.log").read_text()[-3000:]
        assert not leftover, f"processes left behind: {leftover}"


@pytest.fixture
def daemon(tmp_path):
    """The daemon on the test location, its runs queued and never started."""
    with daemon_process(tmp_path, INSTANCE_YAML, ["-m", "customer_platform_tests.orchestration."
                                                  "daemon_location", "-a", "defs"]) as running:
        yield running


def wait_for_run(instance, process, log: Path, trigger: str, timeout: float = 60):
    """The run the landing sensor created with ``trigger``, once it is in the instance."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = instance.get_run_records(RunsFilter(tags={TRIGGER_TAG: trigger}))
        if records and all(r.dagster_run.status == DagsterRunStatus.QUEUED for r in records):
            return [r.dagster_run for r in records]
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(0.5)
    raise AssertionError(f"no {trigger} run after {timeout} s:\n{log.read_text()[-3000:]}")


def test_the_daemon_runs_the_landing_sensor_and_creates_its_runs(daemon):
    instance, landing, process, log = daemon
    yesterday = DELIVERED_DAY  # the day before the location's pinned clock

    landing.deliver(yesterday, "support.tickets")
    [intraday] = wait_for_run(instance, process, log, "landing_intraday")
    landing.deliver(yesterday, "support.kb_articles")
    [whole_day] = wait_for_run(instance, process, log, "landing_complete")
    landing.redeliver(yesterday, "support.kb_articles")
    [rerun] = wait_for_run(instance, process, log, "landing_redelivery")

    for run in (intraday, whole_day, rerun):
        assert run.job_name == JOB_NAME
        assert run.tags["dagster/partition"] == yesterday.isoformat()
        assert run.tags["dagster/sensor_name"] == "landing_zone_sensor"
        assert run.status == DagsterRunStatus.QUEUED  # created, never started
    assert intraday.asset_selection == set(INTRADAY_CHAINS["support.tickets"])
    assert whole_day.asset_selection is None
    assert rerun.tags["customer_platform/landing_changed"] == "support.kb_articles"
    assert bronze_key(landing_table("support.kb_articles")) in rerun.asset_selection
    assert bronze_key(landing_table("support.tickets")) not in rerun.asset_selection
    assert len(instance.get_run_records(RunsFilter(job_name=JOB_NAME))) == 3


#: The production queue: runs start, two at a time.
RUNNING_INSTANCE_YAML = INSTANCE_YAML.replace("max_concurrent_runs: 0", "max_concurrent_runs: 2")


def test_the_real_landing_sensor_under_the_daemon_launches_a_day_that_runs(tmp_path):
    """The platform's own code location and landing sensor, runs started by the daemon's
    queue: yesterday's files, all delivered, become a run of the whole day that succeeds. (The
    real sensor reads the real clock: with every file in, the day runs whatever the time.)"""
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    with daemon_process(tmp_path, RUNNING_INSTANCE_YAML,
                        ["-m", "customer_platform.definitions", "-a", "defs"],
                        CUSTOMER_PLATFORM_PARTITION_START=yesterday.isoformat()) as running:
        instance, landing, process, log = running
        landing.deliver(yesterday)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            records = instance.get_run_records(RunsFilter(tags={TRIGGER_TAG:
                                                                "landing_complete"}))
            if records and records[0].dagster_run.is_finished:
                break
            assert process.poll() is None, log.read_text()[-3000:]
            time.sleep(2)
        run, = [r.dagster_run for r in records]
        assert run.status == DagsterRunStatus.SUCCESS, log.read_text()[-3000:]
        assert run.job_name == "daily_platform"
        assert run.tags["dagster/partition"] == yesterday.isoformat()
        assert run.tags["dagster/sensor_name"] == "landing_zone_sensor"
        key = bronze_key(landing_table("crm.customers"))
        assert instance.get_latest_materialization_event(key).run_id == run.run_id
