"""TikTok Shop's `Signer` for the shared HTTP core (API version 202309 and later).

`app_key`, `timestamp` and, on shop-scoped calls, `shop_cipher` go in the query; the sign covers the
path, the sorted query and the exact body bytes (not multipart bodies); the access token travels in
the `x-tts-access-token` header, outside the signature. Credentials and token are read through
callables on every attempt, so a retry after a token refresh uses the new token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncstore_cli.marketplaces.http import MULTIPART_CONTENT_TYPE, OutgoingRequest, Signature
from syncstore_cli.marketplaces.tiktok.signing import sign

TOKEN_HEADER = "x-tts-access-token"

# Calls that are not about one shop: they must not carry shop_cipher.
NO_CIPHER_PREFIXES = ("/authorization/",)
NO_CIPHER_PATHS = frozenset({"/product/202309/images/upload", "/product/202309/files/upload"})


def takes_shop_cipher(path: str) -> bool:
    return path not in NO_CIPHER_PATHS and not path.startswith(NO_CIPHER_PREFIXES)


@dataclass(frozen=True)
class TikTokApp:
    app_key: str
    app_secret: str

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks that print locals
        return f"TikTokApp(app_key={self.app_key!r}, app_secret=[redacted])"


@dataclass(frozen=True)
class TikTokShopToken:
    access_token: str
    shop_cipher: str | None = None

    def __repr__(self) -> str:
        return f"TikTokShopToken(access_token=[redacted], shop_cipher={self.shop_cipher!r})"


class TikTokSigner:
    def __init__(self, app: Callable[[], TikTokApp], shop_token: Callable[[], TikTokShopToken | None] | None = None,
                 ) -> None:
        self._app = app
        self._shop_token = shop_token

    def sign(self, request: OutgoingRequest, timestamp: int) -> Signature:
        app = self._app()
        token = self._shop_token() if self._shop_token is not None else None
        query = {**request.query, "app_key": app.app_key, "timestamp": str(timestamp)}
        query.pop("sign", None)
        if token is not None and token.shop_cipher and takes_shop_cipher(request.path):
            query["shop_cipher"] = token.shop_cipher
        multipart = (request.content_type or "").lower().startswith(MULTIPART_CONTENT_TYPE)
        query["sign"] = sign(app.app_secret, request.path, query, request.body, multipart=multipart)
        headers: dict[str, str] = {}
        secrets = [app.app_secret, query["sign"]]
        if token is not None:
            headers[TOKEN_HEADER] = token.access_token
            secrets.append(token.access_token)
        return Signature(query, headers, tuple(secrets))
