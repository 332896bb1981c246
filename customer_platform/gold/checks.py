"""Gold asset checks: the Pandera model of every table, and referential integrity.

Every foreign key declared on a ``GoldTable`` becomes a blocking check that the partition's
keys all resolve in the referenced dimension (seed 002's relationships, seed 001's lineage).
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetKey,
    asset_check,
)

from customer_platform.gold.base import PARTITION_COLUMN, ForeignKey, GoldTable
from customer_platform.partitions import daily_partitions, partition_day
from customer_platform.quality.checks import schema_check
from customer_platform.resources import Warehouse


def foreign_key_check(table: GoldTable, fk: ForeignKey) -> AssetChecksDefinition:
    @asset_check(
        asset=table.key,
        name=f"fk_{fk.column}",
        description=f"Every {fk.column} of the partition resolves in gold.{fk.table}"
        f"({fk.references}).",
        blocking=True,
        partitions_def=daily_partitions,
        additional_deps=[AssetKey(["gold", fk.table])],
    )
    def _fk(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
        day = partition_day(context.partition_key)
        with warehouse.get_connection() as con:
            orphans, total = con.execute(
                f"SELECT count(*) FILTER (NOT EXISTS (SELECT 1 FROM gold.{fk.table} d "
                f"WHERE d.{fk.references} = f.{fk.column})), count(*) "
                f"FROM gold.{table.name} f WHERE f.{PARTITION_COLUMN} = ? "
                f"AND f.{fk.column} IS NOT NULL", [day]).fetchone()
            sample = [r[0] for r in con.execute(
                f"SELECT DISTINCT f.{fk.column} FROM gold.{table.name} f "
                f"WHERE f.{PARTITION_COLUMN} = ? AND f.{fk.column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM gold.{fk.table} d WHERE d.{fk.references} = f.{fk.column}) "
                "LIMIT 10", [day]).fetchall()]
        return AssetCheckResult(passed=orphans == 0, metadata={
            "rows_checked": total, "orphan_rows": orphans, "orphan_keys_sample": sample})

    return _fk


def gold_checks(table: GoldTable) -> list[AssetChecksDefinition]:
    """The blocking Pandera check and one referential-integrity check per foreign key."""
    return [
        schema_check(table.key, table.schema(), blocking=True,
                     description=f"The gold model of {table.name}: types, rules, key unique."),
        *(foreign_key_check(table, fk) for fk in table.foreign_keys),
    ]
