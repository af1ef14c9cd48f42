"""Apply the plan for one product on one platform: the unit of work of a job.

`SyncEngine.sync` plans (desired vs last known state), then creates or updates through the
marketplace client, reads the listing back and stores what it confirmed. It never holds a database
transaction across an HTTP call. What it returns (`Outcome`) tells the worker what to do with the job.

The create protocol (shared/design.md): before every create the job looks the SKU up on the
marketplace and adopts the listing it finds (records its id, then updates it to the catalog), so
what the store does not know (a restored backup, a second machine, a listing the seller made by
hand) is never listed twice. An idempotency key and the intent are stored before the create is
sent; while the intent is stored the outcome is unknown, and the next attempt's lookup resolves it.
The lookup alone: no marketplace documents that a reused key returns the first result. So a timeout,
a dropped connection or a crash can never make a second listing either.

A change the marketplace refuses only while the listing is in review (TikTok price and stock on a
PENDING product) is rescheduled without spending an attempt, and applied once the listing is live.
So is one refused for a daily quota (TikTok's listing limit, Shopee's call quota): it waits for the reset.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.desired import (
    Action,
    DesiredListing,
    PlanEntry,
    blocking_reasons,
    desired_listing,
    plan_listing,
)
from syncstore_cli.domain.fieldgroups import CONFIRMED_GROUPS, differing_groups
from syncstore_cli.domain.listing import derive_listings
from syncstore_cli.domain.pricing import PlatformPricing
from syncstore_cli.domain.quota import QUOTA_NAMES, quota_holds_back
from syncstore_cli.domain.vocabulary import ErrorCode, JobState
from syncstore_cli.engine.images import ImageCache, ImageUnreachable
from syncstore_cli.engine.ports import (
    CatalogPort,
    KnownListing,
    ListingStatePort,
    Shop,
    StoredProduct,
    TaxonomyPort,
)
from syncstore_cli.engine.remote import listings_with_sku, readback_differences
from syncstore_cli.errors import NotFoundError
from syncstore_cli.marketplaces.base import (
    AttributeValue,
    ListingSpec,
    RemoteListing,
    VariantSpec,
)
from syncstore_cli.marketplaces.errors import (
    Forbidden,
    MarketplaceError,
    NeedsAuthError,
    NotFound,
    NotLiveYet,
    QuotaExhausted,
    RateLimited,
    RetriableError,
    ValidationFailed,
)


class ProductBlocked(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class Outcome:
    """A job's result: its final state, or `pending` with `retry_at` to try again later, and the seller-facing facts."""

    state: str
    action: str | None = None
    external_id: str | None = None
    message: str = ""
    error_code: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    retry_at: float | None = None
    plan: PlanEntry | None = None


def error_code_for(error: BaseException) -> ErrorCode:
    if isinstance(error, MarketplaceError) and error.code == ErrorCode.DUPLICATE_LISTING:
        return ErrorCode.DUPLICATE_LISTING  # raised by the lookup before a create, not by the marketplace
    if isinstance(error, RateLimited):
        return ErrorCode.RATE_LIMITED
    if isinstance(error, QuotaExhausted):
        return ErrorCode.QUOTA_WAIT
    if isinstance(error, RetriableError):
        return ErrorCode.MARKETPLACE_UNAVAILABLE
    if isinstance(error, NeedsAuthError | Forbidden):
        return ErrorCode.UNAUTHORIZED
    if isinstance(error, NotFound):
        return ErrorCode.LISTING_NOT_FOUND
    return ErrorCode.REJECTED_BY_MARKETPLACE


def _error_record(error: BaseException, attempt: int) -> dict[str, Any]:
    record: dict[str, Any] = {"attempt": attempt, "at": round(time.time(), 3), "kind": type(error).__name__,
                              "message": str(error)}
    if isinstance(error, MarketplaceError):
        record.update(code=error.code, request_id=error.request_id, http_status=error.http_status)
    return record


class SyncEngine:
    def __init__(
        self,
        catalog: CatalogPort,
        store: ListingStatePort,
        pricing: Mapping[str, PlatformPricing],
        shops: Mapping[Platform, Shop],
        images: ImageCache | None,
        *,
        taxonomy: TaxonomyPort,
        max_attempts: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.taxonomy = taxonomy
        self.pricing = pricing
        self.shops = shops
        self.images = images
        self.max_attempts = max_attempts
        self.clock = clock
        self._sku_owners: dict[str, str] | None = None

    # -- planning ------------------------------------------------------------------------------
    def sku_owners(self) -> dict[str, str]:
        if self._sku_owners is None:
            self._sku_owners = self.catalog.variant_sku_owners()
        return self._sku_owners

    def plan(self, stored: StoredProduct, platform: Platform, known: KnownListing | None = None) -> PlanEntry:
        product = stored.product
        locked = {p: ls.seo_title for p, ls in stored.listings.items() if ls.seo_locked and ls.seo_title}
        draft = derive_listings(product, self.pricing, locked)[platform]
        terms = self.taxonomy.listing_terms(product, platform)
        desired = desired_listing(product, draft, terms)
        known = known or self.store.known_listing(product.id, platform.value)
        reasons = blocking_reasons(product, draft, self.sku_owners(), creating=known.external_id is None)
        reasons.extend(terms.reasons)
        return plan_listing(desired, known.state, known.external_id, reasons)

    def _quota_spent_until(self, platform: Platform, entry: PlanEntry) -> Outcome | None:
        """A job its platform's daily quota counts waits, without a request, while another job of the shop
        is parked for that quota: the marketplace would refuse it until the same reset (and a refusal is a
        call that Shopee's own quota counts)."""
        if not quota_holds_back(platform.value, entry.action is Action.CREATE):
            return None
        until = self.store.quota_parked_until(platform.value, self.clock())
        if until is None:
            return None
        quota = QUOTA_NAMES[platform.value]
        resumes = datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds")
        return Outcome(JobState.PENDING, action=entry.action.value,
                       message=f"waiting for {quota} to reset at {resumes}", error_code=ErrorCode.QUOTA_WAIT,
                       errors=[{"attempt": 0, "at": round(self.clock(), 3), "kind": "quota",
                                "code": ErrorCode.QUOTA_WAIT, "resumes_at": until,
                                "message": f"{quota} is spent until {resumes} (another job met it); not sent"}],
                       attempts=0, retry_at=until, plan=entry)

    # -- applying ------------------------------------------------------------------------------
    def sync(self, product_id: str, platform: Platform) -> Outcome:
        """Plan and apply one product on one platform; every marketplace error becomes an Outcome."""
        try:
            stored = self.catalog.get(product_id)
        except NotFoundError:
            return Outcome(JobState.FAILED, message=f"no product with id '{product_id}'",
                           error_code=ErrorCode.PRODUCT_NOT_FOUND)
        shop = self.shops.get(platform)
        if shop is None:
            return Outcome(JobState.FAILED, message=f"no {platform.value} shop is authorized; run `syncstore auth "
                                                    f"{platform.value}`", error_code=ErrorCode.UNAUTHORIZED)
        known = self.store.known_listing(product_id, platform.value)
        entry = self.plan(stored, platform, known)
        if entry.action is Action.BLOCKED:
            return Outcome(JobState.BLOCKED, action=entry.action.value, message="; ".join(entry.reasons),
                           error_code=ErrorCode.INVALID_PRODUCT, plan=entry)
        parked = self._quota_spent_until(platform, entry)
        if parked is not None:
            return parked
        errors: list[dict[str, Any]] = []
        attempts = 0
        refreshed = False
        while True:
            attempts += 1
            if attempts > 1:  # an earlier attempt may have created the listing or stored a create intent
                known = self.store.known_listing(product_id, platform.value)
            try:
                outcome = self._apply(shop, stored.product, entry, known)
                outcome.errors = errors + outcome.errors
                outcome.attempts = attempts
                return outcome
            except ImageUnreachable as error:
                return Outcome(JobState.BLOCKED, action=entry.action.value, message=str(error),
                               error_code=ErrorCode.IMAGE_UNREACHABLE, errors=errors, attempts=attempts, plan=entry)
            except ProductBlocked as error:
                return Outcome(JobState.BLOCKED, action=entry.action.value, message=str(error),
                               error_code=ErrorCode.INVALID_PRODUCT, errors=errors, attempts=attempts, plan=entry)
            except NeedsAuthError as error:
                errors.append(_error_record(error, attempts))
                if refreshed:
                    return Outcome(JobState.FAILED, action=entry.action.value, message=str(error),
                                   error_code=ErrorCode.UNAUTHORIZED, errors=errors, attempts=attempts, plan=entry)
                refreshed = True
                try:
                    shop.refresh_after_rejection()
                except RetriableError as refresh_error:  # the token host is busy: the shop is still authorized
                    errors.append(_error_record(refresh_error, attempts))
                    return Outcome(JobState.PENDING, action=entry.action.value, message=str(refresh_error),
                                   error_code=error_code_for(refresh_error), errors=errors, attempts=attempts,
                                   retry_at=self.clock() + (refresh_error.retry_after or 1.0), plan=entry)
                except MarketplaceError as refresh_error:
                    errors.append(_error_record(refresh_error, attempts))
                    return Outcome(JobState.FAILED, action=entry.action.value, message=str(refresh_error),
                                   error_code=ErrorCode.UNAUTHORIZED, errors=errors, attempts=attempts, plan=entry)
            except NotLiveYet as error:
                # Waiting for the marketplace's review is not a failure and not a retry of ours: the job
                # comes back after `retry_after` with its attempts untouched (the review ends in ACTIVATE,
                # which completes it, or FAILED, which the client raises as a permanent error with the
                # reasons). Each look costs one read, so the wait is paced, not counted.
                return Outcome(JobState.PENDING, action=entry.action.value, message=str(error),
                               error_code=ErrorCode.MARKETPLACE_UNAVAILABLE, errors=errors, attempts=0,
                               retry_at=self.clock() + (error.retry_after or 60.0), plan=entry)
            except QuotaExhausted as error:
                # Nothing helps before the reset and everything after it, so the job waits for it with its
                # attempts untouched: a publish larger than a day's quota finishes over several days, and
                # nothing is dead-lettered for a quota. The record says when the wait ends, for `sync status`.
                resumes = datetime.fromtimestamp(error.resets_at, UTC).isoformat(timespec="seconds")
                errors.append({**_error_record(error, attempts), "code": ErrorCode.QUOTA_WAIT,
                               "marketplace_code": error.code, "resumes_at": error.resets_at})
                return Outcome(JobState.PENDING, action=entry.action.value,
                               message=f"waiting for {error.quota} to reset at {resumes}",
                               error_code=ErrorCode.QUOTA_WAIT, errors=errors, attempts=0,
                               retry_at=error.resets_at, plan=entry)
            except RetriableError as error:
                # The HTTP layer already retried this request with backoff; one more engine-level attempt
                # is worth it only for an unknown create outcome (the create protocol resolves it first).
                errors.append(_error_record(error, attempts))
                known = self.store.known_listing(product_id, platform.value)  # for the decision below
                if error.retry_after is not None and attempts < self.max_attempts:
                    return Outcome(JobState.PENDING, action=entry.action.value, message=str(error),
                                   error_code=ErrorCode.RATE_LIMITED, errors=errors, attempts=attempts,
                                   retry_at=self.clock() + error.retry_after, plan=entry)
                if attempts >= self.max_attempts or not known.create_key:
                    return Outcome(JobState.DEAD, action=entry.action.value, message=str(error),
                                   error_code=error_code_for(error), errors=errors, attempts=attempts, plan=entry)
            except MarketplaceError as error:
                errors.append(_error_record(error, attempts))
                return Outcome(JobState.FAILED, action=entry.action.value, message=str(error),
                               error_code=error_code_for(error), errors=errors, attempts=attempts, plan=entry)

    def _apply(self, shop: Shop, product: Product, entry: PlanEntry, known: KnownListing) -> Outcome:
        desired = entry.desired
        assert desired is not None
        platform = desired.platform.value
        external_id = known.external_id
        if external_id is None:
            # Never a create on the store's word alone: it may have lost the listing (a restored backup,
            # another machine, a listing made by hand) or an earlier create's outcome may be unknown.
            found = self._find_existing(shop, desired)
            if found is not None:
                external_id = found.external_id
                self.store.record_external_id(product.id, platform, external_id)
                adopted = ("adopted the listing an earlier attempt created" if known.create_key is not None
                           else f"adopted listing {external_id}, found by SKU {desired.sku} (the store had no "
                                "record of it)")
                return self._update(shop, product, desired, external_id, None, adopted=adopted)
            return self._create(shop, product, desired, known.create_key)
        if entry.action is Action.CREATE:
            # An earlier attempt created it (its read-back failed): compare with what is there now.
            return self._update(shop, product, desired, external_id, None)
        if entry.action is Action.NO_CHANGE:
            return Outcome(JobState.DONE, action=Action.NO_CHANGE.value, external_id=external_id,
                           message="already up to date; nothing sent", plan=entry)
        return self._update(shop, product, desired, external_id, entry.fields, plan=entry)

    def _find_existing(self, shop: Shop, desired: DesiredListing) -> RemoteListing | None:
        """The live listing carrying the product's SKU (or its first variant's); raises DUPLICATE_LISTING
        when more than one does."""
        found = listings_with_sku(shop.client, desired.sku, [v.sku for v in desired.variants])
        if len(found) > 1:
            raise ValidationFailed(shop.platform.value, f"SKU {desired.sku} is already listed {len(found)} times ("
                                   f"{', '.join(sorted(x.external_id for x in found))}); resolve the duplicates in "
                                   "the seller centre first", code=ErrorCode.DUPLICATE_LISTING)
        return found[0] if found else None

    def _spec(self, shop: Shop, desired: DesiredListing, with_images: bool) -> ListingSpec:
        assert self.images is not None, "planning-only engine cannot send"
        images = self.images.references(shop, desired.images) if with_images else ()
        return ListingSpec(
            sku=desired.sku, title=desired.title, description=desired.description, category_id=desired.category_id,
            images=images, price=desired.price, stock=desired.stock, tier_names=desired.tier_names,
            variants=tuple(VariantSpec(v.sku, v.options, v.price, v.stock) for v in desired.variants),
            brand=desired.brand, weight_g=desired.weight_g, length_cm=desired.length_cm, width_cm=desired.width_cm,
            height_cm=desired.height_cm, tokopedia=desired.tokopedia,
            attributes=tuple(AttributeValue(v.attribute_id, v.value_id, v.name, v.unit) for v in desired.attributes),
        )

    def _create(self, shop: Shop, product: Product, desired: DesiredListing, key: str | None) -> Outcome:
        spec = self._spec(shop, desired, with_images=True)  # uploads first: they are reusable, never duplicated
        key = key or uuid.uuid4().hex
        self.store.set_create_intent(product.id, desired.platform.value, key)
        result = shop.client.create_listing(spec, key)
        self.store.record_external_id(product.id, desired.platform.value, result.external_id)
        return self._confirm(shop, product, desired, result.external_id, Action.CREATE, "created")

    def _update(self, shop: Shop, product: Product, desired: DesiredListing, external_id: str,
                fields: frozenset[str] | None, *, adopted: str | None = None, plan: PlanEntry | None = None
                ) -> Outcome:
        if fields is None:  # adopted (found by SKU), or no known state: compare with what is there
            from syncstore_cli.engine.remote import remote_state

            current = remote_state(shop.client.get_listing(external_id))
            fields = differing_groups(desired.groups(), current)
        if fields:
            spec = self._spec(shop, desired, with_images="images" in fields)
            shop.client.update_listing(external_id, spec, fields)
        verb = adopted or "updated " + ", ".join(sorted(fields))
        if adopted and fields:
            verb += "; updated " + ", ".join(sorted(fields))
        # An update confirms the groups it sent: one the seller edited in the seller centre and the drift
        # policy says to leave ("report") is not this job's to judge. Nothing sent: confirm everything.
        sent = [g for g in CONFIRMED_GROUPS if g in fields] if fields else list(CONFIRMED_GROUPS)
        return self._confirm(shop, product, desired, external_id, Action.UPDATE, verb, plan, groups=sent)

    def _confirm(self, shop: Shop, product: Product, desired: DesiredListing, external_id: str, action: Action,
                 verb: str, plan: PlanEntry | None = None, *, groups: Sequence[str] = CONFIRMED_GROUPS) -> Outcome:
        listing = shop.client.get_listing(external_id)
        problems = readback_differences(desired, listing, groups)
        if problems:
            message = f"read-back of {desired.platform.value} {external_id} differs: " + "; ".join(problems)
            self.store.record_error(product.id, desired.platform.value, message)
            return Outcome(JobState.FAILED, action=action.value, external_id=external_id, message=message,
                           error_code=ErrorCode.READBACK_MISMATCH, plan=plan)
        variant_ids = {v.sku: v.external_id for v in listing.variants}
        self.store.record_synced(product.id, desired.platform.value, external_id, variant_ids, desired.groups())
        return Outcome(JobState.DONE, action=action.value, external_id=external_id,
                       message=f"{verb}; read back as intended ({listing.status or 'ok'})", plan=plan)
