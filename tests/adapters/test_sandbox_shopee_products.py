"""Shopee's product module as the sandbox serves it, reached over HTTP with the client's signer."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.marketplaces.shopee.signing import signed_query
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.generator import GeneratedCatalog, generate_catalog
from syncstore_cli.sandbox.images import render_png
from syncstore_cli.sandbox.listings_shopee import ShopeeListings
from syncstore_cli.sandbox.shopee import ShopeeSandbox
from syncstore_cli.sandbox.shopee_products import ShopeeProducts, image_size
from syncstore_cli.sandbox.tokens import TokenBook
from syncstore_cli.sandbox.web import Router, SandboxServer

PARTNER = int(c.DEMO_SHOPEE_PARTNER_ID)
KEY = c.DEMO_SHOPEE_PARTNER_KEY
SHOP = int(c.DEMO_SHOPEE_SHOP_ID)
PARTS_CATEGORY = 100_706  # Cameras & Drones > Drone Accessories, where the seller's parts go
COUNTRY_OF_ORIGIN = 100_010  # "Negara Asal", mandatory there; value 1 is "China"
MADE_IN_CHINA = [{"attribute_id": COUNTRY_OF_ORIGIN, "attribute_value_list": [{"value_id": 1}]}]
DESCRIPTION = (
    "Frame racing 5 inch dari carbon fiber T700, arm 3mm ringan dan kuat untuk freestyle maupun racing. "
    "Barang baru, original, siap kirim dari Jakarta."
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Box:
    """One running sandbox: the Shopee gateway plus the product module, over HTTP."""

    clock: Clock
    tokens: TokenBook
    state: ShopeeListings
    products: ShopeeProducts
    server: SandboxServer
    client: httpx.Client
    token: str = ""

    def close(self) -> None:
        self.client.close()
        self.server.stop()
        self.state.close()
        self.tokens.close()

    def _query(self, path: str, *, public: bool = False) -> dict[str, str]:
        if public:
            return signed_query(PARTNER, KEY, path, int(self.clock.now))
        return signed_query(PARTNER, KEY, path, int(self.clock.now), access_token=self.token, shop_id=SHOP)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        answer = self.client.get(path, params={**self._query(path), **params})
        body: dict[str, Any] = answer.json()
        return body

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.post(path, params=self._query(path), json=body).json()
        return answer

    def upload(self, *images: bytes, field: str = "image", public: bool = False,
               content_type: str | None = None) -> dict[str, Any]:
        path = "/api/v2/media_space/upload_image"
        files = [(field, (f"{n}.png", data, content_type or _declared_type(data))) for n, data in enumerate(images)]
        answer: dict[str, Any] = self.client.post(path, params=self._query(path, public=public), files=files).json()
        return answer


def _declared_type(data: bytes) -> str:
    return "image/jpeg" if data.startswith(b"\xff\xd8") else "image/png"


def _authorize(box: Box) -> str:
    path = "/api/v2/shop/auth_partner"
    query = {**signed_query(PARTNER, KEY, path, int(box.clock.now)), "redirect": "http://127.0.0.1:9/cb"}
    page = box.client.get(path, params=query)
    approve = page.text.split('href="')[1].split('"')[0].replace("&amp;", "&")
    callback = parse_qs(urlsplit(box.client.get(approve).headers["location"]).query)
    path = "/api/v2/auth/token/get"
    answer = box.client.post(path, params=signed_query(PARTNER, KEY, path, int(box.clock.now)),
                             json={"code": callback["code"][0], "partner_id": PARTNER, "shop_id": SHOP}).json()
    assert answer["error"] == ""
    return str(answer["access_token"])


def open_box(clock: Clock, state_dir: Path | None = None, *, token: str = "", **options: Any) -> Box:
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    config = c.SandboxConfig(clock=clock)
    tokens = TokenBook(None if state_dir is None else state_dir / "tokens.db")
    state = ShopeeListings(None if state_dir is None else state_dir / "shopee_listings.db")
    router = Router()
    shopee = ShopeeSandbox(config, tokens, {c.DEMO_SHOPEE_SHOP_ID: "FPV Parts Jakarta"})
    shopee.register(router)
    products = ShopeeProducts(config, state, shopee.shops, **options)
    products.register(router, shopee.shop_api, shopee.public)
    server = SandboxServer(router).start()
    box = Box(clock, tokens, state, products, server, httpx.Client(base_url=server.url, timeout=10))
    box.token = token or _authorize(box)
    return box


@pytest.fixture
def box() -> Iterator[Box]:
    running = open_box(Clock())
    yield running
    running.close()


@pytest.fixture(scope="module")
def catalog() -> GeneratedCatalog:
    return generate_catalog()


def _png(size: int, key: str = "test") -> bytes:
    return render_png(key, size)


def _jpeg(width: int, height: int) -> bytes:
    """The headers of a baseline JPEG, which is all the size check reads."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def _images(box: Box, n: int = 3) -> list[str]:
    ids = []
    for i in range(n):
        answer = box.upload(_png(500, f"img-{i}"))
        assert answer["error"] == "", answer
        ids.append(answer["response"]["image_info"]["image_id"])
    return ids


def _item(images: list[str], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_name": "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle",
        "description": DESCRIPTION,
        "original_price": 172_500,
        "weight": 0.15,
        "dimension": {"package_length": 25, "package_width": 20, "package_height": 5},
        "category_id": PARTS_CATEGORY,
        "attribute_list": MADE_IN_CHINA,
        "image": {"image_id_list": images},
        "logistic_info": [{"logistic_id": 8003, "enabled": True}],
        "brand": {"brand_id": 0, "original_brand_name": "No Brand"},
        "item_sku": "FRM-5IN-CF-001",
        "seller_stock": [{"stock": 12}],
        "condition": "NEW",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _add(box: Box, body: dict[str, Any]) -> int:
    answer = box.post("/api/v2/product/add_item", body)
    assert answer["error"] == "", answer
    return int(answer["response"]["item_id"])


def _base_info(box: Box, *item_ids: int) -> list[dict[str, Any]]:
    answer = box.get("/api/v2/product/get_item_base_info", item_id_list=",".join(map(str, item_ids)))
    assert answer["error"] == "", answer
    items: list[dict[str, Any]] = answer["response"]["item_list"]
    return items


# --------------------------------------------------------------------------------------------


def test_image_header_parsing() -> None:
    assert image_size(_png(640)) == ("image/png", 640, 640)
    assert image_size(_jpeg(800, 600)) == ("image/jpeg", 800, 600)
    assert image_size(b"GIF89a" + b"\x00" * 20) is None


def test_upload_gives_one_id_per_bytes_and_refuses_small_or_foreign_images(box: Box) -> None:
    data = _png(600, "frame")
    first = box.upload(data)
    assert first["error"] == "" and first["warning"] == ""
    info = first["response"]["image_info"]
    assert len(info["image_id"]) == 32 and all(ch in "0123456789abcdef" for ch in info["image_id"])
    assert info["image_url_list"][0]["image_url_region"] == "ID"
    # the same bytes give the same id, whether shop-signed, Public-signed (as documented) or sent as `file`
    assert box.upload(data, public=True)["response"]["image_info"]["image_id"] == info["image_id"]
    assert box.upload(data, field="file")["response"]["image_info"]["image_id"] == info["image_id"]
    assert box.upload(_png(600, "other"))["response"]["image_info"]["image_id"] != info["image_id"]
    served = box.client.get(info["image_url_list"][0]["image_url"])
    assert served.status_code == 200 and served.content == data and served.headers["content-type"] == "image/png"
    assert box.upload(_jpeg(800, 800))["error"] == ""

    small = box.upload(_png(200))
    assert small["error"] == "error_param" and "200x200" in small["message"]
    assert box.upload(_jpeg(499, 800))["error"] == "error_param"
    assert box.upload(b"GIF89a not a png")["error"] == "error_param"
    # several images in one call: each gets its own entry; a bad one is reported, not fatal
    mixed = box.upload(_png(500, "a"), _png(100, "b"))
    assert mixed["error"] == "" and mixed["warning"]
    assert [e["error"] for e in mixed["response"]["image_info_list"]] == ["", "error_param"]
    path = "/api/v2/media_space/upload_image"
    bad_sign = box.client.post(path, params={**box._query(path, public=True), "sign": "0" * 64},
                               files={"image": ("a.png", data)}).json()
    assert bad_sign["error"] == "error_sign"


def test_lookups_describe_the_shop(box: Box) -> None:
    categories = box.get("/api/v2/product/get_category")["response"]["category_list"]
    leaves = {cat["category_id"] for cat in categories if not cat["has_children"]}
    assert {PARTS_CATEGORY, 100_705, 100_043, 101_407, 101_811} <= leaves
    tree = box.get("/api/v2/product/get_attribute_tree", category_id_list=f"{PARTS_CATEGORY}")["response"]["list"]
    assert tree[0]["category_id"] == PARTS_CATEGORY and tree[0]["attribute_tree"]
    brands = box.get("/api/v2/product/get_brand_list", offset=0, page_size=100, category_id=PARTS_CATEGORY,
                     status=1)["response"]
    names = {b["original_brand_name"] for b in brands["brand_list"]}
    assert {"Gemfan", "iFlight", "T-Motor"} <= names and brands["has_next_page"] is False
    limits = box.get("/api/v2/product/get_item_limit", category_id=PARTS_CATEGORY)["response"]
    assert limits["item_name_length_limit"] == {"min_limit": 20, "max_limit": 120}
    assert limits["price_limit"] == {"min_limit": 100.0, "max_limit": 150_000_000.0}
    assert limits["item_image_count_limit"]["max_limit"] == 9
    channels = box.get("/api/v2/logistics/get_channel_list")
    assert "warning" not in channels
    enabled = {ch["logistics_channel_id"]: ch["logistics_channel_name"]
               for ch in channels["response"]["logistics_channel_list"] if ch["enabled"]}
    assert enabled[8003] == "J&T Express"


def test_add_item_and_variants_read_back_exactly_as_sent(box: Box) -> None:
    images = _images(box, 4)
    brands = box.get("/api/v2/product/get_brand_list", offset=0, page_size=100, category_id=PARTS_CATEGORY,
                     status=1)["response"]["brand_list"]
    gemfan = next(b for b in brands if b["original_brand_name"] == "Gemfan")
    plain_id = _add(box, _item(images[:3]))
    added = box.post("/api/v2/product/add_item", _item(
        images, item_name="Propeller Gemfan 5145 Tri-Blade 5 Inch Isi 2 Pasang", category_id=PARTS_CATEGORY,
        original_price=51_750, weight=0.02, item_sku="PRP-5145-001",
        brand={"brand_id": gemfan["brand_id"], "original_brand_name": "Gemfan"},
    ))
    assert added["error"] == "" and added["response"]["price_info"]["original_price"] == 51_750
    item_id = int(added["response"]["item_id"])
    assert item_id > 2_000_000_000 and item_id != plain_id

    box.clock.now += 5  # Shopee asks for a pause after add_item before the variants
    models_sent = [
        {"tier_index": [0, 0], "model_sku": "PRP-5145-001-RED-2", "original_price": 51_750,
         "seller_stock": [{"stock": 24}]},
        {"tier_index": [1, 0], "model_sku": "PRP-5145-001-BLU-2", "original_price": 51_750,
         "seller_stock": [{"stock": 31}]},
        {"tier_index": [2, 1], "model_sku": "PRP-5145-001-GRN-4", "original_price": 54_625,
         "seller_stock": [{"stock": 0}]},
    ]
    init = box.post("/api/v2/product/init_tier_variation", {
        "item_id": item_id,
        "standardise_tier_variation": [
            {"variation_id": 0, "variation_name": "Warna", "variation_group_id": 0, "variation_option_list": [
                {"variation_option_id": 0, "variation_option_name": "Red", "image_id": images[0]},
                {"variation_option_id": 0, "variation_option_name": "Blue"},
                {"variation_option_id": 0, "variation_option_name": "Green"}]},
            {"variation_id": 0, "variation_name": "Isi", "variation_group_id": 0, "variation_option_list": [
                {"variation_option_id": 0, "variation_option_name": "2 Pasang"},
                {"variation_option_id": 0, "variation_option_name": "4 Pasang"}]},
        ],
        "model": models_sent,
    })
    assert init["error"] == "", init
    assert [m["model_sku"] for m in init["response"]["model"]] == [m["model_sku"] for m in models_sent]

    plain, variant = _base_info(box, plain_id, item_id)
    assert plain["has_model"] is False and plain["price_info"][0]["original_price"] == 172_500
    assert plain["item_name"] == "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle"
    assert plain["description"] == DESCRIPTION and plain["item_sku"] == "FRM-5IN-CF-001"
    assert plain["image"]["image_id_list"] == images[:3] and plain["weight"] == "0.150"
    assert plain["dimension"] == {"package_length": 25, "package_width": 20, "package_height": 5}
    assert plain["stock_info_v2"]["seller_stock"][0]["stock"] == 12
    assert plain["logistic_info"][0]["logistic_id"] == 8003 and plain["item_status"] == "NORMAL"
    assert variant["has_model"] is True and "price_info" not in variant
    assert variant["brand"] == {"brand_id": gemfan["brand_id"], "original_brand_name": "Gemfan"}
    assert variant["attribute_list"][0]["attribute_value_list"][0]["original_value_name"] == "China"
    assert variant["stock_info_v2"]["summary_info"]["total_available_stock"] == 55

    listed = box.get("/api/v2/product/get_model_list", item_id=item_id)["response"]
    assert [t["name"] for t in listed["tier_variation"]] == ["Warna", "Isi"]
    assert [o["option"] for o in listed["tier_variation"][0]["option_list"]] == ["Red", "Blue", "Green"]
    assert listed["tier_variation"][0]["option_list"][0]["image"]["image_id"] == images[0]
    read_back = sorted(
        ({"tier_index": m["tier_index"], "model_sku": m["model_sku"],
          "original_price": m["price_info"][0]["original_price"],
          "seller_stock": [{"stock": m["stock_info_v2"]["seller_stock"][0]["stock"]}]}
         for m in listed["model"]), key=lambda m: m["model_sku"])
    assert read_back == sorted(models_sent, key=lambda m: str(m["model_sku"]))

    # the classic tier_variation shape is still accepted, and changes the structure (2 tiers -> 1)
    classic = box.post("/api/v2/product/init_tier_variation", {
        "item_id": item_id,
        "tier_variation": [{"name": "Warna", "option_list": [{"option": "Red"}, {"option": "Blue"}]}],
        "model": [{"tier_index": [0], "model_sku": "R", "original_price": 50_000, "normal_stock": 3},
                  {"tier_index": [1], "model_sku": "B", "original_price": 50_000, "seller_stock": [{"stock": 4}]}],
    })
    assert classic["error"] == ""
    listed = box.get("/api/v2/product/get_model_list", item_id=item_id)["response"]
    assert sorted(m["model_sku"] for m in listed["model"]) == ["B", "R"] and len(listed["tier_variation"]) == 1
    model_ids = {m["model_sku"]: m["model_id"] for m in listed["model"]}

    # add an option and a model, rename a SKU, then drop a model
    grown = box.post("/api/v2/product/update_tier_variation", {
        "item_id": item_id,
        "tier_variation": [{"name": "Warna", "option_list": [{"option": "Red"}, {"option": "Blue"},
                                                              {"option": "Green"}]}]})
    assert grown["error"] == ""
    green = {"tier_index": [2], "model_sku": "G", "original_price": 52_000, "seller_stock": [{"stock": 5}]}
    assert box.post("/api/v2/product/add_model", {"item_id": item_id, "model_list": [green]})["error"] == ""
    assert box.post("/api/v2/product/update_model", {"item_id": item_id, "model": [
        {"model_id": model_ids["R"], "model_sku": "R2"}]})["error"] == ""
    assert box.post("/api/v2/product/delete_model", {"item_id": item_id, "model_id": model_ids["B"]})["error"] == ""
    listed = box.get("/api/v2/product/get_model_list", item_id=item_id)["response"]
    assert sorted((m["model_sku"], m["tier_index"]) for m in listed["model"]) == [("G", [2]), ("R2", [0])]

    # back to no variants: one model with an empty tier_index becomes the item's price and stock
    flat = box.post("/api/v2/product/init_tier_variation", {"item_id": item_id, "tier_variation": [], "model": [
        {"tier_index": [], "original_price": 49_000, "seller_stock": [{"stock": 9}]}]})
    assert flat["error"] == ""
    (info,) = _base_info(box, item_id)
    assert info["has_model"] is False and info["price_info"][0]["original_price"] == 49_000


BAD_ITEMS: list[tuple[dict[str, Any], str, str]] = [
    ({"item_name": ""}, "product.error_item_name_empty", ""),
    ({"item_name": "Frame FPV 5 Inch"}, "product.error_item_name_is_too_short", "min limit"),
    ({"item_name": "Frame Racing 5 Inch " * 7}, "product.error_title_exceeds_max_length", ""),
    ({"item_name": "🔥 Frame Racing 5 Inch Carbon Fiber FPV"}, "product.error_title_character_forbidden", "emoji"),
    ({"item_name": "Frame Racing 5 Inch &amp; Carbon Fiber FPV"}, "product.error_title_character_forbidden", "HTML"),
    ({"description": "Frame bagus."}, "product.error_desc_length_min_limit", ""),
    ({"description": "x" * 3001}, "product.error_param", "description"),
    ({"description": DESCRIPTION + " #fpv" * 19}, "product.error_desc_hash_tag_over_limit", ""),
    ({"description": None}, "product.error_param", "description is required"),
    ({"image": {"image_id_list": []}}, "product.error_image_num_min", ""),
    ({"image": {"image_id_list": ["0" * 32]}}, "product.error_param", "Image not exist."),
    ({"image": {"image_id_list": ["abc"]}}, "product.error_image_unavailable", ""),
    ({"original_price": 99}, "product.error_price_exceed_min_limitt", ""),
    ({"original_price": 150_000_001}, "product.error_price_exceed_max_limitt", ""),
    ({"original_price": 172_500.5}, "product.error_invalid_price", "integer"),
    ({"original_price": None}, "product.error_param", "original_price is required"),
    ({"weight": 0}, "product.error_param", "Invalid Weight."),
    ({"weight": 300.5}, "product.error_param", "Invalid Weight."),
    ({"weight": None}, "product.error_param", "Invalid Weight."),
    ({"dimension": {"package_length": 0, "package_width": 20, "package_height": 5}}, "product.error_param",
     "dimension"),
    ({"category_id": 123}, "product.error_invalid_category", "Invalid category ID 123"),
    ({"category_id": 100_635}, "product.error_invalid_category", "leaf"),  # Cameras & Drones, a parent
    ({"brand": {"brand_id": 42, "original_brand_name": "Nope"}}, "product.error_invalid_brand", ""),
    ({"logistic_info": []}, "product.error_invalid_logistic_info", ""),
    ({"logistic_info": [{"logistic_id": 8002, "enabled": True}]}, "product.error_invalid_logistic_info",
     "not enabled"),
    ({"logistic_info": [{"logistic_id": 9999, "enabled": True}]}, "product.error_invalid_logistic_info", ""),
    ({"logistic_info": [{"logistic_id": 8003, "enabled": False}]}, "product.error_invalid_logistic_info", ""),
    ({"seller_stock": [{"stock": 1_000_000}]}, "product.error_param", "stock"),
    ({"attribute_list": [*MADE_IN_CHINA, {"attribute_id": 1, "attribute_value_list": []}]},
     "product.error_invalid_category_attribute", ""),
    ({"pre_order": {"is_pre_order": True, "days_to_ship": 60}}, "product.error_invalid_days_to_ship", ""),
    ({"item_status": "BANNED"}, "product.error_param", "item_status"),
]


def test_each_validation_rule_is_refused_with_its_code(box: Box) -> None:
    images = _images(box, 1)
    for changes, code, message in BAD_ITEMS:
        answer = box.post("/api/v2/product/add_item", _item(images, **changes))
        assert (answer["error"], changes) == (code, changes)
        assert message in answer["message"], (changes, answer)
    too_many = box.post("/api/v2/product/add_item", _item(images * 10))
    assert too_many["error"] == "product.error_param"
    not_json = box.client.post("/api/v2/product/add_item", params=box._query("/api/v2/product/add_item"),
                               content=b"{not json", headers={"content-type": "application/json"}).json()
    assert not_json["error"] == "product.error_param"
    listed = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status=["NORMAL", "UNLIST"])
    assert listed["response"]["total_count"] == 0  # nothing refused was stored


def test_tier_limits(box: Box) -> None:
    item_id = _add(box, _item(_images(box, 1)))

    def init(tiers: list[dict[str, Any]], models: list[dict[str, Any]]) -> str:
        return str(box.post("/api/v2/product/init_tier_variation",
                            {"item_id": item_id, "tier_variation": tiers, "model": models})["error"])

    def tier(name: str, n: int) -> dict[str, Any]:
        return {"name": name, "option_list": [{"option": f"Opsi {i}"} for i in range(n)]}

    def model(*index: int) -> dict[str, Any]:
        return {"tier_index": list(index), "original_price": 10_000, "seller_stock": [{"stock": 1}]}

    assert init([tier("A", 2), tier("B", 2), tier("C", 2)], [model(0, 0, 0)]) == "product.error_param"
    assert init([tier("Warna", 21)], [model(0)]) == "product.error_tier_opt_too_many"
    assert init([tier("Warna", 20), tier("Ukuran", 3)],
                [model(i, j) for i in range(20) for j in range(3)]) == "product.error_model_count_over_limit"
    assert init([tier("Warna", 2)], [model(0), model(0)]) == "product.error_model_duplicate_tier_variation_index"
    assert init([tier("Warna", 2)], [model(2)]) == "product.error_tier_index"
    assert init([tier("Nama Variasi Terlalu Panjang", 2)], [model(0)]) == "product.error_tier_var_name_too_long"
    assert init([{"name": "Warna", "option_list": [{"option": "x" * 21}]}], [model(0)]) == \
        "product.error_tier_opt_val_too_long"
    assert init([tier("Warna", 20), tier("Ukuran", 2)], [model(i, j) for i in range(20) for j in range(2)]) == ""
    assert len(box.get("/api/v2/product/get_model_list", item_id=item_id)["response"]["model"]) == 40
    extra = box.post("/api/v2/product/add_model", {"item_id": item_id, "model_list": [model(0, 0)]})
    assert extra["error"] == "product.error_model_duplicate_tier_variation_index"
    fewer = box.post("/api/v2/product/update_tier_variation", {"item_id": item_id,
                                                             "tier_variation": [tier("Warna", 2)]})
    assert fewer["error"] == "product.error_tier_var_level_not_same"


def test_update_price_and_stock_set_absolute_values(box: Box) -> None:
    images = _images(box, 1)
    plain = _add(box, _item(images))
    for price in (180_000, 165_000):  # absolute: the second call does not add to the first
        answer = box.post("/api/v2/product/update_price",
                          {"item_id": plain, "price_list": [{"model_id": 0, "original_price": price}]})
        assert answer["error"] == "" and answer["response"]["success_list"] == [
            {"model_id": 0, "original_price": price}]
    for stock in (40, 7):
        answer = box.post("/api/v2/product/update_stock",
                          {"item_id": plain, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": stock}]}]})
        assert answer["error"] == "" and answer["response"]["success_list"][0]["stock"] == stock
    (info,) = _base_info(box, plain)
    assert info["price_info"][0]["original_price"] == 165_000
    assert info["stock_info_v2"]["seller_stock"][0]["stock"] == 7

    variant = _add(box, _item(images, item_sku="PRP-1"))
    box.post("/api/v2/product/init_tier_variation", {
        "item_id": variant, "tier_variation": [{"name": "Warna", "option_list": [{"option": "Merah"},
                                                                                  {"option": "Biru"}]}],
        "model": [{"tier_index": [i], "original_price": 20_000, "seller_stock": [{"stock": 5}]} for i in range(2)]})
    models = box.get("/api/v2/product/get_model_list", item_id=variant)["response"]["model"]
    red, blue = models[0]["model_id"], models[1]["model_id"]
    answer = box.post("/api/v2/product/update_price", {"item_id": variant, "price_list": [
        {"model_id": red, "original_price": 23_000},
        {"model_id": blue, "original_price": 50},  # below the limit: this one fails, the other goes through
        {"model_id": 0, "original_price": 23_000},
    ]})
    assert answer["error"] == "" and answer["warning"]
    assert answer["response"]["success_list"] == [{"model_id": red, "original_price": 23_000}]
    failed = {f["model_id"]: f["failed_reason"] for f in answer["response"]["failure_list"]}
    assert "error_price_exceed_min_limitt" in failed[blue] and "error_edit_item_price_for_item_has_model" in failed[0]
    box.post("/api/v2/product/update_stock", {"item_id": variant, "stock_list": [
        {"model_id": blue, "seller_stock": [{"stock": 0}]}]})
    prices = {m["model_id"]: (m["price_info"][0]["original_price"], m["stock_info_v2"]["seller_stock"][0]["stock"])
              for m in box.get("/api/v2/product/get_model_list", item_id=variant)["response"]["model"]}
    assert prices == {red: (23_000, 5), blue: (20_000, 0)}
    missing = box.post("/api/v2/product/update_price",
                       {"item_id": 1, "price_list": [{"model_id": 0, "original_price": 1000}]})
    assert missing["error"] == "product.error_item_not_found"


def test_update_item_changes_only_what_is_sent(box: Box) -> None:
    images = _images(box, 3)
    item_id = _add(box, _item(images))
    answer = box.post("/api/v2/product/update_item", {
        "item_id": item_id, "item_name": "Frame 5 Inch Racing Carbon Fiber Ringan [BEST SELLER]",
        "image": {"image_id_list": images[::-1]}, "original_price": 1})
    assert answer["error"] == "" and "original_price" in answer["warning"]
    (info,) = _base_info(box, item_id)
    assert info["item_name"] == "Frame 5 Inch Racing Carbon Fiber Ringan [BEST SELLER]"
    assert info["image"]["image_id_list"] == images[::-1]
    assert info["description"] == DESCRIPTION and info["price_info"][0]["original_price"] == 172_500
    refused = box.post("/api/v2/product/update_item", {"item_id": item_id, "item_name": "Pendek"})
    assert refused["error"] == "product.error_item_name_is_too_short"


def test_unlist_relist_and_delete(box: Box) -> None:
    images = _images(box, 1)
    first, second = _add(box, _item(images, item_sku="A-1")), _add(box, _item(images, item_sku="A-2"))
    answer = box.post("/api/v2/product/unlist_item", {"item_list": [{"item_id": first, "unlist": True},
                                                                    {"item_id": 999, "unlist": True}]})
    assert answer["response"]["success_list"] == [{"item_id": first, "unlist": True}]
    assert [f["item_id"] for f in answer["response"]["failure_list"]] == [999]
    unlisted = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status="UNLIST")["response"]
    assert [i["item_id"] for i in unlisted["item"]] == [first]
    box.post("/api/v2/product/unlist_item", {"item_list": [{"item_id": first, "unlist": False}]})
    assert _base_info(box, first)[0]["item_status"] == "NORMAL"

    assert box.post("/api/v2/product/delete_item", {"item_id": second}).keys() >= {"request_id", "error"}
    assert _base_info(box, second)[0]["item_status"] == "SELLER_DELETE"
    again = box.post("/api/v2/product/delete_item", {"item_id": second})
    assert again["error"] == "product.error_item_not_found"
    assert box.post("/api/v2/product/update_price", {"item_id": second, "price_list": [
        {"model_id": 0, "original_price": 1000}]})["error"] == "product.error_item_not_found"
    live = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status=["NORMAL", "UNLIST"])
    assert [i["item_id"] for i in live["response"]["item"]] == [first]
    deleted = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status="SELLER_DELETE")
    assert [i["item_id"] for i in deleted["response"]["item"]] == [second]
    assert box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status="GONE")["error"] == \
        "product.error_param_item_status"


def test_seeding_the_catalog_then_paging_and_searching(box: Box, catalog: GeneratedCatalog) -> None:
    shopee_products = [p for p in catalog.products if p.origin == Platform.SHOPEE]
    assert len(shopee_products) == 3_647
    started = time.perf_counter()
    assert box.products.seed_from_catalog(catalog.products, SHOP) == 3_647
    assert time.perf_counter() - started < 5
    assert box.products.seed_from_catalog(catalog.products, SHOP) == 0  # idempotent

    seen: list[int] = []
    offset, pages = 0, 0
    while True:
        page = box.get("/api/v2/product/get_item_list", offset=offset, page_size=100, item_status="NORMAL")
        assert page["error"] == "" and page["response"]["total_count"] == 3_647
        seen += [i["item_id"] for i in page["response"]["item"]]
        pages += 1
        if not page["response"]["has_next_page"]:
            break
        offset = page["response"]["next_offset"]
    assert pages == 37 and len(seen) == len(set(seen)) == 3_647
    too_big = box.get("/api/v2/product/get_item_list", offset=0, page_size=101, item_status="NORMAL")
    assert too_big["error"] == "product.error_param"

    infos = _base_info(box, *seen[:50])
    by_sku = {p.sku: p for p in shopee_products}
    assert [i["item_sku"] for i in infos] == [p.sku for p in shopee_products[:50]]
    pilot_a, pilot_b = infos[0], infos[1]
    assert pilot_a["item_name"] == "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle"
    assert pilot_a["price_info"][0]["original_price"] == by_sku[pilot_a["item_sku"]].price == 150_000
    assert pilot_a["image"]["image_url_list"] == list(by_sku[pilot_a["item_sku"]].images)
    assert pilot_a["category_id"] == PARTS_CATEGORY
    models = box.get("/api/v2/product/get_model_list", item_id=pilot_b["item_id"])["response"]
    product_b = by_sku[pilot_b["item_sku"]]
    assert sorted((m["model_sku"], m["price_info"][0]["original_price"]) for m in models["model"]) == sorted(
        (v.sku, v.price) for v in product_b.variants)
    redirect = box.client.get(f"/shopee/file/{pilot_a['image']['image_id_list'][0]}")
    assert redirect.status_code == 302 and redirect.headers["location"] == by_sku[pilot_a["item_sku"]].images[0]

    # search_item: a keyword match on item_sku, paged with a string cursor
    found = box.get("/api/v2/product/search_item", item_sku="PRP-5145", page_size=100)["response"]
    assert pilot_b["item_id"] in found["item_id_list"] and found["next_offset"] == ""
    wanted = sum(1 for p in shopee_products if "frm-" in p.sku.lower())
    collected: list[int] = []
    cursor = ""
    while True:
        page = box.get("/api/v2/product/search_item", item_sku="frm-", page_size=50, offset=cursor)["response"]
        assert page["total_count"] == wanted
        collected += page["item_id_list"]
        cursor = page["next_offset"]
        if not cursor:
            break
    assert len(collected) == len(set(collected)) == wanted
    # a seeded listing keeps its catalog images, so it can be updated without re-uploading them
    answer = box.post("/api/v2/product/update_item", {"item_id": pilot_a["item_id"],
                                                      "image": {"image_id_list": pilot_a["image"]["image_id_list"]}})
    assert answer["error"] == ""


def test_seller_page_edit_behind_our_back_and_audit(box: Box, catalog: GeneratedCatalog) -> None:
    box.products.seed_from_catalog(catalog.products[:60], SHOP)
    first = box.get("/api/v2/product/get_item_list", offset=0, page_size=2, item_status="NORMAL")["response"]["item"]
    plain_id, variant_id = first[0]["item_id"], first[1]["item_id"]
    box.clock.now += 60
    edited = box.products.edit_listing(plain_id, price=139_000, title="Frame Racing 5 Inch Murah Meriah FPV")
    assert edited.update_time == int(box.clock.now)
    box.products.edit_listing(variant_id, model_prices={catalog.products[1].variants[0].sku: 41_000})
    (info,) = _base_info(box, plain_id)
    assert info["price_info"][0]["original_price"] == 139_000 and info["item_name"].endswith("Meriah FPV")
    changed = box.get("/api/v2/product/get_item_list", offset=0, page_size=100, item_status="NORMAL",
                      update_time_from=int(box.clock.now))["response"]["item"]
    assert {i["item_id"] for i in changed} == {plain_id, variant_id}

    page = box.client.get(f"/sandbox/shopee/items/{variant_id}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Propeller" in page.text and "<img" in page.text and "Rp41,000" in page.text and "Red" in page.text
    twin = box.client.get(f"/sandbox/shopee/items/{variant_id}.json").json()
    assert twin["item"]["item_id"] == variant_id and len(twin["model"]) == 3
    assert box.client.get("/sandbox/shopee/items/1.json").status_code == 404

    assert box.products.audit(known_skus={p.sku for p in catalog.products} | {
        v.sku for p in catalog.products for v in p.variants}).unknown_skus == []
    box.products.edit_listing(plain_id, item_sku="SKU-TYPED-BY-HAND")
    images = [box.upload(_png(500))["response"]["image_info"]["image_id"]]
    copy_id = _add(box, _item(images, item_sku=catalog.products[1].sku))
    audit = box.products.audit(known_skus={p.sku for p in catalog.products} | {
        v.sku for p in catalog.products for v in p.variants})
    assert audit.duplicate_skus == {catalog.products[1].sku: sorted([variant_id, copy_id])}
    assert audit.unknown_skus == [(plain_id, None, "SKU-TYPED-BY-HAND")]


def test_daily_listing_limit() -> None:
    box = open_box(Clock(), daily_listing_limit=2)
    try:
        images = _images(box, 1)
        _add(box, _item(images, item_sku="D-1"))
        _add(box, _item(images, item_sku="D-2"))
        third = box.post("/api/v2/product/add_item", _item(images, item_sku="D-3"))
        assert third["error"] == "product.error_reach_shop_item_limit" and "daily" in third["message"]
        box.clock.now += 86_400  # a new day in UTC+8
        box.token = _authorize(box)  # the access token lived 4 h
        _add(box, _item(images, item_sku="D-3"))
    finally:
        box.close()


def test_listings_images_and_tokens_survive_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(clock, tmp_path / "sandbox")
    try:
        data = _png(700, "persist")
        image_id = box.upload(data)["response"]["image_info"]["image_id"]
        item_id = _add(box, _item([image_id]))
        token = box.token
    finally:
        box.close()
    clock.now += 60
    again = open_box(clock, tmp_path / "sandbox", token=token)
    try:
        (info,) = _base_info(again, item_id)
        assert info["item_sku"] == "FRM-5IN-CF-001" and info["image"]["image_id_list"] == [image_id]
        assert again.client.get(f"/shopee/file/{image_id}").content == data
        assert again.upload(data)["response"]["image_info"]["image_id"] == image_id
        assert _add(again, _item([image_id], item_sku="NEXT")) == item_id + 1
    finally:
        again.close()


def test_string_arrays_are_repeated_keys_and_id_lists_comma_joined(box: Box) -> None:
    images = _images(box, 1)
    first = _add(box, _item(images, item_sku="R-1"))
    second = _add(box, _item(images, item_sku="R-2"))
    box.post("/api/v2/product/unlist_item", {"item_list": [{"item_id": second, "unlist": True}]})
    # `item_status` is string[]: "item_status=NORMAL&item_status=BANNED" (shopee-sdk schemas
    # v2.product.get_item_list.json / v2.product.search_item.json); every repeated value counts.
    listed = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status=["NORMAL", "UNLIST"])
    assert [i["item_id"] for i in listed["response"]["item"]] == [first, second]
    found = box.get("/api/v2/product/search_item", page_size=10, item_sku="R-", item_status=["NORMAL", "UNLIST"])
    assert found["response"]["item_id_list"] == [first, second]
    # The comma-joined form the client used to send is one invalid status, refused with each API's error.
    joined = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status="NORMAL,UNLIST")
    assert (joined["error"], joined["message"]) == ("product.error_param_item_status", "Item status error.")
    joined = box.get("/api/v2/product/search_item", page_size=10, item_sku="R-", item_status="NORMAL,UNLIST")
    assert joined["error"] == "product.error_param" and "item_status is invalid" in joined["message"]
    both = box.get("/api/v2/product/get_item_base_info", item_id_list=f"{first},{second}")["response"]["item_list"]
    assert [i["item_id"] for i in both] == [first, second]
    too_many = box.get("/api/v2/product/get_item_base_info", item_id_list=",".join(str(i) for i in range(1, 52)))
    assert too_many["error"] == "product.error_param"


def test_upload_refuses_a_part_without_an_image_content_type(box: Box) -> None:
    # "Image format accepted: JPG, JPEG, PNG" (shopee-sdk schemas/v2.media_space.upload_image.json, `image`);
    # a part declared as a bare octet stream, or with no type at all, is what the client used to send.
    data = _png(500, "typed")
    octet = box.upload(data, content_type="application/octet-stream")
    assert octet["error"] == "error_param" and "image/jpeg or image/png" in octet["message"]
    path = "/api/v2/media_space/upload_image"
    boundary = "sandbox-boundary"
    untyped = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="image"\r\n\r\n'
               ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    bare = box.client.post(path, params=box._query(path), content=untyped,
                           headers={"content-type": f"multipart/form-data; boundary={boundary}"}).json()
    assert bare["error"] == "error_param" and "missing" in bare["message"]
    assert box.upload(data, content_type="image/png")["error"] == ""
    assert box.upload(_jpeg(800, 800), content_type="image/jpeg")["error"] == ""
