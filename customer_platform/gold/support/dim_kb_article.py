"""dim_kb_article: the knowledge-base articles behind self-service support, one version
per content revision the support snapshots show.
"""

import datetime as dt

from customer_platform.contracts.base import column
from customer_platform.gold.base import GoldModel, from_contract
from customer_platform.gold.scd2 import scd2_dimension


class DimKbArticleVersion(GoldModel):
    kb_article_key: str = column("Durable surrogate key of the article")
    kb_article_version_key: str = column("Surrogate key of this version", unique=True)
    article_id: str = column("Article business key (KB + 6 digits)")
    title: str = column("Article subject")
    category: str = column("Topic classification")
    version_number: int = column("Content version (1 when published, +1 per revision)", ge=1)
    article_author: str = from_contract("support.kb_articles", "article_author",
                                        description="Content creator")
    published_at: dt.datetime = from_contract("support.kb_articles", "published_at")
    source_updated_at: dt.datetime = column("When this content version was published")


DIM_KB_ARTICLE = scd2_dimension(
    entity="kb_article", business_key="article_id", version_model=DimKbArticleVersion,
    view_name="kb_article",
    description="Knowledge base content management for self-service support: the versions of each "
    "article as the support snapshots show them.",
    seed="000", domain="support",
    source="silver.stg_sup_kb_articles", system="support", snapshot=True,
    columns="article_id, title, category, version_number, article_author, published_at",
    tracked=("title", "category", "version_number", "article_author"),
    grain="one row per article version seen in the day's knowledge-base snapshot",
)

