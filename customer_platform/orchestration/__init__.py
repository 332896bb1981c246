"""Orchestration: every job, schedule and sensor of the platform, i.e. what runs when, on its
own. ``definitions.py`` only assembles what this package lists.

- ``jobs``: ``daily_platform`` (bronze -> silver -> gold for one day), ``audit_job``,
  ``gold_analytics`` and ``weekly_segmentation``, each with why it is separate.
- ``landing_sensor``: ``landing_zone_sensor`` (running by default) runs a day as soon as its
  landing files are in, or at the cut-off with what arrived; re-runs a day whose file is
  re-delivered (only what the file feeds); refreshes the support-ticket chain each time the
  tickets file changes before the day's whole run (tickets change several times a day).
- ``schedules``: ``daily_platform_schedule`` (the day just ended, at a fixed time; stopped by
  default, the alternative to the sensor) and ``weekly_segmentation_schedule`` (the weekly
  segmentation, for each week's Sunday).
- ``analytics_sensor``: ``gold_analytics_sensor`` runs a day's analytics once its gold inputs
  are in and checked.
- ``audit_sensors``: ``audit_after_success`` / ``audit_after_failure`` audit the day of every
  run that finishes.
- ``freshness``: a freshness check per gold table of the daily job, failing when the day
  just ended is not in by the deadline, and ``gold_freshness_sensor`` evaluating them.
- ``cadence``: the clock, the times, timezone, cut-off and look-back, each overridable by an
  environment variable.

Every run the landing sensor and the schedules request carries the tag
``customer_platform/trigger`` (``landing_complete``, ``landing_cutoff``, ``landing_redelivery``,
``landing_intraday``, ``daily_schedule``, ``weekly_segmentation``), so the UI's run list
filters by why a run happened.
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
