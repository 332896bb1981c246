"""Revenue operations, UI group ``gold_revops``: the sales pipeline against quota with its
roll-ups, win/loss by stage and sales-rep performance, seat activation and the accounts'
adoption context, customer health per account and parent company, and price elasticity within
segments. The configurable thresholds are in ``_rules.py``; SQL the tables share in
``_common.py``, ``_pipeline.py``, ``_activation.py`` and ``_health.py``. The lineage and the
reasoning behind each figure: docs/revops.md.
"""
