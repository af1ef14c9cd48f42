"""The TikTok sandbox is as strict as the live API about v2 categories, attributes, certifications and Tokopedia.

Each test shows that what a lenient sandbox used to let through (no category_version, a v1 id, a parent
category, no product attributes, TOKOPEDIA anywhere, an Edit that forgets certifications) is refused or
visibly lost now. Codes and sources: syncstore_cli/sandbox/tiktok_products.py module docstring.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import test_sandbox_tiktok_products as base
from test_sandbox_tiktok_products import FRAME_CATEGORY, Box, BoxFactory, Clock, product_body

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.sandbox.generator import generate_catalog
from syncstore_cli.sandbox.images import render_png

make_box = base.make_box
box = base.box

BATTERY, VTX, FPV_SYSTEMS, CAMERA = "7100151", "7100132", "7100130", "7100131"
DANGEROUS_GOODS, ORIGIN, CHEMISTRY, CONNECTOR, WARRANTY = "101610", "100336", "101611", "100512", "100347"
NONE, LITHIUM, CHINA, LIPO = "1024357", "1024358", "1000941", "1024401"
SDPPI = "602371"


def _code(box: Box, method: str, path: str, body: Any = None, **query: str) -> int:
    return int(box.call(method, path, body, **query).json()["code"])


def _categories(box: Box, **query: str) -> dict[str, dict[str, Any]]:
    return {cat["id"]: cat for cat in box.ok("GET", "/product/202309/categories", **query)["categories"]}


def _vtx_body(box: Box, **overrides: Any) -> dict[str, Any]:
    body = product_body([box.image("vtx")], colours=("Merah",), category_id=VTX, title="VTX FPV Analog 1W 72CH SMA "
                        "untuk Drone FPV Long Range", listing_platforms=["TIKTOK_SHOP", "TOKOPEDIA"])
    body["product_attributes"] = [{"id": DANGEROUS_GOODS, "values": [{"id": NONE}]},
                                  {"id": ORIGIN, "values": [{"id": CHINA}]},
                                  {"id": WARRANTY, "values": [{"id": "1002104"}]}]
    body.update(overrides)
    return body


def test_category_calls_need_v2_and_the_tokopedia_tree_is_a_subset(box: Box) -> None:
    assert _code(box, "GET", "/product/202309/categories") == 12052217  # no version means v1
    assert _code(box, "GET", "/product/202309/categories", category_version="v1") == 12052217
    tiktok = _categories(box, category_version="v2")
    assert tiktok["7100000"]["parent_id"] == "0" and tiktok[FPV_SYSTEMS]["is_leaf"] is False
    assert tiktok[BATTERY]["is_leaf"] is True and "912008" not in tiktok
    tokopedia = _categories(box, category_version="v2", listing_platform="TOKOPEDIA")
    assert FRAME_CATEGORY in tokopedia and BATTERY not in tokopedia and set(tokopedia) < set(tiktok)
    attributes = f"/product/202309/categories/{FRAME_CATEGORY}/attributes"
    assert _code(box, "GET", attributes) == 12052217
    assert _code(box, "GET", "/product/202309/categories/912008/attributes", category_version="v2") == 12052230
    assert _code(box, "GET", f"/product/202309/categories/{FPV_SYSTEMS}/rules", category_version="v2") == 12052024
    assert _code(box, "GET", "/product/202309/brands", page_size="5", category_id=FRAME_CATEGORY) == 12052217
    assert box.ok("GET", "/product/202309/brands", page_size="5", category_id=FRAME_CATEGORY,
                  category_version="v2")["brands"]


def test_get_attributes_lists_the_required_and_conditional_product_attributes(box: Box) -> None:
    listed = box.ok("GET", f"/product/202309/categories/{BATTERY}/attributes", category_version="v2")["attributes"]
    by_id = {a["id"]: a for a in listed}
    assert by_id[DANGEROUS_GOODS]["is_requried"] is True and by_id[DANGEROUS_GOODS]["type"] == "PRODUCT_PROPERTY"
    assert by_id[DANGEROUS_GOODS]["is_customizable"] is False
    assert {"id": LITHIUM, "name": "Mengandung Baterai Litium"} in by_id[DANGEROUS_GOODS]["values"]
    assert by_id[CHEMISTRY]["is_requried"] is False and by_id[CHEMISTRY]["requirement_conditions"] == [
        {"condition_type": "VALUE_ID_MATCH", "attribute_id": DANGEROUS_GOODS, "attribute_value_id": LITHIUM}]
    assert any(a["type"] == "SALES_PROPERTY" and a["name"] == "Cell" for a in listed)


def test_product_attributes_are_checked_against_the_category(box: Box) -> None:
    uris = [box.image("attr")]

    def create(attributes: list[dict[str, Any]], **overrides: Any) -> int:
        body = product_body(uris, product_attributes=attributes, **overrides)
        return int(box.call("POST", "/product/202309/products", body).json()["code"])

    origin = {"id": ORIGIN, "values": [{"id": CHINA}]}
    assert create([origin]) == 12052104  # Dangerous Goods is required
    assert create([origin, {"id": DANGEROUS_GOODS, "values": [{"name": "Aman"}]}]) == 12052247
    assert create([origin, {"id": DANGEROUS_GOODS, "values": [{"id": "999"}]}]) == 12052529
    assert create([origin, {"id": DANGEROUS_GOODS, "values": [{"id": NONE}, {"id": LITHIUM}]}]) == 12052246
    assert create([origin, {"id": "424242", "values": [{"name": "x"}]}]) == 12052240
    lithium = [origin, {"id": DANGEROUS_GOODS, "values": [{"id": LITHIUM}]},
               {"id": WARRANTY, "values": [{"id": "1002102"}]}]
    battery = {"category_id": BATTERY, "listing_platforms": ["TIKTOK_SHOP"]}
    assert create(lithium, **battery) == 12052182  # a lithium battery must say which chemistry
    assert create([*lithium, {"id": CHEMISTRY, "values": [{"id": LIPO}]}], **battery) == 0

    # A custom value where the attribute allows one gets an id, reads back, and is accepted on Edit by that id.
    material = {"id": "100198", "values": [{"id": "1001981"}, {"name": "Serat Karbon Toray T700"}]}
    created = box.create(product_body(uris, prefix="FRM-T700", product_attributes=[*base.FRAME_ATTRIBUTES, material]))
    product = box.get(created["product_id"])
    read = next(a for a in product["product_attributes"] if a["id"] == "100198")
    assert [v["name"] for v in read["values"]] == ["Serat Karbon", "Serat Karbon Toray T700"]
    assert all(v["id"] for v in read["values"])
    again = product_body(uris, prefix="FRM-T700", product_attributes=product["product_attributes"])
    for sku, sent in zip(again["skus"], product["skus"], strict=True):
        sku["id"] = sent["id"]
    box.ok("PUT", f"/product/202309/products/{created['product_id']}", again)
    assert box.get(created["product_id"])["product_attributes"] == product["product_attributes"]


def test_v1_ids_parents_and_a_missing_version_are_refused_on_edit_too(box: Box) -> None:
    created = box.create(product_body([box.image("v1")]))
    path = f"/product/202309/products/{created['product_id']}"
    assert _code(box, "PUT", path, product_body([box.image("v1")], category_id="912008")) == 12052230
    assert _code(box, "POST", f"{path}/partial_edit", {"category_id": "912008"}) == 12052230
    assert _code(box, "POST", f"{path}/partial_edit", {"category_id": "7100120"}) == 12052024
    no_version = product_body([box.image("v1")])
    no_version.pop("category_version")
    assert _code(box, "PUT", path, no_version) == 12052217
    no_attributes = product_body([box.image("v1")])
    no_attributes.pop("product_attributes")
    assert _code(box, "PUT", path, no_attributes) == 12052104  # Edit overwrites: omitted attributes are missing


def test_tokopedia_needs_a_linked_shop_and_a_category_in_its_tree(make_box: BoxFactory) -> None:
    box = make_box()
    battery_attrs = [{"id": ORIGIN, "values": [{"id": CHINA}]}, {"id": DANGEROUS_GOODS, "values": [{"id": LITHIUM}]},
                     {"id": WARRANTY, "values": [{"id": "1002102"}]}, {"id": CHEMISTRY, "values": [{"id": LIPO}]}]
    battery = product_body([box.image("toko")], category_id=BATTERY, product_attributes=battery_attrs)
    assert _code(box, "POST", "/product/202309/products", battery) == 12052358
    made = box.create({**battery, "listing_platforms": ["TIKTOK_SHOP"]})
    activate = {"product_ids": [made["product_id"]], "listing_platforms": ["TOKOPEDIA"]}
    assert box.ok("POST", "/product/202309/products/activate", activate)["errors"][0]["code"] == 12052358
    # A frame may go to Tokopedia, but moving the product there from a frame to a battery may not.
    frame = box.create(product_body([box.image("toko")], prefix="FRM-TOKO"))
    partial = f"/product/202309/products/{frame['product_id']}/partial_edit"
    assert _code(box, "POST", partial, {"category_id": BATTERY, "product_attributes": battery_attrs}) == 12052358

    unlinked = make_box(tiktok_tokopedia_linked=False)
    assert _code(unlinked, "POST", "/product/202309/products", product_body([unlinked.image("u")])) == 12052994
    assert _code(unlinked, "GET", "/product/202309/categories", category_version="v2",
                 listing_platform="TOKOPEDIA") == 12052994
    assert unlinked.create(product_body([unlinked.image("u")], listing_platforms=["TIKTOK_SHOP"]))["product_id"]


def test_a_required_certification_blocks_the_listing_until_sent(make_box: BoxFactory) -> None:
    box = make_box(tiktok_certification_required_category=VTX)
    rules = box.ok("GET", f"/product/202309/categories/{VTX}/rules", category_version="v2")
    assert [(c["id"], c["is_required"], c["expiration_date"]) for c in rules["product_certifications"]] == [
        (SDPPI, True, {"is_required": True})]
    assert _code(box, "POST", "/product/202309/products", _vtx_body(box)) == 12052105
    cert_image = box.upload(render_png("sdppi", 600), "CERTIFICATION_IMAGE").json()["data"]["uri"]
    expires = int(box.clock.now) + 365 * 86_400
    certificate = {"id": SDPPI, "images": [{"uri": cert_image}], "expiration_date": expires}
    assert _code(box, "POST", "/product/202309/products",
                 _vtx_body(box, certifications=[{**certificate, "expiration_date": 1}])) == 12052385
    assert _code(box, "POST", "/product/202309/products",
                 _vtx_body(box, certifications=[{**certificate, "id": "1"}])) == 12052655
    created = box.create(_vtx_body(box, certifications=[certificate]))
    shown = box.get(created["product_id"])["certifications"]
    assert [(c["id"], c["title"], c["expiration_date"], [i["uri"] for i in c["images"]]) for c in shown] == [
        (SDPPI, "Sertifikat SDPPI (Postel)", expires, [cert_image])]
    optional = make_box()
    assert optional.create(_vtx_body(optional))["product_id"]  # optional when the switch is off


def test_edit_is_a_full_overwrite_and_partial_edit_keeps_what_it_is_not_sent(box: Box) -> None:
    cert_image = box.upload(render_png("sdppi", 600), "CERTIFICATION_IMAGE").json()["data"]["uri"]
    certificate = {"id": SDPPI, "images": [{"uri": cert_image}], "expiration_date": int(box.clock.now) + 86_400 * 9}
    created = box.create(_vtx_body(box, certifications=[certificate], delivery_option_ids=["7129734561278953217"],
                                   is_cod_allowed=True))
    pid = created["product_id"]
    product = box.get(pid)
    assert product["delivery_options"] == [{"id": "7129734561278953217", "name": "Reguler", "is_available": True}]
    box.ok("POST", f"/product/202309/products/{pid}/partial_edit", {"title": "VTX FPV Analog 1W 72CH SMA Long Range"})
    kept = box.get(pid)
    assert kept["certifications"] == product["certifications"] and kept["delivery_options"]

    forgetful = _vtx_body(box)  # what a client that does not read them back would send
    for sku, sent in zip(forgetful["skus"], product["skus"], strict=True):
        sku["id"] = sent["id"]
    box.ok("PUT", f"/product/202309/products/{pid}", forgetful)
    after = box.get(pid)
    assert "certifications" not in after and "delivery_options" not in after and "is_cod_allowed" not in after


def test_seeded_listings_carry_certifications_size_charts_and_delivery_options(box: Box) -> None:
    catalog = generate_catalog(image_base_url=str(box.http.base_url).rstrip("/"))
    box.products.seed_from_catalog(catalog.products, base.SHOP_ID)
    by_category: dict[str, Product] = {}
    for p in catalog.products:
        if p.origin == Platform.TIKTOK and not p.variants:
            by_category.setdefault(p.category, p)
    views = {key: box.get(box.search({"seller_skus": [p.sku]})["products"][0]["id"])
             for key, p in by_category.items() if key in ("frame", "vtx", "battery")}
    assert views["vtx"]["certifications"][0]["id"] == SDPPI
    size_chart = views["frame"]["size_chart"]["image"]
    assert box.http.get(urlsplit(size_chart["urls"][0]).path).status_code == 200
    assert [o["name"] for o in views["battery"]["delivery_options"]] == ["Hemat Kargo (Darat)"]
    dangerous = {a["id"]: a["values"][0]["id"] for a in views["battery"]["product_attributes"]}
    assert dangerous[DANGEROUS_GOODS] == LITHIUM and CHEMISTRY in dangerous


def test_recommend_category_answers_one_leaf_with_its_chain(box: Box) -> None:
    path = "/product/202309/categories/recommend"
    body = {"product_title": "Charger LiPo ToolkitRC M6 150W 6A 1-6S Balance Charger", "category_version": "v2"}
    answer = box.ok("POST", path, body)
    assert answer["leaf_category_id"] == "7100152"
    assert [(c["id"], c["level"], c["is_leaf"]) for c in answer["categories"]] == [
        ("7100000", 1, False), ("7100100", 2, False), ("7100150", 3, False), ("7100152", 4, True)]
    assert _code(box, "POST", path, {"product_title": body["product_title"]}) == 12052217
    lipo = {"product_title": "Baterai LiPo Tattu R-Line V5 4S 1300mAh 120C XT60", "category_version": "v2"}
    assert box.ok("POST", path, lipo)["leaf_category_id"] == BATTERY
    # Tokopedia's tree has no battery leaf, so its best match there is something else, or nothing.
    toko = box.call("POST", path, {**lipo, "listing_platform": "TOKOPEDIA"}).json()
    assert toko["code"] == 12019064 or toko["data"]["leaf_category_id"] != BATTERY
    assert _code(box, "POST", path, {"product_title": "Sesuatu yang tidak jelas sama sekali", "category_version":
                                     "v2"}) == 12019064


def test_a_removed_category_is_gone_for_every_sandbox_over_the_same_state(make_box: BoxFactory,
                                                                         tmp_path: Path) -> None:
    path, clock = tmp_path / "tiktok_listings.db", Clock()
    first = make_box(clock=clock, state_path=path)
    second = make_box(clock=clock, state_path=path)  # a separately served sandbox over the same state
    camera_attrs = [{"id": DANGEROUS_GOODS, "values": [{"id": NONE}]}, {"id": ORIGIN, "values": [{"id": CHINA}]},
                    {"id": WARRANTY, "values": [{"id": "1002104"}]}]
    made = first.create(product_body([first.image("cam")], category_id=CAMERA, product_attributes=camera_attrs,
                                     title="Kamera FPV RunCam Nano 4 1500TVL Starlight Micro 19mm"))
    first.products.remove_category(FPV_SYSTEMS)
    listed = _categories(second, category_version="v2")
    assert FPV_SYSTEMS not in listed and CAMERA not in listed and VTX not in listed and FRAME_CATEGORY in listed
    assert _code(second, "GET", f"/product/202309/categories/{CAMERA}/attributes", category_version="v2") == 12052023
    partial = f"/product/202309/products/{made['product_id']}/partial_edit"
    assert _code(second, "POST", partial, {"title": "Kamera FPV RunCam Nano 4 1500TVL Starlight 19mm"}) == 12052023
    assert second.get(made["product_id"])["category_chains"][-1]["id"] == CAMERA  # the product still says where
