"""Licensing, catalogue and commerce generators: contract-valid, reproducible, realistic."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

import customer_platform.generator  # noqa: F401  (registers the generators)
from customer_platform import vocabulary as v
from customer_platform.contracts import source_table
from customer_platform.generator import catalogue as cat
from customer_platform.generator import commerce as com
from customer_platform.generator import licensing as lic
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import GENERATORS, conform
from customer_platform.generator.world import build_world

TABLES = (
    "licensing.seat_entitlements",
    "licensing.seat_events",
    "licensing.seat_usage",
    "catalogue.products",
    "catalogue.discount_bands",
    "commerce.orders",
    "commerce.order_lines",
)
DAY = day_number(dt.date(2026, 3, 2))


@pytest.fixture(scope="module")
def world():
    return build_world(seed=3, n_customers=400)


def _frame(world, name, day=DAY):
    return conform(GENERATORS[name](world, day), source_table(name))


def _busiest_commerce_day(world):
    """A day with orders (400 customers order rarely, most of them seldom)."""
    for day in range(DAY, DAY + 365):
        if com.orders(world, day).height >= 2:
            return day
    raise AssertionError("no day with two orders in a year")


@pytest.mark.parametrize("name", TABLES)
def test_clean_frame_validates_and_is_reproducible(world, name):
    day = _busiest_commerce_day(world) if name.startswith("commerce") else DAY
    frame = _frame(world, name, day)
    assert frame.height > 0
    source_table(name).model.validate(frame, lazy=True)
    assert frame.equals(_frame(world, name, day))
    key = list(source_table(name).primary_key)
    assert frame.select(key).is_unique().all()
    assert frame.equals(frame.sort(key))


# -- licensing -------------------------------------------------------------------------------


def test_entitlements_terms_and_cancellations(world):
    frame = lic.seat_entitlements(world, DAY)
    idx = np.array([int(e[1:]) - 1 for e in frame["entitlement_id"]])
    assert (world.ent_start[idx] <= DAY).all()
    cust = world.ent_customer[idx]
    churned = world.status(DAY)[cust] == 2
    seats = frame["seats_entitled"].to_numpy()
    assert (seats[churned] == 0).all() and (seats[~churned] > 0).all()
    start = frame["contract_start"].cast(pl.Int32).to_numpy()
    end = frame["contract_end"].cast(pl.Int32).to_numpy()
    assert ((end - start)[~churned] == 364).all()
    assert ((start <= DAY) & (DAY <= end))[~churned].all()
    assert (end[churned] < DAY).all()


def test_seat_events_integrate_to_the_seat_curves(world):
    first, last = DAY - 200, DAY
    assigned0, activated0 = lic.seat_counts(world, first)
    assigned1, activated1 = lic.seat_counts(world, last)
    events = pl.concat([lic.seat_events(world, d) for d in range(first + 1, last + 1)])
    sign = {"Assigned": 1, "Unassigned": -1, "Activated": 1, "Deactivated": -1}
    net = (
        events.with_columns(
            idx=pl.col("entitlement_id").str.slice(1).cast(pl.Int64) - 1,
            assigned=pl.col("event_type").is_in(["Assigned", "Unassigned"]),
            signed=pl.col("seat_count") * pl.col("event_type").replace_strict(sign),
        )
        .group_by("idx", "assigned")
        .agg(pl.col("signed").sum())
    )
    n = len(world.ent_customer)
    for is_assigned, before, after in (
        (True, assigned0, assigned1),
        (False, activated0, activated1),
    ):
        part = net.filter(pl.col("assigned") == is_assigned)
        total = np.zeros(n, dtype=np.int64)
        total[part["idx"].to_numpy()] = part["signed"].to_numpy()
        assert np.array_equal(before + total, after)
    assert (activated1 <= assigned1).all()
    assert (assigned1 <= world.ent_seats).all()


def test_declining_accounts_lose_seats_and_churned_have_none(world):
    c = world.ent_customer
    lost, gained = 0, 0
    for d in range(DAY - 120, DAY + 240, 3):
        events = lic.seat_events(world, d)
        idx = events["entitlement_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
        declining = world.distress(d)[c[idx]] > 0
        down = events["event_type"].is_in(["Unassigned", "Deactivated"]).to_numpy()
        lost += int(events["seat_count"].to_numpy()[declining & down].sum())
        gained += int(events["seat_count"].to_numpy()[declining & ~down].sum())
        assigned, _ = lic.seat_counts(world, d)
        assert (assigned[world.status(d)[c] == 2] == 0).all()
    assert lost > 50 and gained < 0.2 * lost


def test_seat_usage_adds_up_and_falls_with_decline(world):
    cols = list(lic.USAGE_COLUMNS)
    frames = []
    for d in range(DAY - 150, DAY + 150, 5):
        f = lic.seat_usage(world, d)
        idx = f["entitlement_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
        frames.append(
            f.with_columns(declining=pl.Series(world.distress(d)[world.ent_customer[idx]] > 0.3))
        )
    usage = pl.concat(frames)
    assert usage.select(pl.sum_horizontal(cols) == pl.col("seats_activated")).to_series().all()
    assert (usage["seats_activated"] > 0).all()
    _, activated = lic.seat_counts(world, DAY)
    today = lic.seat_usage(world, DAY)
    assert today["seats_activated"].sum() == activated.sum()
    engaged = (
        usage.group_by("declining")
        .agg(
            share=pl.sum_horizontal(cols[3:]).sum() / pl.col("seats_activated").sum(),
            minutes=pl.col("usage_minutes").sum() / pl.col("seats_activated").sum(),
        )
        .sort("declining")
    )
    healthy, falling = engaged.row(0, named=True), engaged.row(1, named=True)
    assert falling["share"] < healthy["share"] - 0.15
    assert falling["minutes"] < 0.7 * healthy["minutes"]


# -- catalogue -------------------------------------------------------------------------------


def test_products_cover_the_vocabulary_and_prices_change_on_schedule(world):
    code, change, factor = cat.PRICE_CHANGES[2]
    before = cat.products(world, day_number(change) - 1).filter(pl.col("product_code") == code)
    after = cat.products(world, day_number(change)).filter(pl.col("product_code") == code)
    assert after["list_price"][0] == pytest.approx(before["list_price"][0] * factor, abs=0.01)
    assert after["updated_at"][0].date() == change
    frame = cat.products(world, DAY)
    assert sorted(frame["product_code"]) == sorted(v.PRODUCT_CODES)
    assert frame.select(pl.col("product_family") == pl.col("solution")).to_series().all()
    retired, when = cat.END_OF_SALE[0]
    late = cat.products(world, day_number(when)).filter(pl.col("product_code") == retired)
    assert not late["active_flag"][0]


def test_discount_bands_are_contiguous_and_rising(world):
    frame = cat.discount_bands(world, DAY)
    assert frame["band_code"].to_list() == list(v.DISCOUNT_BANDS)
    mins, maxs = frame["min_quantity"].to_list(), frame["max_quantity"].to_list()
    assert mins[0] == 1 and maxs[-1] is None
    assert all(maxs[i] + 1 == mins[i + 1] for i in range(len(mins) - 1))
    assert frame["discount_pct"].is_sorted()


# -- commerce --------------------------------------------------------------------------------


def test_orders_and_lines_agree_and_follow_the_catalogue(world):
    days = range(DAY, DAY + 90)
    orders = pl.concat([com.orders(world, d) for d in days])
    lines = pl.concat([com.order_lines(world, d) for d in days])
    assert set(lines["order_id"]) == set(orders["order_id"])
    totals = lines.group_by("order_id").agg(pl.col("line_amount").sum().alias("lines_total"))
    joined = orders.join(totals, on="order_id")
    assert np.allclose(joined["total_amount"], joined["lines_total"], atol=0.005)
    # orders only from customers who exist and have not churned on the day
    for row in orders.select("customer_id", "order_date").iter_rows():
        i, d = int(row[0][1:]) - 1, day_number(row[1])
        assert world.exists(d)[i] and world.status(d)[i] == 0
    product = lines["product_id"].str.slice(3).cast(pl.Int64).to_numpy() - 1
    day = lines["order_date"].cast(pl.Int32).to_numpy()
    list_price = np.array([cat.list_prices(int(d))[p] for d, p in zip(day, product, strict=True)])
    ratio = lines["unit_price"].to_numpy() / list_price
    assert ((ratio > 0.79) & (ratio < 1.11)).all()
    quantity = lines["quantity"].to_numpy()
    expected_discount = [
        cat.discount_for_quantity(q, int(d)) for q, d in zip(quantity, day, strict=True)
    ]
    assert np.allclose(lines["discount_pct"], expected_discount)
    amount = np.round(
        quantity * lines["unit_price"].to_numpy() * (1 - lines["discount_pct"].to_numpy()), 2
    )
    assert np.allclose(lines["line_amount"], amount, atol=0.011)


def test_business_buys_seats_residential_buys_devices(world):
    days = range(DAY, DAY + 365)  # a year: enough lines of each kind of customer
    lines = pl.concat([com.order_lines(world, d) for d in days])
    orders = pl.concat([com.orders(world, d) for d in days])
    seg = world.segment[orders["customer_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1]
    lines = lines.join(
        orders.select("order_id", business=pl.Series(seg > 0)), on="order_id"
    ).with_columns(seat=pl.col("product_id").is_in(list(cat.PRODUCT_IDS[cat.IS_SEAT])))
    share = lines.group_by("business").agg(pl.col("seat").mean()).sort("business")["seat"]
    assert share[0] < 0.3 and share[1] > 0.6


def test_quantity_elasticity_is_recoverable():
    """An aggregated log-log regression recovers each segment's price elasticity."""
    big = build_world(seed=3, n_customers=40_000)  # enough lines per segment
    start = DAY - 150
    frames = []
    for d in range(start, start + 365):
        o = com._day_orders(big, d)
        lp = cat.list_prices(d)[o.product]
        frames.append(
            pl.DataFrame(
                {
                    "day": np.full(len(o.product), d),
                    "segment": big.segment[o.customer[o.line_order]].astype(np.int64),
                    "product": o.product,
                    "log_price": np.log(o.unit_price / lp),
                    "quantity": o.quantity,
                }
            )
        )
    lines = pl.concat(frames)
    cells = (
        lines.group_by("segment", "product", "day")
        .agg(pl.col("log_price").first(), pl.col("quantity").mean().log().alias("log_q"), pl.len())
        .with_columns(  # product fixed effects: demean within segment x product
            x=pl.col("log_price") - pl.col("log_price").mean().over("segment", "product"),
            y=pl.col("log_q") - pl.col("log_q").mean().over("segment", "product"),
        )
    )
    fitted = (
        cells.group_by("segment")
        .agg(
            (
                (pl.col("x") * pl.col("y") * pl.col("len")).sum()
                / (pl.col("x") ** 2 * pl.col("len")).sum()
            ).alias("elasticity")
        )
        .sort("segment")
    )
    got = fitted["elasticity"].to_numpy()
    assert np.allclose(got, com.SEGMENT_ELASTICITY, atol=0.3), got
    assert got[0] < got[1] < got[2]


@pytest.fixture(scope="module")
def three_years_of_orders():
    """2,000 customers' orders over the three years before DAY: (world, ordering customer and
    day of each order)."""
    big = build_world(seed=3, n_customers=2_000)
    days = [com._day_orders(big, d) for d in range(DAY - 3 * 365, DAY)]
    customer = np.concatenate([d.customer for d in days])
    day = np.concatenate([np.full(len(d.customer), d.day) for d in days])
    return big, customer, day


def test_purchase_rates_differ_between_customers(three_years_of_orders):
    """A Gamma-distributed rate: the order counts of customers who were there and Active the
    whole time vary far more than a Poisson's of the same mean (variance / mean = 1; the
    CRM's engagement alone gives about 1.2)."""
    big, customer, _ = three_years_of_orders
    steady = (big.signup_day <= DAY - 3 * 365) & (big.churn_day > DAY + 14)
    counts = np.bincount(customer, minlength=big.n_customers)[steady]
    assert counts.sum() > 300
    assert counts.var() / counts.mean() > 2.0, counts.var() / counts.mean()


def test_customers_drop_out_and_order_no_more(three_years_of_orders):
    """No order after a customer's drop-out day, and customers who ordered before it and
    are still Active in the CRM (not churning before DAY + 14) order no more."""
    big, customer, day = three_years_of_orders
    dropout = com.dropout_day(big)
    assert (day < dropout[customer]).all()
    ordered = np.bincount(customer, minlength=big.n_customers) > 0
    gone = (DAY - 3 * 365 < dropout) & (dropout < DAY - 180)
    still_active = big.churn_day > DAY + 14
    assert (ordered & gone & still_active).sum() >= 10
