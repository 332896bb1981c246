"""Rules for dirty and incomplete input: what a rejected row, a column that was not
delivered, or a period the warehouse has not fully seen means downstream.

The principle: what was not delivered is unknown, never zero. A metric either carries the
last good value forward with a flag, says it is incomplete, or leaves the entity out, and
the choice is written down here, per table, where ``docs/metrics.md`` shows it.

### Rejected rows of snapshot tables

(to be written)

### Columns that were not delivered

(to be written)

### Periods that begin before the warehouse's first day

(to be written)

### Monthly recurring revenue: late, rejected and repeated fees

(to be written)

### Records delivered again

(to be written)

### Open pipeline before the first full extract

(to be written)

### Customer value in a young warehouse

(to be written)

### RFM: one set of purchase events

(to be written)
"""
