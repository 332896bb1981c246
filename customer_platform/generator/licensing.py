"""Licensing extracts: seat entitlements (snapshot), seat events and seat usage (incremental).

Assigned and activated seats are deterministic curves of the days since each entitlement's
term began, falling with the account's decline: a day's seat events are the changes of those
curves, so any day can be generated alone and the activation funnel shows churn coming.
"""

import dataclasses

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.generator.columns import (
    DAY_BLOCKS,
    Serials,
    dates,
    id_width,
    pick,
    prefixed,
    serials,
    strings,
    timestamps,
)
from customer_platform.generator.randomness import NEVER, rng
from customer_platform.generator.registry import generates
from customer_platform.generator.world import HISTORY_START, World

TERM_DAYS = 365
#: Average minutes a seat that is used on a day is used for, by seat product.
MINUTES_PER_USED_SEAT = {"CCE": 150.0, "CCE Pro": 180.0, "Stock": 25.0, "DCE": 60.0, "Sign": 20.0}
#: Spread of per-seat usage propensities (beta-binomial concentration; lower = more uneven).
USAGE_CONCENTRATION = 2.5
WEEKEND_FACTOR = 0.3
USAGE_COLUMNS = ("seats_used_0_days", "seats_used_1_day") + tuple(
    f"seats_used_{k}_days" for k in range(2, 8)
)


@dataclasses.dataclass(frozen=True)
class _Params:
    """Per-entitlement shape of the seat curves, drawn once per world."""

    assign_frac: np.ndarray
    assign_ramp: np.ndarray
    activate_frac: np.ndarray
    activate_ramp: np.ndarray
    wobble_amp: np.ndarray
    wobble_period: np.ndarray
    wobble_phase: np.ndarray
    intensity: np.ndarray
    minutes: np.ndarray
    second: np.ndarray


def _params(world: World) -> _Params:
    j = len(world.ent_customer)
    g = rng(world.seed, "licensing.entitlements")
    ramp = g.uniform(80.0, 160.0, j)
    minutes = np.array([MINUTES_PER_USED_SEAT[p] for p in v.SEAT_PRODUCTS])[world.ent_product]
    return _Params(
        assign_frac=g.uniform(0.60, 0.95, j),
        assign_ramp=ramp,
        activate_frac=g.uniform(0.50, 0.90, j),
        activate_ramp=ramp * g.uniform(1.0, 1.4, j),
        wobble_amp=g.uniform(0.0, 0.05, j),
        wobble_period=g.uniform(60.0, 240.0, j),
        wobble_phase=g.uniform(0.0, 2 * np.pi, j),
        intensity=g.beta(6.0, 4.0, j),
        minutes=minutes * np.exp(g.normal(0.0, 0.25, j)),
        second=g.integers(7 * 3_600, 20 * 3_600, j),
    )


def _terms(world: World, day: int):
    """Per entitlement on ``day``: term anchor, active mask, cancelled mask, first start, churn.

    An entitlement is active from its start until the account churns, and again from the
    account's reactivation; in between (or after a churn with no return) it is cancelled.
    """
    c = world.ent_customer
    churn = world.churn_day[c].astype(np.int64)
    react = world.reactivate_day[c].astype(np.int64)
    start = world.ent_start.astype(np.int64)
    start1 = np.where(start < churn, start, NEVER)
    start2 = np.where(react < NEVER, np.maximum(start, react), NEVER)
    active2 = start2 <= day
    active1 = (start1 <= day) & (day < churn)
    active = active1 | active2
    anchor = np.where(active2, start2, np.where(active1, start1, NEVER))
    cancelled = ~active & (start1 <= day)
    return anchor, active, cancelled, start1, churn


def _ease(t: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    r = np.clip(t / ramp, 0.0, 1.0)
    return r * (2.0 - r)


def seat_counts(world: World, day: int, params: _Params | None = None):
    """Assigned and activated seats of every entitlement at the end of ``day`` (ints)."""
    p = _params(world) if params is None else params
    anchor, active, *_ = _terms(world, day)
    c = world.ent_customer
    t = np.where(active, day - anchor, 0).astype(float)
    level = np.clip(world.activity(day)[c] / world.engagement[c], 0.0, 1.0)
    distress = world.distress(day)[c]
    wobble = 1.0 + p.wobble_amp * np.sin(2 * np.pi * t / p.wobble_period + p.wobble_phase)
    share = np.minimum(1.0, p.assign_frac * _ease(t, p.assign_ramp) * wobble)
    assigned = world.ent_seats * share * level * active
    activated = assigned * p.activate_frac * _ease(t, p.activate_ramp) * (1.0 - 0.5 * distress)
    return np.floor(assigned + 1e-9).astype(np.int64), np.floor(activated + 1e-9).astype(np.int64)


def _entitlement_ids(world: World, idx: np.ndarray) -> pl.Series:
    return prefixed("E", idx + 1, id_width(9, len(world.ent_customer)))


def seat_event_serials(world: World) -> Serials:
    """seat_event_id = (day - HISTORY_START) * stride + entitlement index * 4 + event type.

    Below a million customers the stride is four per entitlement, as it always was: ids then
    outgrow 10 digits on the last days of the history from about 700,000 customers, and get
    an 11th (they were refused before).
    """
    most = 4 * len(world.ent_customer)
    return serials("seat_event_id", "SE", world.n_customers, legacy=(most, 10),
                   most=most, blocks=DAY_BLOCKS)


@generates("licensing.seat_entitlements")
def seat_entitlements(world: World, day: int) -> pl.DataFrame:
    anchor, active, cancelled, start1, churn = _terms(world, day)
    idx = np.flatnonzero(active | cancelled)
    act = active[idx]
    last = churn[idx] - 1  # last day of a cancelled contract
    base = np.where(act, anchor[idx], start1[idx])
    upto = np.where(act, day, last)
    term_start = base + (upto - base) // TERM_DAYS * TERM_DAYS
    term_end = np.where(act, term_start + TERM_DAYS - 1, last)
    changed = np.where(act, term_start, churn[idx])
    seconds = _params(world).second[idx]
    return pl.DataFrame(
        {
            "entitlement_id": _entitlement_ids(world, idx),
            "customer_id": strings(world.customer_id[world.ent_customer[idx]]),
            "product_code": strings(pick(v.SEAT_PRODUCTS, world.ent_product[idx])),
            "seats_entitled": np.where(act, world.ent_seats[idx], 0).astype(np.int64),
            "contract_start": dates(term_start),
            "contract_end": dates(term_end),
            "updated_at": timestamps(changed, seconds),
        },
        strict=False,
    )


@generates("licensing.seat_events")
def seat_events(world: World, day: int) -> pl.DataFrame:
    p = _params(world)
    a_now, x_now = seat_counts(world, day, p)
    a_before, x_before = seat_counts(world, day - 1, p)
    da, dx = a_now - a_before, x_now - x_before
    # event type index: 0 Assigned, 1 Unassigned, 2 Activated, 3 Deactivated
    changes = np.stack(
        [np.maximum(da, 0), np.maximum(-da, 0), np.maximum(dx, 0), np.maximum(-dx, 0)], axis=1
    )
    ent, kind = np.nonzero(changes)  # row-major: sorted by entitlement, then type
    scheme = seat_event_serials(world)
    number = scheme.numbers(day - HISTORY_START, ent * 4 + kind)
    gen = rng(world.seed, "licensing.seat_events", day)
    # the curves move when people act: business hours, assignments a little before activations
    seconds = np.minimum(p.second[ent] + kind * gen.integers(60, 3 * 3_600, len(ent)), 86_399)
    return pl.DataFrame(
        {
            "seat_event_id": scheme.ids(number),
            "customer_id": strings(world.customer_id[world.ent_customer[ent]]),
            "product_code": strings(pick(v.SEAT_PRODUCTS, world.ent_product[ent])),
            "entitlement_id": _entitlement_ids(world, ent),
            "event_type": strings(pick(v.SEAT_EVENT_TYPES, kind)),
            "seat_count": changes[ent, kind].astype(np.int64),
            "event_at": timestamps(np.full(len(ent), day), seconds),
        },
        strict=False,
    )


def _usage_days_pmf(q: np.ndarray, concentration: float = USAGE_CONCENTRATION) -> np.ndarray:
    """Beta-binomial(7) probabilities that a seat was used on k = 0..7 of 7 days, mean 7q."""
    a = q * concentration
    b = (1.0 - q) * concentration
    steps = np.arange(7, dtype=float)
    ones = np.ones((len(q), 1))
    rise_a = np.hstack([ones, np.cumprod(a[:, None] + steps, axis=1)])  # prod_{i<k}(a+i)
    rise_b = np.hstack([ones, np.cumprod(b[:, None] + steps, axis=1)])
    rise_ab = np.cumprod(a[:, None] + b[:, None] + steps, axis=1)[:, -1:]
    binom = np.array([1, 7, 21, 35, 35, 21, 7, 1], dtype=float)
    pmf = binom * rise_a * rise_b[:, ::-1] / rise_ab
    return pmf / pmf.sum(axis=1, keepdims=True)


@generates("licensing.seat_usage")
def seat_usage(world: World, day: int) -> pl.DataFrame:
    p = _params(world)
    _, activated = seat_counts(world, day, p)
    ent = np.flatnonzero(activated > 0)
    c = world.ent_customer[ent]
    seats = activated[ent]
    activity = np.minimum(world.activity(day)[c], 1.5)
    q = np.clip(p.intensity[ent] * activity * (1.0 - 0.3 * world.distress(day)[c]), 0.02, 0.97)
    gen = rng(world.seed, "licensing.seat_usage", day)
    counts = gen.multinomial(seats, _usage_days_pmf(q)) if len(ent) else np.zeros((0, 8), int)
    seats_used_today = counts @ np.arange(8) / 7.0
    weekend = (day + 3) % 7 >= 5  # day 0 (1970-01-01) was a Thursday
    noise = np.exp(gen.normal(0.0, 0.15, len(ent)))
    minutes = seats_used_today * p.minutes[ent] * (WEEKEND_FACTOR if weekend else 1.0) * noise
    frame = {
        "customer_id": strings(world.customer_id[c]),
        "product_code": strings(pick(v.SEAT_PRODUCTS, world.ent_product[ent])),
        "entitlement_id": _entitlement_ids(world, ent),
        "usage_date": dates(np.full(len(ent), day)),
        "seats_activated": seats.astype(np.int64),
    }
    for k, name in enumerate(USAGE_COLUMNS):
        frame[name] = counts[:, k].astype(np.int64)
    frame["usage_minutes"] = np.round(minutes, 1)
    return pl.DataFrame(frame, strict=False)
