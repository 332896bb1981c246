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



#: Valid timestamps in the accepted forms other than the plain ones: minutes only, a fraction,
#: an offset.
_OTHER_ISO = st.builds(
    lambda moment, timespec, offset: moment.isoformat(timespec=timespec) + offset,
    st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 12, 31)),
    st.sampled_from(["minutes", "seconds", "milliseconds", "microseconds"]),
    st.sampled_from(["Z", "+02:00", "-05:30", "+01"]),
)
#: Text shaped like the plain forms (any digits: 2026-02-30, 0000-01-01, 24:00:00, 12:60:00),
#: the other accepted forms, and anything at all.
_DATE_LIKE = st.one_of(
    _OTHER_ISO,
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?"
                  r"(Z|[+-][0-9]{2}(:[0-9]{2})?)?\Z"),
    st.text(alphabet="0123456789-T :.Z+", max_size=26),
    st.text(max_size=26),
)


def _fast_and_full(values: list[str]) -> pl.DataFrame:
    from customer_platform.silver.normalise import _any_iso_8601_utc, _iso_8601_utc

    return pl.DataFrame({"text": values}, schema={"text": pl.String}).select(
        "text", fast=_iso_8601_utc(pl.col("text")), full=_any_iso_8601_utc(pl.col("text")))


@examples(20)
@given(values=st.lists(_DATE_LIKE, min_size=1, max_size=200))
def test_the_plain_shapes_parse_to_what_the_full_pattern_gives(values):
    """Dates and timestamps to the second take a fast path (no groups taken apart): every
    value, valid or not, parses to what the full ISO 8601 parse gives it."""
    parsed = _fast_and_full(values)
    differ = parsed.filter(~pl.col("fast").eq_missing(pl.col("full")))
    assert differ.is_empty(), differ


@examples(20)
@given(values=st.lists(_DATE_LIKE, min_size=1, max_size=50), other=_OTHER_ISO,
       plain=st.booleans())
def test_a_column_typed_as_its_values_allow_is_typed_as_the_full_pattern_types_it(values, other,
                                                                                   plain):
    """``parse_exprs`` skips the full pattern for a column whose values are all plain: the
    column, plain or mixed, is typed as the full pattern (and the years check) types it."""
    from customer_platform.silver.normalise import (
        _any_iso_8601_utc,
        _years_1_to_9999,
        parse_exprs,
    )

    if plain:
        values = _fast_and_full(values).filter(
            pl.col("text").str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
            | pl.col("text").str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]{8}$"))["text"]
    else:
        values = [*values, other]  # one valid value only the full pattern reads
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String})
    for dtype in (pl.Date, pl.Datetime("us")):
        full = _any_iso_8601_utc(pl.col("text"))
        full = _years_1_to_9999(full.dt.date() if dtype == pl.Date else full.cast(dtype))
        typed = frame.select(chosen=parse_exprs(frame, {"text": dtype})[0], full=full)
        assert typed["chosen"].eq_missing(typed["full"]).all(), typed


def test_the_fast_path_keeps_the_calendar_and_the_clock():
    values = ["2024-02-29", "2023-02-29", "2026-03-02 23:59:59", "2026-03-02T24:00:00",
              "2026-13-01T00:00:00", "2026-03-02T10:15:00", "2026-3-02", "0000-01-01"]
    parsed = _fast_and_full(values)
    assert parsed["fast"].head(7).to_list() == [
        dt.datetime(2024, 2, 29), None, dt.datetime(2026, 3, 2, 23, 59, 59), None, None,
        dt.datetime(2026, 3, 2, 10, 15), None]
    assert parsed["fast"].dt.year().to_list()[7] == 0  # parsed; parse_expr refuses year 0
    assert parsed["fast"].eq_missing(parsed["full"]).all()
