"""Marketing extracts: the campaign plan (snapshot) and campaign targets (incremental).

The campaign plan is fixed per world; each campaign's targets, and whether and when each opens,
responds and converts, are drawn once per campaign, so a day's rows are the state changes that
happen on it whatever else is generated. Distress lowers response; Win-back campaigns reach
churned customers.
"""

import dataclasses
import datetime as dt

import numpy as np
import polars as pl

from customer_platform import fiscal
from customer_platform import vocabulary as v
from customer_platform.generator.columns import (
    Serials,
    dates,
    pick,
    prefixed,
    serials,
    strings,
    timestamps,
)
from customer_platform.generator.crm import customers_view
from customer_platform.generator.randomness import NEVER, day_number, day_of, rng
from customer_platform.generator.registry import generates
from customer_platform.generator.world import SEGMENT_SHARE, World

CAMPAIGN_PERIOD = (day_number(dt.date(2025, 1, 1)), day_number(dt.date(2027, 12, 31)))
#: Campaigns grow with the company up to this many customers, then hold: a bigger company's
#: campaigns reach bigger audiences, not more of them. Uncapped, a day's targets grew with the
#: square of the customers (10 million: about 300 campaigns at once, each drawing over every
#: customer, which did not finish a day in 10 minutes).
CAMPAIGNS_GROW_TO = 1_000_000
SNAPSHOT_LOOKAHEAD = 30  # campaigns appear in the extract 30 days before they start
# by CAMPAIGN_TYPES: Email, Social, Paid Search, Webinar, Direct Mail, Event
TYPE_SHARE = (0.30, 0.15, 0.15, 0.15, 0.10, 0.15)
TYPE_DURATION = ((14, 45), (21, 60), (30, 90), (7, 21), (14, 45), (3, 14))
#: Budget (USD) of a campaign to all customers of a 1,000-customer world, by type.
TYPE_BUDGET = np.array([2_000.0, 8_000.0, 15_000.0, 5_000.0, 20_000.0, 30_000.0])
#: Share of the eligible audience a campaign reaches, and of those who open it, by type.
TYPE_REACH = np.array([0.50, 0.15, 0.08, 0.10, 0.20, 0.04])
TYPE_OPEN_RATE = np.array([0.35, 0.20, 0.10, 0.45, 0.40, 0.50])
OBJECTIVE_SHARE = (0.20, 0.20, 0.20, 0.15, 0.10, 0.15)
WIN_BACK = v.CAMPAIGN_OBJECTIVES.index("Win-back")
AUDIENCE_SHARE = (0.40, 0.25, 0.15, 0.10, 0.10)  # All Customers, then by segment

#: Days from sent to opened, opened to responded, responded to converted (inclusive bounds).
TARGET_STAGE_GAPS = ((0, 7), (0, 5), (0, 14))
TARGET_WINDOW = sum(hi for _, hi in TARGET_STAGE_GAPS)
RESPOND_RATE = 0.25  # of those who opened
CONVERT_RATE = 0.30  # of those who responded
DISTRESS_DAMPING = 0.8  # at full distress, response and conversion fall by 80%
WIN_BACK_REACH = 0.6
WIN_BACK_RESPOND_RATE = 0.15
WIN_BACK_CONVERT_RETURNING = 0.6  # churned customers who will come back
WIN_BACK_CONVERT_OTHER = 0.05


@dataclasses.dataclass(frozen=True)
class CampaignPlan:
    """Every campaign of the world, in campaign_id order (= start order)."""

    number: np.ndarray  # 1.. -> CMP000001
    kind: np.ndarray  # index into CAMPAIGN_TYPES
    objective: np.ndarray
    audience: np.ndarray  # index into CAMPAIGN_AUDIENCES (0 = All Customers)
    channel: np.ndarray
    budget: np.ndarray
    start: np.ndarray
    end: np.ndarray
    created: np.ndarray
    approved: np.ndarray
    created_seconds: np.ndarray
    approved_seconds: np.ndarray


def campaign_plan(world: World) -> CampaignPlan:
    g = rng(world.seed, "marketing.campaigns.entities")
    m = 12 + min(world.n_customers, CAMPAIGNS_GROW_TO) // 2000
    kind = g.choice(len(v.CAMPAIGN_TYPES), size=m, p=TYPE_SHARE)
    lo = np.array([d[0] for d in TYPE_DURATION])[kind]
    hi = np.array([d[1] for d in TYPE_DURATION])[kind]
    duration = g.integers(lo, hi + 1)
    start = g.integers(CAMPAIGN_PERIOD[0], CAMPAIGN_PERIOD[1] - duration + 2)
    objective = g.choice(len(v.CAMPAIGN_OBJECTIVES), size=m, p=OBJECTIVE_SHARE)
    audience = g.choice(len(v.CAMPAIGN_AUDIENCES), size=m, p=AUDIENCE_SHARE)
    search_or_display = np.where(g.random(m) < 0.7, "Search", "Display")
    channel_name = np.array(
        ["Email", "Social Media", "", "Email", "Mail", "In Person"], dtype=object
    )[kind]
    channel_name = np.where(kind == 2, search_or_display, channel_name)
    channel = np.array([v.CAMPAIGN_CHANNELS.index(c) for c in channel_name], dtype=np.int16)
    audience_share = np.r_[1.0, SEGMENT_SHARE][audience]
    budget = (TYPE_BUDGET[kind] * np.sqrt(world.n_customers / 1000) * (0.5 + audience_share)
              * np.exp(g.normal(0.0, 0.3, m)))
    budget = np.clip(np.round(budget, -2), 100.0, 10_000_000.0)
    created = start - SNAPSHOT_LOOKAHEAD - g.integers(0, 15, m)
    approved = start - g.integers(3, 21, m)
    created_seconds = g.integers(8 * 3600, 18 * 3600, m)
    approved_seconds = g.integers(8 * 3600, 18 * 3600, m)
    order = np.lexsort((np.arange(m), start))
    return CampaignPlan(
        number=np.arange(1, m + 1),
        kind=kind[order],
        objective=objective[order],
        audience=audience[order],
        channel=channel[order],
        budget=budget[order],
        start=start[order],
        end=(start + duration - 1)[order],
        created=created[order],
        approved=approved[order],
        created_seconds=created_seconds[order],
        approved_seconds=approved_seconds[order],
    )


def target_serials(world: World, plan: CampaignPlan) -> Serials:
    """target_id = (campaign number - 1) * stride + customer index + 1."""
    n = world.n_customers
    return serials("target_id", "TG", n, legacy=(n, 9), most=n, blocks=len(plan.number))


@generates("marketing.campaigns")
def campaigns(world: World, day: int) -> pl.DataFrame:
    plan = campaign_plan(world)
    sel = np.flatnonzero(plan.start <= day + SNAPSHOT_LOOKAHEAD)
    start = plan.start[sel]
    approved = plan.approved[sel] <= day
    quarter = [fiscal.fiscal_quarter_label(day_of(s)) for s in start]
    name = (np.asarray(quarter, dtype=object) + " " + pick(v.CAMPAIGN_AUDIENCES, plan.audience[sel])
            + " " + pick(v.CAMPAIGN_OBJECTIVES, plan.objective[sel]) + " "
            + pick(v.CAMPAIGN_TYPES, plan.kind[sel]))
    return pl.DataFrame(
        {
            "campaign_id": prefixed("CMP", plan.number[sel], 6),
            "campaign_name": strings(name),
            "campaign_type": strings(pick(v.CAMPAIGN_TYPES, plan.kind[sel])),
            "objective": strings(pick(v.CAMPAIGN_OBJECTIVES, plan.objective[sel])),
            "target_audience": strings(pick(v.CAMPAIGN_AUDIENCES, plan.audience[sel])),
            "budget": pl.Series(np.where(approved, plan.budget[sel], np.nan)).fill_nan(None),
            "channel": strings(pick(v.CAMPAIGN_CHANNELS, plan.channel[sel])),
            "start_date": dates(start),
            "end_date": dates(plan.end[sel]),
            "updated_at": timestamps(
                np.where(approved, plan.approved[sel], plan.created[sel]),
                np.where(approved, plan.approved_seconds[sel], plan.created_seconds[sel]),
            ),
        }
    )


def _campaign_targets(world: World, plan: CampaignPlan, c: int, day: int) -> dict | None:
    """The state changes on ``day`` of the targets of campaign position ``c``."""
    number, kind = int(plan.number[c]), int(plan.kind[c])
    win_back = plan.objective[c] == WIN_BACK
    n = world.n_customers
    g = rng(world.seed, "marketing.campaign_targets", number)
    u = g.random(n)
    idx = np.flatnonzero(u < (WIN_BACK_REACH if win_back else TYPE_REACH[kind]))
    k = len(idx)
    duration = int(plan.end[c] - plan.start[c] + 1)
    send = plan.start[c] + g.integers(0, duration, k)
    lo = np.array([lo for lo, _ in TARGET_STAGE_GAPS])
    hi = np.array([hi for _, hi in TARGET_STAGE_GAPS])
    gaps = g.integers(lo, hi + 1, size=(k, len(TARGET_STAGE_GAPS)))
    stage_u = g.random((k, len(TARGET_STAGE_GAPS)))
    # times of day: same-day steps follow within 3 hours, so the last is before 21:00
    first_seconds = g.integers(8 * 3600, 12 * 3600, k)
    later_seconds = g.integers(7 * 3600, 15 * 3600, size=gaps.shape)
    same_day_seconds = g.integers(60, 3 * 3600, size=gaps.shape)

    # who is eligible on the send day: in the audience, a customer, churned iff Win-back
    view = customers_view(world, idx)
    keep = view.exists(send)
    if plan.audience[c] > 0:
        keep &= world.segment[idx] == plan.audience[c] - 1
    churned = view.status(send) == 2
    keep &= churned if win_back else ~churned
    if not keep.any():
        return None
    idx, send, gaps, stage_u = idx[keep], send[keep], gaps[keep], stage_u[keep]
    first_seconds, later_seconds = first_seconds[keep], later_seconds[keep]
    same_day_seconds = same_day_seconds[keep]
    view = customers_view(world, idx)

    change_day = send[:, None] + np.c_[np.zeros(len(idx), np.int64), np.cumsum(gaps, axis=1)]
    p = np.empty(gaps.shape)
    p[:, 0] = TYPE_OPEN_RATE[kind]
    if win_back:
        p[:, 1] = WIN_BACK_RESPOND_RATE
        p[:, 2] = np.where(view.reactivate_day < NEVER, WIN_BACK_CONVERT_RETURNING,
                           WIN_BACK_CONVERT_OTHER)
        gone = np.zeros(gaps.shape, dtype=bool)
    else:
        damping = 1.0 - DISTRESS_DAMPING * view.distress(send)
        p[:, 1] = RESPOND_RATE * damping
        p[:, 2] = CONVERT_RATE * damping
        gone = np.stack([view.status(change_day[:, j + 1]) == 2 for j in range(gaps.shape[1])], 1)
    reached = np.c_[np.ones(len(idx), bool), np.cumprod((stage_u < p) & ~gone, axis=1) > 0]

    seconds = np.empty(change_day.shape, dtype=np.int64)
    seconds[:, 0] = first_seconds
    for j in range(1, change_day.shape[1]):
        same = gaps[:, j - 1] == 0
        seconds[:, j] = np.where(same, seconds[:, j - 1] + same_day_seconds[:, j - 1],
                                 later_seconds[:, j - 1])

    rows, cols = np.nonzero(reached & (change_day == day))
    if not len(rows):
        return None
    target_no = target_serials(world, plan).numbers(number - 1, idx[rows]) + 1
    stage_dates = np.where(np.arange(change_day.shape[1])[None, :] <= cols[:, None],
                           change_day[rows], NEVER)
    return {
        "target_no": target_no,
        "campaign": np.full(len(rows), number),
        "customer": idx[rows],
        "sent": change_day[rows, 0],
        "opened": stage_dates[:, 1],
        "responded": stage_dates[:, 2],
        "converted": stage_dates[:, 3],
        "seconds": seconds[rows, cols],
    }


def _nullable_dates(days: np.ndarray) -> pl.Series:
    """Day numbers as Dates, NEVER as null."""
    known = days < NEVER
    return pl.select(
        pl.when(pl.Series(known)).then(dates(np.where(known, days, 0))).otherwise(None)
    ).to_series()


@generates("marketing.campaign_targets")
def campaign_targets(world: World, day: int) -> pl.DataFrame:
    plan = campaign_plan(world)
    running = np.flatnonzero((plan.start <= day) & (day <= plan.end + TARGET_WINDOW))
    parts = [p for c in running if (p := _campaign_targets(world, plan, int(c), day))]
    keys = ("target_no", "campaign", "customer", "sent", "opened", "responded", "converted",
            "seconds")
    t = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, np.int64)
         for k in keys}
    order = np.lexsort((t["seconds"], t["target_no"]))
    t = {k: a[order] for k, a in t.items()}
    return pl.DataFrame(
        {
            "target_id": target_serials(world, plan).ids(t["target_no"]),
            "campaign_id": prefixed("CMP", t["campaign"], 6),
            "customer_id": strings(world.customer_id[t["customer"].astype(np.int64)]),
            "sent_date": dates(t["sent"]),
            "opened_date": _nullable_dates(t["opened"]),
            "responded_date": _nullable_dates(t["responded"]),
            "converted_date": _nullable_dates(t["converted"]),
            "updated_at": timestamps(np.full(len(order), day), t["seconds"]),
        }
    )
