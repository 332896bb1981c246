"""fact_network_usage: each customer's daily use of each service and the network quality
it got (dropped sessions, outage minutes): utilisation patterns and churn early-warning
features.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
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


class FactNetworkUsage(GoldModel):
    network_usage_key: str = column("Surrogate key of the usage day x customer x service",
                                    unique=True)
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    service_key: str = column("Service used (dim_service.service_key)")
    service_id: str = column("Service business key")
    event_date: dt.date = column("Usage day (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    data_volume_mb: float = column("Data transferred (Internet, Mobile)", nullable=True, ge=0.0)
    minutes: int = column("Call or viewing minutes (Voice, Mobile, TV)", nullable=True, ge=0)
    sessions: int = column("Sessions started", ge=0)
    dropped_sessions: int = column("Sessions cut off by the network", ge=0)
    drop_rate: float = column("dropped_sessions / sessions; empty without sessions",
                              nullable=True, ge=0.0)
    outage_minutes: int = column("Minutes unavailable because of a network outage", ge=0)
    had_outage: bool = column("Any outage minute that day")
    undelivered_columns: str = undelivered_column(fact=True)


FACT_NETWORK_USAGE = GoldTable(
    name="fact_network_usage",
    model=FactNetworkUsage,
    description="Service utilisation patterns and network quality per customer and service "
    "(for the customer 360 view): daily usage, dropped sessions and "
    "outage minutes, churn early-warning features.",
    seed="001",
    kind="fact",
    domain="services",
    primary_key=("network_usage_key",),
    sources=("silver.stg_net_daily_usage", "gold.dim_customer", "gold.dim_service",
             "gold.dim_date"),
    foreign_keys=(customer_fk(), ForeignKey("service_key", "dim_service", "service_key"),
                  EVENT_DATE_FK),
    grain="one row per usage day x customer x service, in the partition of the day it was "
    "received",
    sql=f"""
    SELECT {sk("network_usage", "usage_date", "customer_id", "service_id")} AS network_usage_key,
           {CUSTOMER_KEY} AS customer_key, customer_id, {SERVICE_KEY} AS service_key, service_id,
           {event_columns()},
           data_volume_mb, minutes, sessions, dropped_sessions,
           CASE WHEN sessions > 0 THEN dropped_sessions / sessions END AS drop_rate,
           outage_minutes, outage_minutes > 0 AS had_outage, _missing_columns AS {UNDELIVERED},
           {metadata_columns("network")}
    FROM silver.stg_net_daily_usage
    WHERE _partition_date = $day
    """,
)

