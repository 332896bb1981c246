"""``gold.clv_purchase_model``: the purchase model fitted each day on the orders known that day,
BG/NBD (how many more purchases, still alive?) and Gamma-Gamma (what a purchase is worth), the
"buy till you die" models of customers who buy when they please. The asset writes the day's
population parameters and diagnostics here, each buying customer's predictions to
``customer_purchase_clv`` and the calibration/holdout chart to ``clv_purchase_calibration``.
The model code is ``_purchase_model.py``; the formulas are in docs/metrics.md.
"""

import datetime as dt

import numpy as np
import polars as pl
from dagster import AssetExecutionContext, multi_asset

from customer_platform.contracts.base import column
from customer_platform.gold.analytics import _purchase_model as model
from customer_platform.gold.analytics._common import (
    HORIZON_MONTHS,
    LONGEST_WINDOW,
    MONTHLY_DISCOUNT,
    analytics_spec,
    keep_frame,
    model_results,
    stamped,
)
from customer_platform.gold.analytics._model import model_table
from customer_platform.gold.analytics.clv_purchase_calibration import CLV_PURCHASE_CALIBRATION
from customer_platform.gold.analytics.customer_purchase_clv import CUSTOMER_PURCHASE_CLV
from customer_platform.gold.base import GoldModel, gold_check_specs, written_by_range
from customer_platform.gold.metrics import Metric
from customer_platform.gold.sql import exact_sum
from customer_platform.partitions import RANGED, daily_partitions, each_day, record_day
from customer_platform.resources import Warehouse
from customer_platform.settings import partition_start

STATUSES = ("fitted", "purchases_only", "not_converged", "insufficient_data")


class ClvPurchaseModel(GoldModel):
    model_id: str = column("Model name: clv_bgnbd_gamma_gamma_<partition day>", unique=True)
    status: str = column(
        "fitted (both models), purchases_only (BG/NBD; too few repeat customers for "
        "Gamma-Gamma, or its fit has no finite mean), not_converged (BG/NBD did not converge, "
        "or converged where its predictions are not finite numbers: no predictions) or "
        f"insufficient_data (fewer than {model.MIN_CUSTOMERS} buying "
        f"customers, or fewer than {model.MIN_REPEAT_CUSTOMERS} with a repeat purchase)",
        isin=list(STATUSES))
    customers: int = column("Customers with a fulfilled order known by D", ge=0)
    repeat_customers: int = column("Of them, customers with a repeat purchase day of positive "
                                   "value (Gamma-Gamma's data)", ge=0)
    r: float = column("BG/NBD purchase-rate shape (rate ~ Gamma(r, alpha), per day)",
                      nullable=True, gt=0.0)
    alpha: float = column("BG/NBD purchase-rate scale (days)", nullable=True, gt=0.0)
    a: float = column("BG/NBD dropout a (dropout probability ~ Beta(a, b))", nullable=True,
                      gt=0.0)
    b: float = column("BG/NBD dropout b", nullable=True, gt=0.0)
    bgnbd_log_likelihood: float = column("BG/NBD log-likelihood at the estimates",
                                         nullable=True)
    bgnbd_converged: bool = column("The BG/NBD optimiser converged", nullable=True)
    bgnbd_iterations: int = column("Its iterations", nullable=True, ge=0)
    p: float = column("Gamma-Gamma spend shape p", nullable=True, gt=0.0)
    q: float = column("Gamma-Gamma q (shape of nu ~ Gamma(q, v))", nullable=True, gt=0.0)
    v: float = column("Gamma-Gamma v (rate of nu)", nullable=True, gt=0.0)
    gamma_gamma_log_likelihood: float = column("Gamma-Gamma log-likelihood at the estimates",
                                               nullable=True)
    gamma_gamma_converged: bool = column("The Gamma-Gamma optimiser converged", nullable=True)
    calibration_end: dt.date = column(
        f"Last day of the calibration fit (D - {model.HOLDOUT_DAYS}); empty while the history "
        "is shorter", nullable=True)
    holdout_customers: int = column("Customers of the calibration/holdout check", ge=0)
    holdout_predicted_purchases: float = column(
        f"Purchase days the calibration fit predicts for them in the {model.HOLDOUT_DAYS} "
        "days after calibration_end", nullable=True, ge=0.0)
    holdout_actual_purchases: float = column("Purchase days they made", nullable=True, ge=0.0)
    holdout_mae: float = column(
        "Mean absolute error of the calibration/holdout chart: |predicted - actual| mean "
        "purchases of each calibration-purchase group, weighted by its customers",
        nullable=True, ge=0.0)


CLV_PURCHASE_MODEL = model_table(
    "clv_purchase_model", ClvPurchaseModel,
    "The purchase model (beyond the seeds): BG/NBD and Gamma-Gamma fitted each day on the "
    "fulfilled orders known by then (PyMC-Marketing's likelihoods, maximum likelihood); the "
    "population parameters (r, alpha, a, b; p, q, v), fit diagnostics and the "
    "calibration/holdout error.",
    "one row per partition day (the model fitted that day)", ("model_id",),
    sources=("gold.fact_order",),
    source_windows=(("gold.fact_order", (-(LONGEST_WINDOW - 1), 0)),),
    writer="clv_purchase_model", seed="004")


def _purchases_sql(day: dt.date) -> str:
    """SQL: one row per customer and purchase day (a day with a fulfilled order) known by
    ``day``: each order in its latest delivery received by then."""
    return f"""
    SELECT customer_key, max(customer_id) AS customer_id, event_date AS purchase_date,
           {exact_sum("total_amount")} AS amount
    FROM (SELECT * FROM gold.fact_order
          WHERE load_date <= DATE '{day}' AND event_date <= DATE '{day}'
          QUALIFY row_number() OVER (PARTITION BY order_key ORDER BY load_date DESC) = 1)
    WHERE is_completed
    GROUP BY customer_key, event_date"""


def histories(con, day: dt.date) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """(RFM as of ``day``, RFM as of the calibration end with each customer's holdout purchase
    days, or None while the history is shorter than the holdout), by customer_key."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE purchases AS {_purchases_sql(day)}")
    rfm = con.sql(f"""
        SELECT r.*, ids.customer_id FROM ({model.rfm_sql("purchases", f"DATE '{day}'")}) r
        JOIN (SELECT customer_key, max(customer_id) AS customer_id FROM purchases
              GROUP BY customer_key) ids USING (customer_key)
        ORDER BY customer_key""").pl()
    end = day - dt.timedelta(days=model.HOLDOUT_DAYS)
    calibration = None
    if end >= partition_start():
        calibration = con.sql(model.calibration_sql("purchases", f"DATE '{end}'")).pl()
    con.execute("DROP TABLE purchases")
    return rfm, calibration


def fit_day(rfm: pl.DataFrame, calibration: pl.DataFrame | None, day: dt.date
            ) -> tuple[dict, pl.DataFrame, pl.DataFrame]:
    """The day's model row, its per-customer predictions and its calibration chart."""
    repeat = model.repeat_customers(rfm).height
    row = {"model_id": f"clv_bgnbd_gamma_gamma_{day.isoformat()}",
           "status": "insufficient_data", "customers": rfm.height, "repeat_customers": repeat,
           **dict.fromkeys(model.BGNBD + model.GAMMA_GAMMA), "bgnbd_log_likelihood": None,
           "bgnbd_converged": None, "bgnbd_iterations": None,
           "gamma_gamma_log_likelihood": None, "gamma_gamma_converged": None,
           "calibration_end": None, "holdout_customers": 0,
           "holdout_predicted_purchases": None, "holdout_actual_purchases": None,
           "holdout_mae": None}
    bgnbd = gamma_gamma = None
    if model.identifiable(rfm):
        fit = model.fit_bgnbd(rfm)
        row.update(fit.params, bgnbd_log_likelihood=fit.log_likelihood,
                   bgnbd_converged=fit.converged, bgnbd_iterations=fit.iterations,
                   status="not_converged")
        if fit.converged:
            bgnbd, row["status"] = fit.params, "purchases_only"
    if bgnbd is not None and repeat >= model.MIN_REPEAT_CUSTOMERS:
        spend = model.fit_gamma_gamma(rfm)
        row.update(spend.params, gamma_gamma_log_likelihood=spend.log_likelihood,
                   gamma_gamma_converged=spend.converged)
        if spend.converged and spend.params["q"] > 1:  # else the mean spend is infinite
            gamma_gamma, row["status"] = spend.params, "fitted"
    customers = rfm.select(
        "customer_key", "customer_id", pl.lit(row["model_id"]).alias("model_id"),
        "first_purchase_date", pl.col("frequency").cast(pl.Int64),
        pl.col("recency").cast(pl.Int64).alias("recency_days"),
        pl.col("T").cast(pl.Int64).alias("t_days"), "monetary_value")
    predictions = None
    if bgnbd is not None:
        predictions = model.predict(rfm, bgnbd, gamma_gamma, MONTHLY_DISCOUNT,
                                    (model.CLV_MONTHS, HORIZON_MONTHS))
        if not model.predicts_everyone(predictions):  # a flat likelihood's far edge: no estimate
            predictions, row["status"] = None, "not_converged"
    if predictions is None:
        customers = customers.with_columns(pl.lit(None, pl.Float64).alias(c) for c in _PREDICTED)
    else:
        customers = pl.concat([customers, predictions.rename(
            {f"clv_{HORIZON_MONTHS}m": "clv_horizon"}).select(_PREDICTED)], how="horizontal")
    chart = _calibration(calibration, day, row)
    return row, customers, chart


_PREDICTED = (*(f"expected_purchases_{h}d" for h in model.HORIZONS), "probability_alive",
              "expected_order_value", f"clv_{model.CLV_MONTHS}m", "clv_horizon")


def _calibration(calibration: pl.DataFrame | None, day: dt.date, row: dict) -> pl.DataFrame:
    """Fit on the calibration period, predict the holdout days, and group by calibration
    purchases (the chart); the figures go into ``row``."""
    empty = pl.DataFrame(schema={"calibration_purchases": pl.Int64, "customers": pl.Int64,
                                 "predicted_purchases": pl.Float64,
                                 "actual_purchases": pl.Float64})
    if calibration is None:
        return empty
    row["calibration_end"] = day - dt.timedelta(days=model.HOLDOUT_DAYS)
    if not model.identifiable(calibration):
        return empty
    fit = model.fit_bgnbd(calibration)
    if not fit.converged:
        return empty
    predictions = model.predict(calibration, fit.params, None, MONTHLY_DISCOUNT, ())
    if not model.predicts_everyone(predictions):
        return empty
    predicted = predictions[f"expected_purchases_{model.HOLDOUT_DAYS}d"].to_numpy()
    actual = calibration["holdout_purchases"].to_numpy()
    chart = model.calibration_groups(calibration, predicted, actual)
    row.update(holdout_customers=calibration.height,
               holdout_predicted_purchases=float(np.sum(predicted)),
               holdout_actual_purchases=float(np.sum(actual)),
               holdout_mae=model.holdout_error(chart))
    return chart


@multi_asset(
    specs=[analytics_spec(t, {"python", "pymc", "duckdb"}) for t in
           (CLV_PURCHASE_MODEL, CUSTOMER_PURCHASE_CLV, CLV_PURCHASE_CALIBRATION)],
    check_specs=[*gold_check_specs(CLV_PURCHASE_MODEL), *gold_check_specs(CUSTOMER_PURCHASE_CLV),
                 *gold_check_specs(CLV_PURCHASE_CALIBRATION)],
    partitions_def=daily_partitions,
    backfill_policy=RANGED,
    name="gold__clv_purchase_model",
)
def clv_purchase_model(context: AssetExecutionContext, warehouse: Warehouse):
    tables = (CLV_PURCHASE_MODEL, CUSTOMER_PURCHASE_CLV, CLV_PURCHASE_CALIBRATION)

    def fit(day):
        """Fit on the orders known by ``day`` and write its three tables."""
        with warehouse.get_connection() as con:
            rfm, calibration = histories(con, day)
        row, customers, chart = fit_day(rfm, calibration, day)
        frames = (pl.DataFrame([row], schema_overrides={"calibration_end": pl.Date}),
                  customers, chart)
        for table, frame in zip(tables, frames, strict=True):
            keep_frame(writes, table, day, stamped(frame, day))
        figures = {k: v for k, v in row.items() if v is not None and k != "model_id"}
        record_day(context, day, {"dagster/row_count": 1, **{
            k: str(v) if isinstance(v, dt.date) else v for k, v in figures.items()}},
                   CLV_PURCHASE_MODEL.key)
        record_day(context, day, {"dagster/row_count": customers.height},
                   CUSTOMER_PURCHASE_CLV.key)
        record_day(context, day, {"dagster/row_count": chart.height},
                   CLV_PURCHASE_CALIBRATION.key)

    with written_by_range(context, warehouse) as writes:
        each_day(context, fit)
    yield from model_results(context, tables, writes)


#: The three tables are written by their own asset (Python).
ASSETS = [clv_purchase_model]

METRICS = [
    Metric(name="r, alpha, a, b; p, q, v", table="clv_purchase_model",
           formula="maximum-likelihood estimates of BG/NBD (Fader, Hardie & Lee 2005: while "
           "alive a customer buys at rate lambda ~ Gamma(r, alpha) a day and drops out with "
           "probability p ~ Beta(a, b) after each repeat purchase) on every buying customer's "
           "(frequency, recency, T), and of Gamma-Gamma (Fader & Hardie 2013: a purchase is "
           "worth Gamma(p, nu), nu ~ Gamma(q, v)) on the repeat customers' (frequency, mean "
           "repeat value); PyMC-Marketing's likelihoods under flat priors, maximised by SciPy "
           "L-BFGS-B", grain="model, per partition day",
           filters="fulfilled orders (is_completed) received and placed by D; a purchase is "
                   "a customer's day with one or more of them",
           periods="all history known by D", seed="004"),
    Metric(name="holdout_mae", table="clv_purchase_model",
           formula=f"BG/NBD fitted on the history up to D - {model.HOLDOUT_DAYS} predicts "
           f"each customer's purchase days in the {model.HOLDOUT_DAYS} days after; grouped by "
           f"calibration repeat purchases (0..{model.CALIBRATION_GROUPS}+), sum over groups "
           "of customers x |mean predicted - mean actual| / customers",
           grain="model, per partition day",
           filters="customers whose first purchase is by the calibration end",
           periods=f"calibration up to D - {model.HOLDOUT_DAYS}, holdout the days after",
           seed="004"),
]
