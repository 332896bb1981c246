"""The configurable business rules of revenue operations, with their documented defaults.

What makes a seat a *quality* activation, when an account turns Red, when a price-elasticity
estimate is too thin to trust: each rule set is a small frozen dataclass, the gold SQL is built
from the instance in force, and column descriptions and ``docs/metrics.md`` quote the values.
An environment variable holding a JSON object overrides fields before the code location loads
(``CUSTOMER_PLATFORM_HEALTH_RULE='{"red_points": 5}'``, read by ``overridden``); a rule that
does not hold together (a QAL threshold below the MAL one) refuses to load.
"""

import dataclasses
import datetime as dt
import json
import os
from typing import TypeVar

Rule = TypeVar("Rule")


@dataclasses.dataclass(frozen=True)
class PipelineRule:
    """How open pipeline is counted (env ``CUSTOMER_PLATFORM_PIPELINE_RULE``)."""

    #: An opportunity whose last stage change is older than this many days is stale and
    #: leaves the pipeline (and bounds how far back a day reads opportunity versions).
    stale_after_days: int = 180
    #: Previous fiscal quarters averaged into the historical BOQ and same-point-of-quarter
    #: comparisons (quarters the warehouse does not hold are left out of the average).
    history_quarters: int = 4
    #: Trailing days of closed deals behind win/loss rates and sales-rep performance.
    closed_window_days: int = 90
    #: The partition whose opportunities file is a full extract of every open opportunity
    #: (an initial snapshot, or an opening-pipeline import delivered as that day's file;
    #: ISO date in the environment's JSON). The extract is changes-only: without it the
    #: warehouse holds the open pipeline only once it holds ``stale_after_days`` days.
    opening_extract: dt.date | None = None

    def __post_init__(self):
        if min(self.stale_after_days, self.history_quarters, self.closed_window_days) < 1:
            raise ValueError(f"every PipelineRule field must be at least 1: {self}")
        if isinstance(self.opening_extract, str):
            object.__setattr__(self, "opening_extract",
                               dt.date.fromisoformat(self.opening_extract))

    def describe_completeness(self) -> str:
        opening = (f"the opening full extract of {self.opening_extract.isoformat()} is loaded "
                   "(partition D on or after it) or " if self.opening_extract else "")
        return (f"complete when {opening}the warehouse holds every day an opportunity still "
                f"counted can have last changed on (E - {self.stale_after_days - 1} on or after "
                "the first partition); before, opportunities that have not changed since the "
                "first partition are unseen")


@dataclasses.dataclass(frozen=True)
class ActivationRule:
    """Activation levels of an activated seat by the days it was used in the trailing seven
    (env ``CUSTOMER_PLATFORM_ACTIVATION_RULE``): QAL (quality activation) from ``qal_min_days``
    days, MAL (medium activation) from ``mal_min_days`` up to QAL, RMAL (reduced activation)
    from ``rmal_min_days`` up to MAL; seats used on fewer days are unused."""

    qal_min_days: int = 4
    mal_min_days: int = 2
    rmal_min_days: int = 1

    def __post_init__(self):
        if not 1 <= self.rmal_min_days < self.mal_min_days < self.qal_min_days <= 7:
            raise ValueError("activation thresholds must satisfy 1 <= rmal < mal < qal <= 7: "
                             f"{self}")

    def describe(self) -> str:
        return (f"QAL: used on >= {self.qal_min_days} of the last 7 days; MAL: "
                f"{self.mal_min_days}..{self.qal_min_days - 1} days; RMAL: "
                f"{self.rmal_min_days}..{self.mal_min_days - 1} days")


@dataclasses.dataclass(frozen=True)
class HealthRule:
    """Green / Yellow / Red from risk points (env ``CUSTOMER_PLATFORM_HEALTH_RULE``).

    Each signal adds risk points; a missing signal (no seats, no installed-base value) or an
    unknown one adds none. Red from ``red_points``; Yellow from ``yellow_points``, when seats
    are unknown (lost to a rejected row), or when the coverage is unknown (the pipeline not
    yet whole) and its point would reach ``yellow_points``; else Green.
    """

    #: activation rate (activated / entitled seats) below these: 2 points, else 1 point
    activation_red_below: float = 0.25
    activation_yellow_below: float = 0.40
    #: installed-base pipeline coverage (current-quarter pipe / quarterly seat value) below
    #: this: 1 point (no or thin expansion pipeline)
    coverage_yellow_below: float = 0.25
    #: support tickets opened in the trailing 30 days from these counts: 2 points, else 1
    tickets_red_from: int = 4
    tickets_yellow_from: int = 2
    #: an engagement note in the trailing 90 days mentioning a competitor: this many points
    competitor_points: int = 2
    #: lower-cased words that mark a competitor mention in engagement notes
    competitor_words: tuple[str, ...] = ("competitor",)
    red_points: int = 4
    yellow_points: int = 2
    #: a parent company is Red when Red accounts hold at least this share of its entitled
    #: seats (of its accounts when it has no seats), Yellow when Red and Yellow accounts do
    parent_red_share: float = 0.25
    parent_yellow_share: float = 0.25

    def __post_init__(self):
        if not 0 < self.activation_red_below <= self.activation_yellow_below <= 1:
            raise ValueError(f"activation thresholds must satisfy 0 < red <= yellow <= 1: {self}")
        if not 0 < self.tickets_yellow_from <= self.tickets_red_from:
            raise ValueError(f"ticket thresholds must satisfy 0 < yellow <= red: {self}")
        if not 0 < self.yellow_points <= self.red_points:
            raise ValueError(f"points must satisfy 0 < yellow_points <= red_points: {self}")
        if not self.competitor_words or any(w != w.lower() or "'" in w
                                            for w in self.competitor_words):
            raise ValueError(f"competitor_words must be lower-case words without quotes: {self}")

    def describe(self) -> str:
        return (
            f"risk points: activation rate < {self.activation_red_below} -> 2, < "
            f"{self.activation_yellow_below} -> 1; installed-base pipeline coverage < "
            f"{self.coverage_yellow_below} -> 1; tickets opened in 30 days >= "
            f"{self.tickets_red_from} -> 2, >= {self.tickets_yellow_from} -> 1; a competitor "
            f"mention ({', '.join(self.competitor_words)}) in an engagement note of the last 90 "
            f"days -> {self.competitor_points}; a missing or unknown signal adds 0. Red from "
            f"{self.red_points} points, Yellow from {self.yellow_points}, when seats are "
            "unknown, or when an unknown coverage's point would reach it (never Green on "
            "missing evidence), else Green")


@dataclasses.dataclass(frozen=True)
class ElasticityRule:
    """The price-elasticity regression and when its estimate is too thin to trust
    (env ``CUSTOMER_PLATFORM_ELASTICITY_RULE``)."""

    #: trailing days of order lines in one estimate
    window_days: int = 180
    confidence: float = 0.95
    #: an estimate is reliable only with at least this many order lines ...
    min_lines: int = 100
    #: ... at least this many distinct relative prices ...
    min_price_points: int = 10
    #: ... and a confidence interval at most this wide
    max_ci_width: float = 1.0

    def __post_init__(self):
        if not 0 < self.confidence < 1 or self.window_days < 1 or self.min_lines < 3:
            raise ValueError(f"invalid ElasticityRule: {self}")

    def describe(self) -> str:
        return (f"reliable when lines >= {self.min_lines}, distinct relative prices >= "
                f"{self.min_price_points} and the {self.confidence:.0%} confidence interval is "
                f"at most {self.max_ci_width} wide")


def overridden(rule: Rule, env: str) -> Rule:
    """``rule`` with the fields set in the JSON object of environment variable ``env``."""
    text = os.environ.get(env)
    if not text:
        return rule
    values = json.loads(text)
    if "competitor_words" in values:
        values["competitor_words"] = tuple(values["competitor_words"])
    return dataclasses.replace(rule, **values)


PIPELINE = overridden(PipelineRule(), "CUSTOMER_PLATFORM_PIPELINE_RULE")
ACTIVATION = overridden(ActivationRule(), "CUSTOMER_PLATFORM_ACTIVATION_RULE")
HEALTH = overridden(HealthRule(), "CUSTOMER_PLATFORM_HEALTH_RULE")
ELASTICITY = overridden(ElasticityRule(), "CUSTOMER_PLATFORM_ELASTICITY_RULE")
