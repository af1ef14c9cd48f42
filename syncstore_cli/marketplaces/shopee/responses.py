"""Turning a Shopee answer into a payload or an error from the tree in `marketplaces.errors`.

Success is decided from the body (`error == ""`), never from the HTTP status alone. Product
errors may carry a module prefix (`product.error_param`), so codes are matched on their suffix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncstore_cli.marketplaces.errors import (
    Forbidden,
    MarketplaceError,
    NeedsAuthError,
    NotFound,
    RateLimited,
    ServerBusy,
    ValidationFailed,
    error_without_body,
    retry_after_seconds,
)

PLATFORM = "shopee"

_NEEDS_AUTH = {"error_auth", "invalid_acceess_token", "invalid_access_token", "error_token"}
_RATE = {"error_rate_limit"}
_BUSY = {"error_server", "error_system_busy", "error_inner", "error_network", "error_busy", "error_unknown"}
_NOT_FOUND = {"error_item_not_found", "error_item_or_variation_not_found", "error_not_found",
              "error_param_shop_id_not_found"}
_FORBIDDEN = {"error_limit", "error_permission", "error_api_permission", "shop_banned", "error_shop",
              "partner_shop_no_link", "shop_no_linked", "error_item_not_belong_shop", "invalid_partner_id",
              "error_partner_key_expired", "error_api_call_restricted", "api_suspended"}


def error_suffix(code: str) -> str:
    return code.rsplit(".", 1)[-1]


def classify(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str]) -> MarketplaceError | None:
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
    if suffix in _RATE or status == 429:
        return RateLimited(PLATFORM, message, retry_after=retry_after, **common)
    if suffix in _NEEDS_AUTH:
        return NeedsAuthError(PLATFORM, message, **common)
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
