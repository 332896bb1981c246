"""The analytics layer (seeds 001 and 004, issue 4): Customer 360, segmentation, churn features,
labels, the churn model and its scores, and customer lifetime value, kept fresh by a sensor.

Lineage, all daily partitioned, UI group ``gold_analytics``, keys ``gold/<table>``::

    gold facts ---------> customer_daily_summary --(365 days)--> customer_360 -> churn_features
    dim_customer_versions ------------------------------------------^   |             |
            \\--> churn_labels (N days later) ----------> churn_model (+ coefficients)  |
                                                               \\--> churn_scores <-----/
    customer_360 + churn_scores -> customer_clv -> customer_segments -> segment_summary

One module per concern: ``customer_daily`` (the daily per-customer summary), ``features`` (the
feature catalogue), ``customer_360``, ``churn_features``, ``labels``, ``model`` (model and
scores), ``clv``, ``segments``. The sensor that keeps them fresh and the job it launches are in
``customer_platform/orchestration`` (``analytics_sensor``, ``jobs``).
"""

from customer_platform.analytics.churn_features import CHURN_FEATURES, run_with_statistics
from customer_platform.analytics.clv import CUSTOMER_CLV
from customer_platform.analytics.clv import METRICS as CLV_METRICS
from customer_platform.analytics.common import GROUP
from customer_platform.analytics.customer_360 import CUSTOMER_360
from customer_platform.analytics.customer_daily import CUSTOMER_DAILY_SUMMARY
from customer_platform.analytics.labels import churn_labels
from customer_platform.analytics.model import CHURN_SCORES, churn_model
from customer_platform.analytics.model import METRICS as MODEL_METRICS
from customer_platform.analytics.segments import (
    CUSTOMER_SEGMENTS,
    SEGMENT_SUMMARY,
    with_weekly_view,
)
from customer_platform.analytics.segments import METRICS as SEGMENT_METRICS
from customer_platform.analytics.tables import ANALYTICS_TABLES
from customer_platform.gold.base import build_gold_asset

ANALYTICS_GROUP = GROUP
ANALYTICS_ASSETS = [
    build_gold_asset(CUSTOMER_DAILY_SUMMARY),
    build_gold_asset(CUSTOMER_360),
    build_gold_asset(CHURN_FEATURES, run=run_with_statistics),
    churn_labels,
    churn_model,
    build_gold_asset(CHURN_SCORES),
    build_gold_asset(CUSTOMER_CLV),
    build_gold_asset(CUSTOMER_SEGMENTS, run=with_weekly_view),
    build_gold_asset(SEGMENT_SUMMARY, run=with_weekly_view),
]
ANALYTICS_CHECKS: list = []  # every check is evaluated inside its asset's step
ANALYTICS_METRICS = [*SEGMENT_METRICS, *CLV_METRICS, *MODEL_METRICS]

__all__ = ["ANALYTICS_ASSETS", "ANALYTICS_CHECKS", "ANALYTICS_GROUP", "ANALYTICS_METRICS",
           "ANALYTICS_TABLES"]
