"""``gold.agg_seat_activation``: seat activation and usage per account and product family, on
each settled day.

Entitled seats come from the day's entitlement snapshot, activated seats and their QAL / MAL /
RMAL levels from the seat-usage rows. Licensing delivers no assigned-seat level, so assigned
seats are the running balance of seat events, empty rather than wrong where the warehouse lacks
an entitlement's whole history (docs/revops.md).
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.commerce.dim_product import DIM_PRODUCT
from customer_platform.gold.completeness import (
    CARRY_FORWARD_DAYS,
    SILVER_MISSING,
    canonical,
    carry_forward_sources,
    carry_forward_windows,
    record_field,
    snapshot_as_of,
    snapshot_table,
    undelivered,
    unrecovered_rejects,
)
from customer_platform.gold.customer.dim_account_hierarchy import DIM_ACCOUNT_HIERARCHY
from customer_platform.gold.revops._activation import _count, _metric
from customer_platform.gold.revops._common import (
    CALENDAR_WINDOW,
    DAY,
    DOMAIN,
    SEED,
    SNAPSHOT_DATE_FK,
    E,
    calendar,
    in_force,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._rules import ACTIVATION, ActivationRule
from customer_platform.gold.sql import customer_fk, exact_sum, sk
from customer_platform.settings import partition_start
from customer_platform.vocabulary import PRODUCT_FAMILY, SEAT_PRODUCTS

#: a window long enough to mean "every partition up to D" (the seat-event balance)
ALL_HISTORY = 3650
FIRST_PARTITION = f"DATE '{partition_start().isoformat()}'"
#: An entitlement in none of the first partitions' snapshots (so many that a dirty row rejected
#: on one day is still seen) and whose current term began since is tracked from its start.
FIRST_SNAPSHOTS = 3
ENTITLEMENTS = snapshot_table("lic_seat_entitlements")


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
        description="Seat activation and usage per account and product family: entitled, assigned "
        "and activated seats, assignment and "
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
                   {exact_sum("usage_minutes", f"usage_date = {E}")} AS usage_minutes,
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
                        THEN coalesce({exact_sum("s.usage_minutes")}, 0) END AS usage_minutes,
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


AGG_SEAT_ACTIVATION = seat_activation()

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
]
