"""Rules for dirty and incomplete input: what a rejected row, a column that was not
delivered, or a period the warehouse has not fully seen means downstream.

The principle: what was not delivered is unknown, never zero. A metric either carries the
last good value forward with a flag, says it is incomplete, or leaves the entity out, and
the choice is written down here, per table, where ``docs/metrics.md`` shows it.

### Rejected rows of snapshot tables

A snapshot extract delivers every entity every day, so an entity missing from a day's silver
rows either left the source or had its row rejected (``silver.stg_<code>_<table>_rejects``
keeps the row whole). A rejected row never makes its entity vanish. Gold tables that read a
snapshot by day read it through ``snapshot_as_of``: the day's silver rows plus, for each key
rejected that day (read from the reject's record, spelled as silver spells it) and absent
from the day's rows, its last good row of the 7 partitions before (``CARRY_FORWARD_DAYS``,
declared in the table's source windows, so any day order gives the same rows), flagged with
the day it was carried from. A rejected row with nothing to carry (no good row in the
look-back, or a broken key) is in ``unrecovered_rejects``: the metric says it is
incomplete, never zero. Per snapshot table:

- ``lic.seat_entitlements`` (agg_seat_activation): carried forward
  (``entitlements_carried``). An entitlement with nothing to carry, or with seat usage on E
  but no snapshot row, is unknown (``entitlements_unknown``): its seats are not in
  ``entitled_seats``, ``is_complete`` is false and the activation and assignment rates are
  empty. agg_account_adoption and agg_account_health inherit ``is_complete``; an account
  whose seats are not all known has no activation rate nor installed-base coverage, scores
  no points for them and is at least Yellow: never Green on missing evidence.
- ``crm.sales_quota_plan`` (agg_pipeline_daily and its roll-ups): carried forward
  (``qrf_carried_from``). A segment whose row has nothing to carry has ``is_qrf_rejected``
  and an empty QRF, coverage, gap and gap ratio (a field of the record that cannot be read
  matches every value, so the flag errs on the side of "unknown").
- ``crm.customers``, ``crm.account_hierarchy``, ``mkt.campaigns``,
  ``prv.service_catalogue``, ``sup.kb_articles``, ``plt.users``, ``cat.products``: SCD type 2
  dimensions. A day's rejected row adds no version, so the entity's last version stays in
  force (the carry-forward is the dimension itself); it is written again when its row comes
  back (``snapshot_filter``), and an entity referenced before any good row is an inferred
  member.
- ``cat.discount_bands`` (band prices of dim_product, fact_order_line's band): carried
  forward (``bands_carried_from``, ``discount_band_carried_from``). A band whose row has
  nothing to carry (a code that cannot be read names every band the day lacks) is unknown:
  dim_product lists its price in ``undelivered_columns``, so the view keeps the last known
  price (empty with none) and no version opens by itself; an order line whose quantity is in
  no known band has ``is_discount_band_unknown``, not "no band".
- ``plt.licenses`` (fact_license_utilization, a periodic snapshot of D - 1, the settled day
  E): carried forward (``carried_from``) from the 7 partitions before E. A carried row stands
  for E's snapshot: its ``snapshot_date`` and ``license_day_key`` are E's, and it is judged
  in force on E. A license whose row has nothing to carry is unknown: agg_license_utilization
  counts it in ``unknown_licenses`` of the type its record names (of every type when that
  cannot be read), outside ``assigned_licenses``, and withholds the type's
  ``utilization_rate``.

### Columns that were not delivered

A file may lack an optional contract column (a file lacking a required one is refused).
Bronze fills it with nulls and names it, on every row of the file, in ``_missing_columns``;
silver keeps that column, and gold calls it ``undelivered_columns``. Such a null means
"unknown", never "empty": it must not overwrite a known value nor count as "not done".
``undelivered(column)`` is the SQL test.

- SCD2 dimensions (``gold/scd2.py``: dim_customer, dim_user, dim_opportunity, dim_campaign,
  dim_support_ticket, dim_account_hierarchy, dim_product, dim_meeting and dim_webinar, whose
  topic is optional): the stored versions keep the nulls and the list, so a partition stays a
  pure function of its silver days; the view gives a column that was not delivered (and a
  column computed from it, ``derived``) the entity's last delivered value, before it folds
  unchanged versions. A file without ``company`` therefore neither blanks a user's company
  nor opens a version by itself; a value delivered empty is still a change. With no earlier
  delivery the value stays empty: unknown.
- ``fact_support_ticket`` keeps the nulls (a fact row is the change as received) and says
  which they are in ``undelivered_columns``.
- ``agg_ticket_resolution``: a Resolved change whose file lacked ``resolved_at`` is a
  resolution whose time is unknown. It counts in ``resolved_tickets``; its hours are those of
  the ticket's last Resolved change that delivered ``resolved_at`` (in the window), else
  unknown: ``untimed_resolved_tickets`` counts those, and ``avg_resolution_hours`` averages
  the known times only.
- Facts are flagged, not carried (a stored fact partition reads only its own day, so it
  cannot see the entity's last delivery): fact_invoice, fact_service_assignment,
  fact_campaign_target, fact_network_usage, fact_order, fact_order_line and
  fact_engagement_activity keep the nulls and name them in ``undelivered_columns``, and what
  they compute from a missing column is empty, not a value: ``days_to_pay`` and
  ``is_late_payment`` without ``paid_date`` (paid, day unknown), ``days_active`` without
  ``end_date``; fact_campaign_target's ``is_opened``, ``is_responded`` and ``is_converted``
  are empty when their date was not delivered (never "not opened"), and ``response_stage``
  is empty when a step past the furthest delivered one is missing (a delivered conversion
  still settles it). ``order_channel``, ``discount_pct``, ``notes``, ``data_volume_mb`` and
  ``minutes`` stay empty with the flag.
- ``fact_license_utilization`` (a snapshot): an ``end_date`` the day's file lacks is the
  license's last delivered one of the 7 snapshots before (``CARRY_FORWARD_DAYS``, a declared
  window); with none, ``is_active`` is empty (unknown) instead of "in force", and so is
  ``is_used_30d`` when it depends on it. ``agg_license_utilization`` counts those in
  ``unknown_licenses``, outside ``assigned_licenses``, and withholds the type's
  ``utilization_rate``; customer_360's licences held and active count known ones only.
- ``agg_seat_activation``: ``usage_minutes`` is empty (unknown) when a usage row of the day
  came from a file without it, not the sum of the rows that had it.
- customer_daily_summary (analytics): a payment or resolution of unknown time counts as paid
  or resolved but is no base of an average: ``dated_payments`` and ``timed_resolutions``
  divide ``avg_days_to_pay_365d``, ``late_payment_rate_365d`` (an unknown day is neither
  late nor on time) and ``avg_resolution_hours_90d``.
- ``fact_billing``: a ``plan_type`` the file did not deliver is the billing contact's plan in
  force on the event day in dim_user (the user's last delivered plan), empty only without a
  contact or version; ``undelivered_columns`` flags the row, and a re-delivery differing
  only in it is the same event (an arrival column of ``Redelivery``).
- ``fact_order_line``'s discount band: a band's ``max_quantity`` the day's bands file lacks
  is the band's last delivered one of the 7 snapshots before (``last_delivered``; a
  delivered empty is open-ended), else the band's top is unknown: a quantity inside a known
  band is in it (bands do not overlap), one that is at least such a band's ``min_quantity``
  and in no known band has ``is_discount_band_unknown`` (never read as open-ended, which put
  every quantity in band A).
- ``agg_account_adoption``: ``competitor_mentions_90d`` counts delivered notes only; an
  activity whose file lacked ``notes`` is in ``unknown_notes_90d`` instead (its mention is
  unknown, not "none"). agg_account_health: with no delivered mention and some notes
  unknown, ``has_competitive_presence`` is empty, adds no points, and the account is Green
  only if it would stay below Yellow with the competitor points added (as for an unknown
  coverage).
- customer_daily_summary's sums and counts over an optional column (``data_mb``,
  ``network_minutes``, ``campaign_opens``, ``campaign_responses``, ``campaign_conversions``)
  add the rows that delivered it, and ``<measure>_undelivered_rows`` counts the others: the
  customer's day is then incomplete for that measure, whichever partition brought the row.
  customer_360 and the churn features leave an incomplete day out whole: the measure's
  windows sum the complete days (``<measure>_unknown_days_<n>d`` counts the others), its
  trends divide by the known days, and a rate that cannot be restricted to known days is
  withheld while its window holds an unknown day (the campaign open, response and conversion
  rates, whose events belong to messages of other days; data per line-day).
  flag_campaign_disengaged ("none opened") is not raised while a day's opens are unknown.

### Periods that begin before the warehouse's first day

The warehouse's first day is the daily partitions' start (``CUSTOMER_PLATFORM_PARTITION_START``,
a fixed date; ``FIRST_DAY`` in ``gold/metrics.py``): no day before it was ever loaded. It is a
setting, not the first partition that happens to be present, so days run in any order agree
on it. A period is complete only when every one of its days is on or after it (its last
day's late rows are in by the settled-day rule). Per metric family:

- Rolling Daily, Weekly and Monthly aggregates (agg_active_users, agg_meeting_minutes,
  agg_feature_adoption, agg_license_utilization, agg_ticket_resolution): flagged, not
  withheld. Every row has ``is_complete``, false when ``period_start`` is before the first
  day: partition 2026-01-01's Daily row (for 2025-12-31) holds only that day's late rows, and
  the Monthly rows up to the one ending 2026-01-30 cover fewer than 30 loaded days. Their
  figures undercount: filter ``is_complete`` for trends and comparisons.
- MRR (agg_mrr, agg_mrr_summary): withheld. A calendar month that began before the first day
  is not closed (its closing partition holds no rows); the first month on the calendar is the
  first whole one, where every customer with MRR is New (the opening balance).

### Monthly recurring revenue: late, rejected and repeated fees

- Normalised, not cash: each customer holds one monthly subscription (the extract carries no
  subscription id), and its MRR of a month is the amount of its latest valid Subscription Fee
  or Renewal counted in the month (by event date, then id), the rate in force at the month's
  end. A second fee in a month is not an expansion; the cash is in ``recurring_billed`` (and
  ``net_revenue``).
- Late: a fee may arrive up to 7 days after its month ends (``FEE_LATE_DAYS`` in
  ``gold/billing/_mrr.py``) and the month waits for it: it closes (is written) on its last day + 7.
  A fee that arrives later does not rewrite the closed month (a partition is final once
  written): it counts in the month still open when it arrived (``fact_billing.mrr_month``),
  the non-blocking check ``fee_after_close`` names it, and the closed month shows what was
  known at its close.
- Rejected: a fee row that silver rejected (``silver.stg_bil_billing_events_rejects``,
  disposition ``rejected``, read from its record: customer id, event type and event date as
  silver would spell them) or that gold keeps with an invalid sign (``is_amount_valid``
  false) is never read as 0. A customer whose month has such a row and no valid fee keeps
  its previous month's MRR when that was positive, flagged ``is_mrr_carried_forward``
  (agg_mrr_summary: ``carried_forward_customers``, ``carried_forward_mrr``): no false churn
  that month and no false New or Reactivated the next. With no positive MRR to carry (none
  before, 0, or itself unknown) the month's MRR is unknown: ``mrr``, ``mrr_change`` empty,
  movement ``Unknown`` (no movement amount), and ``first_unknown_mrr_month`` keeps the
  customer on the calendar. The next month's ``previous_mrr`` is then unknown, so its
  movement is ``Unknown`` too, never New, Reactivated or Churned; and until the customer
  has a known MRR, a first MRR after 0 months is ``Unknown`` (New or Reactivated cannot be
  told). agg_mrr_summary sums the known MRR only, counts ``unknown_mrr_customers`` and
  ``unknown_customers``, and puts the Unknown customers' change of the known totals in
  ``unclassified_mrr``, so its bridge still adds up. A rejected fee is the customer's only
  event of the month and it was never on the calendar: it gets a row of unknown MRR all the
  same (so its next fee is ``Unknown``, not New), keyed by the customer id read from the
  record when that customer is in dim_customer as loaded by the closing day (versions with
  ``load_date`` <= the day, so a re-run ignores later loads). A customer id that is not
  there (an unknown customer), or that cannot be read, gives no row: it stays in the error
  audit log. A removed duplicate (``duplicate_removed``) is not a rejected fee.
- Repeated: a billing event delivered again counts once (next section).

### Records delivered again

Silver removes duplicate keys within a day only. Across days, an incremental fact that
declares ``redelivery`` (``Redelivery`` in ``gold/base.py``; fact_billing, 45 days of
look-back) compares each row with the latest earlier delivery of its key in its own
partitions of the look-back (a declared window):

- identical (every column but the metadata and the arrival columns such as
  ``is_late_arrival``): dropped from the later day, counted in the check's metadata
  (``redelivered_identical_dropped``);
- changed: kept as an explicit update, ``is_update`` true, logged in the check's metadata
  (``redelivered_changed_updates``, ``updated_keys_sample``); readers take the latest
  ``load_date`` per key (agg_mrr does). gold.customer_daily_summary sums each day's rows
  once, so its partition D takes back the earlier delivery of each update received on D (on
  that delivery's customer and day, as its partition counted it) and adds the update: every
  window of customer_360, the churn features and CLV counts an event once, at its latest
  delivery received by D, whatever order the days ran in.

The blocking check ``key_unique_across_days`` fails when a key of the day is in any other
partition, unless the row is a flagged update of an earlier one: a re-delivery older than
the look-back, or, when days run out of order, a copy kept by a later day that was
materialised before the first delivery's day (``clash_sample`` names it; re-running that
later day drops the copy).

### Open pipeline before the first full extract

Opportunities arrive only when they change (``crm.opportunities`` is a changes-only
extract), so an open deal is invisible until its next stage change and a young warehouse's
pipeline starts near zero (coverage 0.22 on 2026-01-02 rising to 0.77 on 01-20 with QRF
flat). The pipeline of settled day E counts opportunities changed in the ``stale_after_days``
(180) days to E, so the warehouse holds all of it once those days all fall on or after the
first partition (``changes_held``), or from the partition of an opening full extract on:
``PipelineRule.opening_extract`` names the day whose opportunities file holds every open
opportunity (an initial snapshot, or an opening-pipeline import delivered as that day's file
with each opportunity's last change; ``CUSTOMER_PLATFORM_PIPELINE_RULE='{"opening_extract":
"2026-01-01"}'``). Until then every coverage and gap row (agg_pipeline_daily, weekly, BOQ,
quarterly) has ``is_pipeline_complete`` false: its pipeline leaves out the unseen deals. The
installed-base coverage of agg_account_health reads the same pipeline, so while it is
incomplete a low coverage is no evidence: the account's ``is_pipeline_complete`` is false,
its ``pipeline_coverage`` is unknown (empty) and adds no point, and, as with seats that are
not all known, health is never Green on that missing evidence: an account is Green only if
it would stay Green with the coverage point added (a 0 coverage once added false risk to every
account with seats, making Red accounts of Yellow ones).

### Customer value in a young warehouse

gold.customer_clv values a customer's future from its recurring revenue (subscription
fees and renewals) per whole calendar month, the period a fee is billed for, averaged over
the last 3 whole months that began on or after both the warehouse's first day and the
customer's signup and ended by D (``months_observed``). A few days are never scaled up to a
month: on the warehouse's third day they made $1,977 of revenue a monthly value of $19,770,
and at 34 days a customer billed twice got 1.76 times its fee. Until a whole month is
observed, ``monthly_value`` and ``subscription_clv`` are empty and ``value_method`` says
``insufficient_history``. A buyer's purchase value is likewise unknown on a day the purchase
model is not fitted (too few buyers or repeat buyers yet). ``predictive_clv`` sums the parts
that apply to the customer and is empty (``clv_method`` none) while one of them is unknown:
an unknown part is never counted as 0. Such a customer's value segment is Unknown and its
value at risk and priority score are empty, so the ranks are made of published estimates
only. One-off revenue (add-ons, orders) and refunds count in the historical value, never in
the monthly value. ``historical_clv`` is the revenue observed in the last 365 days plus the
tenure the window does not see (before the warehouse or older than a year) at the monthly
value; with unseen tenure and no monthly value it is empty, not the revenue seen so far.

### RFM: one set of purchase events

Recency, frequency and monetary value (gold.customer_segments) read one set of purchase
events: billing charges (subscription fees, renewals and add-on purchases with a valid
amount, gold.fact_billing) and fulfilled orders (gold.fact_order). Recency is the days since
the last of them (``days_since_last_purchase``; the days observed when none was seen),
frequency their number in 365 days (``purchases_365d``), monetary their value in 365 days
less refunds (``net_revenue_365d``). A cancelled or returned order, a refund and an invoice
payment are no purchase events: they counted in recency (cancelled orders, payments) or
frequency (payments) before, though monetary read billing. Invoices stay out because they
bill the fees already counted as billing charges.
"""

import datetime as dt

from customer_platform.contracts import BY_BRONZE_NAME
from customer_platform.contracts.base import SourceTable
from customer_platform.gold.metrics import PERIOD_END
from customer_platform.gold.sql import DAY
from customer_platform.settings import partition_start
from customer_platform.silver.normalise import enum_key

#: Gold's name for bronze's ``_missing_columns``: the source columns a row's file lacked.
UNDELIVERED = "undelivered_columns"
#: The same list as silver names it, for SQL reading silver rows.
SILVER_MISSING = "_missing_columns"


def undelivered(column: str, listing: str = UNDELIVERED) -> str:
    """SQL predicate: ``column`` was not in the file the row came from, so its NULL is unknown,
    not empty. ``listing`` is the comma-separated list bronze wrote (``_missing_columns``)."""
    return f"coalesce(list_contains(string_split({listing}, ','), '{column}'), FALSE)"


def known(column: str, expr: str, listing: str = UNDELIVERED) -> str:
    """SQL: ``expr`` (computed from ``column``), or NULL (unknown) when the row's file did not
    deliver ``column``: a flag or figure over a missing column is unknown, not false or 0."""
    return f"CASE WHEN NOT {undelivered(column, listing)} THEN {expr} END"


#: Partitions before the day in which a snapshot row rejected on the day is looked for (its
#: last good version); a gold table reading ``snapshot_as_of`` declares them with
#: ``carry_forward_windows`` so any day order gives the same rows.
CARRY_FORWARD_DAYS = 7


def snapshot_table(bronze_name: str) -> SourceTable:
    """The snapshot-extract source table named ``<code>_<table>`` (refuses an incremental one:
    carrying its rows forward would repeat events)."""
    table = BY_BRONZE_NAME[bronze_name]
    if table.extract != "snapshot":
        raise ValueError(f"{bronze_name} is an {table.extract} extract, not a snapshot")
    return table


def match_text(expr: str) -> str:
    """SQL: a key value in a form both silver and a rejected record's text reduce to (silver
    trims and canonicalises spellings; letters and digits survive both)."""
    return f"regexp_replace(lower(trim(CAST({expr} AS VARCHAR))), '[^a-z0-9]', '', 'g')"


def _silver_key(table: SourceTable, alias: str) -> str:
    parts = ", ".join(match_text(f"{alias}.{c}") for c in table.primary_key)
    return f"concat_ws('|', {parts})"


def record_field(column: str, alias: str = "r") -> str:
    """SQL: the text a reject's ``record`` (the bronze row as JSON) holds for ``column``."""
    return f"json_extract_string({alias}.record, '$.{column}')"


def _record_key(table: SourceTable, alias: str) -> str:
    """SQL: the match key read from a reject's record; NULL when a key value is missing."""
    parts = [f"nullif({match_text(record_field(c, alias))}, '')" for c in table.primary_key]
    return (f"CASE WHEN {' AND '.join(f'{p} IS NOT NULL' for p in parts)} "
            f"THEN concat_ws('|', {', '.join(parts)}) END")


def _lost(table: SourceTable, day: str) -> str:
    """SQL subquery: the rows of ``table`` rejected on ``day`` whose key the day's silver rows
    lack (a removed duplicate, or a rejected twin of a valid row, loses nothing): their
    ``record`` and match key ``_key`` (NULL when the record lacks a key value)."""
    return f"""(
        SELECT DISTINCT r.record, {_record_key(table, "r")} AS _key
        FROM silver.{table.rejects_table} r
        WHERE r._partition_date = {day} AND r.disposition = 'rejected'
          AND coalesce({_record_key(table, "r")}, '') NOT IN (
              SELECT {_silver_key(table, "s")} FROM silver.{table.silver_table} s
              WHERE s._partition_date = {day})
    )"""


def _carried(table: SourceTable, day: str, days: int) -> str:
    """SQL subquery: for each key lost on ``day``, its latest silver row of the ``days``
    partitions before."""
    return f"""(
        SELECT s.* FROM silver.{table.silver_table} s
        WHERE s._partition_date BETWEEN {day} - {days} AND {day} - 1
          AND {_silver_key(table, "s")} IN (SELECT _key FROM {_lost(table, day)})
        QUALIFY row_number() OVER (PARTITION BY {_silver_key(table, "s")}
                                   ORDER BY s._partition_date DESC) = 1
    )"""


def snapshot_as_of(table: SourceTable, day: str = DAY, days: int = CARRY_FORWARD_DAYS) -> str:
    """SQL subquery: the rows of snapshot ``table`` as of ``day``, a rejected row never making
    its entity vanish.

    The day's silver rows (``carried_from`` empty), plus, for each key whose row was rejected
    on ``day``, its last good version from the ``days`` partitions before, ``carried_from``
    naming that partition. What cannot be carried is in ``unrecovered_rejects``.
    """
    return f"""(
        SELECT s.*, CAST(NULL AS DATE) AS carried_from FROM silver.{table.silver_table} s
        WHERE s._partition_date = {day}
        UNION ALL BY NAME
        SELECT c.*, c._partition_date AS carried_from FROM {_carried(table, day, days)} c
    )"""


def unrecovered_rejects(table: SourceTable, day: str = DAY,
                        days: int = CARRY_FORWARD_DAYS) -> str:
    """SQL subquery: the ``record`` (bronze text as JSON) of each row of ``table`` rejected on
    ``day`` that ``snapshot_as_of`` could not carry forward: no good version in the look-back,
    or a key that is itself broken. Its entity is unknown that day, never absent."""
    return f"""(
        SELECT l.record FROM {_lost(table, day)} l
        WHERE l._key IS NULL OR l._key NOT IN (
            SELECT {_silver_key(table, "c")} FROM {_carried(table, day, days)} c)
    )"""


def last_delivered(table: SourceTable, column: str, day: str = DAY,
                   days: int = CARRY_FORWARD_DAYS) -> str:
    """SQL subquery: per key of snapshot ``table``, ``column`` as its latest row of the ``days``
    partitions before ``day`` from a file that delivered it holds it (empty delivered is a
    value), with ``_delivered`` TRUE: what a row of ``day`` whose file lacked the column
    carries. A key absent here has nothing to carry: its value is unknown. The reader declares
    the look-back (``carry_forward_windows``)."""
    keys = ", ".join(table.primary_key)
    return f"""(
        SELECT {keys}, {column}, TRUE AS _delivered FROM silver.{table.silver_table}
        WHERE _partition_date BETWEEN {day} - {days} AND {day} - 1
          AND NOT {undelivered(column, SILVER_MISSING)}
        QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _partition_date DESC) = 1
    )"""


def carry_forward_windows(table: SourceTable, days: int = CARRY_FORWARD_DAYS, offset: int = 0
                          ) -> tuple[tuple[str, tuple[int, int]], ...]:
    """The ``source_windows`` of a gold table reading ``snapshot_as_of(table)``: its silver
    table over the look-back and its rejects table of the day; ``offset`` (-1) when the table
    reads the snapshot of the day before its partition."""
    return ((f"silver.{table.silver_table}", (offset - days, offset)),
            (f"silver.{table.rejects_table}", (offset, offset)))


def carry_forward_sources(table: SourceTable) -> tuple[str, str]:
    """The upstream tables ``snapshot_as_of(table)`` reads."""
    return f"silver.{table.silver_table}", f"silver.{table.rejects_table}"


def canonical(expr: str, values) -> str:
    """SQL: the vocabulary spelling of a rejected record's text ``expr`` among ``values``
    (matched as silver matches enums), NULL when none fits."""
    return f"CASE {match_text(expr)} " + " ".join(
        f"WHEN '{enum_key(v)}' THEN '{v}'" for v in values) + " END"


def changes_held(days: int, opening_extract: dt.date | None = None) -> str:
    """SQL: whether the warehouse holds the whole state of a changes-only extract on the
    settled day E, counting only entities changed in the ``days`` days to E: it does once
    those days all fall on or after the first partition, or from the partition of an opening
    full extract on. Before, an entity that has not changed since the first partition is
    unseen, so a total over the entities is incomplete (a flag, never a silent zero)."""
    held = f"{PERIOD_END} - {days - 1} >= DATE '{partition_start().isoformat()}'"
    if opening_extract is None:
        return f"({held})"
    return f"({DAY} >= DATE '{opening_extract.isoformat()}' OR {held})"
