"""Meetings platform extracts: users, meetings, feature usage, webinars, licenses."""

import datetime as dt
from typing import Any

from customer_platform import vocabulary as v
from customer_platform.contracts.base import Contract, SourceTable, column
from customer_platform.contracts.crm import CUSTOMER_ID_PATTERN, EMAIL_PATTERN

USER_ID_PATTERN = r"^U\d{7,}$"
MEETING_ID_PATTERN = r"^M\d{10,}$"
WEBINAR_ID_PATTERN = r"^W\d{9,}$"
LICENSE_ID_PATTERN = r"^L\d{9,}$"


def _user_id(description: str) -> Any:
    return column(description, normalise="upper", str_matches=USER_ID_PATTERN)


def _meeting_id(description: str = "Meeting key (M + 10 or more digits)") -> Any:
    return column(description, normalise="upper", str_matches=MEETING_ID_PATTERN)


class Users(Contract):
    """One platform user (a person at a business customer), as of the extract day."""

    user_id: str = _user_id("Platform user key (U + 7 or more digits)")
    user_name: str = column("Full name of the user", pii="personal_identifier")
    email: str = column(
        "Login email of the user", pii="contact", normalise="email", str_matches=EMAIL_PATTERN
    )
    customer_id: str = column(
        "Business customer the user belongs to (conformed customer key)",
        normalise="upper",
        str_matches=CUSTOMER_ID_PATTERN,
    )
    company: str = column("Name of the company the user belongs to", nullable=True)
    plan_type: str = column("Subscription plan of the user", isin=list(v.PLAN_TYPES))
    created_date: dt.date = column("Day the user account was created")
    updated_at: dt.datetime = column(
        "When the user record last changed (creation, plan change or company move)"
    )


class Meetings(Contract):
    """One meeting hosted on the platform."""

    meeting_id: str = _meeting_id()
    host_user_id: str = _user_id("User who hosted the meeting")
    meeting_topic: str = column("Topic the host gave the meeting (free text, not unique)",
                                nullable=True)
    start_time: dt.datetime = column("When the meeting started")
    end_time: dt.datetime = column("When the meeting ended")
    duration_minutes: int = column("Length of the meeting in minutes", ge=1, le=1440)
    participant_count: int = column("People who joined, host included", ge=1, le=1000)


class FeatureUsage(Contract):
    """How often one feature was used in one meeting."""

    meeting_id: str = _meeting_id("Meeting the feature was used in")
    feature_name: str = column("Platform feature used", isin=list(v.FEATURES))
    usage_count: int = column("Times the feature was used during the meeting", ge=1, le=10_000)
    usage_date: dt.date = column("Day of the meeting")


class Webinars(Contract):
    """One webinar hosted on the platform."""

    webinar_id: str = column(
        "Webinar key (W + 9 or more digits)", normalise="upper", str_matches=WEBINAR_ID_PATTERN
    )
    host_user_id: str = _user_id("User who hosted the webinar (Business or Enterprise plan)")
    webinar_topic: str = column("Title of the webinar", nullable=True)
    start_time: dt.datetime = column("When the webinar started")
    end_time: dt.datetime = column("When the webinar ended")
    registrants: int = column("People who registered", ge=0, le=100_000)
    attendees: int = column("Registrants who attended (never more than registered)",
                            ge=0, le=100_000)


class Licenses(Contract):
    """One license a user holds or held: one per user and plan period, renewed yearly."""

    license_id: str = column(
        "License key (L + 9 or more digits), stable for one user's license period",
        normalise="upper",
        str_matches=LICENSE_ID_PATTERN,
    )
    user_id: str = _user_id("User holding the license")
    license_type: str = column("Kind of license (follows the user's plan)",
                               isin=list(v.LICENSE_TYPES))
    start_date: dt.date = column("Day the license started")
    end_date: dt.date = column(
        "Last day of the current yearly term, or of the license once ended; empty for "
        "open-ended Enterprise licenses",
        nullable=True,
    )
    updated_at: dt.datetime = column("When the license last changed (start, renewal or end)")


TABLES = [
    SourceTable(
        system="platform",
        code="plt",
        name="users",
        model=Users,
        description=(
            "Users of the meetings and webinar platform, their company and plan, for adoption "
            "and plan-mix analysis. Full snapshot of every user as of the extract day."
        ),
        seed="002",
        primary_key=("user_id",),
        extract="snapshot",
        file_format="parquet",
        updated_at="updated_at",
    ),
    SourceTable(
        system="platform",
        code="plt",
        name="meetings",
        model=Meetings,
        description=(
            "Meetings hosted on the platform, for engagement and usage-trend analysis. "
            "Incremental: one row per meeting started that day."
        ),
        seed="002",
        primary_key=("meeting_id",),
        extract="incremental",
        file_format="parquet",
        event_date="start_time",
    ),
    SourceTable(
        system="platform",
        code="plt",
        name="feature_usage",
        model=FeatureUsage,
        description=(
            "Which features (screen share, recording, chat, breakout rooms) each meeting used, "
            "for feature adoption analysis. Incremental: one row per meeting x "
            "feature used, for the meetings of the day."
        ),
        seed="002",
        primary_key=("meeting_id", "feature_name"),
        extract="incremental",
        file_format="jsonl",
        event_date="usage_date",
    ),
    SourceTable(
        system="platform",
        code="plt",
        name="webinars",
        model=Webinars,
        description=(
            "Webinars hosted by Business and Enterprise users, with registration and attendance, "
            "for event engagement analysis. Incremental: one row per webinar held "
            "that day."
        ),
        seed="002",
        primary_key=("webinar_id",),
        extract="incremental",
        file_format="csv",
        event_date="start_time",
    ),
    SourceTable(
        system="platform",
        code="plt",
        name="licenses",
        model=Licenses,
        description=(
            "Paid platform licenses held by users, by license type, for license utilisation and "
            "plan analysis. Full snapshot of every license started on or before the "
            "extract day, ended ones included."
        ),
        seed="002",
        primary_key=("license_id",),
        extract="snapshot",
        file_format="parquet",
        updated_at="updated_at",
    ),
]
