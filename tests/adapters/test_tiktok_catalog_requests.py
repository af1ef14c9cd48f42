"""TikTok Shop catalog requests (attributes, categories, category rules, Tokopedia, Edit) exactly as the
documentation describes them, on the wire (httpx.MockTransport answering with the docs' samples; no sandbox).

Sources: lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/{create-product, edit-product,
partial-edit-product, get-product, recommend-category, get-categories, get-attributes, get-category-rules}
.spec.json (request params and response_body samples); lywzx/tiktok-partner-api
packages/tk-origin-api/src/products/EditProduct.ts (202309 Edit request shapes).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from syncstore_cli.marketplaces.base import (
    MULTI_SELECT,
    SINGLE_SELECT,
    TEXT,
    AttributeValue,
    Category,
    CategoryRules,
    Certification,
    ListingSpec,
    VariantSpec,
)
from syncstore_cli.marketplaces.http import SignedHttpClient
from syncstore_cli.marketplaces.tiktok.client import TikTokClient
from syncstore_cli.marketplaces.tiktok.responses import classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokApp, TikTokShopToken, TikTokSigner

NOW = 1_700_000_000.0
PRODUCT_ID = "1729592969712207008"
PRODUCT = f"/product/202309/products/{PRODUCT_ID}"
IMAGE = "tos-maliva-i-o3syd03w52-us/6c8519a3663a4d728c4e3c131dc914b4"
URL = "https://p16-oec-va.ibyteimg.com/" + IMAGE + "~tplv-o3syd03w52-resize-jpeg:300:300.jpeg"

# Get Product's response_body sample (get-product.spec.json), trimmed to the fields an Edit must keep.
GET_PRODUCT: dict[str, Any] = {
    "id": PRODUCT_ID, "status": "ACTIVATE", "title": "Frame FPV 5 inci Carbon 3K untuk freestyle",
    "description": "<p>Frame FPV</p>", "external_product_id": "FR-5",
    "category_chains": [{"id": "853000", "parent_id": "851848", "local_name": "Drone", "is_leaf": True}],
    "brand": {"id": "7082427311584347905", "name": "iFlight"},
    "main_images": [{"height": 600, "width": 600, "thumb_urls": [URL], "uri": IMAGE, "urls": [URL]}],
    "video": {"id": "v09ea0g40000cj91373c77u3mid3g1s0", "cover_url": URL, "format": "MP4", "url": URL,
              "width": 1280, "height": 480, "size": 1000},
    "package_dimensions": {"length": "10", "width": "10", "height": "10", "unit": "CENTIMETER"},
    "package_weight": {"value": "1.32", "unit": "KILOGRAM"},
    "skus": [{"id": "1729592969712207012", "seller_sku": "FR-5", "price": {"sale_price": "172500", "currency": "IDR"},
              "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 12}]}],
    "certifications": [{"id": "602362", "title": "SNI Certificate",
                        "files": [{"id": "v09ea0g40000cj91373c77u3mid3g1s0", "urls": [URL], "name": "CERT_X2.PDF",
                                   "format": "PDF"}],
                        "images": [{"height": 600, "width": 600, "thumb_urls": [URL], "uri": IMAGE, "urls": [URL]}],
                        "expiration_date": 1717207650}],
    "size_chart": {"image": {"height": 600, "width": 600, "thumb_urls": [URL], "uri": IMAGE, "urls": [URL]},
                   "template": {"id": "7267563252536723205"}},
    "is_cod_allowed": True,
    "product_attributes": [{"id": "100392", "name": "Occasion", "values": [{"id": "1001533", "name": "Birthday"}]},
                           {"id": "100336", "name": "Negara Asal", "values": [{"id": "1000059", "name": "China"}]},
                           {"id": "100107", "name": "Bahan", "values": [{"name": "Serat karbon 3K"}]}],
    "delivery_options": [{"id": "1729592969712203232", "name": "SEND_BY_SELLER", "is_available": True},
                         {"id": "1729592969712203233", "name": "INSTANT", "is_available": False}],
    "integrated_platform_statuses": [{"platform": "TOKOPEDIA", "status": "ACTIVATE"}],
}

Answer = Callable[[httpx.Request], Mapping[str, Any]]


@dataclass
class Shop:
    """A fake TikTok Shop host: answers by (method, path), remembers every request."""

    product: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(GET_PRODUCT))
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    seen: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        defaults: dict[tuple[str, str], Answer] = {
            ("GET", PRODUCT): lambda r: self.product,
            ("PUT", PRODUCT): lambda r: {"product_id": PRODUCT_ID, "skus": self.product["skus"],
                                         "audit": {"status": "AUDITING"}},
            ("POST", PRODUCT + "/partial_edit"): lambda r: {"product_id": PRODUCT_ID, "audit": {"status": "AUDITING"}},
            ("POST", "/product/202309/products"): lambda r: {"product_id": PRODUCT_ID, "skus": []},
            ("GET", "/logistics/202309/warehouses"): lambda r: {"warehouses": [
                {"id": "7068517275539719942", "name": "Gudang Jakarta", "effect_status": "ENABLED",
                 "type": "SALES_WAREHOUSE", "is_default": True}]},
        }
        key = (request.method, request.url.path)
        answer = self.answers.get(key) or defaults.get(key)
        assert answer is not None, f"unexpected request {request.method} {request.url.path}"
        return httpx.Response(200, json={"code": 0, "message": "Success", "request_id": "r", "data": answer(request)})

    def client(self) -> TikTokClient:
        signer = TikTokSigner(lambda: TikTokApp("29a39d", "secret"), lambda: TikTokShopToken("token", "ROW_cipher"))
        http = SignedHttpClient("tiktok", "https://open-api.test", signer, classify,
                                transport=httpx.MockTransport(self.handler), wall_clock=lambda: NOW)
        return TikTokClient(http)

    def bodies(self, method: str, path: str) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.seen if (r.method, r.url.path) == (method, path)]

    def requests(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.seen if (r.method, r.url.path) == (method, path)]


ATTRIBUTES = (
    AttributeValue("100336", value_id="1000058", name="Indonesia"),
    AttributeValue("100347", name="Garansi toko"),  # a custom value
    AttributeValue("100500", value_id="11", name="Karbon"),  # multi-select: two values of one attribute
    AttributeValue("100500", value_id="12", name="Aluminium"),
)
SENT_ATTRIBUTES = [{"id": "100336", "values": [{"id": "1000058"}]},
                   {"id": "100347", "values": [{"name": "Garansi toko"}]},
                   {"id": "100500", "values": [{"id": "11"}, {"id": "12"}]}]
# The product's attributes the spec does not name, in the request shape.
KEPT_ATTRIBUTES = [{"id": "100392", "values": [{"id": "1001533"}]},
                   {"id": "100107", "values": [{"name": "Serat karbon 3K"}]}]


def _spec(**changes: Any) -> ListingSpec:
    spec = ListingSpec(sku="FR-5", title="Frame FPV 5 inci Carbon 3K untuk freestyle", description="<p>Frame</p>",
                       category_id="853000", images=(IMAGE,), price=172_500, stock=12, weight_g=1320,
                       attributes=ATTRIBUTES, tokopedia=False)
    return replace(spec, **changes)


def test_create_sends_product_attributes_and_v2_categories() -> None:
    shop = Shop()
    shop.client().create_listing(_spec(), "key-1")
    (body,) = shop.bodies("POST", "/product/202309/products")
    assert body["product_attributes"] == SENT_ATTRIBUTES
    assert body["category_id"] == "853000" and body["category_version"] == "v2"
    assert body["listing_platforms"] == ["TIKTOK_SHOP"] and body["idempotency_key"] == "key-1"
    shop.client().create_listing(_spec(tokopedia=True), "key-2")
    assert shop.bodies("POST", "/product/202309/products")[1]["listing_platforms"] == ["TIKTOK_SHOP", "TOKOPEDIA"]


def test_partial_edit_of_attributes_sends_the_whole_list() -> None:
    shop = Shop()
    shop.client().update_listing(PRODUCT_ID, _spec(), frozenset({"attributes"}))
    (body,) = shop.bodies("POST", PRODUCT + "/partial_edit")
    # Partial Edit replaces a top-level property whole: the spec's values, then the product's others.
    # No listing_platforms: Partial Edit (202309, lywzx PartialEditProduct.ts) does not list it.
    assert body == {"product_attributes": SENT_ATTRIBUTES + KEPT_ATTRIBUTES}


def test_partial_edit_without_attribute_groups_leaves_them_alone() -> None:
    shop = Shop()
    shop.client().update_listing(PRODUCT_ID, _spec(title="Frame FPV 5 inci Carbon 3K baru sekali"),
                                 frozenset({"title"}))
    (body,) = shop.bodies("POST", PRODUCT + "/partial_edit")
    assert body == {"title": "Frame FPV 5 inci Carbon 3K baru sekali"}
    assert shop.seen[0].url.path == PRODUCT + "/partial_edit"  # no read first: nothing to merge


def test_category_change_sends_the_attributes_the_new_category_has() -> None:
    shop = Shop()
    new_category = "853111"
    shop.answers[("GET", f"/product/202309/categories/{new_category}/attributes")] = lambda r: {"attributes": [
        {"id": "100392", "name": "Occasion", "type": "PRODUCT_PROPERTY", "is_requried": False, "values": []}]}
    shop.client().update_listing(PRODUCT_ID, _spec(category_id=new_category), frozenset({"category"}))
    # A new category goes by the full Edit: Partial Edit (202309) lists no category_id or category_version.
    assert shop.bodies("POST", PRODUCT + "/partial_edit") == []
    (body,) = shop.bodies("PUT", PRODUCT)
    assert body["category_id"] == new_category and body["category_version"] == "v2"
    # 100107 is not an attribute of the new category, so it is not carried over.
    assert body["product_attributes"] == [*SENT_ATTRIBUTES, {"id": "100392", "values": [{"id": "1001533"}]}]
    (attributes,) = shop.requests("GET", f"/product/202309/categories/{new_category}/attributes")
    assert attributes.url.params["category_version"] == "v2"


def test_edit_keeps_every_field_the_sync_does_not_own_in_its_request_shape() -> None:
    shop = Shop()
    spec = _spec(tokopedia=True, price=None, tier_names=("Warna",), variants=(
        VariantSpec("FR-5-R", ("Merah",), 172_500, 6), VariantSpec("FR-5-B", ("Biru",), 172_500, 6)))
    shop.client().update_listing(PRODUCT_ID, spec, frozenset({"variants"}))
    (body,) = shop.bodies("PUT", PRODUCT)
    assert body["certifications"] == [{
        "id": "602362", "images": [{"uri": IMAGE}],
        "files": [{"id": "v09ea0g40000cj91373c77u3mid3g1s0", "name": "CERT_X2.PDF", "format": "PDF"}],
        "expiration_date": 1717207650}]
    assert body["size_chart"] == {"image": {"uri": IMAGE}, "template": {"id": "7267563252536723205"}}
    assert body["delivery_option_ids"] == ["1729592969712203232"]  # the unavailable option is not sent back
    assert body["video"] == {"id": "v09ea0g40000cj91373c77u3mid3g1s0"}
    assert body["main_images"] == [{"uri": IMAGE}] and body["is_cod_allowed"] is True
    assert body["brand_id"] == "7082427311584347905" and body["category_version"] == "v2"
    assert body["product_attributes"] == SENT_ATTRIBUTES + KEPT_ATTRIBUTES
    assert body["listing_platforms"] == ["TIKTOK_SHOP", "TOKOPEDIA"]
    for absent in ("delivery_options", "product_certifications", "integrated_platform_statuses", "category_chains"):
        assert absent not in body


def test_edit_drops_tokopedia_only_when_the_spec_says_so() -> None:
    shop = Shop()
    shop.client().update_listing(PRODUCT_ID, _spec(tokopedia=False), frozenset({"variants"}))
    assert shop.bodies("PUT", PRODUCT)[0]["listing_platforms"] == ["TIKTOK_SHOP"]


def test_product_attributes_are_read_back() -> None:
    listing = Shop().client().get_listing(PRODUCT_ID)
    assert listing.attributes == (AttributeValue("100392", value_id="1001533", name="Birthday"),
                                  AttributeValue("100336", value_id="1000059", name="China"),
                                  AttributeValue("100107", value_id="", name="Serat karbon 3K"))


def test_recommend_categories_posts_the_documented_body_and_keeps_usable_leaves() -> None:
    shop = Shop()
    path = "/product/202309/categories/recommend"
    shop.answers[("POST", path)] = lambda r: {"leaf_category_id": "605254", "categories": [
        {"id": "600001", "name": "Drone", "level": 1, "is_leaf": False, "permission_statuses": ["AVAILABLE"]},
        {"id": "605254", "name": "Frame", "level": 2, "is_leaf": True, "permission_statuses": ["AVAILABLE"]}]}
    client = shop.client()
    assert client.recommend_categories("Frame FPV 5 inci Carbon 3K untuk freestyle", description="<p>Frame</p>",
                                       images=(IMAGE,)) == ["605254"]
    (body,) = shop.bodies("POST", path)
    assert body == {"product_title": "Frame FPV 5 inci Carbon 3K untuk freestyle", "description": "<p>Frame</p>",
                    "images": [{"uri": IMAGE}], "category_version": "v2"}
    # The doc's own sample: a leaf the shop is only invited to is no use for a create.
    shop.answers[("POST", path)] = lambda r: {"leaf_category_id": "605254", "categories": [
        {"id": "605254", "name": "Teas", "level": 1, "is_leaf": True, "permission_statuses": ["INVITE_ONLY"]}]}
    assert client.recommend_categories("Frame FPV 5 inci Carbon 3K untuk freestyle") == []
    assert shop.bodies("POST", path)[1] == {"product_title": "Frame FPV 5 inci Carbon 3K untuk freestyle",
                                            "category_version": "v2"}


def test_category_rules_read_the_documented_sample() -> None:
    shop = Shop()
    path = "/product/202309/categories/853000/rules"
    # get-category-rules.spec.json response_body.
    shop.answers[("GET", path)] = lambda r: {
        "product_certifications": [{"id": "602362", "name": "SNI Certificate", "is_required": True,
                                    "document_details": "…", "sample_image_url": URL,
                                    "requirement_conditions": [{"condition_type": "VALUE_ID_MATCH",
                                                                "attribute_id": "101610",
                                                                "attribute_value_id": "1024358"}],
                                    "expiration_date": {"is_required": True}},
                                   {"id": "602363", "name": "BPOM", "is_required": False}],
        "size_chart": {"is_supported": True, "is_required": True}, "cod": {"is_supported": True},
        "package_dimension": {"is_required": True}, "epr": {"is_required": False}}
    client = shop.client()
    assert client.category_rules("853000") == CategoryRules(
        certifications=(Certification("602362", "SNI Certificate", True), Certification("602363", "BPOM", False)),
        size_chart_required=True, package_dimensions_required=True)
    assert client.category_rules("853000") == client.category_rules("853000")
    (request,) = shop.requests("GET", path)  # cached
    assert request.url.params["category_version"] == "v2"
    assert client.brand_required("853000") is False


def test_tokopedia_categories_ask_for_the_tokopedia_tree() -> None:
    shop = Shop()
    shop.answers[("GET", "/product/202309/categories")] = lambda r: {"categories": [
        {"id": "600002", "parent_id": "600001", "local_name": "Home Supplies", "is_leaf": False,
         "permission_statuses": ["AVAILABLE"]}]}
    assert shop.client().tokopedia_categories() == [Category("600002", "Home Supplies", "600001", False)]
    (request,) = shop.requests("GET", "/product/202309/categories")
    assert request.url.params["listing_platform"] == "TOKOPEDIA" and request.url.params["category_version"] == "v2"


def test_attributes_keep_product_properties_with_their_input_type() -> None:
    shop = Shop()
    shop.answers[("GET", "/product/202309/categories/853000/attributes")] = lambda r: {"attributes": [
        {"id": "100392", "name": "Occasion", "type": "PRODUCT_PROPERTY", "is_requried": False,
         "values": [{"id": "1001533", "name": "Birthday"}], "is_customizable": True, "is_multiple_selection": True},
        {"id": "100336", "name": "Negara Asal", "type": "PRODUCT_PROPERTY", "is_requried": True,
         "values": [{"id": "1000058", "name": "Indonesia"}], "is_customizable": False,
         "is_multiple_selection": False},
        {"id": "100107", "name": "Bahan", "type": "PRODUCT_PROPERTY", "is_requried": False, "values": [],
         "is_customizable": True, "is_multiple_selection": False},
        {"id": "100000", "name": "Warna", "type": "SALES_PROPERTY", "is_requried": False, "values": []}]}
    found = {a.id: a for a in shop.client().attributes("853000")}
    assert set(found) == {"100392", "100336", "100107"}
    assert (found["100392"].input_type, found["100392"].multiple) == (MULTI_SELECT, True)
    assert (found["100336"].input_type, found["100336"].mandatory) == (SINGLE_SELECT, True)
    assert (found["100107"].input_type, found["100107"].custom_values) == (TEXT, True)
