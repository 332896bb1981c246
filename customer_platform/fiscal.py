"""The fiscal calendar, defined once (revenue operations reports by fiscal week and quarter).

Fiscal year FY<N> runs from 1 December of year N-1 to 30 November of year N. Quarters are
three calendar months (Q1 = Dec-Feb). Fiscal week 1 starts on the first day of the fiscal
year and every week is seven days, so the last week of a year may be short (week 53).
Labels: ``FY2026-W07``, ``FY2026-Q3``.
"""

import datetime as dt
import re


def fiscal_year(day: dt.date) -> int:
    return day.year + 1 if day.month == 12 else day.year


def fiscal_year_start(year: int) -> dt.date:
    return dt.date(year - 1, 12, 1)


def fiscal_quarter(day: dt.date) -> int:
    return ((day.month % 12) // 3) + 1


def fiscal_quarter_start(day: dt.date) -> dt.date:
    months_in = (day.month % 12) % 3
    year, month = day.year, day.month - months_in
    if month <= 0:
        month += 12
        year -= 1
    return dt.date(year, month, 1)


def fiscal_week(day: dt.date) -> int:
    return (day - fiscal_year_start(fiscal_year(day))).days // 7 + 1


def fiscal_week_label(day: dt.date) -> str:
    return f"FY{fiscal_year(day)}-W{fiscal_week(day):02d}"


def fiscal_quarter_label(day: dt.date) -> str:
    return f"FY{fiscal_year(day)}-Q{fiscal_quarter(day)}"


_WEEK = re.compile(
    r"^\s*(?:FY)?\s*(\d{2}|\d{4})\s*[-_ /]?\s*W(?:K|EEK)?\s*[-_ ]?(\d{1,2})\s*$", re.I
)
_QUARTER = re.compile(r"^\s*(?:FY)?\s*(\d{2}|\d{4})\s*[-_ /]?\s*Q\s*[-_ ]?([1-4])\s*$", re.I)


def _year(text: str) -> int:
    """``26`` -> 2026, but a four-digit year as written (``0026`` is not 2026)."""
    return 2000 + int(text) if len(text) == 2 else int(text)


def normalise_fiscal_week(text: str | None) -> str | None:
    """``2026-W7``, ``FY26 WK 07``, ``fy2026w07`` -> ``FY2026-W07``; unparseable -> None."""
    if text is None:
        return None
    match = _WEEK.match(text)
    if not match or not 1 <= int(match.group(2)) <= 53:
        return None
    return f"FY{_year(match.group(1)):04d}-W{int(match.group(2)):02d}"


def normalise_fiscal_quarter(text: str | None) -> str | None:
    """``2026-Q3``, ``FY26 Q 3``, ``fy2026q3`` -> ``FY2026-Q3``; unparseable -> None."""
    if text is None:
        return None
    match = _QUARTER.match(text)
    if not match:
        return None
    return f"FY{_year(match.group(1)):04d}-Q{int(match.group(2))}"
