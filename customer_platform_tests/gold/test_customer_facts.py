"""The customer-domain facts: exact rows from hand-made silver rows, stable keys, late rows
keeping their business day, PII tags, and the foreign-key check catching orphans."""

import datetime as dt

import pytest

from customer_platform.gold.base import ensure_table, run_gold_sql, run_gold_sql_days
from customer_platform.gold.billing.fact_invoice import FACT_INVOICE
from customer_platform.gold.commerce.fact_order import FACT_ORDER
from customer_platform.gold.commerce.fact_order_line import FACT_ORDER_LINE
from customer_platform.gold.marketing.fact_campaign_target import FACT_CAMPAIGN_TARGET
from customer_platform.gold.services.fact_network_usage import FACT_NETWORK_USAGE
from customer_platform.gold.services.fact_service_assignment import FACT_SERVICE_ASSIGNMENT
from customer_platform.gold.sql import sk
from customer_platform.gold.support.agg_ticket_resolution import AGG_TICKET_RESOLUTION
from customer_platform.gold.support.fact_support_ticket import FACT_SUPPORT_TICKET

from .conftest import rejected, silver_lineage, undelivered

D = dt.date(2026, 1, 5)
D_1 = dt.date(2026, 1, 4)
TABLES = [FACT_INVOICE, FACT_SERVICE_ASSIGNMENT, FACT_SUPPORT_TICKET, FACT_CAMPAIGN_TARGET,
          FACT_NETWORK_USAGE, FACT_ORDER, FACT_ORDER_LINE, AGG_TICKET_RESOLUTION]


def key(tiny, entity, *values):
    return tiny.read(f"SELECT {sk(entity, *[repr(v) for v in values])} AS k")["k"][0]


def stub(tiny, table, column, *sql_values):
    """A gold table holding just the keys the foreign-key checks look up."""
    tiny.execute("CREATE SCHEMA IF NOT EXISTS gold")
    values = ", ".join(f"({v})" for v in sql_values)
    tiny.execute(f"CREATE OR REPLACE TABLE gold.{table} AS SELECT * FROM (VALUES {values}) "
                 f"AS t({column})")


@pytest.fixture
def dims(tiny):
    stub(tiny, "dim_customer", "customer_key", sk("customer", "'C0000001'"))
    stub(tiny, "dim_service", "service_key", sk("service", "'S001'"))
    stub(tiny, "dim_campaign", "campaign_key", sk("campaign", "'CMP000001'"))
    stub(tiny, "dim_support_ticket", "support_ticket_key", sk("support_ticket", "'T000000001'"))
    stub(tiny, "dim_product", "product_key", sk("product", "'PRD001'"))
    stub(tiny, "dim_date", "date_key", 20260104, 20260105)
    return tiny


def run_checked(tiny, table, day):
    """Run a day and assert every check passed (types, key unique, foreign keys)."""
    _, results = run_gold_sql(tiny.resource, table, day)
    assert [r.check_name for r in results if not r.passed] == []
    return tiny.read(f"SELECT * FROM gold.{table.name} WHERE load_date = ?", [day])


def test_every_fact_declares_grain_sources_and_date_fk():
    for table in TABLES:
        assert table.grain, table.name
        if table.kind == "fact":
            fks = {(fk.column, fk.table) for fk in table.foreign_keys}
            assert ("event_date_key", "dim_date") in fks, table.name
            assert {f"gold.{fk.table}" for fk in table.foreign_keys} <= set(table.sources)


def test_service_assignment_start_and_late_end(dims):
    base = {"assignment_id": "SA000000001", "customer_id": "C0000001", "service_id": "S001",
            "start_date": dt.date(2025, 12, 1)}
    dims.put("silver.stg_prv_service_assignments", [
        {**base, "end_date": None, "status": "Active",
         "updated_at": dt.datetime(2026, 1, 5, 9), **silver_lineage(D)},
        # received on D, happened on D-1 ... for a second assignment
        {**base, "assignment_id": "SA000000002", "end_date": dt.date(2026, 1, 4),
         "status": "Ended", "updated_at": dt.datetime(2026, 1, 4, 23),
         **silver_lineage(D, D_1)},
    ])
    rows = run_checked(dims, FACT_SERVICE_ASSIGNMENT, D)
    again = run_checked(dims, FACT_SERVICE_ASSIGNMENT, D)
    assert rows.equals(again)  # a rerun replaces the day with the same rows and keys
    out = rows.sort("assignment_id").select(
        "service_assignment_key", "customer_key", "service_key", "event_date", "event_date_key",
        "status", "is_active", "days_active", "update_date", "source_system").rows()
    ck, svc = key(dims, "customer", "C0000001"), key(dims, "service", "S001")
    assert out == [
        (key(dims, "service_assignment", "SA000000001"), ck, svc, D, 20260105, "Active", True,
         None, D, "provisioning"),
        (key(dims, "service_assignment", "SA000000002"), ck, svc, D_1, 20260104, "Ended", False,
         34, D_1, "provisioning"),
    ]


TICKET = {"ticket_id": "T000000001", "customer_id": "C0000001", "user_id": "U00000001",
          "priority": "High", "channel_of_contact": "Chat", "category": "Software",
          "ticket_type": "Technical Issue", "subject": "App crashes", "description": None,
          "opened_at": dt.datetime(2026, 1, 4, 8)}


def test_support_ticket_one_row_per_status_change_with_hours(dims):
    dims.put("silver.stg_sup_tickets", [
        {**TICKET, "status": "In Progress", "agent_name": "Bo Li",
         "first_response_at": dt.datetime(2026, 1, 4, 9, 30), "resolved_at": None,
         "satisfaction_score": None, "updated_at": dt.datetime(2026, 1, 4, 9, 30),
         **silver_lineage(D, D_1)},
        {**TICKET, "status": "Resolved", "agent_name": "Bo Li",
         "first_response_at": dt.datetime(2026, 1, 4, 9, 30),
         "resolved_at": dt.datetime(2026, 1, 5, 2), "satisfaction_score": 5,
         "updated_at": dt.datetime(2026, 1, 5, 2), **silver_lineage(D)},
    ])
    rows = run_checked(dims, FACT_SUPPORT_TICKET, D).sort("source_updated_at")
    assert rows.select("support_ticket_key", "customer_key", "event_date", "event_date_key",
                       "status", "open_date", "first_response_hours", "resolution_hours",
                       "satisfaction_score", "update_date", "source_system").rows() == [
        (key(dims, "support_ticket", "T000000001"), key(dims, "customer", "C0000001"), D_1,
         20260104, "In Progress", D_1, 1.5, None, None, D_1, "support"),
        (key(dims, "support_ticket", "T000000001"), key(dims, "customer", "C0000001"), D,
         20260105, "Resolved", D_1, 1.5, 18.0, 5, D, "support"),
    ]
    # two changes of one ticket in one partition: the grain includes the change time
    assert rows["support_ticket_event_key"].n_unique() == 2
    assert FACT_SUPPORT_TICKET.model.to_schema().columns["agent_name"].metadata["pii"] == \
        "personal_identifier"


def test_campaign_target_funnel_stage(dims):
    base = {"target_id": "TG000000001", "campaign_id": "CMP000001", "customer_id": "C0000001",
            "sent_date": dt.date(2026, 1, 1)}
    dims.put("silver.stg_mkt_campaign_targets", [
        {**base, "opened_date": dt.date(2026, 1, 2), "responded_date": None,
         "converted_date": None, "updated_at": dt.datetime(2026, 1, 4, 20),
         **silver_lineage(D, D_1)},
        {**base, "opened_date": dt.date(2026, 1, 2), "responded_date": dt.date(2026, 1, 5),
         "converted_date": dt.date(2026, 1, 5), "updated_at": dt.datetime(2026, 1, 5, 8),
         **silver_lineage(D)},
    ])
    rows = run_checked(dims, FACT_CAMPAIGN_TARGET, D).sort("source_updated_at")
    assert rows.select("campaign_target_key", "campaign_key", "event_date", "response_stage",
                       "is_opened", "is_converted", "days_to_convert",
                       "source_system").rows() == [
        (key(dims, "campaign_target", "TG000000001"), key(dims, "campaign", "CMP000001"), D_1,
         "Opened", True, False, None, "marketing"),
        (key(dims, "campaign_target", "TG000000001"), key(dims, "campaign", "CMP000001"), D,
         "Converted", True, True, 4, "marketing"),
    ]


def test_network_usage_rates_and_late_day(dims):
    base = {"customer_id": "C0000001", "service_id": "S001", "data_volume_mb": 1500.0,
            "minutes": None}
    dims.put("silver.stg_net_daily_usage", [
        {**base, "usage_date": D, "sessions": 40, "dropped_sessions": 2, "outage_minutes": 0,
         **silver_lineage(D)},
        {**base, "usage_date": D_1, "sessions": 0, "dropped_sessions": 0, "outage_minutes": 15,
         **silver_lineage(D, D_1)},
    ])
    rows = run_checked(dims, FACT_NETWORK_USAGE, D).sort("event_date")
    assert rows.select("network_usage_key", "event_date", "event_date_key", "drop_rate",
                       "had_outage", "update_date", "source_system").rows() == [
        (key(dims, "network_usage", "2026-01-04", "C0000001", "S001"), D_1, 20260104, None, True,
         D, "network"),
        (key(dims, "network_usage", "2026-01-05", "C0000001", "S001"), D, 20260105, 0.05, False,
         D, "network"),
    ]


def test_orders_and_lines_join_on_keys_and_find_the_band(dims):
    dims.put("silver.stg_com_orders", [
        {"order_id": "ORD000000001", "customer_id": "C0000001", "order_date": D,
         "order_status": "Completed", "order_channel": None, "total_amount": 1368.0,
         "currency": "USD", "updated_at": dt.datetime(2026, 1, 5, 11), **silver_lineage(D)}])
    dims.put("silver.stg_cat_discount_bands", [
        {"band_code": b, "min_quantity": lo, "max_quantity": hi, "discount_pct": pct,
         "updated_at": dt.datetime(2025, 1, 1), **silver_lineage(D)}
        for b, lo, hi, pct in [("A", 1, 9, 0.0), ("B", 10, 49, 0.05), ("E", 50, None, 0.2)]])
    dims.put("silver.stg_com_order_lines", [
        {"order_line_id": "OL0000000001", "order_id": "ORD000000001", "order_date": D,
         "product_id": "PRD001", "quantity": 12, "unit_price": 100.0, "discount_pct": 0.05,
         "line_amount": 1140.0, **silver_lineage(D)},
        {"order_line_id": "OL0000000002", "order_id": "ORD000000001", "order_date": D,
         "product_id": "PRD001", "quantity": 60, "unit_price": 4.75, "discount_pct": 0.2,
         "line_amount": 228.0, **silver_lineage(D)}])
    order = run_checked(dims, FACT_ORDER, D)
    assert order.select("order_key", "customer_key", "event_date_key", "is_completed",
                        "order_channel", "update_date", "source_system").rows() == [
        (key(dims, "order", "ORD000000001"), key(dims, "customer", "C0000001"), 20260105, True,
         None, D, "commerce")]
    lines = run_checked(dims, FACT_ORDER_LINE, D).sort("order_line_id")  # order_key FK passes
    assert lines.select("order_line_key", "order_key", "product_key", "discount_band",
                        "gross_amount", "discount_amount", "line_amount").rows() == [
        (key(dims, "order_line", "OL0000000001"), key(dims, "order", "ORD000000001"),
         key(dims, "product", "PRD001"), "B", 1200.0, 60.0, 1140.0),
        (key(dims, "order_line", "OL0000000002"), key(dims, "order", "ORD000000001"),
         key(dims, "product", "PRD001"), "E", 285.0, 57.0, 228.0)]


def test_foreign_key_check_catches_a_customer_missing_from_dim_customer(dims):
    base = {"customer_id": "C0000001", "order_date": D, "order_status": "Completed",
            "order_channel": "Online", "total_amount": 10.0, "currency": "USD",
            "updated_at": dt.datetime(2026, 1, 5, 11), **silver_lineage(D)}
    dims.put("silver.stg_com_orders", [
        {**base, "order_id": "ORD000000001"},
        {**base, "order_id": "ORD000000002", "customer_id": "C0009999"}])  # not a customer
    _, results = run_gold_sql(dims.resource, FACT_ORDER, D)
    by_name = {r.check_name: r for r in results}
    assert by_name["pandera_schema"].passed and by_name["fk_event_date_key"].passed
    fk = by_name["fk_customer_key"]
    assert not fk.passed
    assert fk.metadata["orphan_rows"].value == 1
    assert fk.metadata["orphan_keys_sample"].value == [key(dims, "customer", "C0009999")]


def test_a_ranges_foreign_key_verdicts_are_each_days_own(dims):
    """Over a range the foreign keys are checked in one query; each day keeps the verdict,
    counts and sample it gets when run alone."""
    base = {"order_status": "Completed", "order_channel": "Online", "total_amount": 10.0,
            "currency": "USD"}
    dims.put("silver.stg_com_orders", [
        {**base, "order_id": f"ORD00000000{n}", "customer_id": customer, "order_date": day,
         "updated_at": dt.datetime.combine(day, dt.time(11)), **silver_lineage(day)}
        for n, (customer, day) in enumerate([("C0000001", D_1), ("C0009999", D_1),
                                             ("C0009998", D_1), ("C0000001", D)])])
    ranged = dict(run_gold_sql_days(dims.resource, FACT_ORDER, [D_1, D]))
    for day, orphans in ((D_1, 2), (D, 0)):
        _, results = ranged[day]
        fk = {r.check_name: r for r in results}["fk_customer_key"]
        assert (fk.passed, fk.metadata["orphan_rows"].value) == (orphans == 0, orphans)
        _, alone = run_gold_sql(dims.resource, FACT_ORDER, day)
        assert [(r.check_name, r.passed, r.metadata) for r in results] == [
            (r.check_name, r.passed, r.metadata) for r in alone]
    assert fk_sample(ranged[D_1]) == sorted(key(dims, "customer", c)
                                            for c in ("C0009998", "C0009999"))


def fk_sample(done) -> list:
    _, results = done
    return {r.check_name: r for r in results}["fk_customer_key"].metadata[
        "orphan_keys_sample"].value


def _band(code: str, low: int, high: int | None, pct: float, day: dt.date) -> dict:
    return {"band_code": code, "min_quantity": low, "max_quantity": high, "discount_pct": pct,
            "updated_at": dt.datetime(2025, 1, 1), **silver_lineage(day)}


def _banded_lines(dims, *quantities: int):
    """fact_order_line of D for one order line of each quantity, ordered by quantity."""
    dims.put("silver.stg_com_order_lines", [
        {"order_line_id": f"OL000000000{n}", "order_id": "ORD000000001", "order_date": D,
         "product_id": "PRD001", "quantity": q, "unit_price": 10.0, "discount_pct": None,
         "line_amount": 10.0 * q, **silver_lineage(D)} for n, q in enumerate(quantities)])
    with dims.resource.get_connection() as con:
        ensure_table(con, FACT_ORDER)  # the lines' order header is not this test's concern
    run_gold_sql(dims.resource, FACT_ORDER_LINE, D)
    return dims.read("SELECT * FROM gold.fact_order_line ORDER BY quantity")


def test_a_rejected_band_row_is_carried_forward_or_marked_unknown(dims):
    """On D band B's row is rejected (its D-1 row is carried, flagged) and band E's row too,
    with no good row in the 7 days before (its last is D-9): a line of 60 units is in an
    unknown band, not in none; lines of 5 and 12 units are in A (delivered) and B (carried)."""
    d_9 = D - dt.timedelta(days=9)
    dims.put("silver.stg_cat_discount_bands", [
        _band("E", 50, None, 0.2, d_9), _band("A", 1, 9, 0.0, D_1), _band("B", 10, 49, 0.05, D_1),
        _band("A", 1, 9, 0.0, D)])
    dims.put("silver.stg_cat_discount_bands_rejects", [
        rejected("stg_cat_discount_bands", {"band_code": " b", "min_quantity": "10",
                                            "max_quantity": "49", "discount_pct": "-1"}, D),
        rejected("stg_cat_discount_bands", {"band_code": "E", "min_quantity": "50",
                                            "discount_pct": "x"}, D, row=2)])
    lines = _banded_lines(dims, 5, 12, 60)
    assert lines.select("quantity", "discount_band", "discount_band_carried_from",
                        "is_discount_band_unknown").rows() == [
        (5, "A", None, False), (12, "B", D_1, False), (60, None, None, True)]


def test_a_band_max_quantity_not_delivered_is_carried_else_the_band_is_unknown(dims):
    """D's bands file lacks max_quantity. D-2 delivered A (1-9) and B (10-49): carried, so 5
    units are in A and 30 in B (read as open-ended, every band would hold 30 and A would
    win). C (from 50) has no delivered max: 60 units are at least its minimum, their band
    unknown, not C nor none."""
    d_2 = D - dt.timedelta(days=2)
    dims.put("silver.stg_cat_discount_bands", [_band("A", 1, 9, 0.0, d_2),
                                               _band("B", 10, 49, 0.05, d_2)])
    dims.put("silver.stg_cat_discount_bands", undelivered(
        [_band("A", 1, None, 0.0, D), _band("B", 10, None, 0.05, D),
         _band("C", 50, None, 0.1, D)], "max_quantity"))
    lines = _banded_lines(dims, 5, 30, 60)
    assert lines.select("quantity", "discount_band", "is_discount_band_unknown").rows() == [
        (5, "A", False), (30, "B", False), (60, None, True)]


# -- columns a file did not deliver are unknown, not empty (gold/completeness.py) ----------


TARGET = {"target_id": "TG000000001", "campaign_id": "CMP000001", "customer_id": "C0000001",
          "sent_date": dt.date(2026, 1, 1)}


def test_campaign_target_flags_are_unknown_when_their_dates_were_not_delivered(dims):
    """D's file lacks opened_date and converted_date. TG1 responded on D: stage Responded is
    unknown (a conversion may have come), is_responded TRUE, is_opened / is_converted unknown.
    TG2 shows nothing delivered: neither 'not opened' nor stage Sent. D-1's late row came in
    a full file: TG3 only sent, known (stage Sent, every flag FALSE)."""
    dims.put("silver.stg_mkt_campaign_targets", undelivered([
        {**TARGET, "responded_date": D, "updated_at": dt.datetime(2026, 1, 5, 9),
         **silver_lineage(D)},
        {**TARGET, "target_id": "TG000000002", "responded_date": None,
         "updated_at": dt.datetime(2026, 1, 5, 10), **silver_lineage(D)},
    ], "opened_date", "converted_date"))
    dims.put("silver.stg_mkt_campaign_targets", [
        {**TARGET, "target_id": "TG000000003", "opened_date": None, "responded_date": None,
         "converted_date": None, "updated_at": dt.datetime(2026, 1, 4, 9),
         **silver_lineage(D, D_1), "_missing_columns": None}])
    rows = run_checked(dims, FACT_CAMPAIGN_TARGET, D).sort("target_id")
    assert rows.select("target_id", "response_stage", "is_opened", "is_responded",
                       "is_converted", "undelivered_columns").rows() == [
        ("TG000000001", None, None, True, None, "opened_date,converted_date"),
        ("TG000000002", None, None, False, None, "opened_date,converted_date"),
        ("TG000000003", "Sent", False, False, False, None),
    ]


def test_campaign_target_stage_is_known_when_the_furthest_step_was_delivered(dims):
    """A delivered conversion settles the stage even though opened_date was not delivered."""
    dims.put("silver.stg_mkt_campaign_targets", undelivered([
        {**TARGET, "responded_date": D, "converted_date": D,
         "updated_at": dt.datetime(2026, 1, 5, 9), **silver_lineage(D)}], "opened_date"))
    row = run_checked(dims, FACT_CAMPAIGN_TARGET, D).to_dicts()[0]
    assert (row["response_stage"], row["is_opened"], row["is_converted"],
            row["days_to_convert"]) == ("Converted", None, True, 4)


INVOICE = {"customer_id": "C0000001", "invoice_date": dt.date(2025, 12, 1),
           "due_date": dt.date(2025, 12, 31), "amount": 100.0, "currency": "USD"}


def test_an_invoice_paid_in_a_file_without_paid_date_has_an_unknown_payment_day(dims):
    """INV1 paid on D in a file lacking paid_date: paid, day unknown, so neither late nor on
    time (days_to_pay and is_late_payment empty) and flagged. INV2, paid late (2026-01-03,
    33 days after issue) in a full file on D-1, is known."""
    dims.put("silver.stg_bil_invoices", undelivered([
        {**INVOICE, "invoice_id": "INV0000001", "paid_status": "Paid",
         "updated_at": dt.datetime(2026, 1, 5, 9), **silver_lineage(D)}], "paid_date"))
    dims.put("silver.stg_bil_invoices", [
        {**INVOICE, "invoice_id": "INV0000002", "paid_status": "Paid",
         "paid_date": dt.date(2026, 1, 3), "updated_at": dt.datetime(2026, 1, 3, 9),
         **silver_lineage(D_1), "_missing_columns": None}])
    for day in (D_1, D):
        run_checked(dims, FACT_INVOICE, day)
    rows = dims.read("SELECT invoice_id, paid_status, paid_date, days_to_pay, is_late_payment, "
                     "undelivered_columns FROM gold.fact_invoice ORDER BY invoice_id").rows()
    assert rows == [
        ("INV0000001", "Paid", None, None, None, "paid_date"),
        ("INV0000002", "Paid", dt.date(2026, 1, 3), 33, True, None),
    ]
