"""SQLModel tables. Schema changes ship as Alembic migrations in `store/migrations/versions/`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from syncstore_cli.domain.vocabulary import BatchStatus, JobState, ListingStatus, RollbackStepState, SyncStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class ProductRow(SQLModel, table=True):
    __tablename__ = "products"

    id: str = Field(primary_key=True, max_length=64)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    sku: str = Field(max_length=100, unique=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=64)
    brand: str = Field(max_length=128)
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    price: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    stock: int
    origin: str = Field(max_length=16)
    tiers_json: str = Field(sa_column=Column(Text, nullable=False))
    # {"attribute name": "value"}: the product's own attribute values from the catalog file
    attributes_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    status: str = Field(default=SyncStatus.NOT_SYNCED, max_length=16, index=True)
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VariantRow(SQLModel, table=True):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("product_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: str = Field(foreign_key="products.id", index=True, ondelete="CASCADE")
    position: int
    sku: str = Field(max_length=100, index=True)
    options_json: str = Field(sa_column=Column(Text, nullable=False))
    price: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    stock: int
    image: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ImageRow(SQLModel, table=True):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("product_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: str = Field(foreign_key="products.id", index=True, ondelete="CASCADE")
    position: int
    url: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str | None = Field(default=None, max_length=64)


class ListingRow(SQLModel, table=True):
    """What SyncStore computed for, and last knows of, one product on one marketplace."""

    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("product_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: str = Field(foreign_key="products.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    external_id: str | None = Field(default=None, max_length=64, index=True)
    price: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    price_formula: str = Field(sa_column=Column(Text, nullable=False))
    seo_title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    seo_similarity: float | None = None
    seo_locked: bool = False
    seo_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    synced_fingerprint: str | None = Field(default=None, max_length=64)
    status: str = Field(default=ListingStatus.NOT_SYNCED, max_length=16)
    updated_at: datetime = Field(default_factory=utcnow)
    # What SyncStore last confirmed on the marketplace (DesiredListing.groups() as JSON): the plan's "state".
    synced_state: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    synced_at: datetime | None = None
    # The create protocol's intent: set (with the idempotency key) before a create is sent, cleared
    # once its listing id is stored; while set, the outcome of a create is unknown.
    create_key: str | None = Field(default=None, max_length=64)
    # One job at a time per product and platform, across batches and workers.
    lock_job: int | None = None
    lock_until: float | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ListingVariantRow(SQLModel, table=True):
    __tablename__ = "listing_variants"
    __table_args__ = (UniqueConstraint("listing_id", "variant_sku"),)

    id: int | None = Field(default=None, primary_key=True)
    listing_id: int = Field(foreign_key="listings.id", index=True, ondelete="CASCADE")
    variant_sku: str = Field(max_length=100)
    external_id: str | None = Field(default=None, max_length=64)
    price: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))



class ShopAuthRow(SQLModel, table=True):
    """One authorized shop: its current token pair and the refresh lease (one refresher at a time)."""

    __tablename__ = "shop_auth"
    __table_args__ = (UniqueConstraint("platform", "shop_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    shop_id: str = Field(max_length=64)
    shop_cipher: str | None = Field(default=None, max_length=128)
    shop_name: str | None = Field(default=None, max_length=255)
    access_token: str = Field(sa_column=Column(Text, nullable=False))
    refresh_token: str = Field(sa_column=Column(Text, nullable=False))
    access_expires_at: float
    refresh_expires_at: float
    authorization_expires_at: float | None = None
    authorized: bool = True
    unauthorized_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    generation: int = 0
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: float | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class SyncBatchRow(SQLModel, table=True):
    __tablename__ = "sync_batches"

    id: str = Field(primary_key=True, max_length=40)
    kind: str = Field(max_length=16)  # batch | manual | rollback
    platforms: str = Field(max_length=32)
    total_jobs: int
    status: str = Field(default=BatchStatus.QUEUED, max_length=16, index=True)
    source: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    products: int = 0  # distinct products, what the staged rollout counts
    forced: bool = False  # started past the staged rollout's limit by the owner (`--force`)
    backup_id: str | None = Field(default=None, max_length=64)  # the verified database backup taken before it
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class SyncJobRow(SQLModel, table=True):
    """One product on one platform in one batch; the truth the queue only points at."""

    __tablename__ = "sync_jobs"
    # (batch_id, state): "is anything left open in this batch?" after every job, without scanning the batch.
    __table_args__ = (UniqueConstraint("batch_id", "product_id", "platform"),
                      Index("ix_sync_jobs_batch_state", "batch_id", "state"))

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(foreign_key="sync_batches.id", index=True, max_length=40)
    product_id: str = Field(max_length=64, index=True)
    platform: str = Field(max_length=16)
    state: str = Field(default=JobState.PENDING, max_length=16, index=True)
    action: str | None = Field(default=None, max_length=16)  # what the plan decided when it ran
    deliveries: int = 0  # times a worker claimed it (a crash makes a redelivery)
    attempts: int = 0  # marketplace attempts, over every delivery
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: float | None = None
    next_attempt_at: float = 0.0
    enqueued_at: float | None = None
    external_id: str | None = Field(default=None, max_length=64)
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_code: str | None = Field(default=None, max_length=32)
    errors_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class SyncLogRow(SQLModel, table=True):
    """One marketplace request (one attempt), with secrets removed."""

    __tablename__ = "sync_logs"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str | None = Field(default=None, max_length=40, index=True)
    job_id: int | None = None
    product_id: str | None = Field(default=None, max_length=64, index=True)
    platform: str = Field(max_length=16)
    status: str = Field(max_length=16, index=True)  # ok | error
    method: str = Field(max_length=8)
    path: str = Field(sa_column=Column(Text, nullable=False))
    http_status: int | None = None
    request_payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    response_payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    request_id: str | None = Field(default=None, max_length=128)
    elapsed_ms: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class ImageUploadRow(SQLModel, table=True):
    """An image already uploaded to a shop, by content hash, so the same bytes are never sent twice."""

    __tablename__ = "image_uploads"
    __table_args__ = (UniqueConstraint("platform", "shop_id", "content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    shop_id: str = Field(max_length=64)
    content_hash: str = Field(max_length=64)
    reference: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class BatchSnapshotRow(SQLModel, table=True):
    """A listing as the marketplace had it just before a batch touched it: what a rollback restores."""

    __tablename__ = "batch_snapshots"
    __table_args__ = (UniqueConstraint("batch_id", "product_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(max_length=40, index=True)
    product_id: str = Field(max_length=64)
    platform: str = Field(max_length=16)
    external_id: str | None = Field(default=None, max_length=64)  # None: not on the marketplace before
    state_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # remote_state groups
    variant_ids_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    synced_state_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # the store's view
    taken_at: datetime = Field(default_factory=utcnow)


class RollbackStepRow(SQLModel, table=True):
    """One listing of a rollback: what to do and whether it is done (a rollback resumes from here)."""

    __tablename__ = "rollback_steps"
    __table_args__ = (UniqueConstraint("batch_id", "product_id", "platform"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(max_length=40, index=True)
    product_id: str = Field(max_length=64)
    platform: str = Field(max_length=16)
    action: str = Field(max_length=16)  # restore | delete | nothing
    external_id: str | None = Field(default=None, max_length=64)
    state: str = Field(default=RollbackStepState.PENDING, max_length=16)  # pending | done | failed
    message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


class CheckRunRow(SQLModel, table=True):
    """One run of `validate` or `spot-check`: what was checked and what it found."""

    __tablename__ = "check_runs"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, index=True)  # validate | spot_check | drift_shopee | drift_tiktok
    batch_id: str | None = Field(default=None, max_length=40, index=True)
    passed: bool
    summary: str = Field(sa_column=Column(Text, nullable=False))
    results_json: str = Field(sa_column=Column(Text, nullable=False))
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime = Field(default_factory=utcnow)


class ApprovalRow(SQLModel, table=True):
    """The owner's approval of a finished, validated batch: what lets the staged rollout grow."""

    __tablename__ = "approvals"

    batch_id: str = Field(primary_key=True, max_length=40)
    products: int
    check_run_id: int | None = None
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    approved_at: datetime = Field(default_factory=utcnow)


class MarketCategoryRow(SQLModel, table=True):
    """One node of a marketplace's category tree, as the marketplace last returned it."""

    __tablename__ = "market_categories"

    platform: str = Field(primary_key=True, max_length=16)
    category_id: str = Field(primary_key=True, max_length=32)
    parent_id: str = Field(max_length=32)
    name: str = Field(sa_column=Column(Text, nullable=False))
    is_leaf: bool
    tokopedia: bool = False  # TikTok: in the Tokopedia tree too (Get Categories, listing_platform=TOKOPEDIA)
    fetched_at: float


class MarketAttributeRow(SQLModel, table=True):
    """One product attribute of a marketplace leaf category (Shopee get_attribute_tree, TikTok Get Attributes)."""

    __tablename__ = "market_attributes"

    platform: str = Field(primary_key=True, max_length=16)
    category_id: str = Field(primary_key=True, max_length=32)
    attribute_id: str = Field(primary_key=True, max_length=32)
    position: int
    name: str = Field(sa_column=Column(Text, nullable=False))
    mandatory: bool
    input_type: str = Field(max_length=16)
    values_json: str = Field(sa_column=Column(Text, nullable=False))  # [[value id, name], ...]
    custom_values: bool
    units_json: str = Field(sa_column=Column(Text, nullable=False))


class MarketCategoryRulesRow(SQLModel, table=True):
    """What a leaf category demands beyond attributes; its presence means the attributes were read."""

    __tablename__ = "market_category_rules"

    platform: str = Field(primary_key=True, max_length=16)
    category_id: str = Field(primary_key=True, max_length=32)
    brand_required: bool
    certifications_json: str = Field(sa_column=Column(Text, nullable=False))  # names of required ones
    fetched_at: float


class CategoryMappingRow(SQLModel, table=True):
    """The marketplace leaf a master category (scope "master") or one product (scope "product") is filed under."""

    __tablename__ = "category_mappings"

    scope: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=64)
    platform: str = Field(primary_key=True, max_length=16)
    category_id: str = Field(max_length=32)
    source: str = Field(max_length=16)  # manual, suggested, csv
    updated_at: datetime = Field(default_factory=utcnow)


class AttributeDefaultRow(SQLModel, table=True):
    """The seller's value for one attribute of one marketplace category, used where a product has none."""

    __tablename__ = "attribute_defaults"

    platform: str = Field(primary_key=True, max_length=16)
    category_id: str = Field(primary_key=True, max_length=32)
    attribute_id: str = Field(primary_key=True, max_length=32)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class RateBudgetRow(SQLModel, table=True):
    """A shop's shared rate budget (GCRA state) when there is no Redis: store/rate_budgets.py."""

    __tablename__ = "rate_budgets"

    budget_key: str = Field(primary_key=True, max_length=200)
    tat: float
    blocked_until: float
    penalties: int
