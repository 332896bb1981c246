"""dim_account_hierarchy: which parent company each business account belongs to, with the
region's sales geography, so accounts can be rolled up to their parent and segmented by
region, vertical and customer type.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.scd2 import scd2_dimension, undelivered_column
from customer_platform.gold.sql import customer_fk, sk
from customer_platform.vocabulary import REGION_GEO

GEO_OF_REGION = "CASE region " + " ".join(
    f"WHEN '{region}' THEN '{geo}'" for region, geo in REGION_GEO.items()) + " END"


class DimAccountHierarchyVersion(GoldModel):
    account_key: str = column("Durable surrogate key of the business account")
    account_version_key: str = column("Surrogate key of this version", unique=True)
    account_id: str = column("Account business key (the account's conformed customer key)")
    customer_key: str = column("The account as a customer (dim_customer.customer_key)")
    company_name: str = from_contract("crm.account_hierarchy", "company_name")
    parent_account_key: str = column("Surrogate key of the parent company; empty when "
                                     "stand-alone", nullable=True)
    parent_account_id: str = from_contract("crm.account_hierarchy", "parent_account_id",
                                           nullable=True)
    parent_company_name: str = column("Name of the parent company", nullable=True)
    rollup_account_key: str = column("Key to roll the account up by: its parent company's "
                                     "key, else its own")
    rollup_company_name: str = column("Name to roll up by: the parent company's, else its own")
    is_child_account: bool = column("The account belongs to a parent company")
    region: str = column("Sales region code")
    geo: str = column("Sales geography of the region (AMER, EMEA, APAC, LATAM)")
    vertical: str = column("Industry vertical")
    customer_type: str = from_contract("crm.account_hierarchy", "customer_type")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the CRM recorded this version")


PARENT_KEY = sk("parent_account", "parent_account_id")

DIM_ACCOUNT_HIERARCHY = scd2_dimension(
    entity="account", business_key="account_id", version_model=DimAccountHierarchyVersion,
    view_name="account_hierarchy",
    description="Parent/child company mapping that links accounts to parent organisations and "
    "allows segmentation by region, vertical and customer type: the versions of each business "
    "account as the CRM snapshots show them.",
    seed="003", domain="customer",
    source="silver.stg_crm_account_hierarchy", system="crm", snapshot=True,
    columns=f"""account_id, {sk("customer", "account_id")} AS customer_key, company_name,
           CASE WHEN parent_account_id IS NOT NULL THEN {PARENT_KEY} END AS parent_account_key,
           parent_account_id, parent_company_name,
           CASE WHEN parent_account_id IS NOT NULL THEN {PARENT_KEY}
                ELSE {sk("account", "account_id")} END AS rollup_account_key,
           coalesce(parent_company_name, company_name) AS rollup_company_name,
           parent_account_id IS NOT NULL AS is_child_account,
           region, {GEO_OF_REGION} AS geo, vertical, customer_type""",
    tracked=("company_name", "parent_account_id", "parent_company_name", "region", "vertical",
             "customer_type"),
    grain="one row per account version seen in the day's CRM hierarchy snapshot",
    sources=("gold.dim_customer",), foreign_keys=(customer_fk(),),
    derived=(*((name, "parent_account_id") for name in (
        "parent_account_key", "rollup_account_key", "rollup_company_name", "is_child_account")),
        ("rollup_company_name", "parent_company_name")),
)

