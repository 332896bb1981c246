"""``gold/report``: the daily HTML report as a partitioned asset (UI group ``gold_report``).

Partition D writes ``report-<D>.html`` (see ``build.py`` for where) from the gold and
analytics partitions up to D; its dependencies say which tables and how many trailing days
each chart reads. It is not part of the daily job: it needs the analytics layer, which runs
after it (``gold_analytics_sensor``), so a report is materialised for a day once that day's
analytics are in (from the UI, or ``write_report`` from a terminal).
"""

from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    TimeWindowPartitionMapping,
    asset,
)
from pydantic import Field

from customer_platform.partitions import RANGED, daily_partitions, each_day_read_ahead, record_day
from customer_platform.report.build import draw_report, report_data, report_path, save
from customer_platform.report.charts import CHARTS
from customer_platform.resources import Warehouse

REPORT_GROUP = "gold_report"
REPORT_KEY = AssetKey(["gold", "report"])


class ReportConfig(Config):
    root: str = Field(default="", description="Folder of the report files (default: "
                      "CUSTOMER_PLATFORM_REPORTS, else reports/ beside the warehouse)")


def _deps() -> list[AssetDep]:
    """Each source table once, over the longest window a chart reads it."""
    windows: dict[str, int] = {}
    for chart in CHARTS:
        for name in chart.query.sources:
            windows[name] = max(windows.get(name, 0), chart.query.lookback_days)
    return [AssetDep(AssetKey(["gold", name]), partition_mapping=TimeWindowPartitionMapping(
        start_offset=-days, end_offset=0, allow_nonexistent_upstream_partitions=True)
        if days else None) for name, days in sorted(windows.items())]


@asset(
    key=REPORT_KEY,
    description="The day's customer report: one self-contained HTML file (plotly.js inlined, "
    "opens without network) with customer health by parent company, pipeline coverage by geo "
    "and week, seat activation trends (QAL/MAL/RMAL), segment sizes and value, the churn-risk "
    "distribution and the top at-risk customers (PII masked), MRR movements and ticket "
    "resolution times. Reads only partitions up to the day: the same data give a "
    "byte-identical file.",
    group_name=REPORT_GROUP,
    partitions_def=daily_partitions,
    backfill_policy=RANGED,
    deps=_deps(),
    kinds={"duckdb", "plotly", "html"},
    owners=["team:data-platform"],
    tags={"layer": "gold", "kind": "report"},
)
def report(context: AssetExecutionContext, config: ReportConfig,
           warehouse: Warehouse) -> MaterializeResult:
    def read(day):
        with warehouse.get_connection() as con:
            return report_data(con, day)

    def render(day, data):
        written = save(draw_report(day, data), report_path(day, config.root or None))
        record_day(context, day, {
            "path": MetadataValue.path(str(written.path)),
            "size_bytes": written.size_bytes,
            "charts": written.charts,
            "charts_with_data": len(written.drawn),
            "charts_without_data": MetadataValue.json(list(written.empty)),
            "data_fingerprint": written.fingerprint,
        })

    each_day_read_ahead(context, read, render)
    return MaterializeResult()


REPORT_ASSETS = [report]
