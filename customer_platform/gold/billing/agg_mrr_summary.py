"""``gold.agg_mrr_summary``: the platform-level month (total MRR, movements, customer counts),
one row per month in the same closing partition, summed from agg_mrr's partition. Its totals
are of the known MRR (``unknown_mrr_customers`` are not in ``mrr``), and the Unknown
customers' change of them is ``unclassified_mrr``, so
``mrr_change = new + expansion + reactivated - contraction - churned + unclassified``.
The blocking ``mrr_identity`` check holds that bridge on every month.
"""

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldModel, GoldTable
from customer_platform.gold.billing._mrr import CLOSES_MONTH, FEE_LATE_DAYS, identity_check
from customer_platform.gold.sql import DAY


class AggMrrSummary(GoldModel):
    month: str = column("Calendar month YYYY-MM", unique=True, str_matches=r"^\d{4}-\d{2}$")
    month_end_date_key: int = column("dim_date.date_key of the month's last day")
    mrr: float = column("Total known MRR of the month (unknown_mrr_customers are not in it)",
                        ge=0.0)
    previous_mrr: float = column("Total known MRR of the previous month", ge=0.0)
    mrr_change: float = column("mrr - previous_mrr = new + expansion + reactivated - "
                               "contraction - churned + unclassified")
    new_mrr: float = column("Sum of new MRR", ge=0.0)
    expansion_mrr: float = column("Sum of expansion MRR", ge=0.0)
    contraction_mrr: float = column("Sum of contraction MRR", ge=0.0)
    churned_mrr: float = column("Sum of churned MRR", ge=0.0)
    reactivated_mrr: float = column("Sum of reactivated MRR", ge=0.0)
    unclassified_mrr: float = column("Change of the known totals from customers with an "
                                     "Unknown movement (their known mrr less their known "
                                     "previous_mrr): in mrr_change, in no movement")
    customers_with_mrr: int = column("Customers with MRR > 0 in the month", ge=0)
    new_customers: int = column("Customers with a New movement", ge=0)
    expanded_customers: int = column("Customers with an Expansion movement", ge=0)
    contracted_customers: int = column("Customers with a Contraction movement", ge=0)
    churned_customers: int = column("Customers with a Churned movement", ge=0)
    reactivated_customers: int = column("Customers with a Reactivated movement", ge=0)
    unknown_customers: int = column("Customers with an Unknown movement", ge=0)
    unknown_mrr_customers: int = column("Customers whose MRR of the month is unknown (a "
                                        "rejected fee and no MRR to carry): not in mrr", ge=0)
    carried_forward_customers: int = column("Customers whose MRR was carried forward (their "
                                            "month's fee rows were rejected)", ge=0)
    carried_forward_mrr: float = column("MRR carried forward, included in mrr", ge=0.0)
    recurring_billed: float = column("Cash of the month's valid fees and renewals", ge=0.0)
    add_on_revenue: float = column("Add-on purchases of the month (not in MRR)", ge=0.0)
    refund_amount: float = column("Refunds of the month, negative (not in MRR)", le=0.0)
    net_revenue: float = column("recurring_billed + add_on_revenue + refund_amount (cash)")


AGG_MRR_SUMMARY = GoldTable(
    name="agg_mrr_summary",
    model=AggMrrSummary,
    description="Platform MRR per calendar month with the month's MRR movements (the MRR bridge) "
    "and customer counts; summed from gold.agg_mrr's partition.",
    seed="002",
    kind="aggregate",
    domain="billing",
    primary_key=("month",),
    sources=("gold.agg_mrr", "gold.dim_date"),
    foreign_keys=(ForeignKey("month_end_date_key", "dim_date", "date_key"),),
    grain="one row per calendar month, in the month's closing partition (its last day + "
    f"{FEE_LATE_DAYS})",
    sql=f"""
    SELECT month, month_end_date_key,
           round(coalesce(sum(mrr), 0), 2) AS mrr,
           round(coalesce(sum(previous_mrr), 0), 2) AS previous_mrr,
           round(coalesce(sum(mrr), 0) - coalesce(sum(previous_mrr), 0), 2) AS mrr_change,
           round(sum(new_mrr), 2) AS new_mrr, round(sum(expansion_mrr), 2) AS expansion_mrr,
           round(sum(contraction_mrr), 2) AS contraction_mrr,
           round(sum(churned_mrr), 2) AS churned_mrr,
           round(sum(reactivated_mrr), 2) AS reactivated_mrr,
           round(coalesce(sum(coalesce(mrr, 0) - coalesce(previous_mrr, 0))
                          FILTER (movement = 'Unknown'), 0), 2) AS unclassified_mrr,
           count(*) FILTER (mrr > 0) AS customers_with_mrr,
           count(*) FILTER (movement = 'New') AS new_customers,
           count(*) FILTER (movement = 'Expansion') AS expanded_customers,
           count(*) FILTER (movement = 'Contraction') AS contracted_customers,
           count(*) FILTER (movement = 'Churned') AS churned_customers,
           count(*) FILTER (movement = 'Reactivated') AS reactivated_customers,
           count(*) FILTER (movement = 'Unknown') AS unknown_customers,
           count(*) FILTER (mrr IS NULL) AS unknown_mrr_customers,
           count(*) FILTER (is_mrr_carried_forward) AS carried_forward_customers,
           round(coalesce(sum(mrr) FILTER (is_mrr_carried_forward), 0), 2)
               AS carried_forward_mrr,
           round(sum(recurring_billed), 2) AS recurring_billed,
           round(sum(add_on_revenue), 2) AS add_on_revenue,
           round(sum(refund_amount), 2) AS refund_amount,
           round(sum(net_revenue), 2) AS net_revenue,
           {DAY} AS load_date,
           max(update_date) AS update_date,
           'billing' AS source_system
    FROM gold.agg_mrr
    WHERE load_date = $day AND {CLOSES_MONTH}
    GROUP BY month, month_end_date_key
    """,
)

CHECKS = [identity_check(AGG_MRR_SUMMARY)]
