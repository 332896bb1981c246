"""landing_zone_sensor on a real landing folder (the project's generator) and a real temporary
instance, tick by tick with a clock the test moves: a complete day runs once; a missing file
holds the day until the cut-off; a re-delivered file re-runs its day, only what it feeds; the
support tickets refresh their chain before the day's whole run; a day loaded elsewhere is
adopted, not run again."""

import datetime as dt

from dagster import AssetKey, AssetMaterialization, DailyPartitionsDefinition

from customer_platform.bronze.assets import bronze_key
from customer_platform.contracts import SOURCE_TABLES, source_table
from customer_platform.orchestration import INTRADAY_CHAINS, TRIGGER_TAG
from customer_platform.orchestration.landing_sensor import CHANGED_TAG, MISSING_TAG
from customer_platform.settings import partition_start

from .conftest import D1, D2, D3, at

SUPPORT_CHAIN = sorted(INTRADAY_CHAINS["support.tickets"], key=AssetKey.to_user_string)


def summary(data):
    """(partition, trigger, changed or missing tables) of each run request."""
    return [(r.partition_key, r.tags[TRIGGER_TAG],
             r.tags.get(CHANGED_TAG) or r.tags.get(MISSING_TAG)) for r in data.run_requests]


def test_a_complete_day_runs_once_as_a_whole(make_sensor, landing):
    sensor = make_sensor()
    landing.deliver(D1)
    first = sensor.tick(at(D2, 1))
    assert summary(first) == [(D1.isoformat(), "landing_complete", None)]
    request = first.run_requests[0]
    assert request.asset_selection is None  # the whole daily_platform job
    assert request.run_key.startswith(f"landing:{D1}:complete:")
    assert sensor.tick().run_requests == []
    assert sensor.tick(at(D3, 12)).run_requests == []  # nor later, nor after the cut-off
    # the run key names the files, not the tick: a lost cursor asks for the same run key,
    # which Dagster does not launch twice for one sensor
    sensor.cursor = None
    assert [r.run_key for r in sensor.tick().run_requests] == [request.run_key]


def test_a_missing_file_holds_the_day_until_the_cut_off(make_sensor, landing):
    sensor = make_sensor(cutoff=dt.timedelta(hours=4))
    late = "marketing.campaigns"
    landing.deliver(D1, *(t.qualified_name for t in SOURCE_TABLES if t.qualified_name != late))
    # meanwhile only the support tickets are refreshed (their intra-day chain)
    assert summary(sensor.tick(at(D2, 1))) == [
        (D1.isoformat(), "landing_intraday", "support.tickets")]
    waiting = sensor.tick(at(D2, 2))
    assert waiting.run_requests == []
    assert f"{len(SOURCE_TABLES) - 1}/{len(SOURCE_TABLES)} files" in waiting.skip_message
    assert f"cut-off at {D2} 04:00 UTC" in waiting.skip_message
    assert sensor.tick(at(D2, 3, 59)).run_requests == []

    at_cutoff = sensor.tick(at(D2, 4))
    assert summary(at_cutoff) == [(D1.isoformat(), "landing_cutoff", late)]
    assert at_cutoff.run_requests[0].asset_selection is None
    assert sensor.tick(at(D2, 5)).run_requests == []

    # the late file arrives: only what it feeds runs again, for that day
    landing.deliver(D1, late)
    arrived = sensor.tick(at(D2, 9))
    assert summary(arrived) == [(D1.isoformat(), "landing_redelivery", late)]
    selection = set(arrived.run_requests[0].asset_selection)
    assert bronze_key(source_table(late)) in selection
    assert bronze_key(source_table("crm.customers")) not in selection
    assert sensor.tick().run_requests == []


def test_a_redelivered_file_reruns_its_day_only(make_sensor, landing):
    sensor = make_sensor()
    landing.deliver(D1)
    landing.deliver(D2)
    assert [r.partition_key for r in sensor.tick(at(D3, 1)).run_requests] == [
        D1.isoformat(), D2.isoformat()]

    landing.redeliver(D1, "crm.customers")
    rerun = sensor.tick()
    assert summary(rerun) == [(D1.isoformat(), "landing_redelivery", "crm.customers")]
    selection = set(rerun.run_requests[0].asset_selection)
    assert {bronze_key(source_table("crm.customers")), AssetKey(["silver", "stg_crm_customers"]),
            AssetKey(["gold", "dim_customer_versions"])} <= selection
    assert not {bronze_key(t) for t in SOURCE_TABLES if t.name != "customers"} & selection
    assert sensor.tick().run_requests == []

    landing.touch(D1, "crm.customers")  # same bytes, newer modification time
    assert sensor.tick().run_requests == []

    landing.deliver(D1, "crm.customers")  # back to the first version: loaded again
    back = sensor.tick()
    assert summary(back) == [(D1.isoformat(), "landing_redelivery", "crm.customers")]
    assert back.run_requests[0].run_key != rerun.run_requests[0].run_key


def test_support_tickets_refresh_their_chain_before_the_whole_day(make_sensor, landing):
    sensor = make_sensor()
    landing.deliver(D1, "support.tickets")
    first = sensor.tick(at(D2, 1))
    assert summary(first) == [(D1.isoformat(), "landing_intraday", "support.tickets")]
    assert first.run_requests[0].asset_selection == SUPPORT_CHAIN
    assert sensor.tick(at(D2, 2)).run_requests == []

    landing.redeliver(D1, "support.tickets")  # the tickets change again during the morning
    again = sensor.tick(at(D2, 3))
    assert summary(again) == [(D1.isoformat(), "landing_intraday", "support.tickets")]
    assert again.run_requests[0].run_key != first.run_requests[0].run_key

    landing.deliver(D1, *(t.qualified_name for t in SOURCE_TABLES
                          if t.qualified_name != "support.tickets"))
    assert summary(sensor.tick(at(D2, 4))) == [(D1.isoformat(), "landing_complete", None)]

    # after the whole day ran, a re-delivery re-runs everything the tickets feed
    landing.redeliver(D1, "support.tickets")
    rerun = sensor.tick(at(D2, 12))
    assert summary(rerun) == [(D1.isoformat(), "landing_redelivery", "support.tickets")]
    assert set(SUPPORT_CHAIN) < set(rerun.run_requests[0].asset_selection)


def test_todays_tickets_wait_for_the_days_partition(make_sensor, landing):
    """The platform's daily partitions end with the last complete UTC day: today's tickets
    file is held until midnight, then refreshed while the rest of the day arrives."""
    sensor = make_sensor()
    landing.deliver(D2, "support.tickets")
    held = sensor.tick(at(D2, 14))
    assert held.run_requests == []
    assert "the day has no partition (the day has not ended)" in held.skip_message
    assert summary(sensor.tick(at(D3, 0, 5))) == [
        (D2.isoformat(), "landing_intraday", "support.tickets")]


def test_with_an_open_day_partition_todays_tickets_refresh_today(make_sensor, landing):
    """With partitions that include the open day (``end_offset=1``) each re-delivery of
    today's tickets file refreshes today's support chain."""
    open_days = DailyPartitionsDefinition(start_date=partition_start().isoformat(),
                                          end_offset=1, timezone="UTC")
    sensor = make_sensor(partitions_def=open_days)
    landing.deliver(D2, "support.tickets")
    morning = sensor.tick(at(D2, 10))
    assert summary(morning) == [(D2.isoformat(), "landing_intraday", "support.tickets")]
    assert morning.run_requests[0].asset_selection == SUPPORT_CHAIN
    assert sensor.tick(at(D2, 11)).run_requests == []
    landing.redeliver(D2, "support.tickets")
    assert summary(sensor.tick(at(D2, 14))) == [
        (D2.isoformat(), "landing_intraday", "support.tickets")]


def test_a_day_loaded_elsewhere_is_adopted_not_run_again(make_sensor, landing, instance):
    sensor = make_sensor()
    landing.deliver(D1)
    for table in SOURCE_TABLES:  # what the CLI or the UI leaves in the event log
        instance.report_runless_asset_event(
            AssetMaterialization(bronze_key(table), partition=D1.isoformat()))
    assert sensor.tick(at(D2, 1)).run_requests == []
    landing.redeliver(D1, "billing.invoices")
    assert summary(sensor.tick()) == [(D1.isoformat(), "landing_redelivery", "billing.invoices")]


def test_days_before_the_lookback_are_left_to_backfills(make_sensor, landing):
    sensor = make_sensor(lookback=2)
    landing.deliver(D1)
    assert sensor.tick(at(D1 + dt.timedelta(days=3), 1)).run_requests == []
    assert sensor.tick(at(D1 + dt.timedelta(days=2), 1)).run_requests != []
