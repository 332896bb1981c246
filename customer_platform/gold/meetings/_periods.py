"""The activity the meetings period aggregates count: each user's meetings per business day in the
30 days up to the period end, read from ``agg_user_daily_activity`` over the aggregate window
(whichever partition brought them, so late rows count once they arrive)."""

from customer_platform.gold.metrics import PERIOD_END, in_window

#: (user, activity day) in the 30 days up to PERIOD_END, whichever partition brought it
ACTIVITY_CTE = f"""
activity AS (
    SELECT a.user_key, a.activity_date, a.meetings_hosted, a.meeting_minutes
    FROM gold.agg_user_daily_activity a
    WHERE {in_window("a")}
      AND a.activity_date BETWEEN {PERIOD_END} - 29 AND {PERIOD_END}
)"""
IN_PERIOD = f"a.activity_date >= {PERIOD_END} - (p.period_days - 1)"
