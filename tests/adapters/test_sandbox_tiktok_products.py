"""TikTok Shop's product APIs as the sandbox serves them, over HTTP, signed with the client's signer."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.marketplaces.tiktok.signing import sign
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.generator import generate_catalog
from syncstore_cli.sandbox.images import render_png
from syncstore_cli.sandbox.listings_tiktok import TikTokListings
from syncstore_cli.sandbox.tiktok import TikTokSandbox
from syncstore_cli.sandbox.tiktok_products import TikTokProducts, TikTokRules
from syncstore_cli.sandbox.tokens import TokenBook
from syncstore_cli.sandbox.web import Router, SandboxServer

KEY, SECRET = c.DEMO_TIKTOK_APP_KEY, c.DEMO_TIKTOK_APP_SECRET
SHOP_ID, CIPHER = c.DEMO_TIKTOK_SHOP_ID, c.DEMO_TIKTOK_SHOP_CIPHER
WAREHOUSE = "7068517275539719942"
FRAME_CATEGORY = "7100121"  # taxonomy_tiktok.py: Kamera & Drone > Drone & Aksesori > Suku Cadang Drone > Frame Drone
# The frame leaf's required product attributes: Barang Berbahaya = Tidak Ada, Negara Asal = Tiongkok.
FRAME_ATTRIBUTES = [{"id": "101610", "values": [{"id": "1024357"}]}, {"id": "100336", "values": [{"id": "1000941"}]}]
DESCRIPTION = ("<p>Frame racing 5 inch dari carbon fiber T700, arm 3mm yang kaku dan tahan benturan. Cocok untuk "
               "freestyle maupun racing, sudah termasuk baut dan standoff.</p>")


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Box:
    http: httpx.Client
    clock: Clock
    products: TikTokProducts
    token: str = ""

    def call(self, method: str, path: str, body: Any = None, **extra: str) -> httpx.Response:
        query = {"app_key": KEY, "timestamp": str(int(self.clock.now)), "shop_cipher": CIPHER, **extra}
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        query["sign"] = sign(SECRET, path, query, raw)
        headers = {"x-tts-access-token": self.token, "content-type": "application/json"}
        return self.http.request(method, path, params=query, content=raw, headers=headers)

    def ok(self, method: str, path: str, body: Any = None, **extra: str) -> dict[str, Any]:
        answer = self.call(method, path, body, **extra).json()
        assert answer["code"] == 0, answer
        data: dict[str, Any] = answer["data"]
        return data

    def upload(self, data: bytes, use_case: str = "MAIN_IMAGE", *, shop: bool = False) -> httpx.Response:
        path = "/product/202309/images/upload"
        query = {"app_key": KEY, "timestamp": str(int(self.clock.now))}
        if shop:
            query["shop_cipher"] = CIPHER
        query["sign"] = sign(SECRET, path, query, multipart=True)
        return self.http.post(path, params=query, files={"data": ("image.png", data, "image/png")},
                              data={"use_case": use_case}, headers={"x-tts-access-token": self.token})

    def image(self, key: str, size: int = 600) -> str:
        answer = self.upload(render_png(key, size)).json()
        assert answer["code"] == 0, answer
        return str(answer["data"]["uri"])

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.ok("POST", "/product/202309/products", body)

    def get(self, product_id: str) -> dict[str, Any]:
        return self.ok("GET", f"/product/202309/products/{product_id}")

    def search(self, body: dict[str, Any], page_size: int = 20, page_token: str = "") -> dict[str, Any]:
        extra = {"page_size": str(page_size)}
        if page_token:
            extra["page_token"] = page_token
        return self.ok("POST", "/product/202502/products/search", body, **extra)


def _authorize(http: httpx.Client) -> str:
    page = http.get("/oauth/authorize", params={"app_key": KEY, "state": "s", "redirect_uri": "http://127.0.0.1:9/cb"})
    link = page.text.split('href="')[1].split('"')[0].replace("&amp;", "&")
    code = parse_qs(urlsplit(http.get(link).headers["location"]).query)["code"][0]
    answer = http.get("/api/v2/token/get", params={"app_key": KEY, "app_secret": SECRET, "auth_code": code,
                                                   "grant_type": "authorized_code"}).json()
    return str(answer["data"]["access_token"])


BoxFactory = Callable[..., Box]


@pytest.fixture
def make_box() -> Iterator[BoxFactory]:
    """Starts a sandbox with the products module on its own router; everything is closed afterwards."""
    closers: list[Callable[[], None]] = []

    def make(*, clock: Clock | None = None, state_path: Path | None = None, audit_delay: float = 0,
             daily_limit: int | None = None, dedup: bool = False, **settings: Any) -> Box:
        clock = clock or Clock()
        config = c.SandboxConfig(clock=clock, tiktok_idempotency_dedup=dedup, **settings)
        shops = {SHOP_ID: {"name": "FPV Parts Jakarta", "cipher": CIPHER}}
        tokens = TokenBook(None)
        state = TikTokListings(state_path)
        rules = TikTokRules.load("fast")
        rules = replace(rules, audit_delay_seconds=audit_delay,
                        daily_listing_limit=rules.daily_listing_limit if daily_limit is None else daily_limit)
        router = Router()
        gateway = TikTokSandbox(config, tokens, shops)
        gateway.register(router)
        products = TikTokProducts(config, state, shops, rules=rules)
        products.register(router, gateway.guard)
        server = SandboxServer(router).start()
        http = httpx.Client(base_url=server.url, timeout=10)
        closers.extend([tokens.close, state.close, server.stop, http.close])
        box = Box(http, clock, products)
        box.token = _authorize(http)
        return box

    yield make
    for close in reversed(closers):
        close()


@pytest.fixture
def box(make_box: BoxFactory) -> Box:
    return make_box()


def product_body(uris: list[str], *, prefix: str = "FRM-5IN-CF", colours: tuple[str, ...] = ("Merah", "Biru", "Hijau"),
                 **overrides: Any) -> dict[str, Any]:
    skus = [{
        "seller_sku": f"{prefix}-{colour[:3].upper()}",
        "price": {"amount": str(180_000 + 5_000 * n), "currency": "IDR"},
        "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 10 + n}],
        "sales_attributes": [{"name": "Warna", "value_name": colour}],
    } for n, colour in enumerate(colours)]
    body: dict[str, Any] = {
        "title": "Racing Frame 5 Inch Carbon - Ringan & Kuat untuk FPV",
        "description": DESCRIPTION,
        "category_id": FRAME_CATEGORY,
        "category_version": "v2",
        "product_attributes": FRAME_ATTRIBUTES,
        "main_images": [{"uri": u} for u in uris],
        "skus": skus,
        "package_weight": {"value": "0.15", "unit": "KILOGRAM"},
        "package_dimensions": {"length": "25", "width": "25", "height": "5", "unit": "CENTIMETER"},
        "listing_platforms": ["TIKTOK_SHOP", "TOKOPEDIA"],
    }
    body.update(overrides)
    return body


def _fake_png(width: int, height: int) -> bytes:
    # Only the header matters to the size check; a real 5000 px PNG would take seconds to render.
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header


def _fake_jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


# -- images ----------------------------------------------------------------------------------------


def test_image_upload_is_content_addressed_and_checks_format_and_size(box: Box) -> None:
    png = render_png("upload-test", 600)
    first, second = box.upload(png).json(), box.upload(png).json()
    assert first["code"] == 0 and first["data"]["uri"] == second["data"]["uri"]
    data = first["data"]
    assert (data["width"], data["height"], data["use_case"]) == (600, 600, "MAIN_IMAGE")
    assert box.upload(render_png("other", 600)).json()["data"]["uri"] != data["uri"]
    served = box.http.get(urlsplit(data["url"]).path)
    assert served.status_code == 200 and served.content == png and served.headers["content-type"] == "image/png"

    jpeg = box.upload(_fake_jpeg(800, 600)).json()
    assert jpeg["code"] == 0 and (jpeg["data"]["width"], jpeg["data"]["height"]) == (800, 600)
    assert box.upload(render_png("small", 200)).json()["code"] == 12052301
    assert box.upload(_fake_png(5000, 5000)).json()["code"] == 12052302
    assert box.upload(b"GIF89a not supported").json()["code"] == 12052304
    # 200 px is fine for a description image, but not once used as a main image.
    assert box.upload(render_png("small", 200), "DESCRIPTION_IMAGE").json()["code"] == 0
    refused = box.upload(png, shop=True)
    assert refused.status_code == 400 and "not required" in refused.json()["message"]


def test_reference_data_is_minimal_but_valid(box: Box) -> None:
    categories = box.ok("GET", "/product/202309/categories", category_version="v2")["categories"]
    frame = next(cat for cat in categories if cat["id"] == FRAME_CATEGORY)
    assert frame["is_leaf"] is True and frame["local_name"] == "Frame Drone" and frame["parent_id"] == "7100120"
    attributes = box.ok("GET", f"/product/202309/categories/{FRAME_CATEGORY}/attributes",
                        category_version="v2")["attributes"]
    colour = next(a for a in attributes if a["name"] == "Warna")
    assert colour["type"] == "SALES_PROPERTY" and {"Merah", "Biru"} <= {v["name"] for v in colour["values"]}
    rules = box.ok("GET", f"/product/202309/categories/{FRAME_CATEGORY}/rules", category_version="v2")
    assert rules["package_dimension"] == {"is_required": False}
    assert box.call("GET", "/product/202309/categories/123/rules", category_version="v2").json()["code"] == 12052023
    first = box.ok("GET", "/product/202309/brands", page_size="5")
    rest = box.ok("GET", "/product/202309/brands", page_size="100", page_token=first["next_page_token"])
    assert len(first["brands"]) == 5 and len(first["brands"]) + len(rest["brands"]) == first["total_count"]
    assert rest["next_page_token"] == ""
    warehouses = box.ok("GET", "/logistics/202309/warehouses")["warehouses"]
    assert [(w["id"], w["type"], w["effect_status"], w["is_default"]) for w in warehouses] == [
        (WAREHOUSE, "SALES_WAREHOUSE", "ENABLED", True)]
    checks = box.ok("GET", "/product/202312/prerequisites")["check_results"]
    assert checks and not any(check["is_failed"] for check in checks)


# -- create ----------------------------------------------------------------------------------------


def test_create_with_three_skus_reads_back_what_was_sent_and_goes_live_after_audit(make_box: BoxFactory) -> None:
    box = make_box(audit_delay=60)
    uris = [box.image(f"frame-{n}") for n in range(3)]
    brands = box.ok("GET", "/product/202309/brands", page_size="100", brand_name="iFlight")["brands"]
    body = product_body(uris, brand_id=brands[0]["id"], is_cod_allowed=True)
    created = box.create(body)
    assert created["warnings"] == [] and len(created["product_id"]) == 19 and created["product_id"].isdigit()
    assert [s["seller_sku"] for s in created["skus"]] == ["FRM-5IN-CF-MER", "FRM-5IN-CF-BIR", "FRM-5IN-CF-HIJ"]
    assert all(len(s["id"]) == 19 and s["sales_attributes"][0]["value_id"] for s in created["skus"])

    product = box.get(created["product_id"])
    assert product["status"] == "PENDING" and product["audit"] == {"status": "AUDITING"}
    assert product["integrated_platform_statuses"] == [{"platform": "TOKOPEDIA", "status": "PENDING"}]
    assert (product["title"], product["description"]) == (body["title"], body["description"])
    assert product["category_chains"][-1]["id"] == FRAME_CATEGORY
    assert product["brand"] == {"id": brands[0]["id"], "name": "iFlight"}
    assert [i["uri"] for i in product["main_images"]] == uris
    assert all(i["urls"][0].endswith(f"/tiktok/img/{i['uri']}") and i["width"] == 600 for i in product["main_images"])
    assert product["package_weight"] == body["package_weight"]
    assert product["package_dimensions"] == body["package_dimensions"]
    assert product["listing_platforms"] == ["TIKTOK_SHOP", "TOKOPEDIA"] and product["is_cod_allowed"] is True
    sent = [(s["seller_sku"], s["price"]["amount"], s["price"]["currency"], s["inventory"],
             [(a["name"], a["value_name"]) for a in s["sales_attributes"]]) for s in body["skus"]]
    read = [(s["seller_sku"], s["price"]["amount"], s["price"]["currency"], s["inventory"],
             [(a["name"], a["value_name"]) for a in s["sales_attributes"]]) for s in product["skus"]]
    assert read == sent
    assert [s["id"] for s in product["skus"]] == [s["id"] for s in created["skus"]]

    box.clock.now += 59
    assert box.get(created["product_id"])["status"] == "PENDING"
    box.clock.now += 1
    live = box.get(created["product_id"])
    assert live["status"] == "ACTIVATE" and live["audit"] == {"status": "APPROVED"}
    assert live["integrated_platform_statuses"] == [{"platform": "TOKOPEDIA", "status": "ACTIVATE"}]
    assert live["create_time"] == int(box.clock.now) - 60


def test_short_description_fails_the_audit_on_both_platforms(box: Box) -> None:
    created = box.create(product_body([box.image("a")], description="<p>Ready stock, langsung order.</p>"))
    product = box.get(created["product_id"])
    assert product["status"] == "FAILED"
    assert product["integrated_platform_statuses"] == [{"platform": "TOKOPEDIA", "status": "FAILED"}]
    reasons = product["audit_failed_reasons"]
    assert [(r["listing_platform"], r["position"]) for r in reasons] == [("TIKTOK_SHOP", "description"),
                                                                        ("TOKOPEDIA", "description")]


def test_unknown_brand_is_cleared_with_a_warning_and_single_sku_needs_no_attributes(box: Box) -> None:
    body = product_body([box.image("a")], colours=("Merah",), brand_id="123")
    body["skus"][0].pop("sales_attributes")
    created = box.create(body)
    assert "brand_id" in created["warnings"][0]["message"] and created["skus"][0]["sales_attributes"] == []
    assert "brand" not in box.get(created["product_id"])


def _set_sku(n: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        body["skus"][n].update(fields)

    return mutate


def _set(**fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.update(fields)


def _drop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.pop(name)


def _many_skus(count: int) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        template = body["skus"][0]
        body["skus"] = [{**template, "seller_sku": f"S-{n}", "sales_attributes": [
            {"name": "Ukuran", "value_name": f"U{n}"}]} for n in range(count)]

    return mutate


def _four_attributes(body: dict[str, Any]) -> None:
    for n, sku in enumerate(body["skus"]):
        sku["sales_attributes"] = [{"name": name, "value_name": f"{name}{n}"} for name in ("A1", "A2", "A3", "A4")]


def _mismatched_attributes(body: dict[str, Any]) -> None:
    body["skus"][1]["sales_attributes"] = [{"name": "Ukuran", "value_name": "5 inch"}]


def _duplicate_combination(body: dict[str, Any]) -> None:
    body["skus"][1]["sales_attributes"] = [{"name": "Warna", "value_name": "Merah"}]


def _attribute(name: str, value: str) -> Callable[[dict[str, Any]], None]:
    def mutate(body: dict[str, Any]) -> None:
        for sku in body["skus"]:
            sku["sales_attributes"] = [{"name": name, "value_name": f"{value}{sku['seller_sku'][-3:]}"}]

    return mutate


RULES: list[tuple[str, Callable[[dict[str, Any]], None], int]] = [
    ("missing title", _drop("title"), 36009004),
    ("missing skus", _drop("skus"), 36009004),
    ("missing main images", _drop("main_images"), 36009004),
    ("missing package weight", _drop("package_weight"), 36009004),
    ("category version v1", _set(category_version="v1"), 12052217),
    ("no category version", _drop("category_version"), 12052217),
    ("unknown category", _set(category_id="999999"), 12052023),
    ("not a leaf category", _set(category_id="7100120"), 12052024),
    ("the v1 Drones & Accessories id", _set(category_id="912008"), 12052230),
    ("a v1 id as v1", _set(category_id="912008", category_version="v1"), 12052217),
    ("no product attributes", _drop("product_attributes"), 12052104),
    ("unknown listing platform", _set(listing_platforms=["SHOPEE"]), 98001004),
    ("empty title", _set(title=""), 12052261),
    ("title of 24 characters", _set(title="Frame Racing 5 Inch FPV!"), 98001004),
    ("title of 256 characters", _set(title="Frame " + "x" * 250), 12052051),
    ("emoji in title", _set(title="Racing Frame 5 Inch Carbon 🔥 untuk FPV"), 12052931),
    ("HTML entity in title", _set(title="Racing Frame 5 Inch Carbon&nbsp;untuk FPV"), 12052931),
    ("ten identical characters", _set(title="Racing Frame 5 Inch Carbon!!!!!!!!!!"), 12052931),
    ("title of symbols only", _set(title="#$%&/ " * 5), 12052931),
    ("control character in title", _set(title="Racing Frame 5 Inch Carbon\x7f untuk FPV"), 12052931),
    ("emoji in description", _set(description=DESCRIPTION + "<p>🚀</p>"), 12052932),
    ("empty description", _set(description="<p></p>"), 12052015),
    ("description too long", _set(description="<p>" + "Frame carbon. " * 800 + "</p>"), 12052013),
    ("no main images", _set(main_images=[]), 12052028),
    ("ten main images", lambda body: body.update(main_images=body["main_images"] * 10), 12052306),
    ("unknown image uri", _set(main_images=[{"uri": "tos-alisg-i-sbxfpv-id/nope"}]), 12052722),
    ("illegal image uri", _set(main_images=[{"uri": "has space"}]), 12052300),
    ("101 SKUs", _many_skus(101), 12052050),
    ("four sales attributes", _four_attributes, 12052525),
    ("SKUs without the same attributes", _mismatched_attributes, 12052550),
    ("two SKUs with the same variant", _duplicate_combination, 12052560),
    ("emoji in an attribute name", _attribute("Warna 🔥", "v"), 12052933),
    ("entity in an attribute value", _attribute("Warna", "Merah&amp;"), 12052934),
    ("price below 100", _set_sku(0, price={"amount": "99", "currency": "IDR"}), 12052570),
    ("price above 100,000,000", _set_sku(0, price={"amount": "100000001", "currency": "IDR"}), 12052570),
    ("price not a number", _set_sku(0, price={"amount": "abc", "currency": "IDR"}), 12052073),
    ("price with cents", _set_sku(0, price={"amount": "150000.50", "currency": "IDR"}), 12052073),
    ("price in USD", _set_sku(0, price={"amount": "15", "currency": "USD"}), 12052084),
    ("missing price", _set_sku(0, price=None), 12052571),
    ("zero stock", _set_sku(0, inventory=[{"warehouse_id": WAREHOUSE, "quantity": 0}]), 12052055),
    ("stock above 99,999", _set_sku(0, inventory=[{"warehouse_id": WAREHOUSE, "quantity": 100_000}]), 12052055),
    ("unknown warehouse", _set_sku(0, inventory=[{"warehouse_id": "1", "quantity": 5}]), 12052097),
    ("seller_sku with a space", _set_sku(0, seller_sku="FRM 5IN"), 12019059),
    ("seller_sku of 51 characters", _set_sku(0, seller_sku="S" * 51), 12052054),
    ("zero weight", _set(package_weight={"value": "0", "unit": "KILOGRAM"}), 12052181),
    ("weight in pounds", _set(package_weight={"value": "1", "unit": "POUND"}), 12019061),
    ("dimensions in inches", _set(package_dimensions={"length": "1", "width": "1", "height": "1", "unit": "INCH"}),
     12019061),
    ("dimension not whole", _set(package_dimensions={"length": "2.5", "width": "1", "height": "1",
                                                     "unit": "CENTIMETER"}), 12052005),
]


def test_each_create_rule_is_refused_with_its_code(box: Box) -> None:
    uris = [box.image("rule")]
    assert box.create(product_body(uris))["product_id"]  # the base body is valid
    wrong = []
    for name, mutate, code in RULES:
        body = product_body(uris)
        mutate(body)
        answer = box.call("POST", "/product/202309/products", body)
        got = answer.json()
        expected_status = 400 if code == 36009004 else 200
        if (got["code"], answer.status_code, got["data"]) != (code, expected_status, None):
            wrong.append((name, code, got["code"], answer.status_code, got["message"]))
    assert wrong == []
    missing = box.call("POST", "/product/202309/products", {k: v for k, v in product_body(uris).items()
                                                            if k != "main_images"}).json()
    assert missing["message"] == "MainImages is a required field and has not been provided."
    small = box.upload(render_png("small", 200), "DESCRIPTION_IMAGE").json()["data"]["uri"]
    assert box.call("POST", "/product/202309/products", product_body([small])).json()["code"] == 12052301
    assert box.search({})["total_count"] == 1  # nothing refused was stored


def test_daily_listing_limit(make_box: BoxFactory) -> None:
    box = make_box(daily_limit=2)
    uris = [box.image("limit")]
    box.create(product_body(uris, prefix="A"))
    box.create(product_body(uris, prefix="B"))
    assert box.call("POST", "/product/202309/products", product_body(uris, prefix="C")).json()["code"] == 12052093
    box.create(product_body(uris, prefix="D", save_mode="AS_DRAFT"))  # drafts do not count
    box.clock.now += 86_400
    assert box.create(product_body(uris, prefix="C"))["product_id"]


def test_a_reused_idempotency_key_makes_a_second_product_by_default(box: Box) -> None:
    # No source documents TikTok's deduplication of `idempotency_key`, so the sandbox assumes the worst:
    # only the caller's lookup by seller SKU can keep a repeated create from listing the product twice.
    uris = [box.image("idem")]
    key = "4f0c9a4e-7d7b-4c55-9a51-1b2f5e0d9c11"
    first = box.create(product_body(uris, idempotency_key=key))
    again = box.create(product_body(uris, idempotency_key=key))
    assert again["product_id"] != first["product_id"]
    assert box.search({"seller_skus": ["FRM-5IN-CF-MER"]})["total_count"] == 2
    too_long = box.call("POST", "/product/202309/products", product_body(uris, idempotency_key="k" * 129)).json()
    assert too_long["code"] != 0  # the key is still validated


def test_idempotency_key_returns_the_first_result_for_24_hours_when_the_setting_asks(make_box: BoxFactory) -> None:
    box = make_box(dedup=True)
    uris = [box.image("idem")]
    first = box.create(product_body(uris, idempotency_key="4f0c9a4e-7d7b-4c55-9a51-1b2f5e0d9c11"))
    again = box.create(product_body(uris, prefix="OTHER", idempotency_key="4f0c9a4e-7d7b-4c55-9a51-1b2f5e0d9c11"))
    assert again == first
    assert box.search({})["total_count"] == 1
    box.clock.now += 86_400 + 1
    later = box.create(product_body(uris, idempotency_key="4f0c9a4e-7d7b-4c55-9a51-1b2f5e0d9c11"))
    assert later["product_id"] != first["product_id"]


# -- updates ---------------------------------------------------------------------------------------


def test_price_and_inventory_updates_are_absolute(box: Box) -> None:
    created = box.create(product_body([box.image("p")]))
    pid, skus = created["product_id"], created["skus"]
    prices = f"/product/202309/products/{pid}/prices/update"
    stock = f"/product/202309/products/{pid}/inventory/update"
    assert box.ok("POST", prices, {"skus": [{"id": skus[0]["id"],
                                             "price": {"amount": "199000", "currency": "IDR"}}]}) == {}
    for quantity in (7, 3, 0):  # absolute, and 0 marks the SKU sold out
        box.ok("POST", stock, {"skus": [{"id": skus[1]["id"], "inventory": [{"warehouse_id": WAREHOUSE,
                                                                             "quantity": quantity}]}]})
    product = box.get(pid)
    assert [s["price"]["amount"] for s in product["skus"]] == ["199000", "185000", "190000"]
    assert [s["inventory"][0]["quantity"] for s in product["skus"]] == [10, 0, 12]

    refused = box.call("POST", prices, {"skus": [
        {"id": skus[0]["id"], "price": {"amount": "150000", "currency": "IDR"}},
        {"id": skus[1]["id"], "price": {"amount": "50", "currency": "IDR"}}]}).json()
    assert refused["code"] == 12052570
    assert box.get(pid)["skus"][0]["price"]["amount"] == "199000"  # all or nothing
    partly = box.ok("POST", stock, {"skus": [
        {"id": "1", "inventory": [{"quantity": 5}]},
        {"id": skus[2]["id"], "inventory": [{"quantity": 100_000}]},
        {"id": skus[0]["id"], "inventory": [{"quantity": 44}]}]})
    assert [(e["code"], e["detail"]["sku_id"]) for e in partly["errors"]] == [(98001004, "1"),
                                                                             (12052055, skus[2]["id"])]
    assert box.get(pid)["skus"][0]["inventory"] == [{"warehouse_id": WAREHOUSE, "quantity": 44}]


def test_edit_overwrites_skus_and_partial_edit_keeps_the_rest(make_box: BoxFactory) -> None:
    box = make_box(audit_delay=30)
    uris = [box.image("e1"), box.image("e2")]
    created = box.create(product_body(uris))
    pid, skus = created["product_id"], created["skus"]
    box.clock.now += 30
    assert box.get(pid)["status"] == "ACTIVATE"

    body = product_body(uris[:1], title="Racing Frame 5 Inch Carbon Fiber 3mm Arm FPV")
    red = skus[0]["sales_attributes"][0]
    body["skus"] = [  # the red SKU by id, without price or inventory (kept); a new yellow one; blue and green go
        {"id": skus[0]["id"], "seller_sku": "FRM-5IN-CF-MER",
         "sales_attributes": [{"id": red["id"], "value_id": red["value_id"]}]},
        {"seller_sku": "FRM-5IN-CF-KUN", "price": {"amount": "210000", "currency": "IDR"},
         "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 4}],
         "sales_attributes": [{"name": "Warna", "value_name": "Kuning"}]},
    ]
    edited = box.ok("PUT", f"/product/202309/products/{pid}", body)
    assert edited["audit"] == {"status": "AUDITING"} and edited["skus"][0]["id"] == skus[0]["id"]
    product = box.get(pid)
    assert product["status"] == "PENDING" and product["title"] == body["title"]
    assert [(s["seller_sku"], s["price"]["amount"], s["inventory"][0]["quantity"],
             s["sales_attributes"][0]["value_name"]) for s in product["skus"]] == [
        ("FRM-5IN-CF-MER", "180000", 10, "Merah"), ("FRM-5IN-CF-KUN", "210000", 4, "Kuning")]
    assert [i["uri"] for i in product["main_images"]] == uris[:1]
    box.clock.now += 30
    assert box.get(pid)["status"] == "ACTIVATE"

    partial = box.ok("POST", f"/product/202309/products/{pid}/partial_edit",
                     {"title": "Racing Frame 5 Inch Carbon Ringan untuk Freestyle"})
    assert partial["audit"] == {"status": "AUDITING"}
    after = box.get(pid)
    assert after["title"] == "Racing Frame 5 Inch Carbon Ringan untuk Freestyle"
    assert [s["id"] for s in after["skus"]] == [s["id"] for s in product["skus"]]
    assert after["description"] == DESCRIPTION and after["skus"][1]["price"]["amount"] == "210000"
    # Listing only on TikTok hides the product on Tokopedia.
    box.ok("POST", f"/product/202309/products/{pid}/partial_edit", {"listing_platforms": ["TIKTOK_SHOP"]})
    assert box.get(pid)["integrated_platform_statuses"] == [{"platform": "TOKOPEDIA",
                                                             "status": "SELLER_DEACTIVATED"}]
    assert box.call("PUT", "/product/202309/products/1731000000000099999", body).json()["code"] == 12052032


def test_price_and_inventory_updates_wait_for_a_live_product(make_box: BoxFactory) -> None:
    # Update Price / Update Inventory act on ACTIVATE products only, 12052901 otherwise (update-price.doc.json,
    # update-inventory.doc.json, lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products).
    box = make_box(audit_delay=30)
    created = box.create(product_body([box.image("live")], colours=("Merah",)))
    pid, sku = created["product_id"], created["skus"][0]["id"]
    price = {"skus": [{"id": sku, "price": {"amount": "199000", "currency": "IDR"}}]}
    stock = {"skus": [{"id": sku, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 3}]}]}
    assert box.get(pid)["status"] == "PENDING"
    for action, body in (("prices/update", price), ("inventory/update", stock)):
        refused = box.call("POST", f"/product/202309/products/{pid}/{action}", body).json()
        assert refused["code"] == 12052901 and "current status" in refused["message"], refused
    untouched = box.get(pid)["skus"][0]
    assert (untouched["price"]["amount"], untouched["inventory"][0]["quantity"]) == ("180000", 10)
    box.clock.now += 30
    box.ok("POST", f"/product/202309/products/{pid}/prices/update", price)
    box.ok("POST", f"/product/202309/products/{pid}/inventory/update", stock)
    live = box.get(pid)["skus"][0]
    assert (live["price"]["amount"], live["inventory"][0]["quantity"]) == ("199000", 3)

    failed = box.create(product_body([box.image("live")], prefix="FRM-SHORT", colours=("Merah",),
                                     description="<p>Frame 5 inch.</p>"))
    box.clock.now += 30
    assert box.get(failed["product_id"])["status"] == "FAILED"
    refused = box.call("POST", f"/product/202309/products/{failed['product_id']}/prices/update",
                       {"skus": [{"id": failed["skus"][0]["id"], "price": {"amount": "199000", "currency": "IDR"}}]})
    assert refused.json()["code"] == 12052901


def test_price_only_edit_skips_the_audit(make_box: BoxFactory) -> None:
    box = make_box(audit_delay=30)
    created = box.create(product_body([box.image("x")], colours=("Merah",)))
    box.clock.now += 30
    body = product_body([box.image("x")], colours=("Merah",))
    body["skus"][0]["id"] = created["skus"][0]["id"]
    body["skus"][0]["price"] = {"amount": "175000", "currency": "IDR"}
    assert box.ok("PUT", f"/product/202309/products/{created['product_id']}", body)["audit"] == {
        "status": "APPROVED"}
    assert box.get(created["product_id"])["status"] == "ACTIVATE"


# -- search, seeding, lifecycle -------------------------------------------------------------------


def test_search_by_seller_skus_and_paging(box: Box) -> None:
    uris = [box.image("s")]
    made = [box.create(product_body(uris, prefix=f"PRP-51{n}"))["product_id"] for n in range(5)]
    found = box.search({"seller_skus": ["PRP-512-BIR"]})
    assert [p["id"] for p in found["products"]] == [made[2]] and found["total_count"] == 1
    assert box.search({"seller_skus": ["PRP-512"]})["total_count"] == 0  # exact match, not a prefix
    hit = found["products"][0]
    sku = next(s for s in hit["skus"] if s["seller_sku"] == "PRP-512-BIR")
    assert sku["price"]["amount"] == "185000" and sku["inventory"] == [{"warehouse_id": WAREHOUSE, "quantity": 11}]
    assert box.search({"sku_ids": [sku["id"]]})["products"][0]["id"] == made[2]

    seen, token, pages = [], "", 0
    while True:
        page = box.search({"status": "ACTIVATE"}, page_size=2, page_token=token)
        assert page["total_count"] == 5
        seen += [p["id"] for p in page["products"]]
        pages += 1
        token = page["next_page_token"]
        if not token:
            break
    assert seen == made[::-1] and pages == 3
    bad = box.call("POST", "/product/202502/products/search", {}, page_size="101")
    assert (bad.status_code, bad.json()["code"]) == (400, 36009004)
    assert box.call("POST", "/product/202502/products/search", {}, page_size="5",
                    page_token="!!").json()["code"] == 36009004
    assert box.ok("POST", "/product/202309/products/search", {}, page_size="1")["total_count"] == 5


def test_seeding_the_catalog_and_paging_through_all_500(box: Box) -> None:
    catalog = generate_catalog(image_base_url=str(box.http.base_url).rstrip("/"))
    tiktok = [p for p in catalog.products if p.origin == Platform.TIKTOK]
    assert box.products.seed_from_catalog(catalog.products, SHOP_ID) == 500
    assert box.products.seed_from_catalog(catalog.products, SHOP_ID) == 0  # idempotent
    listed: dict[str, dict[str, Any]] = {}
    token = ""
    while True:
        page = box.search({}, page_size=100, page_token=token)
        assert page["total_count"] == 500
        listed.update({p["id"]: p for p in page["products"]})
        token = page["next_page_token"]
        if not token:
            break
    assert len(listed) == 500
    assert {p["status"] for p in listed.values()} == {"ACTIVATE"}
    # LiPo batteries' leaf is not in the Tokopedia tree, so those listings are on TikTok only.
    assert {s["status"] for p in listed.values() for s in p.get("integrated_platform_statuses", [])} == {"ACTIVATE"}
    batteries = {sku for p in tiktok if p.category == "battery" for sku in ([v.sku for v in p.variants] or [p.sku])}
    tiktok_only = {s["seller_sku"] for p in listed.values() if p["listing_platforms"] == ["TIKTOK_SHOP"]
                   for s in p["skus"]}
    assert batteries and tiktok_only == batteries
    expected = sorted(v.sku for p in tiktok for v in p.variants) + sorted(p.sku for p in tiktok if not p.variants)
    assert sorted(s["seller_sku"] for p in listed.values() for s in p["skus"]) == sorted(expected)

    with_variants = next(p for p in tiktok if len(p.variants) >= 2 and p.variants[0].price and p.category != "battery")
    hit = box.search({"seller_skus": [with_variants.variants[0].sku]})["products"][0]
    product = box.get(hit["id"])
    assert product["title"] == with_variants.title and product["listing_platforms"] == ["TIKTOK_SHOP", "TOKOPEDIA"]
    assert [s["price"]["amount"] for s in product["skus"]] == [str(v.price) for v in with_variants.variants]
    assert [a["name"] for a in product["skus"][0]["sales_attributes"]] == [t.name for t in with_variants.tiers]
    image = box.http.get(urlsplit(product["main_images"][0]["urls"][0]).path)
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"

    known = set(expected)
    assert box.products.audit(known)["unknown_skus"] == []
    box.products.edit_listing(hit["id"], price=123_000, seller_sku="ROGUE-1", sku_id=product["skus"][0]["id"])
    assert box.get(hit["id"])["skus"][0]["price"]["amount"] == "123000"
    report = box.products.audit(known)
    assert [u["seller_sku"] for u in report["unknown_skus"]] == ["ROGUE-1"]
    other = next(p for p in tiktok if p is not with_variants and not p.variants)
    other_id = box.search({"seller_skus": [other.sku]})["products"][0]["id"]
    box.products.edit_listing(hit["id"], seller_sku=other.sku, sku_id=product["skus"][0]["id"])
    assert box.products.audit(known)["duplicate_seller_skus"] == {other.sku: sorted([hit["id"], other_id])}


def test_deactivate_activate_delete_and_recover(make_box: BoxFactory) -> None:
    box = make_box(audit_delay=10)
    uris = [box.image("life")]
    pid = box.create(product_body(uris))["product_id"]
    box.clock.now += 10
    both = {"product_ids": [pid], "listing_platforms": ["TIKTOK_SHOP", "TOKOPEDIA"]}
    assert box.ok("POST", "/product/202309/products/deactivate", both) == {"errors": []}
    product = box.get(pid)
    assert product["status"] == "SELLER_DEACTIVATED"
    assert product["integrated_platform_statuses"][0]["status"] == "SELLER_DEACTIVATED"
    box.ok("POST", "/product/202309/products/activate", both)
    assert box.get(pid)["status"] == "PENDING"
    box.clock.now += 10
    assert box.get(pid)["integrated_platform_statuses"][0]["status"] == "ACTIVATE"

    missing = "1731000000000099999"
    answer = box.call("DELETE", "/product/202309/products", {"product_ids": [pid, missing]}).json()
    assert answer["code"] == 0
    assert [(e["code"], e["detail"]["product_id"]) for e in answer["data"]["errors"]] == [(12052032, missing)]
    gone = box.call("GET", f"/product/202309/products/{pid}").json()
    assert (gone["code"], gone["data"]) == (12052032, None)
    assert box.search({})["total_count"] == 0 and box.search({"status": "DELETED"})["total_count"] == 1
    again = box.ok("DELETE", "/product/202309/products", {"product_ids": [pid]})
    assert again["errors"][0]["code"] == 12052032
    box.ok("POST", "/product/202309/products/recover", {"product_ids": [pid]})
    assert box.get(pid)["status"] == "SELLER_DEACTIVATED"
    too_many = box.call("POST", "/product/202309/products/deactivate", {"product_ids": [pid] * 21})
    assert too_many.json()["code"] == 36009004


def test_seller_centre_page_and_its_json_twin(box: Box) -> None:
    created = box.create(product_body([box.image("page")]))
    page = box.http.get(f"/sandbox/tiktok/products/{created['product_id']}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    text = page.text
    assert "Racing Frame 5 Inch Carbon - Ringan &amp; Kuat untuk FPV" in text
    assert "Rp 180.000" in text and "Warna: Biru" in text and "/tiktok/img/" in text
    assert '<b class=status>ACTIVATE</b>' in text and '<b class=tokopedia>ACTIVATE</b>' in text
    twin = box.http.get(f"/sandbox/tiktok/products/{created['product_id']}.json").json()
    assert twin["id"] == created["product_id"] and len(twin["skus"]) == 3
    assert box.http.get("/sandbox/tiktok/products/1.json").status_code == 404


def test_listings_survive_a_restart(make_box: BoxFactory, tmp_path: Path) -> None:
    path = tmp_path / "tiktok_listings.db"
    clock = Clock()
    first = make_box(clock=clock, state_path=path, dedup=True)
    uri = first.image("persist")
    created = first.create(product_body([uri], idempotency_key="persist-key"))
    before = first.get(created["product_id"])
    first.products.state.close()

    second = make_box(clock=clock, state_path=path, dedup=True)
    after = second.get(created["product_id"])
    # Image URLs name the sandbox's address, which is a new port after the restart.
    assert json.dumps(after).replace(str(second.http.base_url), "") == json.dumps(before).replace(
        str(first.http.base_url), "")
    assert second.image("persist") == uri
    assert second.create(product_body([uri], idempotency_key="persist-key")) == created
    fresh = second.create(product_body([uri], prefix="NEW"))
    assert int(fresh["product_id"]) > max(int(s["id"]) for s in created["skus"])  # ids keep counting
