"""The code location: assembles assets, checks, jobs and resources. Nothing heavy happens here."""

import importlib

from dagster import (
    AssetSelection,
    Definitions,
    ExecutorDefinition,
    define_asset_job,
    in_process_executor,
    multiprocess_executor,
)

from customer_platform import settings
from customer_platform.analytics import (
    ANALYTICS_ASSETS,
    ANALYTICS_CHECKS,
    ANALYTICS_GROUP,
    ANALYTICS_JOBS,
    ANALYTICS_SENSORS,
)
from customer_platform.bronze.assets import BRONZE_ASSETS
from customer_platform.gold import GOLD_ASSETS, GOLD_CHECKS
from customer_platform.gold.audit import (
    AUDIT_GROUP,
    audit_after_failure,
    audit_after_success,
    audit_job,
)
from customer_platform.operations import FRESHNESS_CHECKS, OPERATIONS_JOBS, SCHEDULES, SENSORS
from customer_platform.report import REPORT_ASSETS, REPORT_GROUP
from customer_platform.silver.assets import SILVER_ASSETS
from customer_platform.storage import default_resources

#: The main job: every asset (and its checks) for one day. The audit tables are not in it: a
#: failed step would skip them; ``audit_job`` runs after every partitioned run instead. Nor is
#: the analytics layer: ``gold_analytics_sensor`` launches ``gold_analytics`` for a day once
#: the day's gold inputs are in and checked. Nor are the freshness checks: a sensor evaluates
#: them against the clock (``customer_platform/operations``).
daily_platform_job = define_asset_job(
    "daily_platform",
    selection=AssetSelection.all()
    - AssetSelection.groups(AUDIT_GROUP, ANALYTICS_GROUP, REPORT_GROUP)
    - AssetSelection.checks(*FRESHNESS_CHECKS),
    description="Materialise the whole graph (bronze -> silver -> gold) for one day, with checks.",
)

#: The cluster executors, from their integrations (installed with the cluster's image).
CLUSTER_EXECUTORS = {"k8s": ("dagster_k8s", "k8s_job_executor"),
                     "celery": ("dagster_celery", "celery_executor")}


def platform_executor() -> ExecutorDefinition:
    """The executor ``CUSTOMER_PLATFORM_EXECUTOR`` names. By default one process: per-step
    processes cost seconds each on two cores and, on the DuckDB file, would take turns with
    the one writer anyway. With the Delta storage, steps in many processes write at once."""
    name = settings.executor()
    if name == "in_process":
        return in_process_executor
    if name == "multiprocess":
        return multiprocess_executor.configured(
            {"max_concurrent": settings.max_concurrent_steps()})
    module, attribute = CLUSTER_EXECUTORS[name]
    try:
        return getattr(importlib.import_module(module), attribute)
    except ImportError:
        raise ImportError(f"CUSTOMER_PLATFORM_EXECUTOR={name} needs {module.replace('_', '-')} "
                          f"(pip install {module.replace('_', '-')})") from None


defs = Definitions(
    assets=[*BRONZE_ASSETS, *SILVER_ASSETS, *GOLD_ASSETS, *ANALYTICS_ASSETS, *REPORT_ASSETS],
    # the stand-alone ones; the rest run inside their assets
    asset_checks=[*GOLD_CHECKS, *ANALYTICS_CHECKS, *FRESHNESS_CHECKS],
    jobs=[daily_platform_job, audit_job, *ANALYTICS_JOBS, *OPERATIONS_JOBS],
    schedules=SCHEDULES,
    sensors=[audit_after_success, audit_after_failure, *ANALYTICS_SENSORS, *SENSORS],
    resources=default_resources(),
    executor=platform_executor(),
)
