"""fact_billing and agg_mrr on a hand-computed fixture: five customers over five months that
produce every MRR movement (new, expansion, contraction, churned with 0-rows, reactivated),
a late event counted in its event month, and a dirty negative fee counted nowhere."""

import datetime as dt
import hashlib

import polars as pl
import pytest
from dagster import Failure

from customer_platform.gold.base import run_gold_sql
from customer_platform.gold.revenue import (
    AGG_MRR,
    AGG_MRR_SUMMARY,
    FACT_BILLING,
    amount_sign_result,
    identity_result,
    run_agg_mrr,
)

from .conftest import silver_lineage

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
#: each month's rows are written on the next month's first day (its late rows are in by then)
CLOSING_DAYS = [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1)]
MONTH_ENDS = [d - dt.timedelta(days=1) for d in CLOSING_DAYS]
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


def load_upstream(tiny) -> None:
    tiny.put("silver.stg_bil_billing_events", [
        {"billing_event_id": i, "customer_id": c, "user_id": u, "event_type": t, "amount": a,
         "currency": "USD", "event_date": e, "plan_type": "Pro" if u else None,
         **silver_lineage(r, e)} for i, c, u, t, a, e, r in EVENTS])
    tiny.put("gold.dim_customer", [{"customer_key": key("customer", c)} for c in CUSTOMERS])
    tiny.put("gold.dim_user", [{"user_key": key("user", "U0000001")}])
    tiny.put("gold.dim_billing_event_type", [{"billing_event_type_key": key("billing_event_type",
                                                                            t)}
                                             for t in (FEE, RENEWAL, ADDON, REFUND)])
    days = [D(2026, 1, 1) + dt.timedelta(n) for n in range(160)]
    tiny.put("gold.dim_date", [{"date_key": int(d.strftime("%Y%m%d"))} for d in days])


@pytest.fixture
def warehouse(tiny):
    load_upstream(tiny)
    for day in RECEIVED:
        tiny.run(FACT_BILLING, day)
    return tiny


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


def test_fact_billing_checks(warehouse):
    _, results = run_gold_sql(warehouse.resource, FACT_BILLING, D(2026, 1, 20))
    assert {r.check_name: r.passed for r in results} == {
        "pandera_schema": True, "fk_customer_key": True, "fk_user_key": True,
        "fk_billing_event_type_key": True, "fk_event_date_key": True}
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
        (d.strftime("%Y-%m"), d + dt.timedelta(days=1)) for d in MONTH_ENDS}
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
    run_months(warehouse, [D(2026, 4, 1), D(2026, 3, 1)])  # re-run out of order
    assert run_months(warehouse, []).equals(before)


def test_a_missing_previous_month_fails_rather_than_calling_everyone_new(warehouse):
    run_months(warehouse, CLOSING_DAYS[:1])
    with pytest.raises(Failure, match="closing partition 2026-03-01 of 2026-02 is missing"):
        run_agg_mrr(warehouse.resource, AGG_MRR, D(2026, 4, 1))


def test_a_month_begun_before_the_first_partition_is_not_closed(warehouse, monkeypatch):
    monkeypatch.setenv("CUSTOMER_PLATFORM_PARTITION_START", "2026-01-15")
    assert run_agg_mrr(warehouse.resource, AGG_MRR, D(2026, 2, 1))[0] == 0  # January: partial
    run_months(warehouse, [D(2026, 3, 1)])  # February: the opening balance, everyone new
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
    day = D(2026, 3, 1)  # February's partition
    assert identity_result(warehouse.resource, "agg_mrr", day).passed
    # break one row: an expansion that does not add up to the change
    warehouse.execute("UPDATE gold.agg_mrr SET expansion_mrr = 70 WHERE load_date = ? "
                      "AND customer_id = 'C0000001'", [day])
    result = identity_result(warehouse.resource, "agg_mrr", day)
    assert not result.passed and result.metadata["failing_rows"].value == 1
    assert "'expansion_mrr': 70.0" in result.metadata["failure_sample"].value
    # two movements on one row fail too, even when they add up
    day = D(2026, 4, 1)  # March's
    warehouse.execute("UPDATE gold.agg_mrr SET new_mrr = 10, expansion_mrr = 0, "
                      "contraction_mrr = 40 WHERE load_date = ? AND customer_id = 'C0000001'",
                      [day])
    assert identity_result(warehouse.resource, "agg_mrr", day).metadata[
        "failing_rows"].value == 1
