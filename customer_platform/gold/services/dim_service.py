"""dim_service: the telco service catalogue, one version per change the provisioning
snapshots show (a service may be renamed: join on ``SERVICE_KEY``, which the service facts
share).
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.scd2 import scd2_dimension
from customer_platform.gold.sql import sk

SERVICE_KEY = sk("service", "service_id")


class DimServiceVersion(GoldModel):
    service_key: str = column("Durable surrogate key of the service")
    service_version_key: str = column("Surrogate key of this version", unique=True)
    service_id: str = column("Service business key (S + 3 digits)")
    service_type: str = column("Category (Internet, TV, Mobile, Voice)")
    service_name: str = column("Specific service offering (may be renamed; join on the key)")
    monthly_cost: float = column("Standard monthly price before tax", ge=0.0)
    currency: str = from_contract("provisioning.service_catalogue", "currency")
    active_flag: bool = column("Currently offered to new subscribers")
    source_updated_at: dt.datetime = column("When the catalogue recorded this version")


DIM_SERVICE = scd2_dimension(
    entity="service", business_key="service_id", version_model=DimServiceVersion,
    view_name="service",
    description="Service catalog and offering management: the "
    "versions of each telco service as the provisioning catalogue snapshots show them.",
    seed="000", domain="services",
    source="silver.stg_prv_service_catalogue", system="provisioning",
    snapshot=True,
    columns="service_id, service_type, service_name, monthly_cost, currency, active_flag",
    tracked=("service_type", "service_name", "monthly_cost", "currency", "active_flag"),
    grain="one row per service version seen in the day's catalogue snapshot",
    referenced_by=(("stg_net_daily_usage", "service_id"),
                   ("stg_prv_service_assignments", "service_id")),
)

