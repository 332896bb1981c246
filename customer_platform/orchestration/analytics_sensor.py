"""The sensor that keeps the analytics fresh: the heart of the analytics layer.

``gold_analytics_sensor`` requests ``gold_analytics`` for a day once every gold input of the
layer has materialised it and passed its blocking checks, after the earlier days its windows
read; run keys carry the inputs' storage id and "done" is read from the event log, so runs
finishing in any order converge and the same inputs never run twice (docs/analytics.md).
"""

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping

from dagster import (
    AssetCheckKey,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from customer_platform.gold import ANALYTICS_TABLES
from customer_platform.gold.analytics.churn_labels import CHURN_LABELS
from customer_platform.gold.analytics.customer_daily_summary import CUSTOMER_DAILY_SUMMARY
from customer_platform.gold.base import GoldTable, upstream_key
from customer_platform.orchestration.jobs import analytics_job
from customer_platform.partitions import daily_partitions, partition_day

ANALYTICS_KEYS = tuple(t.key for t in ANALYTICS_TABLES)
#: The per-day building blocks: they read D's inputs only, so they never wait for other days.
BASE_KEYS = (CUSTOMER_DAILY_SUMMARY.key, CHURN_LABELS.key)
#: Gold assets the analytics tables read.
INPUT_KEYS = tuple(sorted({upstream_key(source) for t in ANALYTICS_TABLES for source in t.sources
                           if upstream_key(source) not in ANALYTICS_KEYS},
                          key=lambda k: k.to_user_string()))


def window_gates(tables: Iterable[GoldTable] = ANALYTICS_TABLES
                 ) -> list[tuple[AssetKey, int, int]]:
    """(analytics asset, first, last): D's run needs that asset done for the days D+first ..
    D+last (last < 0), from the analytics tables' declared windows over each other."""
    keys = {t.key for t in tables}
    gates = []
    for table in tables:
        for source in table.sources:
            start, end = dict(table.source_windows).get(source, table.window)
            if upstream_key(source) in keys and start < 0:
                gates.append((upstream_key(source), start, min(end, -1)))
    return gates


@dataclasses.dataclass
class DayState:
    """What the event log says about the days of the daily partitions."""

    inputs: dict[AssetKey, Mapping[str, int]]  # latest materialisation per input and day
    planned: dict[AssetKey, Mapping[str, int]]  # latest planned materialisation, same
    outputs: dict[AssetKey, Mapping[str, int]]  # latest materialisation per analytics asset
    checks_passed: dict[str, bool]  # per candidate day: every blocking input check passed

    def fingerprint(self, day: str) -> int | None:
        """Storage id of the day's latest input materialisation; None if one is missing."""
        ids = [self.inputs[key].get(day) for key in INPUT_KEYS]
        return None if None in ids else max(ids)

    def ready(self, day: str) -> bool:
        if self.fingerprint(day) is None or not self.checks_passed.get(day, False):
            return False
        return all(self.planned[key].get(day, 0) <= self.inputs[key][day] for key in INPUT_KEYS)

    def done(self, key: AssetKey, day: str) -> bool:
        fingerprint = self.fingerprint(day)
        return fingerprint is not None and self.outputs[key].get(day, -1) > fingerprint


def blocking_input_checks() -> list[AssetCheckKey]:
    """The blocking checks of the inputs (evaluated in the inputs' own steps)."""
    from customer_platform.gold import GOLD_ASSETS, GOLD_CHECKS

    specs = [spec for definition in (*GOLD_ASSETS, *GOLD_CHECKS)
             for spec in definition.check_specs]
    return sorted({spec.key for spec in specs if spec.asset_key in INPUT_KEYS and spec.blocking},
                  key=lambda k: (k.asset_key.to_user_string(), k.name))


def read_state(instance: DagsterInstance, check_keys: list[AssetCheckKey]) -> DayState:
    def latest(key, event_type):
        return instance.get_latest_storage_id_by_partition(key, event_type)

    inputs = {k: latest(k, DagsterEventType.ASSET_MATERIALIZATION) for k in INPUT_KEYS}
    planned = {k: latest(k, DagsterEventType.ASSET_MATERIALIZATION_PLANNED) for k in INPUT_KEYS}
    outputs = {k: latest(k, DagsterEventType.ASSET_MATERIALIZATION) for k in ANALYTICS_KEYS}
    state = DayState(inputs, planned, outputs, {})
    candidates = [day for day in set().union(*(set(v) for v in inputs.values()))
                  if state.fingerprint(day) is not None
                  and not all(state.done(key, day) for key in ANALYTICS_KEYS)]
    passed = dict.fromkeys(candidates, True)
    evaluated = set()
    if candidates and check_keys:
        for info in instance.event_log_storage.get_asset_check_partition_info(
                check_keys, partition_keys=candidates):
            evaluated.add((info.check_key, info.partition_key))
            if not (info.latest_execution_status == AssetCheckExecutionRecordStatus.SUCCEEDED
                    and info.is_current):
                passed[info.partition_key] = False
    for day in candidates:  # a check never evaluated for the day has not passed
        if any((key, day) not in evaluated for key in check_keys):
            passed[day] = False
    state.checks_passed = passed
    return state


def plan_runs(state: DayState, requested: dict[str, str]) -> tuple[list[RunRequest], dict]:
    """The run requests for the ready days that are not done, and the cursor's new requests."""
    gates = window_gates()
    first_day = daily_partitions.start.date()
    requests, still_requested = [], {}
    for day in sorted(state.checks_passed):
        if not state.ready(day):
            continue
        base_done = all(state.done(key, day) for key in BASE_KEYS)
        rest = [key for key in ANALYTICS_KEYS if key not in BASE_KEYS]
        if base_done and all(state.done(key, day) for key in rest):
            continue
        d = partition_day(day)
        windows_done = all(
            state.done(key, other.isoformat())
            for key, start, end in gates
            for other in (d + dt.timedelta(days=k) for k in range(start, end + 1))
            if other >= first_day)
        if windows_done:
            stage, selection = ("analytics", rest) if base_done else ("all", ANALYTICS_KEYS)
        elif not base_done:
            stage, selection = "base", BASE_KEYS
        else:
            continue  # waits for earlier days
        run_key = f"{day}:{stage}:{state.fingerprint(day)}"
        still_requested[day] = run_key
        if requested.get(day) != run_key:
            requests.append(RunRequest(run_key=run_key, partition_key=day,
                                       asset_selection=list(selection),
                                       tags={"analytics/stage": stage}))
    return requests, still_requested


def evaluate(instance: DagsterInstance, cursor: str | None) -> tuple[list[RunRequest], str]:
    """One tick: the new run requests and the new cursor."""
    requested = json.loads(cursor)["requested"] if cursor else {}
    state = read_state(instance, blocking_input_checks())
    requests, still_requested = plan_runs(state, requested)
    return requests, json.dumps({"requested": still_requested}, sort_keys=True)


@sensor(
    name="gold_analytics_sensor",
    job=analytics_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Requests the analytics of a day (customer_360, segments, churn features, "
    "labels, model, scores, CLV) once every gold input of the day has materialised and passed "
    "its blocking checks, earlier days' windows first.",
)
def gold_analytics_sensor(context: SensorEvaluationContext) -> SensorResult:
    requests, cursor = evaluate(context.instance, context.cursor)
    return SensorResult(run_requests=requests, cursor=cursor)
