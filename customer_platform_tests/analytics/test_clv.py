"""Customer lifetime value: the retention formula against an explicit month-by-month sum, the
model's probability converted to a month, the default without a model, zero once churned; the
monthly value read from recurring revenue of whole calendar months only (a young warehouse or a
new customer has no estimate, one-off revenue is not extrapolated), and historical value as the
revenue observed plus the unobserved tenure at that recurring value."""

import datetime as dt

import pytest

from customer_platform.gold.analytics.churn_scores import CHURN_SCORES
from customer_platform.gold.analytics.customer_360 import CUSTOMER_360
from customer_platform.gold.analytics.customer_clv import (
    CUSTOMER_CLV,
    DEFAULT_MONTHLY_CHURN,
    HORIZON_MONTHS,
    MONTHLY_DISCOUNT,
)
from customer_platform.gold.analytics.customer_daily_summary import CUSTOMER_DAILY_SUMMARY
from customer_platform.gold.analytics.customer_purchase_clv import CUSTOMER_PURCHASE_CLV
from customer_platform.settings import partition_start

from .conftest import D

START = partition_start()  # 2026-01-01: D (2026-03-02) has seen January and February whole
OBSERVED = (D - START).days + 1


def month_by_month(m: float, p: float) -> float:
    """The definition: the value of each of the next months, retained and discounted."""
    return sum(m * (1 - p) ** t / (1 + MONTHLY_DISCOUNT) ** t
               for t in range(1, HORIZON_MONTHS + 1))


def summary(wh, customer_id: str, activity: dt.date, **measures) -> None:
    """A daily summary row of ``customer_id`` received on its own day."""
    wh.put_gold(CUSTOMER_DAILY_SUMMARY, [{"customer_id": customer_id, "activity_date": activity,
                                          "is_active_day": True, **measures}], activity)


def fees(wh, customer_id: str, *days: dt.date, amount: float = 100.0) -> None:
    """A subscription fee of ``amount`` on each of ``days``."""
    for day in days:
        summary(wh, customer_id, day, recurring_revenue=amount, billing_charges=1)


def clv_as_of(wh, day: dt.date) -> dict[str, dict]:
    """customer_360 and then customer_clv of ``day`` from the rows in the warehouse."""
    wh.run(CUSTOMER_360, day)
    return {r["customer_id"]: r for r in wh.run(CUSTOMER_CLV, day).to_dicts()}


def test_clv_follows_the_retention_formula(wh):
    base = {"signup_date": dt.date(2024, 1, 1), "tenure_days": (D - dt.date(2024, 1, 1)).days}
    wh.put_gold(CUSTOMER_360, [
        {"customer_id": "A", "status": "Active", "net_revenue_365d": 1220.0, **base},
        {"customer_id": "B", "status": "Active", "net_revenue_365d": 0.0, **base},
        {"customer_id": "C", "status": "Churned", "net_revenue_365d": 900.0, **base},
        {"customer_id": "E", "status": "Inactive", "net_revenue_365d": 0.0, **base},
    ], D)
    # recurring revenue of January and February: m = the average of the two whole months
    fees(wh, "A", dt.date(2026, 1, 9), dt.date(2026, 2, 9))
    fees(wh, "B", dt.date(2026, 1, 9), dt.date(2026, 2, 9), amount=50.0)
    fees(wh, "C", dt.date(2026, 1, 9), amount=80.0)
    fees(wh, "E", dt.date(2026, 1, 3), dt.date(2026, 2, 3), amount=10.0)
    wh.put_gold(CHURN_SCORES, [
        {"customer_id": "A", "churn_probability": 0.05, "horizon_days": 30},
        {"customer_id": "B", "churn_probability": None, "horizon_days": None},  # unscored
        {"customer_id": "E", "churn_probability": 0.19, "horizon_days": 60},
    ], D)
    rows = {r["customer_id"]: r for r in wh.run(CUSTOMER_CLV, D).to_dicts()}

    a, b, c, e = rows["A"], rows["B"], rows["C"], rows["E"]
    assert (a["monthly_value"], a["months_observed"], a["value_method"]) == (
        100.0, 2, "whole_months")
    assert a["probability_source"] == "model"
    assert a["monthly_churn_probability"] == pytest.approx(0.05)
    assert a["predictive_clv"] == pytest.approx(month_by_month(100.0, 0.05))
    assert a["expected_lifetime_months"] == pytest.approx(
        sum(0.95 ** t for t in range(1, HORIZON_MONTHS + 1)))
    # the year's actual revenue, plus the tenure before the warehouse (signup 2024-01-01 to
    # 2025-12-31: 731 days) at the recurring monthly value
    assert a["historical_clv"] == pytest.approx(1220.0 + 100.0 * 731 / 30)
    assert a["historical_revenue_365d"] == 1220.0
    assert (b["probability_source"], b["monthly_churn_probability"]) == (
        "default", DEFAULT_MONTHLY_CHURN)
    assert b["predictive_clv"] == pytest.approx(month_by_month(50.0, DEFAULT_MONTHLY_CHURN))
    assert (c["probability_source"], c["predictive_clv"], c["monthly_retention"]) == (
        "churned", 0.0, 0.0)
    assert (c["value_method"], c["monthly_value"]) == ("churned", 40.0)  # 80 in 2 months
    # a 60-day probability of 0.19 is 1 - sqrt(0.81) = 0.1 a month
    assert e["monthly_churn_probability"] == pytest.approx(0.1)
    assert e["predictive_clv"] == pytest.approx(month_by_month(10.0, 0.1))


def test_each_customer_is_valued_by_the_methods_that_apply(wh):
    """Recurring revenue by retention, purchases by the purchase model, summed when a customer
    has both; a part that applies and is unknown (no whole month yet, or a buyer on a day the
    purchase model is not fitted) leaves the value unknown, never counted as 0."""
    base = {"signup_date": dt.date(2024, 1, 1), "tenure_days": (D - dt.date(2024, 1, 1)).days}
    wh.put_gold(CUSTOMER_360, [
        {"customer_id": cid, "status": status, "net_revenue_365d": 0.0, **base}
        for cid, status in (("S", "Active"), ("SP", "Active"), ("CP", "Churned"),
                            ("UP", "Active"))], D)
    wh.put_gold(CUSTOMER_360, [{"customer_id": "NEW", "status": "Active",
                                "net_revenue_365d": 0.0, "signup_date": dt.date(2026, 2, 20),
                                "tenure_days": 10}], D)
    for cid in ("S", "SP", "CP", "UP"):
        fees(wh, cid, dt.date(2026, 1, 9), dt.date(2026, 2, 9))
    wh.put_gold(CUSTOMER_PURCHASE_CLV, [
        {"customer_id": "SP", "clv_horizon": 250.0}, {"customer_id": "CP", "clv_horizon": 40.0},
        {"customer_id": "NEW", "clv_horizon": 75.0},
        {"customer_id": "UP", "clv_horizon": None},  # the model is not fitted on D
    ], D)
    rows = {r["customer_id"]: r for r in wh.run(CUSTOMER_CLV, D).to_dicts()}
    subscription = month_by_month(100.0, DEFAULT_MONTHLY_CHURN)

    def valued(cid):
        r = rows[cid]
        return r["clv_method"], r["subscription_clv"], r["purchase_clv"], r["predictive_clv"]

    assert valued("S") == ("subscription_retention", pytest.approx(subscription), None,
                           pytest.approx(subscription))
    assert valued("SP") == ("both", pytest.approx(subscription), 250.0,
                            pytest.approx(subscription + 250.0))
    assert valued("CP") == ("both", 0.0, 40.0, 40.0)  # no more fees; its purchases may go on
    assert valued("UP") == ("none", pytest.approx(subscription), None, None)
    assert valued("NEW") == ("none", None, 75.0, None)  # no whole month of fees yet


def test_a_young_warehouse_publishes_no_value_estimate(wh):
    """Day 3 of the warehouse (the issue's C0000675: $1,977 in 3 days read as $19,770 a
    month): no whole month observed, so no monthly value, no predictive CLV, and no lifetime
    revenue for a customer whose tenure began long before the warehouse."""
    day3 = START + dt.timedelta(days=2)
    wh.put_customer("Y", START, signup_date=dt.date(2020, 1, 1))
    summary(wh, "Y", START + dt.timedelta(days=1), recurring_revenue=1900.0, billing_charges=2,
            addon_revenue=77.0, addon_purchases=1)
    y = clv_as_of(wh, day3)["Y"]

    assert y["historical_revenue_365d"] == 1977.0  # what was seen is kept
    assert (y["monthly_value"], y["predictive_clv"], y["historical_clv"]) == (None, None, None)
    assert (y["months_observed"], y["value_method"]) == (0, "insufficient_history")
    assert y["probability_source"] == "default"  # the retention side is still there


def test_two_fees_in_34_days_are_one_month_of_recurring_revenue(wh):
    """Day 34 (2026-02-03): a customer billed on 5 January and 2 February had 1.76x its MRR
    when 34 days were scaled to 30; now January, the one whole month, gives m = its fee, and
    the add-on, the order and the refund are one-off: in the revenue, not extrapolated."""
    day34 = START + dt.timedelta(days=33)
    signup = dt.date(2020, 1, 1)
    wh.put_customer("T", START, signup_date=signup)
    fees(wh, "T", dt.date(2026, 1, 5), dt.date(2026, 2, 2))
    summary(wh, "T", dt.date(2026, 1, 20), addon_revenue=60.0, addon_purchases=1,
            billing_charges=1)
    summary(wh, "T", dt.date(2026, 1, 25), orders=1, completed_orders=1, order_value=80.0)
    summary(wh, "T", dt.date(2026, 1, 28), refund_amount=10.0, refunds=1)
    t = clv_as_of(wh, day34)["T"]

    assert (t["monthly_value"], t["months_observed"], t["value_method"]) == (
        100.0, 1, "whole_months")
    assert t["historical_revenue_365d"] == 200.0 + 60.0 + 80.0 - 10.0
    # tenure before the warehouse: 2020-01-01 .. 2025-12-31, 2,192 days at $100 a month
    assert (START - signup).days == 2192
    assert t["historical_clv"] == pytest.approx(330.0 + 100.0 * 2192 / 30)
    assert t["predictive_clv"] == pytest.approx(month_by_month(100.0, DEFAULT_MONTHLY_CHURN))


def test_a_new_customer_is_valued_from_its_first_whole_month(wh):
    """Signed up on 15 January: January is not a whole month of its; at D (2 March) February
    is, so m = February's fee; the whole tenure is in the warehouse, so historical CLV is the
    revenue seen, exactly. On 3 February it had no whole month: no estimate, but its
    historical value (all observed) is known."""
    signup = dt.date(2026, 1, 15)
    wh.put_customer("N", START, signup_date=signup)
    fees(wh, "N", signup, amount=50.0)
    fees(wh, "N", dt.date(2026, 2, 15), amount=70.0)
    early = clv_as_of(wh, dt.date(2026, 2, 3))["N"]
    n = clv_as_of(wh, D)["N"]

    assert (early["value_method"], early["predictive_clv"], early["historical_clv"]) == (
        "insufficient_history", None, 50.0)
    assert (n["monthly_value"], n["months_observed"], n["value_method"]) == (
        70.0, 1, "whole_months")
    assert n["historical_clv"] == n["historical_revenue_365d"] == 120.0


def test_the_monthly_value_averages_at_most_the_last_three_whole_months(wh):
    """On 10 May: February, March and April are the last three whole months (January, older,
    and May, not over yet, are out): m = (100 + 130 + 130) / 3 = 120."""
    may10 = dt.date(2026, 5, 10)
    wh.put_customer("L", START, signup_date=dt.date(2024, 1, 1))
    fees(wh, "L", dt.date(2026, 1, 7))
    fees(wh, "L", dt.date(2026, 2, 7))
    fees(wh, "L", dt.date(2026, 3, 7), dt.date(2026, 4, 7), amount=130.0)
    fees(wh, "L", dt.date(2026, 5, 7), amount=999.0)
    summary(wh, "L", dt.date(2026, 3, 9), addon_revenue=500.0, addon_purchases=1,
            billing_charges=1)  # one-off: not recurring
    l_row = clv_as_of(wh, may10)["L"]

    assert (l_row["monthly_value"], l_row["months_observed"]) == (120.0, 3)
