"""Network extract: daily usage and service quality per customer and service (incremental).

Every service assignment active on the day (the rule billing charges by) gets a usage row that
falls with the customer's activity; outages are area events per city, and dropped sessions rise
with outages and distress, so poor service shows as an early churn signal.
"""

import numpy as np
import polars as pl

from customer_platform.generator import reference as ref
from customer_platform.generator.columns import dates
from customer_platform.generator.provisioning import SERVICE_IDS
from customer_platform.generator.randomness import rng
from customer_platform.generator.registry import generates
from customer_platform.generator.world import HISTORY_START, World

INTERNET, TV, MOBILE, VOICE = range(4)  # reference.SERVICE_TYPE_INDEX / SERVICE_TYPES order
_TYPE = ref.SERVICE_TYPE_INDEX
#: Typical daily use of one line at normal activity, per service (reference.SERVICES order):
#: data volume (MB; NaN where not measured), minutes (calls or viewing; NaN where not
#: measured) and sessions (data sessions, viewing sessions or calls).
DATA_MB = np.array([2_500, 4_500, 7_000, 1_200, np.nan, np.nan, np.nan, 120, 450, 1_100,
                    np.nan, np.nan, np.nan], dtype=float)
MINUTES = np.array([np.nan, np.nan, np.nan, np.nan, 120, 160, 210, 25, 40, 90, 18, 110, 900],
                   dtype=float)
SESSIONS = np.array([10, 14, 18, 6, 3, 4, 5, 12, 18, 35, 4, 20, 150], dtype=float)
NOISE_SIGMA = 0.5
#: Usage scale by customer segment (Residential, SMB, Enterprise, Government) and the weekend
#: factor (residential customers use more at weekends, businesses far less).
SEGMENT_SCALE = np.array([1.0, 1.6, 3.0, 2.0])
WEEKEND_FACTOR = np.array([1.15, 0.45, 0.45, 0.45])
#: Probability a line is not used at all on a day, by service type, and its rise in distress.
IDLE = np.array([0.02, 0.12, 0.03, 0.15])
IDLE_DISTRESS = 2.0
#: Outages: chance per city, network (fixed, mobile) and day; median length (minutes) and
#: spread; share of the city's customers hit (uniform range).
OUTAGE_RATE = 0.02
OUTAGE_MEDIAN = 60.0
OUTAGE_SIGMA = 0.9
OUTAGE_SHARE = (0.05, 0.5)
#: Share of sessions dropped: by service type, extra at full distress, extra during an outage.
DROP_BASE = np.array([0.01, 0.005, 0.02, 0.01])
DROP_DISTRESS = 0.05
DROP_OUTAGE = 0.15
DATA_MAX, MINUTES_MAX, SESSIONS_MAX = 1_000_000.0, 100_000, 100_000
_SERVICE_IDS = pl.Series(list(SERVICE_IDS), dtype=pl.String)


def _weekend(day: int) -> bool:
    return (day + 3) % 7 >= 5  # day 0 (1970-01-01) was a Thursday


def outages(world: World, day: int, g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Outage minutes per (city, network) on ``day`` and, per customer, whether the outage of
    its area reaches it (a uniform draw compared with the share of the city hit)."""
    shape = (len(ref.CITIES), 2)
    happens = g.random(shape) < OUTAGE_RATE
    length = np.exp(g.normal(np.log(OUTAGE_MEDIAN), OUTAGE_SIGMA, shape))
    length = np.clip(np.rint(length), 5, 1_440).astype(np.int64)
    share = g.uniform(*OUTAGE_SHARE, shape)
    reach = g.random(world.n_customers)
    minutes = np.where(happens, length, 0)
    return minutes, reach[:, None] < share[world.city(day)]


@generates("network.daily_usage")
def daily_usage(world: World, day: int) -> pl.DataFrame:
    g = rng(world.seed, "network.daily_usage", day)
    area_minutes, reached = outages(world, day, g)
    rows = np.flatnonzero(world.assignments_active(day))
    if len(rows) and day < HISTORY_START:
        raise ValueError("network usage before the history start")
    cust = world.assign_customer[rows].astype(np.int64)
    svc = world.assign_service[rows].astype(np.int64)
    kind = _TYPE[svc]
    net = (kind == MOBILE).astype(np.int64)
    city = world.city(day)[cust]
    outage = np.where(reached[cust, net], area_minutes[city, net], 0)
    segment = world.segment[cust]
    distress = world.distress(day)[cust]
    level = world.activity(day)[cust] * SEGMENT_SCALE[segment] * (1.0 - outage / 1_440)
    if _weekend(day):
        level = level * WEEKEND_FACTOR[segment]

    n = len(rows)
    idle = g.random(n) < IDLE[kind] * (1.0 + IDLE_DISTRESS * distress)
    level = np.where(idle, 0.0, level)
    noise = np.exp(g.normal(0.0, NOISE_SIGMA, (n, 2)))
    data = DATA_MB[svc] * level * noise[:, 0]
    minutes = MINUTES[svc] * level * noise[:, 1]
    sessions = np.where(idle, 0, 1 + g.poisson(np.maximum(SESSIONS[svc] * level - 1, 0)))
    p_drop = DROP_BASE[kind] + DROP_DISTRESS * distress + DROP_OUTAGE * (outage > 0)
    dropped = g.binomial(sessions, np.minimum(p_drop, 1.0))

    # one row per customer x service: lines of the same service summed
    key, first, group = np.unique(cust * 64 + svc, return_index=True, return_inverse=True)
    m = len(key)

    def total(x: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=x, minlength=m)

    svc_out = svc[first]
    has_data, has_minutes = ~np.isnan(DATA_MB[svc_out]), ~np.isnan(MINUTES[svc_out])
    data_mb = np.round(np.minimum(total(np.nan_to_num(data)), DATA_MAX), 2)
    minutes_out = np.minimum(np.rint(total(np.nan_to_num(minutes))), MINUTES_MAX)
    return pl.DataFrame(
        {
            "usage_date": dates(np.full(m, day)),
            "customer_id": world.customer_ids(cust[first]),
            "service_id": _SERVICE_IDS.gather(svc_out),
            "data_volume_mb": pl.Series(np.where(has_data, data_mb, np.nan), nan_to_null=True),
            "minutes": pl.Series(np.where(has_minutes, minutes_out, np.nan),
                                 nan_to_null=True).cast(pl.Int64),
            "sessions": np.minimum(total(sessions), SESSIONS_MAX).astype(np.int64),
            "dropped_sessions": np.minimum(total(dropped), SESSIONS_MAX).astype(np.int64),
            "outage_minutes": outage[first].astype(np.int64),
        },
        strict=False,
    )
