"""The real clients against the documentation's own samples, replayed by vcrpy (no sandbox, no network).

Each cassette (built by `build_cassettes.py` from `docs/`) answers with the doc's response_sample. A test
passes only if the client turns that answer into the right records AND every request it sent is the
documented request for its path: the `documented` matcher runs `doc_contract.check` on each request, so
an undocumented parameter, a missing required one or a wrong type leaves the request unmatched and the
test fails with the checker's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
from vcr.request import Request as VcrRequest

from syncstore_cli.marketplaces.base import ListingSpec, VariantSpec
from syncstore_cli.marketplaces.errors import ValidationFailed
from syncstore_cli.marketplaces.http import SignedHttpClient
from syncstore_cli.marketplaces.shopee import auth as shopee_auth
from syncstore_cli.marketplaces.shopee.client import ShopeeClient
from syncstore_cli.marketplaces.shopee.responses import classify as shopee_classify
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner, ShopeeShopToken, ShopeeSigner
from syncstore_cli.marketplaces.tiktok import auth as tiktok_auth
from syncstore_cli.marketplaces.tiktok.client import TikTokClient
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok_classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokApp, TikTokShopToken, TikTokSigner
from tests.contract import doc_contract
from tests.contract.build_cassettes import (
    CASSETTES,
    FILTERED,
    SECRET_HEADERS,
    SECRET_QUERY,
    SHOPEE_HOST,
    TIKTOK_AUTH_HOST,
    TIKTOK_HOST,
)

# Test credentials: none of them may ever show up in a cassette.
PARTNER_KEY = "5f2c" * 16
SHOPEE_ACCESS_TOKEN = "shopee-access-4b1d9e"
APP_SECRET = "tiktok-secret-77a0c3"
TIKTOK_ACCESS_TOKEN = "ROW_tiktok-access-e5f1"
TEST_SECRETS = (PARTNER_KEY, SHOPEE_ACCESS_TOKEN, APP_SECRET, TIKTOK_ACCESS_TOKEN)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _documented(sent: VcrRequest, recorded: VcrRequest) -> None:
    problems = doc_contract.check(doc_contract.sent_request(sent.method, sent.uri, dict(sent.headers), sent.body))
    assert not problems, "; ".join(problems)


def _filter_response(response: dict[str, Any]) -> dict[str, Any]:
    return response  # doc samples carry no secret of ours; the scan test below proves it stays that way


REPLAY = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=("method", "scheme", "host", "path", "documented"),
    filter_query_parameters=[(name, FILTERED) for name in SECRET_QUERY],
    filter_headers=[(name, FILTERED) for name in SECRET_HEADERS],
    before_record_response=_filter_response,
    decode_compressed_response=True,
)
REPLAY.register_matcher("documented", _documented)


@contextmanager
def replay(name: str) -> Iterator[None]:
    with REPLAY.use_cassette(f"{name}.yaml") as cassette:
        yield
    assert cassette.all_played, f"{name}: documented calls left unplayed ({cassette.play_count} of {len(cassette)})"


def _shopee(public: bool = False) -> ShopeeClient:
    partner = ShopeePartner(2001887, PARTNER_KEY)
    token = None if public else (lambda: ShopeeShopToken(14701711, SHOPEE_ACCESS_TOKEN))
    http = SignedHttpClient("shopee", SHOPEE_HOST, ShopeeSigner(lambda: partner, token), shopee_classify,
                            max_attempts=1)
    return ShopeeClient(http, variant_delay=0)


def _tiktok() -> TikTokClient:
    app = TikTokApp("123abc", APP_SECRET)
    token = TikTokShopToken(TIKTOK_ACCESS_TOKEN, "ROW_RHkDDABBAAB8tKAVoAqsMTjsQZFLyNfY")
    signer = TikTokSigner(lambda: app, lambda: token)
    return TikTokClient(SignedHttpClient("tiktok", TIKTOK_HOST, signer, tiktok_classify, max_attempts=1))


def _spec(**changes: Any) -> ListingSpec:
    base: dict[str, Any] = dict(
        sku="FRM-5IN-CF-001", title="Frame FPV 5 inci serat karbon 3K freestyle racing",
        description="Frame FPV 5 inci dari serat karbon 3K, lengan 5 mm yang bisa diganti satu per satu.",
        category_id="14695", price=450000, stock=12, images=("image-1",), weight_g=250, brand="No Brand",
        length_cm=20, width_cm=20, height_cm=5)
    base.update(changes)
    return ListingSpec(**base)


# -- Shopee ----------------------------------------------------------------------------------------------

def test_shopee_item_list_pages_by_next_offset() -> None:
    with replay("shopee_item_ids"):
        assert list(_shopee().item_ids()) == [2500139861]


def test_shopee_listing_with_models() -> None:
    with replay("shopee_get_listing"):
        [listing] = _shopee().get_listings(["34002"])
    assert (listing.external_id, listing.title, listing.status) == ("34002", "seller discount", "NORMAL")
    assert listing.weight_g == 10020 and (listing.length_cm, listing.width_cm, listing.height_cm) == (11, 12, 13)
    [variant] = listing.variants
    assert (variant.sku, variant.options, variant.price, variant.external_id) == ("blue bag", ("testsku1",), 100,
                                                                                "2000458802")


def test_shopee_search_item_pages_by_offset() -> None:
    with replay("shopee_search_item"):
        assert _shopee().search_item_ids("FRM-5IN") == [653211, 564331]


def test_shopee_create_with_variants() -> None:
    spec = _spec(price=None, tier_names=("Color",), variants=(VariantSpec("blue bag", ("testsku1",), 100000, 3),))
    with replay("shopee_create_with_variants"):
        result = _shopee().create_listing(spec, "unused")
    assert result.external_id == "3000142341" and result.variant_ids == {"blue bag": "2000458802"}


def test_shopee_update_item_content() -> None:
    with replay("shopee_update_content"):
        result = _shopee().update_listing("2800143058", _spec(), frozenset({"title", "description", "images",
                                                                            "package"}))
    assert result.status == "UNLIST"


def test_shopee_price_and_stock_failures_are_raised() -> None:
    with replay("shopee_update_price_failure"), pytest.raises(ValidationFailed, match="fail"):
        _shopee().update_listing("3000142341", _spec(), frozenset({"price"}))
    with replay("shopee_update_stock_failure"), pytest.raises(ValidationFailed, match="model 0"):
        _shopee().update_listing("3000142341", _spec(), frozenset({"stock"}))


def test_shopee_unlist_and_delete() -> None:
    with replay("shopee_unlist"):
        _shopee().unlist_listing("2400143710")
    with replay("shopee_delete"):
        _shopee().delete_listing("3000142341")


def test_shopee_reference_data() -> None:
    client = _shopee()
    with replay("shopee_categories"):
        [category] = client.categories()
    assert (category.id, category.name, category.parent_id, category.is_leaf) == ("123", "bbb", "456", True)
    with replay("shopee_attributes"):
        [attribute] = client.attributes("0")
    assert (attribute.id, attribute.mandatory, attribute.values) == ("0", True, (("0", "-"),))
    with replay("shopee_brands"):
        assert [(b.id, b.name) for b in client.brands("14695")] == [("2500139861", "nike")]
    with replay("shopee_channels"):
        assert client.logistics()
    with replay("shopee_recommend_categories"):
        assert client.recommend_categories("Frame FPV 5 inci") == ["1000734", "1000382", "100093"]


def test_shopee_upload_image() -> None:
    with replay("shopee_upload_image"):
        assert _shopee().upload_image(PNG) == "-"


def test_shopee_tokens() -> None:
    http = _shopee(public=True).http
    with replay("shopee_token_get"):
        pair = shopee_auth.exchange_code(http, 2001887, "5a5477794a55537954697169514f4653", 14701711, now=1000.0)
    assert pair.access_token == "6b5a46716e474d6f6e59777659459849"
    with replay("shopee_token_refresh"):
        pair = shopee_auth.refresh(http, 2001887, 14701711, "4c7259534969484e71734d695a6e0d55", now=1000.0)
    assert (pair.access_token, pair.access_expires_at) == ("71594a4c54537649697341796363674a", 1000.0 + 14400)


# -- TikTok ----------------------------------------------------------------------------------------------

def test_tiktok_search_pages_by_token() -> None:
    with replay("tiktok_search"):
        [listing] = list(_tiktok().list_listings(details=False))
    assert (listing.external_id, listing.sku, listing.price, listing.stock) == ("1729592969712207008",
                                                                               "Color-Red-XM01", 117500, 999)


def test_tiktok_get_product() -> None:
    with replay("tiktok_get_listing"):
        listing = _tiktok().get_listing("1729592969712207008")
    assert listing.sku == "172959296971220002"  # external_product_id
    assert listing.category_id == "853000" and listing.weight_g == 1320 and listing.status == "SELLER_DEACTIVATED"
    assert [(v.sku, v.options, v.price, v.stock) for v in listing.variants] == [("sku name", ("Red",), 117500, 999)]


def test_tiktok_create_product() -> None:
    with replay("tiktok_create"):
        result = _tiktok().create_listing(_spec(category_id="600001"), "3f1a6c52-8d0e-4c1b-9a57-1b2c3d4e5f60")
    assert result.external_id == "1729592969712207008"


def test_tiktok_price_and_stock_on_a_live_product() -> None:
    spec = _spec(price=117500, stock=5, tier_names=("Color",),
                 variants=(VariantSpec("sku name", ("Red",), 117500, 5),))
    with replay("tiktok_update_price_stock"):
        _tiktok().update_listing("1729592969712207008", spec, frozenset({"price", "stock"}))
    with replay("tiktok_update_inventory_failure"), pytest.raises(ValidationFailed, match="warehouse does not exist"):
        _tiktok().update_listing("1729592969712207008", spec, frozenset({"stock"}))


def test_tiktok_deactivate_failure_activate_and_delete() -> None:
    with replay("tiktok_deactivate"), pytest.raises(ValidationFailed, match="other sellers"):
        _tiktok().unlist_listing("1729592969712207008")
    with replay("tiktok_activate"):
        _tiktok().relist_listing("1729592969712207008")
    with replay("tiktok_delete"), pytest.raises(ValidationFailed, match="other sellers"):
        _tiktok().delete_listing("1729382588639839583")


def test_tiktok_reference_data() -> None:
    client = _tiktok()
    with replay("tiktok_categories"):
        [category] = client.categories()
    assert (category.id, category.parent_id, category.is_leaf) == ("600002", "600001", False)
    with replay("tiktok_attributes"):
        [attribute] = client.attributes("600001")
    assert (attribute.id, attribute.mandatory, attribute.values) == ("100392", False, (("1001533", "Birthday"),))
    with replay("tiktok_category_rules"):
        rules = client.category_rules("600001")
    assert [(c.id, c.required) for c in rules.certifications] == [("602362", True)]
    assert rules.size_chart_required and rules.package_dimensions_required
    with replay("tiktok_recommend_categories"):
        # the sample's only recommendation is INVITE_ONLY: not a category this shop can list in
        assert client.recommend_categories("Frame FPV 5 inci serat karbon 3K freestyle racing") == []
    with replay("tiktok_brands"):
        assert [(b.id, b.name) for b in client.brands("600001")] == [("7082427311584347905", "Teas")]
    with replay("tiktok_warehouses"):
        assert [(w.id, w.enabled, w.default) for w in client.logistics()] == [("7000714532876273410", True, True)]


def test_tiktok_upload_image() -> None:
    with replay("tiktok_upload_image"):
        assert _tiktok().upload_image(PNG) == "tos-maliva-i-o3syd03w52-us/c668cdf70b7f483c94dbe"


def test_tiktok_tokens() -> None:
    app = TikTokApp("123abcd", APP_SECRET)
    with httpx.Client() as client:
        with replay("tiktok_token_get"):
            pair = tiktok_auth.exchange_code(client, TIKTOK_AUTH_HOST, app, "TTP_FeBoANmHP3yqdoUI9fZOCw")
        assert (pair.access_expires_at, pair.refresh_expires_at) == (1660556783, 1691487031)  # absolute times
        with replay("tiktok_token_refresh"):
            pair = tiktok_auth.refresh(client, TIKTOK_AUTH_HOST, app, pair.refresh_token)
    assert pair.refresh_token.startswith("TTP_")


# -- the cassettes themselves ----------------------------------------------------------------------------

def test_cassettes_carry_no_secret() -> None:
    files = sorted(Path(CASSETTES).glob("*.yaml"))
    assert files
    unfiltered = re.compile(r"[?&](?:" + "|".join(SECRET_QUERY) + r")=(?!" + FILTERED + r"(?:&|$|\s))", re.I)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not [s for s in TEST_SECRETS if s in text], path.name
        assert not unfiltered.search(text), f"{path.name}: {unfiltered.search(text)}"
        for header in SECRET_HEADERS:
            assert not re.search(rf"{header}:\s*\n\s*- (?!{FILTERED})", text, re.I), f"{path.name}: {header}"


def test_the_checker_refuses_what_the_doc_does_not_describe() -> None:
    sent = doc_contract.sent_request
    assert doc_contract.check(sent("GET", f"{SHOPEE_HOST}/api/v2/product/get_item_list?partner_id=1&timestamp=2"
                                          "&access_token=a&shop_id=3&sign=s&offset=0&page_size=10"
                                          "&item_status=NORMAL&item_status=BANNED", {}, None)) == []
    comma = doc_contract.check(sent("GET", f"{SHOPEE_HOST}/api/v2/product/get_item_list?partner_id=1&timestamp=2"
                                           "&access_token=a&shop_id=3&sign=s&offset=0&page_size=10"
                                           "&item_status=NORMAL,BANNED&colour=red", {}, None))
    assert any("comma-joined" in p for p in comma) and any("'colour'" in p for p in comma)
    body = doc_contract.check(sent("POST", f"{SHOPEE_HOST}/api/v2/product/update_price?partner_id=1&timestamp=2"
                                           "&access_token=a&shop_id=3&sign=s", {"content-type": "application/json"},
                                   '{"item_id": "9", "price_list": [{"model_id": 0, "price": 1}]}'))
    assert any("item_id should be int64, got string" in p for p in body)
    assert any("price_list[0].price is not in the doc" in p for p in body)
    assert any("price_list[0].original_price is required" in p for p in body)
    assert doc_contract.check(sent("GET", f"{TIKTOK_HOST}/product/202309/nowhere", {}, None))
