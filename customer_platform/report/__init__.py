"""The daily report (issue 6): the charts people would rather see than read, in one HTML file.

``gold/report`` (UI group ``gold_report``, daily partitions) and ``write_report(day,
out_path)`` write ``report-<day>.html``: customer health by parent company, pipeline coverage
by geo and week, seat activation trends (QAL/MAL/RMAL), segment sizes and value, the
churn-risk distribution and the top at-risk customers, MRR movements and ticket resolution
times. Each chart has a title and a one-line reading note, and shows a "no data for this
period" panel when its table has no rows for the day.

- **Self-contained.** plotly.js is inlined: the file opens without network access.
- **Reproducible.** Every chart reads only partitions up to the day; the page holds no
  clock time and no random ids, so the same data and day give a byte-identical file (the
  footer's data fingerprint changes exactly when the figures' rows do).
- **PII masked.** A column classified as PII in its source table is masked before it
  reaches a figure (``data.fetch``).

One module per concern: ``data`` (one DuckDB query per chart), ``charts`` (the figures and
their notes, ``CHARTS``), ``html`` (the page), ``build`` (render and write), ``assets``.
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
