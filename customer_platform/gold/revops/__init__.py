"""Revenue operations, UI group ``gold_revops``: the sales pipeline against quota with its
weekly, quarterly and beginning-of-quarter roll-ups, win/loss by stage and sales-rep
performance, seat activation and the accounts' adoption context, customer health per account
and parent company, and price elasticity within segments. The configurable thresholds are in
``_rules.py``; SQL the tables share in ``_common.py``, ``_pipeline.py``, ``_activation.py`` and
``_health.py``.

Lineage (every table daily partitioned, keys ``gold/<table>``)::

    dim_opportunity_versions + quota plan -> agg_pipeline_daily -> weekly, boq, quarterly
    dim_opportunity_versions -> agg_opportunity_stage_conversion, agg_sales_rep_performance
    seat entitlements, usage, events -> agg_seat_activation -> agg_account_adoption
    fact_support_ticket, fact_engagement_activity -----------------^        |
    dim_opportunity_versions -----------------------------> agg_account_health -> agg_parent_health
    fact_order_line + fact_order -> agg_price_elasticity
"""
