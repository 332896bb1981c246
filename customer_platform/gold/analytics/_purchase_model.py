"""The purchase model behind purchase-based CLV: BG/NBD for how many purchases a customer will
still make and whether they are still "alive", Gamma-Gamma for what a purchase is worth
(Fader, Hardie & Lee 2005; Fader & Hardie 2013), the "buy till you die" family the field uses
for customers who buy when they please. docs/metrics.md has the formulas.

The likelihoods and the predictions are PyMC-Marketing's (``BetaGeoNBD``, ``BetaGeoModel``,
``GammaGammaModel``, and the sum of ``customer_lifetime_value``, asked in one call instead of
month by month: ``discounted_values``). Its own ``fit(method="map")`` rebuilds and recompiles
the model on every call (about 0.5 s per model here, three fits a day); this module compiles
each likelihood once per process and maximises it with SciPy, which gives the same estimates
(``test_purchase_model.py`` compares them) in milliseconds. The flat priors make the point
estimate the maximum-likelihood one.

Time is in days: ``frequency`` counts the purchase days after the first, ``recency`` is the
days from the first to the last purchase day, ``T`` the days from the first purchase day to
the day the history ends, and ``monetary_value`` the mean value of the repeat purchase days.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings

import numpy as np
import polars as pl

#: Purchase-count horizons (days) predicted for each customer.
HORIZONS = (30, 90, 365)
#: Months of discounted purchase value in ``clv_12m``.
CLV_MONTHS = 12
#: Days held out for the calibration/holdout check.
HOLDOUT_DAYS = 90
#: Fewer customers, or fewer with a repeat purchase, than this: no fit. Without repeat
#: purchases nothing tells a slow buyer from one who left (2 repeat customers among 35 sent
#: the parameters to 10^6 and 10^-6: nonsense, then a crash).
MIN_CUSTOMERS = 30
MIN_REPEAT_CUSTOMERS = 10
#: The fit searches log-parameters within +-LOG_BOUND, so every estimate is a finite positive
#: number the library's predictions accept, even where the likelihood is flattest.
LOG_BOUND = 20.0
#: Calibration purchase counts shown one by one in the calibration chart; more are pooled.
CALIBRATION_GROUPS = 7

BGNBD = ("r", "alpha", "a", "b")
GAMMA_GAMMA = ("p", "q", "v")
#: RFM columns, as the libraries name them.
RFM_COLUMNS = ("frequency", "recency", "T", "monetary_value")


@dataclasses.dataclass(frozen=True)
class Fit:
    """A maximum-likelihood fit: the parameters, the log-likelihood at them, whether the
    optimiser converged, its iterations, and the standard errors (inverse Hessian)."""

    params: dict[str, float]
    log_likelihood: float
    converged: bool
    iterations: int
    standard_errors: dict[str, float]


def rfm_sql(purchases: str, end: str) -> str:
    """SQL: one RFM row per customer from ``purchases`` (customer_key, purchase_date,
    amount; one row per customer and purchase day) up to the DATE expression ``end``. Sums
    are exact, so the fit does not depend on the order DuckDB meets the rows."""
    from customer_platform.gold.sql import exact_sum

    return f"""
    SELECT customer_key, min(purchase_date) AS first_purchase_date,
           CAST(count(*) - 1 AS DOUBLE) AS frequency,
           CAST(max(purchase_date) - min(purchase_date) AS DOUBLE) AS recency,
           CAST({end} - min(purchase_date) AS DOUBLE) AS "T",
           CASE WHEN count(*) > 1
                THEN ({exact_sum("amount")} - arg_min(amount, purchase_date)) / (count(*) - 1)
                ELSE 0.0 END AS monetary_value
    FROM {purchases}
    WHERE purchase_date <= {end}
    GROUP BY customer_key"""


def calibration_sql(purchases: str, end: str) -> str:
    """SQL: the RFM rows of ``rfm_sql`` up to ``end`` with each customer's purchase days
    after it (``holdout_purchases``), by customer_key: the calibration/holdout data."""
    return f"""
    SELECT c.*, coalesce(h.purchases, 0) AS holdout_purchases
    FROM ({rfm_sql(purchases, end)}) c
    LEFT JOIN (SELECT customer_key, count(*) AS purchases FROM {purchases}
               WHERE purchase_date > {end} GROUP BY customer_key) h USING (customer_key)
    ORDER BY customer_key"""


# -- the likelihoods, compiled once ------------------------------------------------------------


@functools.cache
def _bgnbd_objective():
    """(negative log-likelihood, its gradient) of BG/NBD in log-parameters, from
    PyMC-Marketing's ``BetaGeoNBD`` distribution."""
    import pymc as pm
    import pytensor
    import pytensor.tensor as pt
    from pymc_marketing.clv.distributions import BetaGeoNBD

    theta = pt.dvector("log_params")
    recency, frequency, t = pt.dvector("recency"), pt.dvector("frequency"), pt.dvector("T")
    r, alpha, a, b = (pt.exp(theta[i]) for i in range(4))
    ll = pm.logp(BetaGeoNBD.dist(a=a, b=b, r=r, alpha=alpha, T=t),
                 pt.stack([recency, frequency], axis=-1)).sum()
    return pytensor.function([theta, recency, frequency, t], [-ll, -pt.grad(ll, theta)])


def gamma_gamma_log_likelihood(p, q, v, frequency, monetary_value):
    """Per-customer Gamma-Gamma log-likelihood of the mean repeat spend (Fader & Hardie 2013,
    eq. 1a); the expression PyMC-Marketing's ``GammaGammaModel`` puts in its model, which a
    test checks."""
    import pytensor.tensor as pt

    x, z = frequency, monetary_value
    return (pt.gammaln(p * x + q) - pt.gammaln(p * x) - pt.gammaln(q) + q * pt.log(v)
            + (p * x - 1) * pt.log(z) + (p * x) * pt.log(x) - (p * x + q) * pt.log(x * z + v))


@functools.cache
def _gamma_gamma_objective():
    import pytensor
    import pytensor.tensor as pt

    theta = pt.dvector("log_params")
    frequency, monetary_value = pt.dvector("frequency"), pt.dvector("monetary_value")
    p, q, v = (pt.exp(theta[i]) for i in range(3))
    ll = gamma_gamma_log_likelihood(p, q, v, frequency, monetary_value).sum()
    return pytensor.function([theta, frequency, monetary_value], [-ll, -pt.grad(ll, theta)])


def _maximise(objective, names: tuple[str, ...], data: tuple[np.ndarray, ...],
              start: dict[str, float] | None) -> Fit:
    """Maximise a compiled log-likelihood over log-parameters with L-BFGS-B, from ``start``
    (the previous day's estimates) or 1.0 each."""
    from scipy.optimize import minimize

    x0 = np.log([start[n] for n in names]) if start else np.zeros(len(names))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        result = minimize(objective, x0, args=data, jac=True, method="L-BFGS-B",
                          bounds=[(-LOG_BOUND, LOG_BOUND)] * len(names),
                          options={"maxiter": 2_000})
    params = dict(zip(names, np.exp(result.x).tolist(), strict=True))
    return Fit(params=params, log_likelihood=-float(result.fun),
               converged=bool(result.success) and bool(np.isfinite(result.fun)),
               iterations=int(result.nit),
               standard_errors=_standard_errors(objective, result.x, data, names))


def _standard_errors(objective, log_params: np.ndarray, data, names) -> dict[str, float]:
    """Standard errors of the parameters from the inverse of the observed information (a
    central-difference Hessian of the log-parameters, by the delta method)."""
    k, step = len(log_params), 1e-4
    hessian = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        hessian[i] = (objective(log_params + e, *data)[1]
                      - objective(log_params - e, *data)[1]) / (2 * step)
    try:
        covariance = np.linalg.inv((hessian + hessian.T) / 2)
        se = np.sqrt(np.clip(np.diag(covariance), 0, None)) * np.exp(log_params)
    except np.linalg.LinAlgError:
        se = np.full(k, np.nan)
    return dict(zip(names, se.tolist(), strict=True))


def predicts_everyone(predictions: pl.DataFrame) -> bool:
    """Every customer has its BG/NBD predictions (``predict`` turns a NaN into an empty
    value). A likelihood flat toward its edge can converge to parameters (r of 10^6, b of
    10^-6) where the library's hypergeometric terms overflow."""
    bgnbd = [c for c in predictions.columns
             if c.startswith("expected_purchases_") or c == "probability_alive"]
    return predictions.select(pl.col(bgnbd).null_count()).sum_horizontal().item() == 0


def identifiable(rfm: pl.DataFrame) -> bool:
    """Enough buyers, and enough repeat buyers, for BG/NBD to tell buying rates from
    drop-out."""
    return (rfm.height >= MIN_CUSTOMERS
            and rfm.filter(pl.col("frequency") > 0).height >= MIN_REPEAT_CUSTOMERS)


def fit_bgnbd(rfm: pl.DataFrame, start: dict[str, float] | None = None) -> Fit:
    """BG/NBD (r, alpha, a, b) on ``rfm``'s frequency, recency and T."""
    data = tuple(rfm[c].cast(pl.Float64).to_numpy() for c in ("recency", "frequency", "T"))
    return _maximise(_bgnbd_objective(), BGNBD, data, start)


def repeat_customers(rfm: pl.DataFrame) -> pl.DataFrame:
    """The customers Gamma-Gamma learns from: a repeat purchase of positive mean value."""
    return rfm.filter((pl.col("frequency") > 0) & (pl.col("monetary_value") > 0))


def fit_gamma_gamma(rfm: pl.DataFrame, start: dict[str, float] | None = None) -> Fit:
    """Gamma-Gamma (p, q, v) on the repeat customers' frequency and mean repeat value."""
    repeat = repeat_customers(rfm)
    data = tuple(repeat[c].cast(pl.Float64).to_numpy() for c in ("frequency", "monetary_value"))
    return _maximise(_gamma_gamma_objective(), GAMMA_GAMMA, data, start)


# -- predictions, by PyMC-Marketing -----------------------------------------------------------


def _library_model(cls, params: dict[str, float], data):
    """A PyMC-Marketing model of ``data`` whose point estimate is ``params`` (a one-draw
    posterior); built, never compiled."""
    import arviz as az
    import xarray as xr

    model = cls()
    model.build_model(data)
    model.idata = az.InferenceData(posterior=xr.Dataset(
        {name: (("chain", "draw"), [[value]]) for name, value in params.items()}))
    return model


def _per_customer(array, customers: int) -> np.ndarray:
    """A library prediction (chain, draw, customer_id) as one value per customer, in order."""
    return array.squeeze(drop=True).sel(customer_id=np.arange(customers)).values.astype(float)


def predict(rfm: pl.DataFrame, bgnbd: dict[str, float], gamma_gamma: dict[str, float] | None,
            monthly_discount: float, clv_months: tuple[int, ...] = (CLV_MONTHS,)
            ) -> pl.DataFrame:
    """Per customer of ``rfm`` (same order): expected purchases in each of ``HORIZONS``,
    probability alive, expected average order value and, for each of ``clv_months``, the
    discounted value of that many months (``clv_<months>m``); the last ones empty without a
    Gamma-Gamma fit. Every horizon and month is asked of the library in one call
    (``expected_purchases``): each customer's figure is elementwise, so the values are those
    of one call a horizon, to the last digit, at about half the cost."""
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    n = rfm.height
    frame = rfm.select(*RFM_COLUMNS).to_pandas().assign(customer_id=np.arange(n))
    clv = [f"clv_{months}m" for months in clv_months]
    valued = gamma_gamma is not None and n > 0
    every_month = np.arange(1, max(clv_months, default=0) + 1) if valued else np.arange(0)

    transactions = _library_model(BetaGeoModel, bgnbd, frame)
    purchases = expected_purchases(transactions, frame, (*HORIZONS, *(every_month * DAYS_A_MONTH)))
    out = {f"expected_purchases_{h}d": purchases[i] for i, h in enumerate(HORIZONS)}
    out["probability_alive"] = _per_customer(
        transactions.expected_probability_alive(data=frame), n)
    if not valued:
        for name in ("expected_order_value", *clv):
            out[name] = np.full(n, np.nan)
    else:
        spend = _library_model(GammaGammaModel, gamma_gamma, frame)
        # a first purchase only: the population mean (frequency 0 carries no value weight)
        out["expected_order_value"] = _per_customer(spend.expected_customer_spend(data=frame), n)
        worth = discounted_values(purchases[len(HORIZONS):], out["expected_order_value"],
                                  clv_months, monthly_discount)
        out.update((name, worth[months]) for name, months in zip(clv, clv_months, strict=True))
    return pl.DataFrame(out).fill_nan(None)


#: The library's days per month ("D") in ``customer_lifetime_value``.
DAYS_A_MONTH = 30


def expected_purchases(transactions, frame, horizons: tuple[int, ...]) -> np.ndarray:
    """The library's expected purchases of each customer of ``frame`` in each of ``horizons``
    (days), as (horizon, customer), from one call: every customer-horizon is one row."""
    import pandas as pd

    n = len(frame)
    if not horizons:
        return np.empty((0, n))
    asked = pd.concat([frame.assign(future_t=days) for days in horizons], ignore_index=True)
    asked = asked.assign(customer_id=np.arange(n * len(horizons)))
    return _per_customer(transactions.expected_purchases(data=asked),
                         n * len(horizons)).reshape(len(horizons), n)


def discounted_values(purchases: np.ndarray, future_spend: np.ndarray, months: tuple[int, ...],
                      monthly_discount: float) -> dict[int, np.ndarray]:
    """PyMC-Marketing's ``customer_lifetime_value`` (daily purchase history) for each of
    ``months``, to the last digit, from the expected purchases of every month up to the
    longest (``purchases``: month, customer; ``expected_purchases``). The library steps month
    by month, asking the model for each month's purchases (0.45 s for 12 and 36 months at 300
    customers, most of a fitted day's cost); each month's figure is elementwise, so every
    customer-month is asked at once, and the shorter horizons are the partial sums of the
    longest."""
    if monthly_discount == 0.0:  # the library then takes the one step to the horizon
        return {m: future_spend * purchases[m - 1] / 1.0 for m in months}
    worth, value, before = {}, 0.0, 0
    for step in range(1, len(purchases) + 1):
        value = value + (future_spend * (purchases[step - 1] - before)) / (
            1 + monthly_discount) ** step
        before = purchases[step - 1]
        if step in months:
            worth[step] = value
    return worth


# -- the calibration/holdout check -------------------------------------------------------------


def calibration_groups(calibration: pl.DataFrame, predicted: np.ndarray,
                       actual: np.ndarray) -> pl.DataFrame:
    """The calibration/holdout chart's rows: per number of calibration repeat purchases
    (``CALIBRATION_GROUPS`` or more pooled), customers, and mean predicted and actual
    purchases in the holdout days."""
    group = calibration["frequency"].cast(pl.Int64).clip(upper_bound=CALIBRATION_GROUPS)
    return (pl.DataFrame({"calibration_purchases": group, "predicted": predicted,
                          "actual": actual.astype(float)})
            .group_by("calibration_purchases")
            .agg(customers=pl.len(), predicted_purchases=pl.col("predicted").mean(),
                 actual_purchases=pl.col("actual").mean())
            .sort("calibration_purchases"))


def holdout_error(groups: pl.DataFrame) -> float:
    """Mean absolute error of the chart: |predicted - actual| purchases per customer of each
    group, weighted by the group's customers."""
    if groups.is_empty():
        return float("nan")
    gap = (groups["predicted_purchases"] - groups["actual_purchases"]).abs()
    return float((gap * groups["customers"]).sum() / groups["customers"].sum())


# -- simulation from known parameters (tests, bench) -------------------------------------------


def simulate(params: dict[str, float], customers: int, days: int, seed: int
             ) -> pl.DataFrame:
    """Purchase histories drawn from BG/NBD and Gamma-Gamma with ``params`` (r, alpha, a, b,
    p, q, v): each customer's first purchase on a uniform day of ``days``, then purchases at
    rate lambda ~ Gamma(r, alpha) until dropping out with probability p ~ Beta(a, b) after
    each repeat purchase; each purchase worth Gamma(p, nu), nu ~ Gamma(q, v). One row per
    purchase: customer, time (fractional day from 0) and amount."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(params["r"], 1 / params["alpha"], customers)
    dropout = rng.beta(params["a"], params["b"], customers)
    nu = rng.gamma(params["q"], 1 / params["v"], customers)
    first = rng.uniform(0, days, customers)
    customer, when = [np.arange(customers)], [first]
    t, alive = first.copy(), np.ones(customers, dtype=bool)
    while alive.any():
        t = t + rng.exponential(1 / np.maximum(rate, 1e-12))
        alive &= t < days
        customer.append(np.flatnonzero(alive))
        when.append(t[alive])
        alive &= rng.random(customers) >= dropout
    customer_all = np.concatenate(customer)
    amount = rng.gamma(params["p"], 1 / nu[customer_all])
    return pl.DataFrame({"customer": customer_all, "time": np.concatenate(when),
                         "amount": amount}).sort("customer", "time")


def simulated_histories(purchases: pl.DataFrame, days: int, holdout_days: int = HOLDOUT_DAYS
                        ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The simulated ``purchases`` as the platform sees them, by whole days through
    ``rfm_sql``: (RFM at the end of ``days``, RFM at ``holdout_days`` before it with each
    customer's purchase days after it in ``holdout_purchases``)."""
    import duckdb

    con = duckdb.connect()
    con.register("simulated", purchases.with_columns(
        day=pl.col("time").floor().cast(pl.Int32)).to_arrow())
    con.execute("""CREATE TABLE purchases AS
        SELECT customer AS customer_key, DATE '2000-01-01' + day AS purchase_date,
               sum(amount) AS amount
        FROM simulated GROUP BY ALL""")
    end = f"DATE '2000-01-01' + {days - 1}"
    cutoff = f"DATE '2000-01-01' + {days - 1 - holdout_days}"
    rfm = con.sql(f"{rfm_sql('purchases', end)} ORDER BY customer_key").pl()
    return rfm, con.sql(calibration_sql("purchases", cutoff)).pl()
