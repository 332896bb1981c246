"""``customer-platform bench``: the performance figures, measured here and printed.

For each customer count it generates one day of every source table (generator rows/s and
MB/s), then materialises the whole graph (bronze, silver, gold, every check) for that day
through Dagster's in-process executor in a child process on a fresh warehouse, and reports
the child's wall time, the time per layer (from the steps' own durations), rows/s and peak
RSS (from the kernel's accounting of the child, ``wait4``), so each size is measured alone.
The day is the first partition, so gold loads the snapshots' full history: the dearest day.
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

console = Console(width=None if Console().is_terminal else 120)

BENCH_DAY = dt.date(2026, 3, 2)


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

    graph = defs.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys() if k.path[0] in ("bronze", "silver", "gold")]
    job = defs.resolve_job_def("daily_platform")
    began = time.perf_counter()
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(partition_key=BENCH_DAY.isoformat(), instance=instance,
                                        asset_selection=keys, raise_on_error=False,
                                        run_config={"loggers": {"console": {"config": {
                                            "log_level": "WARNING"}}}})
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


def _run_child(data_root: Path, landing: Path, log: Path) -> tuple[dict, float]:
    """Start the child, wait for it with ``wait4`` and return its result and peak RSS (MiB)."""
    out = data_root / "result.json"
    code = (
        "import json, sys; from pathlib import Path; from customer_platform.bench import "
        "_materialise_child as m; "
        f"Path({str(out)!r}).write_text(json.dumps(m(Path({str(data_root)!r}), "
        f"Path({str(landing)!r}))))"
    )
    with log.open("w") as handle:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=handle, stderr=handle)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"benchmark child failed (exit {child.returncode}); see {log}")
    return json.loads(out.read_text()), usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def run_benchmarks(sizes: list[int], seed: int = 42) -> list[dict]:
    rows = []
    for customers in sizes:
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
            mat, rss = _run_child(root, landing, log)
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
            rows.append({"customers": customers, "generator": gen, "materialise": mat,
                         "peak_rss_mib": rss})
    table = Table(title=f"customer-platform bench (one day, {BENCH_DAY}, seed {seed})")
    for name in ("customers", "gen rows", "gen rows/s", "gen MB/s", "graph wall s",
                 "bronze+silver s", "gold s", "rows/s", "peak RSS MiB", "checks passed"):
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
        )
    console.print(table)
    return rows
