"""One real run of the whole graph, shared by the end-to-end tests: 10 days of a generated
company (so weekly aggregates and SCD2 changes are exercised), every asset and check of every
day, on an in-memory DagsterInstance and a temporary DuckDB file."""

import datetime as dt

import duckdb
import pytest
from dagster import DagsterInstance, materialize

from customer_platform.bronze.assets import BRONZE_ASSETS
from customer_platform.generator import days_between, generate
from customer_platform.gold import GOLD_ASSETS, GOLD_CHECKS
from customer_platform.resources import warehouse_resources
from customer_platform.settings import partition_start
from customer_platform.silver.assets import SILVER_ASSETS
from customer_platform.tools.backfill import partition_arguments

START = partition_start()  # the first partition loads the snapshots' full history
END = START + dt.timedelta(days=9)
DAYS = [d.isoformat() for d in days_between(START, END)]
CUSTOMERS = 300
#: The warehouse's tables; the BI export files have tests of their own (revops/).
ASSETS = [*BRONZE_ASSETS, *SILVER_ASSETS, *GOLD_ASSETS, *GOLD_CHECKS]


class Platform:
    def __init__(self, root, resources, instance):
        self.root, self.resources, self.instance = root, resources, instance

    def run_day(self, day: str, **kwargs):
        return materialize(ASSETS, partition_key=day, resources=self.resources,
                           instance=self.instance, raise_on_error=False, **kwargs)

    def run_range(self, days: list[str]):
        """One run over ``days`` (consecutive), as a ranged backfill launches it."""
        return materialize(ASSETS, resources=self.resources, instance=self.instance,
                           raise_on_error=False, **partition_arguments(days))

    def query(self, sql, params=()):
        with duckdb.connect(str(self.root / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="session")
def platform_run(tmp_path_factory):
    """The platform after running every day of the window once, and each day's result."""
    root = tmp_path_factory.mktemp("platform")
    generate(root / "landing", START, END, customers=CUSTOMERS, seed=11)
    # An in-memory instance: the data is under test here, not the run storage (SQLite
    # storage would add ~1 s per hundred events, a thousand per day).
    with DagsterInstance.ephemeral() as instance:
        platform = Platform(root, warehouse_resources(root / "warehouse.duckdb",
                                                      root / "landing"), instance)
        results = {day: platform.run_day(day) for day in DAYS}
        yield platform, results
