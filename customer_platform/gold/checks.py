"""Gold asset checks are declared with each asset (``gold_check_specs`` in ``base``) and
evaluated in its step; this module keeps the helpers other modules share."""

from customer_platform.gold.base import gold_check_specs

__all__ = ["gold_check_specs"]
