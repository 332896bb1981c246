"""The clock-driven runs: the day just ended, and the weekly customer segmentation.

``daily_platform_schedule`` is the alternative to the landing sensor for extracts that arrive
by a fixed time (stopped by default; it skips a day the sensor already ran).
``weekly_segmentation_schedule`` rebuilds the segmentation for each week's Sunday once the week
is closed, since segmentation is updated weekly. Details: docs/operations.md (The schedules).
"""

import datetime as dt

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from customer_platform.gold.analytics.customer_segments import CUSTOMER_SEGMENTS
from customer_platform.gold.analytics.segment_summary import SEGMENT_SUMMARY
from customer_platform.gold.base import upstream_key
from customer_platform.orchestration import cadence
from customer_platform.orchestration.jobs import (
    DAILY_JOB,
    SEGMENTATION_KEYS,
    weekly_segmentation_job,
)
from customer_platform.orchestration.landing_sensor import TRIGGER_TAG, WHOLE_DAY_TRIGGERS
from customer_platform.settings import partition_start

PARTITION_TAG = "dagster/partition"
#: What the segmentation reads from outside itself (the rest of the analytics layer).
SEGMENTATION_INPUTS = tuple(sorted(
    {upstream_key(s) for t in (CUSTOMER_SEGMENTS, SEGMENT_SUMMARY) for s in t.sources}
    - set(SEGMENTATION_KEYS), key=AssetKey.to_user_string))


def day_just_ended(moment: dt.datetime) -> dt.date:
    """The last UTC day complete at ``moment`` (the daily partitions are UTC days)."""
    return moment.astimezone(dt.UTC).date() - dt.timedelta(days=1)


def week_last_day(moment: dt.datetime) -> dt.date:
    """The last Sunday complete at ``moment`` (ISO weeks end on Sunday)."""
    day = day_just_ended(moment)
    return day - dt.timedelta(days=day.isoweekday() % 7)


def whole_day_launched(instance: DagsterInstance, day: str) -> bool:
    """The landing sensor has launched a run of the whole day (not failed to start)."""
    records = instance.get_run_records(RunsFilter(
        job_name=DAILY_JOB, tags={PARTITION_TAG: day, TRIGGER_TAG: list(WHOLE_DAY_TRIGGERS)}),
        limit=1)
    return any(r.dagster_run.status != DagsterRunStatus.CANCELED for r in records)


@schedule(
    name="daily_platform_schedule",
    job_name=DAILY_JOB,
    cron_schedule=cadence.daily_run_cron(),
    execution_timezone=cadence.schedule_timezone(),
    default_status=DefaultScheduleStatus.STOPPED,
    description="Runs daily_platform (bronze -> silver -> gold) for the UTC day just ended; "
    "the clock-driven alternative to landing_zone_sensor (skips a day the sensor ran).",
)
def daily_platform_schedule(context: ScheduleEvaluationContext):
    day = day_just_ended(context.scheduled_execution_time)
    if day < partition_start():
        return SkipReason(f"{day} is before the first partition ({partition_start()})")
    if whole_day_launched(context.instance, day.isoformat()):
        return SkipReason(f"landing_zone_sensor already ran {day}")
    return RunRequest(run_key=f"schedule:{day}", partition_key=day.isoformat(),
                      tags={TRIGGER_TAG: "daily_schedule"})


@schedule(
    name="weekly_segmentation_schedule",
    job=weekly_segmentation_job,
    cron_schedule=cadence.segmentation_cron(),
    execution_timezone=cadence.schedule_timezone(),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Rebuilds the segmentation for the week's last day (Sunday) once the week is "
    "closed (segmentation is updated weekly).",
)
def weekly_segmentation_schedule(context: ScheduleEvaluationContext):
    sunday = week_last_day(context.scheduled_execution_time).isoformat()
    missing = [key.to_user_string() for key in SEGMENTATION_INPUTS
               if not context.instance.fetch_materializations(
                   AssetRecordsFilter(asset_key=key, asset_partitions=[sunday]), limit=1).records]
    if missing:
        return SkipReason(f"the analytics of {sunday} are not in yet: {', '.join(missing)}")
    return RunRequest(run_key=f"segmentation:{sunday}", partition_key=sunday,
                      tags={TRIGGER_TAG: "weekly_segmentation"})


SCHEDULES = [daily_platform_schedule, weekly_segmentation_schedule]
