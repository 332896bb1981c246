"""gold.customer_clv: customer lifetime value, historical and predictive (seed 004).

Method (a retention-based formula, documented in docs/metrics.md):

- ``monthly_value`` m: the customer's average monthly net revenue over the last 90 days
  (recurring + add-on revenue + fulfilled order value - refunds, per observed day x 30).
- ``monthly_churn_probability`` p: the churn model's probability for the customer on D
  (gold.churn_scores), converted to a 30-day probability when the model's horizon is not 30
  days (``1 - (1 - p) ** (30 / horizon)``); ``DEFAULT_MONTHLY_CHURN`` while no model is
  trained yet (the first horizon of the warehouse); 1 for a churned customer.
- ``predictive_clv`` = sum over the next ``HORIZON_MONTHS`` months t of m * r^t / (1 + d)^t,
  with retention r = 1 - p and monthly discount rate d = ``MONTHLY_DISCOUNT``:
  m * q * (1 - q^H) / (1 - q) with q = r / (1 + d).
- ``historical_revenue_365d``: what the customer brought in the last 365 days (the window the
  platform keeps), and ``historical_clv``: the lifetime revenue to date, estimated as the
  average monthly net revenue of that window times the months of tenure (history older than a
  year is not re-read every day).
"""

from customer_platform.analytics.common import DAY, analytics_table
from customer_platform.analytics.features import obs
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel
from customer_platform.gold.metrics import Metric

HORIZON_MONTHS = 36
MONTHLY_DISCOUNT = 0.01  # about 12.7% a year
DEFAULT_MONTHLY_CHURN = 0.02  # until the first model is trained


class CustomerClv(GoldModel):
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    status: str = column("CRM status on D")
    tenure_days: int = column("Days from signup to D", ge=0)
    historical_revenue_365d: float = column("Net revenue of the last 365 days (recurring + "
                                            "add-on + fulfilled orders - refunds)")
    historical_clv: float = column("Estimated lifetime revenue to date: average monthly net "
                                   "revenue over the 365-day window x months of tenure")
    monthly_value: float = column("Average monthly net revenue over the last 90 days (m)")
    monthly_churn_probability: float = column(
        "Probability of churning within a month used (p): the churn model's, the default "
        "while no model is trained, 1 when churned", ge=0.0, le=1.0)
    probability_source: str = column("model, default (no model trained yet) or churned",
                                     isin=["model", "default", "churned"])
    monthly_retention: float = column("r = 1 - p", ge=0.0, le=1.0)
    expected_lifetime_months: float = column(
        f"Expected months retained within the next {HORIZON_MONTHS}: sum of r^t", ge=0.0)
    predictive_clv: float = column(
        f"Discounted value of the next {HORIZON_MONTHS} months: sum of m r^t / (1+d)^t")


Q = f"(monthly_retention / (1 + {MONTHLY_DISCOUNT}))"

CLV_SQL = f"""
WITH scores AS (
    SELECT customer_key, churn_probability, horizon_days
    FROM gold.churn_scores WHERE load_date = {DAY} AND churn_probability IS NOT NULL
), base AS (
    SELECT c.customer_key, c.customer_id, c.status, c.tenure_days, c.net_revenue_365d,
           c.net_revenue_365d / {obs(365)} * 30
               AS monthly_revenue_365d,
           c.monthly_revenue_90d,
           CASE WHEN c.status = 'Churned' THEN 1.0
                WHEN s.churn_probability IS NOT NULL
                THEN 1 - pow(1 - s.churn_probability, 30.0 / s.horizon_days)
                ELSE {DEFAULT_MONTHLY_CHURN} END AS monthly_churn_probability,
           CASE WHEN c.status = 'Churned' THEN 'churned'
                WHEN s.churn_probability IS NOT NULL THEN 'model' ELSE 'default' END
               AS probability_source
    FROM gold.customer_360 c LEFT JOIN scores s USING (customer_key)
    WHERE c.load_date = {DAY}
)
SELECT customer_key, customer_id, status, tenure_days,
       net_revenue_365d AS historical_revenue_365d,
       monthly_revenue_365d * tenure_days / 30.0 AS historical_clv,
       monthly_revenue_90d AS monthly_value,
       monthly_churn_probability, probability_source,
       1 - monthly_churn_probability AS monthly_retention,
       CASE WHEN monthly_retention >= 1 THEN {HORIZON_MONTHS}
            ELSE monthly_retention * (1 - pow(monthly_retention, {HORIZON_MONTHS}))
                 / (1 - monthly_retention) END AS expected_lifetime_months,
       monthly_value * {Q} * (1 - pow({Q}, {HORIZON_MONTHS})) / (1 - {Q}) AS predictive_clv,
       {DAY} AS load_date, {DAY} AS update_date, 'analytics' AS source_system
FROM base
"""

CUSTOMER_CLV = analytics_table(
    name="customer_clv",
    model=CustomerClv,
    description="Customer lifetime value per customer and day (seed 004): historical (revenue "
    "of the last year, lifetime revenue to date) and predictive (retention-based: the next "
    f"{HORIZON_MONTHS} months of monthly value, retained with the churn model's probability "
    "and discounted); the basis of the value-based segments.",
    seed="004",
    sources=("gold.customer_360", "gold.churn_scores"),
    grain="one row per customer of customer_360 on the partition day",
    sql=CLV_SQL,
)

METRICS = [
    Metric(
        name="predictive_clv",
        table="customer_clv",
        formula=f"m * q * (1 - q^{HORIZON_MONTHS}) / (1 - q), q = r / (1 + d): the sum over "
        f"the next {HORIZON_MONTHS} months t of m r^t / (1 + d)^t, with m = monthly_value "
        "(net revenue of the last 90 days per observed day x 30), r = 1 - p where p is the "
        "churn model's probability converted to 30 days (1 - (1 - p)^(30 / horizon)), "
        f"{DEFAULT_MONTHLY_CHURN} while no model is trained, 1 once churned; d = "
        f"{MONTHLY_DISCOUNT} a month",
        grain="customer, per partition day",
        filters="every customer of customer_360 (a churned customer's is 0)",
        periods="as of the partition day",
        seed="004",
    ),
    Metric(
        name="historical_clv",
        table="customer_clv",
        formula="net_revenue_365d per observed day x 30 x tenure_days / 30: the lifetime "
        "revenue to date estimated from the last year's monthly average (older history is "
        "not re-read daily); historical_revenue_365d is the year's actual net revenue",
        grain="customer, per partition day",
        periods="as of the partition day (365-day window)",
        seed="004",
    ),
]
