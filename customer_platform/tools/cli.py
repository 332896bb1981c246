"""``customer-platform``: the terminal side of the platform.

  generate     write the synthetic landing zone (the embedded default source)
  materialize  run the daily job for a range of days (a backfill), with progress
  status       which days are materialised, which checks fail
  export       write the BI exports (CSV + Parquet, PII masked) for a range of days
  report       write the day's HTML dashboard (one self-contained file)
  demo         generate a few days, materialise them, say where to look
  docs         regenerate the data dictionary, data model and metrics documents
  bench        print the performance figures
  sql          print the SQL one partition of a gold or analytics table runs
  check-landing  check a landing zone against the contracts without loading it
  import       split a history extract into the daily landing files of its table
  sources      what the declared source systems build, and what they leave out (and why)

Errors print one line with the fix; ``--verbose`` shows the traceback.
"""

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from rich.console import Console

from customer_platform.tools.daily_runs import (
    console,
    ensure_dagster_home,
    materialize_days,
    progress_bar,
)


class CliError(Exception):
    """An error a person can fix; printed as one line."""


class UsageError(CliError):
    """A wrong argument (an unknown table): one line, and exit code 2 as argparse gives."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def cmd_generate(args) -> None:
    from customer_platform import settings
    from customer_platform.generator import DirtConfig, days_between, generate, generated_tables

    root = Path(args.landing_root) if args.landing_root else settings.landing_root()
    tables = generated_tables()
    if getattr(args, "systems", None):
        from customer_platform.contracts import declared_source_tables

        try:
            chosen = declared_source_tables(tuple(n.strip() for n in args.systems.split(",")))
        except ValueError as exc:
            raise UsageError(str(exc).replace("CUSTOMER_PLATFORM_SOURCES", "--systems", 1)) \
                from None
        tables = tuple(t for t in tables if t in chosen)
    total = len(days_between(args.start, args.end)) * len(tables)
    with progress_bar() as progress:
        task = progress.add_task("generating", total=total, current="")

        def on_file(table, day, rows):
            progress.update(task, advance=1, current=f"{day} {table.qualified_name} ({rows} rows)")

        stats = generate(root, args.start, args.end, customers=args.customers, seed=args.seed,
                         dirt=DirtConfig().scaled(args.dirt_scale), tables=tables,
                         on_file=on_file)
    console.print(
        f"wrote {stats.files} files, {stats.rows:,} rows, {stats.bytes / 1e6:.1f} MB to {root} "
        f"in {stats.seconds:.1f} s ({stats.rows_per_second:,.0f} rows/s, "
        f"{stats.megabytes_per_second:.1f} MB/s)"
    )


def cmd_materialize(args) -> None:
    from customer_platform import settings

    longest = settings.longest_range_days()
    if args.range_days is not None and not 1 <= args.range_days <= longest:
        raise CliError(f"--range-days must be 1 to {longest}: the audit looks that far back "
                       f"for the ranged runs of a day (set {settings.RANGE_DAYS_VARIABLE} for "
                       "longer ranges)")
    failed = materialize_days(args.start, args.end, args.select, range_days=args.range_days,
                              resume=args.resume)
    if failed:
        raise CliError(f"stopped at {failed[0]}, {len(failed)} day(s) not materialised: see "
                       "above or the run in the UI; once fixed, go on with --resume")
    console.print(f"[green]materialised {args.start} .. {args.end}")


def cmd_export(args) -> None:
    if args.root:
        os.environ["CUSTOMER_PLATFORM_EXPORTS"] = str(Path(args.root).resolve())
    failed = materialize_days(args.start, args.end, groups=("gold_exports",))
    if failed:
        raise CliError(f"exports failed for {', '.join(failed)}: materialise those days first "
                       "(customer-platform materialize --start ... --end ...)")
    from customer_platform.exports.files import exports_root

    console.print(f"[green]exported {args.start} .. {args.end} to {exports_root()}")


def cmd_report(args) -> None:
    from customer_platform.report import write_report

    report = write_report(args.day, args.out)
    console.print(f"[green]wrote {report.path}[/] ({report.size_bytes / 1e6:.1f} MB, "
                  f"{len(report.drawn)} of {report.charts} charts with data for {args.day})")


def cmd_status(args) -> None:
    from rich.table import Table

    from customer_platform.tools.status import platform_status

    ensure_dagster_home()
    days = platform_status(args.start, args.end)
    table = Table(title="customer_platform: materialised days and failing checks")
    for column in ("day", "assets materialised", "failing checks"):
        table.add_column(column)
    for day in days:
        failing = ", ".join(day.failing_checks[:6]) + (
            f" (+{len(day.failing_checks) - 6} more)" if len(day.failing_checks) > 6 else "")
        style = "red" if day.failing_checks else ("green" if day.complete else "yellow")
        table.add_row(day.day.isoformat(), f"{day.materialised}/{day.assets}",
                      failing or "-", style=style)
    Console().print(table)


#: Days the demo company has by default: they end yesterday, by this machine's clock.
DEMO_DAYS = 3


def demo_window(today: dt.date, start: dt.date | None, end: dt.date | None
                ) -> tuple[dt.date, dt.date]:
    """The demo's days: as given, else the ``DEMO_DAYS`` days before ``today``, so the
    company is current (freshness checks pass) when the UI opens on it."""
    end = end or today - dt.timedelta(days=1)
    return start or end - dt.timedelta(days=DEMO_DAYS - 1), end


def cmd_demo(args) -> None:
    """Generate the demo company, materialise its days (analytics, audit and the report as
    assets), and leave the settings ``dagster dev`` needs in ``--env-file``."""
    import dotenv

    from customer_platform import settings

    args.start, args.end = demo_window(dt.date.today(), args.start, args.end)
    if "customer_platform.partitions" in sys.modules:  # the partitions are fixed at import
        raise CliError("the demo must set its partitions before the platform is imported")
    os.environ["CUSTOMER_PLATFORM_PARTITION_START"] = args.start.isoformat()
    args.landing_root = None
    cmd_generate(args)
    failed = materialize_days(args.start, args.end)
    if failed:
        raise CliError(f"demo run failed for {', '.join(failed)}")
    from customer_platform.report import REPORT_GROUP
    from customer_platform.report.build import report_path

    if materialize_days(args.end, args.end, groups=(REPORT_GROUP,)):
        raise CliError(f"the report of {args.end} failed")
    # what dagster dev needs to open the demo's instance and warehouse with its partitions,
    # in the .env file it reads from the folder it starts in
    env_file = Path(args.env_file).resolve()
    env_file.touch()
    for name, value in (("CUSTOMER_PLATFORM_PARTITION_START", args.start.isoformat()),
                        ("CUSTOMER_PLATFORM_DATA", str(settings.data_root())),
                        ("DAGSTER_HOME", os.environ["DAGSTER_HOME"])):
        dotenv.set_key(env_file, name, value, quote_mode="never")
    console.print(
        "\n[bold green]Done.[/] The whole graph is materialised for "
        f"{args.start} .. {args.end}.\n"
        f"  warehouse (DuckDB): {settings.warehouse_path()}\n"
        f"  landing zone:       {settings.landing_root()}\n"
        f"  the day's report:   {report_path(args.end)}\n"
        f"  settings:           {env_file} (partitions from {args.start}, this data)\n"
        f"  browse the lineage: cd {env_file.parent} && "
        f"{Path(sys.executable).parent / 'dagster'} dev -p 3000\n"
        "                      then open http://127.0.0.1:3000\n"
        "  query it:           .venv/bin/python -c \"import duckdb; print(duckdb.connect("
        f"'{settings.warehouse_path()}', read_only=True).sql('from silver.stg_crm_customers "
        "limit 5'))\"",
        soft_wrap=True,
    )


def cmd_docs(args) -> None:
    from customer_platform.tools.docs import write_docs

    for path in write_docs(Path(args.root)):
        console.print(f"wrote {path}")


def cmd_bench(args) -> None:
    from customer_platform.tools.bench import run_benchmarks, run_history

    if args.history:
        run_history(args.history_days, args.history_customers, args.seed,
                    args.history_slice_start)
        return
    run_benchmarks(sizes=args.customers, seed=args.seed, auc_customers=args.auc_customers,
                   auc_days=args.auc_days, backfill_customers=args.backfill_customers,
                   backfill_days=args.backfill_days, clv_customers=args.clv_customers)


def cmd_sql(args) -> None:
    from customer_platform.tools.partition_sql import caveats, find_table, partition_sql

    try:
        table = find_table(args.table)
        sql = partition_sql(table, args.day)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    for note in caveats(table):
        console.print(f"note: {note}", markup=False, soft_wrap=True)
    print(sql)


def cmd_sources(args) -> None:
    from customer_platform.tools.sources import plan, render

    print(render(plan()))


def cmd_check_landing(args) -> int:
    from customer_platform.tools.landing_check import run

    return run(args.start, args.end, args.landing_root, args.json)


def cmd_import(args) -> None:
    from customer_platform import settings
    from customer_platform.tools.history_import import find_declared_table, import_history

    try:
        table = find_declared_table(args.table)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    root = Path(args.landing_root) if args.landing_root else settings.landing_root()
    with progress_bar() as progress:
        task = progress.add_task("importing", total=None, current="checking the extract")

        def on_file(day, rows):
            progress.update(task, advance=1, current=f"{day} ({rows:,} rows)")

        stats = import_history(table, Path(args.file), root, args.format, replace=args.replace,
                               start=args.start, end=args.end, current=args.current,
                               day=args.day, on_file=on_file,
                               on_plan=lambda days: progress.update(task, total=days))
    console.print(
        f"imported {stats.rows:,} rows of {stats.table} into {stats.days} days "
        f"({stats.first_day} .. {stats.last_day}): {stats.files} files, "
        f"{stats.rows_written:,} rows written to {root} in {stats.seconds:.1f} s "
        f"({stats.rows_per_second:,.0f} rows/s)", soft_wrap=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="customer-platform", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    def window(p, start="2026-01-01", end="2026-01-03"):
        p.add_argument("--start", type=_date, default=_date(start), help="first day (YYYY-MM-DD)")
        p.add_argument("--end", type=_date, default=_date(end), help="last day, inclusive")

    gen = sub.add_parser("generate", help="write the synthetic landing zone")
    window(gen)
    gen.add_argument("--customers", type=int, default=1_000)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--dirt-scale", type=float, default=1.0,
                     help="multiply every dirt rate (0 = clean extracts)")
    gen.add_argument("--landing-root",
                     help="default: $CUSTOMER_PLATFORM_LANDING_ROOT or data/landing")
    gen.add_argument("--systems", help="comma-separated systems (crm) or tables (crm.customers) "
                     "to write; default: every table")
    gen.set_defaults(func=cmd_generate)

    mat = sub.add_parser("materialize", help="materialise the daily job for a range of days")
    window(mat)
    mat.add_argument("--select", help="comma-separated asset keys, e.g. bronze/crm_customers")
    mat.add_argument("--range-days", type=int, default=None,
                     help="days one run covers (default: $CUSTOMER_PLATFORM_RANGE_DAYS, else "
                     "what holds 128 MiB of landing files, 1 to 92 days): a run's fixed cost "
                     "is paid once per range; 1 runs the days one by one")
    mat.add_argument("--resume", action="store_true",
                     help="skip the leading days on which every selected asset is already "
                     "materialised (go on after a failure)")
    mat.set_defaults(func=cmd_materialize)

    status = sub.add_parser("status", help="which days are materialised, which checks fail")
    window(status)
    status.set_defaults(func=cmd_status)

    export = sub.add_parser("export", help="write the BI exports (CSV + Parquet) for the days")
    window(export)
    export.add_argument("--root", help="default: $CUSTOMER_PLATFORM_EXPORTS or data/exports")
    export.set_defaults(func=cmd_export)

    report = sub.add_parser("report", help="write the day's HTML dashboard")
    report.add_argument("--day", type=_date, required=True, help="the day (YYYY-MM-DD)")
    report.add_argument("--out", help="default: $CUSTOMER_PLATFORM_REPORTS or data/reports/")
    report.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="generate, materialise and say where to look")
    demo.add_argument("--start", type=_date, help=f"first day (default: {DEMO_DAYS} days "
                      "before --end)")
    demo.add_argument("--end", type=_date, help="last day, inclusive (default: yesterday, "
                      "by this machine's clock)")
    demo.add_argument("--env-file", default=".env",
                      help="where to leave the settings dagster dev reads (default: .env "
                      "here, which dagster dev started here loads)")
    demo.add_argument("--customers", type=int, default=1_000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--dirt-scale", type=float, default=1.0)
    demo.set_defaults(func=cmd_demo)

    sources = sub.add_parser(
        "sources", help="what the declared sources (CUSTOMER_PLATFORM_SOURCES) build and leave "
        "out, and why")
    sources.set_defaults(func=cmd_sources)

    docs = sub.add_parser("docs", help="regenerate the data dictionary, data model and metrics")
    docs.add_argument("--root", default=".", help="repository root (docs/ is written below)")
    docs.set_defaults(func=cmd_docs)

    bench = sub.add_parser("bench", help="print performance figures")
    bench.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000])
    bench.add_argument("--seed", type=int, default=42)
    bench.add_argument("--auc-customers", type=int, default=None,
                       help="customers of the churn model's AUC window (0 skips it)")
    bench.add_argument("--auc-days", type=int, default=None,
                       help="days of the churn model's AUC window")
    bench.add_argument("--backfill-customers", type=int, default=1_000,
                       help="customers of the backfill, day by day and ranged (0 skips it)")
    bench.add_argument("--backfill-days", type=int, default=30,
                       help="days of the backfill, day by day and ranged")
    bench.add_argument("--clv-customers", type=int, default=100_000,
                       help="customers simulated for the purchase model's fit and score (0 "
                       "skips it)")
    bench.add_argument("--history", action="store_true",
                       help="only the history benchmark: a year loaded from empty, then what "
                       "a day, the day after and a slice of days cost on it, against targets")
    bench.add_argument("--history-days", type=int, default=365,
                       help="days of history (--history); day N+1 is generated as well")
    bench.add_argument("--history-customers", type=int, default=1_000,
                       help="customers of the history (--history)")
    bench.add_argument("--history-slice-start", type=int, default=100,
                       help="first day of the 14-day slice re-run day by day and ranged "
                       "(--history; the last 14 days when the history is shorter)")
    bench.set_defaults(func=cmd_bench)

    sql = sub.add_parser(
        "sql", help="print the SQL one partition of a gold or analytics table runs",
        description="Print the SQL one partition of a gold or analytics table runs, as "
        "dbt compile does: the table's SELECT with $day and $first_day (the first partition, "
        "CUSTOMER_PLATFORM_PARTITION_START) written as DATE literals, wrapped in the SELECT "
        "that casts every column to the model's type. It runs as is in DuckDB on the "
        "warehouse and returns the rows the partition gets. An unknown table exits with 2.")
    sql.add_argument("table", help="gold.<name> or <name>, e.g. gold.fact_order, customer_360")
    sql.add_argument("--day", type=_date, required=True, help="the partition (YYYY-MM-DD)")
    sql.set_defaults(func=cmd_sql)

    imp = sub.add_parser(
        "import", help="split a history extract into the daily landing files of its table",
        description="Check a history extract of one declared table whole, with bronze's reader "
        "and silver's type rules (a problem refuses it, naming the file, line and rule, and "
        "nothing is written), then write one landing file per day of the table's event date, "
        "in the table's format, rows as delivered. Snapshot tables: a change history becomes "
        "the daily snapshots it implies; --current (or --day) writes one current snapshot as "
        "one day. Then materialise the days: customer-platform materialize --start --end. "
        "See docs/your_data.md (Loading history).")
    imp.add_argument("table", help="the declared table, system.table, e.g. commerce.orders")
    imp.add_argument("file", help="the extract: .csv, .jsonl or .parquet (or say --format)")
    imp.add_argument("--format", choices=("csv", "jsonl", "parquet"),
                     help="the extract's format, when its name does not say it")
    imp.add_argument("--landing-root",
                     help="default: $CUSTOMER_PLATFORM_LANDING_ROOT or data/landing")
    imp.add_argument("--replace", action="store_true",
                     help="overwrite the days' landing files that exist")
    imp.add_argument("--start", type=_date, help="first day to write (default: the extract's)")
    imp.add_argument("--end", type=_date, help="last day to write (default: the extract's)")
    imp.add_argument("--current", action="store_true",
                     help="snapshot tables: the file is one current snapshot, not a history")
    imp.add_argument("--day", type=_date, help="with a current snapshot: its day (default: "
                     "its latest updated_at date)")
    imp.set_defaults(func=cmd_import)

    check = sub.add_parser(
        "check-landing", help="check a landing zone against the contracts, loading nothing",
        description="Read each declared table's landing files for the days with bronze's "
        "reader and clean them with silver's cleaning, writing nothing: days present and "
        "missing, formats, refused files, header problems, rejects by rule. Exits 1 when a "
        "day would fail to load (a table-day missing, a file refused), 0 otherwise.")
    window(check)
    check.add_argument("--landing-root",
                       help="default: $CUSTOMER_PLATFORM_LANDING_ROOT or data/landing")
    check.add_argument("--json", action="store_true", help="print a JSON report instead")
    check.set_defaults(func=cmd_check_landing)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130
    except UsageError as exc:
        if args.verbose:
            raise
        console.print(f"error: {exc}", markup=False, soft_wrap=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the one place errors become one readable line
        if args.verbose:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        console.print(f"[red]error:[/] {message}  (rerun with --verbose for details)")
        return 1
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
