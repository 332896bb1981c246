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


def declared_source_tables(names: tuple[str, ...] | None = None) -> tuple[SourceTable, ...]:
    """The source tables a deployment delivers: those of ``names`` (systems like ``crm`` or
    tables like ``crm.customers``; default: the CUSTOMER_PLATFORM_SOURCES setting), in
    landing-zone order; every table when none are named. An unknown name is an error naming
    the known ones."""
    from customer_platform import settings

    names = settings.declared_sources() if names is None else names
    if not names:
        return SOURCE_TABLES
    systems = {t.system for t in SOURCE_TABLES}
    unknown = [n for n in names
               if n not in systems and n not in {t.qualified_name for t in SOURCE_TABLES}]
    if unknown:
        raise ValueError(
            f"CUSTOMER_PLATFORM_SOURCES: unknown source {', '.join(map(repr, unknown))}; known "
            f"systems: {', '.join(s for s in SYSTEM_MODULES if s in systems)}, or one of their "
            "tables as system.table (customer-platform sources lists them)")
    return tuple(t for t in SOURCE_TABLES if t.system in names or t.qualified_name in names)


def source_table(name: str) -> SourceTable:
    """Look a table up by ``system.table``, bronze name or silver name."""
    for table in SOURCE_TABLES:
        if name in (table.qualified_name, table.bronze_table, table.silver_table):
            return table
    raise KeyError(f"no source table named {name!r}")


#: The source tables this deployment delivers (CUSTOMER_PLATFORM_SOURCES): the ones bronze,
#: silver, the landing sensor and the audit read. ``SOURCE_TABLES`` stays the full catalogue
#: (the generator, the data dictionary).
DECLARED_TABLES: tuple[SourceTable, ...] = declared_source_tables()

__all__ = ["DECLARED_TABLES", "PII_CLASSES", "SOURCE_TABLES", "Contract", "SourceTable", "column",
           "declared_source_tables", "source_table"]
