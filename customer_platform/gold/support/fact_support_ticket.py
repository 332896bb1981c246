"""fact_support_ticket: every status change of a support ticket, with the hours to the
first response and to resolution once they are known: the base of the resolution-time and
service-quality figures.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, from_contract
from customer_platform.gold.completeness import UNDELIVERED
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import (
    CUSTOMER_KEY,
    EVENT_DATE_FK,
    customer_fk,
    event_columns,
    metadata_columns,
    sk,
)
from customer_platform.gold.support.dim_support_ticket import SUPPORT_TICKET_KEY


def hours_between(start: str, end: str) -> str:
    return f"date_diff('second', {start}, {end}) / 3600.0"


class FactSupportTicket(GoldModel):
    support_ticket_event_key: str = column("Surrogate key of this ticket status change",
                                           unique=True)
    support_ticket_key: str = column("Ticket (dim_support_ticket.support_ticket_key)")
    ticket_id: str = column("Ticket business key")
    customer_key: str = column("Customer who raised it (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    user_id: str = column("Platform user who raised it (business accounts)", nullable=True)
    event_date: dt.date = column("Business day of the status change (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    status: str = column("Open, In Progress, Resolved or Closed after this change")
    priority: str = column("Urgency level (High, Medium, Low)")
    ticket_type: str = column("Technical Issue, Billing Question or Feature Request")
    category: str = column("Type of issue")
    channel_of_contact: str = from_contract("support.tickets", "channel_of_contact")
    agent_name: str = from_contract("support.tickets", "agent_name", nullable=True,
                                    description="Support agent who owns the ticket")
    opened_at: dt.datetime = from_contract("support.tickets", "opened_at")
    open_date: dt.date = column("Day the ticket was raised")
    first_response_at: dt.datetime = column("When an agent first responded", nullable=True)
    resolved_at: dt.datetime = column("When the ticket was resolved", nullable=True)
    first_response_hours: float = column("Hours from opening to the first agent response, "
                                         "once known", nullable=True)
    resolution_hours: float = column("Hours from opening to resolution, once resolved",
                                     nullable=True)
    satisfaction_score: int = column("Satisfaction survey answer 1..5, once given",
                                     nullable=True, ge=1, le=5)
    undelivered_columns: str = undelivered_column(fact=True)
    source_updated_at: dt.datetime = from_contract("support.tickets", "updated_at")


FACT_SUPPORT_TICKET = GoldTable(
    name="fact_support_ticket",
    model=FactSupportTicket,
    description="Customer support data for service quality analysis and issue tracking; "
    "supports ticket resolution time and service quality KPIs and the customer 360 view: one "
    "row per ticket status change.",
    seed="002",
    kind="fact",
    domain="support",
    primary_key=("support_ticket_event_key",),
    sources=("silver.stg_sup_tickets", "gold.dim_customer", "gold.dim_support_ticket",
             "gold.dim_date"),
    foreign_keys=(customer_fk(),
                  ForeignKey("support_ticket_key", "dim_support_ticket", "support_ticket_key"),
                  EVENT_DATE_FK),
    grain="one row per ticket status change (ticket_id, updated_at), in the partition of the "
    "day it was received",
    sql=f"""
    SELECT {sk("support_ticket_event", "ticket_id", "updated_at")} AS support_ticket_event_key,
           {SUPPORT_TICKET_KEY} AS support_ticket_key, ticket_id,
           {CUSTOMER_KEY} AS customer_key, customer_id, user_id,
           {event_columns()},
           status, priority, ticket_type, category, channel_of_contact, agent_name,
           opened_at, CAST(opened_at AS DATE) AS open_date, first_response_at, resolved_at,
           {hours_between("opened_at", "first_response_at")} AS first_response_hours,
           {hours_between("opened_at", "resolved_at")} AS resolution_hours,
           satisfaction_score, _missing_columns AS {UNDELIVERED},
           updated_at AS source_updated_at,
           {metadata_columns("support", "updated_at")}
    FROM silver.stg_sup_tickets
    WHERE _partition_date = $day
    """,
)

