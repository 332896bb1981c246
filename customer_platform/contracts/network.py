"""Network extracts: daily usage and service quality per customer and service."""

import datetime as dt

from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN
from customer_platform.contracts.provisioning import SERVICE_ID_PATTERN


class DailyUsage(Contract):
    """One customer's use of one subscribed service on one day, with the quality it got."""

    usage_date: dt.date = column("Day the usage was measured (network day, 00:00-24:00 local)")
    customer_id: str = column(
        "Customer using the service (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    service_id: str = column(
        "Service used (key of the service catalogue); a customer holding several lines of "
        "the same service gets one row with their usage summed",
        normalise="upper",
        str_matches=SERVICE_ID_PATTERN,
    )
    data_volume_mb: float = column(
        "Data transferred up and down that day, in megabytes; for Internet and Mobile only, "
        "empty for TV and Voice",
        nullable=True,
        ge=0.0,
        le=1_000_000.0,
    )
    minutes: int = column(
        "Minutes of use that day: call minutes for Voice and Mobile, viewing minutes for TV; "
        "empty for Internet",
        nullable=True,
        ge=0,
        le=100_000,
    )
    sessions: int = column(
        "Sessions started that day: data sessions (Internet, Mobile), calls (Voice), viewing "
        "sessions (TV)",
        ge=0,
        le=100_000,
    )
    dropped_sessions: int = column(
        "Sessions cut off by the network (dropped calls, lost connections); at most sessions",
        ge=0,
        le=100_000,
    )
    outage_minutes: int = column(
        "Minutes the service was unavailable to the customer that day because of a network "
        "outage in their area (fixed network for Internet, TV and Voice; mobile network for "
        "Mobile)",
        ge=0,
        le=1_440,
    )


TABLES = [
    SourceTable(
        system="network",
        code="net",
        name="daily_usage",
        model=DailyUsage,
        description=(
            "Daily usage and service quality (data volume, minutes, sessions, dropped sessions, "
            "outage minutes) of every active customer service, for utilisation patterns, network "
            "quality and churn early-warning features, and for the customer 360 view. "
            "Incremental: one row per customer x service active "
            "that day."
        ),
        seed="001",
        primary_key=("usage_date", "customer_id", "service_id"),
        extract="incremental",
        file_format="parquet",
        event_date="usage_date",
    ),
]
