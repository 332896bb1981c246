"""Every silver cleaner, fed rows generated from its table's contract and then broken.

Whatever the values (arbitrary text in any column, numbers out of range or unparseable,
unknown enum values, dates in odd formats, empty strings and nulls, exact and near
duplicates), cleaning never raises and every bronze row ends exactly once in silver or in
the rejects table, which both satisfy their schemas.
"""

from hypothesis import given
from hypothesis import strategies as st

from customer_platform.silver.cleaning import clean

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
