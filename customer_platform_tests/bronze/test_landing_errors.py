"""Bad landing files: each kind fails with the file, the line and the problem, or (for a bad
value) ingests and leaves the row for silver to reject. Nothing is silently skipped."""

import datetime as dt
import json
import re

import polars as pl
import pytest

from customer_platform.bronze.landing import LandingFileError, find_landing_file, to_bronze
from customer_platform.contracts import source_table

from ..conftest import DAY

LOADED = dt.datetime(2026, 3, 2, 6, 0)


def load(table, path, root):
    return to_bronze(table, path, root, DAY, LOADED)


def test_missing_file_names_the_expected_path(tmp_path, customers_table):
    with pytest.raises(LandingFileError) as err:
        find_landing_file(tmp_path, customers_table, DAY)
    assert f"{tmp_path}/crm/customers/2026-03-02.csv" in str(err.value)
    assert "missing landing file for crm.customers on 2026-03-02" in str(err.value)


def test_two_formats_for_one_day_are_ambiguous(tmp_path, clean_customers_file, customers_table):
    clean_customers_file.with_suffix(".jsonl").write_text("{}\n")
    with pytest.raises(LandingFileError, match="ambiguous landing files .*2026-03-02.csv, "
                                               "2026-03-02.jsonl"):
        find_landing_file(tmp_path, customers_table, DAY)


def test_clean_file_keeps_every_row_and_adds_lineage(tmp_path, clean_customers_file,
                                                       customers_table):
    loaded = load(customers_table, clean_customers_file, tmp_path)
    lines = clean_customers_file.read_text().splitlines()
    assert loaded.frame.height == len(lines) - 1
    assert loaded.frame["_source_row"].to_list() == list(range(1, len(lines)))
    assert set(loaded.frame["_source_file"]) == {"crm/customers/2026-03-02.csv"}
    assert loaded.frame.select(pl.exclude("_partition_date", "_source_row", "_loaded_at")
                               ).dtypes == [pl.String] * (loaded.frame.width - 3)
    first = next(iter(__import__("csv").DictReader(lines[:2])))
    assert loaded.frame.row(0, named=True)["customer_id"] == first["customer_id"]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_empty_file_fails(tmp_path, customers_table, suffix):
    path = customers_table.landing_path(tmp_path, DAY, suffix)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    with pytest.raises(LandingFileError, match=re.escape(f"{path}") + ".*file is empty"):
        load(customers_table, path, tmp_path)


def test_header_only_snapshot_fails_but_header_only_incremental_is_an_empty_day(tmp_path):
    snapshot, incremental = source_table("crm.customers"), source_table("billing.invoices")
    for table in (snapshot, incremental):
        path = table.landing_path(tmp_path, DAY)
        path.parent.mkdir(parents=True)
        path.write_text(",".join(table.columns()) + "\n")
    with pytest.raises(LandingFileError, match="no records: crm.customers is a snapshot"):
        load(snapshot, snapshot.landing_path(tmp_path, DAY), tmp_path)
    assert load(incremental, incremental.landing_path(tmp_path, DAY), tmp_path).frame.height == 0


def test_zero_byte_jsonl_is_a_day_without_records(tmp_path):
    table = source_table("billing.billing_events")
    path = table.landing_path(tmp_path, DAY)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    loaded = load(table, path, tmp_path)
    assert loaded.frame.height == 0
    assert list(table.columns()) == loaded.frame.columns[: len(table.columns())]


def test_truncated_csv_names_the_cut_line(tmp_path, clean_customers_file, customers_table):
    data = clean_customers_file.read_bytes()
    lines = data.splitlines(keepends=True)
    cut = b"".join(lines[:11]) + lines[11][:15]  # header + 10 records + a partial 11th
    clean_customers_file.write_bytes(cut)
    with pytest.raises(LandingFileError) as err:
        load(customers_table, clean_customers_file, tmp_path)
    assert err.value.line == 12
    assert str(err.value).startswith(f"{clean_customers_file}, line 12: missing columns")


def test_a_bad_file_leaves_nothing_behind_for_the_next_read(tmp_path, clean_customers_file,
                                                             customers_table):
    """The reads of a process share one in-memory DuckDB: a file's bad records are its own."""
    good = clean_customers_file.read_bytes()
    bad = tmp_path / "bad" / clean_customers_file.name
    bad.parent.mkdir()
    bad.write_bytes(b"".join(good.splitlines(keepends=True)[:4]) + b"C1,short\n")
    problems = []
    for path in (bad, clean_customers_file, bad):
        if path == bad:
            with pytest.raises(LandingFileError) as err:
                load(customers_table, path, tmp_path)
            problems.append((err.value.line, err.value.problem))
        else:
            loaded = load(customers_table, path, tmp_path).frame
            assert loaded.height == len(good.splitlines()) - 1
    assert problems[0] == problems[1] and problems[0][0] == 5
    assert "more bad record" not in problems[1][1]


def test_unterminated_quote_is_reported_on_its_line(tmp_path, clean_customers_file,
                                                    customers_table):
    lines = clean_customers_file.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",", ',"', 1)
    clean_customers_file.write_text("".join(lines))
    with pytest.raises(LandingFileError) as err:
        load(customers_table, clean_customers_file, tmp_path)
    assert err.value.line == 6
    assert "quote" in err.value.problem.lower()


def test_missing_key_column_fails_naming_it(tmp_path, clean_customers_file, customers_table):
    frame = pl.read_csv(clean_customers_file, infer_schema=False)
    frame.rename({"customer_id": "cust_id"}).write_csv(clean_customers_file)
    with pytest.raises(LandingFileError) as err:
        load(customers_table, clean_customers_file, tmp_path)
    assert err.value.line == 1
    assert "header lacks required column(s) customer_id of crm.customers" in err.value.problem


def test_a_file_without_its_header_fails_without_quoting_the_record(tmp_path,
                                                                   clean_customers_file,
                                                                   customers_table):
    """Line 1 is then a record: the error names the columns by position, not the values
    (names, emails, addresses), which would reach the logs, the UI and the alerts."""
    frame = pl.read_csv(clean_customers_file, infer_schema=False).with_columns(
        pl.lit(None, pl.String).alias("phone"))
    frame.write_csv(clean_customers_file, include_header=False)
    with pytest.raises(LandingFileError) as err:
        load(customers_table, clean_customers_file, tmp_path)
    assert err.value.line == 1 and "column 4 is empty" in err.value.problem
    first = frame.row(0, named=True)
    pii = [first[name] for name in customers_table.pii_columns() if first[name]]
    assert len(pii) >= 3 and [v for v in pii if v in str(err.value)] == []


def test_a_repeated_header_name_is_named(tmp_path, clean_customers_file, customers_table):
    header, rest = clean_customers_file.read_text().split("\n", 1)
    clean_customers_file.write_text(f"{header},Email\n{rest}")
    with pytest.raises(LandingFileError) as err:
        load(customers_table, clean_customers_file, tmp_path)
    assert err.value.line == 1
    assert err.value.problem.endswith(": column 15 ('Email') repeats column 3")


def test_wrong_optional_and_extra_columns_are_kept_not_lost(tmp_path, clean_customers_file,
                                                            customers_table):
    frame = pl.read_csv(clean_customers_file, infer_schema=False)
    frame.drop("phone").with_columns(pl.lit("x").alias("legacy_flag")).write_csv(
        clean_customers_file)
    loaded = load(customers_table, clean_customers_file, tmp_path)
    assert loaded.missing_columns == ["phone"] and loaded.extra_columns == ["legacy_flag"]
    assert loaded.frame["phone"].null_count() == frame.height
    assert json.loads(loaded.frame["_extra_columns"][0]) == {"legacy_flag": "x"}


def test_columns_not_delivered_are_named_on_every_row(tmp_path, clean_customers_file,
                                                      customers_table):
    """The nulls of a column the file lacked mean "not delivered": every row says which."""
    complete = load(customers_table, clean_customers_file, tmp_path)
    assert complete.frame["_missing_columns"].null_count() == complete.frame.height
    frame = pl.read_csv(clean_customers_file, infer_schema=False)
    frame.drop("address_line", "phone").write_csv(clean_customers_file)
    loaded = load(customers_table, clean_customers_file, tmp_path)
    assert loaded.frame["_missing_columns"].to_list() == ["phone,address_line"] * frame.height


def test_garbage_bytes_fail_with_the_line(tmp_path, clean_customers_file, customers_table):
    data = clean_customers_file.read_bytes().splitlines(keepends=True)
    data[3] = b"\xff\xfe\x00garbage" + data[3]
    clean_customers_file.write_bytes(b"".join(data))
    with pytest.raises(LandingFileError) as err:
        load(customers_table, clean_customers_file, tmp_path)
    assert err.value.line == 4
    assert "invalid" in err.value.problem.lower() or "utf-8" in err.value.problem.lower()


def test_binary_file_with_a_csv_name_fails(tmp_path, customers_table):
    path = customers_table.landing_path(tmp_path, DAY)
    path.parent.mkdir(parents=True)
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(LandingFileError, match=re.escape(str(path)) + ", line 1: "):
        load(customers_table, path, tmp_path)


def test_garbage_parquet_fails(tmp_path, customers_table):
    path = customers_table.landing_path(tmp_path, DAY, "parquet")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(LandingFileError, match="not a readable Parquet file"):
        load(customers_table, path, tmp_path)


def test_invalid_json_line_is_named(tmp_path):
    table = source_table("billing.billing_events")
    path = table.landing_path(tmp_path, DAY)
    path.parent.mkdir(parents=True)
    path.write_text('{"billing_event_id": "BE000000001"}\n{"billing_event_id": \n')
    with pytest.raises(LandingFileError) as err:
        load(table, path, tmp_path)
    assert err.value.line == 2 and "invalid JSON" in err.value.problem


def test_wrong_type_is_ingested_as_text_and_left_to_silver(tmp_path, clean_customers_file,
                                                          customers_table):
    frame = pl.read_csv(clean_customers_file, infer_schema=False)
    frame.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("yesterday"))
                       .otherwise(pl.col("signup_date")).alias("signup_date")
                       ).write_csv(clean_customers_file)
    loaded = load(customers_table, clean_customers_file, tmp_path)
    assert loaded.frame.height == frame.height
    assert loaded.frame["signup_date"][2] == "yesterday"
