"""What really happened to a day, read from the Dagster instance rather than from what the
code meant to do: every finished run of the partition with its steps, materialisations and
check evaluations, the runs still in flight, and the lineage both audit tables report.
docs/operations.md (The audit log) gives the rules the tables apply to these facts.
"""

import collections
import dataclasses
import datetime as dt
import hashlib
import heapq
import json
from collections.abc import Iterable
from operator import itemgetter

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    MetadataValue,
    RunsFilter,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from customer_platform import settings
from customer_platform.contracts import DECLARED_TABLES, SOURCE_TABLES

AUDIT_GROUP = "gold_audit"
AUDIT_JOB_NAME = "audit_job"
PARTITION_TAG = PARTITION_NAME_TAG
PROCESS_AUDIT_KEY = AssetKey(["gold", "process_audit_log"])
ERROR_AUDIT_KEY = AssetKey(["gold", "error_audit_log"])
AUDIT_KEYS = frozenset({PROCESS_AUDIT_KEY, ERROR_AUDIT_KEY})
FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
IN_FLIGHT = (DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
             DagsterRunStatus.STARTED)
#: metadata a materialisation may report its rows under, in order of preference
ROW_COUNT_KEYS = ("dagster/row_count", "row_count", "rows")
MAX_TEXT = 1000


# -- reading the instance ---------------------------------------------------------------------

_EVENTS = {
    DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE,
    DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    DagsterEventType.ASSET_CHECK_EVALUATION, DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
}


def utc(timestamp: float | None) -> dt.datetime | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def key_string(key: AssetKey) -> str:
    return key.to_user_string()


@dataclasses.dataclass
class Materialization:
    asset_key: AssetKey
    step_key: str
    timestamp: float
    metadata: dict


@dataclasses.dataclass
class CheckEvaluation:
    run_id: str
    asset_key: AssetKey
    check_name: str
    step_key: str | None
    timestamp: float
    passed: bool
    severity: str
    description: str | None
    metadata: dict


@dataclasses.dataclass
class StepFailure:
    step_key: str
    timestamp: float
    error_class: str
    message: str
    is_blocking_check: bool  # the step failed only because its blocking check failed


@dataclasses.dataclass
class RunFacts:
    """What one run did, as its event log records it."""

    run_id: str
    job_name: str
    status: DagsterRunStatus
    partition_key: str
    start: float | None
    end: float | None
    step_starts: dict[str, float] = dataclasses.field(default_factory=dict)
    step_ends: dict[str, float] = dataclasses.field(default_factory=dict)
    succeeded_steps: set[str] = dataclasses.field(default_factory=set)
    planned: dict[AssetKey, str] = dataclasses.field(default_factory=dict)  # asset -> step
    planned_checks: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    materializations: list[Materialization] = dataclasses.field(default_factory=list)
    evaluations: list[CheckEvaluation] = dataclasses.field(default_factory=list)
    failures: list[StepFailure] = dataclasses.field(default_factory=list)

    @property
    def audits_itself(self) -> bool:
        return self.job_name == AUDIT_JOB_NAME or (
            bool(self.planned) and set(self.planned) <= AUDIT_KEYS)


def _metadata_value(value):
    return value.value if isinstance(value, MetadataValue) else value


def _run_facts(record, entries: list, partition_key: str) -> RunFacts:
    """What the run did for ``partition_key``: a ranged run's other days are left out, and so
    is the verdict its step gives for the whole range (no partition), since each day's own
    evaluation is recorded beside it."""
    run = record.dagster_run
    ranged = ASSET_PARTITION_RANGE_START_TAG in run.tags
    facts = RunFacts(run_id=run.run_id, job_name=run.job_name, status=run.status,
                     partition_key=partition_key, start=record.start_time, end=record.end_time)
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        kind, step, data = event.event_type, entry.step_key, event.event_specific_data
        if kind == DagsterEventType.STEP_START:
            facts.step_starts[step] = entry.timestamp
        elif kind == DagsterEventType.STEP_SUCCESS:
            facts.step_ends[step] = entry.timestamp
            facts.succeeded_steps.add(step)
        elif kind == DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
            facts.planned[event.asset_key] = step
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            facts.planned_checks.setdefault(step, []).append(
                f"{key_string(data.asset_key)}:{data.check_name}")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = data.materialization
            if materialization.partition not in (None, partition_key):
                continue
            facts.materializations.append(Materialization(
                materialization.asset_key, step, entry.timestamp,
                {k: _metadata_value(v) for k, v in materialization.metadata.items()}))
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            if data.partition != partition_key and (ranged or data.partition is not None):
                continue
            facts.evaluations.append(CheckEvaluation(
                run.run_id, data.asset_key, data.check_name, step, entry.timestamp, data.passed,
                data.severity.value, data.description,
                {k: _metadata_value(v) for k, v in data.metadata.items()}))
        elif kind == DagsterEventType.STEP_FAILURE:
            facts.step_ends[step] = entry.timestamp
            error = data.error
            root = error
            while root is not None and root.cause is not None:
                root = root.cause
            message = (root.message if root is not None else "").strip()
            error_class = (root.cls_name if root is not None else None) or "Error"
            facts.failures.append(StepFailure(
                step, entry.timestamp, error_class, message[:MAX_TEXT],
                is_blocking_check=error is not None
                and error.cls_name == "DagsterAssetCheckFailedError"))
    return facts


@dataclasses.dataclass
class PartitionHistory:
    """Every finished run of one partition (oldest first) and the runs still in flight."""

    partition_key: str
    runs: list[RunFacts]
    in_flight: list[RunFacts]


def runs_of_partitions(instance: DagsterInstance, partition_keys: Iterable[str]
                       ) -> dict[str, list]:
    """The run records of each of ``partition_keys``: its own runs and the ranged runs
    covering it (a range starts at most ``settings.longest_range_days() - 1`` days before it),
    oldest first. Two queries for all the days: a ranged step audits up to a quarter, and two
    queries a day were a tenth of its time."""
    keys = sorted(set(partition_keys))
    if not keys:
        return {}
    found: dict[str, dict[str, object]] = {key: {} for key in keys}
    for record in instance.get_run_records(RunsFilter(tags={PARTITION_TAG: keys})):
        found[record.dagster_run.tags[PARTITION_TAG]][record.dagster_run.run_id] = record
    longest = settings.longest_range_days()
    first, last = dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])
    starts = [(last - dt.timedelta(days=back)).isoformat()
              for back in range((last - first).days + longest)]
    for record in instance.get_run_records(
            RunsFilter(tags={ASSET_PARTITION_RANGE_START_TAG: starts})):
        tags = record.dagster_run.tags
        start = dt.date.fromisoformat(tags[ASSET_PARTITION_RANGE_START_TAG])
        end = tags.get(ASSET_PARTITION_RANGE_END_TAG, "")
        for key in keys:
            if end >= key and 0 <= (dt.date.fromisoformat(key) - start).days < longest:
                found[key][record.dagster_run.run_id] = record
    return {key: sorted(records.values(), key=lambda r: r.create_timestamp)
            for key, records in found.items()}


def runs_of_partition(instance: DagsterInstance, partition_key: str) -> list:
    """The run records of ``partition_key`` (``runs_of_partitions``)."""
    return runs_of_partitions(instance, [partition_key])[partition_key]


class _EventsByPartition:
    """A run's audit events sorted once by the partition they speak of: a ranged run holds
    every day's planned materialisations, materialisations and evaluations, and each day needs
    only its own (reading all of them for each day of a month's range cost the audit 31
    passes over the log)."""

    def __init__(self, record, entries: list):
        ranged = ASSET_PARTITION_RANGE_START_TAG in record.dagster_run.tags
        self.shared: list[tuple[int, object]] = []
        self.by_partition: dict[str, list[tuple[int, object]]] = collections.defaultdict(list)
        for position, entry in enumerate(entries):
            event = entry.dagster_event
            if event is None:
                continue
            partition = None
            if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                partition = event.event_specific_data.materialization.partition
            elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION_PLANNED:
                partition = event.event_specific_data.partition  # one a day and asset
            elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
                partition = event.event_specific_data.partition
                if partition is None and ranged:  # the range's verdict: each day has its own
                    continue
            if partition is None:
                self.shared.append((position, entry))
            else:
                self.by_partition[partition].append((position, entry))

    def of(self, partition_key: str) -> list:
        """The run's events that concern ``partition_key``, in the log's order."""
        return [entry for _, entry in heapq.merge(
            self.shared, self.by_partition.get(partition_key, ()), key=itemgetter(0))]


#: The events of the finished runs read latest, by run id (least recently read first). A
#: finished run's log no longer changes, and both audit tables read the same runs in one
#: process, so the second reads them from here (deserialising a quarter's run is seconds).
#: A run read again moves to the end: re-running the days of a ranged backfill one by one
#: reads that range's run for each day, and it must outlive the days' own runs.
_FINISHED_RUN_EVENTS: collections.OrderedDict[str, _EventsByPartition] = \
    collections.OrderedDict()
_FINISHED_RUNS_KEPT = 8


def _events_of(instance: DagsterInstance, record) -> _EventsByPartition:
    run = record.dagster_run
    events = _FINISHED_RUN_EVENTS.get(run.run_id)
    if events is not None:
        _FINISHED_RUN_EVENTS.move_to_end(run.run_id)
    else:
        events = _EventsByPartition(record, list(instance.all_logs(run.run_id,
                                                                   of_type=_EVENTS)))
        if run.status in FINISHED:
            _FINISHED_RUN_EVENTS[run.run_id] = events
            while len(_FINISHED_RUN_EVENTS) > _FINISHED_RUNS_KEPT:
                _FINISHED_RUN_EVENTS.popitem(last=False)
    return events


class PartitionHistories:
    """The partition histories of a step's days (``partition_keys``, whose runs are found
    together; another day is looked up when asked for). A ranged run covers several of them:
    its event log is read once, not once a day (a week's run holds thousands of events)."""

    def __init__(self, instance: DagsterInstance, exclude_run_id: str | None = None,
                 partition_keys: Iterable[str] = ()):
        self.instance, self.exclude_run_id = instance, exclude_run_id
        self._events: dict[str, _EventsByPartition] = {}
        self._records = runs_of_partitions(instance, partition_keys)

    def of(self, partition_key: str) -> PartitionHistory:
        if partition_key not in self._records:
            self._records[partition_key] = runs_of_partition(self.instance, partition_key)
        runs, in_flight = [], []
        for record in self._records[partition_key]:
            run = record.dagster_run
            if run.run_id == self.exclude_run_id or run.job_name == AUDIT_JOB_NAME:
                continue
            if run.run_id not in self._events:
                self._events[run.run_id] = _events_of(self.instance, record)
            facts = _run_facts(record, self._events[run.run_id].of(partition_key),
                               partition_key)
            if facts.audits_itself:
                continue
            if facts.status in FINISHED:
                runs.append(facts)
            elif facts.status in IN_FLIGHT:
                in_flight.append(facts)
        return PartitionHistory(partition_key, runs, in_flight)


# -- lineage helpers --------------------------------------------------------------------------

_SYSTEM_OF_TABLE = {}
for _table in SOURCE_TABLES:
    for _key in (("bronze", _table.bronze_table), ("silver", _table.silver_table),
                 ("silver", _table.rejects_table)):
        _SYSTEM_OF_TABLE[AssetKey(list(_key))] = _table.system
REJECTS_KEYS = frozenset(AssetKey(["silver", t.rejects_table]) for t in DECLARED_TABLES)


def source_system_of(keys: Iterable[AssetKey]) -> str:
    """The source system(s) behind ``keys``; ``dagster`` for platform-derived tables."""
    systems = sorted({_SYSTEM_OF_TABLE[k] for k in keys if k in _SYSTEM_OF_TABLE})
    return ",".join(systems) or "dagster"


def table_name(key: AssetKey) -> str:
    return ".".join(key.path)


def stable_id(*parts: str) -> str:
    return hashlib.md5("|".join(parts).encode()).hexdigest()[:16]


def as_json(value: dict) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def reported_rows(metadata: dict) -> int | None:
    for key in ROW_COUNT_KEYS:
        if isinstance(metadata.get(key), int):
            return metadata[key]
    return None


def numeric_metadata(metadata: dict) -> dict:
    return {k: v for k, v in metadata.items()
            if isinstance(v, int | float) and not isinstance(v, bool)}
