"""Processes take turns with the warehouse file (DuckDB allows one writer process): a second
process waits for its turn instead of failing, within a process the turn is re-entrant, and
two real runs started at once on the same warehouse both succeed, holding the file per run
(the default) or per step."""

import datetime as dt
import os
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from customer_platform.generator import generate
from customer_platform.resources import open_warehouse

HOLDER = textwrap.dedent("""
    import sys, time
    from customer_platform.resources import open_warehouse
    with open_warehouse(sys.argv[1]) as con:
        con.execute("CREATE TABLE held AS SELECT 1 AS x")
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def test_a_second_process_waits_for_its_turn_instead_of_failing(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, database, "1.5"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    started = time.monotonic()
    with open_warehouse(database) as con:  # DuckDB alone would raise a lock error here
        waited = time.monotonic() - started
        assert con.execute("SELECT x FROM held").fetchall() == [(1,)]
    assert holder.wait(timeout=30) == 0
    assert waited >= 0.5


def test_the_turn_is_reentrant_within_a_process(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")
    with open_warehouse(database) as outer, open_warehouse(database) as inner:
        outer.execute("CREATE TABLE t AS SELECT 1 AS x")
        assert inner.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_a_new_deployments_data_folder_is_created_with_the_warehouse(tmp_path):
    database = tmp_path / "not" / "there" / "warehouse.duckdb"
    with open_warehouse(str(database)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert database.exists()


RUN_DAY = textwrap.dedent("""
    import sys
    from dagster import AssetSelection, DagsterInstance, materialize
    from customer_platform.bronze.assets import BRONZE_ASSETS
    from customer_platform.resources import warehouse_resources
    from customer_platform.silver.assets import SILVER_ASSETS
    warehouse, landing, day = sys.argv[1:4]
    groups = [f"{layer}_{system}" for layer in ("bronze", "silver")
              for system in ("crm", "billing", "support")]
    result = materialize([*BRONZE_ASSETS, *SILVER_ASSETS], partition_key=day,
                         selection=AssetSelection.groups(*groups),
                         resources=warehouse_resources(warehouse, landing),
                         instance=DagsterInstance.ephemeral(), raise_on_error=False,
                         run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
    sys.exit(0 if result.success else 1)
""")


@pytest.mark.e2e
@pytest.mark.parametrize("hold", ["run", "step"])
def test_two_runs_at_once_on_one_warehouse_both_succeed(tmp_path, hold):
    start = dt.date(2026, 1, 1)
    days = [start, start + dt.timedelta(days=1)]
    generate(tmp_path / "landing", days[0], days[1], customers=40, seed=3)
    env = {**os.environ, "CUSTOMER_PLATFORM_WAREHOUSE_HOLD": hold,
           "CUSTOMER_PLATFORM_PARTITION_START": start.isoformat()}
    runs = [subprocess.Popen([sys.executable, "-c", RUN_DAY, str(tmp_path / "warehouse.duckdb"),
                              str(tmp_path / "landing"), day.isoformat()], env=env,
                             stderr=subprocess.PIPE, text=True) for day in days]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-3000:]
        assert "Could not set lock" not in err
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.execute("SELECT DISTINCT _partition_date FROM silver.stg_crm_customers "
                             "ORDER BY 1").fetchall()
    assert [d for d, in loaded] == days
