"""The bare engines under bronze and silver, on the same landing files as the platform's run:
what DuckDB and Polars do with a day's files when nothing is validated, kept or reported. The
bench prints the platform's rows/s per layer beside these, so how far each layer is from its
engines shows whatever the machine's mood.

- bronze's baseline: each file read by DuckDB into a Polars frame, every column as text (as
  bronze keeps it), with no check of its header, line ends or records;
- silver's baseline: those frames cleaned by Polars alone: every text trimmed, cast to the
  contract's type (a bad value becomes empty), rows without their key dropped, one row kept per
  key; no rule checked, nothing rejected.
"""

import datetime as dt
import time
from pathlib import Path

import duckdb
import polars as pl

from customer_platform.bronze.landing import find_landing_file
from customer_platform.contracts import DECLARED_TABLES, SourceTable

_READERS = {".csv": "read_csv(?, all_varchar = true, header = true)",
            ".jsonl": "read_json(?, format = 'newline_delimited')",
            ".parquet": "read_parquet(?)"}


def read_bare(con, path: Path) -> pl.DataFrame:
    """The file's records as DuckDB reads them, every column as text."""
    frame = con.sql(f"SELECT * FROM {_READERS[path.suffix]}", params=[str(path)]).pl()
    return frame.with_columns(pl.all().cast(pl.String))


def _typed(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """``text`` as ``dtype`` by Polars' own parsers, empty where it does not parse."""
    if dtype == pl.Date:
        return text.str.to_date(strict=False)
    if dtype == pl.Datetime:
        return text.str.to_datetime(strict=False, time_zone="UTC").cast(dtype, strict=False)
    if dtype == pl.Boolean:
        return text.str.to_lowercase().replace_strict({"true": True, "false": False},
                                                      default=None, return_dtype=pl.Boolean)
    return text.cast(dtype, strict=False)


def clean_bare(frame: pl.DataFrame, table: SourceTable) -> pl.DataFrame:
    """The frame trimmed, typed to the contract (non-strict), keyed and deduplicated."""
    dtypes = {name: dtype for name, dtype in table.dtypes().items() if name in frame.columns}
    typed = frame.with_columns(_typed(pl.col(name).str.strip_chars(), dtype).alias(name)
                               for name, dtype in dtypes.items())
    key = list(table.primary_key)
    if not set(key) <= set(typed.columns):  # a file with no records has no columns to key
        return typed.clear()
    return typed.drop_nulls(key).unique(subset=key, keep="first", maintain_order=True)


def baseline(landing: Path, day: dt.date) -> dict:
    """Rows of the day's landing files, and the bare read's and the bare clean's rows/s."""
    rows = cleaned = 0
    read_s = clean_s = 0.0
    con = duckdb.connect()
    try:
        for table in DECLARED_TABLES:
            path = find_landing_file(landing, table, day)
            began = time.perf_counter()
            frame = read_bare(con, path)
            read = time.perf_counter()
            cleaned += clean_bare(frame, table).height
            clean_s += time.perf_counter() - read
            read_s += read - began
            rows += frame.height
    finally:
        con.close()
    return {"rows": rows, "cleaned_rows": cleaned, "read_s": read_s, "clean_s": clean_s,
            "read_rows_per_s": rows / read_s if read_s else 0.0,
            "clean_rows_per_s": rows / clean_s if clean_s else 0.0}
