"""What both audit tables share: their asset settings and status counts. They are written by
gold's partition write for rows computed outside the warehouse (``gold.base.written_by_range``):
a step's days checked against the model, then replaced in one transaction, so re-auditing a
day shows the latest known outcome."""


import polars as pl

from customer_platform.gold.audit._events import AUDIT_GROUP
from customer_platform.partitions import RANGED, daily_partitions

#: What both audit assets share: their group, partitions, kinds, owners and tags.
ASSET_SETTINGS = {
    "group_name": AUDIT_GROUP,
    "partitions_def": daily_partitions,
    "backfill_policy": RANGED,
    "kinds": {"duckdb", "dagster", "pandera"},
    "owners": ["team:data-platform"],
    "tags": {"layer": "gold", "kind": "audit", "seed": "002"},
}


def frame_dtypes(schema) -> dict[str, pl.DataType]:
    return {name: col.dtype.type for name, col in schema.columns.items()}


def status_counts(frame: pl.DataFrame) -> dict:
    counts = frame.group_by("status").len().sort("status")
    return dict(zip(counts["status"].to_list(), counts["len"].to_list(), strict=True))
