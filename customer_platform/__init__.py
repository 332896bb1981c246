"""customer_platform: raw extracts from customer-facing systems in, trustworthy customer data out.

Layers: ``bronze`` (landing files as delivered), ``silver`` (typed, cleaned, validated
staging tables), ``gold`` (dimensions, facts, aggregates). ``contracts`` declares every
source table once; everything else is derived from those declarations.
"""

__version__ = "0.1.0"
