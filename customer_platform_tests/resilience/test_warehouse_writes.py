"""Warehouse writes: a frame of several DuckDB row groups goes in whole, typed and in its order,
though DuckDB writes its batches on all its threads; a range's partitions are replaced
together; rows computed outside the warehouse over a range are written as each day on its own
would be, up to a day that fails; DuckDB keeps to the memory it is given."""

import datetime as dt

import duckdb
import pandera.polars as pa
import polars as pl
import pytest
from dagster import DagsterInstance, asset, materialize
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from customer_platform import settings
from customer_platform.gold.base import written_by_range
from customer_platform.partitions import FAILED_DAY, RANGED, daily_partitions, each_day
from customer_platform.resources import (
    ROW_GROUP_ROWS,
    Warehouse,
    WarehouseIOManager,
    open_warehouse,
)

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
        stored = con.sql("SELECT n, text FROM bronze.ordered_rows").pl()  # stored order
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns"
                                 " WHERE table_name = 'ordered_rows'").fetchall())
    assert stored["n"].to_list() == list(range(ROWS))
    assert stored["text"][ROWS - 1] == f"row {ROWS - 1}"
    assert types == {"n": "BIGINT", "text": "VARCHAR", "_partition_date": "DATE"}


def test_a_ranges_partitions_are_replaced_together_and_the_others_kept(tmp_path):
    """A step's days are committed in one delete and one insert: each day holds exactly its
    staged rows after a re-run, and a day outside the range is untouched."""
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


def test_a_preview_holds_the_first_stored_rows_of_each_partition_in_the_range(tmp_path):
    """``partition_heads`` numbers the rows by their stored position: each day's first five,
    in the order they were written, whatever else the table holds."""
    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    with warehouse.get_connection() as con:
        con.execute("CREATE SCHEMA gold")
        con.execute("CREATE TABLE gold.t (load_date DATE, n INTEGER, label VARCHAR)")
        for number, day in enumerate(["2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07"]):
            con.execute(f"INSERT INTO gold.t SELECT DATE '{day}', {number} * 100 + 8 - range, "
                        f"'row ' || range FROM range({8 - 2 * number})")
        heads = warehouse.partition_heads(
            con, "gold.t", "load_date", [dt.date(2026, 1, 5), dt.date(2026, 1, 6)])
    assert heads.rows() == [
        *((dt.date(2026, 1, 5), 108 - i, f"row {i}") for i in range(5)),
        *((dt.date(2026, 1, 6), 208 - i, f"row {i}") for i in range(4))]


# -- rows computed outside the warehouse, written by range --------------------------------------

RANGE = ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09"]


class Reading(pa.DataFrameModel):
    reading: int = pa.Field(ge=0)
    load_date: dt.date


def ranged_writer(bad_rows_on: str | None = None, raise_on: str | None = None):
    """A ranged asset computing two tables a day outside the warehouse (as the models and the
    audit logs do): ``bad_rows_on`` gives table b rows that break its model on that day,
    ``raise_on`` makes that day's computation fail."""

    @asset(partitions_def=daily_partitions, backfill_policy=RANGED)
    def two_tables(context, warehouse: Warehouse) -> None:
        def compute(day):
            if day.isoformat() == raise_on:
                raise ValueError("the source could not be read")
            for name in ("a", "b"):
                value = -1 if (name, day.isoformat()) == ("b", bad_rows_on) else 1
                writes.add(name, Reading.to_schema(), day,
                           pl.DataFrame({"reading": [value], "load_date": [day]}))

        with written_by_range(context, warehouse) as writes:
            each_day(context, compute)

    return two_tables


def run_range(tmp_path, writer) -> tuple[bool, str, dict]:
    """Run ``writer`` over RANGE on a warehouse holding a stale row for each day; return
    whether it succeeded, the day its failure names, and each table's days written anew."""
    warehouse = Warehouse(database=str(tmp_path / "warehouse.duckdb"))
    with warehouse.get_connection() as con:
        con.execute("CREATE SCHEMA gold")
        for name in ("a", "b"):
            con.execute(f"CREATE TABLE gold.{name} AS SELECT 7 AS reading, CAST(d AS DATE) "
                        f"AS load_date FROM unnest({RANGE}) t(d)")
    with DagsterInstance.ephemeral() as instance:
        result = materialize([writer], instance=instance, raise_on_error=False,
                             resources={"warehouse": warehouse},
                             tags={ASSET_PARTITION_RANGE_START_TAG: RANGE[0],
                                   ASSET_PARTITION_RANGE_END_TAG: RANGE[-1]})
    failures = [e.step_failure_data for e in result.all_events if e.is_step_failure]
    named = (failures[0].user_failure_data.metadata[FAILED_DAY].value
             if failures and failures[0].user_failure_data else "")
    with warehouse.get_connection() as con:
        fresh = {name: [str(day) for day, in con.execute(
            f"SELECT load_date FROM gold.{name} WHERE reading = 1 ORDER BY 1").fetchall()]
            for name in ("a", "b")}
    return result.success, named, fresh


def test_a_ranges_computed_rows_are_written_whole_for_every_day(tmp_path):
    assert run_range(tmp_path, ranged_writer()) == (True, "", {"a": RANGE, "b": RANGE})


def test_rows_breaking_a_model_stop_the_range_on_their_day_in_every_table(tmp_path):
    """Day 3's rows of table b break its model: days 1 and 2 are written in both tables, day
    3 and later in neither, and the failure names day 3."""
    written = run_range(tmp_path, ranged_writer(bad_rows_on=RANGE[2]))
    assert written == (False, RANGE[2], {"a": RANGE[:2], "b": RANGE[:2]})


def test_a_day_that_fails_to_compute_keeps_the_days_before_it_written(tmp_path):
    written = run_range(tmp_path, ranged_writer(raise_on=RANGE[3]))
    assert written == (False, RANGE[3], {"a": RANGE[:3], "b": RANGE[:3]})


def test_the_warehouse_takes_the_memory_it_is_given_and_spills_beyond_it(tmp_path, monkeypatch):
    """CUSTOMER_PLATFORM_WAREHOUSE_MEMORY bounds DuckDB (its default, 80% of the machine, let
    one analytics query take 8.4 GiB); a grouping far larger than the bound still finishes,
    spilled to disk, with the answer an unbounded database gives."""
    grouping = ("SELECT count(*), sum(total) FROM (SELECT i % 3000000 AS k, sum(i) AS total "
                "FROM range(12000000) t(i) GROUP BY k)")
    with duckdb.connect() as unbounded:
        expected = unbounded.sql(grouping).fetchall()
        limit_of = unbounded.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    monkeypatch.setenv("CUSTOMER_PLATFORM_WAREHOUSE_MEMORY", "64MB")
    with open_warehouse(str(tmp_path / "warehouse.duckdb")) as con:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        assert limit != limit_of
        with duckdb.connect(config={"memory_limit": "64MB"}) as same:
            assert limit == same.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        assert con.sql(grouping).fetchall() == expected
    monkeypatch.setenv("CUSTOMER_PLATFORM_WAREHOUSE_MEMORY", "lots")
    with pytest.raises(ValueError, match="CUSTOMER_PLATFORM_WAREHOUSE_MEMORY must be a size"):
        settings.warehouse_memory()


def test_a_statement_beyond_the_warehouses_memory_names_the_setting(tmp_path, monkeypatch):
    """What cannot spill (one text of every value) fails with DuckDB's error and the platform's
    knob, not DuckDB's ``SET memory_limit`` alone, which a run's user cannot type."""
    monkeypatch.setenv("CUSTOMER_PLATFORM_WAREHOUSE_MEMORY", "32MB")
    named = r"(?s)Out of Memory.*may use 32MB.*CUSTOMER_PLATFORM_WAREHOUSE_MEMORY"
    with pytest.raises(duckdb.OutOfMemoryException, match=named):
        with open_warehouse(str(tmp_path / "warehouse.duckdb")) as con:
            con.execute("SELECT string_agg(CAST(i AS VARCHAR), ',') FROM range(20000000) t(i)")
