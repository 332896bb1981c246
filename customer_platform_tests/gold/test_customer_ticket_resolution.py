"""agg_ticket_resolution against a hand-computed fixture: average resolution hours by ticket
type for the Daily, Weekly (7 days) and Monthly (30 days) windows ending on D, counted on the
business day of the resolution, written in partition D+1 (the day D's late rows arrive)."""

import datetime as dt

from customer_platform.gold.metrics import Metric
from customer_platform.gold.support.agg_ticket_resolution import AGG_TICKET_RESOLUTION, METRICS
from customer_platform.gold.support.fact_support_ticket import FACT_SUPPORT_TICKET

from .conftest import silver_lineage, undelivered

D = dt.date(2026, 3, 31)  # the periods' last day
PARTITION = D + dt.timedelta(days=1)  # the partition that holds them


def days_before(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def resolved(ticket, ticket_type, resolved_day, hours, received=None, status="Resolved"):
    """A status change resolving ``ticket`` on ``resolved_day`` after ``hours`` hours."""
    resolved_at = dt.datetime.combine(resolved_day, dt.time(12))
    return {"ticket_id": ticket, "customer_id": "C0000001", "user_id": None,
            "priority": "Low", "status": status, "channel_of_contact": "Web",
            "category": "Software", "ticket_type": ticket_type, "subject": "s",
            "description": None, "agent_name": "Bo Li",
            "opened_at": resolved_at - dt.timedelta(hours=hours),
            "first_response_at": resolved_at - dt.timedelta(hours=hours / 2),
            "resolved_at": resolved_at, "satisfaction_score": None, "updated_at": resolved_at,
            **silver_lineage(received or resolved_day, resolved_day)}


TECH, BILL, FEAT = "Technical Issue", "Billing Question", "Feature Request"
ROWS = [
    resolved("T000000001", TECH, D, 4),
    resolved("T000000002", TECH, days_before(1), 10, received=D),  # late: counts on D-1
    resolved("T000000003", TECH, days_before(6), 1),  # last day of the weekly window
    resolved("T000000004", TECH, days_before(7), 100),  # monthly only
    resolved("T000000005", BILL, days_before(29), 8),  # first day of the monthly window
    resolved("T000000006", BILL, days_before(30), 1000),  # outside every window
    resolved("T000000007", BILL, D, 2, status="Closed"),  # not a Resolved change
    # received the day after D: still counted on its business day D (partition D+1 reads it)
    resolved("T000000008", FEAT, D, 3, received=PARTITION),
    # resolved on the partition day itself: not settled yet, in the next partition's periods
    resolved("T000000009", FEAT, PARTITION, 50),
]

EXPECTED = {  # (ticket type, period) -> (resolved tickets, average hours), by hand
    (TECH, "Daily"): (1, 4.0),
    (TECH, "Weekly"): (3, 5.0),  # (4 + 10 + 1) / 3
    (TECH, "Monthly"): (4, 28.75),  # (4 + 10 + 1 + 100) / 4
    (BILL, "Daily"): (0, None),
    (BILL, "Weekly"): (0, None),
    (BILL, "Monthly"): (1, 8.0),
    (FEAT, "Daily"): (1, 3.0),
    (FEAT, "Weekly"): (1, 3.0),
    (FEAT, "Monthly"): (1, 3.0),
}


def load_tickets(tiny) -> None:
    """The ticket changes above through fact_support_ticket, every day they were received."""
    tiny.put("silver.stg_sup_tickets", ROWS)
    tiny.execute("CREATE SCHEMA gold")
    for table in ("dim_customer", "dim_support_ticket", "dim_date"):  # FK targets, unchecked
        tiny.execute(f"CREATE TABLE gold.{table} (customer_key VARCHAR, "
                     "support_ticket_key VARCHAR, date_key INTEGER)")
    for day in sorted({row["_partition_date"] for row in ROWS}):
        tiny.run(FACT_SUPPORT_TICKET, day)


def test_average_resolution_hours_by_type_and_period(tiny):
    load_tickets(tiny)
    out = tiny.run(AGG_TICKET_RESOLUTION, PARTITION)
    got = {(r["ticket_type"], r["period_type"]): (r["resolved_tickets"],
                                                  r["avg_resolution_hours"])
           for r in out.iter_rows(named=True)}
    assert got == EXPECTED
    starts = {r["period_type"]: r["period_start"] for r in out.iter_rows(named=True)}
    assert starts == {"Daily": D, "Weekly": days_before(6), "Monthly": days_before(29)}
    assert set(out["period_end"]) == {D} and set(out["source_system"]) == {"support"}
    assert set(out["load_date"]) == {PARTITION}
    # a rerun of the day gives the same rows
    assert tiny.run(AGG_TICKET_RESOLUTION, PARTITION).sort("ticket_type", "period_type").equals(
        out.sort("ticket_type", "period_type"))


def test_a_ticket_resolved_twice_in_the_window_counts_once(tiny):
    first = resolved("T000000001", TECH, days_before(2), 10)
    again = {**resolved("T000000001", TECH, D, 20), "opened_at": first["opened_at"]}
    again["resolved_at"] = again["updated_at"] = first["opened_at"] + dt.timedelta(hours=70)
    tiny.put("silver.stg_sup_tickets", [first, again])
    tiny.execute("CREATE SCHEMA gold")
    for table in ("dim_customer", "dim_support_ticket", "dim_date"):
        tiny.execute(f"CREATE TABLE gold.{table} (customer_key VARCHAR, "
                     "support_ticket_key VARCHAR, date_key INTEGER)")
    for day in (days_before(2), D):
        tiny.run(FACT_SUPPORT_TICKET, day)
    out = tiny.run(AGG_TICKET_RESOLUTION, PARTITION)
    weekly = out.filter(ticket_type=TECH, period_type="Weekly")
    assert weekly.select("resolved_tickets", "avg_resolution_hours").rows() == [(1, 70.0)]


def no_tickets_table(tiny):
    """The gold schema with the foreign-key targets of fact_support_ticket (unchecked)."""
    tiny.execute("CREATE SCHEMA gold")
    for table in ("dim_customer", "dim_support_ticket", "dim_date"):
        tiny.execute(f"CREATE TABLE gold.{table} (customer_key VARCHAR, "
                     "support_ticket_key VARCHAR, date_key INTEGER)")


def test_a_resolution_whose_time_was_not_delivered_counts_as_resolved_time_unknown(tiny):
    """D's tickets file lacks resolved_at. T10's resolution counts, its time unknown; T11 was
    resolved after 6 h on D-2 and again on D: counted once, on D, with the 6 h of its last
    delivery; T12's Open change is no resolution; T13 is an ordinary resolution (8 h)."""
    earlier = resolved("T000000011", TECH, days_before(2), 6)
    on_d = undelivered([
        resolved("T000000010", TECH, D, 5),
        {**resolved("T000000011", TECH, D, 1), "opened_at": earlier["opened_at"]},
        resolved("T000000012", BILL, D, 1, status="Open"),
    ], "resolved_at")
    tiny.put("silver.stg_sup_tickets", [earlier, *on_d, resolved("T000000013", BILL,
                                                                 days_before(3), 8)])
    no_tickets_table(tiny)
    for day in (days_before(3), days_before(2), D):
        tiny.run(FACT_SUPPORT_TICKET, day)
    out = tiny.run(AGG_TICKET_RESOLUTION, PARTITION)
    got = {(r["ticket_type"], r["period_type"]): (
        r["resolved_tickets"], r["untimed_resolved_tickets"], r["avg_resolution_hours"])
        for r in out.iter_rows(named=True)}
    assert got == {  # (resolved, of which time unknown, average of the known), by hand
        (TECH, "Daily"): (2, 1, 6.0), (TECH, "Weekly"): (2, 1, 6.0),
        (TECH, "Monthly"): (2, 1, 6.0),
        (BILL, "Daily"): (0, 0, None), (BILL, "Weekly"): (1, 0, 8.0),
        (BILL, "Monthly"): (1, 0, 8.0),
        (FEAT, "Daily"): (0, 0, None), (FEAT, "Weekly"): (0, 0, None),
        (FEAT, "Monthly"): (0, 0, None),
    }
    fact = tiny.read("SELECT ticket_id, undelivered_columns FROM gold.fact_support_ticket "
                     "WHERE load_date = ? ORDER BY ticket_id", [D]).rows()
    assert fact == [(f"T00000001{i}", "resolved_at") for i in range(3)]


def test_periods_begun_before_the_first_day_are_flagged_incomplete(tiny, monkeypatch):
    """With the warehouse's first day on D-6, the week D-6..D was wholly loaded and the 30
    days were not: the monthly row keeps its figures and says it is partial."""
    load_tickets(tiny)
    monkeypatch.setenv("CUSTOMER_PLATFORM_PARTITION_START", days_before(6).isoformat())
    out = tiny.run(AGG_TICKET_RESOLUTION, PARTITION)
    assert {(r["period_type"], r["is_complete"]) for r in out.iter_rows(named=True)} == {
        ("Daily", True), ("Weekly", True), ("Monthly", False)}
    monthly = out.filter((out["ticket_type"] == TECH) & (out["period_type"] == "Monthly"))
    assert monthly["resolved_tickets"].to_list() == [4]
    monkeypatch.delenv("CUSTOMER_PLATFORM_PARTITION_START")  # the default, 2026-01-01
    assert tiny.run(AGG_TICKET_RESOLUTION, PARTITION)["is_complete"].all()


def test_metrics_are_declared():
    names = {m.name: m for m in METRICS}
    assert set(names) == {"avg_resolution_hours", "resolved_tickets",
                          "untimed_resolved_tickets"}
    assert all(isinstance(m, Metric) and m.table == AGG_TICKET_RESOLUTION.name and m.formula
               and m.grain and m.filters for m in METRICS)
