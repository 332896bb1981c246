"""Value normalisation: trimming, canonical enum spellings, emails, fiscal labels, typing.

Normalising is not judging: values are brought to one spelling and type here, and the
contract's checks decide afterwards whether a row is valid. A value that cannot be
normalised is left as delivered so the rejection shows what arrived.
"""

import re

import polars as pl

from customer_platform import fiscal
from customer_platform.contracts.base import column_meta

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
)


def enum_key(value: str) -> str:
    """``us-east``, ``US_EAST``, ``UsEast`` and ``US-EAST`` all share the key ``useast``."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _allowed_values(col) -> list[str] | None:
    for check in col.checks:
        if check.name == "isin":
            return list(check.statistics["allowed_values"])
    return None


def _map_unique(expr_name: str, frame: pl.DataFrame, fn) -> pl.Expr:
    """Apply a Python normaliser once per distinct value (enums and labels repeat a lot)."""
    values = frame.get_column(expr_name).unique().drop_nulls().to_list()
    mapping = {value: fn(value) for value in values}
    mapping = {k: (v if v is not None else k) for k, v in mapping.items() if v != k}
    if not mapping:
        return pl.col(expr_name)
    return pl.col(expr_name).replace(mapping)


def normalise_text(frame: pl.DataFrame, columns: dict) -> pl.DataFrame:
    """Trim every text value (empty -> null) and apply each column's normaliser."""
    trimmed = frame.with_columns(
        [
            pl.col(name).str.strip_chars().replace("", None).alias(name)
            for name in columns
            if name in frame.columns
        ]
    )
    exprs = []
    for name, col in columns.items():
        kind = column_meta(col, "normalise")
        allowed = _allowed_values(col)
        if allowed is not None:
            canonical = {enum_key(value): value for value in allowed}
            exprs.append(
                _map_unique(name, trimmed, lambda v, c=canonical: c.get(enum_key(v))).alias(name)
            )
        elif kind == "email":
            exprs.append(pl.col(name).str.to_lowercase().alias(name))
        elif kind == "upper":
            exprs.append(pl.col(name).str.to_uppercase().alias(name))
        elif kind == "fiscal_week":
            exprs.append(_map_unique(name, trimmed, fiscal.normalise_fiscal_week).alias(name))
        elif kind == "fiscal_quarter":
            exprs.append(_map_unique(name, trimmed, fiscal.normalise_fiscal_quarter).alias(name))
    return trimmed.with_columns(exprs) if exprs else trimmed


def parse_expr(name: str, dtype: pl.DataType) -> pl.Expr:
    """Text -> ``dtype``; a value that does not parse becomes null (caught as a type error)."""
    text = pl.col(name)
    if dtype == pl.String:
        return text
    if dtype == pl.Boolean:
        lower = text.str.to_lowercase()
        return (
            pl.when(lower.is_in(_TRUE)).then(True).when(lower.is_in(_FALSE)).then(False)
            .otherwise(None).cast(pl.Boolean)
        )
    if dtype == pl.Date:
        return _years_1_to_9999(pl.coalesce(
            text.str.to_date("%Y-%m-%d", strict=False),
            *(text.str.to_datetime(f, strict=False, time_unit="us").dt.date()
              for f in _DATETIME_FORMATS[:4]),
        ))
    if isinstance(dtype, pl.Datetime):
        return _years_1_to_9999(pl.coalesce(
            *(text.str.to_datetime(f, strict=False, time_unit="us") for f in _DATETIME_FORMATS)
        ).cast(dtype))
    if dtype in (pl.Int64, pl.Int32, pl.Int16, pl.Int8):
        as_float = text.cast(pl.Float64, strict=False)
        whole = as_float.is_finite() & (as_float == as_float.round(0))
        return pl.when(whole).then(as_float).otherwise(None).cast(dtype, strict=False)
    if dtype in (pl.Float64, pl.Float32):
        as_float = text.cast(pl.Float64, strict=False)
        return pl.when(as_float.is_finite()).then(as_float).otherwise(None).cast(dtype)
    raise TypeError(f"no parser for {dtype} (column {name})")


def _years_1_to_9999(parsed: pl.Expr) -> pl.Expr:
    """Polars reads ``-0001-01-01``, ``0000-01-01`` and ``+12026-01-01``, which Python (and so
    Pandera's table-level checks, previews and every consumer) cannot hold: not a date here."""
    return pl.when(parsed.dt.year().is_between(1, 9999)).then(parsed)
