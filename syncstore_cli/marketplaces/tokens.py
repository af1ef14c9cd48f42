"""Keeping each shop's OAuth tokens fresh without ever losing the authorization.

Shopee refresh tokens are single-use (TikTok's rotate too): if two processes refresh with the
same token, one of them gets a new pair and the other a rejection, and whoever stores last
wins. So (design.md, reliability):
- only one process refreshes a shop at a time: a lease row in the database, taken with one
  conditional UPDATE;
- the new pair is committed before anyone uses it;
- a rejected refresh re-reads the store before declaring the shop unauthorized: another
  process may have refreshed in between.
The store side is the `TokenRepository` protocol (implemented in `store/tokens.py`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol, TypeVar

from syncstore_cli.domain.auth import ShopAuth, TokenPair
from syncstore_cli.marketplaces.errors import NeedsAuthError, PermanentError

__all__ = ["ShopAuth", "ShopUnauthorized", "TokenKeeper", "TokenPair", "TokenRepository", "with_fresh_token"]

T = TypeVar("T")

REFRESH_MARGIN_SECONDS = 600  # refresh when less than this is left on the access token
LEASE_SECONDS = 30.0
# How long a shop's row read from the store serves the requests of this process. Every request
# used to read it (a query per API call); a token refreshed meanwhile by another process is seen
# this much later, or at once if the marketplace rejects the old one (the refresh path re-reads).
READ_CACHE_SECONDS = 5.0


class TokenRepository(Protocol):
    def get_shop(self, platform: str, shop_id: str) -> ShopAuth | None: ...

    def try_lease(self, platform: str, shop_id: str, owner: str, until: float, now: float) -> bool: ...

    def release_lease(self, platform: str, shop_id: str, owner: str) -> None: ...

    def store_refreshed(self, platform: str, shop_id: str, owner: str, tokens: TokenPair) -> None: ...

    def mark_unauthorized(self, platform: str, shop_id: str, reason: str) -> None: ...


class ShopUnauthorized(NeedsAuthError):
    """The shop must be authorized again by the seller (`syncstore auth ...`)."""


Refresher = Callable[[str, str], TokenPair]  # (shop_id, refresh_token) -> new pair


class TokenKeeper:
    def __init__(
        self,
        repository: TokenRepository,
        platform: str,
        refresher: Refresher,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 0.05,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._repository = repository
        self._platform = platform
        self._refresher = refresher
        self._clock = clock
        self._sleep = sleep
        self._poll = poll_seconds
        self._lease = lease_seconds
        self._owner = uuid.uuid4().hex
        self._recent: dict[str, tuple[float, ShopAuth]] = {}
        # The database lease is per keeper (its owner id), and a worker's threads share one keeper: the
        # lease alone let two threads spend one single-use refresh token at once. One refresh per shop
        # at a time in this process too; the others wait, then find the new pair.
        self._refreshing: dict[str, threading.Lock] = {}
        self._refreshing_guard = threading.Lock()

    def access_token(self, shop_id: str) -> str:
        """A valid access token for the shop, refreshing it first if it is close to expiry."""
        recent = self._recent.get(shop_id)
        if recent is not None and self._clock() - recent[0] < READ_CACHE_SECONDS:
            shop = recent[1]
        else:
            shop = self._shop(shop_id)
        if shop.tokens.access_expires_at - self._clock() > REFRESH_MARGIN_SECONDS:
            return shop.tokens.access_token
        return self._refresh(shop_id, stale_access_token=shop.tokens.access_token).tokens.access_token

    def refresh_after_rejection(self, shop_id: str, rejected_access_token: str) -> str:
        """The marketplace refused a token we thought valid: refresh, unless someone already did."""
        return self._refresh(shop_id, stale_access_token=rejected_access_token).tokens.access_token

    def _shop(self, shop_id: str) -> ShopAuth:
        shop = self._repository.get_shop(self._platform, shop_id)
        if shop is None:
            self._recent.pop(shop_id, None)
            raise ShopUnauthorized(self._platform, f"shop {shop_id} is not authorized; run `syncstore auth "
                                   f"{self._platform}`")
        if not shop.authorized:
            self._recent.pop(shop_id, None)
            raise ShopUnauthorized(self._platform, f"shop {shop_id} needs to be authorized again")
        self._recent[shop_id] = (self._clock(), shop)
        return shop

    def _refresh(self, shop_id: str, *, stale_access_token: str) -> ShopAuth:
        with self._refreshing_guard:
            lock = self._refreshing.setdefault(shop_id, threading.Lock())
        with lock:
            return self._refresh_once(shop_id, stale_access_token=stale_access_token)

    def _refresh_once(self, shop_id: str, *, stale_access_token: str) -> ShopAuth:
        while True:
            shop = self._shop(shop_id)
            if shop.tokens.access_token != stale_access_token:
                return shop  # another process refreshed while we were deciding
            now = self._clock()
            if self._repository.try_lease(self._platform, shop_id, self._owner, now + self._lease, now):
                try:
                    return self._refresh_holding_lease(shop_id, stale_access_token)
                finally:
                    self._repository.release_lease(self._platform, shop_id, self._owner)
            self._sleep(self._poll)

    def _refresh_holding_lease(self, shop_id: str, stale_access_token: str) -> ShopAuth:
        shop = self._shop(shop_id)
        if shop.tokens.access_token != stale_access_token:
            return shop
        used_refresh_token = shop.tokens.refresh_token
        if shop.tokens.refresh_expires_at <= self._clock():
            self._repository.mark_unauthorized(self._platform, shop_id, "refresh token expired")
            raise ShopUnauthorized(self._platform, f"shop {shop_id}: refresh token expired; authorize again")
        try:
            tokens = self._refresher(shop_id, used_refresh_token)
        except (NeedsAuthError, PermanentError) as exc:
            current = self._repository.get_shop(self._platform, shop_id)
            if current is not None and current.tokens.refresh_token != used_refresh_token:
                return current  # our token was already spent by someone who stored the new pair
            self._repository.mark_unauthorized(self._platform, shop_id, f"refresh rejected: {exc.marketplace_message}")
            raise ShopUnauthorized(self._platform, f"shop {shop_id}: refresh rejected ({exc.code}); authorize again",
                                   code=exc.code, request_id=exc.request_id) from None
        # Committed before anyone uses it: a crash from here on leaves the new pair in the store.
        self._repository.store_refreshed(self._platform, shop_id, self._owner, tokens)
        return self._shop(shop_id)


def with_fresh_token(keeper: TokenKeeper, shop_id: str, call: Callable[[str], T]) -> T:
    """Run `call` with a valid access token; if the marketplace rejects it anyway, refresh once and retry."""
    token = keeper.access_token(shop_id)
    try:
        return call(token)
    except NeedsAuthError as exc:
        if isinstance(exc, ShopUnauthorized):
            raise
        return call(keeper.refresh_after_rejection(shop_id, token))
