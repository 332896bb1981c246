"""How a gold table is declared and built: SQL inside the warehouse, validated before commit.

A ``GoldTable`` is a Pandera model, its business purpose, key and foreign keys, and one DuckDB
``SELECT`` for the rows of one day (``$day``). ``build_gold_asset`` runs it inside the warehouse,
validates the rows against the model (bad rows are never written) and replaces the day's
partition in one transaction, so a re-run replaces it and a crash leaves the old one. Keys are
stable surrogate keys, never names (docs/architecture.md, Gold: how it is built).
"""

import contextlib
import copy
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from typing import Literal

import pandera.polars as pa
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MaterializeResult,
    MetadataValue,
    PartitionMapping,
    asset,
)

from customer_platform.contracts import source_table
from customer_platform.contracts.base import column, column_meta
from customer_platform.partitions import (
    FAILED_DAY,
    RANGED,
    daily_partitions,
    each_day,
    failed_day,
    partition_days,
    record_day,
)
from customer_platform.privacy import markdown_preview
from customer_platform.quality.checks import (
    evaluate_schema,
    evaluate_schema_by_day,
    over_days_by_check,
    record_each_day,
)
from customer_platform.quality.schemas import pii_columns, table_schema
from customer_platform.resources import Warehouse, insertable, table_exists
from customer_platform.settings import partition_start

Kind = Literal["dimension", "fact", "aggregate", "audit", "bridge"]
PARTITION_COLUMN = "load_date"
OPEN_END = dt.date(9999, 12, 31)  # valid_to of a current SCD2 version


class GoldModel(pa.DataFrameModel):
    """Base of every gold model: the metadata columns every gold table carries, checked."""

    load_date: dt.date = column("Day the row was loaded into gold (the partition)")
    update_date: dt.date = column("Day the record last changed in its source system")
    source_system: str = column("Source system(s) the row comes from, for lineage")

    class Config:
        strict = True
        coerce = False


METADATA_COLUMNS = ("load_date", "update_date", "source_system")


def from_contract(table: str, name: str, *, description: str | None = None,
                  nullable: bool = False, **checks):
    """A gold column passing column ``name`` of source table ``table`` (``"crm.customers"``)
    through: its description and PII class are the contract's, written once there; whether
    it may be empty, is unique or has checks stays the gold model's own (the arguments).
    ``description`` is for a column whose gold text deliberately says something else: its PII
    class still follows the contract. The metadata names the contract column (``contract``).
    """
    source = source_table(table).columns()[name]
    optional = bool(column_meta(source, "optional")) and not source.nullable
    field = column(description or source.description, pii=column_meta(source, "pii"),
                   nullable=nullable or optional, optional=optional, **checks)
    field.metadata["contract"] = f"{table}.{name}"
    return field


def ordered_schema(model: type[GoldModel]) -> pa.DataFrameSchema:
    """The model's schema with the business columns first and the metadata columns last."""
    schema = model.to_schema()
    names = [c for c in schema.columns if c not in METADATA_COLUMNS] + list(METADATA_COLUMNS)
    ordered = copy.deepcopy(schema)
    ordered.columns = {name: schema.columns[name] for name in names}
    return ordered


@dataclasses.dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str  # gold table name, e.g. "dim_customer"
    references: str  # column of that table
    #: A dimension key must resolve (dimensions infer members), so orphans stop downstream.
    #: A key to another fact can dangle because its row was rejected upstream (already in the
    #: error log): a warning, not a stop.
    blocking: bool = True


#: Column of a fact with ``redelivery``: the row is a changed re-delivery of a record first
#: received on an earlier day, and supersedes it.
UPDATE_FLAG = "is_update"


@dataclasses.dataclass(frozen=True)
class Redelivery:
    """How an incremental fact treats a record (same key) delivered again on a later day.

    Silver removes duplicates within a day only; across days the fact compares a day's rows with
    the latest earlier delivery of their key in its own partitions of the ``lookback_days``
    before (a declared window, so any day order gives the same rows once upstream is in).
    """

    lookback_days: int
    #: columns describing the delivery rather than the record (ignored when comparing)
    arrival_columns: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class GoldTable:
    """One gold table: what it means, what it holds, and the SQL of one day."""

    name: str
    model: type[GoldModel]
    description: str
    seed: str
    kind: Kind
    domain: str  # group in the UI: gold_customer, gold_platform, gold_revenue, gold_audit
    primary_key: tuple[str, ...]
    sql: str  # a SELECT producing exactly the model's columns for partition ``$day``
    sources: tuple[str, ...]  # upstream tables as "silver.stg_x" / "gold.dim_y"
    foreign_keys: tuple[ForeignKey, ...] = ()
    #: partitions of the upstream tables the SQL reads, relative to ``$day`` (inclusive)
    window: tuple[int, int] = (0, 0)
    #: (source, window) pairs for sources read over another window than ``window``
    source_windows: tuple[tuple[str, tuple[int, int]], ...] = ()
    owner: str = "team:data-platform"
    grain: str = ""
    #: for a dimension over a fixed vocabulary (no sources): the source system whose values
    #: it lists; the table is built only where that system is declared
    vocabulary_of: str = ""
    #: for an incremental fact: how a record delivered again on a later day is treated (the
    #: model needs an ``is_update`` column, the sources the table itself over the look-back)
    redelivery: Redelivery | None = None
    #: how a partition is built when the SQL alone is not enough: ``(warehouse, table, day)
    #: -> (rows, check results)``, e.g. to guard inputs first; default ``run_gold_sql``
    build: Callable | None = None
    #: how a range of days is built together when ``build`` runs them one at a time:
    #: ``(warehouse, table, days) -> [(day, (rows, check results))]``, or None to have
    #: ``build`` run each day (as it does for a single day)
    build_days: Callable | None = None
    #: what follows the write of a step's days (each committed, however the days were built):
    #: ``(warehouse, table, days) -> {day: metadata}`` adds to each day's materialisation,
    #: e.g. feature statistics; it may also (re)create what goes with the table, such as a view
    after_write: Callable | None = None
    #: a range computes each day by its own query (in one statement) instead of correlating
    #: the SQL on the range's days, where that ran slower (``scripts/range_sql_timing.py``)
    plan_per_day: bool = False

    @property
    def key(self) -> AssetKey:
        return AssetKey(["gold", self.name])

    def schema(self) -> pa.DataFrameSchema:
        """The Pandera schema of the table (built once: every day of a range validates with
        it, and building it copies the model's)."""
        return _table_schema(self.model, tuple(self.primary_key), f"gold.{self.name}")


@functools.cache
def _table_schema(model: type[GoldModel], primary_key: tuple[str, ...], name: str
                  ) -> pa.DataFrameSchema:
    schema = ordered_schema(model)
    schema.unique = list(primary_key)
    schema.name = name
    return schema


def upstream_key(source: str) -> AssetKey:
    schema, table = source.split(".")
    return AssetKey([schema, table])


def _dep(source: str, window: tuple[int, int]) -> AssetDep:
    mapping: PartitionMapping | None = None
    if window != (0, 0):
        from dagster import TimeWindowPartitionMapping

        mapping = TimeWindowPartitionMapping(start_offset=window[0], end_offset=window[1],
                                             allow_nonexistent_upstream_partitions=True)
    return AssetDep(upstream_key(source), partition_mapping=mapping)


_SQL_TYPES = {pl.Int64: "BIGINT", pl.Int32: "INTEGER", pl.Float64: "DOUBLE", pl.String: "VARCHAR",
              pl.Date: "DATE", pl.Boolean: "BOOLEAN"}


def sql_type(dtype: pl.DataType) -> str:
    """The DuckDB type that stores a model column, so stored types always match the model."""
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMP"
    return _SQL_TYPES[dtype.base_type()]


def ensure_table(con, table: GoldTable) -> None:
    """Create ``gold.<name>`` empty with the model's columns if it does not exist yet."""
    columns = ", ".join(f"{name} {sql_type(col.dtype.type)}"
                        for name, col in table.schema().columns.items())
    con.execute("CREATE SCHEMA IF NOT EXISTS gold")
    con.execute(f"CREATE TABLE IF NOT EXISTS gold.{table.name} ({columns})")


def _key_source(con, table: str) -> str:
    """Where ``gold.<table>``'s keys are: an SCD2 dimension's stored versions hold every key
    its view has, without computing the history (the view costs ~1 s at 100k customers)."""
    versions = f"gold.{table}_versions"
    return versions if table_exists(con, versions) else f"gold.{table}"


def _foreign_key_results(con, fk: ForeignKey, staged: dict[dt.date, str]
                         ) -> dict[dt.date, AssetCheckResult]:
    """The ``fk_<column>`` verdict of each day's rows (``staged``: day -> the table holding
    them), from one query over all the days."""
    keys = _key_source(con, fk.table)
    rows = " UNION ALL ".join(f"SELECT {number} AS day_number, {fk.column} AS key FROM {table} "
                              f"WHERE {fk.column} IS NOT NULL"
                              for number, table in enumerate(staged.values()))
    counted = {number: (total, orphans, sample) for number, total, orphans, sample in con.execute(
        f"SELECT day_number, count(*), count(*) FILTER (orphan), "
        f"list(DISTINCT key ORDER BY key) FILTER (orphan) FROM (SELECT day_number, key, "
        f"NOT EXISTS (SELECT 1 FROM {keys} d WHERE d.{fk.references} = r.key) AS orphan "
        f"FROM ({rows}) r) GROUP BY day_number").fetchall()}
    severity = AssetCheckSeverity.ERROR if fk.blocking else AssetCheckSeverity.WARN
    results = {}
    for number, day in enumerate(staged):
        total, orphans, sample = counted.get(number, (0, 0, []))
        results[day] = AssetCheckResult(
            check_name=f"fk_{fk.column}", passed=orphans == 0, severity=severity,
            metadata={"rows_checked": total, "orphan_rows": orphans,
                      "orphan_keys_sample": (sample or [])[:10]})
    return results


def _same_record(table: GoldTable, new: str, old: str) -> str:
    """SQL predicate: rows ``new`` and ``old`` of ``table`` hold the same record (every column
    but the metadata, the arrival columns and the update flag)."""
    ignored = {*METADATA_COLUMNS, *table.redelivery.arrival_columns, UPDATE_FLAG}
    return " AND ".join(f"{new}.{c} IS NOT DISTINCT FROM {old}.{c}"
                        for c in table.schema().columns if c not in ignored)


def settle_redeliveries(con, table: GoldTable, rows_table: str, day: dt.date) -> dict:
    """Drop from ``rows_table`` the rows identical to the latest earlier delivery of their key
    (within the look-back) and flag the changed ones as updates; return the counts."""
    keys = " AND ".join(f"n.{k} = e.{k}" for k in table.primary_key)
    earlier = f"""(SELECT * FROM gold.{table.name}
        WHERE {PARTITION_COLUMN} BETWEEN CAST(? AS DATE) - {table.redelivery.lookback_days}
                                     AND CAST(? AS DATE) - 1
        QUALIFY row_number() OVER (PARTITION BY {", ".join(table.primary_key)}
                                   ORDER BY {PARTITION_COLUMN} DESC) = 1)"""
    identical = con.execute(
        f"DELETE FROM {rows_table} n WHERE EXISTS (SELECT 1 FROM {earlier} e "
        f"WHERE {keys} AND {_same_record(table, 'n', 'e')}) RETURNING 1", [day, day]).fetchall()
    changed = [r[0] for r in con.execute(
        f"UPDATE {rows_table} n SET {UPDATE_FLAG} = TRUE WHERE EXISTS (SELECT 1 FROM "
        f"{earlier} e WHERE {keys}) RETURNING {table.primary_key[0]}", [day, day]).fetchall()]
    return {"redelivered_identical_dropped": len(identical), "redelivered_changed_updates":
            len(changed), "updated_keys_sample": sorted(changed)[:10]}


def _unique_across_days_result(con, table: GoldTable, rows_table: str, day: dt.date,
                               settled: dict) -> AssetCheckResult:
    """The ``key_unique_across_days`` check: no key of the day's rows is in another partition,
    unless the later of the two rows is a flagged update of the earlier."""
    keys = " AND ".join(f"n.{k} = o.{k}" for k in table.primary_key)
    clashes = con.execute(
        f"SELECT n.{table.primary_key[0]}, o.{PARTITION_COLUMN} FROM {rows_table} n "
        f"JOIN gold.{table.name} o ON {keys} AND o.{PARTITION_COLUMN} <> ? "
        f"WHERE NOT (CASE WHEN o.{PARTITION_COLUMN} < ? THEN n.{UPDATE_FLAG} "
        f"ELSE o.{UPDATE_FLAG} END) ORDER BY 1, 2", [day, day]).fetchall()
    return AssetCheckResult(
        check_name="key_unique_across_days", passed=not clashes,
        metadata={**settled, "keys_in_other_partitions": len(clashes),
                  "clash_sample": [f"{k} also in {d}" for k, d in clashes[:10]]})


def _typed_columns(schema: pa.DataFrameSchema) -> str:
    """Every column of the model cast to the type it is stored as, in the model's order. A
    floating-point zero is stored as 0.0, never -0.0: DuckDB may evaluate the same arithmetic
    (a price times a quantity less the line amount) to either sign of zero from one plan to
    the next, and the sign would show in exports ("-0.00") and change content hashes."""
    def typed(name: str, col) -> str:
        stored = sql_type(col.dtype.type)
        cast = f"CAST({name} AS {stored})"
        return f"{cast} + 0.0 AS {name}" if stored == "DOUBLE" else f"{cast} AS {name}"

    return ", ".join(typed(name, col) for name, col in schema.columns.items())


def typed_select(table: GoldTable, sql: str | None = None) -> str:
    """The ``SELECT`` a partition runs: the rows of the table's SQL (or of ``sql``, the same
    with its parameters written in) with every column cast to the type the model stores, in
    the model's order; ``customer-platform sql`` prints it as it runs."""
    return (f"SELECT {_typed_columns(table.schema())} FROM "
            f"({table.sql if sql is None else sql}) AS computed")


class RowsBreakModel(Failure):
    """A partition's rows break its gold model, so nothing was written: ``verdict`` is the
    failing ``pandera_schema`` result (rules, counts and a masked sample) for the check."""

    def __init__(self, name: str, day: dt.date, verdict: AssetCheckResult):
        super().__init__(description=f"{name} {day}: rows break the model; nothing written "
                         "(see metadata for the rules and a sample)", metadata=verdict.metadata)
        self.day, self.verdict = day, verdict


def validated(rows: pl.DataFrame, schema: pa.DataFrameSchema, name: str, day: dt.date
              ) -> AssetCheckResult:
    """The passing ``pandera_schema`` verdict of a partition's rows; rows that break the model
    raise ``RowsBreakModel`` instead, before anything is written."""
    verdict = evaluate_schema(rows, schema)
    if not verdict.passed:
        raise RowsBreakModel(name, day, verdict)
    return AssetCheckResult(check_name="pandera_schema", passed=True, metadata=verdict.metadata)


def broken_model_results(context, asset_key: AssetKey, failure: BaseException):
    """If ``failure`` (or the day's error a ranged step wraps in it) is ``RowsBreakModel``, the
    failing ``pandera_schema`` result to yield before the step fails, so the check says why and
    how many rows broke which rule, beside the untouched partition (over a range, also as the
    failing day's own evaluation)."""
    broken = next((e for e in (failure, failure.__cause__) if isinstance(e, RowsBreakModel)),
                  None)
    if broken is None:
        return
    result = AssetCheckResult(asset_key=asset_key, check_name="pandera_schema", passed=False,
                              metadata=broken.verdict.metadata,
                              severity=AssetCheckSeverity.ERROR, description=broken.description)
    if len(context.partition_keys) > 1:
        record_each_day(context, {broken.day: result}, asset_key)
    yield result


def _commit_partitions(warehouse: Warehouse, con, name: str, staged: dict[dt.date, str]
                       ) -> None:
    """Replace each partition of ``name`` with its staged rows (``staged``: day -> the table
    holding them) in one transaction, so a re-run replaces the days and a crash leaves the
    old ones."""
    con.begin()
    try:
        warehouse.replace_partitions(con, name, PARTITION_COLUMN, staged)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _commit_frames(warehouse: Warehouse, con, name: str, schema: pa.DataFrameSchema,
                   frames: dict[dt.date, pl.DataFrame]) -> None:
    """Replace partitions of ``gold.<name>`` with validated frames (day -> rows) in one
    transaction, each column cast to the type the model stores."""
    staged = {day: f"_frame_rows_{number}" for number, day in enumerate(frames)}
    try:
        for day, table in staged.items():
            incoming = insertable(frames[day])  # noqa: F841 - referenced by name in the SQL
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT "
                        f"{_typed_columns(schema)} FROM incoming")
        _commit_partitions(warehouse, con, f"gold.{name}", staged)
    finally:
        for table in staged.values():
            con.execute(f"DROP TABLE IF EXISTS {table}")


class RangeWrites:
    """The rows a step computes day by day outside the warehouse (the audit logs, the models),
    kept until its days are done and then written table by table: every day validated by one
    Pandera call and committed in one transaction, instead of a validation and a commit per
    day and table (about 85 ms of a day for the seven such tables). ``verdicts`` holds each
    table's ``pandera_schema`` result of each day once written."""

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse
        self.frames: dict[str, tuple[pa.DataFrameSchema, dict[dt.date, pl.DataFrame]]] = {}
        self.verdicts: dict[str, dict[dt.date, AssetCheckResult]] = {}

    def add(self, name: str, schema: pa.DataFrameSchema, day: dt.date,
            rows: pl.DataFrame) -> None:
        """Keep ``rows`` as partition ``day`` of ``gold.<name>``."""
        self.frames.setdefault(name, (schema, {}))[1][day] = rows

    def write(self, before: dt.date | None = None) -> None:
        """Write the kept days (only those before ``before``, if given). A day whose rows
        break a model, in any table, is not written, nor is any later day: the days before it
        are, and ``RowsBreakModel`` names it."""
        kept = {name: (schema, {day: rows for day, rows in frames.items()
                                if before is None or day < before})
                for name, (schema, frames) in self.frames.items()}
        self.frames = {}
        kept = {name: (schema, frames) for name, (schema, frames) in kept.items() if frames}
        if not kept:
            return
        checked = {name: evaluate_schema_by_day(frames, schema, check_name="pandera_schema")
                   for name, (schema, frames) in kept.items()}
        broken = min(((day, name) for name, verdicts in checked.items()
                      for day, verdict in verdicts.items() if not verdict.passed), default=None)
        with self.warehouse.get_connection() as con:
            for name, (schema, frames) in kept.items():
                good = {day: rows for day, rows in frames.items()
                        if broken is None or day < broken[0]}
                if good:
                    _commit_frames(self.warehouse, con, name, schema, good)
        self.verdicts = checked
        if broken is not None:
            day, name = broken
            raise RowsBreakModel(f"gold.{name}", day, checked[name][day])


@contextlib.contextmanager
def written_by_range(context, warehouse: Warehouse) -> Iterator[RangeWrites]:
    """The step's ``RangeWrites``, written when the block ends. If a day fails inside the
    block (``each_day``'s failure names it), the days before it are written first, so the
    warehouse holds what writing each day at once would have left. Rows that break a model
    fail the step on their day, as ``each_day`` fails it."""
    writes = RangeWrites(warehouse)
    days = partition_days(context)
    try:
        yield writes
    except Exception as error:  # a single day's error, or each_day's failure naming the day
        stop = (getattr(error, "metadata", None) or {}).get(FAILED_DAY)
        _write_or_fail(writes, days, dt.date.fromisoformat(stop.value) if stop else days[0])
        raise
    _write_or_fail(writes, days)


def _write_or_fail(writes: RangeWrites, days: list[dt.date], before: dt.date | None = None
                   ) -> None:
    try:
        writes.write(before)
    except RowsBreakModel as broken:
        if len(days) == 1:
            raise
        raise failed_day(broken.day, broken) from broken


def _parameters(table: GoldTable, day: dt.date, *written_in: str) -> dict:
    """The named parameters the table's SQL reads, but those ``written_in`` its text."""
    return {name: value for name, value in (("day", day), ("first_day", partition_start()))
            if f"${name}" in table.sql and name not in written_in}


def run_gold_sql(warehouse: Warehouse, table: GoldTable, day: dt.date
                 ) -> tuple[int, list[AssetCheckResult]]:
    """Compute, validate and write one partition; return its row count and check results.

    The Pandera model is checked on the computed rows before anything is written (a failure
    raises and leaves the stored partition untouched); the foreign keys are checked against
    the dimensions as they stand, and the rows are written either way (an orphan is a fact
    about the upstream data, reported by a failing blocking check that stops downstream).
    """
    schema = table.schema()
    with warehouse.get_connection() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS gold")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _gold_rows AS {typed_select(table)}",
                    _parameters(table, day))
        try:
            if table.redelivery:
                ensure_table(con, table)
                settled = settle_redeliveries(con, table, "_gold_rows", day)
            rows = con.sql("SELECT * FROM _gold_rows").pl()
            results = [validated(rows, schema, f"gold.{table.name}", day)]
            results += [_foreign_key_results(con, fk, {day: "_gold_rows"})[day]
                        for fk in table.foreign_keys]
            if table.redelivery:
                results.append(_unique_across_days_result(con, table, "_gold_rows", day, settled))
            _commit_partitions(warehouse, con, f"gold.{table.name}", {day: "_gold_rows"})
        finally:
            con.execute("DROP TABLE IF EXISTS _gold_rows")
    return rows.height, results


#: ``$day`` in a table's SQL (not ``$day_...``).
_DAY_PARAMETER = re.compile(r"\$day\b")


def select_days(select: str, days: list[dt.date], plan_per_day: bool = False) -> str:
    """The rows of ``select`` (SQL reading ``$day``) for all of ``days`` as one statement,
    each row with its day in ``_range_day``: ``select`` is correlated on a list of the days
    (its ``$day`` read from the list), so DuckDB plans it once for the range instead of once a
    day; planning was about half of a gold table's time per day (docs/performance.md, the
    sixth pass). With ``plan_per_day``, the days' queries are joined by UNION ALL instead."""
    if plan_per_day:
        literals = [f"DATE '{day}'" for day in days]
        return " UNION ALL ".join(f"SELECT {literal} AS _range_day, * FROM "
                                  f"({_DAY_PARAMETER.sub(literal, select)})"
                                  for literal in literals)
    listed = ", ".join(f"(DATE '{day}')" for day in days)
    per_day = _DAY_PARAMETER.sub("_range_days._range_day", select)
    return (f"SELECT _range_days._range_day, computed_day.* FROM (VALUES {listed}) "
            f"AS _range_days(_range_day), LATERAL ({per_day}) AS computed_day")


def range_select(table: GoldTable, days: list[dt.date]) -> str:
    """``typed_select`` for all of ``days`` as one statement (``select_days``)."""
    return select_days(typed_select(table), days, table.plan_per_day)


def run_gold_sql_days(warehouse: Warehouse, table: GoldTable, days: list[dt.date]
                      ) -> list[tuple[dt.date, tuple[int, list[AssetCheckResult]]]] | None:
    """``run_gold_sql`` for consecutive days at about the cost of one: every day's rows are
    computed by one statement (``range_select``), validated by one Pandera call and committed
    in one transaction. A table whose day reads its own earlier days (it settles
    re-deliveries, or selects from itself) gets None at once, and so do days whose rows break
    the model, with nothing written: the caller then runs the days one at a time, which names
    the failing day and commits the days before it."""
    if table.redelivery or f"gold.{table.name}" in table.sql:
        return None
    staged = {day: f"(SELECT * EXCLUDE (_range_day) FROM _gold_range "
                   f"WHERE _range_day = DATE '{day}')" for day in days}
    with warehouse.get_connection() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS gold")
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _gold_range AS "
                        f"{range_select(table, days)}", _parameters(table, days[0], "day"))
            stored = con.sql("SELECT * FROM _gold_range").pl()
            by_day = stored.partition_by("_range_day", as_dict=True, include_key=False)
            frames = {day: by_day.get((day,), stored.clear().drop("_range_day"))
                      for day in days}
            verdicts = evaluate_schema_by_day(frames, table.schema(),
                                              check_name="pandera_schema")
            if not all(verdict.passed for verdict in verdicts.values()):
                return None
            references = [_foreign_key_results(con, fk, staged) for fk in table.foreign_keys]
            done = [(day, (frames[day].height, [verdicts[day], *(
                verdicts_of_fk[day] for verdicts_of_fk in references)])) for day in staged]
            _commit_partitions(warehouse, con, f"gold.{table.name}", staged)
        finally:
            con.execute("DROP TABLE IF EXISTS _gold_range")
    return done


def run_days(context, warehouse: Warehouse, table: GoldTable, run: Callable = run_gold_sql
              ) -> list[tuple[dt.date, tuple[int, list[AssetCheckResult]]]]:
    """The step's days of ``table``: as one range when ``run`` is the plain SQL run and the
    table allows it (``run_gold_sql_days``) or ``run`` is the table's ``build`` and it has a
    ``build_days``, else day by day in order (``each_day``)."""
    days = partition_days(context)
    ranged = run_gold_sql_days if run is run_gold_sql else (
        table.build_days if run is table.build else None)
    done = ranged(warehouse, table, days) if ranged and len(days) > 1 else None
    return done or each_day(context, lambda day: run(warehouse, table, day))


def empty_select(table: GoldTable) -> str:
    """SQL of no rows with the table's columns (a partition the table leaves empty)."""
    return "SELECT " + ", ".join(f"NULL AS {name}" for name in table.schema().columns) + (
        " WHERE FALSE")


def previews(warehouse: Warehouse, table: GoldTable, days: list[dt.date]
             ) -> dict[dt.date, MetadataValue]:
    """The first rows of each stored partition of ``days`` as Markdown, PII masked
    (materialisation metadata), read in one query for the step's days."""
    with warehouse.get_connection() as con:
        heads = warehouse.partition_heads(con, f"gold.{table.name}", PARTITION_COLUMN, days)
    masked = pii_columns(table.schema())
    by_day = heads.partition_by(PARTITION_COLUMN, as_dict=True, maintain_order=True)
    return {day: MetadataValue.md(markdown_preview(by_day.get((day,), heads.clear()), masked))
            for day in days}


def gold_check_specs(table: GoldTable) -> list[AssetCheckSpec]:
    """The checks a gold asset evaluates in its own step (blocking: they gate downstream)."""
    specs = [AssetCheckSpec("pandera_schema", asset=table.key, blocking=True,
                            partitions_def=daily_partitions,
                            description=f"The gold model of {table.name}: types, rules, key "
                            "unique; validated before the write, so a failure writes nothing.")]
    specs += [AssetCheckSpec(f"fk_{fk.column}", asset=table.key, blocking=fk.blocking,
                             partitions_def=daily_partitions,
                             additional_deps=[AssetKey(["gold", fk.table])],
                             description=f"Every {fk.column} resolves in "
                             f"gold.{fk.table}({fk.references}).")
              for fk in table.foreign_keys]
    if table.redelivery:
        specs.append(AssetCheckSpec(
            "key_unique_across_days", asset=table.key, blocking=True,
            partitions_def=daily_partitions,
            description=f"No {table.name} key is in another partition unless the row is a "
            "flagged update (is_update) of an earlier delivery; identical re-deliveries are "
            "dropped before the write."))
    return specs


def build_gold_asset(table: GoldTable, run: Callable | None = None) -> AssetsDefinition:
    """A daily partitioned asset writing ``gold.<name>`` with ``run`` (default: the table's
    ``build``, else ``run_gold_sql``), checks included. The materialisation shows the row count
    and the first rows, PII masked.
    """
    run = run or table.build or run_gold_sql

    @asset(
        key=table.key,
        description=f"{table.description}\n\nGrain: {table.grain}" if table.grain
        else table.description,
        group_name=f"gold_{table.domain}",
        partitions_def=daily_partitions,
        backfill_policy=RANGED,
        deps=[_dep(source, dict(table.source_windows).get(source, table.window))
              for source in table.sources],
        kinds={"duckdb", "sql", "pandera"},
        owners=[table.owner],
        tags={"layer": "gold", "kind": table.kind, "seed": table.seed},
        metadata={
            "partition_expr": PARTITION_COLUMN,
            "dagster/column_schema": table_schema(table.schema(), table.primary_key),
            "dagster/table_name": f"gold.{table.name}",
            "primary_key": list(table.primary_key),
            "seed": table.seed,
        },
        check_specs=gold_check_specs(table),
    )
    def _gold(context: AssetExecutionContext, warehouse: Warehouse):
        try:
            done = run_days(context, warehouse, table, run)
        except Failure as failure:
            yield from broken_model_results(context, table.key, failure)
            raise
        described = table.after_write(warehouse, table, [day for day, _ in done]) if (
            table.after_write) else {}
        heads = previews(warehouse, table, [day for day, _ in done])
        for day, (rows, _) in done:
            record_day(context, day, {"dagster/row_count": rows, "preview": heads[day],
                                      **described.get(day, {})})
        yield MaterializeResult()
        yield from over_days_by_check([(day, results) for day, (_, results) in done],
                                      context=context)

    return _gold
