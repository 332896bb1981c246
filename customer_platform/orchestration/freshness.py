"""Freshness: every gold table of the daily job must hold the day just ended by a deadline.

A ``freshness`` check per table (``FRESHNESS_CHECKS``), evaluated by ``gold_freshness_sensor``
from the event log rather than by a run, which would compete for the warehouse's single writer
with the daily run it watches; Dagster's own freshness builders need runs or let a backfill of
an old day make a late table look fresh. The rules: docs/operations.md (Freshness).
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping

from dagster import (
    AssetCheckEvaluation,
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    DefaultSensorStatus,
    MetadataValue,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    multi_asset_check,
    sensor,
)
from dagster._core.definitions.partitions.context import partition_loading_context
from dagster._utils.schedules import get_latest_completed_cron_tick

from customer_platform.exports.assets import EXPORT_ASSETS
from customer_platform.gold import GOLD_ASSETS
from customer_platform.gold.audit import AUDIT_GROUP
from customer_platform.orchestration import cadence
from customer_platform.orchestration.cadence import utc_now
from customer_platform.partitions import daily_partitions

CHECK_NAME = "freshness"
#: The gold tables of the daily job and their BI exports (every gold asset but the audit
#: tables).
FRESH_GOLD_KEYS = tuple(sorted(
    (key for assets_def in (*GOLD_ASSETS, *EXPORT_ASSETS)
     for key, group in assets_def.group_names_by_key.items()
     if group != AUDIT_GROUP), key=AssetKey.to_user_string))


def expected_day(now: dt.datetime, deadline_cron: str, timezone: str
                 ) -> tuple[str, dt.datetime] | None:
    """The partition the gold tables must hold at ``now``, and the deadline tick that asks for
    it: the last day complete at the latest tick of ``deadline_cron`` (``None`` before the
    first partition)."""
    tick = get_latest_completed_cron_tick(deadline_cron, now.astimezone(dt.UTC), timezone)
    with partition_loading_context(effective_dt=tick):
        window = daily_partitions.get_last_partition_window()
    return (window.start.date().isoformat(), tick) if window else None


def verdict(instance: DagsterInstance, key: AssetKey, day: str, tick: dt.datetime,
            now: dt.datetime) -> dict:
    """The freshness check's outcome for one table (the fields of a check result)."""
    def latest(partition: str | None):
        records = instance.fetch_materializations(AssetRecordsFilter(
            asset_key=key, asset_partitions=[partition] if partition else None), limit=1).records
        return records[0] if records else None

    metadata = {"expected_partition": day, "deadline": MetadataValue.timestamp(tick)}
    due = f"{tick.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    if latest(day) is not None:
        return {"passed": True, "metadata": metadata,
                "description": f"{key.to_user_string()} holds {day} (due {due})."}
    last = latest(None)
    metadata["overdue_minutes"] = int((now - tick).total_seconds() // 60)
    if last is not None:
        metadata["last_update"] = MetadataValue.timestamp(last.timestamp)
        metadata["last_partition"] = last.partition_key or ""
    return {"passed": False, "metadata": metadata, "severity": AssetCheckSeverity.ERROR,
            "description": f"{day} is late: {key.to_user_string()} should hold it since {due}"
            + ("" if last else "; it was never materialised") + "."}


@multi_asset_check(
    name="gold_freshness",
    specs=[AssetCheckSpec(CHECK_NAME, asset=key, blocking=False,
                          description="Holds the day just ended by the freshness deadline "
                          f"({cadence.freshness_deadline_cron()}, "
                          f"{cadence.schedule_timezone()})") for key in FRESH_GOLD_KEYS],
    can_subset=True,
)
def gold_freshness(context: AssetCheckExecutionContext) -> Iterable[AssetCheckResult]:
    now = utc_now()
    expected = expected_day(now, cadence.freshness_deadline_cron(), cadence.schedule_timezone())
    for check_key in context.selected_asset_check_keys:
        if expected is None:
            yield AssetCheckResult(asset_key=check_key.asset_key, check_name=CHECK_NAME,
                                   passed=True, description="No day is due yet.")
        else:
            yield AssetCheckResult(asset_key=check_key.asset_key, check_name=CHECK_NAME,
                                   **verdict(context.instance, check_key.asset_key, *expected,
                                             now))


FRESHNESS_CHECKS = [gold_freshness]


def compact_cursor(day: str, passed: Mapping[str, bool]) -> str:
    """The outcomes last reported, in a few words: the day and whichever is shorter, the late
    tables or the tables on time (a list of all 112 tables filled the sensor's page)."""
    late = sorted(key for key, ok in passed.items() if not ok)
    on_time = sorted(key for key, ok in passed.items() if ok)
    shorter = {"late": late} if len(late) <= len(on_time) else {"on_time": on_time}
    return json.dumps({"day": day, "tables": len(passed), **shorter})


def reported_outcomes(cursor: str | None, day: str, tables: Iterable[str]) -> dict[str, bool]:
    """Each table's outcome last reported for ``day``; a cursor of another day (or of the
    older, per-table form) reports nothing, so every table's outcome is reported again."""
    state = json.loads(cursor) if cursor else {}
    if state.get("day") != day:
        return {}
    if "late" in state:
        return {table: table not in state["late"] for table in tables}
    return {table: table in state["on_time"] for table in tables}


def build_freshness_sensor(keys: Iterable[AssetKey] = FRESH_GOLD_KEYS, *,
                           clock: Callable[[], dt.datetime] = utc_now,
                           deadline_cron: str | None = None, timezone: str | None = None,
                           name: str = "gold_freshness_sensor") -> SensorDefinition:
    """A sensor reporting the freshness check of ``keys`` whenever an outcome changes."""
    keys = tuple(keys)
    deadline_cron = deadline_cron or cadence.freshness_deadline_cron()
    timezone = timezone or cadence.schedule_timezone()

    @sensor(name=name, minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING,
            description="Evaluates the gold tables' freshness checks (the day just ended is in "
            "by the deadline) from the event log, without a run, and reports the changes.")
    def _freshness_sensor(context: SensorEvaluationContext) -> SensorResult:
        now = clock().astimezone(dt.UTC)
        expected = expected_day(now, deadline_cron, timezone)
        if expected is None:
            return SensorResult(skip_reason="no day is due yet", cursor=context.cursor)
        reported = reported_outcomes(context.cursor, expected[0],
                                     [key.to_user_string() for key in keys])
        events, passed = [], {}
        for key in keys:
            outcome = verdict(context.instance, key, *expected, now)
            passed[key.to_user_string()] = outcome["passed"]
            if reported.get(key.to_user_string()) != outcome["passed"]:
                events.append(AssetCheckEvaluation(asset_key=key, check_name=CHECK_NAME,
                                                   **outcome))
        late = sum(not ok for ok in passed.values())
        return SensorResult(asset_events=events, cursor=compact_cursor(expected[0], passed),
                            skip_reason=None if events else
                            f"no change since the last report: {late} of {len(keys)} tables "
                            f"late for {expected[0]}")

    return _freshness_sensor


gold_freshness_sensor = build_freshness_sensor()
