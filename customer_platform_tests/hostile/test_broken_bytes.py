"""Any bytes under a landing file's name: well-formed files of every table, then cut short,
spliced with random or non-UTF-8 bytes, given a byte-order mark or other line ends, a line
repeated, or replaced by noise. Whatever arrives ends as a clear error, or as bronze rows that
silver accounts for, every one; a CSV cut anywhere but at a line end is never read, and a file
of another format under a text name is named by what it is."""

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_platform.bronze.landing import LandingFileError
from customer_platform.silver.cleaning import clean

from .files import mangled
from .outcomes import assert_bronze_layout, assert_clear_error, assert_nothing_lost
from .strategies import (
    EACH_FORMAT,
    any_table,
    encode,
    examples,
    landed,
    load,
    valid_rows,
)


@EACH_FORMAT
@examples(30)
@given(data=st.data())
def test_any_bytes_end_as_a_clear_error_or_accounted_rows(fmt, data):
    table = data.draw(any_table, label="table")
    rows = data.draw(valid_rows(table), label="rows")
    damaged = data.draw(mangled(encode(table, rows, fmt)), label="bytes")
    with landed(table, damaged, fmt) as path:
        try:
            bronze = load(table, path).frame
        except LandingFileError as error:
            assert_clear_error(error, path)
            return
    assert fmt != "csv" or damaged.endswith((b"\n", b"\r")), "read a CSV that may be cut short"
    assert_bronze_layout(table, bronze)
    assert_nothing_lost(table, bronze, clean(bronze, table))


#: Another format's bytes made from a file's own, and how the error must name them.
RECODED = {
    "gzip": (gzip.compress, "gzip-compressed data"),
    "utf16": (lambda data: data.decode().encode("utf-16"), "UTF-16 text"),
    "utf16le": (lambda data: data.decode().encode("utf-16-le"), "UTF-16 text"),
}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("recode", [*RECODED, "parquet"])
@examples(3)
@given(data=st.data())
def test_another_format_under_a_text_name_is_named(fmt, recode, data):
    table = data.draw(any_table, label="table")
    rows = data.draw(valid_rows(table).filter(bool), label="rows")  # UTF-16 of text: not empty
    if recode == "parquet":
        content, named = encode(table, rows, "parquet"), "a Parquet file"
    else:
        encoder, named = RECODED[recode]
        content = encoder(encode(table, rows, fmt))
    with landed(table, content, fmt) as path:
        try:
            load(table, path)
        except LandingFileError as error:
            assert_clear_error(error, path)
            assert error.line == 1 and error.problem.startswith(named), error
        else:
            raise AssertionError(f"read {recode} bytes as {fmt}")
