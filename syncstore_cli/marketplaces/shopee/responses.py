"""Turning a Shopee answer into a payload or an error from the tree in `marketplaces.errors`.

Success is decided from the body (`error == ""`), never from the HTTP status alone. Product
errors may carry a module prefix (`product.error_param`), so codes are matched on their suffix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from syncstore_cli.domain.quota import QuotaDay, parse_reset
from syncstore_cli.marketplaces.errors import (
    Forbidden,
    MarketplaceError,
    NeedsAuthError,
    NotFound,
    QuotaExhausted,
    RateLimited,
    ServerBusy,
    ValidationFailed,
    error_without_body,
    retry_after_seconds,
)
from syncstore_cli.marketplaces.http import Classifier, with_quota_day

PLATFORM = "shopee"

_NEEDS_AUTH = {"invalid_acceess_token", "invalid_access_token", "error_token"}
# `error_auth` is not only a token problem: the doc also answers business refusals with it, e.g.
# "No permission to current api." (every product API's error_list), "Total stock must be more than
# reserved stock.", "Stock should be larger than reserved stock.", "Lack of location_id, please double
# check.", "Please wait for the holiday mode set then to edit item." (congminh1254/shopee-sdk,
# schemas/v2.product.update_stock.json and v2.product.get_item_base_info.json, error_list). Only a message
# about the token or the shop's authorization ("Invalid access_token.", "Invalid partner_id or shopid.",
# the doc's error_example) means refresh; a refresh for anything else would spend the single-use refresh
# token for nothing.
_AUTH_TOKEN_MARKERS = ("token", "invalid partner_id or shopid")
_AUTH_PERMISSION_MARKERS = ("permission", "right to use", "app is deleted", "partner_id is invalid",
                            "not upgraded")
_AUTH_BUSY_MARKERS = ("system error",)
_RATE = {"error_rate_limit"}
_BUSY = {"error_server", "error_system_busy", "error_inner", "error_network", "error_busy", "error_unknown"}
_NOT_FOUND = {"error_item_not_found", "error_item_or_variation_not_found", "error_not_found",
              "error_param_shop_id_not_found"}
# The app's daily call quota: "The total API call number made by your APP has reached the daily API call
# limit, please try again after 00: 00 (UTC+08:00)" (congminh1254/shopee-sdk, schemas/v2.product.add_item.json,
# common_error_list, error `error_limit`). A wait until the reset, not a refusal; the doc gives no HTTP
# status, so it is recognised by its code before any status is looked at (a 429 must not make it a rate limit).
_DAILY_QUOTA = "error_limit"
DAILY_QUOTA_NAME = "Shopee's daily API call quota"
DOCUMENTED_QUOTA_RESET = "00:00+08:00"
DOCUMENTED_QUOTA_DAY = QuotaDay(parse_reset(DOCUMENTED_QUOTA_RESET))
_FORBIDDEN = {"error_permission", "error_api_permission", "shop_banned", "error_shop",
              "partner_shop_no_link", "shop_no_linked", "error_item_not_belong_shop", "invalid_partner_id",
              "error_partner_key_expired", "error_api_call_restricted", "api_suspended"}


def error_suffix(code: str) -> str:
    return code.rsplit(".", 1)[-1]




def classifier(quota_day: QuotaDay, clock: Callable[[], float] = time.time) -> Classifier:
    return with_quota_day(classify, quota_day, clock)


def classify(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str], *,
             quota_day: QuotaDay = DOCUMENTED_QUOTA_DAY, now: float | None = None) -> MarketplaceError | None:
    """None when the call succeeded; otherwise the error that says what to do."""
    retry_after = retry_after_seconds(headers)
    if body is None:
        return error_without_body(PLATFORM, status, headers)
    code = str(body.get("error") or "")
    if not code:
        if status >= 500:
            return ServerBusy(PLATFORM, "server error", http_status=status)
        return None
    message = str(body.get("message") or body.get("msg") or code)
    common: dict[str, Any] = {"code": code, "request_id": body.get("request_id"), "http_status": status}
    suffix = error_suffix(code)
    if suffix == _DAILY_QUOTA:
        moment = time.time() if now is None else now
        return QuotaExhausted(PLATFORM, message, resets_at=quota_day.next_reset(moment), quota=DAILY_QUOTA_NAME,
                              **common)
    if suffix in _RATE or status == 429:
        return RateLimited(PLATFORM, message, retry_after=retry_after, **common)
    if suffix in _NEEDS_AUTH:
        return NeedsAuthError(PLATFORM, message, **common)
    if suffix == "error_auth":
        return _auth_error(str(body.get("message") or body.get("msg") or ""), message, retry_after, common)
    if suffix in _BUSY or status >= 500:
        return ServerBusy(PLATFORM, message, retry_after=retry_after, **common)
    if suffix in _NOT_FOUND:
        return NotFound(PLATFORM, message, **common)
    if suffix in _FORBIDDEN:
        return Forbidden(PLATFORM, message, **common)
    if suffix == "error_param" and "not found" in message.lower():
        return NotFound(PLATFORM, message, **common)
    # error_sign, error_param and the product validation codes: fix the request, do not retry.
    return ValidationFailed(PLATFORM, message, **common)


def _auth_error(text: str, message: str, retry_after: float | None, common: dict[str, Any]) -> MarketplaceError:
    """`error_auth` by what it says: token problems refresh, business refusals keep the token."""
    lowered = text.lower()
    if not lowered or any(marker in lowered for marker in _AUTH_TOKEN_MARKERS):
        return NeedsAuthError(PLATFORM, message, **common)
    if any(marker in lowered for marker in _AUTH_BUSY_MARKERS):
        return ServerBusy(PLATFORM, message, retry_after=retry_after, **common)
    if any(marker in lowered for marker in _AUTH_PERMISSION_MARKERS):
        return Forbidden(PLATFORM, message, **common)
    # "Total stock must be more than reserved stock.", location and holiday-mode refusals: fix the request.
    return ValidationFailed(PLATFORM, message, **common)
