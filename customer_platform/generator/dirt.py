"""Make clean generated extracts as dirty as real ones, at documented, configurable rates.

Which columns are enums, emails, amounts or required is read from the table's contract, so new
tables get dirt without code. Rates are per row except the column ones (per file); the kinds of
dirt and what silver does with each are in docs/operations.md (The embedded default source).
"""

import dataclasses
import re

import numpy as np
import polars as pl

from customer_platform.contracts.base import SourceTable, column_meta


@dataclasses.dataclass(frozen=True)
class DirtConfig:
    duplicate_rate: float = 0.01
    near_duplicate_rate: float = 0.005
    null_rate: float = 0.002
    variant_rate: float = 0.05
    bad_email_rate: float = 0.003
    bad_amount_rate: float = 0.002
    late_rate: float = 0.02
    extra_column_chance: float = 0.05
    missing_column_chance: float = 0.05

    def scaled(self, factor: float) -> "DirtConfig":
        """Every rate times ``factor`` (0 gives perfectly clean extracts)."""
        return DirtConfig(**{f.name: min(1.0, getattr(self, f.name) * factor)
                             for f in dataclasses.fields(self)})


CLEAN = DirtConfig().scaled(0.0)


def _check_names(col) -> set[str]:
    return {check.name for check in col.checks}


def _variants(value: str, pick: int) -> str:
    """One of the spellings real extracts use for ``US-EAST``: us-east, US_EAST, UsEast, ..."""
    words = [w for w in re.split(r"[-_ ]+", value) if w]
    forms = (
        value.lower(),
        "_".join(words).upper(),
        "".join(w.capitalize() for w in words),
        f"  {value} ",
        value.upper(),
    )
    return forms[pick % len(forms)]


def _sample(gen: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return np.flatnonzero(gen.random(n) < rate) if rate > 0 and n else np.array([], dtype=int)


def _rewrite(frame: pl.DataFrame, name: str, rows: np.ndarray, fix) -> pl.DataFrame:
    """Column ``name`` with ``fix(i, value)`` at ``rows[i]`` (in order; nulls stay null), the
    other values untouched: only the sampled rows become Python objects, not the column."""
    if not len(rows):
        return frame
    values = frame[name].gather(rows).to_list()
    changed = [(r, fix(i, value)) for i, (r, value) in enumerate(zip(rows, values, strict=True))
               if value is not None]
    if not changed:
        return frame
    at, new = zip(*changed, strict=True)
    return frame.with_columns(frame[name].scatter(list(at), list(new)))


def apply_dirt(
    frame: pl.DataFrame, table: SourceTable, config: DirtConfig, gen: np.random.Generator
) -> pl.DataFrame:
    """Return ``frame`` with dirt added; the same generator state gives the same dirt."""
    dirty, order = dirt_and_order(frame, table, config, gen)
    return dirty if order is None else dirty[order]


def dirt_and_order(
    frame: pl.DataFrame, table: SourceTable, config: DirtConfig, gen: np.random.Generator
) -> tuple[pl.DataFrame, np.ndarray | None]:
    """``apply_dirt`` with its last step left to the writer: the rows with dirt and the order
    the file lists them in (None: as they are), which interleaves the duplicates. A writer
    that gathers that order a slice at a time never holds a second copy of the file."""
    order = None
    if frame.is_empty() or config == CLEAN:
        return frame, order
    n = frame.height
    columns = table.columns()
    key = set(table.primary_key)
    out = frame

    for name, col in columns.items():
        checks = _check_names(col)
        dtype = out.schema[name]
        if "isin" in checks and dtype == pl.String:
            rows = _sample(gen, n, config.variant_rate)
            out = _rewrite(out, name, rows,
                           lambda _, value: _variants(value, int(gen.integers(0, 5))))
        if column_meta(col, "normalise") == "email":
            rows = _sample(gen, n, config.bad_email_rate)
            out = _rewrite(out, name, rows, lambda _, value: value.replace("@", " at ", 1))
        if dtype in (pl.Float64, pl.Int64) and name not in key and (
            {"greater_than_or_equal_to", "greater_than", "in_range", "less_than_or_equal_to"}
            & checks
        ):
            rows = _sample(gen, n, config.bad_amount_rate)
            out = _rewrite(out, name, rows, lambda i, value: -abs(value) - 1 if i % 2 == 0
                           else abs(value) * 10**7 + 10**9)

    required = [c for c in table.required_columns() if c not in key]
    rows = _sample(gen, n, config.null_rate)
    if len(rows) and required:
        targets = gen.integers(0, len(required), len(rows))
        for target in set(targets.tolist()):
            idx = rows[targets == target]
            name = required[target]
            mask = np.zeros(n, dtype=bool)
            mask[idx] = True
            out = out.with_columns(
                pl.when(pl.Series(mask)).then(None).otherwise(pl.col(name)).alias(name)
            )

    extras = []
    dup_rows = _sample(gen, n, config.duplicate_rate)
    if len(dup_rows):
        extras.append(out[dup_rows.tolist()])
    near_rows = _sample(gen, n, config.near_duplicate_rate)
    string_cols = [c for c in out.columns if out.schema[c] == pl.String and c not in key]
    if len(near_rows) and string_cols:
        near = out[near_rows.tolist()]
        target = string_cols[int(gen.integers(0, len(string_cols)))]
        near = near.with_columns((pl.lit(" ") + pl.col(target) + pl.lit("  ")).alias(target))
        extras.append(near)
    if extras:
        out = pl.concat([out, *extras])
        # interleave the copies so they do not all sit at the end of the file
        order = np.argsort(gen.random(out.height), kind="stable")

    if gen.random() < config.missing_column_chance:
        optional = [c for c, col in columns.items() if col.nullable and c not in key]
        if optional:
            out = out.drop(optional[int(gen.integers(0, len(optional)))])
    if gen.random() < config.extra_column_chance:
        out = out.with_columns(pl.lit("legacy").alias("legacy_source_flag"))
    return out, order
