"""Seat activation and the adoption context on hand-computed fixtures: entitled, assigned and
activated seats, the rates, QAL / MAL / RMAL by the configurable thresholds, week over week,
the assigned-seat balance only where the warehouse holds an entitlement's whole history, and
tickets, engagement and competitor mentions per account."""

import dataclasses
import datetime as dt

import pytest

from customer_platform.gold.base import ensure_table
from customer_platform.gold.commerce.dim_product import DIM_PRODUCT
from customer_platform.gold.customer.dim_account_hierarchy import DIM_ACCOUNT_HIERARCHY
from customer_platform.gold.revops._rules import ActivationRule, HealthRule
from customer_platform.gold.revops.agg_account_adoption import account_adoption
from customer_platform.gold.revops.agg_seat_activation import seat_activation
from customer_platform.gold.revops.fact_engagement_activity import FACT_ENGAGEMENT_ACTIVITY
from customer_platform.gold.support.fact_support_ticket import FACT_SUPPORT_TICKET
from customer_platform_tests.gold.conftest import rejected, undelivered

from .conftest import (
    checked,
    copy_of,
    day,
    put_calendar,
    put_stored_versions,
    silver_lineage,
    stub_customers,
)

D = day("2026-03-09")  # settled day E = 2026-03-08; a week before: 2026-03-01
E = D - dt.timedelta(1)
FIRST = day("2026-01-01")  # the first partition (settings default)


def entitlement(eid, customer, code, seats, start, received):
    return {"entitlement_id": eid, "customer_id": customer, "product_code": code,
            "seats_entitled": seats, "contract_start": day(start), "contract_end": None,
            "updated_at": dt.datetime.fromisoformat(start + " 08:00"), **silver_lineage(received)}


def usage(eid, customer, code, on, received, split, minutes=100.0):
    """A seat-usage row; ``split`` = activated seats used on 0, 1, .., 7 of the last 7 days."""
    names = ["seats_used_0_days", "seats_used_1_day"] + [f"seats_used_{k}_days"
                                                         for k in range(2, 8)]
    return {"customer_id": customer, "product_code": code, "entitlement_id": eid,
            "usage_date": on, "seats_activated": sum(split),
            **dict(zip(names, split, strict=True)), "usage_minutes": minutes,
            **silver_lineage(received, on)}


def seat_event(sid, eid, kind, seats, on, received):
    return {"seat_event_id": sid, "customer_id": "C0000003", "product_code": "Stock",
            "entitlement_id": eid, "event_type": kind, "seat_count": seats,
            "event_at": dt.datetime.combine(on, dt.time(10)), **silver_lineage(received, on)}


E1_TODAY = [5, 5, 10, 10, 10, 10, 5, 5]  # 60 activated: QAL (>= 4 days) 30, MAL 20, RMAL 5
E2_TODAY = [0, 2, 2, 2, 2, 2, 0, 0]  # 10 activated: QAL 4, MAL 4, RMAL 2
E1_WEEK_AGO = [10, 10, 10, 0, 10, 10, 0, 0]  # 50 activated: QAL 20, MAL 10, RMAL 10


@pytest.fixture(scope="module")
def licensing_template(empty_template):
    tiny = empty_template
    put_calendar(tiny, day("2026-03-01"), D)
    stub_customers(tiny, "C0000001", "C0000002", "C0000003")
    old = [entitlement("E000000001", "C0000001", "CCE", 100, "2025-05-01", FIRST),
           entitlement("E000000003", "C0000001", "DCE", 10, "2025-07-01", FIRST)]
    tiny.put("silver.stg_lic_seat_entitlements", old)  # the first partition's snapshot
    tiny.put("silver.stg_lic_seat_entitlements", [
        *(dict(r, **silver_lineage(D)) for r in old),
        entitlement("E000000002", "C0000001", "Stock", 20, "2026-02-01", D),  # new: tracked
        entitlement("E000000004", "C0000002", "Sign", 0, "2025-01-01", D),  # cancelled
        entitlement("E000000005", "C0000003", "Stock", 10, "2026-02-10", D),  # new: tracked
    ])
    tiny.put("silver.stg_lic_seat_usage", [
        usage("E000000001", "C0000001", "CCE", E, E, E1_TODAY),
        usage("E000000002", "C0000001", "Stock", E, E, E2_TODAY),
        usage("E000000003", "C0000001", "DCE", E, D, [0, 0, 0, 0, 0, 0, 0, 4]),  # late row
        usage("E000000001", "C0000001", "CCE", E - dt.timedelta(7), E - dt.timedelta(7),
              E1_WEEK_AGO),
        usage("E000000001", "C0000001", "CCE", E - dt.timedelta(3), E - dt.timedelta(3),
              [99, 0, 0, 0, 0, 0, 0, 0]),  # another day: not read
    ])
    tiny.put("silver.stg_lic_seat_events", [
        seat_event("SE0000000001", "E000000005", "Assigned", 8, day("2026-02-11"),
                   day("2026-02-11")),
        seat_event("SE0000000002", "E000000005", "Unassigned", 1, day("2026-02-20"),
                   day("2026-02-20")),
        seat_event("SE0000000002", "E000000005", "Unassigned", 1, day("2026-02-20"),
                   day("2026-02-21")),  # delivered twice: counted once
        seat_event("SE0000000003", "E000000005", "Activated", 5, day("2026-02-21"),
                   day("2026-02-21")),
        seat_event("SE0000000004", "E000000005", "Assigned", 2, D, D),  # after E: not yet
        seat_event("SE0000000005", "E000000001", "Assigned", 3, E, E),  # untracked entitlement
    ])
    tiny.put_versions(DIM_PRODUCT, [
        {"product_id": f"PRD00{i}", "product_code": code, "product_family": family,
         "price_unit": "seat per month", "list_price": price,
         "source_updated_at": dt.datetime(2025, 1, 1)}
        for i, (code, family, price) in enumerate([
            ("CCE", "Creative Cloud", 80.0), ("Stock", "Creative Cloud", 30.0),
            ("DCE", "Document Cloud", 25.0), ("Sign", "Document Cloud", 15.0)], 1)], FIRST)
    put_stored_versions(tiny, DIM_ACCOUNT_HIERARCHY, [
        {"account_id": "C0000001", "company_name": "Child One", "parent_account_id": "P000001",
         "parent_company_name": "Parent Co", "rollup_account_key": "parent-key",
         "rollup_company_name": "Parent Co", "is_child_account": True, "geo": "EMEA",
         "vertical": "Retail", "source_updated_at": dt.datetime(2025, 1, 1)},
        {"account_id": "C0000003", "company_name": "Solo Ltd", "rollup_account_key": "solo-key",
         "rollup_company_name": "Solo Ltd", "is_child_account": False, "geo": "AMER",
         "vertical": "Media", "source_updated_at": dt.datetime(2025, 1, 1)}], FIRST)
    return tiny


@pytest.fixture
def licensing(licensing_template, tmp_path):
    return copy_of(licensing_template, tmp_path)


def by_family(frame):
    return {(r["customer_id"], r["product_family"]): r for r in frame.iter_rows(named=True)}


def test_seats_rates_and_activation_levels(licensing):
    rows = by_family(checked(licensing, seat_activation(), D))
    assert set(rows) == {("C0000001", "Creative Cloud"), ("C0000001", "Document Cloud"),
                         ("C0000003", "Creative Cloud")}  # C2's cancelled Sign has no seats
    cc = rows[("C0000001", "Creative Cloud")]  # E1 (CCE, 100 seats) + E2 (Stock, 20)
    assert (cc["entitlements"], cc["entitled_seats"], cc["activated_seats"]) == (2, 120, 70)
    assert (cc["qal_seats"], cc["mal_seats"], cc["rmal_seats"], cc["unused_seats"]) == (
        34, 24, 7, 5)  # 30 + 4, 20 + 4, 5 + 2, 5 + 0
    assert cc["activation_rate"] == round(70 / 120, 6)
    assert cc["usage_rate"] == round(65 / 70, 6)  # activated seats used at least once
    assert cc["entitled_monthly_value"] == 100 * 80.0 + 20 * 30.0
    assert cc["assigned_seats"] is None and cc["assignment_rate"] is None  # E1 is older
    assert (cc["geo"], cc["rollup_account_key"], cc["fiscal_week"], cc["is_week_end"]) == (
        "EMEA", "parent-key", "FY2026-W14", True)
    dc = rows[("C0000001", "Document Cloud")]  # the late usage row of E counts
    assert (dc["entitled_seats"], dc["activated_seats"], dc["qal_seats"],
            dc["activation_rate"]) == (10, 4, 4, 0.4)


def entitlement_text(eid, customer, code, seats, start="2025-06-01"):
    """An entitlement row as delivered (bronze text), for a reject's record."""
    return {"entitlement_id": eid, "customer_id": customer, "product_code": code,
            "seats_entitled": seats, "contract_start": start, "contract_end": None,
            "updated_at": f"{start} 08:00:00"}


def test_a_rejected_entitlement_is_carried_from_its_last_good_row(licensing):
    """C0000004's 79-seat entitlement was delivered whole two days before D, rejected on D: it
    counts its 79 seats from that row (not 0 against 48 activated)."""
    stub_customers(licensing, "C0000001", "C0000002", "C0000003", "C0000004")
    licensing.put("silver.stg_lic_seat_entitlements", [
        entitlement("E000000006", "C0000004", "CCE", 80, "2025-06-01", D - dt.timedelta(3)),
        entitlement("E000000006", "C0000004", "CCE", 79, "2025-06-01", D - dt.timedelta(2))])
    licensing.put("silver.stg_lic_seat_entitlements_rejects", [
        rejected("licensing.seat_entitlements",
                 entitlement_text("e000000006", "C0000004", "CCE", "seventy-nine"), D),
        # a removed duplicate and a rejected twin of a row silver kept lose nothing
        rejected("licensing.seat_entitlements",
                 entitlement_text("E000000002", "C0000001", "Stock", 20), D, row=2,
                 disposition="duplicate_removed"),
        rejected("licensing.seat_entitlements",
                 entitlement_text("E000000005", "C0000003", "Stock", -1), D, row=3)])
    licensing.put("silver.stg_lic_seat_usage", [
        usage("E000000006", "C0000004", "CCE", E, E, [0, 0, 0, 0, 0, 0, 0, 48])])
    rows = by_family(checked(licensing, seat_activation(), D))
    four = rows[("C0000004", "Creative Cloud")]
    assert (four["entitled_seats"], four["activated_seats"], four["entitlements"],
            four["entitlements_carried"], four["entitlements_unknown"], four["is_complete"],
            four["activation_rate"]) == (79, 48, 1, 1, 0, True, round(48 / 79, 6))
    assert four["entitled_monthly_value"] == 79 * 80.0
    assert [(r["entitlements_carried"], r["entitlements_unknown"]) for r in rows.values()
            if r["customer_id"] != "C0000004"] == [(0, 0)] * 3
    assert rows[("C0000003", "Creative Cloud")]["entitled_seats"] == 10


def test_a_rejected_entitlement_older_than_the_look_back_is_unknown_not_zero(licensing):
    """Nothing to carry (the last good row is 8 days old, a new entitlement's first row
    rejected) and seat usage without a snapshot row: the seats are unknown, the rate empty."""
    stub_customers(licensing, "C0000001", "C0000002", "C0000003", "C0000005")
    licensing.put("silver.stg_lic_seat_entitlements", [
        entitlement("E000000006", "C0000005", "Sign", 40, "2025-06-01", D - dt.timedelta(8))])
    licensing.put("silver.stg_lic_seat_entitlements_rejects", [
        rejected("licensing.seat_entitlements",
                 entitlement_text("E000000006", "c0000005", "sign", "x"), D),
        rejected("licensing.seat_entitlements",
                 entitlement_text("E000000007", " C0000005", "DCE", "", "2026-03-01"), D,
                 row=2)])
    licensing.put("silver.stg_lic_seat_usage", [
        usage("E000000008", "C0000005", "DCE", E, E, [0, 0, 0, 0, 0, 0, 0, 6])])
    dc = by_family(checked(licensing, seat_activation(), D))[("C0000005", "Document Cloud")]
    assert (dc["entitled_seats"], dc["activated_seats"], dc["entitlements"],
            dc["entitlements_carried"], dc["entitlements_unknown"], dc["is_complete"],
            dc["activation_rate"], dc["assignment_rate"]) == (0, 6, 0, 0, 3, False, None, None)


def test_usage_minutes_from_a_file_without_them_are_unknown_not_zero(licensing):
    """E5's usage row of E came in a file without usage_minutes: C3's minutes are unknown
    (empty), its seats still count; C1's two full rows keep their 100 + 100 minutes."""
    licensing.put("silver.stg_lic_seat_usage", undelivered([
        usage("E000000005", "C0000003", "Stock", E, E, [0, 1, 1, 1, 1, 1, 0, 0])],
        "usage_minutes"))
    rows = by_family(checked(licensing, seat_activation(), D))
    c3, c1 = rows[("C0000003", "Creative Cloud")], rows[("C0000001", "Creative Cloud")]
    assert (c3["activated_seats"], c3["usage_minutes"]) == (5, None)
    assert c1["usage_minutes"] == 200.0


def test_usage_minutes_are_summed_exactly(licensing):
    """C1's Creative Cloud minutes of 0.1 and 0.2 (re-delivered on D, which wins) sum to 0.3,
    not 0.30000000000000004: a floating-point sum's last digits depend on the order the rows
    are stored in, so a backfill in ranges and one day by day disagreed."""
    licensing.put("silver.stg_lic_seat_usage", [
        usage("E000000001", "C0000001", "CCE", E, D, E1_TODAY, minutes=0.1),
        usage("E000000002", "C0000001", "Stock", E, D, E2_TODAY, minutes=0.2)])
    cc = by_family(checked(licensing, seat_activation(), D))[("C0000001", "Creative Cloud")]
    assert cc["usage_minutes"] == 0.3


def test_week_over_week(licensing):
    cc = by_family(checked(licensing, seat_activation(), D))[("C0000001", "Creative Cloud")]
    assert (cc["activated_seats_prev_week"], cc["qal_seats_prev_week"],
            cc["mal_seats_prev_week"], cc["rmal_seats_prev_week"]) == (50, 20, 10, 10)
    assert (cc["activated_wow_change"], cc["qal_wow_change"], cc["mal_wow_change"],
            cc["rmal_wow_change"]) == (20, 14, 14, -3)


def test_assigned_seats_of_an_entitlement_tracked_from_its_start(licensing):
    solo = by_family(checked(licensing, seat_activation(), D))[("C0000003", "Creative Cloud")]
    # Assigned 8 - Unassigned 1 (delivered twice, counted once); the event of D not yet
    assert (solo["assigned_seats"], solo["entitled_seats"], solo["assignment_rate"]) == (
        7, 10, 0.7)
    assert solo["activated_seats"] == 0 and solo["activation_rate"] == 0.0


def test_activation_thresholds_are_configurable(licensing):
    strict = ActivationRule(qal_min_days=6, mal_min_days=3, rmal_min_days=1)
    cc = by_family(checked(licensing, seat_activation(strict), D))[("C0000001",
                                                                     "Creative Cloud")]
    # E1: QAL 6-7 days = 5 + 5, MAL 3-5 = 10 + 10 + 10, RMAL 1-2 = 5 + 10;
    # E2: QAL 0, MAL 2 + 2 + 2, RMAL 2 + 2
    assert (cc["qal_seats"], cc["mal_seats"], cc["rmal_seats"], cc["unused_seats"]) == (
        10, 36, 19, 5)
    with pytest.raises(ValueError, match="rmal < mal < qal"):
        ActivationRule(qal_min_days=2, mal_min_days=2)


def ticket(tid, status, opened, changed, received, priority="Medium", score=None):
    return {"support_ticket_key": tid, "ticket_id": tid, "customer_id": "C0000001",
            "status": status, "priority": priority, "open_date": day(opened),
            "satisfaction_score": score, "event_date": day(changed),
            "source_updated_at": dt.datetime.fromisoformat(changed + " 12:00"),
            "load_date": day(received)}


def activity(aid, on, outcome, minutes, notes):
    return {"activity_id": aid, "customer_id": "C0000001", "event_date": day(on),
            "duration_minutes": minutes, "outcome": outcome, "is_negative": outcome == "Negative",
            "notes": notes, "load_date": day(on)}


@pytest.fixture
def with_context(licensing):
    checked(licensing, seat_activation(), D)
    with licensing.resource.get_connection() as con:
        ensure_table(con, FACT_SUPPORT_TICKET)
        ensure_table(con, FACT_ENGAGEMENT_ACTIVITY)
    licensing.put("gold.fact_support_ticket", [
        ticket("T1", "Open", "2026-03-07", "2026-03-07", "2026-03-07", priority="High"),
        ticket("T2", "Open", "2026-02-20", "2026-02-20", "2026-02-20"),
        ticket("T2", "Resolved", "2026-02-20", "2026-02-22", "2026-02-22", score=4),
        ticket("T3", "Open", "2025-11-01", "2025-11-01", "2025-11-01"),  # opened too long ago
        ticket("T4", "Open", "2026-03-09", "2026-03-09", "2026-03-09"),  # after E
    ])
    licensing.put("gold.fact_engagement_activity", [
        activity("EA1", "2026-02-20", "Negative", 60, "Customer evaluating competitors"),
        activity("EA2", "2026-03-05", "Positive", 30, "Adoption ahead of plan"),
        activity("EA3", "2025-11-15", "Negative", 45, "Competitor demo"),  # 113 days before E
    ])
    return licensing


def test_adoption_enriched_with_tickets_and_engagement(with_context):
    rows = {r["customer_id"]: r for r in checked(
        with_context, account_adoption(), D).iter_rows(named=True)}
    assert set(rows) == {"C0000001", "C0000003"}  # the hierarchy's accounts
    one = rows["C0000001"]
    assert (one["entitled_seats"], one["activated_seats"], one["qal_seats"],
            one["assigned_seats"], one["activation_rate"]) == (130, 74, 38, None,
                                                               round(74 / 130, 6))
    assert (one["tickets_opened_7d"], one["tickets_opened_30d"], one["high_priority_tickets_30d"],
            one["open_tickets"], one["avg_satisfaction_90d"]) == (1, 2, 1, 1, 4.0)
    assert (one["engagement_activities_30d"], one["engagement_minutes_30d"],
            one["negative_engagements_90d"], one["competitor_mentions_90d"],
            one["last_engagement_date"]) == (2, 90, 1, 1, day("2026-03-05"))
    assert (one["company_name"], one["rollup_company_name"], one["is_child_account"]) == (
        "Child One", "Parent Co", True)
    solo = rows["C0000003"]
    assert (solo["assigned_seats"], solo["tickets_opened_30d"], solo["last_engagement_date"]
            ) == (7, 0, None)


def test_competitor_words_are_configurable(with_context):
    wider = dataclasses.replace(HealthRule(), competitor_words=("competitor", "adoption"))
    one = checked(with_context, account_adoption(wider), D).filter(customer_id="C0000001")
    assert one["competitor_mentions_90d"].to_list() == [2]


def test_notes_a_file_did_not_deliver_are_no_mention_and_are_counted_unknown(with_context):
    """Beside EA1 (a delivered mention) and EA2 (delivered, no mention), EA4 and EA5 of the 90
    days to E came from files without notes: 1 mention, and 2 activities whose mention is
    unknown (not "no mention")."""
    with_context.put("gold.fact_engagement_activity", [
        {**activity(aid, on, "Neutral", 15, None), "undelivered_columns": "notes"}
        for aid, on in (("EA4", "2026-03-01"), ("EA5", "2026-02-01"))])
    one = checked(with_context, account_adoption(), D).filter(customer_id="C0000001")
    assert (one["competitor_mentions_90d"].item(), one["unknown_notes_90d"].item()) == (1, 2)
