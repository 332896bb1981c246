"""``gold.churn_scores``: every active customer's probability of churning within N days under
the model trained that day, its rank and risk band: the early-warning list for retention and
customer success. Plain SQL over the day's coefficients; empty (``Unscored``) until a model is
trained.
"""

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import analytics_table
from customer_platform.gold.analytics._features import MODEL_FEATURES
from customer_platform.gold.analytics._model import prepared_sql
from customer_platform.gold.base import GoldModel
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import DAY, only_where

#: Risk bands by cumulative share of the day's ranks: the bands the model's lift is measured on.
BANDS = (("High", 0.1), ("Medium", 0.3), ("Low", 1.0))


class ChurnScore(GoldModel):
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    model_id: str = column("Model that scored the row (empty when none was trained)",
                           nullable=True)
    horizon_days: int = column("N: the probability is of churning within N days",
                               nullable=True, ge=1)
    churn_probability: float = column("Probability of churning within N days (empty when "
                                      "no model was trained)", nullable=True, ge=0.0, le=1.0)
    risk_rank: int = column("1 = the day's highest probability (empty when unscored)",
                            nullable=True, ge=1)
    risk_band: str = column("High (top decile of the day), Medium (next 20%), Low, or "
                            "Unscored", isin=[*(name for name, _ in BANDS), "Unscored"])


def _pivot() -> str:
    def of(feature: str, column: str) -> str:
        return f"max({only_where(f'feature = {feature!r}', column)})"
    return ",\n           ".join(
        f"{of(f.name, 'weight')} AS w_{f.name}, {of(f.name, 'fill_value')} AS v_{f.name}"
        for f in MODEL_FEATURES)


def logit_sql() -> str:
    """SQL: the linear predictor of a churn_features row ``f`` under the pivoted weights ``c``
    and the model row ``m``."""
    terms = " + ".join(f"c.w_{f.name} * coalesce({prepared_sql(f)}, c.v_{f.name})"
                       for f in MODEL_FEATURES)
    return f"m.intercept + {terms}"


def _band() -> str:
    cases = " ".join(f"WHEN risk_rank <= ceil({share} * scored) THEN '{name}'"
                     for name, share in BANDS)
    return f"CASE WHEN churn_probability IS NULL THEN 'Unscored' {cases} END"


CHURN_SCORES = analytics_table(
    name="churn_scores",
    model=ChurnScore,
    description="Churn scores (beyond the seeds): every active customer's probability of "
    "churning within N days under the model trained that day, its rank and risk band - the "
    "early-warning list for retention campaigns and customer success.",
    sources=("gold.churn_features", "gold.churn_model", "gold.churn_model_coefficients"),
    grain="one row per customer of churn_features on the partition day",
    sql=f"""
    WITH m AS (
        SELECT model_id, horizon_days, intercept FROM gold.churn_model
        WHERE load_date = {DAY} AND status = 'trained'
    ), c AS (
        SELECT {_pivot()}
        FROM gold.churn_model_coefficients WHERE load_date = {DAY}
    ), linear AS (
        SELECT f.customer_key, f.customer_id, m.model_id, m.horizon_days,
               {logit_sql()} AS logit
        FROM gold.churn_features f LEFT JOIN m ON TRUE CROSS JOIN c
        WHERE f.load_date = {DAY}
    ), scored AS (  -- (least/greatest skip nulls: an unscored row must stay null)
        SELECT *, CASE WHEN logit IS NOT NULL
                       THEN 1 / (1 + exp(-greatest(least(logit, 50), -50))) END
                      AS churn_probability
        FROM linear
    ), ranked AS (
        SELECT *,
               CASE WHEN churn_probability IS NOT NULL THEN row_number() OVER (
                   ORDER BY churn_probability DESC NULLS LAST, customer_key) END AS risk_rank,
               count(churn_probability) OVER () AS scored
        FROM scored
    )
    SELECT customer_key, customer_id, model_id, horizon_days, churn_probability, risk_rank,
           {_band()} AS risk_band,
           {DAY} AS load_date, {DAY} AS update_date, 'analytics' AS source_system
    FROM ranked
    """,
)

METRICS = [
    Metric(name="risk_band", table="churn_scores",
           formula="rank of churn_probability within the day: High = top 10%, Medium = next "
           "20%, Low = the rest; Unscored while no model is trained",
           grain="customer, per partition day", periods="as of the partition day", seed="001"),
]
