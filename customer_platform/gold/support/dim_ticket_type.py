"""dim_ticket_type: the support ticket types, the reference list ``vocabulary.TICKET_TYPES``
tickets are classified by (``reference_dimension``)."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel
from customer_platform.gold.scd2 import REFERENCE_SINCE_DOC, reference_dimension


class DimTicketTypeVersion(GoldModel):
    ticket_type_key: str = column("Surrogate key of the ticket type", unique=True)
    ticket_type_version_key: str = column("Surrogate key of this version", unique=True)
    ticket_type: str = column("Category of the support request (Technical Issue, Billing "
                              "Question, Feature Request) for issue classification")
    ticket_type_order: int = column("Position in the ticket type list, for sorting", ge=1)
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


DIM_TICKET_TYPE = reference_dimension(
    "ticket_type", "ticket_type", DimTicketTypeVersion,
    [(name, i) for i, name in enumerate(v.TICKET_TYPES, 1)],
    ("ticket_type", "ticket_type_order"),
    "Support ticket type definitions for service quality analysis and issue categorization.",
    domain="support", system="support", seed="002")
