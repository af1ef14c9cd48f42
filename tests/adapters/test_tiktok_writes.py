"""The TikTok client's writes and reference data against the sandbox over HTTP: create, update, unlist, metadata."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.marketplaces.base import (
    UPDATE_FIELDS,
    AttributeValue,
    ListingSpec,
    MarketplaceClient,
    VariantSpec,
)
from syncstore_cli.marketplaces.errors import NetworkError, NotFound, NotLiveYet, ValidationFailed
from syncstore_cli.marketplaces.http import Exchange, SignedHttpClient
from syncstore_cli.marketplaces.tiktok.client import LIMITS, TikTokClient
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok_classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokShopToken, TikTokSigner
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox import taxonomy_tiktok as tree
from syncstore_cli.sandbox.app import Sandbox, build_sandbox, serve_in_background
from syncstore_cli.sandbox.images import render_png

FRAME_CATEGORY = tree.SEED_LEAF["frame"]  # Suku Cadang Drone > Frame Drone, a leaf of the sandbox's tree
# The frame leaf's mandatory attributes: no dangerous goods, made in China.
assert [a.id for a in tree.LEAVES[FRAME_CATEGORY].attributes if a.required] == [
    tree.DANGEROUS_GOODS.id, tree.COUNTRY_OF_ORIGIN.id]
MANDATORY = tuple(AttributeValue(attribute.id, value_id, attribute.value_name(value_id) or "")
                  for attribute, value_id in ((tree.DANGEROUS_GOODS, tree.NO_DANGEROUS_GOODS),
                                              (tree.COUNTRY_OF_ORIGIN, tree.CHINA)))
DESCRIPTION = ("<p>Frame racing 5 inch dari carbon fiber T700 dengan arm 5mm yang kaku dan tahan benturan. Cocok untuk "
               "freestyle maupun racing, paket sudah termasuk baut, standoff dan strap baterai.</p>")


class Clock:
    """The sandbox's clock: real time plus an offset a test moves forward to finish audits."""

    offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class World:
    box: Sandbox
    clock: Clock
    client: TikTokClient
    exchanges: list[Exchange]
    images: tuple[str, ...]

    def calls(self) -> list[str]:
        return [f"{e.method} {e.path}" for e in self.exchanges]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("tiktok-writes")
    clock = Clock()
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("SYNCSTORE_") and name != "SYNCSTORE_REQUIRE_SERVICES":
                mp.delenv(name)
        mp.setenv("SYNCSTORE_HOME", str(root / "home"))
        box = build_sandbox(c.SandboxConfig(clock=clock), root / "sandbox-state")
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
                auth = ctx.shops
                shop = auth.tokens.get_shop("tiktok", c.DEMO_TIKTOK_SHOP_ID)
                assert shop is not None
                tiktok_app = auth.tiktok_app()
            token = TikTokShopToken(shop.tokens.access_token, shop.shop_cipher)
            exchanges: list[Exchange] = []
            http = SignedHttpClient("tiktok", server.url, TikTokSigner(lambda: tiktok_app, lambda: token),
                                    tiktok_classify, on_exchange=exchanges.append, sleep=lambda _seconds: None)
            with http:
                client = TikTokClient(http)
                images = tuple(client.upload_image(render_png(f"tiktok-writes/{n}")) for n in range(3))
                yield World(box, clock, client, exchanges, images)
        finally:
            server.stop()
            box.close()


def _sku() -> str:
    return f"FRM-T{uuid.uuid4().hex[:8].upper()}"


def _plain(world: World, sku: str, **changes: Any) -> ListingSpec:
    spec = ListingSpec(
        sku=sku, title="Frame FPV 5 Inch Carbon T700 Arm 5mm Freestyle", description=DESCRIPTION,
        category_id=FRAME_CATEGORY, images=world.images[:2], price=349_000, stock=12, brand="Emax",
        weight_g=250, length_cm=25, width_cm=20, height_cm=5, attributes=MANDATORY,
    )
    return replace(spec, **changes)


def _coloured(world: World, sku: str, colours: tuple[tuple[str, int, int], ...]) -> ListingSpec:
    variants = tuple(VariantSpec(f"{sku}-{name[:3].upper()}", (name,), price, stock) for name, price, stock in colours)
    return _plain(world, sku, title="Propeller FPV 5 Inch Tri-Blade Isi 4 Pasang", price=None, stock=0,
                  tier_names=("Warna",), variants=variants, brand="No Brand")


RGB = (("Red", 25_000, 40), ("Blue", 26_500, 30), ("Green", 27_000, 20))


def test_the_client_is_a_marketplace_client(world: World) -> None:
    assert isinstance(world.client, MarketplaceClient)


def test_create_plain_listing_and_read_it_back_after_audit(world: World) -> None:
    sku = _sku()
    rules = world.box.tiktok_products.rules
    world.box.tiktok_products.rules = replace(rules, audit_delay_seconds=30)
    try:
        world.exchanges.clear()
        key = uuid.uuid4().hex
        result = world.client.create_listing(_plain(world, sku), key)
    finally:
        world.box.tiktok_products.rules = rules
    assert result.external_id.isdigit() and result.status == "PENDING" and result.variant_ids == {}
    [create] = [e for e in world.exchanges if e.method == "POST" and e.path == "/product/202309/products"]
    sent = json.loads(create.request_body or "{}")
    assert sent["idempotency_key"] == key and "idempotency_key" not in create.query  # a body field, per the docs
    assert sent["category_version"] == "v2" and sent["external_product_id"] == sku
    assert sent["listing_platforms"] == ["TIKTOK_SHOP", "TOKOPEDIA"]
    assert sent["package_weight"] == {"value": "0.25", "unit": "KILOGRAM"}
    assert sent["package_dimensions"] == {"length": "25", "width": "20", "height": "5", "unit": "CENTIMETER"}
    assert sent["skus"] == [{"seller_sku": sku, "price": {"amount": "349000", "currency": "IDR"},
                             "inventory": [{"warehouse_id": sent["skus"][0]["inventory"][0]["warehouse_id"],
                                            "quantity": 12}]}]
    assert sent["skus"][0]["inventory"][0]["warehouse_id"] == next(w.id for w in world.client.logistics() if w.default)

    pending = world.client.get_listing(result.external_id)
    assert pending.status == "PENDING" and pending.extra["tokopedia_status"] == "PENDING"
    world.clock.offset += 31  # the audit delay passes on the sandbox's clock
    listing = world.client.get_listing(result.external_id)
    assert listing.status == "ACTIVATE" and listing.extra["tokopedia_status"] == "ACTIVATE"
    assert listing.extra["listing_platforms"] == ("TIKTOK_SHOP", "TOKOPEDIA")
    assert (listing.sku, listing.title, listing.description) == (sku, _plain(world, sku).title, DESCRIPTION)
    assert listing.price == 349_000 and type(listing.price) is int and listing.stock == 12
    assert len(listing.images) == 2 and listing.variants == ()
    assert listing.brand == "Emax" and listing.category_id == FRAME_CATEGORY
    assert (listing.weight_g, listing.length_cm, listing.width_cm, listing.height_cm) == (250, 25, 20, 5)
    assert [found.external_id for found in world.client.find_by_sku(sku)] == [result.external_id]


def test_create_tiktok_only_without_brand(world: World) -> None:
    sku = _sku()
    result = world.client.create_listing(_plain(world, sku, brand="No Brand", tokopedia=False, length_cm=0,
                                                width_cm=0, height_cm=0, weight_g=1500), uuid.uuid4().hex)
    listing = world.client.get_listing(result.external_id)
    assert listing.brand == "No Brand" and listing.extra["tokopedia_status"] is None
    assert listing.extra["listing_platforms"] == ("TIKTOK_SHOP",)
    assert (listing.weight_g, listing.length_cm) == (1500, 0)


def test_create_with_variants(world: World) -> None:
    sku = _sku()
    spec = _coloured(world, sku, RGB)
    result = world.client.create_listing(spec, uuid.uuid4().hex)
    assert set(result.variant_ids) == {v.sku for v in spec.variants}
    listing = world.client.get_listing(result.external_id)
    assert listing.sku == sku and listing.price is None and listing.tier_names == ("Warna",)
    assert [(v.sku, v.options, v.price, v.stock) for v in listing.variants] == [
        (v.sku, v.options, v.price, v.stock) for v in spec.variants]
    assert {v.sku: v.external_id for v in listing.variants} == result.variant_ids
    assert listing.stock == 90 and listing.brand == "No Brand"


def test_a_create_repeated_with_the_same_key_makes_a_second_product(world: World) -> None:
    # No source documents that TikTok deduplicates `idempotency_key` (shared/marketplaces/README.md "TikTok Shop
    # decisions"); the sandbox ignores it by default, so only a lookup by SKU before a create prevents a twin.
    sku, key = _sku(), uuid.uuid4().hex
    first = world.client.create_listing(_plain(world, sku), key)
    again = world.client.create_listing(_plain(world, sku), key)
    assert again.external_id != first.external_id
    assert sorted(found.external_id for found in world.client.find_by_sku(sku)) == sorted(
        [first.external_id, again.external_id])


def test_a_create_is_not_repeated_after_a_dropped_answer(world: World) -> None:
    # The answer is lost after the product was made: repeating the request would make a second product (the
    # key is not known to deduplicate), so the client reports an unknown outcome and the caller looks it up.
    for key in (uuid.uuid4().hex, ""):
        sku = _sku()
        world.box.faults.push("drop_after_commit", "/product/202309/products")
        world.exchanges.clear()
        with pytest.raises(NetworkError) as lost:
            world.client.create_listing(_plain(world, sku), key)
        assert lost.value.outcome_unknown and len(world.exchanges) == 1
        assert ("idempotency_key" in json.loads(world.exchanges[0].request_body or "{}")) == bool(key)
        assert len(world.client.find_by_sku(sku)) == 1


def _pending(world: World, spec: ListingSpec) -> str:
    """Creates `spec` while the sandbox's audit takes 30 s; the product is PENDING until the clock moves."""
    rules = world.box.tiktok_products.rules
    world.box.tiktok_products.rules = replace(rules, audit_delay_seconds=30)
    try:
        return world.client.create_listing(spec, uuid.uuid4().hex).external_id
    finally:
        world.box.tiktok_products.rules = rules


def test_price_and_stock_wait_until_the_product_is_live(world: World) -> None:
    # Update Price / Update Inventory only act on ACTIVATE products (update-price.doc.json,
    # update-inventory.doc.json in lazykern/ecommerce-api-docs): nothing is sent while the audit runs.
    sku = _sku()
    product_id = _pending(world, _plain(world, sku))
    changed = _plain(world, sku, price=299_000, stock=7, title="Frame FPV 5 Inch Carbon T700 Arm 5mm Racing")
    world.exchanges.clear()
    with pytest.raises(NotLiveYet) as waiting:
        world.client.update_listing(product_id, changed, frozenset({"price", "stock", "title"}))
    assert waiting.value.retriable and waiting.value.retry_after and "PENDING" in str(waiting.value)
    assert world.calls() == [f"GET /product/202309/products/{product_id}"]  # one read, no write
    world.clock.offset += 31
    world.client.update_listing(product_id, changed, frozenset({"price", "stock", "title"}))
    listing = world.client.get_listing(product_id)
    assert (listing.price, listing.stock, listing.title) == (299_000, 7, changed.title)


def test_price_change_on_a_product_that_failed_review_names_the_reasons(world: World) -> None:
    sku = _sku()
    product_id = _pending(world, _plain(world, sku, description="<p>Frame 5 inch carbon.</p>"))
    world.clock.offset += 31
    assert world.client.get_listing(product_id).status == "FAILED"
    world.exchanges.clear()
    with pytest.raises(ValidationFailed) as failed:
        world.client.update_listing(product_id, _plain(world, sku, price=299_000), frozenset({"price"}))
    assert not failed.value.retriable and "failed TikTok's review" in str(failed.value)
    assert "description is too short" in str(failed.value)
    assert world.calls() == [f"GET /product/202309/products/{product_id}"]


def test_price_and_stock_updates_are_absolute(world: World) -> None:
    sku = _sku()
    spec = _coloured(world, sku, RGB)
    created = world.client.create_listing(spec, uuid.uuid4().hex)
    changed = replace(spec, variants=tuple(replace(v, price=v.price + 1_000, stock=v.stock + 5) for v in spec.variants))
    for _ in range(2):  # a retried update lands on the same values
        world.exchanges.clear()
        result = world.client.update_listing(created.external_id, changed, frozenset({"price", "stock"}))
        assert result.variant_ids == created.variant_ids
        assert world.calls() == [f"GET /product/202309/products/{created.external_id}",
                                 f"POST /product/202309/products/{created.external_id}/prices/update",
                                 f"POST /product/202309/products/{created.external_id}/inventory/update"]
        listing = world.client.get_listing(created.external_id)
        assert [(v.sku, v.price, v.stock) for v in listing.variants] == [
            (v.sku, v.price, v.stock) for v in changed.variants]
    plain_sku = _sku()
    plain = world.client.create_listing(_plain(world, plain_sku), uuid.uuid4().hex)
    world.client.update_listing(plain.external_id, _plain(world, plain_sku, price=299_000, stock=0),
                                frozenset({"price", "stock"}))
    listing = world.client.get_listing(plain.external_id)
    assert (listing.price, listing.stock, listing.status) == (299_000, 0, "ACTIVATE")  # no re-audit for price/stock


def test_title_only_update_leaves_the_rest(world: World) -> None:
    sku = _sku()
    spec = _plain(world, sku)
    created = world.client.create_listing(spec, uuid.uuid4().hex)
    before = world.client.get_listing(created.external_id)
    world.exchanges.clear()
    # The sync sends no images for groups it is not updating: nothing else in the spec may leak through.
    renamed = replace(spec, title="Frame FPV 5 Inch Carbon T700 Versi 2025 Lebih Ringan", images=(), price=1,
                      stock=1, brand="DJI", weight_g=9_999)
    result = world.client.update_listing(created.external_id, renamed, frozenset({"title"}))
    [edit] = [e for e in world.exchanges if e.path.endswith("/partial_edit")]
    # Partial Edit's request lists no listing_platforms (lywzx/tiktok-partner-api PartialEditProduct.ts).
    assert json.loads(edit.request_body or "{}") == {"title": renamed.title}
    assert result.external_id == created.external_id
    after = world.client.get_listing(created.external_id)
    assert after.title == renamed.title
    assert replace(after, title=before.title, status=before.status, extra=before.extra) == before
    assert after.status == "ACTIVATE" and after.extra["tokopedia_status"] == "ACTIVATE"


def test_content_groups_go_by_partial_edit(world: World) -> None:
    sku = _sku()
    spec = _plain(world, sku)
    created = world.client.create_listing(spec, uuid.uuid4().hex)
    wanted = replace(spec, description=DESCRIPTION.replace("T700", "T800"), images=world.images[::-1], brand="No Brand",
                     weight_g=310, length_cm=26, width_cm=21, height_cm=6)
    world.client.update_listing(created.external_id, wanted, frozenset({"description", "images", "brand", "package"}))
    listing = world.client.get_listing(created.external_id)
    assert listing.description == wanted.description and len(listing.images) == 3
    assert listing.brand == "No Brand"
    assert (listing.weight_g, listing.length_cm, listing.width_cm, listing.height_cm) == (310, 26, 21, 6)
    assert (listing.price, listing.stock) == (spec.price, spec.stock)


def test_variants_added_and_removed(world: World) -> None:
    sku = _sku()
    spec = _coloured(world, sku, RGB)
    created = world.client.create_listing(spec, uuid.uuid4().hex)
    wanted = _coloured(world, sku, (("Red", 99_999, 99), ("Blue", 26_500, 30), ("Black", 31_000, 7)))
    world.exchanges.clear()
    result = world.client.update_listing(created.external_id, wanted, frozenset({"variants"}))
    [edit] = [e for e in world.exchanges if e.method == "PUT"]
    sent = json.loads(edit.request_body or "{}")
    assert sent["listing_platforms"] == ["TIKTOK_SHOP", "TOKOPEDIA"] and sent["external_product_id"] == sku
    assert [s.get("id") for s in sent["skus"]] == [created.variant_ids[f"{sku}-RED"], created.variant_ids[f"{sku}-BLU"],
                                                   None]
    assert "price" not in sent["skus"][0]  # only the groups asked for: Red keeps its price and stock
    listing = world.client.get_listing(created.external_id)
    assert [(v.sku, v.options, v.price, v.stock) for v in listing.variants] == [
        (f"{sku}-RED", ("Red",), 25_000, 40), (f"{sku}-BLU", ("Blue",), 26_500, 30),
        (f"{sku}-BLA", ("Black",), 31_000, 7)]
    ids = {v.sku: v.external_id for v in listing.variants}
    assert result.variant_ids == ids
    assert ids[f"{sku}-RED"] == created.variant_ids[f"{sku}-RED"] and f"{sku}-GRE" not in ids
    assert listing.title == spec.title and listing.description == spec.description and len(listing.images) == 2
    assert listing.status == "ACTIVATE" and listing.extra["tokopedia_status"] == "ACTIVATE"
    # With price in the groups too, the same Edit sets the kept SKUs' prices.
    world.client.update_listing(created.external_id, wanted, frozenset({"variants", "price", "stock"}))
    listing = world.client.get_listing(created.external_id)
    assert [(v.price, v.stock) for v in listing.variants] == [(99_999, 99), (26_500, 30), (31_000, 7)]
    # An option renamed under the same SKU keeps the SKU (and its id); a renamed tier is a new attribute.
    renamed = replace(wanted, tier_names=("Warna Baling",), variants=tuple(
        replace(v, options=("Navy",)) if v.sku == f"{sku}-BLU" else v for v in wanted.variants))
    result = world.client.update_listing(created.external_id, renamed, frozenset({"variants"}))
    listing = world.client.get_listing(created.external_id)
    assert listing.tier_names == ("Warna Baling",)
    assert [v.options for v in listing.variants] == [("Red",), ("Navy",), ("Black",)]
    assert result.variant_ids == ids


def test_unlist_then_relist(world: World) -> None:
    created = world.client.create_listing(_plain(world, _sku()), uuid.uuid4().hex)
    world.client.unlist_listing(created.external_id)
    listing = world.client.get_listing(created.external_id)
    assert (listing.status, listing.extra["tokopedia_status"]) == ("SELLER_DEACTIVATED", "SELLER_DEACTIVATED")
    world.client.relist_listing(created.external_id)
    listing = world.client.get_listing(created.external_id)
    assert (listing.status, listing.extra["tokopedia_status"]) == ("ACTIVATE", "ACTIVATE")
    only_tiktok = world.client.create_listing(_plain(world, _sku(), tokopedia=False), uuid.uuid4().hex)
    world.client.unlist_listing(only_tiktok.external_id)
    world.client.relist_listing(only_tiktok.external_id)
    listing = world.client.get_listing(only_tiktok.external_id)
    assert listing.status == "ACTIVATE" and listing.extra["tokopedia_status"] is None  # not put on Tokopedia
    with pytest.raises(NotFound):
        world.client.unlist_listing("1729592969712207999")


def test_refusals_raise_validation_failed_with_the_marketplace_message(world: World) -> None:
    sku = _sku()
    with pytest.raises(ValidationFailed) as refused:
        world.client.create_listing(_plain(world, sku, price=50), uuid.uuid4().hex)
    assert refused.value.code == 12052570 and "price exceed limit" in refused.value.marketplace_message
    with pytest.raises(ValidationFailed) as short:
        world.client.create_listing(_plain(world, sku, title="Frame FPV"), uuid.uuid4().hex)
    assert short.value.code == 98001004 and "title" in short.value.marketplace_message
    with pytest.raises(ValidationFailed, match="brand 'Nobody Makes This'"):
        world.client.create_listing(_plain(world, sku, brand="Nobody Makes This"), uuid.uuid4().hex)
    with pytest.raises(ValidationFailed, match="whole rupiah"):
        world.client.create_listing(_plain(world, sku, price=None), uuid.uuid4().hex)
    assert world.client.find_by_sku(sku) == []
    created = world.client.create_listing(_plain(world, sku), uuid.uuid4().hex)
    with pytest.raises(ValidationFailed, match="variants must be updated first"):
        world.client.update_listing(created.external_id, _coloured(world, sku, RGB), frozenset({"price"}))
    with pytest.raises(NotFound):
        world.client.update_listing("1729592969712207999", _plain(world, sku), frozenset({"price"}))
    with pytest.raises(ValueError):
        world.client.update_listing(created.external_id, _plain(world, sku), frozenset({"colour"}))
    assert frozenset({"colour"}) - UPDATE_FIELDS


def test_reference_data_is_read_once(world: World) -> None:
    client = TikTokClient(world.client.http)  # a fresh cache
    world.exchanges.clear()
    categories = client.categories()
    leaves = {cat.id: cat for cat in categories if cat.is_leaf}
    assert FRAME_CATEGORY in leaves and leaves[FRAME_CATEGORY].name == "Frame Drone"
    assert all(cat.parent_id for cat in categories)
    attributes = client.attributes(FRAME_CATEGORY)
    assert [a.name for a in attributes] == ["Barang Berbahaya", "Negara Asal", "Jenis Garansi", "Bahan"]
    assert [a.name for a in attributes if a.mandatory] == ["Barang Berbahaya", "Negara Asal"]
    warranty = attributes[2]
    assert ("Garansi Resmi" in dict(warranty.values).values()) and not warranty.custom_values
    brands = client.brands(FRAME_CATEGORY)
    assert {"Emax", "DJI", "iFlight"} <= {b.name for b in brands} and all(b.id.isdigit() for b in brands)
    [warehouse] = client.logistics()
    assert warehouse.enabled and warehouse.default and warehouse.id.isdigit() and warehouse.name
    limits = client.limits(FRAME_CATEGORY)
    assert limits == LIMITS and limits.title_length == (25, 255) and limits.images == (1, 9)
    assert limits.price == (100, 100_000_000) and limits.max_variants == 100 and limits.max_tiers == 3
    first = len(world.exchanges)
    assert first == 4  # categories, attributes, one page of brands, warehouses; limits need no call
    assert client.categories() == categories and client.attributes(FRAME_CATEGORY) == attributes
    assert client.brands(FRAME_CATEGORY) == brands and client.logistics() == [warehouse]
    assert client.limits(FRAME_CATEGORY) == limits
    assert len(world.exchanges) == first
    client.categories().clear()  # a caller's copy, not the cache
    assert client.categories() == categories



def test_find_by_skus_looks_up_many_skus_in_one_search(world: World) -> None:
    first, second, absent = _sku(), _sku(), _sku()
    made = {sku: world.client.create_listing(_plain(world, sku), uuid.uuid4().hex).external_id
            for sku in (first, second)}
    world.exchanges.clear()

    found = world.client.find_by_skus([first, second, absent, first])

    assert {sku: [listing.external_id for listing in listings] for sku, listings in found.items()} == {
        first: [made[first]], second: [made[second]], absent: []}
    searches = [e for e in world.exchanges if e.path.endswith("/products/search")]
    assert len(searches) == 1 and json.loads(searches[0].request_body or "{}")["seller_skus"] == [first, second, absent]
    assert found[first] == world.client.find_by_sku(first)  # the same answer as one search per SKU
