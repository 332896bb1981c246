"""``gold.customer_segments``: each customer's segment in every scheme as of each day, its RFM
scores and its prioritisation score (the value at risk, ranked), so retention work starts with
the customers whose loss costs most. The rules are in ``_segments.py``; the weekly view
``gold.customer_segments_weekly`` gives the weekly cadence.
"""

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import analytics_table
from customer_platform.gold.analytics._segments import (
    BEHAVIOUR_RULES,
    LIFECYCLE_RULES,
    NEW_CUSTOMER_DAYS,
    UNKNOWN_VALUE,
    VALUE_RULES,
    case,
    quintile,
    rank_known,
    with_weekly_view,
)
from customer_platform.gold.analytics.customer_clv import CLV_METHODS
from customer_platform.gold.base import GoldModel
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import DAY


class CustomerSegments(GoldModel):
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    status: str = column("CRM status on D")
    traditional_segment: str = column("Residential, SMB, Enterprise or Government; 'Unknown' "
                                      "for an inferred member or where the CRM does not "
                                      "deliver the segment")
    value_segment: str = column(f"High, Medium or Low by predictive CLV; {UNKNOWN_VALUE} "
                                "while the CLV is not published",
                                isin=[*(name for name, _ in VALUE_RULES), UNKNOWN_VALUE])
    behavioural_segment: str = column("Loyal, At-risk, New or Churned",
                                      isin=[name for name, _ in BEHAVIOUR_RULES])
    lifecycle_segment: str = column("Onboarding, Growing, Mature or Veteran",
                                    isin=[name for name, _ in LIFECYCLE_RULES])
    purchase_recency_days: int = column("Days since the last purchase event (billing charge "
                                        "or fulfilled order); the days observed when none",
                                        ge=0)
    purchases_365d: int = column("Purchase events (billing charges + fulfilled orders) in "
                                 "365 days", ge=0)
    rfm_recency_score: int = column("1-5, 5 = most recent purchase event (not churned)",
                                    nullable=True, ge=1, le=5)
    rfm_frequency_score: int = column("1-5, 5 = most purchase events in 365 days",
                                      nullable=True, ge=1, le=5)
    rfm_monetary_score: int = column("1-5, 5 = highest net revenue of the purchase events in "
                                     "365 days", nullable=True, ge=1, le=5)
    rfm_score: str = column("The three RFM scores as one code, e.g. '545'", nullable=True)
    predictive_clv: float = column("Predictive CLV (customer_clv); empty while not published",
                                   nullable=True)
    clv_method: str = column("Where the CLV comes from (customer_clv.clv_method): "
                             "subscription_retention, purchase_model, both or none",
                             isin=list(CLV_METHODS))
    monthly_churn_probability: float = column("Monthly churn probability used by the CLV",
                                              ge=0.0, le=1.0)
    risk_band: str = column("The churn model's risk band (empty when not scored)",
                            nullable=True)
    value_at_risk: float = column("max(predictive_clv, 0) x monthly_churn_probability (a "
                                  "customer of negative value puts nothing at risk); empty "
                                  "while the CLV is not published", nullable=True, ge=0.0)
    priority_score: float = column("0-100: percentile of value_at_risk among the customers "
                                   "not churned whose CLV is published (0 when churned, empty "
                                   "while unknown)", nullable=True, ge=0.0, le=100.0)
    net_revenue_30d: float = column("Net revenue of the last 30 days (for the summary)")
    net_revenue_365d: float = column("Net revenue of the last 365 days (for the summary)")
    completed_orders_365d: int = column("Fulfilled orders in 365 days (for the summary)", ge=0)
    order_value_365d: float = column("Value of those orders (for the summary)", ge=0.0)
    churned_last_30d: bool = column("Churned within the 30 days ending D")


SEGMENTS_SQL = f"""
WITH base AS (
    SELECT c.customer_key, c.customer_id, c.status, c.customer_segment, c.lifecycle_stage,
           c.churn_risk_level, c.tenure_days, c.net_revenue_30d, c.net_revenue_365d,
           c.completed_orders_365d, c.order_value_365d,
           c.days_since_last_purchase AS purchase_recency_days, c.purchases_365d,
           c.status = 'Churned' AND c.status_since > {DAY} - 30 AS churned_last_30d,
           v.predictive_clv, v.clv_method, v.monthly_churn_probability, s.risk_band,
           c.status <> 'Churned' AS is_active,
           CASE WHEN v.predictive_clv IS NOT NULL  -- greatest() would skip an unknown
                THEN greatest(v.predictive_clv, 0) * v.monthly_churn_probability END
               AS value_at_risk
    FROM gold.customer_360 c
    JOIN gold.customer_clv v ON v.customer_key = c.customer_key AND v.load_date = {DAY}
    LEFT JOIN gold.churn_scores s ON s.customer_key = c.customer_key AND s.load_date = {DAY}
    WHERE c.load_date = {DAY}
), ranked AS (
    SELECT *,
           {rank_known("predictive_clv")} AS clv_rank,
           {quintile("purchase_recency_days DESC")} AS rfm_recency_score,
           {quintile("purchases_365d")} AS rfm_frequency_score,
           {quintile("net_revenue_365d")} AS rfm_monetary_score,
           {rank_known("value_at_risk")} AS risk_rank
    FROM base
)
SELECT customer_key, customer_id, status,
       coalesce(customer_segment, 'Unknown') AS traditional_segment,
       CASE WHEN NOT is_active THEN 'Low'
            WHEN predictive_clv IS NULL THEN '{UNKNOWN_VALUE}' {" ".join(
           f"WHEN clv_rank >= {floor} THEN '{name}'" for name, floor in VALUE_RULES)} END
           AS value_segment,
       {case(BEHAVIOUR_RULES)} AS behavioural_segment,
       lifecycle_stage AS lifecycle_segment,
       purchase_recency_days, purchases_365d,
       rfm_recency_score, rfm_frequency_score, rfm_monetary_score,
       CAST(rfm_recency_score AS INTEGER) || CAST(rfm_frequency_score AS INTEGER)
           || CAST(rfm_monetary_score AS INTEGER) AS rfm_score,
       predictive_clv, clv_method, monthly_churn_probability, risk_band, value_at_risk,
       CASE WHEN NOT is_active THEN 0 WHEN value_at_risk IS NOT NULL
            THEN round(100 * risk_rank, 1) END AS priority_score,
       net_revenue_30d, net_revenue_365d, completed_orders_365d, order_value_365d,
       churned_last_30d,
       {DAY} AS load_date, {DAY} AS update_date, 'analytics' AS source_system
FROM ranked
"""

CUSTOMER_SEGMENTS = analytics_table(
    name="customer_segments",
    model=CustomerSegments,
    description="Customer segmentation: each customer's traditional, value-based, "
    "behavioural and lifecycle segment, RFM scores and prioritisation score as of each day "
    "(weekly cadence: the view gold.customer_segments_weekly).",
    sources=("gold.customer_360", "gold.customer_clv", "gold.churn_scores"),
    grain="one row per customer of customer_360 on the partition day",
    sql=SEGMENTS_SQL,
    after_write=with_weekly_view,
)

METRICS = [
    Metric(name="value_segment", table="customer_segments",
           formula="percent_rank of predictive_clv among the customers not churned whose CLV "
           "is published: >= 0.8 High, >= 0.5 Medium, else Low (ties share a rank); churned "
           f"customers Low; {UNKNOWN_VALUE} while the CLV is not published (clv_method none: "
           "no whole month of recurring revenue observed yet, or a buyer while the purchase "
           "model is not fitted). The CLV is each customer's by its method: subscription "
           "retention, the purchase model, or both summed",
           grain="customer, per partition day", periods="as of the partition day; weekly: "
           "customer_segments_weekly", seed="001"),
    Metric(name="behavioural_segment", table="customer_segments",
           formula="Churned (status Churned), else At-risk (churn_risk_level High or model "
           f"risk band High), else New (tenure < {NEW_CUSTOMER_DAYS} days), else Loyal",
           grain="customer, per partition day", periods="as of the partition day", seed="001"),
    Metric(name="lifecycle_segment", table="customer_segments",
           formula="by tenure_days: " + ", ".join(f"{stage} ({rule})"
                                                   for stage, rule in LIFECYCLE_RULES),
           grain="customer, per partition day", periods="as of the partition day", seed="001"),
    Metric(name="rfm_recency_score, rfm_frequency_score, rfm_monetary_score",
           table="customer_segments",
           formula="least(5, 1 + floor(5 x percent_rank)) among the customers not churned, "
           "over one set of purchase events: billing charges (subscription fees, renewals, "
           "add-on purchases) and fulfilled orders. Recency = days since the last purchase "
           "event (descending: recent = 5; the days observed when none), frequency = purchase "
           "events in 365 days, monetary = their value less refunds in 365 days (net revenue)",
           grain="customer, per partition day",
           filters="empty for churned customers; cancelled or returned orders, refunds and "
           "invoice payments are no purchase events", periods="365 days ending the partition day",
           seed="001"),
    Metric(name="priority_score (customer)", table="customer_segments",
           formula="100 x percent_rank of value_at_risk = max(predictive_clv, 0) x "
           "monthly_churn_probability among the customers not churned whose CLV is published; "
           "0 when churned, empty while the CLV is not published",
           grain="customer, per partition day", periods="as of the partition day", seed="001"),
]
