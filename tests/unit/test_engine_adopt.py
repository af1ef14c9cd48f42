"""Before any create, a job looks the SKU up on the marketplace and adopts what it finds; and a worker
that lost its lease leaves the listing lock of the worker that took its job over alone.

The store can lose or roll back what it knew of a listing (a backup restored, a second machine, a
listing the seller made by hand in the seller centre): a create sent on the store's word alone
would make a second listing. Against the in-memory fakes (tests/unit/fakes.py), like test_engine.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fakes import (
    FakeCatalog,
    FakeClock,
    FakeJobStore,
    FakeMarketplace,
    FakeTaxonomy,
    fetch_image,
    simple_product,
    variant_product,
)

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.pricing import SELLER_DEFAULTS
from syncstore_cli.domain.vocabulary import ErrorCode, JobState
from syncstore_cli.engine.apply import Outcome, SyncEngine
from syncstore_cli.engine.images import ImageCache
from syncstore_cli.engine.jobs import JobRunner, LogCapture
from syncstore_cli.engine.ports import Shop
from syncstore_cli.marketplaces.base import ListingSpec, VariantSpec

SHOPEE = Platform.SHOPEE
SKU = "FRM-5IN-CF-001"  # simple_product's


@dataclass
class World:
    clock: FakeClock
    catalog: FakeCatalog
    store: FakeJobStore
    market: FakeMarketplace
    images: ImageCache

    def __post_init__(self) -> None:
        self.engine = SyncEngine(self.catalog, self.store, SELLER_DEFAULTS,
                                 {SHOPEE: Shop(SHOPEE, "shop-1", self.market)}, self.images,
                                 taxonomy=FakeTaxonomy(), clock=self.clock)
        self.capture = LogCapture(self.store)

    def runner(self, owner: str = "worker-a") -> JobRunner:
        return JobRunner(self.engine, self.store, self.capture, lease_seconds=60, owner=owner, clock=self.clock)

    def made_by_hand(self, spec: ListingSpec) -> str:
        """A listing that exists on the marketplace without the store knowing (not logged as a request)."""
        external_id = self.market.create_listing(spec, "").external_id
        self.market.requests.clear()
        self.market.keys.clear()
        return external_id


@pytest.fixture
def world() -> Iterator[World]:
    store = FakeJobStore()
    images = ImageCache(store, fetch_image, parallel=2)
    try:
        yield World(FakeClock(), FakeCatalog(simple_product(), variant_product()), store, FakeMarketplace(), images)
    finally:
        images.close()


def hand_made_spec(*, sku: str = SKU, price: int = 99_000, title: str = "frame 5 inch (typed by hand)") -> ListingSpec:
    return ListingSpec(sku=sku, title=title, description="dibuat manual di seller centre", category_id="100001",
                       images=("img-by-hand",), price=price, stock=3, tier_names=(), variants=(), brand="No Brand",
                       weight_g=100, length_cm=20, width_cm=20, height_cm=5)


def test_a_listing_the_store_does_not_know_is_adopted_and_brought_to_the_catalog_not_duplicated(
        world: World) -> None:
    existing = world.made_by_hand(hand_made_spec())
    job_id = world.store.add_job("PROD-1")

    outcome = world.runner().run(job_id)

    assert list(world.market.listings) == [existing]  # exactly one listing for the SKU
    assert world.market.calls("create_listing") == []
    assert world.market.calls("find_by_sku") == [SKU]  # the one lookup this create cost
    assert outcome is not None and outcome.state == JobState.DONE and "adopted" in outcome.message
    job = world.store.job(job_id)
    assert (job.state, job.external_id) == (JobState.DONE, existing)
    # Then brought to what the catalog wants, like any update, and read back.
    [(updated, fields)] = world.market.updates
    assert updated == existing and {"title", "price", "stock", "description"} <= fields
    listing = world.market.listings[existing]
    assert listing.title != "frame 5 inch (typed by hand)" and listing.price != 99_000
    assert listing.stock == simple_product().stock
    known = world.store.known_listing("PROD-1", SHOPEE.value)
    assert (known.external_id, known.create_key) == (existing, None)
    assert known.state is not None and (known.state["title"], known.state["price"]) == (listing.title, listing.price)


def test_a_listing_with_variants_is_adopted_and_its_variant_prices_brought_to_the_catalog(world: World) -> None:
    product = variant_product()
    spec = ListingSpec(sku=product.sku, title="prop by hand", description="manual", category_id="100001",
                       images=(), price=None, stock=0, tier_names=("Warna",),
                       variants=tuple(VariantSpec(v.sku, v.options, 25_000, 1) for v in product.variants),
                       brand="No Brand", weight_g=30, length_cm=15, width_cm=10, height_cm=3)
    existing = world.made_by_hand(spec)

    outcome = world.runner().run(world.store.add_job("PROD-2"))

    assert outcome is not None and outcome.state == JobState.DONE, outcome
    assert list(world.market.listings) == [existing] and world.market.calls("create_listing") == []
    known = world.store.known_listing("PROD-2", SHOPEE.value)
    assert known.external_id == existing and set(known.variant_ids) == {v.sku for v in product.variants}
    listed = {v.sku: (v.price, v.stock) for v in world.market.listings[existing].variants}
    assert {sku: stock for sku, (_, stock) in listed.items()} == {v.sku: v.stock for v in product.variants}
    assert all(price != 25_000 for price, _ in listed.values())


def test_a_new_product_costs_one_lookup_then_one_create(world: World) -> None:
    job_id = world.store.add_job("PROD-1")

    outcome = world.runner().run(job_id)

    [listing] = world.market.listings.values()
    assert outcome is not None and (outcome.state, outcome.action) == (JobState.DONE, "create")
    assert [m for m, _ in world.market.requests if m in ("find_by_sku", "create_listing")] == [
        "find_by_sku", "create_listing"]  # looked up before the create, once
    assert world.store.job(job_id).external_id == listing.external_id


def test_two_listings_for_the_sku_fail_the_job_as_a_duplicate_and_create_nothing(world: World) -> None:
    first = world.made_by_hand(hand_made_spec())
    second = world.made_by_hand(hand_made_spec(title="the same frame, listed twice"))
    job_id = world.store.add_job("PROD-1")

    world.runner().run(job_id)

    job = world.store.job(job_id)
    assert (job.state, job.error_code) == (JobState.FAILED, ErrorCode.DUPLICATE_LISTING)
    assert first in (job.message or "") and second in (job.message or "")
    assert sorted(world.market.listings) == sorted([first, second])
    assert world.market.calls("create_listing") == [] and world.market.updates == []
    assert world.store.known_listing("PROD-1", SHOPEE.value).external_id is None


# -- a worker that lost its lease -------------------------------------------------------------------------


def test_a_worker_whose_finish_is_refused_keeps_its_hands_off_the_new_owners_listing_lock(world: World) -> None:
    job_id = world.store.add_job("PROD-1")
    taken_over: list[bool] = []

    def stall_while_b_takes_over() -> None:
        world.clock.advance(120)  # A pauses past its lease; B claims the job and is still working on it
        claimed = world.store.claim(job_id, "worker-b", world.clock(), 60)
        taken_over.append(claimed is not None and claimed[1])

    world.market.before_next("get_listing", stall_while_b_takes_over)

    outcome_a = world.runner("worker-a").run(job_id)

    assert taken_over == [True]
    assert world.store.refused == [("finish", job_id, "worker-a")]
    assert world.store.listings[("PROD-1", SHOPEE.value)].lock_job == job_id  # still B's
    other = world.store.add_job("PROD-1", batch_id="B-2")
    claimed = world.store.claim(other, "worker-c", world.clock(), 60)
    assert claimed is not None and claimed[1] is False  # so no second job works on the listing B holds
    assert outcome_a is None  # A's result was not recorded: it must not be reported as the job's outcome


def test_an_unlock_by_the_worker_that_still_holds_the_job_releases_the_listing(world: World) -> None:
    job_id = world.store.add_job("PROD-1")
    assert world.store.claim(job_id, "worker-a", world.clock(), 60) is not None
    world.store.unlock_listing("PROD-1", SHOPEE.value, job_id, "worker-b")  # not B's to release
    assert world.store.listings[("PROD-1", SHOPEE.value)].lock_job == job_id
    world.store.unlock_listing("PROD-1", SHOPEE.value, job_id, "worker-a")
    assert world.store.listings[("PROD-1", SHOPEE.value)].lock_job is None


def test_the_outcome_is_returned_when_the_finish_was_recorded(world: World) -> None:
    outcome = world.runner().run(world.store.add_job("PROD-1"))
    assert isinstance(outcome, Outcome) and outcome.state == JobState.DONE
