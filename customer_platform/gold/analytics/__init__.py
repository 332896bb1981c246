"""Analytics (UI group ``gold_analytics``): customer 360, segmentation, churn features, labels,
the churn model and its scores, and customer lifetime value, built point in time on the gold
facts and dimensions. They are collected apart from the daily graph (``ANALYTICS_*`` in
``gold/__init__.py``): ``gold_analytics_sensor`` runs a day's analytics once its gold inputs
are in and checked. docs/analytics.md explains the layer.
"""

from customer_platform.gold.analytics._common import GROUP as ANALYTICS_GROUP

__all__ = ["ANALYTICS_GROUP"]
