"""The schedules evaluated on a real temporary instance at chosen tick times: the daily run of
the UTC day just ended, skipped when the landing sensor already ran the day; the weekly
segmentation of the week's Sunday, once the Sunday's analytics are in. Their run requests
are checked against the jobs of the code location."""

import datetime as dt

import pytest
from dagster import (
    AssetMaterialization,
    DagsterRunStatus,
    RunRequest,
    build_schedule_context,
    validate_run_config,
)
from dagster._core.test_utils import create_run_for_test

from customer_platform.definitions import defs
from customer_platform.orchestration import cadence
from customer_platform.orchestration.schedules import (
    SEGMENTATION_INPUTS,
    SEGMENTATION_KEYS,
    daily_platform_schedule,
    day_just_ended,
    week_last_day,
    weekly_segmentation_schedule,
)

from .conftest import D1, D2, at

REPOSITORY = defs.get_repository_def()


def evaluate(schedule, instance, moment: dt.datetime):
    context = build_schedule_context(instance=instance, scheduled_execution_time=moment,
                                     repository_def=REPOSITORY)
    return schedule.evaluate_tick(context)


def only_request(data, job_name: str) -> RunRequest:
    """The one run request of a tick, its run config valid for ``job_name``."""
    [request] = data.run_requests
    validate_run_config(REPOSITORY.get_job(job_name), request.run_config)
    return request


def test_the_daily_schedule_runs_the_day_just_ended_at_the_documented_time(instance):
    assert daily_platform_schedule.job_name == "daily_platform"
    assert daily_platform_schedule.cron_schedule == "0 6 * * *"
    assert daily_platform_schedule.execution_timezone == "UTC"
    request = only_request(evaluate(daily_platform_schedule, instance, at(D2, 6)),
                           "daily_platform")
    assert request.partition_key == D1.isoformat()
    assert request.run_key == f"schedule:{D1}"
    assert request.tags["customer_platform/trigger"] == "daily_schedule"
    assert request.asset_selection is None  # bronze -> gold, the whole job


def test_the_day_just_ended_is_a_utc_day_whatever_the_schedules_timezone():
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert day_just_ended(dt.datetime(2026, 3, 3, 6, tzinfo=berlin)) == dt.date(2026, 3, 2)
    # 00:30 in Berlin is still the 2nd in UTC: the last complete UTC day is the 1st
    assert day_just_ended(dt.datetime(2026, 3, 3, 0, 30, tzinfo=berlin)) == dt.date(2026, 3, 1)


def test_the_daily_schedule_skips_what_it_cannot_or_need_not_run(instance):
    before_history = evaluate(daily_platform_schedule, instance, at(D1, 6))
    assert "before the first partition" in before_history.skip_message
    create_run_for_test(instance, job_name="daily_platform", status=DagsterRunStatus.SUCCESS,
                        tags={"dagster/partition": D1.isoformat(),
                              "customer_platform/trigger": "landing_complete"})
    ran = evaluate(daily_platform_schedule, instance, at(D2, 6))
    assert ran.run_requests == [] and "landing_zone_sensor already ran" in ran.skip_message


def test_the_weekly_segmentation_waits_for_the_sundays_analytics(instance):
    monday = at(dt.date(2026, 3, 9), 7)
    sunday = "2026-03-08"
    assert weekly_segmentation_schedule.cron_schedule == "0 7 * * 1"
    skipped = evaluate(weekly_segmentation_schedule, instance, monday)
    assert skipped.run_requests == [] and sunday in skipped.skip_message

    for key in SEGMENTATION_INPUTS:  # gold_analytics_sensor's runs of the Sunday
        instance.report_runless_asset_event(AssetMaterialization(key, partition=sunday))
    request = only_request(evaluate(weekly_segmentation_schedule, instance, monday),
                           "weekly_segmentation")
    assert (request.partition_key, request.run_key) == (sunday, f"segmentation:{sunday}")
    assert request.tags["customer_platform/trigger"] == "weekly_segmentation"
    job = REPOSITORY.get_job("weekly_segmentation")
    assert set(job.asset_layer.selected_asset_keys) == set(SEGMENTATION_KEYS)
    assert {k.to_user_string() for k in SEGMENTATION_KEYS} == {
        "gold/customer_segments", "gold/segment_summary"}


@pytest.mark.parametrize("moment, sunday", [
    (dt.datetime(2026, 3, 9, 7, tzinfo=dt.UTC), dt.date(2026, 3, 8)),  # Monday
    (dt.datetime(2026, 3, 11, 7, tzinfo=dt.UTC), dt.date(2026, 3, 8)),  # Wednesday
    (dt.datetime(2026, 3, 8, 23, tzinfo=dt.UTC), dt.date(2026, 3, 1)),  # Sunday not over
])
def test_the_weeks_last_day_is_the_last_complete_sunday(moment, sunday):
    assert week_last_day(moment) == sunday


def test_the_cadence_is_overridable_by_environment(monkeypatch):
    monkeypatch.setenv("CUSTOMER_PLATFORM_DAILY_RUN_CRON", "30 4 * * *")
    monkeypatch.setenv("CUSTOMER_PLATFORM_SCHEDULE_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("CUSTOMER_PLATFORM_LANDING_CUTOFF_HOURS", "2.5")
    assert cadence.daily_run_cron() == "30 4 * * *"
    assert cadence.schedule_timezone() == "Europe/Berlin"
    assert cadence.landing_cutoff() == dt.timedelta(hours=2, minutes=30)
    monkeypatch.setenv("CUSTOMER_PLATFORM_DAILY_RUN_CRON", "at six")
    with pytest.raises(ValueError, match="CUSTOMER_PLATFORM_DAILY_RUN_CRON"):
        cadence.daily_run_cron()
    monkeypatch.setenv("CUSTOMER_PLATFORM_SCHEDULE_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="IANA"):
        cadence.schedule_timezone()
