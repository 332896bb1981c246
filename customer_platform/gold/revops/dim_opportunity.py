"""dim_opportunity: the sales pipeline, one version per stage change of each opportunity,
the history the pipeline, win/loss and account-health roll-ups read as loaded.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.scd2 import scd2_dimension, undelivered_column
from customer_platform.gold.sql import CUSTOMER_KEY, customer_fk


class DimOpportunityVersion(GoldModel):
    opportunity_key: str = column("Durable surrogate key of the opportunity")
    opportunity_version_key: str = column("Surrogate key of this version", unique=True)
    opportunity_id: str = column("Opportunity business key (O + 9 digits)")
    customer_key: str = column("Account the deal is with (dim_customer.customer_key)")
    customer_id: str = column("Customer business key of the account")
    opportunity_name: str = from_contract("crm.opportunities", "opportunity_name")
    stage: str = column("Sales stage of this version")
    probability_of_close: float = column("Likelihood of closing implied by the stage",
                                         ge=0.0, le=1.0)
    amount: float = column("Potential revenue value in USD", ge=0.0)
    close_date: dt.date = column("Expected close date while open; actual once closed",
                                 nullable=True)
    is_closed: bool = column("Stage is Closed Won or Closed Lost")
    is_won: bool = column("Stage is Closed Won")
    sales_rep: str = from_contract("crm.opportunities", "sales_rep")
    geo: str = from_contract("crm.opportunities", "geo")
    solution: str = from_contract("crm.opportunities", "solution")
    sales_motion: str = column("New, Growth on renewal or True up")
    fiscal_week: str = column("Fiscal week of the stage change (FYyyyy-Www)")
    pipe_actual: float = column("Pipeline value counted: amount while open or won, 0 when lost",
                                ge=0.0)
    created_at: dt.datetime = from_contract("crm.opportunities", "created_at")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = from_contract("crm.opportunities", "updated_at")


DIM_OPPORTUNITY = scd2_dimension(
    entity="opportunity", business_key="opportunity_id", version_model=DimOpportunityVersion,
    view_name="opportunity",
    description="Sales pipeline and opportunity tracking for revenue forecasting: one version per "
    "stage change of each opportunity.",
    seed="000", domain="revops",
    source="silver.stg_crm_opportunities", system="crm", snapshot=False,
    columns=f"""opportunity_id, {CUSTOMER_KEY} AS customer_key, customer_id, opportunity_name,
           stage, probability_of_close, amount, close_date,
           stage IN ('Closed Won', 'Closed Lost') AS is_closed, stage = 'Closed Won' AS is_won,
           sales_rep, geo, solution, sales_motion, fiscal_week, pipe_actual, created_at""",
    tracked=("stage", "probability_of_close", "amount", "close_date", "sales_rep", "geo",
             "solution", "sales_motion"),
    grain="one row per opportunity stage change received that day",
    sources=("gold.dim_customer",), foreign_keys=(customer_fk(),),
)

