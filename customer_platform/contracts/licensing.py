"""Licensing extracts: seat entitlements, seat events and seat usage."""

import datetime as dt
from typing import Any

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN

ENTITLEMENT_ID_PATTERN = r"^E\d{9,}$"
SEAT_EVENT_ID_PATTERN = r"^SE\d{10,}$"
MAX_SEATS = 100_000


def _customer_id() -> Any:
    return column(
        "Conformed customer key of the licensing account",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )


def _entitlement_id(description: str = "Seat entitlement key (E + 9 or more digits)") -> Any:
    return column(description, normalise="upper", str_matches=ENTITLEMENT_ID_PATTERN)


class SeatEntitlements(Contract):
    """One row per account x seat product contract, as of the extract day."""

    entitlement_id: str = _entitlement_id()
    customer_id: str = _customer_id()
    product_code: str = column("Seat product licensed", isin=list(v.SEAT_PRODUCTS))
    seats_entitled: int = column(
        "Seats the current contract term entitles the account to (0 once cancelled)",
        ge=0,
        le=MAX_SEATS,
    )
    contract_start: dt.date = column("First day of the current (or last) one-year contract term")
    contract_end: dt.date = column(
        "Last day of the current term; the day before cancellation for cancelled contracts",
        nullable=True,
    )
    updated_at: dt.datetime = column("When licensing last changed this entitlement")


class SeatEvents(Contract):
    """Seats assigned to, unassigned from, activated or de-activated by users of an entitlement."""

    seat_event_id: str = column(
        "Seat event key (SE + 10 or more digits), stable per entitlement, day and event type",
        normalise="upper",
        str_matches=SEAT_EVENT_ID_PATTERN,
    )
    customer_id: str = _customer_id()
    product_code: str = column(
        "Seat product of the entitlement (denormalised from the entitlement)",
        isin=list(v.SEAT_PRODUCTS),
        nullable=True,
    )
    entitlement_id: str = _entitlement_id("Entitlement whose seats changed")
    event_type: str = column("What happened to the seats", isin=list(v.SEAT_EVENT_TYPES))
    seat_count: int = column("Number of seats the event moved", ge=1, le=MAX_SEATS)
    event_at: dt.datetime = column("When the change was recorded")


class SeatUsage(Contract):
    """Daily usage intensity of an entitlement's activated seats over the trailing seven days."""

    customer_id: str = _customer_id()
    product_code: str = column("Seat product of the entitlement", isin=list(v.SEAT_PRODUCTS))
    entitlement_id: str = _entitlement_id("Entitlement whose activated seats were measured")
    usage_date: dt.date = column("Day measured; the window is this day and the six before it")
    seats_activated: int = column("Activated seats at the end of the day", ge=0, le=MAX_SEATS)
    seats_used_0_days: int = column(
        "Activated seats not used in the last 7 days", ge=0, le=MAX_SEATS
    )
    seats_used_1_day: int = column(
        "Activated seats used on 1 of the last 7 days", ge=0, le=MAX_SEATS
    )
    seats_used_2_days: int = column(
        "Activated seats used on 2 of the last 7 days", ge=0, le=MAX_SEATS
    )
    seats_used_3_days: int = column(
        "Activated seats used on 3 of the last 7 days", ge=0, le=MAX_SEATS
    )
    seats_used_4_days: int = column(
        "Activated seats used on 4 of the last 7 days", ge=0, le=MAX_SEATS
    )
    seats_used_5_days: int = column(
        "Activated seats used on 5 of the last 7 days", ge=0, le=MAX_SEATS
    )
    seats_used_6_days: int = column(
        "Activated seats used on 6 of the last 7 days", ge=0, le=MAX_SEATS
    )
    seats_used_7_days: int = column(
        "Activated seats used on all of the last 7 days", ge=0, le=MAX_SEATS
    )
    usage_minutes: float = column(
        "Total minutes the entitlement's seats were in use on the day",
        nullable=True,
        ge=0,
        le=100_000_000,
    )


TABLES = [
    SourceTable(
        system="licensing",
        code="lic",
        name="seat_entitlements",
        model=SeatEntitlements,
        description=(
            "Seat licences each business account holds per product, renewing yearly, the base of "
            "seat-activation reporting. Full snapshot: one row per account x seat "
            "product contract that has started."
        ),
        seed="003",
        primary_key=("entitlement_id",),
        extract="snapshot",
        file_format="csv",
        updated_at="updated_at",
    ),
    SourceTable(
        system="licensing",
        code="lic",
        name="seat_events",
        model=SeatEvents,
        description=(
            "Seat assignments and activations that drive the seat-activation funnel. "
            "Incremental: one row per entitlement x event type whose seat count changed that day."
        ),
        seed="003",
        primary_key=("seat_event_id",),
        extract="incremental",
        file_format="jsonl",
        event_date="event_at",
    ),
    SourceTable(
        system="licensing",
        code="lic",
        name="seat_usage",
        model=SeatUsage,
        description=(
            "Per-seat usage intensity behind the QAL/MAL/RMAL activation levels. "
            "Incremental: one row per entitlement with activated seats per day, the activated "
            "seats split by on how many of the trailing 7 days each was used."
        ),
        seed="003",
        primary_key=("entitlement_id", "usage_date"),
        extract="incremental",
        file_format="parquet",
        event_date="usage_date",
    ),
]
