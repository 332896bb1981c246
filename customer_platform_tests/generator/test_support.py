"""Support generators: contract-valid, reproducible, consistent lifecycles, churn signal."""

import datetime as dt
import functools

import numpy as np
import polars as pl
import pytest

import customer_platform.generator  # noqa: F401  (registers the generators)
from customer_platform import vocabulary as v
from customer_platform.contracts import source_table
from customer_platform.generator import support as sup
from customer_platform.generator.crm import customers_view
from customer_platform.generator.randomness import day_number
from customer_platform.generator.registry import GENERATORS
from customer_platform.generator.world import build_world

TABLES = ("support.tickets", "support.kb_articles", "support.engagement_activities")
DAY = day_number(dt.date(2026, 3, 10))  # a Tuesday
STATUS = {s: i for i, s in enumerate(v.TICKET_STATUSES)}
BIG_WORLD, START, DAYS = 5_000, dt.date(2025, 9, 1), 240


@pytest.fixture(scope="module")
def world():
    return build_world(seed=3, n_customers=400)


@functools.cache
def _history(name: str) -> pl.DataFrame:
    """Every clean row of ``name`` over ``DAYS`` days from ``START`` in the bigger world."""
    w = build_world(seed=3, n_customers=BIG_WORLD)
    first = day_number(START)
    return pl.concat([GENERATORS[name](w, d) for d in range(first, first + DAYS)])


def _busy_day(world, name: str) -> int:
    """The first day from ``DAY`` on which the small world has rows of ``name``."""
    return next(d for d in range(DAY, DAY + 60) if GENERATORS[name](world, d).height)


def _days(series: pl.Series) -> np.ndarray:
    return series.cast(pl.Date).cast(pl.Int32).to_numpy()


def _customer_index(frame: pl.DataFrame) -> np.ndarray:
    return frame["customer_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1


def _live_customer_days(w, customers: np.ndarray, step: int = 5) -> tuple[float, float]:
    """Customer-days (sampled every ``step`` days) of ``customers`` existing and not churned,
    split into (in distress, not in distress)."""
    distressed = normal = 0.0
    first = day_number(START)
    for day in range(first, first + DAYS, step):
        live = w.exists(day)[customers] & (w.status(day)[customers] != 2)
        in_distress = live & (w.distress(day)[customers] > 0)
        distressed += step * in_distress.sum()
        normal += step * (live & ~in_distress).sum()
    return distressed, normal


# -- every table ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_clean_frames_validate_against_the_contract(world, name):
    table = source_table(name)
    heights = []
    for day in (DAY, DAY + 1, DAY + 4, DAY + 30, DAY + 200):
        frame = GENERATORS[name](world, day)
        assert frame.columns == list(table.dtypes())
        table.model.validate(frame, lazy=True)
        assert frame.select(table.primary_key).is_unique().all()
        heights.append(frame.height)
    assert sum(heights) > 0


@pytest.mark.parametrize("name", TABLES)
def test_a_day_before_history_is_an_empty_frame_of_the_right_types(world, name):
    frame = GENERATORS[name](world, day_number(dt.date(2014, 6, 1)))
    table = source_table(name)
    assert frame.height == 0
    assert frame.schema == pl.Schema(table.dtypes())
    table.model.validate(frame, lazy=True)


@pytest.mark.parametrize("name", TABLES)
def test_a_day_is_reproducible_whatever_was_generated_before(world, name):
    day = _busy_day(world, name)
    first = GENERATORS[name](world, day)
    assert first.equals(GENERATORS[name](world, day))
    for other in range(day - 45, day + 45, 7):
        GENERATORS[name](world, other)
    assert first.equals(GENERATORS[name](world, day))
    other_seed = GENERATORS[name](build_world(seed=4, n_customers=400), day)
    assert not first.equals(other_seed)


@pytest.mark.parametrize("name", ["support.tickets", "support.engagement_activities"])
def test_incremental_rows_belong_to_their_day_and_ids_are_unique_across_days(name):
    frame = _history(name)
    table = source_table(name)
    day_column = "updated_at" if name == "support.tickets" else "activity_date"
    first = day_number(START)
    per_day = frame.group_by(pl.col(day_column).cast(pl.Date)).len()
    assert per_day.height > 0.6 * DAYS
    assert (_days(frame[day_column]) >= first).all()
    assert (_days(frame[day_column]) < first + DAYS).all()
    assert frame.select(table.primary_key).is_unique().all()
    if name == "support.tickets":
        opened = frame.filter(pl.col("status") == "Open")
        assert opened["ticket_id"].is_unique().all()
        assert (_days(opened["updated_at"]) == _days(opened["opened_at"])).all()


# -- tickets --------------------------------------------------------------------------------


def test_ticket_timestamps_and_fields_follow_the_status():
    frame = _history("support.tickets")
    status = frame["status"]
    assert set(status) == set(v.TICKET_STATUSES)
    is_open = status == "Open"
    resolved = status.is_in(["Resolved", "Closed"])
    assert (frame["first_response_at"].is_null() == is_open).all()
    assert (frame["agent_name"].is_null() == is_open).all()
    assert (frame["resolved_at"].is_null() == ~resolved).all()
    assert frame.filter(~resolved)["satisfaction_score"].is_null().all()
    answered = frame.filter(resolved)["satisfaction_score"].drop_nulls()
    assert answered.len() > 0.3 * resolved.sum()
    assert answered.is_between(1, 5).all()
    responded = frame.drop_nulls("first_response_at")
    assert (responded["first_response_at"] > responded["opened_at"]).all()
    done = frame.drop_nulls("resolved_at")
    assert (done["resolved_at"] > done["first_response_at"]).all()
    # updated_at is the moment of the change the row records
    at = {"Open": "opened_at", "In Progress": "first_response_at", "Resolved": "resolved_at"}
    for name, column in at.items():
        rows = frame.filter(status == name)
        assert (rows["updated_at"] == rows[column]).all()
    closed = frame.filter(status == "Closed")
    assert (closed["updated_at"] > closed["resolved_at"]).all()
    # residential customers have no platform user; business tickets mostly name one
    w = build_world(seed=3, n_customers=BIG_WORLD)
    residential = w.segment[_customer_index(frame)] == 0
    assert frame.filter(pl.Series(residential))["user_id"].is_null().all()
    business = frame.filter(pl.Series(~residential))
    assert business["user_id"].null_count() < 0.3 * business.height


def test_each_ticket_moves_through_its_statuses_in_order_across_days():
    frame = _history("support.tickets").with_columns(
        pl.col("status").replace_strict(STATUS).alias("rank"))
    per = frame.sort("updated_at").group_by("ticket_id", maintain_order=True).agg(
        pl.col("rank"),
        *(pl.col(c).n_unique() for c in ("customer_id", "opened_at", "priority", "ticket_type",
                                          "category", "channel_of_contact")),
        pl.col("first_response_at").drop_nulls().n_unique().alias("responses"),
        pl.col("satisfaction_score").drop_nulls().n_unique().alias("scores"),
        pl.col("updated_at").cast(pl.Date).n_unique().alias("days"),
        pl.col("opened_at").first().alias("opened"),
    )
    for column in ("customer_id", "opened_at", "priority", "ticket_type", "category",
                   "channel_of_contact"):
        assert (per[column] == 1).all()
    assert (per["responses"] <= 1).all() and (per["scores"] <= 1).all()
    for ranks in per["rank"].to_list():
        assert ranks == list(range(ranks[0], ranks[0] + len(ranks)))
    # tickets raised inside the history, well before its end, show their whole life
    last = dt.datetime.combine(START + dt.timedelta(days=DAYS - sup.TICKET_WINDOW - 1), dt.time())
    whole = per.filter((pl.col("opened") >= dt.datetime.combine(START, dt.time()))
                       & (pl.col("opened") < last))
    assert whole.height > 1000
    assert all(r == [0, 1, 2, 3] for r in whole["rank"].to_list())
    assert (whole["days"] > 1).mean() > 0.5  # lifecycles span days


def test_resolution_time_depends_on_priority_and_type():
    frame = _history("support.tickets").filter(pl.col("status") == "Resolved").with_columns(
        ((pl.col("resolved_at") - pl.col("opened_at")).dt.total_seconds() / 3600).alias("hours"),
        ((pl.col("first_response_at") - pl.col("opened_at")).dt.total_seconds() / 3600)
        .alias("response"))

    def medians(by: str, column: str = "hours") -> dict:
        m = frame.group_by(by).agg(pl.col(column).median())
        return dict(zip(m[by], m[column], strict=True))

    by_priority = medians("priority")
    assert by_priority["High"] < by_priority["Medium"] < by_priority["Low"]
    by_type = medians("ticket_type")
    assert by_type["Billing Question"] < by_type["Technical Issue"] < by_type["Feature Request"]
    assert 2 < by_type["Technical Issue"] < 96
    response = medians("priority", "response")
    assert response["High"] < response["Medium"] < response["Low"]
    by_channel = medians("channel_of_contact", "response")
    assert by_channel["Phone"] < by_channel["Email"]


def test_customers_heading_for_churn_raise_more_and_angrier_tickets():
    w = build_world(seed=3, n_customers=BIG_WORLD)
    frame = _history("support.tickets")
    opened = frame.filter(pl.col("status") == "Open")
    i, d = _customer_index(opened), _days(opened["opened_at"])
    view = customers_view(w, i)
    distressed = view.distress(d) > 0
    # never raised by churned customers or before signup
    assert (view.status(d) != 2).all() and view.exists(d).all()
    distressed_days, normal_days = _live_customer_days(w, np.arange(w.n_customers))
    rate_distressed = distressed.sum() / distressed_days
    rate_normal = (~distressed).sum() / normal_days
    assert distressed.sum() > 200
    assert rate_distressed > 2.0 * rate_normal
    assert 0.8 / 365 < rate_normal < 3.5 / 365  # one to three tickets a customer a year
    high = (opened["priority"] == "High").to_numpy()
    billing = (opened["ticket_type"] == "Billing Question").to_numpy()
    assert high[distressed].mean() > high[~distressed].mean() + 0.1
    assert billing[distressed].mean() > billing[~distressed].mean() + 0.1
    # satisfaction, scored at resolution, is lower for tickets raised in distress
    scored = frame.filter(pl.col("status") == "Resolved").drop_nulls("satisfaction_score")
    k = customers_view(w, _customer_index(scored)).distress(_days(scored["opened_at"])) > 0
    score = scored["satisfaction_score"].to_numpy()
    assert k.sum() > 50
    assert score[k].mean() < score[~k].mean() - 0.5


# -- knowledge base -------------------------------------------------------------------------


def test_kb_articles_only_gain_versions_and_the_library_grows_slowly(world):
    snapshots = [GENERATORS["support.kb_articles"](world, d) for d in range(DAY - 720, DAY, 30)]
    for before, after in zip(snapshots, snapshots[1:], strict=False):
        assert after["article_id"].to_list()[: before.height] == before["article_id"].to_list()
        both = before.join(after, on="article_id", suffix="_after")
        assert (both["version_number_after"] >= both["version_number"]).all()
        assert (both["updated_at_after"] >= both["updated_at"]).all()
        for column in ("title", "category", "article_author", "published_at"):
            assert (both[column] == both[f"{column}_after"]).all()
    first, last = snapshots[0], snapshots[-1]
    assert 150 < first.height < last.height < 1.3 * first.height
    revised = last.join(first, on="article_id").filter(
        pl.col("version_number") > pl.col("version_number_right"))
    assert revised.height > 0.5 * first.height
    assert (last["updated_at"] >= last["published_at"]).all()
    assert set(last["category"]) == set(v.KB_CATEGORIES)
    # the library barely depends on the number of customers
    bigger = GENERATORS["support.kb_articles"](build_world(seed=3, n_customers=5_000), DAY)
    assert 0.8 * last.height < bigger.height < 1.2 * last.height


# -- engagement activities ------------------------------------------------------------------


def test_engagement_activities_are_with_live_business_accounts():
    w = build_world(seed=3, n_customers=BIG_WORLD)
    frame = _history("support.engagement_activities")
    i, d = _customer_index(frame), _days(frame["activity_date"])
    view = customers_view(w, i)
    assert (w.segment[i] != 0).all()
    assert view.exists(d).all() and (view.status(d) != 2).all()
    weekday = (d + 3) % 7 < 5
    assert weekday.mean() > 0.9
    assert (frame["duration_minutes"] % 5 == 0).all()
    onboarding = frame.filter(pl.col("activity_type") == "Onboarding Call")
    tenure = _days(onboarding["activity_date"]) - w.signup_day[_customer_index(onboarding)]
    assert (tenure < sup.ONBOARDING_DAYS).all()
    assert frame["csm_name"].n_unique() <= len(sup.csm_assignment(w)[0])
    # one account, one CSM
    assert (frame.group_by("customer_id").agg(pl.col("csm_name").n_unique())["csm_name"] == 1).all()


def test_accounts_in_distress_get_more_touches_and_more_negative_outcomes():
    w = build_world(seed=3, n_customers=BIG_WORLD)
    frame = _history("support.engagement_activities")
    i, d = _customer_index(frame), _days(frame["activity_date"])
    distressed = customers_view(w, i).distress(d) > 0
    negative = (frame["outcome"] == "Negative").to_numpy()
    assert distressed.sum() > 30
    assert negative[distressed].mean() > negative[~distressed].mean() + 0.15
    distressed_days, normal_days = _live_customer_days(w, w.account)
    assert distressed.sum() / distressed_days > 1.2 * (~distressed).sum() / normal_days
