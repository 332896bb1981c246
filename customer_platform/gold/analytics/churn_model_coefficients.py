"""``gold.churn_model_coefficients``: the parameters of the day's scoring model per feature
(preparation, fill value, standardisation, coefficient and the weight per prepared unit), so the
scores are plain SQL and every weight can be read.
"""

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._model import model_table
from customer_platform.gold.base import GoldModel


class ChurnModelCoefficient(GoldModel):
    model_id: str = column("Model (gold.churn_model.model_id)")
    feature: str = column("Feature name (docs/churn_features.md)")
    scaling: str = column("Preparation: log, ratio, flag or linear")
    fill_value: float = column("Value of a null prepared feature (training median)")
    center: float = column("Mean of the prepared feature in training")
    scale: float = column("Standard deviation of the prepared feature in training", gt=0.0)
    coefficient: float = column("Coefficient on the standardised feature (its importance)")
    weight: float = column("coefficient / scale: the weight per prepared unit used in SQL")


CHURN_MODEL_COEFFICIENTS = model_table(
    "churn_model_coefficients", ChurnModelCoefficient,
    "The scoring model's parameters per feature: preparation, fill value, standardisation, "
    "coefficient and the weight gold.churn_scores applies in SQL.",
    "one row per feature of the model trained on the partition day (none without a model)",
    ("feature",), sources=("gold.churn_model",))

#: Written by the churn_model asset, with the model (``churn_model.py``).
ASSETS: list = []
