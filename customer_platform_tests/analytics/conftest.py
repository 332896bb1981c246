"""Tiny hand-made warehouses for the analytics layer: gold rows in, one table's day out.

``AnalyticsWarehouse`` is the gold tests' ``TinyWarehouse`` (every silver table exists, empty)
plus every gold table and dimension view, empty, so an analytics table (or a real gold input
asset) can run on exactly the rows a test puts in.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator

import polars as pl
import pytest

from customer_platform.gold import ANALYTICS_TABLES, GOLD_TABLES, SCD2_DIMENSIONS
from customer_platform.gold.base import GoldTable, ensure_table
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.scd2 import view_sql
from customer_platform.gold.sql import sk
from customer_platform.resources import open_warehouse
from customer_platform_tests.gold.conftest import TinyWarehouse

D = dt.date(2026, 3, 2)


def days_before(n: int, day: dt.date = D) -> dt.date:
    return day - dt.timedelta(days=n)


def customer_key(customer_id: str) -> str:
    """The surrogate key gold gives ``customer_id`` (computed in Python, as a test oracle)."""
    import hashlib

    return hashlib.md5(f"customer|{customer_id}".encode()).hexdigest()[:16]


class AnalyticsWarehouse(TinyWarehouse):
    def __init__(self, path):
        super().__init__(path)
        with self.resource.get_connection() as con:
            for table in (*GOLD_TABLES, *ANALYTICS_TABLES):
                ensure_table(con, table)
            for dim in SCD2_DIMENSIONS:
                con.execute(f"CREATE OR REPLACE VIEW gold.{dim.name} AS {view_sql(dim)}")

    def put_gold(self, table: GoldTable, rows: list[dict] | pl.DataFrame, day: dt.date
                 ) -> None:
        """Rows of a gold table received on ``day`` (customer_key derived from customer_id)."""
        metadata = {"load_date": day, "update_date": day, "source_system": "test"}
        if isinstance(rows, pl.DataFrame):
            rows = rows.with_columns(**{k: pl.lit(v) for k, v in metadata.items()})
        self.put(f"gold.{table.name}", rows, **metadata)
        if "customer_id" in table.schema().columns:
            self.execute(f"UPDATE gold.{table.name} SET customer_key = "
                         f"{sk('customer', 'customer_id')} WHERE customer_key IS NULL")

    def put_customer(self, customer_id: str, loaded: dt.date, *, changed: dt.datetime | None
                     = None, **attributes) -> None:
        """A dim_customer version (defaults: an Active Residential customer since 2024)."""
        row = {"customer_id": customer_id, "customer_name": f"Name {customer_id}",
               "email": f"{customer_id.lower()}@example.com", "customer_segment": "Residential",
               "customer_tier": "Silver", "status": "Active", "city": "Austin", "state": "TX",
               "country": "US", "region": "US-EAST", "signup_date": dt.date(2024, 1, 1),
               "source_updated_at": changed or dt.datetime.combine(loaded, dt.time(8)),
               **attributes}
        self.put_versions(DIM_CUSTOMER, [row], loaded)


@contextlib.contextmanager
def analytics_warehouse(path) -> Iterator[AnalyticsWarehouse]:
    """An AnalyticsWarehouse held open while in use, as a run holds the warehouse: each
    connection then joins the open database instead of opening and checkpointing the file."""
    with open_warehouse(str(path)):
        yield AnalyticsWarehouse(path)


@pytest.fixture
def wh(tmp_path) -> Iterator[AnalyticsWarehouse]:
    with analytics_warehouse(tmp_path / "analytics.duckdb") as warehouse:
        yield warehouse
