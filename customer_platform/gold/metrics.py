"""Metric definitions: formula, grain, filters and period semantics, in one place.

Each domain module lists its metrics in ``METRICS``; ``customer-platform docs`` renders them
into ``docs/metrics.md`` and the aggregate SQL is written to follow them. Period semantics
shared by every aggregate:

- Partition D holds the metrics of the periods that END on the settled day E = D - 1
  (``PERIOD_END``): ``Daily`` (day E), ``Weekly`` (the 7 days E-6..E) and ``Monthly`` (the
  30 days E-29..E) as rolling windows, unless a metric says otherwise (MRR follows calendar
  months and is written on the next month's first day; license utilization is measured on
  the day of its licenses snapshot).
- Why the day before: a row of day E may arrive a day late, on E+1. By partition D = E+1
  every row of E is in, so an aggregate reads only partitions up to D and is final when
  written: re-running it, or running days in any order, gives the same rows.
- Rows count by their business date (``event_date``), never by the day they were received;
  windows are computed from daily per-entity summaries, so a day's cost does not grow with
  the length of history.
- A period is complete only when every one of its days is on or after the warehouse's first
  day (``FIRST_DAY``: the daily partitions' fixed start, never the first partition that
  happens to be loaded, so days run in any order agree). Period rows carry ``is_complete``
  (``period_complete``); see ``gold/completeness.py``.
"""

import dataclasses
import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel
from customer_platform.gold.sql import DAY, FIRST_DAY, date_key, values_sql

PERIOD_DAYS = {"Daily": 1, "Weekly": 7, "Monthly": 30}
#: Days after which a business day's rows have all arrived (late rows arrive the next day).
SETTLE_DAYS = 1
#: SQL: the last day of the periods an aggregate's partition ``$day`` holds.
PERIOD_END = f"({DAY} - {SETTLE_DAYS})"
#: Partitions (relative to ``$day``) holding every row of the longest period ending on
#: ``PERIOD_END``: its first day's rows arrived on that day at the earliest.
AGGREGATE_WINDOW = (-(max(PERIOD_DAYS.values()) - 1 + SETTLE_DAYS), 0)


#: The description of every period aggregate's completeness flag.
IS_COMPLETE_DOC = ("Every day of the period is on or after the warehouse's first day, so all its "
                   "rows were loaded; false: a partial period, whose figures undercount")


def period_complete(start: str) -> str:
    """SQL: the period beginning on ``start`` lies wholly on or after the warehouse's first
    day, so all of its rows were loaded (its last day's late rows are in by ``PERIOD_END``)."""
    return f"({start} >= {FIRST_DAY})"


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    table: str  # gold table that holds it
    formula: str
    grain: str
    filters: str = ""
    periods: str = "Daily, Weekly (rolling 7 days), Monthly (rolling 30 days)"
    seed: str = "002"


# -- the period rows every period aggregate shares (meetings, licensing) -----------------------

PERIOD_TYPES = list(PERIOD_DAYS)


def periods(alias: str = "p") -> str:
    """SQL: the period types and their lengths in days, as relation ``alias``."""
    return values_sql(list(PERIOD_DAYS.items()), ("period_type", "period_days")).replace(
        " AS t(", f" AS {alias}(")


def in_window(alias: str) -> str:
    """SQL predicate: rows of ``alias`` from the aggregate window's partitions."""
    first, last = AGGREGATE_WINDOW
    return f"{alias}.load_date BETWEEN {DAY} + {first} AND {DAY} + {last}"


class PeriodColumns(GoldModel):
    activity_date: dt.date = column("Last day of the period (the day before the partition day)")
    activity_date_key: int = column("dim_date.date_key of activity_date")
    period_type: str = column("Aggregation period type (Daily, Weekly, Monthly) for different "
                              "reporting granularities", isin=PERIOD_TYPES)
    period_days: int = column("Days in the period: 1, 7 (rolling week) or 30 (rolling month)",
                              ge=1)
    period_start: dt.date = column("First day of the period")
    is_complete: bool = column(IS_COMPLETE_DOC)


def period_select(end: str = PERIOD_END) -> str:
    """SQL select list: the period columns of periods ending on ``end``."""
    return f"""
    {end} AS activity_date, {date_key(end)} AS activity_date_key,
    p.period_type, p.period_days, {end} - (p.period_days - 1) AS period_start,
    {period_complete(f"{end} - (p.period_days - 1)")} AS is_complete,
    {DAY} AS load_date, {DAY} AS update_date, 'platform' AS source_system
"""
