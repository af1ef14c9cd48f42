"""The seller's shops as the application reaches them: signed HTTP clients, token keepers, budgets.

Not a use case: the context (`AppContext.shops`) owns one `ShopConnections` per command, and the
use cases (authorize, import, sync, rollback, checks) get their clients from it. It reads typed
settings only; each shop's requests share one rate budget, kept where `rate.shared` says: in Redis or
the database it is the same budget for every worker process of the shop, on any machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import httpx

from syncstore_cli.domain.auth import TokenPair
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.engine.images import ImageUnreachable
from syncstore_cli.errors import ConfigError
from syncstore_cli.marketplaces.http import Exchange, SignedHttpClient
from syncstore_cli.marketplaces.ratelimit import BudgetLedger, RateBudget, burst_with_headroom
from syncstore_cli.marketplaces.shopee import auth as shopee_auth
from syncstore_cli.marketplaces.shopee.responses import classifier as shopee_classifier
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner, ShopeeShopToken, ShopeeSigner
from syncstore_cli.marketplaces.tiktok import auth as tiktok_auth
from syncstore_cli.marketplaces.tiktok.responses import classifier as tiktok_classifier
from syncstore_cli.marketplaces.tiktok.signer import TikTokApp, TikTokShopToken, TikTokSigner
from syncstore_cli.marketplaces.tokens import TokenKeeper

if TYPE_CHECKING:
    from syncstore_cli.engine.ports import Shop
    from syncstore_cli.settings import Settings
    from syncstore_cli.store.engine import Database
    from syncstore_cli.store.tokens import TokenStore


class ShopConnections:
    def __init__(self, settings: Settings, tokens: TokenStore, *, clock: Callable[[], float] = time.time,
                 database: Database | None = None, sharers: Callable[[], int] | None = None) -> None:
        self.settings = settings
        # How many worker processes share a shop's rate right now: the Redis budget's fallback splits it.
        self.sharers = sharers
        self.tokens = tokens
        self.clock = clock
        self.database = database
        self._budgets: dict[str, RateBudget] = {}
        self._ledger: BudgetLedger | None = None
        # Tests inject a fake `sleep`/`clock` here so no test waits out a real backoff.
        self.http_overrides: dict[str, Any] = {}

    def _secrets(self) -> list[str | None]:
        return list(self.settings.secrets())

    # -- credentials -----------------------------------------------------------------------
    def shopee_partner(self) -> ShopeePartner:
        shopee = self.settings.shopee
        if shopee.partner_id is None:
            raise ConfigError("shopee.partner_id is not set to a number (SYNCSTORE_SHOPEE_PARTNER_ID)")
        if not shopee.partner_key:
            raise ConfigError("shopee.partner_key is not set (SYNCSTORE_SHOPEE_PARTNER_KEY)")
        return ShopeePartner(shopee.partner_id, shopee.partner_key)

    def tiktok_app(self) -> TikTokApp:
        tiktok = self.settings.tiktok
        if not tiktok.app_key:
            raise ConfigError("tiktok.app_key is not set (SYNCSTORE_TIKTOK_APP_KEY)")
        if not tiktok.app_secret:
            raise ConfigError("tiktok.app_secret is not set (SYNCSTORE_TIKTOK_APP_SECRET)")
        return TikTokApp(tiktok.app_key, tiktok.app_secret)

    def budget(self, platform: str) -> RateBudget:
        """The request budget for a platform's shops (keyed per shop by the clients), in the shared ledger."""
        if platform not in self._budgets:
            rate = self.settings.shopee.rate if platform == "shopee" else self.settings.tiktok.rate
            self._budgets[platform] = RateBudget(rate.per_second, burst_with_headroom(rate.per_second, rate.burst),
                                                 ledger=self.ledger())
        return self._budgets[platform]

    def ledger(self) -> BudgetLedger | None:
        """Where every budget of this process keeps its state; None: in the process (`rate.shared = process`)."""
        if self._ledger is None:
            self._ledger = self._shared_ledger()
        return self._ledger

    def _shared_ledger(self) -> BudgetLedger | None:
        sharing = self.settings.rate_sharing
        if sharing.backend == "redis" and sharing.redis_url is not None:
            from syncstore_cli.marketplaces.ratelimit_shared import RedisLedger

            # The queue name keeps the budgets of two data folders (or test runs) on one Redis apart.
            return RedisLedger(sharing.redis_url, f"{self.settings.queue_name}:rate", sharers=self.sharers)
        if sharing.backend == "database":
            from syncstore_cli.store.engine import make_engine
            from syncstore_cli.store.rate_budgets import DatabaseLedger

            database = self.database or make_engine(self.settings.database_url,
                                                    setting=self.settings.where("database_url"))
            return DatabaseLedger(database)
        return None

    def shopee_http(self, shop_token: Callable[[], ShopeeShopToken | None] | None = None, *,
                    on_exchange: Callable[[Exchange], None] | None = None, shop_id: str = "") -> SignedHttpClient:
        partner = self.shopee_partner()
        return SignedHttpClient("shopee", self.settings.shopee.base_url, ShopeeSigner(lambda: partner, shop_token),
                                shopee_classifier(self.settings.quota.shopee_day, self.clock),
                                secrets=self._secrets, on_exchange=on_exchange,
                                budget=self.budget("shopee"), budget_key=f"shopee:{shop_id}", **self.retry_policy())

    def tiktok_http(self, shop_token: Callable[[], TikTokShopToken | None] | None = None, *,
                    on_exchange: Callable[[Exchange], None] | None = None, shop_id: str = "") -> SignedHttpClient:
        app = self.tiktok_app()
        return SignedHttpClient("tiktok", self.settings.tiktok.base_url, TikTokSigner(lambda: app, shop_token),
                                tiktok_classifier(self.settings.quota.tiktok_day, self.clock),
                                secrets=self._secrets, on_exchange=on_exchange,
                                budget=self.budget("tiktok"), budget_key=f"tiktok:{shop_id}", **self.retry_policy())

    def retry_policy(self) -> dict[str, Any]:
        """Attempts, backoff and timeout of every marketplace request (the `http.*` settings)."""
        http = self.settings.http
        return {"max_attempts": http.max_attempts, "backoff_base": http.backoff_base,
                "backoff_max": http.backoff_max, "max_retry_after": http.max_retry_after,
                "timeout": http.request_timeout, **self.http_overrides}

    # -- the authorized shops, as the engine uses them ---------------------------------------
    def open_shops(self, stack: ExitStack, *, on_exchange: Callable[[Exchange], None] | None = None,
                   concurrency: int | None = None) -> dict[Platform, Shop]:
        """A client for each authorized shop (one per platform), closed with `stack`."""
        from syncstore_cli.engine.ports import Shop
        from syncstore_cli.marketplaces.shopee.client import ShopeeClient
        from syncstore_cli.marketplaces.tiktok.client import TikTokClient

        # Reads of many listings at once (a batch's snapshot) go this many at a time; the shop's rate budget
        # still paces them. One at a time, a marketplace 100-400 ms away made the snapshot the slowest step.
        reads = concurrency or self.settings.sync.concurrency
        shops: dict[Platform, Shop] = {}
        for shop in self.tokens.shops():
            if not shop.authorized or Platform(shop.platform) in shops:
                continue
            platform = Platform(shop.platform)
            keeper = self.keeper(platform.value)

            def rejected(shop_id: str = shop.shop_id, keeper: TokenKeeper = keeper) -> None:
                keeper.refresh_after_rejection(shop_id, keeper.access_token(shop_id))

            if platform is Platform.SHOPEE:
                def shopee_token(shop_id: str = shop.shop_id, keeper: TokenKeeper = keeper) -> ShopeeShopToken:
                    return ShopeeShopToken(int(shop_id), keeper.access_token(shop_id))

                http = stack.enter_context(self.shopee_http(shopee_token, on_exchange=on_exchange,
                                                            shop_id=shop.shop_id))
                shops[platform] = Shop(platform, shop.shop_id, ShopeeClient(http, concurrency=reads), rejected)
            else:
                def tiktok_token(shop_id: str = shop.shop_id, cipher: str | None = shop.shop_cipher,
                                 keeper: TokenKeeper = keeper) -> TikTokShopToken:
                    return TikTokShopToken(keeper.access_token(shop_id), cipher)

                http = stack.enter_context(self.tiktok_http(tiktok_token, on_exchange=on_exchange,
                                                            shop_id=shop.shop_id))
                shops[platform] = Shop(platform, shop.shop_id, TikTokClient(http, concurrency=reads), rejected)
        return shops

    def image_fetcher(self, stack: ExitStack) -> Callable[[str], bytes]:
        """Fetches a catalog image's bytes (for upload); closed with `stack`."""
        client = stack.enter_context(httpx.Client(timeout=30.0, follow_redirects=True))

        def fetch(url: str) -> bytes:
            try:
                response = client.get(url)
            except httpx.HTTPError as error:
                raise ImageUnreachable(url, type(error).__name__) from None
            if response.status_code != 200:
                raise ImageUnreachable(url, f"HTTP {response.status_code}")
            return response.content

        return fetch

    # -- keeping tokens fresh --------------------------------------------------------------
    def keeper(self, platform: str) -> TokenKeeper:
        return TokenKeeper(self.tokens, platform, self._refresher(platform), clock=self.clock)

    def _refresher(self, platform: str) -> Callable[[str, str], TokenPair]:
        if platform == "shopee":
            partner = self.shopee_partner()

            def refresh_shopee(shop_id: str, refresh_token: str) -> TokenPair:
                with self.shopee_http() as http:
                    return shopee_auth.refresh(http, partner.partner_id, int(shop_id), refresh_token, self.clock())

            return refresh_shopee
        app = self.tiktok_app()
        auth_url = self.settings.tiktok.auth_url

        def refresh_tiktok(shop_id: str, refresh_token: str) -> TokenPair:
            with httpx.Client(timeout=30) as client:
                return tiktok_auth.refresh(client, auth_url, app, refresh_token)

        return refresh_tiktok


