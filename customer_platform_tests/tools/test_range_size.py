"""``customer-platform materialize`` sizes its ranges to the company's landing files: a small
company's quarter is one run, a large company's day is a run of its own, and a deployment that
fixes the days (CUSTOMER_PLATFORM_RANGE_DAYS) gets them."""

import datetime as dt
import os
import subprocess
import sys

from customer_platform.contracts import source_table
from customer_platform.generator import days_between
from customer_platform.settings import MAX_RANGE_DAYS, RANGE_LANDING_BYTES
from customer_platform.tools.daily_runs import sized_range_days

START = dt.date(2026, 1, 1)
DAYS = [d.isoformat() for d in days_between(START, START + dt.timedelta(days=59))]


def land(root, size_a_day: int, days=DAYS) -> None:
    """Landing files of ``size_a_day`` bytes a day, split between two tables and formats."""
    for day in days:
        on = dt.date.fromisoformat(day)
        for name, fmt, share in (("crm.customers", "csv", 3), ("billing.invoices", "parquet", 1)):
            path = source_table(name).landing_path(root, on, fmt)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x" * (size_a_day * share // 4))


def test_a_small_company_runs_a_quarter_a_range(tmp_path):
    land(tmp_path, 500_000)  # about a 1,000-customer company's day
    assert MAX_RANGE_DAYS == 92
    assert sized_range_days(DAYS, tmp_path) == MAX_RANGE_DAYS


def test_the_range_holds_about_the_landing_budget(tmp_path):
    land(tmp_path, RANGE_LANDING_BYTES // 6)
    assert sized_range_days(DAYS, tmp_path) == 6


def test_a_day_larger_than_the_budget_is_a_range_of_its_own(tmp_path):
    land(tmp_path, RANGE_LANDING_BYTES * 2, DAYS[:2])
    assert sized_range_days(DAYS[:2], tmp_path) == 1


def test_without_landing_files_the_default_range_is_used(tmp_path):
    from customer_platform.settings import DEFAULT_RANGE_DAYS

    assert sized_range_days(DAYS, tmp_path) == DEFAULT_RANGE_DAYS


def test_materialize_runs_its_sized_ranges_and_a_fixed_setting_wins(tmp_path):
    """The CLI as a person runs it (its own process: the definitions read the landing root
    when they are imported)."""
    from dagster import DagsterInstance

    from customer_platform.generator import generate

    end = START + dt.timedelta(days=2)
    generate(tmp_path / "landing", START, end, customers=15, seed=3)
    env = {**os.environ, "CUSTOMER_PLATFORM_LANDING_ROOT": str(tmp_path / "landing"),
           "CUSTOMER_PLATFORM_DATA": str(tmp_path / "data"),
           "DAGSTER_HOME": str(tmp_path / "home"),
           "CUSTOMER_PLATFORM_PARTITION_START": START.isoformat(), "COLUMNS": "200"}
    env.pop("CUSTOMER_PLATFORM_RANGE_DAYS", None)

    def materialize(**extra) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "customer_platform.tools.cli", "materialize", "--start",
             DAYS[0], "--end", DAYS[2], "--select", "bronze/crm_customers"],
            env={**env, **extra}, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stderr

    def ranges() -> list[tuple[str, str]]:
        with DagsterInstance.from_config(str(tmp_path / "home")) as instance:
            tags = [r.dagster_run.tags for r in instance.get_run_records()]
        return sorted((t.get("dagster/asset_partition_range_start", t.get("dagster/partition")),
                       t.get("dagster/asset_partition_range_end", t.get("dagster/partition")))
                      for t in tags)

    assert f"3 days in ranges of up to {MAX_RANGE_DAYS}" in materialize()
    assert ranges() == [(DAYS[0], DAYS[2])]  # 15 customers: the three days in one run
    assert "3 days in ranges of up to 2" in materialize(CUSTOMER_PLATFORM_RANGE_DAYS="2")
    assert ranges() == [(DAYS[0], DAYS[1]), (DAYS[0], DAYS[2]), (DAYS[2], DAYS[2])]
