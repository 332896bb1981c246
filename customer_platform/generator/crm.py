"""CRM extracts: the customer master (snapshot)."""

import numpy as np
import polars as pl

from customer_platform import vocabulary as v
from customer_platform.generator import reference as ref
from customer_platform.generator.columns import dates, pick, timestamps
from customer_platform.generator.registry import generates
from customer_platform.generator.world import World


@generates("crm.customers")
def customers(world: World, day: int) -> pl.DataFrame:
    idx = np.flatnonzero(world.exists(day))
    city = pick(ref.CITIES, world.city(day)[idx])
    changed = world.last_change_day(day)[idx]
    # a stable time of day per customer so re-extracting the same state gives the same stamp
    seconds = (idx * 7919 + changed * 104_729) % 86_400
    return pl.DataFrame(
        {
            "customer_id": world.customer_id[idx],
            "customer_name": world.customer_name[idx],
            "email": world.email[idx],
            "phone": world.phone[idx],
            "customer_segment": pick(v.CUSTOMER_SEGMENTS, world.segment[idx]),
            "customer_tier": pick(v.CUSTOMER_TIERS, world.tier(day)[idx]),
            "status": pick(v.CUSTOMER_STATUSES, world.status(day)[idx]),
            "address_line": world.street(day)[idx],
            "city": city[:, 0],
            "state": city[:, 1],
            "country": city[:, 2],
            "region": city[:, 3],
            "signup_date": dates(world.signup_day[idx]),
            "updated_at": timestamps(changed, seconds),
        },
        strict=False,
    )

