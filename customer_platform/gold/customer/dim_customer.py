"""dim_customer: the master customer, one version per change of segment, tier, status or
address as the CRM snapshots show it.

Other systems refer to customers the CRM has not delivered (yet, or that day): each reference
gets an inferred member, so a fact never points at a customer the dimension lacks;
``CUSTOMER_REFERENCES`` lists the silver tables and columns that make them.
"""

import datetime as dt

from customer_platform.contracts import DECLARED_TABLES
from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, GoldTable, from_contract
from customer_platform.gold.completeness import UNDELIVERED
from customer_platform.gold.scd2 import (
    Scd2Dimension,
    inferred_members,
    snapshot_filter,
    undelivered_column,
)
from customer_platform.gold.sql import CUSTOMER_KEY, DAY, sk
from customer_platform.silver.cleaning import SILVER_LINEAGE


class DimCustomerVersion(GoldModel):
    customer_key: str = column("Durable surrogate key of the customer (same in every version)")
    customer_version_key: str = column("Surrogate key of this version", unique=True)
    customer_id: str = column("Conformed customer key (business key)")
    customer_name: str = from_contract("crm.customers", "customer_name")
    email: str = from_contract("crm.customers", "email")
    phone: str = from_contract("crm.customers", "phone", nullable=True)
    customer_segment: str = column("Residential, SMB, Enterprise or Government; empty where "
                                   "the CRM does not deliver it", nullable=True, optional=True)
    customer_tier: str = column("Bronze, Silver, Gold or Platinum; empty where the CRM does "
                                "not deliver it", nullable=True, optional=True)
    status: str = column("Active, Inactive or Churned")
    address_line: str = from_contract("crm.customers", "address_line", nullable=True)
    city: str = from_contract("crm.customers", "city")
    state: str = from_contract("crm.customers", "state")
    country: str = from_contract("crm.customers", "country")
    region: str = column("Sales region code; empty where the CRM does not deliver it",
                         nullable=True, optional=True)
    signup_date: dt.date = from_contract("crm.customers", "signup_date")
    is_inferred: bool = column(
        "Inferred member: referenced by another system on a day the CRM snapshot lacked it "
        "(its row was rejected, or it is not in the CRM yet); attributes are 'Unknown' until "
        "a real version arrives")
    undelivered_columns: str = undelivered_column()
    source_updated_at: dt.datetime = column("When the CRM recorded this version "
                                            "(1900-01-01 for an inferred member)")


#: Silver tables that refer to customers, and the column they do it with.
CUSTOMER_REFERENCES = tuple(
    (t.silver_table, "account_id" if t.qualified_name == "crm.account_hierarchy"
     else "customer_id")
    for t in DECLARED_TABLES
    if t.qualified_name != "crm.customers"
    and ("customer_id" in t.columns() or t.qualified_name == "crm.account_hierarchy")
)
DIM_CUSTOMER = Scd2Dimension(
    versions=GoldTable(
        name="dim_customer_versions",
        model=DimCustomerVersion,
        description="Master customer information for all customer-related analysis and "
        "segmentation (the CRM's customer dimension): the versions of each customer as the CRM "
        "snapshots show them, plus inferred members for customers other systems refer to "
        "before the CRM delivers them.",
        seed="000",
        kind="dimension",
        domain="customer",
        primary_key=("customer_version_key",),
        sources=("silver.stg_crm_customers",
                 *(f"silver.{table}" for table, _ in CUSTOMER_REFERENCES)),
        grain="one row per customer version contributed by the day's CRM snapshot (recent "
        "changes, and customers new since yesterday's snapshot), plus one inferred version "
        "per customer referenced that day but missing from the snapshot",
        sql=f"""
        WITH snapshot AS (
            SELECT * FROM silver.stg_crm_customers WHERE _partition_date = $day
        )
        SELECT {CUSTOMER_KEY} AS customer_key,
               {sk("customer_version", "customer_id", "updated_at")} AS customer_version_key,
               * EXCLUDE (updated_at, {", ".join(SILVER_LINEAGE)}),
               FALSE AS is_inferred, _missing_columns AS {UNDELIVERED},
               updated_at AS source_updated_at,
               {DAY} AS load_date,
               CAST(updated_at AS DATE) AS update_date,
               'crm' AS source_system
        FROM snapshot AS stg_crm_customers
        WHERE {snapshot_filter("silver.stg_crm_customers", "customer_id", "updated_at")}
        UNION ALL BY NAME
        {inferred_members("customer", "customer_id", DimCustomerVersion,
                          "silver.stg_crm_customers", "crm", CUSTOMER_REFERENCES)}
        """,
        window=(-1, 0),
    ),
    entity_key="customer_key",
    business_key="customer_id",
    tracked=("customer_segment", "customer_tier", "status", "address_line", "city", "state",
             "country", "region"),
    changed_at="source_updated_at",
)

