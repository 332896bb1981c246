"""Revenue operations (seed 003, with seed 000's DimOpportunity use cases), UI group
``gold_revops``: the sales pipeline against quota with its weekly, quarterly and
beginning-of-quarter roll-ups, win/loss by stage and sales-rep performance (``pipeline``),
seat activation and the accounts' adoption context (``activation``), customer health per
account and parent company (``health``) and price elasticity within segments
(``elasticity``). The configurable thresholds are in ``rules``; the shared SQL in ``common``.

Lineage (every table daily partitioned, keys ``gold/<table>``)::

    dim_opportunity_versions + quota plan -> agg_pipeline_daily -> weekly, boq, quarterly
    dim_opportunity_versions -> agg_opportunity_stage_conversion, agg_sales_rep_performance
    seat entitlements, usage, events -> agg_seat_activation -> agg_account_adoption
    fact_support_ticket, fact_engagement_activity -----------------^        |
    dim_opportunity_versions -----------------------------> agg_account_health -> agg_parent_health
    fact_order_line + fact_order -> agg_price_elasticity
"""

from customer_platform.gold.base import build_gold_asset
from customer_platform.gold.revops import activation, elasticity, health, pipeline

TABLES = [*pipeline.TABLES, *activation.TABLES, *health.TABLES]
ASSETS = [build_gold_asset(elasticity.AGG_PRICE_ELASTICITY, run=elasticity.fit_and_write())]
DOCUMENTED = [elasticity.AGG_PRICE_ELASTICITY]
METRICS = [*pipeline.METRICS, *activation.METRICS, *health.METRICS, *elasticity.METRICS]
