"""The SQL one partition of a gold or analytics table runs, written out (``customer-platform sql``).

A table's SQL names its day as parameters (``$day``, and ``$first_day`` for the first
partition, a setting) that ``run_gold_sql`` binds when it runs. Here they become DATE literals
and the SQL is wrapped in the same column-casting ``SELECT`` (``typed_select``), so the text
runs as it is in any DuckDB session on the warehouse and returns the rows the partition gets,
as ``dbt compile`` shows a model: to read a figure's definition, or to debug a day by hand.
"""

import datetime as dt
import difflib
import re

from customer_platform.gold import ANALYTICS_TABLES, DOCUMENTED_TABLES, GOLD_TABLES
from customer_platform.gold.base import GoldTable, typed_select
from customer_platform.settings import partition_start

_PARAMETER = re.compile(r"\$(day|first_day)\b")
_COMMENT = re.compile(r"--[^\n]*")


class UnknownTable(LookupError):
    """No gold or analytics table has that name; the message names the close ones."""


class NoSql(LookupError):
    """The table is written by Python, not by SQL: there is nothing to print."""


def tables() -> dict[str, GoldTable]:
    """Every gold and analytics table by name (SCD2 dimensions by their versions table)."""
    return {t.name: t for t in (*GOLD_TABLES, *DOCUMENTED_TABLES, *ANALYTICS_TABLES)}


def find_table(name: str) -> GoldTable:
    """The table called ``name`` or ``gold.<name>``."""
    known = tables()
    bare = name.removeprefix("gold.")
    if bare in known:
        return known[bare]
    close = difflib.get_close_matches(bare, known, n=3)
    hint = (f"; did you mean {', '.join(close)}?" if close
            else "; docs/data_dictionary.md lists the tables")
    raise UnknownTable(f"no gold or analytics table named {name!r}{hint}")


def partition_sql(table: GoldTable, day: dt.date) -> str:
    """The ``SELECT`` partition ``day`` of ``table`` runs, its parameters as DATE literals."""
    if not _COMMENT.sub("", table.sql).strip():
        raise NoSql(f"gold.{table.name} has no SQL to print: a Python asset writes it")
    values = {"day": day, "first_day": partition_start()}
    sql = _PARAMETER.sub(lambda m: f"DATE '{values[m.group(1)].isoformat()}'", table.sql)
    return typed_select(table, sql)


def caveats(table: GoldTable) -> list[str]:
    """What the table's step does beyond running its SQL, said beside the printed SQL."""
    notes = []
    if table.redelivery:
        notes.append(f"gold.{table.name} then drops the rows identical to an earlier delivery "
                     "of their key and flags the changed ones (is_update) before writing")
    if table.build or any(t is table for t in DOCUMENTED_TABLES):
        notes.append(f"gold.{table.name} is built by its own asset code, which may do more "
                     "than run this SQL")
    return notes
