"""Hostile input generated from the contracts: values, rows and whole landing files.

What a valid value of a column looks like is read from the column's Pandera checks (``isin``,
``str_matches``, ranges, its type), so every source table, and any table or rule added
later, is covered without a test of its own. Hostile values are the valid ones broken in the
ways real extracts break: arbitrary text, odd number and date spellings, out-of-range
numbers, unknown enum values, empty strings, nulls, near duplicates.
"""

import datetime as dt
import functools
import io
import json
import os
import re
import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from customer_platform.bronze.landing import FORMATS, LandingFile, to_bronze
from customer_platform.contracts import SOURCE_TABLES, SourceTable

DAY = dt.date(2026, 3, 2)
LOADED = dt.datetime(2026, 3, 2, 6, 0)

#: Deterministic (CI runs the same examples every time), no example database, no deadline
#: (a shared 2-core machine is slow now and then), and no shrinking: a failure prints its
#: example at once rather than spending minutes of CI's budget making it smaller (add
#: ``Phase.shrink`` to ``phases`` locally for a minimal example). Each test sets its own
#: ``max_examples``.
HOSTILE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    report_multiple_bugs=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)


#: Run a test for every source table, or for every landing format (any table may arrive in any).
EACH_TABLE = pytest.mark.parametrize("table", SOURCE_TABLES, ids=lambda t: t.qualified_name)
EACH_FORMAT = pytest.mark.parametrize("fmt", FORMATS)
any_table = st.sampled_from(SOURCE_TABLES)


def examples(count: int) -> settings:
    """``HOSTILE`` with ``count`` examples, times ``HOSTILE_SCALE`` (default 1): CI runs the
    few it can afford; ``HOSTILE_SCALE=50`` searches much harder, locally."""
    return settings(HOSTILE, max_examples=count * int(os.environ.get("HOSTILE_SCALE", "1")))


Row = dict[str, str | None]

# -- values -------------------------------------------------------------------------------

#: Spellings that break some parser: numbers, dates, nulls, separators, odd Unicode.
ODD_TEXT = (
    "", " ", "\t", "null", "NULL", "None", "N/A", "NaN", "nan", "inf", "-inf", "Infinity",
    "1e400", "-1e400", "1e-400", "9223372036854775808", "-9223372036854775809",
    "123456789012345678901234567890", "0x1F", "1_000", "1,5", "1.5.5", "--1", "+-0", "-0",
    "１２３", "٣", "true", "yes", "2026-02-30", "2026-13-01", "02/03/2026", "03/02/26",
    "20260302", "2026-3-2", "March 2, 2026", "2026-03-02T24:00:00", "2026-03-02T10:00:00Z",
    "2026-03-02T10:00:00+02:00", "2026-03-02T10:00:00.1234567891", "0000-01-01",
    "2026-03-02T15:57:3", "2026-03-02 1:2:3", "2026-03-02T10:00:00+0200", "2026-03-02T10Z",
    "2026-03-02T23:59:60", "2026-03-02T00:30:00+01:00", "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59.999999", "+12026-01-01", "-0001-01-01", "1970-01-01T00:00:00",
    "'", '"', '""', ",", ";", "\n", "\r\n", "\r", "\x00", "\ufeff", "\u2028", "\x85",
    "é", "ß", "İ", "ǅ", "😀", "\u200b", "a" * 300, "{}", "[1, 2]", '{"a": 1}',
    "Robert'); DROP TABLE customers;--",
)

#: Any text a polars string column can hold (no lone surrogates), biased towards trouble.
any_text = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=20),
                     st.text(st.characters(codec="ascii"), max_size=8))

printable = st.characters(codec="utf-8", categories=("L", "N", "P", "S"))


def _checks(table: SourceTable, name: str) -> dict[str, dict]:
    return {check.name: check.statistics for check in table.columns()[name].checks}


def _bounds(table: SourceTable, name: str) -> tuple[float | None, float | None]:
    checks = _checks(table, name)
    low = checks.get("greater_than_or_equal_to", {}).get("min_value")
    high = checks.get("less_than_or_equal_to", {}).get("max_value")
    if "in_range" in checks:
        low, high = checks["in_range"]["min_value"], checks["in_range"]["max_value"]
    return low, high


def _spellings(value: str) -> st.SearchStrategy[str]:
    """``value`` and messy spellings that silver normalises back to it."""
    return st.sampled_from([value, value.lower(), value.upper(), f"  {value} ",
                            value.replace("-", "_").replace(" ", "_")])


def _format_number(number: float, whole: bool) -> st.SearchStrategy[str]:
    if whole:
        return st.sampled_from([str(int(number)), f"{int(number)}.0", f" {int(number)} "])
    return st.sampled_from([repr(number), f"{number:.2f}", f"{number:e}"])


@functools.cache
def valid_text(table: SourceTable, name: str) -> st.SearchStrategy[str]:
    """A value of column ``name`` as a source system would deliver it, and the contract allows."""
    dtype, checks = table.dtypes()[name], _checks(table, name)
    if "isin" in checks:
        return st.sampled_from(sorted(checks["isin"]["allowed_values"])).flatmap(_spellings)
    if "str_matches" in checks:
        pattern = re.compile(checks["str_matches"]["pattern"], re.ASCII)
        return st.from_regex(pattern, fullmatch=True)
    if "str_length" in checks:
        size = checks["str_length"]["exact_value"]
        return st.text(string.ascii_uppercase, min_size=size, max_size=size)
    if dtype == pl.String:
        return st.text(printable, min_size=1, max_size=12)
    if dtype == pl.Boolean:
        return st.sampled_from(["true", "false", "True", "FALSE", "t", "f", "yes", "no", "1", "0"])
    if dtype == pl.Date:
        return st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    if dtype == pl.Datetime:  # ISO 8601, with or without an offset
        return st.tuples(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 12, 31)),
                         st.sampled_from(["T", " "]),
                         st.sampled_from(["", "", "Z", "+02:00", "-05:30", "+14"])).map(
            lambda v: v[0].isoformat(v[1]) + v[2])
    low, high = _bounds(table, name)
    if dtype == pl.Int64:
        return st.integers(int(low if low is not None else -10**9),
                           int(high if high is not None else 10**9)).flatmap(
            lambda n: _format_number(n, whole=True))
    if dtype == pl.Float64:
        return st.floats(low if low is not None else -1e9, high if high is not None else 1e9,
                         allow_nan=False).flatmap(lambda n: _format_number(n, whole=False))
    raise TypeError(f"no valid-value strategy for {dtype} ({table.qualified_name}.{name})")


@functools.cache
def valid_value(table: SourceTable, name: str) -> st.SearchStrategy[str | None]:
    text = valid_text(table, name)
    return st.one_of(st.none(), text) if table.columns()[name].nullable else text


@functools.cache
def hostile_value(table: SourceTable, name: str) -> st.SearchStrategy[str | None]:
    """A value of column ``name`` that is probably wrong: the contract should reject it."""
    valid = valid_text(table, name)
    options = [
        st.none(),
        any_text,
        st.tuples(valid, any_text).map("".join),  # junk after a good value
        st.tuples(any_text, valid).map("".join),
    ]
    low, high = _bounds(table, name)
    if low is not None:
        options.append(st.sampled_from([low - 1, low - 1e-9, -abs(low) - 1e12]).map(repr))
    if high is not None:
        options.append(st.sampled_from([high + 1, high * 10 + 1, 1e308]).map(repr))
    return st.one_of(options)


# -- rows ---------------------------------------------------------------------------------


@st.composite
def valid_rows(draw, table: SourceTable, max_rows: int = 5) -> list[Row]:
    """Rows every column of which the contract allows (keys may still collide); at least one
    for a snapshot, whose empty file is an error."""
    columns = list(table.columns())
    count = draw(st.integers(1 if table.extract == "snapshot" else 0, max_rows))
    return [{name: draw(valid_value(table, name)) for name in columns} for _ in range(count)]


@st.composite
def dirty_rows(draw, table: SourceTable, max_rows: int = 6) -> list[Row]:
    """Valid rows with a few values broken, plus exact and near duplicates of some of them."""
    rows = draw(valid_rows(table, max_rows))
    columns = list(table.columns())
    for row in rows:
        for name in draw(st.lists(st.sampled_from(columns), max_size=3, unique=True)):
            row[name] = draw(hostile_value(table, name))
    if rows:
        for _ in range(draw(st.integers(0, 3))):
            copy = dict(draw(st.sampled_from(rows)))
            if draw(st.booleans()):  # a near duplicate: same key after trimming and case
                name = draw(st.sampled_from(list(table.primary_key)))
                copy[name] = draw(st.sampled_from([" {} ", "{}\t", "{}"])).format(
                    copy[name] or "")
            rows.insert(draw(st.integers(0, len(rows))), copy)
    return rows


# -- landing files ------------------------------------------------------------------------


@contextmanager
def landed(table: SourceTable, content: bytes | pl.DataFrame, fmt: str) -> Iterator[Path]:
    """``content`` (bytes, or a frame for Parquet) delivered as ``table``'s landing file in
    ``fmt``, in a landing zone of its own (pytest's ``tmp_path`` is shared by all examples)."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as root:
        path = table.landing_path(root, DAY, fmt)
        path.parent.mkdir(parents=True)
        if isinstance(content, pl.DataFrame):
            content.write_parquet(path)
        else:
            path.write_bytes(content)
        yield path


def load(table: SourceTable, path: Path) -> LandingFile:
    """Read a file made by ``landed`` into bronze, as the bronze asset does."""
    return to_bronze(table, path, path.parents[2], DAY, LOADED)


def bronze_of(table: SourceTable, rows: list[Row]) -> pl.DataFrame:
    """``rows`` delivered as an all-text Parquet file (which keeps any string, and null apart
    from empty) and read into bronze."""
    with landed(table, encode(table, rows, "parquet"), "parquet") as path:
        return load(table, path).frame


def csv_field(value: str | None, quote_all: bool = False) -> str:
    if value is None:
        return ""
    if quote_all or re.search(r'[,"\r\n]', value):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_records(records: list[list[str | None]], newline: str = "\n",
                quote_all: bool = False) -> list[str]:
    return [",".join(csv_field(value, quote_all) for value in record) + newline
            for record in records]


def encode(table: SourceTable, rows: list[Row], fmt: str) -> bytes:
    """``rows`` as a landing file of ``table`` in ``fmt``, as a well-behaved exporter writes it."""
    if fmt == "csv":
        header = list(table.columns())
        return "".join([",".join(header) + "\n",
                        *csv_records([[row[n] for n in header] for row in rows])]).encode()
    if fmt == "jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows).encode()
    buffer = io.BytesIO()
    pl.DataFrame({name: pl.Series(name, [row[name] for row in rows], dtype=pl.String)
                  for name in table.columns()}).write_parquet(buffer)
    return buffer.getvalue()
