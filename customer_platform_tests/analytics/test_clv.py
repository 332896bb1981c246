"""Customer lifetime value: the retention formula against an explicit month-by-month sum, the
model's probability converted to a month, the default without a model, zero once churned."""

import pytest

from customer_platform.analytics.clv import (
    CUSTOMER_CLV,
    DEFAULT_MONTHLY_CHURN,
    HORIZON_MONTHS,
    MONTHLY_DISCOUNT,
)
from customer_platform.analytics.customer_360 import CUSTOMER_360
from customer_platform.analytics.model import CHURN_SCORES
from customer_platform.settings import partition_start

from .conftest import D, days_before

OBSERVED = (D - partition_start()).days + 1


def month_by_month(m: float, p: float) -> float:
    """The definition: the value of each of the next months, retained and discounted."""
    return sum(m * (1 - p) ** t / (1 + MONTHLY_DISCOUNT) ** t
               for t in range(1, HORIZON_MONTHS + 1))


def test_clv_follows_the_retention_formula(wh):
    base = {"signup_date": days_before(730), "tenure_days": 730}
    wh.put_gold(CUSTOMER_360, [
        {"customer_id": "A", "status": "Active", "monthly_revenue_90d": 100.0,
         "net_revenue_365d": 1220.0, **base},
        {"customer_id": "B", "status": "Active", "monthly_revenue_90d": 50.0,
         "net_revenue_365d": 0.0, **base},
        {"customer_id": "C", "status": "Churned", "monthly_revenue_90d": 80.0,
         "net_revenue_365d": 900.0, **base},
        {"customer_id": "E", "status": "Inactive", "monthly_revenue_90d": 10.0,
         "net_revenue_365d": 0.0, **base},
    ], D)
    wh.put_gold(CHURN_SCORES, [
        {"customer_id": "A", "churn_probability": 0.05, "horizon_days": 30},
        {"customer_id": "B", "churn_probability": None, "horizon_days": None},  # unscored
        {"customer_id": "E", "churn_probability": 0.19, "horizon_days": 60},
    ], D)
    rows = {r["customer_id"]: r for r in wh.run(CUSTOMER_CLV, D).to_dicts()}

    a, b, c, e = rows["A"], rows["B"], rows["C"], rows["E"]
    assert a["probability_source"] == "model"
    assert a["monthly_churn_probability"] == pytest.approx(0.05)
    assert a["predictive_clv"] == pytest.approx(month_by_month(100.0, 0.05))
    assert a["expected_lifetime_months"] == pytest.approx(
        sum(0.95 ** t for t in range(1, HORIZON_MONTHS + 1)))
    # the year's revenue per observed day (61 days of warehouse so far) x tenure
    assert a["historical_clv"] == pytest.approx(1220.0 / OBSERVED * 730)
    assert a["historical_revenue_365d"] == 1220.0
    assert (b["probability_source"], b["monthly_churn_probability"]) == (
        "default", DEFAULT_MONTHLY_CHURN)
    assert b["predictive_clv"] == pytest.approx(month_by_month(50.0, DEFAULT_MONTHLY_CHURN))
    assert (c["probability_source"], c["predictive_clv"], c["monthly_retention"]) == (
        "churned", 0.0, 0.0)
    # a 60-day probability of 0.19 is 1 - sqrt(0.81) = 0.1 a month
    assert e["monthly_churn_probability"] == pytest.approx(0.1)
    assert e["predictive_clv"] == pytest.approx(month_by_month(10.0, 0.1))
