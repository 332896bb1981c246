"""The pipeline tables on hand-computed fixtures: coverage, gap and gap ratio (QRF 0 and a
missing QRF give empty ratios, never infinities), what counts as pipeline (quarter, stage,
staleness, changes after the settled day), the weekly, BOQ and quarterly roll-ups with their
history, win/loss by stage and sales-rep performance."""

import dataclasses
import datetime as dt

import pytest

from customer_platform.gold.base import ensure_table
from customer_platform.gold.revops._rules import PipelineRule
from customer_platform.gold.revops.agg_opportunity_stage_conversion import stage_conversion
from customer_platform.gold.revops.agg_pipeline_boq import pipeline_boq
from customer_platform.gold.revops.agg_pipeline_daily import pipeline_daily
from customer_platform.gold.revops.agg_pipeline_quarterly import pipeline_quarterly
from customer_platform.gold.revops.agg_pipeline_weekly import pipeline_weekly
from customer_platform.gold.revops.agg_sales_rep_performance import sales_rep_performance
from customer_platform.gold.revops.dim_opportunity import DIM_OPPORTUNITY
from customer_platform_tests.gold.conftest import rejected

from .conftest import checked, copy_of, day, put_calendar, silver_lineage

RULE = PipelineRule()  # stale after 180 days, 4 quarters of history, 90-day closed window
AMER_CC_NEW = {"geo": "AMER", "solution": "Creative Cloud", "sales_motion": "New"}
EMEA_DC_TRUE_UP = {"geo": "EMEA", "solution": "Document Cloud", "sales_motion": "True up"}
OPEN = ("Prospecting", "Qualification", "Proposal", "Negotiation")


def version(opp, stage, amount, changed, close=None, created="2026-02-20", rep="Ann Lee",
            segment=AMER_CC_NEW, customer="C0000001"):
    closed = stage.startswith("Closed")
    return {"opportunity_id": opp, "customer_id": customer, "stage": stage, "amount": amount,
            "pipe_actual": 0.0 if stage == "Closed Lost" else amount,
            "close_date": day(close) if close else None, "is_closed": closed,
            "is_won": stage == "Closed Won", "sales_rep": rep,
            "created_at": dt.datetime.fromisoformat(created + " 09:00"),
            "source_updated_at": dt.datetime.fromisoformat(changed), **segment}


#: (loaded on, versions). FY2026-Q2 runs 2026-03-01 .. 2026-05-31; week W13 ends Sun 03-01.
VERSIONS = [
    ("2026-02-20", [version("O1", "Prospecting", 100.0, "2026-02-20 10:00")]),
    ("2026-02-21", [version("O3", "Proposal", 70.0, "2026-02-21 10:00", close="2026-02-27")]),
    ("2026-02-25", [version("O1", "Qualification", 100.0, "2026-02-25 10:00",
                            close="2026-03-20")]),
    ("2026-02-26", [version("O2", "Qualification", 50.0, "2026-02-26 10:00", close="2026-04-10",
                            rep="Bob Ray")]),
    ("2026-02-28", [version("O7", "Negotiation", 80.0, "2026-02-28 10:00", close="2026-05-01",
                            segment=EMEA_DC_TRUE_UP, rep="Eve Kim")]),
    ("2026-03-01", [version("O4", "Prospecting", 30.0, "2026-03-01 10:00",
                            created="2026-03-01")]),
    ("2026-03-02", [version("O6", "Qualification", 40.0, "2026-03-02 10:00",
                            close="2026-03-30", created="2026-03-02")]),
    ("2026-03-05", [version("O1", "Closed Won", 120.0, "2026-03-05 10:00",
                            close="2026-03-05")]),
    # a late row: lost on 03-03, received on 03-04
    ("2026-03-04", [version("O2", "Closed Lost", 50.0, "2026-03-03 16:00", close="2026-03-03",
                            rep="Bob Ray")]),
    # stale: its last change (2025-09-02) is 180 days before E = 2026-03-01 (received late)
    ("2025-09-05", [version("O5", "Negotiation", 900.0, "2025-09-02 10:00",
                            close="2026-03-15", created="2025-06-01")]),
]
PLAN = [{**AMER_CC_NEW, "fiscal_quarter": "FY2026-Q2", "qrf": 400.0},
        {**AMER_CC_NEW, "fiscal_quarter": "FY2026-Q1", "qrf": 1000.0},
        {**EMEA_DC_TRUE_UP, "fiscal_quarter": "FY2026-Q2", "qrf": 0.0}]


@pytest.fixture(scope="module")
def crm_template(empty_template):
    tiny = empty_template
    put_calendar(tiny, day("2025-08-01"), day("2026-03-31"))
    for loaded, rows in VERSIONS:
        tiny.put_versions(DIM_OPPORTUNITY, rows, day(loaded))
    for received in ("2026-03-02", "2026-03-09"):
        tiny.put("silver.stg_crm_sales_quota_plan", [
            {**row, "currency": "USD", "updated_at": dt.datetime(2025, 11, 1),
             **silver_lineage(day(received))} for row in PLAN])
    return tiny


@pytest.fixture
def crm(crm_template, tmp_path):
    return copy_of(crm_template, tmp_path)


def row(frame, **where):
    for column, value in where.items():
        frame = frame.filter(frame[column] == value)
    assert frame.height == 1, where
    return frame.row(0, named=True)


def test_coverage_gap_and_ratio_on_the_boq_day(crm):
    rows = checked(crm, pipeline_daily(RULE), day("2026-03-02"))  # E = 2026-03-01
    assert rows.height == 36  # every geo x solution x sales motion, zeros included
    r = row(rows, **AMER_CC_NEW)
    # O1 (100, closes 03-20) + O2 (50, closes 04-10); not O3 (closes in Q1), O4 (Prospecting:
    # no close date), O6 (changed after E), O5 (stale)
    assert (r["pipe_actual"], r["open_pipe"], r["open_opportunities"]) == (150.0, 150.0, 2)
    assert (r["qrf"], r["pipe_coverage"], r["pipe_gap"], r["gap_ratio"]) == (
        400.0, 0.375, 250.0, 0.625)  # 150 / 400; 400 - 150; 250 / 400
    assert r["pipe_created"] == 30.0  # O4 opened on E
    assert (r["fiscal_week"], r["fiscal_week_start"], r["fiscal_quarter"]) == (
        "FY2026-W13", day("2026-02-23"), "FY2026-Q2")
    assert (r["is_boq"], r["is_week_end"], r["is_quarter_end"], r["day_of_quarter"]) == (
        True, True, False, 1)
    zero = row(rows, **EMEA_DC_TRUE_UP)  # QRF 0: no ratio, a negative gap
    assert (zero["pipe_actual"], zero["qrf"], zero["pipe_coverage"], zero["pipe_gap"],
            zero["gap_ratio"]) == (80.0, 0.0, None, -80.0, None)
    missing = row(rows, geo="APAC", solution="Devices", sales_motion="New")  # not in the plan
    assert (missing["pipe_actual"], missing["qrf"], missing["pipe_coverage"],
            missing["pipe_gap"], missing["gap_ratio"]) == (0.0, None, None, None, None)


def test_a_week_later_won_lost_and_late_rows(crm):
    r = row(checked(crm, pipeline_daily(RULE), day("2026-03-09")), **AMER_CC_NEW)  # E = 03-08
    # O1 won 120, O2 lost (its late row counts, pipe 0), O6 open 40
    assert (r["pipe_actual"], r["open_pipe"], r["won_amount"], r["won_opportunities"],
            r["lost_amount"], r["lost_opportunities"]) == (160.0, 40.0, 120.0, 1, 50.0, 1)
    assert (r["pipe_coverage"], r["pipe_gap"], r["gap_ratio"]) == (0.4, 240.0, 0.6)


def reject_plan_row(crm, received, geo, solution, motion, quarter="FY2026 Q2", row=1):
    """The quota row of a segment rejected on ``received``: gone from silver, kept whole (as
    delivered: spelled loosely) in the rejects table."""
    crm.execute("DELETE FROM silver.stg_crm_sales_quota_plan WHERE _partition_date = ? AND "
                "geo = ? AND solution = ? AND sales_motion = ?",
                [day(received), geo, solution, motion])
    crm.put("silver.stg_crm_sales_quota_plan_rejects", [rejected(
        "crm.sales_quota_plan", {"geo": geo and geo.lower(), "solution": solution.upper(),
                                 "sales_motion": motion.lower(), "fiscal_quarter": quarter,
                                 "qrf": "four hundred", "currency": "USD",
                                 "updated_at": "2025-11-01 00:00:00"}, day(received), row)])


def test_a_rejected_quota_row_is_carried_from_the_last_good_plan(crm):
    reject_plan_row(crm, "2026-03-09", "AMER", "Creative Cloud", "New")
    rows = checked(crm, pipeline_daily(RULE), day("2026-03-09"))
    r = row(rows, **AMER_CC_NEW)  # the plan of 03-02 (7 days before) still says 400
    assert (r["qrf"], r["qrf_carried_from"], r["is_qrf_rejected"], r["pipe_coverage"],
            r["pipe_gap"], r["gap_ratio"]) == (400.0, day("2026-03-02"), False, 0.4, 240.0, 0.6)
    assert rows.filter(rows["qrf_carried_from"].is_not_null()).height == 1
    assert rows["is_qrf_rejected"].sum() == 0


def test_a_rejected_quota_row_with_nothing_to_carry_is_unknown(crm):
    """On the plan's first day nothing can be carried: the segment's QRF is unknown (flagged),
    and a row whose geo cannot be read leaves every geo of its segment unknown."""
    reject_plan_row(crm, "2026-03-02", "EMEA", "Document Cloud", "True up")
    reject_plan_row(crm, "2026-03-02", None, "Devices", "New", row=2)
    reject_plan_row(crm, "2026-03-02", "APAC", "Devices", "True up", "FY2026-Q3", row=3)
    rows = checked(crm, pipeline_daily(RULE), day("2026-03-02"))
    unknown = {(r["geo"], r["solution"], r["sales_motion"])
               for r in rows.filter(is_qrf_rejected=True).iter_rows(named=True)}
    assert unknown == {("EMEA", "Document Cloud", "True up"), ("AMER", "Devices", "New"),
                       ("EMEA", "Devices", "New"), ("APAC", "Devices", "New"),
                       ("LATAM", "Devices", "New")}  # not APAC x True up: another quarter
    emea = row(rows, **EMEA_DC_TRUE_UP)
    assert (emea["pipe_actual"], emea["qrf"], emea["pipe_coverage"], emea["pipe_gap"]) == (
        80.0, None, None, None)
    assert row(rows, **AMER_CC_NEW)["qrf"] == 400.0


def test_pipeline_is_complete_only_once_the_warehouse_holds_the_open_pipeline(crm):
    """Opportunities arrive only when they change: with the first partition on 2026-01-01 and
    stale after 180 days nothing says every open deal has been seen on E = 03-01, unless an
    opening full extract was loaded by D."""
    def complete(rule, on):
        return checked(crm, pipeline_daily(rule), day(on))["is_pipeline_complete"].unique()

    assert complete(RULE, "2026-03-02").to_list() == [False]
    opening = dataclasses.replace(RULE, opening_extract=day("2026-03-05"))
    assert complete(opening, "2026-03-02").to_list() == [False]
    assert complete(opening, "2026-03-09").to_list() == [True]
    # changed in the 60 days to E = 03-01: since 2026-01-01, the first partition
    assert complete(dataclasses.replace(RULE, stale_after_days=60), "2026-03-02").to_list() == [
        True]
    assert complete(dataclasses.replace(RULE, stale_after_days=61), "2026-03-02").to_list() == [
        False]
    assert PipelineRule(opening_extract="2026-03-05").opening_extract == day("2026-03-05")


def test_stale_rule_is_configurable(crm):
    longer = dataclasses.replace(RULE, stale_after_days=181)
    r = row(checked(crm, pipeline_daily(longer), day("2026-03-02")), **AMER_CC_NEW)
    assert r["pipe_actual"] == 150.0 + 900.0  # O5 is no longer stale


def test_rerunning_a_day_writes_the_same_rows(crm):
    first = checked(crm, pipeline_daily(RULE), day("2026-03-09"))
    checked(crm, pipeline_daily(RULE), day("2026-03-02"))  # another day in between
    assert checked(crm, pipeline_daily(RULE), day("2026-03-09")).equals(first)


@pytest.fixture(scope="module")
def daily_template(crm_template, tmp_path_factory):
    tiny = copy_of(crm_template, tmp_path_factory.mktemp("daily"))
    for n in range(2, 10):  # partitions 03-02 .. 03-09: settled days 03-01 .. 03-08
        checked(tiny, pipeline_daily(RULE), day(f"2026-03-0{n}"))
    return tiny


@pytest.fixture
def daily_days(daily_template, tmp_path):
    return copy_of(daily_template, tmp_path)


def test_weekly_rollup_on_the_week_close(daily_days):
    assert checked(daily_days, pipeline_weekly(RULE), day("2026-03-08")).height == 0  # midweek
    r = row(checked(daily_days, pipeline_weekly(RULE), day("2026-03-09")), **AMER_CC_NEW)
    assert (r["fiscal_week"], r["fiscal_week_start"], r["snapshot_date"]) == (
        "FY2026-W14", day("2026-03-02"), day("2026-03-08"))
    assert (r["pipe_actual"], r["pipe_coverage"], r["pipe_created"]) == (160.0, 0.4, 40.0)
    # the previous week closed on 03-01 (same quarter) at 150, which was also the BOQ
    assert (r["previous_week_pipe"], r["pipe_wow_change"]) == (150.0, 10.0)
    assert (r["boq_pipe"], r["boq_coverage"], r["pipe_change_since_boq"]) == (150.0, 0.375, 10.0)
    assert (r["is_pipeline_complete"], r["is_qrf_rejected"], r["qrf_carried_from"]) == (
        False, False, None)  # from the week's last daily row
    assert (r["historical_quarters"], r["historical_avg_coverage"]) == (0, None)


def daily_row(tiny, snapshot, quarter_start, quarter, **values):
    """A hand-made agg_pipeline_daily row of AMER x Creative Cloud x New."""
    with tiny.resource.get_connection() as con:
        ensure_table(con, pipeline_daily(RULE))
    snapshot = day(snapshot)
    tiny.put("gold.agg_pipeline_daily", [{
        **AMER_CC_NEW, "snapshot_date": snapshot, "load_date": snapshot + dt.timedelta(1),
        "fiscal_quarter": quarter, "fiscal_quarter_start": day(quarter_start),
        "day_of_quarter": (snapshot - day(quarter_start)).days + 1,
        "is_boq": snapshot == day(quarter_start), "pipe_created": 0.0,
        "is_qrf_rejected": False, "is_pipeline_complete": True, **values}])


def test_boq_snapshot_against_the_previous_quarters(daily_days):
    history = [("2024-12-01", "FY2025-Q1", 10.0, 0.9),  # five quarters back: left out
               ("2025-03-01", "FY2025-Q2", 100.0, 0.4), ("2025-06-01", "FY2025-Q3", 120.0, None),
               ("2025-09-01", "FY2025-Q4", 200.0, 0.5), ("2025-12-01", "FY2026-Q1", 60.0, 0.3)]
    for start, quarter, pipe, coverage in history:
        daily_row(daily_days, start, start, quarter, pipe_actual=pipe, pipe_coverage=coverage)
    assert checked(daily_days, pipeline_boq(RULE), day("2026-03-03")).height == 0
    r = row(checked(daily_days, pipeline_boq(RULE), day("2026-03-02")), **AMER_CC_NEW)
    assert (r["fiscal_quarter"], r["snapshot_date"], r["pipe_actual"], r["pipe_coverage"]) == (
        "FY2026-Q2", day("2026-03-01"), 150.0, 0.375)
    assert r["historical_quarters"] == 4
    assert r["historical_avg_pipe"] == 120.0  # (100 + 120 + 200 + 60) / 4
    assert r["historical_avg_coverage"] == 0.4  # (0.4 + 0.5 + 0.3) / 3: no coverage in Q3
    assert r["coverage_vs_history"] == -0.025  # 0.375 - 0.4
    two = row(checked(daily_days, pipeline_boq(dataclasses.replace(RULE, history_quarters=2)),
                      day("2026-03-02")), **AMER_CC_NEW)
    assert (two["historical_quarters"], two["historical_avg_coverage"]) == (2, 0.4)


def test_weekly_history_compares_the_same_day_of_the_quarter(daily_days):
    # E = 03-08 is day 8 of FY2026-Q2; day 8 of FY2026-Q1 was 2025-12-08
    daily_row(daily_days, "2025-12-08", "2025-12-01", "FY2026-Q1", pipe_actual=90.0,
              pipe_coverage=0.09)
    daily_row(daily_days, "2025-12-09", "2025-12-01", "FY2026-Q1", pipe_actual=1.0,
              pipe_coverage=0.99)  # day 9: not the same point
    r = row(checked(daily_days, pipeline_weekly(RULE), day("2026-03-09")), **AMER_CC_NEW)
    assert (r["day_of_quarter"], r["historical_quarters"], r["historical_avg_pipe"],
            r["historical_avg_coverage"]) == (8, 1, 90.0, 0.09)


def test_quarterly_rollup_bookings_and_attainment(tiny):
    put_calendar(tiny, day("2025-12-01"), day("2026-03-01"))
    daily_row(tiny, "2025-12-01", "2025-12-01", "FY2026-Q1", pipe_actual=200.0,
              pipe_coverage=0.5, pipe_created=5.0)
    daily_row(tiny, "2026-01-15", "2025-12-01", "FY2026-Q1", pipe_actual=260.0,
              pipe_created=25.0)
    daily_row(tiny, "2026-02-28", "2025-12-01", "FY2026-Q1", qrf=400.0, pipe_actual=350.0,
              pipe_coverage=0.875, pipe_gap=50.0, gap_ratio=0.125, won_amount=300.0,
              won_opportunities=3, lost_amount=40.0, lost_opportunities=1, pipe_created=10.0,
              is_quarter_end=True)
    rows = checked(tiny, pipeline_quarterly(RULE), day("2026-03-01"))
    r = row(rows, **AMER_CC_NEW)
    assert (r["fiscal_quarter"], r["snapshot_date"], r["pipe_actual"], r["boq_pipe"],
            r["boq_coverage"]) == ("FY2026-Q1", day("2026-02-28"), 350.0, 200.0, 0.5)
    assert (r["won_amount"], r["attainment"], r["win_rate"], r["pipe_created"]) == (
        300.0, 0.75, 0.75, 40.0)  # 300 / 400; 3 / (3 + 1); 5 + 25 + 10
    assert checked(tiny, pipeline_quarterly(RULE), day("2026-02-28")).height == 0


def test_win_and_loss_rates_by_stage(crm):
    # closed in the 90 days to E = 03-08: O1 won (AMER), O2 lost at Qualification (its
    # Qualification version is held), and O8, lost with no earlier version held: Unknown
    crm.put_versions(DIM_OPPORTUNITY, [version("O8", "Closed Lost", 20.0, "2026-03-06 10:00",
                                               close="2026-03-06", rep="Bob Ray")],
                     day("2026-03-06"))
    rows = checked(crm, stage_conversion(RULE), day("2026-03-09")).filter(geo="AMER")
    got = {r["stage"]: (r["deals_reached"], r["deals_won"], r["deals_lost_at_stage"],
                        r["win_rate"], r["loss_rate"], r["lost_amount_at_stage"])
           for r in rows.iter_rows(named=True)}
    assert got == {
        "Prospecting": (2, 1, 0, 0.5, 0.0, 0.0),
        "Qualification": (2, 1, 1, 0.5, 0.5, 50.0),
        "Proposal": (1, 1, 0, 1.0, 0.0, 0.0),
        "Negotiation": (1, 1, 0, 1.0, 0.0, 0.0),
        "Unknown": (1, 0, 1, 0.0, 1.0, 20.0),
    }
    apac = checked(crm, stage_conversion(RULE), day("2026-03-09")).filter(geo="APAC")
    assert apac["deals_reached"].to_list() == [0] * 5 and apac["win_rate"].null_count() == 5


def test_sales_rep_performance(crm):
    rows = checked(crm, sales_rep_performance(RULE), day("2026-03-09"))  # E = 03-08
    ann = row(rows, sales_rep="Ann Lee")
    # won O1 (120, opened 02-20, closed 03-05: 13 days); open O6 (40); O4 is open (Prospecting)
    # too; opened in the window: O1, O3, O4, O6 (O5 is older)
    assert (ann["deals_won"], ann["deals_lost"], ann["win_rate"], ann["won_amount"],
            ann["avg_won_deal_size"], ann["avg_sales_cycle_days"]) == (1, 0, 1.0, 120.0, 120.0,
                                                                       13.0)
    assert (ann["open_opportunities"], ann["open_pipe"], ann["opportunities_created"]) == (
        3, 140.0, 4)  # O3 (70, slipped past its close date but open), O4 (30), O6 (40)
    bob = row(rows, sales_rep="Bob Ray")
    assert (bob["deals_won"], bob["deals_lost"], bob["win_rate"], bob["avg_won_deal_size"],
            bob["open_opportunities"]) == (0, 1, 0.0, None, 0)
    assert ann["sales_rep_key"] != bob["sales_rep_key"]
