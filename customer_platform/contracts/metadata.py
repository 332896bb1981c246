"""What the platform adds to the delivered data: bronze's ingestion columns and the
dispositions of a row silver keeps out.

Bronze writes these columns, silver carries and routes by them, and the quality checks
describe and count them: they are named here, below all three, so each layer reads them
from the contract's side instead of from the layer that happens to write them first.
"""

import polars as pl

#: Columns bronze adds to every table (ingestion metadata).
PARTITION_COLUMN = "_partition_date"
#: The contract columns a row's file lacked, comma-separated in contract order (null when every
#: column came): their nulls mean "not delivered", not "empty" (``gold/completeness.py``).
MISSING_COLUMNS = "_missing_columns"
#: JSON Lines: the keys a record repeated, each with every value it was given, as a JSON object
#: (null when no key repeats); silver rejects such a row.
DUPLICATE_KEYS = "_duplicate_keys"
METADATA_COLUMNS = {
    PARTITION_COLUMN: pl.Date,
    "_source_system": pl.String,
    "_source_file": pl.String,
    "_source_row": pl.Int64,
    "_loaded_at": pl.Datetime("us"),
    "_extra_columns": pl.String,
    MISSING_COLUMNS: pl.String,
    DUPLICATE_KEYS: pl.String,
}

#: ``disposition`` of a row in a rejects table: it broke a rule, or it repeated a key.
REJECTED, DUPLICATE = "rejected", "duplicate_removed"
