"""A column a file did not deliver is unknown, not empty (gold/completeness.py, "Columns that
were not delivered"): every dimension and fact over a source with optional columns says so
(the behaviour per table is tested beside it, e.g. test_customer_facts.py)."""

from customer_platform.contracts import SOURCE_TABLES
from customer_platform.gold import GOLD_TABLES, SCD2_DIMENSIONS
from customer_platform.gold.completeness import UNDELIVERED

#: Optional (nullable) contract columns of each silver table.
OPTIONAL = {f"silver.{t.silver_table}": {n for n, c in t.columns().items() if c.nullable}
            for t in SOURCE_TABLES}


def reads_optional_columns(table) -> set[str]:
    """The optional source columns ``table`` carries under their own name."""
    columns = set(table.schema().columns)
    return {c for source in table.sources for c in OPTIONAL.get(source, ()) if c in columns}


def test_every_dimension_and_fact_over_optional_columns_names_the_undelivered_ones():
    """Structural: a dimension or fact carrying an optional source column has
    ``undelivered_columns`` and fills it from silver's ``_missing_columns``; an SCD2
    dimension's view then carries the last delivered value (its versions have the column)."""
    readers = {t.name for t in GOLD_TABLES
               if t.kind in ("dimension", "fact") and reads_optional_columns(t)}
    assert readers >= {"fact_campaign_target", "fact_invoice", "dim_meeting_versions",
                       "dim_webinar_versions"}  # the scan sees them
    lacking = {t.name for t in GOLD_TABLES if t.name in readers
               and not (UNDELIVERED in t.schema().columns and "_missing_columns" in t.sql)}
    assert lacking == set()
    scd2_over_optional = {d.name for d in SCD2_DIMENSIONS
                          if reads_optional_columns(d.versions)}
    assert scd2_over_optional >= {"dim_customer", "dim_user", "dim_meeting", "dim_webinar"}
    assert {d.name for d in SCD2_DIMENSIONS if d.name in scd2_over_optional
            and UNDELIVERED not in d.versions.schema().columns} == set()
