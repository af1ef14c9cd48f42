"""The sync engine and the real TikTok client against the sandbox over HTTP, with the sandbox's audit delay:
price and stock changes wait for TikTok's review instead of failing, a failed review names its reasons, and
a create whose answer is lost makes one product though the sandbox ignores `idempotency_key`.

The job store and the catalog are the in-memory fakes of the engine's unit tests. Two clocks are moved by
hand, no sleeping: the sandbox's (audits; it stays within the signature's 300 s window of real time) and
the engine's and job runner's (reschedules).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.pricing import SELLER_DEFAULTS
from syncstore_cli.domain.taxonomy import ChosenValue, ListingTerms
from syncstore_cli.domain.vocabulary import ErrorCode, JobState
from syncstore_cli.engine.apply import SyncEngine
from syncstore_cli.engine.images import ImageCache
from syncstore_cli.engine.jobs import JobRunner, LogCapture
from syncstore_cli.engine.ports import Shop
from syncstore_cli.marketplaces.http import Exchange, SignedHttpClient
from syncstore_cli.marketplaces.tiktok.client import TikTokClient
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok_classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokShopToken, TikTokSigner
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import Sandbox, build_sandbox, serve_in_background
from syncstore_cli.sandbox.images import render_png
from tests.unit.fakes import FakeCatalog, FakeJobStore, FakeTaxonomy, simple_product

TIKTOK = Platform.TIKTOK
AUDIT_DELAY = 30.0
# The sandbox's Frame leaf and the attributes it makes mandatory (sandbox/taxonomy_tiktok.py).
FRAME_TERMS = ListingTerms("7100121", "Frame Drone", (ChosenValue("101610", "1024357", "Tidak Ada"),
                                                      ChosenValue("100336", "1000941", "Tiongkok")), tokopedia=True)


class Clock:
    """Real time plus an offset the test moves forward."""

    offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class World:
    box: Sandbox
    clock: Clock  # the sandbox's
    jobs_clock: Clock  # the engine's and the runner's
    client: TikTokClient
    catalog: FakeCatalog
    store: FakeJobStore
    engine: SyncEngine
    runner: JobRunner
    exchanges: list[Exchange]

    def product(self, **changes: object) -> Product:
        product = replace(simple_product(f"P-{uuid.uuid4().hex[:6]}", f"FRM-A{uuid.uuid4().hex[:8].upper()}"),
                          **changes)  # type: ignore[arg-type]
        self.catalog.put(product)
        return product

    def run(self, product_id: str) -> tuple[int, object]:
        job_id = self.store.add_job(product_id, TIKTOK.value)
        return job_id, self.runner.run(job_id)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("tiktok-audit")
    clock, jobs_clock = Clock(), Clock()
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("SYNCSTORE_") and name != "SYNCSTORE_REQUIRE_SERVICES":
                mp.delenv(name)
        mp.setenv("SYNCSTORE_HOME", str(root / "home"))
        box = build_sandbox(c.SandboxConfig(clock=clock), root / "sandbox-state")
        products = box.tiktok_products
        products.rules = replace(products.rules, audit_delay_seconds=AUDIT_DELAY)
        server = serve_in_background(box)
        try:
            for name, value in {
                "SYNCSTORE_TIKTOK_BASE_URL": server.url, "SYNCSTORE_TIKTOK_AUTH_URL": server.url,
                "SYNCSTORE_TIKTOK_APP_KEY": c.DEMO_TIKTOK_APP_KEY,
                "SYNCSTORE_TIKTOK_APP_SECRET": c.DEMO_TIKTOK_APP_SECRET,
            }.items():
                mp.setenv(name, value)
            result = CliRunner().invoke(app, ["auth", "tiktok", "--sandbox-approve"])
            assert result.exit_code == 0, result.stderr
            with AppContext() as ctx:
                shop = ctx.shops.tokens.get_shop("tiktok", c.DEMO_TIKTOK_SHOP_ID)
                assert shop is not None
                tiktok_app = ctx.shops.tiktok_app()
            token = TikTokShopToken(shop.tokens.access_token, shop.shop_cipher)
            exchanges: list[Exchange] = []
            http = SignedHttpClient("tiktok", server.url, TikTokSigner(lambda: tiktok_app, lambda: token),
                                    tiktok_classify, on_exchange=exchanges.append, sleep=lambda _seconds: None)
            store = FakeJobStore()
            images = ImageCache(store, lambda url: render_png(url), parallel=1)
            with http:
                client = TikTokClient(http)
                catalog = FakeCatalog()
                engine = SyncEngine(catalog, store, SELLER_DEFAULTS,
                                    {TIKTOK: Shop(TIKTOK, c.DEMO_TIKTOK_SHOP_ID, client)}, images,
                                    taxonomy=FakeTaxonomy(default={TIKTOK: FRAME_TERMS}), clock=jobs_clock)
                runner = JobRunner(engine, store, LogCapture(store), lease_seconds=60, owner="w", clock=jobs_clock)
                try:
                    yield World(box, clock, jobs_clock, client, catalog, store, engine, runner, exchanges)
                finally:
                    images.close()
        finally:
            server.stop()
            box.close()


def test_a_price_change_during_review_waits_for_the_audit_then_reaches_the_listing(world: World) -> None:
    product = world.product(price=150_000)
    job, created = world.run(product.id)
    assert getattr(created, "state", None) == JobState.DONE, created
    external_id = world.store.known_listing(product.id, TIKTOK.value).external_id
    first = world.client.get_listing(external_id)
    assert first.status == "PENDING"

    world.catalog.put(replace(product, price=165_000))
    entry = world.engine.plan(world.catalog.get(product.id), TIKTOK)
    assert entry.desired is not None
    wanted = entry.desired.price  # the TikTok price the seller's pricing makes of 165,000
    assert wanted is not None and wanted != first.price
    job, waiting = world.run(product.id)
    record = world.store.jobs[job]
    assert record.state == JobState.PENDING and record.attempts == 0, waiting  # rescheduled, not failed
    assert record.next_attempt_at > world.jobs_clock() and "PENDING" in (record.message or "")
    assert world.client.get_listing(external_id).price == first.price
    writes = [e for e in world.exchanges if e.method == "POST" and "/prices/update" in e.path]
    assert writes == []  # nothing was sent to a product in review

    assert world.runner.run(job) is None  # not due yet
    world.clock.offset += AUDIT_DELAY + 1  # the audit has passed
    world.jobs_clock.offset += 301  # and the job is due again
    done = world.runner.run(job)
    assert done is not None and done.state == JobState.DONE, done
    assert world.store.jobs[job].state == JobState.DONE and world.store.jobs[job].attempts <= 1
    listing = world.client.get_listing(external_id)
    assert (listing.status, listing.price) == ("ACTIVATE", wanted)


def test_a_failed_review_fails_the_job_with_its_reasons(world: World) -> None:
    products = world.box.tiktok_products
    rules = products.rules
    strict = {**rules.data, "audit": {**rules.data["audit"], "min_description_text_length": 5_000}}
    products.rules = replace(rules, data=strict)
    try:
        product = world.product(price=150_000)
        _, created = world.run(product.id)
    finally:
        products.rules = rules
    assert getattr(created, "state", None) == JobState.DONE, created
    external_id = world.store.known_listing(product.id, TIKTOK.value).external_id
    assert external_id
    world.clock.offset += AUDIT_DELAY + 1
    assert world.client.get_listing(external_id).status == "FAILED"

    world.catalog.put(replace(product, price=170_000))
    job, failed = world.run(product.id)
    record = world.store.jobs[job]
    assert record.state == JobState.FAILED and record.error_code == ErrorCode.REJECTED_BY_MARKETPLACE, failed
    assert "failed TikTok's review" in (record.message or "")
    assert "description is too short" in (record.message or "")


def test_a_dropped_create_answer_makes_one_product(world: World) -> None:
    # The sandbox ignores idempotency_key (its default): only the engine's lookup by SKU prevents a twin.
    assert not world.box.config.tiktok_idempotency_dedup
    product = world.product()
    world.box.faults.push("drop_after_commit", "/product/202309/products")
    _, outcome = world.run(product.id)
    assert getattr(outcome, "state", None) == JobState.DONE, outcome
    found = world.client.find_by_sku(product.sku)
    assert [f.external_id for f in found] == [world.store.known_listing(product.id, TIKTOK.value).external_id]
