"""The embedded default source: a deterministic, realistic, dirty synthetic company.

``generate(...)`` writes ``<landing_root>/<system>/<table>/<YYYY-MM-DD>.<ext>`` for every
source table and day. The same seed, customer count and day always give byte-identical
files, whatever else is generated, so days can be generated alone, in parallel or again.
"""

import dataclasses
import datetime as dt
import importlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from customer_platform.contracts import SOURCE_TABLES, SYSTEM_MODULES, SourceTable
from customer_platform.generator.dirt import CLEAN, DirtConfig
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import GENERATORS, landing_rows
from customer_platform.generator.world import World, build_world
from customer_platform.generator.writers import write_landing_file


def _load_generators() -> None:
    for name in SYSTEM_MODULES:
        try:
            importlib.import_module(f"customer_platform.generator.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"customer_platform.generator.{name}":
                raise


_load_generators()


@dataclasses.dataclass
class GenerationStats:
    files: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Inclusive range of days."""
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def generated_tables() -> tuple[SourceTable, ...]:
    return tuple(t for t in SOURCE_TABLES if t.qualified_name in GENERATORS)


def _write_day(world: World, table: SourceTable, day: dt.date, landing_root: Path,
               dirt: DirtConfig) -> tuple[int, int]:
    """Write one table's file for ``day``; return (rows, bytes). Its frame dies here, before
    the next table's is built, so one table's frame is alive at a time, and it is written in
    its file's order a slice at a time (``write_landing_file``)."""
    frame, order = landing_rows(world, table, day_number(day), dirt)
    return frame.height, write_landing_file(frame, table.landing_path(landing_root, day), order)


def generate(
    landing_root: Path,
    start: dt.date,
    end: dt.date,
    customers: int = 1_000,
    seed: int = 42,
    dirt: DirtConfig | None = None,
    tables: Iterable[SourceTable] | None = None,
    on_file: Callable[[SourceTable, dt.date, int], None] | None = None,
) -> GenerationStats:
    """Write the landing zone for ``start``..``end`` (inclusive); return what was written."""
    dirt = DirtConfig() if dirt is None else dirt
    chosen = tuple(tables) if tables is not None else generated_tables()
    world = build_world(seed, customers)
    stats = GenerationStats()
    began = time.perf_counter()
    for day in days_between(start, end):
        for table in chosen:
            rows, size = _write_day(world, table, day, landing_root, dirt)
            stats.rows += rows
            stats.bytes += size
            stats.files += 1
            if on_file is not None:
                on_file(table, day, rows)
    stats.seconds = time.perf_counter() - began
    return stats


__all__ = ["CLEAN", "DirtConfig", "GenerationStats", "days_between", "generate"]
