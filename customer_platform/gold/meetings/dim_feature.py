"""dim_feature: the platform's features, the reference list ``vocabulary.FEATURES`` that
feature usage and adoption are keyed by (``reference_dimension``)."""

import datetime as dt

from customer_platform import vocabulary as v
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel
from customer_platform.gold.scd2 import REFERENCE_SINCE_DOC, reference_dimension


class DimFeatureVersion(GoldModel):
    feature_key: str = column("Surrogate key of the feature", unique=True)
    feature_version_key: str = column("Surrogate key of this version", unique=True)
    feature_name: str = column("Specific platform feature name (Screen Share, Recording, Chat, "
                               "Breakout Rooms) for adoption analysis")
    feature_order: int = column("Position in the platform's feature list, for sorting", ge=1)
    source_updated_at: dt.datetime = column(REFERENCE_SINCE_DOC)


DIM_FEATURE = reference_dimension(
    "feature", "feature_name", DimFeatureVersion,
    [(name, i) for i, name in enumerate(v.FEATURES, 1)], ("feature_name", "feature_order"),
    "Platform feature definitions for feature adoption analysis and product development "
    "decisions.", domain="meetings", system="platform", seed="002")
