"""The clv_purchase_model asset on a tiny warehouse: the purchase history as known on D (late,
cancelled, re-delivered and same-day orders), the day's parameters, predictions and
calibration chart, and a re-run that replaces the day with the same rows."""

import datetime as dt

import polars as pl
import pytest
from dagster import DagsterInstance, materialize

from customer_platform.gold.analytics import _purchase_model as model
from customer_platform.gold.analytics.clv_purchase_model import clv_purchase_model
from customer_platform.gold.commerce.fact_order import FACT_ORDER
from customer_platform.settings import partition_start

from .conftest import analytics_warehouse

D = dt.date(2026, 6, 30)
START = partition_start()


def order(order_id: str, customer_id: str, placed: dt.date, amount: float,
          completed: bool = True) -> dict:
    return {"order_key": order_id, "order_id": order_id, "customer_id": customer_id,
            "event_date": placed, "total_amount": amount, "is_completed": completed}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    with analytics_warehouse(tmp_path_factory.mktemp("clv") / "analytics.duckdb") as wh:
        days = (D - START).days + 1
        simulated = model.simulate({"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.5, "p": 6.0,
                                    "q": 4.0, "v": 15.0}, customers=400, days=days, seed=3)
        by_day: dict[dt.date, list[dict]] = {}
        for i, (customer, time, amount) in enumerate(simulated.iter_rows()):
            placed = START + dt.timedelta(days=int(time))
            by_day.setdefault(placed, []).append(
                order(f"S{i}", f"S{customer:04d}", placed, round(amount, 2)))
        d = dt.date
        by_day.setdefault(d(2026, 1, 10), []).append(order("H1", "HAND", d(2026, 1, 10), 50.0))
        by_day.setdefault(d(2026, 2, 10), []).extend([  # two orders: one purchase day of 40
            order("H2", "HAND", d(2026, 2, 10), 30.0), order("H3", "HAND", d(2026, 2, 10), 10.0)])
        by_day.setdefault(d(2026, 2, 20), []).append(order("H4", "HAND", d(2026, 2, 20), 70.0))
        by_day.setdefault(d(2026, 3, 1), []).append(order("H5", "HAND", d(2026, 3, 1), 20.0))
        # H4 re-delivered as returned: its latest delivery is not a purchase
        by_day.setdefault(d(2026, 3, 5), []).append(
            order("H4", "HAND", d(2026, 2, 20), 70.0, completed=False))
        by_day.setdefault(d(2026, 6, 1), []).append(  # cancelled
            order("H6", "HAND", d(2026, 6, 1), 99.0, completed=False))
        by_day.setdefault(d(2026, 7, 2), []).append(  # placed by D, received after it
            order("H7", "HAND", d(2026, 6, 29), 99.0))
        for received, rows in sorted(by_day.items()):
            wh.put_gold(FACT_ORDER, rows, received)

        def run():
            with DagsterInstance.ephemeral() as instance:
                result = materialize([clv_purchase_model], partition_key=D.isoformat(),
                                     instance=instance, resources={"warehouse": wh.resource})
            assert result.success
            return {name: wh.read(f"SELECT * EXCLUDE (update_date) FROM gold.{name} "
                                  "WHERE load_date = ? ORDER BY ALL", [D])
                    for name in ("clv_purchase_model", "customer_purchase_clv",
                                 "clv_purchase_calibration")}

        first = run()
        yield first, run(), simulated["customer"].n_unique()


def test_the_history_is_what_was_known_on_the_day(fitted):
    tables, _, buyers = fitted
    customers = tables["customer_purchase_clv"]
    assert customers.height == buyers + 1
    hand = customers.filter(pl.col("customer_id") == "HAND").to_dicts()[0]
    assert hand["first_purchase_date"] == dt.date(2026, 1, 10)
    assert hand["frequency"] == 2  # Feb 10 and Mar 1 (Feb 20 was returned)
    assert hand["recency_days"] == (dt.date(2026, 3, 1) - dt.date(2026, 1, 10)).days
    assert hand["t_days"] == (D - dt.date(2026, 1, 10)).days
    assert hand["monetary_value"] == pytest.approx((40.0 + 20.0) / 2)


def test_the_day_has_its_parameters_predictions_and_chart(fitted):
    tables, _, buyers = fitted
    row = tables["clv_purchase_model"].to_dicts()[0]
    assert row["status"] == "fitted"
    assert row["customers"] == buyers + 1
    assert all(row[name] > 0 for name in (*model.BGNBD, *model.GAMMA_GAMMA))
    assert row["bgnbd_converged"] and row["gamma_gamma_converged"]
    assert row["calibration_end"] == D - dt.timedelta(days=model.HOLDOUT_DAYS)
    customers = tables["customer_purchase_clv"]
    assert customers["clv_12m"].null_count() == 0
    assert (customers["clv_horizon"] >= customers["clv_12m"]).all()
    chart = tables["clv_purchase_calibration"]
    assert chart["customers"].sum() == row["holdout_customers"] > 0
    assert chart["predicted_purchases"].dot(chart["customers"]) == pytest.approx(
        row["holdout_predicted_purchases"])


def test_a_rerun_replaces_the_day_with_the_same_rows(fitted):
    first, second, _ = fitted
    for name, frame in first.items():
        assert frame.equals(second[name]), name
