"""What Dagster itself costs a day of a ranged run: a graph whose assets do nothing but record
their days (and pass their checks) run on the platform's local instance, unprofiled, then
scaled to the platform's graph. ``bench --history`` prints it beside a ranged day: the floor
under the platform's own work, which a profile overstates (it slows many small Python calls
more than a few long ones in DuckDB)."""

import os
import time
from pathlib import Path

#: The empty graph: assets, days of its one run, checks an asset in the second run.
FLOOR_ASSETS, FLOOR_DAYS, FLOOR_CHECKS = 20, 28, 2


def _empty_assets(checks: int) -> list:
    from dagster import AssetCheckResult, AssetCheckSpec, MaterializeResult, asset

    from customer_platform.partitions import RANGED, daily_partitions, partition_days, record_day
    from customer_platform.quality.checks import over_days_by_check

    def build(number: int):
        @asset(name=f"empty_{number}", partitions_def=daily_partitions, backfill_policy=RANGED,
               check_specs=[AssetCheckSpec(f"check_{c}", asset=f"empty_{number}",
                                           partitions_def=daily_partitions)
                            for c in range(checks)])
        def empty(context):
            days = partition_days(context)
            for day in days:
                record_day(context, day, {"dagster/row_count": 0})
            yield MaterializeResult()
            yield from over_days_by_check(
                [(day, [AssetCheckResult(check_name=f"check_{c}", passed=True)
                        for c in range(checks)]) for day in days], context=context)

        return empty

    return [build(number) for number in range(FLOOR_ASSETS)]


def floor_child(home: str, first_day: str) -> dict:
    """Runs in a child process: the empty graph over ``FLOOR_DAYS`` days from ``first_day`` in
    one run, without checks and then with ``FLOOR_CHECKS`` an asset, each on a new local
    instance under ``home``; the milliseconds of a materialised asset-day and of a check
    evaluation, and how many of each the platform's graph records a day."""
    import datetime as dt

    from dagster import DagsterInstance, materialize

    from customer_platform.definitions import defs
    from customer_platform.local_instance import instance_yaml
    from customer_platform.tools.backfill import partition_arguments

    start = dt.date.fromisoformat(first_day)
    days = [(start + dt.timedelta(days=n)).isoformat() for n in range(FLOOR_DAYS)]
    seconds = {}
    for checks in (0, FLOOR_CHECKS):
        instance_home = Path(home) / f"checks_{checks}"
        instance_home.mkdir(parents=True)
        (instance_home / "dagster.yaml").write_text(instance_yaml(instance_home))
        os.environ["DAGSTER_HOME"] = str(instance_home)
        with DagsterInstance.get() as instance:
            began = time.perf_counter()
            result = materialize(_empty_assets(checks), instance=instance,
                                 **partition_arguments(days))
            seconds[checks] = time.perf_counter() - began
        if not result.success:
            raise RuntimeError("the empty graph failed")
    asset_days = FLOOR_ASSETS * FLOOR_DAYS
    graph = defs.get_repository_def().asset_graph
    return {
        "asset_day_ms": 1000 * seconds[0] / asset_days,
        "check_ms": 1000 * (seconds[FLOOR_CHECKS] - seconds[0]) / (asset_days * FLOOR_CHECKS),
        "assets": sum(graph.get(key).partitions_def is not None
                      for key in graph.materializable_asset_keys),
        "checks": sum(graph.get_check_spec(key).partitions_def is not None
                      for key in graph.asset_check_keys),
    }


def floor_seconds(floor: dict) -> float:
    """Dagster's own seconds of a ranged day of the platform's graph."""
    return (floor["assets"] * floor["asset_day_ms"] + floor["checks"] * floor["check_ms"]) / 1000
