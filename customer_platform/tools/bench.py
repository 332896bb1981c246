"""``customer-platform bench``: the performance figures, measured here and printed.

For each customer count it generates one day of every source table (generator rows/s and
MB/s), then materialises the whole graph (bronze, silver, gold, every check) for that day
through Dagster's in-process executor in a child process on a fresh warehouse, and reports
the child's wall time, the time per layer (from the steps' own durations), rows/s and peak
RSS (from the kernel's accounting of the child, ``wait4``), so each size is measured alone.
The day is the first partition, so gold loads the snapshots' full history: the dearest day.

Then the backfill figures: the wall time of a 30-day backfill of the whole graph (the daily
job, the analytics and the audit, as ``customer-platform materialize`` runs it) day by day and
in ranged runs (``customer_platform/tools/backfill.py``), each on the same generated landing
zone with a fresh warehouse and Dagster home, in a child process whose peak RSS is reported,
and the speed-up.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from customer_platform.settings import DEFAULT_RANGE_DAYS

console = Console(width=None if Console().is_terminal else 120)

BENCH_DAY = dt.date(2026, 3, 2)
#: The benchmark runs log warnings and errors only (into the log file the bench names).
BENCH_RUN = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
#: The backfill benchmark's window: 30 days from the first partition.
BACKFILL_START, BACKFILL_DAYS, BACKFILL_CUSTOMERS = dt.date(2026, 1, 1), 30, 1_000


def _generate(landing: Path, customers: int, seed: int) -> dict:
    from customer_platform.generator import generate
    from customer_platform.generator.world import build_world

    began = time.perf_counter()
    build_world(seed, customers)
    world_seconds = time.perf_counter() - began
    stats = generate(landing, BENCH_DAY, BENCH_DAY, customers=customers, seed=seed)
    return {
        "world_s": world_seconds,
        "files": stats.files,
        "rows": stats.rows,
        "mb": stats.bytes / 1e6,
        "seconds": stats.seconds,
        "rows_per_s": stats.rows_per_second,
        "mb_per_s": stats.megabytes_per_second,
    }


def _materialise_child(data_root: Path, landing: Path) -> dict:
    """Runs in the child process: the whole graph (and its checks) for ``BENCH_DAY``."""
    os.environ["CUSTOMER_PLATFORM_DATA"] = str(data_root)
    os.environ["CUSTOMER_PLATFORM_LANDING_ROOT"] = str(landing)
    os.environ["CUSTOMER_PLATFORM_PARTITION_START"] = BENCH_DAY.isoformat()
    import duckdb
    from dagster import DagsterInstance

    from customer_platform import settings
    from customer_platform.definitions import defs
    from customer_platform.tools.backfill import job_subset

    job = defs.resolve_job_def("daily_platform")
    keys = [k for k in job.asset_layer.selected_asset_keys
            if k.path[0] in ("bronze", "silver", "gold")]
    began = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        # the job's own checks only: the freshness checks are their sensor's, against the wall
        # clock, and would fail on the pinned day
        result = job_subset(job, keys).execute_in_process(
            partition_key=BENCH_DAY.isoformat(), instance=instance, raise_on_error=False,
            run_config=BENCH_RUN)
    seconds = time.perf_counter() - began
    layers = {"bronze": 0.0, "silver": 0.0, "gold": 0.0}
    for event in result.all_events:
        if event.is_step_success:
            layer = "silver" if event.step_key.startswith("clean_") else event.step_key.split(
                "__")[0]
            if layer in layers:
                layers[layer] += event.event_specific_data.duration_ms / 1000
    if not result.success:
        failures = [f"{e.step_key}: {e.step_failure_data.error.message.strip()}"
                    for e in result.all_events if e.is_step_failure]
        return {"success": False, "failures": failures}
    checks = result.get_asset_check_evaluations()
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        def total(schema: str, suffix: str = "") -> int:
            names = [k.path[1] for k in keys if k.path[0] == schema
                     and k.path[1].endswith("_rejects") == bool(suffix)]
            return sum(con.execute(f"SELECT count(*) FROM {schema}.{n}").fetchone()[0]
                       for n in names)

        counts = {"bronze_rows": total("bronze"), "silver_rows": total("silver"),
                  "rejected_rows": total("silver", "_rejects"),
                  "gold_rows": con.execute("SELECT coalesce(sum(estimated_size), 0) FROM "
                                           "duckdb_tables() WHERE schema_name = 'gold'"
                                           ).fetchone()[0]}
    return {
        "success": result.success,
        "seconds": seconds,
        "assets": len(keys),
        "layer_seconds": layers,
        "checks": len(checks),
        "checks_failed": [f"{c.asset_key.to_user_string()}:{c.check_name}"
                          for c in checks if not c.passed],
        **counts,
    }


def _revops_child(data_root: Path, landing: Path) -> dict:
    """Runs in a child process after the whole graph: the revenue-operations and export
    assets alone for ``BENCH_DAY`` on that warehouse, so the layer's wall time and peak RSS
    are its own."""
    os.environ["CUSTOMER_PLATFORM_DATA"] = str(data_root)
    os.environ["CUSTOMER_PLATFORM_LANDING_ROOT"] = str(landing)
    os.environ["CUSTOMER_PLATFORM_PARTITION_START"] = BENCH_DAY.isoformat()
    from dagster import DagsterInstance

    from customer_platform.definitions import defs
    from customer_platform.tools.backfill import job_subset

    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys()
            if graph.get(k).group_name in ("gold_revops", "gold_exports")]
    job = job_subset(defs.resolve_job_def("daily_platform"), keys)
    began = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(partition_key=BENCH_DAY.isoformat(), instance=instance,
                                        raise_on_error=False, run_config=BENCH_RUN)
    return {"success": result.success, "seconds": time.perf_counter() - began,
            "assets": len(keys),
            "steps": {e.step_key: e.event_specific_data.duration_ms / 1000
                      for e in result.all_events if e.is_step_success},
            "checks_failed": [f"{c.asset_key.to_user_string()}:{c.check_name}"
                              for c in result.get_asset_check_evaluations() if not c.passed]}


def _run_child(function: str, log: Path, out: Path, *args) -> tuple[dict, float]:
    """Run ``function`` ("module:name") with ``args`` in a child process, wait for it with
    ``wait4`` and return its JSON result and its peak RSS (MiB)."""
    module, name = function.split(":")
    call = f"{name}({', '.join(repr(str(a) if isinstance(a, Path) else a) for a in args)})"
    code = (f"import json; from pathlib import Path; from {module} import {name}; "
            f"Path({str(out)!r}).write_text(json.dumps({call}))")
    with log.open("w") as handle:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=handle, stderr=handle)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"benchmark child failed (exit {child.returncode}); see {log}")
    return json.loads(out.read_text()), usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def _analytics(root: Path, landing: Path, customers: int) -> dict:
    """The analytics layer for the bench day: first day, then steady state (a synthesised year
    of history), each in its own child process (see customer_platform/tools/bench_analytics.py)."""
    module = "customer_platform.tools.bench_analytics"
    log = Path(tempfile.gettempdir()) / f"customer_platform_bench_analytics_{customers}.log"
    first, first_rss = _run_child(f"{module}:analytics_day", log, root / "analytics.json", root,
                                  landing, BENCH_DAY.isoformat(), False)
    console.print(f"  analytics, first day: {first['seconds']:.1f} s, peak RSS "
                  f"{first_rss:,.0f} MiB ({_steps(first)})")
    history, _ = _run_child(f"{module}:synthesise_history", log, root / "history.json", root,
                            landing, BENCH_DAY.isoformat())
    steady, steady_rss = _run_child(f"{module}:analytics_day", log, root / "steady.json", root,
                                    landing, BENCH_DAY.isoformat(), True)
    console.print(f"  analytics, steady state ({history['summary_rows']:,} summary rows = 365 "
                  f"days, {history['feature_days']} training days synthesised from the day): "
                  f"{steady['seconds']:.1f} s, peak RSS {steady_rss:,.0f} MiB ({_steps(steady)})")
    failed = first["checks_failed"] + steady["checks_failed"]
    if failed:
        console.print(f"  failed analytics checks: {', '.join(sorted(set(failed)))}")
    return {"first": first, "first_rss_mib": first_rss, "steady": steady,
            "steady_rss_mib": steady_rss}


def _steps(result: dict) -> str:
    return ", ".join(f"{name} {s:.1f} s" for name, s in
                     sorted(result["steps"].items(), key=lambda item: -item[1])[:4])


def run_auc(customers: int, days: int, seed: int) -> dict:
    """The churn model's held-out ROC AUC on a generated window (a child process)."""
    from customer_platform.tools.bench_analytics import AUC_START

    with tempfile.TemporaryDirectory(prefix="customer_platform_bench_auc_") as tmp:
        root = Path(tmp)
        log = Path(tempfile.gettempdir()) / "customer_platform_bench_auc.log"
        console.print(f"[bold]churn model[/]: {customers:,} customers over {days} days from "
                      f"{AUC_START} (a smaller company over a window long enough for the "
                      f"model's split; Dagster log: {log}) ...")
        auc, rss = _run_child("customer_platform.tools.bench_analytics:held_out_auc", log,
                              root / "auc.json", root, customers, days, seed)
    m = auc["model"]
    console.print(
        f"  {auc['source_rows']:,} source rows generated in {auc['generate_s']:.0f} s, gold "
        f"inputs loaded in {auc['load_s']:.0f} s, analytics in {auc['analytics_s']:.0f} s "
        f"(peak RSS {rss:,.0f} MiB)")
    if m.get("status") != "trained":
        console.print(f"  model of {auc['last_day']}: {m.get('status')} (the window is too "
                      "short for labels in both the training and the held-out days)")
        return auc
    console.print(
        f"  model of {auc['last_day']}: trained on feature days {m['train_from']} .. "
        f"{m['train_to']}, held out {m['holdout_from']} .. {m['holdout_to']} (gap "
        f"{m['split_gap_days']} days); held-out ROC AUC [bold]{m['roc_auc']:.3f}[/], PR AUC "
        f"{m['pr_auc']:.3f}, lift at the top decile {m['lift_top_decile']:.1f}, base rate "
        f"{m['base_rate']:.2%}, {m['holdout_positives']} churners in {m['holdout_rows']} "
        "held-out rows")
    return auc


def _backfill_child(data_root: Path, landing: Path, start: str, end: str, range_days: int
                    ) -> dict:
    """Runs in the child process: ``customer-platform materialize --range-days N`` of the
    window on a fresh warehouse and Dagster home under ``data_root``."""
    os.environ["CUSTOMER_PLATFORM_DATA"] = str(data_root)
    os.environ["CUSTOMER_PLATFORM_LANDING_ROOT"] = str(landing)
    os.environ["CUSTOMER_PLATFORM_PARTITION_START"] = start
    os.environ["DAGSTER_HOME"] = str(Path(data_root) / "dagster_home")
    from customer_platform.tools import daily_runs

    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    daily_runs.ensure_dagster_home()
    began = time.perf_counter()
    failed = daily_runs.materialize_days(first, last, range_days=range_days)
    return {"seconds": time.perf_counter() - began, "failed": failed}


def run_backfill(customers: int, seed: int, days: int = BACKFILL_DAYS,
                 ranges: tuple[int, ...] = (1, DEFAULT_RANGE_DAYS)) -> dict:
    """The wall time of a ``days``-day backfill of the whole graph, day by day (a range of 1)
    and in ranges of ``DEFAULT_RANGE_DAYS``, each on a fresh warehouse."""
    end = BACKFILL_START + dt.timedelta(days=days - 1)
    with tempfile.TemporaryDirectory(prefix="customer_platform_bench_backfill_") as tmp:
        root = Path(tmp)
        landing = root / "landing"
        console.print(f"[bold]backfill[/]: {customers:,} customers, {days} days "
                      f"({BACKFILL_START} .. {end}), the whole graph (daily job, analytics, "
                      "audit), generating ...")
        from customer_platform.generator import generate

        stats = generate(landing, BACKFILL_START, end, customers=customers, seed=seed)
        console.print(f"  generated {stats.rows:,} rows in {stats.files} files "
                      f"({stats.seconds:.0f} s)")
        figures = {}
        for size in ranges:
            label = "day by day" if size == 1 else f"ranges of {size} days"
            log = Path(tempfile.gettempdir()) / f"customer_platform_bench_backfill_{size}.log"
            console.print(f"  {label}: a fresh warehouse and Dagster home (progress: {log}) ...")
            result, rss = _run_child("customer_platform.tools.bench:_backfill_child", log,
                                     root / f"backfill_{size}.json", root / f"range_{size}",
                                     landing, BACKFILL_START.isoformat(), end.isoformat(), size)
            if result["failed"]:
                raise RuntimeError(f"the backfill in {label} failed on "
                                   f"{', '.join(result['failed'])} (see {log})")
            result["peak_rss_mib"] = rss
            figures[size] = result
            console.print(f"  {label}: [bold]{result['seconds']:,.0f} s[/] "
                          f"({result['seconds'] / days:.1f} s a day), peak RSS {rss:,.0f} MiB")
    if 1 in figures:
        for size in (size for size in figures if size != 1):
            console.print(f"  speed-up of ranges of {size} days: [bold]"
                          f"{figures[1]['seconds'] / figures[size]['seconds']:.2f}x[/]")
    return {"customers": customers, "days": days, "ranges": figures}


def run_benchmarks(sizes: list[int], seed: int = 42, auc_customers: int | None = None,
                   auc_days: int | None = None,
                   backfill_customers: int | None = BACKFILL_CUSTOMERS,
                   backfill_days: int = BACKFILL_DAYS) -> list[dict]:
    """The figures for each size (a size of 0 is skipped); then, unless
    ``backfill_customers`` is 0, the backfill's wall time day by day and ranged; then,
    unless ``auc_customers`` is 0, the churn model's held-out AUC."""
    from customer_platform.tools.bench_analytics import AUC_CUSTOMERS, AUC_DAYS

    rows = []
    for customers in (size for size in sizes if size > 0):
        with tempfile.TemporaryDirectory(prefix="customer_platform_bench_") as tmp:
            root = Path(tmp)
            landing = root / "landing"
            console.print(f"[bold]{customers:,} customers[/]: generating {BENCH_DAY} ...")
            gen = _generate(landing, customers, seed)
            console.print(
                f"  generator: {gen['rows']:,} rows in {gen['files']} files, {gen['mb']:.1f} MB "
                f"in {gen['seconds']:.2f} s (world {gen['world_s']:.2f} s): "
                f"{gen['rows_per_s']:,.0f} rows/s, {gen['mb_per_s']:.1f} MB/s"
            )
            log = Path(tempfile.gettempdir()) / f"customer_platform_bench_{customers}.log"
            console.print(f"  materialising the whole graph (Dagster log: {log}) ...")
            mat, rss = _run_child("customer_platform.tools.bench:_materialise_child", log,
                                  root / "result.json", root, landing)
            if not mat["success"]:
                raise RuntimeError(f"the graph failed at {customers:,} customers: "
                                   f"{mat['failures'][0]} (see {log})")
            layers = ", ".join(f"{k} {v:.1f} s" for k, v in mat["layer_seconds"].items())
            console.print(
                f"  whole graph: {mat['assets']} assets, {mat['checks']} checks "
                f"({len(mat['checks_failed'])} failed), {mat['bronze_rows']:,} source rows in "
                f"{mat['seconds']:.1f} s ({layers}): "
                f"{mat['bronze_rows'] / mat['seconds']:,.0f} rows/s, peak RSS {rss:,.0f} MiB"
            )
            if mat["checks_failed"]:
                console.print(f"  failed checks: {', '.join(mat['checks_failed'])}")
            revops, revops_rss = _run_child("customer_platform.tools.bench:_revops_child", log,
                                            root / "revops.json", root, landing)
            if not revops["success"] or revops["checks_failed"]:
                raise RuntimeError(f"the revops + exports layer failed (see {log})")
            console.print(f"  revops + exports layer alone ({revops['assets']} assets): "
                          f"{revops['seconds']:.1f} s, peak RSS {revops_rss:,.0f} MiB "
                          f"({_steps(revops)})")
            analytics = _analytics(root, landing, customers)
            rows.append({"customers": customers, "generator": gen, "materialise": mat,
                         "peak_rss_mib": rss, "analytics": analytics,
                         "revops": revops, "revops_rss_mib": revops_rss})
    table = Table(title=f"customer-platform bench (one day, {BENCH_DAY}, seed {seed})")
    for name in ("customers", "gen rows", "gen rows/s", "gen MB/s", "graph wall s",
                 "bronze+silver s", "gold s", "rows/s", "peak RSS MiB", "checks passed",
                 "analytics s (first day / steady)", "analytics peak RSS MiB",
                 "revops+exports s", "revops+exports peak RSS MiB"):
        table.add_column(name, justify="right")
    for r in rows:
        g, m = r["generator"], r["materialise"]
        table.add_row(
            f"{r['customers']:,}", f"{g['rows']:,}", f"{g['rows_per_s']:,.0f}",
            f"{g['mb_per_s']:.1f}", f"{m['seconds']:.1f}",
            f"{m['layer_seconds']['bronze'] + m['layer_seconds']['silver']:.1f}",
            f"{m['layer_seconds']['gold']:.1f}",
            f"{m['bronze_rows'] / m['seconds']:,.0f}", f"{r['peak_rss_mib']:,.0f}",
            f"{m['checks'] - len(m['checks_failed'])}/{m['checks']}",
            f"{r['analytics']['first']['seconds']:.1f} / "
            f"{r['analytics']['steady']['seconds']:.1f}",
            f"{r['analytics']['first_rss_mib']:,.0f} / {r['analytics']['steady_rss_mib']:,.0f}",
            f"{r['revops']['seconds']:.1f}", f"{r['revops_rss_mib']:,.0f}",
        )
    if rows:
        console.print(table)
    if backfill_customers != 0:
        rows.append({"backfill": run_backfill(backfill_customers or BACKFILL_CUSTOMERS, seed,
                                              backfill_days)})
    if auc_customers != 0:
        auc = run_auc(auc_customers or AUC_CUSTOMERS, auc_days or AUC_DAYS, seed)
        rows.append({"auc": auc})
    return rows
