"""Which storage the deployment writes: the embedded DuckDB file or Delta Lake tables.

The two backends are ``resources`` (the DuckDB file, the default) and ``lakehouse`` (Delta
Lake, built on the DuckDB warehouse's SQL): this module sits above both and is the one place
that chooses, so neither backend has to know the other exists.
"""

from customer_platform import settings
from customer_platform.resources import LandingZone, warehouse_resources


def default_resources() -> dict:
    """The resources of the configured deployment (``settings``): the embedded DuckDB file, or
    Delta Lake tables with ``CUSTOMER_PLATFORM_STORAGE=delta`` (``customer_platform.lakehouse``).
    The one place that chooses; the assets only name ``io_manager`` and ``warehouse``."""
    if settings.storage() == "delta":
        # imported only when chosen: the Delta libraries add about 0.3 s to every start
        from customer_platform.lakehouse import delta_resources

        return {**delta_resources(settings.lakehouse_root()),
                "landing": LandingZone(root=str(settings.landing_root()))}
    return warehouse_resources(settings.warehouse_path(), settings.landing_root())
