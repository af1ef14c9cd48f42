"""Shopee OAuth: the authorization link, code exchange and token refresh (shopee.md §3)."""

from __future__ import annotations

from urllib.parse import urlencode

from syncstore_cli.domain.auth import TokenPair
from syncstore_cli.marketplaces.errors import ValidationFailed
from syncstore_cli.marketplaces.http import SignedHttpClient
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner
from syncstore_cli.marketplaces.shopee.signing import signed_query

AUTH_LINK_PATH = "/api/v2/shop/auth_partner"
REFRESH_TOKEN_LIFETIME = 30 * 86_400  # Shopee does not return it; documented as 30 days


def authorization_link(base_url: str, partner: ShopeePartner, redirect: str, timestamp: int) -> str:
    """The legacy signed link every official demo uses; valid for 5 minutes."""
    query = signed_query(partner.partner_id, partner.partner_key, AUTH_LINK_PATH, timestamp)
    return f"{base_url.rstrip('/')}{AUTH_LINK_PATH}?{urlencode({**query, 'redirect': redirect})}"


def _pair(body: dict[str, object], now: float) -> TokenPair:
    access, refresh, expire_in = body.get("access_token"), body.get("refresh_token"), body.get("expire_in")
    if not isinstance(access, str) or not isinstance(refresh, str) or not isinstance(expire_in, int):
        raise ValidationFailed("shopee", "token answer is missing access_token, refresh_token or expire_in")
    return TokenPair(access, refresh, now + expire_in, now + REFRESH_TOKEN_LIFETIME)


def exchange_code(http: SignedHttpClient, partner_id: int, code: str, shop_id: int, now: float) -> TokenPair:
    body = http.request("POST", "/api/v2/auth/token/get",
                        json_body={"code": code, "partner_id": partner_id, "shop_id": shop_id})
    return _pair(body, now)


def refresh(http: SignedHttpClient, partner_id: int, shop_id: int, refresh_token: str, now: float) -> TokenPair:
    # Not idempotent in effect (the token is single-use), but a refused or unanswered refresh is
    # settled by TokenKeeper re-reading the store, so the transport must not retry it blindly.
    body = http.request("POST", "/api/v2/auth/access_token/get", idempotent=False,
                        json_body={"refresh_token": refresh_token, "partner_id": partner_id, "shop_id": shop_id})
    return _pair(body, now)
