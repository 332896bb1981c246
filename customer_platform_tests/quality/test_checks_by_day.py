"""A range gives each day what a run of that day alone gives: the bronze cleaned over the days
at once (``clean``), the schemas validated over the days at once (``evaluate_schema_by_day``)
and the reconciliation counted over the days at once (``reconcile_days``), on every generated
table with its dirt."""

import datetime as dt
from types import SimpleNamespace

import duckdb
import polars as pl
import pytest
from dagster import Failure
from pandera import errors as pa_errors

from customer_platform.bronze.landing import to_bronze
from customer_platform.contracts import source_table
from customer_platform.contracts.metadata import DUPLICATE_KEYS
from customer_platform.generator import generate, generated_tables
from customer_platform.partitions import FAILED_DAY
from customer_platform.quality import checks
from customer_platform.quality.checks import (
    evaluate_schema,
    evaluate_schema_by_day,
    reconcile,
    reconcile_days,
)
from customer_platform.quality.schemas import bronze_schema, silver_schema
from customer_platform.resources import Warehouse
from customer_platform.silver.assets import REJECTS_SCHEMA, clean_range, silver_key
from customer_platform.silver.cleaning import clean

DAYS = [dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)]


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    """Three days of every generated table (the generator's dirt), as bronze and cleaned."""
    root = tmp_path_factory.mktemp("landing")
    generate(root, DAYS[0], DAYS[-1], customers=40, seed=11)
    frames = {}
    for table in generated_tables():
        for day in DAYS:
            path = table.landing_path(root, day)
            if path.exists():
                bronze = to_bronze(table, path, root, day, dt.datetime(2026, 3, 5)).frame
                frames[(table.qualified_name, day)] = (bronze, clean(bronze, table))
    return frames


def verdicts(results: dict) -> dict:
    return {day: (r.passed, {k: getattr(v, "value", v) for k, v in r.metadata.items()})
            for day, r in results.items()}


def by_day(frames: dict, schema) -> tuple[dict, dict]:
    """The verdicts over the days at once and one day at a time."""
    return (verdicts(evaluate_schema_by_day(frames, schema)),
            verdicts({day: evaluate_schema(frame, schema) for day, frame in frames.items()}))


@pytest.mark.parametrize("table", generated_tables(), ids=lambda t: t.qualified_name)
def test_each_days_verdict_is_that_of_the_day_alone(landed, table):
    days = [day for day in DAYS if (table.qualified_name, day) in landed]
    if len(days) < 2:
        pytest.skip(f"{table.qualified_name} delivers fewer than two of the days")
    stages = {"bronze": ({d: landed[(table.qualified_name, d)][0] for d in days},
                         bronze_schema(table)),
              "silver": ({d: landed[(table.qualified_name, d)][1].silver for d in days},
                         silver_schema(table)),
              "rejects": ({d: landed[(table.qualified_name, d)][1].rejects for d in days},
                          REJECTS_SCHEMA)}
    for stage, (frames, schema) in stages.items():
        together, alone = by_day(frames, schema)
        assert together == alone, stage


@pytest.mark.parametrize("table", generated_tables(), ids=lambda t: t.qualified_name)
def test_a_range_cleaned_at_once_gives_each_day_its_own_rows_and_rejects(landed, table):
    """Silver cleans a ranged step's bronze in one pass: each day's silver rows and rejects
    (duplicates within the day, rule breaks, in the same order) are the day's alone, and a key
    delivered on two days is kept on both."""
    days = [day for day in DAYS if (table.qualified_name, day) in landed]
    if len(days) < 2:
        pytest.skip(f"{table.qualified_name} delivers fewer than two of the days")
    alone = [landed[(table.qualified_name, day)] for day in days]
    together = clean(pl.concat([bronze for bronze, _ in alone], how="diagonal_relaxed"), table)
    assert together.silver.equals(pl.concat([result.silver for _, result in alone]))
    assert together.rejects.equals(pl.concat([result.rejects for _, result in alone]))
    assert together.rejects.height == sum(result.rejects.height for _, result in alone)


def test_a_range_that_cannot_be_cleaned_names_the_day_it_fails_on(landed):
    """A day the cleaner cannot handle (here: its bronze holds an unreadable record of
    repeated JSON keys) fails the range with that day named, as a day-by-day run would."""
    table = source_table("crm.customers")
    bronze = [landed[(table.qualified_name, day)][0] for day in DAYS]
    bronze[1] = bronze[1].with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("{not json"))
        .otherwise(pl.col(DUPLICATE_KEYS)).alias(DUPLICATE_KEYS))
    context = SimpleNamespace(partition_keys=[day.isoformat() for day in DAYS])  # a step's
    with pytest.raises(Failure) as failure:
        clean_range(context, pl.concat(bronze, how="diagonal_relaxed"), table)
    assert failure.value.description.startswith(f"{DAYS[1]}: ")
    assert failure.value.metadata[FAILED_DAY].value == DAYS[1].isoformat()


def test_a_key_on_two_days_passes_and_a_days_own_duplicate_fails_that_day(landed,
                                                                          monkeypatch):
    """A snapshot table repeats its keys every day (allowed), and the days pass in one
    validation; a key twice in one day is not allowed, and the failing day keeps its own
    figures while the other days pass."""
    table = source_table("crm.customers")
    silver = {day: landed[(table.qualified_name, day)][1].silver for day in DAYS}
    shared = set(silver[DAYS[0]]["customer_id"]) & set(silver[DAYS[1]]["customer_id"])
    assert shared  # the same customers are delivered on both days
    schema = silver_schema(table)
    one_at_a_time = []
    monkeypatch.setattr(checks, "evaluate_schema",
                        lambda *a, **k: one_at_a_time.append(a) or evaluate_schema(*a, **k))
    assert all(r.passed for r in checks.evaluate_schema_by_day(silver, schema).values())
    assert one_at_a_time == []  # validated together, not day by day
    monkeypatch.undo()
    together, alone = by_day(silver, schema)
    assert together == alone and all(passed for passed, _ in together.values())

    silver[DAYS[1]] = pl.concat([silver[DAYS[1]], silver[DAYS[1]].head(2)])
    together, alone = by_day(silver, schema)
    assert together == alone
    assert [passed for passed, _ in together.values()] == [True, False, True]
    assert together[DAYS[1]][1]["failing_rows"] == 4


def test_bronze_record_numbers_restart_each_day_but_not_within_one(landed):
    table = source_table("crm.customers")
    bronze = {day: landed[(table.qualified_name, day)][0] for day in DAYS}
    schema = bronze_schema(table)
    assert by_day(bronze, schema)[0][DAYS[2]][0]  # row 1 on every day is fine
    bronze[DAYS[2]] = bronze[DAYS[2]].with_columns(pl.lit(1, pl.Int64).alias("_source_row"))
    together, alone = by_day(bronze, schema)
    assert together == alone and not together[DAYS[2]][0] and together[DAYS[0]][0]


def test_reconciliation_over_days_is_each_days_own(landed, tmp_path):
    table = source_table("support.tickets")
    database = str(tmp_path / "warehouse.duckdb")
    with duckdb.connect(database) as con:
        con.execute("CREATE SCHEMA bronze; CREATE SCHEMA silver")
        for day in DAYS:
            bronze, cleaned = landed[(table.qualified_name, day)]
            silver = cleaned.silver.slice(1) if day == DAYS[1] else cleaned.silver  # one lost
            for name, frame in [(f"bronze.{table.bronze_table}", bronze),
                                (f"silver.{table.silver_table}", silver),
                                (f"silver.{table.rejects_table}", cleaned.rejects)]:
                rows = frame.to_arrow()  # noqa: F841 - read by the SQL
                exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                                     "table_schema || '.' || table_name = ?", [name]).fetchone()
                con.execute(f"INSERT INTO {name} SELECT * FROM rows" if exists[0]
                            else f"CREATE TABLE {name} AS SELECT * FROM rows")
    warehouse = Warehouse(database=database)
    args = (warehouse, silver_key(table), table.bronze_table, table.silver_table,
            table.rejects_table)
    together = verdicts(reconcile_days(*args, DAYS))
    assert together == verdicts({day: reconcile(*args, day) for day in DAYS})
    assert [passed for passed, _ in together.values()] == [True, False, True]
    assert together[DAYS[1]][1]["unaccounted_rows"] == 1
    assert together[DAYS[0]][1]["bronze_rows"] == landed[(table.qualified_name, DAYS[0])][0].height
    nothing = verdicts(reconcile_days(warehouse, silver_key(table), "absent", "absent",
                                      "absent_rejects", DAYS[:1]))
    assert nothing[DAYS[0]][1]["bronze_rows"] == 0


def test_checks_begun_while_the_frames_are_written_give_the_verdicts_of_checking_them_after(
        landed):
    """Bronze and silver start their checks on a second thread before yielding the frames
    (``checked_while_written``): the verdicts, passing and failing, are those of checking the
    frames afterwards, and a check that cannot run fails the step when its result is asked."""
    table = source_table("crm.customers")
    silver = {day: landed[(table.qualified_name, day)][1].silver for day in DAYS}
    broken = {**silver, DAYS[1]: pl.concat([silver[DAYS[1]], silver[DAYS[1]].head(2)])}
    schema = silver_schema(table)
    with checks.checked_while_written() as check:
        passing, failing = check(silver, schema), check(broken, schema)
        assert verdicts(passing.result()) == by_day(silver, schema)[0]
        assert verdicts(failing.result()) == by_day(broken, schema)[0]
    assert [passed for passed, _ in verdicts(failing.result()).values()] == [True, False, True]
    with pytest.raises(pa_errors.BackendNotFoundError), checks.checked_while_written() as check:
        check({DAYS[0]: "not a frame"}, schema).result()
