"""The tree is the index: every gold table lives in ``gold/<subject>/<table>.py``, and its file
name, table name, asset key, DuckDB table and UI group all say the same thing."""

from dagster import AssetKey

from customer_platform.definitions import defs
from customer_platform.gold import ANALYTICS, declared, table_modules


def test_every_table_module_declares_the_table_it_is_named_after():
    modules = [*table_modules(), *table_modules(ANALYTICS)]
    assert modules, "no gold/<subject>/<table>.py found"
    graph = defs.resolve_asset_graph()
    for module in modules:
        subject, file = module.__name__.split(".")[-2:]
        tables = declared(module)
        assert len(tables) == 1, f"{module.__name__}: declares {len(tables)} tables named {file}"
        table = tables[0]
        stored = getattr(table, "versions", table)  # an SCD2 dimension stores its versions
        assert stored.domain == subject, (module.__name__, stored.domain)
        node = graph.get(AssetKey(["gold", stored.name]))  # the key is the DuckDB gold.<table>
        assert node.group_name == f"gold_{subject}", (stored.name, node.group_name)
