"""SCD type 2 on dim_customer: changes open versions, any run order gives the same history,
and as-of lookups return the version valid that day."""

import datetime as dt

import pytest

from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.scd2 import as_of_macro_sql, view_sql

from .conftest import silver_lineage

START = dt.date(2026, 1, 1)
BASE = {"customer_name": "Ava Smith", "email": "a@x.io", "phone": None,
        "customer_segment": "SMB", "customer_tier": "Silver", "status": "Active",
        "address_line": "1 Main St", "city": "Boston", "state": "MA", "country": "US",
        "region": "US-EAST", "signup_date": dt.date(2020, 1, 1)}


def snapshot(day, **by_customer):
    """Silver rows of one day's CRM snapshot: customer id -> (changes, updated_at)."""
    return [{**BASE, "customer_id": cid, **changes, "updated_at": updated,
             **silver_lineage(day)} for cid, (changes, updated) in by_customer.items()]


DAYS = {
    START: snapshot(START, C0000001=({}, dt.datetime(2025, 5, 1)),
                    C0000002=({}, dt.datetime(2024, 2, 2))),
    START + dt.timedelta(1): snapshot(
        START + dt.timedelta(1), C0000001=({"customer_tier": "Gold"}, dt.datetime(2026, 1, 2, 9)),
        C0000002=({}, dt.datetime(2024, 2, 2))),
    # day 3: C2 moved, but its row was rejected that day; it reappears on day 4
    START + dt.timedelta(2): snapshot(
        START + dt.timedelta(2), C0000001=({"customer_tier": "Gold"}, dt.datetime(2026, 1, 2, 9))),
    START + dt.timedelta(3): snapshot(
        START + dt.timedelta(3), C0000001=({"customer_tier": "Gold", "phone": "+1"},
                                           dt.datetime(2026, 1, 4, 8)),
        C0000002=({"city": "Denver", "state": "CO", "region": "US-CENTRAL"},
                  dt.datetime(2026, 1, 3, 12))),
}


def history(tiny, order):
    for day in DAYS:
        tiny.put("silver.stg_crm_customers", DAYS[day])
    for day in order:
        tiny.run(DIM_CUSTOMER.versions, day)
    tiny.execute(f"CREATE OR REPLACE VIEW gold.dim_customer AS {view_sql(DIM_CUSTOMER)}")
    return tiny.read("SELECT customer_id, customer_tier, city, valid_from, valid_to, is_current "
                     "FROM gold.dim_customer ORDER BY customer_id, valid_from").rows()


EXPECTED = [
    ("C0000001", "Silver", "Boston", dt.date(2025, 5, 1), dt.date(2026, 1, 1), False),
    ("C0000001", "Gold", "Boston", dt.date(2026, 1, 2), dt.date(9999, 12, 31), True),
    ("C0000002", "Silver", "Boston", dt.date(2024, 2, 2), dt.date(2026, 1, 2), False),
    ("C0000002", "Silver", "Denver", dt.date(2026, 1, 3), dt.date(9999, 12, 31), True),
]


def test_changes_open_and_close_versions(tiny):
    # the phone change on day 4 is not tracked, so it does not open a version
    assert history(tiny, list(DAYS)) == EXPECTED


@pytest.mark.parametrize("order", [[3, 1, 0, 2], [2, 3, 0, 1, 3, 1]])
def test_any_run_order_and_reruns_give_the_same_history(tiny, order):
    days = list(DAYS)
    assert history(tiny, [days[i] for i in order]) == EXPECTED


def test_as_of_lookup_returns_the_version_valid_that_day(tiny):
    history(tiny, list(DAYS))
    tiny.execute(as_of_macro_sql(DIM_CUSTOMER))  # the macro the view's asset defines

    def tier_on(day):
        return tiny.read("SELECT customer_tier FROM gold.dim_customer_as_of(CAST(? AS DATE)) "
                         "WHERE customer_id = 'C0000001'", [day])["customer_tier"].to_list()
    assert tier_on(dt.date(2026, 1, 1)) == ["Silver"]
    assert tier_on(dt.date(2026, 1, 2)) == ["Gold"]
    assert tier_on(dt.date(2025, 1, 1)) == []
