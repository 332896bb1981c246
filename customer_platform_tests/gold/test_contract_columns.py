"""A gold column that passes a source column through is declared with ``from_contract``: its
description and PII class are the contract's, written once, so a copy cannot drift from it.

A column passes a source column through when its description is the text of a contract
column its table reads (from silver, or through a gold table's column that came from a
contract), or when it carries the PII class of a same-named contract column its table reads.
"""

from customer_platform.contracts import source_table
from customer_platform.contracts.base import column_meta
from customer_platform.gold import (
    ANALYTICS_TABLES,
    DOCUMENTED_TABLES,
    GOLD_TABLES,
    SCD2_DIMENSIONS,
)
from customer_platform.gold.base import from_contract

TABLES = [*GOLD_TABLES, *DOCUMENTED_TABLES, *ANALYTICS_TABLES]
BY_NAME = {t.name: t for t in TABLES} | {dim.name: dim.versions for dim in SCD2_DIMENSIONS}


def _contract_column(ref: str):
    table, name = ref.rsplit(".", 1)
    return source_table(table).columns()[name]


def _contract(silver_table: str):
    try:
        return source_table(silver_table.removesuffix("_rejects"))
    except KeyError:
        return None


def contract_columns_read(table) -> list[tuple[str, str]]:
    """(column name as read, contract column ``system.table.column``) for every contract
    column ``table`` reads: the columns of its silver sources, and the columns of its gold
    sources declared with ``from_contract``."""
    read = []
    for source in table.sources:
        layer, name = source.split(".")
        if layer == "silver" and (contract := _contract(name)):
            read += [(c, f"{contract.qualified_name}.{c}") for c in contract.columns()]
        elif layer == "gold" and (upstream := BY_NAME.get(name)):
            read += [(c, ref) for c, col in upstream.schema().columns.items()
                     if (ref := column_meta(col, "contract"))]
    return read


def contract_tables_reached(table, seen=None) -> set[str]:
    """The source tables (``system.table``) ``table`` reads, directly or through gold."""
    seen = set() if seen is None else seen
    reached = set()
    for source in table.sources:
        layer, name = source.split(".")
        if layer == "silver" and (contract := _contract(name)):
            reached.add(contract.qualified_name)
        elif layer == "gold" and name in BY_NAME and name not in seen:
            seen.add(name)
            reached |= contract_tables_reached(BY_NAME[name], seen)
    return reached


def test_no_gold_column_copies_a_contract_description():
    copies = []
    for table in TABLES:
        texts = {_contract_column(ref).description: ref
                 for _, ref in contract_columns_read(table)}
        copies += [f"{table.name}.{name} repeats {texts[col.description]}"
                   for name, col in table.schema().columns.items()
                   if col.description in texts and not column_meta(col, "contract")]
    assert copies == [], "declare these with from_contract(...)"


def test_no_gold_column_copies_a_contract_pii_class():
    copies = []
    for table in TABLES:
        pii = {(name, column_meta(_contract_column(ref), "pii")): ref
               for name, ref in contract_columns_read(table)}
        copies += [f"{table.name}.{name} repeats the PII class of {pii[name, cls]}"
                   for name, col in table.schema().columns.items()
                   if (cls := column_meta(col, "pii")) and (name, cls) in pii
                   and not column_meta(col, "contract")]
    assert copies == [], "declare these with from_contract(..., description=...)"


def test_a_contract_column_comes_from_a_table_the_gold_table_reads():
    strays = [f"{table.name}.{name} <- {ref}"
              for table in TABLES for name, col in table.schema().columns.items()
              if (ref := column_meta(col, "contract"))
              and ref.rsplit(".", 1)[0] not in contract_tables_reached(table)]
    assert strays == []


def test_from_contract_takes_description_and_pii_and_keeps_the_gold_rules():
    field = from_contract("crm.customers", "email", nullable=True, unique=True)
    contract = _contract_column("crm.customers.email")
    assert field.description == contract.description
    assert field.metadata == {"pii": "contact", "normalise": None, "optional": False,
                              "contract": "crm.customers.email"}
    assert field.nullable and field.unique and not contract.nullable
    assert from_contract("crm.customers", "email", description="Login").description == "Login"
