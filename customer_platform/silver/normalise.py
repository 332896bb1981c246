"""Value normalisation: trimming, canonical enum spellings, emails, fiscal labels, typing.

Normalising is not judging: values are brought to one spelling and type here, and the
contract's checks decide afterwards whether a row is valid; a value that cannot be normalised
is left as delivered so the rejection shows what arrived. Dates and timestamps are strict ISO
8601, never guessed at (the accepted forms: docs/your_data.md).
"""

import re

import polars as pl

from customer_platform import fiscal
from customer_platform.contracts.base import column_meta

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
#: ISO 8601, extended format: the date; the time (hh:mm, seconds and a fraction optional); the
#: offset. ASCII digits only (``\d`` would take other scripts' digits).
_ISO_8601 = (r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([01][0-9]|2[0-3]):([0-5][0-9])"
             r"(?::([0-5][0-9])(?:[.,]([0-9]+))?)?(Z|[+-](?:[01][0-9]|2[0-3])(?::[0-5][0-9])?)?)?$")


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


def parse_exprs(frame: pl.DataFrame, dtypes: dict[str, pl.DataType]) -> list[pl.Expr]:
    """``parse_expr`` of each column of ``dtypes`` for the values ``frame`` holds: a date or
    timestamp column whose every value has a plain shape is parsed without the full pattern
    (which costs, over a column of nulls, several times the plain parse)."""
    temporal = [name for name, dtype in dtypes.items()
                if dtype == pl.Date or isinstance(dtype, pl.Datetime)]
    plain = frame.select([(pl.col(name).is_null() | pl.col(name).str.contains(_PLAIN_DATE)
                           | pl.col(name).str.contains(_PLAIN_TIMESTAMP)).all().alias(name)
                          for name in temporal]).row(0, named=True) if temporal else {}
    return [parse_expr(name, dtype, plain_only=plain.get(name, False)).alias(name)
            for name, dtype in dtypes.items()]


def parse_expr(name: str, dtype: pl.DataType, plain_only: bool = False) -> pl.Expr:
    """Text -> ``dtype``; a value that does not parse becomes null (caught as a type error).
    ``plain_only``: every value of a date or timestamp column has a plain shape (or none)."""
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
        return _years_1_to_9999(_iso_8601_utc(text, plain_only).dt.date())
    if isinstance(dtype, pl.Datetime):
        return _years_1_to_9999(_iso_8601_utc(text, plain_only).cast(dtype))
    if dtype in (pl.Int64, pl.Int32, pl.Int16, pl.Int8):
        as_float = text.cast(pl.Float64, strict=False)
        whole = as_float.is_finite() & (as_float == as_float.round(0))
        return pl.when(whole).then(as_float).otherwise(None).cast(dtype, strict=False)
    if dtype in (pl.Float64, pl.Float32):
        as_float = text.cast(pl.Float64, strict=False)
        return pl.when(as_float.is_finite()).then(as_float).otherwise(None).cast(dtype)
    raise TypeError(f"no parser for {dtype} (column {name})")


#: The shapes nearly every extract delivers: a date, and a time to the second with no offset
#: (UTC), after a ``T`` or a space. Matching them is about 30 times cheaper than taking the
#: full pattern's groups apart, so only the other values go through ``_any_iso_8601_utc``.
_PLAIN_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_PLAIN_TIMESTAMP = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$")


def _iso_8601_utc(text: pl.Expr, plain_only: bool = False) -> pl.Expr:
    """ISO 8601 text -> a UTC timestamp (microseconds); null for anything else: the plain
    shapes parsed directly, every other value by ``_any_iso_8601_utc`` (which reads the plain
    shapes the same way: tested value for value), unless ``plain_only`` says there is none."""
    plain_date, plain_time = text.str.contains(_PLAIN_DATE), text.str.contains(_PLAIN_TIMESTAMP)
    at_midnight = text.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
    to_the_second = pl.concat_str(text.str.slice(0, 10), pl.lit("T"), text.str.slice(11)) \
        .str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us")
    other = pl.lit(None, dtype=pl.Datetime("us")) if plain_only else _any_iso_8601_utc(
        pl.when(plain_date | plain_time).then(None).otherwise(text))
    return pl.when(plain_date).then(at_midnight).when(plain_time).then(to_the_second) \
        .otherwise(other)


def _any_iso_8601_utc(text: pl.Expr) -> pl.Expr:
    """ISO 8601 text of any accepted form -> a UTC timestamp (microseconds); null for anything
    else. The pattern checks the shape (two digits for each field, ranges of hours, minutes,
    seconds and offsets); the strict parse checks the calendar (no 30 February)."""
    parts = text.str.extract_groups(_ISO_8601)
    date, hour, minute, second, fraction, offset = (parts.struct.field(str(group))
                                                    for group in range(1, 7))
    local = pl.concat_str(
        date, pl.lit("T"), hour.fill_null("00"), pl.lit(":"), minute.fill_null("00"),
        pl.lit(":"), second.fill_null("00"), pl.lit("."),
        fraction.fill_null("").str.pad_end(6, "0").str.head(6),
    ).str.to_datetime("%Y-%m-%dT%H:%M:%S%.6f", strict=False, time_unit="us")
    sign = pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    minutes = sign * (offset.str.slice(1, 2).cast(pl.Int64, strict=False) * 60
                      + offset.str.slice(4, 2).cast(pl.Int64, strict=False).fill_null(0))
    return local - pl.duration(minutes=minutes.fill_null(0))  # "Z" and no offset: UTC


def _years_1_to_9999(parsed: pl.Expr) -> pl.Expr:
    """Polars reads ``-0001-01-01``, ``0000-01-01`` and ``+12026-01-01``, which Python (and so
    Pandera's table-level checks, previews and every consumer) cannot hold: not a date here."""
    return pl.when(parsed.dt.year().is_between(1, 9999)).then(parsed)
