"""Customer health on hand-computed accounts: the risk points of each signal, the colour the
configurable rule gives, missing signals adding nothing, and the roll-up that makes an at-risk
parent company stand out."""

import dataclasses
import datetime as dt

import pytest

from customer_platform.gold.base import ensure_table
from customer_platform.gold.revops._rules import PIPELINE, HealthRule
from customer_platform.gold.revops.agg_account_adoption import account_adoption
from customer_platform.gold.revops.agg_account_health import account_health
from customer_platform.gold.revops.agg_parent_health import parent_health
from customer_platform.gold.revops.dim_opportunity import DIM_OPPORTUNITY

from .conftest import checked, day, key, put_calendar, stub_customers

D = day("2026-03-09")  # settled day E = 2026-03-08, fiscal quarter FY2026-Q2 (Mar - May)
PARENT = "parent-1"
#: an opening full extract before D: the warehouse holds the whole open pipeline on E
HELD = dataclasses.replace(PIPELINE, opening_extract=day("2026-03-01"))

#: customer -> (roll-up key, entitled, activated, monthly seat value, tickets 30d,
#: competitor mentions)
ACCOUNTS = {
    "C0000001": (PARENT, 100, 20, 1000.0, 0, 0),
    "C0000002": (PARENT, 50, 30, 500.0, 4, 1),
    "C0000003": ("solo-3", 0, 0, 0.0, 1, 0),
    "C0000004": ("solo-4", 100, 30, 100.0, 2, 0),
    "C0000005": (PARENT, 100, 10, 200.0, 2, 0),
    "C0000006": ("solo-6", 0, 48, 0.0, 0, 0),  # its 79 entitled seats lost to a rejected row
}
#: accounts whose seats are not all known (agg_account_adoption.is_complete false)
INCOMPLETE = {"C0000006"}
#: customer -> (pipe of opportunities closing in FY2026-Q2, points: activation, coverage,
#: tickets, competitor, total, health)
EXPECTED = {
    "C0000001": (0.0, 2, 1, 0, 0, 3, "Yellow"),  # 0.2 < 0.25; 0 / 3000 < 0.25
    "C0000002": (1500.0, 0, 0, 2, 2, 4, "Red"),  # 0.6; 1500 / 1500; 4 tickets; competitor
    "C0000003": (0.0, 0, 0, 0, 0, 0, "Green"),  # no seats: no activation nor coverage signal
    "C0000004": (30.0, 1, 1, 1, 0, 3, "Yellow"),  # 0.3; 30 / 300 = 0.1; 2 tickets
    "C0000005": (0.0, 2, 1, 1, 0, 4, "Red"),  # 0.1; 0; 2 tickets
    "C0000006": (0.0, 0, 0, 0, 0, 0, "Yellow"),  # seats unknown: no points, never Green
}


def opportunity(opp, customer, amount, close):
    return {"opportunity_id": opp, "customer_id": customer, "stage": "Proposal",
            "amount": amount, "pipe_actual": amount, "close_date": day(close),
            "is_closed": False, "is_won": False, "geo": "AMER", "solution": "Creative Cloud",
            "sales_motion": "New", "sales_rep": "Ann Lee",
            "created_at": dt.datetime(2026, 2, 1), "source_updated_at": dt.datetime(2026, 3, 2)}


def adoption(c, rollup, seats, active, value, tickets, mentions, unknown_notes=0) -> dict:
    """An agg_account_adoption row of D (seats unknown for the INCOMPLETE accounts)."""
    return {"customer_id": c, "customer_key": key("customer", c), "account_key": f"a-{c}",
            "company_name": f"Company {c}", "rollup_account_key": rollup,
            "rollup_company_name": "Parent Co" if rollup == PARENT else f"Company {c}",
            "is_child_account": rollup == PARENT, "geo": "AMER", "vertical": "Retail",
            "entitled_seats": seats, "activated_seats": active,
            "activation_rate": active / seats if seats and c not in INCOMPLETE else None,
            "is_complete": c not in INCOMPLETE,
            "entitled_monthly_value": value, "tickets_opened_30d": tickets,
            "competitor_mentions_90d": mentions, "unknown_notes_90d": unknown_notes,
            "load_date": D}


@pytest.fixture
def accounts(tiny):
    put_calendar(tiny, day("2026-03-01"), D)
    stub_customers(tiny, *ACCOUNTS)
    with tiny.resource.get_connection() as con:
        ensure_table(con, account_adoption())
    tiny.put("gold.agg_account_adoption", [adoption(c, *signals)
                                           for c, signals in ACCOUNTS.items()])
    tiny.put_versions(DIM_OPPORTUNITY, [
        opportunity("O1", "C0000002", 1500.0, "2026-03-20"),
        opportunity("O2", "C0000004", 30.0, "2026-05-31"),
        opportunity("O3", "C0000004", 10000.0, "2026-06-15"),  # closes next quarter
    ], day("2026-03-02"))
    return tiny


def test_points_and_colours(accounts):
    rows = checked(accounts, account_health(pipeline=HELD), D)
    got = {r["customer_id"]: (r["pipe_actual"], r["activation_points"], r["coverage_points"],
                              r["ticket_points"], r["competitor_points"], r["risk_points"],
                              r["health"]) for r in rows.iter_rows(named=True)}
    assert got == EXPECTED
    two = rows.filter(customer_id="C0000002").row(0, named=True)
    assert (two["quarterly_seat_value"], two["pipeline_coverage"], two["is_at_risk"],
            two["has_competitive_presence"]) == (1500.0, 1.0, True, True)
    three = rows.filter(customer_id="C0000003").row(0, named=True)
    assert (three["activation_rate"], three["pipeline_coverage"], three["is_complete"]) == (
        None, None, True)
    six = rows.filter(customer_id="C0000006").row(0, named=True)
    assert (six["activation_rate"], six["pipeline_coverage"], six["is_complete"]) == (
        None, None, False)


def test_the_rule_is_configurable(accounts):
    lenient = dataclasses.replace(HealthRule(), red_points=5)
    rows = checked(accounts, account_health(lenient, HELD), D)
    assert rows.filter(health="Red").height == 0
    assert sorted(rows.filter(health="Yellow")["customer_id"]) == [
        "C0000001", "C0000002", "C0000004", "C0000005", "C0000006"]
    with pytest.raises(ValueError, match="yellow_points <= red_points"):
        HealthRule(red_points=1, yellow_points=2)


def test_parent_rollup_makes_the_at_risk_parent_stand_out(accounts):
    checked(accounts, account_health(pipeline=HELD), D)
    rows = {r["rollup_account_key"]: r for r in checked(
        accounts, parent_health(), D).iter_rows(named=True)}
    parent = rows[PARENT]  # C1 Yellow (100 seats), C2 Red (50), C5 Red (100)
    assert (parent["accounts"], parent["green_accounts"], parent["yellow_accounts"],
            parent["red_accounts"]) == (3, 0, 1, 2)
    assert (parent["entitled_seats"], parent["red_seats"], parent["yellow_seats"]) == (
        250, 150, 100)
    assert (parent["red_share"], parent["at_risk_share"], parent["health"],
            parent["is_parent_company"]) == (0.6, 1.0, "Red", True)
    assert (parent["activated_seats"], parent["activation_rate"], parent["pipe_actual"],
            parent["tickets_opened_30d"], parent["competitive_accounts"]) == (
        60, 0.24, 1500.0, 6, 1)
    assert (rows["solo-3"]["health"], rows["solo-3"]["red_share"]) == ("Green", 0.0)  # 0 seats
    assert (rows["solo-4"]["health"], rows["solo-4"]["at_risk_share"]) == ("Yellow", 1.0)


def test_coverage_is_unknown_while_the_pipeline_is_not_whole(accounts):
    """Without an opening extract, on 2026-03-08 the warehouse (first day 2026-01-01) has not
    seen 180 days of changes: the coverage reads low only because deals are unseen. It adds
    no point (C5: 2 + 1 tickets = 3, Yellow, not the 4 and Red a 0 coverage gave) and an
    account is Green only if it stays Green with the coverage point (C7: 1 ticket point)."""
    accounts.put("gold.agg_account_adoption", [
        adoption("C0000007", "solo-7", 100, 50, 100.0, 2, 0),
        adoption("C0000008", "solo-8", 100, 50, 100.0, 0, 0)])
    stub_customers(accounts, *ACCOUNTS, "C0000007", "C0000008")
    rows = checked(accounts, account_health(), D)
    got = {r["customer_id"]: (r["pipeline_coverage"], r["coverage_points"], r["risk_points"],
                              r["health"]) for r in rows.iter_rows(named=True)}
    assert got == {
        "C0000001": (None, 0, 2, "Yellow"),  # activation 0.2: 2 points
        "C0000002": (None, 0, 4, "Red"),  # tickets and competitor: red on known points
        "C0000003": (None, 0, 0, "Green"),  # no seats: coverage does not apply
        "C0000004": (None, 0, 2, "Yellow"),
        "C0000005": (None, 0, 3, "Yellow"),
        "C0000006": (None, 0, 0, "Yellow"),  # seats unknown
        "C0000007": (None, 0, 1, "Yellow"),  # 1 + the unknown coverage point could be 2
        "C0000008": (None, 0, 0, "Green"),  # 0 + 1 stays below 2
    }
    assert set(rows["is_pipeline_complete"]) == {False}
    assert set(checked(accounts, account_health(pipeline=HELD), D)["is_pipeline_complete"]) \
        == {True}


def test_competitive_presence_is_unknown_when_notes_were_not_delivered(accounts):
    """No mention among the delivered notes but some notes not delivered: presence is
    unknown, adds no point, and the account is Green only if it stays below Yellow with the
    competitor points (2) added. A mention among the delivered notes is presence whatever
    else is unknown."""
    accounts.put("gold.agg_account_adoption", [
        adoption("C0000007", "solo-7", 100, 50, 100.0, 0, 0, unknown_notes=3),
        adoption("C0000008", "solo-8", 100, 50, 100.0, 0, 1, unknown_notes=3),
        adoption("C0000009", "solo-9", 100, 50, 100.0, 0, 0, unknown_notes=0)])
    stub_customers(accounts, *ACCOUNTS, "C0000007", "C0000008", "C0000009")
    accounts.put_versions(DIM_OPPORTUNITY, [
        opportunity(f"O{c}", c, 300.0, "2026-04-30")  # coverage 300 / 300 = 1: no point
        for c in ("C0000007", "C0000008", "C0000009")], day("2026-03-02"))
    rows = checked(accounts, account_health(pipeline=HELD), D)
    got = {r["customer_id"]: (r["has_competitive_presence"], r["competitor_points"],
                              r["risk_points"], r["health"])
           for r in rows.iter_rows(named=True) if r["customer_id"] >= "C0000007"}
    assert got == {
        "C0000007": (None, 0, 0, "Yellow"),  # 0 known + 2 unknown reaches Yellow
        "C0000008": (True, 2, 2, "Yellow"),  # a delivered mention counts
        "C0000009": (False, 0, 0, "Green"),  # every note delivered, none mentions
    }
