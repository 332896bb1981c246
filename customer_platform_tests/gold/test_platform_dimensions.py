"""Collaboration-platform dimensions: dim_user SCD2, inferred members, meetings, reference lists."""

import datetime as dt

import pytest

from customer_platform import vocabulary as v
from customer_platform.gold.base import run_gold_sql_days
from customer_platform.gold.billing.dim_billing_event_type import DIM_BILLING_EVENT_TYPE
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.customer.dim_user import DIM_USER
from customer_platform.gold.licensing.dim_license_type import DIM_LICENSE_TYPE
from customer_platform.gold.meetings.dim_feature import DIM_FEATURE
from customer_platform.gold.meetings.dim_meeting import DIM_MEETING
from customer_platform.gold.meetings.dim_webinar import DIM_WEBINAR
from customer_platform.gold.scd2 import view_sql
from customer_platform.gold.sql import sk
from customer_platform.gold.support.dim_ticket_type import DIM_TICKET_TYPE
from customer_platform.settings import partition_start

from .conftest import silver_lineage, undelivered

START = partition_start()
D = [START + dt.timedelta(days=i) for i in range(5)]
USER = {"user_name": "Ava Smith", "email": "ava@acme.io", "customer_id": "C0000001",
        "company": "Acme", "plan_type": "Pro", "created_date": dt.date(2024, 1, 1)}


def users(day, **by_user):
    return [{**USER, "user_id": uid, **changes, "updated_at": updated, **silver_lineage(day)}
            for uid, (changes, updated) in by_user.items()]


def empty_platform(tiny, day):
    """Empty incremental tables of ``day`` so the dim_user SQL finds its sources."""
    tiny.put("silver.stg_plt_meetings", [meeting(day, "M0000000000", "U0000000")])
    tiny.put("silver.stg_plt_webinars", [webinar(day, "W000000000", "U0000000")])
    tiny.put("silver.stg_plt_licenses", [license_row(day, "L000000000", "U0000000")])
    tiny.execute("DELETE FROM silver.stg_plt_meetings WHERE meeting_id = 'M0000000000'")
    tiny.execute("DELETE FROM silver.stg_plt_webinars WHERE webinar_id = 'W000000000'")
    tiny.execute("DELETE FROM silver.stg_plt_licenses WHERE license_id = 'L000000000'")


def meeting(day, meeting_id, host, start=None, minutes=30, participants=3, topic="Sync",
            event_date=None):
    start = start or dt.datetime.combine(event_date or day, dt.time(9))
    return {"meeting_id": meeting_id, "host_user_id": host, "meeting_topic": topic,
            "start_time": start, "end_time": start + dt.timedelta(minutes=minutes),
            "duration_minutes": minutes, "participant_count": participants,
            **silver_lineage(day, event_date)}


def webinar(day, webinar_id, host, registrants=100, attendees=40, event_date=None):
    start = dt.datetime.combine(event_date or day, dt.time(10))
    return {"webinar_id": webinar_id, "host_user_id": host, "webinar_topic": "Launch",
            "start_time": start, "end_time": start + dt.timedelta(minutes=60),
            "registrants": registrants, "attendees": attendees,
            **silver_lineage(day, event_date)}


def license_row(day, license_id, user_id, license_type="Pro", start=dt.date(2025, 6, 1),
                end=dt.date(2026, 5, 31)):
    return {"license_id": license_id, "user_id": user_id, "license_type": license_type,
            "start_date": start, "end_date": end,
            "updated_at": dt.datetime.combine(start, dt.time(6)), **silver_lineage(day)}


def customers(tiny, *ids):
    """dim_customer holding ``ids``, loaded before the first partition."""
    tiny.put_versions(DIM_CUSTOMER, [{"customer_id": c} for c in ids],
                      loaded=START - dt.timedelta(days=1))


def stub_dim(tiny, table, entity, ids, id_col=None, key_col=None):
    """A stand-in ``gold.<table>`` holding the keys of ``ids`` (foreign keys resolve in it)."""
    id_col, key_col = id_col or f"{entity}_id", key_col or f"{entity}_key"
    tiny.execute("CREATE SCHEMA IF NOT EXISTS gold")
    values = ", ".join(f"('{i}')" for i in ids) or "(NULL)"
    tiny.execute(f"CREATE OR REPLACE TABLE gold.{table} AS SELECT {id_col}, "
                 f"{sk(entity, id_col)} AS {key_col} FROM (VALUES {values}) AS t({id_col}) "
                 f"WHERE {id_col} IS NOT NULL")


def dim_dates(tiny, first=dt.date(2025, 1, 1), last=dt.date(2026, 12, 31)):
    tiny.execute("CREATE SCHEMA IF NOT EXISTS gold")
    tiny.execute("CREATE OR REPLACE TABLE gold.dim_date AS SELECT CAST(strftime(d, '%Y%m%d') "
                 "AS INTEGER) AS date_key FROM range(CAST(? AS DATE), CAST(? AS DATE) + 1, "
                 "INTERVAL 1 DAY) AS t(d)", [first, last])


def refresh(tiny, dim):
    tiny.execute(f"CREATE OR REPLACE VIEW gold.{dim.name} AS {view_sql(dim)}")


# -- dim_user ---------------------------------------------------------------------------------

USER_DAYS = {
    D[0]: users(D[0], U0000001=({}, dt.datetime(2025, 3, 1, 8)),
                U0000002=({"plan_type": "Basic"}, dt.datetime(2024, 6, 1, 9))),
    # U1 upgrades to Business on day 2
    D[1]: users(D[1], U0000001=({"plan_type": "Business"}, dt.datetime.combine(
                    D[1], dt.time(10))),
                U0000002=({"plan_type": "Basic"}, dt.datetime(2024, 6, 1, 9))),
    # day 3: U2 moves to another company (C0000002); U1 unchanged
    D[2]: users(D[2], U0000001=({"plan_type": "Business"}, dt.datetime.combine(
                    D[1], dt.time(10))),
                U0000002=({"plan_type": "Basic", "company": "Globex", "customer_id": "C0000002"},
                          dt.datetime.combine(D[2], dt.time(11)))),
}

EXPECTED_USERS = [
    ("U0000001", "Pro", "Acme", "C0000001", dt.date(2025, 3, 1), D[0], False),
    ("U0000001", "Business", "Acme", "C0000001", D[1], dt.date(9999, 12, 31), True),
    ("U0000002", "Basic", "Acme", "C0000001", dt.date(2024, 6, 1), D[1], False),
    ("U0000002", "Basic", "Globex", "C0000002", D[2], dt.date(9999, 12, 31), True),
]


def user_history(tiny, order, ranged=False):
    customers(tiny, "C0000001", "C0000002")
    for day, rows in USER_DAYS.items():
        tiny.put("silver.stg_plt_users", rows)
        empty_platform(tiny, day)
    if ranged:
        assert run_gold_sql_days(tiny.resource, DIM_USER.versions, order) is not None
    for day in [] if ranged else order:
        tiny.run(DIM_USER.versions, day)
    refresh(tiny, DIM_USER)
    return tiny.read("SELECT user_id, plan_type, company, customer_id, valid_from, valid_to, "
                     "is_current FROM gold.dim_user ORDER BY user_id, valid_from").rows()


def test_plan_change_and_company_move_open_versions(tiny):
    assert user_history(tiny, list(USER_DAYS)) == EXPECTED_USERS
    keys = tiny.read("SELECT DISTINCT user_id, user_key, customer_id, customer_key "
                     "FROM gold.dim_user ORDER BY ALL").rows()
    expected = tiny.read(
        f"SELECT user_id, {sk('user', 'user_id')}, customer_id, {sk('customer', 'customer_id')}"
        " FROM (VALUES ('U0000001', 'C0000001'), ('U0000002', 'C0000001'), "
        "('U0000002', 'C0000002')) AS t(user_id, customer_id) ORDER BY ALL").rows()
    assert keys == expected


@pytest.mark.parametrize("order", [[2, 0, 1], [0, 1, 2, 2, 1, 0]])
def test_dim_user_reruns_and_any_order_give_the_same_history(tiny, order):
    assert user_history(tiny, [list(USER_DAYS)[i] for i in order]) == EXPECTED_USERS


def test_dim_user_versions_of_a_range_computed_in_one_statement_are_the_days_one_by_one(tiny):
    """The range's statement reads the day before through a NOT IN over a per-day snapshot
    that is empty on the first day: DuckDB 1.5 decorrelated that shape wrongly and lost the
    day's rows (docs/performance.md, the sixth pass)."""
    assert user_history(tiny, list(USER_DAYS), ranged=True) == EXPECTED_USERS


def test_rejected_user_comes_back_and_referenced_unknown_user_is_inferred(tiny):
    customers(tiny, "C0000001")
    # day 1: U3's row was rejected (absent) although U3 hosted a meeting; U9 is in no snapshot
    # and holds a license. Day 2: U3 is back with an old updated_at (outside the lookback).
    tiny.put("silver.stg_plt_users", users(D[0], U0000001=({}, dt.datetime(2025, 3, 1))))
    tiny.put("silver.stg_plt_users", users(D[1], U0000001=({}, dt.datetime(2025, 3, 1)),
                                           U0000003=({}, dt.datetime(2023, 1, 1))))
    tiny.put("silver.stg_plt_meetings", [meeting(D[0], "M0000000001", "U0000003")])
    tiny.put("silver.stg_plt_webinars", [webinar(D[0], "W000000001", "U0000001")])
    tiny.put("silver.stg_plt_licenses", [license_row(D[0], "L000000001", "U0000009")])
    empty_platform(tiny, D[1])
    day1 = tiny.run(DIM_USER.versions, D[0])
    assert sorted(day1.select("user_id", "is_inferred").rows()) == [
        ("U0000001", False), ("U0000003", True), ("U0000009", True)]
    day2 = tiny.run(DIM_USER.versions, D[1])
    assert day2.select("user_id", "is_inferred").rows() == [("U0000003", False)]
    refresh(tiny, DIM_USER)
    assert tiny.read("SELECT user_id, is_inferred, plan_type, valid_from, valid_to, is_current "
                     "FROM gold.dim_user ORDER BY user_id, valid_from").rows() == [
        ("U0000001", False, "Pro", dt.date(2025, 3, 1), dt.date(9999, 12, 31), True),
        ("U0000003", True, None, dt.date(1900, 1, 1), dt.date(2022, 12, 31), False),
        ("U0000003", False, "Pro", dt.date(2023, 1, 1), dt.date(9999, 12, 31), True),
        ("U0000009", True, None, dt.date(1900, 1, 1), dt.date(9999, 12, 31), True),
    ]


def test_customer_key_is_empty_while_the_customer_is_not_in_dim_customer(tiny):
    customers(tiny, "C0000002")
    tiny.put("silver.stg_plt_users", users(D[0], U0000001=({}, dt.datetime(2025, 3, 1))))
    empty_platform(tiny, D[0])
    row = tiny.run(DIM_USER.versions, D[0]).row(0, named=True)
    assert (row["customer_id"], row["customer_key"]) == ("C0000001", None)
    assert (row["user_name"], row["email"]) == ("Ava Smith", "ava@acme.io")


def test_dim_user_marks_pii():
    columns = DIM_USER.versions.schema().columns
    assert columns["user_name"].metadata["pii"] == "personal_identifier"
    assert columns["email"].metadata["pii"] == "contact"


def test_a_users_file_without_company_neither_blanks_it_nor_opens_versions(tiny):
    """Day 2's file lacks ``company``: U1's plan change keeps Acme, U3 (re-read in the
    lookback) keeps Acme, U4's untracked change opens no version. Day 3 delivers company
    again, and U1's delivered empty company is a value (a new version)."""
    customers(tiny, "C0000001")
    recent = dt.datetime.combine(D[0] - dt.timedelta(days=2), dt.time(9))
    tiny.put("silver.stg_plt_users", users(
        D[0], U0000001=({}, dt.datetime(2025, 3, 1, 8)), U0000003=({}, recent),
        U0000004=({}, dt.datetime(2025, 2, 1))))
    day2 = dict(U0000001=({"plan_type": "Business"}, dt.datetime.combine(D[1], dt.time(10))),
                U0000003=({}, recent),
                U0000004=({"user_name": "Ava Jones"}, dt.datetime.combine(D[1], dt.time(11))))
    tiny.put("silver.stg_plt_users", undelivered(users(D[1], **day2), "company"))
    for day in D[:2]:
        empty_platform(tiny, day)
        tiny.run(DIM_USER.versions, day)
    refresh(tiny, DIM_USER)
    history = ("SELECT user_id, plan_type, company, valid_from, valid_to FROM gold.dim_user "
               "ORDER BY user_id, valid_from")
    open_end = dt.date(9999, 12, 31)
    assert tiny.read(history).rows() == [
        ("U0000001", "Pro", "Acme", dt.date(2025, 3, 1), D[0]),
        ("U0000001", "Business", "Acme", D[1], open_end),
        ("U0000003", "Pro", "Acme", recent.date(), open_end),
        ("U0000004", "Pro", "Acme", dt.date(2025, 2, 1), open_end),
    ]
    day3 = {**day2, "U0000001": ({"plan_type": "Business", "company": None},
                                 dt.datetime.combine(D[2], dt.time(12)))}
    tiny.put("silver.stg_plt_users", users(D[2], **day3))
    empty_platform(tiny, D[2])
    tiny.run(DIM_USER.versions, D[2])
    refresh(tiny, DIM_USER)
    assert tiny.read(history).rows()[1:3] == [
        ("U0000001", "Business", "Acme", D[1], D[1]),
        ("U0000001", "Business", None, D[2], open_end),
    ]


# -- dim_meeting / dim_webinar ----------------------------------------------------------------


def feature_row(day, meeting_id, feature="Chat", count=2, event_date=None):
    return {"meeting_id": meeting_id, "feature_name": feature, "usage_count": count,
            "usage_date": event_date or day, **silver_lineage(day, event_date)}


def test_meeting_known_from_feature_usage_first_is_inferred_then_replaced(tiny):
    stub_dim(tiny, "dim_user", "user", ["U0000001", "U0000002"])
    # day 1: M1 arrives with its feature usage; M2's feature usage arrives, M2 itself is late
    tiny.put("silver.stg_plt_meetings", [meeting(D[0], "M0000000001", "U0000001")])
    tiny.put("silver.stg_plt_feature_usage", [
        feature_row(D[0], "M0000000001"), feature_row(D[0], "M0000000002"),
        feature_row(D[0], "M0000000002", "Recording")])
    tiny.put("silver.stg_plt_meetings", [
        meeting(D[1], "M0000000002", "U0000002", event_date=D[0], topic="Late")])
    tiny.put("silver.stg_plt_feature_usage", [feature_row(D[1], "M0000000003")])
    first = tiny.run(DIM_MEETING.versions, D[0])
    assert sorted(first.select("meeting_id", "is_inferred").rows()) == [
        ("M0000000001", False), ("M0000000002", True)]
    refresh(tiny, DIM_MEETING)
    assert tiny.read("SELECT count(*) FROM gold.dim_meeting").item() == 2
    tiny.run(DIM_MEETING.versions, D[1])
    refresh(tiny, DIM_MEETING)
    assert tiny.read("SELECT meeting_id, meeting_topic, host_user_id, meeting_date, is_inferred,"
                     " is_current FROM gold.dim_meeting ORDER BY meeting_id").rows() == [
        ("M0000000001", "Sync", "U0000001", D[0], False, True),
        ("M0000000002", "Late", "U0000002", D[0], False, True),
        ("M0000000003", None, None, D[1], True, True),
    ]
    keys = tiny.read(f"SELECT meeting_key = {sk('meeting', 'meeting_id')} AND coalesce("
                     f"host_user_key = {sk('user', 'host_user_id')}, host_user_id IS NULL) "
                     "FROM gold.dim_meeting")
    assert all(keys.to_series())


def test_dim_webinar_one_row_per_webinar(tiny):
    stub_dim(tiny, "dim_user", "user", ["U0000001"])
    tiny.put("silver.stg_plt_webinars", [webinar(D[0], "W000000001", "U0000001")])
    for _ in range(2):  # rerun: same partition
        rows = tiny.run(DIM_WEBINAR.versions, D[0])
    assert rows.select("webinar_id", "webinar_topic", "host_user_id", "webinar_date").rows() == [
        ("W000000001", "Launch", "U0000001", D[0])]
    refresh(tiny, DIM_WEBINAR)
    assert tiny.read("SELECT count(*) FROM gold.dim_webinar").item() == 1


# -- reference dimensions ---------------------------------------------------------------------


@pytest.mark.parametrize("dim, values, name", [
    (DIM_FEATURE, v.FEATURES, "feature_name"),
    (DIM_LICENSE_TYPE, v.LICENSE_TYPES, "license_type"),
    (DIM_TICKET_TYPE, v.TICKET_TYPES, "ticket_type"),
    (DIM_BILLING_EVENT_TYPE, v.BILLING_EVENT_TYPES, "event_type"),
])
def test_reference_dimension_holds_one_row_per_value_whatever_the_partitions(
        tiny, dim, values, name):
    for day in (D[2], D[0], D[1], D[2]):
        rows = tiny.run(dim.versions, day)
        assert sorted(rows[name].to_list()) == sorted(values)
    refresh(tiny, dim)
    view = tiny.read(f"SELECT {name}, {dim.entity_key}, valid_from, valid_to, is_current "
                     f"FROM gold.{dim.name} ORDER BY {name}")
    assert view[name].to_list() == sorted(values)
    assert set(view["valid_from"]) == {dt.date(2015, 1, 1)}
    assert set(view["valid_to"]) == {dt.date(9999, 12, 31)}
    assert all(view["is_current"])
    entity = dim.entity_key.removesuffix("_key")
    expected = tiny.read(f"SELECT {sk(entity, name)} FROM gold.{dim.name} ORDER BY {name}")
    assert view[dim.entity_key].to_list() == expected.to_series().to_list()


def test_billing_event_types_flag_recurring_and_refund(tiny):
    rows = tiny.run(DIM_BILLING_EVENT_TYPE.versions, D[0])
    flags = {r["event_type"]: (r["is_recurring"], r["is_refund"])
             for r in rows.iter_rows(named=True)}
    assert flags == {"Subscription Fee": (True, False), "Subscription Renewal": (True, False),
                     "Add-on Purchase": (False, False), "Refund": (False, True)}
