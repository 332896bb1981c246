"""fact_billing and agg_mrr on a hand-computed fixture: five customers over five months that
produce every MRR movement (new, expansion, contraction, churned with 0-rows, reactivated),
a late event counted in its event month, and a dirty negative fee counted nowhere."""

import datetime as dt
import hashlib
import json

import polars as pl
import pytest
from dagster import Failure

from customer_platform.gold.base import run_gold_sql
from customer_platform.gold.billing._mrr import MOVEMENTS, identity_result
from customer_platform.gold.billing.agg_mrr import AGG_MRR, run_agg_mrr, run_agg_mrr_days
from customer_platform.gold.billing.agg_mrr_summary import AGG_MRR_SUMMARY
from customer_platform.gold.billing.fact_billing import (
    FACT_BILLING,
    amount_sign_result,
    fee_after_close_result,
)
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.customer.dim_user import DIM_USER

from .conftest import silver_lineage, undelivered

D = dt.date
FEE, RENEWAL, ADDON, REFUND = ("Subscription Fee", "Subscription Renewal", "Add-on Purchase",
                               "Refund")
# (id, customer, user, type, amount, event date, received date)
EVENTS = [
    ("BE000000001", "C0000001", "U0000001", FEE, 100.0, D(2026, 1, 5), D(2026, 1, 5)),
    ("BE000000002", "C0000002", None, FEE, 200.0, D(2026, 1, 9), D(2026, 1, 9)),
    ("BE000000003", "C0000004", None, ADDON, 30.0, D(2026, 1, 12), D(2026, 1, 12)),
    ("BE000000004", "C0000005", None, FEE, 60.0, D(2026, 1, 20), D(2026, 1, 20)),
    ("BE000000005", "C0000005", None, FEE, -61.0, D(2026, 1, 20), D(2026, 1, 20)),  # dirty
    # a late row inside the month: booked Feb 10, received Feb 11
    ("BE000000006", "C0000001", "U0000001", FEE, 150.0, D(2026, 2, 10), D(2026, 2, 11)),
    ("BE000000007", "C0000003", None, RENEWAL, 50.0, D(2026, 2, 14), D(2026, 2, 14)),
    ("BE000000008", "C0000005", None, FEE, 60.0, D(2026, 2, 20), D(2026, 2, 20)),
    ("BE000000009", "C0000001", "U0000001", FEE, 120.0, D(2026, 3, 5), D(2026, 3, 5)),
    ("BE000000010", "C0000003", None, FEE, 50.0, D(2026, 3, 14), D(2026, 3, 14)),
    ("BE000000011", "C0000003", None, ADDON, 20.0, D(2026, 3, 15), D(2026, 3, 15)),
    ("BE000000012", "C0000003", None, REFUND, -10.0, D(2026, 3, 16), D(2026, 3, 16)),
    ("BE000000013", "C0000004", None, FEE, 80.0, D(2026, 3, 22), D(2026, 3, 22)),
    ("BE000000014", "C0000005", None, FEE, 60.0, D(2026, 3, 20), D(2026, 3, 20)),
    ("BE000000015", "C0000001", "U0000001", FEE, 120.0, D(2026, 4, 5), D(2026, 4, 5)),
    ("BE000000016", "C0000002", None, FEE, 180.0, D(2026, 4, 9), D(2026, 4, 9)),
    # the month's last day, received the next month: counted in April, not in May
    ("BE000000017", "C0000003", None, FEE, 50.0, D(2026, 4, 30), D(2026, 5, 1)),
    ("BE000000018", "C0000004", None, FEE, 80.0, D(2026, 4, 22), D(2026, 4, 22)),
    ("BE000000019", "C0000005", None, FEE, 60.0, D(2026, 4, 20), D(2026, 4, 20)),
    ("BE000000020", "C0000001", "U0000001", FEE, 120.0, D(2026, 5, 5), D(2026, 5, 5)),
    ("BE000000021", "C0000002", None, FEE, 180.0, D(2026, 5, 9), D(2026, 5, 9)),
    ("BE000000022", "C0000004", None, FEE, 80.0, D(2026, 5, 22), D(2026, 5, 22)),
    ("BE000000023", "C0000005", None, FEE, 60.0, D(2026, 5, 20), D(2026, 5, 20)),
]
#: each month's rows are written 7 days after its end (fees late by up to 7 days are in)
CLOSING_DAYS = [D(2026, 2, 7), D(2026, 3, 7), D(2026, 4, 7), D(2026, 5, 7), D(2026, 6, 7)]
MONTH_ENDS = [d - dt.timedelta(days=7) for d in CLOSING_DAYS]
RECEIVED = sorted({e[6] for e in EVENTS})
CUSTOMERS = sorted({e[1] for e in EVENTS})

# (month, customer) -> mrr, previous, change, new, expansion, contraction, churned,
# reactivated, movement, first_mrr_month, add-ons, refunds
EXPECTED = {
    ("2026-01", "C0000001"): (100, 0, 100, 100, 0, 0, 0, 0, "New", "2026-01", 0, 0),
    ("2026-01", "C0000002"): (200, 0, 200, 200, 0, 0, 0, 0, "New", "2026-01", 0, 0),
    ("2026-01", "C0000004"): (0, 0, 0, 0, 0, 0, 0, 0, "Inactive", None, 30, 0),
    ("2026-01", "C0000005"): (60, 0, 60, 60, 0, 0, 0, 0, "New", "2026-01", 0, 0),
    ("2026-02", "C0000001"): (150, 100, 50, 0, 50, 0, 0, 0, "Expansion", "2026-01", 0, 0),
    ("2026-02", "C0000002"): (0, 200, -200, 0, 0, 0, 200, 0, "Churned", "2026-01", 0, 0),
    ("2026-02", "C0000003"): (50, 0, 50, 50, 0, 0, 0, 0, "New", "2026-02", 0, 0),
    ("2026-02", "C0000005"): (60, 60, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-01", 0, 0),
    ("2026-03", "C0000001"): (120, 150, -30, 0, 0, 30, 0, 0, "Contraction", "2026-01", 0, 0),
    ("2026-03", "C0000002"): (0, 0, 0, 0, 0, 0, 0, 0, "Inactive", "2026-01", 0, 0),
    ("2026-03", "C0000003"): (50, 50, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-02", 20, -10),
    ("2026-03", "C0000004"): (80, 0, 80, 80, 0, 0, 0, 0, "New", "2026-03", 0, 0),
    ("2026-03", "C0000005"): (60, 60, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-01", 0, 0),
    ("2026-04", "C0000001"): (120, 120, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-01", 0, 0),
    ("2026-04", "C0000002"): (180, 0, 180, 0, 0, 0, 0, 180, "Reactivated", "2026-01", 0, 0),
    ("2026-04", "C0000003"): (50, 50, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-02", 0, 0),
    ("2026-04", "C0000004"): (80, 80, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-03", 0, 0),
    ("2026-04", "C0000005"): (60, 60, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-01", 0, 0),
    ("2026-05", "C0000001"): (120, 120, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-01", 0, 0),
    ("2026-05", "C0000002"): (180, 180, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-01", 0, 0),
    ("2026-05", "C0000003"): (0, 50, -50, 0, 0, 0, 50, 0, "Churned", "2026-02", 0, 0),
    ("2026-05", "C0000004"): (80, 80, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-03", 0, 0),
    ("2026-05", "C0000005"): (60, 60, 0, 0, 0, 0, 0, 0, "Unchanged", "2026-01", 0, 0),
}
COLUMNS = ("mrr", "previous_mrr", "mrr_change", "new_mrr", "expansion_mrr", "contraction_mrr",
           "churned_mrr", "reactivated_mrr", "movement", "first_mrr_month", "add_on_revenue",
           "refund_amount")


def key(entity: str, value: str) -> str:
    return hashlib.md5(f"{entity}|{value}".encode()).hexdigest()[:16]


def load_upstream(tiny, events=EVENTS) -> None:
    tiny.put("silver.stg_bil_billing_events", [
        {"billing_event_id": i, "customer_id": c, "user_id": u, "event_type": t, "amount": a,
         "currency": "USD", "event_date": e, "plan_type": "Pro" if u else None,
         **silver_lineage(r, e)} for i, c, u, t, a, e, r in events])
    put_customers(tiny, sorted({e[1] for e in events}))
    tiny.put_versions(DIM_USER, [{"user_id": "U0000001", "plan_type": "Business",
                                  "source_updated_at": dt.datetime(2025, 6, 1)}],
                      loaded=D(2025, 12, 31))
    tiny.put("gold.dim_billing_event_type", [{"billing_event_type_key": key("billing_event_type",
                                                                            t)}
                                             for t in (FEE, RENEWAL, ADDON, REFUND)])
    days = [D(2026, 1, 1) + dt.timedelta(n) for n in range(160)]
    tiny.put("gold.dim_date", [{"date_key": int(d.strftime("%Y%m%d"))} for d in days])


#: the day dim_customer's versions of the fixtures' customers were loaded
CUSTOMERS_LOADED = D(2025, 12, 31)


def put_customers(tiny, ids, loaded=CUSTOMERS_LOADED) -> None:
    """Versions of dim_customer loaded on ``loaded`` (agg_mrr reads it as loaded by a day)."""
    tiny.put_versions(DIM_CUSTOMER, [{"customer_id": c, "source_updated_at": dt.datetime(
        loaded.year, loaded.month, loaded.day)} for c in ids], loaded=loaded)


@pytest.fixture
def warehouse(tiny):
    load_upstream(tiny)
    run_facts(tiny, RECEIVED)
    return tiny


def run_facts(tiny, days):
    """Run fact_billing for each day; return each day's check results by name."""
    return {day: {r.check_name: r for r in run_gold_sql(tiny.resource, FACT_BILLING, day)[1]}
            for day in days}


def run_months(tiny, closing_days=CLOSING_DAYS):
    for day in closing_days:
        rows, results = run_agg_mrr(tiny.resource, AGG_MRR, day)
        assert all(r.passed for r in results), [(r.check_name, r.metadata) for r in results]
    return tiny.read("SELECT * FROM gold.agg_mrr ORDER BY month, customer_id")


def test_fact_billing_rows_and_keys(warehouse):
    facts = warehouse.read("SELECT * FROM gold.fact_billing ORDER BY billing_event_id")
    assert facts.height == len(EVENTS)
    row = facts.row(by_predicate=pl.col("billing_event_id") == "BE000000001", named=True)
    assert row["billing_event_key"] == key("billing_event", "BE000000001")
    assert row["customer_key"] == key("customer", "C0000001")
    assert row["user_key"] == key("user", "U0000001")
    assert row["billing_event_type_key"] == key("billing_event_type", FEE)
    assert row["event_date_key"] == 20260105 and row["event_month"] == "2026-01"
    assert row["is_recurring"] and row["is_amount_valid"] and not row["is_late_arrival"]
    assert (row["load_date"], row["update_date"], row["source_system"]) == (
        D(2026, 1, 5), D(2026, 1, 5), "billing")
    # residential customers have no billing contact, so no user key (not a key of NULL)
    assert facts.filter(facts["user_id"].is_null())["user_key"].null_count() == facts.filter(
        facts["user_id"].is_null()).height
    late = facts.row(by_predicate=pl.col("billing_event_id") == "BE000000017", named=True)
    assert (late["event_date"], late["load_date"], late["is_late_arrival"]) == (
        D(2026, 4, 30), D(2026, 5, 1), True)
    refund = facts.row(by_predicate=pl.col("billing_event_id") == "BE000000012", named=True)
    assert (refund["is_recurring"], refund["is_amount_valid"]) == (False, True)
    assert facts.filter(~facts["is_amount_valid"])["billing_event_id"].to_list() == [
        "BE000000005"]
    assert warehouse.read("SELECT count(DISTINCT billing_event_key) AS n FROM gold.fact_billing"
                          )["n"][0] == len(EVENTS)


def test_a_plan_type_not_delivered_is_the_contacts_plan_that_day(tiny):
    """Day 1's file lacks plan_type: U1's fee takes U1's plan in force (Business, dim_user),
    not an empty plan; a residential fee (no contact) stays empty; day 2's full file keeps
    its delivered Pro."""
    events = [("BE000000001", "C0000001", "U0000001", FEE, 100.0, D(2026, 1, 5), D(2026, 1, 5)),
              ("BE000000002", "C0000003", None, FEE, 50.0, D(2026, 1, 5), D(2026, 1, 5)),
              ("BE000000003", "C0000001", "U0000001", FEE, 100.0, D(2026, 1, 6), D(2026, 1, 6))]
    load_upstream(tiny, events[2:])
    tiny.put("silver.stg_bil_billing_events", undelivered([
        {"billing_event_id": i, "customer_id": c, "user_id": u, "event_type": t, "amount": a,
         "currency": "USD", "event_date": e, **silver_lineage(r, e)}
        for i, c, u, t, a, e, r in events[:2]], "plan_type"))
    put_customers(tiny, ["C0000003"])
    run_facts(tiny, [D(2026, 1, 5), D(2026, 1, 6)])
    assert tiny.read("SELECT billing_event_id, plan_type, undelivered_columns "
                     "FROM gold.fact_billing ORDER BY 1").rows() == [
        ("BE000000001", "Business", "plan_type"), ("BE000000002", None, "plan_type"),
        ("BE000000003", "Pro", None)]


def test_fact_billing_checks(warehouse):
    _, results = run_gold_sql(warehouse.resource, FACT_BILLING, D(2026, 1, 20))
    assert {r.check_name: r.passed for r in results} == {
        "pandera_schema": True, "fk_customer_key": True, "fk_user_key": True,
        "fk_billing_event_type_key": True, "fk_event_date_key": True,
        "key_unique_across_days": True}
    sign = amount_sign_result(warehouse.resource, D(2026, 1, 20))
    assert not sign.passed and sign.metadata["invalid_sign_rows"].value == 1
    assert amount_sign_result(warehouse.resource, D(2026, 1, 5)).passed


def test_agg_mrr_every_movement_hand_computed(warehouse):
    agg = run_months(warehouse)
    got = {(r["month"], r["customer_id"]): tuple(r[c] for c in COLUMNS)
           for r in agg.iter_rows(named=True)}
    assert got == {k: tuple(float(x) if isinstance(x, int) else x for x in v)
                   for k, v in EXPECTED.items()}
    assert {r[8] for r in EXPECTED.values()} >= {"New", "Expansion", "Contraction", "Churned",
                                                  "Reactivated", "Unchanged", "Inactive"}
    # a month's rows live in its closing day's partition, keyed to dim_date and dim_customer
    assert set(zip(agg["month"], agg["load_date"], strict=True)) == {
        (d.strftime("%Y-%m"), d + dt.timedelta(days=7)) for d in MONTH_ENDS}
    assert set(agg["month_end_date_key"]) == {int(d.strftime("%Y%m%d")) for d in MONTH_ENDS}
    assert (agg["customer_key"] == agg["customer_id"].map_elements(
        lambda c: key("customer", c), return_dtype=str)).all()
    march = agg.row(by_predicate=(pl.col("month") == "2026-03")
                    & (pl.col("customer_id") == "C0000003"), named=True)
    assert (march["net_revenue"], march["billing_events"]) == (60.0, 3)
    # the identity on every row
    bridge = (agg["new_mrr"] + agg["expansion_mrr"] + agg["reactivated_mrr"]
              - agg["contraction_mrr"] - agg["churned_mrr"])
    assert ((agg["mrr_change"] - bridge).abs() < 1e-9).all()
    assert ((agg["mrr"] - agg["previous_mrr"] - agg["mrr_change"]).abs() < 1e-9).all()
    for day in CLOSING_DAYS:
        assert identity_result(warehouse.resource, "agg_mrr", day).passed


def test_late_event_counts_in_its_event_month(warehouse):
    run_months(warehouse)
    april = warehouse.read("SELECT mrr, billing_events, update_date FROM gold.agg_mrr "
                           "WHERE month = '2026-04' AND customer_id = 'C0000003'").row(0)
    assert april == (50.0, 1, D(2026, 5, 1))  # update_date: the day the late row arrived
    may = warehouse.read("SELECT mrr, movement FROM gold.agg_mrr "
                         "WHERE month = '2026-05' AND customer_id = 'C0000003'").row(0)
    assert may == (0.0, "Churned")


def test_other_days_hold_no_rows_and_reruns_are_identical(warehouse):
    before = run_months(warehouse)
    assert run_agg_mrr(warehouse.resource, AGG_MRR, D(2026, 3, 15))[0] == 0
    run_months(warehouse, [D(2026, 4, 7), D(2026, 3, 7)])  # re-run out of order
    assert run_months(warehouse, []).equals(before)


def between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_range_writes_the_quiet_days_together_and_each_closing_day_as_its_own(warehouse):
    days = between(D(2026, 2, 1), D(2026, 4, 30))
    ranged = run_agg_mrr_days(warehouse.resource, AGG_MRR, days)
    assert [day for day, _ in ranged] == days
    assert {day: rows for day, (rows, _) in ranged if rows} == {
        day: rows for day, (rows, _) in ((d, run_agg_mrr(warehouse.resource, AGG_MRR, d))
                                         for d in CLOSING_DAYS[:3]) if rows}
    assert all(r.passed for _, (_, results) in ranged for r in results)
    assert run_months(warehouse, []).equals(run_months(warehouse, CLOSING_DAYS[:3]))


def test_a_range_stops_at_a_closing_day_that_fails_and_names_it(warehouse):
    run_months(warehouse, CLOSING_DAYS[:1])
    warehouse.execute("CREATE TABLE gold.agg_mrr_kept AS SELECT * FROM gold.agg_mrr")
    with pytest.raises(Failure, match="^2026-04-07: gold.agg_mrr 2026-04-07: the closing "
                       "partition 2026-03-07 of 2026-02 is missing") as failure:
        run_agg_mrr_days(warehouse.resource, AGG_MRR, between(D(2026, 3, 8), D(2026, 4, 30)))
    assert failure.value.metadata["failed_day"].value == "2026-04-07"
    assert warehouse.read("SELECT * FROM gold.agg_mrr ORDER BY ALL").equals(
        warehouse.read("SELECT * FROM gold.agg_mrr_kept ORDER BY ALL"))


def test_a_missing_previous_month_fails_rather_than_calling_everyone_new(warehouse):
    run_months(warehouse, CLOSING_DAYS[:1])
    with pytest.raises(Failure, match="closing partition 2026-03-07 of 2026-02 is missing"):
        run_agg_mrr(warehouse.resource, AGG_MRR, D(2026, 4, 7))


def test_a_month_begun_before_the_first_partition_is_not_closed(warehouse, monkeypatch):
    monkeypatch.setenv("CUSTOMER_PLATFORM_PARTITION_START", "2026-01-15")
    assert run_agg_mrr(warehouse.resource, AGG_MRR, D(2026, 2, 7))[0] == 0  # January: partial
    run_months(warehouse, [D(2026, 3, 7)])  # February: the opening balance, everyone new
    feb = warehouse.read("SELECT customer_id, mrr, movement FROM gold.agg_mrr "
                         "WHERE month = '2026-02' ORDER BY customer_id").rows()
    assert feb == [("C0000001", 150.0, "New"), ("C0000003", 50.0, "New"),
                   ("C0000005", 60.0, "New")]


def test_summary_is_the_platform_bridge(warehouse):
    run_months(warehouse)
    for day in CLOSING_DAYS:
        warehouse.run(AGG_MRR_SUMMARY, day)
        assert identity_result(warehouse.resource, "agg_mrr_summary", day).passed
    assert warehouse.run(AGG_MRR_SUMMARY, D(2026, 2, 27)).height == 0
    feb = warehouse.read("SELECT * FROM gold.agg_mrr_summary WHERE month = '2026-02'"
                         ).row(0, named=True)
    assert (feb["mrr"], feb["previous_mrr"], feb["mrr_change"]) == (260.0, 360.0, -100.0)
    assert (feb["new_mrr"], feb["expansion_mrr"], feb["churned_mrr"]) == (50.0, 50.0, 200.0)
    assert (feb["customers_with_mrr"], feb["new_customers"], feb["churned_customers"]) == (
        3, 1, 1)
    april = warehouse.read("SELECT mrr, reactivated_mrr, reactivated_customers FROM "
                           "gold.agg_mrr_summary WHERE month = '2026-04'").row(0)
    assert april == (490.0, 180.0, 1)


def test_identity_check_fails_on_a_broken_row(warehouse):
    run_months(warehouse)
    day = D(2026, 3, 7)  # February's partition
    assert identity_result(warehouse.resource, "agg_mrr", day).passed
    # break one row: an expansion that does not add up to the change
    warehouse.execute("UPDATE gold.agg_mrr SET expansion_mrr = 70 WHERE load_date = ? "
                      "AND customer_id = 'C0000001'", [day])
    result = identity_result(warehouse.resource, "agg_mrr", day)
    assert not result.passed and result.metadata["failing_rows"].value == 1
    assert "'expansion_mrr': 70.0" in result.metadata["failure_sample"].value
    # two movements on one row fail too, even when they add up
    day = D(2026, 4, 7)  # March's
    warehouse.execute("UPDATE gold.agg_mrr SET new_mrr = 10, expansion_mrr = 0, "
                      "contraction_mrr = 40 WHERE load_date = ? AND customer_id = 'C0000001'",
                      [day])
    assert identity_result(warehouse.resource, "agg_mrr", day).metadata[
        "failing_rows"].value == 1


# -- dirty and incomplete input (gold/completeness.py) ----------------------------------------

# C1: February's fee was rejected by silver (amount -86): its MRR is carried forward.
# C2: January's fee arrives 6 days after the month (in time); February's 9 days after (after
#     February closed on 03-07): it counts in March, February shows the churn it looked like.
# C3: billed twice in February (its bill day moved): one month of MRR, twice the cash.
# C4: January's fee delivered again, identical, three days later (dropped); February's
#     delivered again two days later with a corrected amount (an explicit update).
DIRTY_EVENTS = [
    ("BE000000101", "C0000001", None, FEE, 100.0, D(2026, 1, 10), D(2026, 1, 10)),
    ("BE000000102", "C0000001", None, FEE, 100.0, D(2026, 3, 10), D(2026, 3, 10)),
    ("BE000000111", "C0000002", None, FEE, 200.0, D(2026, 1, 31), D(2026, 2, 6)),
    ("BE000000112", "C0000002", None, FEE, 200.0, D(2026, 2, 28), D(2026, 3, 9)),
    ("BE000000121", "C0000003", None, FEE, 70.0, D(2026, 1, 5), D(2026, 1, 5)),
    ("BE000000122", "C0000003", None, FEE, 70.0, D(2026, 2, 1), D(2026, 2, 1)),
    ("BE000000123", "C0000003", None, FEE, 70.0, D(2026, 2, 27), D(2026, 2, 27)),
    ("BE000000124", "C0000003", None, FEE, 70.0, D(2026, 3, 5), D(2026, 3, 5)),
    ("BE000000131", "C0000004", None, FEE, 80.0, D(2026, 1, 12), D(2026, 1, 12)),
    ("BE000000131", "C0000004", None, FEE, 80.0, D(2026, 1, 12), D(2026, 1, 15)),  # again
    ("BE000000132", "C0000004", None, FEE, 80.0, D(2026, 2, 12), D(2026, 2, 12)),
    ("BE000000132", "C0000004", None, FEE, 90.0, D(2026, 2, 12), D(2026, 2, 14)),  # changed
    ("BE000000133", "C0000004", None, FEE, 90.0, D(2026, 3, 12), D(2026, 3, 12)),
]
DIRTY_RECEIVED = sorted({e[6] for e in DIRTY_EVENTS} | {D(2026, 2, 10)})
DIRTY_CLOSING_DAYS = [D(2026, 2, 7), D(2026, 3, 7), D(2026, 4, 7)]


def rejected_billing_event(received: dt.date, row: int, record: dict, disposition="rejected"):
    """A row of silver.stg_bil_billing_events_rejects: the bronze record as delivered."""
    return {"error_id": f"billing.billing_events:{received}:{row}:{disposition}",
            "error_type": "Validation", "error_rule": "amount_sign",
            "error_description": "amount_sign", "source_system": "billing",
            "source_table": "billing.billing_events", "source_file": "test.jsonl",
            "source_row": row, "error_timestamp": dt.datetime.combine(received, dt.time(6)),
            "status": "Open", "disposition": disposition, "record": json.dumps(record),
            "_partition_date": received}


@pytest.fixture
def dirty(tiny):
    load_upstream(tiny, DIRTY_EVENTS)
    tiny.put("silver.stg_bil_billing_events_rejects", [
        # as delivered: lower-case id, a spelling variant of the type, a negative amount
        rejected_billing_event(D(2026, 2, 10), 1, {
            "billing_event_id": "BE000000103", "customer_id": "c0000001",
            "event_type": "subscription_fee", "amount": "-86", "currency": "USD",
            "event_date": "2026-02-10"}),
        # a removed duplicate loses nothing: C2's February is not carried forward by it
        rejected_billing_event(D(2026, 2, 10), 2, {
            "billing_event_id": "BE000000113", "customer_id": "C0000002",
            "event_type": "Subscription Fee", "amount": "200", "currency": "USD",
            "event_date": "2026-02-10"}, disposition="duplicate_removed"),
        # a customer never billed before whose first fee was rejected: MRR unknown, no row
        rejected_billing_event(D(2026, 2, 10), 3, {
            "billing_event_id": "BE000000141", "customer_id": "C0000009",
            "event_type": "Subscription Fee", "amount": "-50", "currency": "USD",
            "event_date": "2026-02-10"}),
    ])
    return tiny


#: (month, customer) -> mrr, previous, movement, carried forward, recurring billed
DIRTY_EXPECTED = {
    ("2026-01", "C0000001"): (100, 0, "New", False, 100),
    ("2026-01", "C0000002"): (200, 0, "New", False, 200),  # 6 days late: still January's
    ("2026-01", "C0000003"): (70, 0, "New", False, 70),
    ("2026-01", "C0000004"): (80, 0, "New", False, 80),  # delivered twice, counted once
    ("2026-02", "C0000001"): (100, 100, "Unchanged", True, 0),  # the rejected fee: carried
    ("2026-02", "C0000002"): (0, 200, "Churned", False, 0),  # its fee came after the close
    ("2026-02", "C0000003"): (70, 70, "Unchanged", False, 140),  # billed twice: no expansion
    ("2026-02", "C0000004"): (90, 80, "Expansion", False, 90),  # the corrected amount
    ("2026-03", "C0000001"): (100, 100, "Unchanged", False, 100),  # no false New/Reactivated
    ("2026-03", "C0000002"): (200, 0, "Reactivated", False, 200),  # February's fee, late
    ("2026-03", "C0000003"): (70, 70, "Unchanged", False, 70),
    ("2026-03", "C0000004"): (90, 90, "Unchanged", False, 90),
}


def test_dirty_billing_mrr_hand_computed(dirty):
    run_facts(dirty, DIRTY_RECEIVED)
    agg = run_months(dirty, DIRTY_CLOSING_DAYS)
    got = {(r["month"], r["customer_id"]): (r["mrr"], r["previous_mrr"], r["movement"],
                                            r["is_mrr_carried_forward"], r["recurring_billed"])
           for r in agg.iter_rows(named=True)}
    assert got == {k: (float(m), float(p), mv, c, float(b))
                   for k, (m, p, mv, c, b) in DIRTY_EXPECTED.items()}
    for day in DIRTY_CLOSING_DAYS:
        assert identity_result(dirty.resource, "agg_mrr", day).passed
        dirty.run(AGG_MRR_SUMMARY, day)
    feb = dirty.read("SELECT * FROM gold.agg_mrr_summary WHERE month = '2026-02'"
                     ).row(0, named=True)
    assert (feb["mrr"], feb["previous_mrr"], feb["churned_mrr"], feb["expansion_mrr"]) == (
        260.0, 450.0, 200.0, 10.0)
    assert (feb["carried_forward_customers"], feb["carried_forward_mrr"],
            feb["recurring_billed"], feb["net_revenue"]) == (1, 100.0, 230.0, 230.0)


def test_fee_month_follows_the_late_allowance(dirty):
    run_facts(dirty, DIRTY_RECEIVED)
    months = dict(dirty.read("SELECT billing_event_id, mrr_month FROM gold.fact_billing "
                             "WHERE customer_id = 'C0000002'").rows())
    assert months == {"BE000000111": "2026-01", "BE000000112": "2026-03"}
    late = fee_after_close_result(dirty.resource, D(2026, 3, 9))
    assert not late.passed and late.metadata["sample"].value == ["BE000000112"]
    assert fee_after_close_result(dirty.resource, D(2026, 2, 6)).passed  # 6 days: in time


def test_a_redelivered_event_is_dropped_or_an_explicit_update(dirty):
    checks = run_facts(dirty, DIRTY_RECEIVED)
    rows = dirty.read("SELECT billing_event_id, amount, load_date, is_update "
                      "FROM gold.fact_billing WHERE customer_id = 'C0000004' ORDER BY ALL").rows()
    assert rows == [("BE000000131", 80.0, D(2026, 1, 12), False),
                    ("BE000000132", 80.0, D(2026, 2, 12), False),
                    ("BE000000132", 90.0, D(2026, 2, 14), True),
                    ("BE000000133", 90.0, D(2026, 3, 12), False)]
    again = checks[D(2026, 1, 15)]["key_unique_across_days"]
    assert again.passed and again.metadata["redelivered_identical_dropped"].value == 1
    update = checks[D(2026, 2, 14)]["key_unique_across_days"]
    assert update.passed and update.metadata["redelivered_changed_updates"].value == 1
    assert all(c["key_unique_across_days"].passed for c in checks.values())
    # re-running the first delivery's day after its update: the later row is the update
    rerun = run_facts(dirty, [D(2026, 2, 12)])[D(2026, 2, 12)]["key_unique_across_days"]
    assert rerun.passed and rerun.metadata["keys_in_other_partitions"].value == 0


def test_a_key_in_another_partition_fails_the_check_until_rerun(dirty):
    # days out of order: the re-delivery's day runs before the first delivery's
    later, first = D(2026, 1, 15), D(2026, 1, 12)
    run_facts(dirty, [later])
    check = run_facts(dirty, [first])[first]["key_unique_across_days"]
    assert not check.passed
    assert check.metadata["clash_sample"].value == [
        f"{key('billing_event', 'BE000000131')} also in {later}"]
    # re-running the later day drops its copy: one row, and both days pass
    checks = run_facts(dirty, [later, first])
    assert all(c["key_unique_across_days"].passed for c in checks.values())
    assert dirty.read("SELECT count(*) AS n FROM gold.fact_billing "
                      "WHERE billing_event_id = 'BE000000131'")["n"][0] == 1


# -- a rejected fee with no MRR to carry: unknown, not 0 --------------------------------------

# C1: 100 every month (a known baseline).
# C78 (seed 7's C0000078): January's only fee was rejected (-86) beside a refund; February and
#     March bill 86. January is unknown, so February cannot be New: Unknown, then Unchanged.
# C79: January's only fee rejected beside an add-on, no February event, a first fee in March:
#     New or Reactivated cannot be told (January may have had MRR): Unknown, not New.
# C80: churned in February; March's only fee rejected: 0 is not carried, March is unknown.
UNKNOWN_EVENTS = [
    ("BE000000201", "C0000001", None, FEE, 100.0, D(2026, 1, 5), D(2026, 1, 5)),
    ("BE000000202", "C0000001", None, FEE, 100.0, D(2026, 2, 5), D(2026, 2, 5)),
    ("BE000000203", "C0000001", None, FEE, 100.0, D(2026, 3, 5), D(2026, 3, 5)),
    ("BE000000211", "C0000078", None, REFUND, -20.0, D(2026, 1, 15), D(2026, 1, 15)),
    ("BE000000212", "C0000078", None, FEE, 86.0, D(2026, 2, 22), D(2026, 2, 22)),
    ("BE000000213", "C0000078", None, FEE, 86.0, D(2026, 3, 22), D(2026, 3, 22)),
    ("BE000000221", "C0000079", None, ADDON, 15.0, D(2026, 1, 16), D(2026, 1, 16)),
    ("BE000000222", "C0000079", None, FEE, 40.0, D(2026, 3, 9), D(2026, 3, 9)),
    ("BE000000231", "C0000080", None, FEE, 50.0, D(2026, 1, 8), D(2026, 1, 8)),
]
UNKNOWN_REJECTS = [(D(2026, 1, 22), "BE000000210", "C0000078", "-86"),
                   (D(2026, 1, 23), "BE000000220", "C0000079", "-40"),
                   (D(2026, 3, 10), "BE000000230", "C0000080", "-50")]
#: (month, customer) -> mrr, previous, change, movement, first_mrr_month,
#: first_unknown_mrr_month, carried forward
UNKNOWN_EXPECTED = {
    ("2026-01", "C0000001"): (100, 0, 100, "New", "2026-01", None, False),
    ("2026-01", "C0000078"): (None, 0, None, "Unknown", None, "2026-01", False),
    ("2026-01", "C0000079"): (None, 0, None, "Unknown", None, "2026-01", False),
    ("2026-01", "C0000080"): (50, 0, 50, "New", "2026-01", None, False),
    ("2026-02", "C0000001"): (100, 100, 0, "Unchanged", "2026-01", None, False),
    ("2026-02", "C0000078"): (86, None, None, "Unknown", "2026-02", "2026-01", False),
    ("2026-02", "C0000079"): (0, None, None, "Unknown", None, "2026-01", False),
    ("2026-02", "C0000080"): (0, 50, -50, "Churned", "2026-01", None, False),
    ("2026-03", "C0000001"): (100, 100, 0, "Unchanged", "2026-01", None, False),
    ("2026-03", "C0000078"): (86, 86, 0, "Unchanged", "2026-02", "2026-01", False),
    ("2026-03", "C0000079"): (40, 0, 40, "Unknown", "2026-03", "2026-01", False),
    ("2026-03", "C0000080"): (None, 0, None, "Unknown", "2026-01", "2026-03", False),
}


def run_with_rejects(tiny, events, rejects):
    """Load ``events`` and the rejected fees ``rejects`` (received day, id, customer, amount),
    run fact_billing, close the three dirty months; return agg_mrr."""
    tiny.put("silver.stg_bil_billing_events_rejects", [
        rejected_billing_event(day, n, {
            "billing_event_id": i, "customer_id": c, "event_type": "Subscription Fee",
            "amount": amount, "currency": "USD", "event_date": str(day)})
        for n, (day, i, c, amount) in enumerate(rejects, 1)])
    run_facts(tiny, sorted({e[6] for e in events} | {r[0] for r in rejects}))
    return run_months(tiny, DIRTY_CLOSING_DAYS)


def summary_by_month(tiny, columns):
    """Materialise agg_mrr_summary for the dirty months (its bridge must hold, and agg_mrr's);
    return month -> the values of ``columns``."""
    for day in DIRTY_CLOSING_DAYS:
        assert identity_result(tiny.resource, "agg_mrr", day).passed
        tiny.run(AGG_MRR_SUMMARY, day)
        assert identity_result(tiny.resource, "agg_mrr_summary", day).passed
    return {r["month"]: tuple(r[c] for c in columns) for r in tiny.read(
        "SELECT * FROM gold.agg_mrr_summary ORDER BY month").iter_rows(named=True)}


def test_a_rejected_fee_with_no_mrr_to_carry_is_unknown_not_new(tiny):
    load_upstream(tiny, UNKNOWN_EVENTS)
    agg = run_with_rejects(tiny, UNKNOWN_EVENTS, UNKNOWN_REJECTS)
    got = {(r["month"], r["customer_id"]): (
        r["mrr"], r["previous_mrr"], r["mrr_change"], r["movement"], r["first_mrr_month"],
        r["first_unknown_mrr_month"], r["is_mrr_carried_forward"])
        for r in agg.iter_rows(named=True)}
    assert got == {k: tuple(float(x) if isinstance(x, int) and not isinstance(x, bool) else x
                            for x in v) for k, v in UNKNOWN_EXPECTED.items()}
    unknown = agg.filter(pl.col("movement") == "Unknown")
    assert (unknown.select(MOVEMENTS).sum_horizontal() == 0).all()
    january = agg.row(by_predicate=(pl.col("month") == "2026-01")
                      & (pl.col("customer_id") == "C0000078"), named=True)
    assert (january["refund_amount"], january["net_revenue"]) == (-20.0, -20.0)
    summary = summary_by_month(tiny, (
        "mrr", "previous_mrr", "mrr_change", "new_mrr", "churned_mrr", "unclassified_mrr",
        "new_customers", "unknown_customers", "unknown_mrr_customers", "customers_with_mrr"))
    # known totals only; the Unknown customers' change is the unclassified term:
    # Feb 36 = -50 churned + 86 (C78); Mar 40 = C79's first 40 (C80's March unknown)
    assert summary == {"2026-01": (150.0, 0.0, 150.0, 150.0, 0.0, 0.0, 2, 2, 2, 2),
                       "2026-02": (186.0, 150.0, 36.0, 0.0, 50.0, 86.0, 0, 2, 0, 2),
                       "2026-03": (226.0, 186.0, 40.0, 0.0, 0.0, 40.0, 0, 2, 1, 3)}
    # the checks still bite on Unknown rows: a movement on one, or an unclassified term
    # without an Unknown customer
    feb = D(2026, 3, 7)
    tiny.execute("UPDATE gold.agg_mrr SET new_mrr = 86 WHERE load_date = ? "
                 "AND customer_id = 'C0000078'", [feb])
    assert identity_result(tiny.resource, "agg_mrr", feb).metadata["failing_rows"].value == 1
    assert identity_result(tiny.resource, "agg_mrr_summary", feb).passed
    tiny.execute("UPDATE gold.agg_mrr_summary SET unknown_customers = 0 WHERE load_date = ?",
                 [feb])
    assert not identity_result(tiny.resource, "agg_mrr_summary", feb).passed


# -- a rejected fee alone, of a customer never on the calendar ---------------------------------

# C1: 100 every month (a known baseline).
# C81 (in dim_customer): January's only event is a rejected fee (-70); February and March bill
#     70. January's MRR is unknown (a row, not none), so February is Unknown, not New.
# C82 (no version in dim_customer): January's only event is a rejected fee: an unknown
#     customer gets no row (no key for the foreign key to dim_customer).
# C83: in dim_customer only from a load of March 1, after January's close (Feb 7): as loaded
#     by the closing day it is unknown, so no row.
ALONE_EVENTS = [
    *UNKNOWN_EVENTS[:3],  # C1's baseline
    ("BE000000312", "C0000081", None, FEE, 70.0, D(2026, 2, 12), D(2026, 2, 12)),
    ("BE000000313", "C0000081", None, FEE, 70.0, D(2026, 3, 12), D(2026, 3, 12)),
]
ALONE_REJECTS = [(D(2026, 1, 20), "BE000000311", "C0000081", "-70"),
                 (D(2026, 1, 21), "BE000000321", "C0000082", "-30"),
                 (D(2026, 1, 22), "BE000000331", "C0000083", "-40")]
#: (month, customer) -> mrr, previous, change, movement, first_mrr_month,
#: first_unknown_mrr_month
ALONE_EXPECTED = {
    ("2026-01", "C0000001"): (100.0, 0.0, 100.0, "New", "2026-01", None),
    ("2026-01", "C0000081"): (None, 0.0, None, "Unknown", None, "2026-01"),
    ("2026-02", "C0000001"): (100.0, 100.0, 0.0, "Unchanged", "2026-01", None),
    ("2026-02", "C0000081"): (70.0, None, None, "Unknown", "2026-02", "2026-01"),
    ("2026-03", "C0000001"): (100.0, 100.0, 0.0, "Unchanged", "2026-01", None),
    ("2026-03", "C0000081"): (70.0, 70.0, 0.0, "Unchanged", "2026-02", "2026-01"),
}


def test_a_rejected_fee_alone_gives_an_unknown_row_so_the_next_fee_is_not_new(tiny):
    load_upstream(tiny, ALONE_EVENTS)
    put_customers(tiny, ["C0000081"])
    put_customers(tiny, ["C0000083"], loaded=D(2026, 3, 1))
    agg = run_with_rejects(tiny, ALONE_EVENTS, ALONE_REJECTS)
    got = {(r["month"], r["customer_id"]): (
        r["mrr"], r["previous_mrr"], r["mrr_change"], r["movement"], r["first_mrr_month"],
        r["first_unknown_mrr_month"]) for r in agg.iter_rows(named=True)}
    assert got == ALONE_EXPECTED
    january = agg.row(by_predicate=(pl.col("month") == "2026-01")
                      & (pl.col("customer_id") == "C0000081"), named=True)
    assert january["customer_key"] == key("customer", "C0000081")
    assert (january["is_mrr_carried_forward"], january["billing_events"],
            january["net_revenue"], january["update_date"]) == (False, 0, 0.0, D(2026, 1, 20))
    # re-running January's close after C83's load of March 1: as loaded by Feb 7, the same rows
    assert run_months(tiny, DIRTY_CLOSING_DAYS[:1]).equals(agg)
    summary = summary_by_month(tiny, (
        "mrr", "previous_mrr", "mrr_change", "new_mrr", "unclassified_mrr", "new_customers",
        "unknown_customers", "unknown_mrr_customers"))
    # February: C81's 70 is in the unclassified term, not in new_mrr
    assert summary == {"2026-01": (100.0, 0.0, 100.0, 100.0, 0.0, 1, 1, 1),
                       "2026-02": (170.0, 100.0, 70.0, 0.0, 70.0, 0, 1, 0),
                       "2026-03": (170.0, 170.0, 0.0, 0.0, 0.0, 0, 0, 0)}
