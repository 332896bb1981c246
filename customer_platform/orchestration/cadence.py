"""When things run: the clock and the operating knobs of the schedules, the landing sensor
and freshness.

Every value has a default and an environment variable that overrides it, read when the code
location loads. Daily partitions are UTC days; the timezone below only says how the cron
strings and the freshness deadline are read. How the defaults fit together: docs/operations.md
(The clock).
"""

import datetime as dt
import os
import zoneinfo

from dagster._time import get_current_datetime
from dagster._utils.schedules import is_valid_cron_string


def utc_now() -> dt.datetime:
    """Now, in UTC (Dagster's clock, which its test utilities can freeze)."""
    return get_current_datetime()


def _cron(variable: str, default: str) -> str:
    value = os.environ.get(variable, default)
    if not is_valid_cron_string(value):
        raise ValueError(f"{variable}={value!r} is not a cron string (e.g. {default!r})")
    return value


def _number(variable: str, default: float) -> float:
    value = os.environ.get(variable)
    try:
        number = float(value) if value else default
    except ValueError:
        raise ValueError(f"{variable}={value!r} is not a number (e.g. {default})") from None
    if number < 0:
        raise ValueError(f"{variable}={value!r} must not be negative")
    return number


def schedule_timezone() -> str:
    """IANA timezone of the cron strings below (CUSTOMER_PLATFORM_SCHEDULE_TIMEZONE, UTC)."""
    value = os.environ.get("CUSTOMER_PLATFORM_SCHEDULE_TIMEZONE", "UTC")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"CUSTOMER_PLATFORM_SCHEDULE_TIMEZONE={value!r} is not an IANA "
                         "timezone (e.g. 'UTC', 'Europe/Berlin')") from None
    return value


def daily_run_cron() -> str:
    """When the daily schedule runs the day just ended (CUSTOMER_PLATFORM_DAILY_RUN_CRON,
    ``0 6 * * *``: 06:00 every day)."""
    return _cron("CUSTOMER_PLATFORM_DAILY_RUN_CRON", "0 6 * * *")


def segmentation_cron() -> str:
    """When the weekly segmentation is rebuilt for the week's last day
    (CUSTOMER_PLATFORM_SEGMENTATION_CRON, ``0 7 * * 1``: Mondays 07:00)."""
    return _cron("CUSTOMER_PLATFORM_SEGMENTATION_CRON", "0 7 * * 1")


def freshness_deadline_cron() -> str:
    """By when the gold tables must hold the day just ended
    (CUSTOMER_PLATFORM_FRESHNESS_DEADLINE_CRON, ``0 9 * * *``: 09:00 every day)."""
    return _cron("CUSTOMER_PLATFORM_FRESHNESS_DEADLINE_CRON", "0 9 * * *")


def landing_cutoff() -> dt.timedelta:
    """How long after a day ends (UTC midnight) the landing sensor waits for missing files
    before it runs the day with what arrived (CUSTOMER_PLATFORM_LANDING_CUTOFF_HOURS, 6)."""
    return dt.timedelta(hours=_number("CUSTOMER_PLATFORM_LANDING_CUTOFF_HOURS", 6))


def landing_lookback() -> int:
    """How many days back from today the landing sensor watches
    (CUSTOMER_PLATFORM_LANDING_LOOKBACK_DAYS, 7). Older days are history: load or reload
    them with a backfill (``customer-platform materialize``)."""
    return int(_number("CUSTOMER_PLATFORM_LANDING_LOOKBACK_DAYS", 7))


def landing_sensor_interval() -> int:
    """Seconds between two looks at the landing zone
    (CUSTOMER_PLATFORM_LANDING_SENSOR_INTERVAL, 60)."""
    return max(1, int(_number("CUSTOMER_PLATFORM_LANDING_SENSOR_INTERVAL", 60)))
