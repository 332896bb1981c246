"""Customer segmentation: the rule of every scheme written once, over customer_360's columns.

Schemes: traditional (the CRM segment as of D), value (by predictive CLV), behavioural,
lifecycle (by tenure), RFM over one set of purchase events (billing charges and fulfilled
orders), and a priority score from the value at risk; each rule's definition is a ``Metric`` of
its table. The daily partitions stay the backbone; the views ``gold.customer_segments_weekly``
and ``gold.segment_summary_weekly`` give the weekly cadence: the segmentation as of each week's
last day (Sunday).
"""

import datetime as dt

from customer_platform.gold.base import GoldTable
from customer_platform.resources import Warehouse

# -- the rules, over customer_360's columns ----------------------------------------------------


def case(rules) -> str:
    """SQL: the name of the first (name, condition) rule that holds."""
    return "CASE " + " ".join(f"WHEN {rule} THEN '{name}'" for name, rule in rules) + " END"


LIFECYCLE_RULES = (("Onboarding", "tenure_days < 90"), ("Growing", "tenure_days < 365"),
                   ("Mature", "tenure_days < 1095"), ("Veteran", "TRUE"))
LIFECYCLE_STAGE = case(LIFECYCLE_RULES)
RISK_RULES = (("Churned", "status = 'Churned'"),
              ("High", "is_inactive_status OR early_warning_count >= 3"),
              ("Medium", "early_warning_count >= 1"), ("Low", "TRUE"))
RISK_LEVEL = case(RISK_RULES)
#: value segment: lowest percentile of predictive CLV for each segment (customers not churned
#: with a published CLV); UNKNOWN_VALUE for those without
VALUE_RULES = (("High", 0.8), ("Medium", 0.5), ("Low", 0.0))
UNKNOWN_VALUE = "Unknown"
NEW_CUSTOMER_DAYS = 90
BEHAVIOUR_RULES = (("Churned", "NOT is_active"),
                   ("At-risk", "churn_risk_level = 'High' OR coalesce(risk_band = 'High', FALSE)"),
                   ("New", f"tenure_days < {NEW_CUSTOMER_DAYS}"), ("Loyal", "TRUE"))


def quintile(order: str) -> str:
    """SQL: 1-5 by quintile of ``order`` among the customers not churned (ties share)."""
    return (f"CASE WHEN is_active THEN least(5, 1 + floor(5 * percent_rank() OVER ("
            f"PARTITION BY is_active ORDER BY {order}))) END")


def rank_known(value: str) -> str:
    """SQL: percent_rank of ``value`` among the customers not churned whose ``value`` is
    known (an unknown one is ranked among the unknown, and its rank is never used)."""
    return (f"percent_rank() OVER (PARTITION BY is_active, {value} IS NULL "
            f"ORDER BY {value})")


def with_weekly_view(warehouse: Warehouse, table: GoldTable, days: list[dt.date]) -> dict:
    """After the days are written, (re)create ``gold.<table>_weekly``: the rows of each week's
    last day (ISO: Sunday), the weekly segmentation."""
    with warehouse.get_connection() as con:
        warehouse.define(con, f"CREATE OR REPLACE VIEW gold.{table.name}_weekly AS SELECT "
                         f"load_date AS week_ending, * FROM gold.{table.name} "
                         "WHERE isodow(load_date) = 7")
    return {}

