"""Tiny warehouses for the revenue-operations tables: the gold harness, a calendar built from
``customer_platform.fiscal`` (the one definition of the fiscal year), and stub dimensions the
foreign-key checks look up."""

import datetime as dt
import hashlib
import shutil

import pytest

from customer_platform import fiscal
from customer_platform.gold.base import ensure_table, run_gold_sql
from customer_platform.gold.calendar.dim_date import DIM_DATE
from customer_platform.resources import Warehouse
from customer_platform_tests.gold.conftest import TinyWarehouse, silver_lineage

__all__ = ["checked", "copy_of", "day", "key", "put_calendar", "put_stored_versions",
           "silver_lineage"]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def key(entity: str, *values: str) -> str:
    """The surrogate key ``sk(entity, ...)`` of business key values, computed in Python."""
    return hashlib.md5("|".join((entity, *values)).encode()).hexdigest()[:16]


def put_calendar(tiny: TinyWarehouse, first: dt.date, last: dt.date) -> None:
    """gold.dim_date rows of ``first``..``last``, each loaded on its own day."""
    rows = []
    d = first
    while d <= last:
        rows.append({"date_key": int(d.strftime("%Y%m%d")), "date": d,
                     "fiscal_year": fiscal.fiscal_year(d),
                     "fiscal_week": fiscal.fiscal_week_label(d),
                     "fiscal_quarter": fiscal.fiscal_quarter_label(d),
                     "fiscal_quarter_start": fiscal.fiscal_quarter_start(d),
                     "is_beginning_of_quarter": d == fiscal.fiscal_quarter_start(d),
                     "load_date": d})
        d += dt.timedelta(days=1)
    with tiny.resource.get_connection() as con:
        ensure_table(con, DIM_DATE)
    tiny.put("gold.dim_date", rows)


def put_stored_versions(tiny: TinyWarehouse, dim, rows: list[dict], loaded: dt.date) -> None:
    """Rows of ``gold.<dim>_versions`` loaded on ``loaded``, keys as given (the look-ups read
    the stored versions as loaded, not the view)."""
    with tiny.resource.get_connection() as con:
        ensure_table(con, dim.versions)
    tiny.put(f"gold.{dim.versions.name}", rows, load_date=loaded, update_date=loaded,
             source_system="test")


def stub_customers(tiny: TinyWarehouse, *customer_ids: str) -> None:
    """gold.dim_customer holding the customer keys the foreign-key checks look up."""
    tiny.execute("CREATE SCHEMA IF NOT EXISTS gold")
    values = ", ".join(f"('{key('customer', c)}')" for c in customer_ids)
    tiny.execute(f"CREATE OR REPLACE TABLE gold.dim_customer AS SELECT * FROM (VALUES {values})"
                 " AS t(customer_key)")


def checked(tiny: TinyWarehouse, table, on: dt.date, run=run_gold_sql):
    """Run one day of ``table`` (validated as the asset does), assert every in-step check
    passed, and return the day's rows."""
    _, results = run(tiny.resource, table, on)
    assert [r.check_name for r in results if not r.passed] == []
    return tiny.read(f"SELECT * FROM gold.{table.name} WHERE load_date = ?", [on])


def copy_of(template: TinyWarehouse, folder) -> TinyWarehouse:
    """A fresh copy of a prepared warehouse, so a module builds its upstream rows once and
    every test still starts from them untouched."""
    path = folder / "copy.duckdb"
    shutil.copyfile(template.resource.database, path)
    copy = object.__new__(TinyWarehouse)
    copy.resource = Warehouse(database=str(path))
    return copy


@pytest.fixture
def tiny(tmp_path) -> TinyWarehouse:
    return TinyWarehouse(tmp_path / "tiny.duckdb")


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory) -> TinyWarehouse:
    return TinyWarehouse(tmp_path_factory.mktemp("template") / "tiny.duckdb")
