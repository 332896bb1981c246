"""A frame of several DuckDB row groups goes into the warehouse whole, typed and in its order,
though DuckDB writes its batches on all its threads."""

import duckdb
import polars as pl
from dagster import DagsterInstance, asset, materialize

from customer_platform.partitions import daily_partitions
from customer_platform.resources import ROW_GROUP_ROWS, WarehouseIOManager

ROWS = 3 * ROW_GROUP_ROWS + 5
DAY = "2026-01-05"


@asset(key_prefix=["bronze"], partitions_def=daily_partitions,
       metadata={"partition_expr": "_partition_date"})
def ordered_rows() -> pl.DataFrame:
    return pl.DataFrame({"n": range(ROWS), "text": [f"row {n}" for n in range(ROWS)]}
                        ).with_columns(_partition_date=pl.lit(DAY).str.to_date())


def test_a_frame_of_many_row_groups_is_stored_whole_and_in_order(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    with DagsterInstance.ephemeral() as instance:
        for _ in range(2):  # a re-run replaces the day
            assert materialize([ordered_rows], partition_key=DAY, instance=instance,
                               resources={"io_manager": WarehouseIOManager(
                                   database=str(database))}).success
    with duckdb.connect(str(database), read_only=True) as con:
        stored = con.execute("SELECT n, text FROM bronze.ordered_rows").pl()  # stored order
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns"
                                 " WHERE table_name = 'ordered_rows'").fetchall())
    assert stored["n"].to_list() == list(range(ROWS))
    assert stored["text"][ROWS - 1] == f"row {ROWS - 1}"
    assert types == {"n": "BIGINT", "text": "VARCHAR", "_partition_date": "DATE"}


def test_a_ranges_partitions_are_replaced_together_and_the_others_kept(tmp_path):
    """A step's days are committed in one delete and one insert: each day holds exactly its
    staged rows after a re-run, and a day outside the range is untouched."""
    from customer_platform.resources import Warehouse

    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    days = ["2026-01-05", "2026-01-06", "2026-01-07"]
    with warehouse.get_connection() as con:
        con.execute("CREATE SCHEMA gold")
        con.execute("CREATE TABLE gold.t AS SELECT DATE '2026-01-04' AS load_date, 0 AS n")
        for run in range(2):  # the second run replaces what the first wrote
            staged = {}
            for number, day in enumerate(days):
                staged[day] = f"staged_{number}"
                con.execute(f"CREATE OR REPLACE TEMP TABLE staged_{number} AS SELECT "
                            f"DATE '{day}' AS load_date, range AS n FROM range({number + run})")
            warehouse.replace_partitions(con, "gold.t", "load_date", staged)
        counts = dict(con.execute("SELECT CAST(load_date AS VARCHAR), count(*) FROM gold.t "
                                  "GROUP BY ALL").fetchall())
    assert counts == {"2026-01-04": 1, "2026-01-05": 1, "2026-01-06": 2, "2026-01-07": 3}
