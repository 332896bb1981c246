"""Segmentation rules on a hand-made population: value by CLV percentile (among the published
estimates only), behaviour, lifecycle, RFM quintiles, priority score, and the segment summary
(size, AOV, churn rate, priority); RFM's one set of purchase events, from daily summaries."""

import datetime as dt

import pytest

from customer_platform.gold.analytics._segments import with_weekly_view
from customer_platform.gold.analytics.churn_scores import CHURN_SCORES
from customer_platform.gold.analytics.customer_360 import CUSTOMER_360
from customer_platform.gold.analytics.customer_clv import CUSTOMER_CLV
from customer_platform.gold.analytics.customer_daily_summary import CUSTOMER_DAILY_SUMMARY
from customer_platform.gold.analytics.customer_segments import CUSTOMER_SEGMENTS
from customer_platform.gold.analytics.segment_summary import SEGMENT_SUMMARY

from .conftest import D, days_before

#: customer: (status, tenure, risk level, model band, CLV, p, purchase recency,
#:            purchases, 365d revenue, orders, order value)
POPULATION = {
    "K1": ("Active", 800, "Low", "Low", 10.0, 0.01, 40, 1, 100.0, 0, 0.0),
    "K2": ("Active", 800, "Low", "Low", 20.0, 0.02, 30, 2, 200.0, 1, 50.0),
    "K3": ("Active", 400, "High", "Low", 30.0, 0.03, 20, 3, 300.0, 0, 0.0),
    "K4": ("Active", 40, "Low", "High", 40.0, 0.04, 10, 4, 400.0, 2, 70.0),
    "K5": ("Inactive", 2000, "Low", "Low", 50.0, 0.05, 0, 5, 500.0, 0, 0.0),
    "K6": ("Churned", 900, "Churned", None, 0.0, 1.0, 90, 0, 600.0, 0, 0.0),
    # too young for a value estimate: no value segment, no value at risk
    "K7": ("Active", 20, "Low", "Low", None, 0.02, 5, 1, 30.0, 0, 0.0),
}


@pytest.fixture
def segmented(wh):
    rows_360, clv, scores = [], [], []
    for cid, (status, tenure, risk, band, value, p, recency, purchases, revenue, orders,
              order_value) in POPULATION.items():
        rows_360.append({
            "customer_id": cid, "status": status, "customer_segment":
            "SMB" if cid in ("K1", "K2", "K7") else "Residential",
            "lifecycle_stage": "Onboarding" if tenure < 90 else "Mature", "tenure_days": tenure,
            "churn_risk_level": risk, "net_revenue_30d": revenue / 10,
            "net_revenue_365d": revenue, "days_since_last_purchase": recency,
            "purchases_365d": purchases, "completed_orders_365d": orders,
            "order_value_365d": order_value,
            "status_since": days_before(10) if status == "Churned" else days_before(900)})
        clv.append({"customer_id": cid, "predictive_clv": value,
                    "clv_method": "none" if value is None else "both",
                    "monthly_churn_probability": p})
        if status != "Churned":
            scores.append({"customer_id": cid, "risk_band": band, "churn_probability": p})
    wh.put_gold(CUSTOMER_360, rows_360, D)
    wh.put_gold(CUSTOMER_CLV, clv, D)
    wh.put_gold(CHURN_SCORES, scores, D)
    return {r["customer_id"]: r for r in wh.run(CUSTOMER_SEGMENTS, D).to_dicts()}


def test_each_scheme_follows_its_rule(segmented):
    s = segmented
    # value: percent_rank of CLV among the 5 not churned with an estimate: 0, .25, .5, .75, 1
    assert [s[c]["value_segment"] for c in ("K1", "K2", "K3", "K4", "K5", "K6", "K7")] == [
        "Low", "Low", "Medium", "Medium", "High", "Low", "Unknown"]
    assert (s["K5"]["clv_method"], s["K7"]["clv_method"]) == ("both", "none")  # what it ranks
    # behaviour: churned first, then at-risk (rules or model), then new, else loyal
    assert [s[c]["behavioural_segment"] for c in ("K1", "K2", "K3", "K4", "K5", "K6")] == [
        "Loyal", "Loyal", "At-risk", "At-risk", "Loyal", "Churned"]
    assert s["K4"]["lifecycle_segment"] == "Onboarding"
    assert s["K2"]["traditional_segment"] == "SMB"


def test_rfm_quintiles_and_priority(segmented):
    s = segmented
    # recency 40, 30, 20, 10, 0, 5 days among the 6 not churned: ranks 0, .2, .4, .6, 1, .8
    assert [s[c]["rfm_recency_score"] for c in ("K1", "K2", "K3", "K4", "K5", "K7")] == [
        1, 2, 3, 4, 5, 5]
    # frequency 1, 2, 3, 4, 5, 1: ranks 0, .4, .6, .8, 1, 0; monetary 100 .. 500, 30
    assert [s[c]["rfm_score"] for c in ("K1", "K2", "K3", "K4", "K5", "K7")] == [
        "112", "233", "344", "455", "555", "511"]
    assert s["K6"]["rfm_score"] is None and s["K6"]["priority_score"] == 0
    # value at risk = CLV x p: 0.1, 0.4, 0.9, 1.6, 2.5 -> percentiles 0 .. 100; unknown for K7
    assert s["K3"]["value_at_risk"] == pytest.approx(0.9)
    assert [s[c]["priority_score"] for c in ("K1", "K2", "K3", "K4", "K5")] == [
        0.0, 25.0, 50.0, 75.0, 100.0]
    assert (s["K7"]["value_at_risk"], s["K7"]["priority_score"]) == (None, None)


def test_segment_summary(segmented, wh):
    wh.run(SEGMENT_SUMMARY, D)
    with_weekly_view(wh.resource, SEGMENT_SUMMARY, [D])
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
    # value at risk: residential 0.9 + 1.6 + 2.5 + 0 = 5.0, SMB 0.5 -> 100 and 10; summed
    # exactly, so to the last digit whatever order the customers' rows are stored in
    assert (residential["value_at_risk"], residential["expected_churn_rate"]) == (5.0, 0.12 / 3)
    assert (residential["priority_score"], smb["priority_score"]) == (100.0, 10.0)
    # K7's value is not estimated yet: its value segment's CLV and value at risk are unknown
    unknown = summary[("value", "Unknown")]
    assert (unknown["customers"], unknown["total_predictive_clv"], unknown["value_at_risk"],
            unknown["priority_score"]) == (1, None, None, None)
    assert {scheme for scheme, _ in summary} == {"traditional", "value", "behavioural",
                                                 "lifecycle"}
    assert summary[("behavioural", "Churned")]["churn_rate_30d"] == 1.0
    # the weekly view: the rows of each week's last day (D is a Monday, D-1 a Sunday)
    wh.put_gold(SEGMENT_SUMMARY, [{"scheme": "value", "segment": "High", "customers": 7}],
                days_before(1))
    weekly = wh.read("SELECT week_ending, customers FROM gold.segment_summary_weekly")
    assert weekly.rows() == [(days_before(1), 7)]


def test_rfm_reads_one_set_of_purchase_events(wh):
    """R, F and M all read billing charges (fees, renewals, add-ons) and fulfilled orders:
    a cancelled order and an invoice payment are not purchases (they used to make P1 and P2
    the most recent), a refund is not one either but reduces the value kept (M).

    As of D (2 March), from daily summaries through customer_360, CLV and segments:

    ==  ===========================================  =========  =========  =====
    ..  purchase events                              R (days)   F          M
    ==  ===========================================  =========  =========  =====
    P1  fees 10 Jan, 10 Feb (100 each); an order     20         2          200
        cancelled on 1 March
    P2  fee 25 Feb (100); an invoice paid on D       5          1          100
    P3  add-on 5 Jan (20); order fulfilled 27 Feb    3          2          320
        (300)
    P4  fee 20 Jan (50); refund 28 Feb (10)          41         1          40
    P5  none                                         61 (seen)  0          0
    ==  ===========================================  =========  =========  =====
    """
    for cid in ("P1", "P2", "P3", "P4", "P5"):
        wh.put_customer(cid, days_before(60), signup_date=dt.date(2024, 1, 1))

    def day(cid, activity, **measures):
        wh.put_gold(CUSTOMER_DAILY_SUMMARY, [{"customer_id": cid, "activity_date": activity,
                                              "is_active_day": True, **measures}], activity)

    fee = {"recurring_revenue": 100.0, "billing_charges": 1}
    day("P1", dt.date(2026, 1, 10), **fee)
    day("P1", dt.date(2026, 2, 10), **fee)
    day("P1", days_before(1), orders=1, cancelled_orders=1)
    day("P2", dt.date(2026, 2, 25), **fee)
    day("P2", D, invoices_paid=1, paid_amount=108.0)
    day("P3", dt.date(2026, 1, 5), addon_revenue=20.0, addon_purchases=1, billing_charges=1)
    day("P3", dt.date(2026, 2, 27), orders=1, completed_orders=1, order_value=300.0)
    day("P4", dt.date(2026, 1, 20), recurring_revenue=50.0, billing_charges=1)
    day("P4", dt.date(2026, 2, 28), refund_amount=10.0, refunds=1)
    for table in (CUSTOMER_360, CUSTOMER_CLV):
        wh.run(table, D)
    s = {r["customer_id"]: r for r in wh.run(CUSTOMER_SEGMENTS, D).to_dicts()}

    people = ("P1", "P2", "P3", "P4", "P5")
    assert [s[c]["purchase_recency_days"] for c in people] == [20, 5, 3, 41, 61]
    assert [s[c]["purchases_365d"] for c in people] == [2, 1, 2, 1, 0]
    assert [s[c]["net_revenue_365d"] for c in people] == [200.0, 100.0, 320.0, 40.0, 0.0]
    # R: 61, 41, 20, 5, 3 days rank 0 .. 1; F: 0 | 1, 1 (rank .25) | 2, 2 (rank .75);
    # M: 0, 40, 100, 200, 320 rank 0 .. 1
    assert [s[c]["rfm_score"] for c in people] == ["344", "423", "545", "222", "111"]
