"""Every job of the code location. Each leaves out what another trigger runs: the daily job
would skip the audit after a failed step, run the analytics before their inputs are checked,
and judge an old day's freshness against today's deadline; so the audit, the analytics and the
freshness checks have their own jobs or sensors.
"""

from dagster import AssetSelection, define_asset_job

from customer_platform.gold.analytics import ANALYTICS_GROUP
from customer_platform.gold.analytics.customer_segments import CUSTOMER_SEGMENTS
from customer_platform.gold.analytics.segment_summary import SEGMENT_SUMMARY
from customer_platform.gold.audit import AUDIT_GROUP, AUDIT_JOB_NAME
from customer_platform.orchestration.freshness import FRESHNESS_CHECKS
from customer_platform.report import REPORT_GROUP

#: The job the landing sensor and the daily schedule run.
DAILY_JOB = "daily_platform"
ANALYTICS_JOB = "gold_analytics"
SEGMENTATION_KEYS = (CUSTOMER_SEGMENTS.key, SEGMENT_SUMMARY.key)

#: The main job: every asset (and its checks) for one day. The audit tables are not in it: a
#: failed step would skip them; ``audit_job`` runs after every partitioned run instead. Nor is
#: the analytics layer: ``gold_analytics_sensor`` launches ``gold_analytics`` for a day once
#: the day's gold inputs are in and checked. Nor are the freshness checks: a sensor evaluates
#: them against the clock (``orchestration/freshness.py``).
daily_platform_job = define_asset_job(
    DAILY_JOB,
    selection=AssetSelection.all()
    - AssetSelection.groups(AUDIT_GROUP, ANALYTICS_GROUP, REPORT_GROUP)
    - AssetSelection.checks(*FRESHNESS_CHECKS),
    description="Materialise the whole graph (bronze -> silver -> gold) for one day, with checks.",
)

audit_job = define_asset_job(
    AUDIT_JOB_NAME,
    selection=AssetSelection.groups(AUDIT_GROUP),
    description="Audit one day: rebuild gold.process_audit_log and gold.error_audit_log from "
    "the Dagster event log and the silver rejects tables.",
)

analytics_job = define_asset_job(
    ANALYTICS_JOB,
    selection=AssetSelection.groups(ANALYTICS_GROUP),
    description="Customer 360, segmentation, churn features, labels, model, scores and CLV "
    "for one day; launched by gold_analytics_sensor when the day's gold inputs are ready.",
)

weekly_segmentation_job = define_asset_job(
    "weekly_segmentation",
    selection=AssetSelection.assets(*SEGMENTATION_KEYS),
    description="Rebuild the customer segmentation (customer_segments, segment_summary) for "
    "one day; weekly_segmentation_schedule runs it for each week's last day.",
)

JOBS = [daily_platform_job, audit_job, analytics_job, weekly_segmentation_job]
