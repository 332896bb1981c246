"""What the account and parent-company health tables share: the colours and the period of
their metrics.
"""

HEALTH_COLOURS = ["Green", "Yellow", "Red"]
_DAY = "The settled day E = D - 1 (written in partition D)"
