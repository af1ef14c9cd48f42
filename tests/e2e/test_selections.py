"""Selections, `--chunk` and `sync changed`, against the seeded sandbox over HTTP, through the CLI.

One small world (24 imported products, every one of them changed on Shopee after the import), and
the tests run in order on it, as a seller would: select, get refused past the staged rollout, run
the whole catalog in rollout-sized batches (stopped by a failed check), approve, let the owner's
standing instruction approve the next, and then let cron (`sync changed`) follow pricing changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import Selection, select_products
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import Platform
from tests.conftest import SeededWorld, seeded_sandbox

runner = CliRunner()
SHOPEE = ["--platform", "shopee"]


@dataclass
class World:
    seeded: SeededWorld
    ids: list[str]  # every product, in catalog order


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp, \
            seeded_sandbox(tmp_path_factory.mktemp("selections"), mp, seeded_products=24) as seeded:
        with AppContext() as ctx:
            ids = [s.product.id for s in ctx.catalog.all_products()]
        yield World(seeded, ids)


def _written(world: World) -> tuple[int, int, list[str]]:
    """(batches, approvals, backup files): what starting a batch writes."""
    with AppContext() as ctx, ctx.database.connect() as connection:
        batches = connection.execute(text("SELECT count(*) FROM sync_batches")).scalar_one()
        approvals = connection.execute(text("SELECT count(*) FROM approvals")).scalar_one()
    folder = world.seeded.home / "backups"
    return batches, approvals, sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _batch_jobs(batch_id: str) -> dict[str, str]:
    """product id -> the action its job took."""
    with AppContext() as ctx:
        summary = ctx.jobs.batch(batch_id)
    assert summary is not None
    return {job.product_id: str(job.action) for job in summary.jobs}


def _set_pricing(world: World, toml: str) -> None:
    (world.seeded.home / "syncstore.toml").write_text(toml)


def _in_category(category: str) -> set[str]:
    with AppContext() as ctx:
        return {s.product.id for s in ctx.catalog.all_products() if s.product.category == category}


def test_category_search_and_status_select_as_documented(world: World) -> None:
    with AppContext() as ctx:
        products = [s.product for s in ctx.catalog.all_products()]

        def chosen(**options: Any) -> list[str]:
            return select_products(ctx, Selection(**options), [Platform.SHOPEE]).product_ids

        assert chosen(category="charger") == [p.id for p in products if p.category == "charger"] != []
        # Title or product SKU, case-insensitive, as `products list --search`.
        sku_part = products[3].sku[2:7].lower()
        assert chosen(search=sku_part.upper()) == [p.id for p in products if sku_part in p.sku.lower()
                                                   or sku_part in p.title.lower()] != []
        title_word = products[0].title.split()[0]
        assert chosen(search=title_word.swapcase()) == [p.id for p in products
                                                        if title_word.lower() in p.title.lower()] != []
        for wildcard in ("%", "_"):  # LIKE's wildcards are text to find, not patterns
            assert chosen(search=wildcard) == [p.id for p in products if wildcard in p.title + p.sku]
        assert chosen(status="Not synced") == world.ids
        assert chosen(all_products=True) == world.ids
        assert chosen(changed=True) == world.ids  # the import left every Shopee listing different from its plan
    before = _written(world)
    for selection in (["--status", "synced"], ["--search", "no-such-product-anywhere"]):
        result = runner.invoke(app, ["sync", "batch", *selection, *SHOPEE])
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert result.stdout.startswith("Nothing to do:") and len(result.stdout.splitlines()) == 1
    assert _written(world) == before


def test_a_selection_past_the_rollout_is_refused_with_the_size_it_allows(world: World) -> None:
    before = _written(world)
    result = runner.invoke(app, ["sync", "batch", "--all", *SHOPEE])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: a batch of 24 products")
    assert "select at most 10 products, or add --chunk" in result.stderr
    assert _written(world) == before


def test_chunk_runs_rollout_sized_batches_and_stops_at_a_failed_check(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from syncstore_cli.app import checks

    spot_checked: list[str] = []

    def spot_check_after_a_seller_edit(ctx: AppContext, batch_id: str, **_: Any) -> checks.SpotCheckReport:
        spot_checked.append(batch_id)
        if len(spot_checked) == 2:  # the seller changes a price of the second batch in the seller centre
            edited = next(iter(_batch_jobs(batch_id)))
            external_id = ctx.jobs.known_listing(edited, "shopee").external_id
            assert external_id is not None
            world.seeded.box.shopee_products.edit_listing(int(external_id), price=12_345)
        return checks.spot_check(ctx, batch_id, sample=100)

    monkeypatch.setattr("syncstore_cli.app.chunks.spot_check", spot_check_after_a_seller_edit)
    result = runner.invoke(app, ["sync", "batch", "--all", "--chunk", *SHOPEE, "--json"])
    assert result.exit_code == 1, (result.stdout[-3000:], result.stderr)
    payload = json.loads(result.stdout)
    batches = payload["batches"]
    assert [len(_batch_jobs(b["batch_id"])) for b in batches] == [10, 10]
    assert [b["batch_id"] for b in batches] == spot_checked
    assert batches[0]["passed"] and batches[0]["validation"] and batches[0]["approval"] is None
    assert not batches[1]["passed"] and batches[1]["validation"] is None  # stopped at the spot check
    assert "spot check found differences" in payload["stopped"]
    assert payload["not_started"] == world.ids[20:]
    assert list(_batch_jobs(batches[0]["batch_id"])) == world.ids[:10]
    assert list(_batch_jobs(batches[1]["batch_id"])) == world.ids[10:20]
    with AppContext() as ctx, ctx.database.connect() as connection:
        assert ctx.safety.approval(batches[0]["batch_id"]) is None  # approving stays the owner's
        jobs_of_the_rest = connection.execute(text("SELECT count(*) FROM sync_jobs WHERE product_id IN "
                                                   f"({', '.join(repr(i) for i in world.ids[20:])})")).scalar_one()
    assert jobs_of_the_rest == 0


def test_after_the_owner_approved_enough_batches_a_clean_chunk_is_approved_automatically(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with AppContext() as ctx, ctx.database.connect() as connection:
        first = str(connection.execute(text("SELECT id FROM sync_batches ORDER BY created_at, id")).scalar())
    owner = runner.invoke(app, ["approve", first, "--json"])
    assert owner.exit_code == 0, owner.stderr
    monkeypatch.setenv("SYNCSTORE_ROLLOUT_AUTO_APPROVE_AFTER", "1")
    result = runner.invoke(app, ["sync", "batch", "--status", "not_synced", "--chunk", *SHOPEE, "--json"])
    assert result.exit_code == 0, (result.stdout[-3000:], result.stderr)
    payload = json.loads(result.stdout)
    assert payload["stopped"] is None and payload["not_started"] == []
    (batch,) = payload["batches"]  # the approved 10 allow 50: the four left fit in one batch
    assert list(_batch_jobs(batch["batch_id"])) == world.ids[20:]
    assert batch["approval"] == "automatic"
    with AppContext() as ctx:
        approval = ctx.safety.approval(batch["batch_id"])
        assert approval is not None and approval.note is not None
        assert approval.note.startswith("automatic approval") and "rollout.auto_approve_after = 1" in approval.note
        assert ctx.safety.owner_approved_clean_batches() == 1  # an automatic approval earns no trust


def test_sync_changed_follows_pricing_changes_and_does_nothing_when_nothing_changed(world: World) -> None:
    before = _written(world)
    idle = runner.invoke(app, ["sync", "changed", *SHOPEE])
    assert idle.exit_code == 0, (idle.stdout, idle.stderr)
    assert idle.stdout.splitlines() == ["sync changed: nothing to do."] and idle.stderr == ""
    assert _written(world) == before  # no batch, no approval, no backup

    _set_pricing(world, "[pricing.shopee.categories.charger]\nmarkup_percent = 25\n")
    selected = runner.invoke(app, ["sync", "batch", "--changed", *SHOPEE, "--json"])
    assert selected.exit_code == 0, (selected.stdout[-3000:], selected.stderr)
    chargers = _in_category("charger")
    assert _batch_jobs(json.loads(selected.stdout)["batch_id"]) == dict.fromkeys(chargers, "update")

    _set_pricing(world, "[pricing.shopee.categories.charger]\nmarkup_percent = 25\n"
                        "[pricing.shopee.categories.battery]\nmarkup_percent = 30\n")
    cron = runner.invoke(app, ["sync", "changed", *SHOPEE])
    assert cron.exit_code == 0, (cron.stdout, cron.stderr)
    assert len(cron.stdout.splitlines()) == 1 and cron.stdout.startswith("sync changed: batch ")
    batteries = _in_category("battery")
    cron_json = runner.invoke(app, ["sync", "changed", *SHOPEE, "--json"])
    assert json.loads(cron_json.stdout)["status"] == "nothing_to_do"
    with AppContext() as ctx, ctx.database.connect() as connection:
        newest = str(connection.execute(text("SELECT id FROM sync_batches ORDER BY created_at DESC, id DESC"))
                     .scalar())
    assert _batch_jobs(newest) == dict.fromkeys(batteries, "update") and batteries


def test_changed_selects_exactly_the_listings_whose_desired_state_differs_slice_by_slice(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # `changed_products` plans a slice at a time from one bulk read of the slice's listings; small slices and
    # IN lists make a catalog of 24 cross every boundary a 4,147-product catalog does.
    from syncstore_cli.app import sync as sync_module
    from syncstore_cli.app.sync import changed_products
    from syncstore_cli.domain.desired import Action
    from syncstore_cli.engine.apply import SyncEngine
    from syncstore_cli.store import jobs as jobs_module

    monkeypatch.setattr(sync_module, "PLAN_SLICE", 5)
    monkeypatch.setattr(jobs_module, "KNOWN_CHUNK", 2)
    both = [Platform.SHOPEE, Platform.TIKTOK]
    with AppContext() as ctx:
        assert changed_products(ctx, [Platform.SHOPEE])[0] == []  # the cron run above left Shopee in sync
        stale = world.ids[7]  # a slice's third product: its confirmed Shopee title is not the master's any more
        confirmed = ctx.jobs.known_listing(stale, "shopee").state
        assert confirmed is not None
        ctx.jobs.set_synced_states("shopee", {stale: {**confirmed, "title": confirmed["title"] + " (old)"}})
        try:
            shopee_changed, shopee_blocked = changed_products(ctx, [Platform.SHOPEE])
            changed, blocked = changed_products(ctx, both)
            # The reference: each product planned on its own, the store read listing by listing.
            engine = SyncEngine(ctx.catalog, ctx.jobs, ctx.settings.pricing, {}, None, taxonomy=ctx.taxonomy)
            actions = {s.product.id: {engine.plan(s, p).action for p in both} for s in ctx.catalog.all_products()}
        finally:
            ctx.jobs.set_synced_states("shopee", {stale: confirmed})
    assert shopee_changed == [stale] and stale not in shopee_blocked
    assert changed == [i for i in world.ids if actions[i] & {Action.CREATE, Action.UPDATE}]
    assert blocked == [i for i in world.ids if Action.BLOCKED in actions[i] and i not in changed]
    assert len(changed) > len(world.ids) // 2 and blocked  # TikTok was never synced: creates, and flawed ones blocked


def test_a_product_blocked_by_an_unreachable_image_is_left_to_cron_until_it_is_edited(world: World) -> None:
    """Otherwise every `sync changed` would start a batch (a backup, a snapshot) that blocks again."""
    from datetime import timedelta

    from syncstore_cli.app.sync import changed_products
    from syncstore_cli.domain.vocabulary import ErrorCode, JobState
    from syncstore_cli.store.models import utcnow

    _set_pricing(world, "[pricing.shopee.categories.frame]\nmarkup_percent = 40\n")
    frames = sorted(_in_category("frame"))
    assert frames, "the seeded catalog has frames"
    stuck = frames[0]
    with AppContext() as ctx:
        assert stuck in changed_products(ctx, [Platform.SHOPEE])[0]
        (job_id,) = ctx.jobs.create_batch("B-IMAGES", "batch", "shopee", [(stuck, "shopee")])
        assert ctx.jobs.claim(job_id, "worker-t", time.time(), 60) is not None
        assert ctx.jobs.finish(job_id, "worker-t", JobState.BLOCKED, action="update", message="image unreachable",
                               error_code=ErrorCode.IMAGE_UNREACHABLE)
        changed, blocked = changed_products(ctx, [Platform.SHOPEE])
        assert stuck not in changed and stuck in blocked
        assert set(frames[1:]) <= set(changed)  # the others still go
        with ctx.database.begin() as connection:  # the seller fixes the product (a re-import that changed it)
            connection.execute(text("UPDATE products SET updated_at = :at WHERE id = :id"),
                               {"at": utcnow() + timedelta(seconds=5), "id": stuck})
        assert stuck in changed_products(ctx, [Platform.SHOPEE])[0]
    _set_pricing(world, "")
