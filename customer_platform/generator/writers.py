"""Write a landing file in the table's delivery format, byte-for-byte reproducibly."""

from pathlib import Path

import numpy as np
import polars as pl

#: Rows a text file (CSV, JSON lines) is gathered and written in when its rows come with an
#: order: one slice is in memory beside the frame, not a reordered copy of the whole file.
SLICE_ROWS = 500_000


def write_landing_file(frame: pl.DataFrame, path: Path, order: np.ndarray | None = None) -> int:
    """Write ``frame`` (its rows in ``order`` when given) to ``path`` atomically, in the format
    its extension names; return bytes written. The bytes do not depend on the slicing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    suffix = path.suffix.lstrip(".")
    if suffix == "parquet":  # row groups follow the frame, so it is written whole
        (frame if order is None else frame[order]).write_parquet(tmp, compression="zstd",
                                                                 statistics=False)
    elif suffix in ("csv", "jsonl"):
        slices = [frame] if order is None else (
            frame[order[at:at + SLICE_ROWS]] for at in range(0, max(len(order), 1), SLICE_ROWS))
        with open(tmp, "wb") as out:
            for number, rows in enumerate(slices):
                if suffix == "csv":
                    rows.write_csv(out, include_header=number == 0,
                                   datetime_format="%Y-%m-%dT%H:%M:%S", date_format="%Y-%m-%d")
                else:
                    rows.write_ndjson(out)
    else:
        raise ValueError(f"unsupported landing format {suffix!r} for {path}")
    tmp.replace(path)
    return path.stat().st_size
