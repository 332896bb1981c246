"""``gold.clv_purchase_calibration``: the purchase model's calibration/holdout chart of the day,
the standard check of a BG/NBD fit. The model is fitted again on the history up to D - 90
days, predicts each customer's purchases in the 90 days after, and the prediction is set
against what those customers then bought, averaged by their number of calibration purchases.
"""

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._model import model_table
from customer_platform.gold.analytics._purchase_model import CALIBRATION_GROUPS, HOLDOUT_DAYS
from customer_platform.gold.base import GoldModel


class ClvPurchaseCalibration(GoldModel):
    calibration_purchases: int = column(
        f"Repeat purchase days in the calibration period (up to D - {HOLDOUT_DAYS}); "
        f"{CALIBRATION_GROUPS} stands for {CALIBRATION_GROUPS} or more", ge=0,
        le=CALIBRATION_GROUPS)
    customers: int = column("Customers with that many calibration purchases", ge=1)
    predicted_purchases: float = column(
        f"Mean purchase days predicted for the {HOLDOUT_DAYS} holdout days", ge=0.0)
    actual_purchases: float = column(
        f"Mean purchase days those customers made in the {HOLDOUT_DAYS} holdout days", ge=0.0)


CLV_PURCHASE_CALIBRATION = model_table(
    "clv_purchase_calibration", ClvPurchaseCalibration,
    "The purchase model's calibration/holdout chart (beyond the seeds): fitted on the history "
    f"up to D - {HOLDOUT_DAYS}, predicted against actual purchases in the {HOLDOUT_DAYS} days "
    "after, by number of calibration purchases; empty until the history is long enough.",
    f"one row per number of calibration purchases (0..{CALIBRATION_GROUPS}+) on the partition "
    "day", ("calibration_purchases",), sources=("gold.clv_purchase_model",),
    writer="clv_purchase_model", seed="004")

#: Written by the clv_purchase_model asset, with the model (``clv_purchase_model.py``).
ASSETS: list = []
