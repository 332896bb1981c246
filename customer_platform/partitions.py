"""The one partitioning of the platform: a partition per calendar day (UTC)."""

import datetime as dt
import warnings

from dagster import BetaWarning, DailyPartitionsDefinition, PreviewWarning

from customer_platform import settings

# Partitioned asset checks are "preview" and windows over missing upstream days "beta" in
# Dagster 1.13; the platform is built on both (every check runs per day, gold reads trailing
# windows), so the warnings say nothing a user can act on.
warnings.filterwarnings("ignore", category=PreviewWarning)
warnings.filterwarnings("ignore", category=BetaWarning)

daily_partitions = DailyPartitionsDefinition(
    start_date=settings.partition_start().isoformat(), timezone="UTC"
)


def partition_day(partition_key: str) -> dt.date:
    return dt.date.fromisoformat(partition_key)
