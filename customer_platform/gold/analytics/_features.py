"""The feature catalogue: every churn feature defined once, and the SQL and docs made from it.

A ``Feature`` is a name, a definition, a window, the gold table(s) it comes from and one SQL
expression, of one of four kinds: window, recency, attribute, derived. customer_360 computes
them all in one ``SELECT``, churn_features projects them, the model reads each one's
``scaling``, and docs/churn_features.md is written from the same list: adding a feature is
adding one entry. How windows, observed days and incomplete days work: docs/analytics.md.
"""

import dataclasses
from typing import Literal

from customer_platform import scope
from customer_platform.contracts.base import column
from customer_platform.gold.analytics._common import LONGEST_WINDOW, observed_days
from customer_platform.gold.analytics.customer_daily_summary import (
    ACTIVITY_MEASURES,
    ALL_ACTIVITY_MEASURES,
    ALL_FACTS,
    ALL_MEASURES,
    MEASURE_FACTS,
    MEASURES,
    PARTIAL_MEASURES,
)
from customer_platform.gold.base import GoldModel
from customer_platform.gold.sql import DAY, only_where
from customer_platform.vocabulary import CUSTOMER_SEGMENTS, CUSTOMER_TIERS

Kind = Literal["window", "recency", "attribute", "derived"]
#: How the model prepares a feature: log1p of a count or amount, a ratio clipped to [0, 10],
#: a 0/1 flag, or as is.
Scaling = Literal["log", "ratio", "flag", "linear"]
SUMMARY = "gold.customer_daily_summary"
CUSTOMER = "gold.dim_customer_versions"


@dataclasses.dataclass(frozen=True)
class Feature:
    name: str
    definition: str
    window: str  # "30 days", "as of D", ...
    source: str  # the gold table(s) the value comes from
    sql: str  # expression in customer_360's SELECT (may use earlier features by name)
    dtype: type = float
    kind: Kind = "derived"
    scaling: Scaling = "ratio"
    #: window and recency features: the aggregate over the summary rows (alias ``_w_<name>``)
    aggregate: str = ""
    #: the gold facts the feature needs, all of them; ``"a|b"`` is either (default: the
    #: facts named in ``source``). Without them the feature is absent: an empty column.
    needs: tuple[str, ...] = ()
    #: empty where an optional CRM column it reads was not delivered (crm.customers)
    unknown_when_undelivered: bool = False

    @property
    def requirements(self) -> tuple[str, ...]:
        return self.needs or tuple(part.removeprefix("gold.") for part in self.source.split(", ")
                                   if part.startswith("gold.fact_"))

    @property
    def absent(self) -> bool:
        """A fact it needs is not built: its source system is not declared."""
        return not all(any(scope.built(f"gold.{fact}") for fact in need.split("|"))
                       for need in self.requirements)

    def needed_systems(self) -> str:
        """The source systems the feature needs, for the docs ("billing or commerce")."""
        return ", ".join(" or ".join(dict.fromkeys(FACT_SYSTEMS[f] for f in need.split("|")))
                         for need in self.requirements) or "crm"


#: The source system of each fact a feature can need.
FACT_SYSTEMS = {**{fact: system for fact, (system, _) in ALL_FACTS.items()},
                "fact_license_utilization": "platform"}
#: "Any of the facts whose measures make an active day".
ACTIVITY = "|".join(dict.fromkeys(MEASURE_FACTS[m] for m in ALL_ACTIVITY_MEASURES))


#: The trailing windows (days, D included). Windows are summed in two steps: the summary rows
#: of the year are summed per customer into disjoint bands of days ago (0-6, 7-29, 30-89,
#: 90-364: ``BAND``), then each window adds its bands - one pass of plain sums over the year
#: instead of one filtered sum per feature.
WINDOWS = (7, 30, 90, LONGEST_WINDOW)
BAND = "CASE " + " ".join(f"WHEN activity_date > {DAY} - {days} THEN {i}"
                          for i, days in enumerate(WINDOWS[:-1])) + f" ELSE {len(WINDOWS) - 1} END"
ACTIVE_DAY_WINDOWS = (7, 30, 90)
#: The purchase events of RFM, one set for recency, frequency and monetary value: billing
#: charges (fees, renewals, add-ons; not refunds) and fulfilled orders (not cancelled or
#: returned). Invoices are left out: they bill the fees already counted here.
ALL_PURCHASE_MEASURES = ("billing_charges", "completed_orders")
PURCHASE_MEASURES = tuple(m for m in ALL_PURCHASE_MEASURES if m in {x.name for x in MEASURES})
PURCHASE = "|".join(MEASURE_FACTS[m] for m in ALL_PURCHASE_MEASURES)
#: (name, what, condition on a summary row, source, needs): the days-since-last features.
RECENCY_EVENTS = (
    ("activity", "active day", "is_active_day", SUMMARY, (ACTIVITY,)),
    ("payment", "invoice payment", "invoices_paid > 0", "gold.fact_invoice", ()),
    ("ticket", "support ticket", "tickets_opened > 0", "gold.fact_support_ticket", ()),
    ("order", "order", "orders > 0", "gold.fact_order", ()),
    ("purchase", "purchase (billing charge or fulfilled order)",
     " OR ".join(f"{m} > 0" for m in PURCHASE_MEASURES), "gold.fact_billing, gold.fact_order",
     (PURCHASE,)),
    ("meeting", "meeting hosted", "meetings_hosted > 0", "gold.fact_meeting_usage", ()),
)


def _in_window(days: int) -> str:
    return f"band <= {WINDOWS.index(days)}"


def _unknown_day(measure) -> str:
    return f"_unknown_day_{measure.name}"


def unknown_days(measure_name: str, days: int) -> str:
    """The feature counting the days of a ``days`` window whose measure is incomplete."""
    return f"{measure_name}_unknown_days_{days}d"


def _incomplete_days_sql(where: str) -> str:
    """SQL subquery: the few customer-days ``where`` selects on which a measure over an
    optional column is incomplete (a row, in any partition, counted rows that did not deliver
    the column), one flag per such measure."""
    found = ", ".join(f"bool_or({m.undelivered_rows} > 0) AS {_unknown_day(m)}"
                      for m in PARTIAL_MEASURES)
    lacking = " OR ".join(f"{m.undelivered_rows} > 0" for m in PARTIAL_MEASURES)
    return (f"(SELECT customer_key, activity_date, {found} FROM {SUMMARY} "
            f"WHERE ({where}) AND ({lacking}) GROUP BY customer_key, activity_date)")


def summary_rows_sql(where: str) -> str:
    """SQL subquery: the summary rows ``where`` selects, each flagged per measure over an
    optional column when its day is incomplete."""
    if not PARTIAL_MEASURES:
        return f"(SELECT * FROM {SUMMARY} WHERE {where})"
    # The incomplete customer-days are found first and joined back: a window over every
    # customer-day of a year of summaries cost customer_360 three times its time at 100k.
    flags = "".join(f", coalesce(u.{_unknown_day(m)}, FALSE) AS {_unknown_day(m)}"
                    for m in PARTIAL_MEASURES)
    return (f"(SELECT s.*{flags} FROM {SUMMARY} s LEFT JOIN {_incomplete_days_sql(where)} u "
            f"USING (customer_key, activity_date) WHERE {where})")


def unknown_days_by_band_sql(where: str) -> str:
    """SQL subquery: per customer and band, the days whose measure over an optional column is
    unknown, counted from the few incomplete days (a distinct count over every summary row
    cost customer_360 two thirds of its time at 100k)."""
    if not PARTIAL_MEASURES:  # no measure over an optional column: no day is incomplete
        return "(SELECT NULL::VARCHAR AS customer_key, NULL::INTEGER AS band WHERE FALSE)"
    counts = ", ".join(f"count({only_where(_unknown_day(m))}) AS {m.name}_unknown_days"
                       for m in PARTIAL_MEASURES)
    return (f"(SELECT customer_key, {BAND} AS band, {counts} "
            f"FROM {_incomplete_days_sql(where)} GROUP BY customer_key, band)")


def _exact(measure) -> str:
    """A measure as a fixed-point number: a parallel sum of floating-point values depends on
    the order the threads meet them, so the same day gave different last digits run to run."""
    return f"CAST({measure.name} AS DECIMAL(18, 6))" if measure.dtype is float else measure.name


# the mask of ``_active_days_sql`` is a HUGEINT: 127 bits, a bit per day of its longest window
assert max(ACTIVE_DAY_WINDOWS) <= 127


def _active_days_sql() -> str:
    """SQL aggregate: the distinct active days of the last 90 in a band's summary rows, as the
    bits of a mask (bit k: the day k days before D) OR-ed together and counted. A day loaded
    twice sets its bit twice. A distinct count over the 90 days' rows made customer_360's
    bands at 500,000 customers cost 45.5 s against 31.8 s for a year of summaries."""
    recent = f"is_active_day AND activity_date > {DAY} - {max(ACTIVE_DAY_WINDOWS)}"
    bit = f"CAST(1 AS HUGEINT) << CAST({DAY} - activity_date AS HUGEINT)"
    return f"CAST(coalesce(bit_count(bit_or({only_where(recent, bit)})), 0) AS BIGINT)"


def band_columns_sql() -> str:
    """Per customer and band: every measure summed (one over an optional column on its
    complete days only), the active days, the last day of each recency event."""
    columns = [f"sum({only_where(f'NOT {_unknown_day(m)}', _exact(m))}) AS {m.name}" if m.column
               else f"sum({_exact(m)}) AS {m.name}" for m in MEASURES]
    columns.append(f"{_active_days_sql()} AS active_days")
    columns += [f"max({only_where(condition, 'activity_date')}) AS last_{name}"
                for name, what, condition, source, needs in RECENCY_EVENTS
                if not _recency(name, what, condition, source, needs).absent]
    return ",\n               ".join(columns)


def _window_features() -> list[Feature]:
    features = []
    for m in ALL_MEASURES:
        known = f", on the days whose {m.column} was delivered" if m.column else ""
        for days in m.windows:
            name = f"{m.name}_{days}d"
            features.append(Feature(
                name=name, definition=f"{m.description} in the {days} days ending D{known}",
                window=f"{days} days", source=f"gold.{m.source}", sql=f"coalesce(_w_{name}, 0)",
                dtype=m.dtype, kind="window", scaling="log",
                aggregate=f"CAST(sum({only_where(_in_window(days), _exact(m))}) AS "
                f"{'DOUBLE' if m.dtype is float else 'BIGINT'})"))
        for days in m.windows if m.column else ():
            name = unknown_days(m.name, days)
            features.append(Feature(
                name=name, definition=f"Days of the {days} ending D whose {m.name} is unknown "
                f"(a row from a file without {m.column}): left out of {m.name}_{days}d",
                window=f"{days} days", source=f"gold.{m.source}", sql=f"coalesce(_w_{name}, 0)",
                dtype=int, kind="window", scaling="log",
                aggregate=f"sum({only_where(_in_window(days), f'{m.name}_unknown_days')})"))
    for days in ACTIVE_DAY_WINDOWS:
        name = f"active_days_{days}d"
        features.append(Feature(
            name=name, definition=f"Days with any use ({', '.join(ACTIVITY_MEASURES)}) in the "
            f"{days} days ending D", window=f"{days} days", source=SUMMARY,
            sql=f"coalesce(_w_{name}, 0)", dtype=int, kind="window", scaling="log",
            aggregate=f"sum({only_where(_in_window(days), 'active_days')})", needs=(ACTIVITY,)))
    return features


def _recency(name: str, what: str, condition: str, source: str, needs=()) -> Feature:
    return Feature(
        name=f"days_since_last_{name}",
        definition=f"Days from the last {what} to D; the days observed (at most "
        f"{LONGEST_WINDOW}) when none was seen", window=f"{LONGEST_WINDOW} days", source=source,
        sql=f"coalesce({DAY} - _w_days_since_last_{name}, {obs(LONGEST_WINDOW)})", dtype=int,
        kind="recency", scaling="log", aggregate=f"max(last_{name})", needs=needs)


def obs(days: int) -> str:
    """SQL: the days of the ``days``-day window observed for this customer."""
    return observed_days(days, "signup_date")


PARTIAL = {m.name for m in PARTIAL_MEASURES}


def known_days(measure: str, days: int) -> str:
    """SQL: the days of the ``days`` window the measure's rate divides by: those observed,
    less (for a measure over an optional column) those whose figure is incomplete."""
    if measure not in PARTIAL:
        return obs(days)
    return f"nullif(greatest({obs(days)} - {unknown_days(measure, days)}, 0), 0)"


def trend(measure: str, short: int, long: int) -> Feature:
    known = " (days whose figure is known)" if measure in PARTIAL else ""
    needs = (ACTIVITY if measure == "active_days" else MEASURE_FACTS[measure],)
    return Feature(
        name=f"{measure}_trend_{short}_{long}",
        definition=f"Daily rate of {measure} over the last {short} days divided by the daily "
        f"rate over the last {long} days{known} (1 = steady, below 1 = falling); empty without "
        f"use in the {long} days",
        window=f"{short} vs {long} days", source=SUMMARY,
        sql=f"({measure}_{short}d / {known_days(measure, short)}) / "
            f"nullif({measure}_{long}d / {known_days(measure, long)}, 0)", needs=needs)


def ratio(name: str, numerator: str, denominator: str, definition: str, window: str,
          source: str = SUMMARY, scaling: Scaling = "ratio", unknown: str = "") -> Feature:
    """``numerator / denominator``; withheld (empty) while the feature ``unknown`` (a count
    of days whose figure is incomplete) is above 0."""
    sql = f"CAST({numerator} AS DOUBLE) / nullif({denominator}, 0)"
    if unknown:
        definition += f"; empty while {unknown} > 0"
        sql = f"CASE WHEN {unknown} = 0 THEN {sql} END"
    return Feature(name=name, definition=f"{definition}; empty when {denominator} is 0",
                   window=window, source=source, sql=sql, scaling=scaling)


def flag(name: str, rule: str, sql: str, window: str, needs=()) -> Feature:
    return Feature(name=name, definition=f"Early warning: {rule}", window=window,
                   source="gold.customer_360 features", sql=sql, dtype=bool, scaling="flag",
                   needs=needs)


def present_sum(terms, days: int | str = "") -> str:
    """SQL: ``terms`` ((sign, measure) pairs) of the measures built, added up (window
    ``days``): the parts of a total that combines systems, so a company without one of them
    gets the total of the others."""
    built = {m.name for m in MEASURES}
    suffix = f"_{days}d" if days else ""
    parts = [(sign, f"{m}{suffix}") for sign, m in terms if m in built]
    return "".join(f" {sign} {p}" if i else ("-" if sign == "-" else "") + p
                   for i, (sign, p) in enumerate(parts))


TIERS = CUSTOMER_TIERS
SEGMENT_FLAGS = [
    Feature(name=f"is_{segment.lower()}", definition=f"Traditional segment is {segment} "
            "(empty where the CRM does not deliver the segment)",
            window="as of D", source=CUSTOMER, sql=f"customer_segment = '{segment}'", dtype=bool,
            kind="attribute", scaling="flag", unknown_when_undelivered=True)
    for segment in CUSTOMER_SEGMENTS]

ATTRIBUTES = [
    Feature("tenure_days", "Days from signup to D", "as of D", CUSTOMER,
            f"{DAY} - signup_date", int, "attribute", "log"),
    *SEGMENT_FLAGS,
    Feature("tier_rank", "Customer tier as a rank: " + ", ".join(
        f"{t} {i}" for i, t in enumerate(TIERS, 1)) + " (0 for an inferred member's "
            "'Unknown'; empty where the CRM does not deliver the tier)", "as of D", CUSTOMER,
            "CASE WHEN customer_tier IS NOT NULL THEN CASE customer_tier " + " ".join(
                f"WHEN '{t}' THEN {i}" for i, t in enumerate(TIERS, 1)) + " ELSE 0 END END",
            int, "attribute", "linear", unknown_when_undelivered=True),
    Feature("is_inactive_status", "CRM status is Inactive (suspended) on D", "as of D",
            CUSTOMER, "status = 'Inactive'", bool, "attribute", "flag"),
    Feature("days_in_status", "Days since the customer's current CRM status began", "as of D",
            CUSTOMER, f"{DAY} - status_since", int, "attribute", "log"),
    Feature("licences_held", "Platform licences of the customer's users in the licence "
            "snapshot loaded on D (gold's settled day, D-1) whose being in force is known",
            "as of D",
            "gold.fact_license_utilization", "coalesce(licences_held_on_day, 0)",
            int, "attribute", "log"),
    Feature("licences_active", "Of those, licences in force on their snapshot day", "as of D",
            "gold.fact_license_utilization", "coalesce(licences_active_on_day, 0)", int,
            "attribute", "log"),
]

RECENCY = [_recency(*event) for event in RECENCY_EVENTS]

REVENUE = "gold.fact_billing, gold.fact_order"
NET_REVENUE = (("+", "recurring_revenue"), ("+", "addon_revenue"), ("+", "order_value"),
               ("-", "refund_amount"))
DERIVED = [
    *(Feature(f"net_revenue_{d}d", f"Recurring + add-on revenue + fulfilled order value - "
              f"refunds in the {d} days ending D", f"{d} days", REVENUE,
              present_sum(NET_REVENUE, d), scaling="log", needs=(PURCHASE,))
      for d in (30, 90, 365)),
    Feature("purchases_365d", "Purchase events in the last 365 days: billing charges "
            "(fees, renewals, add-ons) + fulfilled orders (the F of RFM)", "365 days", REVENUE,
            present_sum((("+", m) for m in ALL_PURCHASE_MEASURES), 365), int, scaling="log",
            needs=(PURCHASE,)),
    Feature("monthly_revenue_90d", "Average monthly net revenue over the last 90 days "
            "(net_revenue_90d per observed day x 30)", "90 days", REVENUE,
            f"net_revenue_90d / {obs(90)} * 30", scaling="log", needs=(PURCHASE,)),
    Feature("revenue_growth_30d", "Net revenue per day in the last 30 days relative to the 60 "
            "days before (0 = flat, -0.5 = halved); empty without revenue before",
            "30 vs 31-90 days", REVENUE,
            f"(net_revenue_30d / {obs(30)}) / nullif((net_revenue_90d - net_revenue_30d) / "
            f"nullif({obs(90)} - {obs(30)}, 0), 0) - 1", scaling="linear", needs=(PURCHASE,)),
    trend("data_mb", 7, 30), trend("data_mb", 30, 90), trend("data_mb", 90, 365),
    trend("sessions", 7, 30), trend("sessions", 30, 90),
    trend("network_minutes", 7, 30), trend("lines_used", 7, 30),
    trend("meetings_hosted", 7, 30), trend("meetings_hosted", 30, 90),
    trend("active_days", 7, 30), trend("active_days", 30, 90),
    trend("tickets_opened", 30, 365),
    ratio("drop_rate_30d", "dropped_sessions_30d", "sessions_30d",
          "Share of network sessions dropped in the last 30 days", "30 days",
          "gold.fact_network_usage"),
    ratio("data_mb_per_line_day_30d", "data_mb_30d", "lines_used_30d",
          "Data (MB) per used line-day in the last 30 days", "30 days",
          "gold.fact_network_usage", "log", unknown_days("data_mb", 30)),
    ratio("avg_days_to_pay_365d", "days_to_pay_365d", "dated_payments_365d",
          "Average days from invoice to payment over the last 365 days (payments with a "
          "known day)", "365 days", "gold.fact_invoice", "log"),
    ratio("late_payment_rate_365d", "late_payments_365d", "dated_payments_365d",
          "Share of the invoices paid in the last 365 days paid late (of those whose payment "
          "day is known: an unknown one is neither late nor on time)", "365 days",
          "gold.fact_invoice"),
    ratio("overdue_rate_90d", "invoices_overdue_90d", "invoices_issued_90d",
          "Invoices gone overdue per invoice issued in the last 90 days", "90 days",
          "gold.fact_invoice"),
    ratio("payment_coverage_90d", "paid_amount_90d", "invoiced_amount_90d",
          "Amount paid per amount invoiced in the last 90 days", "90 days",
          "gold.fact_invoice"),
    ratio("avg_satisfaction_365d", "satisfaction_points_365d", "satisfaction_responses_365d",
          "Average satisfaction score (1-5) over the last 365 days", "365 days",
          "gold.fact_support_ticket", "linear"),
    ratio("avg_satisfaction_90d", "satisfaction_points_90d", "satisfaction_responses_90d",
          "Average satisfaction score (1-5) over the last 90 days", "90 days",
          "gold.fact_support_ticket", "linear"),
    ratio("avg_resolution_hours_90d", "resolution_hours_90d", "timed_resolutions_90d",
          "Average hours to resolve a ticket over the last 90 days (tickets whose resolution "
          "time is known)", "90 days", "gold.fact_support_ticket", "log"),
    *(ratio(f"campaign_{rate}_rate_365d", f"campaign_{events}_365d", "campaign_messages_365d",
            f"Campaign {events} per message sent in the last 365 days", "365 days",
            "gold.fact_campaign_target", unknown=unknown_days(f"campaign_{events}", 365))
      for rate, events in (("open", "opens"), ("response", "responses"),
                           ("conversion", "conversions"))),
    ratio("average_order_value_365d", "order_value_365d", "completed_orders_365d",
          "Average value of a fulfilled order in the last 365 days", "365 days",
          "gold.fact_order", "log"),
    ratio("order_cancellation_rate_365d", "cancelled_orders_365d", "orders_365d",
          "Share of orders cancelled or returned in the last 365 days", "365 days",
          "gold.fact_order"),
    ratio("refund_rate_365d", "refund_amount_365d",
          "recurring_revenue_365d + addon_revenue_365d",
          "Refunds per amount billed in the last 365 days", "365 days", "gold.fact_billing"),
    ratio("licence_activation_rate", "licences_active", "licences_held",
          "Share of the customer's platform licences in force on D", "as of D",
          "gold.fact_license_utilization"),
    ratio("meetings_per_licence_30d", "meetings_hosted_30d", "licences_active",
          "Meetings hosted in the last 30 days per licence in force", "30 days",
          "gold.fact_meeting_usage, gold.fact_license_utilization", "log"),
]

USAGE_DROPS = (("data_mb", "fact_network_usage"), ("meetings_hosted", "fact_meeting_usage"))
FLAGS = [
    flag("flag_usage_drop", "network data or meetings per day in the last 30 days below 60% "
         "of the 90-day rate", " OR ".join(
             f"coalesce({m}_trend_30_90 < 0.6, FALSE)" for m, fact in USAGE_DROPS
             if scope.built(f"gold.{fact}")), "30 vs 90 days",
         ("|".join(fact for _, fact in USAGE_DROPS),)),
    flag("flag_payment_issue", "an invoice went overdue in the last 30 days or one was paid "
         "late in the last 90", "invoices_overdue_30d > 0 OR late_payments_90d > 0",
         "30-90 days", ("fact_invoice",)),
    flag("flag_support_distress", "2+ tickets or a high-priority ticket in the last 30 days, "
         "or a satisfaction answer of 1-2 in the last 90",
         "tickets_opened_30d >= 2 OR high_priority_tickets_30d > 0 OR low_satisfaction_90d > 0",
         "30-90 days", ("fact_support_ticket",)),
    flag("flag_inactive_status", "CRM status Inactive (suspended)", "is_inactive_status",
         "as of D"),
    flag("flag_no_recent_activity", "no active day in the last 14 days",
         "days_since_last_activity > 14", "14 days", (ACTIVITY,)),
    flag("flag_campaign_disengaged", "2+ campaign messages in the last 90 days and none opened "
         "(not raised while a day's opens are unknown)",
         f"campaign_messages_90d >= 2 AND campaign_opens_90d = 0 "
         f"AND {unknown_days('campaign_opens', 90)} = 0", "90 days", ("fact_campaign_target",)),
]
RAISED_FLAGS = [f for f in FLAGS if not f.absent]
WARNING_COUNT = Feature(
    "early_warning_count", "Number of early-warning flags raised (" +
    ", ".join(f.name for f in RAISED_FLAGS) + ")", "as of D", "gold.customer_360 features",
    " + ".join(f"CAST({f.name} AS INTEGER)" for f in RAISED_FLAGS), int, scaling="linear")

SQL_TYPES = {float: "DOUBLE", int: "BIGINT", bool: "BOOLEAN"}


def _as_built(feature: Feature) -> Feature:
    """``feature`` as this deployment computes it: an absent one is an empty column."""
    if not feature.absent:
        return feature
    return dataclasses.replace(feature, sql=f"CAST(NULL AS {SQL_TYPES[feature.dtype]})",
                               aggregate="")


FEATURES: tuple[Feature, ...] = tuple(_as_built(f) for f in (
    *ATTRIBUTES, *_window_features(), *RECENCY, *DERIVED, *FLAGS, WARNING_COUNT))
#: The features the churn model trains on: those the declared systems give.
MODEL_FEATURES = tuple(f for f in FEATURES if not f.absent)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES), "feature names must be unique"
assert {w for m in ALL_MEASURES for w in m.windows} <= set(WINDOWS), "a window without a band"


def feature_column(feature):
    """The Pandera column of a catalogue feature (nullable when its SQL can give null)."""
    return column(f"{feature.definition} [{feature.window}; {feature.source}]",
                  nullable="nullif(" in feature.sql or feature.absent
                  or feature.unknown_when_undelivered)


def model_with_features(name: str, identity: dict, tail: dict | None = None
                        ) -> type[GoldModel]:
    """A gold model: ``identity`` columns, then every catalogue feature, then ``tail``."""
    columns = {**identity, **{f.name: (f.dtype, feature_column(f)) for f in FEATURES},
               **(tail or {})}
    return type(name, (GoldModel,), {
        "__annotations__": {n: dtype for n, (dtype, _) in columns.items()},
        **{n: field for n, (_, field) in columns.items()}, "__module__": __name__})


def window_aggregates_sql() -> str:
    """The windowed aggregates over the banded rows, one ``_w_<name>`` column each."""
    return ",\n               ".join(f"{f.aggregate} AS _w_{f.name}"
                                     for f in FEATURES if f.aggregate)


def select_sql() -> str:
    """Every feature as ``expr AS name``, in catalogue order (later ones may use earlier)."""
    return ",\n           ".join(f"{f.sql} AS {f.name}" for f in FEATURES)


def features_doc() -> str:
    """docs/churn_features.md: the catalogue as a table."""
    lines = [
        "# Churn features",
        "",
        "Generated by `customer-platform docs` from the feature catalogue "
        "(`customer_platform/gold/analytics/_features.py`); do not edit by hand. "
        f"{len(FEATURES)} features, each defined once; `gold.customer_360` computes them, "
        "`gold.churn_features` holds them for the active customers (status Active or "
        "Inactive) of each day, without labels (`gold.churn_labels` is separate).",
        "",
        "Point in time: the row of day D uses only fact rows received by D whose business "
        "day is on or before D, and the customer's dimension versions loaded by D. Windows "
        "end on D and include it; they are sums of `gold.customer_daily_summary` rows, so a "
        "day's cost does not grow with history. Rates per day divide by the days observed "
        "(the window, cut at the warehouse's first day and the customer's signup).",
        "",
        "`needs` names the source systems a feature comes from: in a deployment that does not "
        "declare them (CUSTOMER_PLATFORM_SOURCES, docs/your_data.md) the feature is an empty "
        "column and the churn model trains without it.",
        "",
        "| # | feature | kind | window | source | needs | type | model scaling | definition |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i, f in enumerate(FEATURES, 1):
        definition = f.definition.replace("|", "\\|")
        lines.append(f"| {i} | `{f.name}` | {f.kind} | {f.window} | {f.source} | "
                     f"{f.needed_systems()} | {f.dtype.__name__} | {f.scaling} | {definition} |")
    return "\n".join([*lines, ""])
