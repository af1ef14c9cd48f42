"""Builds the vcrpy cassettes in `cassettes/` from the documentation samples vendored in `docs/`.

Run `python -m tests.contract.build_cassettes` after changing a doc excerpt or a cassette below. Each
interaction's response is the doc's `response_sample`; where a sample cannot be replayed as printed,
`ADJUSTED` says what was changed and why (nothing else is changed). Request URIs are the live hosts with
the documented path; the credentials of the doc's sample URLs are replaced by `FILTERED`, like vcrpy's
filters would on a recording.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml

HERE = Path(__file__).parent
DOCS = HERE / "docs"
CASSETTES = HERE / "cassettes"
SHOPEE_HOST = "https://partner.shopeemobile.com"
TIKTOK_HOST = "https://open-api.tiktokglobalshop.com"
TIKTOK_AUTH_HOST = "https://auth.tiktok-shops.com"
FILTERED = "FILTERED"
# Query parameters and headers that carry credentials (vcrpy filter_query_parameters / filter_headers).
SECRET_QUERY = ("sign", "access_token", "app_secret", "refresh_token", "auth_code", "code")
SECRET_HEADERS = ("x-tts-access-token", "authorization")

# What was changed in a doc sample before replaying it, and why (reported; nothing else is touched).
ADJUSTED: dict[str, str] = {
    "shopee placeholders": "Shopee samples print the string fields of the envelope as \"-\" (error, message, warning) "
                           "or leave `error` out; a success has error \"\" (the doc's own description: \"Empty if no "
                           "error happened\"), so \"-\" and a missing error become \"\".",
    "shopee invalid json": "delete_item, delete_model, update_model, search_item and get_model_list samples end "
                           "objects with a trailing comma; get_access_token misses a comma after \"message\": \"\". "
                           "Those commas are fixed.",
    "get_model_list model": "the sample's model has neither model_id nor tier_index (both in response_params); "
                            "model_id 2000458802 and tier_index [0] (the one option of its one tier) are added.",
    "last pages": "get_item_list, search_item and get_brand_list samples say there is a next page "
                  "(has_next_page true / next_offset); a second page with nothing more is added, as the doc describes "
                  "the end of the list. Same for TikTok Search Products and Get Brands `next_page_token`.",
    "tiktok IDR": "TikTok samples are a US shop's (USD, decimal amounts); SyncStore's shop is Indonesian, where "
                  "amounts are whole rupiah: currency IDR and whole amounts replace them.",
    "tiktok ACTIVATE": "Get Product's sample is SELLER_DEACTIVATED; the price/stock cassette needs a live product "
                       "(Update Price: \"a product in the ACTIVATE status\"), so its status is ACTIVATE there.",
    "get_item_limit": "the doc prints no response_sample for get_item_limit; the answer is built from its "
                      "response_params' own sample values (price 5.5-10000000.0, stock 5-10000000, name 5-100, "
                      "images 1-9, description 10-2000, weight_limit.weight_mandatory).",
    "tiktok batch success": "Update Inventory's sample reports a failed SKU in data.errors; the success cassette "
                            "uses the same answer with errors [] (the failure sample has its own cassette).",
}


def doc(platform: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / platform / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def _lenient_json(text: str) -> Any:
    text = re.sub(r",(\s*[}\]])", r"\1", text)  # trailing commas
    text = re.sub(r'("message":\s*"")(\s*\n\s*")', r"\1,\2", text)  # get_access_token's missing comma
    return json.loads(text)


def shopee_sample(name: str) -> dict[str, Any]:
    sample = doc("shopee", name)["response_sample"]
    answer: dict[str, Any] = _lenient_json(sample) if isinstance(sample, str) else copy.deepcopy(sample)
    for key in ("error", "message", "warning"):
        if answer.get(key, "-") == "-":
            answer[key] = ""
    return answer


def tiktok_sample(name: str) -> dict[str, Any]:
    sample: dict[str, Any] = copy.deepcopy(doc("tiktok", name)["response_sample"])
    return sample


def rupiah_skus(skus: list[dict[str, Any]]) -> None:
    for sku in skus:
        sku["price"] = {"currency": "IDR", "tax_exclusive_price": "110000", "sale_price": "117500"}


def _filtered_query(url: str) -> str:
    pairs = [(k, FILTERED if k in SECRET_QUERY else v) for k, v in parse_qsl(urlsplit(url).query)]
    return urlencode(pairs)


def interaction(method: str, url: str, response: dict[str, Any], *, sample_url: str = "",
                body: Any = None) -> dict[str, Any]:
    query = _filtered_query(sample_url) if sample_url else ""
    return {
        "request": {"method": method, "uri": url + (f"?{query}" if query else ""),
                    "body": None if body is None else json.dumps(body, ensure_ascii=False),
                    "headers": {"content-type": ["application/json"]} if body is not None else {}},
        "response": {"status": {"code": 200, "message": "OK"},
                     "headers": {"content-type": ["application/json; charset=utf-8"]},
                     "body": {"string": json.dumps(response, ensure_ascii=False)}},
    }


def shopee(name: str, response: dict[str, Any] | None = None) -> dict[str, Any]:
    excerpt = doc("shopee", name)
    sample_url = re.search(r"'(https?://[^']+)'", excerpt["request_sample_curl"] or "")
    return interaction(excerpt["method"], SHOPEE_HOST + excerpt["path"],
                       response if response is not None else shopee_sample(name),
                       sample_url=sample_url.group(1) if sample_url else "")


def tiktok(name: str, response: dict[str, Any] | None = None, *, path: dict[str, str] | None = None,
           host: str = TIKTOK_HOST) -> dict[str, Any]:
    excerpt = doc("tiktok", name)
    concrete = excerpt["path"]
    for key, value in (path or {}).items():
        concrete = concrete.replace("{" + key + "}", value)
    return interaction(excerpt["method"], host + concrete, response if response is not None else tiktok_sample(name),
                       sample_url=excerpt["request_sample_url"] or "", body=excerpt["request_sample_body"])


def _last_page(answer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    last = copy.deepcopy(answer)
    last["response"].update(changes)
    return last


def _brand_pages() -> list[dict[str, Any]]:
    return [shopee("v2.product.get_brand_list"),
            shopee("v2.product.get_brand_list", _last_page(shopee_sample("v2.product.get_brand_list"), brand_list=[],
                                                           has_next_page=False))]


def _item_limit() -> dict[str, Any]:
    def pair(low: float, high: float) -> dict[str, float]:
        return {"min_limit": low, "max_limit": high}

    return {"error": "", "message": "success", "warning": "", "request_id": "28ad0434c6954963a2a6d6ed7195554d",
            "response": {"price_limit": pair(5.5, 10000000.0), "wholesale_price_threshold_percentage": pair(30, 100),
                         "stock_limit": pair(5, 10000000), "item_name_length_limit": pair(5, 100),
                         "item_image_count_limit": pair(1, 9), "item_description_length_limit": pair(10, 2000),
                         "tier_variation_name_length_limit": pair(0, 14),
                         "tier_variation_option_length_limit": pair(0, 20), "item_count_limit": {"max_limit": 50001},
                         "weight_limit": {"weight_mandatory": True}, "dimension_limit": {"dimension_mandatory": False}}}


def _models() -> dict[str, Any]:
    answer = shopee_sample("v2.product.get_model_list")
    answer["response"]["model"][0].update({"model_id": 2000458802, "tier_index": [0]})
    return answer


def _product(status: str | None = None) -> dict[str, Any]:
    answer = tiktok_sample("get-product-202309")
    rupiah_skus(answer["data"]["skus"])
    if status is not None:
        answer["data"]["status"] = status
    return answer


def _search() -> list[dict[str, Any]]:
    first = tiktok_sample("search-products-202502")
    for product in first["data"]["products"]:
        rupiah_skus(product["skus"])
    last = copy.deepcopy(first)
    last["data"].update({"products": [], "next_page_token": ""})
    return [tiktok("search-products-202502", first), tiktok("search-products-202502", last)]


def _no_errors(name: str) -> dict[str, Any]:
    answer = tiktok_sample(name)
    answer["data"] = {"errors": []}
    return answer


PRODUCT = {"product_id": "1729592969712207008"}
CATEGORY = {"category_id": "600001"}
CASSETTES_BY_NAME: dict[str, Callable[[], list[dict[str, Any]]]] = {
    # -- Shopee ---------------------------------------------------------------------------------------
    "shopee_item_ids": lambda: [
        shopee("v2.product.get_item_list"),
        shopee("v2.product.get_item_list", _last_page(shopee_sample("v2.product.get_item_list"), item=[],
                                                      has_next_page=False))],
    "shopee_get_listing": lambda: [shopee("v2.product.get_item_base_info"), shopee("v2.product.get_model_list",
                                                                                   _models())],
    "shopee_search_item": lambda: [
        shopee("v2.product.search_item"),
        shopee("v2.product.search_item", _last_page(shopee_sample("v2.product.search_item"), item_id_list=[],
                                                    next_offset=""))],
    "shopee_create_with_variants": lambda: [
        *_brand_pages(), shopee("v2.product.get_item_limit", _item_limit()),
        shopee("v2.logistics.get_channel_list"), shopee("v2.product.add_item"),
        shopee("v2.product.init_tier_variation"), shopee("v2.product.get_model_list", _models())],
    "shopee_update_content": lambda: [shopee("v2.product.update_item")],
    "shopee_update_price_failure": lambda: [shopee("v2.product.update_price")],
    "shopee_update_stock_failure": lambda: [shopee("v2.product.update_stock")],
    "shopee_unlist": lambda: [shopee("v2.product.unlist_item")],
    "shopee_delete": lambda: [shopee("v2.product.delete_item")],
    "shopee_categories": lambda: [shopee("v2.product.get_category")],
    "shopee_attributes": lambda: [shopee("v2.product.get_attribute_tree")],
    "shopee_brands": _brand_pages,
    "shopee_channels": lambda: [shopee("v2.logistics.get_channel_list")],
    "shopee_recommend_categories": lambda: [shopee("v2.product.category_recommend")],
    "shopee_upload_image": lambda: [shopee("v2.media_space.upload_image")],
    "shopee_token_get": lambda: [shopee("v2.public.get_access_token")],
    "shopee_token_refresh": lambda: [shopee("v2.public.refresh_access_token")],
    # -- TikTok ---------------------------------------------------------------------------------------
    "tiktok_search": _search,
    "tiktok_get_listing": lambda: [tiktok("get-product-202309", _product(), path=PRODUCT)],
    "tiktok_create": lambda: [tiktok("get-warehouse-list-202309"), tiktok("create-product-202309")],
    "tiktok_update_price_stock": lambda: [
        tiktok("get-product-202309", _product("ACTIVATE"), path=PRODUCT),
        tiktok("update-price-202309", path=PRODUCT), tiktok("get-warehouse-list-202309"),
        tiktok("update-inventory-202309", _no_errors("update-inventory-202309"), path=PRODUCT)],
    "tiktok_update_inventory_failure": lambda: [
        tiktok("get-product-202309", _product("ACTIVATE"), path=PRODUCT), tiktok("get-warehouse-list-202309"),
        tiktok("update-inventory-202309", path=PRODUCT)],
    "tiktok_deactivate": lambda: [tiktok("get-product-202309", _product(), path=PRODUCT),
                                  tiktok("deactivate-products-202309")],
    "tiktok_activate": lambda: [tiktok("get-product-202309", _product(), path=PRODUCT),
                                tiktok("activate-product-202309", _no_errors("activate-product-202309"))],
    "tiktok_delete": lambda: [tiktok("delete-products-202309")],
    "tiktok_categories": lambda: [tiktok("get-categories-202309")],
    "tiktok_attributes": lambda: [tiktok("get-attributes-202309", path=CATEGORY)],
    "tiktok_category_rules": lambda: [tiktok("get-category-rules-202309", path=CATEGORY)],
    "tiktok_recommend_categories": lambda: [tiktok("recommend-category-202309")],
    "tiktok_brands": lambda: [
        tiktok("get-brands-202309"),
        tiktok("get-brands-202309", {**tiktok_sample("get-brands-202309"),
                                     "data": {"brands": [], "total_count": 1, "next_page_token": ""}})],
    "tiktok_warehouses": lambda: [tiktok("get-warehouse-list-202309")],
    "tiktok_upload_image": lambda: [tiktok("upload-product-image-202309")],
    "tiktok_token_get": lambda: [tiktok("token-get", host=TIKTOK_AUTH_HOST)],
    "tiktok_token_refresh": lambda: [tiktok("token-refresh", host=TIKTOK_AUTH_HOST)],
}


def build(target: Path = CASSETTES) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, interactions in CASSETTES_BY_NAME.items():
        path = target / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"interactions": interactions(), "version": 1}, sort_keys=False,
                                       allow_unicode=True, width=120), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in build():
        print(written.relative_to(HERE))
