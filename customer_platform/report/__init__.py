"""The daily report: the charts people would rather see than read, in one HTML file.

``gold/report`` and ``write_report(day, out_path)`` write ``report-<day>.html``: self-contained
(plotly.js inlined), byte-identical for the same data and day, PII masked. One module per
concern: ``data`` (one DuckDB query per chart), ``charts`` (the figures and their notes,
``CHARTS``), ``html`` (the page), ``build`` (render and write), ``assets``. What the page shows
and promises: docs/revops.md (The daily report).
"""

from customer_platform.report.assets import REPORT_ASSETS, REPORT_GROUP, REPORT_KEY
from customer_platform.report.build import (
    ReportFile,
    render_report,
    report_path,
    reports_root,
    write_report,
)

__all__ = ["REPORT_ASSETS", "REPORT_GROUP", "REPORT_KEY", "ReportFile", "render_report",
           "report_path", "reports_root", "write_report"]
