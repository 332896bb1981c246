"""Build the report of a day: read each chart's rows, draw them, write one HTML file.

``render_report(con, day)`` is the whole report as a string (no file, no clock);
``write_report(day, out_path)`` opens the warehouse, renders and writes the file atomically,
for the command line; the ``gold/report`` asset does the same through its resources.

Where reports go: ``CUSTOMER_PLATFORM_REPORTS``, else ``reports/`` beside the warehouse file,
one ``report-<YYYY-MM-DD>.html`` per day.
"""

import dataclasses
import datetime as dt
import hashlib
import os
from pathlib import Path

import duckdb
import polars as pl

from customer_platform import settings
from customer_platform.report.charts import CHARTS, Chart
from customer_platform.report.data import fetch
from customer_platform.report.html import Panel, figure_html, render_page
from customer_platform.resources import open_warehouse
from customer_platform.storage import default_resources


def reports_root() -> Path:
    """``CUSTOMER_PLATFORM_REPORTS``, else ``reports/`` beside the warehouse."""
    env = os.environ.get("CUSTOMER_PLATFORM_REPORTS")
    return Path(env).resolve() if env else settings.warehouse_path().parent / "reports"


def report_path(day: dt.date, root: Path | str | None = None) -> Path:
    return Path(root or reports_root()) / f"report-{day.isoformat()}.html"


@dataclasses.dataclass(frozen=True)
class Report:
    day: dt.date
    html: str
    drawn: tuple[str, ...]  # keys of the charts with data
    empty: tuple[str, ...]  # keys of the charts showing "no data for this period"
    fingerprint: str  # of every chart's rows


@dataclasses.dataclass(frozen=True)
class ReportFile:
    path: Path
    size_bytes: int
    charts: int
    drawn: tuple[str, ...]
    empty: tuple[str, ...]
    fingerprint: str


def _panel(chart: Chart, rows) -> Panel:
    figure = chart.draw(rows) if rows.height else None
    return Panel(chart.key, chart.title, chart.note,
                 figure_html(figure, chart.key) if figure is not None else None, chart.empty)


def report_data(con: duckdb.DuckDBPyConnection, day: dt.date, charts=CHARTS
                ) -> list[pl.DataFrame]:
    """Each chart's rows for the report of ``day`` (partitions up to ``day``)."""
    return [fetch(con, chart.query, day) for chart in charts]


def render_report(con: duckdb.DuckDBPyConnection, day: dt.date, charts=CHARTS) -> Report:
    """The report of ``day`` from the warehouse behind ``con`` (partitions up to ``day``)."""
    return draw_report(day, report_data(con, day, charts), charts)


def draw_report(day: dt.date, data: list[pl.DataFrame], charts=CHARTS) -> Report:
    """The report of ``day`` from its charts' rows (``report_data``)."""
    digest = hashlib.sha256(day.isoformat().encode())
    panels = []
    for chart, rows in zip(charts, data, strict=True):
        digest.update(f"\n{chart.key}\n".encode() + rows.write_csv().encode())
        panels.append(_panel(chart, rows))
    fingerprint = digest.hexdigest()[:16]
    sources = sorted({f"gold.{name}" for chart in charts for name in chart.query.sources})
    return Report(day=day, html=render_page(day, panels, sources, fingerprint),
                  drawn=tuple(p.key for p in panels if p.figure_html is not None),
                  empty=tuple(p.key for p in panels if p.figure_html is None),
                  fingerprint=fingerprint)


def save(report: Report, path: Path | str) -> ReportFile:
    """Write the report through a temporary file and a rename: a reader never sees half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(report.html, encoding="utf-8")
    os.replace(temporary, path)
    return ReportFile(path=path, size_bytes=path.stat().st_size,
                      charts=len(report.drawn) + len(report.empty), drawn=report.drawn,
                      empty=report.empty, fingerprint=report.fingerprint)


def write_report(day: dt.date | str, out_path: Path | str | None = None, *,
                 warehouse: Path | str | None = None) -> ReportFile:
    """Write the report of ``day`` to ``out_path`` (default ``report_path(day)``) from the
    warehouse file ``warehouse``, else from the configured storage (``default_resources``:
    the DuckDB file or the Delta tables); return what was written."""
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    if warehouse is None and settings.storage() == "delta":
        with default_resources()["warehouse"].get_connection() as con:
            report = render_report(con, day)
        return save(report, out_path or report_path(day))
    database = Path(warehouse) if warehouse else settings.warehouse_path()
    if not database.exists():
        raise FileNotFoundError(f"no warehouse at {database}: materialise some days first "
                                "(customer-platform materialize), or point "
                                "CUSTOMER_PLATFORM_WAREHOUSE at one")
    with open_warehouse(str(database)) as con:
        report = render_report(con, day)
    return save(report, out_path or report_path(day))
