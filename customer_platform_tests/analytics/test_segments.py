"""Segmentation rules on a hand-made population: value by CLV percentile, behaviour, lifecycle,
RFM quintiles, priority score, and the segment summary (size, AOV, churn rate, priority)."""

import pytest

from customer_platform.analytics.clv import CUSTOMER_CLV
from customer_platform.analytics.customer_360 import CUSTOMER_360
from customer_platform.analytics.model import CHURN_SCORES
from customer_platform.analytics.segments import (
    CUSTOMER_SEGMENTS,
    SEGMENT_SUMMARY,
    with_weekly_view,
)

from .conftest import D, days_before

#: customer: (status, tenure, risk level, model band, CLV, p, payment/order recency,
#:            payments, 365d revenue, orders, order value)
POPULATION = {
    "K1": ("Active", 800, "Low", "Low", 10.0, 0.01, 40, 1, 100.0, 0, 0.0),
    "K2": ("Active", 800, "Low", "Low", 20.0, 0.02, 30, 2, 200.0, 1, 50.0),
    "K3": ("Active", 400, "High", "Low", 30.0, 0.03, 20, 3, 300.0, 0, 0.0),
    "K4": ("Active", 40, "Low", "High", 40.0, 0.04, 10, 4, 400.0, 2, 70.0),
    "K5": ("Inactive", 2000, "Low", "Low", 50.0, 0.05, 0, 5, 500.0, 0, 0.0),
    "K6": ("Churned", 900, "Churned", None, 0.0, 1.0, 90, 0, 600.0, 0, 0.0),
}


@pytest.fixture
def segmented(wh):
    rows_360, clv, scores = [], [], []
    for cid, (status, tenure, risk, band, value, p, recency, payments, revenue, orders,
              order_value) in POPULATION.items():
        rows_360.append({
            "customer_id": cid, "status": status, "customer_segment":
            "SMB" if cid in ("K1", "K2") else "Residential",
            "lifecycle_stage": "Onboarding" if tenure < 90 else "Mature", "tenure_days": tenure,
            "churn_risk_level": risk, "net_revenue_30d": revenue / 10,
            "net_revenue_365d": revenue, "days_since_last_payment": recency,
            "days_since_last_order": 365, "invoices_paid_365d": payments,
            "addon_purchases_365d": 0, "completed_orders_365d": orders,
            "order_value_365d": order_value,
            "status_since": days_before(10) if status == "Churned" else days_before(900)})
        clv.append({"customer_id": cid, "predictive_clv": value,
                    "monthly_churn_probability": p})
        if status != "Churned":
            scores.append({"customer_id": cid, "risk_band": band, "churn_probability": p})
    wh.put_gold(CUSTOMER_360, rows_360, D)
    wh.put_gold(CUSTOMER_CLV, clv, D)
    wh.put_gold(CHURN_SCORES, scores, D)
    return {r["customer_id"]: r for r in wh.run(CUSTOMER_SEGMENTS, D).to_dicts()}


def test_each_scheme_follows_its_rule(segmented):
    s = segmented
    # value: percent_rank of CLV among the 5 not churned: 0, .25, .5, .75, 1
    assert [s[c]["value_segment"] for c in ("K1", "K2", "K3", "K4", "K5", "K6")] == [
        "Low", "Low", "Medium", "Medium", "High", "Low"]
    # behaviour: churned first, then at-risk (rules or model), then new, else loyal
    assert [s[c]["behavioural_segment"] for c in ("K1", "K2", "K3", "K4", "K5", "K6")] == [
        "Loyal", "Loyal", "At-risk", "At-risk", "Loyal", "Churned"]
    assert s["K4"]["lifecycle_segment"] == "Onboarding"
    assert s["K2"]["traditional_segment"] == "SMB"


def test_rfm_quintiles_and_priority(segmented):
    s = segmented
    # recency 40, 30, 20, 10, 0 days: the most recent scores 5
    assert [s[c]["rfm_recency_score"] for c in ("K1", "K2", "K3", "K4", "K5")] == [1, 2, 3, 4, 5]
    # frequency = payments + orders: K4's 4 + 2 beats K5's 5 + 0
    assert s["K1"]["rfm_score"] == "111" and s["K5"]["rfm_score"] == "545"
    assert s["K4"]["rfm_frequency_score"] == 5
    assert s["K6"]["rfm_score"] is None and s["K6"]["priority_score"] == 0
    # value at risk = CLV x p: 0.1, 0.4, 0.9, 1.6, 2.5 -> percentiles 0 .. 100
    assert s["K3"]["value_at_risk"] == pytest.approx(0.9)
    assert [s[c]["priority_score"] for c in ("K1", "K2", "K3", "K4", "K5")] == [
        0.0, 25.0, 50.0, 75.0, 100.0]


def test_segment_summary(segmented, wh):
    with_weekly_view(wh.resource, SEGMENT_SUMMARY, D)
    summary = {(r["scheme"], r["segment"]): r for r in wh.read(
        "SELECT * FROM gold.segment_summary WHERE load_date = ?", [D]).to_dicts()}
    residential = summary[("traditional", "Residential")]
    assert (residential["customers"], residential["active_customers"],
            residential["churned_customers_30d"]) == (4, 3, 1)
    assert residential["churn_rate_30d"] == pytest.approx(1 / 4)
    assert residential["orders_365d"] == 2
    assert residential["average_order_value"] == pytest.approx(70.0 / 2)
    assert residential["revenue_365d"] == pytest.approx(300 + 400 + 500 + 600)
    assert residential["expected_churn_rate"] == pytest.approx((0.03 + 0.04 + 0.05) / 3)
    smb = summary[("traditional", "SMB")]
    assert smb["average_order_value"] == pytest.approx(50.0)
    # value at risk: residential 0.9 + 1.6 + 2.5 + 0 = 5.0, SMB 0.5 -> 100 and 10
    assert (residential["priority_score"], smb["priority_score"]) == (100.0, 10.0)
    assert {scheme for scheme, _ in summary} == {"traditional", "value", "behavioural",
                                                 "lifecycle"}
    assert summary[("behavioural", "Churned")]["churn_rate_30d"] == 1.0
    # the weekly view: the rows of each week's last day (D is a Monday, D-1 a Sunday)
    wh.put_gold(SEGMENT_SUMMARY, [{"scheme": "value", "segment": "High", "customers": 7}],
                days_before(1))
    weekly = wh.read("SELECT week_ending, customers FROM gold.segment_summary_weekly")
    assert weekly.rows() == [(days_before(1), 7)]
