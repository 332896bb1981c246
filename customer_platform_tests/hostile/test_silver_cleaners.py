"""Every silver cleaner, fed rows generated from its table's contract and then broken.

Whatever the values (arbitrary text in any column, numbers out of range or unparseable,
unknown enum values, dates in odd formats, empty strings and nulls, exact and near
duplicates), cleaning never raises and every bronze row ends exactly once in silver or in
the rejects table, which both satisfy their schemas. Timestamps are ISO 8601 or a type error.
"""

import datetime as dt

import polars as pl
from hypothesis import assume, given
from hypothesis import strategies as st

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.silver.cleaning import clean
from customer_platform.silver.normalise import parse_expr

from .outcomes import assert_bronze_layout, assert_nothing_lost
from .strategies import (
    EACH_TABLE,
    bronze_of,
    dirty_rows,
    examples,
    valid_rows,
)


@EACH_TABLE
@examples(5)
@given(data=st.data())
def test_every_row_ends_in_silver_or_rejects(table, data):
    rows = data.draw(dirty_rows(table), label="rows")
    bronze = bronze_of(table, rows)
    assert_bronze_layout(table, bronze)
    assert_nothing_lost(table, bronze, clean(bronze, table))


@EACH_TABLE
@examples(3)
@given(data=st.data())
def test_valid_rows_are_kept_whatever_their_spelling(table, data):
    """The strategies' valid values really are valid: only a key collision (a duplicate) or a
    rule across columns (a table-level check) keeps such a row out of silver."""
    rows = data.draw(valid_rows(table), label="rows")
    bronze = bronze_of(table, rows)
    result = clean(bronze, table)
    assert_nothing_lost(table, bronze, result)
    table_rules = {check.error or check.name for check in table.schema().checks}
    rejected = result.rejects.filter(disposition="rejected")
    assert set(rejected["error_rule"]) <= table_rules, rejected.select(
        "error_rule", "error_description").rows()


#: Every timestamp column of every table.
TIMESTAMPS = [(table, name) for table in SOURCE_TABLES
              for name, dtype in table.dtypes().items() if dtype == pl.Datetime]


@examples(10)
@given(data=st.data())
def test_a_timestamp_is_iso_8601_in_utc_or_a_type_error(data):
    """``15:57:3`` once became 15:57:03: a timestamp with a field not written in full is a
    type error naming column and value, and one with an offset is that instant in UTC."""
    table, name = data.draw(st.sampled_from(TIMESTAMPS), label="column")
    moment = data.draw(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 12, 31)))
    minutes = data.draw(st.integers(-14 * 60, 14 * 60), label="offset")
    sign = "-" if minutes < 0 else "+"
    iso = f"{moment.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    parsed = pl.DataFrame({name: [iso]}).select(parse_expr(name, pl.Datetime("us"))).item()
    assert parsed == moment - dt.timedelta(minutes=minutes), iso

    fields = [moment.month, moment.day, moment.hour, moment.minute, moment.second]
    assume(min(fields) < 10)  # a field a lenient parser would pad
    sloppy = "{}-{}-{}T{}:{}:{}".format(moment.year, *fields)
    row = {**data.draw(valid_rows(table, max_rows=1).filter(bool), label="row")[0],
           name: sloppy}
    rejects = clean(bronze_of(table, [row]), table).rejects
    assert rejects.height == 1
    assert f"{name}='{sloppy}' breaks type(Datetime" in rejects["error_description"][0]
