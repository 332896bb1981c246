"""How an audit table is written: checked against its model, then its day replaced in one
transaction, so re-auditing a day shows the latest known outcome and never half a day. The
analytics layer's hand-written assets write the same way.
"""

import datetime as dt

import polars as pl
from dagster import AssetCheckResult, Failure

from customer_platform.gold.audit._events import AUDIT_GROUP
from customer_platform.gold.base import PARTITION_COLUMN, sql_type
from customer_platform.partitions import daily_partitions
from customer_platform.quality.checks import evaluate_schema
from customer_platform.resources import Warehouse

#: What both audit assets share: their group, partitions, kinds, owners and tags.
ASSET_SETTINGS = {
    "group_name": AUDIT_GROUP,
    "partitions_def": daily_partitions,
    "kinds": {"duckdb", "dagster", "pandera"},
    "owners": ["team:data-platform"],
    "tags": {"layer": "gold", "kind": "audit", "seed": "002"},
}


def frame_dtypes(schema) -> dict[str, pl.DataType]:
    return {name: col.dtype.type for name, col in schema.columns.items()}


def write_audit_partition(warehouse: Warehouse, table: str, schema, rows: pl.DataFrame,
                          day: dt.date) -> AssetCheckResult:
    """Validate ``rows`` against the model, then replace the partition in one transaction.

    A violation raises before anything is written; the passing verdict is returned as the
    result of the asset's blocking ``pandera_schema`` check, evaluated in the same step.
    """
    verdict = evaluate_schema(rows, schema)
    if not verdict.passed:
        raise Failure(description=f"gold.{table} {day}: rows break the model; nothing written",
                      metadata=verdict.metadata)
    columns = ", ".join(f"CAST({name} AS {sql_type(col.dtype.type)}) AS {name}"
                        for name, col in schema.columns.items())
    incoming = rows.to_arrow()  # noqa: F841 - referenced by name in the SQL
    with warehouse.get_connection() as con:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _audit_rows AS SELECT {columns} FROM incoming")
        con.begin()
        try:
            warehouse.replace_partition(con, f"gold.{table}", PARTITION_COLUMN, day,
                                        "_audit_rows")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.execute("DROP TABLE IF EXISTS _audit_rows")
    return AssetCheckResult(check_name="pandera_schema", passed=True, metadata=verdict.metadata)


def status_counts(frame: pl.DataFrame) -> dict:
    counts = frame.group_by("status").len().sort("status")
    return dict(zip(counts["status"].to_list(), counts["len"].to_list(), strict=True))
