"""Reading one landing file into a bronze frame: every value kept as delivered, as text.

``_source_row`` is the record number within the file (1 = the first data record): the line
number for JSON Lines, the line number minus the header for CSV, the row for Parquet.

Bronze keeps the extract exactly as it came, so every column is read as a string whatever
the file format; typing is silver's job, where a value that does not parse becomes a
rejected row instead of a lost one. A file that cannot be read at all (missing, empty,
truncated, garbage bytes, no key column) fails with a ``LandingFileError`` naming the file,
the line and the problem, so a person can open the file at that line.

Days without records: a CSV file then holds just its header line and a Parquet file zero
rows; a JSON Lines file, which has no header, is 0 bytes. A 0-byte CSV or Parquet file is an
error (a header or footer is missing, the transfer was cut), and so is an empty snapshot.
"""

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import polars as pl

from customer_platform.contracts import SourceTable

FORMATS = ("csv", "jsonl", "parquet")

#: Columns bronze adds to every table (ingestion metadata).
PARTITION_COLUMN = "_partition_date"
METADATA_COLUMNS = {
    PARTITION_COLUMN: pl.Date,
    "_source_system": pl.String,
    "_source_file": pl.String,
    "_source_row": pl.Int64,
    "_loaded_at": pl.Datetime("us"),
    "_extra_columns": pl.String,
}


class LandingFileError(Exception):
    """A landing file that cannot be ingested; the message says where and how to fix it."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None):
        self.path, self.problem, self.line = str(path), problem, line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


@dataclasses.dataclass
class LandingFile:
    """A parsed landing file in bronze layout, and how its columns differed from the contract."""

    path: Path
    frame: pl.DataFrame
    missing_columns: list[str]
    extra_columns: list[str]


def find_landing_file(landing_root: Path, table: SourceTable, day: dt.date) -> Path:
    """The one file of ``table`` for ``day``, in whichever supported format it arrived."""
    candidates = [table.landing_path(landing_root, day, fmt) for fmt in FORMATS]
    present = [path for path in candidates if path.exists()]
    if not present:
        expected = table.landing_path(landing_root, day).with_suffix("")
        raise LandingFileError(
            f"{expected}.{{csv,jsonl,parquet}}",
            f"missing landing file for {table.qualified_name} on {day}: expected one file at "
            f"{table.landing_path(landing_root, day)} (or .jsonl/.parquet). "
            "Deliver the extract, or generate it with `customer-platform generate`.",
        )
    if len(present) > 1:
        raise LandingFileError(
            present[0],
            f"ambiguous landing files for {table.qualified_name} on {day}: "
            f"{', '.join(p.name for p in present)}; keep exactly one",
        )
    return present[0]


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LandingFileError(
            path, f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded", line
        ) from None


def _read_header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline()
        rest = handle.read(1)
    if not first.strip() and not rest:
        raise LandingFileError(path, "file is empty: expected a header line with column names", 1)
    text = _decode(path, first)
    if "\x00" in text:
        raise LandingFileError(path, "NUL byte in the header (binary data?)", 1)
    try:
        header = next(csv.reader([text], strict=True))
    except (csv.Error, StopIteration) as exc:
        raise LandingFileError(path, f"malformed CSV header: {exc}", 1) from None
    return [name.strip() for name in header]


def _read_csv(path: Path) -> pl.DataFrame:
    """Parse with DuckDB's CSV reader (fast, and it reports the line of every bad record)."""
    header = _read_header(path)
    if len(set(header)) != len(header) or "" in header:
        raise LandingFileError(path, f"header has empty or duplicate column names: {header}", 1)
    columns = "{" + ", ".join(f"'{name.replace(chr(39), chr(39) * 2)}': 'VARCHAR'"
                              for name in header) + "}"
    con = duckdb.connect()
    try:
        relation = con.sql(
            f"SELECT * FROM read_csv(?, auto_detect=false, header=true, columns={columns}, "
            "delim=',', quote='\"', escape='\"', strict_mode=true, null_padding=false, "
            "store_rejects=true)",
            params=[str(path)],
        )
        frame = relation.pl()
        problems = con.sql(
            "SELECT line, error_type, error_message FROM reject_errors ORDER BY line"
        ).fetchall()
    except duckdb.Error as exc:
        raise LandingFileError(path, f"malformed CSV: {exc}") from None
    finally:
        con.close()
    if problems:
        line, kind, message = problems[0]
        more = f" ({len(problems) - 1} more problem(s) after it)" if len(problems) > 1 else ""
        raise LandingFileError(path, f"{kind.lower()}: {message}{more}", int(line))
    return frame.cast(pl.String)


def _as_text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, sort_keys=True)


def _read_jsonl(path: Path) -> pl.DataFrame:
    """Parse with Polars; if it refuses, find the first bad line with the json module."""
    data = path.read_bytes()
    text = _decode(path, data)
    if not data:
        return pl.DataFrame()  # JSON Lines has no header: a 0-byte file is a day without records
    if not text.strip():
        raise LandingFileError(path, "file holds only whitespace: expected one JSON object per "
                               "line, or a 0-byte file for a day without records", 1)
    try:
        frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
        if all(dtype != pl.Struct and dtype != pl.List for dtype in frame.dtypes):
            return _all_text(frame)
    except Exception:  # noqa: BLE001 - fall through to the line-by-line diagnosis
        pass
    header: dict[str, None] = {}
    records: list[dict] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LandingFileError(
                path, f"invalid JSON at column {exc.colno}: {exc.msg}", number
            ) from None
        if not isinstance(record, dict):
            raise LandingFileError(path, "expected a JSON object per line", number)
        for key in record:
            header.setdefault(key, None)
        records.append(record)
    names = list(header)
    return pl.DataFrame(
        {name: pl.Series(name, [_as_text(r.get(name)) for r in records], dtype=pl.String)
         for name in names}
    )


def _all_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text, dates and times in ISO 8601, booleans as true/false."""
    casts = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            casts.append(column.dt.to_string("%Y-%m-%dT%H:%M:%S%.f").alias(name))
        elif dtype == pl.Date:
            casts.append(column.dt.to_string("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            casts.append(pl.when(column).then(pl.lit("true")).when(~column)
                         .then(pl.lit("false")).alias(name))
        else:
            casts.append(column.cast(pl.String).alias(name))
    return frame.select(casts)


def _read_parquet(path: Path) -> pl.DataFrame:
    if path.stat().st_size == 0:
        raise LandingFileError(path, "file is empty: expected a Parquet file")
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unreadable file
        raise LandingFileError(path, f"not a readable Parquet file ({exc})") from None
    return _all_text(frame)


def read_landing_file(path: Path) -> pl.DataFrame:
    """Parse ``path`` into an all-text frame, one row per record, in file order."""
    readers = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}
    fmt = path.suffix.lstrip(".")
    if fmt not in readers:
        raise LandingFileError(path, f"unsupported format .{fmt}; use one of {FORMATS}")
    return readers[fmt](path)


def to_bronze(
    table: SourceTable,
    path: Path,
    landing_root: Path,
    day: dt.date,
    loaded_at: dt.datetime,
) -> LandingFile:
    """Read ``path`` and shape it into ``table``'s bronze layout.

    Contract columns come first, as text; a contract column the file lacks is added as nulls
    (silver rejects the rows if the column was required); columns the contract does not know
    are kept, as a JSON object per row, in ``_extra_columns``. A file lacking a key column
    cannot be ingested at all.
    """
    frame = read_landing_file(path)
    expected = list(table.columns())
    if frame.width == 0:  # a 0-byte JSON Lines file: no records, so no columns either
        frame = pl.DataFrame(schema={name: pl.String for name in expected})
    if frame.height == 0 and table.extract == "snapshot":
        raise LandingFileError(
            path, f"no records: {table.qualified_name} is a snapshot extract (the whole current "
            "state every day), so an empty file means a failed export"
        )
    missing = [name for name in expected if name not in frame.columns]
    extra = [name for name in frame.columns if name not in expected]
    lacking_key = [name for name in table.primary_key if name in missing]
    if lacking_key:
        raise LandingFileError(
            path,
            f"header lacks key column(s) {lacking_key} of {table.qualified_name}; "
            f"expected columns: {', '.join(expected)}",
            1 if path.suffix != ".parquet" else None,
        )
    if extra:
        extras = frame.select(pl.struct(extra).struct.json_encode().alias("_extra_columns"))
        extras_column = extras["_extra_columns"]
    else:
        extras_column = pl.Series("_extra_columns", [None] * frame.height, dtype=pl.String)
    try:
        relative = str(path.relative_to(landing_root))
    except ValueError:
        relative = str(path)
    bronze = frame.select(
        [
            pl.col(name) if name in frame.columns else pl.lit(None, pl.String).alias(name)
            for name in expected
        ]
    ).with_columns(
        pl.lit(day, pl.Date).alias(PARTITION_COLUMN),
        pl.lit(table.system).alias("_source_system"),
        pl.lit(relative).alias("_source_file"),
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_source_row"),
        pl.lit(loaded_at, pl.Datetime("us")).alias("_loaded_at"),
        extras_column,
    )
    return LandingFile(path, bronze.rechunk(), missing, extra)
