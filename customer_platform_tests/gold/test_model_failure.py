"""A gold partition whose rows break the model writes nothing: the step fails, the stored
partition stays as it was, and the ``pandera_schema`` check records the failure with counts."""

import datetime as dt

from dagster import DagsterInstance, materialize

from customer_platform.contracts.base import column
from customer_platform.gold import base
from customer_platform.gold.base import GoldModel, GoldTable, build_gold_asset, run_gold_sql
from customer_platform.quality.checks import evaluate_schema
from customer_platform.tools.backfill import partition_arguments

DAY = dt.date(2026, 1, 5)


class Reading(GoldModel):
    reading_key: str = column("Key of the reading", unique=True)
    amount: int = column("Amount read; never negative", ge=0)


READINGS = GoldTable(
    name="fact_reading", model=Reading, description="Readings, for this test.", seed="000",
    kind="fact", domain="test", primary_key=("reading_key",), sources=("silver.readings",),
    sql="SELECT reading_key, amount, load_date, load_date AS update_date, "
        "'test' AS source_system FROM silver.readings WHERE load_date = $day")


def run(tiny, instance, days=(DAY,)):
    return materialize([build_gold_asset(READINGS)], resources={"warehouse": tiny.resource},
                       instance=instance, raise_on_error=False,
                       **partition_arguments([day.isoformat() for day in days]))


def test_rows_that_break_the_model_leave_the_old_partition_and_a_failed_check(tiny):
    tiny.put("silver.readings", [{"reading_key": "r1", "amount": 5, "load_date": DAY},
                                 {"reading_key": "r2", "amount": 7, "load_date": DAY}])
    with DagsterInstance.ephemeral() as instance:
        assert run(tiny, instance).success
        stored = tiny.read("SELECT * FROM gold.fact_reading ORDER BY reading_key")
        assert stored["amount"].to_list() == [5, 7]

        # the day is delivered again: one amount now breaks the model, one key is doubled
        tiny.execute("DELETE FROM silver.readings")
        tiny.put("silver.readings", [{"reading_key": "r1", "amount": -3, "load_date": DAY},
                                     {"reading_key": "r2", "amount": 8, "load_date": DAY},
                                     {"reading_key": "r2", "amount": 9, "load_date": DAY}])
        result = run(tiny, instance)

        assert not result.success
        failure, = [e for e in result.all_events if e.is_step_failure]
        assert "rows break the model; nothing written" in failure.step_failure_data.error.message
        assert tiny.read("SELECT * FROM gold.fact_reading ORDER BY reading_key").equals(stored)
        check, = result.get_asset_check_evaluations()
        assert (check.check_name, check.passed, check.partition) == (
            "pandera_schema", False, DAY.isoformat())
        metadata = {name: value.value for name, value in check.metadata.items()}
        assert metadata["rows_checked"] == 3
        assert metadata["failing_rows"] == 3  # r1's amount, both r2 rows sharing a key
        assert metadata["failing_rows_by_rule"] == {
            "amount: greater_than_or_equal_to(0)": 1,  # r1
            # both r2 rows: the key column is unique and the table's key too
            "reading_key: field_uniqueness": 2, "reading_key: multiple_fields_uniqueness": 2}
        # the UI's partition view shows the failed check for the day
        record, = instance.event_log_storage.get_asset_check_execution_history(
            check.asset_check_key, limit=1)
        assert record.partition == DAY.isoformat() and record.status.value == "FAILED"


def test_over_a_range_the_days_before_the_broken_one_are_written_and_it_is_named(tiny):
    before, after = DAY - dt.timedelta(1), DAY + dt.timedelta(1)
    tiny.put("silver.readings", [{"reading_key": "r0", "amount": 1, "load_date": before},
                                 {"reading_key": "r1", "amount": -3, "load_date": DAY},
                                 {"reading_key": "r2", "amount": 2, "load_date": after}])
    with DagsterInstance.ephemeral() as instance:
        result = run(tiny, instance, days=(before, DAY, after))
        assert not result.success
        failure, = [e for e in result.all_events if e.is_step_failure]
        assert failure.step_failure_data.user_failure_data.description.startswith(
            f"{DAY}: gold.fact_reading {DAY}: rows break the model")
        assert tiny.read("SELECT reading_key FROM gold.fact_reading")["reading_key"].to_list(
        ) == ["r0"]  # the day before is written; the broken day and the rest are not
        by_day = {e.partition: e.passed for e in result.get_asset_check_evaluations()}
        assert by_day == {DAY.isoformat(): False, None: False}  # the day's and the step's


def test_a_clean_range_is_validated_once_and_each_day_keeps_its_records(tiny, monkeypatch):
    days = [DAY + dt.timedelta(n) for n in range(3)]
    tiny.put("silver.readings", [{"reading_key": f"r{n}{k}", "amount": n, "load_date": day}
                                 for n, day in enumerate(days) for k in range(n + 1)])
    one_day_validations = []
    monkeypatch.setattr(base, "evaluate_schema",
                        lambda *a, **k: one_day_validations.append(a) or evaluate_schema(*a, **k))
    with DagsterInstance.ephemeral() as instance:
        result = run(tiny, instance, days=days)
        assert result.success
        rows = {e.partition: e.materialization.metadata["dagster/row_count"].value
                for e in result.get_asset_materialization_events()}
    assert one_day_validations == []  # the range's rows were validated in one call
    assert rows == {day.isoformat(): n + 1 for n, day in enumerate(days)}
    by_day = {e.partition: e.passed for e in result.get_asset_check_evaluations()}
    assert by_day == {**{day.isoformat(): True for day in days}, None: True}
    assert tiny.read("SELECT load_date, count(*) AS n FROM gold.fact_reading GROUP BY 1 "
                     "ORDER BY 1")["n"].to_list() == [1, 2, 3]


class Ratio(GoldModel):
    ratio_key: str = column("Key of the ratio", unique=True)
    ratio: float = column("A computed ratio")


def test_a_computed_negative_zero_is_stored_as_zero(tiny):
    table = GoldTable(
        name="fact_ratio", model=Ratio, description="Ratios, for this test.", seed="000",
        kind="fact", domain="test", primary_key=("ratio_key",), sources=(),
        sql="SELECT 'k' AS ratio_key, round(-1e-13, 2) AS ratio, CAST($day AS DATE) AS "
            "load_date, CAST($day AS DATE) AS update_date, 'test' AS source_system")
    run_gold_sql(tiny.resource, table, DAY)
    assert tiny.read("SELECT CAST(ratio AS VARCHAR) AS r FROM gold.fact_ratio")["r"].to_list(
    ) == ["0.0"]  # round(-1e-13, 2) is -0.0: stored, it would export as "-0.00"
