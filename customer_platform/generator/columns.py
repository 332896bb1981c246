"""Small helpers that turn numpy arrays into typed Polars columns for generated frames, and the
id schemes: how a generated id's digits are sized to the world it numbers."""

import dataclasses

import numpy as np
import polars as pl

#: Worlds below this many customers keep the strides their ids always had, so their landing
#: files stay byte-identical; from it on, strides grow with the world (``serials``).
SCALED_IDS_FROM = 1_000_000
#: Blocks an id's width is sized for: days after the history start (to 2042), months.
DAY_BLOCKS, MONTH_BLOCKS = 10_000, 1_000


def pick(values, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` for a tuple of labels (object array, Polars reads it as String)."""
    return np.asarray(values, dtype=object)[idx]


def labels(values: tuple[str, ...], idx: np.ndarray) -> pl.Series:
    """``values[idx]`` as a String series."""
    return pl.Series(values, dtype=pl.String).gather(idx)


def numerals(numbers: np.ndarray, width: int = 0) -> pl.Series:
    """Integers as decimal text, zero-padded to ``width``."""
    return pl.Series(np.asarray(numbers, dtype=np.int64)).cast(pl.String).str.zfill(width)


def text(*parts: pl.Series | str) -> pl.Series:
    """The row-wise concatenation of text columns and literals."""
    return pl.select(pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in parts])
                     ).to_series()


def where(condition: np.ndarray, then: pl.Series, otherwise: pl.Series | None) -> pl.Series:
    """``then`` where ``condition`` holds, else ``otherwise`` (None: null)."""
    return pl.select(pl.when(pl.Series(condition)).then(then).otherwise(otherwise)).to_series()


def take(values: pl.Series, idx: np.ndarray, present: np.ndarray) -> pl.Series:
    """``values[idx]``, null where ``present`` is False (there ``idx`` may be anything)."""
    if not present.any():
        return pl.repeat(None, len(idx), dtype=values.dtype, eager=True)
    return where(present, values.gather(np.where(present, idx, 0)), None)


def strings(values) -> pl.Series:
    """Text as a String series: a world's text column as it is, an object array converted (an
    empty one too, which would otherwise be Object)."""
    if isinstance(values, pl.Series):
        return values.cast(pl.String)
    return pl.Series(values=np.asarray(values, dtype=object).tolist(), dtype=pl.String)


def dates(days: np.ndarray) -> pl.Series:
    """Day numbers (days since 1970-01-01) as a Date series; NEVER/negative stay as given."""
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def timestamps(days: np.ndarray, seconds: np.ndarray) -> pl.Series:
    """Day numbers plus seconds into the day, as a microsecond Datetime series."""
    micros = (np.asarray(days, np.int64) * 86_400 + np.asarray(seconds, np.int64)) * 1_000_000
    return pl.Series(micros).cast(pl.Datetime("us"))


def prefixed(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """Vectorised ``f"{prefix}{n:0{width}d}"`` as a String series."""
    digits = pl.Series(np.asarray(numbers, dtype=np.int64)).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str(pl.lit(prefix), digits)).to_series()


def id_width(legacy: int, largest: int) -> int:
    """Digits of ids numbered up to ``largest``: the ``legacy`` width while it holds them, else
    just enough, one width for the whole world so its ids sort as their numbers do."""
    return max(legacy, len(str(int(largest))))


@dataclasses.dataclass(frozen=True)
class Serials:
    """Ids numbered ``block * stride + serial``: a block is a day, a month or a campaign and
    the serial counts within it, so a block's ids never depend on another block's."""

    name: str
    prefix: str
    stride: int
    width: int

    def numbers(self, block, serial) -> np.ndarray:
        """The id numbers, refusing a serial past the stride or a block before the first:
        either would give another block's ids."""
        block, serial = np.broadcast_arrays(np.asarray(block, np.int64),
                                            np.asarray(serial, np.int64))
        if serial.size and serial.max() >= self.stride:
            raise ValueError(f"{self.name}: serial {serial.max():,} in one block, past the id "
                             f"scheme's stride of {self.stride:,}")
        if serial.size and block.min() < 0:
            raise ValueError(f"{self.name}: rows before the id scheme's first block")
        return block * self.stride + serial

    def ids(self, numbers: np.ndarray) -> pl.Series:
        return prefixed(self.prefix, numbers, self.width)


def serials(name: str, prefix: str, n_customers: int, legacy: tuple[int, int], most: int,
            blocks: int) -> Serials:
    """The scheme of one id: the ``legacy`` (stride, width) below ``SCALED_IDS_FROM`` customers;
    from there a stride of the power of ten above ``most``, the serials a block can reach (the
    guard in ``numbers`` refuses any past the stride), and a width for ``blocks`` blocks, so
    ids stay unique, and of one width, at any size."""
    stride, width = legacy
    if n_customers >= SCALED_IDS_FROM:
        stride = 10 ** len(str(int(most)))
        width = id_width(width, blocks * stride - 1)
    return Serials(name, prefix, stride, width)
