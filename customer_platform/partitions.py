"""The one partitioning of the platform: a partition per calendar day (UTC), run in ranges.

A run covers one day or a range of days (``RANGED``: at most ``settings.range_days()`` per
run). Every step handles its range in day order, each day written as its own partition, so a
range leaves exactly what its days run one at a time would.
"""

import datetime as dt
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from dagster import BackfillPolicy, BetaWarning, DailyPartitionsDefinition, Failure, PreviewWarning

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


#: How a backfill of the asset graph (from the UI or ``customer-platform materialize``) groups
#: its days into runs.
RANGED = BackfillPolicy.multi_run(max_partitions_per_run=settings.range_days())


def partition_days(context) -> list[dt.date]:
    """The days a step covers, in order: one for a daily run, each day of a ranged run's."""
    return [partition_day(key) for key in context.partition_keys]


Done = TypeVar("Done")
#: The metadata key of a ranged step's failure that holds the day it failed on.
FAILED_DAY = "failed_day"


def each_day(context, do_day: Callable[[dt.date], Done]) -> list[tuple[dt.date, Done]]:
    """``do_day(day)`` for each day of the step, in day order, with what each returned. Over a
    range a failing day stops the step with a failure that names it (its description starts
    with the day, its metadata holds it as ``FAILED_DAY``): the days before it have run, the
    run's later steps do not, and the CLI commits the days before it (``tools/backfill.py``)."""
    days = partition_days(context)
    done = []
    for day in days:
        try:
            done.append((day, do_day(day)))
        except Exception as error:
            if len(days) == 1:
                raise
            raise failed_day(day, error) from error
    return done


Read = TypeVar("Read")


def each_day_read_ahead(context, read: Callable[[dt.date], Read],
                        do_day: Callable[[dt.date, Read], Done]) -> list[tuple[dt.date, Done]]:
    """``each_day`` for a step whose day first reads its inputs (``read(day)``: DuckDB, which
    works without holding Python's lock) and then works on them in Python (a model's fit, a
    report's figures): the next day's read runs on a second thread while this day's work runs,
    so the step uses both cores. The days, their order, what each gets and a failing day's
    failure are ``each_day``'s; at most one day is read ahead."""
    days = partition_days(context)
    following = dict(zip(days, days[1:], strict=False))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read_ahead") as reader:
        ahead = {}

        def do(day):
            inputs = (ahead.pop(day, None) or reader.submit(read, day)).result()
            if day in following:
                ahead[following[day]] = reader.submit(read, following[day])
            return do_day(day, inputs)

        return each_day(context, do)


def failed_day(day: dt.date, error: BaseException) -> Failure:
    """The failure of a ranged step that stops at ``day`` because of ``error``: its
    description starts with the day and the cause's first line, its metadata holds the
    day as ``FAILED_DAY`` (raise it ``from error``)."""
    message = (getattr(error, "description", None) or str(error)).strip()
    cause = message.splitlines()[0] if message else repr(error)
    return Failure(description=f"{day}: {cause}",
                   metadata={**(getattr(error, "metadata", None) or {}),
                             FAILED_DAY: day.isoformat()})


def record_day(context, day: dt.date, metadata: dict, asset_key=None) -> None:
    """``metadata`` on the materialisation of partition ``day`` (of ``asset_key``, else the
    step's asset): each day of a range keeps its own row count and preview."""
    context.add_asset_metadata(metadata, asset_key=asset_key, partition_key=day.isoformat())
