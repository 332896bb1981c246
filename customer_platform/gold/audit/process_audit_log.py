"""``gold.process_audit_log``: what each run of a day did (per run, per asset materialised,
per failed step), for operational monitoring. It is a hand-written asset (``ASSETS``) because
its rows come from the Dagster event log, not from warehouse SQL; ``audit_job`` rebuilds it
after every run, so the rows show the latest known outcome.
"""

import datetime as dt

import polars as pl
from dagster import (
    AssetExecutionContext,
    DagsterRunStatus,
    MaterializeResult,
    MetadataValue,
    asset,
)

from customer_platform.contracts.base import column
from customer_platform.gold.audit._events import (
    AUDIT_KEYS,
    MAX_TEXT,
    PROCESS_AUDIT_KEY,
    REJECTS_KEYS,
    PartitionHistories,
    PartitionHistory,
    as_json,
    key_string,
    numeric_metadata,
    reported_rows,
    source_system_of,
    stable_id,
    utc,
)
from customer_platform.gold.audit._writer import (
    ASSET_SETTINGS,
    frame_dtypes,
    status_counts,
)
from customer_platform.gold.base import GoldModel, GoldTable, gold_check_specs, written_by_range
from customer_platform.partitions import each_day, record_day
from customer_platform.quality.checks import over_days
from customer_platform.quality.schemas import table_schema
from customer_platform.resources import Warehouse


class ProcessAuditLog(GoldModel):
    audit_id: str = column("Stable id of the row: hash of run, process type and process name",
                           unique=True)
    process_name: str = column("Name of the ETL process: the job (run), asset key (asset) or "
                               "step key (step)")
    process_type: str = column("What the row audits: run, asset or step",
                               isin=["run", "asset", "step"])
    status: str = column("Execution status: Success, Failure or Warning (materialised but a "
                         "check failed, or not materialised because something upstream failed)",
                         isin=["Success", "Failure", "Warning"])
    execution_time: float = column("How long the process ran, in seconds", ge=0)
    started_at: dt.datetime = column("When the process was executed (started), UTC")
    ended_at: dt.datetime = column("When the process ended, UTC")
    record_count: int = column("Number of records written during execution (dagster/row_count); "
                               "null when the process reports none", nullable=True, ge=0)
    error_count: int = column("Number of errors encountered: failed steps, failed checks and "
                              "rejected rows", ge=0)
    audit_details: str = column("Additional audit information and process metadata (JSON)")
    run_id: str = column("Dagster run that executed the process")
    job_name: str = column("Dagster job of the run")
    step_key: str = column("Dagster step of the process (null for a run row)", nullable=True)
    partition_key: str = column("Partition the run processed (YYYY-MM-DD)")


#: The table as the data dictionary and the data model read it; the hand-written asset
#: below builds it (``ASSETS``), not SQL.
PROCESS_TABLE = GoldTable(
    name="process_audit_log", model=ProcessAuditLog, seed="002", kind="audit", domain="audit",
    primary_key=("audit_id",), sql="", sources=(),
    description="Process execution data from pipeline runs for operational monitoring and "
    "data governance compliance, read from Dagster's event "
    "log: one row per run, per asset materialisation and per failed step.",
    grain="one row per run, asset materialisation and failed step of the partition's runs",
)
PROCESS_SCHEMA = PROCESS_TABLE.schema()


def process_rows(history: PartitionHistory, day: dt.date) -> pl.DataFrame:
    """The process audit rows of one partition (rules: docs/operations.md, The audit log)."""
    rows = []
    for run in history.runs:
        base = {"run_id": run.run_id, "job_name": run.job_name,
                "partition_key": run.partition_key, "load_date": day}

        def row(process_type, name, step, status, start, end, records, errors, details,
                keys, *, base=base, run=run):
            start = start if start is not None else (end if end is not None else 0.0)
            end = end if end is not None else start
            return {**base, "audit_id": stable_id(run.run_id, process_type, name),
                    "process_name": name, "process_type": process_type, "step_key": step,
                    "status": status, "execution_time": round(max(end - start, 0.0), 3),
                    "started_at": utc(start), "ended_at": utc(end),
                    "record_count": records, "error_count": errors,
                    "audit_details": as_json(details), "update_date": utc(end).date(),
                    "source_system": source_system_of(keys)}

        run_rows, failed_steps = [], {f.step_key for f in run.failures}
        failed_checks = [e for e in run.evaluations if not e.passed]
        materialised = set()
        for mat in run.materializations:
            if mat.asset_key in AUDIT_KEYS:
                continue
            materialised.add(mat.asset_key)
            checks = [e.check_name for e in failed_checks if e.asset_key == mat.asset_key]
            rejected = 0 if mat.asset_key in REJECTS_KEYS else int(
                mat.metadata.get("rejected_rows") or 0)
            details = {"step": mat.step_key, "failed_checks": checks,
                       "metadata": numeric_metadata(mat.metadata)}
            run_rows.append(row(
                "asset", key_string(mat.asset_key), mat.step_key,
                "Warning" if checks else "Success",
                run.step_starts.get(mat.step_key, run.start),
                run.step_ends.get(mat.step_key, mat.timestamp), reported_rows(mat.metadata),
                len(checks) + rejected, details, [mat.asset_key]))
        skipped = sorted((k for k, step in run.planned.items()
                          if k not in materialised and k not in AUDIT_KEYS
                          and step not in failed_steps), key=key_string)
        for key in skipped:
            run_rows.append(row("asset", key_string(key), run.planned[key], "Warning", run.end,
                                run.end, None, 0,
                                {"step": run.planned[key], "not_materialised":
                                 "an upstream step or blocking check failed, or the run was "
                                 "cancelled"}, [key]))
        for failure in run.failures:
            assets = sorted(key_string(k) for k, s in run.planned.items() if s == failure.step_key)
            details = {"error": f"{failure.error_class}: {failure.message}"[:MAX_TEXT],
                       "assets": assets,
                       "checks": run.planned_checks.get(failure.step_key, [])}
            keys = [k for k, s in run.planned.items() if s == failure.step_key]
            run_rows.append(row(
                "step", failure.step_key, failure.step_key, "Failure",
                run.step_starts.get(failure.step_key, failure.timestamp), failure.timestamp,
                0, 1, details, keys))
        if run.status == DagsterRunStatus.SUCCESS:
            status = "Warning" if failed_checks or skipped else "Success"
        else:
            status = "Failure"
        counts = [r["record_count"] for r in run_rows if r["process_type"] == "asset"
                  and r["record_count"] is not None]
        run_rows.append(row(
            "run", run.job_name, None, status, run.start, run.end, sum(counts),
            sum(r["error_count"] for r in run_rows), {
                "run_status": run.status.value,
                "assets_materialised": len(materialised),
                "failed_steps": sorted(failed_steps),
                "failed_checks": sorted(f"{key_string(e.asset_key)}:{e.check_name}"
                                        for e in failed_checks),
                "skipped_assets": [key_string(k) for k in skipped]},
            [*materialised, *run.planned]))
        rows.extend(run_rows)
    frame = pl.DataFrame(rows, schema=frame_dtypes(PROCESS_SCHEMA), orient="row") if rows else \
        pl.DataFrame(schema=frame_dtypes(PROCESS_SCHEMA))
    return frame.select(list(PROCESS_SCHEMA.columns)).sort("started_at", "process_type",
                                                           "process_name")


@asset(
    key=PROCESS_AUDIT_KEY,
    description="Process execution data from pipeline runs for operational monitoring and "
    "data governance compliance, read from the Dagster event "
    "log: one row per run, per asset materialisation and per failed step of the partition's "
    "finished runs.\n\nGrain: one row per run, asset materialisation or failed step.",
    metadata={"partition_expr": "load_date", "seed": "002", "primary_key": ["audit_id"],
              "dagster/column_schema": table_schema(PROCESS_SCHEMA, ("audit_id",))},
    check_specs=gold_check_specs(PROCESS_TABLE),
    **ASSET_SETTINGS,
)
def process_audit_log(context: AssetExecutionContext, warehouse: Warehouse):
    histories = PartitionHistories(context.instance, exclude_run_id=context.run.run_id,
                                   partition_keys=context.partition_keys)

    def audit(day):
        history = histories.of(day.isoformat())
        rows = process_rows(history, day)
        writes.add("process_audit_log", PROCESS_SCHEMA, day, rows)
        record_day(context, day, {
            "dagster/row_count": rows.height, "day": str(day), "runs_audited": len(history.runs),
            "runs_in_flight": len(history.in_flight),
            "by_status": MetadataValue.json(status_counts(rows))})

    with written_by_range(context, warehouse) as writes:
        each_day(context, audit)
    yield MaterializeResult()
    yield over_days(writes.verdicts["process_audit_log"], context=context)


ASSETS = [process_audit_log]
