"""Billing (invoices, billing events) and collaboration platform (users, meetings, feature
usage, webinars, licenses) generators: contract-valid, reproducible, consistent, realistic."""

import datetime as dt
import functools

import numpy as np
import polars as pl
import pytest

import customer_platform.generator  # noqa: F401  (registers the generators)
from customer_platform import vocabulary as v
from customer_platform.contracts import source_table
from customer_platform.generator import billing as bil
from customer_platform.generator import platform as plt
from customer_platform.generator.crm import customers_view
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import GENERATORS
from customer_platform.generator.world import build_world

BILLING = ("billing.invoices", "billing.billing_events")
PLATFORM = (
    "platform.users",
    "platform.meetings",
    "platform.feature_usage",
    "platform.webinars",
    "platform.licenses",
)
DAY = day_number(dt.date(2026, 3, 10))
RANK = {"Open": 0, "Overdue": 1, "Paid": 2}


@pytest.fixture(scope="module")
def world():
    return build_world(seed=3, n_customers=400)


def _days(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Date).cast(pl.Int32).to_numpy()


def _index(ids: pl.Series) -> np.ndarray:
    """World index of one-letter-prefixed ids (``C0000012`` -> 11)."""
    return ids.str.slice(1).cast(pl.Int64).to_numpy() - 1


@functools.cache
def _busy_days(name: str) -> tuple[int, ...]:
    """Three days from ``DAY`` on which the small world has rows of ``name``."""
    w = build_world(seed=3, n_customers=400)
    busy = (d for d in range(DAY, DAY + 400) if GENERATORS[name](w, d).height)
    return tuple(next(busy) for _ in range(3))


# -- every table ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", BILLING + PLATFORM)
def test_clean_frames_validate_against_the_contract(world, name):
    table = source_table(name)
    for day in _busy_days(name):
        frame = GENERATORS[name](world, day)
        assert frame.height > 0
        assert frame.schema == pl.Schema(table.dtypes())
        table.model.validate(frame, lazy=True)
        assert frame.select(table.primary_key).is_unique().all()


@pytest.mark.parametrize("name", BILLING + PLATFORM)
def test_a_day_is_the_same_whatever_else_was_generated(world, name):
    day = _busy_days(name)[0]
    first = GENERATORS[name](world, day)
    for other in (day - 30, day + 1, day + 200):
        GENERATORS[name](world, other)
    assert first.equals(GENERATORS[name](world, day))
    assert first.equals(GENERATORS[name](build_world.__wrapped__(3, 400), day))


# -- invoices -------------------------------------------------------------------------------

BILL_WORLD, BILL_START, BILL_DAYS = 2_000, day_number(dt.date(2025, 10, 1)), 150


@functools.cache
def _invoice_history() -> pl.DataFrame:
    w = build_world(seed=3, n_customers=BILL_WORLD)
    return pl.concat([bil.invoices(w, d) for d in range(BILL_START, BILL_START + BILL_DAYS)])


def test_invoice_lifecycle_moves_open_overdue_paid_in_order():
    history = _invoice_history().with_columns(
        rank=pl.col("paid_status").replace_strict(RANK))
    per = history.sort("updated_at").group_by("invoice_id", maintain_order=True).agg(
        pl.col("rank"), pl.col("paid_status").first().alias("first"),
        pl.col("updated_at").first().dt.date().alias("first_day"),
        pl.col("invoice_date").first().alias("issued"),
        pl.col("invoice_date", "due_date", "amount", "customer_id").n_unique().name.suffix("_n"))
    for ranks in per["rank"].to_list():
        assert all(b > a for a, b in zip(ranks, ranks[1:], strict=False))
    for col in ("invoice_date", "due_date", "amount", "customer_id"):
        assert (per[f"{col}_n"] == 1).all()
    # invoices issued inside the window start Open on their invoice date
    born = per.filter(pl.col("issued") >= pl.lit(BILL_START).cast(pl.Date))
    assert born.height > 1000
    assert (born["first"] == "Open").all() and (born["first_day"] == born["issued"]).all()
    # paid_date is set on Paid rows only, on the day they were paid
    paid = history.filter(paid_status="Paid")
    assert history.filter(pl.col("paid_status") != "Paid")["paid_date"].is_null().all()
    assert (paid["paid_date"] == paid["updated_at"].dt.date()).all()
    # due 14 days after issue; overdue the day after the due date
    assert (_days(history["due_date"]) - _days(history["invoice_date"]) == bil.DUE_DAYS).all()
    overdue = history.filter(paid_status="Overdue")
    assert overdue.height > 50
    assert (_days(overdue["updated_at"]) == _days(overdue["due_date"]) + 1).all()
    # an invoice paid after its due date went Overdue first
    late = paid.filter((pl.col("paid_date") > pl.col("due_date"))
                       & (pl.col("invoice_date") >= pl.lit(BILL_START).cast(pl.Date)))
    assert late.height > 20
    assert late["invoice_id"].is_in(overdue["invoice_id"].implode()).all()
    on_time = paid.filter(pl.col("paid_date") <= pl.col("due_date"))
    assert not on_time["invoice_id"].is_in(overdue["invoice_id"].implode()).any()


def test_invoice_amounts_are_the_month_mrr_plus_tax():
    w = build_world(seed=3, n_customers=BILL_WORLD)
    opened = _invoice_history().filter(paid_status="Open")
    cust = _index(opened["customer_id"])
    issued = _days(opened["invoice_date"])
    mrr = bil.mrr_at(w, cust, issued)
    assert (mrr > 0).all()
    assert np.allclose(opened["amount"].to_numpy(), np.round(mrr * (1 + bil.TAX_RATE), 2))
    assert (issued - issued.astype("datetime64[D]").astype("datetime64[M]").astype(
        "datetime64[D]").astype(np.int64) + 1 == bil.bill_day(w)[cust]).all()
    assert (customers_view(w, cust).status(issued) != 2).all()


def test_customers_in_distress_pay_late_more_often():
    w = build_world(seed=3, n_customers=BILL_WORLD)
    history = _invoice_history()
    opened = history.filter(paid_status="Open").filter(
        pl.col("invoice_date") < pl.lit(BILL_START + BILL_DAYS - 20).cast(pl.Date))
    cust = _index(opened["customer_id"])
    distressed = customers_view(w, cust).distress(_days(opened["invoice_date"])) > 0.3
    went_overdue = opened["invoice_id"].is_in(
        history.filter(paid_status="Overdue")["invoice_id"].implode()).to_numpy()
    assert distressed.sum() > 30
    assert went_overdue[distressed].mean() > went_overdue[~distressed].mean() + 0.2


# -- billing events -------------------------------------------------------------------------


@functools.cache
def _event_history() -> pl.DataFrame:
    w = build_world(seed=3, n_customers=BILL_WORLD)
    return pl.concat([bil.billing_events(w, d) for d in range(BILL_START, BILL_START + 60)])


def test_billing_event_signs_and_contacts():
    events = _event_history()
    kinds = set(events["event_type"])
    assert kinds == set(v.BILLING_EVENT_TYPES)
    refunds = events.filter(event_type="Refund")
    assert (refunds["amount"] < 0).all()
    assert (events.filter(pl.col("event_type") != "Refund")["amount"] > 0).all()
    addons = events.filter(event_type="Add-on Purchase")["amount"]
    assert addons.min() >= 5 and addons.max() <= 5_000
    assert (events["user_id"].is_null() == events["plan_type"].is_null()).all()
    w = build_world(seed=3, n_customers=BILL_WORLD)
    residential = w.segment[_index(events["customer_id"])] == 0
    assert events.filter(pl.Series(residential))["user_id"].is_null().all()
    assert events.filter(pl.Series(~residential))["user_id"].is_not_null().mean() > 0.8


def test_fees_are_the_mrr_billed_on_the_bill_day():
    w = build_world(seed=3, n_customers=BILL_WORLD)
    events = _event_history()
    fees = events.filter(pl.col("event_type").is_in(["Subscription Fee", "Subscription Renewal"]))
    cust, day = _index(fees["customer_id"]), _days(fees["event_date"])
    assert np.allclose(fees["amount"].to_numpy(), bil.mrr_at(w, cust, day))
    assert (fees["event_date"].dt.day().to_numpy() == bil.bill_day(w)[cust]).all()
    # one fee per customer per month, and every billable customer is billed
    assert fees.select("customer_id", pl.col("event_date").dt.month()).is_unique().all()
    for d in (BILL_START + 3, BILL_START + 40):
        dom = dt.date(1970, 1, 1) + dt.timedelta(days=d)
        billable = (w.exists(d) & (w.status(d) != 2) & (bil.bill_day(w) == dom.day)
                    & (w.monthly_recurring_revenue(d) > 0))
        billed = fees.filter(pl.col("event_date") == pl.lit(d).cast(pl.Date))
        assert sorted(_index(billed["customer_id"])) == sorted(np.flatnonzero(billable))
    # renewals fall in the signup anniversary month
    renewals = fees.filter(event_type="Subscription Renewal")
    r = _index(renewals["customer_id"])
    signup_month = w.signup_day[r].astype("datetime64[D]").astype(object)
    assert renewals.height > 5
    assert all(s.month == e.month for s, e in zip(signup_month, renewals["event_date"],
                                                  strict=True))


def test_refunds_are_a_share_of_a_past_fee():
    w = build_world(seed=3, n_customers=BILL_WORLD)
    refunds = _event_history().filter(event_type="Refund")
    assert refunds.height > 10
    cust, day = _index(refunds["customer_id"]), _days(refunds["event_date"])
    bills = bil.bill_day(w)[cust]
    month_start = day.astype("datetime64[D]").astype("datetime64[M]").astype(
        "datetime64[D]").astype(np.int64)
    this = month_start + bills - 1
    previous = (day.astype("datetime64[D]").astype("datetime64[M]") - 1).astype(
        "datetime64[D]").astype(np.int64) + bills - 1
    last_fee = bil.mrr_at(w, cust, np.where(this <= day, this, previous))
    assert (-refunds["amount"].to_numpy() <= last_fee + 0.005).all()


# -- platform -------------------------------------------------------------------------------


def test_meetings_and_feature_usage_refer_to_each_other_and_to_users(world):
    for day in _busy_days("platform.meetings"):
        users = plt.users(world, day)
        meetings = plt.meetings(world, day)
        usage = plt.feature_usage(world, day)
        assert meetings["host_user_id"].is_in(users["user_id"].implode()).all()
        assert usage["meeting_id"].is_in(meetings["meeting_id"].implode()).all()
        assert (_days(usage["usage_date"]) == day).all()
        assert (_days(meetings["start_time"]) == day).all()
        minutes = (meetings["end_time"] - meetings["start_time"]).dt.total_minutes()
        assert (minutes == meetings["duration_minutes"]).all()
    # hosts belong to customers that have not churned
    meetings = plt.meetings(world, DAY)
    host = np.searchsorted(world.user_id, meetings["host_user_id"].to_numpy())
    assert (world.status(DAY)[world.user_customer(DAY)[host]] != 2).all()


def test_webinars_are_hosted_by_business_plans_and_attendance_fits(world):
    for day in _busy_days("platform.webinars"):
        webinars = plt.webinars(world, day)
        users = plt.users(world, day)
        hosts = webinars.join(users, left_on="host_user_id", right_on="user_id")
        assert hosts.height == webinars.height
        assert hosts["plan_type"].is_in(["Business", "Enterprise"]).all()
        assert (webinars["attendees"] <= webinars["registrants"]).all()
        assert (webinars["end_time"] > webinars["start_time"]).all()


def test_licenses_belong_to_users_and_follow_their_plan(world):
    for day in (DAY, DAY + 200):
        licenses = plt.licenses(world, day)
        users = plt.users(world, day)
        assert licenses["user_id"].is_in(users["user_id"].implode()).all()
        assert (_days(licenses["start_date"]) <= day).all()
        ends = licenses.drop_nulls("end_date")
        assert (ends["end_date"] >= ends["start_date"]).all()
        running = licenses.filter(pl.col("end_date").is_null()
                                  | (pl.col("end_date") >= pl.lit(day).cast(pl.Date)))
        assert running["user_id"].is_unique().all()  # one current license per user
        joined = running.join(users, on="user_id")
        assert (joined["plan_type"] != "Free").all()
        assert ((joined["license_type"] == joined["plan_type"])
                | (joined["license_type"] == "Education")).all()
        # open-ended licenses are Enterprise ones
        assert (licenses.filter(pl.col("end_date").is_null())["license_type"]
                == "Enterprise").all()
        paid = users.filter(pl.col("plan_type") != "Free")
        live = world.status(day)[_index(paid["customer_id"])] != 2
        assert paid.filter(pl.Series(live))["user_id"].is_in(
            running["user_id"].implode()).all()


def test_meetings_fall_before_churn_and_stop_at_it():
    w = build_world(seed=3, n_customers=5_000)
    hosted = {0: 0, 1: 0}
    user_days = {0: 0, 1: 0}
    for day in range(day_number(dt.date(2025, 9, 1)), day_number(dt.date(2026, 9, 1)), 7):
        meetings = plt.meetings(w, day)
        host = np.searchsorted(w.user_id, meetings["host_user_id"].to_numpy())
        cust = w.user_customer(day)
        assert (w.status(day)[cust[host]] != 2).all()
        users = np.flatnonzero(w.users_exist(day) & (w.status(day)[cust] != 2))
        late = w.distress(day)[cust] > 0.5
        hosted[1] += int(late[host].sum())
        hosted[0] += int((~late[host]).sum())
        user_days[1] += int(late[users].sum())
        user_days[0] += int((~late[users]).sum())
    assert user_days[1] > 200
    rate_late, rate_normal = hosted[1] / user_days[1], hosted[0] / user_days[0]
    assert rate_late < 0.6 * rate_normal
