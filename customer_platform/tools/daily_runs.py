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
    if not config.exists():  # a local, embedded instance: no usage statistics leave it
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home.resolve())
    return home


def _say(day: str, step: str, message: str) -> None:
    """A failed step: one line with its cause, not Dagster's traceback."""
    console.print(f"[red]{day} {step}:[/] {message}", soft_wrap=True)


def materialize_days(start: dt.date, end: dt.date, select: str | None = None,
                     groups: tuple[str, ...] = ()) -> list[str]:
    """Run the daily job for each day in order (then, without a selection, the analytics the
    sensor requests and the audit); return the failed partition keys. The progress bar shows
    the days done, the time left, the asset being materialised and the rows written so far."""
    from dagster import AssetSelection, DagsterInstance

    from customer_platform.definitions import defs
    from customer_platform.generator import days_between
    from customer_platform.tools.backfill import run_day

    ensure_dagster_home()
    selection = None
    if select:
        selection = AssetSelection.from_coercible(select.split(","))
    if groups:
        selection = AssetSelection.groups(*groups)
    keys = list(selection.resolve(defs.resolve_asset_graph())) if selection else None
    failed: list[str] = []
    cursor = None
    days = days_between(start, end)
    with DagsterInstance.get() as instance, progress_bar() as progress:
        task = progress.add_task("materialising", total=len(days), current="")
        for day in days:
            progress.update(task, current=f"{day}")

            def show(step: str, rows: int, day=day) -> None:
                progress.update(task, current=f"{day} {step}" + (f" · {rows:,} rows" if rows
                                                                 else ""))

            _, cursor = run_day(instance, day.isoformat(), keys, not selection, cursor, failed,
                                show, _say)
            progress.update(task, advance=1)
    return sorted(set(failed))
