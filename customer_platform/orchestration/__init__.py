"""Orchestration: every job, schedule and sensor of the platform, i.e. what runs when, on its
own. ``definitions.py`` only assembles what this package lists.

``jobs`` (each job, with why it is separate), ``landing_sensor`` (a day runs as soon as its
files are in), ``schedules`` (the clock-driven alternative, and the weekly segmentation),
``analytics_sensor``, ``audit_sensors``, ``freshness`` and ``cadence`` (the times, each
overridable by an environment variable). Every run says why it ran in its
``customer_platform/trigger`` tag; the rules are in docs/operations.md (Running on its own).
"""

from customer_platform.orchestration.analytics_sensor import gold_analytics_sensor
from customer_platform.orchestration.audit_sensors import (
    audit_after_failure,
    audit_after_success,
)
from customer_platform.orchestration.freshness import FRESHNESS_CHECKS, gold_freshness_sensor
from customer_platform.orchestration.jobs import (
    JOBS,
    analytics_job,
    audit_job,
    daily_platform_job,
    weekly_segmentation_job,
)
from customer_platform.orchestration.landing_sensor import (
    INTRADAY_CHAINS,
    TRIGGER_TAG,
    LandingWatch,
    build_landing_sensor,
    landing_zone_sensor,
)
from customer_platform.orchestration.schedules import (
    SCHEDULES,
    daily_platform_schedule,
    weekly_segmentation_schedule,
)

SENSORS = [audit_after_success, audit_after_failure, gold_analytics_sensor, landing_zone_sensor,
           gold_freshness_sensor]

__all__ = ["FRESHNESS_CHECKS", "INTRADAY_CHAINS", "JOBS", "SCHEDULES", "SENSORS", "TRIGGER_TAG",
           "LandingWatch", "analytics_job", "audit_after_failure", "audit_after_success",
           "audit_job", "build_landing_sensor", "daily_platform_job", "daily_platform_schedule",
           "gold_analytics_sensor", "gold_freshness_sensor", "landing_zone_sensor",
           "weekly_segmentation_job", "weekly_segmentation_schedule"]
