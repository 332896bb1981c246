"""Where things live and when history starts: the few knobs every layer shares.

Each value comes from an environment variable so a deployment can point the platform at its
own landing zone and warehouse without editing code; the defaults keep everything under
``./data`` for a local run.
"""

import datetime as dt
import os
import re
from pathlib import Path

#: First day of the daily partitions. Fixed, never computed from "today", so partition keys
#: are stable across runs (override with CUSTOMER_PLATFORM_PARTITION_START).
DEFAULT_PARTITION_START = "2026-01-01"


def data_root() -> Path:
    return Path(os.environ.get("CUSTOMER_PLATFORM_DATA", "data")).resolve()


def landing_root() -> Path:
    """Root of the landing zone: ``<landing_root>/<source_system>/<table>/<YYYY-MM-DD>.<ext>``."""
    env = os.environ.get("CUSTOMER_PLATFORM_LANDING_ROOT")
    return Path(env).resolve() if env else data_root() / "landing"


def warehouse_path() -> Path:
    """The DuckDB file holding bronze, silver and gold schemas."""
    env = os.environ.get("CUSTOMER_PLATFORM_WAREHOUSE")
    return Path(env).resolve() if env else data_root() / "warehouse.duckdb"


#: DuckDB's memory for the warehouse (its cache of the file, joins, aggregates, sorts) before it
#: spills to disk. DuckDB's own default, 80% of the machine's memory, let customer_360 of a
#: 500,000-customer company with a year of history take 8.4 GiB for one query.
DEFAULT_WAREHOUSE_MEMORY = "3GB"
#: DuckDB's size text: a number and a unit (KB/MB/GB/TB or KiB/MiB/GiB/TiB), or a share of the
#: machine's memory (``50%``).
_MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|%)", re.IGNORECASE)


def warehouse_memory() -> str:
    """How much memory DuckDB may use for the warehouse before spilling to a temporary folder
    beside it (``<warehouse>.tmp``): CUSTOMER_PLATFORM_WAREHOUSE_MEMORY, as DuckDB writes sizes
    (``3GB``, ``12GiB``, ``50%``); default ``DEFAULT_WAREHOUSE_MEMORY``."""
    value = os.environ.get("CUSTOMER_PLATFORM_WAREHOUSE_MEMORY", DEFAULT_WAREHOUSE_MEMORY).strip()
    if not _MEMORY_SIZE.fullmatch(value):
        raise ValueError("CUSTOMER_PLATFORM_WAREHOUSE_MEMORY must be a size such as 3GB, 12GiB "
                         f"or 50% (of the machine's memory), not {value!r}")
    return value


def partition_start() -> dt.date:
    return dt.date.fromisoformat(
        os.environ.get("CUSTOMER_PLATFORM_PARTITION_START", DEFAULT_PARTITION_START)
    )


def declared_sources() -> tuple[str, ...]:
    """The source systems (``crm``) and tables (``crm.customers``) this deployment delivers,
    as written in CUSTOMER_PLATFORM_SOURCES (comma-separated; unset, empty or ``all``: every
    table of every system). ``contracts.declared_source_tables`` resolves and checks them."""
    value = os.environ.get("CUSTOMER_PLATFORM_SOURCES", "").strip()
    if value.lower() in ("", "all"):
        return ()
    return tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))


def warehouse_hold() -> str:
    """How long a run keeps the warehouse file: ``run`` (default: the whole run, fastest) or
    ``step`` (each step's connections only, so parallel runs interleave)."""
    return _one_of("CUSTOMER_PLATFORM_WAREHOUSE_HOLD", ("run", "step"))


def _one_of(variable: str, choices: tuple[str, ...]) -> str:
    """The value of ``variable``, one of ``choices`` (default: the first)."""
    value = os.environ.get(variable, choices[0])
    if value not in choices:
        raise ValueError(f"{variable} must be one of {', '.join(choices)}, not {value!r}")
    return value


#: The storage backends the same assets can write (see docs/scaling.md).
STORAGE_BACKENDS = ("duckdb", "delta")


def storage() -> str:
    """Where the tables live: ``duckdb`` (default: one embedded file, ``warehouse_path``) or
    ``delta`` (a Delta Lake table per asset under ``lakehouse_root``, readable by Spark, Trino
    and DuckDB alike; CUSTOMER_PLATFORM_STORAGE)."""
    return _one_of("CUSTOMER_PLATFORM_STORAGE", STORAGE_BACKENDS)


def lakehouse_root() -> Path:
    """Root of the Delta Lake tables: ``<root>/<layer>/<table>/`` (CUSTOMER_PLATFORM_LAKEHOUSE)."""
    env = os.environ.get("CUSTOMER_PLATFORM_LAKEHOUSE")
    return Path(env).resolve() if env else data_root() / "lakehouse"


#: The executors a run can use (see docs/scaling.md): one process, a process per step here,
#: or a pod or Celery worker per step on a cluster.
EXECUTORS = ("in_process", "multiprocess", "k8s", "celery")


def executor() -> str:
    """How a run executes its steps (CUSTOMER_PLATFORM_EXECUTOR): ``in_process`` (default: one
    process, one DuckDB writer, no per-step process cost), ``multiprocess`` (a process per step,
    at most CUSTOMER_PLATFORM_MAX_CONCURRENT_STEPS at once, default 2; pair it with the Delta
    storage, which has no single writer), ``k8s`` or ``celery`` (dagster-k8s / dagster-celery,
    installed with the cluster's image)."""
    return _one_of("CUSTOMER_PLATFORM_EXECUTOR", EXECUTORS)


def max_concurrent_steps() -> int:
    return int(os.environ.get("CUSTOMER_PLATFORM_MAX_CONCURRENT_STEPS", "2"))


#: Days a ranged run covers at most (``customer-platform materialize`` and backfills from the
#: UI): a run's fixed cost (its ~200 steps and their events) is paid once per range instead of
#: once per day, while memory stays bounded by a range of the largest source table.
DEFAULT_RANGE_DAYS = 7
#: The setting that fixes the days of a range (else the UI's backfills take
#: ``DEFAULT_RANGE_DAYS`` and ``customer-platform materialize`` sizes its ranges itself).
RANGE_DAYS_VARIABLE = "CUSTOMER_PLATFORM_RANGE_DAYS"


def range_days_set() -> bool:
    """Whether the deployment fixed the days of a range (``RANGE_DAYS_VARIABLE``)."""
    return bool(os.environ.get(RANGE_DAYS_VARIABLE))


#: ``customer-platform materialize`` without a fixed setting sizes its ranges to the company
#: (``tools.daily_runs.sized_range_days``): as many days as hold about this many bytes of
#: landing files (a ranged step holds its range of a source table in memory; 128 MiB of CSV is
#: about 2.3M source rows, one day of a 500,000-customer company) ...
RANGE_LANDING_BYTES = 128 * 2**20
#: ... and at most a quarter. A range's fixed cost (about 14 s at 1,000 customers: its runs'
#: creation and ~300 step starts) is then 0.15 s of a day, not 0.45 s as in a month (92 days
#: took 247 s as one range, 276 s as three, docs/performance.md); a failing day runs its
#: range's earlier days again, so a failure late in a quarter costs at most a quarter.
MAX_RANGE_DAYS = 92


def longest_range_days() -> int:
    """The most days any run may cover: the setting, or a range the CLI sized itself."""
    return max(range_days(), MAX_RANGE_DAYS)


def range_days() -> int:
    """The most days one run covers (CUSTOMER_PLATFORM_RANGE_DAYS, default 7)."""
    value = os.environ.get(RANGE_DAYS_VARIABLE, str(DEFAULT_RANGE_DAYS))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{RANGE_DAYS_VARIABLE} must be a whole number of days >= 1, "
                         f"not {value!r}")
    return int(value)
