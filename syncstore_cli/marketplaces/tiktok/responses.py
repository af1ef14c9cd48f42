"""Turning a TikTok Shop answer into a payload or an error from the tree in `marketplaces.errors`.

Success is `code == 0` in the body. Batch endpoints answer `code 0` and list per-item failures in
`data.errors[]`; callers check those themselves.
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

PLATFORM = "tiktok"

RATE_LIMITED = 36009002
INTERNAL = {36009003, 12001000}
EXPIRED_TOKEN = 105002
NOT_FOUND = {12052032, 12052260}
# "Invalid path. The specified path does not match any available endpoint" (shared/marketplaces/tiktok.md §5,
# citing TikTok's common error codes page): our request named an endpoint that does not exist, a bug on our
# side; read as NotFound it would make a sync believe the listing was gone.
INVALID_PATH = 36009009
FORBIDDEN = {105005, 12052034, 12052994, 12052995}
# "Exceeded the product listing limit for the seller." (lazykern/ecommerce-api-docs,
# data/raw/tiktok/api-reference/products/create-product.spec.json and activate-product.spec.json, error 12052093).
# The limit is per day: "All new sellers are limited to 100 product uploads per day ... Once sellers graduate
# from probation ... 1,000 product uploads per day", "Please try again the next day" (same repo,
# data/raw/tiktok/api-reference/products/products-api-overview.json). No TikTok source says when the day
# turns over: midnight in Jakarta (UTC+7), the shop's own time zone, is an assumption (setting quota.tiktok_reset).
LISTING_LIMIT = 12052093
DAILY_QUOTA_NAME = "TikTok's daily listing limit"
ASSUMED_QUOTA_RESET = "00:00+07:00"
ASSUMED_QUOTA_DAY = QuotaDay(parse_reset(ASSUMED_QUOTA_RESET))


def classifier(quota_day: QuotaDay, clock: Callable[[], float] = time.time) -> Classifier:
    return with_quota_day(classify, quota_day, clock)


def classify(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str], *,
             quota_day: QuotaDay = ASSUMED_QUOTA_DAY, now: float | None = None) -> MarketplaceError | None:
    retry_after = retry_after_seconds(headers)
    if body is None:
        return error_without_body(PLATFORM, status, headers)
    raw_code = body.get("code", 0)
    try:
        code = int(raw_code)
    except (TypeError, ValueError):
        code = -1
    if code == 0 and status < 500:
        return None
    message = str(body.get("message") or "error")
    common: dict[str, Any] = {"code": code, "request_id": body.get("request_id"), "http_status": status}
    if code == LISTING_LIMIT:
        moment = time.time() if now is None else now
        return QuotaExhausted(PLATFORM, message, resets_at=quota_day.next_reset(moment), quota=DAILY_QUOTA_NAME,
                              **common)
    if code == RATE_LIMITED or status == 429:
        return RateLimited(PLATFORM, message, retry_after=retry_after, **common)
    # 105xxx are credential errors; 106001 (bad sign) is a request bug, not a token problem.
    if code == EXPIRED_TOKEN or (str(code).startswith("105") and code not in FORBIDDEN) or (
        code == 36009004 and "access-token" in message.lower()
    ):
        return NeedsAuthError(PLATFORM, message, **common)
    if code in INTERNAL or status >= 500:
        return ServerBusy(PLATFORM, message, retry_after=retry_after, **common)
    if code == INVALID_PATH:
        return ValidationFailed(PLATFORM, f"{message} (a request SyncStore built wrongly, not a missing listing)",
                                **common)
    if code in NOT_FOUND:
        return NotFound(PLATFORM, message, **common)
    if code in FORBIDDEN:
        return Forbidden(PLATFORM, message, **common)
    return ValidationFailed(PLATFORM, message, **common)
