"""Reading one landing file into a bronze frame: every value kept as delivered, as text.

``_source_row`` is the record number within the file (1 = the first data record): the line
number for JSON Lines, the line number minus the header for CSV, the row for Parquet (blank
lines, and CSV values holding line breaks, make records and lines differ).

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
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from customer_platform.contracts import SourceTable

FORMATS = ("csv", "jsonl", "parquet")
#: How Polars fails on a file it cannot parse: an exception, or a panic of its Rust core on
#: corrupt bytes (a ``BaseException``, so ``except Exception`` lets it through).
READER_FAILURES = (Exception, pl.exceptions.PanicException)
#: The line a text file's first record is on (Parquet has no lines).
FIRST_RECORD_LINE = {".csv": 2, ".jsonl": 1}
#: CSV lines must be shorter than this (DuckDB's default); a longer one fails the file.
MAX_LINE_BYTES = 2_000_000
#: What some exporters (Excel among them) put before UTF-8 text; not part of the first value.
BOM = "\ufeff"

#: Columns bronze adds to every table (ingestion metadata).
PARTITION_COLUMN = "_partition_date"
#: The contract columns a row's file lacked, comma-separated in contract order (null when every
#: column came): their nulls mean "not delivered", not "empty" (``gold/completeness.py``).
MISSING_COLUMNS = "_missing_columns"
METADATA_COLUMNS = {
    PARTITION_COLUMN: pl.Date,
    "_source_system": pl.String,
    "_source_file": pl.String,
    "_source_row": pl.Int64,
    "_loaded_at": pl.Datetime("us"),
    "_extra_columns": pl.String,
    MISSING_COLUMNS: pl.String,
}


class LandingFileError(Exception):
    """A landing file that cannot be ingested; the message says where and how to fix it."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None):
        # One line whatever the problem quotes (reader errors span lines): logs, the UI and
        # alerts show the first line only.
        problem = " ".join(problem.split())
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
    text = _decode(path, first).removeprefix(BOM)
    if not text.strip():
        raise LandingFileError(path, "file is empty: expected a header line with column names"
                               if not rest else "blank first line: expected the header", 1)
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
    # DuckDB, and so the warehouse, does not tell column names apart by case.
    if len({name.lower() for name in header}) != len(header) or "" in header:
        raise LandingFileError(path, "header has empty or duplicate column names (case is "
                               f"ignored): {_header_problems(header)}", 1)
    long_line = _long_line(path, MAX_LINE_BYTES)
    if long_line is not None:
        raise LandingFileError(path, f"line of {MAX_LINE_BYTES:,} bytes or more (the CSV "
                               "reader takes shorter lines only)", long_line)
    columns = "{" + ", ".join(f"'{name.replace(chr(39), chr(39) * 2)}': 'VARCHAR'"
                              for name in header) + "}"
    con = duckdb.connect()
    try:
        relation = con.sql(
            f"SELECT * FROM read_csv(?, auto_detect=false, header=true, columns={columns}, "
            "delim=',', quote='\"', escape='\"', strict_mode=true, null_padding=false, "
            f"store_rejects=true, max_line_size={MAX_LINE_BYTES})",
            params=[str(path)],
        )
        frame = relation.pl()
        problems = con.sql(
            "SELECT line, error_type, error_message FROM reject_errors ORDER BY line"
        ).fetchall()
    except duckdb.Error as exc:
        problem, line = f"malformed CSV: {exc}", None
    else:
        if not problems:
            return frame.cast(pl.String)
        record, kind, message = problems[0]
        more = f" ({len(problems) - 1} more problem(s) after it)" if len(problems) > 1 else ""
        problem, line = f"{kind.lower()}: {message}{more}", int(record)
    finally:
        con.close()
    data = path.read_bytes()
    line = _record_start(data, line) if line is not None else None
    # DuckDB reports mixed line ends as a quoting problem, or without a line: say what it is
    mixed = _odd_line_end(data)
    if mixed is not None and (line is None or mixed <= line):
        problem, line = "line ends differently from the header (\\r\\n and \\n mixed)", mixed
    raise LandingFileError(path, problem, line)


#: What a column name looks like; only such a name is quoted in an error message.
_COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _header_problems(header: list[str]) -> str:
    """The empty and repeated names of a header, by position (1 = the first column).

    A name is quoted only if it looks like a column name: a file delivered without its header
    has a record on line 1, and its values (names, emails, addresses) must not reach an error
    message, and so the logs and the UI."""
    first: dict[str, int] = {}
    problems = []
    for number, name in enumerate(header, start=1):
        if not name:
            problems.append(f"column {number} is empty")
        elif (earlier := first.setdefault(name.lower(), number)) != number:
            quoted = f" ({name!r})" if _COLUMN_NAME.fullmatch(name) else ""
            problems.append(f"column {number}{quoted} repeats column {earlier}")
    return "; ".join(problems)


def _long_line(path: Path, limit: int) -> int | None:
    """The first line of ``limit`` bytes or more. DuckDB reports such a line, but one longer
    than its read buffer (16 times the limit) it skips without a word: a record lost."""
    if path.stat().st_size < limit:
        return None
    line, carry = 1, 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            parts = chunk.split(b"\n")
            lengths = [carry + len(parts[0]), *map(len, parts[1:])]
            if max(lengths) >= limit:
                return line + next(i for i, n in enumerate(lengths) if n >= limit)
            line, carry = line + len(parts) - 1, lengths[-1]
    return None


def _records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Where each CSV record starts (lines counted by \\n, as everywhere else) and how it ends
    (\\n, \\r\\n, \\r; empty for the last without a line end), reading quotes as DuckDB does."""
    line, start, quoted = 1, 1, False
    for match in re.finditer(rb'"|\r\n|\r|\n', data):
        end = match.group()
        if end == b'"':
            quoted = not quoted
            continue
        line += end.endswith(b"\n")
        if not quoted:
            yield start, end
            start = line
    yield start, b""


def _record_start(data: bytes, record: int) -> int:
    """The line record ``record`` (1 = the header) starts on. DuckDB numbers records, and a
    record with a quoted line break spans lines; the records before a bad one are sound."""
    for number, (start, _) in enumerate(_records(data), start=1):
        if number == record:
            return start
    return start


def _odd_line_end(data: bytes) -> int | None:
    """The line of the first record that ends unlike the header (\\r\\n among \\n, say), if
    any: DuckDB refuses a file that mixes them, without saying where or as a quoting error."""
    first = None
    for start, end in _records(data):
        first = first or end
        if end and end != first:
            return start
    return None


def _as_text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict | list):  # nested: as JSON, dates and the like as text
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)  # a Parquet duration, say


#: A \\uD800-\\uDFFF escape. Polars reads a lone surrogate as NUL; the json module keeps it, and
#: it is not Unicode text, so files with such escapes take the line-by-line path.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _maybe_nested(column: pl.Series) -> bool:
    """Objects or arrays, which the json module writes as JSON text. Polars reads a column of
    them as structs or lists, and one mixing them with strings as strings that are not always
    JSON (control characters unescaped), so both take the line-by-line path."""
    if column.dtype.is_nested():
        return True
    return column.dtype == pl.String and bool(
        column.str.starts_with("{").any() or column.str.starts_with("[").any())


def _read_jsonl(path: Path) -> pl.DataFrame:
    """Parse with Polars; if it refuses (or would misread), read line by line with the json
    module, which also finds the first bad line."""
    data = path.read_bytes()
    text = _decode(path, data)
    if text.startswith(BOM):
        text, data = text[1:], data[len(BOM.encode()):]
    if not data:
        return pl.DataFrame()  # JSON Lines has no header: a 0-byte file is a day without records
    if not text.strip():
        raise LandingFileError(path, "file holds only whitespace: expected one JSON object per "
                               "line, or a 0-byte file for a day without records", 1)
    if not _SURROGATE_ESCAPE.search(data):
        try:
            frame = pl.read_ndjson(io.BytesIO(data), infer_schema_length=None)
            if not any(_maybe_nested(frame.get_column(name)) for name in frame.columns):
                return _all_text(frame, path)
        except READER_FAILURES:  # fall through to the line-by-line diagnosis
            pass
    header: dict[str, None] = {}
    records: list[dict] = []
    # Lines end at \n only: str.splitlines also breaks at U+2028, \x85 and other characters a
    # JSON string may hold as they are.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise LandingFileError(path, "expected a JSON object per line", number)
            record = {key: _as_text(value) for key, value in record.items()}
            if _SURROGATE_ESCAPE.search(line.encode()):
                json.dumps(record, ensure_ascii=False).encode()
        except json.JSONDecodeError as exc:
            raise LandingFileError(
                path, f"invalid JSON at column {exc.colno}: {exc.msg}", number
            ) from None
        except RecursionError:
            raise LandingFileError(path, "JSON nested too deeply to read", number) from None
        except UnicodeEncodeError as exc:
            raise LandingFileError(path, f"{exc.object[exc.start]!r} escapes a lone surrogate, "
                                   "which is not Unicode text", number) from None
        for key in record:
            header.setdefault(key, None)
        records.append(record)
    frame = pl.DataFrame({name: pl.Series(name, [r.get(name) for r in records], dtype=pl.String)
                          for name in header})
    # a record without any field still counts (a frame without columns cannot say so)
    return frame if header else pl.DataFrame({"": [None] * len(records)}).drop("")


def _all_text(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """Every column as text, dates and times in ISO 8601, booleans as true/false, nested values
    as JSON (as a JSON Lines file holds them), bytes as the UTF-8 text they must be.

    Column by column as Series: an expression would read a column named ``*`` or ``^a.*$`` as
    a wildcard or a pattern."""
    if frame.width == 0:
        return frame  # records without fields: keep their count
    texts = []
    for column in frame.get_columns():
        dtype = column.dtype
        if isinstance(dtype, pl.Datetime):
            texts.append(column.dt.to_string("%Y-%m-%dT%H:%M:%S%.f"))
        elif dtype == pl.Date:
            texts.append(column.dt.to_string("%Y-%m-%d"))
        elif dtype == pl.Binary:
            texts.append(pl.Series(column.name, _utf8(column, path), dtype=pl.String))
        elif dtype.is_nested() or dtype in (pl.Duration, pl.Object):  # no cast to text
            texts.append(pl.Series(column.name, [_as_text(v) for v in column.to_list()],
                                   dtype=pl.String))
        else:  # booleans become true/false
            texts.append(column.cast(pl.String))
    return pl.DataFrame(texts)


def _utf8(column: pl.Series, path: Path) -> list[str | None]:
    """A Parquet column of bytes holds text like any other; bytes that are not UTF-8 are
    refused as in a CSV file, naming the column and row."""
    try:
        return [None if value is None else value.decode() for value in column.to_list()]
    except UnicodeDecodeError:
        row = next(i for i, v in enumerate(column, 1) if v is not None and not _decodes(v))
        raise LandingFileError(path, f"column {column.name!r}, row {row}: bytes that are not "
                               "UTF-8 text") from None


def _decodes(value: bytes) -> bool:
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


def _read_parquet(path: Path) -> pl.DataFrame:
    """Read with pyarrow, then hand the table to Polars: on some corrupt files Polars' own reader
    aborts the whole process (an allocation of exabytes fails), where pyarrow raises."""
    if path.stat().st_size == 0:
        raise LandingFileError(path, "file is empty: expected a Parquet file")
    try:
        table = pq.read_table(path)
        _check_columns(table, path)
        frame = pl.from_arrow(table)
    except LandingFileError:
        raise
    except READER_FAILURES as exc:  # any reader failure means an unreadable file
        raise LandingFileError(path, f"not a readable Parquet file ({exc})") from None
    return _all_text(frame, path)


def _check_columns(table: pa.Table, path: Path) -> None:
    """pyarrow reads text columns without checking that they are UTF-8, and Polars fails on
    such text later, in any step: refuse the column here, naming it (and the row)."""
    for name, column in zip(table.column_names, table.columns, strict=True):
        try:
            column.validate(full=True)
        except pa.ArrowInvalid as exc:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                _utf8(pl.Series(name, column.cast(pa.large_binary())), path)  # names the row
            raise LandingFileError(path, f"column {name!r}: {exc}") from None


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
    are kept, as a JSON object per row, in ``_extra_columns``, and the contract columns it
    lacks are named in ``_missing_columns``, so gold can tell "not delivered" from "empty".
    A file lacking a key column cannot be ingested at all.
    """
    frame = read_landing_file(path)
    expected = list(table.columns())
    if frame.width == 0 and frame.height == 0:  # a 0-byte JSON Lines file: no columns either
        frame = pl.DataFrame(schema={name: pl.String for name in expected})
    if frame.height == 0 and table.extract == "snapshot":
        raise LandingFileError(
            path, f"no records: {table.qualified_name} is a snapshot extract (the whole current "
            "state every day), so an empty file means a failed export",
            FIRST_RECORD_LINE.get(path.suffix),
        )
    missing = [name for name in expected if name not in frame.columns]
    extra = [name for name in frame.columns if name not in expected]
    lacking_key = [name for name in table.primary_key if name in missing]
    if lacking_key:
        raise LandingFileError(
            path,
            f"header lacks key column(s) {lacking_key} of {table.qualified_name}; "
            f"expected columns: {', '.join(expected)}",
            1 if path.suffix in FIRST_RECORD_LINE else None,
        )
    if extra:  # by Series, not by name: pl.col would read a column named "*" as a wildcard
        extras_column = pl.DataFrame([frame.get_column(name) for name in extra]).to_struct(
            "_extra_columns").struct.json_encode()
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
        pl.lit(",".join(missing) or None, pl.String).alias(MISSING_COLUMNS),
    )
    return LandingFile(path, bronze.rechunk(), missing, extra)
