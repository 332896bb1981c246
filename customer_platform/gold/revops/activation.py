"""Seat activation and usage per account and product family, and the account's adoption
context from support and engagement (seed 003 step 4, Aggregate Activation & Usage).

Sources, for the settled day E = D - 1 (``gold/metrics.py``):

- entitled seats: the licensing entitlement snapshot received on D (the state at the close of
  E), per entitlement; a row rejected on D counts its last good row, and an entitlement the
  day cannot tell the seats of makes the row incomplete (``gold/completeness.py``);
- activated seats and their activation level: the seat-usage row of E (whichever of the
  partitions E and D brought it), which splits the activated seats by on how many of the
  trailing seven days each was used; the levels follow ``ActivationRule`` (QAL, MAL, RMAL);
  the same row of E - 7 gives the week-over-week comparison;
- assigned seats: licensing delivers no assigned-seat level, only seat events (seats assigned,
  unassigned, activated, de-activated). Assigned seats are therefore the running balance
  ``Assigned - Unassigned`` of every seat event received by D, which is exact only for an
  entitlement whose whole history the warehouse holds: one whose current term began on or
  after the first partition and that none of the first ``FIRST_SNAPSHOTS`` partitions'
  entitlement snapshots held (it started after the warehouse did). For the others
  ``assigned_seats`` and ``assignment_rate`` are empty rather than wrong (an assigned-seat
  level in the entitlement snapshot would fix this at the source).

``fact_engagement_activity`` is the customer-success activity log in gold; with
``fact_support_ticket`` it feeds ``agg_account_adoption``, the account-level adoption context
(seats summed over product families, tickets, engagement, competitor mentions) that customer
health scores.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.commerce.dim_product import DIM_PRODUCT
from customer_platform.gold.completeness import (
    CARRY_FORWARD_DAYS,
    SILVER_MISSING,
    UNDELIVERED,
    canonical,
    carry_forward_sources,
    carry_forward_windows,
    known,
    record_field,
    snapshot_as_of,
    snapshot_table,
    undelivered,
    unrecovered_rejects,
)
from customer_platform.gold.customer.dim_account_hierarchy import DIM_ACCOUNT_HIERARCHY
from customer_platform.gold.metrics import Metric
from customer_platform.gold.revops.common import (
    CALENDAR_WINDOW,
    DAY,
    DOMAIN,
    SNAPSHOT_DATE_FK,
    E,
    calendar,
    in_force,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops.rules import ACTIVATION, HEALTH, ActivationRule, HealthRule
from customer_platform.gold.scd2 import undelivered_column
from customer_platform.gold.sql import (
    CUSTOMER_KEY,
    EVENT_DATE_FK,
    customer_fk,
    event_columns,
    metadata_columns,
    sk,
)
from customer_platform.settings import partition_start
from customer_platform.vocabulary import (
    ENGAGEMENT_OUTCOMES,
    ENGAGEMENT_TYPES,
    PRODUCT_FAMILY,
    SEAT_PRODUCTS,
)

SEED = "003"
#: a window long enough to mean "every partition up to D" (the seat-event balance)
ALL_HISTORY = 3650
CONTEXT_DAYS = 90  # trailing days of tickets and engagement the adoption context reads
FIRST_PARTITION = f"DATE '{partition_start().isoformat()}'"
#: An entitlement in none of the first partitions' snapshots (so many that a dirty row rejected
#: on one day is still seen) and whose current term began since is tracked from its start.
FIRST_SNAPSHOTS = 3
ENTITLEMENTS = snapshot_table("lic_seat_entitlements")


# -- fact_engagement_activity -----------------------------------------------------------------


class FactEngagementActivity(GoldModel):
    engagement_activity_key: str = column("Surrogate key of the activity", unique=True)
    activity_id: str = column("Engagement activity business key (EA + 9 digits)")
    customer_key: str = column("Business account engaged (dim_customer.customer_key)")
    customer_id: str = column("Customer business key of the account")
    event_date: dt.date = column("Day the activity took place (late rows keep theirs)")
    event_date_key: int = column("dim_date.date_key of event_date")
    activity_type: str = column("Kind of touch", isin=list(ENGAGEMENT_TYPES))
    csm_name: str = column("Customer success manager who ran it", pii="personal_identifier")
    duration_minutes: int = column("Length of the activity in minutes", ge=0)
    outcome: str = column("CSM's read of the customer's sentiment", isin=list(ENGAGEMENT_OUTCOMES))
    is_negative: bool = column("Outcome is Negative (a churn-risk signal)")
    notes: str = column("Short free-text summary of the activity", nullable=True)
    undelivered_columns: str = undelivered_column(fact=True)


FACT_ENGAGEMENT_ACTIVITY = GoldTable(
    name="fact_engagement_activity",
    model=FactEngagementActivity,
    description="Customer-success engagement activities with business accounts (onboarding, "
    "reviews, training, health checks) used with support tickets to infer adoption, "
    "satisfaction and account health (seed 003, Support & Engagement): one row per activity.",
    seed=SEED, kind="fact", domain=DOMAIN,
    primary_key=("engagement_activity_key",),
    sources=("silver.stg_sup_engagement_activities", "gold.dim_customer", "gold.dim_date"),
    foreign_keys=(customer_fk(), EVENT_DATE_FK),
    grain="one row per engagement activity, in the partition of the day it was received",
    sql=f"""
    SELECT {sk("engagement_activity", "activity_id")} AS engagement_activity_key, activity_id,
           {CUSTOMER_KEY} AS customer_key, customer_id,
           {event_columns()},
           activity_type, csm_name, duration_minutes, outcome, outcome = 'Negative' AS is_negative,
           notes, {SILVER_MISSING} AS {UNDELIVERED},
           {metadata_columns("support")}
    FROM silver.stg_sup_engagement_activities
    WHERE _partition_date = $day
    """,
)


# -- agg_seat_activation ----------------------------------------------------------------------


def _used(days: int) -> str:
    return f"seats_used_{days}_day" + ("" if days == 1 else "s")


def _seats_used(first: int, last: int = 7) -> str:
    """SQL: activated seats used on ``first``..``last`` of the trailing seven days."""
    return " + ".join(_used(k) for k in range(first, last + 1))


def _levels(rule: ActivationRule) -> dict[str, str]:
    """The activation levels: name -> SQL over a seat-usage row."""
    return {"qal_seats": _seats_used(rule.qal_min_days),
            "mal_seats": _seats_used(rule.mal_min_days, rule.qal_min_days - 1),
            "rmal_seats": _seats_used(rule.rmal_min_days, rule.mal_min_days - 1),
            "unused_seats": _seats_used(0, rule.rmal_min_days - 1)}


def _count(description: str, nullable: bool = False):
    return column(description, nullable=nullable, ge=0)


class AggSeatActivation(GoldModel):
    seat_activation_key: str = column("Surrogate key of day x account x product family",
                                      unique=True)
    snapshot_date: dt.date = column("The settled day E described (the day before the "
                                    "partition day)")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    fiscal_week: str = column("Fiscal week of snapshot_date")
    is_week_end: bool = column("snapshot_date closes its fiscal week (the weekly figure)")
    customer_key: str = column("The account (dim_customer.customer_key)")
    customer_id: str = column("Customer business key of the account")
    account_key: str = column("dim_account_hierarchy.account_key of the account")
    rollup_account_key: str = column("Parent company's key, else the account's own (empty when "
                                     "the hierarchy does not hold the account)", nullable=True)
    geo: str = column("Sales geography of the account (empty when not in the hierarchy)",
                      nullable=True)
    product_family: str = column("Product family of the seat products")
    entitlements: int = _count("Entitlements with seats (contracts in force)")
    entitlements_carried: int = _count(
        "Entitlements whose row was rejected on the partition day, counted from their last good "
        f"snapshot row (at most {CARRY_FORWARD_DAYS} days old)")
    entitlements_unknown: int = _count(
        "Entitlements whose seats the day cannot tell: rejected with no good row to carry, or "
        "with seat usage on snapshot_date but no snapshot row; not in entitled_seats")
    is_complete: bool = column("entitlements_unknown = 0: entitled seats, rates and monthly "
                               "value are whole (else the rates are empty)")
    entitled_seats: int = _count("Seats entitled by the snapshot received on the partition day "
                                 "(rejected rows carried forward; unknown ones left out)")
    assigned_seats: int = _count("Seats assigned: running balance of the Assigned - Unassigned "
                                 "seat events; empty unless the warehouse holds every "
                                 "entitlement's whole history (see module docs)", nullable=True)
    activated_seats: int = _count("Activated seats at the end of snapshot_date")
    assignment_rate: float = column("assigned_seats / entitled_seats; empty when either is "
                                    "unknown or 0", nullable=True)
    activation_rate: float = column("activated_seats / entitled_seats; empty without entitled "
                                    "seats or when not is_complete", nullable=True)
    qal_seats: int = _count(f"Quality-activated seats ({ACTIVATION.describe()})")
    mal_seats: int = _count("Medium-activated seats (MAL)")
    rmal_seats: int = _count("Reduced-activation seats (RMAL)")
    unused_seats: int = _count("Activated seats used on fewer days than RMAL asks")
    usage_rate: float = column("(activated_seats - unused_seats) / activated_seats: share of "
                               "activated seats in use; empty without activated seats",
                               nullable=True)
    usage_minutes: float = column("Minutes the seats were used on snapshot_date; empty "
                                  "(unknown) when a usage row of that day came from a file "
                                  "without usage_minutes", nullable=True, ge=0.0)
    entitled_monthly_value: float = column("List value of the entitled seats per month: seats x "
                                           "the catalogue's seat price in force (USD)", ge=0.0)
    activated_seats_prev_week: int = _count("activated_seats 7 days earlier; empty when the "
                                            "warehouse does not hold that day", nullable=True)
    qal_seats_prev_week: int = _count("qal_seats 7 days earlier", nullable=True)
    mal_seats_prev_week: int = _count("mal_seats 7 days earlier", nullable=True)
    rmal_seats_prev_week: int = _count("rmal_seats 7 days earlier", nullable=True)
    activated_wow_change: int = column("activated_seats - activated_seats_prev_week",
                                       nullable=True)
    qal_wow_change: int = column("qal_seats - qal_seats_prev_week", nullable=True)
    mal_wow_change: int = column("mal_seats - mal_seats_prev_week", nullable=True)
    rmal_wow_change: int = column("rmal_seats - rmal_seats_prev_week", nullable=True)




def family_of(code: str) -> str:
    """SQL: the vocabulary's product family of a product code (when the catalogue lacks it)."""
    return f"CASE {code} " + " ".join(
        f"WHEN '{c}' THEN '{family}'" for c, family in PRODUCT_FAMILY.items()) + " END"
_WOW = ("activated", "qal", "mal", "rmal")


def seat_activation(rule: ActivationRule = ACTIVATION) -> GoldTable:
    levels = _levels(rule)
    today_sums = ", ".join(f"sum({sql}) FILTER (usage_date = {E}) AS {name}"
                           for name, sql in levels.items())
    week_sums = ", ".join(f"sum({levels[f'{name}_seats']}) FILTER (usage_date = {E} - 7) AS "
                          f"{name}_prev" for name in _WOW[1:])
    held = f"{E} - 7 >= {FIRST_PARTITION}"  # the warehouse holds the comparison day
    return GoldTable(
        name="agg_seat_activation",
        model=AggSeatActivation,
        description="Seat activation and usage per account and product family (seed 003, "
        "Aggregate Activation & Usage): entitled, assigned and activated seats, assignment and "
        "activation rates, and the QAL / MAL / RMAL activation levels with their "
        "week-over-week change, on each settled day.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("customer_id", "product_family"),
        sources=(*carry_forward_sources(ENTITLEMENTS), "silver.stg_lic_seat_usage",
                 "silver.stg_lic_seat_events", "gold.dim_product", "gold.dim_account_hierarchy",
                 "gold.dim_customer", "gold.dim_date"),
        foreign_keys=(customer_fk(), SNAPSHOT_DATE_FK),
        source_windows=(("silver.stg_lic_seat_usage", (-8, 0)),
                        ("silver.stg_lic_seat_events", (-ALL_HISTORY, 0)), CALENDAR_WINDOW,
                        *carry_forward_windows(ENTITLEMENTS)),
        grain="one row per account x product family with entitled or activated seats (on E or "
        "E - 7), for the settled day E = D - 1",
        sql=f"""
        WITH today AS {calendar()},
        entitlements AS (  -- the snapshot of D, a rejected row carried from its last good one
            SELECT entitlement_id, customer_id, product_code, seats_entitled, contract_start,
                   carried_from
            FROM {snapshot_as_of(ENTITLEMENTS)}
        ), lost AS (  -- rejected rows nothing could carry: the account and product they name
            SELECT DISTINCT upper(trim({record_field("entitlement_id")})) AS entitlement_id,
                   upper(trim({record_field("customer_id")})) AS customer_id,
                   {canonical(record_field("product_code"), SEAT_PRODUCTS)} AS product_code
            FROM {unrecovered_rejects(ENTITLEMENTS)} r
        ), usage AS (  -- the rows of E and E - 7, each once, whichever partition brought it
            SELECT * FROM silver.stg_lic_seat_usage
            WHERE _partition_date BETWEEN {DAY} - 8 AND {DAY} AND usage_date IN ({E}, {E} - 7)
            QUALIFY row_number() OVER (PARTITION BY entitlement_id, usage_date
                                       ORDER BY _partition_date DESC, _source_row) = 1
        ), used AS (
            SELECT entitlement_id, any_value(customer_id) AS customer_id,
                   any_value(product_code) AS product_code,
                   sum(seats_activated) FILTER (usage_date = {E}) AS activated,
                   {today_sums},
                   sum(usage_minutes) FILTER (usage_date = {E}) AS usage_minutes,
                   bool_or({undelivered("usage_minutes", SILVER_MISSING)})
                       FILTER (usage_date = {E}) AS minutes_unknown,
                   sum(seats_activated) FILTER (usage_date = {E} - 7) AS activated_prev,
                   {week_sums}
            FROM usage GROUP BY entitlement_id
        ), first_snapshots AS (  -- entitlements older than the warehouse
            SELECT DISTINCT entitlement_id FROM silver.stg_lic_seat_entitlements
            WHERE _partition_date BETWEEN {FIRST_PARTITION}
                                      AND least({FIRST_PARTITION} + {FIRST_SNAPSHOTS - 1}, {DAY})
        ), assigned AS (  -- Assigned - Unassigned of entitlements tracked from their start
            SELECT entitlement_id,
                   sum(CASE event_type WHEN 'Assigned' THEN seat_count
                                       WHEN 'Unassigned' THEN -seat_count ELSE 0 END) AS seats
            FROM (SELECT * FROM silver.stg_lic_seat_events
                  WHERE _partition_date <= {DAY} AND _event_date <= {E}
                  QUALIFY row_number() OVER (PARTITION BY seat_event_id
                                             ORDER BY _partition_date) = 1)
            GROUP BY entitlement_id
        ), products AS (  -- family and seat price in force on E
            SELECT product_code, product_family,
                   CASE WHEN price_unit = 'seat per month' THEN list_price END AS seat_price
            FROM {in_force(DIM_PRODUCT)}
            QUALIFY row_number() OVER (PARTITION BY product_code ORDER BY product_id) = 1
        ), seats AS (
            SELECT coalesce(e.customer_id, u.customer_id, l.customer_id) AS customer_id,
                   coalesce(e.product_code, u.product_code, l.product_code) AS product_code,
                   coalesce(e.seats_entitled, 0) AS entitled,
                   e.carried_from IS NOT NULL AS is_carried,
                   e.entitlement_id IS NULL AND (u.activated IS NOT NULL
                                                 OR l.entitlement_id IS NOT NULL) AS is_unknown,
                   coalesce(e.contract_start >= {FIRST_PARTITION}
                            AND (SELECT count(*) > 0 FROM first_snapshots)
                            AND e.entitlement_id NOT IN (
                                SELECT entitlement_id FROM first_snapshots), FALSE)
                       AS is_tracked,
                   greatest(coalesce(a.seats, 0), 0) AS assigned,
                   u.* EXCLUDE (entitlement_id, customer_id, product_code)
            FROM entitlements e
            FULL JOIN used u USING (entitlement_id)
            FULL JOIN (SELECT * FROM lost WHERE customer_id IS NOT NULL
                         AND product_code IS NOT NULL) l USING (entitlement_id)
            LEFT JOIN assigned a ON a.entitlement_id = coalesce(e.entitlement_id,
                                                                u.entitlement_id)
        ), families AS (
            SELECT s.customer_id,
                   coalesce(p.product_family, {family_of("s.product_code")}) AS product_family,
                   count(*) FILTER (s.entitled > 0) AS entitlements,
                   count(*) FILTER (s.is_carried) AS entitlements_carried,
                   count(*) FILTER (s.is_unknown) AS entitlements_unknown,
                   sum(s.entitled) AS entitled_seats,
                   CASE WHEN bool_and(s.is_tracked) THEN sum(s.assigned) END AS assigned_seats,
                   coalesce(sum(s.activated), 0) AS activated_seats,
                   {", ".join(f"coalesce(sum(s.{name}), 0) AS {name}" for name in levels)},
                   CASE WHEN NOT coalesce(bool_or(s.minutes_unknown), FALSE)
                        THEN coalesce(sum(s.usage_minutes), 0) END AS usage_minutes,
                   {money("coalesce(sum(s.entitled * p.seat_price), 0)")}
                       AS entitled_monthly_value,
                   {", ".join(f"CASE WHEN {held} THEN coalesce(sum(s.{n}_prev), 0) END "
                              f"AS {n}_seats_prev_week" for n in _WOW)}
            FROM seats s LEFT JOIN products p USING (product_code)
            GROUP BY ALL
            HAVING entitled_seats > 0 OR activated_seats > 0 OR entitlements_unknown > 0
                OR coalesce(activated_seats_prev_week, 0) > 0
        )
        SELECT {sk("seat_activation", E, "f.customer_id", "f.product_family")}
                   AS seat_activation_key,
               t.fiscal_week, t.is_fiscal_week_end AS is_week_end,
               {sk("customer", "f.customer_id")} AS customer_key, f.customer_id,
               {sk("account", "f.customer_id")} AS account_key,
               h.rollup_account_key, h.geo,
               f.* EXCLUDE (customer_id),
               {ratio("f.assigned_seats", "f.entitled_seats")} AS assignment_rate,
               f.entitlements_unknown = 0 AS is_complete,
               CASE WHEN f.entitlements_unknown = 0
                    THEN {ratio("f.activated_seats", "f.entitled_seats")} END AS activation_rate,
               {ratio("f.activated_seats - f.unused_seats", "f.activated_seats")} AS usage_rate,
               {", ".join(f"f.{n}_seats - f.{n}_seats_prev_week AS {n}_wow_change"
                          for n in _WOW)},
               {settled_columns("licensing")}
        FROM families f CROSS JOIN today t
        LEFT JOIN {in_force(DIM_ACCOUNT_HIERARCHY)} h ON h.account_id = f.customer_id
        """,
    )


# -- agg_account_adoption ---------------------------------------------------------------------


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
        "and customer-success engagement (seed 003: join support tickets and engagement "
        "activities to enrich with adoption context), on each settled day.",
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


# -- metrics ----------------------------------------------------------------------------------

_DAY = "The settled day E = D - 1 (written in partition D); is_week_end marks the weekly figure"
_SEATS = ("entitlement snapshot received on D, an entitlement whose row was rejected counted "
          f"from its last good row of the {CARRY_FORWARD_DAYS} days before (entitlements_carried); "
          "seat-usage row of E (late rows included); cancelled entitlements count 0 seats")


def _metric(name: str, formula: str, filters: str = _SEATS, table: str = "agg_seat_activation",
            grain: str = "account x product family x day") -> Metric:
    return Metric(name, table, formula, grain, filters, _DAY, SEED)


METRICS = [
    _metric("Entitled seats", "sum(seats_entitled) of the account's entitlements in the family"),
    _metric("Assigned seats", "sum over seat events received by D with event date <= E of "
            "seat_count (Assigned) - seat_count (Unassigned)",
            "only when every entitlement of the row started after the warehouse's first "
            f"partition and is in none of its first {FIRST_SNAPSHOTS} entitlement snapshots "
            "(else empty: the source has no assigned-seat level)"),
    _metric("Activated seats", "sum(seats_activated) of the seat-usage rows of E"),
    _metric("Assignment rate", "assigned_seats / entitled_seats", "empty when either is unknown "
            "or entitled_seats = 0"),
    _metric("Activation rate", "activated_seats / entitled_seats",
            "empty when entitled_seats = 0, or when an entitlement's seats are unknown "
            "(entitlements_unknown > 0: rejected with nothing to carry, or usage without a "
            "snapshot row; is_complete false); account level in agg_account_adoption (all "
            "families)"),
    _metric("QAL / MAL / RMAL seats", "activated seats by the days each was used in the 7 days "
            f"to E: {ACTIVATION.describe()} (ActivationRule, configurable)"),
    _metric("Week-over-week QAL / MAL / RMAL change", "level(E) - level(E - 7), per level and "
            "for activated seats", "empty when the warehouse does not hold E - 7"),
    _metric("Usage rate", "(activated_seats - unused_seats) / activated_seats",
            "unused = activated seats used on fewer days than RMAL asks"),
    _metric("Support tickets opened (7 / 30 days)", "count of distinct tickets with open_date "
            "in the 7 / 30 days to E", "fact_support_ticket, each ticket as of E's close",
            "agg_account_adoption", "account x day"),
    _metric("Competitor mentions", "count of engagement activities in the 90 days to E whose "
            f"notes contain one of: {', '.join(HEALTH.competitor_words)} (case-insensitive)",
            "fact_engagement_activity by event_date; notes from a file without them are "
            "unknown, counted apart (unknown_notes_90d)", "agg_account_adoption",
            "account x day"),
]

TABLES = [FACT_ENGAGEMENT_ACTIVITY, seat_activation(), account_adoption()]
