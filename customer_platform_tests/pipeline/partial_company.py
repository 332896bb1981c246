"""Run a company that delivers only some source systems, end to end, and report it as JSON.

``python -m customer_platform_tests.pipeline.partial_company OUT.json START END CUSTOMERS
[TABLE:COLUMN,COLUMN]`` with CUSTOMER_PLATFORM_SOURCES and CUSTOMER_PLATFORM_DATA set:
generates the declared tables' landing files (without the columns named, as a company whose
system does not keep them), runs every asset and check of the code location (bronze to the
report) for each day in one in-process run on an in-memory instance, and writes what a test
asserts on.
A process of its own, because the code location is assembled from the setting when it loads.
"""

import datetime as dt
import json
import sys

import duckdb
import polars as pl
from dagster import DagsterInstance

from customer_platform import settings
from customer_platform.contracts import DECLARED_TABLES, source_table
from customer_platform.definitions import defs
from customer_platform.generator import days_between, generate
from customer_platform.tools.backfill import partition_arguments


def _drop_columns(spec: str, days: list[dt.date]) -> None:
    """Rewrite ``table``'s CSV files without ``columns`` (``table:column,column``)."""
    name, columns = spec.split(":")
    table = source_table(name)
    for day in days:
        path = table.landing_path(settings.landing_root(), day)
        pl.read_csv(path, infer_schema=False).drop(columns.split(",")).write_csv(path)


def main(out: str, start: str, end: str, customers: str, drop: str = "") -> None:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    generate(settings.landing_root(), first, last, customers=int(customers), seed=4,
             tables=DECLARED_TABLES)
    if drop:
        _drop_columns(drop, days_between(first, last))
    job = defs.get_implicit_global_asset_job_def()
    repository = defs.get_repository_def()
    graph = repository.asset_graph
    report = {"asset_keys": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
              # the checks of a day (freshness is about now, not a day: unpartitioned)
              "day_checks": sum(graph.get_check_spec(k).partitions_def is not None
                                for k in graph.asset_check_keys),
              "days": {}}
    days = [day.isoformat() for day in days_between(first, last)]
    with DagsterInstance.ephemeral() as instance:
        # in ranges, as a backfill runs them; every check is evaluated for each day
        for at in range(0, len(days), settings.range_days()):
            chunk = days[at:at + settings.range_days()]
            result = job.execute_in_process(instance=instance, raise_on_error=False,
                                            **partition_arguments(chunk))
            features = {e.partition: e.materialization.metadata
                        for e in result.get_asset_materialization_events()
                        if e.asset_key.to_user_string() == "gold/churn_features"}
            for day in chunk:
                checks = [e for e in result.get_asset_check_evaluations() if e.partition == day]
                report["days"][day] = {
                    "success": result.success,
                    "failed_steps": [e.step_key for e in result.all_events
                                     if e.is_step_failure],
                    "checks": len(checks),
                    "failed_checks": [f"{e.asset_key.to_user_string()}:{e.check_name}"
                                      for e in checks if not e.passed],
                    # what the day's own churn_features materialisation says about its rows
                    "churn_features": {key: features[day][key].value for key in (
                        "dagster/row_count", "features", "feature_statistics")
                        if key in features.get(day, {})},
                }
            print(chunk[0], "..", chunk[-1], "ok" if result.success else "FAILED", flush=True)
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        report["rows"] = {f"{schema}.{name}": con.execute(
            f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
            for schema, name in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema IN ('bronze', 'silver', 'gold')").fetchall()}
        # the fulfilled orders of the customers in customer_360 on the last day, from the
        # fact (the path through the daily summary and the windows is what is under test)
        report["completed_orders_of_360_customers"] = con.execute(
            "SELECT count(*) FROM gold.fact_order f WHERE f.is_completed AND f.event_date <= ?"
            " AND f.customer_key IN (SELECT customer_key FROM gold.customer_360 "
            "WHERE load_date = ?)", [last, last]).fetchone()[0]
        report["segments_last_day"] = con.execute(
            "SELECT count(*), count(rfm_score), count(DISTINCT value_segment), "
            "list(DISTINCT traditional_segment) FROM gold.customer_segments "
            "WHERE load_date = ?", [last]).fetchone()
        report["clv_last_day"] = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE value_method = 'whole_months'), "
            "count(*) FILTER (WHERE monthly_value > 0), list(DISTINCT clv_method ORDER BY "
            "clv_method), count(*) FILTER (WHERE clv_method = 'purchase_model' AND "
            "predictive_clv = purchase_clv), count(subscription_clv), count(purchase_clv) "
            "FROM gold.customer_clv "
            "WHERE load_date = ?", [last]).fetchone()
        report["customer_360_columns"] = [c for c, in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'gold' "
            "AND table_name = 'customer_360' ORDER BY ordinal_position").fetchall()]
        report["last_day_360"] = [dict(zip([d[0] for d in cursor.description], row, strict=True))
                                  for cursor in [con.execute(
                                      "SELECT * FROM gold.customer_360 WHERE load_date = ? "
                                      "ORDER BY customer_id", [last])]
                                  for row in cursor.fetchall()]
    with open(out, "w") as handle:
        json.dump(report, handle, default=str, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
