"""End to end: generate 3 days for a few hundred customers, materialise every bronze and
silver asset of every day with a real (temporary) Dagster instance and DuckDB file, and
check that every check passed, nothing was lost, and re-running a day replaces it."""

import datetime as dt

import pandas as pd
import pytest
from dagster import AssetIn, AssetKey, asset, materialize

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.partitions import daily_partitions

from .conftest import ASSETS, DAYS, END

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pipeline(platform_run):
    platform, results = platform_run
    return platform.root, platform.resources, platform.instance, results


def query(root, sql, params=()):
    import duckdb

    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def run_day(day, resources, instance):
    return materialize(ASSETS, partition_key=day, resources=resources, instance=instance,
                       raise_on_error=False)


def test_every_day_succeeds_and_every_check_passes(pipeline):
    _, _, _, results = pipeline
    for day, result in results.items():
        failures = [e.step_key for e in result.all_events if e.is_step_failure]
        assert result.success, (day, failures)
        evaluations = result.get_asset_check_evaluations()
        layers = [e for e in evaluations if e.asset_key.path[0] in ("bronze", "silver")]
        assert len(layers) == 4 * len(SOURCE_TABLES)
        assert [(e.asset_key.to_user_string(), e.check_name) for e in evaluations
                if not e.passed] == []


def test_reconciliation_holds_for_every_table_and_day(pipeline):
    import duckdb

    root, *_ = pipeline
    totals = {"rejected": 0, "duplicate_removed": 0}
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        def by_day(table, where="true"):
            return dict(con.execute(f"SELECT CAST(_partition_date AS VARCHAR), count(*) FROM "
                                    f"{table} WHERE {where} GROUP BY ALL").fetchall())

        for table in SOURCE_TABLES:
            bronze = by_day(f"bronze.{table.bronze_table}")
            silver = by_day(f"silver.{table.silver_table}")
            rejected = by_day(f"silver.{table.rejects_table}")
            for day in DAYS:
                assert bronze.get(day, 0) == silver.get(day, 0) + rejected.get(day, 0), (
                    table.qualified_name, day)
            rejects = {kind: by_day(f"silver.{table.rejects_table}", f"disposition = '{kind}'")
                       for kind in totals}
            for kind in totals:
                totals[kind] += sum(rejects[kind].values())
    # the generator's dirt really reached the rejects tables
    assert totals["rejected"] > 0 and totals["duplicate_removed"] > 0


def test_reconciliation_check_reports_its_counts(pipeline):
    _, _, _, results = pipeline
    evaluation = next(e for e in results[DAYS[1]].get_asset_check_evaluations()
                      if e.check_name == "reconciliation"
                      and e.asset_key.path[-1] == "stg_crm_customers")
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert meta["unaccounted_rows"] == 0
    assert meta["bronze_rows"] == meta["silver_rows"] + meta["rejected_rows"] + meta[
        "duplicate_rows"] > 0


def test_late_rows_keep_their_event_date(pipeline):
    root, *_ = pipeline
    late = {
        table.silver_table: query(root, f"SELECT count(*) FROM silver.{table.silver_table} "
                                        "WHERE _event_date < _partition_date")[0][0]
        for table in SOURCE_TABLES if table.extract == "incremental"
    }
    assert late["stg_net_daily_usage"] > 0, late
    # a late row lands in the day it was received, exactly one day after its event
    gaps = query(root, "SELECT DISTINCT _partition_date - _event_date FROM "
                       "silver.stg_net_daily_usage")
    assert sorted(g for g, in gaps) == [0, 1]


def test_rerunning_a_day_replaces_it(pipeline):
    root, resources, instance, _ = pipeline
    table = SOURCE_TABLES[0]

    def counts():
        return [query(root, f"SELECT _partition_date, count(*) FROM {name} GROUP BY ALL "
                            "ORDER BY 1") for name in (f"bronze.{table.bronze_table}",
                                                       f"silver.{table.silver_table}")]

    before = counts()
    assert run_day(DAYS[1], resources, instance).success
    assert counts() == before
    dupes, = query(root, f"SELECT count(*) - count(DISTINCT (customer_id, _partition_date)) "
                         f"FROM silver.{table.silver_table}")[0]
    assert dupes == 0


def test_stored_column_types_match_the_contract(pipeline):
    root, *_ = pipeline
    types = dict(query(root, "SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'silver' AND table_name = 'stg_crm_customers'"))
    assert types["signup_date"] == "DATE" and types["_partition_date"] == "DATE"
    assert types["updated_at"] == "TIMESTAMP" and types["_source_row"] == "BIGINT"
    usage = dict(query(root, "SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'silver' AND table_name = "
                             "'stg_net_daily_usage'"))
    assert usage["usage_date"] == "DATE"
    bronze = {t for _, t in query(root, "SELECT column_name, data_type FROM "
                                        "information_schema.columns WHERE table_schema = 'bronze' "
                                        "AND table_name = 'crm_customers' AND column_name NOT "
                                        "LIKE '\\_%' ESCAPE '\\'")}
    assert bronze == {"VARCHAR"}


def test_pandas_consumers_read_silver_through_the_pandas_handler(pipeline):
    root, resources, instance, _ = pipeline

    @asset(key=["gold", "pandas_probe"], partitions_def=daily_partitions,
           metadata={"partition_expr": "_partition_date"},
           ins={"customers": AssetIn(key=AssetKey(["silver", "stg_crm_customers"]))})
    def pandas_probe(customers: pd.DataFrame) -> pd.DataFrame:
        return customers.groupby(["_partition_date", "customer_segment"], as_index=False).size()

    result = materialize([*ASSETS, pandas_probe], selection=[pandas_probe.key],
                         partition_key=DAYS[0], resources=resources, instance=instance)
    assert result.success
    stored = dict(query(root, "SELECT customer_segment, size FROM gold.pandas_probe"))
    expected = dict(query(root, "SELECT customer_segment, count(*) FROM silver.stg_crm_customers "
                                "WHERE _partition_date = ? GROUP BY ALL", [DAYS[0]]))
    assert stored == expected


def test_a_missing_landing_file_fails_the_run_naming_the_path(pipeline):
    root, resources, instance, _ = pipeline
    missing_day = (END + dt.timedelta(days=1)).isoformat()
    result = materialize(ASSETS, selection=["bronze/crm_customers"], partition_key=missing_day,
                         resources=resources, instance=instance, raise_on_error=False)
    assert not result.success
    failure, = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.cause.message if \
        failure.step_failure_data.error.cause else failure.step_failure_data.error.message
    assert f"{root}/landing/crm/customers/{missing_day}.csv" in message
