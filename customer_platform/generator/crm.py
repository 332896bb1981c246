"""CRM extracts: the customer master and account hierarchy (snapshots), the sales pipeline
(incremental, one row per opportunity stage change) and the quota plan (snapshot).

Deals are opened and lost as the account's activity and distress say, so the pipeline shows
churn coming; a day's rows are rebuilt from the deals born in the trailing ``OPP_WINDOW`` days.
"""

import dataclasses
import datetime as dt

import numpy as np
import polars as pl

from customer_platform import fiscal
from customer_platform import vocabulary as v
from customer_platform.generator import reference as ref
from customer_platform.generator.columns import (
    DAY_BLOCKS,
    Serials,
    dates,
    id_width,
    labels,
    pick,
    prefixed,
    serials,
    strings,
    text,
    timestamps,
)
from customer_platform.generator.randomness import day_of, rng
from customer_platform.generator.registry import generates
from customer_platform.generator.world import HISTORY_START, World


@generates("crm.customers")
def customers(world: World, day: int) -> pl.DataFrame:
    idx = np.flatnonzero(world.exists(day))
    city = pick(ref.CITIES, world.city(day)[idx])
    changed = world.last_change_day(day)[idx]
    # a stable time of day per customer so re-extracting the same state gives the same stamp
    seconds = (idx * 7919 + changed * 104_729) % 86_400
    return pl.DataFrame(
        {
            "customer_id": world.customer_id[idx],
            "customer_name": world.customer_name[idx],
            "email": world.email[idx],
            "phone": world.phone[idx],
            "customer_segment": pick(v.CUSTOMER_SEGMENTS, world.segment[idx]),
            "customer_tier": pick(v.CUSTOMER_TIERS, world.tier(day)[idx]),
            "status": pick(v.CUSTOMER_STATUSES, world.status(day)[idx]),
            "address_line": world.street(day)[idx],
            "city": city[:, 0],
            "state": city[:, 1],
            "country": city[:, 2],
            "region": city[:, 3],
            "signup_date": dates(world.signup_day[idx]),
            "updated_at": timestamps(changed, seconds),
        },
        strict=False,
    )


# -- shared helpers -------------------------------------------------------------------------

#: Per-customer state of ``World`` (arrays indexed by customer), what a customers view keeps.
CUSTOMER_STATE = (
    "segment", "tier0", "tier1", "tier_change_day", "signup_day", "city0", "city1", "move_day",
    "engagement", "churn_day", "reactivate_day", "decline_start", "suspended",
)
#: Per-customer text of ``World``, which a customers view does not carry.
CUSTOMER_TEXT = ("customer_id", "customer_name", "email", "phone", "street0", "street1")
#: Region index (into vocabulary.REGIONS) of each reference city, and geo index of each region.
CITY_REGION = np.array([v.REGIONS.index(c[3]) for c in ref.CITIES], dtype=np.int16)
REGION_GEO = np.array([v.GEOS.index(v.REGION_GEO[r]) for r in v.REGIONS], dtype=np.int16)


def customers_view(world: World, idx: np.ndarray) -> World:
    """The world restricted to customers ``idx`` (in that order).

    Its state methods (``exists``, ``status``, ``activity``, ``distress``, ``city``, ...) then
    take either one day or an array of days, one per selected customer, which evaluates
    each customer on its own day without computing the whole population. It answers questions
    of state only: its text columns are None, so a campaign's audience of millions does not
    gather millions of names.
    """
    idx = np.asarray(idx, dtype=np.int64)
    subset = {name: getattr(world, name)[idx] for name in CUSTOMER_STATE}
    return dataclasses.replace(world, n_customers=len(idx), **subset,
                               **dict.fromkeys(CUSTOMER_TEXT))


# -- account hierarchy (snapshot) -----------------------------------------------------------


@generates("crm.account_hierarchy")
def account_hierarchy(world: World, day: int) -> pl.DataFrame:
    pos = np.flatnonzero(world.exists(day)[world.account])
    idx = world.account[pos]
    region = CITY_REGION[world.city(day)[idx]]
    moved = world.move_day[idx]
    changed = np.where(moved <= day, np.maximum(moved, world.signup_day[idx]),
                       world.signup_day[idx])
    seconds = (idx * 6151 + changed * 92_821) % 86_400
    parent = world.parent[pos]
    has_parent = parent >= 0
    parent_id = prefixed("P", np.maximum(parent, 0) + 1, id_width(6, world.n_parents))
    return pl.DataFrame(
        {
            "account_id": strings(world.customer_id[idx]),
            "company_name": strings(world.customer_name[idx]),
            "parent_account_id": pl.select(
                pl.when(pl.Series(has_parent)).then(parent_id).otherwise(None)
            ).to_series(),
            "parent_company_name": strings(world.parent_name[pos]),
            "region": strings(pick(v.REGIONS, region)),
            "vertical": strings(pick(v.VERTICALS, world.vertical[pos])),
            "customer_type": strings(pick(v.ACCOUNT_CUSTOMER_TYPES, world.account_type[pos])),
            "updated_at": timestamps(changed, seconds),
        }
    )


# -- opportunities (incremental lifecycle) --------------------------------------------------

#: Share of accounts opening a deal per week, by customer segment (Residential never does).
OPP_WEEKLY_RATE = np.array([0.0, 0.02, 0.05, 0.04])
#: Days between consecutive stage changes (inclusive bounds): Prospecting -> Qualification,
#: -> Proposal, -> Negotiation, -> Closed.
OPP_STAGE_GAPS = ((1, 14), (2, 21), (2, 21), (2, 28))
OPP_WINDOW = sum(hi for _, hi in OPP_STAGE_GAPS)
#: Probability the deal is lost at each of the four steps, and the extra loss at full distress.
OPP_LOSS_BASE = np.array([0.20, 0.20, 0.15, 0.30])
OPP_LOSS_DISTRESS = 0.6
#: probability_of_close by stage (index into OPPORTUNITY_STAGES).
STAGE_PROBABILITY = np.array([0.1, 0.2, 0.4, 0.7, 1.0, 0.0])
WON, LOST = 4, 5
#: Median deal size (USD) by segment; multipliers by solution and sales motion.
OPP_AMOUNT_MEDIAN = np.array([0.0, 12_000.0, 120_000.0, 60_000.0])
OPP_AMOUNT_SIGMA = 0.8
SOLUTION_SHARE = (0.45, 0.35, 0.20)  # Creative Cloud, Document Cloud, Devices
SOLUTION_AMOUNT = np.array([1.0, 0.8, 0.6])
MOTION_SHARE = (0.40, 0.35, 0.25)  # Growth on renewal, New, True up
MOTION_AMOUNT = np.array([1.0, 1.2, 0.4])
REPS_PER_GEO = 40


def opportunity_serials(world: World) -> Serials:
    """opportunity_id = birth day (days since 1970) * stride + serial among the day's candidate
    accounts (each account at most once a day)."""
    return serials("opportunity_id", "O", world.n_customers, legacy=(40_000, 9),
                   most=len(world.account), blocks=HISTORY_START + DAY_BLOCKS)


def sales_rep_roster(seed: int) -> np.ndarray:
    """(geo, rep) -> name: a fixed roster of ``REPS_PER_GEO`` distinct names per geo."""
    g = rng(seed, "crm.sales_reps")
    n_first, n_last = len(ref.FIRST_NAMES), len(ref.LAST_NAMES)
    combo = g.choice(n_first * n_last, size=len(v.GEOS) * REPS_PER_GEO, replace=False)
    names = pick(ref.FIRST_NAMES, combo // n_last) + " " + pick(ref.LAST_NAMES, combo % n_last)
    return names.reshape(len(v.GEOS), REPS_PER_GEO)


def account_owner(world: World) -> np.ndarray:
    """Per business account (position in ``world.account``): its rep's slot in the geo roster."""
    return rng(world.seed, "crm.opportunities.owners").integers(
        0, REPS_PER_GEO, len(world.account)
    )


#: Columns of the uniform block drawn for every candidate deal of a birth day.
_U_SOLUTION, _U_MOTION, _U_AMOUNT, _U_DISCOUNT, _U_PLANNED = 0, 1, 2, 4, 5  # amount: 2 and 3
_U_GAPS = slice(6, 10)
_U_LOSS = slice(10, 14)
_U_SECONDS = slice(14, 19)
_U_WIDTH = 19


def _opportunity_candidates(world: World, b: int, bound: np.ndarray):
    """Accounts that may open a deal on day ``b``, their draw, and their deal's future.

    An account opens a deal when its draw is below its daily rate times its activity on
    ``b``; ``bound`` (rate times engagement) is never below that, so every account that
    could open one is a candidate, and which of them do is decided by the caller.
    """
    g = rng(world.seed, "crm.opportunities", b)
    u = g.random(len(world.account))
    cand = np.flatnonzero(u < bound)
    return cand, u[cand], g.random((len(cand), _U_WIDTH))


def _from_uniform(u: np.ndarray, lo, hi) -> np.ndarray:
    """Integers lo..hi (inclusive) from uniforms."""
    lo, hi = np.asarray(lo), np.asarray(hi)
    return (lo + np.floor(u * (hi - lo + 1))).astype(np.int64)


def _category(u: np.ndarray, shares) -> np.ndarray:
    edges = np.cumsum(shares)[:-1] / np.sum(shares)
    return np.searchsorted(edges, u, side="right")


@generates("crm.opportunities")
def opportunities(world: World, day: int) -> pl.DataFrame:
    rate = OPP_WEEKLY_RATE[world.segment[world.account]] / 7.0
    bound = rate * world.engagement[world.account]  # activity never exceeds engagement
    births = range(day - OPP_WINDOW, day + 1)
    drawn = [_opportunity_candidates(world, b, bound) for b in births]
    pos = np.concatenate([c for c, _, _ in drawn])
    serial = np.concatenate([np.arange(len(c)) for c, _, _ in drawn])
    birth = np.repeat(np.asarray(births, dtype=np.int64), [len(c) for c, _, _ in drawn])
    u = np.concatenate([x for _, x, _ in drawn])
    block = np.concatenate([x for _, _, x in drawn])
    opened = u < rate[pos] * customers_view(world, world.account[pos]).activity(birth)
    pos, serial, birth, block = pos[opened], serial[opened], birth[opened], block[opened]
    lo = [lo for lo, _ in OPP_STAGE_GAPS]
    hi = [hi for _, hi in OPP_STAGE_GAPS]
    # a standard normal from two uniforms (Box-Muller) for the log deal size
    u1, u2 = block[:, _U_AMOUNT], block[:, _U_AMOUNT + 1]
    z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2)
    o = {
        "serial": serial,
        "solution": _category(block[:, _U_SOLUTION], SOLUTION_SHARE),
        "motion": _category(block[:, _U_MOTION], MOTION_SHARE),
        "amount_z": OPP_AMOUNT_SIGMA * z,
        "discount": 0.80 + 0.20 * block[:, _U_DISCOUNT],
        "gaps": _from_uniform(block[:, _U_GAPS], lo, hi),
        "loss_u": block[:, _U_LOSS],
        "seconds": _from_uniform(block[:, _U_SECONDS], 8 * 3600, 19 * 3600 - 1),
        "planned": _from_uniform(block[:, _U_PLANNED], 30, 90),
    }
    cust = world.account[pos]
    view = customers_view(world, cust)
    steps = o["gaps"].shape[1]
    change_day = birth[:, None] + np.c_[np.zeros(len(pos), np.int64), np.cumsum(o["gaps"], 1)]

    # the step at which the deal is lost (1..4), or steps + 1 when it is won
    lost = np.zeros((len(pos), steps), dtype=bool)
    for j in range(steps):
        t = change_day[:, j + 1]
        p_loss = OPP_LOSS_BASE[j] + OPP_LOSS_DISTRESS * view.distress(t)
        lost[:, j] = (o["loss_u"][:, j] < p_loss) | (view.status(t) == 2)
    lost_at = np.where(lost.any(axis=1), lost.argmax(axis=1) + 1, steps + 1)
    col = np.arange(steps + 1)[None, :]
    stage = np.where(col < lost_at[:, None], col, np.where(col == lost_at[:, None], LOST, -1))

    rows, cols = np.nonzero((change_day == day) & (stage >= 0))
    order = np.lexsort((o["serial"][rows], birth[rows]))
    rows, cols = rows[order], cols[order]
    st = stage[rows, cols]
    b, seg = birth[rows], world.segment[cust[rows]]
    solution, motion = o["solution"][rows], o["motion"][rows]
    amount = (OPP_AMOUNT_MEDIAN[seg] * SOLUTION_AMOUNT[solution] * MOTION_AMOUNT[motion]
              * np.exp(o["amount_z"][rows]))
    amount = np.where(cols >= 3, amount * o["discount"][rows], amount)
    amount = np.round(np.clip(amount, 500.0, 10_000_000.0), -1)
    closed = st >= WON
    expected_close = np.maximum(b + o["planned"][rows], day + 7)
    close_day = np.where(closed, day, expected_close)
    geo = REGION_GEO[CITY_REGION[customers_view(world, cust[rows]).city(b)]]
    rep = sales_rep_roster(world.seed)[geo, account_owner(world)[pos[rows]]]
    name = text(world.customer_name[cust[rows]], " - ", labels(v.SOLUTIONS, solution), " (",
                labels(v.SALES_MOTIONS, motion), ")")
    seconds = o["seconds"][rows]
    scheme = opportunity_serials(world)
    return pl.DataFrame(
        {
            "opportunity_id": scheme.ids(scheme.numbers(b, o["serial"][rows])),
            "customer_id": strings(world.customer_id[cust[rows]]),
            "opportunity_name": strings(name),
            "stage": strings(pick(v.OPPORTUNITY_STAGES, st)),
            "probability_of_close": STAGE_PROBABILITY[st],
            "amount": amount,
            "close_date": pl.select(
                pl.when(pl.Series(st > 0)).then(dates(close_day)).otherwise(None)
            ).to_series(),
            "sales_rep": strings(rep),
            "geo": strings(pick(v.GEOS, geo)),
            "solution": labels(v.SOLUTIONS, solution),
            "sales_motion": labels(v.SALES_MOTIONS, motion),
            "fiscal_week": pl.Series([fiscal.fiscal_week_label(day_of(day))] * len(rows),
                                     dtype=pl.String),
            "pipe_actual": np.where(st == LOST, 0.0, amount),
            "created_at": timestamps(b, seconds[:, 0]),
            "updated_at": timestamps(np.full(len(rows), day), seconds[np.arange(len(rows)), cols]),
        }
    )


# -- sales quota plan (snapshot) ------------------------------------------------------------

#: Annual quota per customer of the world (USD; about 1.1x the bookings the pipeline wins),
#: and its split and seasonality.
QRF_PER_CUSTOMER_YEAR = 16_000.0
QRF_GEO_SHARE = np.array([0.45, 0.30, 0.15, 0.10])
QRF_SOLUTION_SHARE = np.array(SOLUTION_SHARE)
QRF_MOTION_SHARE = np.array([0.45, 0.35, 0.20])
QRF_QUARTER_SHARE = np.array([0.22, 0.24, 0.25, 0.29])
QRF_GROWTH = 1.08  # plan growth per fiscal year from FY2025
QRF_ZERO_SHARE = 0.03


def _quota_year(world: World, year: int) -> pl.DataFrame:
    """The plan for fiscal year ``year``: fixed per (seed, year), whatever day asks for it."""
    g = rng(world.seed, "crm.sales_quota_plan", year)
    shape = (len(v.GEOS), len(v.SOLUTIONS), len(v.SALES_MOTIONS), 4)
    noise = np.exp(g.normal(0.0, 0.25, shape))
    zero = g.random(shape) < QRF_ZERO_SHARE
    total = QRF_PER_CUSTOMER_YEAR * world.n_customers * QRF_GROWTH ** (year - 2025)
    qrf = (total * QRF_GEO_SHARE[:, None, None, None] * QRF_SOLUTION_SHARE[None, :, None, None]
           * QRF_MOTION_SHARE[None, None, :, None] * QRF_QUARTER_SHARE[None, None, None, :]
           * noise)
    qrf = np.where(zero, 0.0, np.round(qrf, -2))
    geo, sol, mot, qtr = (a.ravel() for a in np.indices(shape))
    published = (fiscal.fiscal_year_start(year - 1) - dt.date(1970, 1, 1)).days
    return pl.DataFrame(
        {
            "geo": strings(pick(v.GEOS, geo)),
            "solution": strings(pick(v.SOLUTIONS, sol)),
            "sales_motion": strings(pick(v.SALES_MOTIONS, mot)),
            "fiscal_quarter": strings([f"FY{year}-Q{q + 1}" for q in qtr]),
            "qrf": qrf.ravel(),
            "currency": strings([v.CURRENCIES[0]] * len(geo)),
            "updated_at": timestamps(np.full(len(geo), published), 9 * 3600 + geo * 600),
        }
    )


@generates("crm.sales_quota_plan")
def sales_quota_plan(world: World, day: int) -> pl.DataFrame:
    year = fiscal.fiscal_year(day_of(day))
    plan = pl.concat([_quota_year(world, year), _quota_year(world, year + 1)])
    return plan.sort(["geo", "solution", "sales_motion", "fiscal_quarter"])
