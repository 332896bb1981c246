"""Warehouses for the report, and the headless Chromium that looks at it.

- ``made_warehouse``: hand-made rows in every gold table the report reads (the tables' own
  columns, from their models), rich enough that every chart draws: 13 weeks of trends, 12
  closed months, scored customers whose names and e-mails are secrets, a parent company
  whose name is hostile HTML, and rows after the report's day that it must never read.
- ``generated_warehouse``: a generated company's first day materialised through Dagster
  (every asset upstream of ``gold/report``, and the report itself) on an ephemeral instance.
- ``browser``: Debian's chromium through its chromedriver, the flags of the UI end-to-end
  test, and no network: a proxy that does not exist and a resolver that finds no host.
"""

import datetime as dt
import shutil
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import AssetSelection, DagsterInstance, materialize

from customer_platform import fiscal
from customer_platform.bronze.assets import BRONZE_ASSETS
from customer_platform.generator import generate
from customer_platform.gold import ANALYTICS_ASSETS, GOLD_ASSETS, GOLD_CHECKS
from customer_platform.gold.base import ensure_table
from customer_platform.report import REPORT_ASSETS, REPORT_KEY, data
from customer_platform.resources import Warehouse, warehouse_resources
from customer_platform.settings import partition_start
from customer_platform.silver.assets import SILVER_ASSETS

D = dt.date(2026, 3, 2)
CUSTOMERS = 40
SECRET_NAMES = [f"Zelda Secretname{i:02d}" for i in range(CUSTOMERS)]
SECRET_EMAILS = [f"zelda.secret{i:02d}@private.example" for i in range(CUSTOMERS)]
HOSTILE_PARENT = ('Zeta "Holdings" </script><script>window.pwned=1</script> '
                  '<a href="https://example.com/x">click</a> & Co')
FUTURE = D + dt.timedelta(days=1)
#: First settled day whose agg_pipeline_daily rows hold the whole open pipeline
PIPELINE_HELD_FROM = dt.date(2026, 2, 1)


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


class MadeWarehouse:
    """A DuckDB file with the report's source tables, created from their gold models."""

    def __init__(self, path: Path):
        self.path = path
        self.resource = Warehouse(database=str(path))
        with self.resource.get_connection() as con:
            for chart_table in sorted({n for q in QUERIES for n in q.sources}):
                ensure_table(con, data.table(chart_table))

    def put(self, table: str, rows: list[dict]) -> None:
        frame = pl.DataFrame(rows, infer_schema_length=None)
        with self.resource.get_connection() as con:
            con.register("incoming", frame.to_arrow())
            con.execute(f"INSERT INTO gold.{table} BY NAME SELECT * FROM incoming")
            con.unregister("incoming")

    def execute(self, sql: str, params=()) -> None:
        with self.resource.get_connection() as con:
            con.execute(sql, list(params))


QUERIES = [data.PARENT_HEALTH, data.PIPELINE_COVERAGE, data.SEAT_ACTIVATION, data.SEGMENTS,
           data.CHURN_RISK, data.AT_RISK_CUSTOMERS, data.MRR_MOVEMENTS, data.TICKET_RESOLUTION,
           data.PURCHASE_CALIBRATION]


def _parents(load: dt.date) -> list[dict]:
    parents = [("Falcon Holdings", 6, 1, 2), ("Cedar Group", 4, 0, 3), ("Harbor Holdings", 5, 2, 0),
               (HOSTILE_PARENT, 3, 1, 1), ("Juniper Group", 7, 0, 0), ("Orbit Holdings", 2, 0, 1)]
    rows = [{"rollup_account_key": f"P{i}", "rollup_company_name": name,
             "is_parent_company": True, "accounts": green + yellow + red,
             "green_accounts": green, "yellow_accounts": yellow, "red_accounts": red,
             "entitled_seats": 10 * (green + yellow + red),
             "red_share": red / (green + yellow + red),
             "health": "Red" if red > 1 else "Yellow" if red or yellow else "Green",
             "load_date": load} for i, (name, green, yellow, red) in enumerate(parents)]
    rows.append({"rollup_account_key": "S1", "rollup_company_name": "Stand Alone Ltd",
                 "is_parent_company": False, "accounts": 1, "green_accounts": 0,
                 "yellow_accounts": 0, "red_accounts": 1, "entitled_seats": 5, "red_share": 1.0,
                 "health": "Red", "load_date": load})
    return rows


def _pipeline(load: dt.date) -> list[dict]:
    settled = load - dt.timedelta(days=1)
    day_of_quarter = (settled - fiscal.fiscal_quarter_start(settled)).days + 1
    return [{"geo": geo, "solution": "Meetings", "sales_motion": "New", "snapshot_date": settled,
             "fiscal_week": fiscal.fiscal_week_label(settled), "qrf": qrf,
             "pipe_actual": round(qrf * (0.4 + 0.03 * day_of_quarter * (i + 1) / 4), 2),
             "is_pipeline_complete": settled >= PIPELINE_HELD_FROM, "load_date": load}
            for i, (geo, qrf) in enumerate((("AMER", 900_000.0), ("EMEA", 600_000.0),
                                            ("APAC", 300_000.0), ("LATAM", 150_000.0)))]


def _activation(load: dt.date, n: int) -> list[dict]:
    settled = load - dt.timedelta(days=1)
    return [{"customer_id": f"C{a:07d}", "product_family": "Meetings", "snapshot_date": settled,
             "entitled_seats": 200, "activated_seats": 120 + n % 30,
             "qal_seats": 40 + n // 2 + a * 5, "mal_seats": 30 + n % 7, "rmal_seats": 20 - n % 5,
             "load_date": load} for a in (1, 2)]


def _tickets(load: dt.date, n: int) -> list[dict]:
    settled = load - dt.timedelta(days=1)
    return [{"ticket_type": t, "period_type": "Weekly", "period_start": settled - dt.timedelta(6),
             "period_end": settled, "resolved_tickets": 3 + (n + k) % 5,
             "avg_resolution_hours": round(12 + 8 * k + (n * 7 + k * 3) % 11, 2),
             "is_complete": settled - dt.timedelta(6) >= partition_start(), "load_date": load}
            for k, t in enumerate(("Technical Issue", "Billing Question", "Feature Request"))]


def _mrr() -> list[dict]:
    rows, mrr = [], 100_000.0
    for m in range(14):  # 2025-02 .. 2026-03: one too old, twelve shown, one after D
        month = dt.date(2025 + (1 + m) // 12, (1 + m) % 12 + 1, 1)
        new, expansion, reactivated = 6_000.0 + 300 * m, 2_500.0, 400.0 * (m % 3)
        contraction, churned = 1_200.0, 3_000.0 + 150 * (m % 4)
        unclassified = (0.0, 86.0, -50.0)[m % 3]  # customers of unknown MRR, in no movement
        change = new + expansion + reactivated - contraction - churned + unclassified
        rows.append({"month": month.strftime("%Y-%m"), "mrr": mrr + change, "previous_mrr": mrr,
                     "mrr_change": change, "new_mrr": new, "expansion_mrr": expansion,
                     "reactivated_mrr": reactivated, "contraction_mrr": contraction,
                     "churned_mrr": churned, "unclassified_mrr": unclassified,
                     "customers_with_mrr": 900 + 5 * m,
                     "load_date": (month + dt.timedelta(days=32)).replace(day=1)})
        mrr += change
    return rows


def _segments(load: dt.date) -> list[dict]:
    segments = {"traditional": {"Residential": 20, "SMB": 12, "Enterprise": 6, "Government": 2},
                "value": {"High": 8, "Medium": 12, "Low": 20},
                "behavioural": {"Loyal": 28, "At-risk": 6, "New": 4, "Churned": 2},
                "lifecycle": {"Onboarding": 4, "Growing": 9, "Mature": 15, "Veteran": 12}}
    return [{"scheme": scheme, "segment": segment, "customers": n, "active_customers": n,
             "total_predictive_clv": 1_500.0 * n * (1 + i), "revenue_365d": 900.0 * n,
             "value_at_risk": 50.0 * n, "load_date": load}
            for scheme, sizes in segments.items() for i, (segment, n) in enumerate(sizes.items())]


def _customers(load: dt.date) -> tuple[list[dict], list[dict]]:
    scores, people = [], []
    for i in range(CUSTOMERS):
        probability = round(0.92 - i * 0.022, 4)
        band = "High" if i < 4 else "Medium" if i < 12 else "Low"
        key = f"k{i:03d}"
        scores.append({"customer_key": key, "customer_id": f"C{i + 1:07d}", "model_id": "m1",
                       "horizon_days": 30, "churn_probability": probability, "risk_rank": i + 1,
                       "risk_band": band, "load_date": load})
        people.append({"customer_key": key, "customer_id": f"C{i + 1:07d}",
                       "customer_name": SECRET_NAMES[i], "email": SECRET_EMAILS[i],
                       "customer_segment": ("SMB", "Enterprise", "Residential")[i % 3],
                       "customer_tier": ("Gold", "Silver", "Bronze")[i % 3], "region": "US-EAST",
                       "early_warning_count": 3 - i % 4, "net_revenue_30d": 100.0 + 17 * i,
                       "load_date": load})
    return scores, people


def _calibration(load: dt.date) -> list[dict]:
    """The purchase model's calibration/holdout chart: fewer customers and more purchases
    the more they bought before."""
    return [{"calibration_purchases": k, "customers": 400 // (k + 1),
             "predicted_purchases": 0.1 + 0.3 * k, "actual_purchases": 0.12 + 0.28 * k,
             "load_date": load} for k in range(8)]


def fill(made: MadeWarehouse) -> MadeWarehouse:
    """Every chart's rows for D and the 13 weeks before it, and a day after D."""
    window = days(D - dt.timedelta(days=data.TREND_DAYS), FUTURE)
    made.put("agg_parent_health", _parents(D))
    made.put("agg_pipeline_daily", [r for load in window for r in _pipeline(load)])
    made.put("agg_seat_activation", [r for n, load in enumerate(window)
                                     for r in _activation(load, n)])
    made.put("agg_ticket_resolution", [r for n, load in enumerate(window)
                                       for r in _tickets(load, n)])
    made.put("agg_mrr_summary", _mrr())
    made.put("segment_summary", _segments(D))
    scores, people = _customers(D)
    made.put("churn_scores", scores)
    made.put("customer_360", people)
    made.put("clv_purchase_calibration", _calibration(D))
    # the day after D: different rows the report of D must not read
    made.put("agg_parent_health", [{**r, "red_accounts": 9} for r in _parents(FUTURE)])
    made.put("segment_summary", [{**r, "customers": 99} for r in _segments(FUTURE)])
    future_scores, future_people = _customers(FUTURE)
    made.put("churn_scores", future_scores)
    made.put("customer_360", future_people)
    made.put("clv_purchase_calibration", [{**r, "actual_purchases": 9.0}
                                          for r in _calibration(FUTURE)])
    return made


@pytest.fixture(scope="session")
def made_template(tmp_path_factory) -> MadeWarehouse:
    return fill(MadeWarehouse(tmp_path_factory.mktemp("made") / "warehouse.duckdb"))


@pytest.fixture
def made_warehouse(made_template, tmp_path) -> MadeWarehouse:
    """A fresh copy of the hand-made warehouse, so a test may change it."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(made_template.path, path)
    copy = object.__new__(MadeWarehouse)
    copy.path, copy.resource = path, Warehouse(database=str(path))
    return copy


# -- the browser --------------------------------------------------------------------------------

#: The UI end-to-end test's flags, and no network at all.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                  "--host-resolver-rules=MAP * ~NOTFOUND")
WIDTH = 1400


class Browser:
    def __init__(self, driver):
        self.driver = driver

    def open(self, path: Path, timeout: float = 30) -> None:
        self.driver.get_log("browser")  # forget the previous page's messages
        self.driver.get(path.resolve().as_uri())
        deadline = time.monotonic() + timeout
        while self.driver.execute_script("return document.readyState") != "complete":
            assert time.monotonic() < deadline, f"{path} did not finish loading"
            time.sleep(0.1)

    def errors(self) -> list[dict]:
        return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def panels(self) -> list[dict]:
        """Per chart panel: its state, whether plotly drew its svg (size, traces), and
        whether it shows the no-data panel."""
        return self.driver.execute_script("""
            return [...document.querySelectorAll('section.chart')].map(s => {
              const svg = s.querySelector('svg.main-svg');
              const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
              const plot = s.querySelector('.js-plotly-plot');
              return {key: s.id, state: s.dataset.state, title: s.querySelector('h2').textContent,
                      note: s.querySelector('.note').textContent,
                      width: box.width, height: box.height,
                      traces: plot && plot._fullData ? plot._fullData.length : 0,
                      marks: s.querySelectorAll('g.trace, g.hm, g.table').length,
                      no_data: s.querySelector('.no-data') ? s.querySelector('.no-data')
                               .textContent : null};
            });""")

    def screenshot(self, path: Path) -> None:
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(WIDTH, height + 140)  # the window's frame in headless
        time.sleep(0.5)
        assert self.driver.save_screenshot(str(path))
        self.driver.set_window_size(WIDTH, 1000)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_path, "Debian's chromium and chromium-driver are needed: " \
        "scripts/setup.sh installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--window-size={WIDTH},1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield Browser(driver)
    finally:
        driver.quit()


# -- a generated company, materialised -----------------------------------------------------------

GENERATED_DAY = partition_start()  # the first partition: gold loads the snapshots' history
GENERATED_CUSTOMERS = 60


class GeneratedPlatform:
    def __init__(self, root: Path, result, reports: Path):
        self.root, self.result, self.reports = root, result, reports
        self.warehouse = root / "warehouse.duckdb"

    def report_metadata(self) -> dict:
        [event] = [e for e in self.result.get_asset_materialization_events()
                   if e.asset_key == REPORT_KEY]
        return {k: v.value for k, v in event.materialization.metadata.items()}

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> GeneratedPlatform:
    """A generated company's first day: every asset the report needs, then the report, in one
    run on an ephemeral instance (about 20 s on two cores)."""
    root = tmp_path_factory.mktemp("generated")
    generate(root / "landing", GENERATED_DAY, GENERATED_DAY, customers=GENERATED_CUSTOMERS,
             seed=11)
    reports = root / "reports"
    selection = AssetSelection.assets(REPORT_KEY).upstream().required_multi_asset_neighbors()
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [*BRONZE_ASSETS, *SILVER_ASSETS, *GOLD_ASSETS, *GOLD_CHECKS, *ANALYTICS_ASSETS,
             *REPORT_ASSETS],
            selection=selection, partition_key=GENERATED_DAY.isoformat(), instance=instance,
            resources=warehouse_resources(root / "warehouse.duckdb", root / "landing"),
            run_config={"ops": {"gold__report": {"config": {"root": str(reports)}}}},
            raise_on_error=False)
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    return GeneratedPlatform(root, result, reports)
