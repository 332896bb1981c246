"""gold_analytics_sensor on a real, temporary DagsterInstance: the real gold input assets are
materialised for some days (on a tiny warehouse), the sensor is evaluated and its exact run
requests asserted; a failed blocking check or a missing input launches nothing for its day;
after a backfill the days are caught up in waves, windows first."""

import datetime as dt

import pytest
from dagster import DagsterInstance, build_sensor_context, materialize

from customer_platform.gold import ANALYTICS_ASSETS, GOLD_ASSETS
from customer_platform.gold.analytics._features import FEATURES
from customer_platform.gold.analytics.churn_features import CHURN_FEATURES
from customer_platform.orchestration.analytics_sensor import (
    ANALYTICS_KEYS,
    BASE_KEYS,
    INPUT_KEYS,
    gold_analytics_sensor,
)
from customer_platform.settings import partition_start
from customer_platform_tests.gold.conftest import silver_lineage

D1, D2, D3 = (partition_start() + dt.timedelta(days=k) for k in range(3))
INPUTS = [a for a in GOLD_ASSETS if set(a.keys) & set(INPUT_KEYS)]
REST = [k for k in ANALYTICS_KEYS if k not in BASE_KEYS]


class Platform:
    """A tiny warehouse, a temporary instance, and the sensor's cursor between ticks."""

    def __init__(self, wh, instance):
        self.wh = wh
        self.instance = instance
        self.cursor = None

    def load_inputs(self, day: dt.date):
        """The gold inputs of the day, as the daily job materialises them."""
        return materialize(INPUTS, partition_key=day.isoformat(), instance=self.instance,
                           resources={"warehouse": self.wh.resource}, raise_on_error=False)

    def tick(self, cursor: str | None = ...):
        """Evaluate the sensor (with the cursor of the last tick unless given one)."""
        context = build_sensor_context(instance=self.instance, cursor=self.cursor
                                       if cursor is ... else cursor)
        result = gold_analytics_sensor(context)
        if cursor is ...:
            self.cursor = result.cursor
        return result.run_requests

    def run(self, requests):
        """Launch the requested runs (what the daemon does)."""
        for request in requests:
            assert materialize(ANALYTICS_ASSETS, selection=request.asset_selection,
                               partition_key=request.partition_key, instance=self.instance,
                               resources={"warehouse": self.wh.resource},
                               tags=request.tags).success


def summary(requests):
    return [(r.partition_key, r.tags["analytics/stage"], tuple(r.asset_selection))
            for r in requests]


@pytest.fixture
def platform(wh):
    with DagsterInstance.ephemeral() as instance:
        yield Platform(wh, instance)


def test_a_day_launches_once_its_inputs_are_in_and_their_checks_passed(platform):
    assert platform.load_inputs(D1).success
    # day 2: an invoice whose day is not in the calendar: fact_invoice's blocking FK fails
    platform.wh.put("silver.stg_bil_invoices", [{
        "invoice_id": "INV000000001", "customer_id": "C0000001", "invoice_date": D2,
        "due_date": D2 + dt.timedelta(days=14), "amount": 10.0, "currency": "USD",
        "paid_status": "Open", "paid_date": None, "updated_at": dt.datetime.combine(
            D2, dt.time(9)), **silver_lineage(D2)}])
    day2 = platform.load_inputs(D2)
    failed = [(c.asset_key.path[-1], c.check_name) for c in day2.get_asset_check_evaluations()
              if not c.passed]
    assert ("fact_invoice", "fk_event_date_key") in failed
    # day 3: nothing materialised

    first = platform.tick()
    assert summary(first) == [(D1.isoformat(), "all", ANALYTICS_KEYS)]
    assert first[0].run_key.startswith(f"{D1.isoformat()}:all:")
    assert platform.tick() == []  # the cursor remembers the request
    assert [r.run_key for r in platform.tick(cursor=None)] == [first[0].run_key]  # stable key

    # day 2 repaired and re-loaded: its building blocks now, the rest once day 1 is done
    platform.wh.execute("DELETE FROM silver.stg_bil_invoices")
    assert platform.load_inputs(D2).success
    assert summary(platform.tick()) == [(D2.isoformat(), "base", BASE_KEYS)]
    assert platform.tick() == []


def test_catch_up_after_a_backfill_in_waves(platform):
    for day in (D1, D2, D3):  # a backfill: three days of inputs before any tick
        assert platform.load_inputs(day).success

    wave1 = platform.tick()
    assert summary(wave1) == [(D1.isoformat(), "all", ANALYTICS_KEYS),
                              (D2.isoformat(), "base", BASE_KEYS),
                              (D3.isoformat(), "base", BASE_KEYS)]
    platform.run(wave1[::-1])  # whatever order they finish in
    # the feature statistics are in the materialisation's metadata, visible in the UI
    features = platform.instance.get_latest_materialization_event(CHURN_FEATURES.key)
    metadata = features.asset_materialization.metadata
    assert metadata["features"].value == len(FEATURES)
    assert "| data_mb_30d |" in metadata["feature_statistics"].value
    wave2 = platform.tick()
    assert summary(wave2) == [(D2.isoformat(), "analytics", tuple(REST)),
                              (D3.isoformat(), "analytics", tuple(REST))]
    platform.run(wave2)
    assert platform.tick() == []
    assert platform.cursor == '{"requested": {}}'  # nothing in flight

    # the inputs of day 2 re-materialised (a re-run upstream): day 2 is stale, runs again
    assert platform.load_inputs(D2).success
    again = platform.tick()
    assert summary(again) == [(D2.isoformat(), "all", ANALYTICS_KEYS)]
    assert again[0].run_key != wave1[1].run_key
