"""The Pandera schema of each bronze and silver table, derived from the one contract.

- bronze: every contract column as nullable text (as delivered) plus ingestion metadata;
- silver: the contract itself (types, rules), unique on the primary key, plus lineage;
- rejects: the ``RejectedRow`` model.

``table_schema`` turns any of them into the column schema the Dagster UI shows, with the
description and PII class of every column.
"""

import re

import pandera.polars as pa
import polars as pl
from dagster import TableColumn, TableColumnConstraints, TableSchema

from customer_platform.contracts import SourceTable
from customer_platform.contracts.base import column_meta
from customer_platform.contracts.metadata import (
    DUPLICATE_KEYS,
    METADATA_COLUMNS,
    MISSING_COLUMNS,
    PARTITION_COLUMN,
)

_LINEAGE_DESCRIPTIONS = {
    PARTITION_COLUMN: "Day the landing file was received (the partition)",
    "_source_system": "Source system the file came from",
    "_source_file": "Landing file, relative to the landing root",
    "_source_row": "Record number in the landing file (1 = first data record)",
    "_loaded_at": "When bronze ingested the file",
    "_extra_columns": "Columns the file had beyond the contract, as a JSON object (null if none)",
    MISSING_COLUMNS: "Contract columns the file lacked, comma-separated (null if every column "
    "came): their values were not delivered, so unknown, not empty",
    DUPLICATE_KEYS: "JSON Lines: keys the record gave more than once, each with all its values, "
    "as a JSON object (null if none); silver rejects the row (duplicate_json_key)",
    "_event_date": "Business day the row belongs to (differs from the partition for late rows)",
}


def _lineage_column(name: str, dtype, **kwargs) -> pa.Column:
    return pa.Column(dtype, description=_LINEAGE_DESCRIPTIONS[name], **kwargs)


def bronze_schema(table: SourceTable) -> pa.DataFrameSchema:
    columns = {
        name: pa.Column(pl.String, nullable=True, description=col.description,
                        metadata=col.metadata)
        for name, col in table.columns().items()
    }
    columns.update(
        {
            PARTITION_COLUMN: _lineage_column(PARTITION_COLUMN, pl.Date),
            "_source_system": _lineage_column("_source_system", pl.String,
                                              checks=pa.Check.eq(table.system)),
            "_source_file": _lineage_column("_source_file", pl.String),
            "_source_row": _lineage_column("_source_row", pl.Int64, checks=pa.Check.ge(1),
                                           unique=True),
            "_loaded_at": _lineage_column("_loaded_at", pl.Datetime("us")),
            # Columns the contract does not know are unclassified, so they may hold PII: the
            # column is classified like the rejects' ``record``, and masked in previews.
            "_extra_columns": _lineage_column("_extra_columns", pl.String, nullable=True,
                                              metadata={"pii": "contact"}),
            MISSING_COLUMNS: _lineage_column(MISSING_COLUMNS, pl.String, nullable=True),
            # any column's values, so maybe PII: classified and masked like ``_extra_columns``
            DUPLICATE_KEYS: _lineage_column(DUPLICATE_KEYS, pl.String, nullable=True,
                                            metadata={"pii": "contact"}),
        }
    )
    assert set(columns) >= set(METADATA_COLUMNS)
    return pa.DataFrameSchema(columns, strict=True, name=f"bronze.{table.bronze_table}")


def silver_schema(table: SourceTable) -> pa.DataFrameSchema:
    lineage = {
        "_event_date": _lineage_column("_event_date", pl.Date),
        PARTITION_COLUMN: _lineage_column(PARTITION_COLUMN, pl.Date),
        "_source_file": _lineage_column("_source_file", pl.String),
        "_source_row": _lineage_column("_source_row", pl.Int64, checks=pa.Check.ge(1)),
        "_loaded_at": _lineage_column("_loaded_at", pl.Datetime("us")),
        MISSING_COLUMNS: _lineage_column(MISSING_COLUMNS, pl.String, nullable=True),
    }
    schema = table.schema().add_columns(lineage)
    optional = table.optional_columns()
    if optional:  # empty only where the row's file did not deliver the column
        schema = schema.update_columns({name: {"nullable": True} for name in optional})
        schema.checks = [*schema.checks, pa.Check(
            lambda data: data.lazyframe.select(pl.all_horizontal(
                pl.col(name).is_not_null() | pl.col(MISSING_COLUMNS).fill_null("").str.split(",")
                .list.contains(pl.lit(name)) for name in optional)),
            name="optional_empty_only_where_undelivered",
            error=f"{', '.join(optional)} empty only where the file did not deliver them")]
    schema.unique = list(table.primary_key)
    schema.name = f"silver.{table.silver_table}"
    return schema


def type_name(dtype) -> str:
    """A column type as the UI shows it: ``Datetime(us)``, ``Decimal(12, 2)``, ``String``,
    not Polars' ``Datetime(time_unit='us', time_zone=None)``."""
    text = re.sub(r"\b\w+=", "", str(dtype))
    return re.sub(r"(, )?None\b", "", text).replace("'", "").replace("()", "")


def table_schema(schema: pa.DataFrameSchema, primary_key=()) -> TableSchema:
    """Dagster column schema (types, descriptions, constraints, PII tags) from a Pandera one.
    A column's PII class is its ``pii`` tag, once (the classes: ``PII_CLASSES``)."""
    columns = []
    for name, col in schema.columns.items():
        pii = column_meta(col, "pii")
        tags = {"pii": pii} if pii else {}
        other = [check.error or check.name for check in col.checks]
        columns.append(
            TableColumn(
                name=name,
                type=type_name(col.dtype),
                description=col.description,
                constraints=TableColumnConstraints(
                    nullable=bool(col.nullable), unique=bool(col.unique) or (
                        tuple(primary_key) == (name,)), other=other
                ),
                tags=tags,
            )
        )
    return TableSchema(columns=columns)


def pii_columns(schema: pa.DataFrameSchema) -> list[str]:
    return [name for name, col in schema.columns.items() if column_meta(col, "pii")]

