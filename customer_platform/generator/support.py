"""Support extracts: tickets (incremental lifecycle), the knowledge base (snapshot) and
customer-success engagement activities (incremental).

A customer heading for churn raises more tickets, more urgent and rated lower, and its account
gets more health checks, so support shows churn coming. A day's ticket rows are rebuilt from the
tickets raised in the trailing ``TICKET_WINDOW`` days, so any day can be generated alone.
"""

import dataclasses

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.generator import reference as ref
from customer_platform.generator.columns import (
    DAY_BLOCKS,
    Serials,
    dates,
    pick,
    prefixed,
    serials,
    strings,
    take,
    timestamps,
)
from customer_platform.generator.crm import _category, _from_uniform, customers_view
from customer_platform.generator.randomness import rng
from customer_platform.generator.registry import generates
from customer_platform.generator.world import FUTURE_END, HISTORY_START, World

_DAY_S = 86_400
_HOUR_S = 3_600


def _where(mask: np.ndarray, series: pl.Series) -> pl.Series:
    """``series`` where ``mask`` holds, null elsewhere."""
    return pl.select(pl.when(pl.Series(mask)).then(series).otherwise(None)).to_series()


def _at(seconds: np.ndarray) -> pl.Series:
    """Seconds since 1970-01-01 as a Datetime series."""
    seconds = np.asarray(seconds, dtype=np.int64)
    return timestamps(seconds // _DAY_S, seconds % _DAY_S)


def _normal(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Standard normals from two uniforms (Box-Muller)."""
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2)


def _rowwise_category(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Index drawn from each row's own probabilities (rows need not be normalised)."""
    cdf = np.cumsum(probs, axis=1)
    cdf = cdf / cdf[:, -1:]
    return np.minimum((u[:, None] > cdf).sum(axis=1), probs.shape[1] - 1)


def staff_roster(seed: int, label: str, size: int) -> np.ndarray:
    """A fixed roster of ``size`` staff names (distinct while the name pool allows)."""
    g = rng(seed, label)
    n_first, n_last = len(ref.FIRST_NAMES), len(ref.LAST_NAMES)
    combo = g.choice(n_first * n_last, size=size, replace=size > n_first * n_last)
    return pick(ref.FIRST_NAMES, combo // n_last) + " " + pick(ref.LAST_NAMES, combo % n_last)


# -- tickets (incremental lifecycle) --------------------------------------------------------

#: Tickets per customer per year by segment (Residential, SMB, Enterprise, Government), and
#: the extra rate at full distress (rate x (1 + TICKET_DISTRESS * distress)).
TICKET_RATE = np.array([1.2, 2.5, 6.0, 4.0])
TICKET_DISTRESS = 4.0
#: Priority shares (High, Medium, Low) normally and their shift at full distress.
PRIORITY_SHARE = np.array([0.20, 0.50, 0.30])
PRIORITY_DISTRESS = np.array([0.40, -0.20, -0.20])
#: Ticket type shares (Technical Issue, Billing Question, Feature Request) and distress shift.
TYPE_SHARE = np.array([0.60, 0.25, 0.15])
TYPE_DISTRESS = np.array([-0.20, 0.30, -0.10])
#: Category (TICKET_CATEGORIES) shares by ticket type.
CATEGORY_BY_TYPE = np.array(
    [
        # Connectivity, Billing, Account, Hardware, Software, Service Request
        [0.35, 0.00, 0.10, 0.25, 0.30, 0.00],  # Technical Issue
        [0.00, 0.80, 0.20, 0.00, 0.00, 0.00],  # Billing Question
        [0.00, 0.00, 0.10, 0.00, 0.40, 0.50],  # Feature Request
    ]
)
CHANNEL_SHARE = (0.35, 0.25, 0.20, 0.15, 0.05)  # Phone, Email, Chat, Web, Social
#: First response: median hours by priority, multiplier by channel, spread, cap.
RESPONSE_HOURS = np.array([0.5, 3.0, 10.0])
RESPONSE_CHANNEL = np.array([0.1, 1.0, 0.2, 1.0, 0.7])
RESPONSE_SIGMA = 0.8
RESPONSE_MIN_S, RESPONSE_MAX_DAYS = 60, 3
#: Resolution (first response to resolved): median hours by priority x ticket type.
RESOLUTION_HOURS = np.array(
    [
        # Technical Issue, Billing Question, Feature Request
        [6.0, 4.0, 72.0],  # High
        [24.0, 12.0, 168.0],  # Medium
        [60.0, 36.0, 336.0],  # Low
    ]
)
RESOLUTION_SIGMA = 0.7
RESOLUTION_MIN_S, RESOLUTION_MAX_DAYS = 600, 28
CLOSE_DELAY_DAYS = (1, 7)  # resolved -> closed (customer confirms or auto-close)
TICKET_WINDOW = 1 + RESPONSE_MAX_DAYS + RESOLUTION_MAX_DAYS + CLOSE_DELAY_DAYS[1]
#: Satisfaction survey: answer rate, and the score's mean, its fall at full distress, its
#: fall per unit of log slowness (resolution time over the median for the ticket), its spread.
SURVEY_RATE = 0.5
SATISFACTION_MEAN = 4.3
SATISFACTION_DISTRESS = 2.2
SATISFACTION_SLOW = 0.6
SATISFACTION_SIGMA = 0.8
CUSTOMERS_PER_AGENT = 2_000
MIN_AGENTS = 12

SUBJECTS = {
    "Connectivity": ("Internet connection drops", "Slow broadband speeds",
                     "No mobile signal at home", "Wi-Fi keeps disconnecting"),
    "Billing": ("Charged twice this month", "Question about my invoice", "Refund request",
                "Unexpected fee on my bill"),
    "Account": ("Cannot log in to my account", "Update account contact details",
                "Add a user to our account", "Password reset not working"),
    "Hardware": ("Router does not power on", "Set-top box shows an error",
                 "Replacement device request", "Faulty SIM card"),
    "Software": ("App crashes on start", "Meeting recording fails", "Screen share not working",
                 "Error after the latest update"),
    "Service Request": ("Upgrade my plan", "Add a TV package", "Move service to a new address",
                        "Request for a new feature"),
}
_SUBJECTS = np.array([SUBJECTS[c] for c in v.TICKET_CATEGORIES], dtype=object)
#: Description by ticket type x priority (High, Medium, Low).
DETAILS = np.array(
    [
        ["Service is down and the customer cannot work.",
         "Intermittent problem affecting daily use.", "Minor issue; a workaround exists."],
        ["Customer disputes a charge and mentions cancelling.",
         "Customer asks for an explanation of the charges.", "General question about billing."],
        ["Blocking request from the account's decision maker.",
         "Capability the customer says they need.", "Nice-to-have suggestion."],
    ],
    dtype=object,
)
DESCRIPTION_MISSING_PHONE = 0.4  # share of phone tickets logged without a description

_OPEN, _IN_PROGRESS, _RESOLVED, _CLOSED = range(4)  # index into TICKET_STATUSES
#: Columns of the uniform block drawn for every candidate ticket of an open day.
(_U_PRIORITY, _U_TYPE, _U_CATEGORY, _U_CHANNEL, _U_SUBJECT, _U_OPEN, _U_RESPONSE,
 _U_RESOLUTION, _U_CLOSE, _U_SURVEY, _U_SCORE, _U_AGENT, _U_USER, _U_DESCRIPTION,
 _U_SECONDS) = (0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 14, 15, 16, 17)  # normals take two
_U_WIDTH = 20


def ticket_serials(world: World) -> Serials:
    """ticket_id = (open day - HISTORY_START) * stride + serial: a customer raises at most one
    ticket a day."""
    return serials("ticket_id", "T", world.n_customers, legacy=(100_000, 9),
                   most=world.n_customers, blocks=DAY_BLOCKS)


def agent_roster(world: World) -> np.ndarray:
    size = max(MIN_AGENTS, world.n_customers // CUSTOMERS_PER_AGENT)
    return staff_roster(world.seed, "support.agents", size)


def _ticket_candidates(world: World, b: int, bound: np.ndarray):
    """Customers who may raise a ticket on day ``b``, their draw, and their uniform block.

    A customer raises one when its draw is below its daily rate times the distress factor on
    ``b``; ``bound`` (the rate at full distress) is never below that, so every customer that
    could raise one is a candidate, and which of them do is decided by the caller.
    """
    g = rng(world.seed, "support.tickets", b)
    u = g.random(world.n_customers)
    cand = np.flatnonzero(u < bound)
    return cand, u[cand], g.random((len(cand), _U_WIDTH))


def _tickets_raised(world: World, b: int, rate: np.ndarray, bound: np.ndarray):
    """The tickets raised on day ``b``: their customers, uniform blocks and distress. Each day
    keeps only its raised tickets, about a fifth of its candidates, so a window never holds
    every candidate's block (10 million customers: 2 GiB, twice over when joined)."""
    cust, draw, u = _ticket_candidates(world, b, bound)
    view = customers_view(world, cust)
    d = view.distress(b)
    live = view.exists(b) & (view.status(b) != 2)
    raised = live & (draw < rate[cust] * (1.0 + TICKET_DISTRESS * d))
    return cust[raised], u[raised], d[raised]


def ticket_window(world: World, day: int) -> dict[str, np.ndarray]:
    """Every ticket raised in ``day - TICKET_WINDOW .. day`` and its whole lifecycle."""
    rate = TICKET_RATE[world.segment] / 365.0
    bound = rate * (1.0 + TICKET_DISTRESS)
    births = range(max(day - TICKET_WINDOW, HISTORY_START), day + 1)
    raised = [_tickets_raised(world, b, rate, bound) for b in births]
    cust = np.concatenate([np.zeros(0, np.int64)] + [c for c, _, _ in raised]).astype(np.int64)
    u = np.concatenate([np.zeros((0, _U_WIDTH))] + [x for _, x, _ in raised])
    d = np.concatenate([np.zeros(0)] + [x for _, _, x in raised])
    birth = np.repeat(np.asarray(births, dtype=np.int64), [len(c) for c, _, _ in raised])
    del raised
    # serial of the ticket among those raised the same day (births are in ascending order)
    first_of_day = np.searchsorted(birth, birth, side="left")
    serial = np.arange(len(birth)) - first_of_day

    col = d[:, None]
    priority = _rowwise_category(u[:, _U_PRIORITY], PRIORITY_SHARE + col * PRIORITY_DISTRESS)
    kind = _rowwise_category(u[:, _U_TYPE], TYPE_SHARE + col * TYPE_DISTRESS)
    category = _rowwise_category(u[:, _U_CATEGORY], CATEGORY_BY_TYPE[kind])
    channel = _category(u[:, _U_CHANNEL], CHANNEL_SHARE)

    opened = birth * _DAY_S + _from_uniform(u[:, _U_OPEN], 7 * _HOUR_S, 22 * _HOUR_S - 1)
    z_resp = _normal(u[:, _U_RESPONSE], u[:, _U_RESPONSE + 1])
    resp_h = RESPONSE_HOURS[priority] * RESPONSE_CHANNEL[channel] * np.exp(RESPONSE_SIGMA * z_resp)
    resp_s = np.clip(resp_h * _HOUR_S, RESPONSE_MIN_S, RESPONSE_MAX_DAYS * _DAY_S)
    z_res = _normal(u[:, _U_RESOLUTION], u[:, _U_RESOLUTION + 1])
    slowness = RESOLUTION_SIGMA * z_res
    res_s = np.clip(RESOLUTION_HOURS[priority, kind] * np.exp(slowness) * _HOUR_S,
                    RESOLUTION_MIN_S, RESOLUTION_MAX_DAYS * _DAY_S)
    close_s = _from_uniform(u[:, _U_CLOSE], CLOSE_DELAY_DAYS[0] * _DAY_S,
                            CLOSE_DELAY_DAYS[1] * _DAY_S - 1)
    responded = opened + resp_s.astype(np.int64)
    resolved = responded + res_s.astype(np.int64)
    closed = resolved + close_s

    z_score = _normal(u[:, _U_SCORE], u[:, _U_SCORE + 1])
    latent = (SATISFACTION_MEAN - SATISFACTION_DISTRESS * d - SATISFACTION_SLOW * slowness
              + SATISFACTION_SIGMA * z_score)
    score = np.clip(np.round(latent), 1, 5).astype(np.int64)

    # the platform user behind a business customer's ticket: one of the account's users who
    # exists and still belongs to the account on the open day
    lo = np.searchsorted(world.user_customer0, cust, side="left")
    hi = np.searchsorted(world.user_customer0, cust, side="right")
    user = np.minimum(lo + np.floor(u[:, _U_USER] * (hi - lo)).astype(np.int64),
                      max(len(world.user_id) - 1, 0))
    has_user = hi > lo
    if len(world.user_id):
        moved = world.user_move_day[user] <= birth
        company = np.where(moved, world.user_customer1[user], world.user_customer0[user])
        has_user &= (world.user_created_day[user] <= birth) & (company == cust)
    return {
        "cust": cust,
        "number": ticket_serials(world).numbers(birth - HISTORY_START, serial),
        "priority": priority,
        "type": kind,
        "category": category,
        "channel": channel,
        "subject": np.floor(u[:, _U_SUBJECT] * _SUBJECTS.shape[1]).astype(np.int64),
        "times": np.stack([opened, responded, resolved, closed], axis=1),
        "score": np.where(u[:, _U_SURVEY] < SURVEY_RATE, score, 0),
        "agent": u[:, _U_AGENT],
        "user": np.where(has_user, user, -1),
        "no_description": (channel == 0) & (u[:, _U_DESCRIPTION] < DESCRIPTION_MISSING_PHONE),
    }


@generates("support.tickets")
def tickets(world: World, day: int) -> pl.DataFrame:
    w = ticket_window(world, day)
    times = w["times"]
    rows, status = np.nonzero(times // _DAY_S == day)
    order = np.lexsort((status, w["number"][rows]))
    rows, status = rows[order], status[order]
    t = times[rows]
    n_rows = len(rows)
    agents = agent_roster(world)
    agent = np.floor(w["agent"][rows] * len(agents)).astype(np.int64)
    category, kind, priority = w["category"][rows], w["type"][rows], w["priority"][rows]
    user = w["user"][rows]
    score = w["score"][rows]
    return pl.DataFrame(
        {
            "ticket_id": ticket_serials(world).ids(w["number"][rows]),
            "customer_id": strings(world.customer_id[w["cust"][rows]]),
            "user_id": take(world.user_id, user, user >= 0),
            "priority": strings(pick(v.TICKET_PRIORITIES, priority)),
            "status": strings(pick(v.TICKET_STATUSES, status)),
            "channel_of_contact": strings(pick(v.TICKET_CHANNELS, w["channel"][rows])),
            "category": strings(pick(v.TICKET_CATEGORIES, category)),
            "ticket_type": strings(pick(v.TICKET_TYPES, kind)),
            "subject": strings(_SUBJECTS[category, w["subject"][rows]]),
            "description": strings(np.where(w["no_description"][rows], None,
                                             DETAILS[kind, priority])),
            "agent_name": strings(np.where(status >= _IN_PROGRESS, agents[agent], None)),
            "opened_at": _at(t[:, _OPEN]),
            "first_response_at": _where(status >= _IN_PROGRESS, _at(t[:, _IN_PROGRESS])),
            "resolved_at": _where(status >= _RESOLVED, _at(t[:, _RESOLVED])),
            "satisfaction_score": _where((status >= _RESOLVED) & (score > 0),
                                         pl.Series(score, dtype=pl.Int64)),
            "updated_at": _at(t[np.arange(n_rows), status]),
        },
        strict=False,
    )


# -- knowledge-base articles (snapshot) -----------------------------------------------------

KB_BASE = 240
KB_CUSTOMERS_PER_ARTICLE = 5_000
KB_LAUNCH_SHARE = 0.25  # of the library published in the first year
KB_STARTER = 20  # articles live from the first day of history
#: Category shares (KB_CATEGORIES) and revisions per article per year by category.
KB_CATEGORY_SHARE = (0.15, 0.30, 0.15, 0.15, 0.15, 0.10)
KB_REVISIONS_PER_YEAR = np.array([0.8, 1.5, 1.0, 0.6, 1.2, 2.0])
KB_MIN_REVISION_GAP = 7
KB_MAX_VERSIONS = 64
KB_AUTHORS = 15
KB_TOPICS = {
    "Getting Started": ("setting up your router", "activating your mobile plan",
                        "installing the desktop app", "hosting your first meeting",
                        "connecting your TV box", "inviting your team"),
    "Troubleshooting": ("slow internet speeds", "dropped calls", "audio problems in meetings",
                        "a freezing TV picture", "Wi-Fi dead spots", "app crashes"),
    "Billing": ("reading your invoice", "payment methods", "refunds and credits",
                "changing your bill date", "late payment fees", "taxes on your bill"),
    "Account": ("resetting your password", "adding users", "changing your plan",
                "updating contact details", "closing your account", "managing permissions"),
    "Devices": ("supported router models", "SIM cards", "set-top boxes",
                "meeting room hardware", "headsets and cameras", "returning a device"),
    "Security": ("two-factor authentication", "spotting phishing emails", "securing your Wi-Fi",
                 "single sign-on", "data privacy settings", "suspicious account activity"),
}
_KB_TOPICS = np.array([KB_TOPICS[c] for c in v.KB_CATEGORIES], dtype=object)
KB_TEMPLATES = np.array(
    ["A guide to ", "FAQ: ", "Help with ", "Tips for ",
     "Business accounts: ", "Home customers: "],
    dtype=object,
)


@dataclasses.dataclass(frozen=True)
class KbLibrary:
    """Every article the knowledge base will ever hold, in publication (= article_id) order."""

    number: np.ndarray  # 1.. -> KB000001
    category: np.ndarray  # index into KB_CATEGORIES
    title: np.ndarray
    author: np.ndarray
    version_day: np.ndarray  # (articles, KB_MAX_VERSIONS): day each version was published
    version_s: np.ndarray  # seconds into that day


def kb_library(world: World) -> KbLibrary:
    g = rng(world.seed, "support.kb_articles.entities")
    m = KB_BASE + world.n_customers // KB_CUSTOMERS_PER_ARTICLE
    launch = g.random(m) < KB_LAUNCH_SHARE
    published = np.where(launch, g.integers(HISTORY_START, HISTORY_START + 365, m),
                         g.integers(HISTORY_START, FUTURE_END, m))
    published[:KB_STARTER] = HISTORY_START  # the starter library goes live with the platform
    published = np.sort(published)
    category = g.choice(len(v.KB_CATEGORIES), size=m, p=KB_CATEGORY_SHARE)
    topic = g.integers(0, _KB_TOPICS.shape[1], m)
    template = g.integers(0, len(KB_TEMPLATES), m)
    title = KB_TEMPLATES[template] + _KB_TOPICS[category, topic]
    authors = staff_roster(world.seed, "support.kb_authors", KB_AUTHORS)
    author = authors[g.integers(0, KB_AUTHORS, m)]
    mean_gap = 365.0 / KB_REVISIONS_PER_YEAR[category]
    gaps = KB_MIN_REVISION_GAP + g.exponential(1.0, (m, KB_MAX_VERSIONS - 1)) * mean_gap[:, None]
    version_day = published[:, None] + np.c_[np.zeros(m), np.cumsum(gaps, axis=1)]
    version_s = _from_uniform(g.random((m, KB_MAX_VERSIONS)), 8 * _HOUR_S, 18 * _HOUR_S - 1)
    return KbLibrary(
        number=np.arange(1, m + 1),
        category=category,
        title=np.array([t[0].upper() + t[1:] for t in title], dtype=object),
        author=author,
        version_day=np.floor(version_day).astype(np.int64),
        version_s=version_s,
    )


@generates("support.kb_articles")
def kb_articles(world: World, day: int) -> pl.DataFrame:
    lib = kb_library(world)
    idx = np.flatnonzero(lib.version_day[:, 0] <= day)
    days = lib.version_day[idx]
    version = (days <= day).sum(axis=1)
    latest = version - 1
    n = len(idx)
    return pl.DataFrame(
        {
            "article_id": prefixed("KB", lib.number[idx], 6),
            "title": strings(lib.title[idx]),
            "category": strings(pick(v.KB_CATEGORIES, lib.category[idx])),
            "version_number": version.astype(np.int64),
            "article_author": strings(lib.author[idx]),
            "published_at": timestamps(days[:, 0], lib.version_s[idx, 0]),
            "updated_at": timestamps(days[np.arange(n), latest], lib.version_s[idx, latest]),
        },
        strict=False,
    )


# -- engagement activities (incremental) ----------------------------------------------------

#: Activities per business account per year by segment (Residential never), the boost in the
#: first ONBOARDING_DAYS after signup, the extra rate at full distress, the weekend factor.
ENGAGEMENT_RATE = np.array([0.0, 3.0, 12.0, 8.0])
ONBOARDING_DAYS = 90
ONBOARDING_BOOST = 3.0
ENGAGEMENT_DISTRESS = 1.0
WEEKEND_FACTOR = 0.1
#: Activity type shares (ENGAGEMENT_TYPES: Onboarding Call, Quarterly Business Review,
#: Training Session, Health Check, Executive Sponsor Meeting) while onboarding and after, and
#: the shift at full distress.
ONBOARDING_TYPES = np.array([0.55, 0.00, 0.35, 0.10, 0.00])
REGULAR_TYPES = np.array([0.00, 0.40, 0.25, 0.25, 0.10])
DISTRESS_TYPES = np.array([0.00, -0.30, -0.15, 0.30, 0.15])
#: Duration in minutes by activity type (inclusive bounds, multiples of 5).
DURATION_MINUTES = np.array([[45, 90], [60, 120], [30, 180], [20, 60], [30, 90]])
#: Outcome: Negative share normally and its rise at full distress; Positive share normally,
#: falling to nothing at full distress.
NEGATIVE_BASE, NEGATIVE_DISTRESS = 0.07, 0.60
POSITIVE_BASE = 0.55
NOTES_MISSING = 0.25
ACCOUNTS_PER_CSM = 120
MIN_CSMS = 5
NOTES = np.array(
    [
        ["Customer happy with progress", "Adoption ahead of plan",
         "Agreed next steps for expansion", "Sponsor praised the support team"],
        ["Reviewed usage, no issues raised", "Follow-up scheduled",
         "Shared training materials", "Walked through the roadmap"],
        ["Customer unhappy with service quality", "Raised billing concerns",
         "Customer evaluating competitors", "Low adoption, churn risk flagged"],
    ],
    dtype=object,
)
_U_ETYPE, _U_DURATION, _U_OUTCOME, _U_NOTE, _U_NOTE_MISSING = range(5)


def activity_serials(world: World) -> Serials:
    """activity_id = (day - HISTORY_START) * stride + serial: an account has at most one
    activity a day."""
    return serials("activity_id", "EA", world.n_customers, legacy=(100_000, 9),
                   most=len(world.account), blocks=DAY_BLOCKS)


def csm_assignment(world: World) -> tuple[np.ndarray, np.ndarray]:
    """The CSM roster and, per business account (position in ``world.account``), its CSM."""
    size = max(MIN_CSMS, len(world.account) // ACCOUNTS_PER_CSM)
    roster = staff_roster(world.seed, "support.csms", size)
    owner = rng(world.seed, "support.csm_owners").integers(0, size, len(world.account))
    return roster, owner


@generates("support.engagement_activities")
def engagement_activities(world: World, day: int) -> pl.DataFrame:
    acc = world.account
    g = rng(world.seed, "support.engagement_activities", day)
    u = g.random(len(acc))
    weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
    rate = ENGAGEMENT_RATE[world.segment[acc]] / 365.0 * (WEEKEND_FACTOR if weekend else 1.0)
    cand = np.flatnonzero(u < rate * (1.0 + ENGAGEMENT_DISTRESS) * ONBOARDING_BOOST)
    block = g.random((len(cand), 5))
    cust = acc[cand]
    view = customers_view(world, cust)
    d = view.distress(day)
    onboarding = (day - view.signup_day) < ONBOARDING_DAYS
    live = view.exists(day) & (view.status(day) != 2)
    boost = np.where(onboarding, ONBOARDING_BOOST, 1.0)
    held = live & (u[cand] < rate[cand] * (1.0 + ENGAGEMENT_DISTRESS * d) * boost)
    cand, block, cust, d, onboarding = (x[held] for x in (cand, block, cust, d, onboarding))
    n = len(cand)
    scheme = activity_serials(world)
    number = scheme.numbers(day - HISTORY_START, np.arange(n))

    shares = np.where(onboarding[:, None], ONBOARDING_TYPES,
                      np.clip(REGULAR_TYPES + d[:, None] * DISTRESS_TYPES, 0.0, None))
    kind = _rowwise_category(block[:, _U_ETYPE], shares)
    lo, hi = DURATION_MINUTES[kind, 0] // 5, DURATION_MINUTES[kind, 1] // 5
    minutes = 5 * _from_uniform(block[:, _U_DURATION], lo, hi)
    negative = NEGATIVE_BASE + NEGATIVE_DISTRESS * d
    positive = POSITIVE_BASE * (1.0 - d)
    outcome = _rowwise_category(
        block[:, _U_OUTCOME], np.stack([positive, 1.0 - positive - negative, negative], axis=1))
    note = np.floor(block[:, _U_NOTE] * NOTES.shape[1]).astype(np.int64)
    roster, owner = csm_assignment(world)
    return pl.DataFrame(
        {
            "activity_id": scheme.ids(number),
            "customer_id": strings(world.customer_id[cust]),
            "activity_type": strings(pick(v.ENGAGEMENT_TYPES, kind)),
            "activity_date": dates(np.full(n, day)),
            "csm_name": strings(roster[owner[cand]]),
            "duration_minutes": minutes.astype(np.int64),
            "outcome": strings(pick(v.ENGAGEMENT_OUTCOMES, outcome)),
            "notes": strings(np.where(block[:, _U_NOTE_MISSING] < NOTES_MISSING, None,
                                       NOTES[outcome, note])),
        },
        strict=False,
    )
