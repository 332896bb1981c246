"""agg_feature_adoption: the share of a period's active users who hosted a meeting using each
feature (periods as in ``gold/metrics.py``). Every current feature gets a row, 0 when unused, so
an unused feature shows rather than disappears."""

from customer_platform.contracts.base import column
from customer_platform.gold.base import ForeignKey, GoldTable
from customer_platform.gold.meetings._periods import ACTIVITY_CTE, IN_PERIOD
from customer_platform.gold.meetings.dim_feature import DIM_FEATURE
from customer_platform.gold.metrics import (
    AGGREGATE_WINDOW,
    PERIOD_END,
    Metric,
    PeriodColumns,
    in_window,
    period_select,
    periods,
)
from customer_platform.gold.sql import DAY, sk


class AggFeatureAdoption(PeriodColumns):
    feature_adoption_key: str = column("Surrogate key of period end x period type x feature",
                                       unique=True)
    feature_key: str = column("dim_feature.feature_key")
    feature_name: str = column("Specific platform feature name for adoption rate analysis")
    users_using_feature: int = column("Active users who hosted a meeting using the feature in "
                                      "the period", ge=0)
    active_users: int = column("Active users of the period (agg_active_users)", ge=0)
    adoption_rate: float = column("Share of the period's active users who used the feature "
                                  "(users_using_feature / active_users, 0-1; empty with no "
                                  "active users)", nullable=True, ge=0.0, le=1.0)
    meetings_using_feature: int = column("Meetings of the period that used the feature", ge=0)
    usage_count: int = column("Times the feature was used in the period", ge=0)


AGG_FEATURE_ADOPTION = GoldTable(
    name="agg_feature_adoption",
    model=AggFeatureAdoption,
    description="Feature adoption rates by feature and period for product development "
    "insights and feature usage analysis.",
    seed="002",
    kind="aggregate",
    domain="meetings",
    primary_key=("period_type", "feature_key"),
    sources=("gold.fact_feature_usage", "gold.fact_meeting_usage",
             "gold.agg_user_daily_activity", "gold.dim_feature", "gold.dim_date"),
    foreign_keys=(ForeignKey("feature_key", "dim_feature", "feature_key"),
                  ForeignKey("activity_date_key", "dim_date", "date_key")),
    window=AGGREGATE_WINDOW,
    grain="one row per period type x feature (every current feature, used or not)",
    sql=f"""
    WITH {ACTIVITY_CTE.strip()},
    active AS (
        SELECT DISTINCT p.period_type, a.user_key
        FROM {periods()} JOIN activity a ON {IN_PERIOD}
    ),
    usage AS (  -- the host from the fact, else from the meeting fact (arrived later)
        SELECT f.event_date, f.feature_key, f.meeting_key, f.usage_count,
               coalesce(f.user_key, m.host_user_key) AS user_key
        FROM gold.fact_feature_usage f
        LEFT JOIN gold.fact_meeting_usage m
               ON m.meeting_key = f.meeting_key AND {in_window("m")}
        WHERE {in_window("f")} AND f.event_date BETWEEN {PERIOD_END} - 29 AND {PERIOD_END}
    ),
    adopters AS (  -- active users of the period who hosted a meeting using the feature
        SELECT p.period_type, u.feature_key, count(DISTINCT u.user_key) AS users_using_feature
        FROM {periods()} JOIN usage u ON u.event_date >= {PERIOD_END} - (p.period_days - 1)
        JOIN active a ON a.period_type = p.period_type AND a.user_key = u.user_key
        GROUP BY p.period_type, u.feature_key
    ),
    used AS (
        SELECT p.period_type, u.feature_key,
               count(DISTINCT u.meeting_key) AS meetings_using_feature,
               sum(u.usage_count) AS usage_count
        FROM {periods()} JOIN usage u ON u.event_date >= {PERIOD_END} - (p.period_days - 1)
        GROUP BY p.period_type, u.feature_key
    ),
    active_count AS (
        SELECT p.period_type, count(a.user_key) AS active_users
        FROM {periods()} LEFT JOIN active a USING (period_type) GROUP BY p.period_type
    ),
    features AS (
        SELECT feature_key, feature_name FROM {DIM_FEATURE.as_loaded()} WHERE is_current)
    SELECT {sk("agg_feature_adoption", DAY, "p.period_type", "fe.feature_key")}
               AS feature_adoption_key,
           {period_select()},
           fe.feature_key, fe.feature_name,
           coalesce(ad.users_using_feature, 0) AS users_using_feature,
           ac.active_users,
           CASE WHEN ac.active_users > 0
                THEN coalesce(ad.users_using_feature, 0) / ac.active_users END AS adoption_rate,
           coalesce(us.meetings_using_feature, 0) AS meetings_using_feature,
           coalesce(us.usage_count, 0) AS usage_count
    FROM {periods()} CROSS JOIN features fe
    JOIN active_count ac USING (period_type)
    LEFT JOIN adopters ad ON ad.period_type = p.period_type AND ad.feature_key = fe.feature_key
    LEFT JOIN used us ON us.period_type = p.period_type AND us.feature_key = fe.feature_key
    """,
)


METRICS = [
    Metric("Feature adoption rate", "agg_feature_adoption",
           "users_using_feature / active_users: the share of the period's active users who "
           "hosted at least one meeting that used the feature",
           "period end day x period type x feature",
           "every current feature gets a row, 0 when unused; empty rate with no active users"),
]
