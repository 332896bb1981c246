"""Surrogate keys the meetings tables share: a meeting, a webinar and their host are keyed the same
in their dimensions and their facts."""

from customer_platform.gold.sql import sk

HOST_USER_KEY = sk("user", "host_user_id")
MEETING_KEY = sk("meeting", "meeting_id")
WEBINAR_KEY = sk("webinar", "webinar_id")
