"""The code location: assembles the assets, checks, jobs, schedules, sensors and resources
the layers and ``orchestration`` define. Nothing heavy happens here."""

import importlib

from dagster import Definitions, ExecutorDefinition, in_process_executor, multiprocess_executor

from customer_platform import settings
from customer_platform.bronze.assets import BRONZE_ASSETS
from customer_platform.exports.assets import EXPORT_ASSETS
from customer_platform.gold import ANALYTICS_ASSETS, ANALYTICS_CHECKS, GOLD_ASSETS, GOLD_CHECKS
from customer_platform.orchestration import FRESHNESS_CHECKS, JOBS, SCHEDULES, SENSORS
from customer_platform.report import REPORT_ASSETS
from customer_platform.silver.assets import SILVER_ASSETS
from customer_platform.storage import default_resources

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
    assets=[*BRONZE_ASSETS, *SILVER_ASSETS, *GOLD_ASSETS, *EXPORT_ASSETS, *ANALYTICS_ASSETS,
            *REPORT_ASSETS],
    # the stand-alone ones; the rest run inside their assets
    asset_checks=[*GOLD_CHECKS, *ANALYTICS_CHECKS, *FRESHNESS_CHECKS],
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=default_resources(),
    executor=platform_executor(),
)
