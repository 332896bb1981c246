"""Customer segmentation (seed 001): every scheme, each rule written once, and the summary.

``gold.customer_segments`` gives each customer of customer_360, per day, a segment in every
scheme seed 001 names, plus RFM scores and a prioritisation score; ``gold.segment_summary``
gives each segment's size, revenue, average order value (seed 004), CLV, churn rate and
priority score. The rules (also in docs/metrics.md, rendered from ``METRICS``):

- **traditional**: the CRM segment (Residential, SMB, Enterprise, Government) as of D.
- **value** (High / Medium / Low): by predictive CLV (customer_clv) among the customers not
  churned whose CLV is published: the top 20% High, the next 30% Medium, the rest Low (ties
  share a percentile); a churned customer is Low; a customer without a published CLV (fewer
  than a whole month of recurring revenue observed) is Unknown, never ranked on a guess.
- **behavioural**: Churned (CRM status Churned), else At-risk (rule-based churn-risk level
  High, or the model's risk band High), else New (tenure under 90 days), else Loyal.
- **lifecycle**: by tenure: Onboarding (< 90 days), Growing (< 1 year), Mature (< 3 years),
  Veteran.
- **RFM**: one set of purchase events for all three: billing charges (subscription fees,
  renewals, add-on purchases of fact_billing) and fulfilled orders (fact_order; cancelled and
  returned orders count nowhere). Recency: days since the last purchase event; frequency:
  purchase events in 365 days; monetary: their value in 365 days less refunds (net revenue;
  a refund gives part of a purchase back, it is no purchase). Invoices are left out: they
  bill the fees already counted, and a payment is not a purchase. Each is scored 1-5 by
  quintile among the customers not churned (5 = most recent / most / highest).
- **priority score** (0-100): the percentile of the customer's value at risk (predictive CLV,
  when positive, x monthly churn probability) among the customers not churned whose CLV is
  published (unknown otherwise); a segment's priority score is its value at risk relative to
  the largest segment of the same scheme.

Seed 001 updates segmentation weekly: the daily partitions stay the backbone (the sensor keeps
them fresh), and the views ``gold.customer_segments_weekly`` and ``gold.segment_summary_weekly``
give the weekly cadence: the segmentation as of each week's last day (Sunday).
"""

import datetime as dt

from customer_platform.analytics.common import DAY, analytics_table
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable, run_gold_sql
from customer_platform.gold.metrics import Metric
from customer_platform.resources import Warehouse

# -- the rules, over customer_360's columns ----------------------------------------------------


def _case(rules) -> str:
    """SQL: the name of the first (name, condition) rule that holds."""
    return "CASE " + " ".join(f"WHEN {rule} THEN '{name}'" for name, rule in rules) + " END"


LIFECYCLE_RULES = (("Onboarding", "tenure_days < 90"), ("Growing", "tenure_days < 365"),
                   ("Mature", "tenure_days < 1095"), ("Veteran", "TRUE"))
LIFECYCLE_STAGE = _case(LIFECYCLE_RULES)
RISK_RULES = (("Churned", "status = 'Churned'"),
              ("High", "is_inactive_status OR early_warning_count >= 3"),
              ("Medium", "early_warning_count >= 1"), ("Low", "TRUE"))
RISK_LEVEL = _case(RISK_RULES)
#: value segment: lowest percentile of predictive CLV for each segment (customers not churned
#: with a published CLV); UNKNOWN_VALUE for those without
VALUE_RULES = (("High", 0.8), ("Medium", 0.5), ("Low", 0.0))
UNKNOWN_VALUE = "Unknown"
NEW_CUSTOMER_DAYS = 90
BEHAVIOUR_RULES = (("Churned", "NOT is_active"),
                   ("At-risk", "churn_risk_level = 'High' OR coalesce(risk_band = 'High', FALSE)"),
                   ("New", f"tenure_days < {NEW_CUSTOMER_DAYS}"), ("Loyal", "TRUE"))
SCHEMES = {"traditional": "traditional_segment", "value": "value_segment",
           "behavioural": "behavioural_segment", "lifecycle": "lifecycle_segment"}


def _quintile(order: str) -> str:
    """SQL: 1-5 by quintile of ``order`` among the customers not churned (ties share)."""
    return (f"CASE WHEN is_active THEN least(5, 1 + floor(5 * percent_rank() OVER ("
            f"PARTITION BY is_active ORDER BY {order}))) END")


def _rank_known(value: str) -> str:
    """SQL: percent_rank of ``value`` among the customers not churned whose ``value`` is
    known (an unknown one is ranked among the unknown, and its rank is never used)."""
    return (f"percent_rank() OVER (PARTITION BY is_active, {value} IS NULL "
            f"ORDER BY {value})")


class CustomerSegments(GoldModel):
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    status: str = column("CRM status on D")
    traditional_segment: str = column("Residential, SMB, Enterprise or Government")
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
           v.predictive_clv, v.monthly_churn_probability, s.risk_band,
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
           {_rank_known("predictive_clv")} AS clv_rank,
           {_quintile("purchase_recency_days DESC")} AS rfm_recency_score,
           {_quintile("purchases_365d")} AS rfm_frequency_score,
           {_quintile("net_revenue_365d")} AS rfm_monetary_score,
           {_rank_known("value_at_risk")} AS risk_rank
    FROM base
)
SELECT customer_key, customer_id, status,
       customer_segment AS traditional_segment,
       CASE WHEN NOT is_active THEN 'Low'
            WHEN predictive_clv IS NULL THEN '{UNKNOWN_VALUE}' {" ".join(
           f"WHEN clv_rank >= {floor} THEN '{name}'" for name, floor in VALUE_RULES)} END
           AS value_segment,
       {_case(BEHAVIOUR_RULES)} AS behavioural_segment,
       lifecycle_stage AS lifecycle_segment,
       purchase_recency_days, purchases_365d,
       rfm_recency_score, rfm_frequency_score, rfm_monetary_score,
       CAST(rfm_recency_score AS INTEGER) || CAST(rfm_frequency_score AS INTEGER)
           || CAST(rfm_monetary_score AS INTEGER) AS rfm_score,
       predictive_clv, monthly_churn_probability, risk_band, value_at_risk,
       CASE WHEN NOT is_active THEN 0 WHEN value_at_risk IS NOT NULL
            THEN round(100 * risk_rank, 1) END AS priority_score,
       net_revenue_30d, net_revenue_365d, completed_orders_365d, order_value_365d,
       churned_last_30d,
       {DAY} AS load_date, {DAY} AS update_date, 'analytics' AS source_system
FROM ranked
"""


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
                                        "days (seed 004); empty without orders", nullable=True)
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

SUMMARY_SQL = f"""
SELECT scheme, segment, count(*) AS customers,
       count(*) FILTER (WHERE status <> 'Churned') AS active_customers,
       count(*) FILTER (WHERE churned_last_30d) AS churned_customers_30d,
       churned_customers_30d / nullif(active_customers + churned_customers_30d, 0)
           AS churn_rate_30d,
       avg(monthly_churn_probability) FILTER (WHERE status <> 'Churned') AS expected_churn_rate,
       sum(net_revenue_30d) AS revenue_30d, sum(net_revenue_365d) AS revenue_365d,
       sum(completed_orders_365d) AS orders_365d,
       sum(order_value_365d) / nullif(sum(completed_orders_365d), 0) AS average_order_value,
       avg(predictive_clv) FILTER (WHERE status <> 'Churned') AS avg_predictive_clv,
       sum(predictive_clv) AS total_predictive_clv,
       sum(value_at_risk) AS value_at_risk,
       round(100 * sum(value_at_risk) / nullif(max(sum(value_at_risk)) OVER (
           PARTITION BY scheme), 0), 1) AS priority_score,
       {DAY} AS load_date, {DAY} AS update_date, 'analytics' AS source_system
FROM ({_LONG})
GROUP BY scheme, segment
"""

CUSTOMER_SEGMENTS = analytics_table(
    name="customer_segments",
    model=CustomerSegments,
    description="Customer segmentation (seed 001): each customer's traditional, value-based, "
    "behavioural and lifecycle segment, RFM scores and prioritisation score as of each day "
    "(weekly cadence: the view gold.customer_segments_weekly).",
    sources=("gold.customer_360", "gold.customer_clv", "gold.churn_scores"),
    grain="one row per customer of customer_360 on the partition day",
    sql=SEGMENTS_SQL,
)

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
)


def with_weekly_view(warehouse: Warehouse, table: GoldTable, day: dt.date):
    """Write the day, then (re)create ``gold.<table>_weekly``: the rows of each week's last day
    (ISO: Sunday), seed 001's weekly segmentation."""
    rows, results = run_gold_sql(warehouse, table, day)
    with warehouse.get_connection() as con:
        warehouse.define(con, f"CREATE OR REPLACE VIEW gold.{table.name}_weekly AS SELECT "
                         f"load_date AS week_ending, * FROM gold.{table.name} "
                         "WHERE isodow(load_date) = 7")
    return rows, results


METRICS = [
    Metric(name="value_segment", table="customer_segments",
           formula="percent_rank of predictive_clv among the customers not churned whose CLV "
           "is published: >= 0.8 High, >= 0.5 Medium, else Low (ties share a rank); churned "
           f"customers Low; {UNKNOWN_VALUE} while the CLV is not published (value_method "
           "insufficient_history: no whole month of recurring revenue observed yet)",
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
    Metric(name="churn_risk_level", table="customer_360",
           formula="rule-based, first match: " + ", ".join(
               f"{level} ({rule})" for level, rule in RISK_RULES),
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
