"""The daily per-customer summary: exact sums from hand-made fact rows, late rows on their
business day in the partition they arrived in, invalid amounts and future days left out."""

import datetime as dt

from customer_platform.gold.analytics.customer_daily_summary import CUSTOMER_DAILY_SUMMARY, MEASURES
from customer_platform.gold.billing.fact_billing import FACT_BILLING
from customer_platform.gold.billing.fact_invoice import FACT_INVOICE
from customer_platform.gold.commerce.fact_order import FACT_ORDER
from customer_platform.gold.marketing.fact_campaign_target import FACT_CAMPAIGN_TARGET
from customer_platform.gold.services.fact_network_usage import FACT_NETWORK_USAGE
from customer_platform.gold.support.fact_support_ticket import FACT_SUPPORT_TICKET

from .conftest import D, customer_key, days_before

D_1 = days_before(1)


def test_a_day_of_facts_sums_per_customer_and_business_day(wh):
    wh.put_gold(FACT_BILLING, [
        {"customer_id": "C1", "event_date": D, "event_type": "Subscription Fee", "amount": 50.0,
         "is_recurring": True, "is_amount_valid": True},
        {"customer_id": "C1", "event_date": D, "event_type": "Add-on Purchase", "amount": 20.0,
         "is_recurring": False, "is_amount_valid": True},
        {"customer_id": "C1", "event_date": D, "event_type": "Refund", "amount": -5.0,
         "is_recurring": False, "is_amount_valid": True},
        # a fee with a negative amount breaks the sign rule: it counts nowhere
        {"customer_id": "C1", "event_date": D, "event_type": "Subscription Fee", "amount": -9.0,
         "is_recurring": True, "is_amount_valid": False},
    ], D)
    wh.put_gold(FACT_INVOICE, [
        {"customer_id": "C1", "event_date": D, "paid_status": "Open", "amount": 60.0},
        {"customer_id": "C1", "event_date": D, "paid_status": "Paid", "amount": 40.0,
         "days_to_pay": 12, "is_late_payment": True},
        {"customer_id": "C1", "event_date": D, "paid_status": "Overdue", "amount": 30.0},
    ], D)
    wh.put_gold(FACT_NETWORK_USAGE, [
        {"customer_id": "C1", "event_date": D, "data_volume_mb": 100.0, "minutes": 10,
         "sessions": 4, "dropped_sessions": 1, "outage_minutes": 0},
        {"customer_id": "C1", "event_date": D, "data_volume_mb": None, "minutes": 5,
         "sessions": 0, "dropped_sessions": 0, "outage_minutes": 30},
        # late: happened yesterday, received today -> partition D, activity day D-1
        {"customer_id": "C2", "event_date": D_1, "data_volume_mb": 7.5, "minutes": None,
         "sessions": 2, "dropped_sessions": 0, "outage_minutes": 0},
    ], D)
    wh.put_gold(FACT_SUPPORT_TICKET, [
        {"customer_id": "C1", "event_date": D, "status": "Open", "priority": "High",
         "ticket_type": "Billing Question"},
        {"customer_id": "C1", "event_date": D, "status": "Resolved", "priority": "Low",
         "ticket_type": "Technical Issue", "resolution_hours": 5.5, "satisfaction_score": 2},
    ], D)
    wh.put_gold(FACT_ORDER, [
        {"customer_id": "C2", "event_date": D_1, "total_amount": 80.0, "is_completed": True},
        {"customer_id": "C2", "event_date": D_1, "total_amount": 15.0, "is_completed": False},
        # an order of tomorrow (a clock error upstream) is not part of day D
        {"customer_id": "C2", "event_date": D + dt.timedelta(days=1), "total_amount": 1.0,
         "is_completed": True},
    ], D)
    # another day's rows are another partition's business
    wh.put_gold(FACT_BILLING, [{"customer_id": "C1", "event_date": D_1, "amount": 99.0,
                                "event_type": "Subscription Fee", "is_recurring": True,
                                "is_amount_valid": True}], D_1)

    rows = wh.run(CUSTOMER_DAILY_SUMMARY, D).sort("customer_id")
    again = wh.run(CUSTOMER_DAILY_SUMMARY, D).sort("customer_id")
    assert rows.equals(again)  # re-running the day replaces it with the same rows
    c1, c2 = rows.to_dicts()
    assert (c1["customer_key"], c1["activity_date"]) == (customer_key("C1"), D)
    assert (c1["recurring_revenue"], c1["addon_revenue"], c1["addon_purchases"],
            c1["refund_amount"], c1["refunds"]) == (50.0, 20.0, 1, 5.0, 1)
    # RFM's purchase events: the fee and the add-on; not the refund, not the invalid fee
    assert c1["billing_charges"] == 2
    assert (c1["invoices_issued"], c1["invoiced_amount"], c1["invoices_paid"], c1["paid_amount"],
            c1["late_payments"], c1["days_to_pay"], c1["invoices_overdue"]) == (
        1, 60.0, 1, 40.0, 1, 12, 1)
    assert (c1["data_mb"], c1["network_minutes"], c1["sessions"], c1["dropped_sessions"],
            c1["outage_minutes"], c1["lines_used"]) == (100.0, 15, 4, 1, 30, 1)
    assert (c1["tickets_opened"], c1["high_priority_tickets"], c1["billing_tickets"],
            c1["tickets_resolved"], c1["resolution_hours"], c1["satisfaction_responses"],
            c1["satisfaction_points"], c1["low_satisfaction"]) == (1, 1, 1, 1, 5.5, 1, 2, 1)
    assert c1["is_active_day"] is True and c1["orders"] == 0
    assert c1["source_system"] == "billing,network,support"
    assert (c2["activity_date"], c2["load_date"]) == (D_1, D)
    assert (c2["orders"], c2["completed_orders"], c2["order_value"], c2["cancelled_orders"],
            c2["data_mb"], c2["sessions"]) == (2, 1, 80.0, 1, 7.5, 2)


def test_a_customer_day_without_facts_has_no_row_and_every_measure_has_a_column(wh):
    assert wh.run(CUSTOMER_DAILY_SUMMARY, D).height == 0
    columns = set(CUSTOMER_DAILY_SUMMARY.schema().columns)
    assert {m.name for m in MEASURES} <= columns


def _fee(event_id: str, customer: str, event_date: dt.date, amount: float, **changes) -> dict:
    return {"billing_event_key": f"k-{event_id}", "billing_event_id": event_id,
            "customer_id": customer, "event_date": event_date, "event_type": "Subscription Fee",
            "amount": amount, "is_recurring": True, "is_amount_valid": True,
            "is_update": False, **changes}


def test_a_changed_redelivery_replaces_its_earlier_version_in_every_window(wh):
    """E1 is a 100 fee of D-3 received on D-2, re-delivered changed as 80 on D-1 and as 90 (a
    day later, D-2) on D; E2, an add-on of D-2 received on D-2, is re-delivered on D as an
    invalid amount (counts nowhere); E3 is an ordinary fee received on D. Summed over the
    three partitions each event counts once, at its latest delivery: 90 on D-2 and 40."""
    d_2, d_3 = days_before(2), days_before(3)
    wh.put_gold(FACT_BILLING, [
        _fee("E1", "C1", d_3, 100.0),
        _fee("E2", "C1", d_2, 30.0, event_type="Add-on Purchase", is_recurring=False)], d_2)
    wh.put_gold(FACT_BILLING, [_fee("E1", "C1", d_3, 80.0, is_update=True)], D_1)
    wh.put_gold(FACT_BILLING, [
        _fee("E1", "C1", d_2, 90.0, is_update=True),
        _fee("E2", "C1", d_2, -30.0, event_type="Add-on Purchase", is_recurring=False,
             is_amount_valid=False, is_update=True),
        _fee("E3", "C1", D, 40.0)], D)

    def windows() -> dict:
        rows = wh.read("SELECT activity_date, sum(recurring_revenue) AS fees, "
                       "sum(addon_revenue) AS addons, sum(billing_charges) AS charges "
                       "FROM gold.customer_daily_summary GROUP BY ALL ORDER BY 1")
        return {r["activity_date"]: (r["fees"], r["addons"], r["charges"])
                for r in rows.iter_rows(named=True)}

    for day in (D, D_1, d_2):  # latest day first: the partitions do not depend on run order
        wh.run(CUSTOMER_DAILY_SUMMARY, day)
    out_of_order = windows()
    for day in (d_2, D_1, D):
        wh.run(CUSTOMER_DAILY_SUMMARY, day)
    assert windows() == out_of_order == {
        d_3: (0.0, 0.0, 0),  # E1 moved to D-2 on its last delivery
        d_2: (90.0, 0.0, 1),  # E1 at 90; E2's add-on taken back
        D: (40.0, 0.0, 1),
    }
    # partition D-1 takes back D-2's 100 and adds 80: a row of -20, not a second fee
    day_1 = wh.read("SELECT recurring_revenue, billing_charges FROM gold.customer_daily_summary "
                    "WHERE load_date = ?", [D_1])
    assert day_1.rows() == [(-20.0, 0)]


def test_a_payment_or_resolution_whose_time_was_not_delivered_is_no_base_of_an_average(wh):
    """C1 paid two invoices on D, one in 12 days (late) and one from a file without paid_date;
    it resolved two tickets, one in 5.5 h and one from a file without resolved_at. Both count
    as paid / resolved; only the known ones are the base of the averages and the late rate."""
    wh.put_gold(FACT_INVOICE, [
        {"customer_id": "C1", "event_date": D, "paid_status": "Paid", "amount": 40.0,
         "paid_date": D, "days_to_pay": 12, "is_late_payment": True},
        {"customer_id": "C1", "event_date": D, "paid_status": "Paid", "amount": 10.0,
         "undelivered_columns": "paid_date"},
    ], D)
    wh.put_gold(FACT_SUPPORT_TICKET, [
        {"customer_id": "C1", "event_date": D, "status": "Resolved", "resolution_hours": 5.5},
        {"customer_id": "C1", "event_date": D, "status": "Resolved",
         "undelivered_columns": "resolved_at"},
    ], D)
    c1, = wh.run(CUSTOMER_DAILY_SUMMARY, D).to_dicts()
    assert (c1["invoices_paid"], c1["dated_payments"], c1["days_to_pay"],
            c1["late_payments"]) == (2, 1, 12, 1)
    assert (c1["tickets_resolved"], c1["timed_resolutions"], c1["resolution_hours"]) == (
        2, 1, 5.5)


def test_a_measure_whose_column_was_not_delivered_counts_the_rows_it_lacks(wh):
    """On D, C1's network usage came as one row with 100 MB and 10 minutes and one row from a
    file without data_volume_mb and minutes (3 sessions); its campaign rows are a message sent
    on D and a later state change from a file without opened_date. The summary sums what was
    delivered and counts each measure's rows that lacked its column: the day is incomplete,
    not a day of 100 MB and no opens."""
    wh.put_gold(FACT_NETWORK_USAGE, [
        {"customer_id": "C1", "event_date": D, "data_volume_mb": 100.0, "minutes": 10,
         "sessions": 1, "dropped_sessions": 0, "outage_minutes": 0},
        {"customer_id": "C1", "event_date": D, "sessions": 3, "dropped_sessions": 0,
         "outage_minutes": 0, "undelivered_columns": "data_volume_mb,minutes"},
    ], D)
    wh.put_gold(FACT_CAMPAIGN_TARGET, [
        {"customer_id": "C1", "event_date": D, "sent_date": D},
        {"customer_id": "C1", "event_date": D, "sent_date": days_before(3),
         "undelivered_columns": "opened_date"},
    ], D)
    c1, = wh.run(CUSTOMER_DAILY_SUMMARY, D).to_dicts()
    assert (c1["data_mb"], c1["data_mb_undelivered_rows"], c1["network_minutes"],
            c1["network_minutes_undelivered_rows"], c1["sessions"]) == (100.0, 1, 10, 1, 4)
    assert (c1["campaign_messages"], c1["campaign_opens"], c1["campaign_opens_undelivered_rows"],
            c1["campaign_responses_undelivered_rows"]) == (1, 0, 1, 0)
