"""The code location with the operations package wired in, exactly as ``definitions.py`` will
be once it adds the schedules, sensors, jobs and freshness checks (and leaves the freshness
checks out of ``daily_platform``). Once ``definitions.py`` has them, this is that module's
``defs`` unchanged.

``dagster-daemon run -m customer_platform.operations.location`` (or ``dagster dev -m ...``)
runs the platform with its schedules and sensors until then.
"""

from dagster import AssetSelection, Definitions, define_asset_job

from customer_platform import definitions as platform
from customer_platform.operations import (
    FRESHNESS_CHECKS,
    OPERATIONS_JOBS,
    SCHEDULES,
    SENSORS,
    landing_zone_sensor,
)


def wired(base: Definitions) -> Definitions:
    """``base`` (the platform's code location) plus the operations package."""
    if any(s.name == landing_zone_sensor.name for s in base.sensors or []):
        return base
    job = platform.daily_platform_job
    daily = define_asset_job(job.name, selection=job.selection
                             - AssetSelection.checks(*FRESHNESS_CHECKS),
                             description=job.description)
    return Definitions(
        assets=base.assets,
        asset_checks=[*(base.asset_checks or []), *FRESHNESS_CHECKS],
        jobs=[daily, *(j for j in base.jobs or [] if j.name != job.name), *OPERATIONS_JOBS],
        schedules=[*(base.schedules or []), *SCHEDULES],
        sensors=[*(base.sensors or []), *SENSORS],
        resources=base.resources,
        executor=base.executor,
    )


defs = wired(platform.defs)
