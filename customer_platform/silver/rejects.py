"""The rejects (error) table beside every silver table, shaped for the error audit log."""

import datetime as dt

import pandera.polars as pa
import polars as pl

from customer_platform.contracts.base import column


class RejectedRow(pa.DataFrameModel):
    """A bronze row that did not make it into silver, whole, with the rule it broke."""

    error_id: str = column("Stable id: source table, partition, source row, disposition",
                           unique=True)
    error_type: str = column(
        "Validation (a rule was broken) or Data Quality (a duplicate was removed)",
        isin=["Validation", "Data Quality"],
    )
    error_rule: str = column("The contract rule(s) broken, e.g. not_nullable; str_matches(...)")
    error_description: str = column(
        "Column, value and rule for each violation (may quote PII values)", pii="contact"
    )
    source_system: str = column("Source system of the landing file")
    source_table: str = column("Source table as system.table")
    source_file: str = column("Landing file, relative to the landing root")
    source_row: int = column("Record number in the landing file (1 = first data record)", ge=1)
    error_timestamp: dt.datetime = column("When the row was loaded and rejected")
    status: str = column(
        "Lifecycle: Open (needs a person), In Progress, Resolved (handled automatically)",
        isin=["Open", "In Progress", "Resolved"],
    )
    disposition: str = column("rejected or duplicate_removed",
                              isin=["rejected", "duplicate_removed"])
    record: str = column("The original row as delivered, as a JSON object", pii="contact")
    partition_date: dt.date = column(
        "Day the landing file was received (partition)", alias="_partition_date"
    )

    class Config:
        strict = True


REJECT_DTYPES: dict[str, pl.DataType] = {
    name: col.dtype.type for name, col in RejectedRow.to_schema().columns.items()
}
