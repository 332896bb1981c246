"""Blocking checks stop what is downstream of them, in a real run: a silver table that lost a
row on its way to storage (``reconciliation``), a fact whose dimension lost its keys
(``fk_*``) and an SCD2 history broken in storage (``scd2_history``) each fail their check, and
no step of the same run that reads the checked table starts (nor writes). (The analytics
sensor launching nothing for a day whose blocking check failed is tested in
``analytics/test_sensors.py``.)

One day of a 20-customer company is built once; each case runs on its own copy of that
warehouse, with the fault put in on purpose, and runs the checked asset with the assets that
read it."""

import shutil

import pytest
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    IOManager,
    materialize,
)

from customer_platform.definitions import defs
from customer_platform.generator import generate
from customer_platform.resources import WarehouseIOManager, warehouse_resources
from customer_platform.settings import partition_start
from customer_platform_tests.pipeline.conftest import ASSETS

DAY = partition_start()
DAILY_GRAPH = defs.resolve_job_def("daily_platform").asset_layer.asset_graph
#: The tables of the warehouse (the BI export files read them too, but write no table).
TABLES = {key for assets_def in ASSETS for key in assets_def.keys}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built_day(tmp_path_factory):
    """The warehouse after one good day of the whole daily graph."""
    root = tmp_path_factory.mktemp("blocking")
    generate(root / "landing", DAY, DAY, customers=20, seed=5)
    with DagsterInstance.ephemeral() as instance:
        result = materialize(ASSETS, partition_key=DAY.isoformat(), instance=instance,
                             resources=warehouse_resources(root / "warehouse.duckdb",
                                                           root / "landing"))
    assert result.success
    return root


def copy_of(built_day, tmp_path):
    shutil.copy(built_day / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    return warehouse_resources(tmp_path / "warehouse.duckdb", built_day / "landing")


def readers_of(key: AssetKey) -> set[AssetKey]:
    """The tables of the daily job that read ``key`` (its children in the graph)."""
    return (DAILY_GRAPH.get(key).child_keys & TABLES) - {key}


def run_with_readers(resources, key: AssetKey):
    """One run of ``key`` and the assets reading it (with their checks); the rest is read
    from storage."""
    readers = readers_of(key)
    assert readers, key
    with DagsterInstance.ephemeral() as instance:
        return materialize(ASSETS, partition_key=DAY.isoformat(), instance=instance,
                           resources=resources, raise_on_error=False,
                           selection=AssetSelection.assets(key, *readers)
                           .required_multi_asset_neighbors()), readers


def assert_stopped_at(result, key: AssetKey, check: str, readers: set[AssetKey]) -> None:
    """The run failed on ``key``'s blocking ``check`` and no reader of ``key`` ran."""
    assert not result.success
    evaluations = {(e.asset_key, e.check_name): e for e in result.get_asset_check_evaluations()}
    evaluation = evaluations[(key, check)]
    assert not evaluation.passed and evaluation.blocking
    done = {event.asset_key for event in result.all_events
            if event.event_type == DagsterEventType.ASSET_MATERIALIZATION}
    assert key in done  # the checked table was written; the check says what is wrong with it
    assert not done & readers, done & readers
    started = {event.step_key for event in result.all_events if event.is_step_start}
    failed = {event.step_key for event in result.all_events if event.is_step_failure}
    checked_step, = {e.step_key for e in result.all_events
                     if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
                     and e.asset_check_evaluation_data.check_name == check
                     and e.asset_check_evaluation_data.asset_key == key}
    assert failed == {checked_step}  # the blocking check failed its step ...
    reader_steps = {"__".join(reader.path) for reader in readers}
    assert not reader_steps & started, reader_steps & started  # ... and no reader started

class LosingTheLastRow(WarehouseIOManager):
    """The warehouse's I/O manager, but table ``lost`` loses its last row on the way to
    storage: the loss the reconciliation counts stored tables to catch."""

    lost: str

    def create_io_manager(self, context) -> IOManager:
        inner, lost = super().create_io_manager(context), AssetKey.from_user_string(self.lost)

        class Losing(IOManager):
            def handle_output(self, context, obj):
                inner.handle_output(context, obj.head(obj.height - 1)
                                    if context.asset_key == lost else obj)

            def load_input(self, context):
                return inner.load_input(context)

        return Losing()


def test_a_row_lost_on_the_way_to_silver_fails_reconciliation_and_stops_gold(built_day,
                                                                             tmp_path):
    key = AssetKey(["silver", "stg_crm_customers"])
    resources = copy_of(built_day, tmp_path)
    losing = LosingTheLastRow(database=resources["io_manager"].database,
                              lost=key.to_user_string())
    result, readers = run_with_readers({**resources, "io_manager": losing}, key)
    assert AssetKey(["gold", "dim_customer_versions"]) in readers
    assert_stopped_at(result, key, "reconciliation", readers)
    evaluation = next(e for e in result.get_asset_check_evaluations()
                      if e.check_name == "reconciliation")
    assert evaluation.metadata["unaccounted_rows"].value == 1, evaluation.metadata


def test_a_fact_whose_dimension_lost_its_keys_fails_its_foreign_key_and_stops_its_readers(
        built_day, tmp_path):
    key = AssetKey(["gold", "fact_meeting_usage"])
    resources = copy_of(built_day, tmp_path)
    with resources["warehouse"].get_connection() as con:
        con.execute("DELETE FROM gold.dim_date")  # every day key is gone
    result, readers = run_with_readers(resources, key)
    assert_stopped_at(result, key, "fk_event_date_key", readers)


def test_a_broken_history_fails_scd2_history_and_stops_its_readers(built_day, tmp_path):
    key = AssetKey(["gold", "dim_customer"])
    resources = copy_of(built_day, tmp_path)
    with resources["warehouse"].get_connection() as con:
        # a stored version with no change time: the view gives its customer two current rows
        con.execute("INSERT INTO gold.dim_customer_versions SELECT * REPLACE ("
                    "CAST(NULL AS TIMESTAMP) AS source_updated_at, 'Platinum' AS customer_tier) "
                    "FROM gold.dim_customer_versions LIMIT 1")
    result, readers = run_with_readers(resources, key)
    assert_stopped_at(result, key, "scd2_history", readers)
    evaluation = next(e for e in result.get_asset_check_evaluations()
                      if e.check_name == "scd2_history")
    assert evaluation.metadata["entities_without_exactly_one_current"].value == 1
