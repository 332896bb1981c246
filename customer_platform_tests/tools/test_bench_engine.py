"""The bare-engine baseline reads exactly the day's landing files the platform loads, and its
clean keeps one row per key of them."""

import datetime as dt

import polars as pl

from customer_platform.contracts import source_table
from customer_platform.generator import generate
from customer_platform.tools.bench_engine import baseline, clean_bare

DAY = dt.date(2026, 1, 20)


def test_the_baseline_reads_every_row_of_the_days_files(tmp_path):
    stats = generate(tmp_path, DAY, DAY, customers=40, seed=3)
    engine = baseline(tmp_path, DAY)
    assert engine["rows"] == stats.rows > 0
    assert 0 < engine["cleaned_rows"] <= engine["rows"]
    assert engine["read_rows_per_s"] > 0 and engine["clean_rows_per_s"] > 0


def test_the_bare_clean_types_keys_and_dedupes_without_rejecting():
    table = source_table("crm.customers")
    text = {name: [" x "] * 3 for name in table.columns()}
    text.update(customer_id=["C0000001", "C0000001", None], signup_date=["2026-01-02", "bad", ""])
    cleaned = clean_bare(pl.DataFrame(text), table)
    assert cleaned["customer_id"].to_list() == ["C0000001"]  # the empty key dropped, one kept
    assert cleaned["signup_date"].to_list() == [dt.date(2026, 1, 2)]
    assert cleaned["customer_name"].to_list() == ["x"]
