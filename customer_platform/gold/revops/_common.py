"""What every revenue-operations table shares: the settled day, its fiscal calendar, dimension
look-ups as loaded, and the opportunity versions a day may see.

Every table follows ``gold/metrics.py``: partition D describes the settled day E = D - 1
(``PERIOD_END``) and reads only partitions up to D. Dimensions are looked up as they stood once
D was loaded (``Scd2Dimension.as_loaded``), never through the ``gold.dim_*`` views, so
re-running a day, or running days in any order, writes the same rows.
"""

import datetime as dt

from customer_platform.gold.base import ForeignKey
from customer_platform.gold.metrics import PERIOD_END
from customer_platform.gold.revops._rules import PipelineRule
from customer_platform.gold.scd2 import Scd2Dimension
from customer_platform.gold.sql import DAY, date_key
from customer_platform.vocabulary import OPEN_OPPORTUNITY_STAGES

DOMAIN = "revops"
SEED = "003"
#: SQL: the settled day E a partition describes
E = PERIOD_END
MONEY = 2  # decimals money is rounded to
RATIO = 6  # decimals ratios are rounded to
#: ``calendar()`` reads the dim_date rows of E (partition D-1) and D
CALENDAR_WINDOW = ("gold.dim_date", (-1, 0))
SNAPSHOT_DATE_FK = ForeignKey("snapshot_date_key", "dim_date", "date_key")


def ratio(numerator: str, denominator: str) -> str:
    """SQL: ``numerator / denominator`` rounded, NULL (never an infinity) when the denominator
    is 0 or NULL."""
    return (f"CASE WHEN {denominator} > 0 THEN round(({numerator}) / ({denominator}), {RATIO}) "
            "END")


def money(expr: str) -> str:
    return f"round({expr}, {MONEY})"


def sql_list(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def grid(**columns: tuple[str, ...]) -> str:
    """SQL: the cross product of vocabulary lists, e.g. every geo x solution x sales motion, so
    a combination with no rows still gets one (zeros, not a missing row)."""
    lists = " CROSS JOIN ".join(f"(SELECT unnest([{sql_list(values)}]) AS {name})"
                                for name, values in columns.items())
    return f"(SELECT * FROM {lists})"


def calendar(at: str = E) -> str:
    """SQL subquery: the ``gold.dim_date`` row of day ``at`` (loaded by D) with the fiscal
    week's first day, the fiscal quarter's last day, the day of the quarter, and whether
    ``at`` closes its fiscal week or quarter (the next day opens another; that day's row is
    partition D's when ``at`` is E)."""
    fiscal_year_start = "make_date(c.fiscal_year - 1, 12, 1)"
    return f"""(
        SELECT c.date, c.date_key, c.fiscal_week, c.fiscal_quarter, c.fiscal_quarter_start,
               {fiscal_year_start} + CAST((c.date - {fiscal_year_start}) // 7 * 7 AS INTEGER)
                   AS fiscal_week_start,
               CAST(c.fiscal_quarter_start + INTERVAL 3 MONTH AS DATE) - 1
                   AS fiscal_quarter_end,
               c.date - c.fiscal_quarter_start + 1 AS day_of_quarter,
               c.is_beginning_of_quarter,
               n.fiscal_week <> c.fiscal_week AS is_fiscal_week_end,
               n.is_beginning_of_quarter AS is_fiscal_quarter_end
        FROM gold.dim_date c JOIN gold.dim_date n ON n.date = c.date + 1
        WHERE c.date = {at} AND c.load_date <= {DAY} AND n.load_date <= {DAY}
    )"""


def in_force(dim: Scd2Dimension, at: str = E) -> str:
    """SQL subquery: one version per entity of ``dim`` as loaded by D: the one in force on
    ``at``, else (the entity's first version starts later) its first version."""
    return f"""(
        SELECT * FROM {dim.as_loaded()} v
        QUALIFY row_number() OVER (PARTITION BY v.{dim.business_key}
                                   ORDER BY ({at} BETWEEN v.valid_from AND v.valid_to) DESC,
                                            v.valid_from) = 1
    )"""


def opportunity_versions(rule: PipelineRule, extra_days: int = 0) -> str:
    """SQL subquery: the opportunity versions loaded by D whose change happened by E, from
    the last ``stale_after_days + extra_days`` days (older ones are stale, see PipelineRule)."""
    return f"""(
        SELECT * FROM gold.dim_opportunity_versions
        WHERE load_date BETWEEN {DAY} - {rule.stale_after_days + extra_days} AND {DAY}
          AND CAST(source_updated_at AS DATE) <= {E}
    )"""


def latest_opportunities(rule: PipelineRule, extra_days: int = 0) -> str:
    """SQL subquery: each opportunity's latest version as of E (its state at the close of E),
    dropping opportunities whose last change is older than ``stale_after_days``."""
    return f"""(
        SELECT * FROM {opportunity_versions(rule, extra_days)}
        QUALIFY row_number() OVER (PARTITION BY opportunity_id
                                   ORDER BY source_updated_at DESC, load_date DESC) = 1
            AND CAST(source_updated_at AS DATE) > {E} - {rule.stale_after_days}
    )"""


def stage_rank(column: str) -> str:
    """SQL: the position of an open stage in the funnel (1 = Prospecting), NULL when closed."""
    return "CASE " + column + " " + " ".join(
        f"WHEN '{s}' THEN {i}" for i, s in enumerate(OPEN_OPPORTUNITY_STAGES, 1)) + " END"


def settled_columns(system: str) -> str:
    """The settled day's columns and the metadata columns of a revops aggregate."""
    return (f"{E} AS snapshot_date, {date_key(E)} AS snapshot_date_key, "
            f"{DAY} AS load_date, {DAY} AS update_date, '{system}' AS source_system")


def literal(value) -> str:
    """SQL literal of a Python value (for tables computed outside SQL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"
