"""``customer-platform sql``: the SQL it prints for a partition runs as it is and returns the
rows ``run_gold_sql`` writes for that partition (a fact, an SCD2 versions table, an aggregate
over the first-partition setting, an analytics table), and an unknown table is one line
naming the close matches, exit code 2."""

import datetime as dt

import polars as pl
import pytest

from customer_platform.gold.base import ensure_table, run_gold_sql
from customer_platform.tools.cli import main
from customer_platform.tools.partition_sql import find_table

from .conftest import silver_lineage

D1 = dt.date(2026, 1, 4)
D = dt.date(2026, 1, 5)


def printed_sql(capsys, name: str, day: dt.date) -> str:
    capsys.readouterr()
    assert main(["sql", name, "--day", day.isoformat()]) == 0
    return capsys.readouterr().out


def sorted_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def same_rows_as_the_run(tiny, capsys, name: str, day: dt.date) -> pl.DataFrame:
    """Run the printed SQL (before the write, as the step would), then the step itself, and
    compare the two with the stored partition."""
    table = find_table(name)
    printed = tiny.read(printed_sql(capsys, name, day))
    run_gold_sql(tiny.resource, table, day)
    stored = tiny.read(f"SELECT * FROM gold.{table.name} WHERE load_date = ?", [day])
    assert printed.columns == stored.columns
    assert printed.schema == stored.schema
    assert sorted_rows(printed).equals(sorted_rows(stored))
    return printed


def fk_targets(tiny, *tables: str) -> None:
    """Empty gold tables the foreign-key checks look keys up in (orphans only warn here)."""
    tiny.execute("CREATE SCHEMA IF NOT EXISTS gold")
    for table in tables:
        tiny.execute(f"CREATE TABLE IF NOT EXISTS gold.{table} (customer_key VARCHAR, "
                     "support_ticket_key VARCHAR, date_key INTEGER)")


def test_a_fact(tiny, capsys):
    fk_targets(tiny, "dim_customer", "dim_date")
    base = {"customer_id": "C0000001", "order_date": D, "order_status": "Completed",
            "order_channel": "Online", "total_amount": 10.0, "currency": "USD",
            "updated_at": dt.datetime(2026, 1, 5, 11)}
    tiny.put("silver.stg_com_orders", [
        {**base, "order_id": "ORD000000001", **silver_lineage(D)},
        {**base, "order_id": "ORD000000002", "order_status": "Cancelled", "order_channel": None,
         **silver_lineage(D, D1)},  # late: keeps its business day
        {**base, "order_id": "ORD000000003", **silver_lineage(D1)},  # another partition
    ])
    rows = same_rows_as_the_run(tiny, capsys, "gold.fact_order", D)
    assert sorted(rows["order_id"]) == ["ORD000000001", "ORD000000002"]


def test_an_scd2_versions_table(tiny, capsys):
    base = {"service_id": "S001", "service_type": "Internet", "monthly_cost": 49.99,
            "currency": "USD", "active_flag": True}
    tiny.put("silver.stg_prv_service_catalogue", [
        {**base, "service_name": "Fiber 100", "updated_at": dt.datetime(2025, 6, 1),
         **silver_lineage(D1)},
        {**base, "service_name": "Fiber Plus", "updated_at": dt.datetime(2026, 1, 5, 3),
         **silver_lineage(D)},
    ])
    same_rows_as_the_run(tiny, capsys, "dim_service_versions", D1)
    rows = same_rows_as_the_run(tiny, capsys, "dim_service_versions", D)
    assert rows["service_name"].to_list() == ["Fiber Plus"]


def test_an_aggregate_bounded_by_the_first_partition(tiny, capsys, monkeypatch):
    """agg_ticket_resolution reads ``$first_day``: a period starting before the first
    partition is flagged incomplete."""
    monkeypatch.setenv("CUSTOMER_PLATFORM_PARTITION_START", "2025-12-20")
    fk_targets(tiny, "dim_customer", "dim_support_ticket", "dim_date")

    def resolved(ticket: str, day: dt.date, hours: int) -> dict:
        at = dt.datetime.combine(day, dt.time(12))
        return {"ticket_id": ticket, "customer_id": "C0000001", "user_id": None,
                "priority": "Low", "status": "Resolved", "channel_of_contact": "Web",
                "category": "Software", "ticket_type": "Technical Issue", "subject": "s",
                "description": None, "agent_name": "Bo Li",
                "opened_at": at - dt.timedelta(hours=hours), "first_response_at": None,
                "resolved_at": at, "satisfaction_score": None, "updated_at": at,
                **silver_lineage(day)}

    tiny.put("silver.stg_sup_tickets", [resolved("T000000001", D1, 4),
                                        resolved("T000000002", dt.date(2025, 12, 10), 9),
                                        resolved("T000000003", dt.date(2025, 12, 22), 6)])
    fact = find_table("fact_support_ticket")
    for day in (dt.date(2025, 12, 10), dt.date(2025, 12, 22), D1):
        run_gold_sql(tiny.resource, fact, day)
    sql = printed_sql(capsys, "agg_ticket_resolution", D)
    assert "$" not in sql and "DATE '2025-12-20'" in sql
    rows = same_rows_as_the_run(tiny, capsys, "agg_ticket_resolution", D)
    technical = {r["period_type"]: (r["resolved_tickets"], r["is_complete"])
                 for r in rows.filter(pl.col("ticket_type") == "Technical Issue").to_dicts()}
    # the 30 days ending D - 1 begin on 2025-12-06, before the first partition
    assert technical == {"Daily": (1, True), "Weekly": (1, True), "Monthly": (3, False)}


def test_an_analytics_table(tiny, capsys):
    segments = find_table("customer_segments")
    with tiny.resource.get_connection() as con:
        ensure_table(con, segments)
    base = {"load_date": D, "update_date": D, "source_system": "analytics",
            "traditional_segment": "SMB", "value_segment": "High Value",
            "behavioural_segment": "Engaged", "lifecycle_segment": "Mature",
            "churned_last_30d": False, "monthly_churn_probability": 0.02,
            "net_revenue_30d": 10.0, "net_revenue_365d": 120.0, "completed_orders_365d": 2,
            "order_value_365d": 80.0, "predictive_clv": 500.0, "value_at_risk": 10.0}
    tiny.put("gold.customer_segments", [
        {**base, "customer_key": "k1", "customer_id": "C0000001", "status": "Active"},
        {**base, "customer_key": "k2", "customer_id": "C0000002", "status": "Churned",
         "churned_last_30d": True, "lifecycle_segment": "Churned", "value_at_risk": 40.0},
        {**base, "customer_key": "k3", "customer_id": "C0000003", "status": "Active",
         "load_date": D1},  # another day
    ])
    rows = same_rows_as_the_run(tiny, capsys, "segment_summary", D)
    assert rows.filter(pl.col("scheme") == "traditional")["customers"].to_list() == [2]


def test_an_unknown_table_is_one_line_naming_the_close_ones(capsys):
    assert main(["sql", "gold.fact_ordr", "--day", "2026-01-05"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "gold.fact_ordr" in lines[0] and "fact_order" in lines[0]


@pytest.mark.parametrize("name", ["churn_model", "process_audit_log"])
def test_a_table_python_writes_has_no_sql_to_print(capsys, name):
    assert main(["sql", name, "--day", "2026-01-05"]) == 2
    assert "no SQL" in capsys.readouterr().err
