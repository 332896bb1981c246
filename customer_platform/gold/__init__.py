"""The gold layer: one file per table, in a folder per subject.

``gold/<subject>/<table>.py`` declares one table, named as its file: a ``GoldTable`` (model,
SQL, keys, checks) or an SCD2 ``Scd2Dimension`` (its stored versions and its view) whose
``name`` is the file's name, and may add ``CHECKS`` (asset checks beyond the model's) and
``METRICS`` (the definitions behind its figures, rendered into docs/metrics.md), or
``ASSETS`` (hand-written assets that build the table instead of its SQL). The folder
is the table's group in the UI (``gold_<subject>``); a module whose name starts with ``_``
holds SQL its subject's tables share. Tables are found by walking the package, so adding a
table is adding a file; a table whose inputs' systems the deployment does not declare is left
out (``customer_platform/scope.py``).
"""

import importlib
import pkgutil
from types import ModuleType

from customer_platform import scope
from customer_platform.gold.base import GoldTable
from customer_platform.gold.metrics import Metric
from customer_platform.gold.scd2 import Scd2Dimension, build_scd2_assets

#: The subject collected apart from the daily graph, into ``ANALYTICS_*``: its tables run in
#: their own job (``gold_analytics``, launched by ``gold_analytics_sensor`` once the day's gold
#: inputs are in and checked), are not exported and have no freshness checks.
ANALYTICS = "analytics"


def table_modules(subject: str | None = None) -> list[ModuleType]:
    """The table modules ``gold/<subject>/<table>.py``, by subject and table name: those of
    ``subject`` when given, else those of every subject of the daily graph (all but
    ``ANALYTICS``)."""
    modules = []
    for package_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        name = package_info.name
        if not package_info.ispkg or name.startswith("_") or (
                name != subject if subject else name == ANALYTICS):
            continue
        package = importlib.import_module(f"{__name__}.{name}")
        modules += [importlib.import_module(f"{package.__name__}.{m.name}")
                    for m in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name)
                    if not m.name.startswith("_")]
    return modules


def declared(module: ModuleType) -> list[GoldTable | Scd2Dimension]:
    """The tables a table module declares: those named as its file (a table it imports from
    another module has another name)."""
    file = module.__name__.rsplit(".", 1)[-1]
    return [value for value in vars(module).values()
            if isinstance(value, GoldTable | Scd2Dimension) and value.name == file]


def declared_tables(module: ModuleType) -> list[GoldTable]:
    """The tables a table module declares, as stored (an SCD2 dimension's versions)."""
    return [getattr(t, "versions", t) for t in declared(module)]


def in_lineage_order(modules: list[ModuleType]) -> list[ModuleType]:
    """``modules`` with each one after the modules declaring the tables it reads (depth first,
    by name): the order its tables are built in."""
    declaring = {table.name: module for module in modules for table in declared_tables(module)}
    seen: set[str] = set()
    ordered: list[ModuleType] = []

    def visit(module: ModuleType) -> None:
        if module.__name__ in seen:
            return
        seen.add(module.__name__)
        for table in declared_tables(module):
            for source in table.sources:
                upstream = declaring.get(source.removeprefix("gold."))
                if upstream is not None:
                    visit(upstream)
        ordered.append(module)

    for module in modules:
        visit(module)
    return ordered


def _collect(modules: list[ModuleType], metrics: list[Metric], documented: list[GoldTable]):
    from customer_platform.gold.base import build_gold_asset

    tables, assets, checks = [], [], []

    def add_table(table: GoldTable) -> None:
        tables.append(table)
        assets.append(build_gold_asset(table))

    def add_dimension(dim: Scd2Dimension) -> None:
        SCD2_DIMENSIONS.append(dim)
        tables.append(dim.versions)
        assets.extend(build_scd2_assets(dim))

    for module in modules:
        if not all(scope.built(f"gold.{t.name}") for t in declared_tables(module)):
            continue  # an input's system is not declared (customer_platform/scope.py)
        hand_written = getattr(module, "ASSETS", None)
        for table in declared(module):
            if hand_written is not None:
                documented.append(table)
            else:
                (add_dimension if isinstance(table, Scd2Dimension) else add_table)(table)
            checks.extend(getattr(module, "CHECKS", []))
            metrics.extend(getattr(module, "METRICS", []))
        assets.extend(hand_written or [])
    return tables, assets, checks


METRICS: list[Metric] = []
#: Tables built by hand-written assets, declared for the data dictionary and data model.
DOCUMENTED_TABLES: list[GoldTable] = []
SCD2_DIMENSIONS: list[Scd2Dimension] = []
GOLD_TABLES: list[GoldTable]
GOLD_TABLES, GOLD_ASSETS, GOLD_CHECKS = _collect(table_modules(), METRICS, DOCUMENTED_TABLES)

#: The analytics layer (``gold/analytics/``), in lineage order: every table (those its
#: hand-written assets write included), its assets, checks and metrics.
ANALYTICS_METRICS: list[Metric] = []
_analytics_modules = in_lineage_order(table_modules(ANALYTICS))
ANALYTICS_TABLES = tuple(table for module in _analytics_modules for table in declared(module)
                         if scope.built(f"gold.{table.name}"))
#: Of them, those written by their SQL alone (``build_gold_asset``), as GOLD_TABLES are.
ANALYTICS_SQL_TABLES, ANALYTICS_ASSETS, ANALYTICS_CHECKS = _collect(
    _analytics_modules, ANALYTICS_METRICS, [])
