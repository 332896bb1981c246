"""Deterministic randomness: every stream is keyed by the seed and by what it is for.

A day's file draws only from streams keyed by (seed, table, day), so it is byte-identical
whatever else is generated, and days can be generated independently and in any order.
"""

import datetime as dt
import hashlib

import numpy as np

EPOCH = dt.date(1970, 1, 1)
NEVER = np.int32(2**31 - 1)  # day number meaning "does not happen"


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def day_of(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


def _label_key(label: str | int) -> int:
    if isinstance(label, int):
        return label
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")


def rng(seed: int, *labels: str | int) -> np.random.Generator:
    """A generator for one purpose, e.g. ``rng(seed, "support.tickets", day_number)``."""
    return np.random.default_rng([seed, *(_label_key(label) for label in labels)])
