"""Small helpers that turn numpy arrays into typed Polars columns for generated frames."""

import numpy as np
import polars as pl


def pick(values, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` for a tuple of labels (object array, Polars reads it as String)."""
    return np.asarray(values, dtype=object)[idx]


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
