"""The volume discount bands as of a day, which both the product dimension (a band's unit
price) and the order lines (the band a quantity falls in) read: one definition, so both see
the same bands, the same carried rows and the same unknown bands.
"""

from customer_platform.gold.completeness import (
    canonical,
    record_field,
    snapshot_as_of,
    snapshot_table,
    unrecovered_rejects,
)
from customer_platform.vocabulary import DISCOUNT_BANDS

#: The volume discount bands, a snapshot read as of the day (``gold/completeness.py``): a
#: rejected band row carried from its last good one of the 7 days before.
BANDS = snapshot_table("cat_discount_bands")
#: SQL: the bands of day ``$day``, a rejected row carried forward (``carried_from``)
BANDS_AS_OF = snapshot_as_of(BANDS)
#: SQL: the band codes of ``$day`` that are unknown: absent from ``BANDS_AS_OF`` and named by a
#: rejected row nothing could carry (a code that cannot be read names every absent band)
UNKNOWN_BANDS = f"""(
    SELECT DISTINCT v.band_code
    FROM (SELECT unnest([{", ".join(f"'{b}'" for b in DISCOUNT_BANDS)}]) AS band_code) v,
         {unrecovered_rejects(BANDS)} r
    WHERE coalesce({canonical(record_field("band_code"), DISCOUNT_BANDS)}, v.band_code)
              = v.band_code
      AND v.band_code NOT IN (SELECT band_code FROM {BANDS_AS_OF})
)"""

