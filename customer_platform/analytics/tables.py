"""Every analytics table, in lineage order (the SQL ones and those written by Python assets)."""

from customer_platform.analytics.churn_features import CHURN_FEATURES
from customer_platform.analytics.clv import CUSTOMER_CLV
from customer_platform.analytics.customer_360 import CUSTOMER_360
from customer_platform.analytics.customer_daily import CUSTOMER_DAILY_SUMMARY
from customer_platform.analytics.labels import CHURN_LABELS
from customer_platform.analytics.model import CHURN_MODEL, CHURN_MODEL_COEFFICIENTS, CHURN_SCORES
from customer_platform.analytics.segments import CUSTOMER_SEGMENTS, SEGMENT_SUMMARY

ANALYTICS_TABLES = (CUSTOMER_DAILY_SUMMARY, CUSTOMER_360, CHURN_FEATURES, CHURN_LABELS,
                    CHURN_MODEL, CHURN_MODEL_COEFFICIENTS, CHURN_SCORES, CUSTOMER_CLV,
                    CUSTOMER_SEGMENTS, SEGMENT_SUMMARY)
