"""``gold.agg_opportunity_stage_conversion``: win/loss rates by funnel stage over the deals closed
in a trailing window, per geography. A deal reached a stage when it was won, or lost at that
stage or a later one; a lost deal whose earlier stages the warehouse does not hold counts under
the stage Unknown.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.revops._common import (
    DOMAIN,
    SNAPSHOT_DATE_FK,
    E,
    grid,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._pipeline import _closed_deals, _metric, _money, _rate
from customer_platform.gold.revops._rules import PIPELINE, PipelineRule
from customer_platform.gold.sql import sk
from customer_platform.vocabulary import GEOS, OPEN_OPPORTUNITY_STAGES

UNKNOWN_STAGE = "Unknown"
FUNNEL = (*OPEN_OPPORTUNITY_STAGES, UNKNOWN_STAGE)


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
        description="Win/loss rate tracking by stage: of the deals "
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



AGG_OPPORTUNITY_STAGE_CONVERSION = stage_conversion()


METRICS = [
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
]
