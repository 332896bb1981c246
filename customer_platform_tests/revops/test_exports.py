"""The BI exports: materialised through Dagster, opened back as CSV and Parquet, no PII column
survives unmasked, the files are byte-identical when nothing changed, and the manifest says
what each day holds."""

import datetime as dt
import hashlib
import json

import polars as pl
import pytest
from dagster import materialize

from customer_platform.contracts.base import PII_CLASSES
from customer_platform.exports.assets import EXPORTS_KEY, build_exports, exported_tables
from customer_platform.exports.files import PII_POLICY, pii_treatment
from customer_platform.gold import GOLD_TABLES
from customer_platform.gold.base import ensure_table
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.revops.agg_sales_rep_performance import sales_rep_performance
from customer_platform.gold.revops.fact_engagement_activity import FACT_ENGAGEMENT_ACTIVITY
from customer_platform.privacy import MASK

D = dt.date(2026, 3, 9)
NAMES = ("Ava Smith", "Bob Ray", "Cleo Park")
CONTACTS = ("ava@example.com", "+1 555 0100", "1 Main Street")
TABLES = [DIM_CUSTOMER.versions, FACT_ENGAGEMENT_ACTIVITY, sales_rep_performance()]


@pytest.fixture
def warehouse(tiny):
    with tiny.resource.get_connection() as con:
        for table in TABLES:
            ensure_table(con, table)
    tiny.put("gold.dim_customer_versions", [
        {"customer_key": "k2", "customer_version_key": "v2", "customer_id": "C0000002",
         "customer_name": NAMES[0], "email": CONTACTS[0], "phone": CONTACTS[1],
         "address_line": CONTACTS[2], "customer_segment": "SMB", "load_date": D},
        {"customer_key": "k1", "customer_version_key": "v1", "customer_id": "C0000001",
         "customer_name": None, "email": "x@example.com", "customer_segment": "SMB",
         "load_date": D},
        {"customer_key": "k3", "customer_version_key": "v3", "customer_id": "C0000003",
         "customer_name": "Old Name", "email": "old@example.com", "load_date": D - dt.timedelta(1)},
    ])
    tiny.put("gold.fact_engagement_activity", [
        {"engagement_activity_key": "e1", "activity_id": "EA000000001", "csm_name": NAMES[1],
         "notes": "Reviewed usage", "load_date": D}])
    tiny.put("gold.agg_sales_rep_performance", [
        {"sales_rep_performance_key": "r1", "sales_rep_key": "rk", "sales_rep": NAMES[2],
         "geo": "AMER", "deals_won": 2, "load_date": D}])
    return tiny


def export(warehouse, root, only=None, tables=TABLES):
    assets = build_exports(tables)
    config = {"root": str(root), **({"tables": only} if only else {})}
    result = materialize([assets], partition_key=D.isoformat(),
                         resources={"warehouse": warehouse.resource},
                         run_config={"ops": {"gold__exports": {"config": config}}})
    assert result.success
    return result


def test_no_pii_column_survives_unmasked(warehouse, tmp_path):
    root = tmp_path / "exports"
    export(warehouse, root)
    for table in TABLES:
        csv = pl.read_csv(root / "csv" / table.name / f"{table.name}_{D}.csv",
                          infer_schema=False)
        parquet = pl.read_parquet(root / "parquet" / table.name / f"{table.name}_{D}.parquet")
        assert csv.columns == parquet.columns and csv.height == parquet.height
        for column, how in pii_treatment(table).items():
            if how == "drop":
                assert column not in csv.columns, (table.name, column)
            else:  # masked: every value that was there is the mask
                for frame in (csv, parquet):
                    assert set(frame[column].drop_nulls()) <= {MASK}, (table.name, column)
        text = (root / "csv" / table.name / f"{table.name}_{D}.csv").read_text()
        raw = (root / "parquet" / table.name / f"{table.name}_{D}.parquet").read_bytes()
        for value in (*NAMES, *CONTACTS, "x@example.com"):
            assert value not in text and value.encode() not in raw
    customers = pl.read_csv(root / "csv" / "dim_customer_versions" /
                            f"dim_customer_versions_{D}.csv")
    assert customers["customer_id"].to_list() == ["C0000001", "C0000002"]  # day D, key order
    assert customers["customer_name"].to_list() == [None, MASK]  # empty stays empty
    assert {"email", "phone", "address_line"}.isdisjoint(customers.columns)
    reps = pl.read_csv(root / "csv" / "agg_sales_rep_performance" /
                       f"agg_sales_rep_performance_{D}.csv")
    assert reps.select("sales_rep_key", "sales_rep", "deals_won").row(0) == ("rk", MASK, 2)


def test_same_data_gives_byte_identical_files_and_a_manifest(warehouse, tmp_path):
    root = tmp_path / "exports"
    export(warehouse, root)
    files = sorted(p for p in root.rglob("*") if p.is_file() and "manifest" not in p.parts)
    assert len(files) == 2 * len(TABLES)
    before = {p: p.read_bytes() for p in files}
    export(warehouse, root)
    assert {p: p.read_bytes() for p in files} == before
    manifest = json.loads((root / "manifest" / f"manifest_{D}.json").read_text())
    assert manifest["partition"] == D.isoformat()
    assert dt.datetime.fromisoformat(manifest["generated_at"]).tzinfo is not None
    entries = {e["table"]: e for e in manifest["exports"]}
    assert set(entries) == {t.name for t in TABLES}
    customers = entries["dim_customer_versions"]
    assert customers["rows"] == 2 and "email" not in customers["columns"]
    assert customers["columns"][:4] == ["customer_key", "customer_version_key", "customer_id",
                                        "customer_name"]
    assert (customers["masked_columns"], customers["dropped_columns"]) == (
        ["customer_name"], ["address_line", "email", "phone"])
    assert customers["csv_file"] == f"csv/dim_customer_versions/dim_customer_versions_{D}.csv"
    assert len(customers["parquet_sha256"]) == 64
    # each file's digest (hashed on two threads) is the digest of the file the entry names
    assert all(entry[f"{fmt}_sha256"] == hashlib.sha256((root / entry[f"{fmt}_file"])
                                                        .read_bytes()).hexdigest()
               for entry in entries.values() for fmt in ("csv", "parquet"))


def test_a_chosen_table_writes_only_its_files_and_the_day_has_one_materialisation(
        warehouse, tmp_path):
    root = tmp_path / "exports"
    result = export(warehouse, root, only=[FACT_ENGAGEMENT_ACTIVITY.name])
    assert sorted(p.name for p in (root / "csv").iterdir()) == ["fact_engagement_activity"]
    manifest = json.loads((root / "manifest" / f"manifest_{D}.json").read_text())
    assert [e["table"] for e in manifest["exports"]] == ["fact_engagement_activity"]
    materialised, = result.asset_materializations_for_node("gold__exports")
    assert materialised.asset_key == EXPORTS_KEY and materialised.partition == D.isoformat()
    assert materialised.metadata["rows_by_table"].value == {"fact_engagement_activity": 1}
    assert materialised.metadata["dagster/row_count"].value == 1


def test_an_unknown_table_is_named(warehouse, tmp_path):
    assets = build_exports(TABLES)
    with pytest.raises(Exception, match="not exported tables: fact_nothing"):
        materialize([assets], partition_key=D.isoformat(),
                    resources={"warehouse": warehouse.resource},
                    run_config={"ops": {"gold__exports": {"config": {
                        "root": str(tmp_path), "tables": ["fact_nothing"]}}}})


def test_every_gold_table_of_the_day_is_exported_with_a_policy_for_its_pii():
    exported = {t.name for t in exported_tables()}
    daily = {t.name for t in GOLD_TABLES if t.domain != "audit"}
    assert daily <= exported and "agg_price_elasticity" in exported
    assert set(PII_POLICY) == set(PII_CLASSES)
    assert all(t.primary_key for t in exported_tables())  # rows are sorted by the key


#: Every personal column of the exported tables and what must happen to it, written by hand
#: from the tables' columns (not derived from the policy): names masked, contact details and
#: street addresses dropped.
EXPECTED_PII = {
    "agg_sales_rep_performance": {"sales_rep": "mask"},
    "dim_customer_versions": {"customer_name": "mask", "email": "drop", "phone": "drop",
                              "address_line": "drop"},
    "dim_kb_article_versions": {"article_author": "mask"},
    "dim_opportunity_versions": {"sales_rep": "mask"},
    "dim_support_ticket_versions": {"agent_name": "mask"},
    "dim_user_versions": {"user_name": "mask", "email": "drop"},
    "fact_engagement_activity": {"csm_name": "mask"},
    "fact_support_ticket": {"agent_name": "mask"},
}


def test_the_exports_treat_exactly_the_reviewed_personal_columns():
    treated = {t.name: pii_treatment(t) for t in exported_tables() if pii_treatment(t)}
    assert treated == EXPECTED_PII


def test_every_exported_table_leaves_its_pii_behind(tiny, tmp_path):
    """One row in every exported table with a secret in each PII column: no export file of
    the day holds any secret, and each PII column is either gone or masked."""
    tables = exported_tables()
    with tiny.resource.get_connection() as con:
        for table in tables:
            ensure_table(con, table)
            pii = list(EXPECTED_PII.get(table.name, {}))
            con.execute(f"INSERT INTO gold.{table.name} (load_date{''.join(', ' + c for c in pii)})"
                        f" VALUES (?{', ?' * len(pii)})", [D, *(f"SECRET {c}" for c in pii)])
    root = tmp_path / "exports"
    export(tiny, root, tables=tables)
    files = [p for p in root.rglob("*") if p.is_file()]
    assert len(files) == 2 * len(tables) + 1  # CSV and Parquet per table, and the manifest
    assert not [p.name for p in files if b"SECRET" in p.read_bytes()]
    masked = 0
    for table in tables:
        frame = pl.read_parquet(root / "parquet" / table.name / f"{table.name}_{D}.parquet")
        for column, how in EXPECTED_PII.get(table.name, {}).items():
            assert (column in frame.columns) == (how == "mask"), (table.name, column)
            if how == "mask":
                assert frame[column].to_list() == [MASK]
                masked += 1
    assert masked >= 8  # customer, user, rep, agent, CSM, author names ...


def test_a_ranged_run_writes_each_day_as_its_own_run_would(warehouse, tmp_path):
    """A range's exports read each table once for all its days: every file is byte-identical
    to the one a run of its day alone writes, a day without rows of a table included."""
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    days = [D - dt.timedelta(1), D]
    ranged = materialize([build_exports(TABLES)], resources={"warehouse": warehouse.resource},
                         tags={ASSET_PARTITION_RANGE_START_TAG: days[0].isoformat(),
                               ASSET_PARTITION_RANGE_END_TAG: days[-1].isoformat()},
                         run_config={"ops": {"gold__exports": {"config": {
                             "root": str(tmp_path / "ranged")}}}})
    assert ranged.success
    for day in days:
        assert materialize([build_exports(TABLES)], partition_key=day.isoformat(),
                           resources={"warehouse": warehouse.resource},
                           run_config={"ops": {"gold__exports": {"config": {
                               "root": str(tmp_path / "daily")}}}}).success
    files = sorted(p.relative_to(tmp_path / "daily")
                   for p in (tmp_path / "daily").rglob("*.*") if "manifest" not in p.parts)
    assert len(files) == 2 * 2 * len(TABLES)  # CSV and Parquet of each table and day
    for name in files:
        assert (tmp_path / "ranged" / name).read_bytes() == (tmp_path / "daily" / name
                                                              ).read_bytes()
    earlier = pl.read_csv(tmp_path / "ranged" / "csv" / "dim_customer_versions" /
                          f"dim_customer_versions_{days[0].isoformat()}.csv")
    assert earlier["customer_key"].to_list() == ["k3"]  # only its own day's rows


def test_a_range_stops_at_the_day_whose_files_cannot_be_written(warehouse, tmp_path):
    """The exports write a table at a time; a day whose file cannot be written (here a folder
    stands where its CSV goes) stops the range there: the day is named, the day before has
    every table's files and its manifest, and no later day has a manifest."""
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from customer_platform.exports.files import paths
    from customer_platform.partitions import FAILED_DAY

    days = [D - dt.timedelta(1), D, D + dt.timedelta(1)]
    blocked = paths(tmp_path, "fact_engagement_activity", D)["csv"]
    (blocked / "in_the_way").mkdir(parents=True)
    result = materialize([build_exports(TABLES)], resources={"warehouse": warehouse.resource},
                         tags={ASSET_PARTITION_RANGE_START_TAG: days[0].isoformat(),
                               ASSET_PARTITION_RANGE_END_TAG: days[-1].isoformat()},
                         run_config={"ops": {"gold__exports": {"config": {
                             "root": str(tmp_path)}}}}, raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert failure.description.startswith(f"{D}: ")
    assert failure.metadata[FAILED_DAY].value == D.isoformat()
    manifests = sorted(p.name for p in (tmp_path / "manifest").iterdir())
    assert manifests == [f"manifest_{days[0].isoformat()}.json"]
    before = json.loads((tmp_path / "manifest" / manifests[0]).read_text())
    assert sorted(entry["table"] for entry in before["exports"]) == sorted(
        table.name for table in TABLES)
    assert not paths(tmp_path, "agg_sales_rep_performance", D)["csv"].exists()
