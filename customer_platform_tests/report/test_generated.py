"""The report on a generated company: ``gold/report`` materialised by Dagster after every asset
it reads, its metadata, the page in headless Chromium, and no personal value of the warehouse
in the file."""

import pytest

from customer_platform.gold import ANALYTICS_TABLES, DOCUMENTED_TABLES, GOLD_TABLES
from customer_platform.quality.schemas import pii_columns
from customer_platform.report import report_path, write_report
from customer_platform.report.charts import CHARTS
from customer_platform.report.html import NO_DATA

from .conftest import GENERATED_DAY

pytestmark = pytest.mark.e2e

KEYS = [chart.key for chart in CHARTS]
#: What a first day always has: health, pipeline, activation and segments come from that day's
#: snapshots; no model is trained before its first labels, and no calendar month has closed.
DRAWN_ON_THE_FIRST_DAY = {"parent-health", "pipeline-coverage", "activation", "segments"}
EMPTY_ON_THE_FIRST_DAY = {"churn-risk", "at-risk-customers", "mrr-movements"}
#: What an inferred member holds in place of a name (gold/scd2.py): nobody's.
INFERRED = "Unknown"


@pytest.fixture(scope="module")
def page(generated):
    return report_path(GENERATED_DAY, generated.reports)


def test_the_asset_writes_the_report_with_its_metadata(generated, page):
    metadata = generated.report_metadata()
    assert metadata["path"] == str(page) and page.exists()
    assert metadata["size_bytes"] == page.stat().st_size
    assert metadata["charts"] == len(KEYS)
    assert metadata["charts_with_data"] == len(KEYS) - len(metadata["charts_without_data"])
    assert set(metadata["charts_without_data"]) >= EMPTY_ON_THE_FIRST_DAY
    assert not DRAWN_ON_THE_FIRST_DAY & set(metadata["charts_without_data"])


def test_the_page_draws_each_chart_or_says_there_is_no_data(generated, page, browser):
    browser.open(page)
    panels = browser.panels()
    assert [p["key"] for p in panels] == KEYS
    empty = set(generated.report_metadata()["charts_without_data"])
    for panel in panels:
        if panel["key"] in empty:
            assert panel["state"] == "empty" and panel["no_data"].startswith(NO_DATA), panel
        else:
            assert panel["state"] == "drawn" and panel["no_data"] is None, panel
            assert panel["width"] > 300 and panel["height"] > 200 and panel["marks"] > 0, panel
    assert browser.errors() == []


def test_no_personal_value_of_the_warehouse_is_in_the_file(generated, page):
    text = page.read_text()
    held = {name for name, in generated.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gold'")}
    values = set()
    for table in (*GOLD_TABLES, *DOCUMENTED_TABLES, *ANALYTICS_TABLES):
        columns = pii_columns(table.schema())
        if table.name in held and columns:
            for column in columns:
                values |= {v for v, in generated.query(
                    f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM gold.{table.name} "
                    f"WHERE {column} IS NOT NULL")} - {INFERRED}
    assert len(values) > 100  # names, e-mails, phones, addresses of the generated company
    assert sorted(v for v in values if len(v) >= 5 and v in text) == []


def test_write_report_gives_the_assets_file_byte_for_byte(generated, page, tmp_path):
    written = write_report(GENERATED_DAY.isoformat(), tmp_path / "report.html",
                           warehouse=generated.warehouse)
    assert written.path.read_bytes() == page.read_bytes()
    assert written.fingerprint == generated.report_metadata()["data_fingerprint"]
