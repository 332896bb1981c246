"""``customer-platform sources``: what the declared sources build, and what they leave out.

Reads the CUSTOMER_PLATFORM_SOURCES setting and the same rule the code location applies
(``customer_platform/scope.py``), so a person sees the consequences of a setting before
anything runs: every table of every layer, built or left out, with the systems it waits for.
"""

import dataclasses

from customer_platform import scope
from customer_platform.contracts import DECLARED_TABLES, SOURCE_TABLES, SYSTEM_MODULES
from customer_platform.gold import ANALYTICS, declared_tables, table_modules
from customer_platform.gold.analytics._features import FEATURES
from customer_platform.report.charts import ALL_CHARTS


@dataclasses.dataclass(frozen=True)
class Entry:
    layer: str  # bronze + silver, gold, analytics, export, report chart, feature
    name: str
    missing: frozenset[str]  # the undeclared systems that leave it out (empty: built)

    @property
    def built(self) -> bool:
        return not self.missing


def plan() -> list[Entry]:
    """Every table, export, report chart and churn feature, built or left out."""
    declared = {t.qualified_name for t in DECLARED_TABLES}
    entries = [Entry("bronze + silver", t.qualified_name,
                     frozenset() if t.qualified_name in declared else frozenset({t.system}))
               for t in SOURCE_TABLES]
    for layer, modules in (("gold", table_modules()), ("analytics", table_modules(ANALYTICS))):
        for module in modules:
            for table in declared_tables(module):
                missing = scope.missing_systems(f"gold.{table.name}")
                entries.append(Entry(layer, table.name, missing))
                if layer == "gold" and table.domain != "audit":
                    entries.append(Entry("export", f"export_{table.name}", missing))
    for chart in ALL_CHARTS:
        missing = frozenset().union(*(scope.missing_systems(f"gold.{name}")
                                      for name in chart.query.sources))
        entries.append(Entry("report chart", chart.key, missing))
    entries += [Entry("feature", f.name, frozenset(f.needed_systems().split(", "))
                      if f.absent else frozenset()) for f in FEATURES]
    return entries


def render(entries: list[Entry]) -> str:
    """The plan as text: the setting, then per layer what is built and what is left out."""
    declared_systems = [s for s in SYSTEM_MODULES if any(t.system == s for t in DECLARED_TABLES)]
    lines = [f"declared: {', '.join(t.qualified_name for t in DECLARED_TABLES)}"
             + (" (every table: CUSTOMER_PLATFORM_SOURCES is unset)"
                if scope.everything_declared() else ""),
             f"systems: {', '.join(declared_systems)}", ""]
    for layer in dict.fromkeys(e.layer for e in entries):
        of_layer = [e for e in entries if e.layer == layer]
        built = [e.name for e in of_layer if e.built]
        lines.append(f"{layer}: {len(built)} of {len(of_layer)} built")
        if layer != "feature" and built:
            lines.append("  built: " + ", ".join(built))
        left_out: dict[frozenset[str], list[str]] = {}
        for entry in of_layer:
            if not entry.built:
                left_out.setdefault(entry.missing, []).append(entry.name)
        for missing, names in sorted(left_out.items(), key=lambda item: sorted(item[0])):
            lines.append(f"  left out, needs {' and '.join(sorted(missing))}: {', '.join(names)}")
    return "\n".join(lines)
