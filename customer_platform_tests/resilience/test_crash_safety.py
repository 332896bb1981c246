"""Crash safety: a run killed with SIGKILL while it writes a partition leaves the table with
the old data or the new, never half, and re-running the day heals it.

The run is a real Dagster run of the day (every bronze and silver asset, and the gold chain
up to fact_invoice) in a child process. To kill it *inside* a write, the child wraps one
writer so that, mid-transaction, it prints a marker and waits; the parent then SIGKILLs it.
Two writers are covered: the I/O manager's (silver, killed after its insert, before the
commit) and gold's ``Warehouse.replace_partitions``, which every gold write goes through
(killed after its delete, before the insert)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

from customer_platform.generator import generate

pytestmark = pytest.mark.e2e

DAY = dt.date(2026, 1, 1)
MARKER = "PAUSED-INSIDE-THE-WRITE"

CHILD = textwrap.dedent('''
    import sys, time
    from dagster import AssetSelection, DagsterInstance, materialize
    from customer_platform.bronze.assets import BRONZE_ASSETS
    from customer_platform.gold import GOLD_ASSETS
    from customer_platform.resources import PolarsFrameHandler, Warehouse, warehouse_resources
    from customer_platform.silver.assets import SILVER_ASSETS

    warehouse, landing, day, pause_in = sys.argv[1:5]

    def pause():
        print("{marker}", flush=True)
        time.sleep(600)

    if pause_in == "silver":  # after the insert of stg_bil_invoices, before the commit
        handle_output = PolarsFrameHandler.handle_output
        def paused_output(self, context, table_slice, obj, connection):
            result = handle_output(self, context, table_slice, obj, connection)
            if table_slice.table == "stg_bil_invoices":
                pause()
            return result
        PolarsFrameHandler.handle_output = paused_output
    elif pause_in == "gold":  # after the delete of fact_invoice's days, before the insert
        replace_partitions = Warehouse.replace_partitions
        def paused_write(self, con, table, column, staged):
            if table == "gold.fact_invoice":
                con.execute(f"DELETE FROM {{table}} WHERE list_contains(?, {{column}})",
                            [list(staged)])
                pause()
            replace_partitions(self, con, table, column, staged)
        Warehouse.replace_partitions = paused_write

    selection = (AssetSelection.groups(*[g for a in [*BRONZE_ASSETS, *SILVER_ASSETS]
                                         for g in a.group_names_by_key.values()])
                 | AssetSelection.keys("gold/dim_date", "gold/dim_customer_versions",
                                       "gold/dim_customer", "gold/fact_invoice"))
    result = materialize([*BRONZE_ASSETS, *SILVER_ASSETS, *GOLD_ASSETS], selection=selection,
                         partition_key=day, resources=warehouse_resources(warehouse, landing),
                         instance=DagsterInstance.ephemeral(), raise_on_error=False,
                         run_config={{"loggers": {{"console": {{"config": {{
                             "log_level": "ERROR"}}}}}}}})
    sys.exit(0 if result.success else 1)
''').format(marker=MARKER)


def run_child(root, pause_in: str = "none") -> None:
    """Run the day in a child process; with a pause, SIGKILL it once it is inside the write."""
    env = {**os.environ, "CUSTOMER_PLATFORM_PARTITION_START": DAY.isoformat()}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root / "warehouse.duckdb"), str(root / "landing"),
         DAY.isoformat(), pause_in], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    if pause_in == "none":
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err[-3000:]
        return
    for line in child.stdout:
        if line.strip() == MARKER:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr.read()[-3000:]


def content(root, table: str) -> tuple[int, str]:
    """Row count and content hash of ``table``'s partition of the day (load times aside)."""
    silver = table.startswith("silver.")
    column, exclude = ("_partition_date", "EXCLUDE (_loaded_at)") if silver else ("load_date", "")
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT count(*), md5(string_agg(r, '|' ORDER BY r)) FROM (SELECT CAST(t AS VARCHAR)"
            f" AS r FROM (SELECT * {exclude} FROM {table} WHERE {column} = ?) AS t)", [DAY]
        ).fetchone()


def test_a_run_killed_inside_a_write_leaves_old_or_new_and_a_rerun_heals(tmp_path):
    silver, gold = "silver.stg_bil_invoices", "gold.fact_invoice"
    generate(tmp_path / "landing", DAY, DAY, customers=60, seed=1)
    run_child(tmp_path)
    old = {t: content(tmp_path, t) for t in (silver, gold)}
    assert old[silver][0] > 0 and old[gold][0] == old[silver][0]

    # new extracts for the same day (another company): the next run rewrites the partitions
    generate(tmp_path / "landing", DAY, DAY, customers=80, seed=2)

    run_child(tmp_path, pause_in="silver")  # killed between silver's insert and commit
    assert content(tmp_path, silver) == old[silver]  # the old rows, whole

    run_child(tmp_path, pause_in="gold")  # silver commits the new day; gold dies mid-write
    new_silver = content(tmp_path, silver)
    assert new_silver != old[silver] and new_silver[0] > 0
    assert content(tmp_path, gold) == old[gold]  # the old rows, whole: the delete rolled back

    run_child(tmp_path)  # the re-run heals: gold now matches the new silver day
    healed = content(tmp_path, gold)
    assert healed != old[gold] and healed[0] == new_silver[0]
    assert content(tmp_path, silver) == new_silver
