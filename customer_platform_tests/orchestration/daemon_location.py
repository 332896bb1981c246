"""The code location the daemon test loads: the platform's assets, checks and resources, and
the real landing sensor watching two support tables with a small job as its target.

Why a small target: the daemon builds and stores the execution plan of every run it creates,
and for the whole ``daily_platform`` job (hundreds of steps) that took 30 s on the project
machine. The test is about the sensor under the daemon (its ticks, its cursor, its run
requests becoming runs), which a small job shows as well.
"""

import datetime as dt

from dagster import AssetSelection, Definitions, define_asset_job

from customer_platform import definitions as platform_location
from customer_platform.bronze.assets import bronze_key
from customer_platform.contracts import source_table
from customer_platform.orchestration import INTRADAY_CHAINS, LandingWatch, build_landing_sensor
from customer_platform.silver.assets import rejects_key, silver_key

TABLES = (source_table("support.tickets"), source_table("support.kb_articles"))
JOB_NAME = "landing_probe"
#: The sensor's clock, pinned: three hours into the day after the delivered day, so the day has
#: ended and its cut-off (six hours after midnight) is ahead, whenever the test runs.
NOW = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.UTC)
DELIVERED_DAY = NOW.date() - dt.timedelta(days=1)

landing_probe = define_asset_job(JOB_NAME, selection=AssetSelection.assets(
    *INTRADAY_CHAINS["support.tickets"],
    *(key(table) for table in TABLES[1:] for key in (bronze_key, silver_key, rejects_key))))

defs = Definitions(
    assets=platform_location.defs.assets,
    asset_checks=platform_location.defs.asset_checks,
    jobs=[landing_probe],
    sensors=[build_landing_sensor(LandingWatch(tables=TABLES, job_name=JOB_NAME,
                                               cutoff=dt.timedelta(hours=6),
                                               clock=lambda: NOW))],
    resources=platform_location.defs.resources,
    executor=platform_location.defs.executor,
)
