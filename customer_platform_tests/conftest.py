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


#: Folders whose modules share a session fixture (the 10-day platform run, the generated
#: report warehouse, the empty instance home): their tests stay on one worker.
SHARED_FIXTURE_FOLDERS = ("pipeline", "report", "operations")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """With parallel workers (``TEST_WORKERS=2 scripts/test.sh``), a module, or a folder
    sharing a session fixture, is meant to run on one worker, its fixtures built once.

    Not yet so: pytest-xdist 3.8 renames ``item._nodeid`` to add the group, and pytest 9.2
    reads a test's id from ``item._id``, so the groups are ignored and the 10-day pipeline
    run is built on both workers (measured: 29 min on two workers on a busy machine, no
    faster than one process). Hence one process by default."""
    root = Path(__file__).parent
    for item in items:
        relative = Path(item.fspath).relative_to(root)
        group = relative.parts[0] if relative.parts[0] in SHARED_FIXTURE_FOLDERS \
            else relative.as_posix()
        item.add_marker(pytest.mark.xdist_group(group))
