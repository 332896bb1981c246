"""Write a landing file in the table's delivery format, byte-for-byte reproducibly."""

from pathlib import Path

import polars as pl


def write_landing_file(frame: pl.DataFrame, path: Path) -> int:
    """Write ``frame`` to ``path`` (format from the extension) atomically; return bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    suffix = path.suffix.lstrip(".")
    if suffix == "csv":
        frame.write_csv(tmp, datetime_format="%Y-%m-%dT%H:%M:%S", date_format="%Y-%m-%d")
    elif suffix == "jsonl":
        frame.write_ndjson(tmp)
    elif suffix == "parquet":
        frame.write_parquet(tmp, compression="zstd", statistics=False)
    else:
        raise ValueError(f"unsupported landing format {suffix!r} for {path}")
    tmp.replace(path)
    return path.stat().st_size
