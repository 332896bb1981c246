"""``gold.agg_account_adoption``: the account-level adoption context that customer health
scores, on each settled day: seats summed over product families (``agg_seat_activation``),
support tickets (``fact_support_ticket``), customer-success engagement and competitor mentions
in engagement notes (``fact_engagement_activity``).
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.completeness import known, undelivered
from customer_platform.gold.customer.dim_account_hierarchy import DIM_ACCOUNT_HIERARCHY
from customer_platform.gold.revops._activation import _count, _metric
from customer_platform.gold.revops._common import (
    DAY,
    DOMAIN,
    SEED,
    SNAPSHOT_DATE_FK,
    E,
    in_force,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._rules import HEALTH, HealthRule
from customer_platform.gold.sql import customer_fk, sk

CONTEXT_DAYS = 90  # trailing days of tickets and engagement the adoption context reads


class AggAccountAdoption(GoldModel):
    account_adoption_key: str = column("Surrogate key of day x account", unique=True)
    snapshot_date: dt.date = column("The settled day E described")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    customer_key: str = column("The account (dim_customer.customer_key)")
    customer_id: str = column("Customer business key of the account")
    account_key: str = column("dim_account_hierarchy.account_key of the account")
    company_name: str = column("Company of the account (empty when the hierarchy does not "
                               "hold it)", nullable=True)
    rollup_account_key: str = column("Key to roll up by: the parent company's, else the "
                                     "account's own")
    rollup_company_name: str = column("Name to roll up by (empty when unknown)", nullable=True)
    is_child_account: bool = column("The account belongs to a parent company")
    geo: str = column("Sales geography (empty when unknown)", nullable=True)
    vertical: str = column("Industry vertical (empty when unknown)", nullable=True)
    entitled_seats: int = _count("Entitled seats over every product family")
    assigned_seats: int = _count("Assigned seats over every family; empty when any family's "
                                 "is unknown", nullable=True)
    activated_seats: int = _count("Activated seats over every family")
    qal_seats: int = _count("QAL seats over every family")
    mal_seats: int = _count("MAL seats over every family")
    rmal_seats: int = _count("RMAL seats over every family")
    is_complete: bool = column("Every product family's entitled seats are known "
                               "(agg_seat_activation.is_complete); else activation_rate is "
                               "empty and entitled_seats leaves the unknown ones out")
    activation_rate: float = column("activated_seats / entitled_seats; empty without entitled "
                                    "seats or when not is_complete", nullable=True)
    entitled_monthly_value: float = column("List value of the entitled seats per month (USD)",
                                           ge=0.0)
    tickets_opened_7d: int = _count("Support tickets the account opened in the 7 days to E")
    tickets_opened_30d: int = _count("Support tickets opened in the 30 days to E")
    high_priority_tickets_30d: int = _count("Of those, High priority")
    open_tickets: int = _count("Tickets opened in the 90 days to E still Open or In Progress "
                               "at the close of E")
    avg_satisfaction_90d: float = column("Average satisfaction score (1-5) of the tickets "
                                         "opened in the 90 days to E that have one",
                                         nullable=True, ge=1.0, le=5.0)
    engagement_activities_30d: int = _count("Customer-success activities in the 30 days to E")
    engagement_minutes_30d: int = _count("Their minutes")
    negative_engagements_90d: int = _count("Activities with a Negative outcome in the 90 days "
                                           "to E")
    competitor_mentions_90d: int = _count(
        "Activities in the 90 days to E whose delivered notes mention a competitor (words: "
        f"{', '.join(HEALTH.competitor_words)}): the competitive-presence signal")
    unknown_notes_90d: int = _count(
        "Activities in the 90 days to E from a file without notes: whether they mention a "
        "competitor is unknown (in neither count of competitor_mentions_90d)")
    last_engagement_date: dt.date = column("Day of the latest activity in the 90 days to E",
                                           nullable=True)


def account_adoption(rule: HealthRule = HEALTH) -> GoldTable:
    mentions = known("notes", " OR ".join(f"lower(notes) LIKE '%{word}%'"
                                          for word in rule.competitor_words))
    return GoldTable(
        name="agg_account_adoption",
        model=AggAccountAdoption,
        description="Activation and usage per business account enriched with support tickets "
        "and customer-success engagement activities for adoption context, on each settled day.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("customer_id",),
        sources=("gold.agg_seat_activation", "gold.fact_support_ticket",
                 "gold.fact_engagement_activity", "gold.dim_account_hierarchy",
                 "gold.dim_customer", "gold.dim_date"),
        foreign_keys=(customer_fk(), SNAPSHOT_DATE_FK),
        source_windows=(("gold.fact_support_ticket", (-CONTEXT_DAYS, 0)),
                        ("gold.fact_engagement_activity", (-CONTEXT_DAYS, 0))),
        grain="one row per business account in the hierarchy or holding seats, for the "
        "settled day E = D - 1",
        sql=f"""
        WITH accounts AS (
            SELECT account_id AS customer_id, company_name, rollup_account_key,
                   rollup_company_name, is_child_account, geo, vertical
            FROM {in_force(DIM_ACCOUNT_HIERARCHY)}
        ), seats AS (
            SELECT customer_id, sum(entitled_seats) AS entitled_seats,
                   CASE WHEN count(*) = count(assigned_seats) THEN sum(assigned_seats) END
                       AS assigned_seats,
                   sum(activated_seats) AS activated_seats, sum(qal_seats) AS qal_seats,
                   sum(mal_seats) AS mal_seats, sum(rmal_seats) AS rmal_seats,
                   sum(entitled_monthly_value) AS entitled_monthly_value,
                   bool_and(is_complete) AS is_complete
            FROM gold.agg_seat_activation WHERE load_date = {DAY} GROUP BY customer_id
        ), tickets AS (  -- each ticket opened in the 90 days to E, as it stood at E's close
            SELECT * FROM gold.fact_support_ticket
            WHERE load_date BETWEEN {DAY} - {CONTEXT_DAYS} AND {DAY} AND event_date <= {E}
              AND open_date BETWEEN {E} - {CONTEXT_DAYS - 1} AND {E}
            QUALIFY row_number() OVER (PARTITION BY support_ticket_key
                                       ORDER BY source_updated_at DESC, load_date DESC) = 1
        ), support AS (
            SELECT customer_id,
                   count(*) FILTER (open_date > {E} - 7) AS tickets_opened_7d,
                   count(*) FILTER (open_date > {E} - 30) AS tickets_opened_30d,
                   count(*) FILTER (open_date > {E} - 30 AND priority = 'High')
                       AS high_priority_tickets_30d,
                   count(*) FILTER (status IN ('Open', 'In Progress')) AS open_tickets,
                   round(avg(satisfaction_score), 2) AS avg_satisfaction_90d
            FROM tickets GROUP BY customer_id
        ), activities AS (
            SELECT * FROM gold.fact_engagement_activity
            WHERE load_date BETWEEN {DAY} - {CONTEXT_DAYS} AND {DAY}
              AND event_date BETWEEN {E} - {CONTEXT_DAYS - 1} AND {E}
            QUALIFY row_number() OVER (PARTITION BY activity_id ORDER BY load_date DESC) = 1
        ), engagement AS (
            SELECT customer_id,
                   count(*) FILTER (event_date > {E} - 30) AS engagement_activities_30d,
                   coalesce(sum(duration_minutes) FILTER (event_date > {E} - 30), 0)
                       AS engagement_minutes_30d,
                   count(*) FILTER (is_negative) AS negative_engagements_90d,
                   count(*) FILTER ({mentions}) AS competitor_mentions_90d,
                   count(*) FILTER ({undelivered("notes")}) AS unknown_notes_90d,
                   max(event_date) AS last_engagement_date
            FROM activities GROUP BY customer_id
        ), population AS (
            SELECT customer_id FROM accounts UNION SELECT customer_id FROM seats
        )
        SELECT {sk("account_adoption", E, "p.customer_id")} AS account_adoption_key,
               {sk("customer", "p.customer_id")} AS customer_key, p.customer_id,
               {sk("account", "p.customer_id")} AS account_key,
               a.company_name,
               coalesce(a.rollup_account_key, {sk("account", "p.customer_id")})
                   AS rollup_account_key,
               coalesce(a.rollup_company_name, a.company_name) AS rollup_company_name,
               coalesce(a.is_child_account, FALSE) AS is_child_account, a.geo, a.vertical,
               coalesce(s.entitled_seats, 0) AS entitled_seats,
               CASE WHEN s.customer_id IS NULL THEN 0 ELSE s.assigned_seats END
                   AS assigned_seats,
               {", ".join(f"coalesce(s.{c}, 0) AS {c}" for c in (
                   "activated_seats", "qal_seats", "mal_seats", "rmal_seats"))},
               coalesce(s.is_complete, TRUE) AS is_complete,
               CASE WHEN coalesce(s.is_complete, TRUE)
                    THEN {ratio("s.activated_seats", "s.entitled_seats")} END AS activation_rate,
               {money("coalesce(s.entitled_monthly_value, 0)")} AS entitled_monthly_value,
               {", ".join(f"coalesce(t.{c}, 0) AS {c}" for c in (
                   "tickets_opened_7d", "tickets_opened_30d", "high_priority_tickets_30d",
                   "open_tickets"))},
               t.avg_satisfaction_90d,
               {", ".join(f"coalesce(g.{c}, 0) AS {c}" for c in (
                   "engagement_activities_30d", "engagement_minutes_30d",
                   "negative_engagements_90d", "competitor_mentions_90d",
                   "unknown_notes_90d"))},
               g.last_engagement_date,
               {settled_columns("licensing+support")}
        FROM population p
        LEFT JOIN accounts a USING (customer_id)
        LEFT JOIN seats s USING (customer_id)
        LEFT JOIN support t USING (customer_id)
        LEFT JOIN engagement g USING (customer_id)
        """,
    )


AGG_ACCOUNT_ADOPTION = account_adoption()

METRICS = [
    _metric("Support tickets opened (7 / 30 days)", "count of distinct tickets with open_date "
            "in the 7 / 30 days to E", "fact_support_ticket, each ticket as of E's close",
            "agg_account_adoption", "account x day"),
    _metric("Competitor mentions", "count of engagement activities in the 90 days to E whose "
            f"notes contain one of: {', '.join(HEALTH.competitor_words)} (case-insensitive)",
            "fact_engagement_activity by event_date; notes from a file without them are "
            "unknown, counted apart (unknown_notes_90d)", "agg_account_adoption",
            "account x day"),
]
