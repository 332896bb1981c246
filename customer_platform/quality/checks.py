"""Asset checks: every Pandera schema is evaluated as a check inside its asset's step.

A failing check reports how many rows broke each rule and a sample of the failure cases
(PII values masked), so the UI answers "what is wrong, how much, and where" without a query.
Silver checks are blocking: a failure stops gold steps in the same run.
"""

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import duckdb
import pandera.polars as pa
import polars as pl
from dagster import (
    AssetCheckEvaluation,
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetRecordsFilter,
    MetadataValue,
)
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,
)
from dagster._core.events import (
    DagsterEvent,
    DagsterEventBatchMetadata,
    DagsterEventType,
    generate_event_batch_id,
)

from customer_platform.contracts.metadata import DUPLICATE, PARTITION_COLUMN, REJECTED
from customer_platform.partitions import daily_partitions, partition_days
from customer_platform.privacy import MASK
from customer_platform.quality.schemas import pii_columns
from customer_platform.resources import Warehouse

SAMPLE_SIZE = 10


def each_day_verdict(context, verdict) -> AssetCheckResult:
    """A stand-alone check over its step's days: ``verdict(day)`` per day, as ``over_days``."""
    return over_days({day: verdict(day) for day in partition_days(context)}, context=context)


def over_days_by_check(per_day, *, context, asset_key: AssetKey | None = None
                       ) -> list[AssetCheckResult]:
    """``over_days`` for each check of a step that returns several check results a day
    (``per_day``: (day, [results]) in day order)."""
    by_check: dict[str | None, dict] = {}
    for day, results in per_day:
        for result in results:
            by_check.setdefault(result.check_name, {})[day] = result
    return [over_days(verdicts, context=context, asset_key=asset_key)
            for verdicts in by_check.values()]


def over_days(verdicts: dict, *, context=None, asset_key: AssetKey | None = None
              ) -> AssetCheckResult:
    """One verdict for a check evaluated on each day of a step (``verdicts``: day -> result, in
    day order). A single day's verdict is returned as it is. Over a range, each day's verdict is
    also recorded as that day's own check evaluation (with ``context``: the UI's per-day status
    and the analytics sensor read those), and the step's verdict passes only if every day
    passed, names the failing days and shows the first failing day's figures (else the
    figures summed over the days). Call it once the checked days are materialised."""
    results = list(verdicts.values())
    if len(results) == 1:
        return results[0]
    if context is not None:
        record_each_day(context, verdicts, asset_key)
    failed = [day for day, result in verdicts.items() if not result.passed]
    shown = verdicts[failed[0]] if failed else None
    metadata = {"days_checked": len(results),
                "failed_days": MetadataValue.json([str(day) for day in failed])}
    if shown is not None:
        metadata.update({"first_failed_day": str(failed[0]), **shown.metadata})
    else:
        for result in results:
            for name, value in result.metadata.items():
                raw = getattr(value, "value", value)
                if isinstance(raw, int) and not isinstance(raw, bool):
                    metadata[name] = metadata.get(name, 0) + raw
    first = results[0]
    return AssetCheckResult(
        passed=not failed, asset_key=first.asset_key, check_name=first.check_name,
        severity=shown.severity if shown is not None else first.severity,
        description=(f"failed on {len(failed)} of {len(results)} days: "
                     f"{', '.join(str(day) for day in failed)}") if failed else None,
        metadata=metadata)


def record_each_day(context, verdicts: dict, asset_key: AssetKey | None = None) -> None:
    """Each day's verdict as a partitioned check evaluation targeting that day's
    materialisation by this run (if it has one), as a one-day run records it. The days' events
    are stored as one batch (one transaction, as Dagster stores a ranged step's
    materialisations), each still its own event."""
    first = next(iter(verdicts.values()))
    if isinstance(context, AssetCheckExecutionContext):
        specs, step = context.check_specs, context.op_execution_context
    else:
        specs, step = list(context.assets_def.check_specs), context
    key = asset_key or first.asset_key or specs[0].asset_key
    spec = next(s for s in specs if s.asset_key == key
                and s.name == (first.check_name or s.name))  # a stand-alone check has one
    latest = step.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key), limit=len(verdicts)).records
    targets = {r.partition_key: r for r in latest if r.run_id == step.run.run_id}
    op = getattr(step, "op_execution_context", step)  # where log_event keeps a step's events
    batch, last = generate_event_batch_id(), len(verdicts) - 1
    for number, (day, result) in enumerate(verdicts.items()):
        target = targets.get(day.isoformat())
        evaluation = AssetCheckEvaluation(
            asset_key=key, check_name=spec.name, passed=result.passed,
            metadata=result.metadata, severity=result.severity,
            description=result.description, blocking=spec.blocking, partition=day.isoformat(),
            target_materialization_data=AssetCheckEvaluationTargetMaterializationData(
                storage_id=target.storage_id, run_id=target.run_id,
                timestamp=target.timestamp) if target else None)
        # What ``step.log_event(evaluation)`` does, with the batch's metadata (Dagster's
        # internals: re-check on a Dagster upgrade; test_local_instance sees the batch).
        op._events.append(DagsterEvent.from_step(  # noqa: SLF001
            DagsterEventType.ASSET_CHECK_EVALUATION, op._step_execution_context,  # noqa: SLF001
            evaluation, message=f"Asset check '{spec.name}' on '{key.to_user_string()}' "
            f"{'passed' if result.passed else 'did not pass'} for {day}.",
            batch_metadata=DagsterEventBatchMetadata(batch, number == last)))


def evaluate_schema(frame: pl.DataFrame, schema: pa.DataFrameSchema, **identity
                    ) -> AssetCheckResult:
    """Validate ``frame`` against ``schema``; summarise failures per rule with a masked sample.

    ``identity`` (``asset_key``, ``check_name``) names the check when it is evaluated inside
    an asset's step rather than by a stand-alone ``@asset_check``.
    """
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return AssetCheckResult(passed=True, metadata={"rows_checked": frame.height}, **identity)

    masked = set(pii_columns(schema))
    # A schema-level case (a missing or extra column, a wrong type) names the table in
    # ``column`` and the offending column in ``failure_case``: report it against that column.
    # A table-level rule that fails on rows (uniqueness of the key) is reported against the key.
    table_level = pl.col("schema_context") == "DataFrameSchema"
    schema_level = table_level & pl.col("index").is_null()
    key = ", ".join(schema.unique) if schema.unique else "(table)"
    uniqueness = pl.col("check").is_in(["multiple_fields_uniqueness", "field_uniqueness"])
    cases = cases.with_columns(
        pl.when(schema_level).then(pl.col("failure_case").cast(pl.String))
        .when(table_level & uniqueness).then(pl.lit(key))
        .when(table_level).then(pl.lit("(row)"))
        .otherwise(pl.col("column")).alias("column"),
        pl.when(schema_level).then(pl.lit("(whole table)"))
        .when(table_level & uniqueness).then(pl.lit("(row shares its key with another row)"))
        .when(table_level).then(pl.lit(MASK))  # the whole row, which may hold PII
        .otherwise(pl.col("failure_case").cast(pl.String)).alias("failure_case"),
    ).with_columns(
        pl.when(pl.col("column").is_in(list(masked))).then(pl.lit(MASK))
        .otherwise(pl.col("failure_case").cast(pl.String)).alias("failure_case")
    )
    per_rule = (
        cases.group_by("column", "check")
        .agg(pl.col("index").drop_nulls().n_unique().alias("failing_rows"), pl.len().alias("cases"))
        .sort("column", "check")
    )
    failing_rows = cases.get_column("index").drop_nulls().n_unique()
    sample = cases.head(SAMPLE_SIZE).select("column", "check", "failure_case", "index")
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        **identity,
        metadata={
            "rows_checked": frame.height,
            "failing_rows": failing_rows,
            "failing_rows_by_rule": MetadataValue.json(
                {f"{r['column']}: {r['check']}": r["failing_rows"] or r["cases"]
                 for r in per_rule.to_dicts()}
            ),
            "failure_sample": MetadataValue.md(_markdown(sample)),
        },
    )


def evaluate_schema_by_day(frames: dict, schema: pa.DataFrameSchema, **identity) -> dict:
    """``evaluate_schema`` of each day's frame (``frames``: day -> frame, in day order), with
    one validation of the days together where that gives the same verdicts: Pandera's cost is
    mostly per call, so a week validated once costs about what one day does. The days' frames
    must share their columns and types; the schema's uniqueness rules then hold within each
    day, and its table checks are row-wise, as every contract's and model's are. If the days
    together fail, each day is validated on its own, so a failing day keeps its own figures."""
    if len(frames) > 1 and len({tuple(f.schema.items()) for f in frames.values()}) == 1:
        together = pl.concat([frame.with_columns(pl.lit(i, pl.Int64).alias(_DAY_INDEX))
                              for i, frame in enumerate(frames.values())])
        try:
            _within_each_day(schema).validate(together, lazy=True)
        except pa.errors.SchemaErrors:
            pass
        else:
            return {day: AssetCheckResult(passed=True, metadata={"rows_checked": frame.height},
                                          **identity) for day, frame in frames.items()}
    return {day: evaluate_schema(frame, schema, **identity) for day, frame in frames.items()}


@contextlib.contextmanager
def checked_while_written() -> Iterator[Callable[..., Future]]:
    """A step's schema checks started on a second thread before it yields the frames they
    check: the warehouse writes them (DuckDB, which works without Python's lock) while Pandera
    and Polars validate them, on the machine's two cores. Yields ``submit(frames, schema,
    **identity)``, ``evaluate_schema_by_day`` begun in the background; its ``result()``
    gives the verdicts. The frames are not changed by their write, so the verdicts are those
    of what was written; on leaving, the thread's work is finished (or its failure raised)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="schema_checks") as checker:
        yield lambda frames, schema, **identity: checker.submit(
            evaluate_schema_by_day, frames, schema, **identity)


#: the column ``evaluate_schema_by_day`` numbers each day's rows by, in the frame it validates
_DAY_INDEX = "_validated_day"


def _within_each_day(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """``schema`` for several days' rows in one frame, told apart by ``_DAY_INDEX``: each
    uniqueness rule (the table key, a unique column) becomes a row check that holds within a
    day. (Polars counts nulls as equal, so this is never laxer than Pandera's own rule.)"""
    unique_columns = [name for name, column in schema.columns.items() if column.unique]
    rules = ([list(schema.unique)] if schema.unique else []) + [[c] for c in unique_columns]
    whole = schema.update_columns({name: {"unique": False} for name in unique_columns})
    whole = whole.add_columns({_DAY_INDEX: pa.Column(pl.Int64)})
    whole.unique = None
    whole.checks = [*whole.checks, *(pa.Check(
        lambda data, rule=rule: data.lazyframe.select(
            ~pl.struct(*rule, _DAY_INDEX).is_duplicated()),
        name=f"unique within a day: {', '.join(rule)}") for rule in rules)]
    return whole


def _markdown(frame: pl.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
    lines += ["| " + " | ".join("" if v is None else str(v)[:80] for v in row) + " |"
              for row in frame.iter_rows()]
    return "\n".join(lines)


def schema_check_spec(asset_key: AssetKey, *, blocking: bool, description: str
                      ) -> AssetCheckSpec:
    """The spec of a Pandera check evaluated inside the asset's own step."""
    return AssetCheckSpec("pandera_schema", asset=asset_key, blocking=blocking,
                          partitions_def=daily_partitions, description=description)


def reconciliation_spec(silver_key: AssetKey) -> AssetCheckSpec:
    return AssetCheckSpec(
        "reconciliation", asset=silver_key, blocking=True, partitions_def=daily_partitions,
        description="Nothing lost: bronze rows = silver rows + removed duplicates + rejected "
        "rows, counted in the stored tables.",
    )


def reconcile(warehouse: Warehouse, silver_key: AssetKey, bronze_table: str,
              silver_table: str, rejects_table: str, day) -> AssetCheckResult:
    """bronze rows = silver rows + removed duplicates + rejected rows, for the stored partition."""
    return reconcile_days(warehouse, silver_key, bronze_table, silver_table, rejects_table,
                          [day])[day]


def reconcile_days(warehouse: Warehouse, silver_key: AssetKey, bronze_table: str,
                   silver_table: str, rejects_table: str, days) -> dict:
    """``reconcile`` for each of ``days`` (consecutive, in order), counted by one query per
    table over the days rather than four a day."""
    counted: dict = {}
    with warehouse.get_connection() as con:
        for table, kind in ((f"bronze.{bronze_table}", "'bronze'"),
                            (f"silver.{silver_table}", "'silver'"),
                            (f"silver.{rejects_table}", "disposition")):
            try:
                rows = con.execute(
                    f"SELECT {PARTITION_COLUMN}, {kind}, count(*) FROM {table} "
                    f"WHERE {PARTITION_COLUMN} BETWEEN ? AND ? GROUP BY ALL",
                    [days[0], days[-1]]).fetchall()
            except duckdb.CatalogException:  # not written yet: nothing stored
                rows = []
            counted.update({(day, what): n for day, what, n in rows})
    return {day: _reconciliation(silver_key, *(counted.get((day, what), 0) for what in
                                               ("bronze", "silver", REJECTED, DUPLICATE)))
            for day in days}


def _reconciliation(silver_key: AssetKey, bronze: int, silver: int, rejected: int,
                    duplicates: int) -> AssetCheckResult:
    difference = bronze - (silver + rejected + duplicates)
    return AssetCheckResult(
        asset_key=silver_key,
        check_name="reconciliation",
        passed=difference == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "bronze_rows": bronze,
            "silver_rows": silver,
            "duplicate_rows": duplicates,
            "rejected_rows": rejected,
            "unaccounted_rows": difference,
        },
    )
