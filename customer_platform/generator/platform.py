"""Collaboration platform extracts: users and licenses (snapshots), meetings, feature usage
and webinars (incremental).

Users host meetings at a rate set by plan and their customer's activity, so usage falls through
a decline and stops at churn; every paid plan period of a user is one license.
"""

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

# plan index: 0 Free, 1 Basic, 2 Pro, 3 Business, 4 Enterprise
FREE, BUSINESS, ENTERPRISE = 0, 3, 4
#: Meetings a user hosts per working day at normal activity, by plan.
MEETING_RATE = np.array([0.05, 0.12, 0.25, 0.40, 0.50])
WEEKEND_FACTOR = 0.2
#: Median extra participants (beside the host) by plan, and the participant cap by plan.
EXTRA_PARTICIPANTS = np.array([1.5, 2.5, 3.5, 5.0, 7.0])
PARTICIPANT_CAP = np.array([100, 300, 300, 500, 1000])
DURATION_MEDIAN = 35.0  # minutes
DURATION_SIGMA = 0.6
MEETING_TOPICS = (
    "Weekly Team Sync", "Daily Standup", "Project Kickoff", "Sprint Planning",
    "Sprint Retrospective", "1:1", "Client Call", "Sales Demo", "Quarterly Business Review",
    "Budget Review", "Design Review", "Product Roadmap", "All Hands", "Interview",
    "Onboarding Session", "Training", "Vendor Meeting", "Marketing Sync", "Engineering Sync",
    "Customer Check-in", "Board Prep", "Brainstorm", "Status Update", "Incident Review",
    "Hiring Committee", "Partner Call", "Office Hours", "Lunch and Learn", "Planning Session",
    "Quick Chat",
)

#: Probability a meeting uses each feature (vocabulary.FEATURES order: Screen Share,
#: Recording, Chat, Breakout Rooms), the multiplier by plan, and the mean extra uses.
FEATURE_PROBABILITY = np.array([0.6, 0.2, 0.5, 0.08])
FEATURE_PLAN_FACTOR = np.array([0.7, 0.85, 1.0, 1.2, 1.35])
FEATURE_EXTRA_USES = np.array([1.5, 0.3, 3.0, 1.0])

#: Webinars: about one per this many business accounts a day (weekdays 1.3x, weekends 0.25x).
ACCOUNTS_PER_WEBINAR = 400
WEBINAR_WEEKDAY = (1.3, 0.25)
WEBINAR_TOPICS = (
    "Product Launch Webinar", "Quarterly Product Update", "Customer Success Stories",
    "Industry Trends Briefing", "Getting Started Masterclass", "Security Best Practices",
    "Ask Me Anything", "Partner Enablement", "Hiring and Culture Town Hall",
    "Investor Update", "Feature Deep Dive", "Compliance Training", "Thought Leadership Panel",
    "Live Demo and Q&A", "Annual Kickoff",
)
REGISTRANT_MEDIAN = np.array([60.0, 60.0, 60.0, 120.0, 250.0])  # by host plan

#: Licenses: yearly term, license type by plan (Free holds none), Education share for
#: Government customers' users.
TERM_DAYS = 365
PLAN_LICENSE = np.array([-1, 0, 1, 2, 3])  # index into LICENSE_TYPES
EDUCATION = v.LICENSE_TYPES.index("Education")
EDUCATION_SHARE = 0.3
GOVERNMENT = v.CUSTOMER_SEGMENTS.index("Government")


def _weekend(day: int) -> bool:
    return (day + 3) % 7 >= 5  # day 0 (1970-01-01) was a Thursday


def _with_day(day: int, n: int) -> np.ndarray:
    return np.full(n, day, dtype=np.int64)


# -- users (snapshot) -----------------------------------------------------------------------


def user_last_change(world: World, day: int) -> np.ndarray:
    """Day each user's record last changed on or before ``day`` (created, plan, company)."""
    created = world.user_created_day.astype(np.int64)
    changes = [np.where(c <= day, c, created) for c in (world.plan_change_day, world.user_move_day)]
    return np.maximum(created, np.maximum(*changes))


@generates("platform.users")
def users(world: World, day: int) -> pl.DataFrame:
    idx = np.flatnonzero(world.users_exist(day))
    cust = world.user_customer(day)[idx]
    changed = user_last_change(world, day)[idx]
    seconds = 7 * 3600 + (idx * 7919 + changed * 104_729) % (14 * 3600)
    return pl.DataFrame(
        {
            "user_id": strings(world.user_id[idx]),
            "user_name": strings(world.user_name[idx]),
            "email": strings(world.user_email[idx]),
            "customer_id": strings(world.customer_id[cust]),
            "company": strings(world.customer_name[cust]),
            "plan_type": strings(pick(v.PLAN_TYPES, world.plan(day)[idx])),
            "created_date": dates(world.user_created_day[idx]),
            "updated_at": timestamps(changed, seconds),
        },
        strict=False,
    )


# -- meetings and feature usage (incremental) -----------------------------------------------


def meeting_serials(world: World) -> Serials:
    """meeting_id = (day - HISTORY_START) * stride + serial; users host about 0.3 meetings a
    day, so a day's meetings stay well below the number of users."""
    return serials("meeting_id", "M", world.n_customers, legacy=(1_000_000, 10),
                   most=len(world.user_id), blocks=DAY_BLOCKS)


def day_meetings(world: World, day: int) -> dict[str, np.ndarray]:
    """The meetings started on ``day`` (host, plan, topic, times, participants), in id order."""
    idx = np.flatnonzero(world.users_exist(day))
    cust = world.user_customer(day)[idx]
    plan = world.plan(day)[idx]
    rate = MEETING_RATE[plan] * world.activity(day)[cust] * (WEEKEND_FACTOR if _weekend(day) else 1)
    g = rng(world.seed, "platform.meetings", day)
    counts = g.poisson(rate)
    host = np.repeat(idx, counts)
    plan = np.repeat(plan, counts)
    m = len(host)
    topic = g.integers(0, len(MEETING_TOPICS), m)
    # scheduled meetings start on a quarter hour (a minute or two late), ad-hoc ones anytime
    scheduled = g.random(m) < 0.7
    quarter = 7 * 3600 + g.integers(0, 44, m) * 900 + g.integers(0, 180, m)
    adhoc = g.integers(6 * 3600, 21 * 3600, m)
    start = np.where(scheduled, quarter, adhoc).astype(np.int64)
    duration = np.exp(g.normal(np.log(DURATION_MEDIAN), DURATION_SIGMA, m))
    duration = np.clip(np.rint(duration), 1, 1440).astype(np.int64)
    extra = g.poisson(EXTRA_PARTICIPANTS[plan] * g.gamma(2.0, 0.5, m))
    participants = np.clip(1 + extra, 1, PARTICIPANT_CAP[plan]).astype(np.int64)
    return {
        "number": meeting_serials(world).numbers(day - HISTORY_START, np.arange(m)),
        "host": host,
        "plan": plan,
        "topic": topic,
        "start": start,
        "duration": duration,
        "participants": participants,
    }


@generates("platform.meetings")
def meetings(world: World, day: int) -> pl.DataFrame:
    m = day_meetings(world, day)
    n = len(m["host"])
    days = _with_day(day, n)
    return pl.DataFrame(
        {
            "meeting_id": meeting_serials(world).ids(m["number"]),
            "host_user_id": strings(world.user_id[m["host"]]),
            "meeting_topic": strings(pick(MEETING_TOPICS, m["topic"])),
            "start_time": timestamps(days, m["start"]),
            "end_time": timestamps(days, m["start"] + m["duration"] * 60),
            "duration_minutes": m["duration"],
            "participant_count": m["participants"],
        },
        strict=False,
    )


@generates("platform.feature_usage")
def feature_usage(world: World, day: int) -> pl.DataFrame:
    m = day_meetings(world, day)
    n = len(m["host"])
    g = rng(world.seed, "platform.feature_usage", day)
    p = np.minimum(FEATURE_PROBABILITY[None, :] * FEATURE_PLAN_FACTOR[m["plan"], None], 0.95)
    used = g.random((n, len(v.FEATURES))) < p
    # longer meetings with more people use features more often
    scale = np.sqrt(m["duration"] / DURATION_MEDIAN)[:, None] * np.sqrt(
        m["participants"] / 3.0)[:, None]
    uses = 1 + g.poisson(FEATURE_EXTRA_USES[None, :] * scale)
    rows, feature = np.nonzero(used)
    return pl.DataFrame(
        {
            "meeting_id": meeting_serials(world).ids(m["number"][rows]),
            "feature_name": strings(pick(v.FEATURES, feature)),
            "usage_count": np.minimum(uses[rows, feature], 10_000).astype(np.int64),
            "usage_date": dates(_with_day(day, len(rows))),
        },
        strict=False,
    ).sort("meeting_id", "feature_name")


# -- webinars (incremental) -----------------------------------------------------------------


def webinar_serials(world: World) -> Serials:
    """webinar_id = (day - HISTORY_START) * stride + serial; a day has about one webinar per
    ``ACCOUNTS_PER_WEBINAR`` accounts."""
    return serials("webinar_id", "W", world.n_customers, legacy=(100_000, 9),
                   most=len(world.account), blocks=DAY_BLOCKS)


@generates("platform.webinars")
def webinars(world: World, day: int) -> pl.DataFrame:
    activity = world.activity(day)
    live_accounts = int((activity[world.account] > 0).sum())
    idx = np.flatnonzero(world.users_exist(day) & (world.plan(day) >= BUSINESS))
    cust = world.user_customer(day)[idx]
    act = activity[cust]
    hosts = int((act > 0).sum())
    per_host = live_accounts / ACCOUNTS_PER_WEBINAR / max(hosts, 1)
    weekday = WEBINAR_WEEKDAY[1] if _weekend(day) else WEBINAR_WEEKDAY[0]
    g = rng(world.seed, "platform.webinars", day)
    counts = g.poisson(per_host * weekday * act)
    host = np.repeat(idx, counts)
    n = len(host)
    scheme = webinar_serials(world)
    number = scheme.numbers(day - HISTORY_START, np.arange(n))
    plan = world.plan(day)[host]
    topic = g.integers(0, len(WEBINAR_TOPICS), n)
    start = (9 * 3600 + g.integers(0, 17, n) * 1800).astype(np.int64)  # 09:00-17:00 slots
    duration = np.array([30, 45, 60, 90])[g.choice(4, n, p=[0.15, 0.25, 0.45, 0.15])]
    registrants = np.exp(g.normal(np.log(REGISTRANT_MEDIAN[plan]), 0.8, n))
    registrants = np.clip(np.rint(registrants), 0, 100_000).astype(np.int64)
    attendees = g.binomial(registrants, g.beta(8.0, 8.0, n)).astype(np.int64)
    days = _with_day(day, n)
    return pl.DataFrame(
        {
            "webinar_id": scheme.ids(number),
            "host_user_id": strings(world.user_id[host]),
            "webinar_topic": strings(pick(WEBINAR_TOPICS, topic)),
            "start_time": timestamps(days, start),
            "end_time": timestamps(days, start + duration * 60),
            "registrants": registrants,
            "attendees": attendees,
        },
        strict=False,
    )


# -- licenses (snapshot) --------------------------------------------------------------------


def license_periods(world: World) -> dict[str, np.ndarray]:
    """Every license any user ever holds, as (users x 4) arrays: plan periods (before and after
    the plan change) x (before the customer churns, after it comes back).

    ``start``/``end`` are day numbers ([start, end), ``end`` NEVER while it runs); ``kind`` is
    the index into LICENSE_TYPES, -1 where there is no license (Free plan, empty period).
    """
    m = len(world.user_id)
    created = world.user_created_day.astype(np.int64)
    change = world.plan_change_day.astype(np.int64)
    seg_start = np.stack([created, change], axis=1)  # (m, 2)
    seg_end = np.stack([change, np.full(m, NEVER, np.int64)], axis=1)
    seg_plan = np.stack([world.plan0, world.plan1], axis=1)
    # the company the user belongs to when the plan period starts decides churn and segment
    cust = np.where(world.user_move_day[:, None] <= seg_start, world.user_customer1[:, None],
                    world.user_customer0[:, None])
    churn = world.churn_day[cust].astype(np.int64)
    back = world.reactivate_day[cust].astype(np.int64)
    a_start, a_end = seg_start, np.minimum(seg_end, churn)
    a_ok = (seg_start < churn) & (a_start < a_end)
    b_start, b_end = np.maximum(seg_start, back), seg_end
    b_ok = (back < NEVER) & (b_start < b_end)
    start = np.stack([a_start, b_start], axis=2).reshape(m, 4)
    end = np.stack([a_end, b_end], axis=2).reshape(m, 4)
    ok = np.stack([a_ok, b_ok], axis=2).reshape(m, 4)
    ok &= np.repeat(seg_start < NEVER, 2, axis=1)
    plan = np.repeat(seg_plan, 2, axis=1)
    segment = np.repeat(world.segment[cust], 2, axis=1)
    education = rng(world.seed, "platform.licenses.entities").random(m) < EDUCATION_SHARE
    kind = PLAN_LICENSE[plan]
    kind = np.where((segment == GOVERNMENT) & education[:, None] & (kind >= 0), EDUCATION, kind)
    kind = np.where(ok, kind, -1)
    return {"start": start, "end": end, "kind": kind}


@generates("platform.licenses")
def licenses(world: World, day: int) -> pl.DataFrame:
    p = license_periods(world)
    held = (p["kind"] >= 0) & (p["start"] <= day)
    user, k = np.nonzero(held)  # row-major: ordered by user, then period = license_id order
    start, end, kind = p["start"][user, k], p["end"][user, k], p["kind"][user, k]
    running = day < end
    open_ended = running & (kind == v.LICENSE_TYPES.index("Enterprise"))
    term_start = start + (day - start) // TERM_DAYS * TERM_DAYS
    end_date = np.where(running, term_start + TERM_DAYS - 1, end - 1)
    changed = np.where(running, np.where(open_ended, start, term_start), end)
    number = user.astype(np.int64) * 4 + k + 1
    seconds = 6 * 3600 + (number * 7919 + changed * 104_729) % (14 * 3600)
    return pl.DataFrame(
        {
            "license_id": prefixed("L", number, id_width(9, 4 * len(world.user_id))),
            "user_id": strings(world.user_id[user]),
            "license_type": strings(pick(v.LICENSE_TYPES, kind)),
            "start_date": dates(start),
            "end_date": pl.select(
                pl.when(pl.Series(~open_ended)).then(dates(end_date)).otherwise(None)
            ).to_series(),
            "updated_at": timestamps(changed, seconds),
        },
        strict=False,
    )
