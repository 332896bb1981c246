"""Audit and error handling (seed 002): ``gold.process_audit_log`` and ``gold.error_audit_log``.

Where the facts come from
-------------------------
Both tables are written from what really happened, not from what the code meant to do: the
Dagster instance's run storage and event log (``context.instance``). For partition ``D`` the
assets read every *finished* run tagged ``dagster/partition = D`` (the daily job, UI
materialisations, retries, single-partition backfills) and, for each, its step starts,
successes and failures, its planned and recorded asset materialisations and its asset-check
evaluations. Runs still queued or in flight are not audited yet (their outcome is unknown);
they only move a matching open error to ``In Progress`` (a retry is running). Runs of the
audit assets themselves are left out, so auditing never audits itself. Limitation: a
single-run backfill over a *range* of partitions carries range tags, not a partition tag,
and is not picked up.

Why assets, and why a sensor
----------------------------
A failed step skips everything downstream of it in its run, so an audit asset inside the
daily job would never record the failures it exists to record. The two audit assets (group
``gold_audit``) are therefore kept out of ``daily_platform`` and materialised by
``audit_job`` for the partition of every run that finishes (successfully or not), requested
by the run-status sensors ``audit_after_success`` / ``audit_after_failure`` (running by
default, so ``dagster dev`` audits without anyone switching them on). Re-auditing a day
replaces its partition atomically (delete + insert in one DuckDB transaction), so the tables
always show the latest known outcome of every run of the day, and an error closed by a later
run turns ``Resolved`` the next time the day is audited.

process_audit_log: one row per run, per asset materialisation, per failed step
-------------------------------------------------------------------------------
- ``process_type = asset``: one row per recorded materialisation (``process_name`` is the
  asset key). ``record_count`` is the ``dagster/row_count`` the asset or its I/O manager
  reported (null when the asset reports none). ``error_count`` = checks on that asset that
  failed in the same run + rows the step rejected (``rejected_rows`` metadata of silver
  tables). ``status``: ``Success``; ``Warning`` when materialised but a check on it failed.
  An asset the run planned but never materialised although its own step did not fail (an
  upstream step or a blocking check failed) is also a ``Warning`` row with 0 s and no count:
  not a fault of its own (the root cause is the ``Failure`` row), but the day's data is
  missing or stale.
- ``process_type = step``: one ``Failure`` row per failed step (``process_name`` is the step
  key; the assets or checks it was to produce and the error are in ``audit_details``).
- ``process_type = run``: one row per run (``process_name`` is the job): ``Failure`` for
  failed or cancelled runs, ``Warning`` for successful runs with a failed check or a skipped
  asset, else ``Success``; ``record_count`` and ``error_count`` are sums over the run.

``execution_time`` is the duration in seconds (seed 002 calls it the execution timestamp;
that is ``started_at``/``ended_at``, kept beside it). Timestamps are UTC.

error_audit_log: the lifecycle of every error of the day
--------------------------------------------------------
- ``rejected_row``: every row of every ``silver.*_rejects`` table for the day, with silver's
  own lifecycle: rule violations are ``Open`` (a person must fix the source), removed
  duplicates ``Resolved`` (handled automatically). ``error_id`` is silver's stable id.
- ``asset_check``: every failed check evaluation of the day: ``Open``; ``In Progress`` while
  a later run that re-materialises the asset is in flight; ``Resolved`` once a *later*
  evaluation of the same check for the same partition passed (``update_date`` is then the
  day it passed).
- ``step_failure``: every failed step (``Processing`` errors, e.g. a missing landing file):
  same lifecycle, ``Resolved`` once the same step later succeeded for the partition. A check
  step that failed only because its blocking check failed is recorded once, as the check.

``error_id`` of check and step errors is a hash of the run, the check or step and the
partition, so re-auditing a day keeps the ids.

Checks: each asset validates its rows against its Pandera model before writing (a violation
fails the step and writes nothing) and reports the verdict as its blocking ``pandera_schema``
check in the same step, as the SQL gold tables do. Both assets are hand-written, so they are
exported in ``ASSETS`` (their checks ride on the assets; ``CHECKS`` and ``TABLES`` are empty).
"""

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable

import duckdb
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    Failure,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    RunsFilter,
    RunStatusSensorContext,
    SkipReason,
    asset,
    define_asset_job,
    run_status_sensor,
)

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.contracts.base import column
from customer_platform.gold.base import (
    PARTITION_COLUMN,
    GoldModel,
    GoldTable,
    gold_check_specs,
    sql_type,
)
from customer_platform.partitions import daily_partitions, partition_day
from customer_platform.quality.checks import evaluate_schema
from customer_platform.quality.schemas import table_schema
from customer_platform.resources import Warehouse

AUDIT_GROUP = "gold_audit"
AUDIT_JOB_NAME = "audit_job"
PARTITION_TAG = "dagster/partition"
PROCESS_AUDIT_KEY = AssetKey(["gold", "process_audit_log"])
ERROR_AUDIT_KEY = AssetKey(["gold", "error_audit_log"])
AUDIT_KEYS = frozenset({PROCESS_AUDIT_KEY, ERROR_AUDIT_KEY})
FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
IN_FLIGHT = (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
             DagsterRunStatus.STARTED)
STATUSES = ["Open", "In Progress", "Resolved"]
#: metadata a materialisation may report its rows under, in order of preference
ROW_COUNT_KEYS = ("dagster/row_count", "row_count", "rows")
MAX_TEXT = 1000


# -- models -----------------------------------------------------------------------------------


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


#: The two tables as declarations (built by the hand-written assets below, not by SQL); the
#: data dictionary and the data model read them as well.
PROCESS_TABLE = GoldTable(
    name="process_audit_log", model=ProcessAuditLog, seed="002", kind="audit", domain="audit",
    primary_key=("audit_id",), sql="", sources=(),
    description="Process execution data from pipeline runs for operational monitoring and "
    "data governance compliance (seed 002, Process Audit Log), read from Dagster's event "
    "log: one row per run, per asset materialisation and per failed step.",
    grain="one row per run, asset materialisation and failed step of the partition's runs",
)
ERROR_TABLE = GoldTable(
    name="error_audit_log", model=ErrorAuditLog, seed="002", kind="audit", domain="audit",
    primary_key=("error_id",), sql="", sources=(),
    description="Data validation errors and processing issues for data quality monitoring "
    "(seed 002, Error Audit Log): the day's silver rejections, failed checks and failed "
    "steps, with a status lifecycle Open / In Progress / Resolved.",
    grain="one row per rejected row, failed check or failed step of the partition",
)
PROCESS_SCHEMA = PROCESS_TABLE.schema()
ERROR_SCHEMA = ERROR_TABLE.schema()


def _dtypes(schema) -> dict[str, pl.DataType]:
    return {name: col.dtype.type for name, col in schema.columns.items()}


# -- reading the instance ---------------------------------------------------------------------

_EVENTS = {
    DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE,
    DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_CHECK_EVALUATION, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
}


def _utc(timestamp: float | None) -> dt.datetime | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def _user(key: AssetKey) -> str:
    return key.to_user_string()


@dataclasses.dataclass
class Materialization:
    asset_key: AssetKey
    step_key: str
    timestamp: float
    metadata: dict


@dataclasses.dataclass
class CheckEvaluation:
    run_id: str
    asset_key: AssetKey
    check_name: str
    step_key: str | None
    timestamp: float
    passed: bool
    severity: str
    description: str | None
    metadata: dict


@dataclasses.dataclass
class StepFailure:
    step_key: str
    timestamp: float
    error_class: str
    message: str
    is_blocking_check: bool  # the step failed only because its blocking check failed


@dataclasses.dataclass
class RunFacts:
    """What one run did, as its event log records it."""

    run_id: str
    job_name: str
    status: DagsterRunStatus
    partition_key: str
    start: float | None
    end: float | None
    step_starts: dict[str, float] = dataclasses.field(default_factory=dict)
    step_ends: dict[str, float] = dataclasses.field(default_factory=dict)
    succeeded_steps: set[str] = dataclasses.field(default_factory=set)
    planned: dict[AssetKey, str] = dataclasses.field(default_factory=dict)  # asset -> step
    planned_checks: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    materializations: list[Materialization] = dataclasses.field(default_factory=list)
    evaluations: list[CheckEvaluation] = dataclasses.field(default_factory=list)
    failures: list[StepFailure] = dataclasses.field(default_factory=list)

    @property
    def audits_itself(self) -> bool:
        return self.job_name == AUDIT_JOB_NAME or (
            bool(self.planned) and set(self.planned) <= AUDIT_KEYS)


def _metadata_value(value):
    return value.value if isinstance(value, MetadataValue) else value


def _run_facts(instance: DagsterInstance, record) -> RunFacts:
    run = record.dagster_run
    facts = RunFacts(run_id=run.run_id, job_name=run.job_name, status=run.status,
                     partition_key=run.tags.get(PARTITION_TAG, ""),
                     start=record.start_time, end=record.end_time)
    for entry in instance.all_logs(run.run_id, of_type=_EVENTS):
        event = entry.dagster_event
        if event is None:
            continue
        kind, step, data = event.event_type, entry.step_key, event.event_specific_data
        if kind == DagsterEventType.STEP_START:
            facts.step_starts[step] = entry.timestamp
        elif kind == DagsterEventType.STEP_SUCCESS:
            facts.step_ends[step] = entry.timestamp
            facts.succeeded_steps.add(step)
        elif kind == DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            facts.planned[event.asset_key] = step
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            facts.planned_checks.setdefault(step, []).append(
                f"{_user(data.asset_key)}:{data.check_name}")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = data.materialization
            facts.materializations.append(Materialization(
                materialization.asset_key, step, entry.timestamp,
                {k: _metadata_value(v) for k, v in materialization.metadata.items()}))
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            facts.evaluations.append(CheckEvaluation(
                run.run_id, data.asset_key, data.check_name, step, entry.timestamp, data.passed,
                data.severity.value, data.description,
                {k: _metadata_value(v) for k, v in data.metadata.items()}))
        elif kind == DagsterEventType.STEP_FAILURE:
            facts.step_ends[step] = entry.timestamp
            error = data.error
            root = error
            while root is not None and root.cause is not None:
                root = root.cause
            message = (root.message if root is not None else "").strip()
            error_class = (root.cls_name if root is not None else None) or "Error"
            facts.failures.append(StepFailure(
                step, entry.timestamp, error_class, message[:MAX_TEXT],
                is_blocking_check=error is not None
                and error.cls_name == "DagsterAssetCheckFailedError"))
    return facts


@dataclasses.dataclass
class PartitionHistory:
    """Every finished run of one partition (oldest first) and the runs still in flight."""

    partition_key: str
    runs: list[RunFacts]
    in_flight: list[RunFacts]


def partition_history(instance: DagsterInstance, partition_key: str,
                      exclude_run_id: str | None = None) -> PartitionHistory:
    records = instance.get_run_records(RunsFilter(tags={PARTITION_TAG: partition_key}))
    runs, in_flight = [], []
    for record in sorted(records, key=lambda r: r.create_timestamp):
        if record.dagster_run.run_id == exclude_run_id:
            continue
        if record.dagster_run.job_name == AUDIT_JOB_NAME:
            continue
        facts = _run_facts(instance, record)
        if facts.audits_itself:
            continue
        if facts.status in FINISHED:
            runs.append(facts)
        elif facts.status in IN_FLIGHT:
            in_flight.append(facts)
    return PartitionHistory(partition_key, runs, in_flight)


# -- lineage helpers --------------------------------------------------------------------------

_SYSTEM_OF_TABLE = {}
for _table in SOURCE_TABLES:
    for _key in (("bronze", _table.bronze_table), ("silver", _table.silver_table),
                 ("silver", _table.rejects_table)):
        _SYSTEM_OF_TABLE[AssetKey(list(_key))] = _table.system
REJECTS_KEYS = frozenset(AssetKey(["silver", t.rejects_table]) for t in SOURCE_TABLES)


def source_system_of(keys: Iterable[AssetKey]) -> str:
    """The source system(s) behind ``keys``; ``dagster`` for platform-derived tables."""
    systems = sorted({_SYSTEM_OF_TABLE[k] for k in keys if k in _SYSTEM_OF_TABLE})
    return ",".join(systems) or "dagster"


def _table_name(key: AssetKey) -> str:
    return ".".join(key.path)


def _stable_id(*parts: str) -> str:
    return hashlib.md5("|".join(parts).encode()).hexdigest()[:16]


def _json(value: dict) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def _row_count(metadata: dict) -> int | None:
    for key in ROW_COUNT_KEYS:
        if isinstance(metadata.get(key), int):
            return metadata[key]
    return None


def _numbers(metadata: dict) -> dict:
    return {k: v for k, v in metadata.items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


# -- process_audit_log ------------------------------------------------------------------------


def process_rows(history: PartitionHistory, day: dt.date) -> pl.DataFrame:
    """The process audit rows of one partition (see the module docstring)."""
    rows = []
    for run in history.runs:
        base = {"run_id": run.run_id, "job_name": run.job_name,
                "partition_key": run.partition_key, "load_date": day}

        def row(process_type, name, step, status, start, end, records, errors, details,
                keys, *, base=base, run=run):
            start = start if start is not None else (end if end is not None else 0.0)
            end = end if end is not None else start
            return {**base, "audit_id": _stable_id(run.run_id, process_type, name),
                    "process_name": name, "process_type": process_type, "step_key": step,
                    "status": status, "execution_time": round(max(end - start, 0.0), 3),
                    "started_at": _utc(start), "ended_at": _utc(end),
                    "record_count": records, "error_count": errors,
                    "audit_details": _json(details), "update_date": _utc(end).date(),
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
                       "metadata": _numbers(mat.metadata)}
            run_rows.append(row(
                "asset", _user(mat.asset_key), mat.step_key, "Warning" if checks else "Success",
                run.step_starts.get(mat.step_key, run.start),
                run.step_ends.get(mat.step_key, mat.timestamp), _row_count(mat.metadata),
                len(checks) + rejected, details, [mat.asset_key]))
        skipped = sorted((k for k, step in run.planned.items()
                          if k not in materialised and k not in AUDIT_KEYS
                          and step not in failed_steps), key=_user)
        for key in skipped:
            run_rows.append(row("asset", _user(key), run.planned[key], "Warning", run.end,
                                run.end, None, 0,
                                {"step": run.planned[key], "not_materialised":
                                 "an upstream step or blocking check failed, or the run was "
                                 "cancelled"}, [key]))
        for failure in run.failures:
            assets = sorted(_user(k) for k, s in run.planned.items() if s == failure.step_key)
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
                "failed_checks": sorted(f"{_user(e.asset_key)}:{e.check_name}"
                                        for e in failed_checks),
                "skipped_assets": [_user(k) for k in skipped]},
            [*materialised, *run.planned]))
        rows.extend(run_rows)
    frame = pl.DataFrame(rows, schema=_dtypes(PROCESS_SCHEMA), orient="row") if rows else \
        pl.DataFrame(schema=_dtypes(PROCESS_SCHEMA))
    return frame.select(list(PROCESS_SCHEMA.columns)).sort("started_at", "process_type",
                                                           "process_name")


# -- error_audit_log --------------------------------------------------------------------------


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
            numbers = _numbers(failed.metadata)
            affected = next((numbers[k] for k in ("failing_rows", "orphan_rows",
                                                   "unaccounted_rows")
                             if isinstance(numbers.get(k), int)), None)
            description = failed.description or (
                f"check {failed.check_name} failed on {_user(failed.asset_key)}: "
                + ", ".join(f"{k}={v}" for k, v in sorted(numbers.items())))
            rows.append({
                "error_id": _stable_id("asset_check", run.run_id, _user(failed.asset_key),
                                       failed.check_name, history.partition_key),
                "error_origin": "asset_check", "error_type": "Data Quality",
                "error_rule": failed.check_name, "error_description": description[:MAX_TEXT],
                "source_table": _table_name(failed.asset_key),
                "error_timestamp": _utc(failed.timestamp),
                "severity": "ERROR" if failed.severity == "ERROR" else "WARN",
                "status": status, "affected_rows": abs(affected) if affected else affected,
                "run_id": run.run_id,
                "process_audit_info": _json({"job": run.job_name, "step": failed.step_key,
                                             "check": failed.check_name,
                                             "metadata": numbers,
                                             "resolved_by_run": passed_later
                                             and passed_later.run_id}),
                "load_date": day,
                "update_date": _utc((passed_later or failed).timestamp).date(),
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
                "error_id": _stable_id("step_failure", run.run_id, failure.step_key,
                                       history.partition_key),
                "error_origin": "step_failure", "error_type": "Processing",
                "error_rule": failure.error_class,
                "error_description": f"step {failure.step_key} failed: "
                                     f"{failure.message}"[:MAX_TEXT],
                "source_table": ", ".join(sorted(_table_name(k) for k in keys))
                or failure.step_key,
                "error_timestamp": _utc(failure.timestamp), "severity": "ERROR",
                "status": status, "affected_rows": None, "run_id": run.run_id,
                "process_audit_info": _json({"job": run.job_name, "step": failure.step_key,
                                             "resolved_by_run": later and later.run_id}),
                "load_date": day,
                "update_date": _utc(later.end if later else failure.timestamp).date(),
                "source_system": source_system_of(keys),
            })
    return rows


def _rejects_sql(existing: set[str], materialized_by: dict[AssetKey, str]) -> str | None:
    parts = []
    for table in SOURCE_TABLES:
        if table.rejects_table not in existing:
            continue
        run_id = materialized_by.get(AssetKey(["silver", table.rejects_table]))
        run_sql = f"'{run_id}'" if run_id else "CAST(NULL AS VARCHAR)"
        parts.append(f"""
        SELECT error_id, 'rejected_row' AS error_origin, error_type, error_rule,
               error_description, source_table, error_timestamp,
               CASE WHEN disposition = 'rejected' THEN 'ERROR' ELSE 'INFO' END AS severity,
               status, 1 AS affected_rows, {run_sql} AS run_id,
               CAST(json_object('rejects_table', 'silver.{table.rejects_table}',
                                'source_file', source_file, 'source_row', source_row,
                                'disposition', disposition) AS VARCHAR) AS process_audit_info,
               CAST($day AS DATE) AS load_date, CAST(error_timestamp AS DATE) AS update_date,
               source_system
        FROM silver.{table.rejects_table} WHERE _partition_date = $day""")
    return " UNION ALL ".join(parts) or None


def error_rows(warehouse: Warehouse, history: PartitionHistory, day: dt.date) -> pl.DataFrame:
    """The day's rejected rows from silver plus the failed checks and steps of the event log."""
    materialized_by = {m.asset_key: run.run_id for run in history.runs
                       for m in run.materializations}
    dtypes = _dtypes(ERROR_SCHEMA)
    frames = []
    with warehouse.get_connection() as con:
        existing = {name for name, in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'silver'"
        ).fetchall()}
        sql = _rejects_sql(existing, materialized_by)
        if sql:
            frames.append(con.execute(sql, {"day": day}).pl().cast(dtypes))
    events = event_errors(history, day)
    frames.append(pl.DataFrame(events, schema=dtypes, orient="row") if events
                  else pl.DataFrame(schema=dtypes))
    columns = list(ERROR_SCHEMA.columns)
    return pl.concat([f.select(columns) for f in frames]).sort("error_timestamp", "error_id")


# -- writing ----------------------------------------------------------------------------------


def write_audit_partition(warehouse: Warehouse, table: str, schema, rows: pl.DataFrame,
                          day: dt.date) -> AssetCheckResult:
    """Validate ``rows`` against the model, then replace the partition in one transaction.

    A violation raises before anything is written; the passing verdict is returned as the
    result of the asset's blocking ``pandera_schema`` check, evaluated in the same step.
    """
    verdict = evaluate_schema(rows, schema)
    if not verdict.passed:
        raise Failure(description=f"gold.{table} {day}: rows break the model; nothing written",
                      metadata=verdict.metadata)
    columns = ", ".join(f"CAST({name} AS {sql_type(col.dtype.type)}) AS {name}"
                        for name, col in schema.columns.items())
    incoming = rows.to_arrow()  # noqa: F841 - referenced by name in the SQL
    with warehouse.get_connection() as con:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _audit_rows AS SELECT {columns} FROM incoming")
        con.begin()
        try:
            warehouse.replace_partition(con, f"gold.{table}", PARTITION_COLUMN, day,
                                        "_audit_rows")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.execute("DROP TABLE IF EXISTS _audit_rows")
    return AssetCheckResult(check_name="pandera_schema", passed=True, metadata=verdict.metadata)


def _status_counts(frame: pl.DataFrame) -> dict:
    counts = frame.group_by("status").len().sort("status")
    return dict(zip(counts["status"].to_list(), counts["len"].to_list(), strict=True))


# -- assets -----------------------------------------------------------------------------------

_COMMON = {
    "group_name": AUDIT_GROUP,
    "partitions_def": daily_partitions,
    "kinds": {"duckdb", "dagster", "pandera"},
    "owners": ["team:data-platform"],
    "tags": {"layer": "gold", "kind": "audit", "seed": "002"},
}


@asset(
    key=PROCESS_AUDIT_KEY,
    description="Process execution data from pipeline runs for operational monitoring and "
    "data governance compliance (seed 002, Go_Process_Audit_Log), read from the Dagster event "
    "log: one row per run, per asset materialisation and per failed step of the partition's "
    "finished runs.\n\nGrain: one row per run, asset materialisation or failed step.",
    metadata={"partition_expr": "load_date", "seed": "002", "primary_key": ["audit_id"],
              "dagster/column_schema": table_schema(PROCESS_SCHEMA, ("audit_id",))},
    check_specs=gold_check_specs(PROCESS_TABLE),
    **_COMMON,
)
def process_audit_log(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    day = partition_day(context.partition_key)
    history = partition_history(context.instance, context.partition_key, context.run.run_id)
    rows = process_rows(history, day)
    verdict = write_audit_partition(warehouse, "process_audit_log", PROCESS_SCHEMA, rows, day)
    return MaterializeResult(check_results=[verdict], metadata={
        "dagster/row_count": rows.height, "day": str(day), "runs_audited": len(history.runs),
        "runs_in_flight": len(history.in_flight),
        "by_status": MetadataValue.json(_status_counts(rows))})


@asset(
    key=ERROR_AUDIT_KEY,
    description="Data validation errors and data quality issues for error tracking and data "
    "governance compliance (seed 002, Go_Error_Audit_Log): the day's rejected rows of every "
    "silver table, and the failed asset checks and failed steps of the day's runs, each with "
    "its lifecycle status (Open, In Progress, Resolved).\n\nGrain: one row per rejected row, "
    "failed check evaluation or failed step.",
    metadata={"partition_expr": "load_date", "seed": "002", "primary_key": ["error_id"],
              "dagster/column_schema": table_schema(ERROR_SCHEMA, ("error_id",))},
    check_specs=gold_check_specs(ERROR_TABLE),
    deps=[AssetDep(key) for key in sorted(REJECTS_KEYS, key=_user)],
    **_COMMON,
)
def error_audit_log(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    day = partition_day(context.partition_key)
    history = partition_history(context.instance, context.partition_key, context.run.run_id)
    try:
        rows = error_rows(warehouse, history, day)
    except duckdb.CatalogException as exc:  # a rejects table mid-creation by another writer
        raise Failure(description=f"could not read the silver rejects tables: {exc}") from exc
    verdict = write_audit_partition(warehouse, "error_audit_log", ERROR_SCHEMA, rows, day)
    origins = rows.group_by("error_origin").len().sort("error_origin")
    return MaterializeResult(check_results=[verdict], metadata={
        "dagster/row_count": rows.height, "day": str(day),
        "by_status": MetadataValue.json(_status_counts(rows)),
        "by_origin": MetadataValue.json(dict(zip(origins["error_origin"].to_list(),
                                                 origins["len"].to_list(), strict=True)))})


ASSETS = [process_audit_log, error_audit_log]
CHECKS: list = []  # the blocking pandera_schema checks are evaluated in the assets' own steps
TABLES: list = []  # both tables are hand-written assets, not plain SQL GoldTables


# -- job and sensors --------------------------------------------------------------------------

audit_job = define_asset_job(
    AUDIT_JOB_NAME,
    selection=AssetSelection.groups(AUDIT_GROUP),
    description="Audit one day: rebuild gold.process_audit_log and gold.error_audit_log from "
    "the Dagster event log and the silver rejects tables.",
)


def audit_request(context: RunStatusSensorContext) -> RunRequest | SkipReason:
    """Request an audit of the partition of the run that just finished."""
    run = context.dagster_run
    partition = run.tags.get(PARTITION_TAG)
    if run.job_name == AUDIT_JOB_NAME:
        return SkipReason(f"run {run.run_id} is an audit run")
    if run.asset_selection and set(run.asset_selection) <= AUDIT_KEYS:
        return SkipReason(f"run {run.run_id} only materialised audit assets")
    if not partition:
        return SkipReason(f"run {run.run_id} has no partition to audit")
    try:
        partition_day(partition)
    except ValueError:
        return SkipReason(f"run {run.run_id}: partition {partition!r} is not a day")
    return RunRequest(run_key=f"audit:{run.run_id}", partition_key=partition,
                      tags={"audited_run_id": run.run_id, "audited_job": run.job_name})


_SENSOR = {"request_job": audit_job, "default_status": DefaultSensorStatus.RUNNING,
           "minimum_interval_seconds": 30}
audit_after_success = run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS, name="audit_after_success",
    description="When a partitioned run succeeds, audit its day (audit_job).", **_SENSOR,
)(audit_request)
audit_after_failure = run_status_sensor(
    run_status=DagsterRunStatus.FAILURE, name="audit_after_failure",
    description="When a partitioned run fails, audit its day (audit_job): the failure skipped "
    "everything downstream, the audit records it.", **_SENSOR,
)(audit_request)

SENSORS = [audit_after_success, audit_after_failure]
JOBS = [audit_job]

DOCUMENTED = [PROCESS_TABLE, ERROR_TABLE]
