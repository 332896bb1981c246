"""CRM (account hierarchy, opportunities, quota plan) and marketing generators:
contract-valid, reproducible, realistic."""

import datetime as dt
import functools

import numpy as np
import polars as pl
import pytest

import customer_platform.generator  # noqa: F401  (registers the generators)
from customer_platform import fiscal
from customer_platform import vocabulary as v
from customer_platform.contracts import source_table
from customer_platform.generator import crm
from customer_platform.generator import marketing as mkt
from customer_platform.generator.randomness import day_number, day_of
from customer_platform.generator.registry import GENERATORS
from customer_platform.generator.world import build_world

TABLES = (
    "crm.account_hierarchy",
    "crm.opportunities",
    "crm.sales_quota_plan",
    "marketing.campaigns",
    "marketing.campaign_targets",
)
DAY = day_number(dt.date(2026, 3, 10))
STAGE = {s: i for i, s in enumerate(v.OPPORTUNITY_STAGES)}


@pytest.fixture(scope="module")
def world():
    return build_world(seed=3, n_customers=400)


@functools.cache
def _history(name: str, n_customers: int, start: dt.date, days: int) -> pl.DataFrame:
    """Every clean row of ``name`` over ``days`` days from ``start`` (a bigger world)."""
    w = build_world(seed=3, n_customers=n_customers)
    first = day_number(start)
    return pl.concat([GENERATORS[name](w, d) for d in range(first, first + days)])


@functools.cache
def _busy_day(name: str) -> int:
    """The first day from ``DAY`` on which the small world has rows of ``name``."""
    w = build_world(seed=3, n_customers=400)
    return next(d for d in range(DAY, DAY + 400) if GENERATORS[name](w, d).height)


def _days(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Date).cast(pl.Int32).to_numpy()


# -- every table ------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_clean_frame_validates_against_contract(world, name):
    frame = GENERATORS[name](world, _busy_day(name))
    assert frame.height > 0
    table = source_table(name)
    assert frame.columns == list(table.dtypes())
    table.model.validate(frame, lazy=True)
    assert not frame.is_duplicated().any()
    assert frame.select(table.primary_key).is_unique().all()


@pytest.mark.parametrize("name", TABLES)
def test_same_day_gives_same_rows(world, name):
    for day in (_busy_day(name), DAY + 17):
        assert GENERATORS[name](world, day).equals(GENERATORS[name](world, day))


@pytest.mark.parametrize("name", ["crm.opportunities", "marketing.campaign_targets"])
def test_a_quiet_day_is_an_empty_frame_of_the_right_types(world, name):
    quiet = day_number(dt.date(2016, 1, 1))  # before any campaign; opportunities still run
    frame = GENERATORS[name](world, quiet if name.startswith("marketing") else DAY)
    table = source_table(name)
    table.model.validate(frame, lazy=True)
    assert frame.schema == pl.Schema(table.dtypes())


@pytest.mark.parametrize("name", ["crm.opportunities", "marketing.campaign_targets"])
def test_incremental_rows_belong_to_their_day(world, name):
    for day in (_busy_day(name), DAY + 3):
        frame = GENERATORS[name](world, day)
        assert (_days(frame["updated_at"]) == day).all()


# -- account hierarchy ------------------------------------------------------------------


def test_account_hierarchy_is_the_business_accounts_with_their_region(world):
    frame = GENERATORS["crm.account_hierarchy"](world, DAY)
    customers = GENERATORS["crm.customers"](world, DAY)
    business = customers.filter(pl.col("customer_segment") != "Residential")
    assert sorted(frame["account_id"]) == sorted(business["customer_id"])
    joined = frame.join(business, left_on="account_id", right_on="customer_id")
    assert (joined["region"] == joined["region_right"]).all()
    assert (joined["company_name"] == joined["customer_name"]).all()
    # parent id and name are both present or both absent, and one id has one name
    assert (frame["parent_account_id"].is_null() == frame["parent_company_name"].is_null()).all()
    parents = frame.drop_nulls("parent_account_id")
    assert 0.2 < parents.height / frame.height < 0.5
    names_per_parent = parents.group_by("parent_account_id").agg(
        pl.col("parent_company_name").n_unique())
    assert (names_per_parent["parent_company_name"] == 1).all()
    # government accounts are public sector
    gov = joined.filter(pl.col("customer_segment") == "Government")
    assert gov.height and (gov["customer_type"] == "Public Sector").all()


# -- opportunities ----------------------------------------------------------------------

OPP_WORLD, OPP_START, OPP_DAYS = 5_000, dt.date(2025, 9, 1), 365


def _opportunity_history() -> pl.DataFrame:
    return _history("crm.opportunities", OPP_WORLD, OPP_START, OPP_DAYS)


def test_opportunity_stages_only_move_forward():
    frame = _opportunity_history().with_columns(
        pl.col("stage").replace_strict(STAGE).alias("rank"))
    per_opp = frame.sort("updated_at").group_by("opportunity_id", maintain_order=True).agg(
        pl.col("rank"), pl.col("created_at").n_unique().alias("created"),
        pl.col("customer_id").n_unique().alias("customers"))
    for ranks in per_opp["rank"].to_list()[:2000]:
        assert all(b > a for a, b in zip(ranks, ranks[1:], strict=False))
        assert all(r < STAGE["Closed Won"] for r in ranks[:-1])  # closing is final
    assert (per_opp["created"] == 1).all() and (per_opp["customers"] == 1).all()
    # opportunities born inside the window start at Prospecting on their created day
    born = frame.filter(pl.col("created_at").dt.date() >= OPP_START)
    first = born.sort("updated_at").group_by("opportunity_id").first()
    assert (first["stage"] == "Prospecting").all()
    assert (first["updated_at"] == first["created_at"]).all()


def test_opportunity_values_follow_the_stage():
    frame = _opportunity_history()
    lost = frame["stage"] == "Closed Lost"
    assert (frame.filter(lost)["pipe_actual"] == 0).all()
    assert (frame.filter(~lost)["pipe_actual"] == frame.filter(~lost)["amount"]).all()
    assert (frame.filter(frame["stage"] == "Closed Won")["probability_of_close"] == 1).all()
    assert (frame.filter(lost)["probability_of_close"] == 0).all()
    assert frame.filter(frame["stage"] == "Prospecting")["close_date"].is_null().all()
    closed = frame.filter(pl.col("stage").str.starts_with("Closed"))
    assert (closed["close_date"] == closed["updated_at"].dt.date()).all()
    labels = [fiscal.fiscal_week_label(d) for d in frame["updated_at"].dt.date()]
    assert frame["fiscal_week"].to_list() == labels
    reps_per_geo = frame.group_by("geo").agg(pl.col("sales_rep").n_unique())
    assert (reps_per_geo["sales_rep"] <= crm.REPS_PER_GEO).all()
    # enterprise deals are bigger than SMB ones
    w = build_world(seed=3, n_customers=OPP_WORLD)
    seg = pl.DataFrame({"customer_id": w.customer_id.to_list(), "seg": w.segment.tolist()})
    medians = frame.join(seg, on="customer_id").group_by("seg").agg(pl.col("amount").median())
    med = dict(zip(medians["seg"], medians["amount"], strict=True))
    assert 0 not in med and med[2] > 3 * med[1]


def test_declining_accounts_open_fewer_deals_and_lose_more():
    w = build_world(seed=3, n_customers=OPP_WORLD)
    frame = _opportunity_history().with_columns(
        pl.col("customer_id").str.slice(1).cast(pl.Int64).sub(1).alias("i"),
        pl.col("updated_at").dt.date().cast(pl.Int32).alias("d"))
    i, d = frame["i"].to_numpy(), frame["d"].to_numpy()
    view = crm.customers_view(w, i)
    frame = frame.with_columns(pl.Series("distressed", view.distress(d) > 0))
    # opening rate per account-day, split by whether the account was in decline that day
    opens = frame.filter(pl.col("stage") == "Prospecting")
    first = day_number(OPP_START)
    acc = w.account
    decline_days = np.zeros(len(acc))
    live_days = np.zeros(len(acc))
    for day in range(first, first + OPP_DAYS, 5):
        live = (w.status(day)[acc] == 0) & w.exists(day)[acc]
        declining = live & (w.distress(day)[acc] > 0)
        decline_days += 5 * declining
        live_days += 5 * (live & ~declining)
    open_rate_declining = opens["distressed"].sum() / decline_days.sum()
    open_rate_normal = (~opens["distressed"]).sum() / live_days.sum()
    assert open_rate_declining < 0.8 * open_rate_normal
    closed = frame.filter(pl.col("stage").str.starts_with("Closed"))
    loss = closed.group_by("distressed").agg((pl.col("stage") == "Closed Lost").mean())
    loss = dict(zip(loss["distressed"], loss["stage"], strict=True))
    assert loss[True] > loss[False] + 0.1
    # churned accounts open nothing
    churned = (w.churn_day[i] <= d) & (d < w.reactivate_day[i])
    assert not (churned & (frame["stage"] == "Prospecting").to_numpy()).any()


# -- sales quota plan -------------------------------------------------------------------


def test_quota_plan_covers_this_and_next_fiscal_year_and_is_stable(world):
    frame = GENERATORS["crm.sales_quota_plan"](world, DAY)
    year = fiscal.fiscal_year(day_of(DAY))
    expected = {f"FY{y}-Q{q}" for y in (year, year + 1) for q in range(1, 5)}
    assert set(frame["fiscal_quarter"]) == expected
    assert frame.height == len(v.GEOS) * len(v.SOLUTIONS) * len(v.SALES_MOTIONS) * 8
    zero = (frame["qrf"] == 0).sum()
    assert 0 < zero < 0.1 * frame.height
    # the same combination has the same QRF whichever day extracts it
    later = GENERATORS["crm.sales_quota_plan"](world, DAY + 120)
    both = frame.join(later, on=["geo", "solution", "sales_motion", "fiscal_quarter"])
    assert both.height > 0 and (both["qrf"] == both["qrf_right"]).all()
    # and scales with the size of the company
    bigger = GENERATORS["crm.sales_quota_plan"](build_world(seed=3, n_customers=4_000), DAY)
    ratio = bigger["qrf"].sum() / frame["qrf"].sum()
    assert 9.5 < ratio < 10.5
    amer = frame.filter(pl.col("geo") == "AMER")["qrf"].sum()
    latam = frame.filter(pl.col("geo") == "LATAM")["qrf"].sum()
    assert amer > 2 * latam


# -- campaigns --------------------------------------------------------------------------


def test_campaign_snapshot_holds_started_and_upcoming_campaigns(world):
    frame = GENERATORS["marketing.campaigns"](world, DAY)
    starts = _days(frame["start_date"])
    assert (starts <= DAY + mkt.SNAPSHOT_LOOKAHEAD).all()
    assert (_days(frame["end_date"]) >= starts).all()
    assert (_days(frame["updated_at"]) <= DAY).all()
    # budgets are approved shortly before the start: started campaigns always have one
    assert frame.filter(pl.Series(starts <= DAY))["budget"].null_count() == 0
    everything = GENERATORS["marketing.campaigns"](world, day_number(dt.date(2028, 1, 1)))
    assert everything.height == 12 + world.n_customers // 2000
    assert everything["budget"].null_count() == 0
    # a day's snapshot is a prefix of the whole plan, which spans 2025-2027
    assert everything["campaign_id"].to_list()[: frame.height] == frame["campaign_id"].to_list()
    years = set(everything["start_date"].dt.year())
    assert years <= {2025, 2026, 2027} and len(years) >= 2
    channel = dict(zip(everything["campaign_type"], everything["channel"], strict=True))
    assert channel.get("Direct Mail", "Mail") == "Mail"


# -- campaign targets -------------------------------------------------------------------

TG_WORLD, TG_START, TG_DAYS = 20_000, dt.date(2025, 6, 1), 400


def _target_history() -> pl.DataFrame:
    return _history("marketing.campaign_targets", TG_WORLD, TG_START, TG_DAYS)


def test_target_states_advance_in_order():
    frame = _target_history()
    sent, opened = _days(frame["sent_date"]), frame["opened_date"]
    responded, converted = frame["responded_date"], frame["converted_date"]
    assert ((opened.is_not_null() | responded.is_null()).all()
            and (responded.is_not_null() | converted.is_null()).all())
    o = frame.drop_nulls("opened_date")
    assert (_days(o["opened_date"]) >= _days(o["sent_date"])).all()
    r = frame.drop_nulls("responded_date")
    assert (_days(r["responded_date"]) >= _days(r["opened_date"])).all()
    c = frame.drop_nulls("converted_date")
    assert (_days(c["converted_date"]) >= _days(c["responded_date"])).all()
    # each target's versions only fill in, and the first version is the send
    per = frame.sort("updated_at").group_by("target_id", maintain_order=True).agg(
        pl.col("opened_date").null_count().alias("not_opened"),
        pl.len().alias("versions"), pl.col("sent_date").n_unique().alias("sends"),
        pl.col("customer_id").n_unique().alias("customers"))
    assert (per["sends"] == 1).all() and (per["customers"] == 1).all()
    assert (per["versions"] <= 4).all()
    assert (sent <= _days(frame["updated_at"])).all()
    # funnel narrows: fewer opens than sends, fewer responses than opens, ...
    counts = [frame[c].is_not_null().sum() for c in
              ("sent_date", "opened_date", "responded_date", "converted_date")]
    assert counts[0] > counts[1] > counts[2] > counts[3] > 0


def test_targets_are_in_the_audience_and_win_back_reaches_churned():
    w = build_world(seed=3, n_customers=TG_WORLD)
    plan = GENERATORS["marketing.campaigns"](w, day_number(dt.date(2028, 1, 1)))
    frame = _target_history().filter(pl.col("opened_date").is_null()).join(
        plan, on="campaign_id")
    i = frame["customer_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
    sent = _days(frame["sent_date"])
    assert ((sent >= _days(frame["start_date"])) & (sent <= _days(frame["end_date"]))).all()
    segment = np.asarray(v.CUSTOMER_SEGMENTS, dtype=object)[w.segment[i]]
    audience = frame["target_audience"].to_numpy()
    assert ((audience == "All Customers") | (audience == segment)).all()
    churned = crm.customers_view(w, i).status(sent) == 2
    win_back = (frame["objective"] == "Win-back").to_numpy()
    assert win_back.any() and churned[win_back].all()
    assert not churned[~win_back].any()


def test_distressed_customers_respond_less():
    w = build_world(seed=3, n_customers=TG_WORLD)
    frame = _target_history()
    opened = frame.filter(pl.col("opened_date").is_not_null() & pl.col("responded_date").is_null())
    responded = frame.filter(pl.col("responded_date").is_not_null()
                             & pl.col("converted_date").is_null()
                             & (pl.col("responded_date") == pl.col("updated_at").dt.date()))
    i = opened["customer_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
    distressed = crm.customers_view(w, i).distress(_days(opened["sent_date"])) > 0
    ids_responded = set(responded["target_id"])
    did = np.array([t in ids_responded for t in opened["target_id"]])
    # look only at targets whose whole funnel fits in the history
    last = day_number(TG_START) + TG_DAYS - mkt.TARGET_WINDOW
    complete = _days(opened["sent_date"]) < last
    rate_distressed = did[complete & distressed].mean()
    rate_normal = did[complete & ~distressed].mean()
    assert (complete & distressed).sum() > 50
    assert rate_distressed < 0.8 * rate_normal


def test_campaigns_grow_with_the_company_up_to_a_million_customers_then_hold():
    """More customers mean more campaigns up to a million, then bigger audiences only: past
    it, a day's targets would grow with the square of the customers."""
    from types import SimpleNamespace

    def campaigns(customers):
        return len(mkt.campaign_plan(SimpleNamespace(seed=42, n_customers=customers)).number)

    assert campaigns(1_000) < campaigns(100_000) < campaigns(mkt.CAMPAIGNS_GROW_TO)
    assert campaigns(10_000_000) == campaigns(2_000_000) == campaigns(mkt.CAMPAIGNS_GROW_TO)


def test_a_customers_view_keeps_state_not_text():
    """A view evaluates its customers' state on their own days; it carries no names, so a
    misuse of one as a source of text fails instead of reading another customer's name."""
    world = build_world(seed=3, n_customers=200)
    idx = np.array([5, 0, 17])
    view = crm.customers_view(world, idx)
    assert np.array_equal(view.status(DAY), world.status(DAY)[idx])
    assert np.array_equal(view.signup_day, world.signup_day[idx])
    assert all(getattr(view, name) is None for name in crm.CUSTOMER_TEXT)
