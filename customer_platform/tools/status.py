"""Which days are materialised and which checks fail, read from the Dagster instance."""

import dataclasses
import datetime as dt

from dagster import DagsterEventType, DagsterInstance, EventRecordsFilter

from customer_platform.generator import days_between


@dataclasses.dataclass(frozen=True)
class DayStatus:
    day: dt.date
    assets: int  # assets of the daily job
    materialised: int  # of those, materialised for the day
    failing_checks: list[str]  # "asset:check" whose latest evaluation for the day failed

    @property
    def complete(self) -> bool:
        return self.materialised == self.assets


def _latest_check_results(instance: DagsterInstance) -> dict[tuple[str, str], bool]:
    """(partition, "asset:check") -> passed, from each check's latest evaluation."""
    latest: dict[tuple[str, str], bool] = {}
    records = instance.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION), ascending=True)
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        partition = getattr(evaluation, "partition", None) or record.partition_key
        if partition:
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            latest[(partition, name)] = evaluation.passed
    return latest


def platform_status(start: dt.date, end: dt.date) -> list[DayStatus]:
    """Per day of ``start..end``: the daily job's assets materialised, and the failing checks."""
    from customer_platform.definitions import defs
    from customer_platform.orchestration.jobs import daily_platform_job

    graph = defs.resolve_asset_graph()
    keys = sorted(daily_platform_job.selection.resolve(graph), key=lambda k: k.path)
    with DagsterInstance.get() as instance:
        done = {key: instance.get_materialized_partitions(key) for key in keys}
        checks = _latest_check_results(instance)
    days = []
    for day in days_between(start, end):
        partition = day.isoformat()
        failing = sorted(name for (p, name), passed in checks.items()
                         if p == partition and not passed)
        days.append(DayStatus(day, len(keys), sum(partition in done[k] for k in keys), failing))
    return days
