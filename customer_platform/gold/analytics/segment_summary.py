"""``gold.segment_summary``: per scheme and segment, its size, revenue, average order value,
CLV, churn rate and priority score as of each day: how the segments perform, side by side. The
weekly view ``gold.segment_summary_weekly`` gives the weekly cadence.
"""

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import analytics_table
from customer_platform.gold.analytics._segments import with_weekly_view
from customer_platform.gold.base import GoldModel
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import DAY, exact_avg, exact_sum

#: The segmentation schemes: scheme -> its column of gold.customer_segments.
SCHEMES = {"traditional": "traditional_segment", "value": "value_segment",
           "behavioural": "behavioural_segment", "lifecycle": "lifecycle_segment"}


class SegmentSummary(GoldModel):
    scheme: str = column("Segmentation scheme: " + ", ".join(SCHEMES), isin=list(SCHEMES))
    segment: str = column("Segment within the scheme")
    customers: int = column("Customers in the segment on D (churned ones included)", ge=0)
    active_customers: int = column("Of those, not churned", ge=0)
    churned_customers_30d: int = column("Customers of the segment that churned in the 30 days "
                                        "ending D", ge=0)
    churn_rate_30d: float = column("churned_customers_30d / (active_customers + "
                                   "churned_customers_30d)",
                                   nullable=True, ge=0.0, le=1.0)
    expected_churn_rate: float = column("Average monthly churn probability of the active "
                                        "customers (the model's, or the CLV default)",
                                        nullable=True, ge=0.0, le=1.0)
    revenue_30d: float = column("Net revenue of the last 30 days")
    revenue_365d: float = column("Net revenue of the last 365 days")
    orders_365d: int = column("Fulfilled orders in the last 365 days", ge=0)
    average_order_value: float = column("Fulfilled order value / fulfilled orders over 365 "
                                        "days; empty without orders", nullable=True)
    avg_predictive_clv: float = column("Average predictive CLV of the active customers whose "
                                       "CLV is published", nullable=True)
    total_predictive_clv: float = column("Sum of the published predictive CLVs; empty when "
                                         "none is published", nullable=True)
    value_at_risk: float = column("Sum of the customers' known value at risk; empty when "
                                  "none is known", nullable=True, ge=0.0)
    priority_score: float = column("0-100: value at risk relative to the largest segment of "
                                   "the scheme", nullable=True, ge=0.0, le=100.0)


_LONG = " UNION ALL ".join(f"SELECT '{scheme}' AS scheme, {col} AS segment, * "
                           "FROM gold.customer_segments WHERE load_date = $day"
                           for scheme, col in SCHEMES.items())

ACTIVE = "status <> 'Churned'"

SUMMARY_SQL = f"""
SELECT scheme, segment, count(*) AS customers,
       count(*) FILTER (WHERE {ACTIVE}) AS active_customers,
       count(*) FILTER (WHERE churned_last_30d) AS churned_customers_30d,
       churned_customers_30d / nullif(active_customers + churned_customers_30d, 0)
           AS churn_rate_30d,
       {exact_avg("monthly_churn_probability", ACTIVE)} AS expected_churn_rate,
       {exact_sum("net_revenue_30d")} AS revenue_30d,
       {exact_sum("net_revenue_365d")} AS revenue_365d,
       sum(completed_orders_365d) AS orders_365d,
       {exact_sum("order_value_365d")} / nullif(sum(completed_orders_365d), 0)
           AS average_order_value,
       {exact_avg("predictive_clv", ACTIVE)} AS avg_predictive_clv,
       {exact_sum("predictive_clv")} AS total_predictive_clv,
       {exact_sum("value_at_risk")} AS value_at_risk,
       round(100 * {exact_sum("value_at_risk")} / nullif(max({exact_sum("value_at_risk")})
           OVER (PARTITION BY scheme), 0), 1) AS priority_score,
       {DAY} AS load_date, {DAY} AS update_date, 'analytics' AS source_system
FROM ({_LONG})
GROUP BY scheme, segment
"""

SEGMENT_SUMMARY = analytics_table(
    name="segment_summary",
    model=SegmentSummary,
    description="Segment performance (seeds 001 and 004): per scheme and segment, its size, "
    "revenue, average order value, CLV, churn rate and priority score as of each day "
    "(weekly cadence: the view gold.segment_summary_weekly).",
    primary_key=("scheme", "segment"),
    foreign_keys=(),
    sources=("gold.customer_segments",),
    grain="one row per scheme x segment present on the partition day",
    sql=SUMMARY_SQL,
    after_write=with_weekly_view,
)

METRICS = [
    Metric(name="priority_score (segment)", table="segment_summary",
           formula="100 x the segment's sum of value_at_risk / the largest such sum among the "
           "segments of the same scheme", grain="scheme x segment, per partition day",
           periods="as of the partition day", seed="001"),
    Metric(name="average_order_value", table="segment_summary",
           formula="sum(order_value_365d) / sum(completed_orders_365d) of the segment's "
           "customers (fulfilled orders only)", grain="scheme x segment, per partition day",
           filters="empty without fulfilled orders", periods="365 days ending the partition day",
           seed="004"),
    Metric(name="churn_rate_30d", table="segment_summary",
           formula="customers of the segment whose status became Churned in the 30 days ending "
           "D / (active customers + those churned)", grain="scheme x segment, per partition day",
           filters="a churned customer counts in the segment it is in on D (value: Low)",
           periods="30 days ending the partition day", seed="001"),
]
