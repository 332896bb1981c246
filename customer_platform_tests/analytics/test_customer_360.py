"""customer_360: trailing windows summed from the daily summaries (window edges, late rows,
observed days), the customer as of D, and point in time: data that arrives after D never
moves the row of D."""

import datetime as dt
import re

import pytest

from customer_platform.gold.analytics.churn_features import CHURN_FEATURES
from customer_platform.gold.analytics.customer_360 import CUSTOMER_360
from customer_platform.gold.analytics.customer_daily_summary import CUSTOMER_DAILY_SUMMARY
from customer_platform.gold.licensing.fact_license_utilization import FACT_LICENSE_UTILIZATION
from customer_platform.gold.services.fact_network_usage import FACT_NETWORK_USAGE
from customer_platform.gold.support.fact_support_ticket import FACT_SUPPORT_TICKET
from customer_platform.settings import partition_start

from .conftest import D, days_before

START = partition_start()
OBSERVED = (D - START).days + 1  # days of facts the warehouse holds up to D


def summary(wh, customer_id, activity: dt.date, loaded: dt.date | None = None, **measures):
    wh.put_gold(CUSTOMER_DAILY_SUMMARY, [{"customer_id": customer_id, "activity_date": activity,
                                          "is_active_day": True, **measures}],
                loaded or activity)


@pytest.fixture
def customers(wh):
    wh.put_customer("C1", START, changed=dt.datetime(2025, 6, 1, 9))
    wh.put_customer("C1", days_before(5), customer_tier="Gold")  # tier change, still Active
    wh.put_customer("C3", START, changed=dt.datetime(2025, 1, 1, 9))
    wh.put_customer("C3", days_before(3), status="Inactive")
    wh.put_customer("C4", START, status="Churned", changed=dt.datetime(2025, 12, 1, 9))
    wh.put_customer("C2", days_before(10), signup_date=days_before(10),
                    customer_segment="SMB")
    wh.put_customer("C5", START, signup_date=D + dt.timedelta(days=3))  # not signed up yet
    return wh


def row(wh, customer_id, day=D):
    return wh.read("SELECT * FROM gold.customer_360 WHERE load_date = ? AND customer_id = ?",
                   [day, customer_id]).to_dicts()[0]


def test_trailing_windows_sum_the_daily_summaries_within_their_edges(customers):
    wh = customers
    assert OBSERVED == 61  # the default partition start, 2026-01-01, to D
    summary(wh, "C1", D, data_mb=10.0, sessions=1, tickets_opened=1)
    summary(wh, "C1", days_before(6), data_mb=20.0)  # the 7-day window's first day
    summary(wh, "C1", days_before(7), data_mb=40.0)  # just outside it
    summary(wh, "C1", days_before(29), loaded=days_before(28), data_mb=80.0)  # late, in 30d
    summary(wh, "C1", days_before(30), data_mb=160.0)  # just outside 30 days
    summary(wh, "C1", days_before(400), loaded=days_before(400), data_mb=999.0)  # too old
    summary(wh, "C1", D, loaded=D + dt.timedelta(days=1), data_mb=999.0)  # arrived after D
    wh.put_gold(FACT_LICENSE_UTILIZATION, [
        {"customer_id": "C1", "is_active": True}, {"customer_id": "C1", "is_active": False}], D)

    wh.run(CUSTOMER_360, D)
    c1 = row(wh, "C1")
    assert (c1["data_mb_7d"], c1["data_mb_30d"], c1["data_mb_90d"], c1["data_mb_365d"]) == (
        30.0, 150.0, 310.0, 310.0)
    assert (c1["active_days_7d"], c1["active_days_30d"], c1["active_days_90d"]) == (2, 4, 5)
    assert c1["data_mb_trend_7_30"] == pytest.approx((30 / 7) / (150 / 30))
    # the 90-day rate divides by the 61 days the warehouse has, not by 90
    assert c1["data_mb_trend_30_90"] == pytest.approx((150 / 30) / (310 / OBSERVED))
    assert (c1["tickets_opened_30d"], c1["days_since_last_ticket"]) == (1, 0)
    assert c1["days_since_last_order"] == OBSERVED  # none seen: the days observed
    assert (c1["licences_held"], c1["licences_active"], c1["licence_activation_rate"]) == (
        2, 1, 0.5)
    assert c1["flag_usage_drop"] is False and c1["flag_support_distress"] is False


def test_active_days_count_each_day_once_to_the_window_edge(customers):
    """A day delivered twice (on time and by a late row) is one active day; the 90-day
    window ends at its 90th day; a row that is not an active day counts none."""
    wh = customers
    summary(wh, "C1", days_before(3), sessions=1)
    summary(wh, "C1", days_before(3), loaded=days_before(2), sessions=2)  # the same day, late
    summary(wh, "C1", days_before(4), is_active_day=False)
    summary(wh, "C1", days_before(89), sessions=1)  # the 90-day window's first day
    summary(wh, "C1", days_before(90), sessions=1)  # just outside it
    summary(wh, "C2", days_before(1), loaded=D, sessions=1)
    summary(wh, "C2", days_before(1), loaded=D + dt.timedelta(days=1), sessions=1)  # after D

    wh.run(CUSTOMER_360, D)
    c1, c2, c3 = row(wh, "C1"), row(wh, "C2"), row(wh, "C3")
    assert (c1["active_days_7d"], c1["active_days_30d"], c1["active_days_90d"]) == (1, 1, 2)
    assert (c2["active_days_7d"], c2["active_days_90d"]) == (1, 1)
    assert (c3["active_days_7d"], c3["active_days_90d"]) == (0, 0)  # no summary at all


def test_the_customer_as_of_d_attributes_status_and_lifecycle(customers):
    wh = customers
    wh.put_customer("C1", D + dt.timedelta(days=1), status="Churned")  # after D: unseen
    rows = wh.run(CUSTOMER_360, D)
    assert sorted(rows["customer_id"]) == ["C1", "C2", "C3", "C4"]  # C5 signs up later
    c1, c2, c3, c4 = (row(wh, c) for c in ("C1", "C2", "C3", "C4"))
    assert (c1["customer_tier"], c1["tier_rank"], c1["status"]) == ("Gold", 3, "Active")
    assert c1["status_since"] == dt.date(2025, 6, 1)  # the tier change kept the status
    # signed up 2024-01-01: 791 days; no use seen in 61 days raises one flag
    assert (c1["tenure_days"], c1["lifecycle_stage"]) == (791, "Mature")
    assert (c1["flag_no_recent_activity"], c1["churn_risk_level"]) == (True, "Medium")
    assert (c2["tenure_days"], c2["lifecycle_stage"], c2["is_smb"]) == (10, "Onboarding", True)
    # a customer of 10 days has been observed for 11: windows are not read as a decline
    assert c2["days_since_last_activity"] == 11 and c2["data_mb_trend_7_30"] is None
    assert (c3["status_since"], c3["days_in_status"], c3["is_inactive_status"]) == (
        days_before(3), 3, True)
    assert c3["churn_risk_level"] == "High" and c3["early_warning_count"] == 2  # + no activity
    assert c4["churn_risk_level"] == "Churned"
    features = wh.run(CHURN_FEATURES, D)
    assert sorted(features["customer_id"]) == ["C1", "C2", "C3"]  # the churned one is out


def test_data_arriving_after_d_never_moves_the_row_of_d(customers):
    """Point in time, through the whole chain: facts -> daily summaries -> customer_360 ->
    churn_features. Late facts about D, new facts after D and a CRM change after D all land
    in later partitions; re-running D gives the same rows, while D+1 does see them."""
    wh = customers
    d1 = D + dt.timedelta(days=1)
    wh.put_gold(FACT_NETWORK_USAGE, [{"customer_id": "C1", "event_date": D,
                                      "data_volume_mb": 5.0, "sessions": 3}], D)
    wh.put_gold(FACT_SUPPORT_TICKET, [{"customer_id": "C3", "event_date": days_before(2),
                                       "status": "Open", "priority": "High"}], days_before(2))
    for day in (days_before(2), D):
        wh.run(CUSTOMER_DAILY_SUMMARY, day)
    before = wh.run(CUSTOMER_360, D).sort("customer_key")
    features_before = wh.run(CHURN_FEATURES, D).sort("customer_key")

    # what arrives on D+1: a late usage row of D, a ticket of D+1, C1 churning on D+1
    wh.put_gold(FACT_NETWORK_USAGE, [{"customer_id": "C1", "event_date": D,
                                      "data_volume_mb": 500.0, "sessions": 9}], d1)
    wh.put_gold(FACT_SUPPORT_TICKET, [{"customer_id": "C1", "event_date": d1,
                                       "status": "Open", "priority": "High"}], d1)
    wh.put_customer("C1", d1, status="Churned")
    wh.run(CUSTOMER_DAILY_SUMMARY, d1)

    assert wh.run(CUSTOMER_360, D).sort("customer_key").equals(before)
    assert wh.run(CHURN_FEATURES, D).sort("customer_key").equals(features_before)
    assert row(wh, "C1")["data_mb_7d"] == 5.0
    wh.run(CUSTOMER_360, d1)  # ... and the next day sees all of it
    c1_next = row(wh, "C1", d1)
    assert (c1_next["data_mb_7d"], c1_next["tickets_opened_7d"], c1_next["status"]) == (
        505.0, 1, "Churned")


def test_the_layer_reads_facts_and_loaded_versions_never_aggregates_or_dimension_views():
    from customer_platform.gold import ANALYTICS_TABLES
    from customer_platform.orchestration.analytics_sensor import INPUT_KEYS

    inputs = {key.path[-1] for key in INPUT_KEYS}
    assert "dim_customer_versions" in inputs and "fact_invoice" in inputs
    assert not {name for name in inputs if name.startswith("agg_") or name == "dim_customer"}
    for table in ANALYTICS_TABLES:
        assert "gold.agg_" not in table.sql, table.name
        assert not re.search(r"gold\.dim_\w+\b(?<!_versions)", table.sql), table.name


def test_averages_and_rates_divide_by_the_events_whose_time_is_known(customers):
    """C1 paid 4 invoices in the year, 3 with a known day (30 days in all, 1 late), and
    resolved 3 tickets in 90 days, 2 with a known time (10 h in all): 30 / 3 days, 1 / 3
    late, 10 / 2 hours; never divided by the payments or resolutions of unknown time."""
    wh = customers
    summary(wh, "C1", D, invoices_paid=2, dated_payments=1, days_to_pay=20, late_payments=1,
            tickets_resolved=2, timed_resolutions=1, resolution_hours=4.0)
    summary(wh, "C1", days_before(100), invoices_paid=2, dated_payments=2, days_to_pay=10)
    summary(wh, "C1", days_before(10), tickets_resolved=1, timed_resolutions=1,
            resolution_hours=6.0)
    wh.run(CUSTOMER_360, D)
    c1 = row(wh, "C1")
    assert (c1["invoices_paid_365d"], c1["avg_days_to_pay_365d"],
            c1["late_payment_rate_365d"]) == (4, 10.0, pytest.approx(1 / 3))
    assert (c1["tickets_resolved_90d"], c1["avg_resolution_hours_90d"]) == (3, 5.0)


def test_windows_and_rates_over_an_undelivered_column_use_the_known_days_only(customers):
    """C1's data: 70 MB on D; D-3 holds 100 MB from its own partition but late rows from a file
    without data_volume_mb arrived on D-2, so D-3 is unknown (left out whole); 230 MB on D-10;
    D-20 is unknown (5 MB known of it). So data_mb_7d = 70 over 6 known days, data_mb_30d =
    300 over 28: trend (70 / 6) / (300 / 28) = 1960 / 1800, and the MB per line-day is
    withheld. Campaigns: 4 messages, 1 open and 2 responses on D-40, and a day (D-5) whose
    opens are unknown: the open rate is withheld, the response rate 2 / 4 stands. C3 got 3
    messages on D-2 and a day of unknown opens (D-1): not flagged as disengaged."""
    wh = customers
    summary(wh, "C1", D, data_mb=70.0, lines_used=1)
    summary(wh, "C1", days_before(3), data_mb=100.0, lines_used=1)
    summary(wh, "C1", days_before(3), days_before(2), data_mb_undelivered_rows=1)
    summary(wh, "C1", days_before(10), data_mb=230.0, lines_used=1)
    summary(wh, "C1", days_before(20), data_mb=5.0, data_mb_undelivered_rows=2)
    summary(wh, "C1", days_before(40), campaign_messages=4, campaign_opens=1,
            campaign_responses=2)
    summary(wh, "C1", days_before(5), campaign_opens_undelivered_rows=1)
    summary(wh, "C3", days_before(2), campaign_messages=3)
    summary(wh, "C3", days_before(1), campaign_opens_undelivered_rows=1)
    wh.run(CUSTOMER_360, D)
    c1, c3 = row(wh, "C1"), row(wh, "C3")
    assert (c1["data_mb_7d"], c1["data_mb_unknown_days_7d"], c1["data_mb_30d"],
            c1["data_mb_unknown_days_30d"]) == (70.0, 1, 300.0, 2)
    assert c1["data_mb_trend_7_30"] == pytest.approx(1960 / 1800)
    assert c1["data_mb_per_line_day_30d"] is None
    assert (c1["campaign_open_rate_365d"], c1["campaign_response_rate_365d"]) == (None, 0.5)
    assert (c3["campaign_messages_90d"], c3["campaign_opens_90d"],
            c3["campaign_opens_unknown_days_90d"], c3["flag_campaign_disengaged"]) == (
        3, 0, 1, False)


def test_a_day_gives_the_same_digits_however_the_threads_meet_its_rows(wh):
    """A year of float measures, many rows per customer spread over several row groups and
    summed by four threads: computed twice, every window agrees to the last digit (a parallel
    sum of floating-point numbers depends on the order the threads meet them)."""
    for customer_id in ("C1", "C2", "C3"):
        wh.put_customer(customer_id, START, changed=dt.datetime(2025, 6, 1, 9))
    wh.execute(f"""
        INSERT INTO gold.customer_daily_summary BY NAME
        SELECT md5('customer|C' || (i % 3 + 1))[:16] AS customer_key,
               'C' || (i % 3 + 1) AS customer_id, d AS activity_date, TRUE AS is_active_day,
               (i * 7919 % 100000) / 100.0 AS recurring_revenue,
               (i * 104729 % 1000000) / 1000.0 AS data_mb,
               d AS load_date, d AS update_date, 'test' AS source_system
        FROM (SELECT range AS i, DATE '{D}' - CAST(range // 1000 % 365 AS INTEGER) AS d
              FROM range(400000))""")
    wh.execute("SET threads = 4")
    runs = [wh.run(CUSTOMER_360, D).sort("customer_id") for _ in range(4)]
    for measure in ("recurring_revenue_365d", "data_mb_365d"):
        assert len({tuple(run[measure]) for run in runs}) == 1, measure
    assert all(run.equals(runs[0]) for run in runs)
