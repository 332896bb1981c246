"""Price elasticity: the fixed-effects log-log fit on a hand-computed sample, recovery of a
known elasticity from simulated orders, the thin-data verdicts, and the table written from
order lines with the segment and list price in force on the order day."""

import dataclasses
import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from customer_platform.gold.commerce.dim_product import DIM_PRODUCT
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.revops._rules import ElasticityRule
from customer_platform.gold.revops.agg_price_elasticity import (
    ALL_PRODUCTS,
    estimates,
    fit,
    fit_and_write,
    price_elasticity,
)

from .conftest import checked, day, put_calendar, put_stored_versions

LOOSE = ElasticityRule(min_lines=3, min_price_points=2, max_ci_width=10.0)


def lines(points: list[tuple[str, float, int]]) -> pl.DataFrame:
    return pl.DataFrame(points, schema=["product_id", "relative_price", "quantity"],
                        orient="row")


def test_fit_on_a_hand_computed_sample():
    # in units of ln 2: product A (x, y) = (0, 0), (-1, 1), (-2, 2), (-1, 2); B (0, 1), (-1, 2)
    sample = lines([("A", 1.0, 1), ("A", 0.5, 2), ("A", 0.25, 4), ("A", 0.5, 4),
                    ("B", 1.0, 2), ("B", 0.5, 4)])
    got = fit(sample, LOOSE)
    # demeaned within product: A x 1, 0, -1, 0; y -1.25, -.25, .75, .75; B x .5, -.5; y -.5, .5
    # Sxx = 2 + .5 = 2.5, Sxy = -2 - .5 = -2.5: slope -1; residuals y + x: -.25, -.25, -.25,
    # .75, 0, 0: SSR = .75; dof = 6 - 2 - 1 = 3; se = sqrt(.75 / 3 / 2.5) = sqrt(.1)
    # (the ln 2 units cancel); t(.975, 3) = 3.182446; Syy = 2.75 + .5 = 3.25
    se = math.sqrt(0.1)
    assert got["elasticity"] == -1.0
    assert got["std_error"] == round(se, 6)
    assert got["ci_low"] == round(-1 - 3.182446305 * se, 6)
    assert got["ci_high"] == round(-1 + 3.182446305 * se, 6)
    assert got["r_squared"] == round(1 - 0.75 / 3.25, 6)
    assert (got["order_lines"], got["products"], got["price_points"]) == (6, 2, 3)
    assert got["is_reliable"] and got["reliability_note"] is None


def test_thin_data_is_flagged_not_hidden():
    strict = ElasticityRule()  # 100 lines, 10 prices, CI at most 1.0 wide
    few = fit(lines([("A", 1.0, 1), ("A", 0.5, 2), ("A", 0.25, 4), ("A", 0.5, 4)]), strict)
    assert few["elasticity"] is not None and not few["is_reliable"]
    assert few["reliability_note"] == ("fewer than 100 order lines; confidence interval wider "
                                       "than 1.0; fewer than 10 distinct prices")
    flat = fit(lines([("A", 1.0, 1), ("A", 1.0, 3), ("B", 0.9, 2), ("B", 0.9, 5)]), LOOSE)
    assert flat["elasticity"] is None and flat["reliability_note"].startswith("no price")
    empty = fit(lines([]).cast({"relative_price": pl.Float64, "quantity": pl.Int64}), LOOSE)
    assert (empty["order_lines"], empty["elasticity"], empty["is_reliable"]) == (0, None, False)


def test_recovers_a_known_elasticity_from_simulated_orders():
    rng = np.random.default_rng(7)
    n, truth = 3000, -1.2
    product = rng.integers(0, 4, n)
    relative = np.round(rng.uniform(0.8, 1.1, n), 2)
    base = np.array([40.0, 60.0, 20.0, 30.0])[product]
    quantity = 1 + rng.poisson(base * relative ** truth - 1)
    got = fit(pl.DataFrame({"product_id": product.astype(str), "relative_price": relative,
                            "quantity": quantity}))
    assert got["ci_low"] < truth < got["ci_high"]
    assert abs(got["elasticity"] - truth) < 0.1 and got["is_reliable"]


def test_every_segment_and_family_gets_a_row():
    rows = estimates(lines([("A", 1.0, 1), ("A", 0.5, 2), ("A", 0.25, 4)]).with_columns(
        customer_segment=pl.lit("SMB"), product_family=pl.lit("Devices")), LOOSE)
    assert len(rows) == 4 * 4
    got = {(r["customer_segment"], r["product_family"]): r["order_lines"] for r in rows}
    assert got[("SMB", "Devices")] == got[("SMB", ALL_PRODUCTS)] == 3
    assert got[("Enterprise", ALL_PRODUCTS)] == 0


D = day("2026-03-09")


def put_orders(tiny) -> None:
    """A customer's March orders of one product, SMB until it became Enterprise on 03-05."""
    put_calendar(tiny, day("2026-03-01"), D)
    put_stored_versions(tiny, DIM_CUSTOMER, [
        {"customer_id": "C0000001", "customer_segment": "SMB", "is_inferred": False,
         "source_updated_at": dt.datetime(2020, 1, 1)},
        # the customer became Enterprise on 03-05: earlier orders stay SMB
        {"customer_id": "C0000001", "customer_segment": "Enterprise", "is_inferred": False,
         "source_updated_at": dt.datetime(2026, 3, 5)}], day("2026-03-01"))
    tiny.put_versions(DIM_PRODUCT, [
        {"product_id": "PRD001", "product_family": "Devices", "list_price": 100.0,
         "source_updated_at": dt.datetime(2020, 1, 1)}], day("2026-03-01"))
    orders = [("ORD1", "2026-03-02", "Completed"), ("ORD2", "2026-03-03", "Completed"),
              ("ORD3", "2026-03-04", "Completed"), ("ORD4", "2026-03-04", "Cancelled"),
              ("ORD5", "2026-03-06", "Completed"), ("ORD6", "2026-03-09", "Completed")]
    tiny.put("gold.fact_order", [
        {"order_key": o, "order_id": o, "customer_id": "C0000001", "order_status": status,
         "source_updated_at": dt.datetime.fromisoformat(on + " 10:00"), "load_date": day(on)}
        for o, on, status in orders])
    # price 100 -> quantity 1, 50 -> 2, 25 -> 4: elasticity -1 exactly
    tiny.put("gold.fact_order_line", [
        {"order_line_key": f"L{o}", "order_id": o, "product_id": "PRD001",
         "event_date": day(on), "quantity": q, "unit_price": p, "load_date": day(on)}
        for o, on, q, p in [("ORD1", "2026-03-02", 1, 100.0), ("ORD2", "2026-03-03", 2, 50.0),
                            ("ORD3", "2026-03-04", 4, 25.0), ("ORD4", "2026-03-04", 9, 100.0),
                            ("ORD5", "2026-03-06", 3, 100.0), ("ORD6", "2026-03-09", 9, 1.0)]])


def test_table_from_order_lines_with_segment_and_price_in_force(tiny):
    put_orders(tiny)
    rule = dataclasses.replace(LOOSE, window_days=30)
    rows = checked(tiny, price_elasticity(rule), D, run=fit_and_write(rule))
    assert rows.height == 16
    smb = rows.filter(customer_segment="SMB", product_family="Devices").row(0, named=True)
    # ORD1-3 (SMB on their day); not ORD4 (cancelled), ORD5 (Enterprise by then), ORD6 (after E)
    assert (smb["order_lines"], smb["elasticity"], smb["std_error"], smb["period_start"]) == (
        3, -1.0, 0.0, day("2026-02-07"))
    enterprise = rows.filter(customer_segment="Enterprise", product_family=ALL_PRODUCTS)
    assert enterprise["order_lines"].to_list() == [1]
    assert enterprise["reliability_note"].to_list() == [
        "fewer than 3 order lines; fewer lines than parameters; fewer than 2 distinct prices"]


def test_a_range_fitted_at_once_is_each_day_fitted_alone(tiny):
    """The range's lines come from one statement; each day is fitted on its own lines in the
    order its own query gives them, so every float is the one-day run's to the last bit."""
    put_orders(tiny)
    rule = dataclasses.replace(LOOSE, window_days=4)
    table = price_elasticity(rule)
    days = [day("2026-03-03") + dt.timedelta(days=n) for n in range(7)]
    ranged = table.build_days(tiny.resource, table, days)
    assert [on for on, _ in ranged] == days
    assert all(r.passed for _, (_, results) in ranged for r in results)
    stored = tiny.read("SELECT * FROM gold.agg_price_elasticity ORDER BY ALL")
    alone = [(on, table.build(tiny.resource, table, on)) for on in days]
    assert [rows for _, (rows, _) in ranged] == [rows for _, (rows, _) in alone]
    assert tiny.read("SELECT * FROM gold.agg_price_elasticity ORDER BY ALL").equals(stored)
    fitted = stored.filter(pl.col("elasticity").is_not_null())
    assert fitted.height > 0 and fitted["load_date"].n_unique() > 1


def test_rule_validation():
    with pytest.raises(ValueError):
        ElasticityRule(confidence=1.0)
