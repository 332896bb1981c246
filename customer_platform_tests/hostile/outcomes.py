"""The only two acceptable ends of hostile input, as assertions.

1. A clear error: a ``LandingFileError`` whose one-line message starts with the file's path
   and, for the text formats (where a person opens the file at a line), the line.
2. Rows: a bronze frame in the bronze layout, whose every row ends exactly once in silver or
   in the rejects table, with the original record and the rule it broke, so that
   bronze rows = silver rows + duplicates + rejected rows. A JSON object that repeated a key
   (bronze's ``_duplicate_keys``) is rejected, with a rule naming each repeated key.
"""

import json
from pathlib import Path

import polars as pl

from customer_platform.bronze.landing import DUPLICATE_KEYS, LandingFileError
from customer_platform.contracts import SourceTable
from customer_platform.quality.schemas import bronze_schema, silver_schema
from customer_platform.silver.assets import REJECTS_SCHEMA
from customer_platform.silver.cleaning import DUPLICATE, REJECTED, CleanResult


def assert_clear_error(error: LandingFileError, path: Path) -> None:
    message = str(error)
    assert "\n" not in message and "\r" not in message, f"not one line: {message!r}"
    assert error.path == str(path) and error.problem.strip(), message
    if path.suffix in (".csv", ".jsonl"):
        assert error.line is not None and error.line >= 1, f"no line named: {message}"
        assert message.startswith(f"{path}, line {error.line}: "), message
    else:
        assert message.startswith(f"{path}"), message


def assert_bronze_layout(table: SourceTable, bronze: pl.DataFrame) -> None:
    bronze_schema(table).validate(bronze, lazy=True)
    assert bronze["_source_row"].to_list() == list(range(1, bronze.height + 1))


def assert_nothing_lost(table: SourceTable, bronze: pl.DataFrame, result: CleanResult) -> None:
    counts = result.counts()
    assert counts["silver_rows"] + counts["rejected_rows"] + counts["duplicate_rows"] \
        == bronze.height, counts
    ends = result.silver["_source_row"].to_list() + result.rejects["source_row"].to_list()
    assert sorted(ends) == bronze["_source_row"].to_list(), "a row is lost or counted twice"
    silver_schema(table).validate(result.silver, lazy=True)
    REJECTS_SCHEMA.validate(result.rejects, lazy=True)
    result.silver.rows()  # every value readable as a Python value (a date of year 0 is not)

    delivered = {row["_source_row"]: row for row in bronze.iter_rows(named=True)}
    kept_lines = set(result.silver["_source_row"])
    for reject in result.rejects.iter_rows(named=True):
        original = delivered[reject["source_row"]]
        assert json.loads(reject["record"]) == {
            name: original[name] for name in [*table.columns(), "_extra_columns", DUPLICATE_KEYS]}
        assert reject["error_rule"] and reject["error_description"]
        if reject["disposition"] == REJECTED:
            assert reject["error_type"] == "Validation" and reject["status"] == "Open"
        else:
            assert reject["disposition"] == DUPLICATE and reject["status"] == "Resolved"
            kept = int(reject["error_description"].split()[3])  # "duplicate of line N on ..."
            assert kept in kept_lines and kept != reject["source_row"]
    rejected = {reject["source_row"]: reject["error_rule"]
                for reject in result.rejects.filter(disposition=REJECTED).iter_rows(named=True)}
    for row in bronze.filter(pl.col(DUPLICATE_KEYS).is_not_null()).iter_rows(named=True):
        rules = rejected.get(row["_source_row"], "").split("; ")
        for key in json.loads(row[DUPLICATE_KEYS]):
            assert f"duplicate_json_key({key})" in rules, (row["_source_row"], key, rules)
