"""The landing-zone sensor: a day's bronze-to-gold run as soon as its files are in.

``landing_zone_sensor`` runs a day when its files are complete, or at the cut-off with what
arrived; re-runs only what a changed re-delivery feeds; and refreshes the support-ticket chain
each time the day's tickets file changes, since tickets change several times a day. A file is
known by the SHA-256 of its contents, so the same files never launch twice. The rules in full:
docs/operations.md (The landing sensor).
"""

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    AssetSelection,
    DagsterInstance,
    DefaultSensorStatus,
    PartitionsDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from dagster._core.definitions.partitions.context import partition_loading_context

from customer_platform.bronze.assets import bronze_key
from customer_platform.bronze.landing import FORMATS
from customer_platform.contracts import DECLARED_TABLES, SourceTable, source_table
from customer_platform.gold.support.agg_ticket_resolution import AGG_TICKET_RESOLUTION
from customer_platform.gold.support.dim_support_ticket import DIM_SUPPORT_TICKET
from customer_platform.gold.support.fact_support_ticket import FACT_SUPPORT_TICKET
from customer_platform.orchestration import cadence
from customer_platform.orchestration.cadence import utc_now
from customer_platform.orchestration.jobs import DAILY_JOB
from customer_platform.partitions import daily_partitions
from customer_platform.resources import LandingZone
from customer_platform.silver.assets import rejects_key, silver_key

#: Tag every run the orchestration package requests carries: who asked for it, and why.
TRIGGER_TAG = "customer_platform/trigger"
MISSING_TAG = "customer_platform/landing_missing"
CHANGED_TAG = "customer_platform/landing_changed"
#: Triggers of a run of a whole day (the daily schedule skips a day one of them launched).
WHOLE_DAY_TRIGGERS = ("landing_complete", "landing_cutoff")


def support_ticket_chain() -> tuple[AssetKey, ...]:
    """The assets that carry support tickets from the landing file to gold, for one day."""
    tickets = source_table("support.tickets")
    return (bronze_key(tickets), silver_key(tickets), rejects_key(tickets),
            DIM_SUPPORT_TICKET.versions.key, DIM_SUPPORT_TICKET.key, FACT_SUPPORT_TICKET.key,
            AGG_TICKET_RESOLUTION.key)


#: Tables refreshed intra-day, and the assets one refresh runs (docs/operations.md).
INTRADAY_CHAINS: Mapping[str, tuple[AssetKey, ...]] = {
    "support.tickets": support_ticket_chain()
} if any(t.qualified_name == "support.tickets" for t in DECLARED_TABLES) else {}


@dataclasses.dataclass(frozen=True)
class Delivery:
    """The file of one source table for one day, as it is in the landing zone now."""

    stat: str  # formats, sizes, modification times, inodes: when this changes, hash again
    digest: str  # SHA-256 of the contents (of every file, if two formats were delivered)
    mtime: float  # newest modification time, seconds since the epoch


def _sha256(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:32]


def scan_day(root: Path, tables: Iterable[SourceTable], day: dt.date,
             seen: Mapping[str, Sequence[str]]) -> dict[str, Delivery]:
    """The deliveries of ``day`` by table (``system.table``); a file is hashed only when its
    format, size, modification time or inode differ from ``seen`` (table -> [stat, digest])."""
    found = {}
    for table in tables:
        paths = [p for p in (table.landing_path(root, day, fmt) for fmt in FORMATS) if p.is_file()]
        if not paths:
            continue
        stats = [p.stat() for p in paths]
        stat = ";".join(f"{p.suffix[1:]}:{s.st_size}:{s.st_mtime_ns}:{s.st_ino}"
                        for p, s in zip(paths, stats, strict=True))
        previous = seen.get(table.qualified_name)
        digest = previous[1] if previous and previous[0] == stat else _sha256(paths)
        found[table.qualified_name] = Delivery(stat, digest, max(s.st_mtime for s in stats))
    return found


def fingerprint(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """Short hash of a launch: the digests the day's earlier launches covered and the ones
    this launch covers (a file that goes back to an earlier version is a new launch)."""
    text = "\n".join([*(f"{t}<{d}" for t, d in sorted(before.items())),
                      *(f"{t}={d}" for t, d in sorted(after.items()))])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclasses.dataclass
class DayLaunch:
    """What the sensor launched for one day: a whole-day run yet or not, and the digest of each
    table's file the launches covered."""

    whole_day: bool
    files: dict[str, str]


@dataclasses.dataclass
class Cursor:
    seen: dict[str, dict[str, list[str]]]  # day -> table -> [stat, digest]
    launched: dict[str, DayLaunch]  # day -> launches

    @classmethod
    def load(cls, text: str | None) -> "Cursor":
        data = json.loads(text) if text else {}
        return cls(data.get("seen", {}),
                   {day: DayLaunch(**launch) for day, launch in data.get("launched", {}).items()})

    def dump(self) -> str:
        return json.dumps({"seen": self.seen, "launched": {
            day: dataclasses.asdict(launch) for day, launch in self.launched.items()}},
            sort_keys=True, separators=(",", ":"))


def loaded_in_bronze(instance: DagsterInstance, tables: Mapping[str, SourceTable], day: str,
                     deliveries: Mapping[str, Delivery]) -> bool:
    """Every delivered file of the day is in bronze: its asset was materialised for the day
    after the file was last written (a day loaded by the CLI, the UI or the schedule)."""
    for name, delivery in deliveries.items():
        records = instance.fetch_materializations(AssetRecordsFilter(
            asset_key=bronze_key(tables[name]), asset_partitions=[day]), limit=1).records
        if not records or records[0].timestamp < delivery.mtime:
            return False
    return True


def downstream_in_job(repository_def, job_name: str, roots: Iterable[AssetKey]
                      ) -> list[AssetKey] | None:
    """The assets of the job downstream of ``roots`` (roots included); ``None`` (the whole
    job) when the sensor runs without its repository."""
    if repository_def is None:
        return None
    in_job = set(repository_def.get_job(job_name).asset_layer.selected_asset_keys)
    keys = AssetSelection.assets(*roots).downstream().resolve(repository_def.asset_graph)
    return sorted(keys & in_job, key=AssetKey.to_user_string)


@dataclasses.dataclass(frozen=True)
class LandingWatch:
    """The landing sensor's rules (docs/operations.md), separate from Dagster's sensor
    machinery so that a test can give it a clock and a cut-off."""

    tables: tuple[SourceTable, ...] = DECLARED_TABLES  # waits for the declared ones only
    intraday: Mapping[str, tuple[AssetKey, ...]] = dataclasses.field(
        default_factory=lambda: dict(INTRADAY_CHAINS))
    partitions_def: PartitionsDefinition = daily_partitions
    job_name: str = DAILY_JOB
    cutoff: dt.timedelta = dataclasses.field(default_factory=cadence.landing_cutoff)
    lookback: int = dataclasses.field(default_factory=cadence.landing_lookback)
    clock: Callable[[], dt.datetime] = utc_now

    def has_partition(self, day: str, now: dt.datetime) -> bool:
        with partition_loading_context(effective_dt=now):
            return self.partitions_def.has_partition_key(day)

    def tick(self, context: SensorEvaluationContext, root: Path) -> SensorResult:
        now = self.clock().astimezone(dt.UTC)
        today = now.date()
        days = [today - dt.timedelta(days=k) for k in range(self.lookback, -1, -1)]
        previous = Cursor.load(context.cursor)
        cursor = Cursor({}, {})
        by_name = {t.qualified_name: t for t in self.tables}
        requests, waiting = [], []
        for day in days:
            key = day.isoformat()
            deliveries = scan_day(root, self.tables, day, previous.seen.get(key, {}))
            if deliveries:
                cursor.seen[key] = {t: [d.stat, d.digest] for t, d in deliveries.items()}
            launch = previous.launched.get(key)
            if not deliveries or not self.has_partition(key, now):
                if launch:
                    cursor.launched[key] = launch
                if deliveries:
                    why = "the day has not ended" if day >= today else "before the first one"
                    waiting.append(f"{key}: {len(deliveries)} file(s) wait, the day has no "
                                   f"partition ({why})")
                continue
            request, launch, note = self._plan_day(context, key, day, now, deliveries, launch,
                                                   by_name)
            if request:
                requests.append(request)
            if launch:
                cursor.launched[key] = launch
            if note:
                waiting.append(note)
        if requests:
            return SensorResult(run_requests=requests, cursor=cursor.dump())
        return SensorResult(skip_reason="; ".join(waiting) or "nothing new in the landing zone",
                            cursor=cursor.dump())

    def _plan_day(self, context, key: str, day: dt.date, now: dt.datetime,
                  deliveries: dict[str, Delivery], launch: DayLaunch | None,
                  by_name: Mapping[str, SourceTable]
                  ) -> tuple[RunRequest | None, DayLaunch | None, str | None]:
        digests = {t: d.digest for t, d in deliveries.items()}
        if launch and launch.whole_day:
            changed = sorted(t for t, digest in digests.items() if launch.files.get(t) != digest)
            if not changed:
                return None, launch, None
            selection = downstream_in_job(context.repository_def, self.job_name,
                                          [bronze_key(by_name[t]) for t in changed])
            return (self._request(key, "landing_redelivery", launch, digests, changed,
                                  selection, {CHANGED_TAG: ",".join(changed)}),
                    DayLaunch(True, {**launch.files, **digests}), None)
        missing = [t.qualified_name for t in self.tables if t.qualified_name not in deliveries]
        cutoff_at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC) + self.cutoff
        if not missing or now >= cutoff_at:
            if loaded_in_bronze(context.instance, by_name, key, deliveries):
                context.log.info(f"{key}: every delivered file is already in bronze; adopted "
                                 "without a run")
                return None, DayLaunch(True, digests), None
            trigger = "landing_cutoff" if missing else "landing_complete"
            tags = {MISSING_TAG: ",".join(missing)} if missing else {}
            return (self._request(key, trigger, launch, digests, digests, None, tags),
                    DayLaunch(True, digests), None)
        note = (f"{key}: {len(deliveries)}/{len(self.tables)} files, waits for the rest until "
                f"the cut-off at {cutoff_at:%Y-%m-%d %H:%M} UTC")
        files = dict(launch.files) if launch else {}
        refreshed = sorted(t for t in self.intraday
                           if t in digests and files.get(t) != digests[t])
        if not refreshed:
            return None, launch, note
        selection = sorted({k for t in refreshed for k in self.intraday[t]},
                           key=AssetKey.to_user_string)
        request = self._request(key, "landing_intraday", launch, digests, refreshed, selection,
                                {CHANGED_TAG: ",".join(refreshed)})
        files.update({t: digests[t] for t in refreshed})
        return request, DayLaunch(False, files), note

    def _request(self, key: str, trigger: str, launch: DayLaunch | None,
                 digests: Mapping[str, str], covered: Iterable[str],
                 selection: list[AssetKey] | None, tags: Mapping[str, str]) -> RunRequest:
        """A run of the day ``key`` for the files ``covered``; the run key names the launch
        (the day, the kind and the files before and after), never the tick."""
        launched = fingerprint(launch.files if launch else {}, {t: digests[t] for t in covered})
        return RunRequest(run_key=f"landing:{key}:{trigger.removeprefix('landing_')}:{launched}",
                          partition_key=key, asset_selection=selection,
                          tags={TRIGGER_TAG: trigger, **tags})


def build_landing_sensor(watch: LandingWatch | None = None, *,
                         name: str = "landing_zone_sensor",
                         minimum_interval_seconds: int | None = None,
                         default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING
                         ) -> SensorDefinition:
    """The landing sensor over ``watch`` (the platform's rules by default)."""
    watch = watch or LandingWatch()

    @sensor(
        name=name,
        job_name=watch.job_name,
        minimum_interval_seconds=minimum_interval_seconds or cadence.landing_sensor_interval(),
        default_status=default_status,
        description="Runs a day's bronze-to-gold job once all its landing files are in (or at "
        "the cut-off with what arrived), re-runs a day when one of its files is re-delivered "
        "(only what the file feeds), and refreshes the support-ticket chain each time the "
        "tickets file changes before the day's whole run.",
    )
    def _landing_sensor(context: SensorEvaluationContext, landing: LandingZone) -> SensorResult:
        return watch.tick(context, landing.path)

    return _landing_sensor


landing_zone_sensor = build_landing_sensor()
