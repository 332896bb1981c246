"""The empty graph that measures Dagster's own cost of a ranged day records what the
platform's graph records: a materialisation of each asset for each day and each check's
evaluation for each day, in one run."""

import datetime as dt

from dagster import DagsterInstance, materialize

from customer_platform.tools.backfill import partition_arguments
from customer_platform.tools.bench_dagster import FLOOR_ASSETS, _empty_assets, floor_seconds


def test_the_empty_graph_records_every_day_of_every_asset_and_check():
    days = [(dt.date(2026, 1, 5) + dt.timedelta(days=n)).isoformat() for n in range(3)]
    with DagsterInstance.ephemeral() as instance:
        result = materialize(_empty_assets(2), instance=instance, **partition_arguments(days))
    assert result.success
    materialised = [(e.asset_key.path[-1], e.partition)
                    for e in result.get_asset_materialization_events()]
    assert sorted(materialised) == sorted((f"empty_{n}", day) for n in range(FLOOR_ASSETS)
                                          for day in days)
    per_day = [e for e in result.get_asset_check_evaluations() if e.partition in days]
    assert len(per_day) == FLOOR_ASSETS * 2 * len(days) and all(e.passed for e in per_day)


def test_a_day_of_the_graph_costs_its_assets_and_checks():
    floor = {"assets": 100, "checks": 200, "asset_day_ms": 2.0, "check_ms": 1.0}
    assert floor_seconds(floor) == 0.4
