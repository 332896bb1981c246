"""Which function generates which source table, and how a day's landing file is assembled.

A table generator is ``fn(world, day_number) -> pl.DataFrame``: the clean rows whose event
happened on that day (incremental tables) or the state at the end of that day (snapshots),
with exactly the contract's columns and types. The file for day D is then assembled here:
incremental tables get the on-time rows of D plus the late rows of D-1, and dirt is added.
"""

from collections.abc import Callable

import numpy as np
import polars as pl

from customer_platform.contracts import SourceTable
from customer_platform.generator.dirt import DirtConfig, dirt_and_order
from customer_platform.generator.randomness import rng
from customer_platform.generator.world import World

TableGenerator = Callable[[World, int], pl.DataFrame]
GENERATORS: dict[str, TableGenerator] = {}


def generates(qualified_name: str) -> Callable[[TableGenerator], TableGenerator]:
    """Register ``fn`` as the generator of ``system.table``."""

    def register(fn: TableGenerator) -> TableGenerator:
        GENERATORS[qualified_name] = fn
        return fn

    return register


def _late_mask(world: World, table: SourceTable, day: int, height: int, rate: float):
    gen = rng(world.seed, table.qualified_name, "late", day)
    return pl.Series(gen.random(height) < rate)


def conform(frame: pl.DataFrame, table: SourceTable) -> pl.DataFrame:
    """Select and cast to the contract's columns, failing loudly if a generator drifts."""
    expected = table.dtypes()
    missing = set(expected) - set(frame.columns)
    if missing:
        raise ValueError(f"generator for {table.qualified_name} lacks columns {sorted(missing)}")
    return frame.select([pl.col(c).cast(t) for c, t in expected.items()])


def landing_rows(world: World, table: SourceTable, day: int,
                 dirt: DirtConfig) -> tuple[pl.DataFrame, np.ndarray | None]:
    """The rows of ``table``'s landing file for ``day``, dirt included, and the order the file
    lists them in (``dirt_and_order``)."""
    generate = GENERATORS[table.qualified_name]
    today = conform(generate(world, day), table)
    if table.extract == "incremental" and dirt.late_rate > 0:
        late_today = _late_mask(world, table, day, today.height, dirt.late_rate)
        yesterday = conform(generate(world, day - 1), table)
        late_from_yesterday = _late_mask(world, table, day - 1, yesterday.height, dirt.late_rate)
        today = pl.concat([today.filter(~late_today), yesterday.filter(late_from_yesterday)])
    return dirt_and_order(today, table, dirt, rng(world.seed, table.qualified_name, "dirt", day))
