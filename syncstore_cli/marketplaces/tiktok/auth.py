"""TikTok Shop OAuth: authorization link, code exchange and refresh on the auth host (tiktok.md §2).

The token endpoints are unsigned GETs carrying the app secret in the query, so their URLs and
errors are redacted here before anything can print them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from syncstore_cli.domain.auth import TokenPair
from syncstore_cli.marketplaces.errors import MarketplaceTimeout, NetworkError, ValidationFailed, redact
from syncstore_cli.marketplaces.http import SignedHttpClient
from syncstore_cli.marketplaces.tiktok.responses import classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokApp


def authorization_link(auth_url: str, app_key: str, state: str, redirect_uri: str | None = None) -> str:
    query = {"app_key": app_key, "state": state}
    if redirect_uri:
        query["redirect_uri"] = redirect_uri  # honoured by the sandbox; live apps register theirs in Partner Center
    return f"{auth_url.rstrip('/')}/oauth/authorize?{urlencode(query)}"


def _token_call(client: httpx.Client, auth_url: str, path: str, app: TikTokApp, params: dict[str, str]) -> TokenPair:
    secrets = [app.app_secret, *params.values()]
    try:
        response = client.get(f"{auth_url.rstrip('/')}{path}",
                              params={"app_key": app.app_key, "app_secret": app.app_secret, **params})
    except httpx.TimeoutException:
        error: Exception = MarketplaceTimeout("tiktok", f"no answer from the auth host for {path}")
    except httpx.TransportError as exc:
        error = NetworkError("tiktok", redact(f"auth host unreachable for {path}: {exc}", secrets))
    else:
        try:
            body: dict[str, Any] | None = response.json()
        except ValueError:
            body = None
        problem = classify(response.status_code, body, response.headers)
        if problem is None and body is not None:
            return _pair(body.get("data") or {})
        final = problem or ValidationFailed("tiktok", "token answer was empty")
        final.marketplace_message = redact(final.marketplace_message, secrets)
        error = final
    raise error


def _pair(data: dict[str, Any]) -> TokenPair:
    try:
        return TokenPair(str(data["access_token"]), str(data["refresh_token"]),
                         float(data["access_token_expire_in"]), float(data["refresh_token_expire_in"]))
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed("tiktok", "token answer is missing a token or an expiry") from None


def exchange_code(client: httpx.Client, auth_url: str, app: TikTokApp, code: str) -> TokenPair:
    return _token_call(client, auth_url, "/api/v2/token/get", app,
                       {"auth_code": code, "grant_type": "authorized_code"})


def refresh(client: httpx.Client, auth_url: str, app: TikTokApp, refresh_token: str) -> TokenPair:
    return _token_call(client, auth_url, "/api/v2/token/refresh", app,
                       {"refresh_token": refresh_token, "grant_type": "refresh_token"})


def authorized_shops(http: SignedHttpClient) -> list[dict[str, Any]]:
    body = http.request("GET", "/authorization/202309/shops")
    shops = (body.get("data") or {}).get("shops") or []
    return [dict(shop) for shop in shops]
