"""The deployment's declared sources: the setting is checked, and ``customer-platform
sources`` shows what a setting builds and what it leaves out, with the missing systems."""

import os
import subprocess
import sys

import pytest

from customer_platform.contracts import SOURCE_TABLES, declared_source_tables


def _sources(setting: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUSTOMER_PLATFORM_SOURCES": setting}
    return subprocess.run([sys.executable, "-m", "customer_platform.tools.cli", "sources"],
                          env=env, capture_output=True, text=True, timeout=300)


def test_systems_and_tables_name_the_declared_tables():
    assert declared_source_tables(()) == SOURCE_TABLES
    chosen = declared_source_tables(("support", "crm.customers"))
    assert [t.qualified_name for t in chosen] == [
        "crm.customers", "support.tickets", "support.kb_articles",
        "support.engagement_activities"]


def test_an_unknown_name_is_one_line_naming_the_known_systems():
    with pytest.raises(ValueError, match=r"unknown source 'suport'; known systems: crm, "
                       r"marketing, support,.*commerce"):
        declared_source_tables(("crm", "suport"))
    run = _sources("crm,suport")
    assert run.returncode != 0
    assert "unknown source 'suport'" in run.stderr
    assert "Traceback" not in run.stderr


def test_every_table_is_built_by_default():
    run = _sources("")
    assert run.returncode == 0, run.stderr
    assert "bronze + silver: 26 of 26 built" in run.stdout
    assert "left out" not in run.stdout


def test_a_support_desk_without_billing_or_platform():
    run = _sources("crm,support")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "systems: crm, support" in out
    assert "bronze + silver: 7 of 26 built" in out
    gold = out.split("\ngold: ", 1)[1].split("\nexport: ", 1)[0].splitlines()
    features = out.split("\nfeature: ", 1)[1].splitlines()

    def line_of(prefix: str, lines=gold) -> str:
        return next(line for line in lines if line.strip().startswith(prefix))

    # ticket facts and health need nothing else; MRR waits for billing and the platform users
    gold_built = line_of("built: error_audit_log").split(": ", 1)[1].split(", ")
    assert {"fact_support_ticket", "agg_ticket_resolution", "dim_ticket_type_versions",
            "dim_opportunity_versions"} <= set(gold_built)
    assert "fact_billing" not in gold_built
    assert "agg_mrr" in line_of("left out, needs billing and platform:")
    # health needs the seat activation, which needs licensing and the product catalogue
    assert "agg_account_health" in line_of("left out, needs catalogue and licensing:")
    # the analytics adapt, but value (CLV, and the segments over it) needs revenue
    assert "analytics: 7 of 13 built" in out
    assert "customer_clv, customer_segments, segment_summary" in out
    assert "tickets_opened_30d" not in out.split("\nfeature: ", 1)[1]
    assert "recurring_revenue_30d" in line_of("left out, needs billing:", features)
