"""``gold.agg_mrr``: monthly recurring revenue per customer and calendar month.

MRR is normalised per subscription and month, not cash, and a rejected fee is never read as 0
(docs/metrics.md). A month's rows are written once, on its closing day, from one month of facts
and the table's own previous month (a self dependency), so a month costs the same whatever the
length of history (docs/architecture.md, Monthly recurring revenue). The table's ``build`` is
``run_agg_mrr``, which checks its inputs first.
"""

import dataclasses
import datetime as dt

from dagster import AssetCheckResult, Failure

from customer_platform.contracts.base import column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN
from customer_platform.gold.base import (
    ForeignKey,
    GoldModel,
    GoldTable,
    empty_select,
    ensure_table,
    run_gold_sql,
    run_gold_sql_days,
)
from customer_platform.gold.billing._mrr import (
    CLOSES_MONTH,
    FEE_LATE_DAYS,
    identity_check,
    mrr_month,
)
from customer_platform.gold.billing.dim_billing_event_type import RECURRING_EVENT_TYPES
from customer_platform.gold.billing.fact_billing import FACT_BILLING
from customer_platform.gold.completeness import canonical, record_field
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import CUSTOMER_KEY, DAY, date_key
from customer_platform.partitions import failed_day
from customer_platform.resources import Warehouse
from customer_platform.settings import partition_start


class AggMrr(GoldModel):
    month: str = column("Calendar month YYYY-MM", str_matches=r"^\d{4}-\d{2}$")
    month_end_date_key: int = column("dim_date.date_key of the month's last day")
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    mrr: float = column("Recurring revenue of the month, normalised per subscription: the "
                        "amount of the latest valid Subscription Fee or Renewal counted in the "
                        "month (add-ons and refunds excluded); the previous month's when the "
                        "month's fee was rejected (is_mrr_carried_forward); empty (unknown) "
                        "when its fee was rejected and there was no previous MRR to carry "
                        "(none, 0 or unknown)", ge=0.0, nullable=True)
    previous_mrr: float = column("MRR of the previous month (0 when none; empty when unknown)",
                                 ge=0.0, nullable=True)
    mrr_change: float = column("mrr - previous_mrr (empty when either is unknown)",
                               nullable=True)
    new_mrr: float = column("MRR of a customer that never had MRR before", ge=0.0)
    expansion_mrr: float = column("Increase between two months with MRR", ge=0.0)
    contraction_mrr: float = column("Decrease between two months with MRR", ge=0.0)
    churned_mrr: float = column("Previous MRR lost: MRR went from positive to 0", ge=0.0)
    reactivated_mrr: float = column("MRR of a customer back from 0 that had MRR before",
                                    ge=0.0)
    movement: str = column("New, Expansion, Contraction, Churned, Reactivated, Unchanged, "
                           "Inactive (0 in both months) or Unknown (mrr or previous_mrr is "
                           "unknown, or a first MRR after a month of unknown MRR: New or "
                           "Reactivated cannot be told; every movement amount 0)",
                           isin=["New", "Expansion", "Contraction", "Churned", "Reactivated",
                                 "Unchanged", "Inactive", "Unknown"])
    first_mrr_month: str = column("First month with a known MRR > 0 (empty: none yet)",
                                  nullable=True)
    first_unknown_mrr_month: str = column("First month whose MRR was unknown (empty: none), "
                                          "also when a rejected fee was the customer's only "
                                          "event (a customer in dim_customer as loaded by the "
                                          "closing day); keeps the customer on the calendar so "
                                          "its next months are not read as New", nullable=True)
    is_mrr_carried_forward: bool = column("The month's only fee rows were rejected (silver "
                                          "rejects or an invalid sign) and the previous MRR "
                                          "was positive: mrr is the previous month's, carried "
                                          "forward, not a billed figure")
    recurring_billed: float = column("Cash of the month's valid fees and renewals (two fees in "
                                     "one month count twice here, once in mrr)", ge=0.0)
    add_on_revenue: float = column("Add-on purchases of the month (not in MRR)", ge=0.0)
    refund_amount: float = column("Refunds of the month, negative (not in MRR)", le=0.0)
    net_revenue: float = column("recurring_billed + add_on_revenue + refund_amount (cash)")
    billing_events: int = column("Valid billing events of the month counted here", ge=0)


#: SQL: the last day of the month partition ``$day`` closes
CLOSED_MONTH_END = f"({DAY} - {FEE_LATE_DAYS})"
#: SQL: a rejected billing event's text, as delivered
_RECORD = {c: record_field(c) for c in ("customer_id", "event_type", "event_date")}

AGG_MRR_SQL = f"""
WITH period AS (  -- one row on a month's closing day, none otherwise
    SELECT {CLOSED_MONTH_END} AS month_end,
           CAST(date_trunc('month', {CLOSED_MONTH_END}) AS DATE) AS month_start,
           strftime({CLOSED_MONTH_END}, '%Y-%m') AS month
    WHERE {CLOSES_MONTH}
), received AS (  -- the latest delivery of each event received since the month began
    SELECT f.* FROM gold.fact_billing f JOIN period p
      ON f.load_date BETWEEN p.month_start AND {DAY}
    QUALIFY row_number() OVER (PARTITION BY f.billing_event_key ORDER BY f.load_date DESC) = 1
), billed AS (  -- per customer, the events the month counts
    SELECT r.customer_key, any_value(r.customer_id) AS customer_id,
           round(coalesce(arg_max(r.amount, (r.event_date, r.billing_event_id))
                          FILTER (r.is_recurring AND r.is_amount_valid), 0), 2) AS billed_mrr,
           coalesce(bool_or(r.is_recurring AND r.is_amount_valid), FALSE) AS has_fee,
           coalesce(bool_or(r.is_recurring AND NOT r.is_amount_valid), FALSE) AS has_bad_fee,
           round(coalesce(sum(r.amount) FILTER (r.is_recurring AND r.is_amount_valid), 0), 2)
               AS recurring_billed,
           round(coalesce(sum(r.amount) FILTER (r.event_type = 'Add-on Purchase'
                                                AND r.is_amount_valid), 0), 2) AS add_on_revenue,
           round(coalesce(sum(r.amount) FILTER (r.event_type = 'Refund' AND r.is_amount_valid),
                          0), 2) AS refund_amount,
           count(*) FILTER (r.is_amount_valid) AS billing_events,
           max(r.load_date) AS update_date
    FROM received r JOIN period p ON r.mrr_month = p.month
    GROUP BY r.customer_key
), rejected AS (  -- customers with a fee row silver rejected, counted in the month
    SELECT DISTINCT {CUSTOMER_KEY} AS customer_key, customer_id, update_date,
           {CUSTOMER_KEY} IN (SELECT customer_key FROM {DIM_CUSTOMER.as_loaded()})
               AS is_known_customer  -- in dim_customer as loaded by the closing day
    FROM (SELECT upper(trim({_RECORD["customer_id"]})) AS customer_id,
                 r._partition_date AS update_date
          FROM silver.stg_bil_billing_events_rejects r JOIN period p
            ON r._partition_date BETWEEN p.month_start AND {DAY}
          WHERE r.disposition = 'rejected'
            AND {canonical(_RECORD["event_type"], RECURRING_EVENT_TYPES)} IS NOT NULL
            AND {mrr_month(f'try_cast({_RECORD["event_date"]} AS DATE)', "r._partition_date")}
                = p.month)
    WHERE regexp_full_match(customer_id, '{CUSTOMER_ID_PATTERN}')
    QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY update_date DESC) = 1
), previous AS (  -- the previous closing partition: everyone that ever had MRR or an
    -- unknown MRR (a NULL mrr stays NULL: unknown, not 0)
    SELECT a.customer_key, a.customer_id, a.mrr AS previous_mrr, a.first_mrr_month,
           a.first_unknown_mrr_month
    FROM gold.agg_mrr a JOIN period p ON a.load_date = p.month_start + {FEE_LATE_DAYS - 1}
    WHERE a.first_mrr_month IS NOT NULL OR a.first_unknown_mrr_month IS NOT NULL
), joined AS (
    SELECT coalesce(b.customer_key, r.customer_key, x.customer_key) AS customer_key,
           coalesce(b.customer_id, r.customer_id, x.customer_id) AS customer_id,
           coalesce(b.has_fee, FALSE) AS has_fee,
           coalesce(b.has_bad_fee, FALSE) OR x.customer_key IS NOT NULL AS fee_rejected,
           coalesce(b.billed_mrr, 0) AS billed_mrr,
           CASE WHEN r.customer_key IS NULL THEN 0 ELSE r.previous_mrr END AS previous_mrr,
           r.first_mrr_month IS NOT NULL AS had_mrr_before,
           r.first_mrr_month AS earlier_first_mrr_month,
           r.first_unknown_mrr_month AS earlier_first_unknown_mrr_month,
           coalesce(b.recurring_billed, 0) AS recurring_billed,
           coalesce(b.add_on_revenue, 0) AS add_on_revenue,
           coalesce(b.refund_amount, 0) AS refund_amount,
           coalesce(b.billing_events, 0) AS billing_events,
           greatest(b.update_date, x.update_date) AS update_date
    FROM billed b FULL JOIN previous r ON b.customer_key = r.customer_key
    -- a rejected fee alone (never on the calendar, no other event) gives a row of unknown
    -- MRR when its customer is in dim_customer as loaded by the day; an unknown customer id
    -- gets no row (it stays in the error audit log)
    FULL JOIN rejected x ON x.customer_key = coalesce(b.customer_key, r.customer_key)
    WHERE b.customer_key IS NOT NULL OR r.customer_key IS NOT NULL OR x.is_known_customer
), carried AS (  -- a rejected fee is never read as 0: a previous MRR stands, else unknown
    SELECT *, NOT has_fee AND fee_rejected AND coalesce(previous_mrr > 0, FALSE)
               AS is_mrr_carried_forward,
           CASE WHEN has_fee THEN billed_mrr
                WHEN fee_rejected AND previous_mrr > 0 THEN previous_mrr
                WHEN fee_rejected THEN NULL  -- no MRR to carry (or it is unknown)
                ELSE 0 END AS mrr
    FROM joined
), moved AS (  -- Unknown: either month's MRR is unknown, or a first MRR after an unknown
    -- month (New or Reactivated, cannot tell)
    SELECT c.*, p.*,
           CASE WHEN mrr IS NULL OR previous_mrr IS NULL THEN 'Unknown'
                WHEN previous_mrr = 0 AND mrr > 0 AND NOT had_mrr_before
                     AND earlier_first_unknown_mrr_month IS NOT NULL THEN 'Unknown'
                WHEN previous_mrr = 0 AND mrr > 0 AND NOT had_mrr_before THEN 'New'
                WHEN previous_mrr = 0 AND mrr > 0 THEN 'Reactivated'
                WHEN previous_mrr > 0 AND mrr = 0 THEN 'Churned'
                WHEN previous_mrr > 0 AND mrr > previous_mrr THEN 'Expansion'
                WHEN previous_mrr > 0 AND mrr < previous_mrr THEN 'Contraction'
                WHEN mrr > 0 THEN 'Unchanged'
                ELSE 'Inactive' END AS movement
    FROM carried c, period p
)
SELECT month,
       {date_key('month_end')} AS month_end_date_key,
       customer_key, customer_id, mrr, previous_mrr,
       round(mrr - previous_mrr, 2) AS mrr_change,
       CASE WHEN movement = 'New' THEN mrr ELSE 0 END AS new_mrr,
       CASE WHEN movement = 'Expansion' THEN round(mrr - previous_mrr, 2) ELSE 0 END
           AS expansion_mrr,
       CASE WHEN movement = 'Contraction' THEN round(previous_mrr - mrr, 2) ELSE 0 END
           AS contraction_mrr,
       CASE WHEN movement = 'Churned' THEN previous_mrr ELSE 0 END AS churned_mrr,
       CASE WHEN movement = 'Reactivated' THEN mrr ELSE 0 END AS reactivated_mrr,
       movement,
       coalesce(earlier_first_mrr_month, CASE WHEN mrr > 0 THEN month END) AS first_mrr_month,
       coalesce(earlier_first_unknown_mrr_month, CASE WHEN mrr IS NULL THEN month END)
           AS first_unknown_mrr_month,
       is_mrr_carried_forward, recurring_billed, add_on_revenue, refund_amount,
       round(recurring_billed + add_on_revenue + refund_amount, 2) AS net_revenue,
       billing_events,
       {DAY} AS load_date,
       coalesce(update_date, {DAY}) AS update_date,
       'billing' AS source_system
FROM moved
"""

ONE_DAY = dt.timedelta(days=1)
LATE = dt.timedelta(days=FEE_LATE_DAYS)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def run_agg_mrr(warehouse: Warehouse, table: GoldTable, day: dt.date
                ) -> tuple[int, list[AssetCheckResult]]:
    """Compute, validate and write agg_mrr's partition ``day``; return its row count and the
    results of its in-step checks (Pandera model, foreign keys).

    On a closing day of a month that began before the warehouse's first partition, writes
    nothing (the month would be partial). Fails when the previous month's closing partition
    is needed (that month is on the calendar) but was never written while the month has
    billing events: computing now would report every customer as new.
    """
    with warehouse.get_connection() as con:  # the SQL reads both, even on an empty day
        ensure_table(con, AGG_MRR)
        ensure_table(con, FACT_BILLING)
    if day.day != FEE_LATE_DAYS:
        return run_gold_sql(warehouse, table, day)  # 0 rows: not a closing day
    closed = month_start(day - LATE)  # first day of the month this partition closes
    if closed < partition_start():
        return run_gold_sql(warehouse, dataclasses.replace(table, sql=empty_select(table)), day)
    previous = month_start(closed - ONE_DAY)  # first day of the month before
    if previous >= partition_start():
        previous_close = closed + LATE - ONE_DAY
        with warehouse.get_connection() as con:
            [(rows, events)] = con.execute(
                "SELECT (SELECT count(*) FROM gold.agg_mrr WHERE load_date = ?), "
                "(SELECT count(*) FROM gold.fact_billing WHERE load_date BETWEEN ? AND ? "
                "AND mrr_month = ? AND is_recurring AND is_amount_valid)",
                [previous_close, previous, previous_close, f"{previous:%Y-%m}"]).fetchall()
        if rows == 0 and events > 0:
            raise Failure(description=f"gold.agg_mrr {day}: the closing partition "
                          f"{previous_close} of {previous:%Y-%m} is missing; materialise it "
                          "first")
    return run_gold_sql(warehouse, table, day)


def run_agg_mrr_days(warehouse: Warehouse, table: GoldTable, days: list[dt.date]
                     ) -> list[tuple[dt.date, tuple[int, list[AssetCheckResult]]]]:
    """agg_mrr's partitions ``days`` in day order: each run of days that closes no month is
    written empty as one range (one statement, one commit), each closing day by
    ``run_agg_mrr``. A closing day that fails stops there, naming it, as a day-by-day run
    would: the days before it are written."""
    empty = dataclasses.replace(table, sql=empty_select(table))
    done, quiet = [], []
    for day in [*days, None]:
        if day is not None and day.day != FEE_LATE_DAYS:
            quiet.append(day)
            continue
        if quiet:
            done += run_gold_sql_days(warehouse, empty, quiet)
            quiet = []
        if day is not None:
            try:
                done.append((day, run_agg_mrr(warehouse, table, day)))
            except Exception as error:
                raise failed_day(day, error) from error
    return done


AGG_MRR = GoldTable(
    name="agg_mrr",
    model=AggMrr,
    description="Monthly Recurring Revenue for financial reporting and revenue trend analysis "
    "of the collaboration platform, per customer and calendar month on a full calendar (a churned "
    "month shows 0), normalised per subscription, with the movements new, expansion, "
    "contraction, churned and reactivated. Rows of a month are in the partition of its closing "
    f"day, {FEE_LATE_DAYS} days after its end.",
    seed="002",
    kind="aggregate",
    domain="billing",
    primary_key=("month", "customer_key"),
    sql=AGG_MRR_SQL,
    sources=("gold.fact_billing", "silver.stg_bil_billing_events_rejects", "gold.agg_mrr",
             "gold.dim_customer"),
    foreign_keys=(ForeignKey("customer_key", "dim_customer", "customer_key"),
                  ForeignKey("month_end_date_key", "dim_date", "date_key")),
    source_windows=(("gold.fact_billing", (-(31 + FEE_LATE_DAYS - 1), 0)),
                    ("silver.stg_bil_billing_events_rejects", (-(31 + FEE_LATE_DAYS - 1), 0)),
                    ("gold.agg_mrr", (-31, -28))),
    grain="one row per customer per calendar month (customers that ever had MRR or an "
    "unknown MRR, or had billing events or a rejected fee in the month), in the "
    f"partition of the month's closing day (its last day + {FEE_LATE_DAYS})",
    build=run_agg_mrr,
    build_days=run_agg_mrr_days,
)

CHECKS = [identity_check(AGG_MRR)]

_MONTHLY = ("Calendar month (YYYY-MM) by fact_billing.mrr_month (the event month; a fee "
            f"received more than {FEE_LATE_DAYS} days after its month ended counts in the month "
            "still open), written in the partition of the month's closing day, its last day + "
            f"{FEE_LATE_DAYS}; a month that began before the warehouse's first partition is not "
            "reported")
_MOVEMENT_FILTER = ("is_amount_valid; previous_mrr = the customer's MRR of the previous month; "
                    "none on an Unknown movement (either month's MRR unknown, or a first MRR "
                    "after a month of unknown MRR)")

METRICS = [
    Metric("MRR", "agg_mrr",
           "normalised per subscription (one per customer): the amount of the customer's "
           "latest valid Subscription Fee or Renewal of the month (by event_date, then id), "
           "not the sum (a second fee in a month is not expansion); when the month's only fee "
           "rows were rejected, the previous month's MRR carried forward "
           "(is_mrr_carried_forward) when it was positive, else unknown (empty; not in "
           "agg_mrr_summary.mrr, counted in unknown_mrr_customers); add-ons and refunds "
           "excluded",
           "customer x month; platform total in agg_mrr_summary",
           "is_amount_valid; the latest delivery of each billing event", _MONTHLY),
    Metric("Recurring billed", "agg_mrr",
           "sum(amount) of the month's valid Subscription Fee and Renewal events (cash; "
           "net_revenue = recurring_billed + add_on_revenue + refund_amount)",
           "customer x month", "is_amount_valid", _MONTHLY),
    Metric("New MRR", "agg_mrr",
           "mrr when previous_mrr = 0 and the customer never had MRR before (first month with "
           "MRR; in the warehouse's first month every customer with MRR); a first MRR after a "
           "month of unknown MRR is Unknown, not New",
           "customer x month", _MOVEMENT_FILTER, _MONTHLY),
    Metric("Expansion MRR", "agg_mrr", "mrr - previous_mrr when previous_mrr > 0 and "
           "mrr > previous_mrr", "customer x month", _MOVEMENT_FILTER, _MONTHLY),
    Metric("Contraction MRR", "agg_mrr", "previous_mrr - mrr when mrr > 0 and "
           "mrr < previous_mrr", "customer x month", _MOVEMENT_FILTER, _MONTHLY),
    Metric("Churned MRR", "agg_mrr", "previous_mrr when previous_mrr > 0 and mrr = 0 (the "
           "customer stays in later months with 0)", "customer x month", _MOVEMENT_FILTER,
           _MONTHLY),
    Metric("Reactivated MRR", "agg_mrr", "mrr when previous_mrr = 0, mrr > 0 and the customer "
           "had MRR in an earlier month", "customer x month", _MOVEMENT_FILTER, _MONTHLY),
    Metric("MRR change", "agg_mrr", "mrr - previous_mrr = new + expansion + reactivated - "
           "contraction - churned (blocking check mrr_identity); empty when either month's MRR "
           "is unknown; in agg_mrr_summary, of the known totals, + unclassified_mrr (the "
           "Unknown customers' change)", "customer x month", _MOVEMENT_FILTER, _MONTHLY),
]
