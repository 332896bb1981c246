"""``customer-platform bench``: the performance figures, measured here and printed.

For each customer count it generates one day of every source table (generator rows/s and
MB/s), then materialises the whole graph (bronze, silver, gold, every check) for that day
through Dagster's in-process executor in a child process on a fresh warehouse, and reports
the child's wall time, the time per layer (from the steps' own durations), rows/s and peak
RSS (from the kernel's accounting of the child, ``wait4``), so each size is measured alone;
bronze's and silver's rows/s are printed beside their bare engines' on the same files
(``bench_engine``).
The day is the first partition, so gold loads the snapshots' full history: the dearest day.

Then the backfill figures: the wall time of a 30-day backfill of the whole graph (the daily
job, the analytics and the audit, as ``customer-platform materialize`` runs it) day by day and
in ranged runs (``customer_platform/tools/backfill.py``), each on the same generated landing
zone with a fresh warehouse and Dagster home, in a child process whose peak RSS is reported,
and the speed-up.

``--history`` runs only the history benchmark (``run_history``): a year (``--history-days``) of
a 1,000-customer company generated once, loaded ranged from an empty warehouse as the whole
graph (daily job with the exports, analytics, audit, then the report); on that warehouse an
ordinary day and the day after the history alone, a 14-day slice day by day and ranged, and
where the time of a profiled ranged and single day goes (Dagster's bookkeeping, DuckDB,
validation, the rest), and Dagster's own cost of a ranged day unprofiled (an empty graph,
``bench_dagster``). Each phase runs in its own child; each figure is printed beside its
target (a year under 15 minutes and 6 GiB, the next day within 1.2 ordinary days, ranged runs
at least 10x cheaper a day).
"""

import contextlib
import cProfile
import datetime as dt
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from customer_platform.settings import DEFAULT_RANGE_DAYS
from customer_platform.tools.bench_analytics import WARNINGS_LOGGED
from customer_platform.tools.step_memory import MemorySampler, peaks_text

console = Console(width=None if Console().is_terminal else 120)

BENCH_DAY = dt.date(2026, 3, 2)
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


def _point_at(data_root: Path, landing: Path, partition_start: str) -> None:
    """In a child process, before the platform reads its settings: the warehouse and Dagster
    home under ``data_root`` (exports and reports beside the warehouse, whatever the caller's
    environment says, so a bench never writes into a real warehouse), the landing zone and the
    first partition. Progress bars are drawn into the child's log as on a terminal, so
    ``tail -f`` on the log shows a long phase moving."""
    from customer_platform.tools.bench_analytics import _environment

    _environment(Path(data_root), Path(landing), dt.date.fromisoformat(partition_start))
    for name in ("CUSTOMER_PLATFORM_WAREHOUSE", "CUSTOMER_PLATFORM_EXPORTS",
                 "CUSTOMER_PLATFORM_REPORTS"):
        os.environ.pop(name, None)
    os.environ["DAGSTER_HOME"] = str(Path(data_root) / "dagster_home")
    os.environ["TTY_COMPATIBLE"] = "1"  # rich draws its live bar into a file too


def _materialise_child(data_root: Path, landing: Path) -> dict:
    """Runs in the child process: the whole graph (and its checks) for ``BENCH_DAY``."""
    _point_at(data_root, landing, BENCH_DAY.isoformat())
    import duckdb
    from dagster import DagsterInstance

    from customer_platform import settings
    from customer_platform.definitions import defs
    from customer_platform.tools.backfill import job_subset, partition_tags
    from customer_platform.tools.location_runs import run_in_process

    job = defs.resolve_job_def("daily_platform")
    keys = [k for k in job.asset_layer.selected_asset_keys
            if k.path[0] in ("bronze", "silver", "gold")]
    began = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        # the job's own checks only: the freshness checks are their sensor's, against the wall
        # clock, and would fail on the pinned day
        with MemorySampler() as memory:
            result = run_in_process(job_subset(job, keys), instance, run_config=WARNINGS_LOGGED,
                                    tags=partition_tags([BENCH_DAY.isoformat()]))
        seconds = time.perf_counter() - began
        peak_steps = memory.peaks(instance, [result.run_id], top=3)
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
            return sum(con.execute(f"SELECT count(*) FROM {schema}.{n}").fetchall()[0][0]
                       for n in names)

        counts = {"bronze_rows": total("bronze"), "silver_rows": total("silver"),
                  "rejected_rows": total("silver", "_rejects"),
                  "gold_rows": con.execute("SELECT coalesce(sum(estimated_size), 0) FROM "
                                           "duckdb_tables() WHERE schema_name = 'gold'"
                                           ).fetchall()[0][0]}
    from customer_platform.tools.bench_engine import baseline

    return {
        "success": result.success,
        "seconds": seconds,
        "engine": baseline(Path(landing), BENCH_DAY),  # the same files, warm as the run left them
        "assets": len(keys),
        "layer_seconds": layers,
        "peak_steps": peak_steps,
        "checks": len(checks),
        "checks_failed": [f"{c.asset_key.to_user_string()}:{c.check_name}"
                          for c in checks if not c.passed],
        **counts,
    }


def _beside_engines(mat: dict) -> str:
    """Bronze's and silver's rows/s beside their bare engines' on the same files
    (``bench_engine``): the source rows over each layer's step time."""
    engine, layers, rows = mat["engine"], mat["layer_seconds"], mat["bronze_rows"]
    parts = []
    for layer, bare, what in (("bronze", engine["read_rows_per_s"], "DuckDB read"),
                              ("silver", engine["clean_rows_per_s"], "Polars clean")):
        rate = rows / layers[layer] if layers[layer] else 0.0
        parts.append(f"{layer} {rate:,.0f} rows/s (bare {what} of the same {engine['rows']:,} "
                     f"rows: {bare:,.0f} rows/s; {rate / bare if bare else 0:.0%} of it)")
    return "; ".join(parts)


def _revops_child(data_root: Path, landing: Path) -> dict:
    """Runs in a child process after the whole graph: the revenue-operations and export
    assets alone for ``BENCH_DAY`` on that warehouse, so the layer's wall time and peak RSS
    are its own."""
    _point_at(data_root, landing, BENCH_DAY.isoformat())
    from dagster import DagsterInstance

    from customer_platform.definitions import defs
    from customer_platform.tools.backfill import job_subset, partition_tags
    from customer_platform.tools.location_runs import run_in_process

    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys()
            if graph.get(k).group_name in ("gold_revops", "gold_exports")]
    job = job_subset(defs.resolve_job_def("daily_platform"), keys)
    began = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        result = run_in_process(job, instance, run_config=WARNINGS_LOGGED,
                                tags=partition_tags([BENCH_DAY.isoformat()]))
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


#: The purchase model's bench: simulated customers (target: fit and score under 60 s, 4 GiB).
CLV_CUSTOMERS, CLV_TARGET_S, CLV_TARGET_MIB = 100_000, 60, 4 * 1024


def run_clv(customers: int, seed: int) -> dict:
    """The purchase model fitted and scored for ``customers`` simulated from known parameters
    (a child process), with its calibration/holdout error."""
    with tempfile.TemporaryDirectory(prefix="customer_platform_bench_clv_") as tmp:
        log = Path(tempfile.gettempdir()) / "customer_platform_bench_clv.log"
        console.print(f"[bold]purchase model[/]: {customers:,} customers simulated from known "
                      "BG/NBD and Gamma-Gamma parameters over a year ...")
        clv, rss = _run_child("customer_platform.tools.bench_clv:purchase_model", log,
                              Path(tmp) / "clv.json", customers, seed)
    seconds = clv["fit_s"] + clv["score_s"]
    verdict = "met" if seconds < CLV_TARGET_S and rss < CLV_TARGET_MIB else "MISSED"
    console.print(
        f"  {clv['purchases']:,} purchases; likelihoods compiled in {clv['compile_s']:.1f} s "
        f"(once per process), fit {clv['fit_s']:.2f} s, scored {clv['score_s']:.2f} s, peak "
        f"RSS {rss:,.0f} MiB: target {CLV_TARGET_S} s and {CLV_TARGET_MIB:,} MiB {verdict}")
    estimates = ", ".join(f"{k} {v:.3g} ({clv['true'][k]:g})" for k, v in clv["params"].items())
    console.print(f"  estimates (truth): {estimates}")
    error = clv["holdout_predicted"] / clv["holdout_actual"] - 1 if clv["holdout_actual"] else 0
    console.print(
        f"  calibration/holdout ({clv['holdout_s']:.1f} s): {clv['holdout_predicted']:,.0f} "
        f"purchase days predicted, {clv['holdout_actual']:,.0f} made ({error:+.1%}); chart "
        f"error {clv['holdout_mae']:.3f} purchases per customer")
    return {**clv, "peak_rss_mib": rss}


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
    _point_at(data_root, landing, start)
    from customer_platform.tools import daily_runs

    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
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


#: ``--history``: a year of a 1,000-customer company, then what a day costs on it. Day 1 is
#: ``BACKFILL_START``; day N+1 is the day after the N days of history.
HISTORY_DAYS, HISTORY_CUSTOMERS = 365, 1_000
#: The ordinary day re-run alone, and the slice re-run day by day and ranged (days 100..113).
HISTORY_ORDINARY_DAY, HISTORY_SLICE_START, HISTORY_SLICE_DAYS = 60, 100, 14
#: The targets: a year loaded in 15 minutes in under 6 GiB; the day after the history no
#: dearer than 1.2 ordinary days; ranged runs at least 10x cheaper a day than single days.
LOAD_TARGET_S, RSS_TARGET_MIB, NEXT_DAY_TARGET, SPEED_UP_TARGET = 15 * 60, 6 * 1024, 1.2, 10.0
#: Dagster's bookkeeping: creating runs (and their planned events), creating and storing events
#: (step start, outputs, materialisations, check evaluations: ``handle_new_event``,
#: ``store_event``), reading the event log back (data versions, checks' materialisations).
BOOKKEEPING_MODULES = tuple(f"/dagster/_core/{part}/" for part in (
    "instance", "events", "storage/event_log", "storage/runs"))
#: Where a profiled run's time goes, in order of precedence: (category, test of a profiled
#: function's (file, name)). Bookkeeping is matched by its modules' public functions: the
#: private ones run inside them, often through a context manager or a generator, which pstats
#: cannot place. DuckDB is every call into it that the profiler sees: its Python layer's public
#: functions (DuckDB 2: relations, ``sql``, ``pl``) and its extension's methods where they are
#: C functions (DuckDB 1). DuckDB 2's extension methods (``execute``, ``fetchall``, ``commit``)
#: are nanobind callables, which cProfile does not see: their time falls in their callers, so
#: the DuckDB share is a lower bound. Pandera's ``validate`` runs on Polars, not DuckDB.
SHARE_CATEGORIES = (
    ("Dagster bookkeeping", lambda file, name: not name.startswith("_")
     and any(m in file for m in BOOKKEEPING_MODULES)),
    ("validation", lambda file, name: name == "validate" and "/pandera/" in file),
    ("DuckDB", lambda file, name: (file == "~" and "_duckdb." in name)
     or ("/duckdb/" in file and not name.startswith("_"))),
)


def time_shares(stats: dict, wall: float) -> dict[str, float]:
    """The share of ``wall`` seconds each of ``SHARE_CATEGORIES`` took, and the rest, from a
    pstats stats dict (function -> (cc, nc, tt, ct, callers)).

    A category's time is the cumulative time of its outermost entries: each of its functions'
    cumulative time from the callers that are not beneath a function of it or of an earlier
    category: ``store_event`` inside ``handle_new_event``, or the events a run's creation
    stores, count once, and a later category never counts time an earlier one holds. pstats
    keeps callers, not stacks: a caller found both inside and outside a category is taken to
    be beneath it for the share of its time spent there (``_beneath``), which is exact for the
    helpers called only inside or only outside (a generic one such as ``next`` misplaces a few
    percent). The profiler's overhead falls on Python calls,
    so against an unprofiled run it weighs the bookkeeping (many small Python calls) more and
    DuckDB (few long C calls) less."""
    shares: dict[str, float] = {}
    matched: set = set()
    for category, test in SHARE_CATEGORIES:
        mine = {f for f in stats if f not in matched and test(f[0], f[2])}
        matched |= mine
        beneath = _beneath(stats, matched)
        seconds = sum(timing[3] * (1 - beneath.get(caller, 0.0))
                      for function in mine for caller, timing in stats[function][4].items())
        shares[category] = seconds / wall
    shares["rest"] = 1 - sum(shares.values())
    return shares


def _beneath(stats: dict, matched: set) -> dict:
    """For each profiled function, the share of its time spent beneath a frame of ``matched``:
    1 for those, else its callers' shares weighted by the time each caller's calls took,
    iterated to a fixed point (the call graph has cycles)."""
    share = {function: float(function in matched) for function in stats}
    for _ in range(500):
        change = 0.0
        for function, (_, _, _, _, callers) in stats.items():
            total = sum(timing[3] for timing in callers.values())
            if function in matched or not total:
                continue
            new = sum(t[3] * share.get(caller, 0.0) for caller, t in callers.items()) / total
            change, share[function] = max(change, abs(new - share[function])), new
        if change < 1e-9:
            break
    return share


def as_of_the_day_after(last: dt.date):
    """A context in which Dagster's daily partitions end with ``last``: they end with the last
    whole day before now, so a pinned history would run only until its days are past. Runs as
    of the midnight after ``last``, whatever today's date is."""
    from dagster import partition_loading_context

    return partition_loading_context(effective_dt=dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC))


def _history_child(data_root: Path, landing: Path, start: str, end: str,
                   range_days: int | None, profile: bool = False) -> dict:
    """Runs in the child process: the whole graph over ``start`` .. ``end`` on the warehouse
    and Dagster home under ``data_root`` (made if absent, else added to: a day held is
    replaced), partitions from ``BACKFILL_START`` whatever the window. The whole graph is what
    ``customer-platform materialize`` runs (the daily job, BI exports included, then the
    analytics and the audit, range by range), then the report asset over the same ranges (the
    file ``customer-platform report`` writes, as the UI would materialise it). With
    ``profile``, under cProfile (this thread only), and the time shares are returned. The
    child runs as of the day after ``end``, whatever today's date is."""
    _point_at(data_root, landing, BACKFILL_START.isoformat())
    from dagster import DagsterInstance

    from customer_platform.report import REPORT_GROUP
    from customer_platform.tools import daily_runs

    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    profiler = cProfile.Profile() if profile else contextlib.nullcontext()
    began = time.perf_counter()
    with profiler, as_of_the_day_after(last), MemorySampler() as memory:
        failed = daily_runs.materialize_days(first, last, range_days=range_days)
        graph_seconds = time.perf_counter() - began
        if not failed:
            failed = daily_runs.materialize_days(first, last, groups=(REPORT_GROUP,),
                                                 range_days=range_days)
    seconds = time.perf_counter() - began
    with DagsterInstance.get() as instance:  # the steps of this child's runs set its peak
        peak_steps = memory.peaks(instance)
    result = {"seconds": seconds, "report_s": seconds - graph_seconds, "failed": failed,
              "peak_steps": peak_steps}
    if profile:
        result["shares"] = time_shares(pstats.Stats(profiler).stats, seconds)
    return result


def _floor_child(data_root: Path, landing: Path, home: Path) -> dict:
    """Runs in the child process: Dagster's own cost of a ranged day (``bench_dagster``)."""
    _point_at(data_root, landing, BACKFILL_START.isoformat())
    from customer_platform.tools.bench_dagster import floor_child

    return floor_child(str(home), BACKFILL_START.isoformat())


def _history_day(number: int) -> dt.date:
    """Day ``number`` of the history: day 1 is ``BACKFILL_START``."""
    return BACKFILL_START + dt.timedelta(days=number - 1)


def _history_phase(root: Path, phase: str, label: str, days: tuple[int, int],
                   range_days: int | None, profile: bool = False) -> dict:
    """One phase of the history benchmark in its own child, on the history's warehouse under
    ``root``: the result, its days, seconds a day and the child's peak RSS (MiB). Ranges of
    ``range_days``, or (None) sized to the landing files as ``materialize`` sizes them."""
    first, last = days
    log = Path(tempfile.gettempdir()) / f"customer_platform_bench_history_{phase}.log"
    if range_days is None:
        from customer_platform.tools.daily_runs import sized_range_days

        window = [_history_day(n).isoformat() for n in range(first, last + 1)]
        ranges = f"ranges sized to the landing files ({sized_range_days(window, root / 'landing')})"
    else:
        ranges = f"ranges of {range_days}"
    console.print(f"  {label}: days {first}..{last} ({_history_day(first)} .. "
                  f"{_history_day(last)}), {ranges} (progress: tail -f {log}) ...")
    result, rss = _run_child("customer_platform.tools.bench:_history_child", log,
                             root / f"{phase}.json", root / "warehouse", root / "landing",
                             _history_day(first).isoformat(), _history_day(last).isoformat(),
                             range_days, profile)
    if result["failed"]:
        raise RuntimeError(f"{label} failed on {', '.join(result['failed'])} (see {log})")
    count = last - first + 1
    result.update(days=count, per_day=result["seconds"] / count, peak_rss_mib=rss)
    return result


def _shares_text(shares: dict) -> str:
    return ", ".join(f"{name} {share:.0%}" for name, share in shares.items())


def run_history(days: int = HISTORY_DAYS, customers: int = HISTORY_CUSTOMERS, seed: int = 42,
                slice_start: int = HISTORY_SLICE_START) -> dict:
    """A year of history, then what a day costs on it (``customer-platform bench --history``),
    each phase in its own child process on the one warehouse the load makes: the load of days
    1..``days`` from empty, ranged; an ordinary day and day N+1 alone; the slice (14 days from
    ``slice_start``, else the last 14) day by day and ranged; and where a ranged and a single
    day's time goes. Prints each figure beside its target and returns the figures."""
    if days < 1:
        raise ValueError("--history-days must be 1 or more")
    ordinary = min(HISTORY_ORDINARY_DAY, days)
    first = slice_start if 1 <= slice_start <= days - HISTORY_SLICE_DAYS + 1 else max(
        1, days - HISTORY_SLICE_DAYS + 1)
    sliced = (first, min(first + HISTORY_SLICE_DAYS - 1, days))
    figures: dict = {"days": days, "customers": customers, "seed": seed}
    with tempfile.TemporaryDirectory(prefix="customer_platform_bench_history_") as tmp:
        root = Path(tmp)
        console.print(f"[bold]history[/]: {customers:,} customers, {days} days "
                      f"({_history_day(1)} .. {_history_day(days)}) and day N+1, the whole "
                      "graph (daily job with the exports, analytics, audit, report); "
                      f"generating {days + 1} days ...")
        from customer_platform.generator import generate

        stats = generate(root / "landing", _history_day(1), _history_day(days + 1),
                         customers=customers, seed=seed)
        figures["generate"] = {"rows": stats.rows, "files": stats.files,
                               "seconds": stats.seconds}
        console.print(f"  generated {stats.rows:,} rows in {stats.files:,} files "
                      f"({stats.seconds:,.0f} s)")

        load = figures["load"] = _history_phase(root, "load", "history load, from empty",
                                                (1, days), None)
        console.print(f"  history load: [bold]{load['seconds']:,.0f} s[/] "
                      f"({load['per_day']:.1f} s a day, the report {load['report_s']:,.0f} s "
                      f"of it), peak RSS {load['peak_rss_mib']:,.0f} MiB (by step: "
                      f"{peaks_text(load['peak_steps'])})")

        again = figures["ordinary_day"] = _history_phase(
            root, "ordinary_day", f"day {ordinary} again", (ordinary, ordinary), 1)
        after = figures["next_day"] = _history_phase(root, "next_day", "day N+1",
                                                     (days + 1, days + 1), 1)
        figures["next_day_ratio"] = after["seconds"] / again["seconds"]
        console.print(f"  day {ordinary} again {again['seconds']:.1f} s, day N+1 "
                      f"{after['seconds']:.1f} s: [bold]{figures['next_day_ratio']:.2f}x[/]")

        by_day = _history_phase(root, "slice_by_day", "slice day by day", sliced, 1)
        ranged = _history_phase(root, "slice_ranged", "slice ranged", sliced, None)
        figures["slice"] = {"days": sliced, "by_day": by_day, "ranged": ranged,
                            "speed_up": by_day["per_day"] / ranged["per_day"]}
        console.print(f"  slice: day by day {by_day['per_day']:.1f} s a day, ranged "
                      f"{ranged['per_day']:.1f} s a day: [bold]"
                      f"{figures['slice']['speed_up']:.2f}x[/] faster a day")

        one_range = (first, min(first + DEFAULT_RANGE_DAYS - 1, sliced[1]))
        figures["shares"] = {}
        for mode, days_run, size in (("ranged", one_range, DEFAULT_RANGE_DAYS),
                                     ("day by day", (first, first), 1)):
            profiled = _history_phase(root, f"profile_{mode.replace(' ', '_')}",
                                      f"profile, {mode}", days_run, size, profile=True)
            figures["shares"][mode] = profiled["shares"]
            console.print(f"  where the time goes, {mode} ({profiled['seconds']:,.0f} s "
                          f"under cProfile): {_shares_text(profiled['shares'])}")

        from customer_platform.tools import bench_dagster

        floor, _ = _run_child("customer_platform.tools.bench:_floor_child",
                              root / "dagster_floor.log", root / "dagster_floor.json",
                              root / "warehouse", root / "landing", root / "dagster_floor")
        floor["seconds_a_day"] = bench_dagster.floor_seconds(floor)
        floor["share"] = floor["seconds_a_day"] / ranged["per_day"]
        figures["dagster_floor"] = floor
        console.print(f"  Dagster alone, unprofiled ({bench_dagster.FLOOR_ASSETS} empty "
                      f"assets, {bench_dagster.FLOOR_DAYS} days in one run): "
                      f"{floor['asset_day_ms']:.1f} ms a materialised asset-day, "
                      f"{floor['check_ms']:.1f} ms a check evaluation; for the graph's "
                      f"{floor['assets']} assets and {floor['checks']} checks "
                      f"{floor['seconds_a_day']:.1f} s of a ranged day's "
                      f"{ranged['per_day']:.1f} s ({floor['share']:.0%})")
    figures["passed"] = {
        "load": load["seconds"] <= LOAD_TARGET_S * days / 365,
        "peak_rss": load["peak_rss_mib"] <= RSS_TARGET_MIB,
        "next_day": figures["next_day_ratio"] <= NEXT_DAY_TARGET,
        "speed_up": figures["slice"]["speed_up"] >= SPEED_UP_TARGET,
    }
    console.print(_history_table(figures, ordinary))
    return figures


def _history_table(figures: dict, ordinary: int) -> Table:
    """Every figure of the history benchmark beside its target, PASS or MISS."""
    def mark(name: str) -> str:
        return "[green]PASS[/]" if figures["passed"][name] else "[red]MISS[/]"

    days, load, cut = figures["days"], figures["load"], figures["slice"]
    gen = figures["generate"]
    table = Table(title=f"customer-platform bench --history ({figures['customers']:,} "
                        f"customers, {days} days, seed {figures['seed']})")
    for name in ("figure", "measured", "target", ""):
        table.add_column(name, justify="left" if name == "figure" else "right")
    rows = [
        ("generated (days 1..N+1)", f"{gen['rows']:,} rows, {gen['files']:,} files, "
         f"{gen['seconds']:,.0f} s", "", ""),
        (f"history load, {days} days", f"{load['seconds']:,.0f} s ({load['per_day']:.1f} s a "
         "day)", f"< {LOAD_TARGET_S * days / 365:,.0f} s (15 min a year)", mark("load")),
        ("history load, peak RSS", f"{load['peak_rss_mib']:,.0f} MiB",
         f"< {RSS_TARGET_MIB:,} MiB", mark("peak_rss")),
        (f"day {ordinary} again / day N+1", f"{figures['ordinary_day']['seconds']:.1f} s / "
         f"{figures['next_day']['seconds']:.1f} s = {figures['next_day_ratio']:.2f}x",
         f"<= {NEXT_DAY_TARGET}x", mark("next_day")),
        (f"slice days {cut['days'][0]}..{cut['days'][1]}: day by day / ranged",
         f"{cut['by_day']['per_day']:.1f} / {cut['ranged']['per_day']:.1f} s a day = "
         f"{cut['speed_up']:.2f}x", f">= {SPEED_UP_TARGET:.0f}x", mark("speed_up")),
    ]
    rows += [(f"time shares, {mode}", _shares_text(shares), "", "")
             for mode, shares in figures["shares"].items()]
    floor = figures["dagster_floor"]
    rows.append(("Dagster alone, a ranged day (unprofiled)",
                 f"{floor['seconds_a_day']:.1f} s of {cut['ranged']['per_day']:.1f} s "
                 f"({floor['share']:.0%})", "", ""))
    for row in rows:
        table.add_row(*row)
    return table


def run_benchmarks(sizes: list[int], seed: int = 42, auc_customers: int | None = None,
                   auc_days: int | None = None,
                   backfill_customers: int | None = BACKFILL_CUSTOMERS,
                   backfill_days: int = BACKFILL_DAYS,
                   clv_customers: int = CLV_CUSTOMERS) -> list[dict]:
    """The figures for each size (a size of 0 is skipped); then, unless
    ``backfill_customers`` is 0, the backfill's wall time day by day and ranged; then,
    unless ``auc_customers`` is 0, the churn model's held-out AUC; then, unless
    ``clv_customers`` is 0, the purchase model's fit and score."""
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
                f"{mat['bronze_rows'] / mat['seconds']:,.0f} rows/s, peak RSS {rss:,.0f} MiB "
                f"(by step: {peaks_text(mat['peak_steps'])})"
            )
            console.print(f"  {_beside_engines(mat)}")
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
    if clv_customers != 0:
        rows.append({"clv": run_clv(clv_customers, seed)})
    return rows
