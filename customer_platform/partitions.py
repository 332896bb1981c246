"""The one partitioning of the platform: a partition per calendar day (UTC)."""

import datetime as dt

from dagster import DailyPartitionsDefinition

from customer_platform import settings

daily_partitions = DailyPartitionsDefinition(
    start_date=settings.partition_start().isoformat(), timezone="UTC"
)


def partition_day(partition_key: str) -> dt.date:
    return dt.date.fromisoformat(partition_key)
