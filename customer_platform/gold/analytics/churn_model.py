"""``gold.churn_model``: the churn model trained each day on what is known that day (a logistic
regression on the labels and features of earlier days, with a time-based split), and its
held-out ROC AUC, PR AUC and lift at the top decile, so the early warnings can be trusted as far
as they are measured. The asset also writes the model's coefficients
(``churn_model_coefficients``).
"""

import datetime as dt

import polars as pl
from dagster import (
    AssetExecutionContext,
    MetadataValue,
    multi_asset,
)

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import (
    analytics_spec,
    keep_frame,
    model_results,
    stamped,
)
from customer_platform.gold.analytics._model import (
    ChurnModelConfig,
    model_table,
    train,
    training_set,
)
from customer_platform.gold.analytics.churn_model_coefficients import CHURN_MODEL_COEFFICIENTS
from customer_platform.gold.base import GoldModel, gold_check_specs, written_by_range
from customer_platform.gold.metrics import Metric
from customer_platform.partitions import (
    RANGED,
    daily_partitions,
    each_day_read_ahead,
    record_day,
)
from customer_platform.resources import Warehouse


class ChurnModel(GoldModel):
    model_id: str = column("Model name: churn_<algorithm>_<partition day>", unique=True)
    status: str = column("trained, or insufficient_data (too few labels to learn from)",
                         isin=["trained", "insufficient_data"])
    algorithm: str = column("scikit-learn estimator")
    horizon_days: int = column("N: the model predicts churn within N days", ge=1)
    feature_days: int = column("Feature days in the training set (held-out ones included)",
                               ge=0)
    split_gap_days: int = column("Days between the last training and the first held-out "
                                 "feature day required by the split (the horizon; 0 while the "
                                 "history is too short for it)", ge=0)
    train_from: dt.date = column("First training feature day", nullable=True)
    train_to: dt.date = column("Last training feature day", nullable=True)
    holdout_from: dt.date = column("First held-out feature day", nullable=True)
    holdout_to: dt.date = column("Last held-out feature day", nullable=True)
    train_rows: int = column("Training rows (after sampling)", ge=0)
    train_positives: int = column("Churners among them", ge=0)
    holdout_rows: int = column("Held-out rows (after sampling)", ge=0)
    holdout_positives: int = column("Churners among them", ge=0)
    negative_sample_rate: float = column("Share of non-churners kept", ge=0.0, le=1.0)
    base_rate: float = column("Weighted churn rate of the held-out days", nullable=True)
    roc_auc: float = column("ROC AUC on the held-out days", nullable=True, ge=0.0, le=1.0)
    pr_auc: float = column("Average precision on the held-out days", nullable=True, ge=0.0,
                           le=1.0)
    lift_top_decile: float = column("Churn rate of the top-decile scores / base rate (held "
                                    "out)", nullable=True, ge=0.0)
    intercept: float = column("Intercept of the scoring model on prepared features",
                              nullable=True)


def _training_windows() -> tuple:
    """The partitions the model reads with its default config: labels D-T..D, features
    D-T-N..D-N (the sensor waits for them; other configs read other days)."""
    defaults = ChurnModelConfig()
    n, t = defaults.horizon_days, defaults.training_days
    return (("gold.churn_labels", (-t, 0)), ("gold.churn_features", (-t - n, -n)))


CHURN_MODEL = model_table(
    "churn_model", ChurnModel,
    "The churn model (beyond the seeds): a logistic regression trained each day on the labels "
    "known by then, with a time-based split; ROC AUC, PR AUC and lift at the top decile on "
    "the held-out days in the row and in the materialisation metadata.",
    "one row per partition day (the model trained that day)", ("model_id",),
    sources=("gold.churn_labels", "gold.churn_features"), source_windows=_training_windows())


def _coefficients_md(coefficients: pl.DataFrame, top: int = 15) -> str:
    rows = coefficients.sort(pl.col("coefficient").abs(), descending=True).head(top)
    lines = ["| feature | coefficient (standardised) |", "|---|---|"]
    lines += [f"| {r['feature']} | {r['coefficient']:+.3f} |" for r in rows.iter_rows(named=True)]
    return "\n".join(lines)


@multi_asset(
    specs=[analytics_spec(CHURN_MODEL, {"python", "scikitlearn", "duckdb"}),
           analytics_spec(CHURN_MODEL_COEFFICIENTS, {"python", "duckdb"})],
    check_specs=[*gold_check_specs(CHURN_MODEL), *gold_check_specs(CHURN_MODEL_COEFFICIENTS)],
    partitions_def=daily_partitions,
    backfill_policy=RANGED,
    name="gold__churn_model",
)
def churn_model(context: AssetExecutionContext, config: ChurnModelConfig,
                warehouse: Warehouse):
    def read(day):
        with warehouse.get_connection() as con:
            return training_set(con, day, config)

    def fit(day, training):
        """Train on the days before ``day`` and write the day's model and coefficients."""
        row, coefficients = train(*training, day, config)
        keep_frame(writes, CHURN_MODEL, day, stamped(pl.DataFrame([row]), day))
        keep_frame(writes, CHURN_MODEL_COEFFICIENTS, day, stamped(coefficients, day))
        metrics = {k: row[k] for k in ("status", "roc_auc", "pr_auc", "lift_top_decile",
                                       "base_rate", "train_rows", "train_positives",
                                       "holdout_rows", "holdout_positives", "feature_days",
                                       "split_gap_days", "negative_sample_rate")}
        metrics.update({k: str(row[k]) for k in ("train_from", "train_to", "holdout_from",
                                                 "holdout_to") if row[k] is not None})
        record_day(context, day, {
            "dagster/row_count": 1, "horizon_days": config.horizon_days,
            **{k: v for k, v in metrics.items() if v is not None},
            "top_coefficients": MetadataValue.md(_coefficients_md(coefficients))},
            CHURN_MODEL.key)
        record_day(context, day, {"dagster/row_count": coefficients.height},
                   CHURN_MODEL_COEFFICIENTS.key)

    with written_by_range(context, warehouse) as writes:
        each_day_read_ahead(context, read, fit)
    yield from model_results(context, (CHURN_MODEL, CHURN_MODEL_COEFFICIENTS), writes)


#: The table (and churn_model_coefficients) is written by its own asset (Python).
ASSETS = [churn_model]

METRICS = [
    Metric(name="roc_auc, pr_auc", table="churn_model",
           formula="sklearn roc_auc_score and average_precision_score of the held-out rows "
           "(the latest holdout_days sampled feature days), weighted to undo the sampling of "
           "non-churners", grain="model, per partition day",
           filters="labels of horizon_days; feature days every sample_every_days within "
           "training_days", periods="held-out feature days", seed="001"),
    Metric(name="lift_top_decile", table="churn_model",
           formula="weighted churn rate among the 10% highest held-out scores / weighted churn "
           "rate of all held-out rows", grain="model, per partition day",
           periods="held-out feature days", seed="001"),
]
