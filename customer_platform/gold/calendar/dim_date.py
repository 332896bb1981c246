"""dim_date: the calendar every fact's date keys resolve in, with the fiscal calendar.

Partition D holds the row of day D; the first partition also holds every day from
``CALENDAR_START`` up to it, so the union of partitions is the whole calendar up to the
latest loaded day and each date appears exactly once.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.sql import DAY, date_key
from customer_platform.settings import partition_start

CALENDAR_START = dt.date(2015, 1, 1)


class DimDate(GoldModel):
    date_key: int = column("Surrogate key yyyymmdd", unique=True, ge=19000101, le=99991231)
    date: dt.date = column("Calendar day")
    day_of_week: int = column("ISO day of week (1 = Monday)", ge=1, le=7)
    day_name: str = column("Day name")
    is_weekend: bool = column("Saturday or Sunday")
    iso_week: int = column("ISO week number", ge=1, le=53)
    month: str = column("Month as YYYY-MM (the period of monthly metrics)")
    month_start: dt.date = column("First day of the month")
    quarter: str = column("Calendar quarter as YYYY-Qn")
    year: int = column("Calendar year")
    fiscal_year: int = column("Fiscal year (FY runs 1 December - 30 November)")
    fiscal_quarter: str = column("Fiscal quarter label FYyyyy-Qn")
    fiscal_week: str = column("Fiscal week label FYyyyy-Www (week 1 starts 1 December)")
    fiscal_quarter_start: dt.date = column("First day of the fiscal quarter")
    is_beginning_of_quarter: bool = column("First day of a fiscal quarter (BOQ)")
    is_end_of_month: bool = column("Last day of the calendar month")


SQL = f"""
WITH days AS (
    SELECT CAST(d AS DATE) AS date FROM range(
        CASE WHEN {DAY} = DATE '{partition_start().isoformat()}'
             THEN DATE '{CALENDAR_START.isoformat()}' ELSE {DAY} END,
        {DAY} + 1, INTERVAL 1 DAY) AS t(d)
), fiscal AS (
    SELECT date,
           year(date) + CASE WHEN month(date) = 12 THEN 1 ELSE 0 END AS fiscal_year,
           (month(date) % 12) // 3 + 1 AS fq
    FROM days
)
SELECT {date_key('date')} AS date_key,
       date,
       isodow(date) AS day_of_week,
       dayname(date) AS day_name,
       isodow(date) >= 6 AS is_weekend,
       CAST(weekofyear(date) AS INTEGER) AS iso_week,
       strftime(date, '%Y-%m') AS month,
       CAST(date_trunc('month', date) AS DATE) AS month_start,
       year(date) || '-Q' || quarter(date) AS quarter,
       year(date) AS year,
       fiscal_year,
       'FY' || fiscal_year || '-Q' || fq AS fiscal_quarter,
       'FY' || fiscal_year || '-W' || lpad(CAST((date - make_date(fiscal_year - 1, 12, 1)) // 7
                                                + 1 AS VARCHAR), 2, '0') AS fiscal_week,
       CAST(date_trunc('month', date) - to_months(CAST((month(date) % 12) % 3 AS INTEGER))
            AS DATE) AS fiscal_quarter_start,
       day(date) = 1 AND month(date) IN (12, 3, 6, 9) AS is_beginning_of_quarter,
       date = last_day(date) AS is_end_of_month,
       {DAY} AS load_date,
       {DAY} AS update_date,
       'calendar' AS source_system
FROM fiscal
"""

DIM_DATE = GoldTable(
    name="dim_date",
    model=DimDate,
    description="Calendar with the fiscal week, quarter and beginning-of-quarter flags every "
    "weekly and quarterly report uses.",
    seed="003",
    kind="dimension",
    domain="calendar",
    primary_key=("date_key",),
    sql=SQL,
    sources=(),
    grain="one row per calendar day",
)
