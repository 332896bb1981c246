"""dim_license_type: the license types, the reference list ``vocabulary.LICENSE_TYPES``;
license utilization reports a row for every current type, held or not
(``reference_dimension``)."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel
from customer_platform.gold.scd2 import REFERENCE_SINCE_DOC, reference_dimension


class DimLicenseTypeVersion(GoldModel):
    license_type_key: str = column("Surrogate key of the license type", unique=True)
    license_type_version_key: str = column("Surrogate key of this version", unique=True)
    license_type: str = column("Category of software license (Basic, Pro, Business, Enterprise, "
                               "Education) indicating feature access level")
    license_type_order: int = column("Position in the license type list, for sorting", ge=1)
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


DIM_LICENSE_TYPE = reference_dimension(
    "license_type", "license_type", DimLicenseTypeVersion,
    [(name, i) for i, name in enumerate(v.LICENSE_TYPES, 1)],
    ("license_type", "license_type_order"),
    "License type definitions for license utilization analysis and renewal planning.",
    domain="licensing", system="platform", seed="002")
