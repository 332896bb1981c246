"""Audit (UI group ``gold_audit``): what the platform's own runs did to each day, and every
error of the day with its lifecycle. Both tables are rebuilt by ``audit_job`` after every run,
outside the daily job (a failed step would skip them there); docs/operations.md (The audit
log) explains what they record. The names other packages need are exported here.
"""

from customer_platform.gold.audit._events import (
    AUDIT_GROUP,
    AUDIT_JOB_NAME,
    AUDIT_KEYS,
    PARTITION_TAG,
)

__all__ = ["AUDIT_GROUP", "AUDIT_JOB_NAME", "AUDIT_KEYS", "PARTITION_TAG"]
