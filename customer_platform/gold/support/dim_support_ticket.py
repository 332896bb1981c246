"""dim_support_ticket: the support cases, one version per status change (the view keeps
the last change of a day). ``TICKET_COLUMNS`` are the ticket's business columns and
``SUPPORT_TICKET_KEY`` its durable key, which the ticket fact shares.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.scd2 import scd2_dimension, undelivered_column
from customer_platform.gold.sql import CUSTOMER_KEY, customer_fk, sk

SUPPORT_TICKET_KEY = sk("support_ticket", "ticket_id")


class DimSupportTicketVersion(GoldModel):
    support_ticket_key: str = column("Durable surrogate key of the ticket")
    support_ticket_version_key: str = column("Surrogate key of this version", unique=True)
    ticket_id: str = column("Ticket business key (T + 9 digits)")
    customer_key: str = column("Customer who raised it (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    user_id: str = column("Platform user who raised it (business accounts)", nullable=True)
    priority: str = column("Urgency level (High, Medium, Low)")
    status: str = column("State after this change (Open, In Progress, Resolved, Closed)")
    channel_of_contact: str = from_contract("support.tickets", "channel_of_contact")
    category: str = column("Type of issue")
    ticket_type: str = column("Technical Issue, Billing Question or Feature Request")
    subject: str = column("Short summary of the issue")
    description: str = column("Agent's note on the issue", nullable=True)
    agent_name: str = from_contract("support.tickets", "agent_name", nullable=True,
                                    description="Support agent who owns the ticket")
    opened_at: dt.datetime = from_contract("support.tickets", "opened_at")
    first_response_at: dt.datetime = column("When an agent first responded", nullable=True)
    resolved_at: dt.datetime = column("When the ticket was resolved", nullable=True)
    satisfaction_score: int = column("Satisfaction survey answer 1..5", nullable=True,
                                     ge=1, le=5)
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = from_contract("support.tickets", "updated_at")


TICKET_COLUMNS = """ticket_id, customer_id, user_id, priority, status, channel_of_contact,
           category, ticket_type, subject, description, agent_name, opened_at,
           first_response_at, resolved_at, satisfaction_score"""

DIM_SUPPORT_TICKET = scd2_dimension(
    entity="support_ticket", business_key="ticket_id", version_model=DimSupportTicketVersion,
    view_name="support_ticket",
    description="Customer support case management and service quality tracking: one version per "
    "status change of each ticket (the view keeps the "
    "last change of a day).",
    seed="000", domain="support",
    source="silver.stg_sup_tickets", system="support", snapshot=False,
    columns=f"{CUSTOMER_KEY} AS customer_key, {TICKET_COLUMNS}",
    tracked=("status", "priority", "channel_of_contact", "category", "ticket_type",
             "agent_name", "satisfaction_score"),
    grain="one row per ticket status change received that day",
    sources=("gold.dim_customer",), foreign_keys=(customer_fk(),),
)

