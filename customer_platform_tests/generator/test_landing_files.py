"""The landing zone the generator writes: byte-identical per seed and day, days independent,
every source table present, and dirty at the configured rates."""

import dataclasses
import datetime as dt
import hashlib

import polars as pl
import pytest

from customer_platform.bronze.landing import read_landing_file
from customer_platform.contracts import SOURCE_TABLES, source_table
from customer_platform.generator import CLEAN, generate, generated_tables
from customer_platform.generator.dirt import apply_dirt
from customer_platform.generator.randomness import day_number, rng
from customer_platform.generator.registry import GENERATORS, conform
from customer_platform.generator.world import build_world
from customer_platform.tools.cli import main

D1, D2, D3 = dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)


def digests(root, day):
    return {t.qualified_name: hashlib.sha256(t.landing_path(root, day).read_bytes()).hexdigest()
            for t in generated_tables()}


def test_every_source_table_has_a_generator():
    assert {t.qualified_name for t in generated_tables()} == {
        t.qualified_name for t in SOURCE_TABLES}


def test_same_seed_and_day_give_byte_identical_files_whatever_else_is_generated(tmp_path):
    generate(tmp_path / "range", D1, D3, customers=300, seed=9)
    generate(tmp_path / "alone", D2, D2, customers=300, seed=9)
    assert digests(tmp_path / "range", D2) == digests(tmp_path / "alone", D2)
    assert not (tmp_path / "alone" / "crm" / "customers" / f"{D1}.csv").exists()


def test_another_seed_gives_other_data(tmp_path):
    generate(tmp_path / "a", D2, D2, customers=300, seed=9)
    generate(tmp_path / "b", D2, D2, customers=300, seed=10)
    a, b = digests(tmp_path / "a", D2), digests(tmp_path / "b", D2)
    assert a["crm.customers"] != b["crm.customers"]


def test_clean_extracts_have_no_duplicates_and_dirty_ones_do(tmp_path):
    table = source_table("network.daily_usage")
    dirty = dataclasses.replace(CLEAN, duplicate_rate=0.05)
    generate(tmp_path / "clean", D2, D2, customers=2000, seed=3, dirt=CLEAN, tables=[table])
    generate(tmp_path / "dirty", D2, D2, customers=2000, seed=3, dirt=dirty, tables=[table])
    clean = read_landing_file(table.landing_path(tmp_path / "clean", D2))
    messy = read_landing_file(table.landing_path(tmp_path / "dirty", D2))
    assert clean.select(table.primary_key).is_duplicated().sum() == 0
    extra = messy.height - clean.height
    assert 0.03 * clean.height < extra < 0.07 * clean.height
    assert messy.unique().height == clean.height  # the extras are exact copies


def test_spelling_variants_change_only_the_sampled_values_and_leave_nulls():
    table = source_table("crm.customers")
    clean = conform(GENERATORS[table.qualified_name](build_world(3, 300), day_number(D2)), table)
    clean = clean.with_columns(pl.when(pl.int_range(pl.len()) < 10).then(None)
                               .otherwise(pl.col("status")).alias("status"))
    dirty = apply_dirt(clean, table, dataclasses.replace(CLEAN, variant_rate=0.5), rng(1, "t"))
    assert dirty.drop("customer_segment", "customer_tier", "status", "region").equals(
        clean.drop("customer_segment", "customer_tier", "status", "region"))
    assert dirty["status"].head(10).is_null().all()
    for column in ("customer_segment", "customer_tier", "status", "region"):
        changed = (dirty[column] != clean[column]).sum()
        assert 0.3 * clean.height < changed < 0.5 * clean.height  # 4 of 5 spellings differ
        spelled = dirty[column].str.replace_all(r"[^A-Za-z0-9]", "").str.to_uppercase()
        assert spelled.equals(clean[column].str.replace_all(r"[^A-Za-z0-9]", "")
                              .str.to_uppercase())


def test_late_rows_of_a_day_arrive_in_the_next_days_file(tmp_path):
    table = source_table("network.daily_usage")
    generate(tmp_path, D1, D2, customers=2000, seed=3,
             dirt=dataclasses.replace(CLEAN, late_rate=0.05), tables=[table])
    day2 = read_landing_file(table.landing_path(tmp_path, D2))
    dates = day2.group_by("usage_date").len().sort("usage_date")
    assert dates["usage_date"].to_list() == [str(D1), str(D2)]
    late = dates["len"][0] / day2.height
    assert 0.02 < late < 0.08


def test_cli_generate_writes_the_landing_zone(tmp_path):
    code = main(["generate", "--start", str(D2), "--end", str(D2), "--customers", "200",
                 "--landing-root", str(tmp_path), "--dirt-scale", "0"])
    assert code == 0
    customers = pl.read_csv(source_table("crm.customers").landing_path(tmp_path, D2))
    assert customers["customer_id"].is_unique().all() and customers.height > 100


def test_cli_reports_a_bad_date_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["generate", "--start", "2026-13-01"])
    assert exit_.value.code == 2
    assert "'2026-13-01' is not a date; use YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["crm.customers", "platform.feature_usage"])  # CSV, JSON lines
def test_a_file_written_a_slice_at_a_time_has_the_bytes_of_one_written_whole(
        tmp_path, monkeypatch, name):
    """The generator gathers a dirty file's interleaved rows a slice at a time to keep one copy
    in memory; the bytes are those of the whole reordered frame written at once."""
    from customer_platform.generator import DirtConfig, writers
    from customer_platform.generator.registry import landing_rows

    table = source_table(name)
    frame, order = landing_rows(build_world(3, 300), table, day_number(D2),
                                DirtConfig(duplicate_rate=0.2))
    assert order is not None and len(order) > 3 * 7
    suffix = table.landing_path(tmp_path, D2).suffix
    writers.write_landing_file(frame[order], tmp_path / f"whole{suffix}")
    monkeypatch.setattr(writers, "SLICE_ROWS", 7)
    writers.write_landing_file(frame, tmp_path / f"sliced{suffix}", order)
    whole = (tmp_path / f"whole{suffix}").read_bytes()
    assert whole == (tmp_path / f"sliced{suffix}").read_bytes()
    assert whole.count(b"\n") >= len(order)
