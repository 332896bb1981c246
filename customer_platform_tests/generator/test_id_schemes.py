"""Generated ids: unique and contract-valid at 10 million customers, their legacy strides (and
so byte-identical files) below a million, tested on the schemes without building big worlds."""

import dataclasses
import datetime as dt
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

import customer_platform.generator  # noqa: F401  (registers the generators)
from customer_platform.contracts import source_table
from customer_platform.generator import billing as bil
from customer_platform.generator import columns, crm
from customer_platform.generator import commerce as com
from customer_platform.generator import licensing as lic
from customer_platform.generator import marketing as mkt
from customer_platform.generator import platform as plt
from customer_platform.generator import support as sup
from customer_platform.generator.columns import DAY_BLOCKS, MONTH_BLOCKS, id_width, prefixed
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import GENERATORS
from customer_platform.generator.world import HISTORY_START, build_world

TEN_MILLION = 10_000_000
#: 45 days on which the small world has rows of every table with numbered ids (campaigns run)
DAYS = range(day_number(dt.date(2026, 5, 10)), day_number(dt.date(2026, 6, 24)))


def sizes(n: int) -> SimpleNamespace:
    """What the id schemes read of a world of ``n`` customers (shares measured at a million,
    rounded up), without building it."""
    def rows(share: float) -> np.ndarray:
        return np.broadcast_to(np.int32(0), (round(share * n),))

    return SimpleNamespace(n_customers=n, account=rows(0.45), user_id=rows(1.25),
                           ent_customer=rows(0.75), assign_customer=rows(1.8),
                           n_parents=round(0.06 * n))


def campaigns(n: int) -> SimpleNamespace:
    return SimpleNamespace(number=np.arange(1, 12 + n // 2000 + 1))


def pattern(name: str, column: str) -> str:
    checks = source_table(name).columns()[column].checks
    (found,) = [c.statistics["pattern"] for c in checks if c.name == "str_matches"]
    return found


#: (table, id column, scheme of a world, first block, last block, largest serial, offset).
SCHEMES = {
    "invoice": ("billing.invoices", "invoice_id", bil.invoice_serials, 0, MONTH_BLOCKS - 1,
                lambda w: w.n_customers - 1, 1),
    "billing_event": ("billing.billing_events", "billing_event_id", bil.billing_event_serials,
                      0, DAY_BLOCKS - 1, lambda w: 3 * w.n_customers - 1, 0),
    "meeting": ("platform.meetings", "meeting_id", plt.meeting_serials, 0, DAY_BLOCKS - 1,
                lambda w: len(w.user_id) - 1, 0),
    "webinar": ("platform.webinars", "webinar_id", plt.webinar_serials, 0, DAY_BLOCKS - 1,
                lambda w: len(w.account) - 1, 0),
    "ticket": ("support.tickets", "ticket_id", sup.ticket_serials, 0, DAY_BLOCKS - 1,
               lambda w: w.n_customers - 1, 0),
    "activity": ("support.engagement_activities", "activity_id", sup.activity_serials, 0,
                 DAY_BLOCKS - 1, lambda w: len(w.account) - 1, 0),
    "order": ("commerce.orders", "order_id", com.order_serials, 0, DAY_BLOCKS - 1,
              lambda w: w.n_customers - 1, 0),
    "opportunity": ("crm.opportunities", "opportunity_id", crm.opportunity_serials,
                    HISTORY_START, HISTORY_START + DAY_BLOCKS - 1, lambda w: len(w.account) - 1,
                    0),
    "seat_event": ("licensing.seat_events", "seat_event_id", lic.seat_event_serials, 0,
                   DAY_BLOCKS - 1, lambda w: 4 * len(w.ent_customer) - 1, 0),
    "target": ("marketing.campaign_targets", "target_id",
               lambda w: mkt.target_serials(w, campaigns(w.n_customers)), 0,
               12 + TEN_MILLION // 2000 - 1, lambda w: w.n_customers - 1, 1),
}


@pytest.mark.parametrize("kind", SCHEMES)
def test_ids_of_ten_million_customers_are_unique_one_width_and_valid(kind):
    name, column, scheme_of, first, last, largest, offset = SCHEMES[kind]
    world = sizes(TEN_MILLION)
    scheme = scheme_of(world)
    top = largest(world)
    blocks = np.array([first, first, first + 1, last - 1, last])
    serial = np.array([0, top, 0, top, top])
    numbers = scheme.numbers(blocks, serial) + offset
    ids = scheme.ids(numbers)
    assert (np.diff(numbers) > 0).all()  # no block reaches into the next one
    assert ids.is_sorted() and ids.is_unique().all()  # sorted as the numbers are
    assert ids.str.len_chars().n_unique() == 1
    assert ids.str.contains(pattern(name, column)).all()


@pytest.mark.parametrize(
    ("name", "column", "prefix", "legacy", "largest"),
    [
        ("crm.customers", "customer_id", "C", 7, lambda w: w.n_customers),
        ("platform.users", "user_id", "U", 7, lambda w: len(w.user_id)),
        ("crm.account_hierarchy", "parent_account_id", "P", 6, lambda w: w.n_parents),
        ("platform.licenses", "license_id", "L", 9, lambda w: 4 * len(w.user_id)),
        ("licensing.seat_entitlements", "entitlement_id", "E", 9, lambda w: len(w.ent_customer)),
        ("provisioning.service_assignments", "assignment_id", "SA", 9,
         lambda w: len(w.assign_customer)),
    ],
)
def test_numbered_ids_widen_together_past_their_digits(name, column, prefix, legacy, largest):
    top = largest(sizes(TEN_MILLION))
    ids = prefixed(prefix, np.array([1, top]), id_width(legacy, top))
    assert ids.str.len_chars().n_unique() == 1 and ids.is_sorted()
    assert ids.str.contains(pattern(name, column)).all()
    assert id_width(legacy, largest(sizes(999_999))) == legacy


LEGACY = {"invoice": (1_000_000, 9), "billing_event": (200_000, 9), "meeting": (1_000_000, 10),
          "webinar": (100_000, 9), "ticket": (100_000, 9), "activity": (100_000, 9),
          "order": (100_000, 9), "opportunity": (40_000, 9)}


@pytest.mark.parametrize("kind", LEGACY)
def test_below_a_million_customers_ids_keep_the_strides_they_always_had(kind):
    scheme = SCHEMES[kind][2](sizes(999_999))
    assert (scheme.stride, scheme.width) == LEGACY[kind]
    assert SCHEMES[kind][2](sizes(1_000_000)).stride > LEGACY[kind][0]


def test_seat_events_and_targets_keep_their_per_world_strides_below_a_million_customers():
    world = sizes(999_999)
    assert lic.seat_event_serials(world).stride == 4 * len(world.ent_customer)
    assert mkt.target_serials(world, campaigns(999_999)).stride == 999_999


def test_invoices_are_numbered_past_a_million_customers():
    scheme = bil.invoice_serials(sizes(1_000_000))
    last_of_a_month = scheme.numbers(5, 999_999) + 1
    assert last_of_a_month < scheme.numbers(6, 0) + 1
    assert scheme.ids(np.array([last_of_a_month])).str.contains(
        pattern("billing.invoices", "invoice_id")).all()


def test_a_serial_past_the_stride_or_a_block_before_the_first_is_refused():
    scheme = plt.meeting_serials(sizes(1_000))
    with pytest.raises(ValueError, match="meeting_id: serial 1,000,000 .* stride of 1,000,000"):
        scheme.numbers(3, np.arange(1_000_001))
    with pytest.raises(ValueError, match="before the id scheme's first block"):
        scheme.numbers(-1, np.arange(2))
    assert len(scheme.numbers(-1, np.arange(0))) == 0  # nothing to number before the history


ID_TABLES = {
    "billing.invoices": ["invoice_id"], "billing.billing_events": ["billing_event_id"],
    "platform.meetings": ["meeting_id"], "platform.feature_usage": ["meeting_id"],
    "platform.webinars": ["webinar_id"], "support.tickets": ["ticket_id"],
    "support.engagement_activities": ["activity_id"], "commerce.orders": ["order_id"],
    "commerce.order_lines": ["order_line_id", "order_id"],
    "crm.opportunities": ["opportunity_id"], "licensing.seat_events": ["seat_event_id"],
    "marketing.campaign_targets": ["target_id"],
}


@pytest.mark.parametrize("name", ID_TABLES)
def test_a_world_numbered_as_a_big_one_keeps_its_rows_and_valid_unique_ids(name, monkeypatch):
    world = build_world(seed=3, n_customers=400)
    legacy = pl.concat([GENERATORS[name](world, d) for d in DAYS])
    monkeypatch.setattr(columns, "SCALED_IDS_FROM", 1)  # the schemes of 1M+ customers
    scaled = pl.concat([GENERATORS[name](world, d) for d in DAYS])
    table, ids = source_table(name), ID_TABLES[name]
    assert scaled.height > 0
    table.model.validate(scaled, lazy=True)
    assert scaled.select(table.primary_key).is_unique().all()
    assert scaled.drop(ids).equals(legacy.drop(ids))
    for column in ids:
        assert not scaled[column].equals(legacy[column])
        assert scaled[column].str.len_chars().n_unique() == 1


def test_provisioning_and_network_name_customers_as_the_crm_does():
    world = build_world(seed=3, n_customers=400)
    idx = np.array([0, 7, 399])
    assert world.customer_ids(idx).to_list() == world.customer_id[idx].to_list()
    wide = dataclasses.replace(world, customer_digits=id_width(7, TEN_MILLION))
    assert wide.customer_ids(idx).to_list() == ["C00000001", "C00000008", "C00000400"]
