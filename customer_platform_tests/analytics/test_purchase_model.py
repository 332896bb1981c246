"""The purchase model (BG/NBD + Gamma-Gamma): parameters recovered from histories simulated with
known ones, the same estimates as PyMC-Marketing's own fit, and a calibration/holdout check
whose predictions meet what the simulated customers then bought."""

import numpy as np
import polars as pl
import pytest

from customer_platform.gold.analytics import _purchase_model as model

#: A population of occasional buyers: about one purchase in 16 days while alive, most drop
#: out within a few purchases; purchases worth about 23 on average.
TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "v": 15.0}
DAYS = 365


def continuous_rfm(purchases: pl.DataFrame, end: float) -> pl.DataFrame:
    """RFM in continuous time (the model's own clock), for the recovery test."""
    seen = purchases.filter(pl.col("time") <= end)
    return (seen.group_by("customer").agg(
        frequency=pl.len() - 1, recency=pl.col("time").max() - pl.col("time").min(),
        T=end - pl.col("time").min(),
        monetary_value=pl.when(pl.len() > 1).then(
            (pl.col("amount").sum() - pl.col("amount").first()) / (pl.len() - 1)
        ).otherwise(0.0)).sort("customer"))


@pytest.fixture(scope="module")
def histories() -> pl.DataFrame:
    return model.simulate(TRUE, customers=5_000, days=DAYS, seed=11)


def test_parameters_are_recovered_from_simulated_histories(histories):
    """Each estimate within 4 standard errors of the truth. The standard errors come from the
    fit's own observed information, so the tolerance is what the data can tell, not a number
    tuned to this sample; they are also required to be tight (under a third of the value),
    so the check cannot pass by being vague."""
    rfm = continuous_rfm(histories, DAYS)
    for fit in (model.fit_bgnbd(rfm), model.fit_gamma_gamma(rfm)):
        assert fit.converged
        for name, estimate in fit.params.items():
            se = fit.standard_errors[name]
            assert 0 < se < TRUE[name] / 3, (name, se)
            assert abs(estimate - TRUE[name]) < 4 * se, (name, estimate, TRUE[name], se)


def test_the_fit_is_pymc_marketings_own(histories):
    """The compiled-once maximum likelihood gives PyMC-Marketing's MAP estimates under flat
    priors (its ``fit(method="map")``), for both models."""
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    rfm = continuous_rfm(histories.filter(pl.col("customer") < 1_000), DAYS)
    frame = rfm.to_pandas().rename(columns={"customer": "customer_id"})
    flat = {name: Prior("HalfFlat") for name in model.BGNBD}
    library = BetaGeoModel(model_config=flat)
    library.fit(data=frame[["customer_id", "frequency", "recency", "T"]], method="map",
                progressbar=False)
    ours = model.fit_bgnbd(rfm)
    for name in model.BGNBD:
        assert ours.params[name] == pytest.approx(library.fit_result[name].values.item(), rel=2e-3)

    repeat = frame[(frame.frequency > 0) & (frame.monetary_value > 0)]
    spend = GammaGammaModel()
    spend.fit(data=repeat[["customer_id", "frequency", "monetary_value"]], method="map",
              progressbar=False)
    ours = model.fit_gamma_gamma(rfm)
    for name in model.GAMMA_GAMMA:
        assert ours.params[name] == pytest.approx(spend.fit_result[name].values.item(), rel=2e-3)


def test_calibration_holdout_meets_the_actual_purchases(histories):
    """Fitted on the days up to 274 (through the platform's own RFM SQL, by whole days),
    the model predicts the purchase days of the 90 days after. Each group of the chart with
    at least 100 customers is within 4 standard errors of its actual mean (their spread /
    sqrt(customers)) or 10%, and the total within 5%."""
    _, calibration = model.simulated_histories(histories, DAYS)
    fit = model.fit_bgnbd(calibration)
    assert fit.converged
    predicted = model.predict(calibration, fit.params, None, 0.01, ())[
        f"expected_purchases_{model.HOLDOUT_DAYS}d"].to_numpy()
    actual = calibration["holdout_purchases"].to_numpy()
    chart = model.calibration_groups(calibration, predicted, actual)
    assert chart["calibration_purchases"].to_list() == list(range(model.CALIBRATION_GROUPS + 1))
    group = np.minimum(calibration["frequency"].to_numpy(), model.CALIBRATION_GROUPS)
    for row in chart.filter(pl.col("customers") >= 100).iter_rows(named=True):
        spread = actual[group == row["calibration_purchases"]].std(ddof=1)
        tolerance = max(4 * spread / np.sqrt(row["customers"]), 0.1 * row["actual_purchases"])
        assert abs(row["predicted_purchases"] - row["actual_purchases"]) < tolerance, row
    assert predicted.sum() == pytest.approx(actual.sum(), rel=0.05)
    assert model.holdout_error(chart) < 0.1


def test_predictions_follow_the_history():
    """Of two customers with the same purchases, the one silent for longer is less likely
    alive and expected to buy less; a buyer of large purchases is worth more; a customer
    with no repeat purchase gets the population's mean order value."""
    rfm = pl.DataFrame({
        "frequency": [4.0, 4.0, 4.0, 0.0], "recency": [100.0, 20.0, 100.0, 0.0],
        "T": [110.0, 110.0, 110.0, 50.0], "monetary_value": [20.0, 20.0, 80.0, 0.0]})
    spend = {"p": 6.0, "q": 4.0, "v": 15.0}
    out = model.predict(rfm, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, spend, 0.01,
                        (12, 36)).to_dicts()
    recent, silent, big, first_only = out
    assert recent["probability_alive"] > silent["probability_alive"]
    assert recent["expected_purchases_90d"] > silent["expected_purchases_90d"]
    assert recent["expected_purchases_30d"] < recent["expected_purchases_90d"] < \
        recent["expected_purchases_365d"]
    assert big["expected_order_value"] > recent["expected_order_value"]
    assert big["clv_12m"] > recent["clv_12m"] > 0
    assert recent["clv_12m"] < recent["clv_36m"]
    population_mean = spend["p"] * spend["v"] / (spend["q"] - 1)
    assert first_only["expected_order_value"] == pytest.approx(population_mean)
    assert first_only["probability_alive"] == 1.0  # drop-out follows a repeat purchase only


@pytest.mark.parametrize("monthly_discount", [0.01, 0.0])
def test_the_discounted_value_is_the_librarys_clv_to_the_last_digit(histories,
                                                                    monthly_discount):
    """The one-call discounted value of every horizon equals PyMC-Marketing's own
    ``customer_lifetime_value`` (which asks for each month's purchases in turn) bit for bit."""
    from pymc_marketing.clv import BetaGeoModel
    from pymc_marketing.clv.utils import customer_lifetime_value

    rfm = continuous_rfm(histories, DAYS).head(300)
    frame = rfm.select(*model.RFM_COLUMNS).to_pandas().assign(customer_id=np.arange(300))
    transactions = model._library_model(BetaGeoModel, model.fit_bgnbd(rfm).params, frame)
    spend = np.linspace(5.0, 60.0, 300)
    every_month = model.expected_purchases(
        transactions, frame, tuple(model.DAYS_A_MONTH * month for month in range(1, 37)))
    ours = model.discounted_values(every_month, spend, (12, 36), monthly_discount)
    for months in (12, 36):
        library = customer_lifetime_value(
            transaction_model=transactions, data=frame.assign(future_spend=spend),
            future_t=months, discount_rate=monthly_discount, time_unit="D")
        expected = library.squeeze(drop=True).sel(customer_id=np.arange(300)).values
        assert np.array_equal(ours[months], expected), months
    assert (ours[36] > ours[12]).all()


def test_every_horizon_asked_at_once_is_the_librarys_answer_for_each_horizon(histories):
    """``expected_purchases`` asks for several horizons in one library call: each horizon's
    figures are those of asking the library for that horizon alone, bit for bit."""
    from pymc_marketing.clv import BetaGeoModel

    rfm = continuous_rfm(histories, DAYS).head(300)
    frame = rfm.select(*model.RFM_COLUMNS).to_pandas().assign(customer_id=np.arange(300))
    transactions = model._library_model(BetaGeoModel, model.fit_bgnbd(rfm).params, frame)
    horizons = (*model.HORIZONS, 60, 720)
    together = model.expected_purchases(transactions, frame, horizons)
    assert together.shape == (len(horizons), 300)
    for row, days in zip(together, horizons, strict=True):
        alone = transactions.expected_purchases(data=frame, future_t=days)
        assert np.array_equal(row, alone.squeeze(drop=True).sel(
            customer_id=np.arange(300)).values), days
    assert (together[2] > together[0]).all()  # 365 days hold more purchases than 30


def test_a_history_without_repeat_buyers_is_not_fitted(monkeypatch):
    """35 buyers of whom 2 bought again (the generator's first 49 days at 1,000 customers):
    the likelihood is flat toward the edges, and an unbounded fit once ended where the
    library's predictions raise. Such a history is not fitted; forced, the fit stays within
    its bounds (here r runs to e^-17 unbounded, so a bound of 5 must hold it) and its
    predictions are finite."""
    rfm = pl.DataFrame({"frequency": [1.0, 1.0] + [0.0] * 33,
                        "recency": [12.0, 30.0] + [0.0] * 33,
                        "T": [40.0, 45.0] + [float(1 + i) for i in range(33)],
                        "monetary_value": [50.0, 80.0] + [0.0] * 33})
    enough = pl.concat([rfm, rfm.head(2).with_columns(frequency=pl.lit(1.0 + 1))] * 5)
    assert not model.identifiable(rfm) and model.identifiable(enough)
    monkeypatch.setattr(model, "LOG_BOUND", 5.0)
    fit = model.fit_bgnbd(rfm)
    bounded = np.log(list(fit.params.values()))
    assert np.all(np.abs(bounded) <= 5.0 + 1e-9) and bounded.min() < -4.9
    out = model.predict(rfm, fit.params, None, 0.01, ())
    assert np.isfinite(out["expected_purchases_90d"].to_numpy()).all()


def test_the_bench_measures_a_converged_fit_and_its_holdout():
    """``customer-platform bench``'s purchase-model phase, small: its figures come from a
    converged fit of the simulated population, and its holdout totals are the chart's."""
    from customer_platform.tools.bench_clv import purchase_model

    figures = purchase_model(3_000, seed=5)
    assert figures["converged"] and figures["customers"] == 3_000
    assert figures["fit_s"] > 0 and figures["score_s"] > 0
    assert figures["holdout_predicted"] == pytest.approx(figures["holdout_actual"], rel=0.1)
    assert 0 <= figures["holdout_mae"] < 0.2


def test_a_fit_whose_predictions_overflow_gives_none(monkeypatch):
    """Parameters the year run's day 2026-06-29 converged to (91 days of 1,000 customers: r
    and alpha near 10^6 and 10^8, b near 10^-6): the library's predictions are NaN there.
    The day then says not_converged and predicts nothing, and its calibration chart is
    empty, rather than writing NaN or failing the run."""
    import datetime as dt

    from customer_platform.gold.analytics import clv_purchase_model

    edge = {"r": 1682265.2, "alpha": 485165195.4, "a": 259067.6, "b": 3.86e-06}
    rfm = pl.DataFrame({
        "customer_key": [f"k{i}" for i in range(40)], "customer_id": [f"C{i}" for i in range(40)],
        "first_purchase_date": [dt.date(2026, 1, 1)] * 40,
        "frequency": [float(i % 3) for i in range(40)],
        "recency": [float(10 * (i % 3)) for i in range(40)], "T": [80.0] * 40,
        "monetary_value": [0.0 if i % 3 == 0 else 40.0 + i for i in range(40)]})
    assert not model.predicts_everyone(model.predict(rfm, edge, None, 0.01, ()))
    assert model.predicts_everyone(model.predict(rfm, TRUE, None, 0.01, ()))
    monkeypatch.setattr(model, "fit_bgnbd", lambda frame, start=None: model.Fit(
        params=edge, log_likelihood=-10.0, converged=True, iterations=5,
        standard_errors=dict.fromkeys(edge, 1.0)))
    calibration = rfm.with_columns(holdout_purchases=pl.lit(1))
    row, customers, chart = clv_purchase_model.fit_day(rfm, calibration, dt.date(2026, 6, 29))
    assert row["status"] == "not_converged" and row["bgnbd_converged"]
    assert customers["probability_alive"].null_count() == customers.height == 40
    assert chart.is_empty() and row["holdout_mae"] is None
