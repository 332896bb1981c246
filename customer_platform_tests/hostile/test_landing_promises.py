"""The landing files a hostile upstream system sent that once ended in a green day with data
silently wrong or missing, one hand-made file each. Every one must now end as a
one-line ``LandingFileError`` naming file, line and problem, or as rows that silver accounts
for with a rule a person can read. The generated cases (``files.py``) reach each of them too.
"""

import datetime as dt
import gzip
import io
import json

import polars as pl
import pytest

from customer_platform.bronze.landing import DUPLICATE_KEYS, FORMATS, LandingFileError
from customer_platform.contracts import source_table
from customer_platform.silver.cleaning import clean

from .outcomes import assert_bronze_layout, assert_clear_error, assert_nothing_lost
from .strategies import bronze_of, csv_records, encode, landed, load

CUSTOMERS = source_table("crm.customers")  # a CSV snapshot; updated_at is its last column
FEATURE_USAGE = source_table("platform.feature_usage")  # JSON Lines, incremental
INVOICES = source_table("billing.invoices")


def customer(number: int, **values: str) -> dict[str, str | None]:
    """A valid crm.customers row, ``values`` replacing some of its columns."""
    return {"customer_id": f"C{number:07d}", "customer_name": f"Customer {number}",
            "email": f"c{number}@mail.example", "phone": None, "customer_segment": "SMB",
            "customer_tier": "Gold", "status": "Active", "address_line": None, "city": "Paris",
            "state": "IDF", "country": "FR", "region": "FR", "signup_date": "2025-01-02",
            "updated_at": "2026-03-02T15:57:35", **values}


def usage(meeting: int, count: str) -> str:
    """A feature_usage JSON line; ``count`` is written into it as it is (a JSON token)."""
    return (f'{{"meeting_id": "M{meeting:010d}", "feature_name": "Chat", '
            f'"usage_count": {count}, "usage_date": "2026-03-02"}}')


def refused(table, content, fmt: str) -> LandingFileError:
    """The error reading ``content`` as ``table``'s file raises, checked to be a clear one."""
    with landed(table, content, fmt) as path, pytest.raises(LandingFileError) as caught:
        load(table, path)
    assert_clear_error(caught.value, path)
    return caught.value


def accounted(table, content, fmt: str):
    """Bronze of ``content`` and silver's result, every row accounted for."""
    with landed(table, content, fmt) as path:
        loaded = load(table, path)
    assert_bronze_layout(table, loaded.frame)
    result = clean(loaded.frame, table)
    assert_nothing_lost(table, loaded.frame, result)
    return loaded, result


# -- 1. a cut-off CSV ---------------------------------------------------------------------


def test_a_csv_cut_inside_its_last_value_is_refused_naming_the_line():
    """``15:57:3`` was ``15:57:35``: the transfer stopped there. Loading it stored 15:57:03."""
    data = encode(CUSTOMERS, [customer(1), customer(2)], "csv")
    assert data.endswith(b"15:57:35\n")
    error = refused(CUSTOMERS, data.removesuffix(b"5\n"), "csv")
    assert error.line == 3 and "cut short" in error.problem


@pytest.mark.parametrize("records", [0, 1, 2])
def test_a_csv_without_a_line_end_after_its_last_record_is_refused(records):
    """The decision: a complete last record without its line end cannot be told from a cut
    one (nothing says the last value is whole), so the file is refused, naming that record's
    line; a header alone without its line end too (a name may be cut)."""
    table = INVOICES if records == 0 else CUSTOMERS  # an empty day is fine for invoices
    rows = [customer(n) for n in range(1, records + 1)] if records else []
    error = refused(table, encode(table, rows, "csv").removesuffix(b"\n"), "csv")
    assert error.line == records + 1 and "no line end" in error.problem


def test_a_jsonl_file_may_end_without_a_line_end_but_not_inside_an_object():
    """A JSON object's closing brace shows it complete; a cut object is invalid JSON."""
    whole = "\n".join([usage(1, "3"), usage(2, "4")])
    loaded, _ = accounted(FEATURE_USAGE, whole.encode(), "jsonl")
    assert loaded.frame["usage_count"].to_list() == ["3", "4"]
    error = refused(FEATURE_USAGE, whole[:-12].encode(), "jsonl")
    assert error.line == 2 and "cut short" in error.problem


# -- 2. required columns missing, and the case of names -----------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_another_tables_file_fails_naming_the_required_columns_it_lacks(fmt):
    """An invoices extract delivered as crm.customers: every row rejected and a green day
    before; a contract violation of the whole file now."""
    rows = [{name: "x" for name in INVOICES.columns()} | {"customer_id": "C0000001"}]
    error = refused(CUSTOMERS, encode(INVOICES, rows, fmt), fmt)
    assert error.line == (None if fmt == "parquet" else 1)
    # (invoices have updated_at; segment, tier and address columns a CRM may not keep)
    lacking = ["customer_name", "email", "status", "signup_date"]
    where = {"csv": "header lacks", "jsonl": "no record has", "parquet": "file lacks"}[fmt]
    assert error.problem.startswith(f"{where} required column(s) {', '.join(lacking)} of "
                                    "crm.customers"), error
    assert "phone" not in error.problem.split(";")[0]  # optional: may be left out


def deliver(table, rows: list[dict], fmt: str, names: dict[str, str]) -> bytes | pl.DataFrame:
    """``rows`` as a ``fmt`` file whose columns are spelled as ``names`` says."""
    if fmt == "csv":
        header = ",".join(names.get(name, name) for name in table.columns()) + "\n"
        return (header + "".join(csv_records([list(row.values()) for row in rows]))).encode()
    if fmt == "jsonl":
        return "".join(json.dumps({names.get(k, k): v for k, v in row.items()}) + "\n"
                       for row in rows).encode()
    return pl.DataFrame({names.get(name, name): pl.Series([row[name] for row in rows],
                                                          dtype=pl.String)
                         for name in table.columns()})


@pytest.mark.parametrize("fmt", FORMATS)
def test_column_names_match_ignoring_case(fmt):
    """``Email`` is ``email`` (as the warehouse compares names): the rows are read, kept in
    silver, and the bronze step names the columns it matched so."""
    names = {"email": "Email", "customer_id": "CUSTOMER_ID", "updated_at": "Updated_At"}
    loaded, result = accounted(CUSTOMERS, deliver(CUSTOMERS, [customer(1), customer(2)], fmt,
                                                  names), fmt)
    assert loaded.renamed_columns == {"CUSTOMER_ID": "customer_id", "Email": "email",
                                      "Updated_At": "updated_at"}
    assert loaded.missing_columns == [] and loaded.extra_columns == []
    assert result.silver["email"].to_list() == ["c1@mail.example", "c2@mail.example"]
    assert result.counts()["rejected_rows"] == 0


def test_json_keys_spelled_differently_in_two_records_are_one_column():
    lines = [json.dumps(customer(1)), json.dumps({k.upper(): v for k, v in customer(2).items()})]
    loaded, result = accounted(CUSTOMERS, "\n".join(lines).encode(), "jsonl")
    assert loaded.frame["customer_id"].to_list() == ["C0000001", "C0000002"]
    assert loaded.frame[DUPLICATE_KEYS].null_count() == 2
    assert result.silver.height == 2


def test_two_columns_differing_only_in_case_are_refused():
    frame = deliver(CUSTOMERS, [customer(1)], "parquet", {}).with_columns(
        pl.lit("x@mail.example").alias("EMAIL"))
    error = refused(CUSTOMERS, frame, "parquet")
    assert "column 15 ('EMAIL') repeats column 3" in error.problem


# -- 3. and 4. JSON Lines as delivered: numbers, repeated keys, extra keys ----------------


def test_json_numbers_keep_their_source_text_in_bronze_and_in_the_rejects():
    """One ``2.5`` once turned every other value of the column into ``N.0``; ``1.10`` became
    ``1.1`` and ``1e2`` ``100.0``, in bronze and in the rejected record."""
    counts = ["7", "2.5", "1.10", "1e2", "-0", "12345678901234567890123", '"8"', "null"]
    lines = [usage(n, count) for n, count in enumerate(counts, start=1)]
    loaded, result = accounted(FEATURE_USAGE, "\n".join(lines).encode(), "jsonl")
    assert loaded.frame["usage_count"].to_list() == [
        "7", "2.5", "1.10", "1e2", "-0", "12345678901234567890123", "8", None]
    rejected = {row["source_row"]: json.loads(row["record"])["usage_count"]
                for row in result.rejects.iter_rows(named=True)}
    # 2.5 and 1.10 are not whole; -0 and the huge one are out of range; null is required
    assert rejected == {2: "2.5", 3: "1.10", 5: "-0", 6: "12345678901234567890123", 8: None}
    assert result.silver.sort("_source_row")["usage_count"].to_list() == [7, 100, 8]


def test_json_values_that_are_not_strings_keep_their_json_text():
    line = ('{"meeting_id": "M0000000001", "feature_name": "Chat", "usage_count": 3, '
            '"usage_date": "2026-03-02", "flags": [1.50, true, null], '
            '"meta": {"b": 1e2, "a": "é"}, "ok": false}')
    loaded, _ = accounted(FEATURE_USAGE, line.encode(), "jsonl")
    extras = json.loads(loaded.frame["_extra_columns"][0])
    assert extras == {"flags": "[1.50, true, null]", "meta": '{"b": 1e2, "a": "é"}',
                      "ok": "false"}


@pytest.mark.parametrize("again", ["usage_count", "USAGE_COUNT"])
def test_a_repeated_json_key_keeps_the_row_whole_and_rejects_it_naming_the_key(again):
    """``{"usage_count":111,"usage_count":6}`` once kept 6 without a word."""
    line = usage(2, "111").replace('"usage_count": 111', f'"usage_count": 111, "{again}": 6')
    loaded, result = accounted(FEATURE_USAGE, "\n".join([usage(1, "5"), line]).encode(),
                               "jsonl")
    bronze = loaded.frame.row(1, named=True)
    assert bronze["usage_count"] == "6"
    assert json.loads(bronze[DUPLICATE_KEYS]) == {"usage_count": ["111", "6"]}
    assert result.silver["_source_row"].to_list() == [1]
    reject = result.rejects.row(0, named=True)
    assert (reject["source_row"], reject["error_type"], reject["error_rule"]) == (
        2, "Validation", "duplicate_json_key(usage_count)")
    assert reject["error_description"] == \
        """usage_count='["111", "6"]' breaks duplicate_json_key(usage_count)"""
    assert json.loads(json.loads(reject["record"])[DUPLICATE_KEYS]) == {
        "usage_count": ["111", "6"]}


def test_an_extra_key_in_one_json_record_is_that_records_only():
    """One line with a key the contract lacks once gave every row ``{"legacy": null}``."""
    lines = [usage(1, "3"), usage(2, "4")[:-1] + ', "legacy": "x"}',
             usage(3, "5")[:-1] + ', "legacy": null}']
    loaded, _ = accounted(FEATURE_USAGE, "\n".join(lines).encode(), "jsonl")
    assert loaded.frame["_extra_columns"].to_list() == [
        None, '{"legacy":"x"}', '{"legacy":null}']


# -- 5. timestamps --------------------------------------------------------------------------


@pytest.mark.parametrize(("delivered", "stored"), [
    ("2026-03-02T15:57:35", dt.datetime(2026, 3, 2, 15, 57, 35)),
    ("2026-03-02 15:57:35.5", dt.datetime(2026, 3, 2, 15, 57, 35, 500000)),
    ("2026-03-02T15:57", dt.datetime(2026, 3, 2, 15, 57)),
    ("2026-03-02T10:00:00Z", dt.datetime(2026, 3, 2, 10)),
    ("2026-03-02T10:00:00+02:00", dt.datetime(2026, 3, 2, 8)),
    ("2026-03-02T01:00:00.25-05:30", dt.datetime(2026, 3, 2, 6, 30, 0, 250000)),
    ("2026-03-02T00:30:00+01", dt.datetime(2026, 3, 1, 23, 30)),
    ("2026-03-02T15:57:3", None),  # a lenient parser read 15:57:03
    ("2026-03-02T1:2:3", None),  # and 01:02:03
    ("2026-3-2T10:00:00", None),
    ("2026-03-02T24:00:00", None),
    ("2026-03-02T23:59:60", None),  # a leap second: the next day, to a lenient parser
    ("2026-03-02T10:00:00+0200", None),  # a basic-format offset in an extended time
    ("02/03/2026 10:00", None),
])
def test_timestamps_are_iso_8601_converted_to_utc_or_a_type_error(delivered, stored):
    result = clean(bronze_of(CUSTOMERS, [customer(1, updated_at=delivered)]), CUSTOMERS)
    if stored is not None:
        assert result.silver["updated_at"].to_list() == [stored]
        return
    reject = result.rejects.row(0, named=True)
    assert reject["error_rule"].startswith("type(Datetime")
    assert reject["error_description"].startswith(f"updated_at='{delivered}' breaks type(")


# -- 6. messages that point the right way -------------------------------------------------


def _csv_text() -> str:
    return encode(CUSTOMERS, [customer(1)], "csv").decode()


def _parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    deliver(CUSTOMERS, [customer(1)], "parquet", {}).write_parquet(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(("content", "named"), [
    (_parquet_bytes, "a Parquet file"),
    (lambda: gzip.compress(_csv_text().encode()), "gzip-compressed data"),
    (lambda: _csv_text().encode("utf-16"), "UTF-16 text"),
    (lambda: _csv_text().encode("utf-16-le"), "UTF-16 text (little-endian"),
    (lambda: _csv_text().encode("utf-16-be"), "UTF-16 text (big-endian"),
])
def test_another_format_under_a_text_name_is_named_by_its_magic_bytes(fmt, content, named):
    """It once said "not UTF-8"; the sender needs to hear what they actually sent."""
    error = refused(CUSTOMERS, content(), fmt)
    assert error.line == 1 and error.problem.startswith(named), error
    assert "not UTF-8" not in error.problem


def test_compressed_data_under_a_parquet_name_is_named():
    error = refused(CUSTOMERS, gzip.compress(_parquet_bytes()), "parquet")
    assert error.problem.startswith("gzip-compressed data, not a Parquet file")


def test_ragged_rows_are_counted_as_records_not_cells():
    """Three short rows missing 12 fields each were "35 more problems"."""
    header, first = _csv_text().splitlines()
    short = first.split(",")[0] + ",x\n"
    data = f"{header}\n{first}\n{short}{first}\n{short}{short}".encode()
    error = refused(CUSTOMERS, data, "csv")
    assert error.line == 3 and error.problem.endswith("(2 more bad record(s) after it)")


# -- 7. empty deliveries ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_bytes_of_an_empty_incremental_day_fail_under_a_snapshots_name(fmt):
    """0 bytes are a day without records for an incremental JSON Lines table; a snapshot is
    the whole current state, never nothing, so the same bytes fail it in every format."""
    empty_day = source_table("billing.billing_events")  # incremental
    assert empty_day.extract == "incremental" and CUSTOMERS.extract == "snapshot"
    with landed(empty_day, b"", "jsonl") as path:
        assert load(empty_day, path).frame.height == 0
    for content in (b"", b"\xef\xbb\xbf")[:1 if fmt == "parquet" else 2]:  # a text file's
        error = refused(CUSTOMERS, content, fmt)  # byte-order mark alone is empty too
        assert ("no records" if fmt == "jsonl" else "file is empty") in error.problem
