"""Landing files in each format, generated from a table's contract, and what reading them
must give: every record as delivered, or an error on a known line.

A ``LandingCase`` is the bytes (or the frame, for Parquet) of one file plus the expectation:
``error_line``/``error_words`` when the file carries a defect the reader must name, else the
delivered values per record (``records``), against which the bronze frame is compared.

Column names are written in any case (``EMAIL`` for ``email``: names match ignoring case),
a CSV without a line end after its last record is refused (it may be cut short), and JSON
values are written in any number spelling (``1.10``, ``1e2``) and sometimes with a key
repeated: bronze keeps the text as written and names the repeated key.
"""

import dataclasses
import datetime as dt
import decimal
import json
import math
import struct
from typing import Any

import polars as pl
from hypothesis import strategies as st

from customer_platform.contracts import SourceTable

from .strategies import any_text, csv_field, csv_records, dirty_rows, printable

MISSING = object()  # a JSON key left out of a record (not the same as null)


@dataclasses.dataclass
class LandingCase:
    """One landing file and what reading it must give."""

    data: bytes | pl.DataFrame
    records: list[dict[str, Any]]  # per record: the value delivered in each column it has
    extras: list[str] = dataclasses.field(default_factory=list)  # beyond the contract
    style: str = ""  # how the file was written, for failure messages
    # A defect the reader must refuse, naming ``error_line`` (text formats; or a later line
    # if ``error_line_later``: a quote left open swallows what follows) and saying each of
    # ``error_words`` ("a|b": a or b). ``error_optional``: reading it correctly is fine too.
    error: bool = False
    error_line: int | None = None
    error_line_later: bool = False
    error_optional: bool = False
    error_words: tuple[str, ...] = ()
    # JSON Lines: per record index, the keys it repeated with every value's bronze text
    duplicates: dict[int, dict[str, list]] = dataclasses.field(default_factory=dict)

    def expect_error(self, line: int | None, *words: str) -> None:
        self.error, self.error_line, self.error_words = True, line, words


def extra_names(table: SourceTable) -> st.SearchStrategy[str]:
    """Column names the contract does not know (even ignoring case)."""
    known = {name.lower() for name in table.columns()}
    return st.one_of(
        st.sampled_from(["legacy_flag", "_source_row", "_extra_columns", "record", "Notes", "*",
                         "^.*$", "__row", "_duplicate_keys", "_missing_columns",
                         "a,b", 'say "hi"', "it's", "{x}", "\\z", "é", "😀"]),
        st.text(printable, min_size=1, max_size=8),
    ).filter(lambda name: name.strip() == name and name.lower() not in known)


def spelling(name: str) -> st.SearchStrategy[str]:
    """``name`` as a sender may spell it: column names match ignoring case."""
    return st.sampled_from([name, name, name.upper(), name.title()])


def _required(table: SourceTable) -> list[str]:
    """The columns every file has (a file lacking one is refused)."""
    return table.file_columns()


def _optional(table: SourceTable) -> list[str]:
    """The columns a file may lack."""
    return [name for name in table.columns() if name not in table.file_columns()]


@st.composite
def _layout(draw, table: SourceTable) -> tuple[list[str], list[str], list[dict]]:
    """Columns in any order, some optional ones left out, some extra ones added, and rows."""
    optional = _optional(table)
    dropped = draw(st.lists(st.sampled_from(optional), unique=True, max_size=2)) \
        if optional else []
    extras = draw(st.lists(extra_names(table), unique_by=str.lower, max_size=2))
    header = draw(st.permutations([n for n in table.columns() if n not in dropped] + extras))
    rows = draw(dirty_rows(table))
    for row in rows:
        for name in extras:
            row[name] = draw(st.one_of(st.none(), any_text))
    return header, extras, rows


# -- CSV ----------------------------------------------------------------------------------


def _blank(value: str | None) -> str | None:
    """CSV cannot tell an empty field from a missing value: both are read as null."""
    return None if value == "" else value


@st.composite
def csv_files(draw, table: SourceTable) -> LandingCase:
    header, extras, rows = draw(_layout(table))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    quote_all, bom = draw(st.booleans()), draw(st.booleans())
    records = [[row[name] for name in header] for row in rows]
    case = LandingCase(b"", [{name: _blank(row[name]) for name in header} for row in rows],
                       extras, style=f"newline={newline!r} quote_all={quote_all} bom={bom}")
    shown = {name: draw(spelling(name)) for name in table.columns()}

    defect = draw(st.sampled_from(["none", "none", "duplicate", "case", "empty", "no_required",
                                   "long", "short", "quote", "utf8", "line_end"]))
    if defect in ("duplicate", "case", "empty"):
        at, name = draw(st.integers(0, len(header))), draw(st.sampled_from(
            header if defect != "case" else [n for n in header if n in table.columns()]))
        twin = {"duplicate": shown.get(name, name), "case": shown.get(name, name).swapcase(),
                "empty": ""}[defect]
        header = [*header[:at], twin, *header[at:]]
        records = [[*r[:at], None, *r[at:]] for r in records]
        case.expect_error(1, "duplicate" if twin else "empty")
    elif defect == "no_required":
        gone = draw(st.sampled_from(_required(table)))
        records = [[v for n, v in zip(header, r, strict=True) if n != gone] for r in records]
        header = [n for n in header if n != gone]
        case.expect_error(1, "required column", gone)

    lines = [",".join(csv_field(shown.get(n, n), quote_all) for n in header) + newline,
             *csv_records(records, newline, quote_all)]
    if defect == "line_end" and len(records) < 2:
        defect = "none"  # the last line may end either way
    if records and defect in ("long", "short", "quote", "utf8", "line_end"):
        k = draw(st.integers(1, len(records) - (defect == "line_end")))
        record = records[k - 1]
        # (a surplus field that is empty is ignored, not an error: it holds nothing)
        broken = {"long": [*record, "surplus"], "short": record[:-1]}.get(defect, record)
        line = csv_records([broken], newline, quote_all)[0]
        if defect == "quote":  # the first field opens a quote and never closes it
            line = '"unterminated' + line[len(csv_field(record[0], quote_all)):]
        elif defect == "line_end":
            line = line.removesuffix(newline) + {"\n": "\r\n", "\r\n": "\n"}[newline]
        lines[k] = line
        case.expect_error("".join(lines[:k]).count("\n") + 1,
                          {"long": "column", "short": "column", "quote": "quote|column|line end",
                           "utf8": "utf-8", "line_end": "line end"}[defect])
        case.error_line_later = defect == "quote"
        # DuckDB reads a line end unlike the others correctly after an empty last field
        case.error_optional = defect == "line_end"
    data = "".join(lines).encode()
    if defect == "utf8" and records:
        before = "".join(lines[:k]).encode()
        data = before + b"\xff" + data[len(before):]
    if not draw(st.booleans()) and not case.error:
        # no line end after the last record: its last value may be cut short, so refused
        data = data.removesuffix(newline.encode())
        case.expect_error("".join(lines[:-1]).count("\n") + 1, "cut short")
    case.data = (b"\xef\xbb\xbf" if bom else b"") + data
    if not rows and table.extract == "snapshot" and not case.error:
        case.expect_error(2, "no records")
    return case


# -- JSON Lines ---------------------------------------------------------------------------

json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
json_nested = st.one_of(
    st.lists(st.one_of(st.integers(-9, 9), st.text(max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=3), st.one_of(st.integers(-9, 9), st.none()), max_size=2),
)

#: Lines a JSON Lines reader must refuse, each on its own line.
BROKEN_JSON = (
    "[1, 2]", "5", '"text"', "null", "true", "[]", "not json", "{'a': 1}", '{"a": 1,}',
    '{"a": 1}{"b": 2}', '{"a": 1} x', '{"a": undefined}', "{", "}", '{"a": "\\x"}',
    '{"a": "\x01"}', '{"a": "\\ud800"}', '{"a": "x\\udc00y"}',
    '{"a": ' + "[" * 3000 + "]" * 3000 + "}",
)


class RawNumber(str):
    """A JSON number token, written into the file exactly as it is spelled (``1.10``, ``1e2``,
    ``-0``): bronze must keep that text."""


#: Number tokens in every spelling JSON allows, beyond what the json module writes.
json_number_text = st.from_regex(
    r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?", fullmatch=True
).map(RawNumber)


@st.composite
def _json_value(draw, text: str | None) -> Any:
    kind = draw(st.sampled_from(["text", "text", "text", "scalar", "number", "nested",
                                 "missing"]))
    if kind == "text":
        return text
    if kind == "missing":
        return MISSING
    return draw({"scalar": json_scalar, "number": json_number_text,
                 "nested": json_nested}[kind])


def _token(value: Any, ascii_only: bool) -> str:
    return str(value) if isinstance(value, RawNumber) else json.dumps(value,
                                                                      ensure_ascii=ascii_only)


def json_line(pairs: list[tuple[str, Any]], ascii_only: bool = False) -> str:
    """One JSON object from its (key, value) pairs, which may repeat a key."""
    return "{" + ", ".join(f"{json.dumps(key, ensure_ascii=ascii_only)}: "
                           f"{_token(value, ascii_only)}" for key, value in pairs) + "}"


def bronze_text(value: Any) -> str | None:
    """What bronze keeps of a JSON value: a string as it is, anything else as its JSON text as
    written (numbers in their spelling, true/false, objects and arrays)."""
    if value is None or (isinstance(value, str) and not isinstance(value, RawNumber)):
        return value
    return _token(value, ascii_only=False)


@st.composite
def jsonl_files(draw, table: SourceTable) -> LandingCase:
    _, extras, rows = draw(_layout(table))
    objects = [{name: draw(_json_value(value)) for name, value in row.items()} for row in rows]
    objects = [{k: v for k, v in obj.items() if v is not MISSING} for obj in objects]
    # contract keys in any case, record by record (extras as they are: their first spelling
    # names their column)
    pairs = [[(draw(spelling(k)) if k in table.columns() else k, v) for k, v in obj.items()]
             for obj in objects]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    ascii_only, bom = draw(st.booleans()), draw(st.booleans())
    extras = [name for name in extras if any(name in obj for obj in objects)]
    case = LandingCase(b"", [{**{name: obj.get(name) for name in table.columns()},
                              **{name: obj[name] for name in extras if name in obj}}
                             for obj in objects], extras,
                       style=f"newline={newline!r} ascii={ascii_only} bom={bom}")

    defect = draw(st.sampled_from(["none", "none", "broken", "utf8", "no_required",
                                   "repeated_key"]))
    if defect == "repeated_key" and any(objects):
        index = draw(st.sampled_from([i for i, obj in enumerate(objects) if obj]))
        at = draw(st.integers(0, len(pairs[index]) - 1))
        key, last = pairs[index][at]
        name = key.lower() if key.lower() in table.columns() else key
        earlier = draw(_json_value(None).filter(lambda v: v is not MISSING))
        again = draw(spelling(name)) if name in table.columns() else key
        pairs[index].insert(draw(st.integers(0, at)), (again, earlier))  # the last one stays
        case.duplicates[index] = {name: [bronze_text(earlier), bronze_text(last)]}
    lines = [json_line(p, ascii_only) for p in pairs]
    for _ in range(draw(st.integers(0, 2))):  # blank lines are skipped, not records
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", "  "])))
    if defect in ("broken", "utf8"):
        k = draw(st.integers(0, len(lines)))
        lines.insert(k, draw(st.sampled_from(BROKEN_JSON)) if defect == "broken" else "\udcff")
        case.expect_error(k + 1)
    elif defect == "no_required" and objects:
        gone = draw(st.sampled_from(_required(table)))
        lines = [json_line([(k, v) for k, v in obj.items() if k != gone]) for obj in objects]
        case.expect_error(1, "required column", gone)
    elif objects and any(all(name not in obj for obj in objects) for name in _required(table)):
        case.expect_error(1, "required column")  # no record has the key: the file lacks it
    data = newline.join(lines).encode("utf-8", "surrogateescape")
    if lines and draw(st.booleans()):  # optional: a cut object would be invalid JSON
        data += newline.encode()
    case.data = (b"\xef\xbb\xbf" if bom else b"") + data
    if not case.error and not objects:
        if data:
            case.expect_error(1, "whitespace")
        elif table.extract == "snapshot":
            case.expect_error(1, "no records")
    return case


def json_text_matches(text: str | None, value: Any) -> bool:
    """Bronze's text for a JSON value is exactly what was written (see ``bronze_text``)."""
    return text == bronze_text(value)


# -- Parquet ------------------------------------------------------------------------------

#: Column types a Parquet extract may use for a column, with values of that type.
PARQUET_TYPES: dict[str, tuple[Any, st.SearchStrategy]] = {
    "int": (pl.Int64, st.integers(-(2**63), 2**63 - 1)),
    "int8": (pl.Int8, st.integers(-128, 127)),
    "uint64": (pl.UInt64, st.integers(0, 2**64 - 1)),
    "float": (pl.Float64, st.floats(allow_nan=True, allow_infinity=True)),
    "float32": (pl.Float32, st.floats(width=32)),
    "bool": (pl.Boolean, st.booleans()),
    "date": (pl.Date, st.dates()),
    "datetime": (pl.Datetime("us"), st.datetimes()),
    "datetime_ns": (pl.Datetime("ns"), st.datetimes(dt.datetime(1700, 1, 1),
                                                     dt.datetime(2200, 1, 1))),
    "datetime_tz": (pl.Datetime("ms", "Europe/Paris"), st.datetimes(dt.datetime(1900, 1, 1),
                                                                    dt.datetime(2100, 1, 1))),
    "time": (pl.Time, st.times()),
    "duration": (pl.Duration("us"), st.timedeltas(dt.timedelta(days=-(10**5)),
                                                  dt.timedelta(days=10**5))),
    "decimal": (pl.Decimal(12, 3), st.decimals(-(10**8), 10**8, places=3, allow_nan=False)),
    "categorical": (pl.Categorical, st.text(max_size=5)),
    "list": (pl.List(pl.Int64), st.lists(st.integers(-9, 9), max_size=3)),
    "struct": (pl.Struct({"a": pl.Int64, "b": pl.String}),
               st.fixed_dictionaries({"a": st.integers(-9, 9), "b": st.text(max_size=3)})),
    "binary": (pl.Binary, st.text(max_size=5).map(str.encode)),
    "null": (pl.Null, st.none()),
}


@st.composite
def parquet_files(draw, table: SourceTable) -> LandingCase:
    header, extras, rows = draw(_layout(table))
    columns: list[pl.Series] = []
    case = LandingCase(pl.DataFrame(), [{} for _ in rows], extras)
    shown = {name: draw(spelling(name)) if name in table.columns() else name for name in header}
    for name in header:
        kind = draw(st.sampled_from(["string"] * 6 + list(PARQUET_TYPES)))
        if kind == "string":
            dtype, values = pl.String, [row[name] for row in rows]
        else:
            dtype, strategy = PARQUET_TYPES[kind]
            values = [draw(st.one_of(st.none(), strategy)) for _ in rows]
        columns.append(pl.Series(shown[name], values, dtype=dtype))
        for record, value in zip(case.records, values, strict=True):
            record[name] = (value, kind)
    case.data = pl.DataFrame(columns)
    case.style = f"types={case.data.schema}"

    defect = draw(st.sampled_from(["none", "none", "no_required", "case", "not_utf8"]))
    if defect == "no_required":
        gone = draw(st.sampled_from(_required(table)))
        case.data = case.data.drop(shown[gone])
        case.expect_error(None, "required column", gone)
    elif defect == "case":  # a second column whose name differs only in case
        twin = shown[draw(st.sampled_from([n for n in header if n in table.columns()]))] \
            .swapcase()
        case.data = case.data.with_columns(pl.lit(None, pl.String).alias(twin))
        case.expect_error(None, "repeat", "case is ignored")
    elif defect == "not_utf8" and rows:
        name, row = shown[draw(st.sampled_from(header))], draw(st.integers(0, len(rows) - 1))
        values = [b"ok"] * len(rows)
        values[row] = b"\xffbad"
        case.data = case.data.with_columns(pl.Series(name, values, dtype=pl.Binary))
        case.expect_error(None, repr(name), f"row {row + 1}", "utf-8")
    if not rows and table.extract == "snapshot" and not case.error:
        case.expect_error(None, "no records")
    return case


def _float32(number: float) -> float:
    return struct.unpack("f", struct.pack("f", number))[0]


def parquet_text_matches(text: str | None, delivered: tuple[Any, str] | None) -> bool:
    value, kind = delivered or (None, "absent")
    if value is None or text is None:
        return value is None and text is None
    if kind in ("string", "categorical"):
        return text == value
    if kind in ("int", "int8", "uint64"):
        return int(text) == value
    if kind in ("float", "float32"):
        number = float(text) if kind == "float" else _float32(float(text))
        return number == value or (math.isnan(value) and math.isnan(number))
    if kind == "bool":
        return text == ("true" if value else "false")
    if kind == "date":
        return text == value.isoformat()
    if kind in ("datetime", "datetime_ns"):
        return dt.datetime.fromisoformat(text[:26]) == value.replace(tzinfo=None)
    if kind == "datetime_tz":  # the instant, in UTC, as Parquet stores it (ms precision)
        instant = dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None)
        return abs(instant - value) < dt.timedelta(milliseconds=1)
    if kind == "decimal":
        return decimal.Decimal(text) == value
    if kind in ("list", "struct"):
        return json.loads(text) == value
    if kind == "binary":
        return text == value.decode()
    return bool(text)  # time, duration: some faithful text


# -- any bytes ----------------------------------------------------------------------------


#: Byte sequences that are not UTF-8: a stray byte, a truncated sequence, an encoded surrogate,
#: a code point past U+10FFFF, an overlong encoding, Latin-1 text.
NOT_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"caf\xe9")


@st.composite
def mangled(draw, data: bytes) -> bytes:
    """``data`` cut, spliced, overwritten, re-encoded or replaced, one to three times."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["cut", "insert", "overwrite", "delete", "not_utf8", "bom",
                                     "crlf", "cr", "repeat_line", "replace"]))
        if edit == "cut":
            data = data[:at]
        elif edit in ("insert", "not_utf8"):
            inserted = draw(st.binary(min_size=1, max_size=8) if edit == "insert"
                            else st.sampled_from(NOT_UTF8))
            data = data[:at] + inserted + data[at:]
        elif edit == "overwrite":
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + 4:]
        elif edit == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 16)):]
        elif edit == "bom":
            data = b"\xef\xbb\xbf" + data
        elif edit in ("crlf", "cr"):
            data = data.replace(b"\n", b"\r\n" if edit == "crlf" else b"\r")
        elif edit == "repeat_line":
            lines = data.splitlines(keepends=True)
            if lines:
                k = draw(st.integers(0, len(lines) - 1))
                data = b"".join([*lines[:k], lines[k], *lines[k:]])
        else:
            data = draw(st.binary(max_size=64))
    return data
