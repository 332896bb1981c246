"""The landing-zone contract: every source table the platform ingests, declared once.

``SOURCE_TABLES`` is the registry that bronze, silver, the checks, the generator and the data
dictionary all iterate over. Add a table by declaring it in its system's module.
"""

import importlib

from customer_platform.contracts.base import PII_CLASSES, Contract, SourceTable, column

#: Source systems in landing-zone order; each module exposes ``TABLES``.
SYSTEM_MODULES = (
    "crm",
    "marketing",
    "support",
    "provisioning",
    "billing",
    "network",
    "platform",
    "licensing",
    "catalogue",
    "commerce",
)


def _load() -> tuple[SourceTable, ...]:
    tables: list[SourceTable] = []
    for name in SYSTEM_MODULES:
        try:
            module = importlib.import_module(f"customer_platform.contracts.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"customer_platform.contracts.{name}":
                raise
            continue
        tables.extend(module.TABLES)
    return tuple(tables)


SOURCE_TABLES: tuple[SourceTable, ...] = _load()
BY_BRONZE_NAME = {t.bronze_table: t for t in SOURCE_TABLES}


def source_table(name: str) -> SourceTable:
    """Look a table up by ``system.table``, bronze name or silver name."""
    for table in SOURCE_TABLES:
        if name in (table.qualified_name, table.bronze_table, table.silver_table):
            return table
    raise KeyError(f"no source table named {name!r}")


__all__ = ["PII_CLASSES", "SOURCE_TABLES", "Contract", "SourceTable", "column", "source_table"]
