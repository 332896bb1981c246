"""The churn model's code: how a feature is prepared (the same in Python and in the scoring
SQL), the training set, the time-based split, the fit and its evaluation. ``churn_model``
trains with it each day and ``churn_scores`` applies the prepared weights in SQL; how the model
is trained and evaluated: docs/analytics.md.
"""

import datetime as dt
import warnings

import numpy as np
import polars as pl
from dagster import Config
from pydantic import Field
from threadpoolctl import threadpool_limits

from customer_platform.gold.analytics._common import analytics_table
from customer_platform.gold.analytics._features import MODEL_FEATURES, Feature
from customer_platform.gold.analytics.churn_labels import DEFAULT_HORIZON_DAYS
from customer_platform.gold.base import GoldModel, GoldTable

ALGORITHM = "logistic_regression"
#: The share of the highest scores the lift is measured on.
TOP_DECILE = 0.1
#: A ratio feature is clipped to [0, RATIO_CAP] before it is standardised.
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


def model_table(name: str, model: type[GoldModel], description: str, grain: str,
                key: tuple[str, ...], sources=(), source_windows=(), writer: str = "churn_model",
                foreign_keys=(), **overrides) -> GoldTable:
    """A table a model's asset (``writer``) writes from Python: no SQL, and by default no
    foreign keys."""
    return analytics_table(name, model, description, grain, sources,
                           f"-- written by the {writer} asset (Python)", primary_key=key,
                           source_windows=source_windows, foreign_keys=foreign_keys,
                           **overrides)


# -- preparation (the same in Python and in the scoring SQL) -----------------------------------


def prepare(frame: pl.DataFrame, features: tuple[Feature, ...] = MODEL_FEATURES) -> np.ndarray:
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
    [(negatives,)] = con.execute(f"SELECT count(*) FILTER (WHERE NOT l.churned) {joined}",
                                 [days, config.horizon_days]).fetchall()
    rate = min(1.0, config.max_negatives / negatives) if negatives else 1.0
    columns = ", ".join(f"f.{f.name}" for f in MODEL_FEATURES)
    frame = con.sql(f"""
        SELECT l.feature_date, l.churned, {columns} {joined}
          AND (l.churned OR CAST(('0x' || substr(md5(l.customer_key || '|' ||
               CAST(l.feature_date AS VARCHAR)), 1, 8)) AS BIGINT) < ? * 4294967296)
        ORDER BY l.feature_date, l.customer_key""",
                    params=[days, config.horizon_days, rate]).pl()
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
    """The model row and its coefficient rows (none when there is too little to learn).

    The fits run on one BLAS thread: a threaded matrix product splits its sums by the
    machine's cores, so the coefficients' last bits (and the scores after them) would
    depend on the machine; on one thread they are the same everywhere, and at about 10,000
    rows of 171 features also twice as fast (docs/performance.md)."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _train(frame, rate, day, config)


def _train(frame: pl.DataFrame, rate: float, day: dt.date, config: ChurnModelConfig
           ) -> tuple[dict, pl.DataFrame]:
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
        "model_id": model_id, "feature": [f.name for f in MODEL_FEATURES],
        "scaling": [f.scaling for f in MODEL_FEATURES], "fill_value": fill, "center": center,
        "scale": scale, "coefficient": coefficient, "weight": weight}, schema=COEFFICIENT_SCHEMA)
    return row, coefficients


COEFFICIENT_SCHEMA = {"model_id": pl.String, "feature": pl.String, "scaling": pl.String,
                      "fill_value": pl.Float64, "center": pl.Float64, "scale": pl.Float64,
                      "coefficient": pl.Float64, "weight": pl.Float64}
