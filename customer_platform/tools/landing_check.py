"""Check a landing zone against the contracts before loading it: would every day load?

A scheduled load that meets a missing or broken file fails its bronze step halfway through a
backfill; rows that break a rule end in the rejects tables, where someone has to look at them
later. This reads each declared table's files for a range of days with the very reader the
bronze assets use and cleans them with silver's own cleaning (each day alone, as silver does),
writing nothing: no Dagster run, no warehouse. It says, per table, which days are there, in
which formats, which files bronze would refuse and why, how headers differ from the contract,
and which rows silver would reject, by rule, with where they are. What fails a day is in
docs/your_data.md (Check a landing zone before you load it).
"""

import dataclasses
import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from customer_platform.bronze.landing import (
    FORMATS,
    LandingFileError,
    _records,
    find_landing_file,
    parse_landing_file,
    to_bronze,
)
from customer_platform.contracts import SourceTable, declared_source_tables
from customer_platform.contracts.metadata import DUPLICATE
from customer_platform.silver.cleaning import clean

#: Where the first rows breaking each rule are, per table (the rest are counted).
FIRST_ROWS = 5
#: What this check cannot see: it reads files, one table-day at a time, as bronze and silver do.
NOT_CHECKED = ("gold's checks (foreign keys between tables, SCD2 history, MRR identities) and "
               "the warehouse's reconciliation need a load; silver cleans each table-day alone, "
               "so nothing else is needed to check a day's files")
_LANDING_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.(" + "|".join(FORMATS) + ")")


@dataclasses.dataclass
class RuleRejects:
    """The rows of one table that silver keeps out under one ``error_rule``."""

    rule: str
    disposition: str  # rejected (a rule broken) or duplicate_removed
    rows: int = 0
    #: The contract columns the rows broke the rule in (a duplicate: the key).
    columns: list[str] = dataclasses.field(default_factory=list)
    #: The first rows, in day and file order: day, file, record number, line (text files).
    first: list[dict] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TableCheck:
    """What the landing zone holds for one declared table over the range."""

    table: SourceTable
    days_present: list[dt.date] = dataclasses.field(default_factory=list)
    days_missing: list[dt.date] = dataclasses.field(default_factory=list)
    folder_exists: bool = True
    formats: dict[str, int] = dataclasses.field(default_factory=dict)
    unexpected_files: list[str] = dataclasses.field(default_factory=list)
    #: Files bronze would refuse: day, file, line, problem (the ``LandingFileError``).
    refused: list[dict] = dataclasses.field(default_factory=list)
    #: Per file whose columns differ from the contract: missing (required or optional),
    #: extra and case-renamed columns.
    header_problems: list[dict] = dataclasses.field(default_factory=list)
    #: Silver failing on a file bronze read (a bug, not bad data): day, file, problem.
    silver_errors: list[dict] = dataclasses.field(default_factory=list)
    bronze_rows: int = 0
    silver_rows: int = 0
    rejected_rows: int = 0
    duplicate_rows: int = 0
    rejects: dict[str, RuleRejects] = dataclasses.field(default_factory=dict)

    @property
    def failed_days(self) -> dict[dt.date, list[str]]:
        """Day -> why this table would fail that day's load."""
        failed: dict[dt.date, list[str]] = {}
        for day in self.days_missing:
            failed.setdefault(day, []).append(f"{self.table.qualified_name}: missing")
        for item in self.refused:
            failed.setdefault(item["day"], []).append(f"{self.table.qualified_name}: refused")
        for item in self.silver_errors:
            failed.setdefault(item["day"], []).append(
                f"{self.table.qualified_name}: silver failed")
        return failed

    def to_json(self) -> dict:
        return {
            "table": self.table.qualified_name,
            "days_present": [d.isoformat() for d in self.days_present],
            "days_missing": [d.isoformat() for d in self.days_missing],
            "folder_exists": self.folder_exists,
            "formats": self.formats,
            "unexpected_files": self.unexpected_files,
            "refused": [_dated(item) for item in self.refused],
            "header_problems": [_dated(item) for item in self.header_problems],
            "silver_errors": [_dated(item) for item in self.silver_errors],
            "rows": {"bronze": self.bronze_rows, "silver": self.silver_rows,
                     "rejected": self.rejected_rows, "duplicates": self.duplicate_rows},
            "rejects_by_rule": [
                {"rule": r.rule, "disposition": r.disposition, "rows": r.rows,
                 "columns": r.columns, "first": [_dated(item) for item in r.first]}
                for r in self.rejects.values()],
            "failed_days": sorted(d.isoformat() for d in self.failed_days),
        }


def _dated(item: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in item.items()}


@dataclasses.dataclass
class LandingCheck:
    """The whole check: one ``TableCheck`` per declared table, and how long it took."""

    landing_root: Path
    start: dt.date
    end: dt.date
    tables: list[TableCheck]
    seconds: float = 0.0

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def failed_days(self) -> dict[dt.date, list[str]]:
        failed: dict[dt.date, list[str]] = {}
        for table in self.tables:
            for day, reasons in table.failed_days.items():
                failed.setdefault(day, []).extend(reasons)
        return dict(sorted(failed.items()))

    @property
    def ok(self) -> bool:
        return not self.failed_days

    def verdict(self) -> str:
        """One line: would every day load, and if not which days and why."""
        bronze = sum(t.bronze_rows for t in self.tables)
        rejected = sum(t.rejected_rows for t in self.tables)
        duplicates = sum(t.duplicate_rows for t in self.tables)
        scope = (f"{self.days} day(s) x {len(self.tables)} table(s), {bronze:,} rows read, "
                 f"{rejected:,} rejected and {duplicates:,} duplicate(s) for the rejects tables, "
                 f"checked in {self.seconds:.1f} s")
        if self.ok:
            return f"OK: every day would load ({scope})"
        failed = self.failed_days
        shown = [f"{day} ({', '.join(reasons[:3])}{', ...' if len(reasons) > 3 else ''})"
                 for day, reasons in list(failed.items())[:3]]
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        return (f"FAIL: {len(failed)} of {self.days} day(s) would not load: "
                f"{'; '.join(shown)}{more} ({scope})")

    def to_json(self) -> dict:
        return {
            "landing_root": str(self.landing_root),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "ok": self.ok,
            "verdict": self.verdict(),
            "failed_days": {d.isoformat(): r for d, r in self.failed_days.items()},
            "seconds": round(self.seconds, 3),
            "not_checked": NOT_CHECKED,
            "tables": [table.to_json() for table in self.tables],
        }


def check_landing(
    landing_root: Path,
    start: dt.date,
    end: dt.date,
    tables: Iterable[SourceTable] | None = None,
    on_file: Callable[[SourceTable, dt.date, int], None] | None = None,
) -> LandingCheck:
    """Check ``start``..``end`` (inclusive) of the landing zone for ``tables`` (default: the
    declared tables, CUSTOMER_PLATFORM_SOURCES). ``on_file(table, day, rows)`` follows the
    progress. Writes nothing."""
    landing_root = _checked_range(Path(landing_root), start, end)
    chosen = tuple(declared_source_tables() if tables is None else tables)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    began = time.perf_counter()
    checks = [_scan_folder(TableCheck(table), landing_root, start, end) for table in chosen]
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for day in days:
        for check in checks:
            rows = _check_day(check, landing_root, day, loaded_at)
            if on_file is not None:
                on_file(check.table, day, rows)
    return LandingCheck(landing_root, start, end, checks, time.perf_counter() - began)


def _checked_range(landing_root: Path, start: dt.date, end: dt.date) -> Path:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    if not landing_root.is_dir():
        raise ValueError(f"landing root {landing_root} is not a folder: set "
                         "CUSTOMER_PLATFORM_LANDING_ROOT or pass --landing-root")
    return landing_root


def _scan_folder(check: TableCheck, root: Path, start: dt.date, end: dt.date) -> TableCheck:
    """Files in the table's folder bronze would never read for a day of the range: another
    extension (``.xlsx``, ``.csv.gz``), a name that is not a day, a left-over temporary file."""
    folder = root / check.table.system / check.table.name
    if not folder.is_dir():
        check.folder_exists = False
        return check
    for entry in sorted(folder.iterdir()):
        if _LANDING_NAME.fullmatch(entry.name):
            continue
        try:
            day = dt.date.fromisoformat(entry.name[:10])
        except ValueError:
            day = None
        if day is None or start <= day <= end:
            check.unexpected_files.append(str(entry.relative_to(root)))
    return check


def _check_day(check: TableCheck, root: Path, day: dt.date, loaded_at: dt.datetime) -> int:
    """Read and clean one table-day as bronze and silver would; return the rows read."""
    table = check.table
    present = [fmt for fmt in FORMATS if table.landing_path(root, day, fmt).exists()]
    if not present:
        check.days_missing.append(day)
        return 0
    check.days_present.append(day)
    for fmt in present:
        check.formats[fmt] = check.formats.get(fmt, 0) + 1
    path = None
    try:
        path = find_landing_file(root, table, day)
        loaded = to_bronze(table, path, root, day, loaded_at)
    except LandingFileError as exc:
        check.refused.append({"day": day, "file": _relative(exc.path, root), "line": exc.line,
                              "problem": exc.problem})
        if path is not None:
            lacking = _lacking_required(table, path)
            if lacking:
                check.header_problems.append({"day": day, "file": _relative(path, root),
                                              "missing_required": lacking})
        return 0
    if loaded.missing_columns or loaded.extra_columns or loaded.renamed_columns:
        check.header_problems.append({
            "day": day, "file": _relative(path, root), "missing_optional": loaded.missing_columns,
            "extra": loaded.extra_columns, "renamed": loaded.renamed_columns})
    check.bronze_rows += loaded.frame.height
    try:
        result = clean(loaded.frame, table)
    except Exception as exc:  # noqa: BLE001 - silver would fail this step: report, go on
        problem = " ".join(str(exc).split())[:300] or type(exc).__name__
        check.silver_errors.append({"day": day, "file": _relative(path, root),
                                    "problem": problem})
        return loaded.frame.height
    counts = result.counts()
    check.silver_rows += counts["silver_rows"]
    check.rejected_rows += counts["rejected_rows"]
    check.duplicate_rows += counts["duplicate_rows"]
    _count_rejects(check, result.rejects, path, root, day)
    return loaded.frame.height


def _count_rejects(check: TableCheck, rejects: pl.DataFrame, path: Path, root: Path,
                   day: dt.date) -> None:
    """Add a day's rejects to the counts per ``error_rule`` (as the rejects table and the
    silver step's ``rejects_by_rule`` name them), keeping where the first few are."""
    if rejects.is_empty():
        return
    lines = None
    for (rule, disposition), rows in rejects.group_by(["error_rule", "disposition"],
                                                      maintain_order=True):
        found = check.rejects.setdefault(rule, RuleRejects(rule, disposition))
        found.rows += rows.height
        order = list(check.table.columns())  # contract order, whichever row came first
        found.columns = sorted({*found.columns, *_columns_named(check.table, rows, disposition)},
                               key=order.index)
        wanted = FIRST_ROWS - len(found.first)
        if wanted <= 0:
            continue
        lines = _record_lines(path) if lines is None else lines
        for row in sorted(rows.get_column("source_row").to_list())[:wanted]:
            found.first.append({"day": day, "file": _relative(path, root), "row": row,
                                "line": lines[row - 1] if lines and row <= len(lines) else None})


def _columns_named(table: SourceTable, rows: pl.DataFrame, disposition: str) -> list[str]:
    """The contract columns the rejects' descriptions name (``email='x' breaks rule; ...``):
    only contract names, never the values, which may be personal data."""
    if disposition == DUPLICATE:
        return list(table.primary_key)
    described = rows.get_column("error_description")
    return [name for name in table.columns()
            if (described.str.starts_with(f"{name}=")
                | described.str.contains(f"; {name}=", literal=True)).any()]


def _record_lines(path: Path) -> list[int] | None:
    """The line each record of a text file starts on (record 1 = the first data record, as
    bronze numbers them): CSV records as the bronze reader splits them (a quoted line break
    stays in its record; blank lines are not records); JSON Lines one per non-blank line.
    Parquet has no lines."""
    if path.suffix == ".jsonl":
        text = path.read_text(encoding="utf-8")
        return [n for n, line in enumerate(text.split("\n"), 1) if line and not line.isspace()]
    if path.suffix != ".csv":
        return None
    data = path.read_bytes()
    lines = data.split(b"\n")
    starts = [start for start, _ in _records(data)][1:]  # the header is record 1
    return [start for start in starts
            if start <= len(lines) and lines[start - 1] not in (b"", b"\r")]


def _lacking_required(table: SourceTable, path: Path) -> list[str]:
    """The required (or key) columns a file bronze refused lacks, names matched ignoring case
    as bronze matches them; none when the file cannot be parsed at all or has no columns."""
    try:
        columns = parse_landing_file(path).frame.columns
    except LandingFileError:
        return []
    if not columns:
        return []
    delivered = {name.lower() for name in columns}
    required = set(table.file_columns())
    return [name for name in table.columns()
            if name in required and name.lower() not in delivered]


def _relative(path: Path | str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


# -- the terminal -------------------------------------------------------------------------

def _days_text(days: list[dt.date], limit: int = 8) -> str:
    shown = ", ".join(d.isoformat() for d in days[:limit])
    return shown + (f" (+{len(days) - limit} more)" if len(days) > limit else "")


def _header_text(problems: list[dict]) -> str:
    """Header problems summed over the files: each column and in how many files."""
    counts: dict[tuple[str, str], int] = {}
    for item in problems:
        for kind in ("missing_required", "missing_optional", "extra"):
            for name in item.get(kind, []):
                counts[kind, name] = counts.get((kind, name), 0) + 1
        for delivered, name in item.get("renamed", {}).items():
            counts["renamed", f"{delivered} -> {name}"] = \
                counts.get(("renamed", f"{delivered} -> {name}"), 0) + 1
    words = {"missing_required": "[red]missing required[/]", "missing_optional":
             "missing optional (read as null)", "extra": "extra (kept in _extra_columns)",
             "renamed": "case-renamed"}
    return "\n".join(f"{words[kind]} {name}: {count} file(s)"
                     for (kind, name), count in counts.items())


def _first_text(rule: RuleRejects) -> str:
    places = [f"{Path(item['file']).name} row {item['row']}"
              + (f" (line {item['line']})" if item["line"] is not None else "")
              for item in rule.first]
    return ", ".join(places) + (", ..." if rule.rows > len(rule.first) else "")


def render(check: LandingCheck, console) -> None:
    """A table per declared table, then the one-line verdict."""
    from rich.markup import escape
    from rich.table import Table

    for item in check.tables:
        table = item.table
        failed = bool(item.failed_days)
        dirty = item.rejects or item.header_problems or item.unexpected_files
        style = "red" if failed else ("yellow" if dirty else "green")
        grid = Table(title=f"[{style}]{table.qualified_name}[/] ({table.extract}, contract "
                     f"format {table.file_format})", show_header=False, title_justify="left",
                     border_style=style, expand=False)
        grid.add_column("check", style="bold", no_wrap=True)
        grid.add_column("found", overflow="fold")
        missing = f"; [red]missing {_days_text(item.days_missing)}[/]" \
            if item.days_missing else ""
        if not item.folder_exists:
            missing += f" (no folder {table.system}/{table.name})"
        grid.add_row("days", f"{len(item.days_present)} of {check.days} present{missing}")
        grid.add_row("formats", ", ".join(f"{fmt}: {n}" for fmt, n in item.formats.items())
                     or "-")
        if item.unexpected_files:
            grid.add_row("unexpected files", escape("\n".join(item.unexpected_files)))
        if item.refused:
            grid.add_row("[red]refused files[/]", escape("\n".join(
                f"{r['file']}" + (f", line {r['line']}" if r["line"] is not None else "")
                + f": {r['problem']}" for r in item.refused)))
        if item.header_problems:
            grid.add_row("header", _header_text(item.header_problems))
        if item.silver_errors:
            grid.add_row("[red]silver failed[/]", escape("\n".join(
                f"{e['file']}: {e['problem']}" for e in item.silver_errors)))
        grid.add_row("rows", f"{item.bronze_rows:,} read: {item.silver_rows:,} to silver, "
                     f"{item.rejected_rows:,} rejected, {item.duplicate_rows:,} duplicate(s)")
        grid.add_row("rejects by rule", escape("\n".join(
            f"{r.rule}{' (duplicate removed)' if r.disposition == DUPLICATE else ''} on "
            f"{', '.join(r.columns) or '?'}: "
            f"{r.rows:,} row(s): {_first_text(r)}" for r in item.rejects.values())) or "-")
        console.print(grid)
    console.print(f"not checked: {NOT_CHECKED}", style="dim", soft_wrap=True)
    console.print(check.verdict(), style="bold green" if check.ok else "bold red",
                  soft_wrap=True, markup=False)


def run(start: dt.date, end: dt.date, landing_root: str | None, as_json: bool) -> int:
    """``customer-platform check-landing``: check with a progress bar, print the tables (or
    the JSON report), return the exit status (1 when a day would fail)."""
    from rich.console import Console

    from customer_platform import settings
    from customer_platform.tools.daily_runs import progress_bar

    root = Path(landing_root).resolve() if landing_root else settings.landing_root()
    tables = declared_source_tables()
    _checked_range(root, start, end)  # before the bar: a wrong argument is one line
    with progress_bar() as progress:
        task = progress.add_task("checking", total=len(tables) * ((end - start).days + 1),
                                 current="")

        def on_file(table, day, rows):
            progress.update(task, advance=1, current=f"{day} {table.qualified_name} "
                            f"({rows:,} rows)")

        check = check_landing(root, start, end, tables, on_file)
    if as_json:
        print(json.dumps(check.to_json(), indent=2, ensure_ascii=False))
    else:
        render(check, Console())
    return 0 if check.ok else 1
