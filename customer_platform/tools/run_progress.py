"""What a run is doing right now, read from its event log while it runs (for the terminal).

The CLI runs a day in process and gives the run an id up front; a background thread reads the
run's events every half second: the step that started last (the current asset), the rows
the materialisations so far reported (``dagster/row_count``) and how many there were (a
ranged run's bar advances by them, an asset-day at a time). Each poll reads only the events
after the last one seen (a storage cursor): re-reading the whole run took about 50 ms a poll by
the end of a day's run on SQLite, time taken from the run itself.
"""

import threading
from collections.abc import Callable

from dagster import DagsterEventType, DagsterInstance

WATCHED = {DagsterEventType.STEP_START, DagsterEventType.ASSET_MATERIALIZATION}


class RunWatcher:
    """Calls ``on_change(current step, rows so far, materialisations so far)`` while run
    ``run_id`` goes on."""

    def __init__(self, instance: DagsterInstance, run_id: str,
                 on_change: Callable[[str, int, int], None], interval: float = 0.5):
        self.instance, self.run_id, self.on_change = instance, run_id, on_change
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._cursor, self.current, self.rows, self.materialised = None, "", 0, 0

    def __enter__(self) -> "RunWatcher":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.poll()  # the last events

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - progress display only: never break the run
                pass

    def poll(self) -> None:
        found = self.instance.get_records_for_run(self.run_id, cursor=self._cursor,
                                                  of_type=WATCHED)
        for record in found.records:
            event = record.event_log_entry.dagster_event
            if event.event_type == DagsterEventType.STEP_START:
                self.current = event.step_key
            else:
                self.materialised += 1
                value = event.step_materialization_data.materialization.metadata.get(
                    "dagster/row_count")
                self.rows += int(getattr(value, "value", value) or 0)
        if found.records:
            self._cursor = found.cursor
            self.on_change(self.current, self.rows, self.materialised)
