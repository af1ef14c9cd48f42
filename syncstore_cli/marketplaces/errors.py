"""Marketplace errors, grouped by what the caller should do.

    MarketplaceError              base (a SyncStoreError, exit 1): platform, code, message, request id, HTTP status
      RetriableError              try again later (with backoff; honour `retry_after`)
        RateLimited               the marketplace throttled us (429, error_rate_limit, 36009002)
        MarketplaceTimeout        no answer in time: the outcome of a write is UNKNOWN
        NetworkError              connection refused/reset/dropped: the outcome of a write is UNKNOWN
        ServerBusy                5xx or the marketplace's "busy / internal error" codes
        NotLiveYet                the listing is still in the marketplace's review: wait for it, then retry
        QuotaExhausted            a daily quota is used up: wait until it resets (`resets_at`), then retry
      NeedsAuthError              the token is invalid or expired: refresh, then retry once
      PermanentError              retrying will not help
        ValidationFailed          the marketplace refused the payload (names the rule)
        NotFound                  the item, model or shop does not exist
        Forbidden                 no permission, banned shop

Messages never contain secrets: everything passed in goes through `redact()` first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from syncstore_cli.errors import SyncStoreError


class MarketplaceError(SyncStoreError):
    exit_code = 1  # the operation ran and the marketplace refused or failed: not the user's input
    retriable = False
    outcome_unknown = False

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        code: str | int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.platform = platform
        self.code = code
        self.marketplace_message = message
        self.request_id = request_id
        self.http_status = http_status
        self.retry_after = retry_after
        # Not SyncStoreError.__init__: it would keep a copy of the text, and the HTTP layer scrubs
        # secrets from the fields above after the error is made; `message` is always read fresh.
        Exception.__init__(self, str(self))

    @property
    def message(self) -> str:
        return str(self)

    def __str__(self) -> str:
        parts = [f"{self.platform}: {self.marketplace_message}"]
        if self.code not in (None, ""):
            parts.append(f"code {self.code}")
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return " | ".join(parts)


class RetriableError(MarketplaceError):
    retriable = True


class RateLimited(RetriableError):
    pass


class MarketplaceTimeout(RetriableError):
    outcome_unknown = True


class NetworkError(RetriableError):
    outcome_unknown = True


class ServerBusy(RetriableError):
    outcome_unknown = True


class NotLiveYet(RetriableError):
    """The change is refused only until the marketplace's review of the listing ends (TikTok: price and
    inventory updates need an ACTIVATE product). Nothing was sent; the caller reschedules without
    spending an attempt, since waiting, not retrying, is what helps."""


class QuotaExhausted(RetriableError):
    """A daily quota is used up (Shopee `error_limit`, TikTok 12052093): nothing the caller sends helps
    before `resets_at` (epoch seconds), and everything helps after it. The caller parks the work until then
    without spending an attempt. `retry_after` is infinite so that no in-process retry loop waits out a
    quota day, however short the sandbox makes it: waiting is the queue's job, where it shows."""

    def __init__(self, platform: str, message: str, *, resets_at: float, quota: str,
                 code: str | int | None = None, request_id: str | None = None,
                 http_status: int | None = None) -> None:
        self.resets_at = resets_at
        self.quota = quota  # what ran out, in the seller's words: "TikTok's daily listing limit"
        super().__init__(platform, message, code=code, request_id=request_id, http_status=http_status,
                         retry_after=math.inf)


class NeedsAuthError(MarketplaceError):
    pass


class PermanentError(MarketplaceError):
    pass


class ValidationFailed(PermanentError):
    pass


class NotFound(PermanentError):
    pass


class Forbidden(PermanentError):
    pass


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_without_body(platform: str, status: int, headers: Mapping[str, str]) -> MarketplaceError:
    """An answer with no JSON body: only the HTTP status says what happened."""
    if status == 429:
        return RateLimited(platform, "rate limited", http_status=status, retry_after=retry_after_seconds(headers))
    if status >= 500:
        return ServerBusy(platform, "server error with no JSON body", http_status=status)
    return ValidationFailed(platform, "answer was not JSON", http_status=status)


REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret value (keys, tokens, signs) found in `text`."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
