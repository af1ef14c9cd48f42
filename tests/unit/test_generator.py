"""The catalog generator, checked on the whole generated catalog against the catalog brief.

The expectations (family shares, price ranges, flaw counts) are written out here rather than
imported from the generator, so a change to the generator's tables cannot silently move them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

import pytest

from syncstore_cli.domain.catalog import CATEGORIES, Platform, Product
from syncstore_cli.sandbox.generator import (
    DEFAULT_SEED,
    FLAW_COUNTS,
    GeneratedCatalog,
    generate_catalog,
)

BASE = "http://127.0.0.1:8780"

EXPECTED_FLAW_COUNTS = {
    "few_images": 30,
    "title_too_short": 15,
    "title_too_long": 15,
    "price_zero": 12,
    "price_missing": 8,
    "duplicate_sku": 10,
    "weight_zero": 20,
    "description_short": 25,
    "emoji_in_title": 12,
    "html_entity_in_title": 8,
    "zero_stock": 30,
    "broken_image_url": 20,
}

# family -> (share in percent, lowest base price, highest base price, its categories)
FAMILIES: dict[str, tuple[int, int, int, set[str]]] = {
    "frames": (8, 150_000, 1_200_000, {"frame"}),
    "propellers": (12, 15_000, 90_000, {"propeller"}),
    "motors": (10, 120_000, 650_000, {"motor"}),
    "esc_fc": (10, 250_000, 2_500_000, {"esc", "flight_controller"}),
    "video": (14, 60_000, 1_800_000, {"vtx", "camera", "antenna"}),
    "radio_link": (8, 150_000, 6_500_000, {"receiver", "radio"}),
    "goggles": (3, 1_500_000, 12_000_000, {"goggles"}),
    "power": (12, 90_000, 1_500_000, {"battery", "charger"}),
    "small_parts": (18, 5_000, 250_000, {"cable", "hardware", "tool"}),
    "drones": (5, 1_800_000, 9_000_000, {"drone", "whoop"}),
}
FAMILY_OF = {cat: fam for fam, (_, _, _, cats) in FAMILIES.items() for cat in cats}

EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")
HTML_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#x[0-9A-Fa-f]+);")
SKU = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
IMAGE = re.compile(r"^" + re.escape(BASE) + r"/images/(?P<sku>[A-Z0-9-]+)/(?P<missing>missing-)?(?P<n>\d+)\.png$")


@pytest.fixture(scope="module")
def catalog() -> GeneratedCatalog:
    return generate_catalog()


@pytest.fixture(scope="module")
def products(catalog: GeneratedCatalog) -> tuple[Product, ...]:
    return catalog.products


@pytest.fixture(scope="module")
def flaw_of(catalog: GeneratedCatalog) -> dict[str, str]:
    return {pid: kind for kind, ids in catalog.manifest.items() for pid in ids}


@pytest.fixture(scope="module")
def normal(products: tuple[Product, ...], flaw_of: dict[str, str]) -> list[Product]:
    return [p for p in products if p.id not in flaw_of]


def _detected_flaws(products: tuple[Product, ...]) -> dict[str, set[str]]:
    """What a validator would find, product by product, reading the catalog in order."""
    seen_skus: set[str] = set()
    found: dict[str, set[str]] = {}
    for p in products:
        kinds: set[str] = set()
        if len(p.images) < 3:
            kinds.add("few_images")
        if len(p.title) < 20:
            kinds.add("title_too_short")
        if len(p.title) > 120:
            kinds.add("title_too_long")
        prices = [p.price, *(v.price for v in p.variants)]
        if any(x == 0 for x in prices):
            kinds.add("price_zero")
        if any(x is None for x in prices):
            kinds.add("price_missing")
        if any(v.sku in seen_skus for v in p.variants):
            kinds.add("duplicate_sku")
        if p.weight_g <= 0:
            kinds.add("weight_zero")
        if len(p.description) < 60:
            kinds.add("description_short")
        if EMOJI.search(p.title):
            kinds.add("emoji_in_title")
        if HTML_ENTITY.search(p.title):
            kinds.add("html_entity_in_title")
        if p.total_stock == 0:
            kinds.add("zero_stock")
        if any("/missing-" in url for url in p.images):
            kinds.add("broken_image_url")
        seen_skus.add(p.sku)
        seen_skus.update(v.sku for v in p.variants)
        found[p.id] = kinds
    return found


# ---------------------------------------------------------------------------------------------
# Determinism and size


def test_same_seed_gives_the_same_catalog(catalog: GeneratedCatalog) -> None:
    again = generate_catalog(DEFAULT_SEED)
    assert again.products == catalog.products
    assert again.manifest == catalog.manifest
    assert [p.description for p in again.products] == [p.description for p in catalog.products]


def test_a_different_seed_gives_a_different_catalog(catalog: GeneratedCatalog) -> None:
    other = generate_catalog(DEFAULT_SEED + 1)
    assert len(other.products) == len(catalog.products)
    differing = sum(a != b for a, b in zip(other.products, catalog.products, strict=True))
    assert differing > len(catalog.products) * 0.9
    assert other.manifest != catalog.manifest
    # The pilots are fixed points of every seed.
    assert other.products[:2] == catalog.products[:2]


def test_counts_ids_and_origins(products: tuple[Product, ...]) -> None:
    assert len(products) == 4147
    assert [p.id for p in products] == [f"PROD-{n}" for n in range(1, 4148)]
    origins = Counter(p.origin for p in products)
    assert origins == {Platform.SHOPEE: 3647, Platform.TIKTOK: 500}


def test_tiktok_products_are_spread_through_the_catalog(products: tuple[Product, ...]) -> None:
    tenth = math.ceil(len(products) / 10)
    for start in range(0, len(products), tenth):
        chunk = products[start : start + tenth]
        assert sum(p.origin is Platform.TIKTOK for p in chunk) >= 25, start


# ---------------------------------------------------------------------------------------------
# Families, categories, prices


def test_categories_are_catalog_keys(products: tuple[Product, ...]) -> None:
    assert {p.category for p in products} == set(CATEGORIES)


def test_family_shares(products: tuple[Product, ...]) -> None:
    counts = Counter(FAMILY_OF[p.category] for p in products)
    for family, (share, *_rest) in FAMILIES.items():
        actual = 100 * counts[family] / len(products)
        assert abs(actual - share) <= 1.5, (family, actual, share)


def test_prices_within_family_ranges(normal: list[Product]) -> None:
    for p in normal:
        _, lo, hi, _cats = FAMILIES[FAMILY_OF[p.category]]
        assert p.price is not None and lo <= p.price <= hi, (p.id, p.category, p.price)
        for v in p.variants:
            assert v.price is not None and lo <= v.price <= hi, (p.id, v.sku, v.price)


def test_prices_are_whole_rupiah_rounded_to_500(products: tuple[Product, ...]) -> None:
    for p in products:
        for price in (p.price, *(v.price for v in p.variants)):
            assert price is None or (isinstance(price, int) and price % 500 == 0), (p.id, price)


def test_every_family_spans_a_realistic_spread_of_prices(normal: list[Product]) -> None:
    by_family: dict[str, list[int]] = {}
    for p in normal:
        assert p.price is not None
        by_family.setdefault(FAMILY_OF[p.category], []).append(p.price)
    for family, prices in by_family.items():
        assert len(set(prices)) >= min(20, len(prices) // 2), family


# ---------------------------------------------------------------------------------------------
# SKUs


def test_product_skus_unique_and_well_formed(products: tuple[Product, ...]) -> None:
    skus = [p.sku for p in products]
    assert len(set(skus)) == len(skus)
    for sku in skus:
        assert SKU.match(sku) and len(sku) <= 50, sku


def test_variant_skus_unique_except_the_deliberate_duplicates(
    products: tuple[Product, ...], catalog: GeneratedCatalog
) -> None:
    duplicated = set(catalog.manifest["duplicate_sku"])
    variant_skus = [v.sku for p in products if p.id not in duplicated for v in p.variants]
    assert len(set(variant_skus)) == len(variant_skus)
    assert not set(variant_skus) & {p.sku for p in products}
    for p in products:
        for v in p.variants:
            assert SKU.match(v.sku) and len(v.sku) <= 50, v.sku
        assert len({v.sku for v in p.variants}) == len(p.variants), p.id


# ---------------------------------------------------------------------------------------------
# Variants


def test_about_thirty_percent_have_variants(products: tuple[Product, ...]) -> None:
    share = sum(p.has_variants for p in products) / len(products)
    assert 0.25 <= share <= 0.35, share


def test_variant_structure(products: tuple[Product, ...]) -> None:
    for p in products:
        if not p.variants:
            assert p.tiers == (), p.id
            continue
        assert 1 <= len(p.tiers) <= 2, p.id
        combos = math.prod(len(t.options) for t in p.tiers)
        assert combos <= 50, p.id
        assert len(p.variants) == combos, p.id
        for t in p.tiers:
            assert t.name and 2 <= len(t.options) <= 20 and len(set(t.options)) == len(t.options), (p.id, t)
        for v in p.variants:
            assert len(v.options) == len(p.tiers), (p.id, v)
            assert all(o in t.options for o, t in zip(v.options, p.tiers, strict=True)), (p.id, v)
        assert len({v.options for v in p.variants}) == len(p.variants), p.id
        assert p.stock == sum(v.stock for v in p.variants), p.id
        if p.price is not None and p.price > 0:
            assert p.price == min(v.price for v in p.variants if v.price is not None), p.id
        for v in p.variants:
            assert v.stock >= 0
            assert v.image is None or v.image.startswith(f"{BASE}/images/")


def test_variant_option_counts_are_mostly_small_with_a_few_large(products: tuple[Product, ...]) -> None:
    tiers = [t for p in products for t in p.tiers]
    small = sum(2 <= len(t.options) <= 6 for t in tiers)
    large = sum(len(t.options) > 6 for t in tiers)
    assert small / len(tiers) >= 0.9
    assert large >= 5
    assert any(len(p.tiers) == 2 for p in products)


def test_variants_have_their_own_prices_stock_and_images(normal: list[Product]) -> None:
    with_variants = [p for p in normal if p.variants]
    assert sum(len({v.price for v in p.variants}) > 1 for p in with_variants) >= len(with_variants) // 4
    assert any(v.stock == 0 for p in with_variants for v in p.variants)
    assert any(v.image for p in with_variants for v in p.variants)
    assert any(v.image is None for p in with_variants for v in p.variants)


def test_goggles_have_no_variants(products: tuple[Product, ...]) -> None:
    assert not any(p.variants for p in products if p.category == "goggles")


# ---------------------------------------------------------------------------------------------
# The pilot products


def test_pilot_product_a(products: tuple[Product, ...], flaw_of: dict[str, str]) -> None:
    a = products[0]
    assert a.id == "PROD-1"
    assert a.title == "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle"
    assert a.category == "frame"
    assert a.price == 150_000
    assert a.variants == () and a.tiers == ()
    assert len(a.images) == 5
    assert a.origin is Platform.SHOPEE
    assert a.stock > 0 and a.weight_g > 0 and len(a.description) >= 150
    assert "PROD-1" not in flaw_of


def test_pilot_product_b(products: tuple[Product, ...], flaw_of: dict[str, str]) -> None:
    b = products[1]
    assert b.id == "PROD-2"
    assert b.category == "propeller"
    assert b.origin is Platform.SHOPEE
    assert len(b.tiers) == 1
    assert b.tiers[0].name == "Warna"
    assert b.tiers[0].options == ("Red", "Blue", "Green")
    assert [v.options for v in b.variants] == [("Red",), ("Blue",), ("Green",)]
    assert len({v.sku for v in b.variants}) == 3
    assert all(v.price is not None and v.price > 0 and v.stock > 0 for v in b.variants)
    assert [v.price for v in b.variants] == [45_000, 45_000, 47_500]
    assert b.price == 45_000
    assert b.stock == sum(v.stock for v in b.variants)
    assert "PROD-2" not in flaw_of


# ---------------------------------------------------------------------------------------------
# Normal records


def test_normal_records_are_clean(normal: list[Product]) -> None:
    for p in normal:
        assert 35 <= len(p.title) <= 90, (p.id, p.title)
        assert p.title.isascii() and "&" not in p.title, (p.id, p.title)
        assert p.title == " ".join(p.title.split()), (p.id, p.title)
        assert 150 <= len(p.description) <= 3000, p.id
        assert 3 <= len(p.images) <= 9, p.id
        assert 5 <= p.weight_g <= 1500, p.id
        assert p.price is not None and p.price > 0, p.id
        assert p.total_stock > 0, p.id
        assert p.brand, p.id


def test_normal_image_urls_follow_the_image_host_pattern(normal: list[Product]) -> None:
    for p in normal:
        for n, url in enumerate(p.images, start=1):
            m = IMAGE.match(url)
            assert m and m["sku"] == p.sku and int(m["n"]) == n and not m["missing"], (p.id, url)


def test_dimensions_stock_and_brands(products: tuple[Product, ...]) -> None:
    for p in products:
        for dim in (p.length_cm, p.width_cm, p.height_cm):
            assert isinstance(dim, int) and dim >= 1, p.id
        assert isinstance(p.weight_g, int) and 0 <= p.weight_g <= 1500, p.id
        assert 0 <= p.stock <= 200 * max(1, len(p.variants)), p.id
    simple = [p.stock for p in products if not p.variants and p.stock > 0]
    assert sum(1 <= s <= 200 for s in simple) == len(simple)
    brands = Counter(p.brand for p in products)
    assert brands["No Brand"] >= 200
    for brand in ("iFlight", "T-Motor", "BetaFPV", "RadioMaster", "DJI", "Caddx", "Foxeer", "RushFPV",
                  "SpeedyBee", "HappyModel", "GEPRC", "TBS", "Gemfan", "HQProp", "Tattu", "GNB", "ISDT",
                  "ToolkitRC"):
        assert brands[brand] > 0, brand


def test_titles_are_varied(products: tuple[Product, ...]) -> None:
    titles = Counter(p.title for p in products)
    assert len(titles) >= 0.9 * len(products)
    assert max(titles.values()) <= 8  # a few duplicates are fine, a template stuck on repeat is not


def test_descriptions_are_indonesian_and_bounded(products: tuple[Product, ...]) -> None:
    for p in products:
        assert 0 < len(p.description) <= 3000, p.id
    indonesian = sum(("untuk" in p.description or "dan" in p.description) for p in products)
    assert indonesian >= 0.95 * len(products)


# ---------------------------------------------------------------------------------------------
# Flaws and the manifest


def test_flaw_counts_constant() -> None:
    assert FLAW_COUNTS == EXPECTED_FLAW_COUNTS


def test_manifest_counts_and_order(catalog: GeneratedCatalog) -> None:
    assert {k: len(v) for k, v in catalog.manifest.items()} == EXPECTED_FLAW_COUNTS
    for ids in catalog.manifest.values():
        assert ids == sorted(ids, key=lambda pid: int(pid.removeprefix("PROD-")))
    every = [pid for ids in catalog.manifest.values() for pid in ids]
    assert len(every) == len(set(every)), "a product carries at most one flaw"
    assert "PROD-1" not in every and "PROD-2" not in every
    assert 0.04 <= len(every) / len(catalog.products) <= 0.06


def test_each_product_has_exactly_the_flaws_the_manifest_says(
    products: tuple[Product, ...], flaw_of: dict[str, str]
) -> None:
    detected = _detected_flaws(products)
    for p in products:
        expected = {flaw_of[p.id]} if p.id in flaw_of else set()
        assert detected[p.id] == expected, (p.id, detected[p.id], expected)


def _flawed(products: tuple[Product, ...], catalog: GeneratedCatalog, kind: str) -> list[Product]:
    ids = set(catalog.manifest[kind])
    return [p for p in products if p.id in ids]


FlawCheck = Callable[[Product], bool]
FLAW_SHAPES: dict[str, FlawCheck] = {
    "few_images": lambda p: 1 <= len(p.images) <= 2,
    "title_too_short": lambda p: 10 <= len(p.title) <= 19,
    "title_too_long": lambda p: 125 <= len(p.title) <= 160,
    "price_zero": lambda p: p.price == 0 and all(v.price == 0 for v in p.variants),
    "price_missing": lambda p: p.price is None and all(v.price is None for v in p.variants),
    "duplicate_sku": lambda p: len(p.variants) >= 2,
    "weight_zero": lambda p: p.weight_g == 0,
    "description_short": lambda p: 0 < len(p.description) < 60,
    "emoji_in_title": lambda p: EMOJI.search(p.title) is not None and 35 <= len(p.title) <= 90,
    "html_entity_in_title": lambda p: HTML_ENTITY.search(p.title) is not None and 35 <= len(p.title) <= 90,
    "zero_stock": lambda p: p.stock == 0 and all(v.stock == 0 for v in p.variants),
    "broken_image_url": lambda p: len(p.images) >= 3 and sum("/missing-" in u for u in p.images) == 1,
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_FLAW_COUNTS))
def test_flawed_records_have_the_exact_shape(
    kind: str, products: tuple[Product, ...], catalog: GeneratedCatalog
) -> None:
    flawed = _flawed(products, catalog, kind)
    assert len(flawed) == EXPECTED_FLAW_COUNTS[kind]
    for p in flawed:
        assert FLAW_SHAPES[kind](p), (kind, p.id, p.title, p.images)


def test_duplicate_skus_copy_an_earlier_product_variant(
    products: tuple[Product, ...], catalog: GeneratedCatalog
) -> None:
    position = {p.id: i for i, p in enumerate(products)}
    owner: dict[str, str] = {}
    for p in products:
        if p.id not in catalog.manifest["duplicate_sku"]:
            owner.update({v.sku: p.id for v in p.variants})
    for p in _flawed(products, catalog, "duplicate_sku"):
        donors = [owner[v.sku] for v in p.variants if v.sku in owner]
        assert len(donors) == 1, p.id
        assert donors[0] != p.id and position[donors[0]] < position[p.id], p.id
        assert p.sku not in owner


def test_broken_image_urls_point_at_missing_images(
    products: tuple[Product, ...], catalog: GeneratedCatalog
) -> None:
    for p in _flawed(products, catalog, "broken_image_url"):
        for n, url in enumerate(p.images, start=1):
            m = IMAGE.match(url)
            assert m and m["sku"] == p.sku and int(m["n"]) == n, (p.id, url)


def test_flawed_titles_keep_a_product_name(products: tuple[Product, ...], catalog: GeneratedCatalog) -> None:
    for kind in ("emoji_in_title", "html_entity_in_title", "title_too_long", "title_too_short"):
        for p in _flawed(products, catalog, kind):
            assert any(c.isalpha() for c in p.title), (kind, p.id)


# ---------------------------------------------------------------------------------------------
# Parameters


def test_image_base_url_is_used_verbatim() -> None:
    small = generate_catalog(image_base_url="http://images.sandbox.test:9000/", count=300, tiktok_count=30)
    for p in small.products:
        for url in p.images:
            assert url.startswith("http://images.sandbox.test:9000/images/") and "//images" not in url[8:]


def test_smaller_catalog_keeps_pilots_and_proportions() -> None:
    small = generate_catalog(count=600, tiktok_count=60)
    assert len(small.products) == 600
    assert sum(p.origin is Platform.TIKTOK for p in small.products) == 60
    assert small.products[0].title == "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle"
    assert small.products[1].tiers[0].options == ("Red", "Blue", "Green")
    assert 0 < sum(len(ids) for ids in small.manifest.values()) <= 0.06 * 600
    detected = _detected_flaws(small.products)
    flaw_of = {pid: kind for kind, ids in small.manifest.items() for pid in ids}
    for p in small.products:
        assert detected[p.id] == ({flaw_of[p.id]} if p.id in flaw_of else set()), p.id


@pytest.mark.parametrize(("count", "tiktok_count"), [(1, 0), (10, 9), (10, -1)])
def test_bad_sizes_are_rejected(count: int, tiktok_count: int) -> None:
    with pytest.raises(ValueError):
        generate_catalog(count=count, tiktok_count=tiktok_count)
