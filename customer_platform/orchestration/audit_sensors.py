"""The audit after every run: when a run of a day finishes, successfully or not, audit that
day (``audit_job``). A sensor, not a step of the daily job, because a failed step skips
everything downstream of it in its run, and the failures are what the audit must record.
"""

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    SkipReason,
    run_status_sensor,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from customer_platform.gold.audit import AUDIT_JOB_NAME, AUDIT_KEYS, PARTITION_TAG
from customer_platform.orchestration.jobs import audit_job
from customer_platform.partitions import partition_day


def audit_request(context: RunStatusSensorContext) -> RunRequest | SkipReason:
    """Request an audit of the partition (or the range of days) of the run that just
    finished."""
    run = context.dagster_run
    partition = run.tags.get(PARTITION_TAG)
    first, last = (run.tags.get(tag) for tag in (ASSET_PARTITION_RANGE_START_TAG,
                                                 ASSET_PARTITION_RANGE_END_TAG))
    if run.job_name == AUDIT_JOB_NAME:
        return SkipReason(f"run {run.run_id} is an audit run")
    if run.asset_selection and set(run.asset_selection) <= AUDIT_KEYS:
        return SkipReason(f"run {run.run_id} only materialised audit assets")
    if first and last:
        return RunRequest(run_key=f"audit:{run.run_id}", tags={
            ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last,
            "audited_run_id": run.run_id, "audited_job": run.job_name})
    if not partition:
        return SkipReason(f"run {run.run_id} has no partition to audit")
    try:
        partition_day(partition)
    except ValueError:
        return SkipReason(f"run {run.run_id}: partition {partition!r} is not a day")
    return RunRequest(run_key=f"audit:{run.run_id}", partition_key=partition,
                      tags={"audited_run_id": run.run_id, "audited_job": run.job_name})


_SENSOR = {"request_job": audit_job, "default_status": DefaultSensorStatus.RUNNING,
           "minimum_interval_seconds": 30}
audit_after_success = run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS, name="audit_after_success",
    description="When a partitioned run succeeds, audit its day (audit_job).", **_SENSOR,
)(audit_request)
audit_after_failure = run_status_sensor(
    run_status=DagsterRunStatus.FAILURE, name="audit_after_failure",
    description="When a partitioned run fails, audit its day (audit_job): the failure skipped "
    "everything downstream, the audit records it.", **_SENSOR,
)(audit_request)
