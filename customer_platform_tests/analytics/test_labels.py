"""Churn labels: churned within N days of the feature day, known only once the window closes,
N from run config, and never part of the features."""

import datetime as dt

from dagster import DagsterInstance, materialize

from customer_platform.gold.analytics.churn_features import CHURN_FEATURES
from customer_platform.gold.analytics.churn_labels import CHURN_LABELS, churn_labels

from .conftest import D, days_before

F = days_before(30)  # the feature day the labels of D (N = 30) belong to


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10))


def put_history(wh):
    since = dt.datetime(2025, 1, 1, 9)
    for cid in ("L1", "L2", "L3", "L4", "L5"):
        wh.put_customer(cid, days_before(60), changed=since)
    wh.put_customer("L1", F + dt.timedelta(days=30), status="Churned")  # on F + N: in
    wh.put_customer("L2", F + dt.timedelta(days=31), status="Churned")  # a day too late
    wh.put_customer("L3", F, status="Churned")  # already gone on F: not labelled at all
    # churned on F + 1, but the CRM delivered it only after D: unknown on D
    wh.put_customer("L4", D + dt.timedelta(days=1), status="Churned",
                    changed=at(F + dt.timedelta(days=1)))
    wh.put_customer("L5", F - dt.timedelta(days=3), status="Inactive")  # suspended first
    wh.put_customer("L5", F + dt.timedelta(days=5), status="Churned")
    wh.put_customer("L6", F + dt.timedelta(days=2), signup_date=F + dt.timedelta(days=2))


def test_labels_of_d_say_who_churned_within_n_days_of_d_minus_n(wh):
    put_history(wh)
    rows = {r["customer_id"]: r for r in wh.run(CHURN_LABELS, D).to_dicts()}
    assert sorted(rows) == ["L1", "L2", "L4", "L5"]  # active on F and signed up by then
    assert {c: rows[c]["churned"] for c in rows} == {"L1": True, "L2": False, "L4": False,
                                                     "L5": True}
    assert rows["L1"]["churn_date"] == D and rows["L5"]["churn_date"] == F + dt.timedelta(5)
    assert rows["L5"]["status_on_feature_date"] == "Inactive"
    assert {(r["feature_date"], r["horizon_days"]) for r in rows.values()} == {(F, 30)}


def test_the_horizon_is_run_config(wh):
    put_history(wh)
    with DagsterInstance.ephemeral() as instance:
        result = materialize([churn_labels], partition_key=D.isoformat(), instance=instance,
                             resources={"warehouse": wh.resource}, run_config={
                                 "ops": {"gold__churn_labels": {"config": {"horizon_days": 7}}}})
    assert result.success
    rows = wh.read("SELECT customer_id, feature_date, horizon_days, churned FROM "
                   "gold.churn_labels WHERE load_date = ? ORDER BY customer_id", [D])
    # on D - 7 L1 (churns on D) and L6 are active; everyone else is gone already
    assert rows.rows() == [("L1", days_before(7), 7, True), ("L2", days_before(7), 7, False),
                           ("L4", days_before(7), 7, False), ("L6", days_before(7), 7, False)]
    metadata = result.asset_materializations_for_node("gold__churn_labels")[0].metadata
    assert (metadata["churned"].value, metadata["feature_date"].value) == (
        1, str(days_before(7)))


def test_features_never_hold_a_label():
    columns = set(CHURN_FEATURES.schema().columns)
    assert not {"churned", "churn_date", "horizon_days", "label"} & columns
    assert "churn_labels" not in CHURN_FEATURES.sql
    assert all("churn_labels" not in source for source in CHURN_FEATURES.sources)
    assert "gold.dim_customer_versions" in CHURN_LABELS.sources
