"""Reading one landing file into a bronze frame: every value kept as delivered, as text.

Typing is silver's job, where a value that does not parse becomes a rejected row instead of a
lost one. A file that cannot be read at all fails with a ``LandingFileError`` naming the file,
the line and the problem, so a person can open the file at that line. What counts as delivered
(cut-off files, column names in any case, JSON values, days without records) is in
docs/your_data.md.
"""

import csv
import dataclasses
import datetime as dt
import functools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from customer_platform.contracts import SourceTable
from customer_platform.contracts.metadata import DUPLICATE_KEYS, MISSING_COLUMNS, PARTITION_COLUMN

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
    #: Columns whose name the file spelled in another case, as delivered -> contract name.
    renamed_columns: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ParsedFile:
    """What a reader found in a file: its records as an all-text frame and, for JSON Lines
    (where records need not share keys), what a frame alone cannot say."""

    frame: pl.DataFrame
    #: Per key some records lack: True on the rows lacking it (a null there was not delivered).
    absent: dict[str, pl.Series] = dataclasses.field(default_factory=dict)
    #: Per row, the keys repeated within the record with every value (JSON), else null.
    duplicate_keys: pl.Series | None = None


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


#: Formats a landing file is sometimes delivered in under the wrong name, by their first bytes.
_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"PK\x03\x04", "a zip archive (or an Excel workbook)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (OLE) workbook"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"\xff\xfe\x00\x00", "UTF-32 text"),
    (b"\x00\x00\xfe\xff", "UTF-32 text"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)


def _format_found(path: Path, data: bytes) -> str | None:
    """What ``data`` (the file's first bytes) is, if its magic bytes name another format than
    the text a CSV or JSON Lines file holds: a person then knows what was delivered."""
    if data.startswith(b"PAR1") and _last_bytes(path, 4) == b"PAR1":
        return "a Parquet file"
    if data.startswith(b"BZh") and data[4:10] == b"1AY&SY":
        return "bzip2-compressed data"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    # UTF-16 without a byte-order mark: ASCII text with a NUL beside every character
    if len(data) >= 4 and data[1:4:2] == b"\x00\x00" and _printable(data[0:4:2]):
        return "UTF-16 text (little-endian, no byte-order mark)"
    if len(data) >= 4 and data[0:4:2] == b"\x00\x00" and _printable(data[1:4:2]):
        return "UTF-16 text (big-endian, no byte-order mark)"
    return None


def _printable(data: bytes) -> bool:
    return all(32 <= byte < 127 for byte in data)


def _last_bytes(path: Path, count: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - count, 0))
        return handle.read()


def _refuse_other_format(path: Path, data: bytes) -> None:
    """Fail a text landing file whose first bytes are another format's."""
    found = _format_found(path, data[:16])
    if found is not None:
        expected = {".csv": "CSV", ".jsonl": "JSON Lines"}[path.suffix]
        raise LandingFileError(path, f"{found}, not {expected} text (UTF-8): deliver the "
                               f"extract as {expected}, or under its own format's name", 1)


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
        _refuse_other_format(path, handle.read(16))
        handle.seek(0)
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


@functools.cache
def _in_memory_duckdb(pid: int) -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB (a forked child opens its own). A CSV read takes a
    cursor of it, a connection of its own, with its own reject tables: a new database per
    file cost 7 ms, most of a small file's read."""
    return duckdb.connect()


def _read_csv(path: Path) -> ParsedFile:
    """Parse with DuckDB's CSV reader (fast, and it reports the line of every bad record).

    DuckDB reads a last record without a line end like any other, so a file cut in its last
    value (``15:57:3`` for ``15:57:35``) would load: the final line end is checked here."""
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
    con = _in_memory_duckdb(os.getpid()).cursor()  # its own reject tables
    try:
        relation = con.sql(
            f"SELECT * FROM read_csv(?, auto_detect=false, header=true, columns={columns}, "
            "delim=',', quote='\"', escape='\"', strict_mode=true, null_padding=false, "
            f"store_rejects=true, max_line_size={MAX_LINE_BYTES})",
            params=[str(path)],
        )
        frame = relation.pl()
        # one row per problem cell: a short record missing 7 fields is 7 rows
        problems = con.sql(
            "SELECT line, error_type, error_message FROM reject_errors ORDER BY line, column_idx"
        ).fetchall()
    except duckdb.Error as exc:
        problem, record = f"malformed CSV: {exc}", None
    else:
        ends_complete = _last_bytes(path, 1) in (b"\n", b"\r")
        if not problems and ends_complete:
            return ParsedFile(frame.cast(pl.String))
        record, problem = None, ""
        if problems:
            record, kind, message = problems[0]
            others = len({line for line, _, _ in problems}) - 1
            more = f" ({others} more bad record(s) after it)" if others else ""
            problem = f"{kind.lower()}: {message}{more}"
    finally:
        con.close()
    data = path.read_bytes()
    *_, (last, _) = _records(data)  # where the last record starts
    line = _record_start(data, int(record)) if record is not None else None
    if not data.endswith((b"\n", b"\r")) and (line is None or line == last):
        problem = "; ".join(filter(None, [problem, "the file ends inside this record, with no "
                                          "line end after it: cut short in transfer? (every "
                                          "record, the last included, must end with a line end)"]))
        line = last
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


#: A \\uD800-\\uDFFF escape: the json module reads it as a lone surrogate, which is not Unicode
#: text (Polars cannot hold it), so a line with one is checked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Number(str):
    """A JSON number (or NaN, Infinity) as its source text: the json module hands it over
    instead of a float, so ``1.10`` stays ``1.10`` and ``1e2`` stays ``1e2``."""

    __slots__ = ()


class _Pairs(list):
    """A JSON object that repeats a key: its (key, value) pairs, every one kept."""

    __slots__ = ()


def _object(pairs: list[tuple[str, object]]) -> dict | _Pairs:
    record = dict(pairs)
    return record if len(record) == len(pairs) else _Pairs(pairs)


#: Exact: numbers marked as such (nested values are written back as JSON), every pair of an
#: object seen. Fast (no Python call per object, five times faster): numbers as their text,
#: enough for a line of plain values whose keys are known not to repeat.
_decode_exact = json.JSONDecoder(object_pairs_hook=_object, parse_float=_Number,
                                 parse_int=_Number, parse_constant=_Number).decode
_decode_fast = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str).decode
#: A key (or a string value followed by a colon, which is a key): '"', blanks, ':'.
_KEY = re.compile(r'"[ \t\r\n]*:')


def _json_text(value) -> str:
    """``value`` as the JSON text it was read from (numbers as written, keys in order,
    repeated keys kept), spaced as the json module writes it."""
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, dict | _Pairs):
        pairs = value.items() if isinstance(value, dict) else value
        return "{" + ", ".join(f"{_json_text(key)}: {_json_text(item)}"
                               for key, item in pairs) + "}"
    return "[" + ", ".join(_json_text(item) for item in value) + "]"


def _field_text(value) -> str | None:
    """A top-level JSON value as bronze text: a string as it is, null as null, anything else
    as its JSON text (``true``, ``1.10``, ``{"a": 1}``)."""
    return value if value is None or isinstance(value, str) else _json_text(value)


def _needs_text(line: str) -> bool:
    """Whether a line may hold a value that is not a string, null or number (booleans, nested
    objects or arrays): only such lines need their values converted."""
    return "true" in line or "false" in line or "[" in line or line.count("{") > 1


def _may_repeat_a_key(line: str, record: dict) -> bool:
    """Whether the object on ``line`` may have more keys than ``record`` (a dict, which keeps
    one value per key) holds. Every key is a '"' then blanks then ':', so counting those
    bounds the keys from above; the plain count of '":' does too when no '"' is followed by
    a blank, and is all most lines need."""
    if line.count('":') == len(record) and '" ' not in line and '"\t' not in line \
            and '"\r' not in line:
        return False
    return len(_KEY.findall(line)) > len(record)


class _JsonKeys:
    """The columns of a JSON Lines file: its keys, matched ignoring case (the first spelling
    names the column), as DuckDB and CSV headers match them."""

    def __init__(self):
        self.columns: dict[str, str] = {}  # lower-case key -> column
        self.exact: set[str] = set()  # keys spelled as their column

    def known(self, record: dict) -> bool:
        return self.exact.issuperset(record)

    def fields(self, pairs) -> tuple[dict[str, str | None], dict[str, list] | None]:
        """The record's value per column (a repeated key: its last value) and, if a key
        repeats (in any case), every value of each repeated key."""
        values: dict[str, str | None] = {}
        repeated: dict[str, list] = {}
        for key, value in pairs:
            name = self.columns.setdefault(key.lower(), key)
            if name == key:
                self.exact.add(key)
            text = _field_text(value)
            if name in values:
                repeated.setdefault(name, [values[name]]).append(text)
            values[name] = text
        return values, repeated or None


def _read_jsonl(path: Path) -> ParsedFile:
    """Parse line by line with the json module, whose hooks keep each number's source text
    and see a repeated key. (Polars' reader, five times faster, rewrites numbers: one ``2.5``
    turns every other value of its column into ``N.0``; and it keeps one value of a repeated
    key without a word.)"""
    data = path.read_bytes()
    _refuse_other_format(path, data[:16])
    text = _decode(path, data)
    if text.startswith(BOM):
        text, data = text[1:], data[len(BOM.encode()):]
    if not data:  # JSON Lines has no header: a 0-byte file is a day without records
        return ParsedFile(pl.DataFrame())
    if not text.strip():
        raise LandingFileError(path, "file holds only whitespace: expected one JSON object per "
                               "line, or a 0-byte file for a day without records", 1)
    keys = _JsonKeys()
    records: list[dict] = []
    repeats: dict[int, dict] = {}  # record index -> its repeated keys
    # Lines end at \n only: str.splitlines also breaks at U+2028, \x85 and other characters a
    # JSON string may hold as they are.
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        try:
            record = _decode_fast(line)
            if not isinstance(record, dict):
                raise LandingFileError(path, "expected a JSON object per line", number)
            if _needs_text(line) or _may_repeat_a_key(line, record) or not keys.known(record):
                exact = _decode_exact(line)
                record, repeated = keys.fields(exact.items() if type(exact) is dict else exact)
                if repeated:
                    repeats[len(records)] = repeated
            if "\\u" in line and _SURROGATE_ESCAPE.search(line):
                json.dumps([list(record.items()), repeats.get(len(records))],
                           ensure_ascii=False).encode()
        except json.JSONDecodeError as exc:
            cut = " (the file ends in this line, with no line end after it: cut short in " \
                  "transfer?)" if number == len(lines) else ""
            raise LandingFileError(
                path, f"invalid JSON at column {exc.colno}: {exc.msg}{cut}", number
            ) from None
        except RecursionError:
            raise LandingFileError(path, "JSON nested too deeply to read", number) from None
        except UnicodeEncodeError as exc:
            raise LandingFileError(path, f"{exc.object[exc.start]!r} escapes a lone surrogate, "
                                   "which is not Unicode text", number) from None
        records.append(record)
    columns = list(keys.columns.values())
    frame = pl.from_dicts(records, schema={name: pl.String for name in columns}) \
        if columns else pl.DataFrame({"": [None] * len(records)}).drop("")
    absent = {}
    if any(len(record) < len(columns) for record in records):
        for name in columns:
            lacking = pl.Series(name, [name not in record for record in records])
            if lacking.any():
                absent[name] = lacking
    duplicate_keys = None
    if repeats:
        duplicate_keys = pl.Series(DUPLICATE_KEYS, [
            json.dumps(repeats[index], ensure_ascii=False) if index in repeats else None
            for index in range(len(records))], dtype=pl.String)
    return ParsedFile(frame, absent, duplicate_keys)


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
        if isinstance(dtype, pl.Datetime) and dtype.time_zone:  # an instant: as stored, UTC
            texts.append(column.dt.convert_time_zone("UTC").dt.to_string(
                "%Y-%m-%dT%H:%M:%S%.fZ"))
        elif isinstance(dtype, pl.Datetime):
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


def _read_parquet(path: Path) -> ParsedFile:
    """Read with pyarrow, then hand the table to Polars: on some corrupt files Polars' own reader
    aborts the whole process (an allocation of exabytes fails), where pyarrow raises."""
    if path.stat().st_size == 0:
        raise LandingFileError(path, "file is empty: expected a Parquet file")
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head.startswith(b"PAR1") and (found := _format_found(path, head)) is not None:
        raise LandingFileError(path, f"{found}, not a Parquet file")
    try:
        table = pq.read_table(path)
        _check_columns(table, path)
        frame = pl.from_arrow(table)
    except LandingFileError:
        raise
    except READER_FAILURES as exc:  # any reader failure means an unreadable file
        raise LandingFileError(path, f"not a readable Parquet file ({exc})") from None
    return ParsedFile(_all_text(frame, path))


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


def parse_landing_file(path: Path) -> ParsedFile:
    """Parse ``path`` into an all-text frame, one row per record, in file order."""
    readers = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}
    fmt = path.suffix.lstrip(".")
    if fmt not in readers:
        raise LandingFileError(path, f"unsupported format .{fmt}; use one of {FORMATS}")
    return readers[fmt](path)


def read_landing_file(path: Path) -> pl.DataFrame:
    """The records of ``path`` as an all-text frame (``parse_landing_file``'s frame)."""
    return parse_landing_file(path).frame


def _contract_names(frame: pl.DataFrame, expected: list[str], path: Path
                    ) -> tuple[pl.DataFrame, dict[str, str]]:
    """The file's columns, those the contract knows under its spelling: names match ignoring
    case (``Email`` is ``email``), as the warehouse compares them, so two names of one file
    that differ only in case are refused (CSV headers are refused earlier, JSON Lines keys
    are one column)."""
    if len({name.lower() for name in frame.columns}) != frame.width:
        raise LandingFileError(path, "column names repeat (case is ignored): "
                               f"{_header_problems(frame.columns)}", _header_line(path))
    contract = {name.lower(): name for name in expected}
    renamed = {name: contract[name.lower()] for name in frame.columns
               if contract.get(name.lower(), name) != name}
    return frame.rename(renamed), renamed


def _header_line(path: Path) -> int | None:
    """The line a file's column names are on: 1 for the text formats, none for Parquet."""
    return 1 if path.suffix in FIRST_RECORD_LINE else None


def _refuse_lacking_required(table: SourceTable, path: Path, missing: list[str]) -> None:
    """A file without a required column is not a day of rejected rows but a contract violation
    of the whole file: another table's file, or a broken export."""
    lacking = [name for name in table.file_columns() if name in missing]
    if lacking:
        where = {".csv": "header lacks", ".jsonl": "no record has"}.get(path.suffix, "file lacks")
        raise LandingFileError(
            path,
            f"{where} required column(s) {', '.join(lacking)} of {table.qualified_name} (the "
            f"file of another table, or a broken export?); expected columns: "
            f"{', '.join(table.columns())} (case is ignored)",
            _header_line(path),
        )


def _extras_json(frame: pl.DataFrame, extra: list[str], absent: dict[str, pl.Series]
                 ) -> pl.Series:
    """Per row, the columns beyond the contract as a JSON object holding the keys the record
    has (JSON Lines records need not share keys: one record's extra key is not every
    record's null); null when it has none. By Series, not by name: ``pl.col`` would read a
    column named ``*`` as a wildcard."""
    if not extra:
        return pl.Series("_extra_columns", [None] * frame.height, dtype=pl.String)
    if not absent.keys() & set(extra):
        return pl.DataFrame([frame.get_column(name) for name in extra]).to_struct(
            "_extra_columns").struct.json_encode()
    nothing = pl.Series([None] * frame.height, dtype=pl.String)
    members = []  # '"key":value', or null where the record lacks the key
    for number, name in enumerate(extra):
        member = pl.DataFrame([frame.get_column(name)]).to_struct().struct.json_encode() \
            .str.slice(1).str.head(-1)
        if name in absent:
            member = member.zip_with(~absent[name], nothing)
        members.append(member.alias(str(number)))
    joined = pl.concat_str(members, separator=",", ignore_nulls=True)
    return pl.select(pl.when(joined != "").then(pl.lit("{") + joined + pl.lit("}"))
                     .alias("_extra_columns")).to_series()


def _duplicate_keys(repeated: pl.Series | None, renamed: dict[str, str]) -> pl.Series | pl.Expr:
    """The ``_duplicate_keys`` column, its keys named as the contract spells them."""
    if repeated is None:
        return pl.lit(None, pl.String).alias(DUPLICATE_KEYS)
    if not renamed:
        return repeated
    return pl.Series(DUPLICATE_KEYS, [
        None if keys is None else json.dumps(
            {renamed.get(key, key): values for key, values in json.loads(keys).items()},
            ensure_ascii=False)
        for keys in repeated], dtype=pl.String)


def to_bronze(
    table: SourceTable,
    path: Path,
    landing_root: Path,
    day: dt.date,
    loaded_at: dt.datetime,
) -> LandingFile:
    """Read ``path`` and shape it into ``table``'s bronze layout.

    Contract columns come first, as text; an optional contract column the file lacks is added
    as nulls and named in ``_missing_columns``, so gold can tell "not delivered" from "empty"
    (a file lacking a required column cannot be ingested at all); columns the contract does
    not know are kept, as a JSON object per row, in ``_extra_columns``. Column names match
    ignoring case; JSON Lines rows that repeat a key are named in ``_duplicate_keys``.
    """
    parsed = parse_landing_file(path)
    expected = list(table.columns())
    frame, renamed = _contract_names(parsed.frame, expected, path)
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
    _refuse_lacking_required(table, path, missing)
    absent = {renamed.get(name, name): rows for name, rows in parsed.absent.items()}
    extras_column = _extras_json(frame, extra, absent)
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
        _duplicate_keys(parsed.duplicate_keys, renamed),
    )
    return LandingFile(path, bronze.rechunk(), missing, extra, renamed)
