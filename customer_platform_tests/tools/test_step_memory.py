"""The bench's memory by step: a step that holds a large array while it runs is named with
more memory than a step that holds none, in a real in-process Dagster run."""

import time

import numpy as np
from dagster import DagsterInstance, asset, materialize

from customer_platform.tools.step_memory import MemorySampler, peaks_text

HELD_MIB = 400


@asset
def light() -> None:
    time.sleep(0.4)


@asset(deps=[light])
def heavy() -> None:
    held = np.ones(HELD_MIB * 2**20 // 8)  # written, so resident
    time.sleep(0.4)
    del held


def test_the_step_that_holds_memory_is_the_one_named_at_the_peak():
    with DagsterInstance.ephemeral() as instance:
        with MemorySampler() as sampler:
            assert materialize([light, heavy], instance=instance).success
        peaks = dict(sampler.peaks(instance))
        top = sampler.peaks(instance, top=1)
    assert set(peaks) == {"light", "heavy"}
    assert peaks["heavy"] >= peaks["light"] + HELD_MIB * 3 // 4
    assert top == [("heavy", peaks["heavy"])]
    assert peaks_text(top) == f"heavy {peaks['heavy']:,} MiB"
