"""Loading the history a company has: one extract spanning many days, split into the daily
landing files the platform expects, as if each day had arrived on its day.

A company that starts on the platform seldom has years of daily files; it has a dump. The
whole dump is checked first with bronze's reader and silver's type rules (a file bronze would
refuse, a value of the wrong type, a row without a usable business date): one such problem
refuses the whole file, naming the file, the line and the rule, and nothing is written. Then
each row goes to the day of its business date, its values as delivered: a text extract in
the table's own format is cut into its records byte for byte, anything else is written from
the text the bronze reader read, which reads back to the same text. Snapshot tables turn a
change history into the daily snapshots it implies, or take one current snapshot as one day.
The rules, and how to load the days afterwards: docs/your_data.md (Loading history).
"""

import dataclasses
import datetime as dt
import json
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from customer_platform.bronze.landing import (
    BOM,
    FORMATS,
    LandingFile,
    LandingFileError,
    to_bronze,
)
from customer_platform.contracts import SourceTable, declared_source_tables
from customer_platform.contracts.metadata import DUPLICATE_KEYS
from customer_platform.generator.writers import write_landing_file
from customer_platform.silver.normalise import normalise_text, parse_exprs

#: One CSV record, its line end included: quoted values may hold commas, quotes (doubled) and
#: line breaks, as the bronze reader reads them.
_CSV_RECORD = re.compile(rb'(?:"[^"]*"|[^"\r\n]++)*+(?:\r\n|\r|\n)')
#: Stands for the day of a whole extract while bronze reads it (no partition is written).
_NO_DAY = dt.date(1970, 1, 1)


class ImportRefused(Exception):
    """The extract was not imported (days already there, a window that loses rows); one line,
    and nothing was written."""


@dataclasses.dataclass
class ImportStats:
    """What an import wrote: ``rows`` records read from the extract, ``rows_written`` across
    the daily files (a snapshot history repeats every key on every day)."""

    table: str
    rows: int = 0
    days: int = 0
    files: int = 0
    rows_written: int = 0
    bytes: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclasses.dataclass
class _Extract:
    """The extract as bronze read it, and its records as delivered (text formats)."""

    table: SourceTable
    path: Path  # as the person named it
    fmt: str
    landing: LandingFile
    #: Text formats: every data record's bytes, line end included, in file order, and the line
    #: it starts on; None when the records could not be lined up with bronze's rows.
    records: list[bytes] | None = None
    lines: list[int] | None = None
    header: bytes = b""  # CSV: the header record as delivered

    @property
    def rows(self) -> int:
        return self.landing.frame.height

    def where(self, row: int) -> str:
        """``line N`` of a text file (``row`` 0-based, in file order), else ``row N``."""
        if self.lines is not None:
            return f"line {self.lines[row]}"
        return f"{'record' if self.fmt != 'parquet' else 'row'} {row + 1}"

    def refuse(self, row: int, problem: str) -> LandingFileError:
        """The extract refused for ``row`` (0-based, in file order)."""
        if self.lines is not None:
            return LandingFileError(self.path, f"{problem}; nothing was written", self.lines[row])
        return LandingFileError(self.path, f"{self.where(row)}: {problem}; nothing was written")


def find_declared_table(name: str) -> SourceTable:
    """The declared source table ``system.table``; a LookupError naming the declared ones."""
    tables = declared_source_tables()
    for table in tables:
        if table.qualified_name == name:
            return table
    raise LookupError(f"{name!r} is not a declared source table; declared: "
                      f"{', '.join(t.qualified_name for t in tables)}")


def import_history(
    table: SourceTable,
    path: Path,
    landing_root: Path,
    fmt: str | None = None,
    *,
    replace: bool = False,
    start: dt.date | None = None,
    end: dt.date | None = None,
    current: bool = False,
    day: dt.date | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_file: Callable[[dt.date, int], None] | None = None,
) -> ImportStats:
    """Check ``path`` whole, then write one landing file of ``table`` per day.

    Incremental tables: each row goes to the day of its event date; every day from ``start``
    (default: the first event date) to ``end`` (default: the last) gets a file, an empty one
    for a day without rows. Snapshot tables: a change history (default) gives each day the
    latest version of every key changed by then; ``current`` (or a ``day``) writes the file
    whole as the snapshot of ``day`` (default: its latest ``updated_at`` date). A row that
    would fall in no file refuses the import. ``on_plan(days)`` says how many days will be
    written once the extract passed its checks; ``on_file(day, rows)`` follows the writing.
    """
    began = time.perf_counter()
    path = Path(path)
    fmt = _format_of(path, fmt)
    if (day is not None or current) and (start is not None or end is not None):
        raise ImportRefused("--start and --end are for a history; one current snapshot is one "
                            "day (--day)")
    extract = _read(table, path, fmt)
    if day is not None or current:
        plan = _current_snapshot(extract, day)
    elif table.extract == "snapshot":
        plan = _snapshot_history(extract, start, end)
    else:
        plan = _by_event_date(extract, start, end)
    writer = _Writer(extract)
    _refuse_existing(table, landing_root, list(plan), replace)
    stats = ImportStats(table.qualified_name, rows=extract.rows, days=len(plan),
                        first_day=min(plan), last_day=max(plan))
    if on_plan is not None:
        on_plan(len(plan))
    for d, rows in plan.items():
        stats.bytes += writer.write(rows, table.landing_path(landing_root, d))
        for other in FORMATS:  # --replace: the day's file in another format would be a second
            if other != table.file_format:
                table.landing_path(landing_root, d, other).unlink(missing_ok=True)
        stats.files += 1
        stats.rows_written += len(rows)
        if on_file is not None:
            on_file(d, len(rows))
    stats.seconds = time.perf_counter() - began
    return stats


def _format_of(path: Path, fmt: str | None) -> str:
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise LandingFileError(path, f"cannot tell the format from the name: use --format "
                               f"{'|'.join(FORMATS)}")
    if not path.is_file():
        raise LandingFileError(path, "no such file")
    return fmt


def _read(table: SourceTable, path: Path, fmt: str) -> _Extract:
    """Read the extract with bronze's reader, under a name of its format if it has another."""
    if path.suffix == f".{fmt}":
        return _records_of(_Extract(table, path, fmt, _to_bronze(table, path, path)))
    with tempfile.TemporaryDirectory() as tmp:
        alias = Path(tmp) / f"{path.stem}.{fmt}"
        alias.symlink_to(path.resolve())
        return _records_of(_Extract(table, path, fmt, _to_bronze(table, alias, path)))


def _to_bronze(table: SourceTable, readable: Path, named: Path) -> LandingFile:
    try:
        return to_bronze(table, readable, readable.parent, _NO_DAY, dt.datetime(1970, 1, 1))
    except LandingFileError as exc:  # named as the person named it, not as the alias
        raise LandingFileError(named, f"{exc.problem}; nothing was written", exc.line) from None


def _records_of(extract: _Extract) -> _Extract:
    """Cut a text extract into its records as delivered, lined up with bronze's rows: a CSV
    record may span lines (a quoted line break), blank lines are no records (except in a
    one-column CSV, where a blank line is an empty value), JSON Lines records end at ``\\n``."""
    if extract.fmt == "parquet":
        return extract
    data = extract.path.read_bytes()
    records: list[bytes] = []
    lines: list[int] = []
    line = 1
    if extract.fmt == "jsonl":
        text = data.decode().removeprefix(BOM)
        for line, record in enumerate(text.split("\n"), start=1):
            if record and not record.isspace():
                records.append(record.encode() + b"\n")
                lines.append(line)
    else:
        matches = [m.group() for m in _CSV_RECORD.finditer(data)]
        if sum(map(len, matches)) != len(data) or not matches:
            return extract  # not cut cleanly: write from the frame instead
        extract.header = matches[0]
        landing = extract.landing
        width = len(extract.table.columns()) - len(landing.missing_columns) \
            + len(landing.extra_columns)
        blank_is_record = width <= 1
        line += matches[0].count(b"\n")
        for record in matches[1:]:
            if blank_is_record or record.rstrip(b"\r\n"):
                records.append(record)
                lines.append(line)
            line += record.count(b"\n")  # lines counted by \n, as bronze counts them
    if len(records) == extract.rows:
        extract.records, extract.lines = records, lines
    return extract


def _event_dates(extract: _Extract, column: str | None) -> pl.Series | None:
    """Silver's type rule over the whole extract, and ``column`` (the date a row is filed
    under) parsed as silver parses it (trimmed, ISO 8601, UTC). The first row where a value
    does not parse, or ``column`` is empty, refuses the file: a daily file would send such a
    row to the rejects table, but a history is fixed before it lands. Other rules (enums,
    patterns, ranges, other required values) stay silver's, day by day."""
    table = extract.table
    dtypes = {name: dtype for name, dtype in table.dtypes().items() if dtype != pl.String}
    raw = normalise_text(extract.landing.frame.select(list(dtypes)),
                         {name: table.columns()[name] for name in dtypes})
    typed = raw.select(parse_exprs(raw, dtypes))
    failed = {name: raw.get_column(name).is_not_null() & typed.get_column(name).is_null()
              for name in dtypes}
    if column is not None:
        failed[column] = typed.get_column(column).is_null()
    bad = pl.select(pl.any_horizontal(*failed.values())).to_series() if failed else None
    if bad is not None and bad.any():
        row = int(bad.arg_max())
        name = next(name for name in [column, *dtypes] if name and failed[name][row])
        value = raw.get_column(name)[row]
        more = int(bad.sum()) - 1
        if name != column:
            problem = f"{name}={value!r} breaks type({dtypes[name]})"
        elif value is None:
            problem = f"{name} is empty (rule not_nullable)"
        else:
            problem = f"{name} is {value!r}, not an ISO 8601 date or timestamp (rule " \
                      f"type({dtypes[name]}))"
        if name == column:
            problem += ": every row of a history needs its date, the day it is filed under"
        if more:
            problem += f" ({more} more row(s) with a type error after it)"
        raise extract.refuse(row, problem)
    return None if column is None else typed.get_column(column)


def _window(extract: _Extract, days: pl.Series, start: dt.date | None, end: dt.date | None,
            column: str, before_start_ok: bool = False) -> list[dt.date]:
    """The days from ``start`` to ``end`` (default: the extract's first and last); a row after
    the window (or before it) would be in no file, and refuses the import."""
    first, last = days.min(), days.max()
    start, end = start or first, end or last
    if start is None or end is None:
        raise ImportRefused(f"{extract.path} holds no records: nothing to import (give --start "
                            "and --end to write days without records)")
    if start > end:
        raise ImportRefused(f"--start {start} is after --end {end}")
    outside = (days > end) if before_start_ok else ((days < start) | (days > end))
    if outside.any():
        row = int(outside.arg_max())
        raise ImportRefused(f"{extract.path}, {extract.where(row)}: {column} {days[row]} is "
                            f"outside --start {start} .. --end {end}, so the row would be in no "
                            "file; widen the window; nothing was written")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _by_event_date(extract: _Extract, start: dt.date | None, end: dt.date | None
                   ) -> dict[dt.date, list[int]]:
    """Incremental: each row on the day of its event date, in file order."""
    column = extract.table.event_date
    days = _event_dates(extract, column).cast(pl.Date)
    window = _window(extract, days, start, end, column)
    plan: dict[dt.date, list[int]] = {d: [] for d in window}
    rows = days.to_frame("day").with_row_index("row").group_by("day").agg("row")
    for d, in_day in rows.iter_rows():
        plan[d] = in_day
    return plan


def _updated_at(extract: _Extract) -> tuple[str, pl.Series]:
    column = extract.table.updated_at
    if column is None:
        raise ImportRefused(f"{extract.table.qualified_name} has no updated_at column to order "
                            "its versions by: import one current snapshot with --day")
    return column, _event_dates(extract, column)


def _snapshot_history(extract: _Extract, start: dt.date | None, end: dt.date | None
                      ) -> dict[dt.date, list[int]]:
    """A change history, one row per version: each day's snapshot holds, per key, the latest
    version changed on or before that day (by ``updated_at``; of versions changed at the same
    instant, the earliest line, as silver's deduplication keeps). Versions before ``start``
    fold into its snapshot; the first snapshot may not be empty."""
    column, stamps = _updated_at(extract)
    days = stamps.cast(pl.Date)
    first = days.min()
    if start is not None and start < first:
        raise ImportRefused(f"--start {start} is before the first change in {extract.path} "
                            f"({first}): that day's snapshot would be empty, which bronze "
                            "refuses for a snapshot table")
    window = _window(extract, days, start, end, column, before_start_ok=True)
    keys = _keys(extract)
    instants, dates = stamps.to_list(), days.to_list()
    order = sorted(range(extract.rows), key=lambda row: (instants[row], -row))
    latest: dict[tuple, int] = {}
    plan: dict[dt.date, list[int]] = {}
    position = 0
    for d in window:
        while position < len(order) and dates[order[position]] <= d:
            row = order[position]
            latest[keys[row]] = row
            position += 1
        plan[d] = sorted(latest.values())
    return plan


def _keys(extract: _Extract) -> list[tuple]:
    """Each row's key as silver compares keys (trimmed, normalised); a version without a key
    belongs to no entity and refuses the file."""
    table = extract.table
    spec = {name: table.columns()[name] for name in table.primary_key}
    raw = normalise_text(extract.landing.frame.select(list(spec)), spec)
    for name in spec:
        empty = raw.get_column(name).is_null()
        if empty.any():
            raise extract.refuse(int(empty.arg_max()), f"{name} is empty (rule not_nullable): a "
                                 "version without its key belongs to no entity")
    return raw.rows()


def _current_snapshot(extract: _Extract, day: dt.date | None) -> dict[dt.date, list[int]]:
    """One current snapshot, written whole as the snapshot of ``day``."""
    table = extract.table
    if table.extract != "snapshot":
        raise ImportRefused(f"{table.qualified_name} is an incremental table: its rows go to the "
                            "days of their event date (leave out --current and --day)")
    if table.updated_at is None and day is not None:
        _event_dates(extract, None)
    else:  # no version may be later than the snapshot that holds it
        column, stamps = _updated_at(extract)
        days = stamps.cast(pl.Date)
        day = day or days.max()
        _window(extract, days, day, day, column, before_start_ok=True)
    return {day: list(range(extract.rows))}


def _refuse_existing(table: SourceTable, root: Path, days: list[dt.date], replace: bool) -> None:
    """Days already in the landing zone (in any format) are not overwritten unless asked."""
    if replace:
        return
    there = [d for d in days if any(table.landing_path(root, d, f).exists() for f in FORMATS)]
    if there:
        shown = ", ".join(map(str, there[:5])) + (f" and {len(there) - 5} more" if len(there) > 5
                                                  else "")
        raise ImportRefused(f"{table.qualified_name} already has landing files under {root} for "
                            f"{len(there)} of the {len(days)} days ({shown}): pass --replace to "
                            "overwrite them; nothing was written")


class _Writer:
    """Writes the rows of one day: records as delivered when the extract is in the table's
    own text format, a slice of the Parquet table when both are Parquet, else the text the
    bronze reader read (it reads back to the same text)."""

    def __init__(self, extract: _Extract):
        self.extract = extract
        self.own = extract.fmt == extract.table.file_format
        self.arrow: pa.Table | None = None
        self.frame: pl.DataFrame | None = None
        if self.own and extract.fmt == "parquet":
            self.arrow = pq.read_table(extract.path)
        elif not (self.own and extract.records is not None):
            repeated = extract.landing.frame.get_column(DUPLICATE_KEYS).is_not_null()
            if repeated.any():
                raise extract.refuse(int(repeated.arg_max()), "a JSON object repeats a key (rule "
                                     "duplicate_json_key), which only its own line can carry: "
                                     f"deliver the extract as {extract.table.file_format}")
            self.frame = _delivered_text(extract.table, extract.landing)

    def write(self, rows: list[int], path: Path) -> int:
        if self.frame is not None:
            return write_landing_file(self.frame[rows], path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        if self.arrow is not None:
            pq.write_table(self.arrow.take(pa.array(rows, pa.int64())), tmp, compression="zstd")
        else:
            records = self.extract.records
            tmp.write_bytes(self.extract.header + b"".join(records[row] for row in rows))
        tmp.replace(path)
        return path.stat().st_size


def _delivered_text(table: SourceTable, landing: LandingFile) -> pl.DataFrame:
    """The delivered columns as text: the contract columns the file had (named as the contract
    spells them, which bronze matches ignoring case anyway) and the extra ones."""
    frame = landing.frame.select(name for name in table.columns()
                                 if name not in landing.missing_columns)
    if landing.extra_columns:
        extras = [json.loads(value) if value else {}
                  for value in landing.frame.get_column("_extra_columns")]
        frame = frame.with_columns(pl.Series(name, [row.get(name) for row in extras],
                                             dtype=pl.String) for name in landing.extra_columns)
    return frame
