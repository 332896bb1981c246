"""``gold.fact_billing``: one row per billing event (fee, renewal, add-on purchase, refund), in
the partition of the day it was received; late rows keep their business ``event_date``.

An event delivered again is dropped when identical and kept as an explicit update when changed
(``Redelivery``); ``mrr_month`` is the month whose MRR counts it (``_mrr.py``). An amount whose
sign contradicts its event type passes silver's range rule (refunds are negative), so gold keeps
it for audit, flags it (``is_amount_valid``), leaves it out of every revenue figure and reports
it in the non-blocking ``amount_sign`` check.
"""

import datetime as dt

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    asset_check,
)

from customer_platform.contracts.base import column
from customer_platform.gold.base import (
    PARTITION_COLUMN,
    ForeignKey,
    GoldModel,
    GoldTable,
    Redelivery,
    from_contract,
)
from customer_platform.gold.billing._mrr import FEE_LATE_DAYS, mrr_month
from customer_platform.gold.billing.dim_billing_event_type import RECURRING_EVENT_TYPES
from customer_platform.gold.completeness import SILVER_MISSING, UNDELIVERED, undelivered
from customer_platform.gold.customer.dim_user import DIM_USER
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import CUSTOMER_KEY, DAY, USER_KEY, date_key, sk
from customer_platform.partitions import daily_partitions
from customer_platform.quality.checks import each_day_verdict
from customer_platform.resources import Warehouse

BILLING_EVENT_TYPE_KEY = sk("billing_event_type", "event_type")
_RECURRING_SQL = ", ".join(f"'{t}'" for t in RECURRING_EVENT_TYPES)
#: Days before a billing event's partition searched for an earlier delivery of it (covers
#: agg_mrr's longest read, a month plus the allowance).
REDELIVERY_LOOKBACK_DAYS = 45


class FactBilling(GoldModel):
    billing_event_key: str = column("Surrogate key of the billing event", unique=True)
    billing_event_id: str = column("Billing event business key")
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    user_key: str = column("Billing contact (dim_user.user_key); empty for residential "
                           "customers", nullable=True)
    user_id: str = column("Billing contact business key", nullable=True)
    billing_event_type_key: str = column("dim_billing_event_type.billing_event_type_key")
    event_type: str = column("Subscription Fee, Subscription Renewal, Add-on Purchase or Refund",
                             isin=["Subscription Fee", "Subscription Renewal", "Add-on Purchase",
                                   "Refund"])
    event_date: dt.date = column("Business day the event was booked (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    event_month: str = column("Calendar month of event_date as YYYY-MM (the MRR period)")
    amount: float = from_contract("billing.billing_events", "amount")
    currency: str = column("ISO 4217 currency")
    plan_type: str = column("Plan of the billing contact on the event day; when the file did "
                            "not deliver it, the contact's plan in force that day in dim_user "
                            "(its last delivered one), else empty (unknown)", nullable=True)
    is_recurring: bool = column("Subscription Fee or Renewal: counts towards MRR")
    is_amount_valid: bool = column("The amount's sign fits the event type (refunds negative, "
                                   "everything else positive); invalid rows count nowhere")
    is_late_arrival: bool = column("Received after its event date")
    mrr_month: str = column("Month (YYYY-MM) whose MRR and revenue count the row: event_month, "
                            f"unless received more than {FEE_LATE_DAYS} days after it ended "
                            "(after it closed): then the month of the receipt day minus "
                            f"{FEE_LATE_DAYS} days", str_matches=r"^\d{4}-\d{2}$")
    is_update: bool = column("A changed re-delivery of an event first received on an earlier "
                             "day: supersedes it (readers take the latest load_date per key)")
    undelivered_columns: str = undelivered_column(fact=True)


FACT_BILLING = GoldTable(
    name="fact_billing",
    model=FactBilling,
    description="Billing transactions for revenue analysis and financial reporting: one row per "
    "subscription fee, renewal, add-on purchase or refund.",
    seed="002",
    kind="fact",
    domain="billing",
    primary_key=("billing_event_key",),
    sources=("silver.stg_bil_billing_events", "gold.dim_customer", "gold.dim_user",
             "gold.dim_billing_event_type", "gold.dim_date", "gold.fact_billing"),
    source_windows=(("gold.fact_billing", (-REDELIVERY_LOOKBACK_DAYS, -1)),),
    redelivery=Redelivery(REDELIVERY_LOOKBACK_DAYS, arrival_columns=(
        "is_late_arrival", "mrr_month", UNDELIVERED)),
    foreign_keys=(ForeignKey("customer_key", "dim_customer", "customer_key"),
                  ForeignKey("user_key", "dim_user", "user_key"),
                  ForeignKey("billing_event_type_key", "dim_billing_event_type",
                             "billing_event_type_key"),
                  ForeignKey("event_date_key", "dim_date", "date_key")),
    grain="one row per billing event, in the partition of the day it was received",
    sql=f"""
    SELECT {sk("billing_event", "billing_event_id")} AS billing_event_key,
           billing_event_id,
           {CUSTOMER_KEY} AS customer_key, customer_id,
           CASE WHEN user_id IS NOT NULL THEN {USER_KEY} END AS user_key, user_id,
           {BILLING_EVENT_TYPE_KEY} AS billing_event_type_key, event_type,
           _event_date AS event_date,
           {date_key('_event_date')} AS event_date_key,
           strftime(_event_date, '%Y-%m') AS event_month,
           amount, currency,
           CASE WHEN {undelivered("plan_type", SILVER_MISSING)} THEN (  -- the contact's plan
                SELECT u.plan_type FROM {DIM_USER.as_loaded()} u
                WHERE u.user_id = b.user_id AND b._event_date BETWEEN u.valid_from AND u.valid_to
           ) ELSE plan_type END AS plan_type,
           event_type IN ({_RECURRING_SQL}) AS is_recurring,
           CASE WHEN event_type = 'Refund' THEN amount < 0 ELSE amount > 0 END
               AS is_amount_valid,
           _event_date < _partition_date AS is_late_arrival,
           {mrr_month("_event_date", "_partition_date")} AS mrr_month,
           FALSE AS is_update, {SILVER_MISSING} AS {UNDELIVERED},
           {DAY} AS load_date,
           _event_date AS update_date,
           'billing' AS source_system
    FROM silver.stg_bil_billing_events b
    WHERE _partition_date = $day
    """,
)


def flagged_rows_result(warehouse: Warehouse, day: dt.date, flagged: str, count_name: str
                        ) -> AssetCheckResult:
    """A warning check of fact_billing partition ``day``: passes when no row is ``flagged``
    (SQL predicate); the count and a sample of event ids in the metadata."""
    with warehouse.get_connection() as con:
        [(total, invalid)] = con.execute(
            f"SELECT count(*), count(*) FILTER ({flagged}) FROM gold.fact_billing "
            f"WHERE {PARTITION_COLUMN} = ?", [day]).fetchall()
        sample = [r[0] for r in con.execute(
            "SELECT billing_event_id FROM gold.fact_billing "
            f"WHERE {PARTITION_COLUMN} = ? AND {flagged} ORDER BY 1 LIMIT 10",
            [day]).fetchall()]
    return AssetCheckResult(passed=invalid == 0, severity=AssetCheckSeverity.WARN,
                            metadata={"rows_checked": total, count_name: invalid,
                                      "sample": sample})


def amount_sign_result(warehouse: Warehouse, day: dt.date) -> AssetCheckResult:
    return flagged_rows_result(warehouse, day, "NOT is_amount_valid", "invalid_sign_rows")


#: SQL: a valid fee received after its month's MRR closed
AFTER_CLOSE = "is_recurring AND is_amount_valid AND mrr_month <> event_month"


def fee_after_close_result(warehouse: Warehouse, day: dt.date) -> AssetCheckResult:
    return flagged_rows_result(warehouse, day, AFTER_CLOSE, "fees_after_close")


@asset_check(asset=FACT_BILLING.key, name="amount_sign", blocking=False,
             partitions_def=daily_partitions,
             description="Refunds are negative and every other event positive; rows that are "
             "not are kept (is_amount_valid = false) but count in no revenue figure.")
def amount_sign(context: AssetCheckExecutionContext, warehouse: Warehouse) -> AssetCheckResult:
    return each_day_verdict(context, lambda day: amount_sign_result(warehouse, day))


@asset_check(asset=FACT_BILLING.key, name="fee_after_close", blocking=False,
             partitions_def=daily_partitions,
             description=f"No fee arrives more than {FEE_LATE_DAYS} days after its month ended: "
             "one that does missed its month's MRR (closed, never rewritten) and counts in the "
             "month it arrived in (mrr_month).")
def fee_after_close(context: AssetCheckExecutionContext, warehouse: Warehouse
                    ) -> AssetCheckResult:
    return each_day_verdict(context, lambda day: fee_after_close_result(warehouse, day))


CHECKS = [amount_sign, fee_after_close]
