"""The code location loads the way `dagster dev` loads it, and what the UI shows is complete."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetKey

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.definitions import defs
from customer_platform.tools.docs import generated_docs

REPO = Path(__file__).resolve().parents[1]


def test_dagster_definitions_validate_through_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run([str(dagster), "definitions", "validate", "-w",
                           str(REPO / "workspace.yaml")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful" in done.stdout + done.stderr


def test_every_source_table_has_bronze_silver_and_rejects_assets():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    for table in SOURCE_TABLES:
        assert {f"bronze/{table.bronze_table}", f"silver/{table.silver_table}",
                f"silver/{table.rejects_table}"} <= keys


@pytest.mark.parametrize("layer", ["bronze", "silver"])
def test_assets_carry_what_the_ui_shows(layer):
    graph = defs.resolve_asset_graph()
    nodes = [graph.get(k) for k in graph.get_all_asset_keys() if k.path[0] == layer]
    assert nodes
    for node in nodes:
        assert node.description and node.group_name.startswith(f"{layer}_"), node.key
        assert node.owners and node.kinds >= {"duckdb", "polars"}, node.key
        assert node.partitions_def is not None, node.key
        schema = node.metadata["dagster/column_schema"]
        assert all(column.description for column in schema.columns), node.key


def test_pii_columns_are_tagged_in_the_ui():
    node = defs.resolve_asset_graph().get(
        next(k for k in defs.resolve_asset_graph().get_all_asset_keys()
             if k.to_user_string() == "silver/stg_crm_customers"))
    tags = {c.name: c.tags.get("pii") for c in node.metadata["dagster/column_schema"].columns}
    assert tags["email"] == "contact" and tags["customer_name"] == "personal_identifier"
    assert tags["address_line"] == "address" and tags["region"] is None
    # the class is said once, as the tag: not again among the column's rules
    assert not [c.name for c in node.metadata["dagster/column_schema"].columns
                if any("PII" in rule for rule in c.constraints.other)]


def test_column_types_read_as_short_names():
    graph = defs.resolve_asset_graph()
    types = {column.type for key in graph.get_all_asset_keys()
             for column in getattr(graph.get(key).metadata.get("dagster/column_schema"),
                                   "columns", ())}
    assert "Datetime(us)" in types and "Date" in types and "String" in types
    assert not [t for t in types if "=" in t or "'" in t or "None" in t]


def test_silver_checks_are_blocking_and_cover_every_table():
    graph = defs.resolve_asset_graph()
    blocking = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k).blocking
                for k in graph.asset_check_keys}
    for table in SOURCE_TABLES:
        assert blocking[(f"silver/{table.silver_table}", "pandera_schema")] is True
        assert blocking[(f"silver/{table.silver_table}", "reconciliation")] is True
        assert blocking[(f"silver/{table.rejects_table}", "pandera_schema")] is False
        assert blocking[(f"bronze/{table.bronze_table}", "pandera_schema")] is False


def test_every_partitioned_asset_runs_in_ranges_of_the_configured_days():
    """A backfill from the UI groups the days of every asset the same way (one run per range),
    so no asset falls back to a run per day in the middle of the graph."""
    from customer_platform.partitions import RANGED
    from customer_platform.settings import DEFAULT_RANGE_DAYS

    graph = defs.resolve_asset_graph()
    partitioned = [graph.get(k) for k in graph.get_all_asset_keys() if graph.get(k).is_partitioned]
    assert len(partitioned) > 150
    assert {node.key.to_user_string() for node in partitioned
            if node.backfill_policy != RANGED} == set()
    assert RANGED.max_partitions_per_run == DEFAULT_RANGE_DAYS


def test_committed_docs_are_current():
    for relative, text in generated_docs().items():
        committed = (REPO / relative).read_text()
        assert committed == text, f"{relative} is stale: run `customer-platform docs` and commit"


def test_code_passes_the_linter():
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run([str(ruff), "check", "customer_platform", "customer_platform_tests"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gold_tables_and_views_name_their_warehouse_table():
    graph = defs.resolve_asset_graph()
    for name in ("dim_customer", "dim_customer_versions", "fact_order"):
        node = graph.get(AssetKey(["gold", name]))
        assert node.metadata["dagster/table_name"] == f"gold.{name}", name
