"""Ranged backfills through ``customer-platform materialize``, as a person runs them: a day that
fails in the middle of a range stops the backfill there, the days before it are committed in
every layer, the terminal names the day and its cause, and ``--resume`` goes on from that day
without running the earlier days again."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from dagster import AssetKey, AssetSelection, DagsterInstance, RunsFilter

from customer_platform.contracts import source_table
from customer_platform.generator import days_between, generate

START = dt.date(2026, 1, 1)  # the first partition (the default CUSTOMER_PLATFORM_PARTITION_START)
DAYS = [d.isoformat() for d in days_between(START, START + dt.timedelta(days=4))]
CUSTOMERS = 15


def _slice(target: str) -> list[str]:
    """Every asset of the daily job ``target`` reads, transitively, and the rejects tables of
    the silver ones among them: a small chain through bronze, silver and gold."""
    from customer_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    daily = defs.resolve_job_def("daily_platform").asset_layer.selected_asset_keys
    chosen = AssetSelection.assets(target).upstream().resolve(graph) & daily
    chosen |= {AssetKey(["silver", f"{k.path[1]}_rejects"]) for k in chosen
               if k.path[0] == "silver" and not k.path[1].endswith("_rejects")}
    return sorted(k.to_user_string() for k in chosen)


#: Catalogue products and discount bands, commerce order lines, and the SCD2 product
#: dimension, whose day D reads silver D and D-1.
SLICE = _slice("gold/dim_product")
#: The assets that read the catalogue's products file.
FROM_PRODUCTS = {"bronze/cat_products", "silver/stg_cat_products",
                 "silver/stg_cat_products_rejects",
                 "gold/dim_product_versions", "gold/dim_product"}


@pytest.fixture
def materialize(tmp_path, monkeypatch):
    for name in ("CUSTOMER_PLATFORM_WAREHOUSE", "CUSTOMER_PLATFORM_STORAGE",
                 "CUSTOMER_PLATFORM_EXECUTOR", "CUSTOMER_PLATFORM_RANGE_DAYS"):
        monkeypatch.delenv(name, raising=False)
    env = {**os.environ, "CUSTOMER_PLATFORM_LANDING_ROOT": str(tmp_path / "landing"),
           "CUSTOMER_PLATFORM_DATA": str(tmp_path / "data"),
           "DAGSTER_HOME": str(tmp_path / "dagster_home"),
           "CUSTOMER_PLATFORM_PARTITION_START": START.isoformat(), "COLUMNS": "200"}
    generate(tmp_path / "landing", START, dt.date.fromisoformat(DAYS[-1]), customers=CUSTOMERS,
             seed=5)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "customer_platform.tools.cli", "materialize", "--start",
             DAYS[0], "--end", DAYS[-1], "--select", ",".join(SLICE), *args],
            env=env, capture_output=True, text=True, timeout=1200)

    run.landing, run.home = tmp_path / "landing", tmp_path / "dagster_home"
    return run


@pytest.mark.e2e
def test_a_failing_day_stops_the_range_and_resume_goes_on_from_it(materialize):
    products = source_table("catalogue.products")
    missing = products.landing_path(materialize.landing, dt.date.fromisoformat(DAYS[2]))
    kept = missing.read_bytes()
    missing.unlink()

    failed = materialize("--range-days", "5")  # one range: the whole window
    assert failed.returncode == 1
    err = " ".join(failed.stderr.split())  # the terminal's line wrapping aside
    assert "Traceback" not in err
    failures = [line for line in failed.stderr.splitlines()
                if line.startswith(f"{DAYS[2]} bronze__cat_products: ")]
    assert len(failures) == 1 and "missing landing file for catalogue.products" in err
    assert f"stopped at {DAYS[2]}, 3 day(s) not materialised" in err and "--resume" in err
    with DagsterInstance.from_config(str(materialize.home)) as instance:
        for key in SLICE:  # the days before the failing one, in every layer; the failing day
            # and the later ones only in the assets that do not read the missing file
            done = instance.get_materialized_partitions(AssetKey.from_user_string(key))
            reads_it = key in FROM_PRODUCTS
            assert done == set(DAYS[:2]) if reads_it else done == set(DAYS), key

    missing.write_bytes(kept)
    resumed = materialize("--range-days", "5", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    with DagsterInstance.from_config(str(materialize.home)) as instance:
        for key in SLICE:
            done = instance.get_materialized_partitions(AssetKey.from_user_string(key))
            assert done == set(DAYS), key
        ranges = [(r.dagster_run.tags.get("dagster/asset_partition_range_start"),
                   r.dagster_run.tags.get("dagster/asset_partition_range_end"))
                  for r in instance.get_run_records(RunsFilter(job_name="daily_platform"))]
    # the failed range, the days before its failing day again, then the resumed days only
    assert sorted(ranges) == sorted([(DAYS[0], DAYS[4]), (DAYS[0], DAYS[1]),
                                     (DAYS[2], DAYS[4])])
