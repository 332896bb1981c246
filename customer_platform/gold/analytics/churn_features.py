"""``gold.churn_features``: the ML-ready feature rows of every customer who can still churn,
per day, keyed by ``(customer_key, feature_date)``: the catalogue's features for the customers
of customer_360 whose CRM status on D is Active or Inactive. No label is ever joined in
(``churn_labels`` is written N days later; only the model joins the two), so a feature row
never sees its own future. Each materialisation carries the feature statistics (null rate,
mean, drift versus the day before as a population stability index) in its metadata.
"""

import datetime as dt

import numpy as np
import polars as pl
from dagster import MetadataValue

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import (
    ACTIVE_STATUSES,
    analytics_table,
)
from customer_platform.gold.analytics._features import (
    FEATURE_NAMES,
    FEATURES,
    model_with_features,
)
from customer_platform.gold.base import GoldTable
from customer_platform.gold.sql import DAY
from customer_platform.resources import Warehouse

#: A population stability index above this is usually read as a shift worth a look.
PSI_DRIFT = 0.2
#: Bins of the PSI: the previous day's deciles.
PSI_BINS = 10

ChurnFeatures = model_with_features("ChurnFeatures", {
    "customer_key": (str, column("Customer (dim_customer.customer_key)")),
    "customer_id": (str, column("Customer business key")),
    "feature_date": (dt.date, column("Day the features describe (as of; equals load_date)")),
})


def psi(previous: np.ndarray, current: np.ndarray, bins: int = PSI_BINS) -> float | None:
    """Population stability index of ``current`` against ``previous`` (nulls dropped), over
    the previous values' quantile bins; None when either side is empty."""
    previous, current = previous[~np.isnan(previous)], current[~np.isnan(current)]
    if previous.size == 0 or current.size == 0:
        return None
    edges = np.unique(np.quantile(previous, np.linspace(0, 1, bins + 1)[1:-1]))
    expected = np.bincount(np.searchsorted(edges, previous, side="right"),
                           minlength=edges.size + 1) / previous.size
    actual = np.bincount(np.searchsorted(edges, current, side="right"),
                         minlength=edges.size + 1) / current.size
    expected, actual = np.clip(expected, 1e-4, None), np.clip(actual, 1e-4, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def day_matrices(warehouse: Warehouse, days: list[dt.date]) -> dict[dt.date, pl.DataFrame]:
    """The feature matrix of each of ``days`` (a day without rows is absent), read in one
    query: each day's statistics compare it with the day before, so a range reads each
    matrix once instead of twice and a query apiece."""
    columns = ", ".join(f"CAST({name} AS FLOAT) AS {name}" for name in FEATURE_NAMES)
    with warehouse.get_connection() as con:
        rows = con.sql(f"SELECT load_date, {columns} FROM gold.churn_features "
                       "WHERE load_date BETWEEN ? AND ?", params=[min(days), max(days)]).pl()
    return {day: matrix for (day,), matrix in rows.partition_by(
        "load_date", as_dict=True, include_key=False).items()}


def feature_statistics(today: pl.DataFrame, yesterday: pl.DataFrame | None) -> pl.DataFrame:
    """Per feature: null rate and mean of a day's matrix (``day_matrices``), mean and PSI
    versus the day before's (None: no rows that day)."""
    rows = []
    for name in FEATURE_NAMES:
        now = today[name].to_numpy().astype(np.float64)
        before = yesterday[name].to_numpy().astype(np.float64) if yesterday is not None \
            else None
        rows.append({
            "feature": name,
            "null_rate": float(np.isnan(now).mean()) if now.size else None,
            "mean": float(np.nanmean(now)) if now.size and not np.isnan(now).all() else None,
            "previous_mean": float(np.nanmean(before)) if before is not None
            and not np.isnan(before).all() else None,
            "psi": psi(before, now) if before is not None else None,
        })
    return pl.DataFrame(rows, schema={"feature": pl.String, "null_rate": pl.Float64,
                                      "mean": pl.Float64, "previous_mean": pl.Float64,
                                      "psi": pl.Float64})


def _markdown(stats: pl.DataFrame) -> str:
    def cell(value):
        return "" if value is None else f"{value:.4g}"

    lines = ["| feature | null rate | mean | previous day's mean | PSI vs previous day |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['feature']} | {cell(r['null_rate'])} | {cell(r['mean'])} | "
              f"{cell(r['previous_mean'])} | {cell(r['psi'])} |"
              for r in stats.iter_rows(named=True)]
    return "\n".join(lines)


def statistics_metadata(warehouse: Warehouse, table: GoldTable, days: list[dt.date]
                        ) -> dict[dt.date, dict]:
    """The feature statistics of each written day, for its materialisation's metadata."""
    described = {}
    matrices = day_matrices(warehouse, [min(days) - dt.timedelta(days=1), *days])
    empty = pl.DataFrame(schema=dict.fromkeys(FEATURE_NAMES, pl.Float32))
    for day in days:
        stats = feature_statistics(matrices.get(day, empty),
                                   matrices.get(day - dt.timedelta(days=1)))
        drifting = stats.filter(pl.col("psi") > PSI_DRIFT)["feature"].to_list()
        described[day] = {
            "features": len(FEATURE_NAMES),
            "feature_statistics": MetadataValue.md(_markdown(stats)),
            "max_null_rate": stats["null_rate"].max(),
            "max_psi": stats["psi"].max(),
            "features_drifting": len(drifting),
            "features_drifting_names": ", ".join(drifting[:20]),
        }
    return described


CHURN_FEATURES = analytics_table(
    name="churn_features",
    model=ChurnFeatures,
    description="Churn prediction features: the ML-ready dataset of "
    f"{len(FEATURES)} features, each defined once in the feature catalogue "
    "(docs/churn_features.md), for every active customer as of each day; point in time, and "
    "without labels (gold.churn_labels). Feature statistics (null rate, mean, drift versus "
    "the previous day) are in each materialisation's metadata.",
    sources=("gold.customer_360",),
    grain="one row per customer with CRM status Active or Inactive on the partition day",
    sql=f"""
    SELECT customer_key, customer_id, load_date AS feature_date, {", ".join(FEATURE_NAMES)},
           load_date, update_date, source_system
    FROM gold.customer_360
    WHERE load_date = {DAY} AND status IN ({", ".join(f"'{s}'" for s in ACTIVE_STATUSES)})
    """,
    after_write=statistics_metadata,
)
