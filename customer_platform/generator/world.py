"""The synthetic company: who the customers, accounts, users and subscriptions are, for all time.

Everything here is a pure function of (seed, number of customers), computed once with numpy
and cached. Per-day generators ask the world for the state on a day (status, tier, address,
activity level, distress before churn) rather than carrying state from one day to the next,
which is what makes every day independently reproducible.
"""

import dataclasses
import datetime as dt
import functools

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.generator import reference as ref
from customer_platform.generator.columns import id_width, labels, numerals, prefixed, text, where
from customer_platform.generator.randomness import NEVER, day_number, rng

HISTORY_START = day_number(dt.date(2015, 1, 1))
RECENT_SIGNUPS_START = day_number(dt.date(2025, 1, 1))
FUTURE_END = day_number(dt.date(2028, 1, 1))
CHURN_WINDOW = (day_number(dt.date(2025, 6, 1)), FUTURE_END)

SEGMENT_SHARE = (0.55, 0.30, 0.10, 0.05)  # Residential, SMB, Enterprise, Government
#: Probability that a customer churns somewhere in the churn window, by segment.
SEGMENT_CHURN = (0.45, 0.35, 0.20, 0.15)
USERS_PER_ACCOUNT = {1: (1, 3), 2: (2, 7), 3: (1, 5)}  # SMB, Enterprise, Government
SEATS_PER_PRODUCT = {1: (3, 15), 2: (20, 120), 3: (10, 60)}


def _choice_idx(gen: np.random.Generator, probs, size: int) -> np.ndarray:
    return gen.choice(len(probs), size=size, p=np.asarray(probs) / np.sum(probs)).astype(np.int16)


@dataclasses.dataclass
class World:
    seed: int
    n_customers: int
    # customers (index i = customer C{i+1:07d}; 8 digits from 10 million customers)
    customer_id: pl.Series
    customer_digits: int  # of the whole world's ids, also in a customers_view
    segment: np.ndarray  # index into CUSTOMER_SEGMENTS
    tier0: np.ndarray
    tier1: np.ndarray
    tier_change_day: np.ndarray
    signup_day: np.ndarray
    customer_name: pl.Series
    email: pl.Series
    phone: pl.Series
    city0: np.ndarray  # index into reference.CITIES
    city1: np.ndarray
    move_day: np.ndarray
    street0: pl.Series
    street1: pl.Series
    engagement: np.ndarray  # baseline activity level, lognormal around 1
    churn_day: np.ndarray
    reactivate_day: np.ndarray
    decline_start: np.ndarray
    suspended: np.ndarray  # bool: Inactive for 14 days before churning
    # business accounts (subset of customers)
    account: np.ndarray  # customer indices of business customers
    parent: np.ndarray  # per account: index into parent companies, -1 when none
    parent_name: pl.Series
    n_parents: int
    vertical: np.ndarray
    account_type: np.ndarray
    # platform users (belong to business accounts)
    user_id: pl.Series
    user_customer0: np.ndarray  # customer index
    user_customer1: np.ndarray
    user_move_day: np.ndarray
    user_name: pl.Series
    user_email: pl.Series
    user_created_day: np.ndarray
    plan0: np.ndarray
    plan1: np.ndarray
    plan_change_day: np.ndarray
    # service subscriptions (telco side): one row per assignment
    assign_customer: np.ndarray
    assign_service: np.ndarray  # index into reference.SERVICES
    assign_start: np.ndarray
    assign_end: np.ndarray
    # seat entitlements (licensing side): one row per account x product
    ent_customer: np.ndarray
    ent_product: np.ndarray  # index into vocabulary.SEAT_PRODUCTS
    ent_seats: np.ndarray
    ent_start: np.ndarray

    # -- state on a day ---------------------------------------------------------------

    def exists(self, day: int) -> np.ndarray:
        return self.signup_day <= day

    def status(self, day: int) -> np.ndarray:
        """Index into CUSTOMER_STATUSES (0 Active, 1 Inactive, 2 Churned)."""
        churned = (self.churn_day <= day) & (day < self.reactivate_day)
        inactive = self.suspended & (self.churn_day - 14 <= day) & (day < self.churn_day)
        return np.where(churned, 2, np.where(inactive, 1, 0)).astype(np.int8)

    def tier(self, day: int) -> np.ndarray:
        return np.where(self.tier_change_day <= day, self.tier1, self.tier0)

    def city(self, day: int) -> np.ndarray:
        return np.where(self.move_day <= day, self.city1, self.city0)

    def street(self, day: int) -> pl.Series:
        return where(self.move_day <= day, self.street1, self.street0)

    def activity(self, day: int) -> np.ndarray:
        """Expected activity relative to normal: falls to 0.25 through the decline, 0 when gone."""
        span = np.maximum(self.churn_day - self.decline_start, 1)
        into = np.clip((day - self.decline_start) / span, 0.0, 1.0)
        level = np.where(day >= self.decline_start, 1.0 - 0.75 * into, 1.0)
        gone = (self.churn_day <= day) & (day < self.reactivate_day)
        return np.where(gone | ~self.exists(day), 0.0, level * self.engagement)

    def distress(self, day: int) -> np.ndarray:
        """0 normally, rising to 1 at the churn day: drives tickets, late payment, bad moods."""
        span = np.maximum(self.churn_day - self.decline_start, 1)
        into = np.clip((day - self.decline_start) / span, 0.0, 1.0)
        return np.where((day >= self.decline_start) & (day < self.churn_day), into, 0.0)

    def last_change_day(self, day: int) -> np.ndarray:
        """Day the CRM record last changed on or before ``day`` (for ``updated_at``)."""
        candidates = [self.signup_day, self.tier_change_day, self.move_day]
        candidates += [self.churn_day, self.reactivate_day]
        candidates.append(np.where(self.suspended, self.churn_day - 14, NEVER))
        stacked = np.stack([np.where(c <= day, c, self.signup_day) for c in candidates])
        return stacked.max(axis=0)

    def customer_ids(self, idx: np.ndarray) -> pl.Series:
        """The customer ids of indices ``idx``, as ``customer_id[idx]`` but vectorised."""
        return prefixed("C", np.asarray(idx, dtype=np.int64) + 1, self.customer_digits)

    def user_customer(self, day: int) -> np.ndarray:
        return np.where(self.user_move_day <= day, self.user_customer1, self.user_customer0)

    def plan(self, day: int) -> np.ndarray:
        return np.where(self.plan_change_day <= day, self.plan1, self.plan0)

    def users_exist(self, day: int) -> np.ndarray:
        return self.user_created_day <= day

    def assignments_active(self, day: int) -> np.ndarray:
        return (self.assign_start <= day) & (day < self.assign_end)

    def monthly_recurring_revenue(self, day: int) -> np.ndarray:
        """Per customer: sum of the monthly cost of the services active on ``day``."""
        active = self.assignments_active(day)
        cost = ref.SERVICE_COST[self.assign_service] * active
        return np.bincount(self.assign_customer, weights=cost, minlength=self.n_customers)


@functools.lru_cache(maxsize=4)
def build_world(seed: int, n_customers: int) -> World:
    """Build the whole population for ``seed``; the same arguments always give the same world.
    Each part has its own stream and its own function, whose working arrays are freed before
    the next part is drawn."""
    customers, domain = _customers(seed, n_customers)
    accounts = _accounts(seed, customers["segment"])
    account = accounts["account"]
    users = _users(seed, customers, account, domain)
    del domain
    return World(seed=seed, n_customers=n_customers, **customers, **accounts, **users,
                 **_services(seed, customers), **_entitlements(seed, customers, account))


def _customers(seed: int, n: int) -> tuple[dict, pl.Series]:
    """The customers' fields, and each one's company domain (for its users' emails)."""
    g = rng(seed, "world.customers")
    segment = _choice_idx(g, SEGMENT_SHARE, n)
    tier_probs = np.array(
        [[0.5, 0.3, 0.15, 0.05], [0.3, 0.4, 0.2, 0.1], [0.05, 0.2, 0.4, 0.35], [0.1, 0.3, 0.4, 0.2]]
    )
    u = g.random(n)
    cdf = np.cumsum(tier_probs[segment], axis=1)
    tier0 = (u[:, None] > cdf).sum(axis=1).astype(np.int16)
    changes_tier = g.random(n) < 0.15
    tier_step = np.where(g.random(n) < 0.7, 1, -1)
    tier1 = np.clip(tier0 + tier_step, 0, 3).astype(np.int16)
    recent = g.random(n) < 0.15
    signup_day = np.where(
        recent,
        g.integers(RECENT_SIGNUPS_START, FUTURE_END, n),
        g.integers(HISTORY_START, RECENT_SIGNUPS_START, n),
    ).astype(np.int32)
    tier_change_day = np.where(
        changes_tier, signup_day + g.integers(30, 900, n), NEVER
    ).astype(np.int32)

    residential = segment == 0
    customer_digits = id_width(7, n)
    customer_id = prefixed("C", np.arange(1, n + 1), customer_digits)
    customer_name, email, phone, domain = _contacts(g, residential)
    city0 = g.integers(0, len(ref.CITIES), n).astype(np.int16)
    city1 = g.integers(0, len(ref.CITIES), n).astype(np.int16)
    moves = g.random(n) < 0.08
    move_day = np.where(moves, signup_day + g.integers(60, 1500, n), NEVER).astype(np.int32)
    street0, street1 = _streets(g, n)
    engagement = np.exp(g.normal(0.0, 0.35, n))

    # latent churn
    churn_prob = np.asarray(SEGMENT_CHURN)[segment] * np.clip(1.6 - engagement * 0.6, 0.4, 1.6)
    will_churn = g.random(n) < churn_prob
    churn_day = g.integers(*CHURN_WINDOW, n)
    churn_day = np.maximum(churn_day, signup_day + 60)
    churn_day = np.where(will_churn & (churn_day < FUTURE_END), churn_day, NEVER).astype(np.int32)
    comes_back = will_churn & (g.random(n) < 0.2)
    reactivate_day = np.where(
        comes_back & (churn_day < NEVER), churn_day + g.integers(30, 150, n), NEVER
    ).astype(np.int32)
    decline_start = np.where(
        churn_day < NEVER, churn_day - g.integers(30, 90, n), NEVER
    ).astype(np.int32)
    suspended = will_churn & (g.random(n) < 0.4)
    return dict(customer_id=customer_id, customer_digits=customer_digits, segment=segment,
                tier0=tier0, tier1=tier1, tier_change_day=tier_change_day, signup_day=signup_day,
                customer_name=customer_name, email=email, phone=phone, city0=city0, city1=city1,
                move_day=move_day, street0=street0, street1=street1, engagement=engagement,
                churn_day=churn_day, reactivate_day=reactivate_day, decline_start=decline_start,
                suspended=suspended), domain


def _contacts(g: np.random.Generator, residential: np.ndarray
              ) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """Each customer's name, email and phone, drawn from ``g``, and its company's domain: a
    residential customer is a person at a mail host, a business one a company."""
    n = len(residential)
    first = labels(ref.FIRST_NAMES, g.integers(0, len(ref.FIRST_NAMES), n))
    last = labels(ref.LAST_NAMES, g.integers(0, len(ref.LAST_NAMES), n))
    company = text(
        labels(ref.COMPANY_WORDS, g.integers(0, len(ref.COMPANY_WORDS), n)), " ",
        labels(ref.COMPANY_NOUNS, g.integers(0, len(ref.COMPANY_NOUNS), n)), " ",
        labels(ref.COMPANY_SUFFIXES, g.integers(0, len(ref.COMPANY_SUFFIXES), n)))
    customer_name = where(residential, text(first, " ", last), company)
    serial = np.arange(1, n + 1)
    local = text(first, ".", last).str.to_lowercase()
    domain = company.str.replace_all(" ", "", literal=True).str.replace_all(
        ".", "", literal=True).str.to_lowercase()
    mail_host = labels(ref.MAIL_HOSTS, g.integers(0, len(ref.MAIL_HOSTS), n))
    email = where(residential, text(local, numerals(serial), "@", mail_host),
                  text(local, "@", domain, ".com"))
    phone = text("+1-555-", numerals(g.integers(100, 999, n), 3), "-",
                 numerals(g.integers(0, 9999, n), 4))
    return customer_name, email, phone, domain


def _streets(g: np.random.Generator, n: int) -> tuple[pl.Series, pl.Series]:
    """Each customer's street before and after a move, drawn from ``g``."""
    street_names = labels(ref.STREETS, g.integers(0, len(ref.STREETS), n))
    street0 = text(numerals(g.integers(1, 9999, n)), " ", street_names)
    street1 = text(numerals(g.integers(1, 9999, n)), " ",
                   labels(ref.STREETS, g.integers(0, len(ref.STREETS), n)))
    return street0, street1


def _accounts(seed: int, segment: np.ndarray) -> dict:
    """The business accounts (customers not residential) and their parent companies."""
    residential = segment == 0
    ga = rng(seed, "world.accounts")
    account = np.flatnonzero(~residential).astype(np.int32)
    n_acc = len(account)
    n_parents = max(1, n_acc // 8)
    has_parent = ga.random(n_acc) < 0.35
    parent = np.where(has_parent, ga.integers(0, n_parents, n_acc), -1).astype(np.int32)
    parent_names = text(
        labels(ref.COMPANY_WORDS, ga.integers(0, len(ref.COMPANY_WORDS), n_parents)), " ",
        labels(ref.PARENT_SUFFIXES, ga.integers(0, len(ref.PARENT_SUFFIXES), n_parents)))
    parent_name = where(parent >= 0, parent_names.gather(np.maximum(parent, 0)), None)
    vertical = ga.integers(0, len(v.VERTICALS), n_acc).astype(np.int16)
    account_type = np.where(
        segment[account] == 3, 1, ga.choice(4, size=n_acc, p=[0.8, 0.05, 0.1, 0.05])
    ).astype(np.int16)
    return dict(account=account, parent=parent, parent_name=parent_name, n_parents=n_parents,
                vertical=vertical, account_type=account_type)


def _users(seed: int, customers: dict, account: np.ndarray, domain: pl.Series) -> dict:
    """The platform users of the business accounts."""
    segment, signup_day, n_acc = customers["segment"], customers["signup_day"], len(account)
    gu = rng(seed, "world.users")
    lo_hi = np.array([USERS_PER_ACCOUNT.get(int(s), (1, 1)) for s in range(4)])
    seg_acc = segment[account]
    n_users = gu.integers(lo_hi[seg_acc, 0], lo_hi[seg_acc, 1] + 1)
    user_customer0 = np.repeat(account, n_users).astype(np.int32)
    m = len(user_customer0)
    user_digits = id_width(7, m)
    user_id = prefixed("U", np.arange(1, m + 1), user_digits)
    ufirst = labels(ref.FIRST_NAMES, gu.integers(0, len(ref.FIRST_NAMES), m))
    ulast = labels(ref.LAST_NAMES, gu.integers(0, len(ref.LAST_NAMES), m))
    user_name = text(ufirst, " ", ulast)
    user_email = text(text(ufirst, ".", ulast).str.to_lowercase(), numerals(np.arange(1, m + 1)),
                      "@", domain.gather(user_customer0), ".com")
    user_created_day = (signup_day[user_customer0] + gu.integers(0, 400, m)).astype(np.int32)
    moves_company = gu.random(m) < 0.02
    user_customer1 = np.where(
        moves_company, account[gu.integers(0, max(n_acc, 1), m)], user_customer0
    ).astype(np.int32)
    user_move_day = np.where(
        moves_company, user_created_day + gu.integers(30, 900, m), NEVER).astype(np.int32)
    plan_probs = {1: [0.25, 0.3, 0.3, 0.1, 0.05], 2: [0.05, 0.1, 0.25, 0.3, 0.3],
                  3: [0.1, 0.2, 0.3, 0.25, 0.15]}
    seg_u = segment[user_customer0]
    plan0 = np.zeros(m, dtype=np.int16)
    for s, probs in plan_probs.items():
        sel = seg_u == s
        plan0[sel] = gu.choice(5, size=int(sel.sum()), p=probs)
    changes_plan = gu.random(m) < 0.2
    plan_step = np.where(gu.random(m) < 0.75, 1, -1)
    plan1 = np.clip(plan0 + plan_step, 0, 4).astype(np.int16)
    plan_change_day = np.where(
        changes_plan, user_created_day + gu.integers(20, 800, m), NEVER).astype(np.int32)
    return dict(user_id=user_id, user_customer0=user_customer0, user_customer1=user_customer1,
                user_move_day=user_move_day, user_name=user_name, user_email=user_email,
                user_created_day=user_created_day, plan0=plan0, plan1=plan1,
                plan_change_day=plan_change_day)


def _services(seed: int, customers: dict) -> dict:
    """The service assignments: a first service at signup, maybe more later, ends at churn."""
    signup_day, churn_day = customers["signup_day"], customers["churn_day"]
    reactivate_day, n = customers["reactivate_day"], len(signup_day)
    gs = rng(seed, "world.services")
    n_services = gs.choice([1, 2, 3], size=n, p=[0.45, 0.4, 0.15])
    assign_customer = np.repeat(np.arange(n, dtype=np.int32), n_services)
    k = len(assign_customer)
    first_of_customer = np.r_[True, assign_customer[1:] != assign_customer[:-1]]
    assign_service = gs.choice(len(ref.SERVICES), size=k, p=ref.SERVICE_POPULARITY).astype(np.int16)
    assign_start = np.where(
        first_of_customer, signup_day[assign_customer],
        signup_day[assign_customer] + gs.integers(0, 1200, k),
    ).astype(np.int32)
    cancels_early = ~first_of_customer & (gs.random(k) < 0.2)
    assign_end = np.where(cancels_early, assign_start + gs.integers(60, 900, k), NEVER)
    assign_end = np.minimum(assign_end, churn_day[assign_customer]).astype(np.int32)
    back = reactivate_day < NEVER
    back_customers = np.flatnonzero(back).astype(np.int32)
    assign_customer = np.r_[assign_customer, back_customers]
    assign_service = np.r_[assign_service, gs.choice(
        len(ref.SERVICES), size=len(back_customers), p=ref.SERVICE_POPULARITY)].astype(np.int16)
    assign_start = np.r_[assign_start, reactivate_day[back_customers]].astype(np.int32)
    assign_end = np.r_[assign_end, np.full(len(back_customers), NEVER)].astype(np.int32)
    order = np.lexsort((assign_start, assign_customer))
    assign_customer, assign_service = assign_customer[order], assign_service[order]
    assign_start, assign_end = assign_start[order], assign_end[order]
    return dict(assign_customer=assign_customer, assign_service=assign_service,
                assign_start=assign_start, assign_end=assign_end)


def _entitlements(seed: int, customers: dict, account: np.ndarray) -> dict:
    """The seat entitlements: each business account licenses 1-3 seat products."""
    segment, signup_day, n_acc = customers["segment"], customers["signup_day"], len(account)
    ge = rng(seed, "world.entitlements")
    n_products = ge.choice([1, 2, 3], size=n_acc, p=[0.5, 0.35, 0.15])
    ent_customer = np.repeat(account, n_products).astype(np.int32)
    j = len(ent_customer)
    offsets = np.arange(j) - np.repeat(np.cumsum(n_products) - n_products, n_products)
    base_product = np.repeat(ge.integers(0, len(v.SEAT_PRODUCTS), n_acc), n_products)
    ent_product = ((base_product + offsets) % len(v.SEAT_PRODUCTS)).astype(np.int16)
    seats_lo_hi = np.array([SEATS_PER_PRODUCT.get(int(s), (1, 1)) for s in range(4)])
    seg_e = segment[ent_customer]
    ent_seats = ge.integers(seats_lo_hi[seg_e, 0], seats_lo_hi[seg_e, 1] + 1).astype(np.int32)
    ent_start = (signup_day[ent_customer] + ge.integers(0, 200, j)).astype(np.int32)
    return dict(ent_customer=ent_customer, ent_product=ent_product, ent_seats=ent_seats,
                ent_start=ent_start)
