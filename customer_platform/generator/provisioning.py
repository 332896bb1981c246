"""Provisioning extracts: the service catalogue (snapshot) and service assignments (incremental).

The catalogue gets a few dated revisions so the service dimension has history to track, but
its prices never change: they must agree with what billing charges. An assignment is active on
``start <= day < end``, billing's own rule, so the assignments active on a day are what billing
charges for.
"""

import datetime as dt

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.contracts.provisioning import ASSIGNMENT_STATUSES
from customer_platform.generator import reference as ref
from customer_platform.generator.columns import dates, id_width, prefixed, timestamps
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import generates
from customer_platform.generator.world import HISTORY_START, World

SERVICE_IDS = tuple(s[0] for s in ref.SERVICES)
N_SERVICES = len(ref.SERVICES)
CATALOGUE_CREATED = HISTORY_START

#: Dated catalogue revisions: (service_id, first day of the new value, field, before, after).
#: ``reference.SERVICES`` holds the values before any revision except where listed here.
SERVICE_REVISIONS = (
    ("S004", dt.date(2024, 7, 1), "active_flag", True, False),  # DSL withdrawn from sale
    ("S006", dt.date(2025, 11, 1), "service_name", "TV Plus", "TV Plus HD"),
    ("S013", dt.date(2026, 4, 1), "service_name", "SIP Trunk", "SIP Trunk Pro"),
    ("S001", dt.date(2026, 7, 1), "service_name", "Fiber 100", "Fiber 150"),  # same price
)
_FIELD_COLUMN = {"service_name": 2, "active_flag": 4}
_ACTIVE, _ENDED = (ASSIGNMENT_STATUSES.index(s) for s in ("Active", "Ended"))


def catalogue_on(day: int) -> dict[str, np.ndarray]:
    """The catalogue in force on ``day``: names, active flags and last-change day per service."""
    names = np.array([s[2] for s in ref.SERVICES], dtype=object)
    active = np.array([s[4] for s in ref.SERVICES], dtype=bool)
    changed = np.full(N_SERVICES, CATALOGUE_CREATED, dtype=np.int64)
    values = {"service_name": names, "active_flag": active}
    for service_id, first, field, before, after in SERVICE_REVISIONS:
        i = SERVICE_IDS.index(service_id)
        effective = day_number(first) <= day
        values[field][i] = after if effective else before
        if effective:
            changed[i] = max(changed[i], day_number(first))
    return {"name": names, "active": active, "changed": changed}


@generates("provisioning.service_catalogue")
def service_catalogue(world: World, day: int) -> pl.DataFrame:
    cat = catalogue_on(day)
    seconds = (np.arange(N_SERVICES) * 2_713 + 5 * 3_600) % 86_400
    return pl.DataFrame(
        {
            "service_id": list(SERVICE_IDS),
            "service_type": [s[1] for s in ref.SERVICES],
            "service_name": cat["name"].tolist(),
            "monthly_cost": ref.SERVICE_COST.astype(np.float64),
            "currency": [v.CURRENCIES[0]] * N_SERVICES,
            "active_flag": cat["active"],
            "updated_at": timestamps(cat["changed"], seconds),
        },
        strict=False,
    )


def assignment_ids(world: World, rows: np.ndarray) -> pl.Series:
    """``SA`` + 9 digits (more past a billion assignments) for world assignment rows."""
    width = id_width(9, len(world.assign_customer))
    return prefixed("SA", np.asarray(rows, dtype=np.int64) + 1, width)


def ever_active(world: World) -> np.ndarray:
    """Whether each world assignment row is active on at least one day."""
    return world.assign_start < world.assign_end


@generates("provisioning.service_assignments")
def service_assignments(world: World, day: int) -> pl.DataFrame:
    valid = ever_active(world)
    started = np.flatnonzero(valid & (world.assign_start == day))
    ended = np.flatnonzero(valid & (world.assign_end == day))
    rows = np.concatenate([started, ended]).astype(np.int64)
    status = np.concatenate([np.full(len(started), _ACTIVE), np.full(len(ended), _ENDED)])
    # provisioning runs through the working day; endings (cancellations, churn) are processed
    # by the overnight job, so an assignment's start and end times never collide
    seconds = np.where(status == _ACTIVE, 8 * 3600 + (rows * 7_919 + day * 104_729) % (10 * 3600),
                       1_800 + (rows * 6_151 + day * 92_821) % (4 * 3600))
    order = np.lexsort((status, rows))
    rows, status, seconds = rows[order], status[order], seconds[order]
    cust = world.assign_customer[rows].astype(np.int64)
    end = world.assign_end[rows].astype(np.int64)
    ended_row = status == _ENDED
    n = len(rows)
    if n and day < HISTORY_START:
        raise ValueError("service assignments before the history start")
    return pl.DataFrame(
        {
            "assignment_id": assignment_ids(world, rows),
            "customer_id": world.customer_ids(cust),
            "service_id": pl.Series(list(SERVICE_IDS), dtype=pl.String).gather(
                world.assign_service[rows].astype(np.int64)),
            "start_date": dates(world.assign_start[rows]),
            "end_date": pl.select(
                pl.when(pl.Series(ended_row)).then(dates(end)).otherwise(None)
            ).to_series(),
            "status": pl.Series(list(ASSIGNMENT_STATUSES), dtype=pl.String).gather(status),
            "updated_at": timestamps(np.full(n, day), seconds),
        },
        strict=False,
    )
