"""Cleaning rules on hand-made rows: every bronze row ends in silver or in the rejects table,
with the rule it broke, and the counts reconcile."""

import datetime as dt
import json

import pandera.polars as pa
import polars as pl
import pytest

from customer_platform import fiscal
from customer_platform.bronze.landing import to_bronze
from customer_platform.contracts import source_table
from customer_platform.quality.schemas import silver_schema
from customer_platform.silver.cleaning import DUPLICATE, REJECTED, clean
from customer_platform.silver.normalise import enum_key

DAY = dt.date(2026, 3, 2)
GOOD = {
    "customer_id": "C0000001",
    "customer_name": "Ava Smith",
    "email": "ava.smith1@mail.example",
    "phone": "+1-555-100-0001",
    "customer_segment": "Residential",
    "customer_tier": "Gold",
    "status": "Active",
    "address_line": "1 Main St",
    "city": "Boston",
    "state": "MA",
    "country": "US",
    "region": "US-EAST",
    "signup_date": "2020-05-01",
    "updated_at": "2026-03-01T10:00:00",
}


def bronze_of(tmp_path, table_name, rows):
    """Write ``rows`` as the table's CSV landing file and read it into bronze."""
    table = source_table(table_name)
    path = table.landing_path(tmp_path, DAY, "csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema={c: pl.String for c in rows[0]}).write_csv(path)
    return table, to_bronze(table, path, tmp_path, DAY, dt.datetime(2026, 3, 2, 6)).frame


def customer(n, **changes):
    return {**GOOD, "customer_id": f"C{n:07d}", **changes}


def cleaned(tmp_path, rows, table_name="crm.customers"):
    table, bronze = bronze_of(tmp_path, table_name, rows)
    result = clean(bronze, table)
    counts = result.counts()
    assert bronze.height == counts["silver_rows"] + counts["rejected_rows"] + counts[
        "duplicate_rows"]
    return result


def test_enum_and_region_spellings_become_canonical(tmp_path):
    rows = [
        customer(1, region="us-east"),
        customer(2, region="US_EAST"),
        customer(3, region="UsEast", customer_tier=" gold "),
        customer(4, region="  US-EAST ", customer_segment="residential", status="ACTIVE"),
    ]
    silver = cleaned(tmp_path, rows).silver
    assert silver.height == 4
    assert set(silver["region"]) == {"US-EAST"}
    assert set(silver["customer_tier"]) == {"Gold"}
    assert set(silver["customer_segment"]) == {"Residential"} and set(silver["status"]) == {
        "Active"}


def test_unknown_enum_value_is_rejected_with_its_rule(tmp_path):
    result = cleaned(tmp_path, [customer(1), customer(2, region="Atlantis")])
    assert result.silver["customer_id"].to_list() == ["C0000001"]
    reject = result.rejects.row(0, named=True)
    assert reject["disposition"] == REJECTED and reject["status"] == "Open"
    assert reject["error_type"] == "Validation" and reject["source_row"] == 2
    assert reject["error_rule"].startswith("isin(")
    assert "region='Atlantis'" in reject["error_description"]
    assert json.loads(reject["record"])["region"] == "Atlantis"
    assert reject["source_file"] == "crm/customers/2026-03-02.csv"


def test_emails_are_lowercased_and_malformed_ones_rejected(tmp_path):
    result = cleaned(tmp_path, [customer(1, email="  Ava.Smith1@MAIL.Example "),
                                customer(2, email="ava.smith at mail.example")])
    assert result.silver["email"].to_list() == ["ava.smith1@mail.example"]
    assert result.rejects["error_rule"].to_list() == [
        "str_matches('^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$')"]


def test_null_in_required_field_is_rejected_but_optional_null_passes(tmp_path):
    result = cleaned(tmp_path, [customer(1, city=""), customer(2, phone=""), customer(3)])
    assert result.silver["customer_id"].to_list() == ["C0000002", "C0000003"]
    assert result.silver.filter(pl.col("customer_id") == "C0000002")["phone"].to_list() == [None]
    assert result.rejects["error_rule"].to_list() == ["not_nullable"]
    assert "city=null breaks not_nullable" in result.rejects["error_description"][0]


def test_a_crm_without_segments_or_addresses_loads_with_those_values_unknown(tmp_path):
    """A file may lack an optional column (a CRM that does not keep segments): its rows load
    with the values unknown and named as not delivered; where the column is delivered, an
    empty value still breaks the row."""
    kept = [c for c in GOOD if c not in ("customer_segment", "customer_tier", "city")]
    rows = [{c: customer(n)[c] for c in kept} for n in (1, 2)]
    rows[1]["customer_name"] = ""
    result = cleaned(tmp_path, rows)
    assert result.silver["customer_id"].to_list() == ["C0000001"]
    assert result.silver["customer_segment"].to_list() == [None]
    assert result.silver["_missing_columns"].to_list() == ["customer_segment,customer_tier,city"]
    assert result.rejects["error_rule"].to_list() == ["not_nullable"]
    assert "customer_name=null" in result.rejects["error_description"][0]
    schema = silver_schema(source_table("crm.customers"))
    schema.validate(result.silver)  # the silver check accepts the undelivered columns
    with pytest.raises(pa.errors.SchemaError, match="empty only where the file did not"):
        schema.validate(result.silver.with_columns(pl.lit(None, pl.String)
                                                   .alias("_missing_columns")))


def test_wrong_type_is_rejected_as_a_type_error_once(tmp_path):
    result = cleaned(tmp_path, [customer(1, signup_date="yesterday"),
                                customer(2, updated_at="2026-02-30T00:00:00"), customer(3)])
    assert result.silver["customer_id"].to_list() == ["C0000003"]
    rules = dict(zip(result.rejects["source_row"], result.rejects["error_rule"], strict=True))
    assert rules == {1: "type(Date)", 2: "type(Datetime(time_unit='us', time_zone=None))"}
    assert result.silver.schema["signup_date"] == pl.Date


def test_several_broken_rules_are_all_named_on_one_reject(tmp_path):
    result = cleaned(tmp_path, [customer(1, email="bad", region="nowhere", city="")])
    assert result.rejects.height == 1
    description = result.rejects["error_description"][0]
    for part in ("email='bad'", "region='nowhere'", "city=null"):
        assert part in description


def test_duplicates_keep_the_latest_version_and_the_rest_is_kept_as_resolved(tmp_path):
    rows = [
        customer(1, customer_tier="Silver", updated_at="2026-02-01T00:00:00"),
        customer(1, customer_tier="Gold", updated_at="2026-03-01T00:00:00"),
        customer(1, customer_tier="Silver", updated_at="2026-02-01T00:00:00"),  # exact copy
        customer(2, customer_name=" Bo  "),
        customer(2, customer_name="Bo"),  # near duplicate: same after trimming
    ]
    result = cleaned(tmp_path, rows)
    assert result.silver.select("customer_id", "customer_tier").rows() == [
        ("C0000001", "Gold"), ("C0000002", "Gold")]
    dupes = result.rejects.filter(pl.col("disposition") == DUPLICATE)
    assert dupes["source_row"].to_list() == [1, 3, 5]
    assert set(dupes["status"]) == {"Resolved"} and set(dupes["error_type"]) == {"Data Quality"}
    assert dupes["error_description"].to_list() == [
        "duplicate of line 2 on key (customer_id)",
        "duplicate of line 2 on key (customer_id)",
        "duplicate of line 4 on key (customer_id)",
    ]
    assert result.counts() == {"silver_rows": 2, "rejected_rows": 0, "duplicate_rows": 3}


def test_a_range_keeps_each_days_latest_versions_in_day_and_key_order(tmp_path):
    """Keys delivered out of order, repeated within and across two days: silver holds each
    day's latest version of every key, by day then key (the order the kept rows are gathered
    in), and equals each day cleaned alone, one after the other."""
    table = source_table("crm.customers")
    days = (DAY, DAY + dt.timedelta(days=1))
    delivered = {
        days[0]: [customer(3, customer_tier="Silver", updated_at="2026-03-01T09:00:00"),
                  customer(1),
                  customer(3, customer_tier="Gold", updated_at="2026-03-01T11:00:00"),
                  customer(2),
                  customer(3, customer_tier="Bronze", updated_at="2026-03-01T10:00:00")],
        days[1]: [customer(2, customer_tier="Platinum"), customer(1), customer(2)],
    }
    frames = []
    for day, rows in delivered.items():
        path = table.landing_path(tmp_path, day, "csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        pl.DataFrame(rows, schema={c: pl.String for c in rows[0]}).write_csv(path)
        frames.append(to_bronze(table, path, tmp_path, day, dt.datetime(2026, 3, 4)).frame)
    ranged = clean(pl.concat(frames), table)
    assert ranged.silver.select("_partition_date", "customer_id", "customer_tier").rows() == [
        (days[0], "C0000001", "Gold"), (days[0], "C0000002", "Gold"),
        (days[0], "C0000003", "Gold"),
        (days[1], "C0000001", "Gold"), (days[1], "C0000002", "Platinum")]
    duplicates = ranged.rejects.filter(pl.col("disposition") == DUPLICATE)
    assert duplicates.select("_partition_date", "source_row", "error_description").rows() == [
        (days[0], 1, "duplicate of line 3 on key (customer_id)"),
        (days[0], 5, "duplicate of line 3 on key (customer_id)"),
        (days[1], 3, "duplicate of line 1 on key (customer_id)")]
    alone = [clean(frame, table) for frame in frames]
    assert ranged.silver.equals(pl.concat([result.silver for result in alone]))
    assert ranged.rejects.equals(pl.concat([result.rejects for result in alone]))


def test_keys_are_conformed_before_deduplication(tmp_path):
    result = cleaned(tmp_path, [customer(7), {**customer(7), "customer_id": " c0000007"}])
    assert result.silver["customer_id"].to_list() == ["C0000007"]
    assert result.counts()["duplicate_rows"] == 1


def test_silver_keeps_lineage_and_event_date(tmp_path):
    silver = cleaned(tmp_path, [customer(1)]).silver
    row = silver.row(0, named=True)
    assert row["_source_row"] == 1 and row["_partition_date"] == DAY
    assert row["_event_date"] == DAY  # a snapshot belongs to the day it was taken


def test_late_row_keeps_its_event_date(tmp_path):
    rows = [
        {"invoice_id": "INV000000001", "customer_id": "C0000001", "invoice_date": "2026-02-20",
         "due_date": "2026-03-06", "amount": "54.00", "currency": "USD", "paid_status": "paid",
         "paid_date": "2026-03-01", "updated_at": "2026-03-01 14:00:00"},
        {"invoice_id": "inv000000002", "customer_id": "C0000002", "invoice_date": "2026-03-02",
         "due_date": "2026-03-16", "amount": "-3", "currency": "USD", "paid_status": "Open",
         "paid_date": "", "updated_at": "2026-03-02T03:00:00"},
    ]
    result = cleaned(tmp_path, rows, "billing.invoices")
    row = result.silver.row(0, named=True)
    assert row["_event_date"] == dt.date(2026, 3, 1) and row["_partition_date"] == DAY
    assert row["paid_status"] == "Paid"
    assert result.rejects["error_rule"].to_list() == ["greater_than_or_equal_to(0.0)"]


@pytest.mark.parametrize(
    ("text", "label"),
    [("FY2026-W07", "FY2026-W07"), ("2026-W7", "FY2026-W07"), ("fy26 wk 07", "FY2026-W07"),
     ("FY2026W53", "FY2026-W53"), ("FY2026-W54", None), ("week seven", None)],
)
def test_fiscal_week_spellings(text, label):
    assert fiscal.normalise_fiscal_week(text) == label


def test_fiscal_calendar_starts_on_the_first_of_december():
    assert fiscal.fiscal_week_label(dt.date(2025, 12, 1)) == "FY2026-W01"
    assert fiscal.fiscal_week_label(dt.date(2026, 1, 12)) == "FY2026-W07"
    assert fiscal.fiscal_quarter_label(dt.date(2026, 3, 1)) == "FY2026-Q2"
    assert fiscal.fiscal_quarter_label(dt.date(2026, 11, 30)) == "FY2026-Q4"
    assert fiscal.fiscal_quarter_start(dt.date(2026, 2, 14)) == dt.date(2025, 12, 1)


def test_enum_key_ignores_case_and_separators():
    assert {enum_key(s) for s in ("us-east", "US_EAST", "UsEast", " US EAST ")} == {"useast"}


def test_quota_plan_fiscal_quarter_spellings_conform_and_collide_as_duplicates(tmp_path):
    base = {"geo": "AMER", "solution": "Creative Cloud", "sales_motion": "New",
            "qrf": "1000", "currency": "USD", "updated_at": "2026-01-01T00:00:00"}
    rows = [
        {**base, "fiscal_quarter": "FY2026-Q2"},
        {**base, "fiscal_quarter": "fy26 q 2", "updated_at": "2026-02-01T00:00:00",
         "qrf": "1200"},
        {**base, "fiscal_quarter": "2026-Q3", "geo": "emea", "sales_motion": "true_up"},
        {**base, "fiscal_quarter": "Q5 2026"},
    ]
    result = cleaned(tmp_path, rows, "crm.sales_quota_plan")
    assert result.silver.select("geo", "sales_motion", "fiscal_quarter", "qrf").rows() == [
        ("AMER", "New", "FY2026-Q2", 1200.0), ("EMEA", "True up", "FY2026-Q3", 1000.0)]
    assert result.counts() == {"silver_rows": 2, "rejected_rows": 1, "duplicate_rows": 1}
    rejected = result.rejects.filter(pl.col("disposition") == REJECTED)
    assert "fiscal_quarter='Q5 2026'" in rejected["error_description"][0]
