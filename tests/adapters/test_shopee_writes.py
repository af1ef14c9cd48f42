"""The Shopee client's writes and metadata reads against the sandbox over HTTP (no catalog seeding)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.marketplaces.base import AttributeValue, ListingSpec, MarketplaceClient, VariantSpec
from syncstore_cli.marketplaces.errors import NotFound, ValidationFailed
from syncstore_cli.marketplaces.http import Exchange, SignedHttpClient
from syncstore_cli.marketplaces.shopee.client import ShopeeClient
from syncstore_cli.marketplaces.shopee.responses import classify as shopee_classify
from syncstore_cli.marketplaces.shopee.signer import ShopeeShopToken, ShopeeSigner
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox import taxonomy_shopee as tree
from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
from syncstore_cli.sandbox.images import render_png

CATEGORY = str(tree.DRONE_ACCESSORIES)  # a leaf whose only mandatory attribute is Negara Asal
_CHINA = tree.COUNTRY_OF_ORIGIN.value(1)
assert _CHINA is not None and tree.rules_for(tree.DRONE_ACCESSORIES).mandatory == (tree.COUNTRY_OF_ORIGIN,)
MANDATORY = (AttributeValue(str(tree.COUNTRY_OF_ORIGIN.attribute_id), str(_CHINA.value_id), _CHINA.name),)
# A leaf that makes none of its attributes mandatory, for the attribute tree's read-back.
NO_MANDATORY_CATEGORY = str(tree.ACTION_CAMERAS)
assert not tree.rules_for(tree.ACTION_CAMERAS).mandatory
DESCRIPTION = ("Frame FPV 5 inci dari serat karbon 3K, lengan 5 mm yang bisa diganti satu per satu, "
               "cocok untuk freestyle dan racing. Paket berisi frame lengkap dan baut.")
_serial = itertools.count(1)


@dataclass
class World:
    http: SignedHttpClient
    client: ShopeeClient
    paths: list[str]  # every attempt's API path, in order
    images: tuple[str, ...]
    brand: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("shopee-writes")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("SYNCSTORE_") and name != "SYNCSTORE_REQUIRE_SERVICES":
                mp.delenv(name)
        mp.setenv("SYNCSTORE_HOME", str(root / "home"))
        box = build_sandbox(c.SandboxConfig(), root / "sandbox-state")
        server = serve_in_background(box)
        try:
            for name, value in {
                "SYNCSTORE_SHOPEE_BASE_URL": server.url, "SYNCSTORE_SHOPEE_PARTNER_ID": c.DEMO_SHOPEE_PARTNER_ID,
                "SYNCSTORE_SHOPEE_PARTNER_KEY": c.DEMO_SHOPEE_PARTNER_KEY,
            }.items():
                mp.setenv(name, value)
            result = CliRunner().invoke(app, ["auth", "shopee", "--sandbox-approve"])
            assert result.exit_code == 0, result.stderr
            with AppContext() as ctx:
                auth = ctx.shops
                shop = auth.tokens.get_shop("shopee", c.DEMO_SHOPEE_SHOP_ID)
                assert shop is not None
                partner = auth.shopee_partner()
            token = ShopeeShopToken(int(shop.shop_id), shop.tokens.access_token)
            paths: list[str] = []

            def record(exchange: Exchange) -> None:
                paths.append(exchange.path)

            http = SignedHttpClient("shopee", server.url, ShopeeSigner(lambda: partner, lambda: token),
                                    shopee_classify, on_exchange=record)
            with http:
                client = ShopeeClient(http, variant_delay=0)
                images = tuple(client.upload_image(render_png(f"shopee-writes-{n}")) for n in range(3))
                brand = client.brands(CATEGORY)[0].name
                yield World(http, client, paths, images, brand)
        finally:
            server.stop()
            box.close()


def _plain(world: World, **changes: object) -> ListingSpec:
    n = next(_serial)
    spec = ListingSpec(
        sku=f"SW-PLAIN-{n:03d}", title=f"Frame FPV 5 inci Carbon 3K seri {n}", description=DESCRIPTION,
        category_id=CATEGORY, images=world.images, price=172_500, stock=12, brand=world.brand,
        weight_g=930, length_cm=20, width_cm=15, height_cm=10, attributes=MANDATORY,
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def _colours(world: World) -> ListingSpec:
    n = next(_serial)
    sku = f"SW-VAR-{n:03d}"
    variants = tuple(VariantSpec(f"{sku}-{colour.upper()}", (colour,), price, stock)
                     for colour, price, stock in (("Red", 150_000, 5), ("Blue", 155_000, 6), ("Green", 160_000, 7)))
    return ListingSpec(
        sku=sku, title=f"Propeller 5 inci tri-blade warna seri {n}", description=DESCRIPTION, category_id=CATEGORY,
        images=world.images, price=None, stock=0, tier_names=("Warna",), variants=variants, weight_g=120,
        attributes=MANDATORY,
    )


def test_client_satisfies_the_protocol(world: World) -> None:
    assert isinstance(world.client, MarketplaceClient)


def test_create_plain_listing_reads_back(world: World) -> None:
    spec = _plain(world)
    result = world.client.create_listing(spec, "unused-key")
    assert result.variant_ids == {} and result.status == "NORMAL"
    listing = world.client.get_listing(result.external_id)
    assert (listing.sku, listing.title, listing.description) == (spec.sku, spec.title, spec.description)
    assert listing.price == 172_500 and type(listing.price) is int
    assert listing.stock == 12
    assert listing.extra["image_ids"] == spec.images and len(listing.images) == 3
    assert listing.brand == world.brand and listing.brand != "No Brand"
    assert (listing.weight_g, listing.length_cm, listing.width_cm, listing.height_cm) == (930, 20, 15, 10)
    assert listing.category_id == CATEGORY and listing.status == "NORMAL" and listing.variants == ()


def test_create_with_no_brand_and_named_channel(world: World) -> None:
    spec = _plain(world, brand="No Brand", logistics=("8005",), length_cm=0)
    listing = world.client.get_listing(world.client.create_listing(spec, "k").external_id)
    assert listing.brand == "No Brand"
    assert (listing.length_cm, listing.width_cm, listing.height_cm) == (0, 0, 0)  # no dimension sent


def test_create_with_three_variants(world: World) -> None:
    spec = _colours(world)
    result = world.client.create_listing(spec, "k")
    assert set(result.variant_ids) == {v.sku for v in spec.variants}
    listing = world.client.get_listing(result.external_id)
    assert listing.sku == spec.sku and listing.tier_names == ("Warna",) and listing.price is None
    assert [(v.sku, v.options, v.price, v.stock) for v in listing.variants] == [
        (v.sku, v.options, v.price, v.stock) for v in spec.variants]
    assert all(type(v.price) is int for v in listing.variants)
    assert {v.sku: v.external_id for v in listing.variants} == result.variant_ids
    assert listing.stock == 18


def test_update_price_and_stock_is_absolute(world: World) -> None:
    plain = _plain(world)
    plain_id = world.client.create_listing(plain, "k").external_id
    colours = _colours(world)
    colours_id = world.client.create_listing(colours, "k").external_id
    new_plain = replace(plain, price=199_000, stock=3)
    new_colours = replace(colours, variants=tuple(
        replace(v, price=v.price + 10_000, stock=v.stock * 2) for v in colours.variants))
    for _ in range(2):  # the same update twice leaves the same result
        world.client.update_listing(plain_id, new_plain, frozenset({"price", "stock"}))
        result = world.client.update_listing(colours_id, new_colours, frozenset({"price", "stock"}))
        listing = world.client.get_listing(plain_id)
        assert (listing.price, listing.stock) == (199_000, 3)
        variants = world.client.get_listing(colours_id).variants
        assert [(v.sku, v.price, v.stock) for v in variants] == [
            (v.sku, v.price, v.stock) for v in new_colours.variants]
        assert result.variant_ids == {v.sku: v.external_id for v in variants}


def test_update_title_only_leaves_the_rest(world: World) -> None:
    spec = _plain(world)
    external_id = world.client.create_listing(spec, "k").external_id
    before = world.client.get_listing(external_id)
    world.paths.clear()
    # The spec's other fields differ from the listing's, but only the title group is sent.
    changed = replace(spec, title=spec.title + " baru", description=DESCRIPTION + " Lain.", price=1_000, stock=0)
    world.client.update_listing(external_id, changed, frozenset({"title"}))
    assert world.paths == ["/api/v2/product/update_item"]
    after = world.client.get_listing(external_id)
    assert after.title == changed.title
    assert replace(after, title=before.title, extra={}) == replace(before, extra={})


def test_update_variants_add_one_option_and_remove_one(world: World) -> None:
    spec = _colours(world)
    created = world.client.create_listing(spec, "k")
    red, blue, _green = spec.variants
    yellow = VariantSpec(f"{spec.sku}-YELLOW", ("Yellow",), 165_000, 9)
    wanted = replace(spec, variants=(red, blue, yellow))
    result = world.client.update_listing(created.external_id, wanted, frozenset({"variants"}))
    listing = world.client.get_listing(created.external_id)
    assert [(v.sku, v.options, v.price, v.stock) for v in listing.variants] == [
        (v.sku, v.options, v.price, v.stock) for v in wanted.variants]
    assert set(result.variant_ids) == {red.sku, blue.sku, yellow.sku}
    # Red and Blue keep their models; only Yellow is new.
    assert result.variant_ids[red.sku] == created.variant_ids[red.sku]
    assert result.variant_ids[blue.sku] == created.variant_ids[blue.sku]
    # Applying the same structure again changes nothing.
    world.paths.clear()
    again = world.client.update_listing(created.external_id, wanted, frozenset({"variants"}))
    assert again.variant_ids == result.variant_ids
    assert world.paths == ["/api/v2/product/get_model_list"] * 2


def test_update_variants_rename_sku_keeps_model(world: World) -> None:
    spec = _colours(world)
    created = world.client.create_listing(spec, "k")
    renamed = replace(spec.variants[0], sku=spec.variants[0].sku + "-V2")
    wanted = replace(spec, variants=(renamed, *spec.variants[1:]))
    result = world.client.update_listing(created.external_id, wanted, frozenset({"variants"}))
    assert result.variant_ids[renamed.sku] == created.variant_ids[spec.variants[0].sku]
    assert [v.sku for v in world.client.get_listing(created.external_id).variants] == [
        v.sku for v in wanted.variants]


def test_plain_listing_gains_variants_and_goes_back(world: World) -> None:
    spec = _plain(world)
    external_id = world.client.create_listing(spec, "k").external_id
    sizes = replace(spec, tier_names=("Warna", "Ukuran"), variants=(
        VariantSpec(f"{spec.sku}-BK-S", ("Hitam", "S"), 170_000, 4),
        VariantSpec(f"{spec.sku}-BK-L", ("Hitam", "L"), 180_000, 5),
        VariantSpec(f"{spec.sku}-WH-S", ("Putih", "S"), 170_000, 6),
    ))
    result = world.client.update_listing(external_id, sizes, frozenset({"variants"}))
    listing = world.client.get_listing(external_id)
    assert listing.tier_names == ("Warna", "Ukuran")
    assert [(v.sku, v.options, v.price) for v in listing.variants] == [
        (v.sku, v.options, v.price) for v in sizes.variants]
    assert set(result.variant_ids) == {v.sku for v in sizes.variants}
    back = world.client.update_listing(external_id, replace(spec, price=175_000, stock=8), frozenset({"variants"}))
    assert back.variant_ids == {}
    listing = world.client.get_listing(external_id)
    assert (listing.variants, listing.price, listing.stock) == ((), 175_000, 8)


def test_update_variants_replacing_every_model(world: World) -> None:
    spec = _colours(world)
    external_id = world.client.create_listing(spec, "k").external_id
    wanted = replace(spec, variants=(VariantSpec(f"{spec.sku}-PINK", ("Pink",), 140_000, 2),
                                     VariantSpec(f"{spec.sku}-GOLD", ("Gold",), 190_000, 1)))
    result = world.client.update_listing(external_id, wanted, frozenset({"variants"}))
    assert set(result.variant_ids) == {v.sku for v in wanted.variants}
    assert [(v.sku, v.options, v.price, v.stock) for v in world.client.get_listing(external_id).variants] == [
        (v.sku, v.options, v.price, v.stock) for v in wanted.variants]


def test_unlist_then_relist(world: World) -> None:
    external_id = world.client.create_listing(_plain(world), "k").external_id
    world.client.unlist_listing(external_id)
    assert world.client.get_listing(external_id).status == "UNLIST"
    world.client.relist_listing(external_id)
    assert world.client.get_listing(external_id).status == "NORMAL"
    world.client.delete_listing(external_id)
    with pytest.raises(NotFound):
        world.client.unlist_listing(external_id)


def test_refused_create_raises_with_the_marketplace_message(world: World) -> None:
    spec = _plain(world, title="Frame FPV")  # under the 20-character minimum
    with pytest.raises(ValidationFailed) as caught:
        world.client.create_listing(spec, "k")
    assert "Item_name length is less than min limit" in str(caught.value)
    assert caught.value.code is not None and str(caught.value.code).endswith("error_item_name_is_too_short")
    assert world.client.find_by_sku(spec.sku) == []


def test_unknown_brand_is_refused_before_sending(world: World) -> None:
    world.client.brands(CATEGORY)  # cached, so the only request would be add_item
    world.paths.clear()
    with pytest.raises(ValidationFailed, match="not in Shopee's brand list"):
        world.client.create_listing(_plain(world, brand="Merek Tidak Dikenal"), "k")
    assert world.paths == []


def test_variants_refused_after_the_item_was_created(world: World) -> None:
    spec = replace(_colours(world), tier_names=("Warna yang tersedia",))  # tier name over 14 characters
    with pytest.raises(ValidationFailed) as caught:
        world.client.create_listing(spec, "k")
    found = world.client.find_by_sku(spec.sku)
    assert len(found) == 1 and found[0].variants == ()
    assert f"item {found[0].external_id} was created without its variants" in str(caught.value)
    # What the sync's create protocol does next: adopt the item and bring its variants in.
    fixed = replace(spec, tier_names=("Warna",))
    result = world.client.update_listing(found[0].external_id, fixed, frozenset({"variants"}))
    assert set(result.variant_ids) == {v.sku for v in fixed.variants}


def test_metadata_is_sensible_and_cached(world: World) -> None:
    client = ShopeeClient(world.http)  # a fresh cache
    world.paths.clear()
    categories = client.categories()
    leaf = next(cat for cat in categories if cat.id == CATEGORY)
    assert leaf.is_leaf and leaf.parent_id != "0" and leaf.name
    assert any(not cat.is_leaf and cat.parent_id == "0" for cat in categories)
    attributes = {a.name: a for a in client.attributes(NO_MANDATORY_CATEGORY)}
    assert attributes["Masa Garansi"].custom_values and not attributes["Negara Asal"].custom_values
    assert ("2", "Indonesia") in attributes["Negara Asal"].values
    assert not any(a.mandatory for a in attributes.values())
    brands = client.brands(CATEGORY)
    assert len(brands) > 1 and all(b.id != "0" and b.name for b in brands)
    channels = {ch.id: ch for ch in client.logistics()}
    assert channels["8003"].enabled and channels["8003"].default and channels["8003"].name == "J&T Express"
    assert not channels["8002"].enabled and not channels["8002"].default
    limits = client.limits(CATEGORY)
    assert limits.title_length == (20, 120) and limits.description_length == (100, 3000)
    assert limits.price == (100, 150_000_000) and all(type(p) is int for p in limits.price)
    assert limits.images == (1, 9) and limits.stock == (0, 999_999)
    assert (limits.max_tiers, limits.max_options_per_tier, limits.max_variants) == (2, 20, 50)
    assert limits.weight_g == (1, 300_000)
    requests = len(world.paths)
    assert requests >= 5
    assert client.categories() == categories and client.attributes(NO_MANDATORY_CATEGORY) == list(attributes.values())
    assert client.brands(CATEGORY) == brands and client.logistics() == list(channels.values())
    assert client.limits(CATEGORY) == limits
    assert len(world.paths) == requests  # the second round made no request


def test_unknown_category_attributes_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed):
        world.client.attributes("999999")


def test_variants_wait_only_when_refused_right_after_add_item(world: World) -> None:
    sleeps: list[float] = []
    client = ShopeeClient(world.http, variant_delay=5.0, clock=lambda: 100.0, sleep=sleeps.append)
    client.brands(CATEGORY)
    client.create_listing(_colours(world), "k")
    assert sleeps == []  # accepted at once: no wait
    world.paths.clear()
    with pytest.raises(ValidationFailed):
        client.create_listing(replace(_colours(world), tier_names=("Warna yang tersedia",)), "k")
    assert sleeps == [5.0]  # refused within the documented 5 s: waited out the rest, tried once more
    assert world.paths.count("/api/v2/product/init_tier_variation") == 2
