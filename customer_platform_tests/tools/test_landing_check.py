"""Checking a landing zone before loading it: the days a scheduled load would fail on (a table
missing for a day, a file bronze refuses) fail the check; rows silver would reject are counted
by rule, with the rows and lines to open, and do not fail it. Expected figures are read off the
files the tests write, never off the checker."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from customer_platform.contracts import SOURCE_TABLES, source_table
from customer_platform.contracts.crm import EMAIL_PATTERN
from customer_platform.generator import CLEAN, generate
from customer_platform.tools.cli import main
from customer_platform.tools.landing_check import check_landing

DAYS = [dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)]
START, END = DAYS[0], DAYS[-1]
CUSTOMERS = source_table("crm.customers")
ARTICLES = source_table("support.kb_articles")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """Three days of clean extracts of every source table, 30 customers."""
    root = tmp_path_factory.mktemp("landing")
    generate(root, START, END, customers=30, seed=11, dirt=CLEAN)
    return root


@pytest.fixture
def landing(generated, tmp_path) -> Path:
    """A copy of the generated landing zone for a test to break."""
    return Path(shutil.copytree(generated, tmp_path / "landing"))


def _records_in(path: Path) -> int:
    """Records in a landing file, counted from its bytes: CSV lines less the header, JSON
    Lines non-blank lines, Parquet rows from its footer."""
    if path.suffix == ".csv":
        return path.read_bytes().count(b"\n") - 1
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text().split("\n") if line.strip())
    return pq.ParquetFile(path).metadata.num_rows


def _run_json(capsys, *args: str) -> tuple[int, dict]:
    status = main(["check-landing", "--start", str(START), "--end", str(END), *args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def _table(report: dict, name: str) -> dict:
    return next(t for t in report["tables"] if t["table"] == name)


def _customers_frame(landing: Path, day: dt.date) -> pl.DataFrame:
    return pl.read_csv(CUSTOMERS.landing_path(landing, day), infer_schema=False)


def test_a_clean_range_loads_and_counts_every_record(landing, capsys):
    check = check_landing(landing, START, END, SOURCE_TABLES)
    assert check.ok, check.verdict()
    assert [t.table for t in check.tables] == list(SOURCE_TABLES)
    for table in check.tables:
        source = table.table
        files = [source.landing_path(landing, day) for day in DAYS]
        assert table.days_present == DAYS and table.days_missing == []
        assert table.formats == {source.file_format: 3}
        assert table.refused == [] and table.header_problems == [] and table.rejects == {}
        assert table.unexpected_files == []
        expected = sum(_records_in(path) for path in files)
        assert table.bronze_rows == expected, source.qualified_name
        assert table.silver_rows == expected  # clean extracts: nothing rejected
    assert sum(t.bronze_rows for t in check.tables) > 0
    status, report = _run_json(capsys, "--landing-root", str(landing))
    assert status == 0 and report["ok"] is True and report["failed_days"] == {}
    assert len(report["tables"]) == len(SOURCE_TABLES)
    assert report["verdict"].startswith("OK: every day would load (3 day(s) x 26 table(s)")


def test_a_missing_table_day_fails_that_day(landing, capsys):
    CUSTOMERS.landing_path(landing, DAYS[1]).unlink()
    status, report = _run_json(capsys, "--landing-root", str(landing))
    assert status == 1 and report["ok"] is False
    assert report["failed_days"] == {"2026-03-03": ["crm.customers: missing"]}
    customers = _table(report, "crm.customers")
    assert customers["days_missing"] == ["2026-03-03"]
    assert customers["days_present"] == ["2026-03-02", "2026-03-04"]
    assert customers["formats"] == {"csv": 2}
    # the terminal: a table per declared table and the one-line verdict
    status = main(["check-landing", "--start", str(START), "--end", str(END),
                   "--landing-root", str(landing)])
    out = capsys.readouterr().out
    assert status == 1
    assert "crm.customers" in out and "missing 2026-03-03" in out
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("FAIL: 1 of 3 day(s) would not load: 2026-03-03 (crm.customers: "
                              "missing)")


def test_header_problems_and_a_missing_required_column(landing):
    # day 1 without email (required): refused; day 2 without phone (optional); day 3 with
    # City for city and a column the contract does not know
    _customers_frame(landing, DAYS[0]).drop("email").write_csv(
        CUSTOMERS.landing_path(landing, DAYS[0]))
    _customers_frame(landing, DAYS[1]).drop("phone").write_csv(
        CUSTOMERS.landing_path(landing, DAYS[1]))
    third = _customers_frame(landing, DAYS[2])
    third.rename({"city": "City"}).with_columns(pl.lit("gold").alias("loyalty_tier")).write_csv(
        CUSTOMERS.landing_path(landing, DAYS[2]))

    check = check_landing(landing, START, END, [CUSTOMERS])
    (table,) = check.tables
    assert not check.ok and list(check.failed_days) == [DAYS[0]]
    (refused,) = table.refused
    assert refused["file"] == "crm/customers/2026-03-02.csv" and refused["line"] == 1
    assert "required column(s) email of crm.customers" in refused["problem"]
    assert table.header_problems == [
        {"day": DAYS[0], "file": "crm/customers/2026-03-02.csv", "missing_required": ["email"]},
        {"day": DAYS[1], "file": "crm/customers/2026-03-03.csv", "missing_optional": ["phone"],
         "extra": [], "renamed": {}},
        {"day": DAYS[2], "file": "crm/customers/2026-03-04.csv", "missing_optional": [],
         "extra": ["loyalty_tier"], "renamed": {"City": "city"}},
    ]
    # the refused day's rows are not read; the other two days load whole
    assert table.bronze_rows == third.height + _customers_frame(landing, DAYS[1]).height
    assert table.rejected_rows == 0


def test_a_cut_off_csv_is_refused_at_its_last_line(landing):
    path = CUSTOMERS.landing_path(landing, DAYS[1])
    data = path.read_bytes()
    last_line = data.count(b"\n")  # every line ends with one: the last record's line
    path.write_bytes(data[:-1])

    check = check_landing(landing, START, END, [CUSTOMERS])
    assert list(check.failed_days) == [DAYS[1]]
    (refused,) = check.tables[0].refused
    assert refused["file"] == "crm/customers/2026-03-03.csv"
    assert refused["line"] == last_line
    assert "no line end" in refused["problem"]


def test_rows_breaking_a_rule_are_counted_with_their_rows_and_lines(landing, capsys):
    # crm.customers, day 1: a name holding a line break in record 2 (lines 3-4), so record n
    # (n > 2) starts on line n + 2; emails that are not emails in records 3 and 7
    frame = _customers_frame(landing, DAYS[0])
    names = frame["customer_name"].to_list()
    emails = frame["email"].to_list()
    names[1] = "Ann\nLee"
    emails[2] = emails[6] = "not-an-email"
    frame.with_columns(pl.Series("customer_name", names), pl.Series("email", emails)).write_csv(
        CUSTOMERS.landing_path(landing, DAYS[0]))
    # support.kb_articles (JSON Lines), day 2: a blank line after line 2, version 0 (the
    # contract says at least 1) in records 4 and 10, so on lines 5 and 11
    path = ARTICLES.landing_path(landing, DAYS[1])
    lines = path.read_text().splitlines()
    for index in (3, 9):
        record = json.loads(lines[index])
        record["version_number"] = 0
        lines[index] = json.dumps(record)
    path.write_text("\n".join([*lines[:2], "", *lines[2:]]) + "\n")

    status, report = _run_json(capsys, "--landing-root", str(landing))
    assert status == 0 and report["ok"] is True  # rejected rows alone do not fail a day
    customers = _table(report, "crm.customers")
    assert customers["rows"]["rejected"] == 2
    assert customers["rejects_by_rule"] == [{
        "rule": f"str_matches('{EMAIL_PATTERN}')", "disposition": "rejected", "rows": 2,
        "columns": ["email"],
        "first": [{"day": "2026-03-02", "file": "crm/customers/2026-03-02.csv", "row": 3,
                   "line": 5},
                  {"day": "2026-03-02", "file": "crm/customers/2026-03-02.csv", "row": 7,
                   "line": 9}]}]
    articles = _table(report, "support.kb_articles")
    assert articles["rows"]["rejected"] == 2
    (rule,) = articles["rejects_by_rule"]
    assert rule["rule"] == "greater_than_or_equal_to(1)" and rule["columns"] == ["version_number"]
    assert [(item["row"], item["line"]) for item in rule["first"]] == [(4, 5), (10, 11)]
    # no value reaches the report: a rejected row's values may be personal data
    assert "not-an-email" not in json.dumps(report)


def test_formats_unexpected_files_and_two_formats_for_a_day(landing):
    folder = landing / "crm" / "customers"
    third = _customers_frame(landing, DAYS[2])
    CUSTOMERS.landing_path(landing, DAYS[2]).unlink()
    third.write_ndjson(CUSTOMERS.landing_path(landing, DAYS[2], "jsonl"))  # another format
    (folder / "2026-03-03.xlsx").write_bytes(b"PK\x03\x04")  # bronze never reads it
    (folder / "2026-04-01.xlsx").write_bytes(b"PK\x03\x04")  # outside the range
    _customers_frame(landing, DAYS[0]).write_parquet(  # a second file for day 1
        CUSTOMERS.landing_path(landing, DAYS[0], "parquet"))

    check = check_landing(landing, START, END, [CUSTOMERS])
    (table,) = check.tables
    assert table.formats == {"csv": 2, "parquet": 1, "jsonl": 1}
    assert table.unexpected_files == ["crm/customers/2026-03-03.xlsx"]
    assert list(check.failed_days) == [DAYS[0]]
    (refused,) = table.refused
    assert refused["problem"].startswith("ambiguous landing files for crm.customers on "
                                         "2026-03-02: 2026-03-02.csv, 2026-03-02.parquet")
    assert table.bronze_rows == third.height + _customers_frame(landing, DAYS[1]).height


def test_only_the_declared_tables_are_checked(landing, capsys):
    # another system's day is missing: a deployment that does not deliver it loads fine
    ARTICLES.landing_path(landing, DAYS[0]).unlink()
    check = check_landing(landing, START, END, [CUSTOMERS])
    assert check.ok and [t.table.qualified_name for t in check.tables] == ["crm.customers"]

    env = {**os.environ, "CUSTOMER_PLATFORM_SOURCES": "crm,billing.invoices", "COLUMNS": "200"}
    env.pop("CUSTOMER_PLATFORM_LANDING_ROOT", None)
    done = subprocess.run(
        [sys.executable, "-m", "customer_platform.tools.cli", "check-landing", "--start",
         str(START), "--end", str(END), "--landing-root", str(landing), "--json"],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [t["table"] for t in report["tables"]] == [
        "crm.customers", "crm.account_hierarchy", "crm.opportunities", "crm.sales_quota_plan",
        "billing.invoices"]
    env["CUSTOMER_PLATFORM_SOURCES"] = "support"
    done = subprocess.run(
        [sys.executable, "-m", "customer_platform.tools.cli", "check-landing", "--start",
         str(START), "--end", str(END), "--landing-root", str(landing)],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "FAIL: 1 of 3 day(s) would not load: 2026-03-02 (support.kb_articles: missing)" \
        in done.stdout


def test_a_landing_root_that_is_not_there_is_one_line(tmp_path, capsys):
    status = main(["check-landing", "--start", str(START), "--end", str(END),
                   "--landing-root", str(tmp_path / "nowhere")])
    assert status == 1
    err = " ".join(capsys.readouterr().err.split())  # the terminal may wrap the line
    assert err.startswith("error: landing root ") and "nowhere is not a folder" in err
    assert "Traceback" not in err
