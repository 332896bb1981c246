"""The sales pipeline against quota (seed 003 step 3) and win/loss and sales-rep performance
(seed 000, DimOpportunity).

Pipeline of a fiscal quarter on day E: each opportunity's latest version as of E (from
``gold.dim_opportunity_versions`` loaded by D, changed by E; stale ones excluded, see
``PipelineRule``) whose ``close_date`` falls in E's fiscal quarter, valued at its
``pipe_actual`` (the amount while open or won, 0 once lost). Opportunities in Prospecting have
no close date yet and are not pipeline. QRF is the quota plan of the quarter in the snapshot
received on D.

- ``agg_pipeline_daily``: partition D, the quarter-to-date pipeline on E per geo x solution x
  sales motion (every combination, zeros included), coverage ``pipe / QRF``, gap ``QRF -
  pipe``, gap ratio ``(QRF - pipe) / QRF``; QRF 0 or missing gives an empty coverage and ratio.
  A rejected quota row and a pipeline the warehouse does not hold whole yet are flagged, not
  read as zero (``gold/completeness.py``).
- ``agg_pipeline_weekly``: written on the partition after a fiscal week's last day: the week's
  closing snapshot, the week's new pipeline, the change since the previous week's close, the
  quarter's BOQ snapshot and the historical coverage at the same day of the quarter.
- ``agg_pipeline_boq``: written on the partition after a fiscal quarter's first day: the
  beginning-of-quarter snapshot and the average BOQ of the previous quarters.
- ``agg_pipeline_quarterly``: written on the partition after a quarter's last day: BOQ and
  end-of-quarter pipeline, bookings (Closed Won) and attainment ``won / QRF``.

The roll-ups read ``agg_pipeline_daily``'s partitions (36 rows a day), never their own, so the
history they compare against is a pure function of partitions up to D.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.completeness import (
    CARRY_FORWARD_DAYS,
    canonical,
    carry_forward_sources,
    carry_forward_windows,
    changes_held,
    match_text,
    record_field,
    snapshot_as_of,
    snapshot_table,
    unrecovered_rejects,
)
from customer_platform.gold.metrics import Metric
from customer_platform.gold.revops.common import (
    CALENDAR_WINDOW,
    DAY,
    DOMAIN,
    SNAPSHOT_DATE_FK,
    E,
    calendar,
    grid,
    latest_opportunities,
    money,
    opportunity_versions,
    ratio,
    settled_columns,
    stage_rank,
)
from customer_platform.gold.revops.rules import PIPELINE, PipelineRule
from customer_platform.gold.sql import sk
from customer_platform.vocabulary import GEOS, OPEN_OPPORTUNITY_STAGES, SALES_MOTIONS, SOLUTIONS

SEED = "003"
QUARTER_DAYS = 92  # the longest fiscal quarter
QUOTA_PLAN = snapshot_table("crm_sales_quota_plan")


def _money(description: str, nullable: bool = False, signed: bool = False):
    checks = {} if signed else {"ge": 0.0}
    return column(f"{description} (USD)", nullable=nullable, **checks)


def _rate(description: str):
    return column(f"{description}; empty when the denominator is 0 or unknown", nullable=True)


class _Segment(GoldModel):
    geo: str = column("Sales geography", isin=list(GEOS))
    solution: str = column("Solution (product family) sold", isin=list(SOLUTIONS))
    sales_motion: str = column("New, Growth on renewal or True up", isin=list(SALES_MOTIONS))


class _Coverage(_Segment):
    qrf: float = _money("Quota-based revenue forecast of the fiscal quarter, from the quota "
                        "plan received on the partition day; empty when the plan lacks it",
                        nullable=True)
    qrf_carried_from: dt.date = column(
        "The segment's quota row was rejected on the partition day: the day of the plan "
        f"snapshot (at most {CARRY_FORWARD_DAYS} days before) qrf was carried from; empty when "
        "read from the day's own plan", nullable=True)
    is_qrf_rejected: bool = column(
        "The segment's quota row was rejected on the partition day with no good row to carry: "
        "qrf (and the ratios) are unknown, not absent from the plan")
    is_pipeline_complete: bool = column(
        "The warehouse holds the open pipeline (opportunities arrive only when they change): "
        f"{PIPELINE.describe_completeness()}; while false pipe_actual, coverage and gap leave "
        "out the unseen opportunities")
    pipe_actual: float = _money("Pipeline of the quarter: pipe_actual of the opportunities "
                                "(latest version) closing in the quarter, open or won")
    pipe_coverage: float = _rate("pipe_actual / qrf")
    pipe_gap: float = _money("qrf - pipe_actual (negative when the pipeline exceeds the quota)",
                             nullable=True, signed=True)
    gap_ratio: float = _rate("(qrf - pipe_actual) / qrf")


class AggPipelineDaily(_Coverage):
    pipeline_daily_key: str = column("Surrogate key of day x geo x solution x sales motion",
                                     unique=True)
    snapshot_date: dt.date = column("The settled day E described (the day before the "
                                    "partition day)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    fiscal_week: str = column("Fiscal week of snapshot_date (FYyyyy-Www)")
    fiscal_week_start: dt.date = column("First day of that fiscal week")
    fiscal_quarter: str = column("Fiscal quarter the pipeline is for: snapshot_date's")
    fiscal_quarter_start: dt.date = column("First day of the fiscal quarter")
    fiscal_quarter_end: dt.date = column("Last day of the fiscal quarter")
    day_of_quarter: int = column("Day of the fiscal quarter of snapshot_date (1 = BOQ)", ge=1,
                                 le=QUARTER_DAYS)
    is_boq: bool = column("snapshot_date is the first day of the fiscal quarter (BOQ)")
    is_week_end: bool = column("snapshot_date is the last day of its fiscal week")
    is_quarter_end: bool = column("snapshot_date is the last day of its fiscal quarter")
    open_pipe: float = _money("Amount of the open opportunities closing in the quarter")
    open_opportunities: int = column("Open opportunities closing in the quarter", ge=0)
    won_amount: float = _money("Amount won in the quarter so far (Closed Won, close date in "
                               "the quarter)")
    won_opportunities: int = column("Opportunities won in the quarter so far", ge=0)
    lost_amount: float = _money("Amount lost in the quarter so far (Closed Lost, close date in "
                                "the quarter)")
    lost_opportunities: int = column("Opportunities lost in the quarter so far", ge=0)
    pipe_created: float = _money("Amount of the opportunities opened on snapshot_date (any "
                                 "close quarter): the day's new pipeline")


def pipeline_daily(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_daily",
        model=AggPipelineDaily,
        description="Pipeline coverage, gap and gap ratio against the quota-based revenue "
        "forecast (QRF) per geography x solution x sales motion, quarter to date on each "
        "settled day (seed 003, Compute Pipeline Metrics).",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("snapshot_date", "geo", "solution", "sales_motion"),
        sources=("gold.dim_opportunity_versions", *carry_forward_sources(QUOTA_PLAN),
                 "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        source_windows=(("gold.dim_opportunity_versions", (-rule.stale_after_days, 0)),
                        CALENDAR_WINDOW, *carry_forward_windows(QUOTA_PLAN)),
        grain="one row per geo x solution x sales motion (all 36) for the settled day E = D-1",
        sql=f"""
        WITH today AS {calendar()},
        opportunities AS (
            SELECT o.*, o.close_date BETWEEN t.fiscal_quarter_start AND t.fiscal_quarter_end
                        AS in_quarter
            FROM {latest_opportunities(rule)} o, today t
        ), pipe AS (
            SELECT geo, solution, sales_motion,
                   sum(pipe_actual) FILTER (in_quarter) AS pipe_actual,
                   sum(amount) FILTER (in_quarter AND NOT is_closed) AS open_pipe,
                   count(*) FILTER (in_quarter AND NOT is_closed) AS open_opportunities,
                   sum(amount) FILTER (in_quarter AND is_won) AS won_amount,
                   count(*) FILTER (in_quarter AND is_won) AS won_opportunities,
                   sum(amount) FILTER (in_quarter AND is_closed AND NOT is_won) AS lost_amount,
                   count(*) FILTER (in_quarter AND is_closed AND NOT is_won)
                       AS lost_opportunities,
                   sum(amount) FILTER (CAST(created_at AS DATE) = {E}) AS pipe_created
            FROM opportunities GROUP BY ALL
        ), plan AS (  -- the plan of D, a rejected row carried from its last good one
            SELECT q.geo, q.solution, q.sales_motion, q.qrf, q.carried_from AS qrf_carried_from
            FROM {snapshot_as_of(QUOTA_PLAN)} q JOIN today t
              ON q.fiscal_quarter = t.fiscal_quarter
        ), lost AS (  -- rejected quota rows nothing could carry; an unreadable field may be any
            SELECT {canonical(record_field("geo"), GEOS)} AS geo,
                   {canonical(record_field("solution"), SOLUTIONS)} AS solution,
                   {canonical(record_field("sales_motion"), SALES_MOTIONS)} AS sales_motion,
                   {match_text(record_field("fiscal_quarter"))} AS fiscal_quarter
            FROM {unrecovered_rejects(QUOTA_PLAN)} r
        ), measured AS (
            SELECT g.*, t.*, q.qrf, q.qrf_carried_from,
                   EXISTS (SELECT 1 FROM lost l
                           WHERE coalesce(l.geo, g.geo) = g.geo
                             AND coalesce(l.solution, g.solution) = g.solution
                             AND coalesce(l.sales_motion, g.sales_motion) = g.sales_motion
                             AND coalesce(nullif(l.fiscal_quarter, ''),
                                          {match_text("t.fiscal_quarter")})
                                 = {match_text("t.fiscal_quarter")}) AS is_qrf_rejected,
                   {money("coalesce(p.pipe_actual, 0)")} AS pipe_actual,
                   {money("coalesce(p.open_pipe, 0)")} AS open_pipe,
                   coalesce(p.open_opportunities, 0) AS open_opportunities,
                   {money("coalesce(p.won_amount, 0)")} AS won_amount,
                   coalesce(p.won_opportunities, 0) AS won_opportunities,
                   {money("coalesce(p.lost_amount, 0)")} AS lost_amount,
                   coalesce(p.lost_opportunities, 0) AS lost_opportunities,
                   {money("coalesce(p.pipe_created, 0)")} AS pipe_created
            FROM {grid(geo=GEOS, solution=SOLUTIONS, sales_motion=SALES_MOTIONS)} g
            CROSS JOIN today t
            LEFT JOIN pipe p USING (geo, solution, sales_motion)
            LEFT JOIN plan q USING (geo, solution, sales_motion)
        )
        SELECT {sk("pipeline_daily", E, "geo", "solution", "sales_motion")}
                   AS pipeline_daily_key,
               geo, solution, sales_motion, fiscal_week, fiscal_week_start, fiscal_quarter,
               fiscal_quarter_start, fiscal_quarter_end, day_of_quarter,
               is_beginning_of_quarter AS is_boq, is_fiscal_week_end AS is_week_end,
               is_fiscal_quarter_end AS is_quarter_end,
               qrf, qrf_carried_from, is_qrf_rejected,
               {changes_held(rule.stale_after_days, rule.opening_extract)}
                   AS is_pipeline_complete,
               pipe_actual,
               {ratio("pipe_actual", "qrf")} AS pipe_coverage,
               {money("qrf - pipe_actual")} AS pipe_gap,
               {ratio("qrf - pipe_actual", "qrf")} AS gap_ratio,
               open_pipe, open_opportunities, won_amount, won_opportunities, lost_amount,
               lost_opportunities, pipe_created,
               {settled_columns("crm")}
        FROM measured
        """,
    )


# -- the roll-ups over agg_pipeline_daily -----------------------------------------------------

#: columns of a roll-up row taken from the daily row it is built on
_SNAPSHOT = ("geo", "solution", "sales_motion", "fiscal_quarter", "fiscal_quarter_start", "qrf",
             "qrf_carried_from", "is_qrf_rejected", "is_pipeline_complete", "pipe_actual",
             "pipe_coverage", "pipe_gap", "gap_ratio")


def _snapshot(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in _SNAPSHOT)


def _daily_rows(first_day: str, condition: str = "TRUE") -> str:
    """SQL subquery: agg_pipeline_daily rows of the settled days from ``first_day`` to E."""
    return f"""(
        SELECT * FROM gold.agg_pipeline_daily
        WHERE load_date <= {DAY} AND snapshot_date BETWEEN {first_day} AND {E} AND {condition}
    )"""


def _history(rule: PipelineRule, rows: str) -> str:
    """SQL subquery: per row of ``rows`` (geo, solution, sales motion, fiscal quarter start,
    day of quarter), the average pipeline and coverage on the same day of the quarter in the
    previous ``history_quarters`` quarters that the warehouse holds (a quarter too short to
    have that day is left out), and how many quarters that is."""
    n = rule.history_quarters
    return f"""(
        SELECT r.geo, r.solution, r.sales_motion,
               {money("avg(h.pipe_actual)")} AS historical_avg_pipe,
               round(avg(h.pipe_coverage), 6) AS historical_avg_coverage,
               count(h.pipe_actual) AS historical_quarters
        FROM {rows} r
        LEFT JOIN {_daily_rows(f"{E} - {n * QUARTER_DAYS + QUARTER_DAYS}")} h
          ON h.geo = r.geo AND h.solution = r.solution AND h.sales_motion = r.sales_motion
         AND h.day_of_quarter = r.day_of_quarter
         AND h.fiscal_quarter_start >= CAST(r.fiscal_quarter_start - INTERVAL {3 * n} MONTH
                                            AS DATE)
         AND h.fiscal_quarter_start < r.fiscal_quarter_start
        GROUP BY ALL
    )"""


def _history_window(rule: PipelineRule) -> tuple[int, int]:
    return (-((rule.history_quarters + 1) * QUARTER_DAYS + 1), 0)


class _History(GoldModel):
    historical_avg_pipe: float = _money("Average pipe_actual on the same day of the quarter in "
                                        "the previous quarters held (history_quarters)",
                                        nullable=True)
    historical_avg_coverage: float = column(
        "Average pipe_coverage on the same day of the quarter in the previous quarters held "
        "(quarters without a coverage left out); empty without history", nullable=True)
    historical_quarters: int = column("Previous quarters in the historical averages", ge=0)


class AggPipelineBoq(_Coverage, _History):
    pipeline_boq_key: str = column("Surrogate key of quarter x geo x solution x sales motion",
                                   unique=True)
    fiscal_quarter: str = column("Fiscal quarter that begins")
    fiscal_quarter_start: dt.date = column("Its first day: the BOQ snapshot day")
    snapshot_date: dt.date = column("The BOQ day described (= fiscal_quarter_start)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    coverage_vs_history: float = column("pipe_coverage - historical_avg_coverage: above 0, "
                                        "the quarter starts better covered than usual",
                                        nullable=True)


def pipeline_boq(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_boq",
        model=AggPipelineBoq,
        description="Beginning-of-quarter (BOQ) pipeline snapshots with the historical BOQ "
        "averages the dashboards compare against (seed 003, BOQ Historical Pipeline).",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("fiscal_quarter", "geo", "solution", "sales_motion"),
        sources=("gold.agg_pipeline_daily", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        window=_history_window(rule),
        grain="one row per geo x solution x sales motion for the fiscal quarter whose first "
        "day is the settled day, written on the quarter's second day; other days hold none",
        sql=f"""
        WITH boq AS {_daily_rows(E, "is_boq")}
        SELECT {sk("pipeline_boq", "b.fiscal_quarter", "b.geo", "b.solution", "b.sales_motion")}
                   AS pipeline_boq_key,
               {_snapshot("b")},
               h.historical_avg_pipe, h.historical_avg_coverage, h.historical_quarters,
               round(b.pipe_coverage - h.historical_avg_coverage, 6) AS coverage_vs_history,
               {settled_columns("crm")}
        FROM boq b JOIN {_history(rule, "boq")} h USING (geo, solution, sales_motion)
        """,
    )


class AggPipelineWeekly(_Coverage, _History):
    pipeline_weekly_key: str = column("Surrogate key of fiscal week x geo x solution x sales "
                                      "motion", unique=True)
    fiscal_week: str = column("Fiscal week (FYyyyy-Www)")
    fiscal_week_start: dt.date = column("First day of the fiscal week")
    snapshot_date: dt.date = column("Last day of the fiscal week: the snapshot's day")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    fiscal_quarter: str = column("Fiscal quarter of the week's last day, the pipeline's quarter")
    fiscal_quarter_start: dt.date = column("First day of that quarter")
    day_of_quarter: int = column("Day of the quarter of the week's last day", ge=1,
                                 le=QUARTER_DAYS)
    open_opportunities: int = column("Open opportunities closing in the quarter", ge=0)
    won_amount: float = _money("Amount won in the quarter up to the week's end")
    pipe_created: float = _money("New pipeline of the week: amount of the opportunities "
                                 "opened during it")
    previous_week_pipe: float = _money("pipe_actual at the previous fiscal week's end, for the "
                                       "same quarter; empty when that day is in another "
                                       "quarter or not held", nullable=True)
    pipe_wow_change: float = _money("pipe_actual - previous_week_pipe", nullable=True,
                                    signed=True)
    boq_pipe: float = _money("pipe_actual on the quarter's first day (BOQ); empty when the "
                             "warehouse does not hold it", nullable=True)
    boq_coverage: float = _rate("BOQ pipe_coverage")
    pipe_change_since_boq: float = _money("pipe_actual - boq_pipe", nullable=True, signed=True)


def pipeline_weekly(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_weekly",
        model=AggPipelineWeekly,
        description="Weekly pipeline roll-up per geography x solution x sales motion x fiscal "
        "week (seed 003): the week's closing coverage, gap and gap ratio, new pipeline, the "
        "week-over-week change, progress since BOQ and the historical coverage at the same day "
        "of the quarter.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("fiscal_week", "geo", "solution", "sales_motion"),
        sources=("gold.agg_pipeline_daily", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        window=_history_window(rule),
        grain="one row per geo x solution x sales motion for the fiscal week ending on the "
        "settled day, written on the next week's first day; other days hold none",
        sql=f"""
        WITH week AS {_daily_rows(E, "is_week_end")},
        days AS (
            SELECT w.geo, w.solution, w.sales_motion, sum(d.pipe_created) AS pipe_created
            FROM week w JOIN {_daily_rows(f"{E} - 6")} d
              USING (geo, solution, sales_motion, fiscal_week)
            GROUP BY ALL
        ), previous AS (
            SELECT p.geo, p.solution, p.sales_motion, p.pipe_actual AS previous_week_pipe
            FROM week w JOIN {_daily_rows(f"{E} - 7")} p
              ON p.geo = w.geo AND p.solution = w.solution AND p.sales_motion = w.sales_motion
             AND p.snapshot_date = w.fiscal_week_start - 1
             AND p.fiscal_quarter = w.fiscal_quarter
        ), boq AS (
            SELECT b.geo, b.solution, b.sales_motion, b.pipe_actual AS boq_pipe,
                   b.pipe_coverage AS boq_coverage
            FROM {_daily_rows(f"{E} - {QUARTER_DAYS}", "is_boq")} b
            JOIN week w USING (geo, solution, sales_motion, fiscal_quarter)
        )
        SELECT {sk("pipeline_weekly", "w.fiscal_week", "w.geo", "w.solution", "w.sales_motion")}
                   AS pipeline_weekly_key,
               {_snapshot("w")},
               w.fiscal_week, w.fiscal_week_start, w.day_of_quarter, w.open_opportunities,
               w.won_amount, {money("coalesce(d.pipe_created, 0)")} AS pipe_created,
               p.previous_week_pipe,
               {money("w.pipe_actual - p.previous_week_pipe")} AS pipe_wow_change,
               b.boq_pipe, b.boq_coverage,
               {money("w.pipe_actual - b.boq_pipe")} AS pipe_change_since_boq,
               h.historical_avg_pipe, h.historical_avg_coverage, h.historical_quarters,
               {settled_columns("crm")}
        FROM week w
        JOIN {_history(rule, "week")} h USING (geo, solution, sales_motion)
        LEFT JOIN days d USING (geo, solution, sales_motion)
        LEFT JOIN previous p USING (geo, solution, sales_motion)
        LEFT JOIN boq b USING (geo, solution, sales_motion)
        """,
    )


class AggPipelineQuarterly(_Coverage):
    pipeline_quarterly_key: str = column("Surrogate key of fiscal quarter x geo x solution x "
                                         "sales motion", unique=True)
    fiscal_quarter: str = column("Fiscal quarter that ended")
    fiscal_quarter_start: dt.date = column("Its first day")
    snapshot_date: dt.date = column("Its last day: the end-of-quarter snapshot's day")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    boq_pipe: float = _money("pipe_actual on the quarter's first day (BOQ); empty when the "
                             "warehouse does not hold it", nullable=True)
    boq_coverage: float = _rate("BOQ pipe_coverage")
    won_amount: float = _money("Bookings: amount won with a close date in the quarter")
    won_opportunities: int = column("Opportunities won in the quarter", ge=0)
    lost_amount: float = _money("Amount lost with a close date in the quarter")
    lost_opportunities: int = column("Opportunities lost in the quarter", ge=0)
    pipe_created: float = _money("New pipeline opened during the quarter (days the warehouse "
                                 "holds)")
    attainment: float = _rate("won_amount / qrf")
    win_rate: float = _rate("won_opportunities / (won_opportunities + lost_opportunities)")


def pipeline_quarterly(rule: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_pipeline_quarterly",
        model=AggPipelineQuarterly,
        description="Quarterly pipeline roll-up per geography x solution x sales motion x "
        "fiscal quarter (seed 003): BOQ and end-of-quarter pipeline and coverage, bookings "
        "and attainment against QRF.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("fiscal_quarter", "geo", "solution", "sales_motion"),
        sources=("gold.agg_pipeline_daily", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        window=(-(QUARTER_DAYS + 1), 0),
        grain="one row per geo x solution x sales motion for the fiscal quarter ending on the "
        "settled day, written on the next quarter's first day; other days hold none",
        sql=f"""
        WITH quarter_end AS {_daily_rows(E, "is_quarter_end")},
        days AS (
            SELECT q.geo, q.solution, q.sales_motion, sum(d.pipe_created) AS pipe_created,
                   max(d.pipe_actual) FILTER (d.is_boq) AS boq_pipe,
                   max(d.pipe_coverage) FILTER (d.is_boq) AS boq_coverage
            FROM quarter_end q JOIN {_daily_rows(f"{E} - {QUARTER_DAYS}")} d
              USING (geo, solution, sales_motion, fiscal_quarter)
            GROUP BY ALL
        )
        SELECT {sk("pipeline_quarterly", "q.fiscal_quarter", "q.geo", "q.solution",
                   "q.sales_motion")} AS pipeline_quarterly_key,
               {_snapshot("q")},
               d.boq_pipe, d.boq_coverage, q.won_amount, q.won_opportunities, q.lost_amount,
               q.lost_opportunities, {money("d.pipe_created")} AS pipe_created,
               {ratio("q.won_amount", "q.qrf")} AS attainment,
               {ratio("q.won_opportunities", "q.won_opportunities + q.lost_opportunities")}
                   AS win_rate,
               {settled_columns("crm")}
        FROM quarter_end q JOIN days d USING (geo, solution, sales_motion)
        """,
    )


# -- win/loss by stage and sales-rep performance (seed 000, DimOpportunity) -------------------

UNKNOWN_STAGE = "Unknown"
FUNNEL = (*OPEN_OPPORTUNITY_STAGES, UNKNOWN_STAGE)


def _closed_deals(rule: PipelineRule) -> str:
    """SQL: CTEs ``versions`` and ``closed``: the deals closed in the trailing
    ``closed_window_days`` up to E (their latest version) with the furthest open stage their
    versions in the warehouse show (NULL when none is held: the deal was opened before)."""
    days = rule.closed_window_days
    return f"""
        versions AS {opportunity_versions(rule, days)},
        latest AS (
            SELECT * FROM versions
            QUALIFY row_number() OVER (PARTITION BY opportunity_id
                                       ORDER BY source_updated_at DESC, load_date DESC) = 1
        ), closed AS (
            SELECT l.opportunity_id, l.geo, l.sales_rep, l.is_won, l.amount, l.close_date,
                   l.created_at, max({stage_rank("v.stage")}) AS furthest_open_rank
            FROM latest l LEFT JOIN versions v
              ON v.opportunity_id = l.opportunity_id AND NOT v.is_closed
            WHERE l.is_closed AND CAST(l.source_updated_at AS DATE) > {E} - {days}
            GROUP BY ALL
        )"""


class AggOpportunityStageConversion(GoldModel):
    stage_conversion_key: str = column("Surrogate key of day x stage x geo", unique=True)
    snapshot_date: dt.date = column("Last day of the trailing window (the settled day)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    period_start: dt.date = column("First day of the trailing window of closed deals")
    stage: str = column("Open funnel stage, or Unknown for lost deals whose stages before the "
                        "loss the warehouse does not hold", isin=list(FUNNEL))
    stage_order: int = column("Position in the funnel (1 = Prospecting; 5 = Unknown)", ge=1)
    geo: str = column("Sales geography", isin=list(GEOS))
    deals_reached: int = column("Deals closed in the window that reached the stage: every won "
                                "deal, and lost deals lost at this stage or later", ge=0)
    deals_won: int = column("Won deals among them", ge=0)
    deals_lost_at_stage: int = column("Deals lost while at this stage", ge=0)
    won_amount: float = _money("Amount of the won deals")
    lost_amount_at_stage: float = _money("Amount of the deals lost at this stage")
    win_rate: float = _rate("deals_won / deals_reached: chance of winning once at the stage")
    loss_rate: float = _rate("deals_lost_at_stage / deals_reached: share lost at the stage")


def stage_conversion(rule: PipelineRule = PIPELINE) -> GoldTable:
    ranks = ", ".join(f"('{s}', {i})" for i, s in enumerate(FUNNEL, 1))
    return GoldTable(
        name="agg_opportunity_stage_conversion",
        model=AggOpportunityStageConversion,
        description="Win/loss rate tracking by stage (seed 000, DimOpportunity): of the deals "
        f"closed in the trailing {rule.closed_window_days} days, how many reached each stage, "
        "how many of those were won and how many were lost at the stage, per geography.",
        seed="000", kind="aggregate", domain=DOMAIN,
        primary_key=("stage", "geo"),
        sources=("gold.dim_opportunity_versions", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        source_windows=(("gold.dim_opportunity_versions",
                         (-(rule.stale_after_days + rule.closed_window_days), 0)),),
        grain="one row per funnel stage (4 open stages and Unknown) x geo, for the trailing "
        "window ending on the settled day",
        sql=f"""
        WITH {_closed_deals(rule).strip()},
        stages AS (SELECT * FROM (VALUES {ranks}) AS s(stage, stage_order))
        SELECT {sk("stage_conversion", E, "s.stage", "g.geo")} AS stage_conversion_key,
               {E} - {rule.closed_window_days - 1} AS period_start,
               s.stage, s.stage_order, g.geo,
               count(c.opportunity_id) AS deals_reached,
               count(c.opportunity_id) FILTER (c.is_won) AS deals_won,
               count(c.opportunity_id) FILTER (NOT c.is_won) - count(c.opportunity_id) FILTER (
                   NOT c.is_won AND c.furthest_open_rank > s.stage_order) AS deals_lost_at_stage,
               {money("coalesce(sum(c.amount) FILTER (c.is_won), 0)")} AS won_amount,
               {money("coalesce(sum(c.amount) FILTER (NOT c.is_won AND "
                      "coalesce(c.furthest_open_rank, 0) <= s.stage_order), 0)")}
                   AS lost_amount_at_stage,
               {ratio("deals_won", "deals_reached")} AS win_rate,
               {ratio("deals_lost_at_stage", "deals_reached")} AS loss_rate,
               {settled_columns("crm")}
        FROM stages s CROSS JOIN {grid(geo=GEOS)} g
        LEFT JOIN closed c  -- the deals that reached the stage (Unknown: lost, stages unknown)
          ON c.geo = g.geo AND CASE WHEN s.stage = '{UNKNOWN_STAGE}'
                                    THEN NOT c.is_won AND c.furthest_open_rank IS NULL
                                    ELSE c.is_won OR c.furthest_open_rank >= s.stage_order END
        GROUP BY s.stage, s.stage_order, g.geo
        """,
    )


class AggSalesRepPerformance(GoldModel):
    sales_rep_performance_key: str = column("Surrogate key of day x sales rep x geo",
                                            unique=True)
    snapshot_date: dt.date = column("Last day of the trailing window (the settled day)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    period_start: dt.date = column("First day of the trailing window of closed deals")
    sales_rep_key: str = column("Surrogate key of the sales rep (stable; groups a masked "
                                "export)")
    sales_rep: str = column("Account executive", pii="personal_identifier")
    geo: str = column("Sales geography the rep sells in", isin=list(GEOS))
    open_opportunities: int = column("Open opportunities the rep owns on snapshot_date (not "
                                     "stale)", ge=0)
    open_pipe: float = _money("Their amount")
    opportunities_created: int = column("Opportunities opened in the window", ge=0)
    deals_won: int = column("Deals won in the window", ge=0)
    deals_lost: int = column("Deals lost in the window", ge=0)
    won_amount: float = _money("Amount won in the window")
    win_rate: float = _rate("deals_won / (deals_won + deals_lost)")
    avg_won_deal_size: float = _money("won_amount / deals_won", nullable=True)
    avg_sales_cycle_days: float = column("Average days from opening to closing of the won "
                                         "deals; empty without one", nullable=True, ge=0.0)


def sales_rep_performance(rule: PipelineRule = PIPELINE) -> GoldTable:
    days = rule.closed_window_days
    return GoldTable(
        name="agg_sales_rep_performance",
        model=AggSalesRepPerformance,
        description="Sales representative performance (seed 000, DimOpportunity): open "
        f"pipeline on the settled day and, over the trailing {days} days, deals opened, won "
        "and lost, win rate, average won deal and sales cycle.",
        seed="000", kind="aggregate", domain=DOMAIN,
        primary_key=("sales_rep_key", "geo"),
        sources=("gold.dim_opportunity_versions", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        source_windows=(("gold.dim_opportunity_versions",
                         (-(rule.stale_after_days + days), 0)),),
        grain="one row per sales rep x geo with an open (not stale) opportunity on the settled "
        "day or a deal opened or closed in the trailing window",
        sql=f"""
        WITH {_closed_deals(rule).strip()},
        open AS (
            SELECT sales_rep, geo, count(*) AS open_opportunities, sum(amount) AS open_pipe
            FROM {latest_opportunities(rule, days)} WHERE NOT is_closed GROUP BY ALL
        ), created AS (
            SELECT sales_rep, geo, count(*) AS opportunities_created FROM latest
            WHERE CAST(created_at AS DATE) > {E} - {days} GROUP BY ALL
        ), won_lost AS (
            SELECT sales_rep, geo, count(*) FILTER (is_won) AS deals_won,
                   count(*) FILTER (NOT is_won) AS deals_lost,
                   sum(amount) FILTER (is_won) AS won_amount,
                   avg(close_date - CAST(created_at AS DATE)) FILTER (is_won) AS cycle_days
            FROM closed GROUP BY ALL
        ), reps AS (
            SELECT sales_rep, geo FROM open UNION SELECT sales_rep, geo FROM created
            UNION SELECT sales_rep, geo FROM won_lost
        )
        SELECT {sk("sales_rep_performance", E, "r.sales_rep", "r.geo")}
                   AS sales_rep_performance_key,
               {E} - {days - 1} AS period_start,
               {sk("sales_rep", "r.sales_rep")} AS sales_rep_key, r.sales_rep, r.geo,
               coalesce(o.open_opportunities, 0) AS open_opportunities,
               {money("coalesce(o.open_pipe, 0)")} AS open_pipe,
               coalesce(c.opportunities_created, 0) AS opportunities_created,
               coalesce(w.deals_won, 0) AS deals_won, coalesce(w.deals_lost, 0) AS deals_lost,
               {money("coalesce(w.won_amount, 0)")} AS won_amount,
               {ratio("w.deals_won", "w.deals_won + w.deals_lost")} AS win_rate,
               {money("w.won_amount / nullif(w.deals_won, 0)")} AS avg_won_deal_size,
               round(w.cycle_days, 2) AS avg_sales_cycle_days,
               {settled_columns("crm")}
        FROM reps r
        LEFT JOIN open o USING (sales_rep, geo)
        LEFT JOIN created c USING (sales_rep, geo)
        LEFT JOIN won_lost w USING (sales_rep, geo)
        """,
    )


# -- metrics ----------------------------------------------------------------------------------

_QTD = ("Quarter to date on the settled day E = D - 1 (written in partition D); the quarter is "
        "E's fiscal quarter")
_PIPE_FILTER = ("latest version of each opportunity as of E with close_date in the quarter "
                f"(open or won; lost ones count 0); stale after {PIPELINE.stale_after_days} days "
                "without a stage change; Prospecting (no close date) is not pipeline; "
                "is_pipeline_complete false until the warehouse holds the open pipeline "
                f"({PIPELINE.describe_completeness()})")


def _metric(name: str, table: str, formula: str, grain: str, filters: str = _PIPE_FILTER,
            periods: str = _QTD, seed: str = SEED) -> Metric:
    return Metric(name, table, formula, grain, filters, periods, seed)


_SEGMENT = "geo x solution x sales motion"
METRICS = [
    _metric("Pipe actual", "agg_pipeline_daily", "sum(pipe_actual)", f"{_SEGMENT} x day"),
    _metric("QRF", "agg_pipeline_daily", "qrf of the quarter from the quota plan received on "
            "the partition day", f"{_SEGMENT} x fiscal quarter", "empty when the plan lacks it; "
            "a rejected quota row counts its last good row of the "
            f"{CARRY_FORWARD_DAYS} days before (qrf_carried_from), else QRF is empty and "
            "is_qrf_rejected true"),
    _metric("Pipeline coverage", "agg_pipeline_daily", "pipe_actual / QRF",
            f"{_SEGMENT} x day (also weekly, BOQ, quarterly tables)",
            _PIPE_FILTER + "; empty when QRF is 0 or missing (never infinite)"),
    _metric("Pipe gap", "agg_pipeline_daily", "QRF - pipe_actual", f"{_SEGMENT} x day",
            _PIPE_FILTER + "; negative when the pipeline exceeds the quota"),
    _metric("Gap ratio", "agg_pipeline_daily", "(QRF - pipe_actual) / QRF", f"{_SEGMENT} x day",
            _PIPE_FILTER + "; empty when QRF is 0 or missing"),
    _metric("New pipeline", "agg_pipeline_daily", "sum(amount) of opportunities with "
            "created_at on the day (week: summed over the fiscal week; quarter: over the "
            "quarter)", f"{_SEGMENT} x day / fiscal week / fiscal quarter",
            "any close quarter", "Day E; fiscal week or quarter ending on E"),
    _metric("Week-over-week pipeline change", "agg_pipeline_weekly",
            "pipe_actual(week end) - pipe_actual(previous week end)", f"{_SEGMENT} x fiscal week",
            "same fiscal quarter only (empty across a quarter boundary)",
            "Fiscal week, written on the next week's first day"),
    _metric("BOQ pipeline and coverage", "agg_pipeline_boq", "pipe_actual and pipe_coverage on "
            "the fiscal quarter's first day", f"{_SEGMENT} x fiscal quarter", _PIPE_FILTER,
            "The quarter's first day, written on its second"),
    _metric("Historical BOQ average coverage", "agg_pipeline_boq",
            "avg(BOQ pipe_coverage) over the previous "
            f"{PIPELINE.history_quarters} fiscal quarters the warehouse holds",
            f"{_SEGMENT} x fiscal quarter", "quarters without a coverage (QRF 0) left out; "
            "historical_quarters says how many were averaged",
            "The quarter's first day, written on its second"),
    _metric("Historical coverage at the same point of the quarter", "agg_pipeline_weekly",
            "avg(pipe_coverage) on the same day of the quarter in the previous "
            f"{PIPELINE.history_quarters} fiscal quarters held", f"{_SEGMENT} x fiscal week",
            "as Historical BOQ average coverage", "Fiscal week, written on the next week's "
            "first day"),
    _metric("Attainment", "agg_pipeline_quarterly", "won_amount / QRF: Closed Won amount with "
            "close_date in the quarter over its quota", f"{_SEGMENT} x fiscal quarter",
            "empty when QRF is 0 or missing", "Fiscal quarter, written on the next quarter's "
            "first day"),
    _metric("Win rate by stage", "agg_opportunity_stage_conversion",
            "deals_won / deals_reached, where a deal reached a stage when it was won or lost "
            "at that stage or a later one", "open stage x geo",
            f"deals closed (latest version Closed Won/Lost) in the trailing "
            f"{PIPELINE.closed_window_days} days; lost deals whose earlier stages are not in "
            "the warehouse count under stage Unknown", f"Rolling {PIPELINE.closed_window_days} "
            "days ending on E", seed="000"),
    _metric("Loss rate at stage", "agg_opportunity_stage_conversion",
            "deals_lost_at_stage / deals_reached (lost at stage = the furthest open stage of a "
            "lost deal)", "open stage x geo", "as Win rate by stage",
            f"Rolling {PIPELINE.closed_window_days} days ending on E", seed="000"),
    _metric("Sales rep win rate", "agg_sales_rep_performance",
            "deals_won / (deals_won + deals_lost)", "sales rep x geo",
            f"deals closed in the trailing {PIPELINE.closed_window_days} days, by the rep of "
            "their latest version", f"Rolling {PIPELINE.closed_window_days} days ending on E",
            seed="000"),
    _metric("Average won deal size and sales cycle", "agg_sales_rep_performance",
            "won_amount / deals_won; avg(close_date - created_at) of won deals in days",
            "sales rep x geo", "as Sales rep win rate",
            f"Rolling {PIPELINE.closed_window_days} days ending on E", seed="000"),
]

TABLES = [pipeline_daily(), pipeline_weekly(), pipeline_boq(), pipeline_quarterly(),
          stage_conversion(), sales_rep_performance()]
