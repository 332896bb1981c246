"""A real landing folder written by the project's generator, a real temporary instance, and
the landing sensor evaluated tick by tick with a clock the test moves."""

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from dagster import DagsterInstance, SensorDefinition, build_sensor_context, instance_for_test

from customer_platform.contracts import SOURCE_TABLES, source_table
from customer_platform.definitions import defs
from customer_platform.generator import generate
from customer_platform.orchestration import LandingWatch, build_landing_sensor
from customer_platform.resources import LandingZone
from customer_platform.settings import partition_start

D1, D2, D3 = (partition_start() + dt.timedelta(days=k) for k in range(3))
_LAST_MTIME = [0]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """``day`` at ``hour:minute`` UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), dt.UTC)


class Landing:
    """A landing zone under ``root``: deliver a day's files, or one table's file again."""

    def __init__(self, root: Path):
        self.root = root
        self.seed = 7

    def deliver(self, day: dt.date, *tables: str, seed: int = 7) -> None:
        """The files of ``day`` for ``tables`` (every table when none is named)."""
        chosen = [source_table(t) for t in tables] if tables else list(SOURCE_TABLES)
        generate(self.root, day, day, customers=20, seed=seed, tables=chosen)
        for table in chosen:
            self._bump_mtime(table.landing_path(self.root, day))

    def redeliver(self, day: dt.date, table: str) -> None:
        """``table``'s file of ``day`` again, with other contents (the generator's file for
        the next seed that changes it: a quiet day can give the same header-only file)."""
        before = source_table(table).landing_path(self.root, day).read_bytes()
        while source_table(table).landing_path(self.root, day).read_bytes() == before:
            self.seed += 1
            self.deliver(day, table, seed=self.seed)

    def touch(self, day: dt.date, table: str) -> None:
        """The same bytes again, written later."""
        self._bump_mtime(source_table(table).landing_path(self.root, day))

    @staticmethod
    def _bump_mtime(path: Path) -> None:
        """A modification time later than any before (a coarse file-system clock could give
        two writes in a row the same one)."""
        _LAST_MTIME[0] = max(path.stat().st_mtime_ns, _LAST_MTIME[0]) + 1_000_000
        os.utime(path, ns=(_LAST_MTIME[0], _LAST_MTIME[0]))


@dataclasses.dataclass
class SensorHarness:
    """A landing sensor on a real instance; ``tick`` evaluates it the way the daemon does
    (run requests resolved against the code location) and keeps its cursor."""

    sensor: SensorDefinition
    instance: DagsterInstance
    landing: Landing
    clock: list  # [now]: the sensor's clock
    cursor: str | None = None

    def tick(self, now: dt.datetime | None = None, keep_cursor: bool = True):
        if now is not None:
            self.clock[0] = now
        context = build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=defs,
            resources={"landing": LandingZone(root=str(self.landing.root))})
        data = self.sensor.evaluate_tick(context)
        if keep_cursor:
            self.cursor = data.cursor
        return data


@pytest.fixture(scope="session")
def empty_instance_home(tmp_path_factory) -> Path:
    """A temporary instance's home with its SQLite storage created once (that takes seconds;
    a copy takes a tenth of one)."""
    home = tmp_path_factory.mktemp("instance_template")
    with instance_for_test(temp_dir=str(home)) as template:
        template.get_run_records(limit=1)
    return home


@pytest.fixture
def instance(empty_instance_home, tmp_path):
    """A real temporary instance (SQLite run, event-log and schedule storage) of its own."""
    home = tmp_path / "dagster_home"
    shutil.copytree(empty_instance_home, home)
    with instance_for_test(temp_dir=str(home)) as temporary:
        yield temporary


@pytest.fixture
def landing(tmp_path) -> Landing:
    return Landing(tmp_path / "landing")


@pytest.fixture
def make_sensor(instance, landing):
    """``make_sensor(**watch_options)``: a harness over a landing sensor with those rules."""

    def make(**options) -> SensorHarness:
        clock = [at(D2, 1)]
        watch = LandingWatch(clock=lambda: clock[0], **options)
        return SensorHarness(build_landing_sensor(watch), instance, landing, clock)

    return make
