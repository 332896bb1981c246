"""Exports for Power BI and Tableau: CSV and Parquet files of the gold tables and the revenue
operations metrics, PII masked or dropped, with a manifest. They write files, not tables, so
they sit beside the layers rather than in gold; their asset keeps the gold namespace
(``gold/exports``, group ``gold_exports``) since the files are gold tables' copies.

Layout under the exports root (``CUSTOMER_PLATFORM_EXPORTS``, default ``exports/`` next to
the warehouse file; the run config ``root`` overrides both)::

    <root>/csv/<table>/<table>_<YYYY-MM-DD>.csv
    <root>/parquet/<table>/<table>_<YYYY-MM-DD>.parquet
    <root>/manifest/manifest_<YYYY-MM-DD>.json

One file per table and daily partition (the rows of ``load_date = D``), so a BI folder
connector (Power BI *Folder*, Tableau wildcard union) reads a table as the union of its
files; one folder per format so the connector never mixes them. Type 2 dimensions are
exported as their stored versions (``dim_x_versions``): the union of the files is the whole
history, the latest version per key is the current one.

PII: every column is classified in its gold model (``pii`` metadata). ``PII_POLICY`` says
what leaves the warehouse: contact details and street addresses are dropped, personal names
are masked with ``privacy.MASK`` (the rows keep their surrogate keys, so a masked sales rep
still groups by ``sales_rep_key``).

Deterministic: the same partition gives byte-identical files (rows sorted by the table's
key, no wall clock in a data file, files replaced atomically). Only the manifest carries
``generated_at``, and the file hashes that prove it.

``files``: what a partition's files hold and how they are written (PII treatment, the frame,
the paths, the manifest). ``assets``: the Dagster side, ``gold/exports``, one materialisation
a day with the rows of each table (``EXPORT_ASSETS``).
"""
