"""``gold.error_audit_log``: every error of a day (silver's rejected rows, failed checks,
failed steps) with its lifecycle Open / In Progress / Resolved, for data quality monitoring.
It is a hand-written asset (``ASSETS``) because it joins the Dagster event log with silver's
rejects tables; ``audit_job`` rebuilds it after every run, so a later fix resolves the error.
"""

import datetime as dt
from collections.abc import Iterable

import duckdb
import polars as pl
from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.contracts.base import column
from customer_platform.gold.audit._events import (
    AUDIT_KEYS,
    ERROR_AUDIT_KEY,
    MAX_TEXT,
    REJECTS_KEYS,
    PartitionHistories,
    PartitionHistory,
    as_json,
    key_string,
    numeric_metadata,
    source_system_of,
    stable_id,
    table_name,
    utc,
)
from customer_platform.gold.audit._writer import (
    ASSET_SETTINGS,
    frame_dtypes,
    status_counts,
)
from customer_platform.gold.base import GoldModel, GoldTable, gold_check_specs, written_by_range
from customer_platform.partitions import each_day, partition_days, record_day
from customer_platform.quality.checks import over_days
from customer_platform.quality.schemas import table_schema
from customer_platform.resources import Warehouse

STATUSES = ["Open", "In Progress", "Resolved"]


class ErrorAuditLog(GoldModel):
    error_id: str = column("Stable id of the error (silver's id for a rejected row)",
                           unique=True)
    error_origin: str = column("Where the error was recorded: rejected_row, asset_check or "
                               "step_failure", isin=["rejected_row", "asset_check",
                                                     "step_failure"])
    error_type: str = column("Type of error: Data Quality, Validation or Processing",
                             isin=["Data Quality", "Validation", "Processing"])
    error_rule: str = column("The rule, check or exception class behind the error")
    error_description: str = column("Detailed description of the error for troubleshooting "
                                    "(a rejected row's may quote PII values)", pii="contact")
    source_table: str = column("Table where the error occurred (system.table for a source "
                               "table, schema.table for a platform table)")
    error_timestamp: dt.datetime = column("When the error was logged, UTC")
    severity: str = column("ERROR (needs action), WARN or INFO (handled automatically)",
                           isin=["ERROR", "WARN", "INFO"])
    status: str = column("Resolution status: Open, In Progress (a retry is running) or "
                         "Resolved", isin=STATUSES)
    affected_rows: int = column("Rows affected by the error, when known", nullable=True, ge=0)
    run_id: str = column("Dagster run that recorded the error, when known", nullable=True)
    process_audit_info: str = column("Additional audit information from pipeline execution "
                                     "for error context (JSON)")


#: The table as the data dictionary and the data model read it; the hand-written asset
#: below builds it (``ASSETS``), not SQL.
ERROR_TABLE = GoldTable(
    name="error_audit_log", model=ErrorAuditLog, seed="002", kind="audit", domain="audit",
    primary_key=("error_id",), sql="", sources=(),
    description="Data validation errors and processing issues for data quality monitoring "
    "and data governance: the day's silver rejections, failed checks and failed "
    "steps, with a status lifecycle Open / In Progress / Resolved.",
    grain="one row per rejected row, failed check or failed step of the partition",
)
ERROR_SCHEMA = ERROR_TABLE.schema()


def _in_flight_for(history: PartitionHistory, keys: Iterable[AssetKey]) -> bool:
    """A run of the partition is queued or running that will re-materialise one of ``keys``."""
    keys = set(keys)
    return any(not run.planned or keys & set(run.planned) for run in history.in_flight)


def event_errors(history: PartitionHistory, day: dt.date) -> list[dict]:
    """Failed checks and failed steps of the partition, each with its lifecycle status."""
    rows = []
    evaluations = sorted((e for run in history.runs for e in run.evaluations),
                         key=lambda e: e.timestamp)
    for run in history.runs:
        for failed in (e for e in run.evaluations if not e.passed):
            if failed.asset_key in AUDIT_KEYS:
                continue
            passed_later = next((e for e in evaluations if e.passed
                                 and e.timestamp > failed.timestamp
                                 and (e.asset_key, e.check_name)
                                 == (failed.asset_key, failed.check_name)), None)
            status = ("Resolved" if passed_later else
                      "In Progress" if _in_flight_for(history, [failed.asset_key]) else "Open")
            numbers = numeric_metadata(failed.metadata)
            affected = next((numbers[k] for k in ("failing_rows", "orphan_rows",
                                                   "unaccounted_rows")
                             if isinstance(numbers.get(k), int)), None)
            description = failed.description or (
                f"check {failed.check_name} failed on {key_string(failed.asset_key)}: "
                + ", ".join(f"{k}={v}" for k, v in sorted(numbers.items())))
            rows.append({
                "error_id": stable_id("asset_check", run.run_id, key_string(failed.asset_key),
                                       failed.check_name, history.partition_key),
                "error_origin": "asset_check", "error_type": "Data Quality",
                "error_rule": failed.check_name, "error_description": description[:MAX_TEXT],
                "source_table": table_name(failed.asset_key),
                "error_timestamp": utc(failed.timestamp),
                "severity": "ERROR" if failed.severity == "ERROR" else "WARN",
                "status": status, "affected_rows": abs(affected) if affected else affected,
                "run_id": run.run_id,
                "process_audit_info": as_json({"job": run.job_name, "step": failed.step_key,
                                             "check": failed.check_name,
                                             "metadata": numbers,
                                             "resolved_by_run": passed_later
                                             and passed_later.run_id}),
                "load_date": day,
                "update_date": utc((passed_later or failed).timestamp).date(),
                "source_system": source_system_of([failed.asset_key]),
            })
        for failure in run.failures:
            if failure.is_blocking_check:
                continue  # recorded above, as the check that failed
            keys = [k for k, s in run.planned.items() if s == failure.step_key]
            later = next((r for r in history.runs if r.end and r.end > failure.timestamp
                          and failure.step_key in r.succeeded_steps), None)
            status = ("Resolved" if later else
                      "In Progress" if _in_flight_for(history, keys) else "Open")
            rows.append({
                "error_id": stable_id("step_failure", run.run_id, failure.step_key,
                                       history.partition_key),
                "error_origin": "step_failure", "error_type": "Processing",
                "error_rule": failure.error_class,
                "error_description": f"step {failure.step_key} failed: "
                                     f"{failure.message}"[:MAX_TEXT],
                "source_table": ", ".join(sorted(table_name(k) for k in keys))
                or failure.step_key,
                "error_timestamp": utc(failure.timestamp), "severity": "ERROR",
                "status": status, "affected_rows": None, "run_id": run.run_id,
                "process_audit_info": as_json({"job": run.job_name, "step": failure.step_key,
                                             "resolved_by_run": later and later.run_id}),
                "load_date": day,
                "update_date": utc(later.end if later else failure.timestamp).date(),
                "source_system": source_system_of(keys),
            })
    return rows


def _rejects_sql(existing: set[str]) -> str | None:
    parts = []
    for table in SOURCE_TABLES:
        if table.rejects_table not in existing:
            continue
        parts.append(f"""
        SELECT error_id, 'rejected_row' AS error_origin, error_type, error_rule,
               error_description, source_table, error_timestamp,
               CASE WHEN disposition = 'rejected' THEN 'ERROR' ELSE 'INFO' END AS severity,
               status, 1 AS affected_rows, CAST(NULL AS VARCHAR) AS run_id,
               CAST(json_object('rejects_table', 'silver.{table.rejects_table}',
                                'source_file', source_file, 'source_row', source_row,
                                'disposition', disposition) AS VARCHAR) AS process_audit_info,
               _partition_date AS load_date, CAST(error_timestamp AS DATE) AS update_date,
               source_system, 'silver.{table.rejects_table}' AS {REJECTS_TABLE}
        FROM silver.{table.rejects_table}
        WHERE _partition_date BETWEEN $first AND $last""")
    return " UNION ALL ".join(parts) or None


#: The column of ``rejected_rows`` naming the rejects table a row comes from.
REJECTS_TABLE = "_rejects_table"


def rejected_rows(warehouse: Warehouse, days: list[dt.date]) -> dict[dt.date, pl.DataFrame]:
    """Silver's rejected rows of each of ``days``, read in one statement for a step's days
    (one a day was a fifth of the audit's time), each naming its rejects table in
    ``REJECTS_TABLE``: the run that wrote it is the day's history's to tell (``error_rows``)."""
    with warehouse.get_connection() as con:
        existing = {name for name, in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'silver'"
        ).fetchall()}
        sql = _rejects_sql(existing)
        if sql is None:
            return {}
        rows = con.sql(sql, params={"first": min(days), "last": max(days)}).pl()
    return {day: frame for (day,), frame in rows.partition_by("load_date", as_dict=True).items()}


def error_rows(history: PartitionHistory, day: dt.date, rejected: pl.DataFrame | None
               ) -> pl.DataFrame:
    """The day's rejected rows (``rejected_rows``), each with the run that wrote its rejects
    table, plus the failed checks and steps of the event log."""
    materialized_by = {table_name(m.asset_key): run.run_id for run in history.runs
                       for m in run.materializations}
    dtypes = frame_dtypes(ERROR_SCHEMA)
    frames = []
    if rejected is not None:
        frames.append(rejected.with_columns(run_id=pl.col(REJECTS_TABLE).replace_strict(
            materialized_by, default=None, return_dtype=pl.String)).drop(REJECTS_TABLE)
            .cast(dtypes))
    events = event_errors(history, day)
    frames.append(pl.DataFrame(events, schema=dtypes, orient="row") if events
                  else pl.DataFrame(schema=dtypes))
    columns = list(ERROR_SCHEMA.columns)
    return pl.concat([f.select(columns) for f in frames]).sort("error_timestamp", "error_id")


@asset(
    key=ERROR_AUDIT_KEY,
    description="Data validation errors and data quality issues for error tracking and data "
    "governance compliance: the day's rejected rows of every "
    "silver table, and the failed asset checks and failed steps of the day's runs, each with "
    "its lifecycle status (Open, In Progress, Resolved).\n\nGrain: one row per rejected row, "
    "failed check evaluation or failed step.",
    metadata={"partition_expr": "load_date", "seed": "002", "primary_key": ["error_id"],
              "dagster/column_schema": table_schema(ERROR_SCHEMA, ("error_id",))},
    check_specs=gold_check_specs(ERROR_TABLE),
    deps=[AssetDep(key) for key in sorted(REJECTS_KEYS, key=key_string)],
    **ASSET_SETTINGS,
)
def error_audit_log(context: AssetExecutionContext, warehouse: Warehouse):
    histories = PartitionHistories(context.instance, exclude_run_id=context.run.run_id,
                                   partition_keys=context.partition_keys)

    try:
        rejected = rejected_rows(warehouse, partition_days(context))
    except duckdb.CatalogException as exc:  # a rejects table mid-creation by another writer
        raise Failure(description=f"could not read the silver rejects tables: {exc}") from exc

    def audit(day):
        rows = error_rows(histories.of(day.isoformat()), day, rejected.get(day))
        writes.add("error_audit_log", ERROR_SCHEMA, day, rows)
        origins = rows.group_by("error_origin").len().sort("error_origin")
        record_day(context, day, {
            "dagster/row_count": rows.height, "day": str(day),
            "by_status": MetadataValue.json(status_counts(rows)),
            "by_origin": MetadataValue.json(dict(zip(origins["error_origin"].to_list(),
                                                     origins["len"].to_list(), strict=True)))})

    with written_by_range(context, warehouse) as writes:
        each_day(context, audit)
    yield MaterializeResult()
    yield over_days(writes.verdicts["error_audit_log"], context=context)


ASSETS = [error_audit_log]
