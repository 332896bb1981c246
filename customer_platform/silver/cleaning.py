"""Bronze -> silver: type, normalise, validate against the contract, deduplicate; lose nothing.

Every bronze row ends in the silver table or in the rejects table (a broken rule, or a removed
duplicate), which the reconciliation check verifies. The rules are the contract's Pandera checks:
routing rows by Pandera's failure cases writes each rule once for both the cleaner and the asset
check. Bronze adds one rule: a JSON object that repeated a key is rejected (``duplicate_json_key``).
"""

import dataclasses
import json

import numpy as np
import pandera.polars as pa
import polars as pl

from customer_platform.contracts import SourceTable
from customer_platform.contracts.metadata import (
    DUPLICATE,
    DUPLICATE_KEYS,
    MISSING_COLUMNS,
    PARTITION_COLUMN,
    REJECTED,
)
from customer_platform.silver.normalise import normalise_text, parse_exprs
from customer_platform.silver.rejects import REJECT_DTYPES

#: Lineage columns silver keeps from bronze, plus the business day the row belongs to.
EVENT_DATE_COLUMN = "_event_date"
SILVER_LINEAGE = (EVENT_DATE_COLUMN, PARTITION_COLUMN, "_source_file", "_source_row",
                  "_loaded_at", MISSING_COLUMNS)

_ROW = "__row"
#: a row's position among the valid rows, and whether it is its key's kept row (dedupe)
_AT, _KEPT = "__at", "__kept"
_UNIQUENESS_CHECKS = ("field_uniqueness", "multiple_fields_uniqueness")


VALIDATION, DATA_QUALITY = "Validation", "Data Quality"


@dataclasses.dataclass
class CleanResult:
    silver: pl.DataFrame
    rejects: pl.DataFrame

    def counts(self) -> dict[str, int]:
        disposition = self.rejects.get_column("disposition")
        return {
            "silver_rows": self.silver.height,
            "rejected_rows": int((disposition == REJECTED).sum()),
            "duplicate_rows": int((disposition == DUPLICATE).sum()),
        }


def _violations_from_types(raw: pl.DataFrame, typed: pl.DataFrame, dtypes) -> pl.DataFrame:
    frames = []
    for name, dtype in dtypes.items():
        if dtype == pl.String:
            continue
        failed = raw.get_column(name).is_not_null() & typed.get_column(name).is_null()
        if failed.any():
            frames.append(
                raw.filter(failed).select(
                    pl.col(_ROW),
                    pl.lit(name).alias("column"),
                    pl.lit(f"type({dtype})").alias("rule"),
                    pl.col(name).alias("value"),
                )
            )
    return pl.concat(frames) if frames else _empty_violations()


def _undelivered_allowed(violations: pl.DataFrame, typed: pl.DataFrame,
                         table: SourceTable) -> pl.DataFrame:
    """``violations`` without the empty values of optional columns the row's file did not
    deliver: unknown, not a broken row (gold keeps them as not delivered)."""
    optional = table.optional_columns()
    if not optional or violations.is_empty():
        return violations
    # the files' missing columns of the violating rows only (``_ROW`` is a row's position)
    undelivered = typed.get_column(MISSING_COLUMNS).gather(violations.get_column(_ROW)) \
        .fill_null("").str.split(",").alias("__undelivered")
    return violations.with_columns(undelivered).filter(
        ~((pl.col("rule") == "not_nullable") & pl.col("column").is_in(optional)
          & pl.col("__undelivered").list.contains(pl.col("column")))).drop("__undelivered")


def _violations_from_repeated_keys(bronze: pl.DataFrame) -> pl.DataFrame:
    """A JSON object that gave a key more than once: bronze kept every value in
    ``_duplicate_keys``; which one the sender meant is unknown, so the row is rejected with a
    rule naming the key, its values in the description."""
    flagged = bronze.filter(pl.col(DUPLICATE_KEYS).is_not_null()).select(_ROW, DUPLICATE_KEYS)
    return pl.DataFrame(
        [(row, key, f"duplicate_json_key({key})", json.dumps(values, ensure_ascii=False))
         for row, repeated in flagged.iter_rows() for key, values in json.loads(repeated).items()],
        schema=_empty_violations().schema, orient="row")


def _empty_violations() -> pl.DataFrame:
    return pl.DataFrame(schema={_ROW: pl.UInt32, "column": pl.String, "rule": pl.String,
                                "value": pl.String})


def _violations_from_contract(typed: pl.DataFrame, table: SourceTable) -> pl.DataFrame:
    """Row-level rule failures, from Pandera's failure cases (uniqueness is handled by dedupe)."""
    contract = typed.select(list(table.columns()))
    try:
        table.model.validate(contract, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return _empty_violations()
    frame_level = cases.filter(pl.col("index").is_null() & ~pl.col("check").is_in(
        _UNIQUENESS_CHECKS))
    if frame_level.height:  # a schema-level failure is a bug in the cleaner, not bad data
        raise RuntimeError(f"{table.silver_table}: schema-level contract failure\n{frame_level}")
    rows = cases.filter(pl.col("index").is_not_null() & ~pl.col("check").is_in(_UNIQUENESS_CHECKS))
    return rows.select(
        pl.col("index").cast(pl.UInt32).alias(_ROW),
        pl.col("column").cast(pl.String),
        pl.col("check").cast(pl.String).alias("rule"),
        pl.col("failure_case").cast(pl.String).alias("value"),
    )


def clean(bronze: pl.DataFrame, table: SourceTable) -> CleanResult:
    """Turn bronze partitions of ``table`` (one day, or a ranged step's days) into their silver
    rows and rejects. Every rule holds within a day (a key is deduplicated within its day),
    so each day's rows are what cleaning that day alone gives, in the same order."""
    columns = table.columns()
    dtypes = table.dtypes()
    original = bronze.with_row_index(_ROW)
    raw = normalise_text(original, columns)
    # lazily, so that a parse reading its own result twice (the years check) computes it once
    typed = raw.lazy().with_columns(parse_exprs(raw, dtypes)).collect()

    type_violations = _violations_from_types(raw, typed, dtypes)
    rule_violations = _violations_from_contract(typed, table)
    # a value that did not parse is reported once, as a type error, not again as a null
    rule_violations = rule_violations.join(
        type_violations.select(_ROW, "column"), on=[_ROW, "column"], how="anti"
    )
    rule_violations = _undelivered_allowed(rule_violations, typed, table)
    key_violations = _violations_from_repeated_keys(original)
    violations = pl.concat([type_violations, rule_violations, key_violations]).with_columns(
        (
            pl.col("column")
            + pl.lit("=")
            + pl.when(pl.col("value").is_null()).then(pl.lit("null"))
            .otherwise(pl.lit("'") + pl.col("value") + pl.lit("'"))
            + pl.lit(" breaks ")
            + pl.col("rule")
        ).alias("message")
    )
    per_row = violations.sort(_ROW, "column", "rule").group_by(_ROW, maintain_order=True).agg(
        pl.col("rule").unique(maintain_order=True).str.join("; ").alias("error_rule"),
        pl.col("message").str.join("; ").alias("error_description"),
    )

    valid = typed.filter(_not_at(per_row.get_column(_ROW), typed.height))
    event = table.event_date
    valid = valid.with_columns(
        (pl.col(event).cast(pl.Date) if event else pl.col(PARTITION_COLUMN)).alias(
            EVENT_DATE_COLUMN)
    )
    # Deduplicate on the key: the latest version wins, then the earliest line in the file.
    order = [table.updated_at] if table.updated_at and table.updated_at not in table.primary_key \
        else []
    # One sort of the key, the version and the line (not of every column): each key's first
    # row is kept, and the kept rows come out in silver's order (the day, then the key), so
    # they are gathered whole once instead of filtered and then sorted.
    day_key = [*table.primary_key, PARTITION_COLUMN]
    ranked = valid.select(_ROW, *day_key, *order, "_source_row").with_row_index(_AT).sort(
        [PARTITION_COLUMN, *table.primary_key, *order, "_source_row"],
        descending=[False] * len(day_key) + [True] * len(order) + [False],
    ).with_columns(((pl.int_range(pl.len()) == 0) | pl.any_horizontal(
        pl.col(name).ne_missing(pl.col(name).shift()) for name in day_key)).alias(_KEPT))
    duplicates = ranked.with_columns(
        pl.when(_KEPT).then(pl.col("_source_row")).forward_fill().alias("__kept_line")
    ).filter(~pl.col(_KEPT)).select(
        _ROW,
        pl.lit("duplicate_key").alias("error_rule"),
        (
            pl.lit("duplicate of line ")
            + pl.col("__kept_line").cast(pl.String)
            + pl.lit(f" on key ({', '.join(table.primary_key)})")
        ).alias("error_description"),
    )
    kept_at = ranked.filter(_KEPT).get_column(_AT)
    rejects = pl.concat(
        [
            _beside(original, per_row).select(
                *_reject_columns(table, VALIDATION, REJECTED, "Open")),
            _beside(original, duplicates).select(
                *_reject_columns(table, DATA_QUALITY, DUPLICATE, "Resolved")),
        ]
    ).sort(PARTITION_COLUMN, "source_row", "error_rule")

    silver = valid.select(pl.col(*columns, *SILVER_LINEAGE).gather(kept_at))
    return CleanResult(silver=silver.rechunk(), rejects=rejects.rechunk())


def _not_at(rows: pl.Series, height: int) -> pl.Series:
    """A mask of ``height`` rows, false at positions ``rows``: the rows a few rejects leave
    (a filter by position, where an anti-join hashed every row of the day)."""
    keep = np.ones(height, dtype=bool)
    keep[rows.to_numpy()] = False
    return pl.Series(keep)


def _beside(original: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``original`` at ``found``'s positions (``_ROW``), ``found``'s columns beside
    them: a join of the few rejected rows without hashing the day's."""
    return pl.concat([original.drop(_ROW).gather(found.get_column(_ROW)), found],
                     how="horizontal")


def _reject_columns(table: SourceTable, error_type: str, disposition: str, status: str):
    return [
        (
            pl.lit(f"{table.qualified_name}:")
            + pl.col(PARTITION_COLUMN).cast(pl.String)
            + pl.lit(":")
            + pl.col("_source_row").cast(pl.String)
            + pl.lit(f":{disposition}")
        ).alias("error_id"),
        pl.lit(error_type).alias("error_type"),
        pl.col("error_rule"),
        pl.col("error_description"),
        pl.col("_source_system").alias("source_system"),
        pl.lit(table.qualified_name).alias("source_table"),
        pl.col("_source_file").alias("source_file"),
        pl.col("_source_row").alias("source_row"),
        pl.col("_loaded_at").alias("error_timestamp"),
        pl.lit(status).alias("status"),
        pl.lit(disposition).alias("disposition"),
        # the row as delivered, encoded for the rejected rows only (a few in a day's millions)
        pl.struct([*table.columns(), "_extra_columns", DUPLICATE_KEYS]).struct.json_encode()
        .alias("record"),
        pl.col(PARTITION_COLUMN),
    ]


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_DTYPES)

