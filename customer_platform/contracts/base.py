"""The shape of a source-table declaration.

A source table is declared once, as a Pandera ``DataFrameModel`` plus a ``SourceTable``
record. From that one declaration the platform derives the landing-file contract, the bronze
and silver schemas, the asset checks, the column schema shown in the Dagster UI, the
synthetic generator's dirt, and the data dictionary.
"""

import dataclasses
import datetime as dt
from typing import Any, Literal

import pandera.polars as pa
import polars as pl

#: PII classes, as the data-governance "PII Classification" names them. ``None`` means not PII.
PII_CLASSES = {
    "personal_identifier": "Yes - Personal Identifier (names)",
    "contact": "Yes - Contact Information (email, phone)",
    "address": "Yes - Address (street-level location)",
}

#: Value normalisers a column may ask for (see ``silver.normalise``). Enum columns (Pandera
#: ``isin``) are always canonicalised; these cover the cases an enum check cannot express.
NORMALISERS = ("email", "fiscal_week", "fiscal_quarter", "upper")

Extract = Literal["snapshot", "incremental"]
FileFormat = Literal["csv", "jsonl", "parquet"]


def column(
    description: str,
    *,
    pii: str | None = None,
    normalise: str | None = None,
    nullable: bool = False,
    optional: bool = False,
    **checks: Any,
) -> Any:
    """A contract column: a ``pandera.Field`` whose metadata carries PII class and normaliser.

    ``nullable=False`` (the default) makes the column required: a row without it is rejected.
    ``optional=True`` lets a file lack the column (a company whose system does not keep it):
    its rows' values are then unknown and named in ``_missing_columns``; where the column is
    delivered, ``nullable`` still holds for every value.
    """
    if pii is not None and pii not in PII_CLASSES:
        raise ValueError(f"unknown PII class {pii!r}; expected one of {sorted(PII_CLASSES)}")
    if normalise is not None and normalise not in NORMALISERS:
        raise ValueError(f"unknown normaliser {normalise!r}; expected one of {NORMALISERS}")
    return pa.Field(
        description=description,
        nullable=nullable,
        metadata={"pii": pii, "normalise": normalise, "optional": optional},
        **checks,
    )


class Contract(pa.DataFrameModel):
    """Base for every source-table model: columns are checked, extra columns are refused."""

    class Config:
        strict = True
        coerce = False


@dataclasses.dataclass(frozen=True)
class SourceTable:
    """One table of one source system, as it lands and as silver keeps it.

    ``primary_key`` identifies one version of a business entity in a day's file (duplicates
    on it are removed in silver, the extras kept in the rejects table). ``event_date`` names
    the column that says which day a row belongs to in business terms; it may differ from
    the day the file arrived (late-arriving rows). Snapshot extracts deliver the whole current
    state every day; incremental extracts deliver the rows created or changed that day.
    """

    system: str  # landing-zone folder, e.g. "crm"
    code: str  # short code used in table names, e.g. "crm" -> stg_crm_customers
    name: str  # table folder, e.g. "customers"
    model: type[Contract]
    description: str
    seed: str  # seed document of origin, e.g. "000"
    primary_key: tuple[str, ...]
    extract: Extract
    file_format: FileFormat
    event_date: str | None = None
    updated_at: str | None = None  # column ordering versions of one key (latest wins)
    owner: str = "team:data-platform"

    @property
    def bronze_table(self) -> str:
        return f"{self.code}_{self.name}"

    @property
    def silver_table(self) -> str:
        return f"stg_{self.code}_{self.name}"

    @property
    def rejects_table(self) -> str:
        return f"{self.silver_table}_rejects"

    @property
    def qualified_name(self) -> str:
        return f"{self.system}.{self.name}"

    def landing_path(self, landing_root, day: dt.date, fmt: str | None = None):
        """``<landing_root>/<system>/<table>/<YYYY-MM-DD>.<ext>``."""
        from pathlib import Path

        ext = fmt or self.file_format
        return Path(landing_root) / self.system / self.name / f"{day.isoformat()}.{ext}"

    # -- derived views of the one declaration -------------------------------------------

    def schema(self) -> pa.DataFrameSchema:
        return self.model.to_schema()

    def columns(self) -> dict[str, pa.Column]:
        return dict(self.schema().columns)

    def required_columns(self) -> list[str]:
        """The columns every delivered value of must be present (a row without one is
        rejected)."""
        return [name for name, col in self.columns().items() if not col.nullable]

    def optional_columns(self) -> list[str]:
        """Required columns a file may lack altogether (their values are then unknown)."""
        return [name for name, col in self.columns().items()
                if not col.nullable and (col.metadata or {}).get("optional")]

    def file_columns(self) -> list[str]:
        """The columns a file must have: the key and every required, not optional column."""
        optional = set(self.optional_columns())
        return [name for name in self.columns()
                if name in self.primary_key or (name in self.required_columns()
                                                and name not in optional)]

    def pii_columns(self) -> dict[str, str]:
        return {
            name: col.metadata["pii"]
            for name, col in self.columns().items()
            if col.metadata and col.metadata.get("pii")
        }

    def dtypes(self) -> dict[str, pl.DataType]:
        return {name: col.dtype.type for name, col in self.columns().items()}


def column_meta(col: pa.Column, key: str) -> Any:
    return (col.metadata or {}).get(key)
