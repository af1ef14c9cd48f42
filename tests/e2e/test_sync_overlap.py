"""Work two syncs could do twice is done once: overlapping batches, and images with the same bytes.

Against the seeded sandbox over HTTP; what is checked is what the seller would see (the listings on
the marketplace, their images, the SKU audit) and what the sync logs say each job sent.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import batch_status, plan, run_worker, submit_batch
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.desired import Action
from syncstore_cli.sandbox import config as c
from syncstore_cli.store.jobs import Job
from tests.conftest import SeededWorld, seeded_sandbox

runner = CliRunner()
IMAGE_UPLOAD = "/images/upload"
CREATE_PATH = "/product/202309/products"  # TikTok's create


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededWorld]:
    with pytest.MonkeyPatch.context() as mp, seeded_sandbox(tmp_path_factory.mktemp("overlap"), mp) as seeded:
        yield seeded


@pytest.fixture(scope="module")
def candidates(world: SeededWorld) -> list[str]:
    """Valid products that came from Shopee: their plan updates Shopee and creates them on TikTok."""
    ids = [f"PROD-{n}" for n in range(3, 200) if f"PROD-{n}" not in world.flawed]
    with AppContext() as ctx:
        origins = {s.product.id: s.product.origin for s in ctx.catalog.get_many(ids)}
        actions: dict[str, dict[Platform, Action]] = defaultdict(dict)
        for entry in plan(ctx, ids, list(PLATFORMS)):
            actions[entry.product_id][entry.platform] = entry.action
    return [pid for pid in ids if origins[pid] is Platform.SHOPEE and actions[pid] == {
        Platform.SHOPEE: Action.UPDATE, Platform.TIKTOK: Action.CREATE}]


def _duplicates(world: SeededWorld) -> tuple[dict[str, Any], dict[str, Any]]:
    """SKUs carried by more than one live listing, per marketplace (the sandbox's own audit)."""
    return world.box.shopee_products.audit().duplicate_skus, world.box.tiktok_products.audit()["duplicate_seller_skus"]


def _requests_by_job(*batch_ids: str) -> dict[int, list[dict[str, Any]]]:
    with AppContext() as ctx:
        rows = [r for b in batch_ids for r in ctx.jobs.logs(batch_id=b, limit=100_000)]
    by_job: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_job[row["job_id"]].append(row)
    return by_job


def _requests(batch_id: str) -> list[dict[str, Any]]:
    return [r for rows in _requests_by_job(batch_id).values() for r in rows]


def _writes(requests: list[dict[str, Any]]) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in requests if r["method"] != "GET" and "/search" not in r["path"]]


def _span(requests: list[dict[str, Any]]) -> tuple[Any, Any]:
    """From the start of a job's first request to the end of its last (a row is written when its answer came)."""
    return (min(r["created_at"] - timedelta(milliseconds=r["elapsed_ms"]) for r in requests),
            max(r["created_at"] for r in requests))


def test_overlapping_batches_sync_a_product_once_and_never_concurrently(world: SeededWorld,
                                                                        candidates: list[str]) -> None:
    overlap, only_second = candidates[:3], candidates[3:5]
    assert len(only_second) == 2, candidates
    before = _duplicates(world)
    # (product, platform) seen, on the worker's beat: a job waiting for another that holds its product,
    # and two jobs running at once (a job is leased only while it holds the product's listing).
    waited: set[tuple[str, str]] = set()
    together: set[tuple[str, str]] = set()
    with AppContext() as ctx:
        first = submit_batch(ctx, overlap, list(PLATFORMS))
        second = submit_batch(ctx, [*overlap, *only_second], list(PLATFORMS))
        deadline = time.monotonic() + 60

        def watch() -> None:
            jobs = batch_status(ctx, first).jobs + batch_status(ctx, second).jobs
            waited.update((j.product_id, j.platform) for j in jobs
                          if j.state == "pending" and "waiting" in (j.message or ""))
            running = Counter((j.product_id, j.platform) for j in jobs if j.state == "leased")
            together.update(key for key, n in running.items() if n > 1)

        def finished() -> bool:
            return time.monotonic() > deadline or all(
                batch_status(ctx, b, with_jobs=False).finished for b in (first, second))

        # A marketplace 50-80 ms away: the first eight jobs (the first batch's six and the second's
        # first two) start together, so the same product's jobs are due at the same moment.
        world.box.faults.latency_ms = (50, 80)
        try:
            run_worker(ctx, concurrency=8, reconcile_seconds=0.2, on_tick=watch, until=finished)
        finally:
            world.box.faults.latency_ms = None
        jobs = batch_status(ctx, first).jobs + batch_status(ctx, second).jobs

    assert [(j.product_id, j.platform, j.state, j.message) for j in jobs if j.state != "done"] == []
    assert len(jobs) == 2 * (2 * len(overlap) + len(only_second))
    # The premise: some job found its product held by the other batch's job and waited for it.
    overlapping = {(p, platform.value) for p in overlap for platform in PLATFORMS}
    assert waited and waited <= overlapping, waited
    assert together == set()

    requests = _requests_by_job(first, second)
    pairs: dict[tuple[str, str], list[Job]] = defaultdict(list)
    for job in jobs:
        pairs[(job.product_id, job.platform)].append(job)
    for (product_id, platform), pair in pairs.items():
        if (product_id, platform) not in overlapping:
            assert len(pair) == 1 and pair[0].action in ("create", "update"), pair
            continue
        assert len(pair) == 2 and {j.batch_id for j in pair} == {first, second}, pair
        earlier, later = sorted(pair, key=lambda j: j.finished_at)
        assert earlier.action == ("create" if platform == "tiktok" else "update"), earlier
        # The later job found the listing already as intended: it sent nothing that writes.
        assert later.action == "no_change" and later.external_id == earlier.external_id, (earlier, later)
        assert _writes(requests.get(later.id, [])) == [], (product_id, platform)
        # Their requests never interleave: the later job started after the earlier one's last answer.
        if requests.get(later.id):
            assert _span(requests[earlier.id])[1] <= _span(requests[later.id])[0], (product_id, platform)
    created = [j.external_id for j in jobs if j.action == "create"]
    assert len(created) == len(set(created)) == len(overlap) + len(only_second)
    assert _duplicates(world) == before


def _run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def _tiktok_images(world: SeededWorld, external_id: str) -> list[str]:
    """The listing's main image references, as the sandbox's seller centre shows them."""
    response = httpx.get(f"{world.url}/sandbox/tiktok/products/{external_id}.json")
    assert response.status_code == 200, response.text
    return [image["uri"] for image in response.json()["main_images"]]


def test_images_with_the_same_bytes_are_uploaded_once_per_shop(world: SeededWorld, candidates: list[str]) -> None:
    with AppContext() as ctx:
        plain = [s.product for s in ctx.catalog.get_many(candidates[5:]) if not s.product.variants]
    x, y = plain[:2]
    # Y gets X's pictures under other addresses: the same bytes, so only a content hash can tell.
    copies = tuple(f"{url}?copy-for={y.id}" for url in x.images)
    hashes = [hashlib.sha256(httpx.get(url).content).hexdigest() for url in copies]
    assert hashes == [hashlib.sha256(httpx.get(url).content).hexdigest() for url in x.images]
    assert len(set(hashes)) == len(hashes) >= 3

    synced_x = _run("sync", "manual", x.id, "--platform", "tiktok", "--json")  # one platform: one result
    assert synced_x["success"] and synced_x["data"]["action"] == "create", synced_x
    x_uploads = [f"{r['method']} {r['status']}" for r in _requests(synced_x["sync_id"]) if IMAGE_UPLOAD in r["path"]]
    assert x_uploads == ["POST ok"] * len(hashes)  # X's images are new to the shop: each uploaded once

    with AppContext() as ctx:
        ctx.catalog.store_products([replace(y, images=copies)], ctx.settings.pricing,
                                   "test: Y shows X's pictures")
        [entry] = plan(ctx, [y.id], [Platform.TIKTOK])
    assert entry.action is Action.CREATE and entry.desired is not None and entry.desired.images == copies
    synced_y = _run("sync", "manual", y.id, "--platform", "tiktok", "--json")
    assert synced_y["success"] and synced_y["data"]["action"] == "create", synced_y
    y_requests = [f"{r['method']} {r['path']}" for r in _requests(synced_y["sync_id"])]
    assert f"POST {CREATE_PATH}" in y_requests, y_requests  # Y was created, with no image uploaded for it
    assert [r for r in y_requests if IMAGE_UPLOAD in r] == []

    x_images = _tiktok_images(world, synced_x["data"]["external_id"])
    y_images = _tiktok_images(world, synced_y["data"]["external_id"])
    assert len(y_images) == len(copies) and y_images == x_images

    # One stored reference per distinct content hash for the shop: the one X's upload returned.
    with AppContext() as ctx:
        uploaded = ctx.jobs.uploaded_images("tiktok", c.DEMO_TIKTOK_SHOP_ID, hashes)
        with ctx.database.connect() as connection:
            rows: dict[str, int] = dict(connection.execute(text(
                "SELECT content_hash, COUNT(*) FROM image_uploads WHERE platform = 'tiktok' AND shop_id = :shop "
                "GROUP BY content_hash"), {"shop": c.DEMO_TIKTOK_SHOP_ID}).all())
    assert uploaded == dict(zip(hashes, x_images, strict=True))
    assert {h: rows.get(h) for h in hashes} == dict.fromkeys(hashes, 1)
