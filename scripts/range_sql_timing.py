"""What planning a range's gold SQL once saves: each ranged gold and analytics table's days
computed one query a day (as a single day runs) and as one statement over the days
(``gold.base.range_select``, as a range runs), timed on a copy of a warehouse, with the two
results compared row for row.

    python scripts/range_sql_timing.py WAREHOUSE.duckdb START END

Prints a line per table (seconds one a day, seconds as a range, identical or not) and the
totals; exits 1 if any table's rows differ. The warehouse is copied first and not changed.
"""

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from customer_platform.gold import ANALYTICS_SQL_TABLES, GOLD_TABLES
from customer_platform.gold.base import _parameters, range_select, typed_select


def _timed(con, statements: list[tuple[str, dict]]) -> float:
    started = time.perf_counter()
    for sql, params in statements:
        con.execute(sql, params)
    return time.perf_counter() - started


def _rows(con, table: str, exclude: str = "") -> list:
    return con.sql(f"SELECT * {exclude} FROM {table} ORDER BY ALL").fetchall()


def main(warehouse: str, start: str, end: str) -> int:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    ranged = [t for t in (*GOLD_TABLES, *ANALYTICS_SQL_TABLES) if t.sql and not t.build
              and not t.redelivery and f"gold.{t.name}" not in t.sql]
    totals, differing = [0.0, 0.0], []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copy(warehouse, copy)
        with duckdb.connect(str(copy)) as con:
            for table in ranged:
                per_day = [(f"{'CREATE OR REPLACE' if n == 0 else 'INSERT INTO'} "
                            f"{'TEMP TABLE ' if n == 0 else ''}by_day "
                            f"{'AS ' if n == 0 else ''}{typed_select(table)}",
                            _parameters(table, day)) for n, day in enumerate(days)]
                one = _timed(con, per_day)
                together = _timed(con, [(
                    f"CREATE OR REPLACE TEMP TABLE by_range AS {range_select(table, days)}",
                    _parameters(table, days[0], "day"))])
                same = _rows(con, "by_day") == _rows(con, "by_range", "EXCLUDE (_range_day)")
                totals[0] += one
                totals[1] += together
                if not same:
                    differing.append(table.name)
                print(f"{table.name:40s} {one:7.3f} s one a day {together:7.3f} s as a range"
                      f"{'' if same else '  ROWS DIFFER'}", flush=True)
    print(f"{len(ranged)} tables, {len(days)} days: {totals[0]:.2f} s one query a day, "
          f"{totals[1]:.2f} s one statement a range ({totals[0] / totals[1]:.1f}x); "
          f"rows differ in {differing or 'no table'}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
