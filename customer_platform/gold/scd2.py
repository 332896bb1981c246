"""Slowly changing dimensions (type 2) with immutable, re-runnable daily partitions.

A version opened on day D is closed by a later day, so a table storing ``valid_to`` would have
to rewrite old partitions. Instead ``gold.<dim>_versions`` stores, in partition D, the versions
day D's snapshot contributes (a pure function of silver D and D-1), and the view ``gold.<dim>``
derives the history, so any run order gives the same history (docs/architecture.md). A column
a file did not deliver never blanks a known value nor opens a version (docs/metrics.md).
"""

import dataclasses
import datetime as dt
import functools

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from customer_platform import scope
from customer_platform.contracts.base import column
from customer_platform.gold.base import (
    OPEN_END,
    ForeignKey,
    GoldModel,
    GoldTable,
    build_gold_asset,
    ordered_schema,
)
from customer_platform.gold.calendar.dim_date import CALENDAR_START
from customer_platform.gold.completeness import UNDELIVERED, undelivered
from customer_platform.gold.sql import DAY, metadata_columns, sk, values_sql
from customer_platform.partitions import RANGED, daily_partitions, partition_days
from customer_platform.privacy import markdown_preview
from customer_platform.quality.checks import over_days
from customer_platform.quality.schemas import pii_columns, table_schema
from customer_platform.resources import Warehouse

LOOKBACK_DAYS = 7
#: Change time of an inferred member: before any real version, so a real one always wins.
INFERRED_SINCE = "TIMESTAMP '1900-01-01 00:00:00'"


@dataclasses.dataclass(frozen=True)
class Scd2Dimension:
    """A type 2 dimension over a silver snapshot table."""

    versions: GoldTable  # the stored change rows (its SQL selects one day's versions)
    entity_key: str  # durable surrogate key column, e.g. customer_key
    business_key: str  # e.g. customer_id
    tracked: tuple[str, ...]  # columns whose change opens a new version
    changed_at: str  # timestamp column of the change, e.g. source_updated_at
    #: (column, source column it is computed from) for columns named unlike their source
    derived: tuple[tuple[str, str], ...] = ()

    @functools.cached_property
    def view_model(self) -> type[GoldModel]:
        """The view's columns: the versions' columns plus the validity columns."""
        entity = self.name.removeprefix("dim_").replace("_", " ")
        return type("".join(part.title() for part in self.name.split("_")),
                    (self.versions.model,), {
            "__annotations__": {"valid_from": dt.date, "valid_to": dt.date, "is_current": bool},
            "valid_from": column(f"First day this version of the {entity} was in force"),
            "valid_to": column(f"Last day this version of the {entity} was in force "
                               "(9999-12-31 while current)"),
            "is_current": column(f"This is the {entity}'s current version"),
            "__module__": __name__,
        })

    @property
    def name(self) -> str:
        return self.versions.name.removesuffix("_versions")

    @property
    def key(self) -> AssetKey:
        return AssetKey(["gold", self.name])

    def as_loaded(self, day: str = DAY) -> str:
        """SQL subquery: the dimension's history as it stood once partition ``day`` was
        loaded (versions with ``load_date <= day``). Facts and aggregates look dimensions up
        through this, not through the view, so re-running an old day ignores later loads."""
        return f"({view_sql(self, loaded_by=day)})"


def undelivered_column(fact: bool = False):
    """The lineage column a model declares when its source has optional columns: on a
    dimension's versions the view carries the last delivered values; a fact row keeps the
    nulls as received, and this column says they are unknown."""
    effect = ("their empty values here, and what is computed from them, are unknown, not empty"
              if fact else "the view carries their last delivered values")
    return column(f"Source columns the {'row' if fact else 'version'}'s file did not deliver, "
                  f"comma-separated (empty when every column came): {effect}", nullable=True)


def _carried_columns(dim: Scd2Dimension) -> str:
    """SQL ``REPLACE`` list: each column a file may not have delivered (an optional, so
    nullable, column, or one computed from such a column), as its last delivered value in
    the entity's versions (ordered by change, then load). A delivered NULL is a value; a list
    wraps it so ``IGNORE NULLS`` skips only the rows that did not deliver it."""
    schema = dim.versions.model.to_schema()
    sources: dict[str, list[str]] = {}
    for name, source in dim.derived:
        sources.setdefault(name, []).append(source)
    fixed = {dim.entity_key, *dim.versions.primary_key, dim.business_key, dim.changed_at,
             "is_inferred", UNDELIVERED}
    for name, col in schema.columns.items():
        if col.nullable and name not in fixed:
            sources.setdefault(name, [name])
    fills = []
    for name, names in sources.items():
        missing = " OR ".join(undelivered(source) for source in names)
        fills.append(f"(last_value(CASE WHEN NOT ({missing}) THEN [{name}] END IGNORE NULLS) "
                     f"OVER carry)[1] AS {name}")
    return ",\n               ".join(fills)


def versions_filter(updated_at: str) -> str:
    """SQL predicate: the versions of a snapshot that changed in the last ``LOOKBACK_DAYS``."""
    return f"(CAST({updated_at} AS DATE) > {DAY} - {LOOKBACK_DAYS})"


def snapshot_filter(table: str, business_key: str, updated_at: str) -> str:
    """SQL predicate: the versions a day's snapshot of ``table`` contributes.

    Recently changed versions (``versions_filter``) plus every entity that was not in the
    previous day's snapshot: on the first partition that is everyone, and later it is an
    entity that is new, or whose row was rejected on earlier days (whatever its
    ``updated_at``). A pure function of silver partitions D and D-1, so any run order stores
    the same rows (the versions table declares ``window=(-1, 0)``).
    """
    return (f"({versions_filter(updated_at)} OR {business_key} NOT IN ("
            f"SELECT {business_key} FROM {table} "
            f"WHERE _partition_date = {DAY} - 1))")


def _placeholder(col) -> str:
    """The 'Unknown' value of a column of an inferred member (an optional column, empty only
    where its source did not deliver it, is 'Unknown' too)."""
    dtype = col.dtype.type
    if col.nullable and not (col.metadata or {}).get("optional"):
        return "NULL"
    if dtype == pl.String:
        return "'Unknown'"
    if dtype == pl.Date:
        return "DATE '1900-01-01'"
    if isinstance(dtype, pl.Datetime):
        return INFERRED_SINCE
    if dtype == pl.Boolean:
        return "FALSE"
    return "0"


def inferred_members(entity: str, business_key: str, version_model: type[GoldModel],
                     source: str, system: str, referenced_by: tuple[tuple[str, str], ...]
                     ) -> str:
    """SQL for the inferred versions of the entities other tables refer to on day ``$day``
    while the day's snapshot lacks them (their row was rejected, or is not delivered yet).

    An inferred version has 'Unknown' required attributes (empty optional ones), sets
    ``is_inferred`` where the model has it, and changes at 1900-01-01, so any real version
    replaces it in the view from its own ``valid_from``.
    """
    referenced = " UNION ".join(
        f"SELECT {column} AS {business_key} FROM silver.{table} WHERE _partition_date = $day"
        for table, column in referenced_by)
    fixed = {f"{entity}_key", f"{entity}_version_key", business_key, "is_inferred",
             "source_updated_at", "load_date", "update_date", "source_system"}
    flag = ("TRUE AS is_inferred," if "is_inferred" in ordered_schema(version_model).columns
            else "")
    placeholders = ",\n           ".join(
        f"{_placeholder(col)} AS {name}" for name, col in ordered_schema(
            version_model).columns.items() if name not in fixed)
    return f"""
    SELECT {sk(entity, business_key)} AS {entity}_key,
           {sk(f"{entity}_version", business_key, INFERRED_SINCE)} AS {entity}_version_key,
           {business_key},
           {placeholders},
           {flag}
           {INFERRED_SINCE} AS source_updated_at,
           {DAY} AS load_date, {DAY} AS update_date,
           '{system}' AS source_system
    FROM (SELECT DISTINCT {business_key} FROM ({referenced}) WHERE {business_key} IS NOT NULL)
    WHERE {business_key} NOT IN (
        SELECT {business_key} FROM {source} WHERE _partition_date = $day)
    """


def view_sql(dim: Scd2Dimension, loaded_by: str | None = None, entities: str = "") -> str:
    """The history of ``dim``: from every stored version, or from those loaded by the day
    ``loaded_by`` (an SQL date expression) for a look-up that must not see later loads. With
    ``entities`` (an SQL condition on the stored versions' columns), the history of those
    entities only: an entity's history reads its own versions alone."""
    tracked = ", ".join(dim.tracked)
    columns = ", ".join(ordered_schema(dim.view_model).columns)
    changed = dim.changed_at
    key = dim.business_key
    conditions = [c for c in (loaded_by and f"load_date <= {loaded_by}", entities) if c]
    loaded = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    stored = f"gold.{dim.versions.name} {loaded}"
    if UNDELIVERED in dim.versions.model.to_schema().columns:
        stored = f"""(  -- a column a file did not deliver keeps its last delivered value
        SELECT * REPLACE ({_carried_columns(dim)})
        FROM {stored}
        WINDOW carry AS (PARTITION BY {key} ORDER BY {changed}, load_date
                         ROWS UNBOUNDED PRECEDING))"""
    return f"""
    WITH seen AS (  -- one row per version, whichever days saw it
        SELECT * EXCLUDE (load_date), min(load_date) OVER (PARTITION BY {key}, {changed})
               AS load_date
        FROM {stored}
        QUALIFY row_number() OVER (PARTITION BY {key}, {changed} ORDER BY load_date DESC) = 1
    ), daily AS (  -- the last change of a day wins
        SELECT * FROM seen
        QUALIFY row_number() OVER (PARTITION BY {key}, CAST({changed} AS DATE)
                                   ORDER BY {changed} DESC) = 1
    ), changes AS (  -- fold versions that changed nothing tracked
        SELECT * FROM daily
        QUALIFY lag(md5(CAST(row({tracked}) AS VARCHAR)), 1, '') OVER (
                    PARTITION BY {key} ORDER BY {changed}) IS DISTINCT FROM
                md5(CAST(row({tracked}) AS VARCHAR))
    ), history AS (
        SELECT *,
               CAST({changed} AS DATE) AS valid_from,
               coalesce(CAST(lead({changed}) OVER w AS DATE) - 1, DATE '{OPEN_END}')
                   AS valid_to,
               lead({changed}) OVER w IS NULL AS is_current
        FROM changes
        WINDOW w AS (PARTITION BY {key} ORDER BY {changed})
    )
    SELECT {columns} FROM history
    """


def history_check(con, dim: Scd2Dimension) -> tuple[AssetCheckResult, int, int]:
    """Exactly one current version per entity, no overlapping or gapped validity ranges; with
    the view's version and current-version counts, all from one pass over the view (it
    derives the history from every stored version, so each pass costs the whole history)."""
    key, view = dim.business_key, f"gold.{dim.name}"
    [(versions, current, entities, not_one_current, overlaps_or_gaps, inverted)] = con.execute(
        f"""SELECT coalesce(sum(versions), 0), coalesce(sum(current), 0), count({key}),
                   count(*) FILTER (current <> 1), coalesce(sum(gaps), 0),
                   coalesce(sum(inverted), 0)
            FROM (SELECT {key}, count(*) AS versions, count(*) FILTER (is_current) AS current,
                         count(*) FILTER (previous_to IS NOT NULL
                                          AND previous_to + 1 <> valid_from) AS gaps,
                         count(*) FILTER (valid_from > valid_to) AS inverted
                  FROM (SELECT {key}, valid_from, valid_to, is_current,
                               lag(valid_to) OVER (PARTITION BY {key} ORDER BY valid_from)
                                   AS previous_to
                        FROM {view})
                  GROUP BY {key})""").fetchall()
    failing = not_one_current + overlaps_or_gaps + inverted
    return AssetCheckResult(check_name="scd2_history", passed=failing == 0, metadata={
        "entities": entities, "entities_without_exactly_one_current": not_one_current,
        "overlapping_or_gapped_versions": overlaps_or_gaps, "inverted_ranges": inverted}
    ), versions, current


def preview_sql(dim: Scd2Dimension, rows: int = 5) -> str:
    """The current versions of the ``rows`` entities first in key order, for the UI's
    preview: the history of those entities alone, where asking the view for its first
    current rows derived every entity's history (half of a dimension's step at 500,000
    customers). The view's rows start with the entity key, so these are its first rows
    while every entity has one current version (the ``scd2_history`` check)."""
    first = (f"{dim.entity_key} IN (SELECT DISTINCT {dim.entity_key} FROM "
             f"gold.{dim.versions.name} ORDER BY 1 LIMIT {rows})")
    return (f"SELECT * FROM ({view_sql(dim, entities=first)}) WHERE is_current "
            f"ORDER BY ALL LIMIT {rows}")


def as_of_macro_sql(dim: Scd2Dimension) -> str:
    """``gold.<dim>_as_of(day)``: the versions valid on ``day``, one per entity."""
    return (f"CREATE OR REPLACE MACRO gold.{dim.name}_as_of(day) AS TABLE SELECT * FROM "
            f"gold.{dim.name} WHERE day BETWEEN valid_from AND valid_to")


def build_scd2_assets(dim: Scd2Dimension) -> list[AssetsDefinition]:
    """The stored versions asset and the history view asset (which checks the history)."""
    versions = build_gold_asset(dim.versions)

    @asset(
        key=dim.key,
        description=(
            f"{dim.versions.description}\n\nSCD type 2 over ({', '.join(dim.tracked)}): "
            f"a view over `gold.{dim.versions.name}` with valid_from, valid_to and is_current; "
            f"as-of lookups: `SELECT * FROM gold.{dim.name}_as_of(DATE '2026-03-01')`."
        ),
        group_name=f"gold_{dim.versions.domain}",
        partitions_def=daily_partitions,
        backfill_policy=RANGED,  # a view over every day: defined once for a range
        deps=[dim.versions.key],
        kinds={"duckdb", "sql"},
        owners=[dim.versions.owner],
        tags={"layer": "gold", "kind": "dimension", "seed": dim.versions.seed},
        metadata={
            "dagster/column_schema": table_schema(ordered_schema(dim.view_model)),
            "dagster/table_name": f"gold.{dim.name}",
            "primary_key": [dim.business_key, "valid_from"],
        },
        check_specs=[AssetCheckSpec(
            "scd2_history", asset=dim.key, blocking=True, partitions_def=daily_partitions,
            description="Every entity has exactly one current version and its versions' "
            "validity ranges neither overlap nor leave gaps.")],
    )
    def _view(context: AssetExecutionContext, warehouse: Warehouse):
        with warehouse.get_connection() as con:
            warehouse.define(con, f"CREATE OR REPLACE VIEW gold.{dim.name} AS {view_sql(dim)}")
            warehouse.define(con, as_of_macro_sql(dim))
            check, versions_count, current = history_check(con, dim)
            head = con.sql(preview_sql(dim)).pl()
        yield MaterializeResult(metadata={
            "dagster/row_count": versions_count, "versions": versions_count, "current": current,
            "preview": MetadataValue.md(markdown_preview(head, pii_columns(
                ordered_schema(dim.view_model))))})
        # the history as it stands after the range, recorded for each of its days
        yield over_days({day: check for day in partition_days(context)}, context=context)

    return [versions, _view]


#: change time of every reference-list version (the lists have no history before it)
REFERENCE_SINCE = f"TIMESTAMP '{CALENDAR_START.isoformat()} 00:00:00'"


def scd2_dimension(*, entity: str, business_key: str, version_model: type[GoldModel],
                   view_name: str, description: str, seed: str, domain: str, source: str,
                   system: str,
                   snapshot: bool, columns: str, tracked: tuple[str, ...], grain: str,
                   changed_at: str = "updated_at", from_clause: str | None = None,
                   sources: tuple[str, ...] = (),
                   foreign_keys: tuple[ForeignKey, ...] = (),
                   referenced_by: tuple[tuple[str, str], ...] = (),
                   derived: tuple[tuple[str, str], ...] = (),
                   source_windows: tuple[tuple[str, tuple[int, int]], ...] = ()
                   ) -> Scd2Dimension:
    """An SCD2 dimension over one silver table.

    The versions SELECT reads ``source``'s day-``$day`` partition; ``columns`` are the
    business columns; ``changed_at`` (an expression over the source) orders the versions and
    becomes ``source_updated_at``. Snapshot sources only contribute recently changed versions
    and the entities new since yesterday's snapshot (``snapshot_filter``); incremental sources
    contribute every row they received. ``referenced_by`` lists the (silver table, column)
    pairs whose rows refer to the entity: an entity they refer to on a day the snapshot lacks
    it gets an inferred version (``inferred_members``). A model with ``undelivered_columns``
    gets the source's ``_missing_columns`` there; ``derived`` names the source column of each
    column computed from an optional one (``Scd2Dimension.derived``).
    """
    name = f"dim_{view_name}"
    where = "_partition_date = $day"
    lineage = (f"\n           _missing_columns AS {UNDELIVERED},"
               if UNDELIVERED in version_model.to_schema().columns else "")
    if snapshot:
        where += f" AND {snapshot_filter(source, business_key, changed_at)}"
    sql = f"""
    SELECT {sk(entity, business_key)} AS {entity}_key,
           {sk(f"{entity}_version", business_key, changed_at)} AS {entity}_version_key,
           {columns},
           {changed_at} AS source_updated_at,{lineage}
           {metadata_columns(system, changed_at)}
    FROM {from_clause or source}
    WHERE {where}
    """
    # only the referring tables this deployment builds (customer_platform/scope.py)
    referenced_by = tuple((table, column) for table, column in referenced_by
                          if scope.built(f"silver.{table}"))
    if referenced_by:
        sql += "UNION ALL BY NAME\n" + inferred_members(
            entity, business_key, version_model, source, system, referenced_by)
        sources = (*sources, *(f"silver.{table}" for table, _ in referenced_by))
    return Scd2Dimension(
        versions=GoldTable(
            name=f"{name}_versions", model=version_model, description=description, seed=seed,
            kind="dimension", domain=domain, primary_key=(f"{entity}_version_key",),
            sql=sql, sources=(source, *sources), foreign_keys=foreign_keys, grain=grain,
            window=(-1, 0) if snapshot else (0, 0), source_windows=source_windows),
        entity_key=f"{entity}_key",
        business_key=business_key,
        tracked=tracked,
        changed_at="source_updated_at",
        derived=derived,
    )


def _reference_sql(entity: str, name_col: str, rows: list[tuple], columns: tuple[str, ...]
                   ) -> str:
    return f"""
    SELECT {sk(entity, name_col)} AS {entity}_key,
           {sk(entity + "_version", name_col, REFERENCE_SINCE)} AS {entity}_version_key,
           t.*, {REFERENCE_SINCE} AS source_updated_at,
           {DAY} AS load_date,
           DATE '{CALENDAR_START.isoformat()}' AS update_date,
           'vocabulary' AS source_system
    FROM {values_sql(rows, columns)}
    """


def reference_dimension(entity: str, name_col: str, model: type[GoldModel], rows: list[tuple],
                        columns: tuple[str, ...], description: str, domain: str,
                        system: str, seed: str = "002") -> Scd2Dimension:
    """A dimension over a fixed vocabulary list of source system ``system``: every partition
    stores the same version of every value, changed at ``REFERENCE_SINCE``, so the view holds
    one row per value."""
    return Scd2Dimension(
        versions=GoldTable(
            name=f"dim_{entity}_versions",
            model=model,
            description=description,
            seed=seed,
            kind="dimension",
            domain=domain,
            primary_key=(f"{entity}_key",),
            sources=(),
            vocabulary_of=system,
            grain=f"one row per {entity.replace('_', ' ')} of the vocabulary list (every "
            "partition stores the same fixed version)",
            sql=_reference_sql(entity, name_col, rows, columns),
        ),
        entity_key=f"{entity}_key",
        business_key=name_col,
        tracked=tuple(c for c in columns if c != name_col),
        changed_at="source_updated_at",
    )


REFERENCE_SINCE_DOC = "Version time (fixed 2015-01-01: the list has no earlier history)"
