"""Every bronze reader, fed files generated from each table's contract and then broken.

For every source table and every landing format (a table may arrive in any of the three):
columns in any order and any letter case, optional ones missing, required ones missing,
extra ones added, any text in any field (quotes, delimiters, line breaks, NUL, odd
Unicode), CRLF, a byte-order mark, no final line break (refused in CSV: cut short?), JSON
values of the wrong type, numbers in any spelling (kept as written), huge numbers, NaN,
nested objects, repeated keys, Parquet columns of the wrong type. A file the reader can
take is read record for record, each value as delivered; a file it cannot take fails with a
``LandingFileError`` naming the file, the line and the problem. Any other exception is a bug.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_platform.bronze.landing import DUPLICATE_KEYS, MAX_LINE_BYTES, LandingFileError
from customer_platform.contracts import source_table
from customer_platform.silver.cleaning import clean

from .files import (
    LandingCase,
    csv_files,
    json_text_matches,
    jsonl_files,
    parquet_files,
    parquet_text_matches,
)
from .outcomes import assert_bronze_layout, assert_clear_error
from .strategies import EACH_FORMAT, EACH_TABLE, encode, examples, landed, load


def read(table, case: LandingCase, fmt: str) -> None:
    """Write ``case`` as ``fmt`` and read it: the error it must raise, or its every record."""
    with landed(table, case.data, fmt) as path:
        try:
            frame = load(table, path).frame
        except LandingFileError as error:
            assert_clear_error(error, path)
            assert case.error, f"refused a readable file ({case.style}): {error}"
            if case.error_line_later:
                assert error.line >= case.error_line, f"{error} ({case.style})"
            elif case.error_line is not None:
                assert error.line == case.error_line, f"{error} ({case.style})"
            for words in case.error_words:
                assert any(w in error.problem.lower() for w in words.lower().split("|")), error
            return
    assert not case.error or case.error_optional, \
        f"read a file it should refuse ({case.style}): {case.error_words}"
    assert frame.height == len(case.records), "records lost or invented"
    assert_bronze_layout(table, frame)
    for index, (record, row) in enumerate(zip(case.records, frame.iter_rows(named=True),
                                              strict=True)):
        # only the extra keys this record has (a JSON record need not have another's)
        extras = json.loads(row["_extra_columns"]) if row["_extra_columns"] else {}
        assert set(extras) == {name for name in case.extras if name in record}, extras
        values = {**{name: None for name in table.columns()}, **row, **extras}
        for name in [*table.columns(), *extras]:
            delivered = record.get(name)
            assert _matches(fmt, values[name], delivered), (name, values[name], delivered)
        repeated = case.duplicates.get(index)
        assert (json.loads(row[DUPLICATE_KEYS]) if row[DUPLICATE_KEYS] else None) == repeated


def _matches(fmt: str, text, delivered) -> bool:
    if fmt == "csv":
        return text == delivered
    if fmt == "jsonl":
        return json_text_matches(text, delivered)
    return parquet_text_matches(text, delivered)


@EACH_TABLE
@examples(5)
@given(data=st.data())
def test_csv(table, data):
    read(table, data.draw(csv_files(table), label="file"), "csv")


@EACH_TABLE
@examples(5)
@given(data=st.data())
def test_jsonl(table, data):
    read(table, data.draw(jsonl_files(table), label="file"), "jsonl")


@EACH_TABLE
@examples(5)
@given(data=st.data())
def test_parquet(table, data):
    read(table, data.draw(parquet_files(table), label="file"), "parquet")


@EACH_TABLE
@EACH_FORMAT
@pytest.mark.parametrize("content", ["0 bytes", "no records"])
def test_empty_files(table, fmt, content):
    """A day without records is a header-only CSV, a Parquet file without rows or a 0-byte JSON
    Lines file, and an empty day of a snapshot is an error; a 0-byte CSV or Parquet file is
    always an error (a header or footer is missing)."""
    with landed(table, b"" if content == "0 bytes" else encode(table, [], fmt), fmt) as path:
        try:
            bronze = load(table, path).frame
        except LandingFileError as error:
            assert_clear_error(error, path)
            cut_short = content == "0 bytes" and fmt != "jsonl"
            assert cut_short or table.extract == "snapshot", error
            assert ("empty" if cut_short else "no records") in error.problem
            return
    assert table.extract == "incremental" and (content == "no records" or fmt == "jsonl")
    assert_bronze_layout(table, bronze)
    assert clean(bronze, table).counts() == {"silver_rows": 0, "rejected_rows": 0,
                                             "duplicate_rows": 0}


@pytest.mark.parametrize("length", [MAX_LINE_BYTES - 1, MAX_LINE_BYTES])
def test_a_line_too_long_for_the_csv_reader_is_named(length):
    """DuckDB skips a line longer than its read buffer without a word; every line at the
    limit or over it fails the file instead, naming it."""
    table = source_table("crm.customers")
    rows = [{name: "x" for name in table.columns()} for _ in range(3)]
    rows[1]["customer_name"] = "x" * (length - 2 * (len(table.columns()) - 1))  # + x and ,
    with landed(table, encode(table, rows, "csv"), "csv") as path:
        try:
            assert load(table, path).frame.height == 3
        except LandingFileError as error:
            assert_clear_error(error, path)
            assert length >= MAX_LINE_BYTES and error.line == 3, error
        else:
            assert length < MAX_LINE_BYTES
