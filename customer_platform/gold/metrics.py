"""Metric definitions: formula, grain, filters and period semantics, in one place.

Each domain module lists its metrics in ``METRICS``; ``customer-platform docs`` renders them
into ``docs/metrics.md`` and the aggregate SQL is written to follow them. Period semantics
shared by every aggregate:

- Partition D holds the metrics of the periods that END on day D: ``Daily`` (day D),
  ``Weekly`` (the 7 days D-6..D) and ``Monthly`` (the 30 days D-29..D) as rolling windows,
  unless a metric says it follows calendar months (then its rows are written on the month's
  last day, e.g. MRR).
- Rows count by their business date (``event_date``), never by the day they were received;
  windows are computed from daily per-entity summaries, so a day's cost does not grow with
  the length of history.
"""

import dataclasses

PERIOD_DAYS = {"Daily": 1, "Weekly": 7, "Monthly": 30}


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    table: str  # gold table that holds it
    formula: str
    grain: str
    filters: str = ""
    periods: str = "Daily, Weekly (rolling 7 days), Monthly (rolling 30 days)"
    seed: str = "002"
