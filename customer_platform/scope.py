"""What this deployment builds: the tables its declared sources reach.

A company delivers some of the source systems (CUSTOMER_PLATFORM_SOURCES, resolved by
``contracts.declared_source_tables``). The rule, one for every layer (docs/your_data.md):

- bronze and silver: a table is built when its source table is declared;
- gold: a table is built when every table in its ``sources`` is built. A table that combines
  systems (the customer dimension's inferred members, the daily customer summary, customer
  360 and what is computed from it) lists only the inputs that are built, so it adapts rather
  than disappears; every other table needs all its inputs (a health score without its support
  half would be a different metric under the same name);
- exports and the report follow the gold tables they read.

Nothing here imports a layer at module level: the layers ask this module while they load.
"""

import functools
import importlib
import importlib.util
import pkgutil

from customer_platform.contracts import DECLARED_TABLES, SOURCE_TABLES

#: ``silver.<table>`` names of every source table (clean and rejects) -> its source table.
_SILVER = {f"silver.{name}": t for t in SOURCE_TABLES
           for name in (t.silver_table, t.rejects_table)}
GOLD = "customer_platform.gold"
_DECLARED = {t.qualified_name for t in DECLARED_TABLES}
_DECLARED_SYSTEMS = {t.system for t in DECLARED_TABLES}


def everything_declared() -> bool:
    """Every source table is declared (the default): nothing is left out."""
    return len(DECLARED_TABLES) == len(SOURCE_TABLES)


@functools.cache
def _gold_modules() -> dict[str, str]:
    """Gold table name -> the module declaring it (``gold/<subject>/<table>.py``), found from
    the file names alone, so asking about one table loads only the modules it reads (by
    name, as the gold package walks its folders: the layers ask this module while loading)."""
    (root,) = importlib.util.find_spec(GOLD).submodule_search_locations
    modules = {}
    for subject in pkgutil.iter_modules([root]):
        if subject.ispkg and not subject.name.startswith("_"):
            for table in pkgutil.iter_modules([f"{root}/{subject.name}"]):
                if not table.name.startswith("_"):
                    modules[table.name] = f"{GOLD}.{subject.name}.{table.name}"
    return modules


def _gold_table(name: str):
    """The declared gold table ``name`` (an SCD2 dimension's versions or view): the value of
    its module whose (stored) name it is."""
    module = _gold_modules().get(name.removesuffix("_versions"))
    if module is None:
        raise KeyError(f"no gold table named {name!r}")
    for value in vars(importlib.import_module(module)).values():
        table = getattr(value, "versions", value)
        if hasattr(table, "sources") and table.name in (name, f"{name}_versions"):
            return table
    raise KeyError(f"{module} declares no table {name!r}")


def missing_systems(ref: str) -> frozenset[str]:
    """The systems not declared that leave ``ref`` (``silver.stg_x``, ``gold.dim_y``, or a
    bare gold name) unbuilt: empty when it is built."""
    return _missing(ref if "." in ref else f"gold.{ref}")


_visiting: set[str] = set()


@functools.cache
def _missing(ref: str) -> frozenset[str]:
    layer, name = ref.split(".", 1)
    if layer == "silver":
        if ref not in _SILVER:
            raise KeyError(f"no source table behind {ref!r}")
        table = _SILVER[ref]
        return frozenset() if table.qualified_name in _DECLARED else frozenset({table.system})
    table = _gold_table(name)
    if table.vocabulary_of and table.vocabulary_of not in _DECLARED_SYSTEMS:
        return frozenset({table.vocabulary_of})
    _visiting.add(ref)
    try:  # a table reading its own earlier partitions is not waiting for itself
        return frozenset().union(*(_missing(s) for s in table.sources if s not in _visiting
                                   and s.removeprefix("gold.") != table.name))
    finally:
        _visiting.discard(ref)


def built(ref: str) -> bool:
    """``ref`` (``silver.stg_x``, ``gold.dim_y``) is built from the declared sources."""
    return not missing_systems(ref)


def present(refs) -> tuple[str, ...]:
    """Those of ``refs`` that are built, in their order: the inputs a table combining
    systems reads."""
    return tuple(ref for ref in refs if built(ref))
