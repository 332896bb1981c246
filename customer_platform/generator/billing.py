"""Billing extracts: monthly invoices (incremental lifecycle) and billing events (incremental).

Every customer is billed on its monthly bill day for the services active that day, so invoices
agree with provisioning; customers in distress pay late or never and get more refunds. A day's
rows are rebuilt from the invoices of the trailing ``INVOICE_SPAN`` days, so any day can be
generated alone (the behaviour in full: docs/operations.md, The embedded default source).
"""

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.generator import reference as ref
from customer_platform.generator.columns import (
    DAY_BLOCKS,
    MONTH_BLOCKS,
    Serials,
    dates,
    pick,
    serials,
    strings,
    take,
    timestamps,
)
from customer_platform.generator.crm import customers_view
from customer_platform.generator.randomness import NEVER, rng
from customer_platform.generator.registry import generates
from customer_platform.generator.world import HISTORY_START, World

TAX_RATE = 0.08
DUE_DAYS = 14
#: Normal payment delay: ``floor(21 * Beta(2, 3))`` days after the invoice date (0-20, mean 8).
PAY_DELAY_BETA = (2.0, 3.0)
PAY_DELAY_MAX = 20
#: In distress: probability of paying late (15..LATE_MAX days) and of never paying, at full
#: distress (scaled linearly), plus the base share that never pays.
LATE_DISTRESS = 0.8
LATE_MAX = 75
NEVER_BASE = 0.005
NEVER_DISTRESS = 0.45
INVOICE_SPAN = LATE_MAX  # an invoice changes state at most this many days after issue
_OPEN, _PAID, _OVERDUE = (v.INVOICE_STATUSES.index(s) for s in ("Open", "Paid", "Overdue"))
_MONTH_2015 = (2015 - 1970) * 12  # months since 1970 of 2015-01, the first invoice block

#: Billing events: add-on purchases per customer-day at normal activity, their size (USD),
#: refunds per customer-day and their extra rate at full distress.
ADDON_RATE = 0.004
ADDON_MEDIAN = 25.0
ADDON_SIGMA = 0.7
REFUND_RATE = 0.0015
REFUND_DISTRESS = 4.0
_FEE, _RENEWAL, _ADDON, _REFUND = range(4)  # index into BILLING_EVENT_TYPES


def invoice_serials(world: World) -> Serials:
    """invoice_id = (month - 2015-01) * stride + customer index + 1: one bill a month each."""
    return serials("invoice_id", "INV", world.n_customers, legacy=(1_000_000, 9),
                   most=world.n_customers, blocks=MONTH_BLOCKS)


def billing_event_serials(world: World) -> Serials:
    """billing_event_id = (day - HISTORY_START) * stride + serial: a customer has at most a
    fee, an add-on and a refund a day."""
    return serials("billing_event_id", "BE", world.n_customers, legacy=(200_000, 9),
                   most=3 * world.n_customers, blocks=DAY_BLOCKS)


def bill_day(world: World) -> np.ndarray:
    """Day of month (1..28) each customer is billed on."""
    return np.arange(world.n_customers) % 28 + 1


def _month(day) -> np.ndarray:
    """Months since 1970-01 of day numbers."""
    return np.asarray(day, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_start(month) -> np.ndarray:
    """Day number of the first day of months-since-1970 ``month``."""
    return np.asarray(month, dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64)


def mrr_at(world: World, cust: np.ndarray, days) -> np.ndarray:
    """Monthly recurring revenue of customer ``cust[k]`` on ``days[k]`` (pairs, vectorised).

    Equals ``world.monthly_recurring_revenue(d)[c]`` without evaluating the whole population.
    """
    cust = np.asarray(cust, dtype=np.int64)
    days = np.broadcast_to(np.asarray(days, dtype=np.int64), cust.shape)
    lo = np.searchsorted(world.assign_customer, cust, side="left")
    hi = np.searchsorted(world.assign_customer, cust, side="right")
    count = hi - lo
    pair = np.repeat(np.arange(len(cust)), count)
    a = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    d = days[pair]
    active = (world.assign_start[a] <= d) & (d < world.assign_end[a])
    cost = ref.SERVICE_COST[world.assign_service[a]] * active
    return np.bincount(pair, weights=cost, minlength=len(cust))


# -- invoices (incremental lifecycle) -------------------------------------------------------


def _invoices_of_month(world: World, month: int, first: int, last: int) -> dict[str, np.ndarray]:
    """The invoices issued in ``month`` on days ``first..last``, and their whole future."""
    n = world.n_customers
    g = rng(world.seed, "billing.invoices", int(month))
    delay = np.floor((PAY_DELAY_MAX + 1) * g.beta(*PAY_DELAY_BETA, n)).astype(np.int64)
    u_late, u_late_days, u_never = g.random(n), g.random(n), g.random(n)
    seconds = g.random((n, 3))
    birth = _month_start(month) + bill_day(world) - 1
    cust = np.flatnonzero((first <= birth) & (birth <= last))
    b = birth[cust]
    view = customers_view(world, cust)
    amount = mrr_at(world, cust, b)
    billed = view.exists(b) & (view.status(b) != 2) & (amount > 0)
    cust, b, amount = cust[billed], b[billed], amount[billed]
    distress = customers_view(world, cust).distress(b)
    delay, u_late, u_late_days, u_never = (x[cust] for x in (delay, u_late, u_late_days, u_never))
    late = u_late < LATE_DISTRESS * distress
    delay = np.where(late, DUE_DAYS + 1 + np.floor(u_late_days * (LATE_MAX - DUE_DAYS)), delay)
    next_churn = np.where(world.churn_day[cust] > b, world.churn_day[cust], NEVER)
    pay = b + delay.astype(np.int64)
    never = (u_never < NEVER_BASE + NEVER_DISTRESS * distress) | (pay >= next_churn)
    s = seconds[cust]
    return {
        "cust": cust,
        "number": invoice_serials(world).numbers(month - _MONTH_2015, cust) + 1,
        "birth": b,
        "amount": np.round(amount * (1.0 + TAX_RATE), 2),
        "pay": np.where(never, NEVER, pay),
        # issued by the nightly bill run, marked overdue by the overnight dunning job,
        # paid whenever the customer pays
        "open_s": (2 * 3600 + s[:, 0] * 2 * 3600).astype(np.int64),
        "overdue_s": (1800 + s[:, 1] * 3600).astype(np.int64),
        "paid_s": (7 * 3600 + s[:, 2] * 16 * 3600).astype(np.int64),
    }


def invoice_window(world: World, day: int) -> dict[str, np.ndarray]:
    """Every invoice issued in ``day - INVOICE_SPAN .. day``, with its payment day."""
    first = day - INVOICE_SPAN
    months = range(int(_month(first)), int(_month(day)) + 1)
    parts = [_invoices_of_month(world, m, first, day) for m in months]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@generates("billing.invoices")
def invoices(world: World, day: int) -> pl.DataFrame:
    w = invoice_window(world, day)
    b, pay = w["birth"], w["pay"]
    overdue_day = np.where(pay > b + DUE_DAYS, b + DUE_DAYS + 1, NEVER)
    event_day = np.stack([b, overdue_day, pay], axis=1)  # Open, Overdue, Paid
    status = np.array([_OPEN, _OVERDUE, _PAID])
    secs = np.stack([w["open_s"], w["overdue_s"], w["paid_s"]], axis=1)
    rows, kind = np.nonzero(event_day == day)
    sec = secs[rows, kind]
    order = np.lexsort((sec, w["number"][rows]))
    rows, kind, sec = rows[order], kind[order], sec[order]
    st = status[kind]
    paid = st == _PAID
    n_rows = len(rows)
    return pl.DataFrame(
        {
            "invoice_id": invoice_serials(world).ids(w["number"][rows]),
            "customer_id": strings(world.customer_id[w["cust"][rows]]),
            "invoice_date": dates(b[rows]),
            "due_date": dates(b[rows] + DUE_DAYS),
            "amount": w["amount"][rows],
            "currency": strings([v.CURRENCIES[0]] * n_rows),
            "paid_status": strings(pick(v.INVOICE_STATUSES, st)),
            "paid_date": pl.select(
                pl.when(pl.Series(paid)).then(dates(np.full(n_rows, day))).otherwise(None)
            ).to_series(),
            "updated_at": timestamps(np.full(n_rows, day), sec),
        },
        strict=False,
    )


# -- billing events (incremental) -----------------------------------------------------------


def billing_contact(world: World, day: int) -> np.ndarray:
    """Per customer: index of its billing contact on ``day`` (its lowest-numbered existing
    platform user), -1 when it has none (residential customers, accounts without users yet)."""
    users = np.flatnonzero(world.users_exist(day))
    company = world.user_customer(day)[users]
    customers, first = np.unique(company, return_index=True)  # users ascending: first = lowest
    contact = np.full(world.n_customers, -1, dtype=np.int64)
    contact[customers] = users[first]
    return contact


@generates("billing.billing_events")
def billing_events(world: World, day: int) -> pl.DataFrame:
    n = world.n_customers
    g = rng(world.seed, "billing.billing_events", day)
    u_addon, u_refund = g.random(n), g.random(n)
    live = world.exists(day) & (world.status(day) != 2)
    bills = bill_day(world)
    month = int(_month(day))
    dom = day - int(_month_start(month)) + 1

    fee_cust = np.flatnonzero(live & (bills == dom))
    fee = mrr_at(world, fee_cust, day)
    fee_cust, fee = fee_cust[fee > 0], fee[fee > 0]
    signup_month = _month(world.signup_day[fee_cust])
    anniversary = (signup_month % 12 == month % 12) & (signup_month < month)
    fee_type = np.where(anniversary, _RENEWAL, _FEE)

    addon_cust = np.flatnonzero(live & (u_addon < ADDON_RATE * world.activity(day)))
    addon = np.exp(g.normal(np.log(ADDON_MEDIAN), ADDON_SIGMA, len(addon_cust)))
    addon = np.round(np.clip(addon, 5.0, 5_000.0), 2)

    refund_cust = np.flatnonzero(
        live & (u_refund < REFUND_RATE * (1.0 + REFUND_DISTRESS * world.distress(day))))
    share = g.uniform(0.1, 1.0, len(refund_cust))
    this_month = _month_start(month) + bills[refund_cust] - 1
    previous = _month_start(month - 1) + bills[refund_cust] - 1
    last_bill = np.where(this_month <= day, this_month, previous)
    last_fee = mrr_at(world, refund_cust, last_bill)
    was_billed = customers_view(world, refund_cust).status(last_bill) != 2
    refund = -np.round(last_fee * share, 2)
    keep = (last_fee > 0) & was_billed & (refund < 0)
    refund_cust, refund = refund_cust[keep], refund[keep]

    cust = np.concatenate([fee_cust, addon_cust, refund_cust]).astype(np.int64)
    kind = np.concatenate([fee_type, np.full(len(addon_cust), _ADDON),
                           np.full(len(refund_cust), _REFUND)]).astype(np.int64)
    amount = np.concatenate([fee, addon, refund])
    order = np.lexsort((kind, cust))
    cust, kind, amount = cust[order], kind[order], amount[order]
    scheme = billing_event_serials(world)
    number = scheme.numbers(day - HISTORY_START, np.arange(len(cust)))
    contact = billing_contact(world, day)[cust]
    has_contact = contact >= 0
    plan = world.plan(day)[np.maximum(contact, 0)]
    return pl.DataFrame(
        {
            "billing_event_id": scheme.ids(number),
            "customer_id": strings(world.customer_id[cust]),
            "user_id": take(world.user_id, contact, has_contact),
            "event_type": strings(pick(v.BILLING_EVENT_TYPES, kind)),
            "amount": amount.astype(np.float64),
            "currency": strings([v.CURRENCIES[0]] * len(cust)),
            "event_date": dates(np.full(len(cust), day)),
            "plan_type": strings(np.where(has_contact, pick(v.PLAN_TYPES, plan), None)),
        },
        strict=False,
    )
