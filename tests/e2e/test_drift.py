"""`drift` against the seeded sandbox over real HTTP: seller-centre edits after a sync are found field
group by field group, the read follows the number of edits (not the shop's size), and the policy decides
what the next sync does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import manual_sync, plan
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.desired import Action
from tests.conftest import SeededWorld, seeded_sandbox

runner = CliRunner()
SEEDED = 60  # each seeded into the shop of its origin
SYNCED = 13  # 26 listings, 25 of them edited


@dataclass
class World:
    seeded: SeededWorld
    products: list[str]
    listings: list[tuple[str, Platform, str]]  # (product id, platform, marketplace id) of the synced ones


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp, \
            seeded_sandbox(tmp_path_factory.mktemp("drift"), mp, seeded_products=SEEDED) as seeded:
        with AppContext() as ctx:
            products = [s.product.id for s in ctx.catalog.all_products() if s.product.id not in seeded.flawed][:SYNCED]
            synced = manual_sync(ctx, products, list(PLATFORMS))
            assert [j.state for j in synced.jobs] == ["done"] * 2 * SYNCED, [
                (j.product_id, j.platform, j.message) for j in synced.jobs if j.state != "done"]
            listings = [(pid, p, ctx.catalog.get(pid).listings[p].external_id or "") for pid in products
                        for p in PLATFORMS]
        yield World(seeded, products, listings)


def _drift(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["drift", "--json", *args])
    assert result.exit_code in (0, 1), (result.exit_code, result.stdout, result.stderr)
    report: dict[str, Any] = json.loads(result.stdout)
    assert result.exit_code == (1 if report["drift_found"] else 0)
    return result.exit_code, report


def _edit(world: World, platform: Platform, external_id: str, *args: str) -> None:
    state = world.seeded.home.parent / "sandbox-state"
    result = runner.invoke(app, ["sandbox", "edit", platform.value, external_id, *args, "--state", str(state)])
    assert result.exit_code == 0, (result.stdout, result.stderr)


def _logged_requests() -> int:
    with AppContext() as ctx, ctx.database.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM sync_logs")).scalar_one())


def _drifted(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    return {(item["product_id"], item["platform"]): {g["group"]: g for g in item["groups"]}
            for run in report["platforms"] for item in run["listings"]}


def test_seller_centre_edits_are_found_cheaply_and_overwritten_by_the_next_sync(world: World) -> None:
    code, first = _drift()
    assert code == 0 and [run["read"] for run in first["platforms"]] == ["full", "full"], first
    shop_size = sum(run["listings_read"] for run in first["platforms"])
    assert shop_size >= SEEDED + SYNCED  # every listing of both shops: each was seeded with its origin's

    edits: dict[tuple[str, str], tuple[str, Any]] = {}
    for number, (product_id, platform, external_id) in enumerate(world.listings[:25]):
        group, option, value = [("price", "--price", 99_000 + number), ("title", "--title", f"Diedit Penjual {number}"),
                                ("stock", "--stock", 1 + number)][number % 3]
        _edit(world, platform, external_id, option, str(value))
        edits[(product_id, platform.value)] = (group, value)

    logged = _logged_requests()
    code, second = _drift()
    assert code == 1 and second["drifted"] == 25 and second["policy"] == "overwrite", second
    assert [run["read"] for run in second["platforms"]] == ["changed", "changed"]
    found = _drifted(second)
    assert set(found) == set(edits)
    for key, (group, value) in edits.items():
        assert list(found[key]) == [group], (key, found[key])
        to = found[key][group]["to"]
        assert (set(to.values()) == {value} if isinstance(to, dict) else to == value), (key, to)
        assert found[key][group]["action"] == "overwrite"
    # Only what changed since the last check was read (the synced, then edited, listings), not the shops.
    read = sum(run["listings_read"] for run in second["platforms"])
    requests = sum(run["requests"] for run in second["platforms"])
    assert 25 <= read <= 2 * SYNCED < shop_size and requests <= read + 4, second
    assert _logged_requests() - logged == requests  # every request is in sync_logs

    with AppContext() as ctx:
        entries = plan(ctx, world.products, list(PLATFORMS))
    by_key = {(e.product_id, e.platform.value): e for e in entries}
    for key, (group, _) in edits.items():
        assert by_key[key].action is Action.UPDATE and group in by_key[key].changes, (key, by_key[key])

    with AppContext() as ctx:
        synced = manual_sync(ctx, world.products, list(PLATFORMS))
    assert [j.state for j in synced.jobs] == ["done"] * 2 * SYNCED
    code, after = _drift("--full")
    assert code == 0 and after["drifted"] == 0, after  # the master is back on every edited listing


def test_report_policy_lists_the_edit_and_the_next_sync_leaves_it(world: World, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    monkeypatch.setenv("SYNCSTORE_DRIFT_POLICY", "overwrite,title=report")
    product_id, platform, external_id = world.listings[0]
    _edit(world, platform, external_id, "--title", "Judul Pilihan Penjual Sendiri")

    code, report = _drift("--platform", platform.value)
    assert code == 1 and report["policy"] == "overwrite,title=report"
    found = _drifted(report)
    assert list(found) == [(product_id, platform.value)]
    assert found[(product_id, platform.value)]["title"]["action"] == "report"

    with AppContext() as ctx:
        (entry,) = plan(ctx, [product_id], [platform])
        assert entry.action is Action.NO_CHANGE, entry
        assert [j.action for j in manual_sync(ctx, [product_id], [platform]).jobs] == ["no_change"]
    code, again = _drift("--platform", platform.value, "--full")
    assert code == 1 and list(_drifted(again)) == [(product_id, platform.value)]  # still the seller's title
    assert _drifted(again)[(product_id, platform.value)]["title"]["to"] == "Judul Pilihan Penjual Sendiri"


def test_an_unknown_platform_is_bad_usage(world: World) -> None:
    result = runner.invoke(app, ["drift", "--platform", "lazada"])
    assert result.exit_code == 2 and "expected shopee, tiktok or both" in result.stderr
