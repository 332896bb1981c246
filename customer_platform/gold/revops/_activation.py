"""What the seat-activation and adoption tables share: their count columns and the wording of
their metrics (the settled day, and where the seats are read from).
"""

from customer_platform.contracts.base import column
from customer_platform.gold.completeness import CARRY_FORWARD_DAYS
from customer_platform.gold.metrics import Metric
from customer_platform.gold.revops._common import SEED


def _count(description: str, nullable: bool = False):
    return column(description, nullable=nullable, ge=0)


_DAY = "The settled day E = D - 1 (written in partition D); is_week_end marks the weekly figure"
_SEATS = ("entitlement snapshot received on D, an entitlement whose row was rejected counted "
          f"from its last good row of the {CARRY_FORWARD_DAYS} days before (entitlements_carried); "
          "seat-usage row of E (late rows included); cancelled entitlements count 0 seats")


def _metric(name: str, formula: str, filters: str = _SEATS, table: str = "agg_seat_activation",
            grain: str = "account x product family x day") -> Metric:
    return Metric(name, table, formula, grain, filters, _DAY, SEED)
