"""Authorizing the seller's shops and keeping their tokens fresh (wires settings, store and clients).

`syncstore auth shopee|tiktok` builds the authorization link, catches the redirect on a loopback
port (or takes a pasted code), exchanges the code and stores the tokens. Against the sandbox,
`--sandbox-approve` plays the seller's part in the consent page so scripts can authorize.
"""

from __future__ import annotations

import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx

from syncstore_cli.domain.auth import ShopAuth, TokenPair
from syncstore_cli.errors import ConfigError, UserInputError
from syncstore_cli.marketplaces.http import Exchange, SignedHttpClient
from syncstore_cli.marketplaces.ratelimit import RateBudget
from syncstore_cli.marketplaces.shopee import auth as shopee_auth
from syncstore_cli.marketplaces.shopee.responses import classify as shopee_classify
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner, ShopeeShopToken, ShopeeSigner
from syncstore_cli.marketplaces.tiktok import auth as tiktok_auth
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok_classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokApp, TikTokShopToken, TikTokSigner
from syncstore_cli.marketplaces.tokens import TokenKeeper

if TYPE_CHECKING:
    from syncstore_cli.services import Services
    from syncstore_cli.store.tokens import TokenStore

WARN_BEFORE_SECONDS = 7 * 86_400
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class ShopStatus:
    platform: str
    shop_id: str
    shop_name: str | None
    authorized: bool
    access_expires_at: float
    refresh_expires_at: float
    authorization_expires_at: float | None
    warnings: tuple[str, ...]


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def _approve_in_sandbox(client: httpx.Client, consent_url: str) -> dict[str, str]:
    """Open the sandbox's consent page and press its first 'Authorize' link, as the seller would."""
    page = client.get(consent_url)
    if page.status_code != 200 or 'href="' not in page.text:
        raise UserInputError(f"the sandbox consent page did not offer a shop to authorize (HTTP {page.status_code})")
    link = html.unescape(page.text.split('href="', 1)[1].split('"', 1)[0])
    answer = client.get(link if link.startswith("http") else f"{_origin(consent_url)}{link}")
    location = answer.headers.get("location", "")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    if "code" not in params:
        raise UserInputError("the sandbox did not redirect with an authorization code")
    return params


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Authorization:
    def __init__(self, services: Services, *, clock: Callable[[], float] = time.time) -> None:
        self._services = services
        self._settings = services.settings
        self._clock = clock
        self._budgets: dict[str, RateBudget] = {}
        # Tests inject a fake `sleep`/`clock` here so no test waits out a real backoff.
        self.http_overrides: dict[str, Any] = {}

    @property
    def tokens(self) -> TokenStore:
        from syncstore_cli.store.tokens import TokenStore

        return TokenStore(self._services.engine)

    def _secrets(self) -> list[str | None]:
        return list(self._settings.secrets())

    # -- credentials -----------------------------------------------------------------------
    def shopee_partner(self) -> ShopeePartner:
        partner_id = self._settings.get("shopee.partner_id")
        key = self._settings.get("shopee.partner_key")
        if not partner_id or not partner_id.isdigit():
            raise ConfigError("shopee.partner_id is not set to a number (SYNCSTORE_SHOPEE_PARTNER_ID)")
        if not key:
            raise ConfigError("shopee.partner_key is not set (SYNCSTORE_SHOPEE_PARTNER_KEY)")
        return ShopeePartner(int(partner_id), key)

    def tiktok_app(self) -> TikTokApp:
        app_key, secret = self._settings.get("tiktok.app_key"), self._settings.get("tiktok.app_secret")
        if not app_key:
            raise ConfigError("tiktok.app_key is not set (SYNCSTORE_TIKTOK_APP_KEY)")
        if not secret:
            raise ConfigError("tiktok.app_secret is not set (SYNCSTORE_TIKTOK_APP_SECRET)")
        return TikTokApp(app_key, secret)

    def budget(self, platform: str) -> RateBudget:
        """The process-wide request budget for a platform's shops (keyed per shop by the clients)."""
        if platform not in self._budgets:
            try:
                rate = float(self._settings.get(f"{platform}.rate_per_second") or 0)
                burst = int(self._settings.get(f"{platform}.rate_burst") or 0)
            except ValueError:
                raise ConfigError(f"{platform}.rate_per_second / rate_burst must be numbers") from None
            if rate <= 0 or burst < 1:
                raise ConfigError(f"{platform}.rate_per_second must be above 0 and rate_burst at least 1")
            self._budgets[platform] = RateBudget(rate, burst)
        return self._budgets[platform]

    def read_concurrency(self) -> int:
        value = self._settings.get("read_concurrency") or "1"
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(f"read_concurrency must be a whole number of at least 1, not '{value}'")
        return int(value)

    def shopee_http(self, shop_token: Callable[[], ShopeeShopToken | None] | None = None, *,
                    on_exchange: Callable[[Exchange], None] | None = None, shop_id: str = "") -> SignedHttpClient:
        partner = self.shopee_partner()
        return SignedHttpClient("shopee", self._base("shopee.base_url"), ShopeeSigner(lambda: partner, shop_token),
                                shopee_classify, secrets=self._secrets, on_exchange=on_exchange,
                                budget=self.budget("shopee"), budget_key=f"shopee:{shop_id}", **self.retry_policy())

    def tiktok_http(self, shop_token: Callable[[], TikTokShopToken | None] | None = None, *,
                    on_exchange: Callable[[Exchange], None] | None = None, shop_id: str = "") -> SignedHttpClient:
        app = self.tiktok_app()
        return SignedHttpClient("tiktok", self._base("tiktok.base_url"), TikTokSigner(lambda: app, shop_token),
                                tiktok_classify, secrets=self._secrets, on_exchange=on_exchange,
                                budget=self.budget("tiktok"), budget_key=f"tiktok:{shop_id}", **self.retry_policy())

    def retry_policy(self) -> dict[str, Any]:
        """Attempts, backoff and timeout for every marketplace request, from settings (sync.*)."""
        try:
            return {
                "max_attempts": max(1, int(self._settings.get("sync.max_attempts") or 3)),
                "backoff_base": float(self._settings.get("sync.backoff_base") or 2),
                "backoff_max": float(self._settings.get("sync.backoff_max") or 8),
                "max_retry_after": float(self._settings.get("sync.max_retry_after") or 30),
                "timeout": float(self._settings.get("sync.request_timeout") or 30),
                **self.http_overrides,
            }
        except ValueError as error:
            raise ConfigError(f"sync retry settings: {error}") from None

    def _base(self, key: str) -> str:
        value = self._settings.get(key)
        if not value:
            raise ConfigError(f"{key} is not set")
        return value

    # -- authorization ---------------------------------------------------------------------
    def authorize_shopee(self, *, code: str | None = None, shop_id: str | None = None,
                         sandbox_approve: bool = False, show_link: Callable[[str], None] = print,
                         timeout: float = 600) -> ShopAuth:
        from syncstore_cli.loopback import RedirectCatcher

        partner = self.shopee_partner()
        base = self._base("shopee.base_url")
        if code is None:
            if sandbox_approve:
                self._require_sandbox(base, "shopee")
                link = shopee_auth.authorization_link(base, partner, "http://127.0.0.1:9/callback", int(self._clock()))
                with httpx.Client(timeout=30) as client:
                    params = _approve_in_sandbox(client, link)
            else:
                catcher = RedirectCatcher()
                show_link(shopee_auth.authorization_link(base, partner, catcher.url, int(self._clock())))
                got = catcher.wait(timeout)
                if got is None:
                    raise UserInputError("no authorization arrived in time; run again or pass --code and --shop-id")
                params = got
            code, shop_id = params["code"], params.get("shop_id")
        if not shop_id or not shop_id.isdigit():
            raise UserInputError("--shop-id is required with --code for Shopee (the redirect carries it)")
        with self.shopee_http() as http:
            pair = shopee_auth.exchange_code(http, partner.partner_id, code, int(shop_id), self._clock())
        # Stored before anything else uses it: the code is spent now.
        self.tokens.save_authorization("shopee", shop_id, pair)
        token = ShopeeShopToken(int(shop_id), pair.access_token)
        with self.shopee_http(lambda: token) as http:
            info = http.request("GET", "/api/v2/shop/get_shop_info")
        self.tokens.save_authorization("shopee", shop_id, pair, shop_name=str(info.get("shop_name") or ""),
                                       authorization_expires_at=_float(info.get("expire_time")))
        return self._shop("shopee", shop_id)

    def authorize_tiktok(self, *, code: str | None = None, sandbox_approve: bool = False,
                         show_link: Callable[[str], None] = print, timeout: float = 600) -> ShopAuth:
        from syncstore_cli.loopback import RedirectCatcher

        app = self.tiktok_app()
        auth_url = self._base("tiktok.auth_url")
        state = secrets.token_urlsafe(12)
        if code is None:
            if sandbox_approve:
                self._require_sandbox(auth_url, "tiktok")
                link = tiktok_auth.authorization_link(auth_url, app.app_key, state, "http://127.0.0.1:9/callback")
                with httpx.Client(timeout=30) as client:
                    params = _approve_in_sandbox(client, link)
            else:
                catcher = RedirectCatcher()
                show_link(tiktok_auth.authorization_link(auth_url, app.app_key, state, catcher.url))
                got = catcher.wait(timeout)
                if got is None:
                    raise UserInputError("no authorization arrived in time; run again or pass --code")
                params = got
            if params.get("state") != state:
                raise UserInputError("the authorization came back with a different state; start again")
            code = params["code"]
        with httpx.Client(timeout=30) as client:
            pair = tiktok_auth.exchange_code(client, auth_url, app, code)
        token = TikTokShopToken(pair.access_token)
        with self.tiktok_http(lambda: token) as http:
            shops = tiktok_auth.authorized_shops(http)
        if not shops:
            raise UserInputError("the authorization grants no shop")
        shop = shops[0]
        self.tokens.save_authorization("tiktok", str(shop["id"]), pair, shop_cipher=str(shop.get("cipher") or ""),
                                       shop_name=str(shop.get("name") or ""),
                                       authorization_expires_at=pair.refresh_expires_at)
        return self._shop("tiktok", str(shop["id"]))

    def _require_sandbox(self, url: str, platform: str) -> None:
        if not _is_loopback(url):
            raise UserInputError(f"--sandbox-approve works only against the local sandbox; {platform} is "
                                 f"configured for {url}, where the seller approves in a browser")

    def _shop(self, platform: str, shop_id: str) -> ShopAuth:
        shop = self.tokens.get_shop(platform, shop_id)
        assert shop is not None  # just stored
        return shop

    # -- keeping tokens fresh --------------------------------------------------------------
    def keeper(self, platform: str) -> TokenKeeper:
        return TokenKeeper(self.tokens, platform, self._refresher(platform), clock=self._clock)

    def _refresher(self, platform: str) -> Callable[[str, str], TokenPair]:
        if platform == "shopee":
            partner = self.shopee_partner()

            def refresh_shopee(shop_id: str, refresh_token: str) -> TokenPair:
                with self.shopee_http() as http:
                    return shopee_auth.refresh(http, partner.partner_id, int(shop_id), refresh_token, self._clock())

            return refresh_shopee
        app = self.tiktok_app()
        auth_url = self._base("tiktok.auth_url")

        def refresh_tiktok(shop_id: str, refresh_token: str) -> TokenPair:
            with httpx.Client(timeout=30) as client:
                return tiktok_auth.refresh(client, auth_url, app, refresh_token)

        return refresh_tiktok

    def status(self) -> list[ShopStatus]:
        now = self._clock()
        result = []
        for shop in self.tokens.shops():
            warnings = []
            if not shop.authorized:
                warnings.append(f"not authorized: run `syncstore auth {shop.platform}`")
            if shop.tokens.refresh_expires_at - now < WARN_BEFORE_SECONDS:
                warnings.append("refresh token expires within 7 days: any sync refreshes it; or authorize again")
            if shop.authorization_expires_at is not None and shop.authorization_expires_at - now < WARN_BEFORE_SECONDS:
                warnings.append("authorization ends within 7 days: the seller must authorize again")
            result.append(ShopStatus(shop.platform, shop.shop_id, shop.shop_name, shop.authorized,
                                     shop.tokens.access_expires_at, shop.tokens.refresh_expires_at,
                                     shop.authorization_expires_at, tuple(warnings)))
        return result


def _float(value: object) -> float | None:
    try:
        return None if value is None else float(str(value))
    except ValueError:
        return None
