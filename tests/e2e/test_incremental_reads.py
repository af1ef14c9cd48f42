"""The pre-batch snapshot read incrementally (`drift.reads = changed`, the default) against the seeded
sandbox over real HTTP: once a drift check has read a shop, a batch's snapshot is the last confirmed
state plus what changed since, so it costs a few requests whatever the batch's size, and it holds
exactly what a full read would: seller edits made after the check, and edits a `report` policy left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.drift import check_drift
from syncstore_cli.app.sync import changes_since_last_drift, manual_sync
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.fieldgroups import differing_groups
from syncstore_cli.engine.snapshots import take_snapshots
from syncstore_cli.store.safety import Snapshot
from tests.conftest import SeededWorld, seeded_sandbox

runner = CliRunner()
SYNCED = 12


@dataclass
class World:
    seeded: SeededWorld
    products: list[str]
    listings: list[tuple[str, Platform, str]]  # (product id, platform, marketplace id)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp, \
            seeded_sandbox(tmp_path_factory.mktemp("snapshots"), mp, seeded_products=40) as seeded:
        with AppContext() as ctx:
            products = [s.product.id for s in ctx.catalog.all_products() if s.product.id not in seeded.flawed][:SYNCED]
            synced = manual_sync(ctx, products, list(PLATFORMS))
            assert [j.state for j in synced.jobs] == ["done"] * 2 * SYNCED
            listings = [(pid, p, ctx.catalog.get(pid).listings[p].external_id or "") for pid in products
                        for p in PLATFORMS]
        yield World(seeded, products, listings)


def _edit(world: World, platform: Platform, external_id: str, *args: str) -> None:
    state = world.seeded.home.parent / "sandbox-state"
    result = runner.invoke(app, ["sandbox", "edit", platform.value, external_id, *args, "--state", str(state)])
    assert result.exit_code == 0, (result.stdout, result.stderr)


def _snapshots(products: list[str]) -> tuple[dict[tuple[str, str], Snapshot], int]:
    """The snapshot a batch of these products would take now, and the requests it cost."""
    with AppContext() as ctx:
        skus = {s.product.id: (s.product.sku, [v.sku for v in s.product.variants])
                for s in ctx.catalog.get_many(products)}
        with ctx.database.connect() as connection:
            before = int(connection.execute(text("SELECT COUNT(*) FROM sync_logs")).scalar_one())
        with ctx.sync_session() as session, session.capture.job(None, None, None):
            taken = take_snapshots(ctx.jobs, "SNAPSHOT-TEST", products, list(PLATFORMS), session.shops, skus,
                                   changes=changes_since_last_drift(ctx, session.shops, list(PLATFORMS)))
        with ctx.database.connect() as connection:
            after = int(connection.execute(text("SELECT COUNT(*) FROM sync_logs")).scalar_one())
    return {(s.product_id, s.platform): s for s in taken}, after - before


def _same(left: dict[tuple[str, str], Snapshot], right: dict[tuple[str, str], Snapshot]) -> list[str]:
    """Where two snapshots disagree, by the product's one comparison (`domain.fieldgroups`: images by their
    count, since the store keeps the master's image addresses and a marketplace serves its own copies)."""
    assert set(left) == set(right)
    return [f"{key}: {sorted(differing_groups(left[key].state or {}, right[key].state or {}))} "
            f"ids {left[key].external_id}/{right[key].external_id} "
            f"variants {left[key].variant_ids == right[key].variant_ids}"
            for key in left
            if differing_groups(left[key].state or {}, right[key].state or {})
            or (left[key].external_id, left[key].variant_ids) != (right[key].external_id, right[key].variant_ids)]


def test_after_a_drift_check_the_snapshot_reads_only_what_changed_and_misses_nothing(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # No overlap: the listings were synced seconds before the check, and a re-read of them would hide the point.
    monkeypatch.setenv("SYNCSTORE_DRIFT_OVERLAP_SECONDS", "0")
    monkeypatch.setenv("SYNCSTORE_DRIFT_READS", "full")
    full_before, full_cost = _snapshots(world.products)  # no drift check yet: every listing by id either way
    monkeypatch.setenv("SYNCSTORE_DRIFT_READS", "changed")
    time.sleep(1.1)  # update times are whole seconds: the check starts after the syncs' second
    with AppContext() as ctx:
        assert changes_since_last_drift(ctx, {}, list(PLATFORMS)) == {}
        check_drift(ctx)  # the first check reads every listing and sets where the next read starts

    # Seller-centre edits after the check: one price, one title, one stock, on both platforms.
    edited = {world.listings[0]: ("--price", "123000"), world.listings[3]: ("--title", "Judul Baru Dari Penjual"),
              world.listings[6]: ("--stock", "3")}
    for (_, platform, external_id), (option, value) in edited.items():
        _edit(world, platform, external_id, option, value)

    incremental, cheap_cost = _snapshots(world.products)
    monkeypatch.setenv("SYNCSTORE_DRIFT_READS", "full")
    full, _ = _snapshots(world.products)

    assert _same(incremental, full) == []  # the edits are in it, and every other listing is as the store has it
    assert _same(full_before, full) != []  # the edits did change what a full read finds
    edited_price = incremental[(world.listings[0][0], world.listings[0][1].value)].state
    assert edited_price is not None and "123000" in str(edited_price["price"])
    # Its cost follows the three edits, not the 24 listings: a changed-since read per platform and the
    # edited listings' details, against the listings' reads by id of a full snapshot.
    assert cheap_cost < full_cost, (cheap_cost, full_cost)
    assert cheap_cost <= 2 * 2 + len(edited), cheap_cost


def test_an_edit_the_report_policy_left_is_read_again_by_every_snapshot(world: World,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_DRIFT_OVERLAP_SECONDS", "0")
    monkeypatch.setenv("SYNCSTORE_DRIFT_POLICY", "overwrite,title=report")
    product_id, platform, external_id = world.listings[9]
    _edit(world, platform, external_id, "--title", "Judul Pilihan Penjual")
    with AppContext() as ctx:
        report = check_drift(ctx, [platform])
        (found,) = [item for run in report.platforms for item in run.listings if item.product_id == product_id]
        assert [(g.group, g.action) for g in found.groups] == [("title", "report")]
        check_drift(ctx, [platform])  # a later check: the edit is older than where it reads from
        assert ctx.jobs.known_listing(product_id, platform.value).state["title"] != "Judul Pilihan Penjual"

    incremental, _ = _snapshots([product_id])
    monkeypatch.setenv("SYNCSTORE_DRIFT_READS", "full")
    full, _ = _snapshots([product_id])
    assert _same(incremental, full) == []
    assert incremental[(product_id, platform.value)].state["title"] == "Judul Pilihan Penjual"


def _marketplace_problems(report: Any) -> list[str]:
    (check,) = [c for c in report.checks if c.name == "marketplace"]
    return sorted(check.problems)


def _last_scans() -> dict[str, dict[str, Any]]:
    with AppContext() as ctx:
        return {p.value: ctx.safety.checks(kind=f"listing_scan_{p.value}", limit=1)[0].results[0] for p in PLATFORMS}


def test_validation_reads_what_changed_since_its_last_scan_and_finds_what_a_full_scan_finds(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from syncstore_cli.app.checks import run_validation

    monkeypatch.setenv("SYNCSTORE_DRIFT_OVERLAP_SECONDS", "0")
    time.sleep(1.1)  # update times are whole seconds: the scan starts after the earlier edits' second
    with AppContext() as ctx:
        first = run_validation(ctx, sample=0, image_workers=2)
    scans = _last_scans()
    assert {s["read"] for s in scans.values()} == {"full"}, scans  # the first scan of a shop reads it all
    shop_size = sum(s["listings_read"] for s in scans.values())
    before = _marketplace_problems(first)

    # Behind SyncStore's back: a price changed in the seller centre, and a listing deleted.
    _, edited_platform, edited_id = world.listings[4]
    _edit(world, edited_platform, edited_id, "--price", "77000")
    _, deleted_platform, deleted_id = world.listings[11]
    with AppContext() as ctx, ctx.sync_session() as session:
        session.shops[deleted_platform].client.delete_listing(deleted_id)

    with AppContext() as ctx:
        incremental = run_validation(ctx, sample=0, image_workers=2)
    scans = _last_scans()
    assert {s["read"] for s in scans.values()} == {"changed"}, scans
    read = sum(s["listings_read"] for s in scans.values())
    assert read <= 2 < shop_size, (read, shop_size)  # the edited listing (the deleted one is only an id)
    found = _marketplace_problems(incremental)
    assert any(edited_id in p and "77.000" in p.replace(",", ".") for p in found), found
    assert any(deleted_id in p and "not in the marketplace" in p for p in found), found

    with AppContext() as ctx:
        again = run_validation(ctx, sample=0, image_workers=2)  # nothing changed since: the problems stay
    assert _marketplace_problems(again) == found
    monkeypatch.setenv("SYNCSTORE_DRIFT_READS", "full")
    with AppContext() as ctx:
        full = run_validation(ctx, sample=0, image_workers=2)
    assert _last_scans()[edited_platform.value]["read"] == "full"
    assert _marketplace_problems(full) == found and set(before) <= set(found)
