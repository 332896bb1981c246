"""Shared fixtures: small landing zones made by the project's own generator."""

import datetime as dt
from pathlib import Path

import pytest

from customer_platform.contracts import source_table
from customer_platform.generator import CLEAN, generate

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def customers_table():
    return source_table("crm.customers")


@pytest.fixture
def clean_customers_file(tmp_path: Path, customers_table) -> Path:
    """A clean ``crm/customers/2026-03-02.csv`` for 50 customers under ``tmp_path``."""
    generate(tmp_path, DAY, DAY, customers=50, seed=1, dirt=CLEAN, tables=[customers_table])
    return customers_table.landing_path(tmp_path, DAY)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on 127.0.0.1 for the session (see postgres_server.py)."""
    from customer_platform_tests import postgres_server as pg

    server, stop = pg.start()
    try:
        yield server
    finally:
        stop()

