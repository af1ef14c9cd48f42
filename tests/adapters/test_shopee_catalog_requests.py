"""Shopee catalog requests (attributes, categories, brands, logistics, GTIN) exactly as the doc JSON describes
them, on the wire (httpx.MockTransport answering with the docs' response shapes; no sandbox).

Sources: congminh1254/shopee-sdk `schemas/v2.product.add_item.json`, `v2.product.update_item.json`,
`v2.product.get_item_base_info.json`, `v2.product.category_recommend.json`, `v2.product.get_attribute_tree.json`,
`v2.product.get_brand_list.json`, `v2.product.get_item_limit.json`, `v2.logistics.get_channel_list.json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from syncstore_cli.marketplaces.base import (
    MULTI_SELECT,
    SINGLE_SELECT,
    TEXT,
    AttributeValue,
    CategoryRules,
    ListingSpec,
    VariantSpec,
)
from syncstore_cli.marketplaces.errors import ValidationFailed
from syncstore_cli.marketplaces.http import SignedHttpClient
from syncstore_cli.marketplaces.shopee.client import ShopeeClient
from syncstore_cli.marketplaces.shopee.responses import classify
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner, ShopeeShopToken, ShopeeSigner

NOW = 1_700_000_000.0
CATEGORY = 100706
API = "/api/v2/"

Answer = Callable[[httpx.Request], Mapping[str, Any]]


def _channel(channel_id: int, fee_type: str, *, enabled: bool = True, mask: int = 0, max_kg: float = 30,
             sizes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    # Shaped like get_channel_list's response_sample entries.
    return {"logistics_channel_id": channel_id, "logistics_channel_name": f"Kurir {channel_id}", "cod_enabled": True,
            "enabled": enabled, "fee_type": fee_type, "size_list": sizes or [], "mask_channel_id": mask,
            "weight_limit": {"item_max_weight": max_kg, "item_min_weight": 0}, "force_enable": False,
            "item_max_dimension": {"dimension_sum": 0, "height": 0, "length": 0, "unit": "cm", "width": 0},
            "volume_limit": {"item_max_volume": 0, "item_min_volume": 0}}


SIZES = [{"size_id": "7", "name": "Kecil", "default_price": 9000.0},
         {"size_id": "8", "name": "Besar", "default_price": 15000.0}]
CHANNELS = [
    _channel(8003, "SIZE_INPUT"),
    _channel(8004, "SIZE_SELECTION", sizes=SIZES),
    _channel(8005, "CUSTOM_PRICE"),
    _channel(8006, "FIXED_DEFAULT_PRICE", enabled=False),
    _channel(80031, "SIZE_INPUT", mask=8003),  # a fulfilment channel under 8003
    _channel(8007, "FIXED_DEFAULT_PRICE", max_kg=0.5),
]


@dataclass
class Shop:
    """A fake Shopee host: answers by API path, remembers every request."""

    channels: list[dict[str, Any]] = field(default_factory=lambda: list(CHANNELS))
    gtin_rule: str = "Flexible"
    brand_mandatory: bool = False
    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        name = request.url.path.removeprefix(API)
        defaults: dict[str, Answer] = {
            "logistics/get_channel_list": lambda r: {"response": {"logistics_channel_list": self.channels}},
            # The schema puts gtin_limit beside `response` (v2.product.get_item_limit.json response_params).
            "product/get_item_limit": lambda r: {"response": {},
                                                 "gtin_limit": {"gtin_validation_rule": self.gtin_rule}},
            "product/get_brand_list": lambda r: {"response": {
                "brand_list": [{"brand_id": 2500139861, "original_brand_name": "iFlight",
                                "display_brand_name": "iFlight"}],
                "has_next_page": False, "next_offset": 1, "is_mandatory": self.brand_mandatory,
                "input_type": "DROP_DOWN"}},
            "product/add_item": lambda r: {"response": {"item_id": 800123, "item_status": "NORMAL"}},
            "product/update_item": lambda r: {"response": {"item_id": 800123, "item_status": "NORMAL"}},
            "product/init_tier_variation": lambda r: {"response": {"item_id": 800123}},
            "product/get_model_list": lambda r: {"response": {"tier_variation": [], "model": [
                {"model_id": 9000 + n, "model_sku": f"FR-5-{c}", "tier_index": [n],
                 "price_info": [{"original_price": 150000}], "stock_info_v2": {"seller_stock": [{"stock": 3}]}}
                for n, c in enumerate(("R", "B"))]}},
        }
        answer = self.answers.get(name) or defaults.get(name)
        assert answer is not None, f"unexpected request {request.method} {request.url.path}"
        return httpx.Response(200, json={"error": "", "message": "", "request_id": "r", **answer(request)})

    def client(self, **kwargs: Any) -> ShopeeClient:
        signer = ShopeeSigner(lambda: ShopeePartner(1, "k" * 64), lambda: ShopeeShopToken(77, "access-secret"))
        http = SignedHttpClient("shopee", "https://partner.test", signer, classify,
                                transport=httpx.MockTransport(self.handler), wall_clock=lambda: NOW)
        return ShopeeClient(http, variant_delay=0, **kwargs)

    def bodies(self, name: str) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.seen if r.url.path == API + name]

    def requests(self, name: str) -> list[httpx.Request]:
        return [r for r in self.seen if r.url.path == API + name]

    def paths(self) -> list[str]:
        return [r.url.path.removeprefix(API) for r in self.seen]


ATTRIBUTES = (
    AttributeValue("100134", value_id="2", name="Indonesia"),  # a listed value
    AttributeValue("100037", name="1 Bulan"),  # free text / custom value
    AttributeValue("100999", name="250", unit="g"),  # quantitative, with its unit
    AttributeValue("100500", value_id="11", name="Karbon"),  # multi-select: two values of one attribute
    AttributeValue("100500", value_id="12", name="Aluminium"),
)


def _spec(**changes: Any) -> ListingSpec:
    spec = ListingSpec(sku="FR-5", title="Frame FPV 5 inci Carbon 3K", description="Frame FPV. " * 12,
                       category_id=str(CATEGORY), images=("img-1", "img-2", "img-3"), price=172_500, stock=12,
                       weight_g=930, attributes=ATTRIBUTES)
    return replace(spec, **changes)


def test_add_item_sends_attributes_gtin_and_each_channel_as_its_fee_type_needs() -> None:
    shop = Shop()
    shop.client().create_listing(_spec(), "unused")
    (body,) = shop.bodies("product/add_item")
    assert body["attribute_list"] == [
        {"attribute_id": 100134, "attribute_value_list": [{"value_id": 2, "original_value_name": "Indonesia"}]},
        # value_id 0 and original_value_name for a value not in the list (add_item attribute_value_list).
        {"attribute_id": 100037, "attribute_value_list": [{"value_id": 0, "original_value_name": "1 Bulan"}]},
        {"attribute_id": 100999, "attribute_value_list": [
            {"value_id": 0, "original_value_name": "250", "value_unit": "g"}]},
        {"attribute_id": 100500, "attribute_value_list": [
            {"value_id": 11, "original_value_name": "Karbon"}, {"value_id": 12, "original_value_name": "Aluminium"}]},
    ]
    # Flexible: a GTIN or "00" ("Item without GTIN") is required; the catalog has no GTIN.
    assert body["gtin_code"] == "00"
    # SIZE_INPUT as is; SIZE_SELECTION with the first listed size as an int; CUSTOM_PRICE left out (no fee
    # configured); the disabled channel, the fulfilment channel and the one limited to 0.5 kg left out.
    assert body["logistic_info"] == [{"logistic_id": 8003, "enabled": True},
                                     {"logistic_id": 8004, "enabled": True, "size_id": 7}]
    assert body["brand"] == {"brand_id": 0, "original_brand_name": "No Brand"}
    assert body["category_id"] == CATEGORY and body["seller_stock"] == [{"stock": 12}]
    limit = shop.requests("product/get_item_limit")[0]
    assert limit.method == "GET" and limit.url.params["category_id"] == str(CATEGORY)


def test_custom_price_channel_gets_the_configured_fee() -> None:
    shop = Shop(channels=[_channel(8005, "CUSTOM_PRICE")])
    shop.client(custom_shipping_fee=12_000).create_listing(_spec(), "k")
    assert shop.bodies("product/add_item")[0]["logistic_info"] == [
        {"logistic_id": 8005, "enabled": True, "shipping_fee": 12_000}]


def test_no_usable_channel_refuses_the_create_naming_why_before_add_item() -> None:
    shop = Shop(channels=[_channel(8005, "CUSTOM_PRICE"), _channel(8004, "SIZE_SELECTION", sizes=[]),
                          _channel(8006, "SIZE_INPUT", enabled=False)])
    with pytest.raises(ValidationFailed) as caught:
        shop.client().create_listing(_spec(), "k")
    message = str(caught.value)
    assert "CUSTOM_PRICE needs the seller's shipping_fee" in message
    assert "SIZE_SELECTION needs a size_id" in message and "8006" in message and "not enabled" in message
    assert shop.bodies("product/add_item") == []


def test_named_channels_are_checked_like_the_others() -> None:
    shop = Shop()
    shop.client().create_listing(_spec(logistics=("8004",)), "k")
    assert shop.bodies("product/add_item")[0]["logistic_info"] == [{"logistic_id": 8004, "enabled": True, "size_id": 7}]
    with pytest.raises(ValidationFailed, match="424242: not a channel of this shop"):
        shop.client().create_listing(_spec(logistics=("424242",)), "k")


def test_mandatory_gtin_without_one_is_refused_before_add_item() -> None:
    shop = Shop(gtin_rule="Mandatory")
    with pytest.raises(ValidationFailed, match="requires a GTIN"):
        shop.client().create_listing(_spec(), "k")
    assert "product/add_item" not in shop.paths()


def test_optional_gtin_is_left_out_and_a_rule_inside_response_is_read_too() -> None:
    def inside(rule: str) -> Answer:
        return lambda request: {"response": {"gtin_limit": {"gtin_validation_rule": rule}}}

    shop = Shop()
    shop.answers["product/get_item_limit"] = inside("Optional")
    shop.client().create_listing(_spec(), "k")
    assert "gtin_code" not in shop.bodies("product/add_item")[0]
    flexible = Shop()
    flexible.answers["product/get_item_limit"] = inside("Flexible")
    flexible.client().create_listing(_spec(), "k")
    assert flexible.bodies("product/add_item")[0]["gtin_code"] == "00"


def test_models_carry_the_no_gtin_mark_under_a_flexible_rule() -> None:
    shop = Shop()
    spec = _spec(price=None, tier_names=("Warna",), variants=(VariantSpec("FR-5-R", ("Merah",), 150_000, 3),
                                                             VariantSpec("FR-5-B", ("Biru",), 150_000, 3)))
    shop.client().create_listing(spec, "k")
    (tiers,) = shop.bodies("product/init_tier_variation")
    assert [model["gtin_code"] for model in tiers["model"]] == ["00", "00"]


def test_update_item_sends_attributes_with_a_category_change_or_an_attribute_change_only() -> None:
    shop = Shop()
    client = shop.client()
    client.update_listing("800123", _spec(), frozenset({"title"}))
    client.update_listing("800123", _spec(), frozenset({"attributes"}))
    client.update_listing("800123", _spec(category_id="100707"), frozenset({"category"}))
    title, attributes, category = shop.bodies("product/update_item")
    assert title == {"item_id": 800123, "item_name": _spec().title}
    assert set(attributes) == {"item_id", "attribute_list"} and len(attributes["attribute_list"]) == 4
    assert category["category_id"] == 100707 and category["attribute_list"] == attributes["attribute_list"]
    assert all("gtin_code" not in body for body in (title, attributes, category))


def test_item_attributes_are_read_back_with_the_names_shopee_shows() -> None:
    shop = Shop()
    # get_item_base_info's response_sample attribute_list, plus a listed value.
    info = {"item_id": 800123, "item_sku": "FR-5", "item_name": "Frame", "category_id": CATEGORY, "has_model": False,
            "item_status": "NORMAL", "price_info": [{"original_price": 172500.0}], "weight": "0.930",
            "image": {"image_id_list": [], "image_url_list": []}, "stock_info_v2": {"seller_stock": [{"stock": 12}]},
            "attribute_list": [
                {"attribute_id": 4811, "original_attribute_name": "Brand: L2 Default [14644]", "is_mandatory": True,
                 "attribute_value_list": [{"value_id": 0, "original_value_name": "Default", "value_unit": "g"}]},
                {"attribute_id": 100134, "original_attribute_name": "Negara Asal", "is_mandatory": True,
                 "attribute_value_list": [{"value_id": 2, "original_value_name": "Indonesia", "value_unit": ""}]}]}
    shop.answers["product/get_item_base_info"] = lambda r: {"response": {"item_list": [info]}}
    listing = shop.client().get_listing("800123")
    assert listing.attributes == (AttributeValue("4811", value_id="", name="Default", unit="g"),
                                  AttributeValue("100134", value_id="2", name="Indonesia"))


def test_recommend_categories_is_a_get_with_item_name_and_the_cover_image_id() -> None:
    shop = Shop()
    shop.answers["product/category_recommend"] = lambda r: {
        "warning": "", "response": {"category_id": [1000734, 1000382, 100093]}}
    client = shop.client()
    assert client.recommend_categories("Frame FPV 5 inci", description="ignored", images=("img-1", "img-2")) == [
        "1000734", "1000382", "100093"]
    client.recommend_categories("Frame FPV 5 inci")
    with_image, without = shop.requests("product/category_recommend")
    assert with_image.method == "GET" and with_image.content == b""
    assert with_image.url.params["item_name"] == "Frame FPV 5 inci"
    assert with_image.url.params["product_cover_image"] == "img-1"
    assert "product_cover_image" not in without.url.params and "description" not in with_image.url.params


def test_brand_required_comes_from_get_brand_list_and_refuses_no_brand() -> None:
    assert Shop().client().brand_required(str(CATEGORY)) is False
    shop = Shop(brand_mandatory=True)
    client = shop.client()
    assert client.brand_required(str(CATEGORY)) is True
    with pytest.raises(ValidationFailed, match="requires a brand"):
        client.create_listing(_spec(), "k")
    assert "product/add_item" not in shop.paths()
    client.create_listing(_spec(brand="iFlight"), "k")
    assert shop.bodies("product/add_item")[0]["brand"] == {"brand_id": 2500139861, "original_brand_name": "iFlight"}
    (brands,) = shop.requests("product/get_brand_list")  # read once, cached
    assert {k: brands.url.params[k] for k in ("offset", "page_size", "category_id", "status")} == {
        "offset": "0", "page_size": "100", "category_id": str(CATEGORY), "status": "1"}


def test_attributes_normalise_the_documented_input_types() -> None:
    shop = Shop()

    def tree(request: httpx.Request) -> dict[str, Any]:
        def attribute(attribute_id: int, input_type: int, **extra: Any) -> dict[str, Any]:
            return {"attribute_id": attribute_id, "mandatory": attribute_id == 1, "name": f"A{attribute_id}",
                    "attribute_value_list": [{"value_id": 10 + attribute_id, "name": "v", "value_unit": ""}],
                    "attribute_info": {"input_type": input_type, "input_validation_type": 0, "format_type": 1,
                                       "attribute_unit_list": [], "max_value_count": 1, **extra}}
        return {"response": {"list": [{"category_id": CATEGORY, "attribute_tree": [
            attribute(1, 1), attribute(2, 2), attribute(3, 3, format_type=2, attribute_unit_list=["g", "kg"]),
            attribute(4, 4), attribute(5, 5)]}]}}

    shop.answers["product/get_attribute_tree"] = tree
    found = {a.id: a for a in shop.client().attributes(str(CATEGORY))}
    assert [(found[i].input_type, found[i].multiple, found[i].custom_values) for i in "12345"] == [
        (SINGLE_SELECT, False, False), (SINGLE_SELECT, False, True), (TEXT, False, True),
        (MULTI_SELECT, True, False), (MULTI_SELECT, True, True)]
    assert found["3"].units == ("g", "kg") and found["1"].mandatory and not found["2"].mandatory
    (request,) = shop.requests("product/get_attribute_tree")
    assert request.url.params["category_id_list"] == str(CATEGORY) and request.url.params["language"] == "id"


def test_category_rules_need_no_request_and_channels_default_only_when_usable() -> None:
    shop = Shop()
    client = shop.client()
    assert client.category_rules(str(CATEGORY)) == CategoryRules()
    assert shop.seen == []
    defaults = {option.id for option in client.logistics() if option.default}
    assert defaults == {"8003", "8004", "8007"}  # CUSTOM_PRICE without a fee, disabled and fulfilment: no
