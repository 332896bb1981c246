"""The churn model: a time-based split, metrics in the metadata, SQL scores equal to
scikit-learn's, risk bands, lift computed by hand, and no scores without labels."""

import datetime as dt

import numpy as np
import polars as pl
import pytest
from dagster import DagsterInstance, materialize
from threadpoolctl import threadpool_info, threadpool_limits

from customer_platform.gold.analytics._features import FEATURES, MODEL_FEATURES
from customer_platform.gold.analytics._model import (
    ChurnModelConfig,
    _fit,
    _predict,
    lift_at,
    prepare,
    prepared_sql,
    split_days,
    train,
    training_set,
)
from customer_platform.gold.analytics.churn_features import CHURN_FEATURES
from customer_platform.gold.analytics.churn_labels import CHURN_LABELS
from customer_platform.gold.analytics.churn_model import churn_model
from customer_platform.gold.analytics.churn_scores import CHURN_SCORES

from .conftest import D, analytics_warehouse, days_before

N = 30
LABEL_DAYS = [days_before(k) for k in (21, 14, 7, 0)]
CONFIG = {"training_days": 21, "holdout_days": 1, "min_positives": 3}


def synthetic_features(day: dt.date, customers: int, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    """Feature rows whose churn depends on falling usage and a suspended status."""
    g = np.random.default_rng(seed)
    columns = {}
    for f in FEATURES:
        if f.dtype is bool:
            columns[f.name] = g.random(customers) < 0.1
        elif f.dtype is int:
            columns[f.name] = g.integers(0, 50, customers)
        else:
            columns[f.name] = np.where(g.random(customers) < 0.05, np.nan,
                                       g.gamma(2.0, 3.0, customers))
    trend = g.uniform(0.2, 1.3, customers)
    columns["data_mb_trend_7_30"] = trend
    logit = -1.5 - 9.0 * (trend - 0.75) + 3.0 * columns["is_inactive_status"]
    churned = g.random(customers) < 1 / (1 + np.exp(-logit))
    frame = pl.DataFrame({"customer_id": [f"M{i:04d}" for i in range(customers)],
                          "feature_date": [day] * customers, **columns}).fill_nan(None)
    return frame, churned


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Features of four feature days (and of D), their labels, and the model trained on D."""
    with analytics_warehouse(tmp_path_factory.mktemp("model") / "analytics.duckdb") as wh:
        yield _train(wh)


def _train(wh):
    for k, label_day in enumerate(LABEL_DAYS):
        feature_day = label_day - dt.timedelta(days=N)
        frame, churned = synthetic_features(feature_day, 300, seed=k)
        wh.put_gold(CHURN_FEATURES, frame, feature_day)
        wh.put_gold(CHURN_LABELS, [{"customer_id": cid, "feature_date": feature_day,
                                    "horizon_days": N, "churned": bool(c)}
                                   for cid, c in zip(frame["customer_id"], churned,
                                                     strict=True)], label_day)
    today, _ = synthetic_features(D, 200, seed=99)
    wh.put_gold(CHURN_FEATURES, today, D)
    with DagsterInstance.ephemeral() as instance:
        result = materialize([churn_model], partition_key=D.isoformat(), instance=instance,
                             resources={"warehouse": wh.resource},
                             run_config={"ops": {"gold__churn_model": {"config": CONFIG}}})
    assert result.success
    return result, wh


def test_time_based_split_and_metrics(trained):
    result, wh = trained
    model = wh.read("SELECT * FROM gold.churn_model WHERE load_date = ?", [D]).to_dicts()[0]
    feature_days = [d - dt.timedelta(days=N) for d in LABEL_DAYS]
    assert model["status"] == "trained" and model["feature_days"] == 4
    # trained on the three earlier feature days, evaluated on the latest one (21 days of
    # history are too short for a 30-day gap between them)
    assert (model["train_from"], model["train_to"]) == (feature_days[0], feature_days[2])
    assert model["split_gap_days"] == 0
    assert model["holdout_from"] == model["holdout_to"] == feature_days[3]
    assert (model["train_rows"], model["holdout_rows"]) == (900, 300)
    assert model["roc_auc"] > 0.8 and model["lift_top_decile"] > 1.5
    assert 0 < model["pr_auc"] <= 1
    metadata = result.asset_materializations_for_node("gold__churn_model")
    by_key = {m.asset_key.path[-1]: m.metadata for m in metadata}
    assert by_key["churn_model"]["roc_auc"].value == pytest.approx(model["roc_auc"])
    assert by_key["churn_model_coefficients"]["dagster/row_count"].value == len(FEATURES)
    weights = dict(wh.read("SELECT feature, coefficient FROM gold.churn_model_coefficients "
                           "WHERE load_date = ?", [D]).rows())
    assert weights["data_mb_trend_7_30"] < 0 < weights["is_inactive_status"]


def test_sql_scores_equal_scikit_learn_and_bands_follow_the_ranks(trained):
    _, wh = trained
    scores = wh.run(CHURN_SCORES, D).sort("customer_id")
    config = ChurnModelConfig(**CONFIG)
    with wh.resource.get_connection() as con:
        frame, rate = training_set(con, D, config)
        today = con.sql("SELECT * FROM gold.churn_features WHERE load_date = ? "
                        "ORDER BY customer_id", params=[D]).pl()
    assert rate == 1.0
    params = _fit(prepare(frame), frame["churned"].to_numpy().astype(int),
                  np.ones(frame.height), config.regularisation)
    expected = _predict(prepare(today), *params)
    assert scores["churn_probability"].to_numpy() == pytest.approx(expected, abs=1e-9)
    ranked = scores.sort("risk_rank")
    assert ranked["risk_band"].to_list() == ["High"] * 20 + ["Medium"] * 40 + ["Low"] * 140
    assert ranked["churn_probability"].is_sorted(descending=True)


def test_without_labels_there_is_no_model_and_nobody_is_scored(wh):
    today, _ = synthetic_features(D, 5, seed=3)
    wh.put_gold(CHURN_FEATURES, today, D)
    with DagsterInstance.ephemeral() as instance:
        assert materialize([churn_model], partition_key=D.isoformat(), instance=instance,
                           resources={"warehouse": wh.resource}).success
    assert wh.read("SELECT status FROM gold.churn_model")["status"].to_list() == [
        "insufficient_data"]
    scores = wh.run(CHURN_SCORES, D)
    assert scores["risk_band"].to_list() == ["Unscored"] * 5
    assert scores["churn_probability"].null_count() == 5


def test_preparation_is_the_same_in_python_and_sql(wh):
    frame, _ = synthetic_features(D, 50, seed=5)
    frame = frame.with_columns(data_mb_30d=pl.Series([-3.0, 0.0, 1e6] + [2.5] * 47),
                               drop_rate_30d=pl.Series([-1.0, 50.0, None] + [0.5] * 47))
    wh.put_gold(CHURN_FEATURES, frame, D)
    columns = ", ".join(f"{prepared_sql(f)} AS {f.name}" for f in FEATURES)
    in_sql = wh.read(f"SELECT {columns} FROM gold.churn_features f WHERE load_date = ? "
                     "ORDER BY customer_id", [D]).to_numpy().astype(float)
    assert np.allclose(in_sql, prepare(frame.sort("customer_id")), equal_nan=True)


def test_the_split_keeps_a_horizon_between_training_and_held_out_days():
    days = [D - dt.timedelta(days=k) for k in range(84, -1, -7)]  # 13 days, 7 apart
    train_days, holdout, gap = split_days(days, 3, 30)
    assert holdout == days[-3:] and gap == 30
    assert train_days == days[:-7]  # the last one 35 days before the first held-out day
    assert (holdout[0] - train_days[-1]).days == 35
    assert split_days(days[-5:], 3, 30) == (days[-5:-3], days[-3:], 0)  # too short: no gap
    assert split_days(days[-1:], 3, 30) == ([], [], 30)


def test_lift_at_the_top_decile_by_hand():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    # the top 10% (one row) all churn; overall 2 of 10 do: lift 5
    assert lift_at(y, p, np.ones(10)) == pytest.approx(5.0)
    y[0], y[1] = 0, 1  # the top score does not churn
    assert lift_at(y, p, np.ones(10)) == pytest.approx(0.0)


def test_the_model_is_the_same_bits_however_many_cores_the_machine_lends_blas():
    """A threaded matrix product splits its sums by cores: the fit runs on one BLAS thread,
    so a machine with more cores writes the same coefficients. (Day-sized data: about 12,000
    rows, enough for OpenBLAS to thread a product when it may.)"""
    with threadpool_limits(limits=4):
        if max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas") < 2:
            pytest.skip("this machine's BLAS runs one thread whatever it is allowed")
    day = dt.date(2026, 5, 14)
    weeks = [synthetic_features(day - dt.timedelta(days=7 * k), 900, seed=k)
             for k in range(12, -1, -1)]
    frame = pl.concat([f.with_columns(churned=pl.Series(c)) for f, c in weeks]).select(
        "feature_date", "churned", *[f.name for f in MODEL_FEATURES])
    config = ChurnModelConfig(horizon_days=14)
    runs = []
    for threads in (1, 4):
        with threadpool_limits(limits=threads):
            runs.append(train(frame, 1.0, day, config))
    (row, coefficients), (row_many, coefficients_many) = runs
    assert row["status"] == "trained" and coefficients.height == len(MODEL_FEATURES)
    assert row == row_many
    assert coefficients.equals(coefficients_many)  # exact, not approximately
