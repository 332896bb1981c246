"""Collaboration-platform facts and aggregates on a hand-made month of meetings.

Day E is the day under test. Meetings (host, business day, received, minutes):

    M1 U1 E-35 E-35 25    outside every period
    M7 U7 E-30 E-30 50    one day before the monthly period
    M6 U6 E-29 E-29 15    first day of the monthly period
    M2 U1 E-20 E-20 30
    M3 U2 E-5  E-5  60
    M4 U3 E    E    10
    M5 U1 E    E    20
    M8 U4 E    E+1  40    late row: counts for E (E's periods are in partition E+1)
    M9 U5 E+1  E+1  5     after E: never in E's periods

so for E (partition P = E+1): Daily users U1 U3 U4 (3), Weekly + U2 (4), Monthly + U6 (5);
minutes Daily 10+20+40 = 70 (3 meetings), Weekly 130 (4), Monthly 175 (6).
"""

import datetime as dt

import pytest

from customer_platform.gold.customer.dim_user import DIM_USER
from customer_platform.gold.licensing.agg_license_utilization import AGG_LICENSE_UTILIZATION
from customer_platform.gold.licensing.dim_license_type import DIM_LICENSE_TYPE
from customer_platform.gold.licensing.fact_license_utilization import FACT_LICENSE_UTILIZATION
from customer_platform.gold.meetings.agg_active_users import AGG_ACTIVE_USERS
from customer_platform.gold.meetings.agg_feature_adoption import AGG_FEATURE_ADOPTION
from customer_platform.gold.meetings.agg_meeting_minutes import AGG_MEETING_MINUTES
from customer_platform.gold.meetings.agg_user_daily_activity import AGG_USER_DAILY_ACTIVITY
from customer_platform.gold.meetings.dim_feature import DIM_FEATURE
from customer_platform.gold.meetings.dim_meeting import DIM_MEETING
from customer_platform.gold.meetings.fact_feature_usage import FACT_FEATURE_USAGE
from customer_platform.gold.meetings.fact_meeting_usage import FACT_MEETING_USAGE
from customer_platform.gold.meetings.fact_webinar_usage import FACT_WEBINAR_USAGE
from customer_platform.gold.sql import sk

from .conftest import rejected, undelivered
from .test_platform_dimensions import (
    dim_dates,
    feature_row,
    license_row,
    meeting,
    refresh,
    stub_dim,
    webinar,
)

E = dt.date(2026, 3, 10)
P = E + dt.timedelta(days=1)  # the partition holding E's periods (E's late rows are in)


def day(offset: int) -> dt.date:
    return E + dt.timedelta(days=offset)


MEETINGS = [  # id, host, event offset, received offset, minutes
    ("M0000000001", "U0000001", -35, -35, 25),
    ("M0000000007", "U0000007", -30, -30, 50),
    ("M0000000006", "U0000006", -29, -29, 15),
    ("M0000000002", "U0000001", -20, -20, 30),
    ("M0000000003", "U0000002", -5, -5, 60),
    ("M0000000004", "U0000003", 0, 0, 10),
    ("M0000000005", "U0000001", 0, 0, 20),
    ("M0000000008", "U0000004", 0, 1, 40),
    ("M0000000009", "U0000005", 1, 1, 5),
]
RECEIVED = sorted({day(r) for *_, r, _ in MEETINGS})
FEATURES = [  # meeting, feature, count, event offset, received offset
    ("M0000000004", "Chat", 2, 0, 0), ("M0000000004", "Screen Share", 1, 0, 0),
    ("M0000000005", "Chat", 3, 0, 0),
    ("M0000000008", "Recording", 1, 0, 0),  # its meeting arrives the day after
    ("M0000000003", "Recording", 1, -5, -5),
]

# dim_user: U1 moved from C1 to C2 on E-9; U2's first known version starts after its
# meeting; U3 is an inferred member (no customer)
USERS = [  # user, customer, valid_from, valid_to, inferred
    ("U0000001", "C0000001", dt.date(2025, 1, 1), day(-10), False),
    ("U0000001", "C0000002", day(-9), dt.date(9999, 12, 31), False),
    ("U0000002", "C0000001", day(-3), dt.date(9999, 12, 31), False),
    ("U0000003", None, dt.date(1900, 1, 1), dt.date(9999, 12, 31), True),
    *[(f"U000000{i}", "C0000003", dt.date(2025, 1, 1), dt.date(9999, 12, 31), False)
      for i in (4, 5, 6, 7, 8)],
]


def dim_user(tiny, loaded=dt.date(2025, 1, 1)):
    """dim_user's versions above, loaded on ``loaded``."""
    tiny.put_versions(DIM_USER, [
        {"user_id": u, "customer_id": c, "is_inferred": inferred,
         "source_updated_at": dt.datetime.combine(valid_from, dt.time())}
        for u, c, valid_from, _, inferred in USERS], loaded)
    tiny.execute(f"UPDATE gold.dim_user_versions SET customer_key = "
                 f"{sk('customer', 'customer_id')} WHERE customer_id IS NOT NULL")
    assert tiny.read("SELECT user_id, customer_id, valid_from, valid_to, is_inferred "
                     "FROM gold.dim_user ORDER BY ALL").rows() == sorted(USERS)


@pytest.fixture
def month(tiny):
    """The meetings and feature usage above, loaded through the gold tables up to E+1."""
    dim_dates(tiny)
    stub_dim(tiny, "dim_customer", "customer", ["C0000001", "C0000002", "C0000003"])
    dim_user(tiny)
    tiny.put("silver.stg_plt_meetings", [
        meeting(day(r), m, host, minutes=minutes, event_date=day(e))
        for m, host, e, r, minutes in MEETINGS])
    tiny.put("silver.stg_plt_feature_usage", [
        feature_row(day(r), m, f, count, event_date=day(e)) for m, f, count, e, r in FEATURES])
    tiny.run(DIM_FEATURE.versions, E)
    refresh(tiny, DIM_FEATURE)
    tiny.run(DIM_LICENSE_TYPE.versions, E)
    refresh(tiny, DIM_LICENSE_TYPE)
    return tiny


def load(tiny, days):
    """Run the meeting chain for each received day, in order."""
    for d in days:
        tiny.run(DIM_MEETING.versions, d)
        refresh(tiny, DIM_MEETING)
        tiny.run(FACT_MEETING_USAGE, d)
        tiny.run(FACT_FEATURE_USAGE, d)
        tiny.run(AGG_USER_DAILY_ACTIVITY, d)


def by_period(frame, *columns):
    return {r["period_type"]: tuple(r[c] for c in columns) for r in frame.iter_rows(named=True)}


# -- facts ------------------------------------------------------------------------------------


def test_fact_meeting_usage_keys_customer_as_of_and_late_rows(month):
    load(month, RECEIVED)
    rows = month.read("SELECT meeting_id, host_user_id, customer_id, event_date, load_date, "
                      "duration_minutes FROM gold.fact_meeting_usage ORDER BY meeting_id").rows()
    assert rows == [
        ("M0000000001", "U0000001", "C0000001", day(-35), day(-35), 25),
        ("M0000000002", "U0000001", "C0000001", day(-20), day(-20), 30),  # before the move
        ("M0000000003", "U0000002", "C0000001", day(-5), day(-5), 60),  # first known version
        ("M0000000004", "U0000003", None, E, E, 10),  # inferred host: customer unknown
        ("M0000000005", "U0000001", "C0000002", E, E, 20),  # after the move
        ("M0000000006", "U0000006", "C0000003", day(-29), day(-29), 15),
        ("M0000000007", "U0000007", "C0000003", day(-30), day(-30), 50),
        ("M0000000008", "U0000004", "C0000003", E, day(1), 40),  # late: keeps its day
        ("M0000000009", "U0000005", "C0000003", day(1), day(1), 5),
    ]
    keys = month.read(
        f"SELECT bool_and(meeting_key = {sk('meeting', 'meeting_id')} AND host_user_key = "
        f"{sk('user', 'host_user_id')} AND coalesce(customer_key = "
        f"{sk('customer', 'customer_id')}, customer_id IS NULL) AND event_date_key = "
        "CAST(strftime(event_date, '%Y%m%d') AS INTEGER)) FROM gold.fact_meeting_usage").item()
    assert keys


def test_rerunning_an_old_day_ignores_dimension_versions_loaded_later(month):
    load(month, RECEIVED)
    first = month.read("SELECT * FROM gold.fact_meeting_usage WHERE load_date = ?", [day(-5)])
    assert first.select("meeting_id", "customer_id").rows() == [("M0000000003", "C0000001")]
    # loaded on E+1: U2 belonged to C3 from E-6 (the view now says so for E-5) ...
    month.put_versions(DIM_USER, [{"user_id": "U0000002", "customer_id": "C0000003",
                                   "source_updated_at": dt.datetime.combine(day(-6), dt.time())}],
                       loaded=day(1))
    month.execute(f"UPDATE gold.dim_user_versions SET customer_key = "
                  f"{sk('customer', 'customer_id')} WHERE customer_id IS NOT NULL")
    assert month.read(f"SELECT customer_id FROM gold.dim_user WHERE user_id = 'U0000002' AND "
                      f"DATE '{day(-5)}' BETWEEN valid_from AND valid_to").item() == "C0000003"
    # ... but E-5's fact, re-run, looks users up as they stood when E-5 was loaded
    assert month.run(FACT_MEETING_USAGE, day(-5)).equals(first)


def test_fact_feature_usage_host_from_the_meeting_when_known(month):
    load(month, RECEIVED)
    rows = month.read("SELECT meeting_id, feature_name, user_id, usage_count, event_date, "
                      "load_date, feature_key = " + sk("feature", "feature_name")
                      + " AS key_ok FROM gold.fact_feature_usage ORDER BY ALL").rows()
    assert rows == [
        ("M0000000003", "Recording", "U0000002", 1, day(-5), day(-5), True),
        ("M0000000004", "Chat", "U0000003", 2, E, E, True),
        ("M0000000004", "Screen Share", "U0000003", 1, E, E, True),
        ("M0000000005", "Chat", "U0000001", 3, E, E, True),
        # its meeting had not arrived when the usage was loaded: host unknown, meeting inferred
        ("M0000000008", "Recording", None, 1, E, E, True),
    ]


def test_fact_webinar_usage_attendance_rate(tiny):
    dim_dates(tiny)
    stub_dim(tiny, "dim_customer", "customer", ["C0000003"])
    dim_user(tiny)
    stub_dim(tiny, "dim_webinar", "webinar", ["W000000001", "W000000002"])
    tiny.put("silver.stg_plt_webinars", [
        webinar(E, "W000000001", "U0000004", registrants=100, attendees=40),
        webinar(E, "W000000002", "U0000005", registrants=0, attendees=0)])
    rows = tiny.run(FACT_WEBINAR_USAGE, E).sort("webinar_id")
    assert rows.select("webinar_id", "customer_id", "duration_minutes", "registrants",
                       "attendees", "attendance_rate").rows() == [
        ("W000000001", "C0000003", 60, 100, 40, 0.4),
        ("W000000002", "C0000003", 60, 0, 0, None)]


LICENSES = [  # license, user, type, start, end
    ("L000000001", "U0000001", "Pro", dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    ("L000000002", "U0000002", "Pro", dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    ("L000000003", "U0000007", "Pro", dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    ("L000000004", "U0000008", "Business", dt.date(2025, 1, 1), day(-2)),  # ended
    ("L000000005", "U0000006", "Enterprise", dt.date(2025, 1, 1), None),  # open-ended
    ("L000000006", "U0000004", "Business", day(-1), day(363)),
]


def load_licenses(month):
    month.put("silver.stg_plt_licenses", [license_row(E, lid, user, kind, start, end)
                                          for lid, user, kind, start, end in LICENSES])
    return month.run(FACT_LICENSE_UTILIZATION, P)  # E's snapshot settles on E+1


def test_fact_license_utilization_daily_snapshot(month):
    load(month, RECEIVED)
    rows = load_licenses(month).sort("license_id")
    assert rows.select("license_id", "license_type", "customer_id", "snapshot_date", "is_active",
                       "last_meeting_date", "is_used_30d").rows() == [
        ("L000000001", "Pro", "C0000002", E, True, E, True),
        ("L000000002", "Pro", "C0000001", E, True, day(-5), True),
        ("L000000003", "Pro", "C0000003", E, True, None, False),  # E-30 is out of the window
        ("L000000004", "Business", "C0000003", E, False, None, False),
        ("L000000005", "Enterprise", "C0000003", E, True, day(-29), True),
        ("L000000006", "Business", "C0000003", E, True, E, True),  # the late row counts
    ]


def test_a_license_end_date_not_delivered_is_carried_else_unknown(month):
    """E's licenses file lacks end_date. E-3's full file delivered L1 (2026-12-31), L4 (ended
    E-2) and L5 (open-ended, delivered empty): carried, so L1 and L5 are in force, L4 not.
    L2, L3 and L6 have nothing to carry: in force unknown (L3, without a meeting, is unused
    either way). agg_license_utilization counts them apart and withholds the Pro and
    Business rates; Enterprise (L5, last meeting E-29) stays known."""
    load(month, RECEIVED)
    month.put("silver.stg_plt_licenses", [license_row(day(-3), lid, user, kind, start, end)
                                          for lid, user, kind, start, end in LICENSES
                                          if lid in ("L000000001", "L000000004", "L000000005")])
    month.put("silver.stg_plt_licenses", undelivered(
        [license_row(E, lid, user, kind, start, end) for lid, user, kind, start, end in LICENSES],
        "end_date"))
    rows = month.run(FACT_LICENSE_UTILIZATION, P).sort("license_id")
    assert rows.select("license_id", "end_date", "is_active", "is_used_30d",
                       "undelivered_columns").rows() == [
        ("L000000001", dt.date(2026, 12, 31), True, True, "end_date"),
        ("L000000002", None, None, None, "end_date"),
        ("L000000003", None, None, False, "end_date"),
        ("L000000004", day(-2), False, False, "end_date"),
        ("L000000005", None, True, True, "end_date"),
        ("L000000006", None, None, None, "end_date"),
    ]
    agg = month.run(AGG_LICENSE_UTILIZATION, P)
    got = {(r["period_type"], r["license_type"]): (
        r["assigned_licenses"], r["used_licenses"], r["unknown_licenses"], r["utilization_rate"])
        for r in agg.iter_rows(named=True) if r["period_type"] in ("Daily", "Monthly")}
    assert {k: v for k, v in got.items() if k[1] in ("Pro", "Business", "Enterprise")} == {
        ("Daily", "Pro"): (1, 1, 2, None), ("Monthly", "Pro"): (1, 1, 2, None),
        ("Daily", "Business"): (0, 0, 1, None), ("Monthly", "Business"): (0, 0, 1, None),
        ("Daily", "Enterprise"): (1, 0, 0, 0.0), ("Monthly", "Enterprise"): (1, 1, 0, 1.0),
    }


def test_a_rejected_license_row_is_carried_keyed_on_its_snapshot_day_else_unknown(month):
    """E-2's snapshot held L1-L5. On E, L1's row is rejected (carried from E-2: in force, used,
    keyed and judged on E like any row of E's snapshot, carried_from E-2), L6's is rejected
    with no earlier row (its Business license is unknown), and L9's, whose license_type is no
    type, has no earlier row either: unknown in every type. agg_license_utilization (Monthly):
    Pro keeps L1 (3 in force, 2 used: L1 on E, L2 on E-5), Business has 0 in force and 2
    unknown, every type 1 unknown or more, so no rate is given."""
    load(month, RECEIVED)
    month.put("silver.stg_plt_licenses", [license_row(day(-2), *lic) for lic in LICENSES[:5]])
    month.put("silver.stg_plt_licenses", [license_row(E, *lic) for lic in LICENSES[1:5]])
    month.put("silver.stg_plt_licenses_rejects", [
        rejected("stg_plt_licenses", {"license_id": "l000000001", "user_id": "U0000001",
                                      "license_type": "Pro", "end_date": "never"}, E),
        rejected("stg_plt_licenses", {"license_id": "L000000006", "user_id": "U0000004",
                                      "license_type": " business", "start_date": "x"}, E, row=2),
        rejected("stg_plt_licenses", {"license_id": "L000000009", "user_id": "U0000009",
                                      "license_type": "Platinum"}, E, row=3)])
    month.run(FACT_LICENSE_UTILIZATION, E - dt.timedelta(days=1))  # E-2's snapshot
    rows = month.run(FACT_LICENSE_UTILIZATION, P).sort("license_id")
    assert rows.select("license_id", "snapshot_date", "carried_from", "is_active",
                       "is_used_30d").rows() == [
        ("L000000001", E, day(-2), True, True),
        ("L000000002", E, None, True, True),
        ("L000000003", E, None, True, False),
        ("L000000004", E, None, False, False),
        ("L000000005", E, None, True, True),
    ]
    on_e = sk("license_day", "'L000000001'", f"DATE '{E}'")
    assert rows["license_day_key"][0] == month.read(f"SELECT {on_e}").item()
    keys = month.read("SELECT license_day_key FROM gold.fact_license_utilization")
    assert keys.n_unique() == keys.height == 10  # E-2's and E's rows, each keyed on its day
    agg = month.run(AGG_LICENSE_UTILIZATION, P)
    got = {r["license_type"]: (r["assigned_licenses"], r["used_licenses"],
                               r["unknown_licenses"], r["utilization_rate"])
           for r in agg.iter_rows(named=True) if r["period_type"] == "Monthly"}
    assert got == {"Basic": (0, 0, 1, None), "Pro": (3, 2, 1, None),
                   "Business": (0, 0, 2, None), "Enterprise": (1, 1, 1, None),
                   "Education": (0, 0, 1, None)}
    assert month.read("SELECT count(*) FROM gold.agg_license_utilization WHERE load_date = ? "
                      "AND utilization_rate IS NOT NULL", [P]).item() == 0


# -- aggregates -------------------------------------------------------------------------------


def test_active_users_dau_wau_mau_settled_with_late_rows_and_final(month):
    load(month, [d for d in RECEIVED if d <= E])
    before = month.run(AGG_ACTIVE_USERS, E)  # periods ending E-1: nobody on E-1, U2 that
    assert by_period(before, "active_user_count", "activity_date") == {  # week, U7 U6 U1 U2
        "Daily": (0, day(-1)), "Weekly": (1, day(-1)), "Monthly": (4, day(-1))}
    load(month, [day(1)])
    settled = month.run(AGG_ACTIVE_USERS, P)  # E's periods, with E's late row (M8, U4)
    assert by_period(settled, "active_user_count", "period_start", "period_days") == {
        "Daily": (3, E, 1), "Weekly": (4, day(-6), 7), "Monthly": (5, day(-29), 30)}
    assert set(settled["activity_date_key"]) == {20260310}
    # partition E is final: re-running it after E+1 arrived gives the same rows
    assert month.run(AGG_ACTIVE_USERS, E).sort("period_type").equals(before.sort("period_type"))
    assert month.read("SELECT count(*) FROM gold.agg_active_users").item() == 6


def test_meeting_minutes_per_period(month):
    load(month, RECEIVED)
    rows = month.run(AGG_MEETING_MINUTES, P)
    assert by_period(rows, "total_meeting_minutes", "meeting_count") == {
        "Daily": (70, 3), "Weekly": (130, 4), "Monthly": (175, 6)}
    averages = by_period(rows, "average_meeting_minutes")
    assert averages["Daily"][0] == pytest.approx(70 / 3)
    assert averages["Monthly"][0] == pytest.approx(175 / 6)
    quiet = month.run(AGG_MEETING_MINUTES, day(46))  # nothing in any period
    assert by_period(quiet, "total_meeting_minutes", "meeting_count",
                     "average_meeting_minutes") == {
        "Daily": (0, 0, None), "Weekly": (0, 0, None), "Monthly": (0, 0, None)}


def test_feature_adoption_shares(month):
    load(month, RECEIVED)
    rows = month.run(AGG_FEATURE_ADOPTION, P)
    got = {(r["period_type"], r["feature_name"]): (r["users_using_feature"], r["active_users"],
                                                   r["meetings_using_feature"],
                                                   r["usage_count"])
           for r in rows.iter_rows(named=True)}
    assert got == {
        # Daily: active U1 U3 U4; Chat by U3 and U1, Screen Share by U3, Recording by U4
        # (its host found through the meeting fact that arrived the next day)
        ("Daily", "Chat"): (2, 3, 2, 5), ("Daily", "Screen Share"): (1, 3, 1, 1),
        ("Daily", "Recording"): (1, 3, 1, 1), ("Daily", "Breakout Rooms"): (0, 3, 0, 0),
        # Weekly adds U2 (Recording on E-5)
        ("Weekly", "Chat"): (2, 4, 2, 5), ("Weekly", "Screen Share"): (1, 4, 1, 1),
        ("Weekly", "Recording"): (2, 4, 2, 2), ("Weekly", "Breakout Rooms"): (0, 4, 0, 0),
        ("Monthly", "Chat"): (2, 5, 2, 5), ("Monthly", "Screen Share"): (1, 5, 1, 1),
        ("Monthly", "Recording"): (2, 5, 2, 2), ("Monthly", "Breakout Rooms"): (0, 5, 0, 0),
    }
    rates = {(r["period_type"], r["feature_name"]): r["adoption_rate"]
             for r in rows.iter_rows(named=True)}
    assert rates[("Daily", "Chat")] == pytest.approx(2 / 3)
    assert rates[("Weekly", "Recording")] == pytest.approx(0.5)
    assert rates[("Monthly", "Screen Share")] == pytest.approx(0.2)
    assert rates[("Monthly", "Breakout Rooms")] == 0.0


def test_license_utilization_shares(month):
    load(month, RECEIVED)
    load_licenses(month)
    rows = month.run(AGG_LICENSE_UTILIZATION, P)
    got = {(r["period_type"], r["license_type"]): (r["assigned_licenses"], r["used_licenses"],
                                                   r["utilization_rate"])
           for r in rows.iter_rows(named=True)}
    expected = {}
    for period, pro, business, enterprise in (("Daily", 1, 1, 0), ("Weekly", 2, 1, 0),
                                              ("Monthly", 2, 1, 1)):
        expected[(period, "Pro")] = (3, pro, pytest.approx(pro / 3))
        expected[(period, "Business")] = (1, business, business / 1)
        expected[(period, "Enterprise")] = (1, enterprise, enterprise / 1)
        expected[(period, "Basic")] = (0, 0, None)
        expected[(period, "Education")] = (0, 0, None)
    assert got == expected


# -- periods that begin before the warehouse's first day (gold/completeness.py) --------------

ALL = {"Daily": True, "Weekly": True, "Monthly": True}


@pytest.mark.parametrize(("first_day", "complete"), [
    (dt.date(2026, 1, 1), ALL),  # the default start: every period of E wholly loaded
    (day(-6), {"Daily": True, "Weekly": True, "Monthly": False}),  # the week's first day
    (day(-5), {"Daily": True, "Weekly": False, "Monthly": False}),
    # the first partition is P itself: E was never loaded, only its late row (M8) arrived on P
    (P, {"Daily": False, "Weekly": False, "Monthly": False}),
])
def test_periods_begun_before_the_first_day_are_flagged_not_withheld(month, monkeypatch,
                                                                      first_day, complete):
    load(month, RECEIVED)
    load_licenses(month)
    monkeypatch.setenv("CUSTOMER_PLATFORM_PARTITION_START", first_day.isoformat())
    for table in (AGG_ACTIVE_USERS, AGG_MEETING_MINUTES, AGG_FEATURE_ADOPTION,
                  AGG_LICENSE_UTILIZATION):
        rows = month.run(table, P)
        flags = {(r["period_type"], r["is_complete"]) for r in rows.iter_rows(named=True)}
        assert flags == set(complete.items()), table.name
    # the figures stay as computed (a flag, not a withholding): DAU / WAU / MAU 3, 4, 5
    assert by_period(month.run(AGG_ACTIVE_USERS, P), "active_user_count") == {
        "Daily": (3,), "Weekly": (4,), "Monthly": (5,)}
