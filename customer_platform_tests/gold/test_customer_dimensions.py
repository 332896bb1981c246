"""The customer-domain SCD2 dimensions: keys, versions, validity, derived columns, PII tags."""

import datetime as dt

import pytest

from customer_platform.gold.base import ordered_schema
from customer_platform.gold.commerce.dim_product import DIM_PRODUCT
from customer_platform.gold.customer.dim_account_hierarchy import DIM_ACCOUNT_HIERARCHY
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.marketing.dim_campaign import DIM_CAMPAIGN
from customer_platform.gold.revops.dim_opportunity import DIM_OPPORTUNITY
from customer_platform.gold.scd2 import view_sql
from customer_platform.gold.services.dim_service import DIM_SERVICE
from customer_platform.gold.sql import sk
from customer_platform.gold.support.dim_kb_article import DIM_KB_ARTICLE
from customer_platform.gold.support.dim_support_ticket import DIM_SUPPORT_TICKET

from .conftest import rejected, silver_lineage

SCD2_DIMENSIONS = [DIM_CUSTOMER, DIM_OPPORTUNITY, DIM_CAMPAIGN, DIM_SUPPORT_TICKET, DIM_SERVICE,
                   DIM_KB_ARTICLE, DIM_ACCOUNT_HIERARCHY, DIM_PRODUCT]

START = dt.date(2026, 1, 1)
D2 = dt.date(2026, 1, 2)
D3 = dt.date(2026, 1, 3)


def key(tiny, entity, *values):
    """The surrogate key DuckDB computes for literal business-key values."""
    cols = [f"'{v}'" for v in values]
    return tiny.read(f"SELECT {sk(entity, *cols)} AS k")["k"][0]


def stub_customers(tiny, *customer_ids):
    """gold.dim_customer holding just the keys the foreign-key checks look up."""
    keys = ", ".join(f"({sk('customer', repr(c))})" for c in customer_ids)
    tiny.execute("CREATE SCHEMA IF NOT EXISTS gold")
    tiny.execute(f"CREATE OR REPLACE TABLE gold.dim_customer AS SELECT * FROM (VALUES {keys}) "
                 "AS t(customer_key)")


def build(tiny, dim, days):
    stub_customers(tiny, "C0000001", "C0000002")
    for day in days:
        tiny.run(dim.versions, day)
    tiny.execute(f"CREATE OR REPLACE VIEW gold.{dim.name} AS {view_sql(dim)}")


def view(tiny, dim, columns, order):
    return tiny.read(f"SELECT {columns} FROM gold.{dim.name} ORDER BY {order}").rows()


def test_every_dimension_has_a_durable_entity_key_and_is_wired():
    for dim in SCD2_DIMENSIONS:
        columns = ordered_schema(dim.view_model).columns
        assert dim.entity_key in columns and dim.business_key in columns
        assert {"valid_from", "valid_to", "is_current", "load_date"} <= set(columns)
        assert dim.versions.grain and dim.versions.sources
        assert dim.tracked and set(dim.tracked) <= set(columns)


@pytest.mark.parametrize(("dim", "column_name", "pii"), [
    (DIM_OPPORTUNITY, "sales_rep", "personal_identifier"),
    (DIM_SUPPORT_TICKET, "agent_name", "personal_identifier"),
    (DIM_KB_ARTICLE, "article_author", "personal_identifier"),
    (DIM_PRODUCT, "list_price", None),
])
def test_pii_columns_are_tagged(dim, column_name, pii):
    for model in (dim.versions.model, dim.view_model):
        assert model.to_schema().columns[column_name].metadata["pii"] == pii


# -- incremental sources: every received change is a version ----------------------------------

TICKET = {"ticket_id": "T000000001", "customer_id": "C0000001", "user_id": None,
          "priority": "High", "channel_of_contact": "Email", "category": "Billing",
          "ticket_type": "Billing Question", "subject": "Charged twice", "description": None,
          "opened_at": dt.datetime(2026, 1, 1, 8), "first_response_at": None,
          "resolved_at": None, "satisfaction_score": None}


def ticket(day, status, updated, event_date=None, **changes):
    return {**TICKET, "status": status, "agent_name": None, "updated_at": updated, **changes,
            **silver_lineage(day, event_date)}


def test_support_ticket_has_a_version_per_status_change(tiny):
    tiny.put("silver.stg_sup_tickets", [
        ticket(START, "Open", dt.datetime(2026, 1, 1, 8)),
        ticket(D2, "In Progress", dt.datetime(2026, 1, 2, 9), agent_name="Bo Li",
               first_response_at=dt.datetime(2026, 1, 2, 9)),
        # late: resolved on day 2, received on day 3
        ticket(D3, "Resolved", dt.datetime(2026, 1, 2, 18), event_date=D2, agent_name="Bo Li",
               first_response_at=dt.datetime(2026, 1, 2, 9),
               resolved_at=dt.datetime(2026, 1, 2, 18), satisfaction_score=4),
        ticket(D3, "Closed", dt.datetime(2026, 1, 3, 10), agent_name="Bo Li",
               first_response_at=dt.datetime(2026, 1, 2, 9),
               resolved_at=dt.datetime(2026, 1, 2, 18), satisfaction_score=4),
    ])
    build(tiny, DIM_SUPPORT_TICKET, [D3, START, D2])
    versions = tiny.read("SELECT DISTINCT support_ticket_key, customer_key, load_date, "
                         "update_date, source_system FROM gold.dim_support_ticket_versions "
                         "ORDER BY load_date").rows()
    tk, ck = key(tiny, "support_ticket", "T000000001"), key(tiny, "customer", "C0000001")
    assert versions == [(tk, ck, START, START, "support"), (tk, ck, D2, D2, "support"),
                        (tk, ck, D3, D2, "support"), (tk, ck, D3, D3, "support")]
    # the view keeps the last change of a day: In Progress and Resolved both happened on day 2
    assert view(tiny, DIM_SUPPORT_TICKET, "status, agent_name, valid_from, valid_to, is_current",
                "valid_from") == [
        ("Open", None, START, START, False),
        ("Resolved", "Bo Li", D2, D2, False),
        ("Closed", "Bo Li", D3, dt.date(9999, 12, 31), True),
    ]


OPPORTUNITY = {"opportunity_id": "O000000001", "customer_id": "C0000001",
               "opportunity_name": "Acme renewal", "amount": 1000.0, "close_date": None,
               "sales_rep": "Dee Rep", "geo": "AMER", "solution": "Creative Cloud",
               "sales_motion": "New", "fiscal_week": "FY2026-W06",
               "created_at": dt.datetime(2025, 12, 20)}


def test_opportunity_versions_and_flags(tiny):
    tiny.put("silver.stg_crm_opportunities", [
        {**OPPORTUNITY, "stage": "Proposal", "probability_of_close": 0.5, "pipe_actual": 1000.0,
         "updated_at": dt.datetime(2026, 1, 1, 10), **silver_lineage(START)},
        {**OPPORTUNITY, "stage": "Closed Lost", "probability_of_close": 0.0, "pipe_actual": 0.0,
         "close_date": D3, "updated_at": dt.datetime(2026, 1, 3, 10), **silver_lineage(D3)},
    ])
    build(tiny, DIM_OPPORTUNITY, [START, D3, D3])  # a rerun changes nothing
    rows = view(tiny, DIM_OPPORTUNITY, "opportunity_key, customer_key, stage, is_closed, is_won, "
                "close_date, valid_from, valid_to, is_current", "valid_from")
    ok, ck = key(tiny, "opportunity", "O000000001"), key(tiny, "customer", "C0000001")
    assert rows == [(ok, ck, "Proposal", False, False, None, START, D2, False),
                    (ok, ck, "Closed Lost", True, False, D3, D3, dt.date(9999, 12, 31), True)]


# -- snapshot sources -------------------------------------------------------------------------

CAMPAIGN = {"campaign_id": "CMP000001", "campaign_name": "Spring", "campaign_type": "Email",
            "objective": "Retention", "target_audience": "SMB", "budget": None,
            "channel": "Email", "start_date": dt.date(2026, 1, 10),
            "end_date": dt.date(2026, 1, 19)}


def test_campaign_budget_approval_opens_a_version(tiny):
    tiny.put("silver.stg_mkt_campaigns", [
        {**CAMPAIGN, "updated_at": dt.datetime(2025, 12, 1), **silver_lineage(START)},
        {**CAMPAIGN, "updated_at": dt.datetime(2025, 12, 1), **silver_lineage(D2)},
        {**CAMPAIGN, "budget": 5000.0, "updated_at": dt.datetime(2026, 1, 3, 7),
         **silver_lineage(D3)},
    ])
    build(tiny, DIM_CAMPAIGN, [START, D2, D3])
    # day 2 re-sent an old, unchanged version: outside the lookback, so it adds no row
    assert tiny.read("SELECT load_date, update_date FROM gold.dim_campaign_versions "
                     "ORDER BY 1").rows() == [(START, dt.date(2025, 12, 1)), (D3, D3)]
    assert view(tiny, DIM_CAMPAIGN, "campaign_key, budget, duration_days, valid_from, valid_to, "
                "is_current", "valid_from") == [
        (key(tiny, "campaign", "CMP000001"), None, 10, dt.date(2025, 12, 1), D2, False),
        (key(tiny, "campaign", "CMP000001"), 5000.0, 10, D3, dt.date(9999, 12, 31), True),
    ]


def test_service_rename_is_a_new_version_with_the_same_key(tiny):
    base = {"service_id": "S001", "service_type": "Internet", "monthly_cost": 49.99,
            "currency": "USD", "active_flag": True}
    tiny.put("silver.stg_prv_service_catalogue", [
        {**base, "service_name": "Fiber 100", "updated_at": dt.datetime(2025, 6, 1),
         **silver_lineage(START)},
        {**base, "service_name": "Fiber Plus", "updated_at": dt.datetime(2026, 1, 2, 3),
         **silver_lineage(D2)},
    ])
    build(tiny, DIM_SERVICE, [D2, START])
    sk_ = key(tiny, "service", "S001")
    assert view(tiny, DIM_SERVICE, "service_key, service_name, valid_from, is_current, "
                "source_system", "valid_from") == [
        (sk_, "Fiber 100", dt.date(2025, 6, 1), False, "provisioning"),
        (sk_, "Fiber Plus", D2, True, "provisioning")]


def test_kb_article_revision_and_untracked_change(tiny):
    base = {"article_id": "KB000001", "title": "Reset your router", "category": "Devices",
            "article_author": "Kim Writer", "published_at": dt.datetime(2025, 1, 1)}
    tiny.put("silver.stg_sup_kb_articles", [
        {**base, "version_number": 1, "updated_at": dt.datetime(2025, 1, 1),
         **silver_lineage(START)},
        {**base, "version_number": 2, "updated_at": dt.datetime(2026, 1, 2, 12),
         **silver_lineage(D2)},
    ])
    build(tiny, DIM_KB_ARTICLE, [START, D2])
    assert view(tiny, DIM_KB_ARTICLE, "kb_article_key, version_number, valid_from, valid_to",
                "valid_from") == [
        (key(tiny, "kb_article", "KB000001"), 1, dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
        (key(tiny, "kb_article", "KB000001"), 2, D2, dt.date(9999, 12, 31))]


def test_account_hierarchy_rolls_children_up_to_the_parent(tiny):
    base = {"region": "UK", "vertical": "Retail", "customer_type": "Commercial",
            "updated_at": dt.datetime(2025, 3, 1), **silver_lineage(START)}
    tiny.put("silver.stg_crm_account_hierarchy", [
        {**base, "account_id": "C0000001", "company_name": "Acme UK",
         "parent_account_id": "P000001", "parent_company_name": "Acme Group"},
        {**base, "account_id": "C0000002", "company_name": "Solo Ltd",
         "parent_account_id": None, "parent_company_name": None},
    ])
    build(tiny, DIM_ACCOUNT_HIERARCHY, [START])
    rows = view(tiny, DIM_ACCOUNT_HIERARCHY, "account_key, customer_key, parent_account_key, "
                "rollup_account_key, rollup_company_name, is_child_account, geo", "account_id")
    parent = key(tiny, "parent_account", "P000001")
    solo = key(tiny, "account", "C0000002")
    assert rows == [
        (key(tiny, "account", "C0000001"), key(tiny, "customer", "C0000001"), parent, parent,
         "Acme Group", True, "EMEA"),
        (solo, key(tiny, "customer", "C0000002"), None, solo, "Solo Ltd", False, "EMEA")]


def test_product_carries_band_prices_and_a_band_revision_opens_a_version(tiny):
    product = {"product_id": "PRD001", "product_code": "CCE", "product_name": "Creative Cloud",
               "product_family": "Creative Cloud", "solution": "Creative Cloud",
               "list_price": 80.0, "currency": "USD", "active_flag": True,
               "updated_at": dt.datetime(2025, 2, 1)}
    bands = [("A", 1, 9, 0.0), ("B", 10, 49, 0.05), ("C", 50, 99, 0.1), ("D", 100, 499, 0.15),
             ("E", 500, None, 0.2)]

    def band_rows(day, revised_e=None, updated=dt.datetime(2025, 1, 1)):
        return [{"band_code": b, "min_quantity": lo, "max_quantity": hi,
                 "discount_pct": revised_e if (b == "E" and revised_e) else pct,
                 "updated_at": updated if (b == "E" and revised_e) else dt.datetime(2025, 1, 1),
                 **silver_lineage(day)} for b, lo, hi, pct in bands]

    tiny.put("silver.stg_cat_products", [{**product, **silver_lineage(d)} for d in (START, D2)])
    tiny.put("silver.stg_cat_discount_bands", band_rows(START) + band_rows(
        D2, revised_e=0.25, updated=dt.datetime(2026, 1, 2, 6)))
    build(tiny, DIM_PRODUCT, [START, D2])
    assert view(tiny, DIM_PRODUCT, "product_key, price_unit, list_price, band_a_unit_price, "
                "band_b_unit_price, band_e_unit_price, valid_from, is_current, update_date",
                "valid_from") == [
        (key(tiny, "product", "PRD001"), "seat per month", 80.0, 80.0, 76.0, 64.0,
         dt.date(2025, 2, 1), False, dt.date(2025, 2, 1)),
        (key(tiny, "product", "PRD001"), "seat per month", 80.0, 80.0, 76.0, 60.0, D2, True, D2)]


def test_an_entity_missing_from_the_first_snapshot_still_gets_its_version(tiny):
    """C2's row was rejected on the first day; it comes back with an old updated_at."""
    base = {"customer_name": "Ava Smith", "email": "a@x.io", "phone": None,
            "customer_segment": "SMB", "customer_tier": "Silver", "status": "Active",
            "address_line": None, "city": "Boston", "state": "MA", "country": "US",
            "region": "US-EAST", "signup_date": dt.date(2016, 1, 1),
            "updated_at": dt.datetime(2016, 6, 26)}
    tiny.put("silver.stg_crm_customers", [
        {**base, "customer_id": "C0000001", **silver_lineage(START)},
        {**base, "customer_id": "C0000001", **silver_lineage(D2)},
        {**base, "customer_id": "C0000002", **silver_lineage(D2)},
        {**base, "customer_id": "C0000001", **silver_lineage(D3)},
        {**base, "customer_id": "C0000002", **silver_lineage(D3)},
    ])
    for day in (D3, START, D2):
        tiny.run(DIM_CUSTOMER.versions, day)
    assert tiny.read("SELECT customer_id, load_date FROM gold.dim_customer_versions "
                     "ORDER BY 1, 2").rows() == [("C0000001", START), ("C0000002", D2)]


def test_a_rejected_band_row_keeps_its_price_carried_or_last_known(tiny):
    """D2: the product's list price moves to 100 and band E's row is rejected: its START row
    is carried (flagged), so E is 100 x 0.8 = 80, not empty. D3: the product is renamed and a
    band row with an unreadable code is rejected: bands D and E, absent that day, are unknown,
    and the version keeps their last known prices (85 and 80) instead of blanking them."""
    bands = [("A", 1, 9, 0.0), ("B", 10, 49, 0.05), ("C", 50, 99, 0.1), ("D", 100, 499, 0.15),
             ("E", 500, None, 0.2)]

    def band_rows(day, codes="ABCDE"):
        return [{"band_code": b, "min_quantity": lo, "max_quantity": hi, "discount_pct": pct,
                 "updated_at": dt.datetime(2025, 1, 1), **silver_lineage(day)}
                for b, lo, hi, pct in bands if b in codes]

    product = {"product_id": "PRD001", "product_code": "CCE", "product_name": "Creative Cloud",
               "product_family": "Creative Cloud", "solution": "Creative Cloud",
               "list_price": 80.0, "currency": "USD", "active_flag": True,
               "updated_at": dt.datetime(2025, 2, 1)}
    tiny.put("silver.stg_cat_products", [
        {**product, **silver_lineage(START)},
        {**product, "list_price": 100.0, "updated_at": dt.datetime(2026, 1, 2, 6),
         **silver_lineage(D2)},
        {**product, "list_price": 100.0, "product_name": "CC All Apps",
         "updated_at": dt.datetime(2026, 1, 3, 6), **silver_lineage(D3)}])
    tiny.put("silver.stg_cat_discount_bands",
             band_rows(START) + band_rows(D2, "ABCD") + band_rows(D3, "ABC"))
    tiny.put("silver.stg_cat_discount_bands_rejects", [
        rejected("stg_cat_discount_bands", {"band_code": "E", "discount_pct": "x"}, D2),
        rejected("stg_cat_discount_bands", {"band_code": "", "discount_pct": "x"}, D3)])
    build(tiny, DIM_PRODUCT, [D3, START, D2])
    assert tiny.read("SELECT load_date, bands_carried_from FROM gold.dim_product_versions "
                     "ORDER BY load_date").rows() == [(START, None), (D2, START), (D3, None)]
    assert view(tiny, DIM_PRODUCT, "list_price, band_c_unit_price, band_d_unit_price, "
                "band_e_unit_price, valid_from", "valid_from") == [
        (80.0, 72.0, 68.0, 64.0, dt.date(2025, 2, 1)),
        (100.0, 90.0, 85.0, 80.0, D2),
        (100.0, 90.0, 85.0, 80.0, D3)]
