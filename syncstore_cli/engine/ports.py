"""What the engine needs from the world, as small interfaces: `store/`, `marketplaces/` and `queue/`
implement them; unit tests implement them in memory (tests/unit/fakes.py).

Each protocol lists exactly the calls an engine class makes, no more:

    CatalogPort         SyncEngine reads products            (store.catalog.CatalogStore)
    KnownListingsPort   what the store knows of one listing   (store.jobs.JobStore)
    ListingStatePort    SyncEngine and Rollback record it     (store.jobs.JobStore)
    JobPort             JobRunner's claim, lease and finish   (store.jobs.JobStore)
    SyncLogPort         LogCapture writes sync_logs rows      (store.jobs.JobStore)
    ImageUploadsPort    ImageCache's uploads per shop         (store.jobs.JobStore)
    RollbackStatePort   Rollback records each step's state    (store.safety.SafetyStore)
    TaxonomyPort        where a product goes, with what attributes (store.taxonomy.TaxonomyStore)
    MarketplaceClient   one shop on one marketplace (marketplaces.base), carried by `Shop`

The engine imports these and never the concrete stores. The plain value records the ports speak in
still live next to the tables they map (store/), and are re-exported here so that the engine reads
them from one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.taxonomy import ListingTerms
from syncstore_cli.marketplaces.base import MarketplaceClient
from syncstore_cli.store.catalog import StoredProduct
from syncstore_cli.store.jobs import Job, KnownListing, LogEntry
from syncstore_cli.store.safety import RollbackStep, Snapshot

__all__ = [
    "CatalogPort",
    "ImageUploadsPort",
    "Job",
    "JobPort",
    "KnownListing",
    "KnownListingsPort",
    "ListingStatePort",
    "LogEntry",
    "MarketplaceClient",
    "RollbackStatePort",
    "RollbackStep",
    "Shop",
    "Snapshot",
    "StoredProduct",
    "SyncLogPort",
    "TaxonomyPort",
]


@dataclass
class Shop:
    """One authorized shop's client, as the engine uses it."""

    platform: Platform
    shop_id: str
    client: MarketplaceClient
    refresh_after_rejection: Callable[[], None] = lambda: None


class CatalogPort(Protocol):
    """The master catalog, as the engine reads it."""

    def get(self, product_id: str) -> StoredProduct:
        """The product with its per-platform listing state; `errors.NotFoundError` when there is none."""
        ...

    def variant_sku_owners(self) -> dict[str, str]:
        """Every variant SKU -> the first product (catalog order) that uses it."""
        ...


class TaxonomyPort(Protocol):
    def listing_terms(self, product: Product, platform: Platform) -> ListingTerms:
        """The marketplace category, attribute values and Tokopedia choice of the product's listing, or
        the reasons it cannot be sent (unmapped, not a leaf, a mandatory attribute without a value)."""
        ...


class KnownListingsPort(Protocol):
    def known_listing(self, product_id: str, platform: str) -> KnownListing:
        """What the store knows of one product on one platform (all None when nothing yet)."""
        ...


class ListingStatePort(KnownListingsPort, Protocol):
    """One product's listing on one platform as the store keeps it, and every change a sync or a
    rollback makes to it. Each call is its own transaction; none is held across an HTTP call."""

    def set_create_intent(self, product_id: str, platform: str, key: str | None) -> None:
        """Stored before a create is sent: while it is set, the create's outcome is unknown."""
        ...

    def record_external_id(self, product_id: str, platform: str, external_id: str) -> None:
        """A create's id, as soon as it is known (clears the create intent)."""
        ...

    def record_synced(self, product_id: str, platform: str, external_id: str, variant_ids: Mapping[str, str],
                      state: Mapping[str, Any]) -> None:
        """The listing's id, its variants' ids and the state read back (clears the create intent)."""
        ...

    def record_error(self, product_id: str, platform: str, message: str) -> None:
        ...

    def forget_listing(self, product_id: str, platform: str) -> None:
        """The listing is gone from the marketplace: forget its ids, state and create intent."""
        ...

    def mark_not_synced(self, product_id: str) -> None:
        ...

    def quota_parked_until(self, platform: str, now: float) -> float | None:
        """When the latest job of this platform parked for its daily quota runs again, if one waits now."""
        ...


class JobPort(Protocol):
    """The jobs table as a worker uses it: every write after `claim` is conditional on the lease."""

    def claim(self, job_id: int, owner: str, now: float, lease_seconds: float) -> tuple[Job, bool] | None:
        """The job and whether its listing was locked for it; None when it is not claimable."""
        ...

    def renew(self, job_ids: Iterable[int], owner: str, until: float) -> None:
        ...

    def finish(self, job_id: int, owner: str, state: str, *, action: str | None = None,
               external_id: str | None = None, message: str | None = None, error_code: str | None = None,
               errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0) -> bool:
        """Records the outcome and releases the listing; False (nothing written) when the lease was lost."""
        ...

    def reschedule(self, job_id: int, owner: str, next_attempt_at: float, *,
                   errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0, message: str | None = None,
                   error_code: str | None = None) -> bool:
        """Back to pending, due at `next_attempt_at`, waiting for `error_code`; False when the lease was lost."""
        ...

    def unlock_listing(self, product_id: str, platform: str, job_id: int, owner: str) -> None:
        """Releases the job's listing lock, only while `owner` still holds the job's lease."""
        ...


class SyncLogPort(Protocol):
    def add_logs(self, logs: Sequence[LogEntry]) -> None:
        ...


class ImageUploadsPort(Protocol):
    """Which image bytes (by content hash) a shop already has, shared by every worker process."""

    def uploaded_images(self, platform: str, shop_id: str, content_hashes: Sequence[str]) -> dict[str, str]:
        ...

    def remember_uploads(self, platform: str, shop_id: str, references: Mapping[str, str]) -> dict[str, str]:
        """Stores the shop's reference per hash; returns the ones that stay (the first stored wins)."""
        ...


class RollbackStatePort(Protocol):
    def finish_step(self, batch_id: str, product_id: str, platform: str, state: str, message: str) -> None:
        """A rollback step's outcome, stored as soon as it is known, so a crashed rollback resumes."""
        ...
