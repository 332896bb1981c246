"""``gold.churn_labels``: did a customer churn within the N days after a feature day? Kept apart
from the features so training never leaks a label into them.

Partition L holds the labels that became known on day L, for the feature day L - N: written the
day the outcome window closes, from the dimension versions loaded by L, never earlier. N is run
config (``ChurnLabelConfig``); a partition holds the labels of one horizon (its last run's).
"""

import dataclasses
import datetime as dt

from dagster import (
    AssetExecutionContext,
    Config,
    MaterializeResult,
    multi_asset,
)
from pydantic import Field

from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import (
    ACTIVE_STATUSES,
    analytics_spec,
    analytics_table,
    customers_as_of,
)
from customer_platform.gold.base import (
    GoldModel,
    gold_check_specs,
    run_days,
)
from customer_platform.gold.customer.dim_customer import DIM_CUSTOMER
from customer_platform.gold.sql import DAY
from customer_platform.partitions import RANGED, daily_partitions, record_day
from customer_platform.quality.checks import over_days_by_check
from customer_platform.resources import Warehouse

DEFAULT_HORIZON_DAYS = 30


class ChurnLabelConfig(Config):
    horizon_days: int = Field(default=DEFAULT_HORIZON_DAYS, ge=1, le=365,
                              description="N: a label says whether the customer churned within "
                              "the N days after its feature day")


class ChurnLabel(GoldModel):
    customer_key: str = column("Customer (dim_customer.customer_key)")
    customer_id: str = column("Customer business key")
    feature_date: dt.date = column("Day of the feature row the label belongs to (load_date - "
                                   "horizon_days)")
    horizon_days: int = column("N: the label looks N days past feature_date", ge=1)
    status_on_feature_date: str = column("CRM status on the feature day (Active or Inactive)",
                                         isin=list(ACTIVE_STATUSES))
    churned: bool = column("The status became Churned on a day in (feature_date, "
                           "feature_date + N]")
    churn_date: dt.date = column("Day the status became Churned (churned rows only)",
                                 nullable=True)


def labels_sql(horizon_days: int) -> str:
    feature_day = f"({DAY} - {int(horizon_days)})"
    statuses = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    return f"""
    WITH {customers_as_of(feature_day)}, churns AS (
        SELECT customer_key, min(valid_from) AS churn_date
        FROM {DIM_CUSTOMER.as_loaded(DAY)} AS loaded
        WHERE status = 'Churned' AND NOT is_inferred
          AND valid_from > {feature_day} AND valid_from <= {DAY}
        GROUP BY customer_key
    )
    SELECT customer_key, customer_id, {feature_day} AS feature_date,
           {int(horizon_days)} AS horizon_days, status AS status_on_feature_date,
           churn_date IS NOT NULL AS churned, churn_date,
           {DAY} AS load_date, {DAY} AS update_date, 'crm' AS source_system
    FROM customers LEFT JOIN churns USING (customer_key)
    WHERE status IN ({statuses})
    """


CHURN_LABELS = analytics_table(
    name="churn_labels",
    model=ChurnLabel,
    description="Churn labels for training and evaluating the churn model, separate from the "
    "features so training never leaks a label into them: for every customer active on day "
    "load_date - N, whether it churned within the N days after (N = horizon_days, run "
    "config, default 30).",
    sources=("gold.dim_customer_versions",),
    grain="one row per customer active on the feature day (partition day - N)",
    sql=labels_sql(DEFAULT_HORIZON_DAYS),
)


@multi_asset(specs=[analytics_spec(CHURN_LABELS, {"duckdb", "sql", "pandera"})],
             check_specs=gold_check_specs(CHURN_LABELS), partitions_def=daily_partitions,
             backfill_policy=RANGED, name="gold__churn_labels")
def churn_labels(context: AssetExecutionContext, config: ChurnLabelConfig,
                 warehouse: Warehouse):
    table = dataclasses.replace(CHURN_LABELS, sql=labels_sql(config.horizon_days))
    done = run_days(context, warehouse, table)
    for day, (rows, _) in done:
        positives = warehouse.count("gold.churn_labels", "load_date = ? AND churned", [day])
        record_day(context, day, {
            "dagster/row_count": rows, "horizon_days": config.horizon_days,
            "feature_date": str(day - dt.timedelta(days=config.horizon_days)),
            "churned": positives, "churn_rate": round(positives / rows, 4) if rows else 0.0},
            CHURN_LABELS.key)
    yield MaterializeResult(asset_key=CHURN_LABELS.key)
    yield from over_days_by_check([(day, results) for day, (_, results) in done],
                                  context=context, asset_key=CHURN_LABELS.key)


#: The table is written by its own asset (the horizon is run config).
ASSETS = [churn_labels]
