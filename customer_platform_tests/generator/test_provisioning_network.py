"""Provisioning (service catalogue, service assignments) and network (daily usage)
generators: contract-valid, reproducible, consistent with billing, realistic."""

import datetime as dt
import functools

import numpy as np
import polars as pl
import pytest

import customer_platform.generator  # noqa: F401  (registers the generators)
from customer_platform import vocabulary as v
from customer_platform.contracts import source_table
from customer_platform.generator import billing as bil
from customer_platform.generator import network as net
from customer_platform.generator import provisioning as prv
from customer_platform.generator import reference as ref
from customer_platform.generator.crm import CITY_REGION, customers_view
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import GENERATORS
from customer_platform.generator.world import build_world

TABLES = (
    "provisioning.service_catalogue",
    "provisioning.service_assignments",
    "network.daily_usage",
)
DAY = day_number(dt.date(2026, 3, 10))


@pytest.fixture(scope="module")
def world():
    return build_world(seed=3, n_customers=400)


def _days(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Date).cast(pl.Int32).to_numpy()


def _index(ids: pl.Series, width: int) -> np.ndarray:
    """World index of ``C0000012``-style ids (prefix of ``width`` characters)."""
    return ids.str.slice(width).cast(pl.Int64).to_numpy() - 1


@functools.cache
def _busy_days(name: str) -> tuple[int, ...]:
    """Three days from ``DAY`` on which the small world has rows of ``name``."""
    w = build_world(seed=3, n_customers=400)
    busy = (d for d in range(DAY, DAY + 400) if GENERATORS[name](w, d).height)
    return tuple(next(busy) for _ in range(3))


@functools.cache
def _assignment_history(n_customers: int, last: int) -> pl.DataFrame:
    """Every service assignment row up to ``last``, from the days anything started or ended."""
    w = build_world(seed=3, n_customers=n_customers)
    days = np.union1d(w.assign_start, w.assign_end)
    frames = [prv.service_assignments(w, int(d)) for d in days[days <= last]]
    return pl.concat(frames)


# -- every table ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_clean_frames_validate_against_the_contract(world, name):
    table = source_table(name)
    for day in _busy_days(name):
        frame = GENERATORS[name](world, day)
        assert frame.height > 0
        assert frame.schema == pl.Schema(table.dtypes())
        table.model.validate(frame, lazy=True)
        assert frame.select(table.primary_key).is_unique().all()


@pytest.mark.parametrize("name", TABLES)
def test_a_day_is_the_same_whatever_else_was_generated(world, name):
    day = _busy_days(name)[0]
    first = GENERATORS[name](world, day)
    for other in (day - 40, day + 1, day + 300):
        GENERATORS[name](world, other)
    assert first.equals(GENERATORS[name](world, day))
    assert not first.equals(GENERATORS[name](world, day + 1)) or name.endswith("catalogue")
    # a freshly built world of the same seed gives the same rows
    assert first.equals(GENERATORS[name](build_world.__wrapped__(3, 400), day))


@pytest.mark.parametrize("name", ["provisioning.service_assignments", "network.daily_usage"])
def test_incremental_rows_belong_to_their_day(world, name):
    column = source_table(name).event_date
    for day in _busy_days(name):
        assert (_days(GENERATORS[name](world, day)[column]) == day).all()


def test_before_the_history_there_is_nothing_but_the_right_types(world):
    early = day_number(dt.date(2014, 6, 1))
    for name in ("provisioning.service_assignments", "network.daily_usage"):
        frame = GENERATORS[name](world, early)
        assert frame.height == 0
        assert frame.schema == pl.Schema(source_table(name).dtypes())


# -- service catalogue ----------------------------------------------------------------------


def test_catalogue_is_the_reference_with_dated_revisions(world):
    frame = prv.service_catalogue(world, DAY)
    assert frame["service_id"].to_list() == [s[0] for s in ref.SERVICES]
    assert frame["service_type"].to_list() == [s[1] for s in ref.SERVICES]
    # billing charges reference.SERVICE_COST: the catalogue price must agree with it
    assert np.array_equal(frame["monthly_cost"].to_numpy(), ref.SERVICE_COST)
    assert set(frame["service_type"]) == set(v.SERVICE_TYPES)
    for service_id, when, field, before, after in prv.SERVICE_REVISIONS:
        d = day_number(when)
        old = prv.service_catalogue(world, d - 1).filter(pl.col("service_id") == service_id)
        new = prv.service_catalogue(world, d).filter(pl.col("service_id") == service_id)
        assert old[field][0] == before and new[field][0] == after
        assert new["updated_at"][0].date() == when
        assert old["updated_at"][0].date() < when
    # the DSL withdrawal matches the reference's current flag; untouched services never change
    now = prv.service_catalogue(world, day_number(dt.date(2027, 12, 31)))
    assert now.filter(pl.col("service_id") == "S004")["active_flag"][0] is False
    revised = {r[0] for r in prv.SERVICE_REVISIONS}
    untouched = now.filter(~pl.col("service_id").is_in(revised))
    assert (untouched["updated_at"].dt.date() == dt.date(2015, 1, 1)).all()


# -- service assignments --------------------------------------------------------------------


def test_assignments_have_one_start_then_at_most_one_end(world):
    history = _assignment_history(400, DAY + 200)
    per = history.sort("updated_at").group_by("assignment_id", maintain_order=True).agg(
        pl.col("status"), pl.col("customer_id").n_unique().alias("customers"),
        pl.col("service_id").n_unique().alias("services"),
        pl.col("start_date").n_unique().alias("starts"))
    statuses = per["status"].to_list()
    assert all(s in (["Active"], ["Active", "Ended"]) for s in statuses)
    assert sum(len(s) == 2 for s in statuses) > 20
    assert (per["customers"] == 1).all() and (per["services"] == 1).all()
    assert (per["starts"] == 1).all()
    active, ended = history.filter(status="Active"), history.filter(status="Ended")
    assert active["end_date"].is_null().all()
    assert (_days(active["start_date"]) == _days(active["updated_at"])).all()
    assert (_days(ended["end_date"]) == _days(ended["updated_at"])).all()
    assert (_days(ended["end_date"]) > _days(ended["start_date"])).all()
    # the id is the world assignment row, and its columns are that row's
    rows = _index(history["assignment_id"], 2)
    assert np.array_equal(_index(history["customer_id"], 1), world.assign_customer[rows])
    assert np.array_equal(_days(history["start_date"]), world.assign_start[rows])
    service = history["service_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
    assert np.array_equal(service, world.assign_service[rows])


def _active_from_history(history: pl.DataFrame, day: int) -> pl.DataFrame:
    """Assignments started on or before ``day`` and not ended by then, from the extracts."""
    upto = history.filter(pl.col("updated_at").dt.date() <= pl.lit(day).cast(pl.Date))
    ended = upto.filter(status="Ended").select("assignment_id")
    return upto.filter(status="Active").join(ended, on="assignment_id", how="anti")


def test_assignments_active_on_a_day_are_what_billing_charges(world):
    history = _assignment_history(400, DAY + 200)
    catalogue = prv.service_catalogue(world, DAY).select("service_id", "monthly_cost")
    everyone = np.arange(world.n_customers)
    for day in (DAY - 400, DAY, DAY + 57, DAY + 200):
        active = _active_from_history(history, day)
        mrr = active.join(catalogue, on="service_id").group_by("customer_id").agg(
            pl.col("monthly_cost").sum())
        from_extract = np.zeros(world.n_customers)
        from_extract[_index(mrr["customer_id"], 1)] = mrr["monthly_cost"].to_numpy()
        assert np.allclose(from_extract, bil.mrr_at(world, everyone, day))
        assert np.allclose(from_extract, world.monthly_recurring_revenue(day))
        # nobody holds a service while churned
        cust = _index(active["customer_id"], 1)
        assert (world.status(day)[cust] != 2).all()


def test_churn_ends_every_service_on_the_churn_day(world):
    history = _assignment_history(400, DAY + 200)
    ended = history.filter(status="Ended")
    cust = _index(ended["customer_id"], 1)
    on_churn = _days(ended["end_date"]) == world.churn_day[cust]
    assert on_churn.sum() > 10 and (~on_churn).sum() > 10  # churn and plain cancellations
    churners = np.flatnonzero(world.churn_day <= DAY + 200)
    active_before = _active_from_history(history, DAY + 200)
    still = set(_index(active_before["customer_id"], 1))
    for c in churners:
        if world.reactivate_day[c] > DAY + 200:
            assert c not in still


# -- daily usage ----------------------------------------------------------------------------


def test_usage_covers_exactly_the_active_services(world):
    history = _assignment_history(400, DAY + 200)
    for day in (DAY, DAY + 57):
        usage = net.daily_usage(world, day)
        active = _active_from_history(history, day).select("customer_id", "service_id").unique()
        assert usage.select("customer_id", "service_id").sort(pl.all()).equals(
            active.sort(pl.all()))


def test_usage_columns_fit_the_service_type(world):
    usage = pl.concat([net.daily_usage(world, d) for d in range(DAY, DAY + 14)])
    kind = usage["service_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
    kind = np.asarray([s[1] for s in ref.SERVICES], dtype=object)[kind]
    has_data = np.isin(kind, ["Internet", "Mobile"])
    has_minutes = np.isin(kind, ["TV", "Voice", "Mobile"])
    assert np.array_equal(usage["data_volume_mb"].is_not_null().to_numpy(), has_data)
    assert np.array_equal(usage["minutes"].is_not_null().to_numpy(), has_minutes)
    assert (usage["dropped_sessions"] <= usage["sessions"]).all()
    idle = usage.filter(pl.col("sessions") == 0)
    assert 0 < idle.height < 0.2 * usage.height
    assert (idle["data_volume_mb"].fill_null(0) == 0).all()
    assert (idle["minutes"].fill_null(0) == 0).all()
    busy = usage.filter(pl.col("sessions") > 0)
    assert (busy["data_volume_mb"].fill_null(1) > 0).all()
    # bigger plans carry more traffic: Fiber 1G > Fiber 500 > Fiber 100, SIP trunk > home voice
    median = dict(busy.group_by("service_id").agg(
        pl.coalesce("data_volume_mb", pl.col("minutes").cast(pl.Float64)).median()).iter_rows())
    assert median["S003"] > median["S002"] > median["S001"]
    assert median["S013"] > 5 * median["S011"]


STAT_WORLD = 5_000
STAT_DAYS = tuple(range(day_number(dt.date(2025, 8, 1)), day_number(dt.date(2026, 8, 1)), 9))


@functools.cache
def _usage_sample() -> pl.DataFrame:
    w = build_world(seed=3, n_customers=STAT_WORLD)
    return pl.concat([net.daily_usage(w, d) for d in STAT_DAYS])


def test_outages_are_area_events():
    w = build_world(seed=3, n_customers=STAT_WORLD)
    usage = _usage_sample()
    cust = _index(usage["customer_id"], 1)
    day = _days(usage["usage_date"])
    city = customers_view(w, cust).city(day)
    mobile = usage["service_id"].is_in(["S008", "S009", "S010"]).to_numpy()
    hit = usage.with_columns(city=pl.Series(city), mobile=pl.Series(mobile)).filter(
        pl.col("outage_minutes") > 0)
    assert 0.001 < hit.height / usage.height < 0.03
    # one outage per city, network and day: everyone it reaches loses the same minutes
    events = hit.group_by("usage_date", "city", "mobile").agg(
        pl.col("outage_minutes").n_unique().alias("lengths"),
        pl.col("customer_id").n_unique().alias("reached"))
    assert (events["lengths"] == 1).all()
    assert events["reached"].mean() > 3  # many customers at once, not isolated faults
    per_day = events.group_by("usage_date").len()
    assert per_day["len"].max() <= 8  # a few of the 22 cities on any one day
    # an outage reaches only part of a city
    everyone = usage.with_columns(city=pl.Series(city), mobile=pl.Series(mobile)).join(
        events.select("usage_date", "city", "mobile"), on=["usage_date", "city", "mobile"])
    share = (everyone["outage_minutes"] > 0).mean()
    assert 0.1 < share < 0.6
    # and drops more sessions
    rate = usage.with_columns(out=pl.col("outage_minutes") > 0).group_by("out").agg(
        (pl.col("dropped_sessions").sum() / pl.col("sessions").sum()).alias("rate"))
    rate = dict(rate.iter_rows())
    assert rate[True] > 3 * rate[False]
    assert len(set(CITY_REGION[np.unique(hit["city"].to_numpy())])) > 5


def test_usage_falls_before_churn_and_stops_at_it():
    w = build_world(seed=3, n_customers=STAT_WORLD)
    usage = _usage_sample()
    svc = usage["service_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
    typical = np.where(np.isnan(net.DATA_MB[svc]), net.MINUTES[svc], net.DATA_MB[svc])
    volume = usage.select(pl.coalesce("data_volume_mb", pl.col("minutes").cast(pl.Float64)))
    cust = _index(usage["customer_id"], 1)
    day = _days(usage["usage_date"])
    view = customers_view(w, cust)
    frame = pl.DataFrame({
        "cust": cust,
        "norm": volume.to_series().to_numpy() / typical,
        "phase": np.select([view.distress(day) > 0.6, view.distress(day) == 0], [2, 0], 1),
        "drop_rate": usage["dropped_sessions"].to_numpy() / np.maximum(usage["sessions"], 1),
    })
    per = frame.filter(pl.col("phase") != 1).group_by("cust", "phase").agg(
        pl.col("norm").mean(), pl.col("drop_rate").mean())
    paired = per.filter(pl.col("phase") == 0).join(
        per.filter(pl.col("phase") == 2), on="cust", suffix="_late")
    assert paired.height > 50
    ratio = (paired["norm_late"] / paired["norm"]).median()
    assert ratio < 0.6
    assert paired["drop_rate_late"].mean() > 1.5 * paired["drop_rate"].mean()
    # churned customers have no usage
    assert (view.status(day) != 2).all()


def test_businesses_use_less_at_weekends_and_households_more():
    w = build_world(seed=3, n_customers=STAT_WORLD)
    friday, saturday = day_number(dt.date(2026, 3, 13)), day_number(dt.date(2026, 3, 14))

    def total_by_residential(day):
        u = net.daily_usage(w, day)
        residential = w.segment[_index(u["customer_id"], 1)] == 0
        return u.with_columns(res=pl.Series(residential)).group_by("res").agg(
            pl.col("sessions").sum())

    weekday = dict(total_by_residential(friday).iter_rows())
    weekend = dict(total_by_residential(saturday).iter_rows())
    assert weekend[True] > 1.05 * weekday[True]
    assert weekend[False] < 0.6 * weekday[False]
