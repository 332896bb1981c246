"""The MRR month and its bridge, shared by fact_billing, agg_mrr and agg_mrr_summary.

MRR follows calendar months, and a fee may arrive a few days after its month ended and still
count in it: month M closes (is written) on its last day + ``FEE_LATE_DAYS``. ``mrr_month``
names the month whose MRR counts an event, and the blocking ``mrr_identity`` check holds the
bridge (previous MRR + movements = MRR) on agg_mrr's customer rows and agg_mrr_summary's totals.
"""

import datetime as dt

from dagster import AssetCheckExecutionContext, AssetCheckResult, asset_check

from customer_platform.gold.base import PARTITION_COLUMN, GoldTable
from customer_platform.gold.sql import DAY
from customer_platform.partitions import daily_partitions
from customer_platform.quality.checks import each_day_verdict
from customer_platform.resources import Warehouse

#: Money is rounded to cents; the identity is checked to within half a cent.
TOLERANCE = 0.005
#: Days after its month's end a fee may be received and still count in that month's MRR: the
#: month closes (is written) on its last day + this many days.
FEE_LATE_DAYS = 7


def mrr_month(event_date: str, received: str) -> str:
    """SQL: the month (YYYY-MM) whose MRR counts an event booked on ``event_date`` and received
    on ``received``: its own, unless it arrived after that month closed, then the month still
    open when it arrived."""
    return f"strftime(greatest({event_date}, {received} - {FEE_LATE_DAYS}), '%Y-%m')"


#: SQL: partition ``$day`` closes a month (the month's last day + FEE_LATE_DAYS)
CLOSES_MONTH = f"day({DAY}) = {FEE_LATE_DAYS}"

MOVEMENTS = ("new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "reactivated_mrr")


def identity_sql(table: str) -> str:
    """Rows of partition ``?`` breaking the MRR bridge (or, per customer, exclusivity).

    An Unknown customer row has no movement, and a change only when both months are known;
    the summary's unclassified term is theirs, so it is 0 when no customer is Unknown."""
    difference = f"abs(mrr_change - (mrr - previous_mrr)) > {TOLERANCE}"
    bridge = "new_mrr + expansion_mrr + reactivated_mrr - contraction_mrr - churned_mrr"
    if table == "agg_mrr_summary":
        columns, broken = "unclassified_mrr, unknown_customers", f"""{difference}
           OR abs(mrr_change - ({bridge} + unclassified_mrr)) > {TOLERANCE}
           OR (unknown_customers = 0 AND unclassified_mrr <> 0)"""
    else:
        several = " + ".join(f"CAST({m} <> 0 AS INTEGER)" for m in MOVEMENTS)
        columns, broken = "customer_id, movement", f"""CASE WHEN movement = 'Unknown' THEN
               ({" + ".join(MOVEMENTS)}) <> 0
               OR (mrr_change IS NULL) <> (mrr IS NULL OR previous_mrr IS NULL)
               OR coalesce({difference}, FALSE)
           ELSE mrr IS NULL OR previous_mrr IS NULL OR mrr_change IS NULL
               OR {difference} OR abs(mrr_change - ({bridge})) > {TOLERANCE}
               OR ({several}) > 1 END"""
    return f"""
    SELECT month, {columns}, mrr, previous_mrr, mrr_change, {", ".join(MOVEMENTS)}
    FROM gold.{table}
    WHERE {PARTITION_COLUMN} = ?
      AND ({broken})
    """


def identity_result(warehouse: Warehouse, table: str, day: dt.date) -> AssetCheckResult:
    """The ``mrr_identity`` check of ``gold.<table>`` partition ``day``."""
    with warehouse.get_connection() as con:
        [(total,)] = con.execute(
            f"SELECT count(*) FROM gold.{table} WHERE {PARTITION_COLUMN} = ?", [day]).fetchall()
        failing = con.sql(identity_sql(table), params=[day]).pl()
    return AssetCheckResult(
        passed=failing.height == 0,
        description="mrr_change = mrr - previous_mrr = new + expansion + reactivated - "
        "contraction - churned (+ unclassified in the summary; Unknown rows have no movement)",
        metadata={"rows_checked": total, "failing_rows": failing.height,
                  "failure_sample": str(failing.head(10).to_dicts())},
    )


def identity_check(table: GoldTable):
    @asset_check(
        asset=table.key,
        name="mrr_identity",
        description="The MRR bridge holds on every row: mrr_change = mrr - previous_mrr = new + "
        "expansion + reactivated - contraction - churned"
        + (" + unclassified (the Unknown customers' change, 0 when there are none)"
           if table.name == "agg_mrr_summary" else ", with at most one movement per customer; an "
           "Unknown row has none, and a change only when both months are known")
        + ".",
        blocking=True,
        partitions_def=daily_partitions,
    )
    def _identity(context: AssetCheckExecutionContext, warehouse: Warehouse
                  ) -> AssetCheckResult:
        return each_day_verdict(context, lambda day: identity_result(warehouse, table.name, day))

    return _identity
