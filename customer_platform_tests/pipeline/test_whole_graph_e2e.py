"""The whole graph, bronze to gold, over 10 generated days: every check passes, SCD2 and
weekly windows are exercised, and re-running the window leaves every table identical."""

import shutil

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.gold import ANALYTICS_TABLES, GOLD_TABLES, SCD2_DIMENSIONS
from customer_platform.gold.base import typed_select
from customer_platform.gold.scd2 import preview_sql
from customer_platform.resources import warehouse_resources

from .conftest import DAYS, START, Platform

pytestmark = pytest.mark.e2e

#: Tables that describe the runs themselves (times, run ids): not expected to repeat.
RUN_RECORDS = {"process_audit_log", "error_audit_log"}
#: Columns that record when a row was loaded, not what it says.
LOAD_TIME_COLUMNS = {"_loaded_at", "error_timestamp"}
#: Tables written only when a calendar month or quarter closes (none in the window).
PERIOD_CLOSE_TABLES = {"agg_mrr", "agg_mrr_summary", "agg_pipeline_boq",
                       "agg_pipeline_quarterly"}


def all_tables():
    tables = [f"bronze.{t.bronze_table}" for t in SOURCE_TABLES]
    tables += [f"silver.{name}" for t in SOURCE_TABLES
               for name in (t.silver_table, t.rejects_table)]
    tables += [f"gold.{t.name}" for t in GOLD_TABLES if t.name not in RUN_RECORDS]
    tables += [f"gold.{d.name}" for d in SCD2_DIMENSIONS]
    return tables


def content_hashes(platform, tables=None) -> dict[str, tuple[int, str]]:
    """(rows, MD5 of the sorted rows) of each table (default: ``all_tables()``), without the
    load-time columns."""
    hashes = {}
    for table in tables or all_tables():
        schema, name = table.split(".")
        columns = [c for c, in platform.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND "
            "table_name = ? ORDER BY ordinal_position", [schema, name])
            if c not in LOAD_TIME_COLUMNS]
        row = ", ".join(f'"{c}"' for c in columns)
        hashes[table] = platform.query(
            f"SELECT count(*), md5(string_agg(r, '\n' ORDER BY r)) FROM "
            f"(SELECT CAST(ROW({row}) AS VARCHAR) AS r FROM {table})")[0]
    return hashes


def test_every_day_and_every_gold_check_passes(platform_run):
    _, results = platform_run
    for day, result in results.items():
        assert result.success, (day, [e.step_key for e in result.all_events
                                      if e.is_step_failure])
        gold = [e for e in result.get_asset_check_evaluations() if e.asset_key.path[0] == "gold"]
        assert len(gold) >= len(GOLD_TABLES)
        assert [(e.asset_key.to_user_string(), e.check_name) for e in gold if not e.passed] == []


def test_every_gold_table_is_filled(platform_run):
    platform, _ = platform_run

    def rows(table):
        return platform.query(f"SELECT count(*) FROM {table}")[0][0]

    empty = {t.name for t in GOLD_TABLES if rows(f"gold.{t.name}") == 0}
    # a small company over 10 days may have no rows for a source (e.g. no campaign sends)
    without_source_rows = {t.name for t in GOLD_TABLES
                           if any(rows(s) == 0 for s in t.sources if s.startswith("silver."))}
    assert empty <= PERIOD_CLOSE_TABLES | without_source_rows, empty
    assert len(empty - PERIOD_CLOSE_TABLES) <= 3


def test_scd2_history_is_exercised(platform_run):
    platform, _ = platform_run
    changed = platform.query(
        "SELECT count(DISTINCT customer_id) FROM gold.dim_customer WHERE valid_from > ?",
        [START])[0][0]
    assert changed >= 1
    current = platform.query("SELECT count(*) = count(DISTINCT customer_id) FROM "
                             "gold.dim_customer WHERE is_current")[0][0]
    assert current


def test_each_dimensions_preview_is_the_first_current_rows_of_its_view(platform_run):
    """The preview derives the history of its first entities only: the rows the whole view
    gives first."""
    platform, _ = platform_run
    for dim in SCD2_DIMENSIONS:
        whole = platform.query(f"SELECT * FROM gold.{dim.name} WHERE is_current "
                               "ORDER BY ALL LIMIT 5")
        assert len(whole) == min(5, platform.query(
            f"SELECT count(DISTINCT {dim.entity_key}) FROM gold.{dim.name}")[0][0]), dim.name
        assert platform.query(preview_sql(dim)) == whole, dim.name


def test_weekly_windows_are_exercised(platform_run):
    platform, _ = platform_run
    weekly = platform.query("SELECT count(*) FROM gold.agg_active_users "
                            "WHERE period_type = 'Weekly' AND load_date >= ?", [DAYS[6]])[0][0]
    assert weekly > 0


def test_rerunning_the_window_in_reverse_order_leaves_every_table_identical(platform_run):
    """A second run of the whole window, latest day first (the worst order for late rows and
    dimension look-ups), replaces every partition with the same rows, in every layer."""
    platform, _ = platform_run
    before = content_hashes(platform)
    for day in reversed(DAYS):
        assert platform.run_day(day).success, day
    after = content_hashes(platform)
    assert {t: h for t, h in after.items() if h != before[t]} == {}


def test_materialisations_show_row_counts_and_a_masked_preview(platform_run):
    _, results = platform_run
    events = {e.asset_key.to_user_string(): e.materialization.metadata
              for e in results[DAYS[0]].get_asset_materialization_events()}
    # the table as a query names it, without the warehouse file's path
    assert events["silver/stg_crm_customers"]["dagster/table_name"].value == \
        "silver.stg_crm_customers"
    for key in ("silver/stg_crm_customers", "gold/dim_customer_versions", "gold/dim_customer"):
        metadata = events[key]
        assert metadata["dagster/row_count"].value > 0
        preview = metadata["preview"].value
        assert "| customer_id |" in preview and "| email |" in preview
        assert "***" in preview and "@" not in preview  # emails masked


def test_a_ranged_backfill_leaves_every_table_as_the_days_one_at_a_time(platform_run, tmp_path):
    """The window as ranged runs (7 days, then 3: every step handles its days in order) on a
    fresh warehouse: every table's content is the day-by-day run's, each day is its own
    materialised partition with its own row count, and each day has its own check results."""
    platform, _ = platform_run
    with DagsterInstance.ephemeral() as instance:
        ranged = Platform(tmp_path, warehouse_resources(tmp_path / "warehouse.duckdb",
                                                        platform.root / "landing"), instance)
        results = [ranged.run_range(days) for days in (DAYS[:7], DAYS[7:])]
        for result in results:
            assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
        before = content_hashes(platform)
        assert {t: h for t, h in content_hashes(ranged).items() if h != before[t]} == {}

        silver = AssetKey(["silver", "stg_crm_customers"])
        assert instance.get_materialized_partitions(silver) == set(DAYS)
        counts = {e.partition: e.materialization.metadata["dagster/row_count"].value
                  for e in results[0].get_asset_materialization_events()
                  if e.asset_key == silver}
        stored = dict((d.isoformat(), n) for d, n in ranged.query(
            "SELECT _partition_date, count(*) FROM silver.stg_crm_customers GROUP BY 1"))
        assert counts == {day: stored[day] for day in DAYS[:7]}
        checks = {(e.partition, e.passed) for e in results[0].get_asset_check_evaluations()
                  if e.asset_key == silver and e.check_name == "reconciliation"}
        assert {day for day, _ in checks} >= set(DAYS[:7]) and all(ok for _, ok in checks)


def test_no_table_depends_on_the_order_its_sources_rows_are_stored_in(platform_run, tmp_path):
    """Each SQL table's last three days computed on the warehouse as the window left it and on
    a copy whose every table holds its rows in another order (as a range's one write leaves
    them, against its days written one by one) give the same rows to the last digit: a
    floating-point measure is summed exactly (``gold.sql.exact_sum``)."""
    platform, _ = platform_run
    shuffled = tmp_path / "shuffled.duckdb"
    shutil.copy(platform.root / "warehouse.duckdb", shuffled)
    with duckdb.connect(str(shuffled)) as con:
        for schema, name in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() "
                "WHERE schema_name IN ('bronze', 'silver', 'gold')").fetchall():
            con.execute(f"CREATE OR REPLACE TABLE {schema}.{name} AS SELECT * FROM "
                        f"{schema}.{name} ORDER BY rowid DESC")  # every row in reverse
    stored = {name for name, in platform.query("SELECT table_name FROM duckdb_tables()")}
    tables = [t for t in (*GOLD_TABLES, *ANALYTICS_TABLES)
              if t.sql and t.build is None and t.name in stored]
    assert len(tables) > 40
    with duckdb.connect(str(platform.root / "warehouse.duckdb"), read_only=True) as original, \
            duckdb.connect(str(shuffled), read_only=True) as reordered:
        for day in DAYS[-3:]:
            for table in tables:
                parameters = {"day": day, "first_day": START}
                used = {k: v for k, v in parameters.items() if f"${k}" in table.sql}
                rows = [sorted(map(repr, con.execute(typed_select(table), used).fetchall()))
                        for con in (original, reordered)]
                assert rows[0] == rows[1], f"{table.name} {day}"
