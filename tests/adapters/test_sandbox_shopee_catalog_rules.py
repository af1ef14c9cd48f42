"""The sandbox Shopee's category tree and the catalog rules add_item / update_item enforce, over HTTP.

Each refusal here is something a client that ignores the marketplace's look-ups (the category tree,
get_attribute_tree, get_brand_list, get_item_limit, get_channel_list) would meet on the live API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox import taxonomy_shopee as tx
from syncstore_cli.sandbox.app import build_sandbox
from syncstore_cli.sandbox.generator import generate_catalog
from tests.adapters.test_sandbox_shopee_products import (
    MADE_IN_CHINA,
    PARTS_CATEGORY,
    SHOP,
    Box,
    Clock,
    _add,
    _base_info,
    _images,
    _item,
    open_box,
)

DRONES = 100_705
BATTERIES = 100_043
TOOLS = 101_191  # Home & Living > Tools & Home Improvement > Tools: a parent, not a leaf
DRONE_ATTRIBUTES = [
    {"attribute_id": 100_010, "attribute_value_list": [{"value_id": 1}]},  # Negara Asal: China
    {"attribute_id": 100_037, "attribute_value_list": [{"value_id": 5}]},  # Masa Garansi: 1 Tahun
]
EAN13 = "8992761111113"  # check digit 3


@pytest.fixture
def box() -> Iterator[Box]:
    running = open_box(Clock())
    yield running
    running.close()


def _drone(box: Box, images: list[str], **changes: Any) -> dict[str, Any]:
    brands = box.get("/api/v2/product/get_brand_list", offset=0, page_size=100, category_id=DRONES,
                     status=1)["response"]["brand_list"]
    iflight = next(b for b in brands if b["original_brand_name"] == "iFlight")
    body = {
        "item_name": "Drone FPV Nazgul5 V3 5 Inch 6S Walksnail HD BNF ELRS iFlight", "category_id": DRONES,
        "brand": {"brand_id": iflight["brand_id"], "original_brand_name": "iFlight"},
        "attribute_list": DRONE_ATTRIBUTES, "gtin_code": "00", "item_sku": "DRN-NAZGUL5", "weight": 0.9,
    }
    body.update(changes)
    return _item(images, **body)


def _error(box: Box, path: str, body: dict[str, Any]) -> tuple[str, str]:
    answer = box.post(path, body)
    return answer["error"], answer["message"]


# -- the tree ---------------------------------------------------------------------------------


def test_get_category_serves_a_tree_of_real_shopee_ids(box: Box) -> None:
    categories = box.get("/api/v2/product/get_category", language="id")["response"]["category_list"]
    by_id = {cat["category_id"]: cat for cat in categories}
    for cat in categories:
        parent = cat["parent_category_id"]
        assert parent == 0 or by_id[parent]["has_children"] is True
    assert by_id[DRONES]["original_category_name"] == "Drones" and by_id[DRONES]["parent_category_id"] == 100_635
    assert by_id[100_706]["display_category_name"] == "Aksesoris Drone"
    assert [by_id[i]["parent_category_id"] for i in (101_407, 100_739, 100_639)] == [100_739, 100_639, 0]
    assert by_id[TOOLS]["has_children"] is True and by_id[BATTERIES]["has_children"] is False
    english = box.get("/api/v2/product/get_category")["response"]["category_list"]
    assert {c["display_category_name"] for c in english if c["category_id"] == 100_706} == {"Drone Accessories"}
    assert box.get("/api/v2/product/get_category", language="fr")["error"] == "product.error_invalid_language"


def test_every_master_category_seeds_into_a_leaf_with_defaults_for_its_mandatory_attributes() -> None:
    from syncstore_cli.domain.catalog import CATEGORIES

    assert set(tx.SEED_LEAF) == set(CATEGORIES)
    for leaf in tx.SEED_LEAF.values():
        assert leaf in tx.LEAF_IDS
        for attribute in tx.rules_for(leaf).mandatory:
            assert attribute.value(tx.SEED_VALUES[attribute.attribute_id]) is not None


def test_category_recommend_puts_the_masters_leaf_first_for_the_catalogs_titles() -> None:
    live = tx.live_nodes(set())
    tools = {leaf for leaf in tx.LEAF_IDS if tx.NODES[leaf].parent_id == TOOLS}
    misses = [(p.category, p.title) for p in generate_catalog().products if len(p.title) >= 20
              and (tx.recommend(p.title, live)[:1] or [0])[0] not in (tools if p.category == "tool"
                                                                      else {tx.SEED_LEAF[p.category]})]
    assert misses == []


def test_category_recommend_over_http(box: Box) -> None:
    answer = box.get("/api/v2/product/category_recommend", item_name="Baterai LiPo Tattu R-Line V5 4S 100C XT60")
    assert answer["error"] == "" and answer["response"]["category_id"][0] == BATTERIES
    radio = box.get("/api/v2/product/category_recommend", item_name="RadioMaster MT12 Radio Controller ELRS")
    assert radio["response"]["category_id"][0] == 101_407
    assert box.get("/api/v2/product/category_recommend")["error"] == "product.error_param"
    cover = box.get("/api/v2/product/category_recommend", item_name="Frame FPV 5 Inch", product_cover_image="nope")
    assert cover["error"] == "product.error_image_unavailable"
    image = _images(box, 1)[0]
    with_cover = box.get("/api/v2/product/category_recommend", item_name="Frame FPV 5 Inch", product_cover_image=image)
    assert with_cover["response"]["category_id"][0] == PARTS_CATEGORY


def test_get_attribute_tree_marks_mandatory_attributes_and_refuses_non_leaves(box: Box) -> None:
    answer = box.get("/api/v2/product/get_attribute_tree", category_id_list=f"{DRONES},{BATTERIES}", language="id")
    drones, batteries = answer["response"]["list"]
    mandatory = {a["attribute_id"]: a for a in drones["attribute_tree"] if a["mandatory"]}
    assert set(mandatory) == {100_010, 100_037}
    assert mandatory[100_010]["name"] == "Negara Asal" and mandatory[100_010]["attribute_info"]["input_type"] == 1
    assert mandatory[100_037]["attribute_info"]["input_type"] == 2  # combo box: custom values allowed
    assert {a["attribute_id"] for a in batteries["attribute_tree"] if a["mandatory"]} == {100_010, 100_210}
    for bad in (TOOLS, 100_635, 123):
        refused = box.get("/api/v2/product/get_attribute_tree", category_id_list=str(bad))
        assert refused["error"] == "product.error_invalid_category" and str(bad) in refused["message"]


def test_brand_and_gtin_rules_per_category(box: Box) -> None:
    def brand_mandatory(category: int) -> bool:
        return bool(box.get("/api/v2/product/get_brand_list", offset=0, page_size=1, category_id=category,
                            status=1)["response"]["is_mandatory"])

    assert brand_mandatory(DRONES) and brand_mandatory(101_407) and not brand_mandatory(PARTS_CATEGORY)
    assert box.get("/api/v2/product/get_item_limit", category_id=DRONES)["gtin_limit"] == {
        "gtin_validation_rule": "Flexible"}
    assert box.get("/api/v2/product/get_item_limit", category_id=PARTS_CATEGORY)["gtin_limit"] == {
        "gtin_validation_rule": "Optional"}
    assert box.get("/api/v2/product/get_item_limit", category_id=TOOLS)["error"] == "product.error_param"


# -- add_item / update_item ------------------------------------------------------------------


def test_the_old_clients_add_item_is_refused(box: Box) -> None:
    images = _images(box, 1)
    add = "/api/v2/product/add_item"
    assert _error(box, add, _item(images, attribute_list=None)) == (
        "product.error_less_required_attribute", "Mandatory attribute information required")
    assert _error(box, add, _item(images, category_id=TOOLS))[0] == "product.error_invalid_category"
    assert _error(box, add, _drone(box, images, brand=None)) == (
        "product.error_less_required_brand", "Brand information required")
    no_brand = {"brand_id": 0, "original_brand_name": "No Brand"}
    assert _error(box, add, _drone(box, images, brand=no_brand))[0] == "product.error_less_required_brand"
    assert _error(box, add, _drone(box, images, attribute_list=MADE_IN_CHINA))[0] == (
        "product.error_less_required_attribute")
    assert _error(box, add, _drone(box, images, gtin_code=None)) == (
        "product.error_busi", "The GTIN code is mandatory, please check and upload again.")
    assert _error(box, add, _drone(box, images, gtin_code="8992761111112"))[0] == "product.error_param_validate"
    listed = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status="NORMAL")
    assert listed["response"]["total_count"] == 0
    assert _add(box, _drone(box, images, gtin_code=EAN13)) and _add(box, _drone(box, images, item_sku="DRN-2"))


@pytest.mark.parametrize(("value", "code"), [
    ({"value_id": 99}, "product.error_invalid_attribute_value"),  # not a listed value
    ({"value_id": 0, "original_value_name": "Mars"}, "product.error_invalid_attribute_value"),  # drop-down
    ({"value_id": 0}, "product.error_value_name_required"),
])
def test_a_drop_down_takes_listed_values_only(box: Box, value: dict[str, Any], code: str) -> None:
    attributes = [{"attribute_id": 100_010, "attribute_value_list": [value]}]
    assert _error(box, "/api/v2/product/add_item", _item(_images(box, 1), attribute_list=attributes))[0] == code


def test_attribute_values_by_input_type_and_their_read_back(box: Box) -> None:
    images = _images(box, 1)
    flight_time = {"attribute_id": 100_201, "attribute_value_list": [
        {"value_id": 0, "original_value_name": "7", "value_unit": "menit"}]}
    custom_warranty = {"attribute_id": 100_037, "attribute_value_list": [
        {"value_id": 0, "original_value_name": "18 Bulan"}]}
    features = {"attribute_id": 100_200, "attribute_value_list": [{"value_id": 301}, {"value_id": 305}]}
    item_id = _add(box, _drone(box, images, attribute_list=[DRONE_ATTRIBUTES[0], custom_warranty, flight_time,
                                                             features]))
    (info,) = _base_info(box, item_id)
    saved = {a["attribute_id"]: a for a in info["attribute_list"]}
    assert saved[100_037] == {"attribute_id": 100_037, "original_attribute_name": "Masa Garansi", "is_mandatory": True,
                              "attribute_value_list": [{"value_id": 0, "original_value_name": "18 Bulan",
                                                        "value_unit": ""}]}
    assert saved[100_201]["attribute_value_list"] == [{"value_id": 0, "original_value_name": "7",
                                                       "value_unit": "menit"}]
    assert [v["original_value_name"] for v in saved[100_200]["attribute_value_list"]] == [
        "Kamera HD", "Bind-N-Fly (BNF)"]
    add = "/api/v2/product/add_item"
    for bad, code in (
        ({"value_id": 3, "original_value_name": "7"}, "product.error_value_id_must_equal_zero"),
        ({"value_id": 0, "original_value_name": "tujuh", "value_unit": "menit"},
         "product.error_invalid_attribute_value"),
        ({"value_id": 0, "original_value_name": "7", "value_unit": "jam"}, "product.error_invalid_attribute_value"),
    ):
        attributes = [*DRONE_ATTRIBUTES, {"attribute_id": 100_201, "attribute_value_list": [bad]}]
        assert _error(box, add, _drone(box, images, attribute_list=attributes))[0] == code
    two_countries = [{"attribute_id": 100_010, "attribute_value_list": [{"value_id": 1}, {"value_id": 2}]}]
    assert _error(box, add, _item(images, attribute_list=two_countries))[0] == "product.error_invalid_attribute_value"


def test_update_item_moving_category_must_meet_the_new_categorys_rules(box: Box) -> None:
    images = _images(box, 1)
    item_id = _add(box, _item(images))
    update = "/api/v2/product/update_item"
    assert _error(box, update, {"item_id": item_id, "category_id": BATTERIES})[0] == (
        "product.error_less_required_attribute")
    assert _error(box, update, {"item_id": item_id, "category_id": DRONES, "attribute_list": DRONE_ATTRIBUTES,
                                "gtin_code": "00"})[0] == "product.error_less_required_brand"
    assert _error(box, update, {"item_id": item_id, "attribute_list": []})[0] == "product.error_less_required_attribute"
    assert _error(box, update, {"item_id": item_id, "category_id": TOOLS})[0] == "product.error_invalid_category"
    battery_type = {"attribute_id": 100_210, "attribute_value_list": [{"value_id": 501}]}
    moved = box.post(update, {"item_id": item_id, "category_id": BATTERIES,
                              "attribute_list": [*MADE_IN_CHINA, battery_type]})
    assert moved["error"] == "", moved
    (info,) = _base_info(box, item_id)
    assert info["category_id"] == BATTERIES
    assert [(a["attribute_id"], a["is_mandatory"]) for a in info["attribute_list"]] == [(100_010, True),
                                                                                        (100_210, True)]


def test_search_item_finds_items_lacking_attributes(box: Box) -> None:
    images = _images(box, 1)
    complete = _add(box, _item(images, item_sku="A-1"))
    lacking = _add(box, _item(images, item_sku="A-2"))
    item = box.state.item(lacking)
    assert item is not None
    box.state.save_item(replace(item, extra={**item.extra, "attribute_list": []}))  # e.g. an old listing

    def search(status: int) -> list[int]:
        found: list[int] = box.get("/api/v2/product/search_item", page_size=10,
                                   attribute_status=status)["response"]["item_id_list"]
        return found

    assert search(1) == [lacking]
    assert search(2) == [complete, lacking]  # neither has the optional warranty attributes


# -- logistics -------------------------------------------------------------------------------


def test_channels_of_each_fee_type_and_what_logistic_info_needs_for_them(box: Box) -> None:
    channels = box.get("/api/v2/logistics/get_channel_list")["response"]["logistics_channel_list"]
    enabled = {ch["fee_type"]: ch for ch in channels if ch["enabled"]}
    assert set(enabled) == {"SIZE_INPUT", "SIZE_SELECTION", "CUSTOM_PRICE", "FIXED_DEFAULT_PRICE"}
    sized, custom = enabled["SIZE_SELECTION"], enabled["CUSTOM_PRICE"]
    assert [s["size_id"] for s in sized["size_list"]] == ["1", "2", "3"]
    images = _images(box, 1)
    add = "/api/v2/product/add_item"
    every_enabled = [{"logistic_id": ch["logistics_channel_id"], "enabled": True} for ch in channels if ch["enabled"]]
    assert _error(box, add, _item(images, logistic_info=every_enabled))[0] == "product.error_invalid_logistic_info"
    for entry in ({"logistic_id": sized["logistics_channel_id"], "enabled": True},
                  {"logistic_id": sized["logistics_channel_id"], "enabled": True, "size_id": 9},
                  {"logistic_id": custom["logistics_channel_id"], "enabled": True},
                  {"logistic_id": custom["logistics_channel_id"], "enabled": True, "shipping_fee": -1}):
        code, message = _error(box, add, _item(images, logistic_info=[entry]))
        assert code == "product.error_invalid_logistic_info" and message.startswith("invalid logistic info , ")
    fixed = enabled["FIXED_DEFAULT_PRICE"]["logistics_channel_id"]
    item_id = _add(box, _item(images, logistic_info=[
        {"logistic_id": sized["logistics_channel_id"], "enabled": True, "size_id": 2},
        {"logistic_id": custom["logistics_channel_id"], "enabled": True, "shipping_fee": 20_000},
        {"logistic_id": fixed, "enabled": True}]))
    (info,) = _base_info(box, item_id)
    assert [(e["logistic_id"], e.get("size_id"), e.get("shipping_fee")) for e in info["logistic_info"]] == [
        (sized["logistics_channel_id"], 2, None), (custom["logistics_channel_id"], None, 20_000), (fixed, None, None)]
    refused = box.post("/api/v2/product/update_item", {"item_id": item_id, "logistic_info": [
        {"logistic_id": sized["logistics_channel_id"], "enabled": True}]})
    assert refused["error"] == "product.error_invalid_logistic_info"


# -- a category retired by the marketplace ----------------------------------------------------


def test_remove_category_is_seen_by_every_server_over_the_same_state(tmp_path: Path) -> None:
    clock = Clock()
    sandbox = build_sandbox(c.SandboxConfig(clock=clock), tmp_path)
    try:
        sandbox.remove_category("shopee", str(PARTS_CATEGORY))
        with pytest.raises(ValueError):
            sandbox.remove_category("shopee", str(TOOLS))
        with pytest.raises(ValueError):
            sandbox.remove_category("lazada", str(PARTS_CATEGORY))
    finally:
        sandbox.close()
    box = open_box(clock, tmp_path)
    try:
        listed = {cat["category_id"] for cat in box.get("/api/v2/product/get_category")["response"]["category_list"]}
        assert PARTS_CATEGORY not in listed and DRONES in listed
        code, message = _error(box, "/api/v2/product/add_item", _item(_images(box, 1)))
        assert (code, str(PARTS_CATEGORY) in message) == ("product.error_invalid_category", True)
        tree = box.get("/api/v2/product/get_attribute_tree", category_id_list=str(PARTS_CATEGORY))
        assert tree["error"] == "product.error_invalid_category"
        suggested = box.get("/api/v2/product/category_recommend", item_name="Frame FPV 5 Inch Carbon")
        assert PARTS_CATEGORY not in suggested["response"]["category_id"]
    finally:
        box.close()


def test_removing_every_leaf_under_a_parent_removes_the_parent_too() -> None:
    wearables = [leaf for leaf in tx.LEAF_IDS if tx.NODES[leaf].parent_id == 100_074]
    live = tx.live_nodes(set(wearables))
    assert 100_074 not in live and 100_013 not in live and DRONES in live


def test_seeded_listings_meet_their_categorys_rules(box: Box) -> None:
    catalog = generate_catalog()
    drones = [p for p in catalog.products if p.category == "drone"][:3]
    box.products.seed_from_catalog(drones, SHOP)
    ids = box.get("/api/v2/product/get_item_list", offset=0, page_size=10, item_status="NORMAL")["response"]["item"]
    for info in _base_info(box, *(i["item_id"] for i in ids)):
        assert info["category_id"] == DRONES and info["gtin_code"] == "00" and info["brand"]["brand_id"] != 0
        assert {a["attribute_id"] for a in info["attribute_list"]} >= {100_010, 100_037}
