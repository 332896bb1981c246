"""The configurable rules (defaults, validation, environment overrides) and how the layer
shows in the code location: groups, keys, partitions, the daily job, documented metrics."""

import pytest

from customer_platform.definitions import defs
from customer_platform.gold import DOCUMENTED_TABLES, GOLD_TABLES, METRICS
from customer_platform.gold.revops._rules import (
    ActivationRule,
    HealthRule,
    PipelineRule,
    overridden,
)


def test_environment_overrides_a_rule(monkeypatch):
    monkeypatch.setenv("TEST_RULE", '{"red_points": 5, "competitor_words": ["rival"]}')
    rule = overridden(HealthRule(), "TEST_RULE")
    assert (rule.red_points, rule.competitor_words, rule.yellow_points) == (5, ("rival",), 2)
    assert overridden(PipelineRule(), "UNSET_RULE") == PipelineRule()
    monkeypatch.setenv("TEST_RULE", '{"qal_min_days": 1}')
    with pytest.raises(ValueError):
        overridden(ActivationRule(), "TEST_RULE")
    with pytest.raises(ValueError):
        HealthRule(competitor_words=("Competitor",))


def test_the_layer_in_the_code_location():
    graph = defs.resolve_asset_graph()
    groups = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, []).append(key)
    revops = {k.to_user_string() for k in groups["gold_revops"]}
    assert {"gold/agg_pipeline_daily", "gold/agg_pipeline_weekly", "gold/agg_pipeline_boq",
            "gold/agg_pipeline_quarterly", "gold/agg_opportunity_stage_conversion",
            "gold/agg_sales_rep_performance", "gold/agg_seat_activation",
            "gold/agg_account_adoption", "gold/agg_account_health", "gold/agg_parent_health",
            "gold/agg_price_elasticity", "gold/fact_engagement_activity", "gold/dim_opportunity",
            "gold/dim_opportunity_versions"} == revops
    assert {k.to_user_string() for k in groups["gold_exports"]} == {"gold/exports"}
    job = defs.resolve_job_def("daily_platform")
    in_job = set(job.asset_layer.asset_graph.get_all_asset_keys())
    for key in groups["gold_revops"] + groups["gold_exports"]:
        node = graph.get(key)
        assert node.partitions_def is not None and node.description and node.owners, key
        assert key in in_job, key


def test_every_revops_table_is_documented_with_its_metrics():
    tables = {t.name: t for t in [*GOLD_TABLES, *DOCUMENTED_TABLES] if t.domain == "revops"}
    assert len(tables) == 13  # with dim_opportunity's stored versions
    for table in tables.values():
        assert table.grain and table.seed in ("000", "003"), table.name
        assert all(c.description for c in table.schema().columns.values()), table.name
    with_metrics = {m.table for m in METRICS if m.table in tables}
    # every aggregate
    assert with_metrics == set(tables) - {"fact_engagement_activity", "dim_opportunity_versions"}
