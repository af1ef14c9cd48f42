"""Putting the marketplaces back as they were before a batch, from its snapshots.

Like terraform, a rollback is a new change towards an earlier state: a listing the batch updated
gets its snapshot's fields back (absolute values, so repeating a step is harmless); a listing the
batch created is deleted, or unlisted where the marketplace refuses the delete. Each step's state
is stored before and after it runs, so a rollback that crashed resumes where it stopped, and a
finished one does nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.fieldgroups import differing_groups, in_order
from syncstore_cli.domain.vocabulary import RollbackAction, RollbackStepState
from syncstore_cli.engine.images import ImageCache
from syncstore_cli.engine.ports import (
    KnownListing,
    ListingStatePort,
    RollbackStatePort,
    RollbackStep,
    Shop,
    Snapshot,
)
from syncstore_cli.engine.remote import remote_state
from syncstore_cli.marketplaces.base import AttributeValue, ListingSpec, VariantSpec
from syncstore_cli.marketplaces.errors import MarketplaceError, NotFound, ValidationFailed


def step_for(snapshot: Snapshot, known: KnownListing) -> RollbackStep:
    """What undoing the batch means for one listing, from the snapshot and what the store knows now."""
    if snapshot.external_id is None:
        if known.external_id is None and known.create_key is None:
            return _step(snapshot, RollbackAction.NOTHING, None, "the batch did not create it")
        return _step(snapshot, RollbackAction.DELETE, known.external_id, "created by the batch")
    return _step(snapshot, RollbackAction.RESTORE, snapshot.external_id, "updated by the batch" if snapshot.state else
                 "no snapshot of its fields")


def _step(snapshot: Snapshot, action: RollbackAction, external_id: str | None, message: str) -> RollbackStep:
    return RollbackStep(snapshot.batch_id, snapshot.product_id, snapshot.platform, action, external_id,
                        RollbackStepState.PENDING, message)


def spec_from_state(sku: str, state: Mapping[str, Any], images: tuple[str, ...], tokopedia: bool) -> ListingSpec:
    """The listing a snapshot describes, as a spec the clients can send back."""
    skus = state["variants"]["skus"]
    prices, stocks = state["price"], state["stock"]
    variants = tuple(VariantSpec(variant_sku, tuple(options), int(prices[variant_sku]), int(stocks[variant_sku]))
                     for variant_sku, options in skus)
    weight, length, width, height = state["package"]
    return ListingSpec(
        sku=sku, title=state["title"], description=state["description"], category_id=str(state["category"]),
        images=images, price=None if variants else prices, stock=0 if variants else int(stocks),
        tier_names=tuple(state["variants"]["tiers"]), variants=variants, brand=state.get("brand") or "No Brand",
        weight_g=int(weight or 0), length_cm=int(length or 0), width_cm=int(width or 0), height_cm=int(height or 0),
        tokopedia=tokopedia,
        # Names only: a snapshot keeps what the listing showed; the client finds a listed value's id by name.
        attributes=tuple(AttributeValue(attribute_id, "", name)
                         for attribute_id, names in (state.get("attributes") or {}).items() for name in names),
    )


@dataclass
class StepResult:
    step: RollbackStep
    state: str  # done | failed | planned
    message: str


class Rollback:
    """Runs the recorded steps of one batch's rollback against the shops."""

    def __init__(self, store: ListingStatePort, safety: RollbackStatePort, shops: Mapping[Platform, Shop],
                 images: ImageCache, sku_of: Callable[[str], str]) -> None:
        self.store = store
        self.safety = safety
        self.shops = shops
        self.images = images
        self.sku_of = sku_of

    def run(self, step: RollbackStep, snapshot: Snapshot) -> StepResult:
        shop = self.shops.get(Platform(step.platform))
        if shop is None:
            return self._finish(step, RollbackStepState.FAILED, f"no {step.platform} shop is authorized")
        try:
            if step.action == RollbackAction.NOTHING:
                return self._finish(step, RollbackStepState.DONE, "nothing to undo")
            if step.action == RollbackAction.DELETE:
                return self._delete(shop, step)
            return self._restore(shop, step, snapshot)
        except MarketplaceError as error:
            return self._finish(step, RollbackStepState.FAILED, str(error))

    def _delete(self, shop: Shop, step: RollbackStep) -> StepResult:
        external_id = step.external_id or self.store.known_listing(step.product_id, step.platform).external_id
        if external_id is None:
            # The create's outcome was unknown and never resolved: look for it by SKU before saying it is gone.
            found = shop.client.find_by_sku(self.sku_of(step.product_id))
            if not found:
                self.store.forget_listing(step.product_id, step.platform)
                return self._finish(step, RollbackStepState.DONE, "the batch's create never reached the marketplace")
            external_id = found[0].external_id
        try:
            shop.client.delete_listing(external_id)
            verb = f"deleted {external_id}"
        except NotFound:
            verb = f"{external_id} was already gone"
        except ValidationFailed as refused:
            shop.client.unlist_listing(external_id)
            verb = f"unlisted {external_id} (delete refused: {refused.marketplace_message})"
        self.store.forget_listing(step.product_id, step.platform)
        return self._finish(step, RollbackStepState.DONE, verb)

    def _restore(self, shop: Shop, step: RollbackStep, snapshot: Snapshot) -> StepResult:
        assert step.external_id is not None
        if snapshot.state is None:
            return self._finish(step, RollbackStepState.FAILED, "no snapshot of this listing's fields was taken")
        listing = shop.client.get_listing(step.external_id)
        current = remote_state(listing)
        # Compared (and restored) group by group; images by their count (a marketplace serves its own copies).
        changed = in_order(differing_groups(snapshot.state, current))
        if changed:
            images: tuple[str, ...] = ()
            if "images" in changed:
                images = self.images.references(shop, snapshot.state["images"])
            # The listing stays on the platforms it is on now: a rollback restores fields, not where it sells.
            on_tokopedia = "TOKOPEDIA" in (listing.extra.get("listing_platforms") or ())
            spec = spec_from_state(self.sku_of(step.product_id), snapshot.state, images,
                                   tokopedia=shop.platform is Platform.TIKTOK and on_tokopedia)
            shop.client.update_listing(step.external_id, spec, frozenset(changed))
            after = remote_state(shop.client.get_listing(step.external_id))
            still = in_order(differing_groups(snapshot.state, after))
            if still:
                return self._finish(step, RollbackStepState.FAILED, f"restored {', '.join(changed)} but the "
                                                                    f"read-back still differs in {', '.join(still)}")
            current = after
        # The store follows the marketplace: the next plan compares with what is there now, and the
        # product shows as not synced until a batch brings it to the catalog again.
        self.store.record_synced(step.product_id, step.platform, step.external_id, snapshot.variant_ids, current)
        self.store.mark_not_synced(step.product_id)
        return self._finish(step, RollbackStepState.DONE,
                            f"restored {', '.join(changed)}" if changed else "already as before")

    def _finish(self, step: RollbackStep, state: str, message: str) -> StepResult:
        self.safety.finish_step(step.batch_id, step.product_id, step.platform, state, message)
        return StepResult(step, state, message)
