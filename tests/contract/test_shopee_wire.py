"""Shopee requests as the official doc JSON describes them, checked on the wire (httpx MockTransport).

Sources: congminh1254/shopee-sdk `schemas/v2.<module>.<api>.json` (the official doc, mirrored).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from syncstore_cli.marketplaces.errors import ValidationFailed
from syncstore_cli.marketplaces.http import Exchange, SignedHttpClient
from syncstore_cli.marketplaces.shopee.client import ShopeeClient
from syncstore_cli.marketplaces.shopee.responses import classify
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner, ShopeeShopToken, ShopeeSigner

NOW = 1_700_000_000.0
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _client(answer: Callable[[httpx.Request], dict[str, Any]], seen: list[httpx.Request],
            exchanges: list[Exchange] | None = None) -> ShopeeClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error": "", "message": "", "request_id": "r", **answer(request)})

    signer = ShopeeSigner(lambda: ShopeePartner(1, "k" * 64), lambda: ShopeeShopToken(77, "access-secret"))
    http = SignedHttpClient("shopee", "https://partner.test", signer, classify,
                            transport=httpx.MockTransport(handler), wall_clock=lambda: NOW,
                            on_exchange=None if exchanges is None else exchanges.append)
    return ShopeeClient(http)


def test_item_status_is_sent_as_repeated_keys_and_item_ids_comma_joined() -> None:
    # get_item_list / search_item `item_status` is string[]: "item_status=NORMAL&item_status=BANNED";
    # get_item_base_info `item_id_list` is int64[] (shopee-sdk schemas, params.request_params).
    seen: list[httpx.Request] = []
    exchanges: list[Exchange] = []

    def answer(request: httpx.Request) -> dict[str, Any]:
        if request.url.path.endswith("get_item_list"):
            return {"response": {"item": [{"item_id": 5}, {"item_id": 6}], "has_next_page": False}}
        if request.url.path.endswith("search_item"):
            return {"response": {"item_id_list": [5], "next_offset": ""}}
        return {"response": {"item_list": []}}

    client = _client(answer, seen, exchanges)
    assert list(client.item_ids(statuses=("NORMAL", "UNLIST", "BANNED"))) == [5, 6]
    assert client.find_by_sku("SKU-1") == []
    listed, searched, base = seen
    assert listed.url.params.get_list("item_status") == ["NORMAL", "UNLIST", "BANNED"]
    assert b"NORMAL%2CUNLIST" not in listed.url.query and b"NORMAL,UNLIST" not in listed.url.query
    assert searched.url.params.get_list("item_status") == ["NORMAL", "UNLIST"]
    assert searched.url.params["item_sku"] == "SKU-1"
    assert base.url.params.get_list("item_id_list") == ["5"]
    assert listed.url.params["sign"] and listed.url.params["shop_id"] == "77"  # signed as before
    # The request log shows what was sent: every value of a repeated key, secrets still hidden.
    assert exchanges[0].query["item_status"] == ["NORMAL", "UNLIST", "BANNED"]
    assert "access-secret" not in json.dumps([e.query for e in exchanges])


def test_item_id_lists_stay_comma_joined() -> None:
    seen: list[httpx.Request] = []
    client = _client(lambda request: {"response": {"item_list": []}}, seen)
    client.base_infos([11, 12, 13])
    assert seen[0].url.params.get_list("item_id_list") == ["11,12,13"]


def _info(seller: int, available: int, reserved: int) -> dict[str, Any]:
    # Shaped like get_item_base_info's response_sample (shopee-sdk schemas/v2.product.get_item_base_info.json),
    # whose own sample has seller_stock 10 beside total_available_stock 100.
    return {"item_id": 9, "item_sku": "S-9", "item_name": "Frame", "category_id": 100706, "has_model": False,
            "item_status": "NORMAL", "price_info": [{"original_price": 150000, "current_price": 150000}],
            "weight": "0.250", "image": {"image_id_list": [], "image_url_list": []},
            "stock_info_v2": {"summary_info": {"total_reserved_stock": reserved, "total_available_stock": available},
                              "seller_stock": [{"location_id": "IDZ", "stock": seller, "if_saleable": True}]}}


def test_stock_is_read_from_seller_stock_the_field_that_is_written() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> dict[str, Any]:
        if request.url.path.endswith("get_model_list"):
            model = {"model_id": 91, "model_sku": "S-9-R", "tier_index": [0],
                     "price_info": [{"original_price": 150000}],
                     "stock_info_v2": {"summary_info": {"total_reserved_stock": 3, "total_available_stock": 4},
                                       "seller_stock": [{"location_id": "IDZ", "stock": 7}]}}
            return {"response": {"tier_variation": [{"name": "Colour", "option_list": [{"option": "Red"}]}],
                                 "model": [model]}}
        with_model = {**_info(7, 4, 3), "item_id": 10, "has_model": True}
        with_model.pop("price_info")
        return {"response": {"item_list": [_info(12, 9, 3), with_model]}}

    plain, modelled = _client(answer, seen).listings([9, 10])
    # 12 were written as seller_stock; 3 are held by a promotion, so total_available_stock says 9.
    assert plain.stock == 12
    assert modelled.variants[0].stock == 7 and modelled.stock == 7


@pytest.mark.parametrize(("data", "filename", "mime"), [(PNG, "image.png", "image/png"),
                                                        (JPEG, "image.jpg", "image/jpeg")])
def test_upload_sends_a_real_filename_and_image_mime_type(data: bytes, filename: str, mime: str) -> None:
    seen: list[httpx.Request] = []
    client = _client(lambda request: {"response": {"image_info": {"image_id": "abc"}}}, seen)
    assert client.upload_image(data) == "abc"
    body = seen[0].read()
    assert f'name="image"; filename="{filename}"'.encode() in body
    assert f"Content-Type: {mime}".encode() in body and data in body


def test_upload_refuses_bytes_that_are_neither_jpeg_nor_png_before_any_call() -> None:
    seen: list[httpx.Request] = []
    client = _client(lambda request: {}, seen)
    with pytest.raises(ValidationFailed, match="neither JPEG nor PNG"):
        client.upload_image(b"GIF89a....")
    assert seen == []
