"""Loading history: one extract spanning many days becomes the daily landing files a company
would have delivered, each day reading in bronze exactly as the day delivered on its own; a
bad extract is refused whole with file, line and rule, and nothing is written."""

import dataclasses
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from customer_platform.bronze.landing import LandingFileError, read_landing_file, to_bronze
from customer_platform.contracts import source_table
from customer_platform.generator import DirtConfig, days_between, generate, generated_tables
from customer_platform.tools.cli import main
from customer_platform.tools.history_import import ImportRefused, import_history

START, END = dt.date(2026, 1, 1), dt.date(2026, 1, 6)
#: Dirty as generated (duplicates, odd spellings, bad emails and amounts), but every row on the
#: day of its event and every file with the same columns: what one history extract can hold.
HISTORY_DIRT = dataclasses.replace(DirtConfig(), late_rate=0, null_rate=0,
                                   missing_column_chance=0, extra_column_chance=0)
ORDERS = source_table("commerce.orders")
CUSTOMERS = source_table("crm.customers")
CUSTOMERS_HEADER = ("customer_id,customer_name,email,phone,customer_segment,customer_tier,status,"
                    "address_line,city,state,country,region,signup_date,updated_at")


def _bronze_rows(table, path: Path) -> pl.DataFrame:
    """A landing file's rows as the bronze asset reads them: the contract columns, as text."""
    landing = to_bronze(table, path, path.parent, START, dt.datetime(2026, 1, 1))
    return landing.frame.select(*table.columns(), "_extra_columns")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """Six days of a 10,000-customer company's orders and tickets, as delivered day by day."""
    root = tmp_path_factory.mktemp("generated")
    generate(root, START, END, customers=10_000, seed=3, dirt=HISTORY_DIRT,
             tables=[ORDERS, source_table("commerce.order_lines"),
                     source_table("support.tickets")])
    return root


def _history(generated: Path, table, fmt: str, out: Path) -> Path:
    """The six days concatenated into one extract: the days' own bytes for the table's format,
    else the text bronze reads from them (Parquet: the days' tables, types kept)."""
    paths = [table.landing_path(generated, day) for day in days_between(START, END)]
    target = out / f"history.{fmt}"
    if fmt == table.file_format == "parquet":
        pq.write_table(pa.concat_tables(pq.read_table(p) for p in paths), target)
    elif fmt == table.file_format == "csv":
        header, *_ = paths[0].read_text().splitlines(keepends=True)
        target.write_text(header + "".join(p.read_text().removeprefix(header) for p in paths))
    elif fmt == table.file_format:
        target.write_bytes(b"".join(p.read_bytes() for p in paths))
    else:
        frame = pl.concat([read_landing_file(p) for p in paths], how="diagonal")
        {"csv": frame.write_csv, "jsonl": frame.write_ndjson,
         "parquet": frame.write_parquet}[fmt](target)
    return target


@pytest.mark.parametrize(("name", "fmt"), [
    ("commerce.orders", "jsonl"),  # the table's own format: lines cut as delivered
    ("commerce.orders", "csv"),  # another format: written as the text bronze read
    ("commerce.orders", "parquet"),
    ("commerce.order_lines", "parquet"),  # its own: Parquet rows sliced, types kept
    ("support.tickets", "csv"),  # its own, CSV records cut as delivered; event date a timestamp
])
def test_each_day_reads_as_the_day_delivered_on_its_own(generated, tmp_path, name, fmt):
    table = source_table(name)
    extract = _history(generated, table, fmt, tmp_path)
    stats = import_history(table, extract, tmp_path / "landing", start=START, end=END)
    days = days_between(START, END)
    original = {day: _bronze_rows(table, table.landing_path(generated, day)) for day in days}
    assert stats.rows == stats.rows_written == sum(frame.height for frame in original.values())
    assert (stats.days, stats.files, stats.first_day, stats.last_day) == (6, 6, START, END)
    assert stats.rows > 6
    for day in days:
        imported = table.landing_path(tmp_path / "landing", day)
        assert imported.suffix == f".{table.file_format}"
        assert_frame_equal(_bronze_rows(table, imported), original[day])
        if fmt == table.file_format != "parquet":  # cut as delivered: the very bytes
            assert imported.read_bytes() == table.landing_path(generated, day).read_bytes()
    # same extract, same files, byte for byte
    again = import_history(table, extract, tmp_path / "again", start=START, end=END)
    assert again.files == stats.files
    for day in days:
        assert table.landing_path(tmp_path / "again", day).read_bytes() == \
            table.landing_path(tmp_path / "landing", day).read_bytes()


def _orders_csv(path: Path, rows: list[str]) -> Path:
    header = ("order_id,customer_id,order_date,order_status,order_channel,total_amount,"
              "currency,updated_at\n")
    path.write_text(header + "".join(row + "\n" for row in rows))
    return path


ORDER_ROWS = [
    "ORD000000001,C0000001,2026-01-01,Completed,Online,10.50,USD,2026-01-01T10:00:00",
    'ORD000000002,C0000002,2026-01-01,Completed,"Partner, EMEA",20,USD,2026-01-01T11:00:00',
    "ORD000000003,C0000003,2026-01-02,Completed,Online,30,USD,2026-01-02T09:00:00",
]


@pytest.mark.parametrize(("bad", "line", "rule"), [
    ("ORD000000004,C0000004,2026-02-30,Completed,Online,1,USD,2026-02-28T09:00:00", 5,
     "order_date is '2026-02-30', not an ISO 8601 date or timestamp (rule type(Date))"),
    ("ORD000000004,C0000004,,Completed,Online,1,USD,2026-01-02T09:00:00", 5,
     "order_date is empty (rule not_nullable)"),
    ("ORD000000004,C0000004,2026-01-02,Completed,Online,ten,USD,2026-01-02T09:00:00", 5,
     "total_amount='ten' breaks type(Float64)"),
    ("ORD000000004,C0000004,2026-01-02,Completed,Online,1,USD,2026-01-02 25:00", 5,
     "updated_at='2026-01-02 25:00' breaks type(Datetime"),
    ("ORD000000004,C0000004,2026-01-02,Completed,Online,1,USD", 5,
     "missing columns: Expected Number of Columns: 8 Found: 7"),
])
def test_a_bad_row_refuses_the_whole_extract_and_writes_nothing(tmp_path, bad, line, rule):
    extract = _orders_csv(tmp_path / "orders.csv", [*ORDER_ROWS, bad, ORDER_ROWS[0]])
    with pytest.raises(LandingFileError) as refused:
        import_history(ORDERS, extract, tmp_path / "landing")
    message = str(refused.value)
    assert message.startswith(f"{extract}, line {line}: "), message
    assert rule in message and "nothing was written" in message
    assert "\n" not in message
    assert not (tmp_path / "landing").exists()


def test_lines_are_counted_as_in_the_file(tmp_path):
    """A JSON Lines extract with blank lines, and a CSV value holding a line break: the error
    names the line a person opens, not the record number."""
    jsonl = tmp_path / "orders.jsonl"
    good = ('{"order_id":"ORD000000001","customer_id":"C0000001","order_date":"2026-01-01",'
            '"order_status":"Completed","total_amount":1,"currency":"USD",'
            '"updated_at":"2026-01-01T10:00:00"}')
    jsonl.write_text(f"{good}\n\n\n{good.replace('2026-01-01', 'yesterday', 1)}\n")
    with pytest.raises(LandingFileError, match=r"orders\.jsonl, line 4: order_date is "
                       r"'yesterday'"):
        import_history(ORDERS, jsonl, tmp_path / "landing")
    csv = _orders_csv(tmp_path / "orders.csv", [
        'ORD000000001,C0000001,2026-01-01,Completed,"On\nline",1,USD,2026-01-01T10:00:00',
        "ORD000000002,C0000001,2026-01-01,Completed,Online,-,USD,2026-01-01T10:00:00"])
    with pytest.raises(LandingFileError, match=r"orders\.csv, line 4: total_amount='-'"):
        import_history(ORDERS, csv, tmp_path / "landing")
    assert not (tmp_path / "landing").exists()


def test_a_cut_off_extract_is_refused_as_bronze_refuses_it(tmp_path):
    extract = _orders_csv(tmp_path / "orders.csv", ORDER_ROWS)
    extract.write_bytes(extract.read_bytes()[:-4])  # cut inside the last timestamp
    with pytest.raises(LandingFileError, match=r"orders\.csv, line 4: .*cut short in transfer"):
        import_history(ORDERS, extract, tmp_path / "landing")
    assert not (tmp_path / "landing").exists()


def test_days_that_exist_are_refused_unless_replaced(tmp_path):
    extract = _orders_csv(tmp_path / "orders.csv", ORDER_ROWS)
    root = tmp_path / "landing"
    there = ORDERS.landing_path(root, dt.date(2026, 1, 2), "csv")  # delivered in another format
    there.parent.mkdir(parents=True)
    there.write_text("delivered before\n")
    with pytest.raises(ImportRefused, match=r"commerce\.orders already has landing files under "
                       r".* for 1 of the 2 days \(2026-01-02\): pass --replace"):
        import_history(ORDERS, extract, root)
    assert sorted(p.name for p in there.parent.iterdir()) == ["2026-01-02.csv"]
    stats = import_history(ORDERS, extract, root, replace=True)
    assert stats.files == 2
    assert sorted(p.name for p in there.parent.iterdir()) == ["2026-01-01.jsonl",
                                                              "2026-01-02.jsonl"]
    rows = read_landing_file(ORDERS.landing_path(root, dt.date(2026, 1, 1)))
    assert rows.get_column("order_channel").to_list() == ["Online", "Partner, EMEA"]
    assert rows.get_column("total_amount").to_list() == ["10.50", "20"]  # as delivered


def test_rows_outside_the_window_are_refused(tmp_path):
    extract = _orders_csv(tmp_path / "orders.csv", ORDER_ROWS)
    with pytest.raises(ImportRefused, match=r"orders\.csv, line 4: order_date 2026-01-02 is "
                       r"outside --start 2026-01-01 \.\. --end 2026-01-01"):
        import_history(ORDERS, extract, tmp_path / "landing", end=dt.date(2026, 1, 1))
    stats = import_history(ORDERS, extract, tmp_path / "landing", end=dt.date(2026, 1, 4))
    assert stats.days == 4 and stats.rows_written == 3
    empty = ORDERS.landing_path(tmp_path / "landing", dt.date(2026, 1, 4))
    assert empty.read_bytes() == b""  # a day without records: a 0-byte JSON Lines file


def _customer(number: int, name: str, updated_at: str, tier: str = "Gold") -> str:
    return (f"C000000{number},{name},c{number}@example.com,,SMB,{tier},Active,,Oslo,Oslo,NO,"
            f"EMEA,2025-12-01,{updated_at}\r\n")


def test_a_change_history_gives_the_daily_snapshots_it_implies(tmp_path):
    """Each day holds the latest version of every customer changed by then; versions of one
    instant: the earliest line; times with an offset count on their UTC day. Rows keep their
    bytes (CRLF, a quoted comma and line break)."""
    v1 = _customer(1, "Ann", "2026-01-01T10:00:00")
    w1 = _customer(2, '"Bo, ""B""\r\nLtd"', "2026-01-02T09:00:00")
    v2 = _customer(1, "Ann", "2026-01-03T08:00:00", tier="Platinum")
    v3 = _customer(1, "Ann", "2026-01-03T07:00:00", tier="Silver")  # earlier that day
    w2 = _customer(2, "Bo Ltd", "2026-01-04T01:00:00+02:00")  # 2026-01-03 23:00 UTC
    v4 = _customer(1, "Ann Again", "2026-01-03T08:00:00")  # same instant as v2, a later line
    header = CUSTOMERS_HEADER + "\r\n"
    extract = tmp_path / "customers.csv"
    extract.write_text(header + v1 + w1 + v2 + v3 + w2 + v4, newline="")
    root = tmp_path / "landing"
    stats = import_history(CUSTOMERS, extract, root, end=dt.date(2026, 1, 4))
    expected = {
        dt.date(2026, 1, 1): v1,
        dt.date(2026, 1, 2): v1 + w1,
        dt.date(2026, 1, 3): v2 + w2,
        dt.date(2026, 1, 4): v2 + w2,
    }
    assert {day: CUSTOMERS.landing_path(root, day).read_bytes().decode()
            for day in expected} == {day: header + rows for day, rows in expected.items()}
    assert (stats.rows, stats.days, stats.rows_written) == (6, 4, 7)
    day_two = read_landing_file(CUSTOMERS.landing_path(root, dt.date(2026, 1, 2)))
    assert day_two.get_column("customer_name").to_list() == ["Ann", 'Bo, "B"\r\nLtd']

    # a later --start folds the earlier versions into its snapshot; an earlier one is empty
    later = import_history(CUSTOMERS, extract, tmp_path / "later", start=dt.date(2026, 1, 2))
    assert later.days == 2
    assert CUSTOMERS.landing_path(tmp_path / "later", dt.date(2026, 1, 2)).read_bytes() \
        .decode() == header + v1 + w1
    with pytest.raises(ImportRefused, match="before the first change"):
        import_history(CUSTOMERS, extract, tmp_path / "early", start=dt.date(2025, 12, 31))


def test_a_current_snapshot_is_one_day(tmp_path):
    rows = (_customer(1, "Ann", "2026-01-01T10:00:00")
            + _customer(2, "Bo", "2026-01-03T10:00:00"))
    extract = tmp_path / "customers.txt"
    extract.write_text(CUSTOMERS_HEADER + "\r\n" + rows, newline="")
    stats = import_history(CUSTOMERS, extract, tmp_path / "landing", "csv", current=True)
    assert (stats.days, stats.first_day, stats.rows_written) == (1, dt.date(2026, 1, 3), 2)
    written = CUSTOMERS.landing_path(tmp_path / "landing", dt.date(2026, 1, 3))
    assert written.read_bytes() == extract.read_bytes()
    with pytest.raises(ImportRefused, match=r"customers\.txt, line 3: updated_at 2026-01-03 is "
                       "outside"):
        import_history(CUSTOMERS, extract, tmp_path / "other", "csv", day=dt.date(2026, 1, 2))
    with pytest.raises(ImportRefused, match="--start and --end are for a history"):
        import_history(CUSTOMERS, extract, tmp_path / "other", "csv", current=True,
                       start=dt.date(2026, 1, 1))
    assert not (tmp_path / "other").exists()


def test_generate_systems_writes_only_those_tables_as_a_full_generation(tmp_path):
    day = dt.date(2026, 1, 5)
    generate(tmp_path / "full", day, day, customers=30, seed=5)
    code = main(["generate", "--systems", "crm,catalogue.products", "--start", str(day),
                 "--end", str(day), "--customers", "30", "--seed", "5",
                 "--landing-root", str(tmp_path / "some")])
    assert code == 0
    chosen = [t for t in generated_tables()
              if t.system == "crm" or t.qualified_name == "catalogue.products"]
    written = sorted(p.relative_to(tmp_path / "some")
                     for p in (tmp_path / "some").rglob("*") if p.is_file())
    assert written == sorted(t.landing_path(Path(), day) for t in chosen)
    for path in written:
        assert (tmp_path / "some" / path).read_bytes() == (tmp_path / "full" / path).read_bytes()


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUSTOMER_PLATFORM_DATA": str(tmp_path / "data"), "COLUMNS": "300"}
    for name in ("CUSTOMER_PLATFORM_LANDING_ROOT", "CUSTOMER_PLATFORM_SOURCES"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "customer_platform.tools.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_command_prints_its_figures_and_names_unknown_tables(tmp_path):
    extract = _orders_csv(tmp_path / "orders.csv", ORDER_ROWS)
    done = _cli(tmp_path, "import", "commerce.orders", str(extract),
                "--landing-root", str(tmp_path / "landing"))
    assert done.returncode == 0, done.stderr
    figures = re.search(r"imported 3 rows of commerce\.orders into 2 days \(2026-01-01 \.\. "
                        r"2026-01-02\): 2 files, 3 rows written to \S+ in [\d.]+ s "
                        r"\([\d,]+ rows/s\)", done.stderr)
    assert figures, done.stderr
    again = _cli(tmp_path, "import", "commerce.orders", str(extract),
                 "--landing-root", str(tmp_path / "landing"))
    assert again.returncode == 1 and "pass --replace" in again.stderr
    unknown = _cli(tmp_path, "import", "commerce.order", str(extract))
    assert unknown.returncode == 2
    errors = [line for line in unknown.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "'commerce.order' is not a declared source table" in errors[0]
    assert "commerce.orders" in errors[0] and "crm.customers" in errors[0]
    systems = _cli(tmp_path, "generate", "--systems", "crm,shop", "--landing-root",
                   str(tmp_path / "generated"))
    assert systems.returncode == 2 and "--systems: unknown source 'shop'" in systems.stderr
    assert not (tmp_path / "generated").exists()
