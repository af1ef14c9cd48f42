"""Local state can be lost or rolled back; the marketplace is not. Against the seeded sandbox over HTTP:
a batch, a restore of its pre-batch backup and the same batch again make no second listing, and a
listing the seller made by hand in the seller centre beforehand is adopted, not duplicated."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from syncstore_cli.app.backups import restore_backup
from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import batch_status, plan, run_worker, submit_batch
from syncstore_cli.domain.catalog import PLATFORMS, Platform, Product
from syncstore_cli.domain.desired import Action
from syncstore_cli.sandbox import config as c
from tests.conftest import SeededWorld, seeded_sandbox

TIKTOK = Platform.TIKTOK


@dataclass
class World:
    seeded: SeededWorld
    fresh: list[str]  # valid Shopee products not on TikTok: a batch updates them on Shopee, creates them on TikTok
    by_hand: list[str]  # the same, but the seller listed them on TikTok by hand before (the store does not know)

    def audit(self) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(f"{self.seeded.url}/sandbox/audit.json").json()
        return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp, \
            seeded_sandbox(tmp_path_factory.mktemp("restore-rerun"), mp, seeded_products=40) as seeded:
        generated = {p.sku: p for p in seeded.catalog.products}
        with AppContext() as ctx:
            candidates = [s.product for s in ctx.catalog.all_products()
                          if s.product.id not in seeded.flawed and generated[s.product.sku].origin is Platform.SHOPEE]
            blocked = {e.product_id for e in plan(ctx, [p.id for p in candidates], list(PLATFORMS))
                       if e.action is Action.BLOCKED}
        valid = [p for p in candidates if p.id not in blocked]
        simple = [p for p in valid if not p.variants]
        with_variants = [p for p in valid if p.variants]
        by_hand = [simple[0], with_variants[0]]
        for product in by_hand:  # made in the seller centre: no external_product_id, only seller SKUs
            seeded.box.tiktok_products.seed_from_catalog(
                [replace(generated[product.sku], origin=TIKTOK)], c.DEMO_TIKTOK_SHOP_ID)
        fresh = [p.id for p in simple[1:3] + with_variants[1:2]]
        yield World(seeded, fresh, [p.id for p in by_hand])


def run_batch(ids: list[str]) -> str:
    with AppContext() as ctx:
        batch_id = submit_batch(ctx, ids, list(PLATFORMS))
        run_worker(ctx, concurrency=4, reconcile_seconds=0.5,
                   until=lambda: batch_status(ctx, batch_id, with_jobs=False).finished)
        summary = batch_status(ctx, batch_id)
    assert summary.completed == summary.total_jobs, [(j.product_id, j.platform, j.state, j.message)
                                                      for j in summary.jobs if j.state != "done"]
    return batch_id


def tiktok_listings_of(world: World, product_ids: list[str]) -> dict[str, list[str]]:
    """Product id -> the live TikTok listings carrying its SKU (or one of its variants')."""
    with AppContext() as ctx, ctx.sync_session() as session:
        client = session.shops[TIKTOK].client
        found: dict[str, list[str]] = {}
        for pid in product_ids:
            product: Product = ctx.catalog.get(pid).product
            sku = product.variants[0].sku if product.variants else product.sku
            found[pid] = sorted(listing.external_id for listing in client.find_by_sku(sku))
    return found


def test_a_listing_made_by_hand_in_the_seller_centre_is_adopted_not_duplicated(world: World) -> None:
    before = world.audit()
    by_hand = tiktok_listings_of(world, world.by_hand)
    assert all(len(ids) == 1 for ids in by_hand.values()), by_hand

    batch_id = run_batch(world.by_hand)

    with AppContext() as ctx:
        jobs = {j.product_id: j for j in batch_status(ctx, batch_id).jobs if j.platform == TIKTOK.value}
        for pid in world.by_hand:
            assert ctx.jobs.known_listing(pid, TIKTOK.value).external_id == by_hand[pid][0]
    for pid in world.by_hand:
        assert "adopted" in (jobs[pid].message or "") and jobs[pid].external_id == by_hand[pid][0], jobs[pid].message
    assert tiktok_listings_of(world, world.by_hand) == by_hand
    assert world.audit() == before  # no new listing, no new duplicate SKU


def test_a_batch_rerun_after_restoring_its_backup_makes_no_second_listing(world: World) -> None:
    before = world.audit()
    ids = world.fresh

    first = run_batch(ids)

    with AppContext() as ctx:
        jobs = {j.product_id: j for j in batch_status(ctx, first).jobs if j.platform == TIKTOK.value}
        summary = ctx.jobs.batch(first, with_jobs=False)
    assert summary is not None and summary.backup_id is not None
    assert all(jobs[pid].action == "create" for pid in ids)
    listed = tiktok_listings_of(world, ids)
    assert all(len(found) == 1 for found in listed.values()), listed

    # The store forgets the listings the batch made; the marketplace still has them.
    with AppContext() as ctx:
        assert restore_backup(ctx, summary.backup_id) is not None
        assert all(ctx.jobs.known_listing(pid, TIKTOK.value).external_id is None for pid in ids)
        assert {e.product_id for e in plan(ctx, ids, [TIKTOK]) if e.action is Action.CREATE} == set(ids)

    second = run_batch(ids)

    with AppContext() as ctx:
        again = {j.product_id: j for j in batch_status(ctx, second).jobs if j.platform == TIKTOK.value}
        assert {pid: ctx.jobs.known_listing(pid, TIKTOK.value).external_id for pid in ids} == {
            pid: found[0] for pid, found in listed.items()}
    assert all("adopted" in (job.message or "") for job in again.values()), [j.message for j in again.values()]
    assert tiktok_listings_of(world, ids) == listed  # the same listings, no new one
    after = world.audit()
    assert after["tiktok"]["duplicate_skus"] == before["tiktok"]["duplicate_skus"]
    assert after["tiktok"]["live_listings"] == before["tiktok"]["live_listings"] + len(ids)  # the first batch's
    assert after["shopee"] == before["shopee"]


def test_rolling_back_a_batch_that_adopted_a_hand_made_listing_restores_it_instead_of_deleting_it(
        world: World) -> None:
    from syncstore_cli.app.rollback import rollback

    product_id = world.by_hand[0]
    with AppContext() as ctx:  # the store forgets the listing again, as after a restore or on a new machine
        ctx.jobs.forget_listing(product_id, TIKTOK.value)
    listed = tiktok_listings_of(world, [product_id])
    assert len(listed[product_id]) == 1, listed
    before = world.audit()

    batch_id = run_batch([product_id])

    with AppContext() as ctx:
        snapshot = next(s for s in ctx.safety.snapshots(batch_id) if s.platform == TIKTOK.value)
        assert snapshot.external_id == listed[product_id][0] and snapshot.state is not None
        report = rollback(ctx, batch_id)
    tiktok_steps = [s for s in report.steps if s.platform == TIKTOK.value]
    assert [(s.action, s.state) for s in tiktok_steps] == [("restore", "done")], tiktok_steps
    assert tiktok_listings_of(world, [product_id]) == listed  # the seller's listing is still there
    assert world.audit() == before
