"""Shopee's `Signer` for the shared HTTP core: common query parameters and sign, fresh for each attempt.

Credentials and the shop token are read through callables on every attempt, so a retry after a token
refresh signs with the new token. Public APIs (auth, `public/*`, `push/*`, the auth link and image
upload, which the documentation types Public) are signed without token and shop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncstore_cli.marketplaces.errors import NeedsAuthError
from syncstore_cli.marketplaces.http import OutgoingRequest, Signature
from syncstore_cli.marketplaces.shopee.signing import signed_query

PLATFORM = "shopee"

PUBLIC_PREFIXES = ("/api/v2/public/", "/api/v2/push/")
PUBLIC_PATHS = frozenset({
    "/api/v2/auth/token/get",
    "/api/v2/auth/access_token/get",
    "/api/v2/shop/auth_partner",
    "/api/v2/shop/cancel_auth_partner",
    "/api/v2/media_space/upload_image",
})


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


@dataclass(frozen=True)
class ShopeePartner:
    partner_id: int
    partner_key: str

    def __repr__(self) -> str:  # keeps the key out of logs and tracebacks that print locals
        return f"ShopeePartner(partner_id={self.partner_id}, partner_key=[redacted])"


@dataclass(frozen=True)
class ShopeeShopToken:
    shop_id: int
    access_token: str

    def __repr__(self) -> str:
        return f"ShopeeShopToken(shop_id={self.shop_id}, access_token=[redacted])"


class ShopeeSigner:
    """Signs shop APIs with the shop's current token, public APIs with the partner key alone."""

    def __init__(self, partner: Callable[[], ShopeePartner],
                 shop_token: Callable[[], ShopeeShopToken | None] | None = None) -> None:
        self._partner = partner
        self._shop_token = shop_token

    def sign(self, request: OutgoingRequest, timestamp: int) -> Signature:
        partner = self._partner()
        if is_public(request.path) or self._shop_token is None:
            common = signed_query(partner.partner_id, partner.partner_key, request.path, timestamp)
            return Signature({**request.query, **common}, {}, (partner.partner_key, common["sign"]))
        token = self._shop_token()
        if token is None:
            raise NeedsAuthError(PLATFORM, f"{request.path}: the shop has no access token (authorize it first)")
        common = signed_query(partner.partner_id, partner.partner_key, request.path, timestamp,
                              access_token=token.access_token, shop_id=token.shop_id)
        return Signature({**request.query, **common}, {}, (partner.partner_key, token.access_token, common["sign"]))
