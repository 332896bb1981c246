"""The report of a day on hand-made gold rows: every chart draws in headless Chromium with no
network, the file needs nothing outside itself, no secret name or e-mail reaches it, a table
without rows for the day shows the no-data panel, and the same data and day give the same
bytes whatever happens after the day."""

import datetime as dt
import os
import shutil
from html.parser import HTMLParser

import pytest
from dagster import materialize

from customer_platform.privacy import MASK
from customer_platform.report import REPORT_ASSETS, render_report, write_report
from customer_platform.report.charts import (
    CHARTS,
    draw_mrr,
    draw_pipeline_coverage,
    draw_ticket_resolution,
)
from customer_platform.report.data import (
    AT_RISK_CUSTOMERS,
    CHURN_RISK,
    MRR_MONTHS,
    MRR_MOVEMENTS,
    PARENT_HEALTH,
    PIPELINE_COVERAGE,
    TICKET_RESOLUTION,
    fetch,
)
from customer_platform.report.html import NO_DATA
from customer_platform.resources import Warehouse

from .conftest import (
    CUSTOMERS,
    HOSTILE_PARENT,
    PIPELINE_HELD_FROM,
    SECRET_EMAILS,
    SECRET_NAMES,
    D,
    MadeWarehouse,
)

KEYS = [chart.key for chart in CHARTS]


def report_of(made: MadeWarehouse, path, day: dt.date = D):
    return write_report(day, path, warehouse=made.path)


class References(HTMLParser):
    """Every src/href/srcset attribute and every <link> of a page (script text is not
    markup, so plotly.js's own strings are not counted)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data") or tag == "link":
                self.found.append((tag, name, value or ""))


def test_every_chart_draws_in_chromium_with_the_network_blocked(made_warehouse, browser,
                                                                tmp_path):
    written = report_of(made_warehouse, tmp_path / "report.html")
    assert written.drawn == tuple(KEYS) and written.empty == ()
    browser.open(written.path)
    panels = browser.panels()
    assert [p["key"] for p in panels] == KEYS
    for panel, chart in zip(panels, CHARTS, strict=True):
        assert panel["title"] == chart.title and panel["note"] == chart.note
        assert panel["state"] == "drawn" and panel["no_data"] is None, panel
        assert panel["width"] > 300 and panel["height"] > 200, panel
        assert panel["traces"] > 0 and panel["marks"] > 0, panel
    assert browser.errors() == []
    fetched = browser.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert [url for url in fetched if not url.startswith(("file:", "data:"))] == []
    # the hostile company name is shown as text, never run or followed
    assert browser.driver.execute_script("return window.pwned === undefined")
    links = browser.driver.execute_script(
        "return [...document.querySelectorAll('[href],[src]')].map(e => "
        "e.getAttribute('href') || e.getAttribute('src'))")
    assert all(link.startswith("#") for link in links), links
    label = browser.driver.execute_script(
        "return [...document.querySelectorAll('#parent-health .ytick text')]"
        ".map(t => t.textContent)")
    assert any(text.startswith(HOSTILE_PARENT[:20]) for text in label), label
    if os.environ.get("REPORT_SCREENSHOT"):
        shot = tmp_path / "report.png"
        browser.screenshot(shot)
        shutil.copy(shot, os.environ["REPORT_SCREENSHOT"])


def test_the_file_needs_nothing_outside_itself(made_warehouse, tmp_path):
    written = report_of(made_warehouse, tmp_path / "report.html")
    page = written.path.read_text()
    references = References()
    references.feed(page)
    assert references.found, "the navigation links are references too"
    assert [r for r in references.found if not r[2].startswith("#")] == []
    assert "@import" not in page and "url(" not in page.split("<script>")[0]
    assert "Plotly.newPlot" in page and page.count("<script>") == len(KEYS) + 2  # + plotly.js
    assert written.size_bytes == written.path.stat().st_size > 3_000_000  # plotly.js inside


def test_no_name_or_email_reaches_the_file(made_warehouse, tmp_path):
    page = report_of(made_warehouse, tmp_path / "report.html").path.read_text()
    leaked = [v for v in (*SECRET_NAMES, *SECRET_EMAILS) if v in page]
    assert leaked == []
    with made_warehouse.resource.get_connection() as con:
        top = fetch(con, AT_RISK_CUSTOMERS, D)
    assert top.get_column("customer_name").to_list() == [MASK] * top.height
    assert top.height == 15 and top.get_column("customer_id").to_list()[0] == "C0000001"
    assert "</script><script>window.pwned" not in page


def test_the_same_data_and_day_give_the_same_bytes(made_warehouse, tmp_path):
    first = report_of(made_warehouse, tmp_path / "first.html")
    again = report_of(made_warehouse, tmp_path / "again.html")
    assert first.path.read_bytes() == again.path.read_bytes()
    # later days change nothing in the report of D ...
    later = D + dt.timedelta(days=5)
    for table in ("agg_parent_health", "agg_pipeline_daily", "agg_seat_activation",
                  "agg_ticket_resolution", "segment_summary", "churn_scores", "customer_360",
                  "agg_mrr_summary", "clv_purchase_calibration"):
        made_warehouse.execute(f"INSERT INTO gold.{table} SELECT * REPLACE (CAST(? AS DATE) AS "
                               f"load_date) FROM gold.{table} WHERE load_date = ?", [later, D])
    made_warehouse.execute("UPDATE gold.agg_mrr_summary SET mrr = 1 WHERE load_date > ?", [D])
    after = report_of(made_warehouse, tmp_path / "after.html")
    assert after.path.read_bytes() == first.path.read_bytes()
    # ... while a change to what D holds shows
    made_warehouse.execute("UPDATE gold.agg_parent_health SET red_accounts = 0 WHERE "
                           "load_date = ?", [D])
    changed = report_of(made_warehouse, tmp_path / "changed.html")
    assert changed.fingerprint != first.fingerprint
    assert changed.path.read_bytes() != first.path.read_bytes()


def test_a_table_without_rows_for_the_day_shows_the_no_data_panel(made_warehouse, tmp_path):
    made_warehouse.execute("DELETE FROM gold.churn_scores WHERE load_date = ?", [D])
    written = report_of(made_warehouse, tmp_path / "report.html")
    assert written.empty == ("churn-risk", "at-risk-customers")
    assert written.drawn == tuple(k for k in KEYS if k not in written.empty)
    page = written.path.read_text()
    assert page.count(f"<strong>{NO_DATA}</strong>") == 2
    assert 'id="churn-risk" data-chart="churn-risk" data-state="empty"' in page


def test_an_empty_warehouse_gives_a_report_of_no_data_panels(browser, tmp_path):
    empty = Warehouse(database=str(tmp_path / "empty.duckdb"))
    with empty.get_connection() as con:
        report = render_report(con, D)
    assert report.drawn == () and report.empty == tuple(KEYS)
    path = tmp_path / "empty.html"
    path.write_text(report.html)
    browser.open(path)
    panels = browser.panels()
    assert all(p["state"] == "empty" and p["no_data"].startswith(NO_DATA) and p["traces"] == 0
               for p in panels), panels
    assert browser.errors() == []


def test_each_chart_reads_its_day_and_the_window_it_says(made_warehouse):
    with made_warehouse.resource.get_connection() as con:
        parents = fetch(con, PARENT_HEALTH, D)
        months = fetch(con, MRR_MOVEMENTS, D)
        weeks = fetch(con, PIPELINE_COVERAGE, D)
        bins = fetch(con, CHURN_RISK, D)
    # parent companies only (not stand-alone accounts), most Red accounts first, day D's rows
    assert parents.get_column("parent_company").to_list()[:2] == ["Cedar Group",
                                                                  "Falcon Holdings"]
    assert "Stand Alone Ltd" not in parents.get_column("parent_company").to_list()
    assert max(parents.get_column("red_accounts")) == 3
    # the twelve months closed by D: March 2025 to February 2026 (closed on 1 March)
    assert months.height == MRR_MONTHS
    assert months.get_column("month").to_list()[0] == "2025-03"
    assert months.get_column("month").to_list()[-1] == "2026-02"
    # each fiscal week at its latest settled day: the last week's is D - 1
    assert weeks.get_column("as_of").max() == D - dt.timedelta(days=1)
    assert weeks.group_by("fiscal_week").len().get_column("len").to_list() == [4] * (
        weeks.height // 4)
    assert bins.get_column("customers").sum() == CUSTOMERS


def test_the_asset_writes_the_file_with_its_metadata(made_warehouse, tmp_path):
    root = tmp_path / "reports"
    result = materialize(REPORT_ASSETS, partition_key=D.isoformat(),
                         resources={"warehouse": made_warehouse.resource},
                         run_config={"ops": {"gold__report": {"config": {"root": str(root)}}}})
    [event] = result.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    path = root / f"report-{D.isoformat()}.html"
    assert metadata["path"] == str(path) and metadata["size_bytes"] == path.stat().st_size
    assert metadata["charts"] == len(KEYS) == metadata["charts_with_data"] == 9
    assert metadata["charts_without_data"] == []
    assert path.read_bytes() == report_of(made_warehouse, tmp_path / "cli.html").path.read_bytes()


def test_write_report_refuses_a_missing_warehouse(tmp_path):
    with pytest.raises(FileNotFoundError, match="no warehouse"):
        write_report(D, tmp_path / "r.html", warehouse=tmp_path / "nowhere.duckdb")
    assert not (tmp_path / "r.html").exists()


def test_periods_the_warehouse_has_not_fully_seen_are_marked(made_warehouse):
    """The warehouse's first day is 2026-01-01: a week ending before 2026-01-07 began before
    it (is_complete false), so its point is an open marker saying so; the pipeline coverage of
    a week settled before the pipeline was held whole carries a star."""
    with made_warehouse.resource.get_connection() as con:
        tickets = fetch(con, TICKET_RESOLUTION, D)
        weeks = fetch(con, PIPELINE_COVERAGE, D)
    first_whole = dt.date(2026, 1, 7)
    figure = draw_ticket_resolution(tickets)
    for trace in figure.data:  # one per ticket type, 13 weeks of daily period ends
        ends = [dt.date.fromisoformat(x) for x in trace.x]
        assert ends[0] == D - dt.timedelta(days=91) and ends[-1] == D - dt.timedelta(days=1)
        partial = [end < first_whole for end in ends]
        assert sum(partial) == 37  # 2025-12-01 .. 2026-01-06
        assert list(trace.marker.symbol) == ["circle-open" if p else "circle" for p in partial]
        assert [bool(note) for _, note in trace.customdata] == partial
    cells = draw_pipeline_coverage(weeks).data[0]
    by_week = {(r["geo"], r["fiscal_week"]): r["as_of"] for r in weeks.iter_rows(named=True)}
    starred = [(geo, week) for geo, texts in zip(cells.y, cells.text, strict=True)
               for week, text in zip(cells.x, texts, strict=True) if text.endswith("*")]
    assert starred and sorted(starred) == sorted(
        key for key, as_of in by_week.items() if as_of < PIPELINE_HELD_FROM)


def test_the_mrr_bars_add_up_to_the_change_with_the_unclassified_series(made_warehouse):
    """agg_mrr_summary's bridge: mrr_change = new + expansion + reactivated - contraction -
    churned + unclassified. The unclassified term (customers of unknown MRR) is its own grey
    series, so each month's bars add up to its change."""
    with made_warehouse.resource.get_connection() as con:
        months = fetch(con, MRR_MOVEMENTS, D)
    bars = [t for t in draw_mrr(months).data if t.type == "bar"]
    [unclassified] = [t for t in bars if t.name == "Unclassified"]
    # the fixture's months 2025-03 .. 2026-02 are m = 1 .. 12: +86, -50, 0, ... by m % 3
    assert list(unclassified.y) == [86.0, -50.0, 0.0] * 4
    for i, change in enumerate(months.get_column("mrr_change")):
        assert sum(t.y[i] for t in bars) == pytest.approx(change)



def test_the_layout_validated_once_gives_the_bytes_of_validating_it_each_time(
        made_warehouse, tmp_path, monkeypatch):
    """The page is the same to the byte when each figure's template and shared layout are set
    as plotly sets them (validated on the figure, in one ``update_layout``) instead of once
    per process."""
    import plotly.graph_objects as go

    from customer_platform.report import charts

    def validated_each_time(figure=None, height=charts.HEIGHT, **layout):
        return (figure or go.Figure()).update_layout(
            template=charts.TEMPLATE, height=height, **charts.SHARED_LAYOUT, **layout)

    once = report_of(made_warehouse, tmp_path / "once.html")
    monkeypatch.setattr(charts, "_figure", validated_each_time)
    each_time = report_of(made_warehouse, tmp_path / "each_time.html")
    assert len(once.drawn) >= 5
    assert once.path.read_bytes() == each_time.path.read_bytes()
    assert '"template":{"data":{"barpolar"' in once.path.read_text()
