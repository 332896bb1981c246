"""agg_ticket_resolution: how many tickets of each type were resolved over the rolling
day, week and month ending on the settled day, and in how many hours on average.

A ticket resolved without a delivered resolution time counts as resolved but stays out of
the average (``untimed_resolved_tickets``), so a missing column never passes for a fast or a
slow resolution.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.completeness import undelivered
from customer_platform.gold.metrics import (
    AGGREGATE_WINDOW,
    IS_COMPLETE_DOC,
    PERIOD_DAYS,
    PERIOD_END,
    Metric,
    period_complete,
)
from customer_platform.gold.sql import DAY, metadata_columns
from customer_platform.vocabulary import TICKET_TYPES


class AggTicketResolution(GoldModel):
    ticket_type: str = column("Ticket type (Technical Issue, Billing Question, Feature Request)")
    period_type: str = column("Daily, Weekly (rolling 7 days) or Monthly (rolling 30 days)")
    period_start: dt.date = column("First day of the period")
    period_end: dt.date = column("Last day of the period (the day before the partition day)")
    is_complete: bool = column(IS_COMPLETE_DOC)
    resolved_tickets: int = column("Tickets resolved in the period", ge=0)
    untimed_resolved_tickets: int = column(
        "Tickets of resolved_tickets whose resolution time is unknown (no file delivered their "
        "resolved_at): left out of the average", ge=0)
    avg_resolution_hours: float = column(
        "Average hours from opening to resolution of the tickets resolved in the period whose "
        "resolution time is known; empty when none is", nullable=True, ge=0.0)


PERIODS = " UNION ALL ".join(f"SELECT '{name}' AS period_type, {days} AS days"
                             for name, days in PERIOD_DAYS.items())
TYPES = ", ".join(f"'{t}'" for t in TICKET_TYPES)
LONGEST = max(PERIOD_DAYS.values())
FIRST_LOAD, LAST_LOAD = AGGREGATE_WINDOW

AGG_TICKET_RESOLUTION = GoldTable(
    name="agg_ticket_resolution",
    model=AggTicketResolution,
    description="Average ticket resolution times by ticket type and period for service quality "
    "analysis and support team performance metrics.",
    seed="002",
    kind="aggregate",
    domain="support",
    primary_key=("ticket_type", "period_type"),
    sources=("gold.fact_support_ticket",),
    window=AGGREGATE_WINDOW,
    grain="one row per ticket type x period type, for the periods ending on the day before "
    "the partition day (the settled day, see gold/metrics.py)",
    sql=f"""
    WITH resolved AS (  -- each ticket's resolution, counted on its business day; its hours
                        -- from its last change that delivered resolved_at, else unknown
        SELECT ticket_type, event_date,
               last_value(resolution_hours IGNORE NULLS) OVER (
                   PARTITION BY support_ticket_key ORDER BY source_updated_at, load_date
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                   AS resolution_hours
        FROM gold.fact_support_ticket
        WHERE load_date BETWEEN {DAY} + {FIRST_LOAD}
                            AND {DAY} + {LAST_LOAD}
          AND event_date BETWEEN {PERIOD_END} - {LONGEST - 1} AND {PERIOD_END}
          AND status = 'Resolved'
          AND (resolution_hours IS NOT NULL OR {undelivered("resolved_at")})
        QUALIFY row_number() OVER (PARTITION BY support_ticket_key
                                   ORDER BY source_updated_at DESC, load_date DESC) = 1
    ), daily AS (  -- per type and day, so windows add up small summaries
        SELECT ticket_type, event_date, count(*) AS tickets,
               count(resolution_hours) AS timed, sum(resolution_hours) AS hours
        FROM resolved GROUP BY ticket_type, event_date
    ), periods AS (
        SELECT period_type, {PERIOD_END} - (days - 1) AS period_start FROM ({PERIODS})
    )
    SELECT t.ticket_type, p.period_type, p.period_start, {PERIOD_END} AS period_end,
           {period_complete("p.period_start")} AS is_complete,
           coalesce(sum(d.tickets), 0) AS resolved_tickets,
           coalesce(sum(d.tickets - d.timed), 0) AS untimed_resolved_tickets,
           round(sum(d.hours) / nullif(sum(d.timed), 0), 2) AS avg_resolution_hours,
           {metadata_columns("support")}
    FROM (SELECT unnest([{TYPES}]) AS ticket_type) t
    CROSS JOIN periods p
    LEFT JOIN daily d ON d.ticket_type = t.ticket_type
                     AND d.event_date BETWEEN p.period_start AND {PERIOD_END}
    GROUP BY t.ticket_type, p.period_type, p.period_start
    """,
)

METRICS = [
    Metric(
        name="avg_resolution_hours",
        table="agg_ticket_resolution",
        formula="sum(resolution_hours) / count(resolution_hours) over the tickets resolved in "
        "the period whose resolution time is known, where resolution_hours = (resolved_at - "
        "opened_at) in hours; rounded to 2 decimals",
        grain="ticket_type x period_type, per period end (the day before the partition day)",
        filters="as resolved_tickets; a ticket's hours come from its last Resolved change that "
        "delivered resolved_at; empty when no resolved ticket of the type has a known "
        "resolution time",
    ),
    Metric(
        name="resolved_tickets",
        table="agg_ticket_resolution",
        formula="count of distinct tickets resolved in the period",
        grain="ticket_type x period_type, per period end (the day before the partition day)",
        filters="fact_support_ticket rows with status = 'Resolved' and a resolved_at, or whose "
        "file did not deliver resolved_at (resolved, time unknown: never 'not resolved'); one "
        "per ticket (its latest Resolved change), counted on their event_date (late rows on "
        "their business day); 0 when none was resolved",
    ),
    Metric(
        name="untimed_resolved_tickets",
        table="agg_ticket_resolution",
        formula="count of the resolved_tickets whose resolution time is unknown: no Resolved "
        "change of the ticket in the window delivered resolved_at",
        grain="ticket_type x period_type, per period end (the day before the partition day)",
        filters="as resolved_tickets; 0 when every resolution time is known",
    ),
]

