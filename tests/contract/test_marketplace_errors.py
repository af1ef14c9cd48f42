"""What each marketplace answer means for the caller: retry, re-authorize, or give up."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from syncstore_cli.domain.auth import ShopAuth, TokenPair
from syncstore_cli.marketplaces import errors
from syncstore_cli.marketplaces.http import SignedHttpClient
from syncstore_cli.marketplaces.shopee.responses import classify as shopee
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner, ShopeeShopToken, ShopeeSigner
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok
from syncstore_cli.marketplaces.tokens import TokenKeeper, with_fresh_token


def test_shopee_success_is_decided_by_the_body() -> None:
    assert shopee(200, {"error": "", "message": "", "request_id": "r"}, {}) is None
    assert isinstance(shopee(200, {"error": "error_param", "message": "Invalid Weight."}, {}), errors.ValidationFailed)


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind"),
    [
        (429, {"error": "error_rate_limit", "message": "Too many requests."}, {"Retry-After": "2"}, errors.RateLimited),
        (200, {"error": "invalid_acceess_token", "message": "Invalid access_token."}, {}, errors.NeedsAuthError),
        (200, {"error": "common.error_auth", "message": "Invalid access_token."}, {}, errors.NeedsAuthError),
        (200, {"error": "product.error_item_not_found", "message": "Item_id is not found."}, {}, errors.NotFound),
        (200, {"error": "product.error_param", "message": "The information you queried is not found."}, {},
         errors.NotFound),
        (200, {"error": "error_system_busy", "message": "try later"}, {}, errors.ServerBusy),
        (502, None, {}, errors.ServerBusy),
        (200, {"error": "error_limit", "message": "daily API call limit"}, {}, errors.QuotaExhausted),
        (200, {"error": "error_sign", "message": "Wrong sign."}, {}, errors.ValidationFailed),
        (200, {"error": "product.error_price_exceed_max_limitt", "message": "price"}, {}, errors.ValidationFailed),
    ],
)
def test_shopee_errors(status: int, body: dict[str, str] | None, headers: dict[str, str], kind: type) -> None:
    error = shopee(status, body, headers)
    assert type(error) is kind
    if kind is errors.RateLimited:
        assert error is not None and error.retry_after == 2.0 and error.retriable


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (429, {"code": 36009002, "message": "Too many requests."}, errors.RateLimited),
        (401, {"code": 105002, "message": "Expired credentials."}, errors.NeedsAuthError),
        (401, {"code": 106001, "message": "Invalid credentials. The 'sign' query parameter is invalid."},
         errors.ValidationFailed),
        (200, {"code": 12052032, "message": "The product does not exist"}, errors.NotFound),
        (200, {"code": 12052093, "message": "exceeded listing limit"}, errors.QuotaExhausted),
        (200, {"code": 36009003, "message": "internal error"}, errors.ServerBusy),
        (503, None, errors.ServerBusy),
        (400, {"code": 36009004, "message": "Skus is a required field and has not been provided."},
         errors.ValidationFailed),
        (400, {"code": 36009004, "message": "Invalid credentials. The 'x-tts-access-token' header is invalid"},
         errors.NeedsAuthError),
    ],
)
def test_tiktok_errors(status: int, body: dict[str, object] | None, kind: type) -> None:
    assert type(tiktok(status, body, {})) is kind
    assert tiktok(200, {"code": 0, "message": "Success", "data": {}}, {}) is None


def test_outcome_unknown_marks_timeouts_and_dropped_connections() -> None:
    assert errors.MarketplaceTimeout("shopee", "timed out").outcome_unknown
    assert errors.NetworkError("shopee", "connection reset").outcome_unknown
    assert not errors.ValidationFailed("shopee", "bad").outcome_unknown


def test_error_text_keeps_code_and_request_id_but_redact_removes_secrets() -> None:
    error = errors.ValidationFailed("tiktok", "bad title", code=12052051, request_id="2023RID", http_status=200)
    assert str(error) == "tiktok: bad title | code 12052051 | HTTP 200 | request 2023RID"
    text = "GET /x?access_token=abcd1234token&sign=ffee99&partner_key=k3y-secret"
    cleaned = errors.redact(text, ["abcd1234token", "ffee99", "k3y-secret", None, ""])
    assert "abcd1234token" not in cleaned and "ffee99" not in cleaned and "k3y-secret" not in cleaned
    assert cleaned.count(errors.REDACTED) == 3


# `error_auth` messages from the doc's error lists (congminh1254/shopee-sdk, schemas/v2.product.update_stock.json
# and v2.product.get_item_base_info.json `error_list`; v2.product.get_item_list.json `error_example`).
@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Invalid access_token.", errors.NeedsAuthError),
        ("Invalid partner_id or shopid.", errors.NeedsAuthError),
        ("No permission to current api.", errors.Forbidden),
        ("Total stock must be more than reserved stock.", errors.ValidationFailed),
        ("Stock should be larger than reserved stock.", errors.ValidationFailed),
        ("Lack of location_id, please double check.", errors.ValidationFailed),
        ("You do not have right to use seller location_id, please only fill seller_stock filed.", errors.Forbidden),
        ("Please wait for the holiday mode set then to edit item. Please try later.", errors.ValidationFailed),
        ("cnsc shop not upgraded, can not edit item.", errors.Forbidden),
    ],
)
def test_shopee_error_auth_is_classified_by_its_message(message: str, kind: type) -> None:
    for code in ("error_auth", "common.error_auth", "product.error_auth"):
        error = shopee(200, {"error": code, "message": message, "request_id": "r"}, {})
        assert type(error) is kind, (code, message)


class _OneShop:
    """An in-memory `TokenRepository` holding one authorized Shopee shop."""

    def __init__(self, pair: TokenPair) -> None:
        self.shop = ShopAuth("shopee", "77", pair, authorized=True, generation=1)

    def get_shop(self, platform: str, shop_id: str) -> ShopAuth | None:
        return self.shop

    def try_lease(self, platform: str, shop_id: str, owner: str, until: float, now: float) -> bool:
        return True

    def release_lease(self, platform: str, shop_id: str, owner: str) -> None:
        return None

    def store_refreshed(self, platform: str, shop_id: str, owner: str, tokens: TokenPair) -> None:
        self.shop = replace(self.shop, tokens=tokens, generation=self.shop.generation + 1)

    def mark_unauthorized(self, platform: str, shop_id: str, reason: str) -> None:
        self.shop = replace(self.shop, authorized=False)


@pytest.mark.parametrize(
    ("message", "refreshes"),
    [("Total stock must be more than reserved stock.", 0), ("No permission to current api.", 0),
     ("Invalid access_token.", 1)],
)
def test_only_a_token_error_auth_spends_the_refresh_token(message: str, refreshes: int) -> None:
    now = 1_700_000_000.0
    store = _OneShop(TokenPair("access-0", "refresh-0", now + 3 * 3600, now + 30 * 86400))
    refreshed: list[str] = []

    def refresher(shop_id: str, refresh_token: str) -> TokenPair:
        refreshed.append(refresh_token)
        return TokenPair("access-1", "refresh-1", now + 4 * 3600, now + 30 * 86400)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["access_token"] == "access-1":
            return httpx.Response(200, json={"error": "", "message": "", "response": {}})
        return httpx.Response(200, json={"error": "product.error_auth", "message": message, "request_id": "r"})

    keeper = TokenKeeper(store, "shopee", refresher, clock=lambda: now)
    current: dict[str, str] = {}
    signer = ShopeeSigner(lambda: ShopeePartner(1, "k" * 64), lambda: ShopeeShopToken(77, current["token"]))
    with SignedHttpClient("shopee", "https://partner.test", signer, shopee,
                          transport=httpx.MockTransport(answer), wall_clock=lambda: now,
                          sleep=lambda _: None) as http:
        def update_stock(token: str) -> dict[str, Any]:
            current["token"] = token
            stock = [{"model_id": 0, "seller_stock": [{"stock": 1}]}]
            return http.request("POST", "/api/v2/product/update_stock",
                                json_body={"item_id": 1, "stock_list": stock})

        if refreshes:
            assert with_fresh_token(keeper, "77", update_stock)["error"] == ""
        else:
            with pytest.raises(errors.PermanentError):
                with_fresh_token(keeper, "77", update_stock)
    assert len(refreshed) == refreshes
    assert store.shop.authorized and store.shop.tokens.refresh_token == ("refresh-1" if refreshes else "refresh-0")
