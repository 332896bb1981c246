"""Shared fixtures: small landing zones made by the project's own generator."""

import datetime as dt
from pathlib import Path

import pytest

from customer_platform.contracts import source_table
from customer_platform.generator import CLEAN, generate

DAY = dt.date(2026, 3, 2)
#: Session fixtures that several modules share: their modules run on one worker together.
SHARED_SESSION_FIXTURES = ("platform_run",)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """For ``pytest -n 2 --dist loadgroup`` (scripts/test.sh): each module runs whole on one
    worker, and the modules sharing a session fixture (the 10-day pipeline run) on the same
    one, so no module or session fixture is built twice."""
    for item in items:
        shared = [name for name in SHARED_SESSION_FIXTURES if name in item.fixturenames]
        item.add_marker(pytest.mark.xdist_group(shared[0] if shared else item.module.__name__))


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

