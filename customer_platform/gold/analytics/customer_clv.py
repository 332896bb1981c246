"""``gold.customer_clv``: customer lifetime value per customer and day, historical (what the
customer brought in) and predictive, by the method that fits each kind of revenue: recurring
revenue by retention (the next months of the monthly value, retained with the churn model's
probability and discounted), purchases by the purchase model (BG/NBD and Gamma-Gamma,
``customer_purchase_clv``), summed when a customer has both; the basis of the value-based
segments. The formulas are the ``METRICS`` below (docs/metrics.md); a value is published only
once each of its parts is known, never scaled up from a few days.
"""

from customer_platform import scope
from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import (
    HORIZON_MONTHS,
    LONGEST_WINDOW,
    MONTHLY_DISCOUNT,
    analytics_table,
    history_start_sql,
)
from customer_platform.gold.analytics._features import obs
from customer_platform.gold.analytics.customer_daily_summary import MEASURES
from customer_platform.gold.base import GoldModel
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import DAY, exact_sum

DEFAULT_MONTHLY_CHURN = 0.02  # until the first model is trained
#: The monthly value averages the recurring revenue of at most this many whole months ...
VALUE_MONTHS = 3
#: ... and is published from this many on.
MIN_VALUE_MONTHS = 1
#: Days of daily summaries those months can span (D included): 3 months + D's month.
VALUE_LOOKBACK_DAYS = 31 * (VALUE_MONTHS + 1)
VALUE_METHODS = ("whole_months", "insufficient_history", "churned")
#: The daily-summary measure m averages: the recurring revenue where billing is declared;
#: a company without billing has no subscription revenue, so its fulfilled order value (for
#: the historical value only: its future is the purchase model's).
VALUE_MEASURE = next((m for m in ("recurring_revenue", "order_value")
                      if m in {x.name for x in MEASURES}), "recurring_revenue")
#: The methods of the predictive value: which parts apply in this deployment ...
SUBSCRIPTIONS = VALUE_MEASURE == "recurring_revenue"
PURCHASES = scope.built("gold.customer_purchase_clv")
#: ... and which one each customer's value comes from (none: a part that applies is unknown).
CLV_METHODS = ("subscription_retention", "purchase_model", "both", "none")


class CustomerClv(GoldModel):
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    status: str = column("CRM status on D")
    tenure_days: int = column("Days from signup to D", ge=0)
    historical_revenue_365d: float = column("Net revenue of the last 365 days (recurring + "
                                            "add-on + fulfilled orders - refunds)")
    historical_clv: float = column(
        "Estimated lifetime revenue to date: historical_revenue_365d + the tenure the window "
        "does not see x monthly_value / 30; empty when some tenure is unseen and no "
        "monthly_value is published", nullable=True)
    months_observed: int = column(
        f"Whole calendar months (at most {VALUE_MONTHS}, ending by D, begun on or after the "
        "warehouse's first day and the signup) monthly_value averages", ge=0, le=VALUE_MONTHS)
    monthly_value: float = column(
        "Recurring revenue (subscription fees and renewals) per whole month observed (m); "
        f"empty with fewer than {MIN_VALUE_MONTHS} whole month(s)", nullable=True)
    value_method: str = column(
        "whole_months (m published), insufficient_history (fewer than "
        f"{MIN_VALUE_MONTHS} whole month(s) observed: m empty) or churned (subscription value "
        "0)", isin=list(VALUE_METHODS))
    monthly_churn_probability: float = column(
        "Probability of churning within a month used (p): the churn model's, the default "
        "while no model is trained, 1 when churned", ge=0.0, le=1.0)
    probability_source: str = column("model, default (no model trained yet) or churned",
                                     isin=["model", "default", "churned"])
    monthly_retention: float = column("r = 1 - p", ge=0.0, le=1.0)
    expected_lifetime_months: float = column(
        f"Expected months retained within the next {HORIZON_MONTHS}: sum of r^t", ge=0.0)
    subscription_clv: float = column(
        f"Retention-based value of the recurring revenue over the next {HORIZON_MONTHS} "
        "months: sum of m r^t / (1+d)^t; 0 when churned, empty when m is not published or the "
        "deployment has no billing (no recurring revenue)", nullable=True)
    purchase_clv: float = column(
        f"Purchase model's discounted value of the next {HORIZON_MONTHS} months' purchases "
        "(customer_purchase_clv.clv_horizon); empty for a customer with no fulfilled order, "
        "while the purchase model is not fitted, or without commerce", nullable=True)
    clv_method: str = column(
        "Where predictive_clv comes from: subscription_retention, purchase_model, both "
        "(summed), or none (a part that applies is unknown yet: predictive_clv empty)",
        isin=list(CLV_METHODS))
    predictive_clv: float = column(
        "Predictive CLV: subscription_clv, purchase_clv or their sum as clv_method says; empty "
        "when clv_method is none", nullable=True)


#: r / (1 + d), the retained and discounted share of a month.
Q = f"((1 - monthly_churn_probability) / (1 + {MONTHLY_DISCOUNT}))"
#: The first day after the last whole month by D, and the first day of the months m may read.
VALUE_TO = f"CAST(date_trunc('month', {DAY} + 1) AS DATE)"
VALUE_FROM = f"CAST({VALUE_TO} - INTERVAL {VALUE_MONTHS} MONTH AS DATE)"


def first_whole_month(day: str) -> str:
    """SQL: the first day of the first calendar month that begins on or after ``day``."""
    return f"CAST(date_trunc('month', {day} - 1) + INTERVAL 1 MONTH AS DATE)"


def tenure_unseen() -> str:
    """SQL: the days of the customer's tenure (signup to D) that the 365-day revenue window
    does not see: before the warehouse's first day, or older than the window."""
    return f"tenure_days + 1 - {obs(LONGEST_WINDOW)}"


#: The retention-based value of the recurring revenue (none without billing).
SUBSCRIPTION_CLV = (f"CASE WHEN b.status = 'Churned' THEN 0.0 ELSE b.monthly_value * {Q} * "
                    f"(1 - pow({Q}, {HORIZON_MONTHS})) / (1 - {Q}) END" if SUBSCRIPTIONS
                    else "NULL::DOUBLE")
#: The purchase model's value of each buying customer on D (none without commerce).
PURCHASE_VALUES = ("purchase_values AS (SELECT customer_key, clv_horizon AS purchase_clv "
                   f"FROM gold.customer_purchase_clv WHERE load_date = {DAY})" if PURCHASES else
                   "purchase_values AS (SELECT NULL::VARCHAR AS customer_key, "
                   "NULL::DOUBLE AS purchase_clv WHERE FALSE)")

CLV_SQL = f"""
WITH {PURCHASE_VALUES}, scores AS (
    SELECT customer_key, churn_probability, horizon_days
    FROM gold.churn_scores WHERE load_date = {DAY} AND churn_probability IS NOT NULL
), customers AS (
    SELECT customer_key, customer_id, status, tenure_days, net_revenue_365d,
           greatest({tenure_unseen()}, 0) AS unseen_days,
           greatest({VALUE_FROM},
                    {first_whole_month(f"greatest({history_start_sql()}, signup_date)")})
               AS value_from
    FROM gold.customer_360 WHERE load_date = {DAY}
), recurring AS (  -- the recurring revenue of each customer's whole months
    SELECT c.customer_key, {exact_sum(f"s.{VALUE_MEASURE}")} AS recurring_revenue
    FROM customers c JOIN gold.customer_daily_summary s USING (customer_key)
    WHERE s.load_date BETWEEN {DAY} - {VALUE_LOOKBACK_DAYS - 1} AND {DAY}
      AND s.activity_date >= c.value_from AND s.activity_date < {VALUE_TO}
    GROUP BY c.customer_key
), base AS (
    SELECT c.*, greatest(date_diff('month', c.value_from, {VALUE_TO}), 0) AS months_observed,
           CASE WHEN months_observed >= {MIN_VALUE_MONTHS}
                THEN coalesce(r.recurring_revenue, 0) / months_observed END AS monthly_value,
           CASE WHEN c.status = 'Churned' THEN 1.0
                WHEN s.churn_probability IS NOT NULL
                THEN 1 - pow(1 - s.churn_probability, 30.0 / s.horizon_days)
                ELSE {DEFAULT_MONTHLY_CHURN} END AS monthly_churn_probability,
           CASE WHEN c.status = 'Churned' THEN 'churned'
                WHEN s.churn_probability IS NOT NULL THEN 'model' ELSE 'default' END
               AS probability_source
    FROM customers c LEFT JOIN recurring r USING (customer_key)
    LEFT JOIN scores s USING (customer_key)
), valued AS (
    SELECT b.*,
           {SUBSCRIPTION_CLV} AS subscription_clv,
           p.customer_key IS NOT NULL AS is_buyer, p.purchase_clv
    FROM base b LEFT JOIN purchase_values p USING (customer_key)
), methods AS (
    SELECT *,
           CASE WHEN {"subscription_clv IS NULL OR" if SUBSCRIPTIONS else ""}
                     (is_buyer AND purchase_clv IS NULL) THEN 'none'
                WHEN subscription_clv IS NOT NULL AND is_buyer THEN 'both'
                WHEN subscription_clv IS NOT NULL THEN 'subscription_retention'
                WHEN is_buyer THEN 'purchase_model'
                ELSE 'none' END AS clv_method
    FROM valued
)
SELECT customer_key, customer_id, status, tenure_days,
       net_revenue_365d AS historical_revenue_365d,
       net_revenue_365d + CASE WHEN unseen_days = 0 THEN 0
                               ELSE monthly_value * unseen_days / 30.0 END AS historical_clv,
       months_observed, monthly_value,
       CASE WHEN status = 'Churned' THEN 'churned'
            WHEN monthly_value IS NULL THEN 'insufficient_history'
            ELSE 'whole_months' END AS value_method,
       monthly_churn_probability, probability_source,
       1 - monthly_churn_probability AS monthly_retention,
       CASE WHEN monthly_retention >= 1 THEN {HORIZON_MONTHS}
            ELSE monthly_retention * (1 - pow(monthly_retention, {HORIZON_MONTHS}))
                 / (1 - monthly_retention) END AS expected_lifetime_months,
       subscription_clv, purchase_clv, clv_method,
       CASE clv_method WHEN 'both' THEN subscription_clv + purchase_clv
                       WHEN 'subscription_retention' THEN subscription_clv
                       WHEN 'purchase_model' THEN purchase_clv END AS predictive_clv,
       {DAY} AS load_date, {DAY} AS update_date, 'analytics' AS source_system
FROM methods
"""

CUSTOMER_CLV = analytics_table(
    name="customer_clv",
    model=CustomerClv,
    description="Customer lifetime value per customer and day: historical (revenue "
    "of the last year, lifetime revenue to date) and predictive over the next "
    f"{HORIZON_MONTHS} months, by the method made for each kind of revenue (clv_method): "
    "recurring revenue retained with the churn model's probability and discounted, "
    "purchases by the BG/NBD and Gamma-Gamma purchase model, summed when a customer has "
    "both; published once each part is known; the basis of the value-based segments.",
    seed="004",
    # without billing or commerce there is no revenue to value: left out (needs billing)
    sources=("gold.customer_360", "gold.customer_daily_summary", "gold.churn_scores",
             *(() if VALUE_MEASURE in {m.name for m in MEASURES} else ("gold.fact_billing",)),
             *(("gold.customer_purchase_clv",) if PURCHASES else ())),
    source_windows=(("gold.customer_daily_summary", (-(VALUE_LOOKBACK_DAYS - 1), 0)),),
    grain="one row per customer of customer_360 on the partition day",
    sql=CLV_SQL,
    plan_per_day=True,  # correlated on a range's days: 0.29 -> 0.90 s for 14 days
)

METRICS = [
    Metric(
        name="monthly_value",
        table="customer_clv",
        formula="m = recurring revenue (subscription fees + renewals of fact_billing) of the "
        f"last whole calendar months, at most {VALUE_MONTHS}, / their number (months_observed)"
        "; a whole month begins on or after the warehouse's first day and the customer's "
        "signup and ends by D. Add-ons, orders and refunds are one-off: not in m. A "
        "deployment without billing (no subscription revenue) averages the fulfilled order "
        "value of fact_order instead",
        grain="customer, per partition day",
        filters=f"empty (value_method insufficient_history) with fewer than {MIN_VALUE_MONTHS} "
        "whole month(s): a young warehouse or a new customer has no estimate rather than a few "
        "days scaled up",
        periods=f"the last {VALUE_MONTHS} whole calendar months ending by the partition day",
        seed="004",
    ),
    Metric(
        name="subscription_clv",
        table="customer_clv",
        formula=f"m * q * (1 - q^{HORIZON_MONTHS}) / (1 - q), q = r / (1 + d): the sum over "
        f"the next {HORIZON_MONTHS} months t of m r^t / (1 + d)^t, with m = monthly_value, "
        "r = 1 - p where p is the churn model's probability converted to 30 days "
        f"(1 - (1 - p)^(30 / horizon)), {DEFAULT_MONTHLY_CHURN} while no model is trained, "
        f"1 once churned; d = {MONTHLY_DISCOUNT} a month",
        grain="customer, per partition day",
        filters="every customer of customer_360 where billing is declared: 0 once churned, "
        "empty while m is not published (value_method says which); empty without billing",
        periods="as of the partition day",
        seed="004",
    ),
    Metric(
        name="predictive_clv",
        table="customer_clv",
        formula="the value of each kind of revenue by the method made for it, summed: "
        "subscription_clv (retention of the recurring revenue) + purchase_clv (the purchase "
        "model's clv_horizon of customer_purchase_clv: BG/NBD expected purchases x "
        f"Gamma-Gamma order value, discounted at {MONTHLY_DISCOUNT} a month over "
        f"{HORIZON_MONTHS} months). A part applies to a customer when the deployment has "
        "billing (subscription) and when the customer has a fulfilled order known by D "
        "(purchase); clv_method names the parts summed: subscription_retention, "
        "purchase_model or both",
        grain="customer, per partition day",
        filters="empty (clv_method none) when a part that applies is unknown (m not "
        "published, or the purchase model not fitted on D) or none applies (no billing and "
        "no order yet): an unknown part is never counted as 0",
        periods=f"the next {HORIZON_MONTHS} months after the partition day",
        seed="004",
    ),
    Metric(
        name="historical_clv",
        table="customer_clv",
        formula="historical_revenue_365d (the year's actual net revenue, one-off revenue "
        "included) + m x the tenure days the window does not see (before the warehouse's "
        "first day or older than 365 days) / 30",
        grain="customer, per partition day",
        filters="equal to historical_revenue_365d when the whole tenure is observed; empty "
        "when some is not and m is not published",
        periods="as of the partition day (365-day window)",
        seed="004",
    ),
]
