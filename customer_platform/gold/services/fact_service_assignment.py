"""fact_service_assignment: which customer holds which service from when to when, one row
per assignment started or ended, for service portfolio, adoption and churn analysis.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable, from_contract
from customer_platform.gold.completeness import UNDELIVERED
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.services.dim_service import SERVICE_KEY
from customer_platform.gold.sql import (
    CUSTOMER_KEY,
    EVENT_DATE_FK,
    customer_fk,
    event_columns,
    metadata_columns,
    sk,
)


class FactServiceAssignment(GoldModel):
    service_assignment_event_key: str = column("Surrogate key of this assignment status change",
                                               unique=True)
    service_assignment_key: str = column("Surrogate key of the assignment")
    assignment_id: str = column("Service assignment business key (SA + 9 digits)")
    customer_key: str = column("Customer holding the service (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    service_key: str = column("Service held (dim_service.service_key)")
    service_id: str = column("Service business key")
    event_date: dt.date = column("Business day of the status change (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    status: str = column("Active from the start, Ended from the end date")
    start_date: dt.date = column("First day the service was active (and billed)")
    end_date: dt.date = column("First day the service was no longer active; empty while active "
                               "(unknown when undelivered_columns names it)", nullable=True)
    is_active: bool = column("The assignment is active after this change")
    days_active: int = column("Days the service was active (ended assignments with a known "
                              "end_date only)", nullable=True)
    undelivered_columns: str = undelivered_column(fact=True)
    source_updated_at: dt.datetime = from_contract("provisioning.service_assignments",
                                                   "updated_at")


FACT_SERVICE_ASSIGNMENT = GoldTable(
    name="fact_service_assignment",
    model=FactServiceAssignment,
    description="Which customer holds which service from when to when, for service portfolio, "
    "adoption and churn analysis, and for the customer 360 view: "
    "one row per assignment started (Active) or ended (Ended).",
    seed="001",
    kind="fact",
    domain="services",
    primary_key=("service_assignment_event_key",),
    sources=("silver.stg_prv_service_assignments", "gold.dim_customer", "gold.dim_service",
             "gold.dim_date"),
    foreign_keys=(customer_fk(), ForeignKey("service_key", "dim_service", "service_key"),
                  EVENT_DATE_FK),
    grain="one row per assignment status change, in the partition of the day it was received",
    sql=f"""
    SELECT {sk("service_assignment_event", "assignment_id", "updated_at")}
               AS service_assignment_event_key,
           {sk("service_assignment", "assignment_id")} AS service_assignment_key,
           assignment_id, {CUSTOMER_KEY} AS customer_key, customer_id,
           {SERVICE_KEY} AS service_key, service_id,
           {event_columns()},
           status, start_date, end_date, status = 'Active' AS is_active,
           CASE WHEN status = 'Ended' THEN end_date - start_date END AS days_active,
           _missing_columns AS {UNDELIVERED},
           updated_at AS source_updated_at,
           {metadata_columns("provisioning", "updated_at")}
    FROM silver.stg_prv_service_assignments
    WHERE _partition_date = $day
    """,
)

