"""The licenses snapshot both licensing tables read, as of the settled day."""

from customer_platform.gold.completeness import snapshot_table

#: The licenses, a snapshot read as of the settled day E (``gold/completeness.py``): a
#: rejected row carried from its last good one of the 7 days before E.
LICENSES = snapshot_table("plt_licenses")
