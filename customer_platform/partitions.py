"""The one partitioning of the platform: a partition per calendar day (UTC)."""

import datetime as dt
import warnings

from dagster import DailyPartitionsDefinition, PreviewWarning

from customer_platform import settings

# Partitioned asset checks are "preview" in Dagster 1.13; they are what the platform is built
# on (every check runs per day), so the warning says nothing a user can act on.
warnings.filterwarnings("ignore", category=PreviewWarning)

daily_partitions = DailyPartitionsDefinition(
    start_date=settings.partition_start().isoformat(), timezone="UTC"
)


def partition_day(partition_key: str) -> dt.date:
    return dt.date.fromisoformat(partition_key)
