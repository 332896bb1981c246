"""The feature catalogue: at least 80 features, each documented once and generated into the
SQL, the tables and the docs; the drift statistic behind the materialisation metadata."""

import numpy as np
import pytest

from customer_platform.gold.analytics._features import FEATURE_NAMES, FEATURES, features_doc
from customer_platform.gold.analytics.churn_features import (
    CHURN_FEATURES,
    day_matrices,
    feature_statistics,
    psi,
    statistics_metadata,
)
from customer_platform.gold.analytics.customer_360 import CUSTOMER_360
from customer_platform.gold.analytics.customer_daily_summary import MEASURES

from .conftest import D, days_before


def test_at_least_80_features_each_defined_once_with_its_documentation():
    assert len(FEATURES) >= 80
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for f in FEATURES:
        assert f.definition and f.window and f.source.startswith("gold."), f.name
    # every measure of the daily summary becomes one feature per window
    assert {f"{m.name}_{w}d" for m in MEASURES for w in m.windows} <= set(FEATURE_NAMES)
    doc = features_doc()
    assert all(f"| `{name}` |" in doc for name in FEATURE_NAMES)


def test_the_tables_and_their_sql_are_generated_from_the_catalogue():
    for table in (CUSTOMER_360, CHURN_FEATURES):
        assert set(FEATURE_NAMES) <= set(table.schema().columns), table.name
    for f in FEATURES:
        assert f"AS {f.name}" in CUSTOMER_360.sql and f.name in CHURN_FEATURES.sql


def test_psi_is_zero_for_the_same_distribution_and_large_for_a_shift():
    g = np.random.default_rng(0)
    before = g.normal(0, 1, 5_000)
    assert psi(before, before) == pytest.approx(0.0)
    assert psi(before, g.normal(0, 1, 5_000)) < 0.05
    assert psi(before, g.normal(1.5, 1, 5_000)) > 0.2
    assert psi(before, np.array([np.nan])) is None


def test_feature_statistics_compare_with_the_previous_day(wh):
    wh.put_gold(CHURN_FEATURES, [{"customer_id": f"S{i}", "data_mb_30d": float(i),
                                  "revenue_growth_30d": None} for i in range(100)],
                days_before(1))
    wh.put_gold(CHURN_FEATURES, [{"customer_id": f"S{i}", "data_mb_30d": float(i + 1000),
                                  "revenue_growth_30d": 0.5 if i % 4 == 0 else None}
                                 for i in range(100)], D)
    matrices = day_matrices(wh.resource, [days_before(1), D])
    stats = {r["feature"]: r for r in
             feature_statistics(matrices[D], matrices[days_before(1)]).to_dicts()}
    assert stats["data_mb_30d"]["mean"] == pytest.approx(1049.5)
    assert stats["data_mb_30d"]["previous_mean"] == pytest.approx(49.5)
    assert stats["data_mb_30d"]["psi"] > 1  # everything moved past the previous deciles
    assert stats["revenue_growth_30d"]["null_rate"] == pytest.approx(0.75)
    assert stats["revenue_growth_30d"]["psi"] is None  # no values the day before


def test_a_ranges_feature_statistics_are_each_days_own(wh):
    """A range's days are described from matrices read together: each day against its own
    day before (the first against the day before the range), as describing it alone does."""
    for back in (2, 1, 0):
        wh.put_gold(CHURN_FEATURES, [{"customer_id": f"S{i}", "data_mb_30d": float(i * back),
                                      "revenue_growth_30d": None} for i in range(50)],
                    days_before(back))
    days = [days_before(1), D]
    together = statistics_metadata(wh.resource, CHURN_FEATURES, days)
    assert together == {day: statistics_metadata(wh.resource, CHURN_FEATURES, [day])[day]
                        for day in days}
    assert together[days[0]]["feature_statistics"] != together[D]["feature_statistics"]
    assert "| data_mb_30d | 0 | 24.5 | 49 |" in together[days[0]]["feature_statistics"].value
