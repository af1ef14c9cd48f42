"""The post-sync checklist's pure checks: each passes on good data and names the problem on bad data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fakes import terms_for

from syncstore_cli.domain.catalog import PLATFORMS, Platform, Product, Tier, Variant
from syncstore_cli.domain.checks import (
    CHECK_NAMES,
    COULD_NOT_RUN,
    FAIL,
    PASS,
    CheckResult,
    ReadBack,
    RemoteSummary,
    SyncedListing,
    check_duplicates,
    check_images,
    check_mappings,
    check_marketplace,
    check_pricing,
    check_seo_titles,
    check_variants,
    group_differences,
    seeded_sample,
    summary_line,
    tokopedia_problem,
)
from syncstore_cli.domain.desired import desired_listing
from syncstore_cli.domain.listing import derive_listings
from syncstore_cli.domain.pricing import SELLER_DEFAULTS

DESCRIPTION = "Frame racing 5 inch dari carbon fiber 3mm, ringan dan kuat untuk freestyle maupun racing. " * 2
IMAGES = ("http://img/a/1.png", "http://img/a/2.png", "http://img/a/3.png")
SHOPEE, TIKTOK = Platform.SHOPEE, Platform.TIKTOK


def _frame() -> Product:
    return Product(
        id="PROD-1", sku="FRM-5IN-CF-001", title="Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle",
        description=DESCRIPTION, category="frame", brand="iFlight", weight_g=120, length_cm=25, width_cm=20,
        height_cm=5, price=150_000, stock=25, images=IMAGES,
    )


def _propeller() -> Product:
    colours = (("Red", 30_000), ("Blue", 32_000), ("Green", 34_000))
    return Product(
        id="PROD-2", sku="PRP-5145-001", title="Propeller 5145 Tri-Blade PC Tahan Banting FPV Racing Freestyle",
        description=DESCRIPTION, category="propeller", brand="Gemfan", weight_g=30, length_cm=15, width_cm=10,
        height_cm=3, price=30_000, stock=0, images=("http://img/b/1.png", "http://img/b/2.png", "http://img/b/3.png"),
        tiers=(Tier("Warna", tuple(c for c, _ in colours)),),
        variants=tuple(Variant(f"PRP-5145-{c.upper()}", (c,), p, 10) for c, p in colours),
    )


def _synced(product: Product, platform: Platform) -> SyncedListing:
    """The listing as a clean sync leaves it: prices by the rule, ids stored, the desired state confirmed."""
    draft = derive_listings(product, SELLER_DEFAULTS)[platform]
    return SyncedListing(
        product=product, platform=platform, external_id=f"{platform.value}-{product.id}", price=draft.price,
        variant_prices=dict(draft.variant_prices),
        variant_external_ids={v.sku: f"{platform.value}-{v.sku}" for v in product.variants},
        seo_title=draft.seo_title, synced_state=desired_listing(product, draft, terms_for(platform)).groups(),
    )


def _good() -> list[SyncedListing]:
    return [_synced(p, platform) for p in (_frame(), _propeller()) for platform in PLATFORMS]


def _one(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def _passes(result: CheckResult, name: str) -> None:
    assert result.name == name
    assert result.passed and result.problems == [] and result.checked > 0, result


# -- pricing ----------------------------------------------------------------------------------------
def test_pricing_passes_when_every_stored_price_follows_the_rule() -> None:
    result = check_pricing(_good(), SELLER_DEFAULTS)
    _passes(result, "pricing")
    assert result.checked == 2 + 2 * (1 + 3)  # each listing's own price, and each variant's


def test_pricing_names_a_listing_price_off_the_rule() -> None:
    listings = _good()
    listings[0] = replace(listings[0], price=172_501)
    result = check_pricing(listings, SELLER_DEFAULTS)
    assert not result.passed
    assert _one(result.problems) == ("PROD-1 (FRM-5IN-CF-001) shopee: stored price 172,501, but the rule gives "
                                     "172,500 from the base price 150,000")


def test_pricing_names_a_variant_price_off_the_rule_and_a_variant_with_none() -> None:
    listings = _good()
    tiktok = listings[3]
    assert tiktok.platform is TIKTOK and tiktok.product.id == "PROD-2"
    prices = dict(tiktok.variant_prices)
    prices["PRP-5145-RED"] = 30_000
    del prices["PRP-5145-BLUE"]
    listings[3] = replace(tiktok, variant_prices=prices)
    problems = check_pricing(listings, SELLER_DEFAULTS).problems
    assert problems == [
        "PROD-2 (PRP-5145-001) tiktok: variant PRP-5145-RED stored price 30,000, but the rule gives 36,000 from "
        "the base price 30,000",
        "PROD-2 (PRP-5145-001) tiktok: variant PRP-5145-BLUE has no stored price; the rule gives 38,400",
    ]


# -- SEO titles -------------------------------------------------------------------------------------
def test_seo_titles_pass_when_in_band_within_limits_and_different() -> None:
    result = check_seo_titles(_good())
    _passes(result, "seo_titles")
    assert result.checked == 4


def test_seo_titles_name_a_missing_title_and_one_out_of_band() -> None:
    listings = _good()
    listings[0] = replace(listings[0], seo_title=None)
    listings[1] = replace(listings[1], seo_title=listings[1].product.title)  # the master itself scores 100
    problems = check_seo_titles(listings).problems
    assert problems == [
        "PROD-1 (FRM-5IN-CF-001) shopee: no SEO title",
        "PROD-1 (FRM-5IN-CF-001) tiktok: title 'Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle' is 100 "
        "similar to the master title; the band is 70–80",
    ]


def test_seo_titles_name_a_title_over_the_length_limit() -> None:
    listings = _good()
    long_title = listings[0].seo_title + " " + "Ringan " * 12  # type: ignore[operator]
    listings[0] = replace(listings[0], seo_title=long_title)
    problems = check_seo_titles(listings).problems
    assert any("Shopee needs 20–120 (too long)" in p and p.startswith("PROD-1 (FRM-5IN-CF-001) shopee") for p in
               problems), problems


def test_seo_titles_name_a_product_whose_two_titles_are_the_same() -> None:
    listings = _good()
    listings[1] = replace(listings[1], seo_title=(listings[0].seo_title or "").upper())
    problem = _one([p for p in check_seo_titles(listings).problems if "must differ" in p])
    assert problem.startswith("PROD-1 (FRM-5IN-CF-001): the Shopee and TikTok titles are the same")


# -- mappings ---------------------------------------------------------------------------------------
def _owners(listings: list[SyncedListing]) -> dict[tuple[Platform, str], list[str]]:
    owners: dict[tuple[Platform, str], list[str]] = {}
    for listing in listings:
        if listing.external_id:
            owners.setdefault((listing.platform, listing.external_id), []).append(listing.product.id)
    return owners


def test_mappings_pass_when_every_listing_and_variant_has_its_ids() -> None:
    listings = _good()
    result = check_mappings(listings, _owners(listings))
    _passes(result, "mappings")
    assert result.checked == 4 + 2 * 3


def test_mappings_name_a_missing_external_id() -> None:
    listings = _good()
    listings[2] = replace(listings[2], external_id=None)
    assert _one(check_mappings(listings, _owners(listings)).problems) == (
        "PROD-2 (PRP-5145-001) shopee: synced, but no marketplace listing id is stored")


def test_mappings_name_dangling_and_missing_variant_rows() -> None:
    listings = _good()
    prices = {k: v for k, v in listings[2].variant_prices.items() if k != "PRP-5145-GREEN"}
    ids = {k: v for k, v in listings[2].variant_external_ids.items() if k != "PRP-5145-GREEN"}
    prices["PRP-OLD-PINK"] = 10_000
    listings[2] = replace(listings[2], variant_prices=prices, variant_external_ids=ids)
    assert check_mappings(listings, _owners(listings)).problems == [
        "PROD-2 (PRP-5145-001) shopee: variant PRP-5145-GREEN has no listing row (no price, no marketplace id)",
        "PROD-2 (PRP-5145-001) shopee: listing variant PRP-OLD-PINK is not a variant of the product (dangling)",
    ]


def test_mappings_name_an_external_id_stored_for_two_products() -> None:
    listings = _good()
    owners = _owners(listings)
    owners[(SHOPEE, "shopee-PROD-1")].append("PROD-77")
    assert _one(check_mappings(listings, owners).problems) == (
        "PROD-1 (FRM-5IN-CF-001) shopee: listing id shopee-PROD-1 is also stored for PROD-77")


# -- images -----------------------------------------------------------------------------------------
def _all_reachable(listings: list[SyncedListing]) -> dict[str, str | None]:
    return {u: None for listing in listings for u in listing.product.images}


def test_images_pass_when_reachable_enough_and_the_same_on_both_platforms() -> None:
    listings = _good()
    result = check_images(listings, _all_reachable(listings))
    _passes(result, "images")
    assert result.checked == 6


def test_images_name_an_unreachable_image() -> None:
    listings = _good()
    fetched = _all_reachable(listings)
    fetched["http://img/b/2.png"] = "HTTP 404"
    assert _one(check_images(listings, fetched).problems) == (
        "PROD-2 (PRP-5145-001): image http://img/b/2.png is unreachable (HTTP 404)")


def test_images_name_a_product_with_fewer_than_three() -> None:
    few = replace(_frame(), images=IMAGES[:2])
    listings = [_synced(few, SHOPEE)]
    assert _one(check_images(listings, _all_reachable(listings)).problems) == (
        "PROD-1 (FRM-5IN-CF-001): has 2 image(s); at least 3 needed")


def test_images_name_platforms_sent_different_images() -> None:
    listings = _good()
    state = dict(listings[1].synced_state or {})
    state["images"] = [*IMAGES[:2], "http://img/a/9.png"]
    listings[1] = replace(listings[1], synced_state=state)
    fetched = {**_all_reachable(listings), "http://img/a/9.png": None}
    assert _one(check_images(listings, fetched).problems) == (
        "PROD-1 (FRM-5IN-CF-001): Shopee was sent 3 image(s) and TikTok 3, not the same (1 only on Shopee, "
        "1 only on TikTok)")


# -- variants ---------------------------------------------------------------------------------------
def test_variants_pass_when_every_variant_is_synced_with_its_id() -> None:
    result = check_variants(_good())
    _passes(result, "variants")
    assert result.checked == 2 * 3


def test_variants_name_one_not_synced_one_without_an_id_and_one_extra() -> None:
    listings = _good()
    listing = listings[3]
    state: dict[str, Any] = dict(listing.synced_state or {})
    skus = [s for s in state["variants"]["skus"] if s[0] != "PRP-5145-RED"] + [["PRP-OLD-PINK", ["Pink"]]]
    state["variants"] = {"tiers": state["variants"]["tiers"], "skus": skus}
    ids = {**listing.variant_external_ids, "PRP-5145-BLUE": None}
    listings[3] = replace(listing, synced_state=state, variant_external_ids=ids)
    assert check_variants(listings).problems == [
        "PROD-2 (PRP-5145-001) tiktok: variant PRP-5145-RED was not synced (not in the listing's synced variants)",
        "PROD-2 (PRP-5145-001) tiktok: variant PRP-5145-BLUE has no marketplace variant id",
        "PROD-2 (PRP-5145-001) tiktok: synced variant PRP-OLD-PINK is not a variant of the product",
    ]


# -- marketplace ------------------------------------------------------------------------------------
def _scan(listings: list[SyncedListing]) -> dict[Platform, list[RemoteSummary]]:
    scanned: dict[Platform, list[RemoteSummary]] = {p: [] for p in PLATFORMS}
    for listing in listings:
        assert listing.external_id is not None
        product = listing.product
        variant_prices = {s: p for s, p in listing.variant_prices.items() if p is not None}
        scanned[listing.platform].append(RemoteSummary(
            listing.platform, listing.external_id, product.sku,
            tuple(v.sku for v in product.variants) or (product.sku,),
            None if product.variants else listing.price, variant_prices))
    return scanned


def _readbacks(listings: list[SyncedListing]) -> list[ReadBack]:
    return [ReadBack(x.product.id, x.product.sku, x.platform, x.external_id or "") for x in listings[:2]]


def test_marketplace_passes_when_read_backs_match_and_every_price_is_as_confirmed() -> None:
    listings = _good()
    result = check_marketplace(listings, _readbacks(listings), _scan(listings))
    _passes(result, "marketplace")
    assert result.checked == 2 + 4


def test_marketplace_names_a_read_back_difference_and_a_failed_read() -> None:
    listings = _good()
    readbacks = [replace(_readbacks(listings)[0], differences=("title: sent 'A', marketplace has 'B'",)),
                 replace(_readbacks(listings)[1], error="not found on the marketplace")]
    assert check_marketplace(listings, readbacks, _scan(listings)).problems == [
        "PROD-1 (FRM-5IN-CF-001) shopee shopee-PROD-1: read-back differs: title: sent 'A', marketplace has 'B'",
        "PROD-1 (FRM-5IN-CF-001) tiktok tiktok-PROD-1: read-back failed: not found on the marketplace",
    ]


def test_marketplace_catches_a_price_changed_in_the_seller_centre_from_the_full_scan() -> None:
    listings = _good()
    scanned = _scan(listings)
    scanned[SHOPEE][0] = replace(scanned[SHOPEE][0], price=123_456)
    tiktok_prop = scanned[TIKTOK][1]
    scanned[TIKTOK][1] = replace(tiktok_prop, variant_prices={**tiktok_prop.variant_prices, "PRP-5145-RED": 1})
    # Nothing sampled: the scan alone catches both.
    assert check_marketplace(listings, [], scanned).problems == [
        "PROD-1 (FRM-5IN-CF-001) shopee shopee-PROD-1: price is 123,456 on the marketplace, SyncStore confirmed "
        "172,500",
        "PROD-2 (PRP-5145-001) tiktok tiktok-PROD-2: variant PRP-5145-RED is 1 on the marketplace, SyncStore "
        "confirmed 36,000",
    ]


def test_marketplace_names_a_listing_gone_from_the_scan_and_a_failed_scan() -> None:
    listings = _good()
    scanned = _scan(listings)
    scanned[SHOPEE] = scanned[SHOPEE][1:]
    del scanned[TIKTOK]
    result = check_marketplace(listings, [], scanned, {TIKTOK: "TikTok is unavailable"})
    assert result.problems == [
        "PROD-1 (FRM-5IN-CF-001) shopee shopee-PROD-1: the listing is not in the marketplace's full listing scan "
        "(deleted or moved behind SyncStore's back?)",
    ]
    # A finding makes it a failure; what could not be read is still said.
    assert result.status == FAIL and result.unread == ["tiktok: the full listing scan failed: TikTok is unavailable"]


def test_marketplace_could_not_run_when_a_scan_or_a_read_back_failed_and_nothing_was_found() -> None:
    listings = _good()
    scanned = _scan(listings)
    del scanned[TIKTOK]
    failed_scan = check_marketplace(listings, [], scanned, {TIKTOK: "tiktok: Internal error | HTTP 500"})
    assert (failed_scan.status, failed_scan.passed, failed_scan.problems) == (COULD_NOT_RUN, False, [])
    assert failed_scan.reason == "tiktok: the full listing scan failed: tiktok: Internal error | HTTP 500"

    unreadable = replace(_readbacks(listings)[0], error="shopee: busy | HTTP 500", unreadable=True)
    failed_read = check_marketplace(listings, [unreadable], _scan(listings))
    assert failed_read.status == COULD_NOT_RUN and failed_read.problems == []
    assert failed_read.unread == ["PROD-1 (FRM-5IN-CF-001) shopee shopee-PROD-1: read-back failed: shopee: busy | "
                                  "HTTP 500"]
    # A platform with synced listings that was not scanned at all is not a pass either.
    assert check_marketplace(listings, [], {SHOPEE: _scan(listings)[SHOPEE]}).status == COULD_NOT_RUN


# -- duplicates -------------------------------------------------------------------------------------
def _skus(listings: list[SyncedListing]) -> dict[Platform, set[str]]:
    skus: dict[Platform, set[str]] = {}
    for x in listings:
        skus.setdefault(x.platform, set()).update({x.product.sku, *(v.sku for v in x.product.variants)})
    return skus


def test_duplicates_pass_when_every_sku_is_on_one_listing() -> None:
    listings = _good()
    result = check_duplicates(_scan(listings), _skus(listings))
    _passes(result, "duplicates")
    assert result.checked == 2 * 5


def test_duplicates_name_a_sku_listed_twice_and_ignore_skus_not_checked() -> None:
    listings = _good()
    scanned = _scan(listings)
    scanned[SHOPEE].append(RemoteSummary(SHOPEE, "999", "FRM-5IN-CF-001", ("FRM-5IN-CF-001",), 1, {}))
    scanned[SHOPEE].append(RemoteSummary(SHOPEE, "1000", "OTHER-1", ("OTHER-1",), 1, {}))
    scanned[SHOPEE].append(RemoteSummary(SHOPEE, "1001", "OTHER-1", ("OTHER-1",), 1, {}))  # not ours to check
    assert _one(check_duplicates(scanned, _skus(listings)).problems) == (
        "shopee: SKU FRM-5IN-CF-001 is listed 2 times (999, shopee-PROD-1)")


def test_duplicates_could_not_run_when_a_shop_scan_failed_never_pass_with_zero_checked() -> None:
    listings = _good()
    scanned = _scan(listings)
    del scanned[SHOPEE]
    result = check_duplicates(scanned, _skus(listings), {SHOPEE: "shopee: Something wrong | HTTP 500"})
    assert (result.status, result.passed, result.problems) == (COULD_NOT_RUN, False, [])
    assert result.reason == "shopee: the full listing scan failed: shopee: Something wrong | HTTP 500"
    assert result.checked == 5  # TikTok's SKUs were checked; Shopee's were not, so the check did not run
    nothing = check_duplicates({}, _skus(listings))  # no scan at all: 0 checked where SKUs were expected
    assert nothing.status == COULD_NOT_RUN and nothing.checked == 0
    assert "the shop was not scanned" in (nothing.reason or "")
    assert check_duplicates({}, {}).status == PASS  # nothing synced: nothing was expected


def test_nothing_to_check_is_a_pass_and_nothing_checked_where_expected_is_not() -> None:
    simple = check_variants([_synced(_frame(), SHOPEE)])  # no variants: nothing was expected
    assert simple.status == PASS and simple.checked == 0
    assert check_marketplace([], [], {}).status == PASS  # nothing synced
    unscanned = check_marketplace(_good(), [], {})  # synced listings, no scan, no read-back: nothing compared
    assert unscanned.status == COULD_NOT_RUN and unscanned.checked == 0


def test_a_check_that_could_not_read_cannot_pass() -> None:
    with pytest.raises(ValueError, match="cannot pass"):
        CheckResult("duplicates", True, 0, [], ["shopee: the full listing scan failed: busy"])
    pricing = check_pricing(_good(), SELLER_DEFAULTS)
    assert pricing.status == PASS and pricing.reason is None
    unrun = CheckResult("duplicates", False, 0, [], ["shopee: scan failed"])
    assert summary_line([pricing, unrun]) == "1/2 checks passed; duplicates: could not run"
    assert unrun.as_json() == {"name": "duplicates", "status": "could not run", "passed": False, "checked": 0,
                               "problems": [], "could_not_run": "shopee: scan failed"}


# -- helpers ----------------------------------------------------------------------------------------
def test_the_sample_is_the_same_for_the_same_seed_and_everything_when_small() -> None:
    items = [f"PROD-{n}" for n in range(1, 50)]
    first = seeded_sample(items, 5, 42)
    assert first == seeded_sample(items, 5, 42) and len(set(first)) == 5
    assert seeded_sample(items, 5, 43) != first
    assert seeded_sample(items[:3], 5, 42) == items[:3]
    assert seeded_sample(items, 0, 42) == []


def test_small_helpers() -> None:
    assert tokopedia_problem("FAILED") == "tokopedia: status is FAILED; the listing is not live on Tokopedia"
    assert tokopedia_problem("ACTIVATE") is None and tokopedia_problem(None) is None
    assert group_differences({"brand": "A", "package": [1]}, {"brand": "B", "package": [1]}, ("brand", "package")) \
        == ["brand: sent 'A', marketplace has 'B'"]
    results = [CheckResult("pricing", False, 3, ["a", "b"]), CheckResult("images", True, 2, [])]
    assert summary_line(results) == "1/2 checks passed; pricing: 2 problems"
    assert results[0].as_json() == {"name": "pricing", "status": "fail", "passed": False, "checked": 3,
                                    "problems": ["a", "b"], "could_not_run": None}
    assert CHECK_NAMES == ("pricing", "seo_titles", "mappings", "images", "variants", "marketplace", "duplicates")
