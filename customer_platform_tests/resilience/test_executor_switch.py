"""The configuration switches of docs/scaling.md: ``CUSTOMER_PLATFORM_EXECUTOR`` picks how a
run executes its steps, and with the Delta storage steps in separate processes write at the
same time, no single writer in the way (a real ``dagster asset materialize`` run of the code
location, a process per step)."""

import datetime as dt
import os
import subprocess
import sys

import polars as pl
import pytest
from dagster import DagsterEventType, DagsterInstance

from customer_platform.generator import generate

DAY = dt.date(2026, 1, 1)
SELECTION = ("group:bronze_crm or key:silver/stg_crm_customers or "
             "key:silver/stg_crm_customers_rejects")


def _executor(monkeypatch, name: str):
    monkeypatch.setenv("CUSTOMER_PLATFORM_EXECUTOR", name)
    from customer_platform.definitions import platform_executor

    return platform_executor()


def test_the_executor_switch(monkeypatch):
    assert _executor(monkeypatch, "in_process").name == "in_process"
    assert _executor(monkeypatch, "multiprocess").name == "multiprocess"
    with pytest.raises(ImportError, match="needs dagster-k8s"):
        _executor(monkeypatch, "k8s")
    with pytest.raises(ValueError, match="CUSTOMER_PLATFORM_EXECUTOR must be one of"):
        _executor(monkeypatch, "threads")


def _step_windows() -> tuple[dict[str, tuple[float, float]], set[int]]:
    """Each step's (start, end) time from the run's event log ($DAGSTER_HOME's instance), and
    the process ids the steps ran in."""
    windows: dict[str, list[float]] = {}
    pids: set[int] = set()
    with DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
        for entry in instance.all_logs(run.run_id):
            slot = {DagsterEventType.STEP_START: 0,
                    DagsterEventType.STEP_SUCCESS: 1}.get(entry.dagster_event_type)
            if slot is not None:
                windows.setdefault(entry.step_key, [0.0, 0.0])[slot] = entry.timestamp
                pids.add(entry.dagster_event.pid)
    return {step: (start, end) for step, (start, end) in windows.items()}, pids


@pytest.mark.e2e
def test_steps_in_separate_processes_write_delta_tables_at_once(tmp_path, monkeypatch):
    generate(tmp_path / "landing", DAY, DAY, customers=20, seed=3)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"),
           "CUSTOMER_PLATFORM_EXECUTOR": "multiprocess", "CUSTOMER_PLATFORM_STORAGE": "delta",
           # all four bronze steps launch together, so their writes overlap even when a loaded
           # machine starts the step processes seconds apart
           "CUSTOMER_PLATFORM_MAX_CONCURRENT_STEPS": "4",
           "CUSTOMER_PLATFORM_LAKEHOUSE": str(tmp_path / "lake"),
           "CUSTOMER_PLATFORM_LANDING_ROOT": str(tmp_path / "landing"),
           "CUSTOMER_PLATFORM_PARTITION_START": DAY.isoformat()}
    run = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m",
         "customer_platform.definitions", "--select", SELECTION, "--partition", DAY.isoformat()],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "RUN_SUCCESS" in run.stderr
    assert "Multiprocess executor" in run.stderr

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    windows, pids = _step_windows()
    assert len(windows) == 5  # four bronze steps and one silver step
    assert len(pids) == 5  # a process per step
    overlapping = [(a, b) for a in windows for b in windows if a < b
                   and windows[a][0] < windows[b][1] and windows[b][0] < windows[a][1]]
    assert overlapping, windows  # two steps were writing at the same time

    customers = pl.read_delta(str(tmp_path / "lake" / "silver" / "stg_crm_customers"))
    bronze = pl.read_delta(str(tmp_path / "lake" / "bronze" / "crm_customers"))
    rejects = pl.read_delta(str(tmp_path / "lake" / "silver" / "stg_crm_customers_rejects"))
    assert customers.height > 0
    assert customers.height + rejects.height == bronze.height  # nothing lost on the way
