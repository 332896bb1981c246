"""Freshness on a real temporary instance: after the deadline a gold table without the day
just ended fails its check (ERROR, with what was expected and how late), a table holding it
passes; the sensor reports only changes, and recovery as soon as the late day lands. The
checks cover the gold tables of the daily job and stay out of every job's selection."""

import datetime as dt
import json

from dagster import (
    AssetCheckKey,
    AssetCheckSeverity,
    AssetMaterialization,
    AssetSelection,
    AssetSpec,
    build_sensor_context,
    materialize,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.test_utils import freeze_time

from customer_platform.definitions import defs
from customer_platform.gold.audit import AUDIT_GROUP
from customer_platform.orchestration.freshness import (
    CHECK_NAME,
    FRESH_GOLD_KEYS,
    build_freshness_sensor,
    expected_day,
    gold_freshness,
)
from customer_platform.partitions import daily_partitions

from .conftest import at

ON_TIME, LATE, NEVER = FRESH_GOLD_KEYS[:3]
REPOSITORY = defs.get_repository_def()


def materialised(instance, key, day: str) -> None:
    instance.report_runless_asset_event(AssetMaterialization(key, partition=day))


def outcomes(result):
    return {e.asset_key: e.passed for e in result.asset_events}


def test_the_deadline_asks_for_the_day_just_ended():
    assert expected_day(at(dt.date(2026, 3, 3), 10), "0 9 * * *", "UTC")[0] == "2026-03-02"
    # before the day's deadline, yesterday's deadline still applies
    assert expected_day(at(dt.date(2026, 3, 3), 8), "0 9 * * *", "UTC")[0] == "2026-03-01"
    assert expected_day(at(dt.date(2026, 3, 3), 10), "0 9 * * *",
                        "America/New_York")[0] == "2026-03-01"  # 09:00 EST is 14:00 UTC


def test_a_late_day_fails_visibly_until_it_lands(instance):
    clock = [at(dt.date(2026, 3, 3), 10)]
    sensor = build_freshness_sensor([ON_TIME, LATE, NEVER], clock=lambda: clock[0],
                                    deadline_cron="0 9 * * *", timezone="UTC")
    materialised(instance, ON_TIME, "2026-03-02")
    materialised(instance, LATE, "2026-03-01")

    first = sensor(build_sensor_context(instance=instance))
    assert outcomes(first) == {ON_TIME: True, LATE: False, NEVER: False}
    late = next(e for e in first.asset_events if e.asset_key == LATE)
    assert late.check_name == CHECK_NAME and late.severity == AssetCheckSeverity.ERROR
    assert late.description == ("2026-03-02 is late: gold/" + LATE.path[-1]
                                + " should hold it since 2026-03-03 09:00 UTC.")
    assert late.metadata["expected_partition"].value == "2026-03-02"
    assert late.metadata["last_partition"].value == "2026-03-01"
    assert late.metadata["overdue_minutes"].value == 60

    for event in first.asset_events:  # what the daemon does with them: the UI shows these
        instance.report_runless_asset_event(event)
    summaries = instance.event_log_storage.get_asset_check_summary_records(
        [AssetCheckKey(key, CHECK_NAME) for key in (ON_TIME, LATE)])
    assert [summaries[AssetCheckKey(key, CHECK_NAME)].last_check_execution_record.status
            for key in (ON_TIME, LATE)] == [AssetCheckExecutionRecordStatus.SUCCEEDED,
                                            AssetCheckExecutionRecordStatus.FAILED]

    # the cursor is the day and the shorter list (the one table on time), not every table
    assert json.loads(first.cursor) == {"day": "2026-03-02", "tables": 3,
                                        "on_time": [ON_TIME.to_user_string()]}
    again = sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    assert again.asset_events == [] and "2 of 3 tables late" in again.skip_reason.skip_message

    materialised(instance, LATE, "2026-03-02")  # the late day lands
    recovered = sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    assert outcomes(recovered) == {LATE: True}

    clock[0] = at(dt.date(2026, 3, 4), 9)  # the next deadline asks for the next day
    next_day = sensor(build_sensor_context(instance=instance, cursor=recovered.cursor))
    assert outcomes(next_day) == {ON_TIME: False, LATE: False, NEVER: False}
    assert json.loads(next_day.cursor)["on_time"] == []  # all late: none on time is shorter
    # a cursor of the older per-table form reports every outcome once more
    older = sensor(build_sensor_context(instance=instance, cursor=json.dumps(
        {key.to_user_string(): "2026-03-03:False" for key in (ON_TIME, LATE, NEVER)})))
    assert outcomes(older) == {ON_TIME: False, LATE: False, NEVER: False}


def test_the_executable_check_applies_the_same_rule(instance):
    materialised(instance, ON_TIME, "2026-03-02")
    targets = [AssetSpec(key, partitions_def=daily_partitions) for key in FRESH_GOLD_KEYS]
    with freeze_time(at(dt.date(2026, 3, 3), 10)):
        result = materialize([gold_freshness, *targets], instance=instance,
                             selection=AssetSelection.checks(
                                 AssetCheckKey(ON_TIME, CHECK_NAME),
                                 AssetCheckKey(NEVER, CHECK_NAME)))
    assert {e.asset_key: e.passed for e in result.get_asset_check_evaluations()} == {
        ON_TIME: True, NEVER: False}


def test_every_gold_table_of_the_daily_job_is_checked_and_no_job_runs_the_checks():
    daily = REPOSITORY.get_job("daily_platform")
    gold_in_daily = {k for k in daily.asset_layer.selected_asset_keys if k.path[0] == "gold"}
    assert set(FRESH_GOLD_KEYS) == gold_in_daily
    graph = REPOSITORY.asset_graph
    assert not {graph.get(k).group_name for k in FRESH_GOLD_KEYS} & {AUDIT_GROUP}
    checks = {AssetCheckKey(k, CHECK_NAME) for k in FRESH_GOLD_KEYS}
    assert checks <= set(graph.asset_check_keys)
    for job in REPOSITORY.get_all_jobs():
        if job.name.startswith("__ASSET_JOB"):  # the UI's "materialise anything" job
            continue
        planned = {node.name for node in job.graph.node_defs}
        assert gold_freshness.node_def.name not in planned, job.name
