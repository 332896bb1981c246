"""The configuration switches of docs/scaling.md: ``CUSTOMER_PLATFORM_EXECUTOR`` picks how a
run executes its steps, and with the Delta storage steps in separate processes each write
their tables, no single writer in the way (a real ``dagster asset materialize`` run of the code
location, a process per step, up to four at once). Whether two steps happen to overlap in time
depends on the machine's load, so the test asserts what the executor guarantees: a process per
step, every step done, nothing lost."""

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


def _step_processes() -> dict[str, int]:
    """The process id each step of the run ($DAGSTER_HOME's instance) succeeded in."""
    with DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
        return {entry.step_key: entry.dagster_event.pid
                for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_SUCCESS)}


@pytest.mark.e2e
def test_steps_in_separate_processes_write_delta_tables_with_no_single_writer(tmp_path,
                                                                             monkeypatch):
    generate(tmp_path / "landing", DAY, DAY, customers=20, seed=3)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"),
           "CUSTOMER_PLATFORM_EXECUTOR": "multiprocess", "CUSTOMER_PLATFORM_STORAGE": "delta",
           # the four bronze steps may run at once
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
    processes = _step_processes()
    assert len(processes) == 5  # four bronze steps and one silver step, all done
    assert len(set(processes.values())) == 5  # each in a process of its own
    assert os.getpid() not in processes.values()

    customers = pl.read_delta(str(tmp_path / "lake" / "silver" / "stg_crm_customers"))
    bronze = pl.read_delta(str(tmp_path / "lake" / "bronze" / "crm_customers"))
    rejects = pl.read_delta(str(tmp_path / "lake" / "silver" / "stg_crm_customers_rejects"))
    assert customers.height > 0
    assert customers.height + rejects.height == bronze.height  # nothing lost on the way
