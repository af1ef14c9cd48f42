"""The clients' incremental read (`changed_since`) against the sandbox over HTTP, and the sandbox
refusing update-time filters the documentation does not allow."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.engine.ports import Shop
from syncstore_cli.marketplaces.errors import MarketplaceError
from syncstore_cli.marketplaces.tiktok.client import SEARCH_PATH
from tests.conftest import SeededWorld, seeded_sandbox


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SeededWorld, dict[Platform, Shop]]]:
    with pytest.MonkeyPatch.context() as mp, ExitStack() as stack, \
            seeded_sandbox(tmp_path_factory.mktemp("drift-reads"), mp, seeded_products=30,
                           import_listings=False) as seeded:
        ctx = stack.enter_context(AppContext())
        yield seeded, ctx.shops.open_shops(stack)


def test_changed_since_reads_only_the_listings_edited_since(world: tuple[SeededWorld, dict[Platform, Shop]]) -> None:
    seeded, shops = world
    shopee, tiktok = shops[Platform.SHOPEE].client, shops[Platform.TIKTOK].client
    shopee_ids = [listing.external_id for listing in shopee.list_listings()]
    tiktok_ids = [listing.external_id for listing in tiktok.list_listings()]
    since = time.time()
    seeded.box.shopee_products.edit_listing(int(shopee_ids[2]), title="Judul Baru Dari Penjual")
    seeded.box.tiktok_products.edit_listing(tiktok_ids[1], stock=7)

    (edited,) = shopee.changed_since(since)
    assert edited.external_id == shopee_ids[2] and edited.title == "Judul Baru Dari Penjual"
    (stocked,) = tiktok.changed_since(since)
    assert stocked.external_id == tiktok_ids[1]
    assert [v.stock for v in stocked.variants or [stocked]] == [7] * len(stocked.variants or [stocked])
    assert shopee.changed_since(time.time() + 3600) == [] and tiktok.changed_since(time.time() + 3600) == []


def test_the_sandbox_refuses_an_empty_or_malformed_update_time_range(
        world: tuple[SeededWorld, dict[Platform, Shop]]) -> None:
    _, shops = world
    now = int(time.time())
    with pytest.raises(MarketplaceError) as shopee_refusal:
        shops[Platform.SHOPEE].client.http.request("GET", "/api/v2/product/get_item_list", query={
            "offset": 0, "page_size": 10, "item_status": "NORMAL", "update_time_from": now, "update_time_to": now})
    assert str(shopee_refusal.value.code).endswith("error_update_time_range")
    for body in ({"update_time_ge": str(now)}, {"update_time_ge": now, "update_time_le": now - 1},
                 {"update_time_le": -1}):
        with pytest.raises(MarketplaceError, match="update_time"):
            shops[Platform.TIKTOK].client.http.request("POST", SEARCH_PATH, query={"page_size": 10}, json_body=body)
