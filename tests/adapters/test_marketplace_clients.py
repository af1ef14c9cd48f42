"""The Shopee and TikTok clients against the sandbox over HTTP: full listing, one listing, lookup by SKU."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.marketplaces.base import MarketplaceClient, RemoteListing
from syncstore_cli.marketplaces.errors import NotFound, ValidationFailed
from syncstore_cli.marketplaces.http import Exchange, SignedHttpClient
from syncstore_cli.marketplaces.shopee import client as shopee_client
from syncstore_cli.marketplaces.shopee.client import ShopeeClient
from syncstore_cli.marketplaces.shopee.responses import classify as shopee_classify
from syncstore_cli.marketplaces.shopee.signer import ShopeeShopToken, ShopeeSigner
from syncstore_cli.marketplaces.tiktok import client as tiktok_client
from syncstore_cli.marketplaces.tiktok.client import TikTokClient
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok_classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokShopToken, TikTokSigner
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox import taxonomy_tiktok as tiktok_tree
from tests.conftest import seeded_sandbox

PILOT_SKU = "FRM-5IN-CF-001"


@dataclass
class World:
    products: list[Product]
    shopee: ShopeeClient
    tiktok: TikTokClient
    calls: Counter[str]
    url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("clients")
    # Auth through the CLI, no import; the clients below are built by hand, at the default rate budget.
    with (pytest.MonkeyPatch.context() as mp,
          seeded_sandbox(root, mp, import_listings=False, unlimited_rate=False) as seeded):
        products = list(seeded.catalog.products)
        calls: Counter[str] = Counter()

        def count(exchange: Exchange) -> None:
            path = exchange.path.rsplit("/", 1)[0] + "/{id}" if exchange.path[-1].isdigit() else exchange.path
            calls[f"{exchange.platform} {path}"] += 1

        with AppContext() as ctx:
            auth = ctx.shops
            shopee_shop = auth.tokens.get_shop("shopee", c.DEMO_SHOPEE_SHOP_ID)
            tiktok_shop = auth.tokens.get_shop("tiktok", c.DEMO_TIKTOK_SHOP_ID)
            assert shopee_shop is not None and tiktok_shop is not None
            partner, tiktok_app = auth.shopee_partner(), auth.tiktok_app()
        shopee_token = ShopeeShopToken(int(shopee_shop.shop_id), shopee_shop.tokens.access_token)
        tiktok_token = TikTokShopToken(tiktok_shop.tokens.access_token, tiktok_shop.shop_cipher)
        shopee_http = SignedHttpClient("shopee", seeded.url, ShopeeSigner(lambda: partner, lambda: shopee_token),
                                       shopee_classify, on_exchange=count)
        tiktok_http = SignedHttpClient("tiktok", seeded.url, TikTokSigner(lambda: tiktok_app, lambda: tiktok_token),
                                       tiktok_classify, on_exchange=count)
        with shopee_http, tiktok_http:
            yield World(products, ShopeeClient(shopee_http), TikTokClient(tiktok_http), calls, seeded.url)


def _by_sku(listings: list[RemoteListing]) -> dict[str, RemoteListing]:
    by_sku = {listing.sku: listing for listing in listings}
    assert len(by_sku) == len(listings), "a SKU is listed twice"
    return by_sku


def _check_against_catalog(listings: dict[str, RemoteListing], products: list[Product]) -> None:
    assert set(listings) == {p.sku for p in products}
    for product in products:
        listing = listings[product.sku]
        assert listing.title == product.title
        assert len(listing.images) == len(product.images)
        if product.variants:
            assert listing.price is None
            assert listing.tier_names == tuple(t.name for t in product.tiers)
            assert [(v.sku, v.options, v.price, v.stock) for v in listing.variants] == [
                (v.sku, v.options, v.price or 0, v.stock) for v in product.variants], product.sku
            assert all(type(v.price) is int for v in listing.variants)
        else:
            assert listing.variants == ()
            assert listing.price == (product.price or 0) and type(listing.price) is int
            assert listing.stock == product.stock


def _report(world: World, platform: str, products: int) -> int:
    total = sum(n for key, n in world.calls.items() if key.startswith(platform))
    detail = ", ".join(f"{key.split(' ', 1)[1]}={n}" for key, n in sorted(world.calls.items())
                       if key.startswith(platform))
    print(f"\n{platform}: {total} calls for {products} listings = {total / products:.3f} calls/product ({detail})")
    return total


def test_shopee_full_listing_matches_catalog(world: World) -> None:
    world.calls.clear()
    listings = list(world.shopee.list_listings(100))
    origin = [p for p in world.products if p.origin == Platform.SHOPEE]
    assert len(listings) == len(origin) == 3647
    _check_against_catalog(_by_sku(listings), origin)
    prod2 = next(p for p in origin if p.id == "PROD-2")
    remote = _by_sku(listings)[prod2.sku]
    assert [v.options[0] for v in remote.variants] == ["Red", "Blue", "Green"]
    with_models = sum(1 for listing in listings if listing.variants)
    total = _report(world, "shopee", len(listings))
    assert total == 37 + 73 + with_models  # item list pages + base info batches + one model list per such item


def test_tiktok_full_listing_matches_catalog(world: World) -> None:
    world.calls.clear()
    listings = list(world.tiktok.list_listings(100))
    origin = [p for p in world.products if p.origin == Platform.TIKTOK]
    assert len(listings) == len(origin) == 500
    _check_against_catalog(_by_sku(listings), origin)
    # Seeded listings are on Tokopedia too, except in a category Tokopedia does not take (the battery leaf).
    tokopedia = tiktok_tree.tokopedia_ids()
    for listing in listings:
        assert listing.extra["tokopedia_status"] == ("ACTIVATE" if listing.category_id in tokopedia else None)
    assert {listing.extra["tokopedia_status"] for listing in listings} == {"ACTIVATE", None}
    assert _report(world, "tiktok", len(listings)) == 5 + 500
    world.calls.clear()
    quick = list(world.tiktok.list_listings(100, details=False))
    # without Get Product there are no sales attributes: SKUs and prices are complete, the product SKU is a guess
    assert {sku for q in quick for sku in q.skus} == {v.sku for p in origin for v in p.variants or [p]}
    assert sum(q.sku == p.sku for q, p in zip(sorted(quick, key=lambda q: q.sku), sorted(origin, key=lambda p: p.sku),
                                                strict=True)) >= 499
    assert _report(world, "tiktok", len(quick)) == 5


def test_get_listing_and_find_by_sku(world: World) -> None:
    clients: list[MarketplaceClient] = [world.shopee, world.tiktok]
    pilot = next(p for p in world.products if p.id == "PROD-1")
    assert pilot.sku == PILOT_SKU
    for client in clients:
        found = client.find_by_sku(PILOT_SKU)
        if pilot.origin.value != client.platform:
            assert found == []  # the pilot is a Shopee product, not yet on TikTok
            continue
        assert [f.sku for f in found] == [PILOT_SKU], client.platform
        again = client.get_listing(found[0].external_id)
        assert again == found[0]
        assert client.find_by_sku(PILOT_SKU[:-1]) == []  # a keyword match is not an exact match
        with pytest.raises(NotFound):
            client.get_listing("999999999999")
    prod2 = next(p for p in world.products if p.id == "PROD-2")
    [found2] = world.shopee.find_by_sku(prod2.sku)
    assert [v.sku for v in found2.variants] == [v.sku for v in prod2.variants]
    # on TikTok a variant's seller SKU finds the listing that carries it (Shopee searches item_sku only)
    variant_product = next(p for p in world.products if p.origin == Platform.TIKTOK and len(p.variants) > 1)
    [found3] = world.tiktok.find_by_sku(variant_product.variants[1].sku)
    assert found3.sku == variant_product.sku and len(found3.variants) == len(variant_product.variants)


def test_prices_must_be_whole_rupiah() -> None:
    assert shopee_client.rupiah(172500.0, "p") == 172500 and shopee_client.rupiah(5, "p") == 5
    assert tiktok_client.rupiah("172500", "p") == 172500 and tiktok_client.rupiah("172500.00", "p") == 172500
    for bad in (172500.5, True, "abc", None):
        with pytest.raises(ValidationFailed):
            shopee_client.rupiah(bad, "p")
    for bad_text in ("172500.5", "-1", "", "1e5"):
        with pytest.raises(ValidationFailed):
            tiktok_client.rupiah(bad_text, "p")


def test_upload_image_and_delete(world: World) -> None:
    image = httpx.get(world.products[0].images[0], timeout=30)
    image.raise_for_status()
    assert world.shopee.upload_image(image.content)
    assert world.tiktok.upload_image(image.content)
    for client in (world.shopee, world.tiktok):
        victim = next(iter(client.list_listings(1)))
        client.delete_listing(victim.external_id)
        assert client.find_by_sku(victim.sku) == []
