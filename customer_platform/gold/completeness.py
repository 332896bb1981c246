"""Rules for dirty and incomplete input: what a rejected row, a column that was not
delivered, or a period the warehouse has not fully seen means downstream.

The principle: what was not delivered is unknown, never zero. A metric either carries the
last good value forward with a flag, says it is incomplete, or leaves the entity out, and
the choice is written down here, per table, where ``docs/metrics.md`` shows it.

### Rejected rows of snapshot tables

(to be written)

### Columns that were not delivered

A file may lack an optional contract column (a file lacking a required one is refused).
Bronze fills it with nulls and names it, on every row of the file, in ``_missing_columns``;
silver keeps that column, and gold calls it ``undelivered_columns``. Such a null means
"unknown", never "empty": it must not overwrite a known value nor count as "not done".
``undelivered(column)`` is the SQL test.

- SCD2 dimensions (``gold/scd2.py``: dim_customer, dim_user, dim_opportunity, dim_campaign,
  dim_support_ticket, dim_account_hierarchy, dim_product): the stored versions keep the
  nulls and the list, so a partition stays a pure function of its silver days; the view gives
  a column that was not delivered (and a column computed from it, ``derived``) the entity's
  last delivered value, before it folds unchanged versions. A file without ``company``
  therefore neither blanks a user's company nor opens a version by itself; a value delivered
  empty is still a change. With no earlier delivery the value stays empty: unknown.
- ``fact_support_ticket`` keeps the nulls (a fact row is the change as received) and says
  which they are in ``undelivered_columns``.
- ``agg_ticket_resolution``: a Resolved change whose file lacked ``resolved_at`` is a
  resolution whose time is unknown. It counts in ``resolved_tickets``; its hours are those of
  the ticket's last Resolved change that delivered ``resolved_at`` (in the window), else
  unknown: ``untimed_resolved_tickets`` counts those, and ``avg_resolution_hours`` averages
  the known times only.

### Periods that begin before the warehouse's first day

(to be written)

### Monthly recurring revenue: late, rejected and repeated fees

(to be written)

### Records delivered again

(to be written)

### Open pipeline before the first full extract

(to be written)

### Customer value in a young warehouse

gold.customer_clv values a customer's future from its recurring revenue (subscription
fees and renewals) per whole calendar month, the period a fee is billed for, averaged over
the last 3 whole months that began on or after both the warehouse's first day and the
customer's signup and ended by D (``months_observed``). A few days are never scaled up to a
month: on the warehouse's third day they made $1,977 of revenue a monthly value of $19,770,
and at 34 days a customer billed twice got 1.76 times its fee. Until a whole month is
observed, ``monthly_value`` and ``predictive_clv`` are empty and ``value_method`` says
``insufficient_history``; such a customer's value segment is Unknown and its value at risk
and priority score are empty, so the ranks are made of published estimates only. One-off
revenue (add-ons, orders) and refunds count in the historical value, never in the monthly
value. ``historical_clv`` is the revenue observed in the last 365 days plus the tenure the
window does not see (before the warehouse or older than a year) at the monthly value; with
unseen tenure and no monthly value it is empty, not the revenue seen so far.

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


#: Gold's name for bronze's ``_missing_columns``: the source columns a row's file lacked.
UNDELIVERED = "undelivered_columns"


def undelivered(column: str, listing: str = UNDELIVERED) -> str:
    """SQL predicate: ``column`` was not in the file the row came from, so its NULL is unknown,
    not empty. ``listing`` is the comma-separated list bronze wrote (``_missing_columns``)."""
    return f"coalesce(list_contains(string_split({listing}, ','), '{column}'), FALSE)"
