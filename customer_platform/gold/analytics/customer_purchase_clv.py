"""``gold.customer_purchase_clv``: every buying customer's purchase history as the CLV
libraries summarise it (frequency, recency, T, monetary value) and what the day's purchase
model predicts of them: purchases in the next 30, 90 and 365 days, the probability of still
being a customer, the expected order value and the discounted value of the next months.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import HORIZON_MONTHS, MONTHLY_DISCOUNT
from customer_platform.gold.analytics._model import model_table
from customer_platform.gold.analytics._purchase_model import CLV_MONTHS
from customer_platform.gold.base import GoldModel
from customer_platform.gold.metrics import Metric

PREDICTED = "; empty while the model is not fitted"


class CustomerPurchaseClv(GoldModel):
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    model_id: str = column("Purchase model of the day (clv_purchase_model.model_id)")
    first_purchase_date: dt.date = column("First day with a fulfilled order")
    frequency: int = column("Repeat purchase days: days with a fulfilled order after the "
                            "first", ge=0)
    recency_days: int = column("Days from the first to the last purchase day", ge=0)
    t_days: int = column("T: days from the first purchase day to D", ge=0)
    monetary_value: float = column("Mean value of the repeat purchase days (0 without one)")
    expected_purchases_30d: float = column("Purchase days expected in the next 30 days"
                                           + PREDICTED, nullable=True, ge=0.0)
    expected_purchases_90d: float = column("... in the next 90 days" + PREDICTED,
                                           nullable=True, ge=0.0)
    expected_purchases_365d: float = column("... in the next 365 days" + PREDICTED,
                                            nullable=True, ge=0.0)
    probability_alive: float = column("Probability the customer still buys (has not dropped "
                                      "out)" + PREDICTED, nullable=True, ge=0.0, le=1.0)
    expected_order_value: float = column(
        "Gamma-Gamma expected value of a purchase day: the customer's mean shrunk toward the "
        "population's" + PREDICTED, nullable=True)
    clv_12m: float = column(
        f"Discounted value of the next {CLV_MONTHS} months' expected purchases "
        f"({MONTHLY_DISCOUNT} a month)" + PREDICTED, nullable=True)
    clv_horizon: float = column(
        f"The same over the next {HORIZON_MONTHS} months (customer_clv's horizon, which it "
        "adds to the subscription value)" + PREDICTED, nullable=True)


CUSTOMER_PURCHASE_CLV = model_table(
    "customer_purchase_clv", CustomerPurchaseClv,
    "Purchase-based CLV per customer and day (beyond the seeds): each buying customer's "
    "recency, frequency, T and monetary value as known on D, and the BG/NBD and Gamma-Gamma "
    "predictions of the day's purchase model: expected purchases, probability alive, expected "
    f"order value and the discounted {CLV_MONTHS}-month value.",
    "one row per customer with a fulfilled order known by the partition day",
    ("customer_key",), sources=("gold.clv_purchase_model",), writer="clv_purchase_model",
    seed="004")  # customer_key is fact_order's, whose foreign key is checked there

#: Written by the clv_purchase_model asset, with the model (``clv_purchase_model.py``).
ASSETS: list = []

METRICS = [
    Metric(name="expected_purchases_30d, _90d, _365d", table="customer_purchase_clv",
           formula="BG/NBD conditional expectation (Fader, Hardie & Lee 2005, eq. 10) of "
           "the purchase days in the next t days given x = frequency, t_x = recency, T: "
           "[(a + b + x - 1) / (a - 1)] [1 - ((alpha + T) / (alpha + T + t))^(r + x) "
           "2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))] / [1 + [x > 0] "
           "(a / (b + x - 1)) ((alpha + T) / (alpha + t_x))^(r + x)], with the day's "
           "clv_purchase_model parameters (PyMC-Marketing's expected_purchases)",
           grain="buying customer, per partition day", periods="the next t days after D",
           seed="004"),
    Metric(name="probability_alive", table="customer_purchase_clv",
           formula="1 / [1 + [x > 0] (a / (b + x - 1)) ((alpha + T) / (alpha + t_x))^(r + x)]"
           " (Fader, Hardie & Lee 2008; PyMC-Marketing's expected_probability_alive): 1 for a "
           "customer with no repeat purchase, as BG/NBD lets drop-out follow a repeat purchase "
           "only", grain="buying customer, per partition day", periods="as of D", seed="004"),
    Metric(name="expected_order_value", table="customer_purchase_clv",
           formula="Gamma-Gamma (Fader & Hardie 2013, eq. 5): (1 - w) p v / (q - 1) + w "
           "monetary_value, w = p x / (p x + q - 1): the customer's mean repeat value shrunk "
           "toward the population mean, the population mean itself without a repeat purchase",
           grain="buying customer, per partition day", periods="as of D", seed="004"),
    Metric(name="clv_12m, clv_horizon", table="customer_purchase_clv",
           formula="sum over months m = 1..M of expected_order_value x (expected purchases in "
           f"30 m days - in 30 (m - 1) days) / (1 + {MONTHLY_DISCOUNT})^m, M = {CLV_MONTHS} "
           f"and {HORIZON_MONTHS} (PyMC-Marketing's customer_lifetime_value, 30-day months)",
           grain="buying customer, per partition day", periods="the next M months after D",
           seed="004"),
]
