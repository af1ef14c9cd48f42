"""In-memory implementations of the engine's ports (syncstore_cli.engine.ports): no database, no HTTP.

Each fake keeps the contract its real counterpart documents, not a convenient shortcut of it:
`FakeJobStore` honours leases the way `JobStore`'s conditional UPDATEs do (a worker that lost its
lease writes nothing), and `FakeMarketplace` behaves like Shopee: it has no idempotency key, so a
create that is sent twice makes two listings, and an update changes only the field groups named.

Failures are scripted per method (`fail_next`), before the marketplace acts on a request or after
(`after_commit=True`: the listing changed but the answer was lost, an UNKNOWN OUTCOME). `Crash` is
a process dying: a BaseException, so nothing in the engine can catch and survive it.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from syncstore_cli.domain.catalog import Platform, Product, Tier, Variant
from syncstore_cli.domain.taxonomy import ListingTerms
from syncstore_cli.domain.vocabulary import DEAD_LETTER, ErrorCode, JobState
from syncstore_cli.engine.ports import Job, KnownListing, LogEntry, RollbackStep, StoredProduct
from syncstore_cli.errors import NotFoundError
from syncstore_cli.marketplaces.base import (
    Attribute,
    Brand,
    Category,
    CategoryRules,
    ListingLimits,
    ListingSpec,
    LogisticsOption,
    RemoteListing,
    RemoteVariant,
    WriteResult,
)
from syncstore_cli.marketplaces.errors import NeedsAuthError, NotFound, ValidationFailed

DESCRIPTION = "Frame racing 5 inch dari carbon fiber 3mm, ringan dan kuat untuk freestyle maupun racing. " * 2
IMAGES = ("http://img.test/1.png", "http://img.test/2.png", "http://img.test/3.png")
LEAF = {Platform.SHOPEE: "100706", Platform.TIKTOK: "7003002"}  # any leaf: the fake marketplace takes any id


class FakeTaxonomy:
    """Every product mapped to one leaf per platform, which asks for no attribute (TaxonomyPort)."""

    def __init__(self, terms: Mapping[tuple[str, Platform], ListingTerms] | None = None, *,
                 default: Mapping[Platform, ListingTerms] | None = None) -> None:
        self.terms = dict(terms or {})
        self.default = dict(default or {})

    def listing_terms(self, product: Product, platform: Platform) -> ListingTerms:
        return self.terms.get((product.id, platform)) or self.default.get(platform) or ListingTerms(
            LEAF[platform], "Drone Accessories", tokopedia=platform is Platform.TIKTOK)


def terms_for(platform: Platform) -> ListingTerms:
    return FakeTaxonomy().listing_terms(simple_product(), platform)


def simple_product(product_id: str = "PROD-1", sku: str = "FRM-5IN-CF-001", *, price: int = 150_000,
                   stock: int = 25, description: str = DESCRIPTION) -> Product:
    """A product without variants that passes every blocking rule on both platforms."""
    return Product(
        id=product_id, sku=sku, title="Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle",
        description=description, category="frame", brand="iFlight", weight_g=120, length_cm=25, width_cm=20,
        height_cm=5, price=price, stock=stock, images=IMAGES,
    )


def variant_product(product_id: str = "PROD-2", *, prices: Sequence[int] = (30_000, 32_000, 34_000),
                    stocks: Sequence[int] = (10, 10, 10)) -> Product:
    """A product with one tier of three colours, each its own SKU, price and stock."""
    colours = ("Red", "Blue", "Green")
    return Product(
        id=product_id, sku="PRP-5145-001", title="Propeller 5145 Tri-Blade PC Tahan Banting FPV Racing Freestyle",
        description=DESCRIPTION, category="propeller", brand="Gemfan", weight_g=30, length_cm=15, width_cm=10,
        height_cm=3, price=30_000, stock=0, images=IMAGES, tiers=(Tier("Warna", colours),),
        variants=tuple(Variant(f"PRP-5145-{c.upper()}", (c,), p, s)
                       for c, p, s in zip(colours, prices, stocks, strict=True)),
    )


def fetch_image(url: str) -> bytes:
    """The image host: each URL serves its own bytes."""
    return f"PNG bytes of {url}".encode()


class FakeClock:
    """An injected clock; `sleep` moves it instead of waiting."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    sleep = advance


class Crash(BaseException):
    """The worker process dies here."""


# -- the catalog ------------------------------------------------------------------------------------------


class FakeCatalog:
    """CatalogPort."""

    def __init__(self, *products: Product) -> None:
        self.products: dict[str, Product] = {p.id: p for p in products}

    def put(self, product: Product) -> None:
        self.products[product.id] = product

    def get(self, product_id: str) -> StoredProduct:
        if product_id not in self.products:
            raise NotFoundError(f"no product with id '{product_id}'")
        return StoredProduct(self.products[product_id], {})

    def variant_sku_owners(self) -> dict[str, str]:
        owners: dict[str, str] = {}
        for product in self.products.values():
            for variant in product.variants:
                owners.setdefault(variant.sku, product.id)
        return owners


# -- jobs and listing state -------------------------------------------------------------------------------


@dataclass
class ListingRecord:
    external_id: str | None = None
    state: dict[str, Any] | None = None
    create_key: str | None = None
    variant_ids: dict[str, str] = field(default_factory=dict)
    last_error: str | None = None
    lock_job: int | None = None
    lock_until: float = 0.0


@dataclass
class JobRecord:
    id: int
    batch_id: str
    product_id: str
    platform: str
    state: str = JobState.PENDING
    action: str | None = None
    deliveries: int = 0
    attempts: int = 0
    external_id: str | None = None
    message: str | None = None
    error_code: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    lease_owner: str | None = None
    lease_until: float = 0.0
    next_attempt_at: float = 0.0

    def value(self) -> Job:
        return Job(id=self.id, batch_id=self.batch_id, product_id=self.product_id, platform=self.platform,
                   state=self.state, action=self.action, deliveries=self.deliveries, attempts=self.attempts,
                   external_id=self.external_id, message=self.message, error_code=self.error_code,
                   errors=list(self.errors), lease_owner=self.lease_owner, created_at=None, finished_at=None)


LISTING_BUSY_WAIT = 1.0


class FakeJobStore:
    """JobPort, ListingStatePort, SyncLogPort and ImageUploadsPort, as `store.jobs.JobStore` keeps them."""

    def __init__(self) -> None:
        self.jobs: dict[int, JobRecord] = {}
        self.listings: dict[tuple[str, str], ListingRecord] = {}
        self.not_synced: set[str] = set()
        self.logs: list[LogEntry] = []
        self.uploads: dict[tuple[str, str, str], str] = {}
        self.refused: list[tuple[str, int, str]] = []  # (method, job id, owner) of writes a lost lease refused
        self._ids = itertools.count(1)

    # -- test helpers
    def add_job(self, product_id: str, platform: str = "shopee", batch_id: str = "B-1") -> int:
        job_id = next(self._ids)
        self.jobs[job_id] = JobRecord(job_id, batch_id, product_id, platform)
        return job_id

    def job(self, job_id: int) -> Job:
        return self.jobs[job_id].value()

    def dead_letters(self) -> list[Job]:
        return [j.value() for j in self.jobs.values() if j.state in DEAD_LETTER]

    def _listing(self, product_id: str, platform: str) -> ListingRecord:
        return self.listings.setdefault((product_id, platform), ListingRecord())

    # -- JobPort
    def claim(self, job_id: int, owner: str, now: float, lease_seconds: float) -> tuple[Job, bool] | None:
        job = self.jobs.get(job_id)
        if job is None or not ((job.state == JobState.PENDING and job.next_attempt_at <= now)
                               or (job.state == JobState.LEASED and job.lease_until < now)):
            return None
        job.state, job.lease_owner, job.lease_until = JobState.LEASED, owner, now + lease_seconds
        job.deliveries += 1
        claimed = job.value()
        listing = self._listing(job.product_id, job.platform)
        locked = listing.lock_job is None or listing.lock_until < now or listing.lock_job == job_id
        if locked:
            listing.lock_job, listing.lock_until = job_id, now + lease_seconds
        else:
            job.state, job.lease_owner, job.lease_until = JobState.PENDING, None, 0.0
            job.next_attempt_at = now + LISTING_BUSY_WAIT
            job.deliveries -= 1
        return claimed, locked

    def renew(self, job_ids: Iterable[int], owner: str, until: float) -> None:
        for job_id in job_ids:
            job = self.jobs[job_id]
            if job.lease_owner == owner and job.state == JobState.LEASED:
                job.lease_until = until

    def _held(self, method: str, job_id: int, owner: str) -> JobRecord | None:
        job = self.jobs[job_id]
        if job.lease_owner != owner or job.state != JobState.LEASED:
            self.refused.append((method, job_id, owner))
            return None
        return job

    def finish(self, job_id: int, owner: str, state: str, *, action: str | None = None,
               external_id: str | None = None, message: str | None = None, error_code: str | None = None,
               errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0) -> bool:
        job = self._held("finish", job_id, owner)
        if job is None:
            return False
        job.state, job.action, job.external_id, job.message, job.error_code = (
            state, action, external_id, message, error_code)
        job.errors += [dict(e) for e in errors]
        job.attempts += attempts
        job.lease_owner, job.lease_until = None, 0.0
        self._unlock(job.product_id, job.platform, job_id)
        return True

    def reschedule(self, job_id: int, owner: str, next_attempt_at: float, *,
                   errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0, message: str | None = None,
                   error_code: str | None = None) -> bool:
        job = self._held("reschedule", job_id, owner)
        if job is None:
            return False
        job.state, job.next_attempt_at, job.message = JobState.PENDING, next_attempt_at, message
        job.error_code = error_code
        job.errors += [dict(e) for e in errors]
        job.attempts += attempts
        job.lease_owner, job.lease_until = None, 0.0
        self._unlock(job.product_id, job.platform, job_id)
        return True

    def unlock_listing(self, product_id: str, platform: str, job_id: int, owner: str) -> None:
        job = self.jobs.get(job_id)
        if job is not None and job.lease_owner == owner and job.state == JobState.LEASED:
            self._unlock(product_id, platform, job_id)

    def _unlock(self, product_id: str, platform: str, job_id: int) -> None:
        listing = self._listing(product_id, platform)
        if listing.lock_job == job_id:
            listing.lock_job, listing.lock_until = None, 0.0

    # -- ListingStatePort
    def known_listing(self, product_id: str, platform: str) -> KnownListing:
        record = self.listings.get((product_id, platform))
        if record is None:
            return KnownListing(None, None, None, {})
        return KnownListing(record.external_id, record.state, record.create_key, dict(record.variant_ids))

    def set_create_intent(self, product_id: str, platform: str, key: str | None) -> None:
        self._listing(product_id, platform).create_key = key

    def record_external_id(self, product_id: str, platform: str, external_id: str) -> None:
        record = self._listing(product_id, platform)
        record.external_id, record.create_key = external_id, None

    def record_synced(self, product_id: str, platform: str, external_id: str, variant_ids: Mapping[str, str],
                      state: Mapping[str, Any]) -> None:
        record = self._listing(product_id, platform)
        record.external_id, record.state, record.create_key, record.last_error = external_id, dict(state), None, None
        record.variant_ids.update(variant_ids)

    def record_error(self, product_id: str, platform: str, message: str) -> None:
        self._listing(product_id, platform).last_error = message

    def forget_listing(self, product_id: str, platform: str) -> None:
        if (product_id, platform) in self.listings:
            self.listings[(product_id, platform)] = ListingRecord()
            self.not_synced.add(product_id)

    def mark_not_synced(self, product_id: str) -> None:
        self.not_synced.add(product_id)

    def quota_parked_until(self, platform: str, now: float) -> float | None:
        waits = [job.next_attempt_at for job in self.jobs.values() if job.platform == platform
                 and job.state == JobState.PENDING and job.error_code == ErrorCode.QUOTA_WAIT
                 and job.next_attempt_at > now]
        return max(waits, default=None)

    # -- SyncLogPort
    def add_logs(self, logs: Sequence[LogEntry]) -> None:
        self.logs.extend(logs)

    # -- ImageUploadsPort
    def uploaded_images(self, platform: str, shop_id: str, content_hashes: Sequence[str]) -> dict[str, str]:
        known = {h: self.uploads.get((platform, shop_id, h)) for h in content_hashes}
        return {h: reference for h, reference in known.items() if reference is not None}

    def remember_uploads(self, platform: str, shop_id: str, references: Mapping[str, str]) -> dict[str, str]:
        return {h: self.uploads.setdefault((platform, shop_id, h), ref) for h, ref in references.items()}


class FakeSafetyStore:
    """RollbackStatePort, plus the step bookkeeping `store.safety.SafetyStore` does for the rollback use case."""

    def __init__(self) -> None:
        self.steps: dict[tuple[str, str, str], RollbackStep] = {}

    def plan_rollback(self, steps: Sequence[RollbackStep]) -> None:
        for step in steps:
            self.steps.setdefault((step.batch_id, step.product_id, step.platform), step)

    def rollback_steps(self, batch_id: str) -> list[RollbackStep]:
        return [s for (b, _, _), s in self.steps.items() if b == batch_id]

    def finish_step(self, batch_id: str, product_id: str, platform: str, state: str, message: str) -> None:
        key = (batch_id, product_id, platform)
        self.steps[key] = replace(self.steps[key], state=state, message=message)


# -- the marketplace --------------------------------------------------------------------------------------


@dataclass
class Fault:
    error: BaseException
    after_commit: bool


class FakeMarketplace:
    """A MarketplaceClient for one Shopee-like shop, holding its listings in memory.

    `requests` lists every call the engine made, in order, as (method, argument); `keys` the
    idempotency key of each create; `updates` the field groups of each update. An expired token
    (`expire_token`) rejects every call with NeedsAuthError until `refresh_token`.
    """

    def __init__(self, platform: str = "shopee") -> None:
        self.platform = platform
        self.listings: dict[str, RemoteListing] = {}
        self.requests: list[tuple[str, str]] = []
        self.keys: list[str] = []
        self.updates: list[tuple[str, frozenset[str]]] = []  # (listing id, field groups) of each update
        self.faults: dict[str, deque[Fault]] = {}
        self.hooks: dict[str, deque[Callable[[], None]]] = {}
        self.token_valid = True
        self.refuse_delete = False
        self._ids = itertools.count(9_000_001)
        self._lock = threading.Lock()  # uploads arrive from the image cache's threads

    # -- scripting
    def fail_next(self, method: str, error: BaseException, *, after_commit: bool = False, times: int = 1) -> None:
        for _ in range(times):
            self.faults.setdefault(method, deque()).append(Fault(error, after_commit))

    def before_next(self, method: str, hook: Callable[[], None]) -> None:
        """Runs `hook` when `method` is next called, before the marketplace acts on it (a paused worker)."""
        self.hooks.setdefault(method, deque()).append(hook)

    def expire_token(self) -> None:
        self.token_valid = False

    def refresh_token(self) -> None:
        self.token_valid = True

    def calls(self, method: str) -> list[str]:
        return [argument for m, argument in self.requests if m == method]

    def _begin(self, method: str, argument: str) -> Fault | None:
        with self._lock:
            self.requests.append((method, argument))
            hooks = self.hooks.get(method)
            hook = hooks.popleft() if hooks else None
        if hook is not None:
            hook()
        if not self.token_valid:
            raise NeedsAuthError(self.platform, "error_auth: invalid access_token", code="error_auth",
                                 http_status=403)
        with self._lock:
            faults = self.faults.get(method)
            fault = faults.popleft() if faults else None
        if fault is not None and not fault.after_commit:
            raise fault.error
        return fault

    @staticmethod
    def _end(fault: Fault | None) -> None:
        if fault is not None:
            raise fault.error

    def _listing_from(self, external_id: str, spec: ListingSpec) -> RemoteListing:
        variants = tuple(RemoteVariant(v.sku, v.options, v.price, v.stock, f"{external_id}-{i}")
                         for i, v in enumerate(spec.variants))
        return RemoteListing(
            platform=self.platform, external_id=external_id, sku=spec.sku, title=spec.title,
            description=spec.description, category_id=spec.category_id, price=None if variants else spec.price,
            stock=sum(v.stock for v in variants) if variants else spec.stock,
            images=tuple(f"https://cdn.test/{ref}.jpg" for ref in spec.images), tier_names=spec.tier_names,
            variants=variants, status="NORMAL", brand=spec.brand, weight_g=spec.weight_g, length_cm=spec.length_cm,
            width_cm=spec.width_cm, height_cm=spec.height_cm,
        )

    def _get(self, external_id: str) -> RemoteListing:
        if external_id not in self.listings:
            raise NotFound(self.platform, f"item {external_id} not found", code="error_item_not_found")
        return self.listings[external_id]

    # -- MarketplaceClient
    def list_listings(self, page_size: int = 100) -> Iterator[RemoteListing]:
        fault = self._begin("list_listings", "")
        self._end(fault)
        return iter(list(self.listings.values()))

    def get_listing(self, external_id: str) -> RemoteListing:
        fault = self._begin("get_listing", external_id)
        listing = self._get(external_id)
        self._end(fault)
        return listing

    def get_listings(self, external_ids: Sequence[str]) -> list[RemoteListing]:
        fault = self._begin("get_listings", ",".join(external_ids))
        found = [self.listings[i] for i in external_ids if i in self.listings]
        self._end(fault)
        return found

    def find_by_sku(self, sku: str) -> list[RemoteListing]:
        fault = self._begin("find_by_sku", sku)
        found = [listing for listing in self.listings.values() if listing.sku == sku or sku in listing.skus]
        self._end(fault)
        return found

    def find_by_skus(self, skus: Sequence[str]) -> dict[str, list[RemoteListing]]:
        return {sku: self.find_by_sku(sku) for sku in dict.fromkeys(skus)}

    def upload_image(self, data: bytes) -> str:
        fault = self._begin("upload_image", hashlib.sha256(data).hexdigest()[:12])
        reference = "img-" + hashlib.sha256(data).hexdigest()[:12]
        self._end(fault)
        return reference

    def create_listing(self, spec: ListingSpec, idempotency_key: str) -> WriteResult:
        self.keys.append(idempotency_key)
        fault = self._begin("create_listing", spec.sku)
        with self._lock:
            external_id = str(next(self._ids))
            listing = self.listings[external_id] = self._listing_from(external_id, spec)
        self._end(fault)
        return WriteResult(external_id, {v.sku: v.external_id for v in listing.variants}, listing.status)

    def update_listing(self, external_id: str, spec: ListingSpec, fields: frozenset[str]) -> WriteResult:
        fault = self._begin("update_listing", external_id)
        self.updates.append((external_id, fields))
        current = self._get(external_id)
        sent = self._listing_from(external_id, spec)
        changes: dict[str, Any] = {}
        if "title" in fields:
            changes["title"] = sent.title
        if "description" in fields:
            changes["description"] = sent.description
        if "images" in fields:
            changes["images"] = sent.images
        if "category" in fields:
            changes["category_id"] = sent.category_id
        if "brand" in fields:
            changes["brand"] = sent.brand
        if "package" in fields:
            changes.update(weight_g=sent.weight_g, length_cm=sent.length_cm, width_cm=sent.width_cm,
                           height_cm=sent.height_cm)
        variants = current.variants
        if "variants" in fields:  # the structure, with each new variant's price and stock
            changes["tier_names"] = sent.tier_names
            variants = sent.variants
        by_sku = {v.sku: v for v in sent.variants}
        if "price" in fields:
            if variants:
                variants = tuple(replace(v, price=by_sku[v.sku].price) if v.sku in by_sku else v for v in variants)
            else:
                changes["price"] = sent.price
        if "stock" in fields:
            if variants:
                variants = tuple(replace(v, stock=by_sku[v.sku].stock) if v.sku in by_sku else v for v in variants)
            else:
                changes["stock"] = sent.stock
        if variants:
            changes.update(variants=variants, price=None, stock=sum(v.stock for v in variants))
        updated = self.listings[external_id] = replace(current, **changes)
        self._end(fault)
        return WriteResult(external_id, {v.sku: v.external_id for v in updated.variants}, updated.status)

    def delete_listing(self, external_id: str) -> None:
        fault = self._begin("delete_listing", external_id)
        self._get(external_id)
        if self.refuse_delete:
            raise ValidationFailed(self.platform, "item with orders cannot be deleted", code="error_item_status")
        del self.listings[external_id]
        self._end(fault)

    def unlist_listing(self, external_id: str) -> None:
        fault = self._begin("unlist_listing", external_id)
        self.listings[external_id] = replace(self._get(external_id), status="UNLIST")
        self._end(fault)

    def relist_listing(self, external_id: str) -> None:
        fault = self._begin("relist_listing", external_id)
        self.listings[external_id] = replace(self._get(external_id), status="NORMAL")
        self._end(fault)

    def categories(self) -> list[Category]:
        return []

    def attributes(self, category_id: str) -> list[Attribute]:
        return []

    def brands(self, category_id: str) -> list[Brand]:
        return []

    def recommend_categories(self, title: str, *, description: str = "", images: Sequence[str] = ()) -> list[str]:
        return []

    def changed_since(self, since: float) -> list[RemoteListing]:
        return list(self.listings.values())  # the fake keeps no update times: everything may have changed

    def removed_since(self, since: float) -> list[str]:
        return []  # the fake forgets what it deletes

    def brand_required(self, category_id: str) -> bool:
        return False

    def category_rules(self, category_id: str) -> CategoryRules:
        return CategoryRules()

    def logistics(self) -> list[LogisticsOption]:
        return []

    def limits(self, category_id: str) -> ListingLimits:
        raise NotImplementedError("the engine never asks for limits")


if TYPE_CHECKING:  # mypy tests/unit/fakes.py checks that each fake keeps its port's signatures
    from syncstore_cli.engine.ports import (
        CatalogPort,
        ImageUploadsPort,
        JobPort,
        ListingStatePort,
        MarketplaceClient,
        RollbackStatePort,
        SyncLogPort,
    )

    def _conforms(catalog: FakeCatalog, store: FakeJobStore, safety: FakeSafetyStore,
                  market: FakeMarketplace) -> None:
        ports: tuple[CatalogPort, JobPort, ListingStatePort, SyncLogPort, ImageUploadsPort, RollbackStatePort,
                     MarketplaceClient] = (catalog, store, store, store, store, safety, market)
        del ports
