"""Commerce extracts: orders of catalogue products and their lines (incremental).

Customers buy as BG/NBD ("buy till you die") says, so the purchase model the platform fits
(gold/analytics/_purchase_model.py) describes its own data: each customer buys at their own
rate, ORDER_RATE times a multiplier ~ Gamma(RATE_SHAPE, 1/RATE_SHAPE) (mean 1: a few buy
often, most rarely), and after each repeat purchase drops out with probability
p ~ Beta(DROPOUT_A, DROPOUT_B). A day must be made alone, so the drop-out is a fixed day per
customer: their commerce start plus the time of 1 + K purchases at their rate, K ~ Geometric(p);
after it they order no more. The CRM gates (activity, status Active) apply on top.

A line's quantity responds to the product's promotional price with the customer segment's
price elasticity, so a log-log regression of quantity on relative price recovers it; orders
and lines come from the same draws of the day, so each table can be generated alone.
"""

import dataclasses
import functools

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.generator.catalogue import (
    IS_SEAT,
    N_PRODUCTS,
    PRODUCT_IDS,
    active_products,
    discount_for_quantity,
    list_prices,
)
from customer_platform.generator.columns import (
    DAY_BLOCKS,
    Serials,
    dates,
    pick,
    prefixed,
    serials,
    strings,
    timestamps,
)
from customer_platform.generator.randomness import rng
from customer_platform.generator.registry import generates
from customer_platform.generator.world import HISTORY_START, World

#: Mean orders per active customer per day at normal activity while they still buy (about
#: 4.5% of customers a month): with the drop-outs, 2026 has about as many orders as when
#: everybody ordered at 3% a month and nobody dropped out.
ORDER_RATE = 0.045 / 30
#: Shape of the Gamma(shape, 1/shape) rate multiplier, mean 1 (BG/NBD's r; its alpha is
#: r / ORDER_RATE days). Below 1 the rates are skewed as purchase rates are (CDNOW's r is
#: 0.24): half the customers buy at under 0.46 times the mean rate, the tenth who buy most
#: place 44% of the orders.
RATE_SHAPE = 0.5
#: Beta(a, b) of the probability of dropping out after each repeat purchase (mean 0.1): the
#: median customer makes 10 repeat purchases before going, a quarter 3 or fewer, a quarter 30
#: or more.
DROPOUT_A, DROPOUT_B = 1.0, 9.0
#: Price elasticity of quantity by segment (Residential, SMB, Enterprise, Government).
SEGMENT_ELASTICITY = np.array([-1.8, -1.2, -0.6, -0.4])
#: Base expected quantity per line at list price, by segment: seats, devices.
BASE_SEATS = np.array([1.3, 6.0, 45.0, 25.0])
BASE_DEVICES = np.array([1.5, 3.0, 15.0, 10.0])
PROMO_RANGE = (0.8, 1.1)
#: Product mix by segment over PRODUCT_CODES (CCE, CCE Pro, Stock, DCE, Sign, Mesh Router,
#: Desk Phone, Headset): residential ~10% seats, business ~80% seats.
PRODUCT_WEIGHTS = np.array(
    [
        [0.03, 0.01, 0.03, 0.02, 0.01, 0.45, 0.10, 0.35],
        [0.20, 0.08, 0.12, 0.25, 0.15, 0.05, 0.08, 0.07],
        [0.22, 0.15, 0.10, 0.22, 0.13, 0.04, 0.07, 0.07],
        [0.15, 0.05, 0.05, 0.35, 0.20, 0.05, 0.08, 0.07],
    ]
)
#: Channel mix by segment over ORDER_CHANNELS (Online, Sales Rep, Partner).
CHANNEL_WEIGHTS = np.array(
    [[0.85, 0.05, 0.10], [0.50, 0.30, 0.20], [0.10, 0.60, 0.30], [0.10, 0.40, 0.50]]
)
LINES_PER_ORDER = ((1, 2, 3), (0.6, 0.3, 0.1))


def order_serials(world: World) -> Serials:
    """order_id = (day - HISTORY_START) * stride + serial: a customer orders at most once a day;
    order_line_id is the order number * 10 + line (at most 3 lines)."""
    return serials("order_id", "ORD", world.n_customers, legacy=(100_000, 9),
                   most=world.n_customers, blocks=DAY_BLOCKS)


@dataclasses.dataclass(frozen=True)
class _DayOrders:
    day: int
    order_number: np.ndarray
    customer: np.ndarray
    status: np.ndarray
    channel: np.ndarray
    order_second: np.ndarray
    update_second: np.ndarray
    total_cents: np.ndarray
    line_order: np.ndarray  # per line: index of its order
    line_no: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    discount: np.ndarray
    line_cents: np.ndarray


def _by_segment(weights: np.ndarray, seg: np.ndarray, u: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)[seg]
    return np.minimum((u[:, None] > cdf).sum(axis=1), weights.shape[1] - 1)


def promotion_factors(world: World, day: int) -> np.ndarray:
    """The promotional price factor of every product on ``day``."""
    return rng(world.seed, "commerce.promotions", day).uniform(*PROMO_RANGE, N_PRODUCTS)


@functools.lru_cache(maxsize=4)
def buying_habits(seed: int, n_customers: int) -> tuple[np.ndarray, np.ndarray]:
    """Per customer, drawn once: (daily order rate while buying, days from the commerce start
    to the drop-out). Its own stream, so no other draw moves; cached like the world, so a day
    does not redraw them."""
    gen = rng(seed, "commerce.customers")
    rate = ORDER_RATE * gen.gamma(RATE_SHAPE, 1.0 / RATE_SHAPE, n_customers)
    dropout = np.clip(gen.beta(DROPOUT_A, DROPOUT_B, n_customers), 1e-12, 1.0)
    # BG/NBD watches from the first purchase and drops out only after a repeat one: 1 + K
    repeats = gen.geometric(dropout)
    with np.errstate(divide="ignore"):
        buying_days = gen.gamma(1.0 + repeats) / rate
    rate.flags.writeable = buying_days.flags.writeable = False  # shared by every day
    return rate, buying_days


def dropout_day(world: World) -> np.ndarray:
    """Per customer: the (fractional) day from which they order no more, counted from their
    commerce start, the signup (never before the history starts)."""
    _, buying_days = buying_habits(world.seed, world.n_customers)
    return np.maximum(world.signup_day, HISTORY_START) + buying_days


def _day_orders(world: World, day: int) -> _DayOrders:
    gen = rng(world.seed, "commerce.orders", day)
    rate, _ = buying_habits(world.seed, world.n_customers)
    ordering = np.minimum(world.activity(day), 2.0) * (world.status(day) == 0)
    ordering = ordering * (day < dropout_day(world))
    customer = np.flatnonzero(gen.random(world.n_customers) < rate * ordering)
    k = len(customer)
    order_second = gen.integers(6 * 3_600, 23 * 3_600, k)
    by_time = np.lexsort((customer, order_second))
    customer, order_second = customer[by_time], order_second[by_time]
    order_number = order_serials(world).numbers(day - HISTORY_START, np.arange(k))
    seg = world.segment[customer].astype(np.int64)

    channel = _by_segment(CHANNEL_WEIGHTS, seg, gen.random(k))
    distress = world.distress(day)[customer]
    u = gen.random(k)
    cancel_rate = 0.04 + 0.15 * distress
    status = np.where(u < cancel_rate, 1, np.where(u < cancel_rate + 0.03, 2, 0))
    delay = np.where(status == 0, gen.integers(60, 3_600, k), gen.integers(600, 6 * 3_600, k))
    update_second = np.minimum(order_second + delay, 86_399)

    # lines: distinct products per order, drawn by the segment's mix among orderable products
    active = active_products(day)
    n_lines = np.minimum(gen.choice(LINES_PER_ORDER[0], k, p=LINES_PER_ORDER[1]), active.sum())
    weights = PRODUCT_WEIGHTS[seg] * active[None, :]
    with np.errstate(divide="ignore"):
        scores = np.log(weights) + gen.gumbel(size=(k, N_PRODUCTS))
    ranked = np.argsort(-scores, axis=1, kind="stable")
    line_order = np.repeat(np.arange(k), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    product = ranked[line_order, line_no]
    n = len(line_order)

    list_price = list_prices(day)[product]
    unit_price = np.round(list_price * promotion_factors(world, day)[product], 2)
    lseg = seg[line_order]
    base = np.where(IS_SEAT[product], BASE_SEATS[lseg], BASE_DEVICES[lseg])
    size = np.where(lseg == 0, 1.0, np.clip(np.exp(gen.normal(-0.125, 0.5, n)), 0.25, None))
    expected = base * size * (unit_price / list_price) ** SEGMENT_ELASTICITY[lseg]
    lam = np.maximum(expected, 1.0)
    quantity = np.minimum(1 + gen.poisson(lam - 1.0), 100_000).astype(np.int64)
    discount = discount_for_quantity(quantity, day)
    line_cents = np.round(quantity * unit_price * (1.0 - discount) * 100).astype(np.int64)
    total_cents = np.bincount(line_order, weights=line_cents, minlength=k).astype(np.int64)
    return _DayOrders(
        day=day,
        order_number=order_number,
        customer=customer,
        status=status,
        channel=channel,
        order_second=order_second,
        update_second=update_second,
        total_cents=total_cents,
        line_order=line_order,
        line_no=line_no,
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        line_cents=line_cents,
    )


@generates("commerce.orders")
def orders(world: World, day: int) -> pl.DataFrame:
    d = _day_orders(world, day)
    k = len(d.customer)
    return pl.DataFrame(
        {
            "order_id": order_serials(world).ids(d.order_number),
            "customer_id": strings(world.customer_id[d.customer]),
            "order_date": dates(np.full(k, day)),
            "order_status": strings(pick(v.ORDER_STATUSES, d.status)),
            "order_channel": strings(pick(v.ORDER_CHANNELS, d.channel)),
            "total_amount": d.total_cents / 100.0,
            "currency": strings(np.full(k, v.CURRENCIES[0], dtype=object)),
            "updated_at": timestamps(np.full(k, day), d.update_second),
        },
        strict=False,
    )


@generates("commerce.order_lines")
def order_lines(world: World, day: int) -> pl.DataFrame:
    d = _day_orders(world, day)
    n = len(d.line_order)
    order_number = d.order_number[d.line_order]
    scheme = order_serials(world)
    return pl.DataFrame(
        {
            "order_line_id": prefixed("OL", order_number * 10 + d.line_no + 1, scheme.width + 1),
            "order_id": scheme.ids(order_number),
            "order_date": dates(np.full(n, day)),
            "product_id": strings(PRODUCT_IDS[d.product]),
            "quantity": d.quantity,
            "unit_price": d.unit_price,
            "discount_pct": d.discount,
            "line_amount": d.line_cents / 100.0,
        },
        strict=False,
    )
