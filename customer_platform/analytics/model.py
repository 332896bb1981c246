"""The churn model (scikit-learn) and the daily churn scores: the early-warning system.

``gold/churn_model`` (partition D) trains a logistic regression on what is known on D:

- **Training set.** The labels written on D and on every ``sample_every_days``-th day before
  it within ``training_days`` (each labels the feature day N days earlier), joined to
  ``gold.churn_features`` of their feature days. Every churner is kept; non-churners are
  sampled (a stable hash of customer and day) down to ``max_negatives`` and weighted back up,
  so probabilities stay calibrated and a day's cost does not grow with the customer count.
- **Time-based split.** The latest ``holdout_days`` feature days are held out; the model is
  fitted on the earlier ones and evaluated on them: ROC AUC, PR AUC (average precision),
  and lift at the top decile (churn rate among the 10% highest scores / overall churn rate),
  all in the materialisation's metadata. The scoring model is then refitted on every day.
- **Preparation** follows the catalogue's ``scaling`` of each feature (log1p of counts and
  amounts, ratios clipped to [0, 10], flags as 0/1), fills nulls with the training median and
  standardises; ``gold.churn_model_coefficients`` stores, per feature, the fill value and the
  weight per prepared unit, so the scores are plain SQL (``gold.churn_scores``).

Until the first labels exist (the first N days of the warehouse) there is nothing to learn
from: the model row says ``insufficient_data`` and the scores are empty (``Unscored``).

``gold/churn_scores`` (partition D) scores every active customer of D's churn_features with
the model trained on D: a probability of churning within N days, its rank, and a risk band
(High: the top decile of the day, Medium: the next 20%, Low: the rest), the bands the lift is
measured on.
"""

import datetime as dt
import warnings

import numpy as np
import polars as pl
from dagster import (
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from pydantic import Field

from customer_platform.analytics.common import DAY, analytics_spec, analytics_table, write_frame
from customer_platform.analytics.features import FEATURES, Feature
from customer_platform.analytics.labels import DEFAULT_HORIZON_DAYS
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable, gold_check_specs
from customer_platform.gold.metrics import Metric
from customer_platform.partitions import daily_partitions, partition_day
from customer_platform.resources import Warehouse

ALGORITHM = "logistic_regression"
TOP_DECILE = 0.1
BANDS = (("High", 0.1), ("Medium", 0.3), ("Low", 1.0))  # cumulative share of the day's ranks
RATIO_CAP = 10.0


class ChurnModelConfig(Config):
    horizon_days: int = Field(default=DEFAULT_HORIZON_DAYS, ge=1, le=365,
                              description="N: predict churn within N days (must match the "
                              "labels' horizon)")
    training_days: int = Field(default=84, ge=1, description="How far back label days go")
    sample_every_days: int = Field(default=7, ge=1, description="Use every k-th label day")
    holdout_days: int = Field(default=3, ge=1, description="Latest sampled feature days held "
                              "out for evaluation")
    gap_days: int | None = Field(default=None, ge=0, description="Days between the last "
                                 "training feature day and the first held-out one (default: "
                                 "the horizon, so no training label looks into the held-out "
                                 "period)")
    max_negatives: int = Field(default=100_000, ge=1_000, description="Non-churners kept in "
                               "the training set (sampled, then weighted back)")
    regularisation: float = Field(default=0.01, gt=0, description="Inverse L2 strength (C): "
                                  "strong, as the features are many and correlated")
    min_positives: int = Field(default=5, ge=1, description="Churners needed in both the "
                               "training and the held-out days to train at all")


# -- tables -------------------------------------------------------------------------------------


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


class ChurnModelCoefficient(GoldModel):
    model_id: str = column("Model (gold.churn_model.model_id)")
    feature: str = column("Feature name (docs/churn_features.md)")
    scaling: str = column("Preparation: log, ratio, flag or linear")
    fill_value: float = column("Value of a null prepared feature (training median)")
    center: float = column("Mean of the prepared feature in training")
    scale: float = column("Standard deviation of the prepared feature in training", gt=0.0)
    coefficient: float = column("Coefficient on the standardised feature (its importance)")
    weight: float = column("coefficient / scale: the weight per prepared unit used in SQL")


def _model_table(name, model, description, grain, key, sources=(), source_windows=()
                 ) -> GoldTable:
    return analytics_table(name, model, description, grain, sources,
                           "-- written by the churn_model asset (Python)", primary_key=key,
                           source_windows=source_windows, foreign_keys=())


def _training_windows() -> tuple:
    """The partitions the model reads with its default config: labels D-T..D, features
    D-T-N..D-N (the sensor waits for them; other configs read other days)."""
    defaults = ChurnModelConfig()
    n, t = defaults.horizon_days, defaults.training_days
    return (("gold.churn_labels", (-t, 0)), ("gold.churn_features", (-t - n, -n)))


CHURN_MODEL = _model_table(
    "churn_model", ChurnModel,
    "The churn model (beyond the seeds): a logistic regression trained each day on the labels "
    "known by then, with a time-based split; ROC AUC, PR AUC and lift at the top decile on "
    "the held-out days in the row and in the materialisation metadata.",
    "one row per partition day (the model trained that day)", ("model_id",),
    sources=("gold.churn_labels", "gold.churn_features"), source_windows=_training_windows())
CHURN_MODEL_COEFFICIENTS = _model_table(
    "churn_model_coefficients", ChurnModelCoefficient,
    "The scoring model's parameters per feature: preparation, fill value, standardisation, "
    "coefficient and the weight gold.churn_scores applies in SQL.",
    "one row per feature of the model trained on the partition day (none without a model)",
    ("feature",), sources=("gold.churn_model",))


# -- preparation (the same in Python and in the scoring SQL) -----------------------------------


def prepare(frame: pl.DataFrame, features: tuple[Feature, ...] = FEATURES) -> np.ndarray:
    """The prepared feature matrix (nulls stay NaN)."""
    exprs = []
    for f in features:
        x = pl.col(f.name).cast(pl.Float64)
        if f.scaling == "log":
            x = x.sign() * x.abs().log1p()
        elif f.scaling == "ratio":
            x = x.clip(0.0, RATIO_CAP)
        exprs.append(x.fill_nan(None).alias(f.name))
    return frame.select(exprs).to_numpy().astype(np.float64)


def prepared_sql(f: Feature, table: str = "f") -> str:
    x = f"CAST({table}.{f.name} AS DOUBLE)"
    if f.scaling == "log":
        return f"sign({x}) * ln(1 + abs({x}))"
    if f.scaling == "ratio":  # (greatest and least skip nulls: keep a null null)
        return f"CASE WHEN {x} IS NOT NULL THEN least(greatest({x}, 0), {RATIO_CAP}) END"
    return x


# -- training ----------------------------------------------------------------------------------


def _label_days(day: dt.date, config: ChurnModelConfig) -> list[dt.date]:
    return [day - dt.timedelta(days=k) for k in range(0, config.training_days + 1,
                                                      config.sample_every_days)]


def training_set(con, day: dt.date, config: ChurnModelConfig) -> tuple[pl.DataFrame, float]:
    """Features joined to their labels for the sampled label days; non-churners sampled."""
    days = _label_days(day, config)
    joined = """
        FROM gold.churn_labels l
        JOIN gold.churn_features f ON f.customer_key = l.customer_key
                                  AND f.load_date = l.feature_date
        WHERE l.load_date IN (SELECT unnest(?)) AND l.horizon_days = ?"""
    negatives, = con.execute(f"SELECT count(*) FILTER (WHERE NOT l.churned) {joined}",
                             [days, config.horizon_days]).fetchone()
    rate = min(1.0, config.max_negatives / negatives) if negatives else 1.0
    columns = ", ".join(f"f.{f.name}" for f in FEATURES)
    frame = con.execute(f"""
        SELECT l.feature_date, l.churned, {columns} {joined}
          AND (l.churned OR CAST(('0x' || substr(md5(l.customer_key || '|' ||
               CAST(l.feature_date AS VARCHAR)), 1, 8)) AS BIGINT) < ? * 4294967296)
        ORDER BY l.feature_date, l.customer_key""",
                        [days, config.horizon_days, rate]).pl()
    return frame, rate


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float):
    """Fill, standardise and fit; return (fill, center, scale, estimator)."""
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():  # a feature null on every row: filled with 0
        warnings.simplefilter("ignore", RuntimeWarning)
        fill = np.nan_to_num(np.nanmedian(x, axis=0), nan=0.0)
    filled = np.where(np.isnan(x), fill, x)
    center = filled.mean(axis=0)
    scale = filled.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    estimator = LogisticRegression(C=c, max_iter=2_000)
    estimator.fit((filled - center) / scale, y, sample_weight=w)
    return fill, center, scale, estimator


def _predict(x, fill, center, scale, estimator) -> np.ndarray:
    return estimator.predict_proba((np.where(np.isnan(x), fill, x) - center) / scale)[:, 1]


def lift_at(y: np.ndarray, p: np.ndarray, w: np.ndarray, share: float = TOP_DECILE) -> float:
    """Weighted churn rate among the ``share`` highest scores over the overall rate."""
    order = np.argsort(-p, kind="stable")
    cum = np.cumsum(w[order])
    top = order[cum <= share * cum[-1]]
    if top.size == 0:
        top = order[:1]
    overall = np.average(y, weights=w)
    return float(np.average(y[top], weights=w[top]) / overall) if overall > 0 else 0.0


def split_days(feature_days: list[dt.date], holdout_days: int, gap: int
               ) -> tuple[list[dt.date], list[dt.date], int]:
    """(training days, held-out days, gap used): the latest ``holdout_days`` days are held
    out, training days end at least ``gap`` days before the first of them; while the history
    is too short for that gap, every earlier day trains (gap 0)."""
    if len(feature_days) < 2:
        return [], [], gap
    held = min(holdout_days, len(feature_days) - 1)
    earlier, holdout = feature_days[:-held], feature_days[-held:]
    far = [d for d in earlier if (holdout[0] - d).days >= gap]
    return (far, holdout, gap) if far else (earlier, holdout, 0)


def train(frame: pl.DataFrame, rate: float, day: dt.date, config: ChurnModelConfig
          ) -> tuple[dict, pl.DataFrame]:
    """The model row and its coefficient rows (none when there is too little to learn)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    model_id = f"churn_{ALGORITHM}_{day.isoformat()}"
    feature_days = sorted(frame["feature_date"].unique().to_list())
    gap = config.horizon_days if config.gap_days is None else config.gap_days
    train_days, holdout, gap = split_days(feature_days, config.holdout_days, gap)
    dates = frame["feature_date"]
    train_rows = dates.is_in(train_days).to_numpy()
    test_rows = dates.is_in(holdout).to_numpy()
    y = frame["churned"].to_numpy().astype(int)
    w = np.where(y == 1, 1.0, 1.0 / rate) if rate > 0 else np.ones(len(y))
    x = prepare(frame)
    row = {"model_id": model_id, "status": "insufficient_data", "algorithm": ALGORITHM,
           "horizon_days": config.horizon_days, "feature_days": len(feature_days),
           "split_gap_days": gap,
           "train_from": min(train_days, default=None), "train_to": max(train_days, default=None),
           "holdout_from": min(holdout, default=None), "holdout_to": max(holdout, default=None),
           "train_rows": int(train_rows.sum()), "train_positives": int(y[train_rows].sum()),
           "holdout_rows": int(test_rows.sum()), "holdout_positives": int(y[test_rows].sum()),
           "negative_sample_rate": rate, "base_rate": None, "roc_auc": None, "pr_auc": None,
           "lift_top_decile": None, "intercept": None}
    empty = pl.DataFrame(schema={name: dtype for name, dtype in COEFFICIENT_SCHEMA.items()})
    if min(row["train_positives"], row["holdout_positives"]) < config.min_positives or \
            y[train_rows].all() or y[test_rows].all():
        return row, empty
    params = _fit(x[train_rows], y[train_rows], w[train_rows], config.regularisation)
    p = _predict(x[test_rows], *params)
    yt, wt = y[test_rows], w[test_rows]
    row.update(status="trained", base_rate=float(np.average(yt, weights=wt)),
               roc_auc=float(roc_auc_score(yt, p, sample_weight=wt)),
               pr_auc=float(average_precision_score(yt, p, sample_weight=wt)),
               lift_top_decile=lift_at(yt, p, wt))
    fill, center, scale, estimator = _fit(x, y, w, config.regularisation)  # every day
    coefficient = estimator.coef_[0]
    weight = coefficient / scale
    row["intercept"] = float(estimator.intercept_[0] - np.sum(weight * center))
    coefficients = pl.DataFrame({
        "model_id": model_id, "feature": [f.name for f in FEATURES],
        "scaling": [f.scaling for f in FEATURES], "fill_value": fill, "center": center,
        "scale": scale, "coefficient": coefficient, "weight": weight}, schema=COEFFICIENT_SCHEMA)
    return row, coefficients


COEFFICIENT_SCHEMA = {"model_id": pl.String, "feature": pl.String, "scaling": pl.String,
                      "fill_value": pl.Float64, "center": pl.Float64, "scale": pl.Float64,
                      "coefficient": pl.Float64, "weight": pl.Float64}


def _with_metadata_columns(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return frame.with_columns(load_date=pl.lit(day), update_date=pl.lit(day),
                              source_system=pl.lit("analytics"))


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
    name="gold__churn_model",
)
def churn_model(context: AssetExecutionContext, config: ChurnModelConfig,
                warehouse: Warehouse):
    day = partition_day(context.partition_key)
    with warehouse.get_connection() as con:
        frame, rate = training_set(con, day, config)
    row, coefficients = train(frame, rate, day, config)
    model_rows = _with_metadata_columns(pl.DataFrame([row]), day)
    checked_model = write_frame(warehouse, CHURN_MODEL, day, model_rows)
    checked_coefficients = write_frame(warehouse, CHURN_MODEL_COEFFICIENTS, day,
                                       _with_metadata_columns(coefficients, day))
    metrics = {k: row[k] for k in ("status", "roc_auc", "pr_auc", "lift_top_decile",
                                   "base_rate", "train_rows", "train_positives", "holdout_rows",
                                   "holdout_positives", "feature_days", "split_gap_days",
                                   "negative_sample_rate")}
    metrics.update({k: str(row[k]) for k in ("train_from", "train_to", "holdout_from",
                                             "holdout_to") if row[k] is not None})
    yield MaterializeResult(
        asset_key=CHURN_MODEL.key, check_results=[checked_model],
        metadata={"dagster/row_count": 1, "horizon_days": config.horizon_days,
                  **{k: v for k, v in metrics.items() if v is not None},
                  "top_coefficients": MetadataValue.md(_coefficients_md(coefficients))})
    yield MaterializeResult(asset_key=CHURN_MODEL_COEFFICIENTS.key,
                            check_results=[checked_coefficients],
                            metadata={"dagster/row_count": coefficients.height})


# -- scores (plain SQL over the coefficients) ---------------------------------------------------


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
    return ",\n           ".join(
        f"max(weight) FILTER (WHERE feature = '{f.name}') AS w_{f.name}, "
        f"max(fill_value) FILTER (WHERE feature = '{f.name}') AS v_{f.name}"
        for f in FEATURES)


def logit_sql() -> str:
    """SQL: the linear predictor of a churn_features row ``f`` under the pivoted weights ``c``
    and the model row ``m``."""
    terms = " + ".join(f"c.w_{f.name} * coalesce({prepared_sql(f)}, c.v_{f.name})"
                       for f in FEATURES)
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
    Metric(name="risk_band", table="churn_scores",
           formula="rank of churn_probability within the day: High = top 10%, Medium = next "
           "20%, Low = the rest; Unscored while no model is trained",
           grain="customer, per partition day", periods="as of the partition day", seed="001"),
]
