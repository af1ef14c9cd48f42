"""Use case: authorize the seller's shops, and show how long their tokens last.

`syncstore auth shopee|tiktok` builds the authorization link, catches the redirect on a loopback
port (or takes a pasted code), exchanges the code and stores the tokens. Against the sandbox,
`--sandbox-approve` plays the seller's part in the consent page so scripts can authorize.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.auth import ShopAuth
from syncstore_cli.errors import UserInputError
from syncstore_cli.marketplaces.shopee import auth as shopee_auth
from syncstore_cli.marketplaces.shopee.signer import ShopeeShopToken
from syncstore_cli.marketplaces.tiktok import auth as tiktok_auth
from syncstore_cli.marketplaces.tiktok.signer import TikTokShopToken

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


def authorize_shopee(ctx: AppContext, *, code: str | None = None, shop_id: str | None = None,
                     sandbox_approve: bool = False, show_link: Callable[[str], None] = print,
                     timeout: float = 600) -> ShopAuth:
    from syncstore_cli.marketplaces.loopback import RedirectCatcher

    partner = ctx.shops.shopee_partner()
    base = ctx.settings.shopee.base_url
    if code is None:
        if sandbox_approve:
            _require_sandbox(base, "shopee")
            link = shopee_auth.authorization_link(base, partner, "http://127.0.0.1:9/callback", int(ctx.shops.clock()))
            with httpx.Client(timeout=30) as client:
                params = _approve_in_sandbox(client, link)
        else:
            catcher = RedirectCatcher()
            show_link(shopee_auth.authorization_link(base, partner, catcher.url, int(ctx.shops.clock())))
            got = catcher.wait(timeout)
            if got is None:
                raise UserInputError("no authorization arrived in time; run again or pass --code and --shop-id")
            params = got
        code, shop_id = params["code"], params.get("shop_id")
    if not shop_id or not shop_id.isdigit():
        raise UserInputError("--shop-id is required with --code for Shopee (the redirect carries it)")
    with ctx.shops.shopee_http() as http:
        pair = shopee_auth.exchange_code(http, partner.partner_id, code, int(shop_id), ctx.shops.clock())
    # Stored before anything else uses it: the code is spent now.
    ctx.tokens.save_authorization("shopee", shop_id, pair)
    token = ShopeeShopToken(int(shop_id), pair.access_token)
    with ctx.shops.shopee_http(lambda: token) as http:
        info = http.request("GET", "/api/v2/shop/get_shop_info")
    ctx.tokens.save_authorization("shopee", shop_id, pair, shop_name=str(info.get("shop_name") or ""),
                                   authorization_expires_at=_float(info.get("expire_time")))
    return _shop(ctx, "shopee", shop_id)

def authorize_tiktok(ctx: AppContext, *, code: str | None = None, sandbox_approve: bool = False,
                     show_link: Callable[[str], None] = print, timeout: float = 600) -> ShopAuth:
    from syncstore_cli.marketplaces.loopback import RedirectCatcher

    app = ctx.shops.tiktok_app()
    auth_url = ctx.settings.tiktok.auth_url
    state = secrets.token_urlsafe(12)
    if code is None:
        if sandbox_approve:
            _require_sandbox(auth_url, "tiktok")
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
    with ctx.shops.tiktok_http(lambda: token) as http:
        shops = tiktok_auth.authorized_shops(http)
    if not shops:
        raise UserInputError("the authorization grants no shop")
    shop = shops[0]
    ctx.tokens.save_authorization("tiktok", str(shop["id"]), pair, shop_cipher=str(shop.get("cipher") or ""),
                                   shop_name=str(shop.get("name") or ""),
                                   authorization_expires_at=pair.refresh_expires_at)
    return _shop(ctx, "tiktok", str(shop["id"]))

def _require_sandbox(url: str, platform: str) -> None:
    if not _is_loopback(url):
        raise UserInputError(f"--sandbox-approve works only against the local sandbox; {platform} is "
                             f"configured for {url}, where the seller approves in a browser")

def _shop(ctx: AppContext, platform: str, shop_id: str) -> ShopAuth:
    shop = ctx.tokens.get_shop(platform, shop_id)
    assert shop is not None  # just stored
    return shop



def shop_statuses(ctx: AppContext) -> list[ShopStatus]:
    """Every authorized shop with its token and authorization expiry, and what needs attention."""
    now = ctx.shops.clock()
    result = []
    for shop in ctx.tokens.shops():
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
