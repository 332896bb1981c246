"""Content hashes of every table in a warehouse and every exported file: the proof that a
refactor changed no data.

    python scripts/content_hashes.py WAREHOUSE.duckdb [EXPORTS_DIR] > hashes.json

Each table gives ``[rows, md5 of its sorted rows]`` without the columns that record when a row
was loaded; the tables that record the runs themselves (times, run ids) are left out. Build the
same window before and after the change (``scripts/content_window.sh``) and diff the two files.
"""

import hashlib
import json
import sys
from pathlib import Path

import duckdb

#: Columns that record when a row was loaded, not what it says.
LOAD_TIME_COLUMNS = {"_loaded_at", "error_timestamp"}
#: Tables that describe the runs themselves: not expected to repeat.
RUN_RECORDS = {"gold.process_audit_log", "gold.error_audit_log"}


def table_hashes(warehouse: Path) -> dict[str, list]:
    hashes = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema IN ('bronze', 'silver', 'gold') ORDER BY 1").fetchall()
        for table, in tables:
            if table in RUN_RECORDS:
                continue
            schema, name = table.split(".")
            columns = [c for c, in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                "AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall()
                if c not in LOAD_TIME_COLUMNS]
            row = ", ".join(f'"{c}"' for c in columns)
            hashes[table] = list(con.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, '\n' ORDER BY r), '')) FROM "
                f"(SELECT CAST(ROW({row}) AS VARCHAR) AS r FROM {table})").fetchone())
    return hashes


def file_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


if __name__ == "__main__":
    result = {"tables": table_hashes(Path(sys.argv[1]))}
    if len(sys.argv) > 2:
        result["files"] = file_hashes(Path(sys.argv[2]))
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
