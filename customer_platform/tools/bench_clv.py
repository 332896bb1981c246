"""The purchase model's benchmark (``customer-platform bench``): BG/NBD and Gamma-Gamma fitted
and scored for a population simulated from known parameters, in a child process so its peak
memory is its own, with the calibration/holdout error of the same population."""

import time

import numpy as np

from customer_platform.gold.analytics import _purchase_model as model
from customer_platform.gold.analytics._common import HORIZON_MONTHS, MONTHLY_DISCOUNT

#: The simulated population: occasional buyers (about one purchase in 16 days while alive,
#: most dropping out within a few purchases), purchases worth about 30.
TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "v": 15.0}
DAYS = 365


def purchase_model(customers: int, seed: int) -> dict:
    """Simulate ``customers`` over a year, then time the likelihoods' compilation (once per
    process), the fit of both models and the scoring (every prediction the asset writes),
    and the calibration/holdout check."""
    began = time.perf_counter()
    histories = model.simulate(TRUE, customers, DAYS, seed)
    rfm, calibration = model.simulated_histories(histories, DAYS)
    prepared = time.perf_counter()
    model.fit_bgnbd(rfm.head(100))  # compiles both likelihoods: once per process
    model.fit_gamma_gamma(rfm.filter(rfm["frequency"] > 0).head(100))
    compiled = time.perf_counter()
    bgnbd, spend = model.fit_bgnbd(rfm), model.fit_gamma_gamma(rfm)
    fitted = time.perf_counter()
    model.predict(rfm, bgnbd.params, spend.params, MONTHLY_DISCOUNT,
                  (model.CLV_MONTHS, HORIZON_MONTHS))
    scored = time.perf_counter()
    holdout = model.fit_bgnbd(calibration)
    predicted = model.predict(calibration, holdout.params, None, MONTHLY_DISCOUNT, ())[
        f"expected_purchases_{model.HOLDOUT_DAYS}d"].to_numpy()
    actual = calibration["holdout_purchases"].to_numpy()
    chart = model.calibration_groups(calibration, predicted, actual)
    return {"customers": rfm.height, "purchases": histories.height,
            "simulate_s": prepared - began, "compile_s": compiled - prepared,
            "fit_s": fitted - compiled, "score_s": scored - fitted,
            "holdout_s": time.perf_counter() - scored,
            "converged": bgnbd.converged and spend.converged,
            "params": {**bgnbd.params, **spend.params}, "true": TRUE,
            "holdout_mae": model.holdout_error(chart),
            "holdout_predicted": float(np.sum(predicted)),
            "holdout_actual": float(np.sum(actual))}
