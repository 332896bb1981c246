"""Running the daily job day after day in this process, with a progress bar on the terminal.

``customer-platform materialize`` (one worker), ``export`` and ``demo`` run their days this
way, and so does the benchmark's one-worker backfill; ``backfill.py`` holds the runs of a
day and the parallel backfill.
"""

import datetime as dt
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

console = Console(stderr=True)


def progress_bar() -> Progress:
    """The bar the terminal commands share: done/total, time left, what is being done."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[current]}"),
        console=console,
    )


def ensure_dagster_home() -> Path:
    """The Dagster home the runs record into: ``$DAGSTER_HOME``, else one under the data root."""
    from customer_platform import settings

    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_root() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():  # a local, embedded instance (customer_platform.local_instance)
        from customer_platform.local_instance import instance_yaml

        config.write_text(instance_yaml(home.resolve()))
    os.environ["DAGSTER_HOME"] = str(home.resolve())
    return home


def sized_range_days(days: list[str], landing_root: Path) -> int:
    """The days of a range for ``days`` of the landing files under ``landing_root``: what
    holds ``settings.RANGE_LANDING_BYTES`` of a mean day's files, from 1 to
    ``settings.MAX_RANGE_DAYS`` (a window with no landing files yet:
    ``settings.DEFAULT_RANGE_DAYS``). A quarter of a 1,000-customer company (0.5 MB a day)
    is one range: March to May took 247 s as one range against 276 s as three of 31
    (docs/performance.md)."""
    from customer_platform import settings
    from customer_platform.bronze.landing import FORMATS
    from customer_platform.contracts import DECLARED_TABLES

    held = [path.stat().st_size for day in days for table in DECLARED_TABLES for fmt in FORMATS
            if (path := table.landing_path(landing_root, dt.date.fromisoformat(day), fmt))
            .exists()]
    if not held or not days:
        return settings.DEFAULT_RANGE_DAYS
    per_day = sum(held) / len(days)
    fits = int(settings.RANGE_LANDING_BYTES // max(per_day, 1))
    return max(1, min(settings.MAX_RANGE_DAYS, fits))


def _say(day: str, step: str, message: str) -> None:
    """A failed step: one line with its cause, not Dagster's traceback."""
    console.print(f"[red]{day} {step}:[/] {message}", soft_wrap=True)


def materialize_days(start: dt.date, end: dt.date, select: str | None = None,
                     groups: tuple[str, ...] = (), range_days: int | None = None,
                     resume: bool = False) -> list[str]:
    """Run the daily job over the days in ranges of ``range_days`` (default:
    ``settings.range_days()`` if the deployment sets it, else ``sized_range_days``), in order;
    without a selection, each range is followed by the analytics and the audit. A failing day
    stops the backfill there (the days before it are materialised); return it and the days
    not run. With ``resume``, the leading days on which every selected asset is already
    materialised are skipped. The progress bar shows the days done, the time left, the asset
    being materialised and the rows written so far."""
    from dagster import AssetSelection, DagsterInstance

    from customer_platform import settings
    from customer_platform.definitions import defs
    from customer_platform.generator import days_between
    from customer_platform.tools.backfill import DAILY_JOB, run_range

    ensure_dagster_home()
    selection = None
    if select:
        selection = AssetSelection.from_coercible(select.split(","))
    if groups:
        selection = AssetSelection.groups(*groups)
    keys = list(selection.resolve(defs.resolve_asset_graph())) if selection else None
    failed: list[str] = []
    days = [day.isoformat() for day in days_between(start, end)]
    with DagsterInstance.get() as instance, progress_bar() as progress:
        if resume:
            chosen = keys or defs.resolve_job_def(DAILY_JOB).asset_layer.selected_asset_keys
            days = days[first_not_materialised(instance, chosen, days):]
        size = range_days or (settings.range_days() if settings.range_days_set()
                              else sized_range_days(days, settings.landing_root()))
        if len(days) > 1:
            console.print(f"{len(days)} days in ranges of up to {size} (one run each)")
        task = progress.add_task("materialising", total=len(days), current="")
        for first in range(0, len(days), size):
            chunk = days[first:first + size]
            label = chunk[0] if len(chunk) == 1 else f"{chunk[0]}..{chunk[-1][5:]}"
            progress.update(task, current=label)

            def show(step: str, rows: int, share: float | None, label=label,
                     first=first, chunk=chunk) -> None:
                """The step at work; within the daily run, the bar moves by the share of the
                range's asset-days materialised (a quarter's range is minutes long)."""
                moved = {} if share is None else {"completed": first + share * len(chunk)}
                progress.update(task, current=f"{label} {step}" + (f" · {rows:,} rows" if rows
                                                                   else ""), **moved)

            done = run_range(instance, chunk, keys, not selection, failed, show, _say)
            progress.update(task, completed=first + len(done))
            if failed:
                failed += days[first + size:]
                break
    return sorted(set(failed))


def first_not_materialised(instance, keys, days: list[str]) -> int:
    """The index of the first of ``days`` on which one of ``keys`` is not materialised."""
    held = [instance.get_materialized_partitions(key) for key in keys]
    return next((i for i, day in enumerate(days) if any(day not in h for h in held)), len(days))
