"""Operating the platform: what runs when, on its own (issue 6, scheduled and event-driven).

- ``landing_sensor``: ``landing_zone_sensor`` (running by default) runs a day as soon as its
  landing files are in, or at the cut-off with what arrived; re-runs a day whose file is
  re-delivered (only what the file feeds); refreshes the support-ticket chain each time the
  tickets file changes before the day's whole run (seed 000's intra-day tickets).
- ``schedules``: ``daily_platform_schedule`` (the day just ended, at a fixed time; stopped by
  default, the alternative to the sensor) and ``weekly_segmentation_schedule`` (seed 001's
  weekly segmentation, for each week's Sunday) with its job ``weekly_segmentation``.
- ``freshness``: a freshness check per gold table of the daily job, failing when the day
  just ended is not in by the deadline, and ``gold_freshness_sensor`` evaluating them.
- ``cadence``: the times, timezone, cut-off and look-back, each overridable by an
  environment variable.

Every run these request carries the tag ``customer_platform/trigger`` (``landing_complete``,
``landing_cutoff``, ``landing_redelivery``, ``landing_intraday``, ``daily_schedule``,
``weekly_segmentation``), so the UI's run list filters by why a run happened.

``definitions.py`` adds ``OPERATIONS_JOBS``, ``SCHEDULES``, ``SENSORS`` and
``FRESHNESS_CHECKS`` to the code location and leaves the freshness checks out of
``daily_platform``'s selection.
"""

from customer_platform.operations.freshness import FRESHNESS_CHECKS, gold_freshness_sensor
from customer_platform.operations.landing_sensor import (
    INTRADAY_CHAINS,
    TRIGGER_TAG,
    LandingWatch,
    build_landing_sensor,
    landing_zone_sensor,
)
from customer_platform.operations.schedules import (
    SCHEDULES,
    daily_platform_schedule,
    weekly_segmentation_job,
    weekly_segmentation_schedule,
)

OPERATIONS_JOBS = [weekly_segmentation_job]
SENSORS = [landing_zone_sensor, gold_freshness_sensor]

__all__ = ["FRESHNESS_CHECKS", "INTRADAY_CHAINS", "OPERATIONS_JOBS", "SCHEDULES", "SENSORS",
           "TRIGGER_TAG", "LandingWatch", "build_landing_sensor", "daily_platform_schedule",
           "gold_freshness_sensor", "landing_zone_sensor", "weekly_segmentation_job",
           "weekly_segmentation_schedule"]
