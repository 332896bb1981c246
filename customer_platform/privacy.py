"""PII handling: what leaves the warehouse (previews, check samples, exports) is masked."""

import polars as pl

MASK = "***"


def mask(frame: pl.DataFrame, pii_columns) -> pl.DataFrame:
    """Replace every non-null value of the PII columns by a fixed mask."""
    present = [c for c in pii_columns if c in frame.columns]
    return frame.with_columns(
        [pl.when(pl.col(c).is_null()).then(None).otherwise(pl.lit(MASK)).alias(c) for c in present]
    )


def markdown_preview(frame: pl.DataFrame, pii_columns, rows: int = 5) -> str:
    """A small Markdown table of the first rows, PII masked (for materialisation metadata)."""
    head = mask(frame.head(rows), pii_columns).with_columns(pl.all().cast(pl.String))
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    for row in head.iter_rows():
        cells = ["" if v is None else str(v).replace("|", "\\|")[:60] for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
