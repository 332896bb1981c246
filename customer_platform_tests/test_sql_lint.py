"""Every gold and analytics partition's SQL parses and passes sqlfluff with the repo's .sqlfluff.

The text linted is what ``customer-platform sql <table>`` prints: the table's SQL with its day
as DATE literals, in the column-casting wrapper. A DuckDB construct sqlfluff cannot parse fails
here like a rule does. Parsing is the slow part (tens of seconds for all tables), so the tables
are linted over two processes and a clean result is remembered in pytest's cache under a hash
of the SQL, the config and the sqlfluff version: a rerun parses only the tables that changed.
"""

import concurrent.futures
import datetime as dt
import hashlib
import multiprocessing
import os
from pathlib import Path

import sqlfluff
from sqlfluff.core import FluffConfig, Linter

CONFIG = Path(__file__).resolve().parents[1] / ".sqlfluff"
CACHE_KEY = "sql_lint/clean"

_linter: Linter | None = None


def _config() -> FluffConfig:
    # The repo's file only: a ~/.sqlfluff or a stray one above the checkout does not count.
    return FluffConfig.from_path(str(CONFIG.parent), extra_config_path=str(CONFIG),
                                 ignore_local_config=True)


def _lint(name_sql: tuple[str, str]) -> tuple[str, list[tuple[int, int, str, str]]]:
    """(table, [(line, position, rule, description)]) for one table's SQL."""
    global _linter
    if _linter is None:
        _linter = Linter(config=_config())
    name, sql = name_sql
    linted = _linter.lint_string(sql, fname=f"{name}.sql")
    return name, [(v.line_no, v.line_pos, v.rule_code(), v.desc())
                  for v in linted.get_violations()]


def _rendered(day: dt.date) -> tuple[dict[str, str], list[str]]:
    """Each table's partition SQL for ``day``, and the tables Python writes (no SQL)."""
    from customer_platform.tools.partition_sql import NoSql, partition_sql, tables

    sqls, python_written = {}, []
    for name, table in sorted(tables().items()):
        try:
            sqls[name] = partition_sql(table, day) + "\n"
        except NoSql:
            python_written.append(name)
    return sqls, python_written


def _key(sql: str) -> str:
    text = f"{sqlfluff.__version__}\n{CONFIG.read_text()}\n{sql}"
    return hashlib.sha256(text.encode()).hexdigest()


def _lint_all(sqls: dict[str, str]) -> dict[str, list]:
    workers = min(2, os.cpu_count() or 1, len(sqls))
    if workers < 2:
        return dict(map(_lint, sqls.items()))
    # The largest first, so neither process is left with a long one at the end. Spawned
    # processes: forking this one would copy Dagster's and DuckDB's threads' locks.
    ordered = sorted(sqls.items(), key=lambda item: -len(item[1]))
    with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(pool.map(_lint, ordered))


def test_gold_and_analytics_sql_passes_sqlfluff(request):
    from customer_platform.settings import partition_start

    day = partition_start() + dt.timedelta(days=3)
    sqls, _python_written = _rendered(day)
    assert sqls, "no table rendered any SQL"
    assert "dim_date" in sqls and "customer_360" in sqls, sorted(sqls)

    cache = getattr(request.config, "cache", None)
    known_clean = set(cache.get(CACHE_KEY, [])) if cache else set()
    keys = {name: _key(sql) for name, sql in sqls.items()}
    todo = {name: sql for name, sql in sqls.items() if keys[name] not in known_clean}
    found = _lint_all(todo) if todo else {}

    clean = [keys[n] for n in sqls if n not in found or not found[n]]
    if cache:
        cache.set(CACHE_KEY, sorted(clean))
    problems = [f"gold.{name} line {line}:{pos} {rule} {desc}"
                for name, violations in sorted(found.items())
                for line, pos, rule, desc in violations]
    assert not problems, (
        f"{len(problems)} sqlfluff finding(s) in the partition SQL (.sqlfluff; PRS = does not "
        f"parse). Reproduce: customer-platform sql <table> --day {day} | sqlfluff lint -\n"
        + "\n".join(problems[:200]))
