"""The gold layer: dimensions, facts, aggregates and audit tables, one module per domain.

Each domain module exposes ``TABLES`` (plain ``GoldTable``s) and may expose
``SCD2_DIMENSIONS``, ``ASSETS`` and ``CHECKS`` (anything that is not a plain SQL table).
"""

import importlib

from customer_platform.gold.base import GoldTable
from customer_platform.gold.metrics import Metric
from customer_platform.gold.scd2 import Scd2Dimension, build_scd2_assets

#: Domain modules, in lineage order.
DOMAIN_MODULES = ("calendar", "customer", "platform", "revenue", "revops", "exports", "audit")


def _modules():
    for name in DOMAIN_MODULES:
        try:
            yield importlib.import_module(f"customer_platform.gold.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"customer_platform.gold.{name}":
                raise


def _collect():
    from customer_platform.gold.base import build_gold_asset

    tables, assets, checks = [], [], []
    for module in _modules():
        METRICS.extend(getattr(module, "METRICS", []))
        DOCUMENTED_TABLES.extend(getattr(module, "DOCUMENTED", []))
        SCD2_DIMENSIONS.extend(getattr(module, "SCD2_DIMENSIONS", []))
        for table in getattr(module, "TABLES", []):
            tables.append(table)
            assets.append(build_gold_asset(table))
        for dim in getattr(module, "SCD2_DIMENSIONS", []):
            tables.append(dim.versions)
            assets.extend(build_scd2_assets(dim))
        assets.extend(getattr(module, "ASSETS", []))
        checks.extend(getattr(module, "CHECKS", []))
    return tables, assets, checks


METRICS: list[Metric] = []
#: Tables built by hand-written assets, declared for the data dictionary and data model.
DOCUMENTED_TABLES: list[GoldTable] = []
SCD2_DIMENSIONS: list[Scd2Dimension] = []
GOLD_TABLES: list[GoldTable]
GOLD_TABLES, GOLD_ASSETS, GOLD_CHECKS = _collect()
