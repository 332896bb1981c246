"""The reconciliation check on stored tables: a hostile day's file of any table, in any
format, read into bronze, cleaned, and written to a warehouse; the blocking ``reconciliation``
check then finds bronze rows = silver rows + duplicates + rejected rows."""

from hypothesis import given
from hypothesis import strategies as st

from customer_platform.quality.checks import reconcile
from customer_platform.resources import Warehouse, open_warehouse
from customer_platform.silver.assets import silver_key
from customer_platform.silver.cleaning import clean

from .strategies import (
    DAY,
    EACH_FORMAT,
    any_table,
    dirty_rows,
    encode,
    examples,
    landed,
    load,
)


@EACH_FORMAT
@examples(5)
@given(data=st.data())
def test_reconciliation_holds_on_the_stored_tables(fmt, data):
    table = data.draw(any_table, label="table")
    rows = data.draw(dirty_rows(table), label="rows")
    with landed(table, encode(table, rows, fmt), fmt) as path:
        bronze = load(table, path).frame
        result = clean(bronze, table)
        database = str(path.parents[2] / "warehouse.duckdb")
        # held open while the check counts, as during a run (its own connections are then cheap)
        with open_warehouse(database) as con:
            for schema, name, frame in [("bronze", table.bronze_table, bronze),
                                        ("silver", table.silver_table, result.silver),
                                        ("silver", table.rejects_table, result.rejects)]:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                con.register("frame", frame.to_arrow())
                con.execute(f"CREATE TABLE {schema}.{name} AS SELECT * FROM frame")
            check = reconcile(Warehouse(database=database), silver_key(table),
                              table.bronze_table, table.silver_table, table.rejects_table, DAY)
    assert check.passed, check.metadata
    assert check.metadata["bronze_rows"].value == len(rows)
