"""``gold.agg_account_health``: customer health Green / Yellow / Red per business account.

Four signals add risk points (``HealthRule``): activation rate, pipeline coverage of the
installed base, support ticket volume and competitive presence. An unknown signal adds none, but
health is never Green on evidence the warehouse does not have (docs/revops.md); parent companies
are scored in ``agg_parent_health``.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable
from customer_platform.gold.completeness import changes_held
from customer_platform.gold.metrics import Metric
from customer_platform.gold.revops._common import (
    CALENDAR_WINDOW,
    DAY,
    DOMAIN,
    SEED,
    SNAPSHOT_DATE_FK,
    E,
    calendar,
    latest_opportunities,
    money,
    ratio,
    settled_columns,
)
from customer_platform.gold.revops._health import _DAY, HEALTH_COLOURS
from customer_platform.gold.revops._rules import HEALTH, PIPELINE, HealthRule, PipelineRule
from customer_platform.gold.sql import customer_fk, sk

#: Risk points of a thin installed-base pipeline coverage (the most an unknown coverage hides).
COVERAGE_POINTS = 1


def _points(description: str):
    return column(f"Risk points from {description}", ge=0)


class AggAccountHealth(GoldModel):
    account_health_key: str = column("Surrogate key of day x account", unique=True)
    snapshot_date: dt.date = column("The settled day E scored")
    snapshot_date_key: int = column("dim_date.date_key of snapshot_date")
    customer_key: str = column("The account (dim_customer.customer_key)")
    customer_id: str = column("Customer business key of the account")
    account_key: str = column("dim_account_hierarchy.account_key of the account")
    company_name: str = column("Company of the account", nullable=True)
    rollup_account_key: str = column("Parent company's key, else the account's own")
    rollup_company_name: str = column("Parent company's name, else the account's",
                                      nullable=True)
    is_child_account: bool = column("The account belongs to a parent company")
    geo: str = column("Sales geography", nullable=True)
    vertical: str = column("Industry vertical", nullable=True)
    entitled_seats: int = column("Entitled seats over every product family", ge=0)
    activated_seats: int = column("Activated seats over every product family", ge=0)
    is_complete: bool = column("Every seat is known (agg_account_adoption.is_complete); "
                               "else activation and coverage are empty and the account is at "
                               "least Yellow")
    is_pipeline_complete: bool = column(
        "The warehouse holds the whole open pipeline on E (agg_pipeline_daily."
        "is_pipeline_complete); else pipeline_coverage is unknown (empty, no points) and the "
        f"account is Green only if it stays below {HEALTH.yellow_points} points with the "
        "coverage point added")
    activation_rate: float = column("activated / entitled seats; empty without seats or when "
                                    "not is_complete", nullable=True)
    pipe_actual: float = column("The account's pipeline of the fiscal quarter (USD)", ge=0.0)
    quarterly_seat_value: float = column("3 x the entitled seats' monthly list value (USD)",
                                         ge=0.0)
    pipeline_coverage: float = column("pipe_actual / quarterly_seat_value: pipeline coverage "
                                      "of the installed base; empty without seats or when "
                                      "not is_complete or not is_pipeline_complete",
                                      nullable=True)
    tickets_opened_30d: int = column("Support tickets opened in the 30 days to E", ge=0)
    has_competitive_presence: bool = column(
        "An engagement note of the last 90 days mentions a competitor; empty (unknown) when "
        "none does but some notes were not delivered: no points, and the account is Green only "
        f"if it stays below {HEALTH.yellow_points} points with the competitor points added",
        nullable=True)
    activation_points: int = _points("the activation rate")
    coverage_points: int = _points("the pipeline coverage")
    ticket_points: int = _points("the ticket volume")
    competitor_points: int = _points("competitive presence")
    risk_points: int = _points("all four signals (their sum)")
    health: str = column(f"Green, Yellow or Red: {HEALTH.describe()}", isin=HEALTH_COLOURS)
    is_at_risk: bool = column("health is Red")


def account_health(rule: HealthRule = HEALTH, pipeline: PipelineRule = PIPELINE) -> GoldTable:
    return GoldTable(
        name="agg_account_health",
        model=AggAccountHealth,
        description="Customer health score Green / Yellow / Red per business account from "
        "activation rate, pipeline coverage, support ticket volume and competitive presence, "
        "with the points each signal adds.",
        seed=SEED, kind="aggregate", domain=DOMAIN,
        primary_key=("customer_id",),
        sources=("gold.agg_account_adoption", "gold.dim_opportunity_versions",
                 "gold.dim_customer", "gold.dim_date"),
        foreign_keys=(customer_fk(), SNAPSHOT_DATE_FK),
        source_windows=(("gold.dim_opportunity_versions", (-pipeline.stale_after_days, 0)),
                        CALENDAR_WINDOW),
        grain="one row per business account (agg_account_adoption's), for the settled day "
        "E = D - 1",
        sql=f"""
        WITH today AS {calendar()},
        held AS (SELECT {changes_held(pipeline.stale_after_days, pipeline.opening_extract)}
                            AS is_pipeline_complete),
        pipe AS (  -- each account's pipeline of E's fiscal quarter
            SELECT o.customer_id, sum(o.pipe_actual) AS pipe_actual
            FROM {latest_opportunities(pipeline)} o JOIN today t
              ON o.close_date BETWEEN t.fiscal_quarter_start AND t.fiscal_quarter_end
            GROUP BY o.customer_id
        ), signals AS (
            SELECT a.*, h.is_pipeline_complete,
                   {money("coalesce(p.pipe_actual, 0)")} AS pipe_actual,
                   {money("3 * a.entitled_monthly_value")} AS quarterly_seat_value,
                   CASE WHEN a.is_complete AND h.is_pipeline_complete
                        THEN {ratio("coalesce(p.pipe_actual, 0)",
                                    "3 * a.entitled_monthly_value")} END
                       AS pipeline_coverage,
                   -- the coverage signal applies (seats known and valued) but is unknown
                   a.is_complete AND NOT h.is_pipeline_complete
                       AND a.entitled_monthly_value > 0 AS is_coverage_unknown,
                   CASE WHEN a.competitor_mentions_90d > 0 THEN TRUE
                        WHEN a.unknown_notes_90d = 0 THEN FALSE END AS has_competitive_presence
            FROM gold.agg_account_adoption a CROSS JOIN held h
            LEFT JOIN pipe p USING (customer_id)
            WHERE a.load_date = {DAY}
        ), scored AS (  -- a missing or unknown signal compares as NULL and adds 0
            SELECT *,
                   CASE WHEN activation_rate < {rule.activation_red_below} THEN 2
                        WHEN activation_rate < {rule.activation_yellow_below} THEN 1
                        ELSE 0 END AS activation_points,
                   CASE WHEN pipeline_coverage < {rule.coverage_yellow_below}
                        THEN {COVERAGE_POINTS} ELSE 0 END AS coverage_points,
                   CASE WHEN tickets_opened_30d >= {rule.tickets_red_from} THEN 2
                        WHEN tickets_opened_30d >= {rule.tickets_yellow_from} THEN 1
                        ELSE 0 END AS ticket_points,
                   CASE WHEN has_competitive_presence THEN {rule.competitor_points} ELSE 0 END
                       AS competitor_points
            FROM signals
        ), totalled AS (  -- unknown_points: what the unknown signals could add
            SELECT *, activation_points + coverage_points + ticket_points + competitor_points
                          AS risk_points,
                   CASE WHEN is_coverage_unknown THEN {COVERAGE_POINTS} ELSE 0 END
                   + CASE WHEN has_competitive_presence IS NULL THEN {rule.competitor_points}
                          ELSE 0 END AS unknown_points
            FROM scored
        )
        SELECT {sk("account_health", E, "customer_id")} AS account_health_key,
               customer_key, customer_id, account_key, company_name, rollup_account_key,
               rollup_company_name, is_child_account, geo, vertical, entitled_seats,
               activated_seats, is_complete, is_pipeline_complete, activation_rate, pipe_actual,
               quarterly_seat_value,
               pipeline_coverage, tickets_opened_30d, has_competitive_presence, activation_points,
               coverage_points, ticket_points, competitor_points, risk_points,
               CASE WHEN risk_points >= {rule.red_points} THEN 'Red'
                    WHEN risk_points + unknown_points >= {rule.yellow_points} OR NOT is_complete
                         THEN 'Yellow'
                    ELSE 'Green' END AS health,
               risk_points >= {rule.red_points} AS is_at_risk,
               {settled_columns("licensing+support+crm")}
        FROM totalled
        """,
    )


AGG_ACCOUNT_HEALTH = account_health()

METRICS = [
    Metric("Installed-base pipeline coverage", "agg_account_health",
           "pipe_actual of the account's opportunities closing in E's fiscal quarter / (3 x "
           "entitled seats x seat list price per month)", "account x day",
           "as Pipe actual; empty without entitled seats", _DAY, SEED),
    Metric("Risk points", "agg_account_health",
           "activation_points + coverage_points + ticket_points + competitor_points",
           "account x day", HEALTH.describe(), _DAY, SEED),
    Metric("Account health", "agg_account_health",
           f"Red if risk_points >= {HEALTH.red_points}, Yellow if >= {HEALTH.yellow_points}, "
           "else Green (HealthRule, configurable)", "account x day",
           "business accounts of the hierarchy and accounts holding seats", _DAY, SEED),
]
