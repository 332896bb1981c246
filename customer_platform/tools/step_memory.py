"""Which steps set a process's peak memory: a thread samples the process's resident memory
while its Dagster runs execute in it, and each step's span (its start and end events in the
instance) picks out the samples taken while it ran.

Steps run in process one after another, so a step's figure is the memory while it ran: its
own plus what earlier steps left allocated. The bench prints the top steps beside a phase's
peak, which alone does not say where the memory went."""

import threading
import time
from collections.abc import Iterable


def resident_mib() -> int:
    """This process's resident memory now (MiB), from /proc."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) // 1024


class MemorySampler:
    """Samples ``resident_mib`` every ``every_s`` seconds between ``start`` and ``stop`` (a
    context manager); ``peaks`` reads the steps of the runs given against the samples."""

    def __init__(self, every_s: float = 0.05):
        self.every_s = every_s
        self.samples: list[tuple[float, int]] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="memory_sampler", daemon=True)

    def _sample(self) -> None:
        while not self._stopped.is_set():
            self.samples.append((time.time(), resident_mib()))
            self._stopped.wait(self.every_s)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopped.set()
        self._thread.join()

    def peaks(self, instance, run_ids: Iterable[str] | None = None,
              top: int = 5) -> list[tuple[str, int]]:
        """The ``top`` steps by the highest memory sampled while they ran (MiB), over the
        runs ``run_ids`` (default: every run of ``instance``); a step that ran in several
        runs (one per range) counts its highest."""
        from dagster import DagsterEventType  # the bench's parent process never loads Dagster

        spans = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS,
                 DagsterEventType.STEP_FAILURE}
        if run_ids is None:
            run_ids = [run.run_id for run in instance.get_runs()]
        peak: dict[str, int] = {}
        for run_id in run_ids:
            started: dict[str, float] = {}
            for entry in instance.all_logs(run_id, of_type=spans):
                if entry.dagster_event.event_type == DagsterEventType.STEP_START:
                    started[entry.step_key] = entry.timestamp
                elif entry.step_key in started:
                    begin, end = started.pop(entry.step_key), entry.timestamp
                    during = [mib for at, mib in self.samples if begin <= at <= end]
                    if during:
                        peak[entry.step_key] = max(peak.get(entry.step_key, 0), max(during))
        return sorted(peak.items(), key=lambda item: (-item[1], item[0]))[:top]


def peaks_text(peaks: list[tuple[str, int]]) -> str:
    """``step 1,234 MiB, ...`` for a bench line."""
    return ", ".join(f"{step} {mib:,} MiB" for step, mib in peaks)
