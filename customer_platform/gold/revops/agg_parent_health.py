"""``gold.agg_parent_health``: customer health rolled up the company hierarchy. Accounts are
grouped by ``rollup_account_key`` (the parent company, else the stand-alone account) so a parent
whose seats sit in Red accounts (``agg_account_health``) stands out.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.metrics import Metric
from customer_platform.gold.revops._common import (
    DAY,
    DOMAIN,
    SEED,
    SNAPSHOT_DATE_FK,
    E,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._health import _DAY, HEALTH_COLOURS
from customer_platform.gold.revops._rules import HEALTH, HealthRule
from customer_platform.gold.sql import sk


class AggParentHealth(GoldModel):
    parent_health_key: str = column("Surrogate key of day x roll-up account", unique=True)
    snapshot_date: dt.date = column("The settled day E scored")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    rollup_account_key: str = column("Parent company's key, or a stand-alone account's own")
    rollup_company_name: str = column("Its name", nullable=True)
    is_parent_company: bool = column("Groups child accounts of a parent company (else a "
                                     "stand-alone account)")
    accounts: int = column("Accounts rolled up", ge=1)
    green_accounts: int = column("Of those, Green", ge=0)
    yellow_accounts: int = column("Of those, Yellow", ge=0)
    red_accounts: int = column("Of those, Red (at risk)", ge=0)
    entitled_seats: int = column("Entitled seats of all its accounts", ge=0)
    red_seats: int = column("Entitled seats in Red accounts", ge=0)
    yellow_seats: int = column("Entitled seats in Yellow accounts", ge=0)
    red_share: float = column("red_seats / entitled_seats (red_accounts / accounts without "
                              "seats)", ge=0.0, le=1.0)
    at_risk_share: float = column("(red + yellow seats) / entitled_seats (accounts without "
                                  "seats)", ge=0.0, le=1.0)
    activated_seats: int = column("Activated seats of all its accounts", ge=0)
    activation_rate: float = column("activated_seats / entitled_seats; empty without seats",
                                    nullable=True)
    pipe_actual: float = column("Pipeline of the fiscal quarter over all its accounts (USD)",
                                ge=0.0)
    tickets_opened_30d: int = column("Tickets its accounts opened in the 30 days to E", ge=0)
    competitive_accounts: int = column("Accounts with competitive presence", ge=0)
    health: str = column(
        f"Red when Red accounts hold >= {HEALTH.parent_red_share:.0%} of the seats, Yellow "
        f"when Red and Yellow accounts hold >= {HEALTH.parent_yellow_share:.0%}, else Green "
        "(shares of accounts when there are no seats)", isin=HEALTH_COLOURS)
    is_at_risk: bool = column("health is Red")


def parent_health(rule: HealthRule = HEALTH) -> GoldTable:
    return GoldTable(
        name="agg_parent_health",
        model=AggParentHealth,
        description="Customer health rolled up the parent/child company hierarchy, so at-risk "
        "parent companies and segments stand out.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("rollup_account_key",),
        sources=("gold.agg_account_health", "gold.dim_date"),
        foreign_keys=(SNAPSHOT_DATE_FK,),
        grain="one row per parent company or stand-alone account, for the settled day E",
        sql=f"""
        WITH grouped AS (
            SELECT rollup_account_key, any_value(rollup_company_name) AS rollup_company_name,
                   bool_or(is_child_account) AS is_parent_company,
                   count(*) AS accounts,
                   count(*) FILTER (health = 'Green') AS green_accounts,
                   count(*) FILTER (health = 'Yellow') AS yellow_accounts,
                   count(*) FILTER (health = 'Red') AS red_accounts,
                   sum(entitled_seats) AS entitled_seats,
                   coalesce(sum(entitled_seats) FILTER (health = 'Red'), 0) AS red_seats,
                   coalesce(sum(entitled_seats) FILTER (health = 'Yellow'), 0) AS yellow_seats,
                   sum(activated_seats) AS activated_seats,
                   {money("sum(pipe_actual)")} AS pipe_actual,
                   sum(tickets_opened_30d) AS tickets_opened_30d,
                   count(*) FILTER (has_competitive_presence) AS competitive_accounts
            FROM gold.agg_account_health WHERE load_date = {DAY}
            GROUP BY rollup_account_key
        ), shared AS (
            SELECT *,
                   round(CASE WHEN entitled_seats > 0 THEN red_seats / entitled_seats
                              ELSE red_accounts / accounts END, 6) AS red_share,
                   round(CASE WHEN entitled_seats > 0
                              THEN (red_seats + yellow_seats) / entitled_seats
                              ELSE (red_accounts + yellow_accounts) / accounts END, 6)
                       AS at_risk_share
            FROM grouped
        )
        SELECT {sk("parent_health", E, "rollup_account_key")} AS parent_health_key,
               *, {ratio("activated_seats", "entitled_seats")} AS activation_rate,
               CASE WHEN red_share >= {rule.parent_red_share} THEN 'Red'
                    WHEN at_risk_share >= {rule.parent_yellow_share} THEN 'Yellow'
                    ELSE 'Green' END AS health,
               red_share >= {rule.parent_red_share} AS is_at_risk,
               {settled_columns("licensing+support+crm")}
        FROM shared
        """,
    )


AGG_PARENT_HEALTH = parent_health()

METRICS = [
    Metric("Parent company health", "agg_parent_health",
           f"Red if red_share >= {HEALTH.parent_red_share}, Yellow if at_risk_share >= "
           f"{HEALTH.parent_yellow_share}, else Green; red_share = entitled seats in Red "
           "accounts / all entitled seats (accounts when no seats), at_risk_share the same "
           "for Red + Yellow", "parent company (or stand-alone account) x day",
           "accounts grouped by rollup_account_key", _DAY, SEED),
]
