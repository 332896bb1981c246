"""The Pandera asset checks fail for real on broken frames, with the right counts per rule,
and never show a PII value in their sample."""

import datetime as dt

import polars as pl
import pytest
from dagster import AssetCheckSeverity

from customer_platform.bronze.landing import to_bronze
from customer_platform.contracts import source_table
from customer_platform.generator import CLEAN, generate
from customer_platform.privacy import MASK
from customer_platform.quality.checks import evaluate_schema
from customer_platform.quality.schemas import bronze_schema, silver_schema
from customer_platform.silver.cleaning import clean
from customer_platform.silver.rejects import RejectedRow

DAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def customers(tmp_path_factory):
    """Bronze and silver frames of 60 clean generated customers."""
    root = tmp_path_factory.mktemp("landing")
    table = source_table("crm.customers")
    generate(root, DAY, DAY, customers=60, seed=5, dirt=CLEAN, tables=[table])
    bronze = to_bronze(table, table.landing_path(root, DAY), root, DAY,
                       dt.datetime(2026, 3, 2)).frame
    return table, bronze, clean(bronze, table).silver


def breaks(frame: pl.DataFrame, rows: list[int], **values) -> pl.DataFrame:
    """``frame`` with ``values`` written into the given row indices."""
    mask = pl.int_range(pl.len()).is_in(rows)
    return frame.with_columns(
        [pl.when(mask).then(pl.lit(v, frame.schema[c])).otherwise(pl.col(c)).alias(c)
         for c, v in values.items()]
    )


def test_clean_silver_passes(customers):
    table, bronze, silver = customers
    result = evaluate_schema(silver, silver_schema(table))
    assert silver.height == bronze.height > 40  # clean extract: nothing rejected
    assert result.passed and result.metadata["rows_checked"].value == silver.height


def test_broken_silver_fails_with_counts_per_rule(customers):
    table, _, silver = customers
    broken = breaks(silver, [0, 1, 2], region="Atlantis")
    broken = breaks(broken, [3, 4], email="not-an-email")
    broken = breaks(broken, [5], customer_name=None)
    result = evaluate_schema(broken, silver_schema(table))
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR
    by_rule = result.metadata["failing_rows_by_rule"].value
    assert by_rule["region: isin(" + repr(list(
        source_table("crm.customers").columns()["region"].checks[0].statistics[
            "allowed_values"])) + ")"] == 3
    assert by_rule["email: str_matches('^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$')"] == 2
    assert by_rule["customer_name: not_nullable"] == 1
    assert result.metadata["failing_rows"].value == 6


def test_an_optional_column_may_be_empty_only_where_its_file_lacked_it(customers):
    table, _, silver = customers
    undelivered = breaks(silver, [0, 1], city=None, _missing_columns="city")
    assert evaluate_schema(undelivered, silver_schema(table)).passed
    delivered_empty = breaks(silver, [0, 1], city=None)
    result = evaluate_schema(delivered_empty, silver_schema(table))
    assert not result.passed
    assert result.metadata["failing_rows_by_rule"].value == {
        "(row): customer_segment, customer_tier, city, state, country, region empty only where "
        "the file did not deliver them": 2}


def test_duplicate_keys_fail_the_silver_check(customers):
    table, _, silver = customers
    duplicated = pl.concat([silver, silver.head(4)])
    result = evaluate_schema(duplicated, silver_schema(table))
    assert not result.passed
    by_rule = result.metadata["failing_rows_by_rule"].value
    assert by_rule == {"customer_id: multiple_fields_uniqueness": 8}
    assert result.metadata["failing_rows"].value == 8  # both copies of each of the 4 keys


def test_failure_sample_masks_pii(customers):
    table, _, silver = customers
    secret = "leaked.address@"
    result = evaluate_schema(breaks(silver, [0], email=secret), silver_schema(table))
    sample = result.metadata["failure_sample"].value
    assert secret not in sample and MASK in sample


def test_bronze_check_catches_a_wrong_layout(customers):
    table, bronze, _ = customers
    assert evaluate_schema(bronze, bronze_schema(table)).passed
    wrong = bronze.with_columns(pl.lit("billing").alias("_source_system"))
    result = evaluate_schema(wrong, bronze_schema(table))
    assert not result.passed
    assert result.metadata["failing_rows_by_rule"].value == {
        "_source_system: equal_to(crm)": bronze.height}
    missing = evaluate_schema(bronze.drop("email"), bronze_schema(table))
    assert not missing.passed
    assert missing.metadata["failing_rows_by_rule"].value == {"email: column_in_dataframe": 1}


def test_rejects_check_requires_the_rule_and_the_record(tmp_path):
    table = source_table("crm.customers")
    path = table.landing_path(tmp_path, DAY)
    path.parent.mkdir(parents=True)
    path.write_text(",".join(table.columns()) + "\n" + ",".join(["C0000001"] + ["x"] * 13) + "\n")
    rejects = clean(to_bronze(table, path, tmp_path, DAY, dt.datetime(2026, 3, 2)).frame,
                    table).rejects
    schema = RejectedRow.to_schema()
    assert rejects.height == 1 and evaluate_schema(rejects, schema).passed
    result = evaluate_schema(rejects.with_columns(pl.lit(None, pl.String).alias("error_rule"),
                                                  pl.lit("Lost").alias("status")), schema)
    assert result.metadata["failing_rows_by_rule"].value == {
        "error_rule: not_nullable": 1, "status: isin(['Open', 'In Progress', 'Resolved'])": 1}
