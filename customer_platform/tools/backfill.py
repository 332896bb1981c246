"""Backfills: the days of a window, with one worker in day order or with N in parallel.

One worker (the default) is ``materialize_days`` in ``daily_runs.py``: each day's daily run, then
the analytics the sensor would request and the audit, in day order, in this process.

N workers (``customer-platform materialize --workers N``) run each day as two Dagster runs,
handed to N worker processes by a small dependency-aware scheduler (``Schedule``):

- **ingest D**: bronze and silver, the daily job's assets under the ``bronze/`` and
  ``silver/`` key prefixes. They read their own day only (the landing files of D, bronze D),
  so ingest days run in any order, in parallel, ahead of the rest.
- **gold D**: the rest of the daily job (gold, exports), then what ``materialize_days`` does
  after each day: the analytics runs ``gold_analytics_sensor`` would request, and the audit.
  A gold partition D is a pure function of the partitions up to D (aggregates read facts of
  D-30..D, SCD2 dimensions silver D and D-1, facts the dimension versions loaded by D, the
  analytics layer earlier days' summaries, features and labels), so gold D waits for ingest
  D *and* for gold D-1: the gold days form one chain, in day order.

A free worker takes the next gold day when it is ready, else the next ingest day, so one
worker walks the gold chain while the others ingest ahead. A failed ingest or gold run of a
day stops the gold of that day and every later day (each would read the failed day); ingest
of later days goes on (it reads nothing else), and the days whose gold did not run are
returned with the failed ones.

Why whole runs in a pool of worker processes, not the multiprocess executor: that executor
starts a Python process per step, seconds each on two cores, for the ~200 steps of a day, and
every one of those processes would still take its turn with the one DuckDB file. Here each
worker imports the code location once and runs its days with the in-process executor, on the
same DagsterInstance (``DAGSTER_HOME``; SQLite works across processes) and the same warehouse.

One writer per file: DuckDB lets one process write a file at a time, so the workers take
turns: ``resources.open_warehouse`` waits for an exclusive lock file before DuckDB's own, and
no run meets DuckDB's lock error, whatever the interleaving. A worker's run holds the file for
its whole length (``CUSTOMER_PLATFORM_WAREHOUSE_HOLD=run``, the default), not per connection
(``step``, which the workers keep if it is set): every opening of the warehouse reads its
catalogue (about 100 ms for its ~150 tables and views) and a day's runs open it some 340
times, so turns per connection made two workers twice as slow as one (10 days, 20 customers,
two shared cores: one worker 371 s; two holding per run 410 s; per step 738 s). On one DuckDB
file a second worker therefore gains only what lies outside the runs' hold of the file
(creating runs and their planned events, the scheduler's reads of the event log), which is
why ``customer-platform bench`` measures it; with the Delta storage
(``CUSTOMER_PLATFORM_STORAGE=delta``), which has no single writer, the runs write at once.
"""

import concurrent.futures as futures
import dataclasses
import datetime as dt
import multiprocessing
import os
import queue as queues
import resource
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

#: The daily job's assets under these key prefixes read only their own day.
INGEST_PREFIXES = ("bronze", "silver")
DAILY_JOB = "daily_platform"
#: Step-by-step events go to the run's event log (the UI); the terminal shows progress, and
#: for a failed step one line with its cause (``report_failures``), not Dagster's traceback.
QUIET_RUN = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}

#: say(day, step key, message): how a failed step is reported (printed, or sent back).
Say = Callable[[str, str, str], None]


def step_failures(result) -> list[tuple[str, str]]:
    """(step key, first line of the project's own error) for each failed step of a run."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause:  # the project's own error, not Dagster's wrapper around it
                error = error.cause
            message = error.message.strip().splitlines()[0] if error.message.strip() else ""
            lines.append((event.step_key, message))
    return lines


def report_failures(result, day: str, failed: list[str], say: Say) -> None:
    if not result.success:
        failed.append(day)
        for step, message in step_failures(result):
            say(day, step, message)


def run_analytics_requests(instance, cursor: str | None, failed: list[str], say: Say
                           ) -> str | None:
    """What ``gold_analytics_sensor`` does under ``dagster dev``: one tick, its runs in order."""
    from customer_platform.definitions import defs
    from customer_platform.orchestration.analytics_sensor import evaluate
    from customer_platform.orchestration.jobs import ANALYTICS_JOB

    requests, cursor = evaluate(instance, cursor)
    job = defs.resolve_job_def(ANALYTICS_JOB)
    for request in requests:
        result = job.execute_in_process(
            partition_key=request.partition_key, instance=instance, raise_on_error=False,
            asset_selection=list(request.asset_selection), tags=request.tags,
            run_config=QUIET_RUN)
        report_failures(result, request.partition_key, failed, say)
    return cursor


def run_day(instance, day: str, keys: Sequence | None, follow_up: bool, cursor: str | None,
            failed: list[str], show: Callable[[str, int], None], say: Say
            ) -> tuple[bool, str | None]:
    """One day's run of the daily job (``keys``: its assets, None for all), watched by
    ``show(step, rows)``; with ``follow_up``, then the analytics requests and the audit.
    Returns whether the daily job's run succeeded, and the analytics cursor."""
    from customer_platform.definitions import defs
    from customer_platform.gold.audit import AUDIT_JOB_NAME
    from customer_platform.tools.run_progress import RunWatcher

    run_id = str(uuid.uuid4())
    job = defs.resolve_job_def(DAILY_JOB)
    if keys is not None:
        job = job_subset(job, keys)
    with RunWatcher(instance, run_id, show):
        result = job.execute_in_process(partition_key=day, instance=instance,
                                        raise_on_error=False, run_config=QUIET_RUN,
                                        run_id=run_id)
    report_failures(result, day, failed, say)
    if follow_up:  # what the sensors do under `dagster dev`
        show("analytics", 0)
        cursor = run_analytics_requests(instance, cursor, failed, say)
        show("audit", 0)
        defs.resolve_job_def(AUDIT_JOB_NAME).execute_in_process(
            partition_key=day, instance=instance, raise_on_error=False, run_config=QUIET_RUN)
    return result.success, cursor


def job_subset(job, keys: Sequence):
    """The daily job for ``keys`` and the job's own checks of them. (A subset by asset keys
    alone takes every check of the assets in the code location, the freshness checks the job
    leaves to their sensor included.)"""
    keys = set(keys)
    checks = {k for k in job.asset_layer.asset_graph.asset_check_keys if k.asset_key in keys}
    return job.get_subset(asset_selection=keys, asset_check_selection=checks)


# -- the stages of a day, from the real graph ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class Stages:
    """The asset keys of a day's two runs, and whether the analytics and audit follow gold."""

    ingest: tuple
    gold: tuple
    follow_up: bool


def backfill_stages(select: str | None = None, groups: Sequence[str] = ()) -> Stages:
    """Split the daily job (or the selection, as ``materialize_days`` takes it) into the
    per-day ingest assets (key prefixes ``INGEST_PREFIXES``) and the rest. Refuses a split in
    which an ingest asset reads a later-stage one (it could not run ahead)."""
    from dagster import AssetSelection

    from customer_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    if groups:
        chosen = AssetSelection.groups(*groups).resolve(graph)
    elif select:
        chosen = AssetSelection.from_coercible(select.split(",")).resolve(graph)
    else:
        chosen = defs.resolve_job_def(DAILY_JOB).asset_layer.selected_asset_keys
    ingest = AssetSelection.key_prefixes(*INGEST_PREFIXES).resolve(graph) & chosen
    gold = chosen - ingest
    leaks = sorted(k.to_user_string() for k in ingest if graph.get(k).parent_keys & gold)
    if leaks:
        raise ValueError(f"{leaks[0]} reads an asset outside bronze/silver: the ingest stage "
                         "could not run ahead of gold")

    def ordered(keys):
        return tuple(sorted(keys, key=lambda k: k.to_user_string()))

    return Stages(ordered(ingest), ordered(gold), follow_up=not (select or groups))


# -- the scheduler ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Task:
    stage: str  # "ingest" or "gold"
    day: str


@dataclasses.dataclass
class Schedule:
    """Which task a free worker takes next: the next gold day once its ingest and the day
    before's gold are done, else the next ingest day. Pure bookkeeping (tested alone)."""

    days: list[str]
    has_ingest: bool = True
    has_gold: bool = True
    ingested: set[str] = dataclasses.field(default_factory=set)
    gold_done: set[str] = dataclasses.field(default_factory=set)
    #: the first day whose gold must not run, and why
    blocked: str | None = None
    cause: str = ""
    _next_ingest: int = 0
    _next_gold: int = 0
    _gold_running: bool = False

    def next_task(self) -> Task | None:
        if self.has_gold and not self._gold_running and self._next_gold < len(self.days):
            day = self.days[self._next_gold]
            if (self.blocked is None or day < self.blocked) and (
                    not self.has_ingest or day in self.ingested):
                self._gold_running = True
                self._next_gold += 1
                return Task("gold", day)
        if self.has_ingest and self._next_ingest < len(self.days):
            self._next_ingest += 1
            return Task("ingest", self.days[self._next_ingest - 1])
        return None

    def finished(self, task: Task, ok: bool) -> None:
        if task.stage == "gold":
            self._gold_running = False
            if ok:
                self.gold_done.add(task.day)
            else:
                self._block(_next_day(task.day), f"the gold of {task.day} failed")
        elif ok:
            self.ingested.add(task.day)
        else:
            self._block(task.day, f"the ingest of {task.day} failed")

    def _block(self, day: str, cause: str) -> None:
        if self.blocked is None or day < self.blocked:
            self.blocked, self.cause = day, cause

    def not_run(self) -> list[str]:
        """The days whose gold did not run because an earlier stage failed."""
        if not self.has_gold or self.blocked is None:
            return []
        return [d for d in self.days if d >= self.blocked and d not in self.gold_done]


def _next_day(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


# -- the workers -----------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    ok: bool  # the daily job's run of the stage succeeded
    failed: list[str]  # every failed run's day (analytics runs included)
    messages: list[tuple[str, str, str]]  # (day, step, message) of each failed step
    cursor: str | None
    peak_rss_mib: float = 0.0  # the worker process's, so far


_WORKER: dict = {}


def _init_worker(slot: int, updates) -> None:
    _WORKER.update(slot=slot, updates=updates)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker outlives a killed coordinator (it would finish its run, then more): it stops
    when its parent is gone instead, as a crash would (the run stays STARTED in the UI)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def run_stage(task: Task, keys: tuple, follow_up: bool, cursor: str | None) -> Outcome:
    """In a worker process: one stage of one day, on the shared instance and warehouse."""
    from dagster import DagsterInstance

    if "instance" not in _WORKER:
        _WORKER["instance"] = DagsterInstance.get()
    slot, updates = _WORKER["slot"], _WORKER["updates"]

    def show(step: str, rows: int) -> None:
        updates.put((slot, f"{task.stage} {task.day} {step} · {rows:,} rows" if rows
                     else f"{task.stage} {task.day} {step}"))

    failed: list[str] = []
    messages: list[tuple[str, str, str]] = []
    ok, cursor = run_day(_WORKER["instance"], task.day, keys, follow_up, cursor, failed, show,
                         lambda day, step, message: messages.append((day, step, message)))
    return Outcome(ok=ok, failed=failed, messages=messages, cursor=cursor,
                   peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _progress(console: Console) -> tuple[Live, Progress, Progress]:
    """The days done (both stages, the time left) above one line per worker."""
    totals = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), TextColumn("{task.fields[current]}"),
                      console=console)
    workers = Progress(TextColumn("  {task.description}"), TextColumn("{task.fields[current]}"),
                       console=console)
    return Live(Group(totals, workers), console=console, refresh_per_second=4), totals, workers


def parallel_backfill(start: dt.date, end: dt.date, workers: int, console: Console,
                      select: str | None = None, groups: Sequence[str] = (),
                      peaks: list[float] | None = None) -> list[str]:
    """Backfill ``start`` .. ``end`` with ``workers`` processes (see the module's docstring);
    return the failed days and the days whose gold did not run, sorted. Failed steps are
    printed one line each, as ``materialize_days`` prints them. ``peaks``, if given, receives
    each worker process's peak RSS (MiB)."""
    from customer_platform.generator import days_between

    stages = backfill_stages(select, groups)
    days = [d.isoformat() for d in days_between(start, end)]
    schedule = Schedule(days, has_ingest=bool(stages.ingest), has_gold=bool(stages.gold))
    _create_instance_storage()
    context = multiprocessing.get_context("spawn")
    updates = context.Queue()

    def pool(slot: int) -> futures.ProcessPoolExecutor:
        # one single-process pool per worker, so a worker row of the progress is one process
        return futures.ProcessPoolExecutor(1, mp_context=context, initializer=_init_worker,
                                           initargs=(slot, updates))

    pools = [pool(slot) for slot in range(workers)]
    peak = [0.0] * workers
    failed: list[str] = []
    cursor = None
    in_flight: dict[futures.Future, tuple[Task, int]] = {}
    try:
        live, progress, worker_rows = _progress(console)
        with live:
            totals = progress.add_task(_totals(schedule, len(days)), total=len(days), current="")
            rows = [worker_rows.add_task(f"worker {slot + 1}", current="idle")
                    for slot in range(workers)]
            began = time.monotonic()
            while True:
                free = [s for s in range(workers) if s not in {s for _, s in in_flight.values()}]
                while free and (task := schedule.next_task()):
                    slot = free.pop(0)
                    keys = stages.ingest if task.stage == "ingest" else stages.gold
                    follow_up = stages.follow_up and task.stage == "gold"
                    future = pools[slot].submit(run_stage, task, keys, follow_up, cursor)
                    in_flight[future] = (task, slot)
                    worker_rows.update(rows[slot], current=f"{task.stage} {task.day}")
                if not in_flight:
                    break
                done, _ = futures.wait(in_flight, timeout=0.3,
                                       return_when=futures.FIRST_COMPLETED)
                _show_updates(updates, worker_rows, rows)
                for future in done:
                    task, slot = in_flight.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as exc:  # noqa: BLE001 - the worker, not a run, failed
                        message = str(exc).strip().splitlines()[0] if str(exc).strip() else \
                            type(exc).__name__
                        outcome = Outcome(False, [task.day], [(task.day, "worker", message)],
                                          cursor)
                        if isinstance(exc, futures.process.BrokenProcessPool):
                            pools[slot] = pool(slot)  # the process died: a new one
                    for day, step, message in outcome.messages:
                        console.print(f"[red]{day} {step}:[/] {message}", soft_wrap=True)
                    failed += outcome.failed
                    peak[slot] = max(peak[slot], outcome.peak_rss_mib)
                    if task.stage == "gold":
                        cursor = outcome.cursor
                    schedule.finished(task, outcome.ok)
                    worker_rows.update(rows[slot], current="idle")
                    progress.update(totals, description=_totals(schedule, len(days)),
                                    completed=len(schedule.gold_done if schedule.has_gold
                                                  else schedule.ingested))
            for row in rows:
                worker_rows.update(row, visible=False)
            progress.update(totals, current=f"{time.monotonic() - began:.0f} s")
    finally:
        for pool in pools:
            pool.shutdown(wait=not in_flight, cancel_futures=True)
    if peaks is not None:
        peaks.extend(peak)
    not_run = schedule.not_run()
    if not_run:
        console.print(f"[red]gold of {not_run[0]} .. {not_run[-1]} not run:[/] "
                      f"{schedule.cause} (a day's gold reads the days before it)")
    return sorted(set(failed) | set(not_run))


def _create_instance_storage() -> None:
    """Create the instance's storage (SQLite under DAGSTER_HOME) before the workers open it:
    two processes creating a fresh one at once collide (``table ... already exists``)."""
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        instance.get_runs(limit=1)
        instance.event_log_storage.get_maximum_record_id()
        if instance.schedule_storage:
            instance.schedule_storage.all_instigator_state()


def _totals(schedule: Schedule, days: int) -> str:
    parts = []
    if schedule.has_ingest:
        parts.append(f"ingested {len(schedule.ingested)}/{days}")
    if schedule.has_gold:
        parts.append(f"gold {len(schedule.gold_done)}/{days}")
    return ", ".join(parts)


def _show_updates(updates, worker_rows: Progress, rows: list) -> None:
    latest = {}
    while True:
        try:
            slot, text = updates.get_nowait()
        except queues.Empty:
            break
        latest[slot] = text
    for slot, text in latest.items():
        worker_rows.update(rows[slot], current=text)
