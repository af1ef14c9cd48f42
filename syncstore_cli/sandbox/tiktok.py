"""TikTok Shop Open API 202309 as the sandbox serves it: gateway checks, OAuth, shop APIs.

Gateway: app_key, timestamp (±300 s), sign over path + sorted query + raw body (its own
verifier), the `x-tts-access-token` header, and the `shop_cipher` rules (required on
shop-scoped calls, refused on `/authorization/*`). Token endpoints live on the auth host
and are unsigned GETs; `*_expire_in` are absolute Unix times (shared/marketplaces/tiktok.md §2).
The refresh token rotates on every refresh; the previous one stays usable for 5 minutes.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.faults import TokenBuckets, tiktok_rate_limited
from syncstore_cli.sandbox.signatures import tiktok_sign_ok
from syncstore_cli.sandbox.tokens import TokenBook
from syncstore_cli.sandbox.web import Request, Response, Router

PLATFORM = "tiktok"
PARAM_ERROR = 36009004
BAD_SIGN = 106001
EXPIRED_TOKEN = 105002
MISSING_CIPHER = 106013
GRANTED_SCOPES = [
    "seller.authorization.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.logistics",
    "seller.shop.info",
]


def tiktok_request_id() -> str:
    return "20261124" + secrets.token_hex(13).upper()


def failure(code: int, message: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response.json(
        {"code": code, "message": message, "request_id": tiktok_request_id(), "data": None}, status, headers
    )


def _approve_query(shop_id: str, state: str, redirect: str) -> str:
    return urlencode({"shop_id": shop_id, "state": state, "redirect_uri": redirect})


def _api_key(method: str, path: str) -> str:
    # Product and category ids are long digit strings; versions (202309) are short.
    return method + " " + "/".join("{id}" if len(seg) > 8 and seg.isdigit() else seg for seg in path.split("/"))


def success(data: dict[str, Any], message: str = "Success") -> Response:
    return Response.json({"code": 0, "message": message, "request_id": tiktok_request_id(), "data": data})


class TikTokSandbox:
    def __init__(self, config: c.SandboxConfig, tokens: TokenBook, shops: dict[str, dict[str, str]]) -> None:
        self.config = config
        self.tokens = tokens
        self.shops = shops  # shop_id -> {"name", "cipher"}
        self.rate = TokenBuckets(config.limits.tiktok_per_path_per_shop, config.clock)

    @property
    def now(self) -> float:
        return self.config.clock()

    def register(self, router: Router) -> None:
        router.add("GET", "/oauth/authorize", self.consent_page)
        router.add("GET", "/sandbox/tiktok/approve", self.approve)
        router.add("GET", "/api/v2/token/get", self.token_get)
        router.add("GET", "/api/v2/token/refresh", self.token_refresh)
        router.add("GET", "/authorization/202309/shops", self.guard(self.authorized_shops, shop_scoped=False))

    # -- gateway ---------------------------------------------------------------------------
    def gateway(self, request: Request, *, shop_scoped: bool) -> Response | None:
        q = request.query
        if q.get("app_key") != self.config.tiktok_app_key:
            return failure(PARAM_ERROR, "Invalid credentials. Invalid 'app_key' query parameter.", 400)
        timestamp = q.get("timestamp", "")
        if not timestamp.isdigit() or abs(self.now - int(timestamp)) > c.TIMESTAMP_WINDOW:
            return failure(
                PARAM_ERROR, "Invalid timestamp. The 'timestamp' must be within 5 minutes of server time.", 400
            )
        sign = q.get("sign", "")
        if not sign or not tiktok_sign_ok(
            self.config.tiktok_app_secret, sign, request.path, q, request.body, request.content_type
        ):
            return failure(BAD_SIGN, "Invalid credentials. The 'sign' query parameter is invalid.", 401)
        token = request.headers.get("x-tts-access-token", "")
        record = self.tokens.find(PLATFORM, "access", token) if token else None
        if record is None:
            return failure(PARAM_ERROR, "Invalid credentials. The 'x-tts-access-token' header is invalid.", 401)
        if record.expires_at <= self.now:
            return failure(
                EXPIRED_TOKEN,
                "Expired credentials. The 'access_token' or 'x-tts-access-token' header has expired.",
                401,
            )
        cipher = q.get("shop_cipher")
        if shop_scoped:
            if not cipher:
                return failure(
                    MISSING_CIPHER,
                    "Missing identifier. The 'shop_cipher' query parameter is required to identify the target shop.",
                    400,
                )
            if self.shops.get(record.shop_id, {}).get("cipher") != cipher:
                return failure(105005, "Access denied. The shop_cipher does not belong to this token.", 403)
        elif cipher is not None:
            return failure(PARAM_ERROR, "The 'shop_cipher' query parameter is not required for this request", 400)
        # TikTok counts per API per shop; a path with an id in it still names one API, so key on its stem.
        wait = self.rate.take(record.shop_id, _api_key(request.method, request.path))
        if wait is not None:
            return tiktok_rate_limited(wait)
        return None

    def guard(
        self, handler: Callable[[Request], Response], *, shop_scoped: bool = True
    ) -> Callable[[Request], Response]:
        def guarded(request: Request) -> Response:
            return self.gateway(request, shop_scoped=shop_scoped) or handler(request)

        return guarded

    def shop_of(self, request: Request) -> str:
        record = self.tokens.find(PLATFORM, "access", request.headers.get("x-tts-access-token", ""))
        assert record is not None  # the gateway let it through
        return record.shop_id

    # -- authorization ---------------------------------------------------------------------
    def consent_page(self, request: Request) -> Response:
        if request.query.get("app_key") != self.config.tiktok_app_key and request.query.get("service_id") is None:
            return Response.html("<h1>This service does not exist</h1>", 404)
        state = request.query.get("state", "")
        redirect = request.query.get("redirect_uri", "")
        links = "".join(
            f'<li><a href="/sandbox/tiktok/approve?{_approve_query(sid, state, redirect)}">'
            f"Authorize {html.escape(shop['name'])}</a></li>"
            for sid, shop in self.shops.items()
        )
        return Response.html(
            "<!doctype html><title>TikTok Shop (sandbox): authorize app</title>"
            "<h1>Authorize SyncStore</h1><p>Scopes: " + ", ".join(GRANTED_SCOPES) + f"</p><ul>{links}</ul>"
        )

    def approve(self, request: Request) -> Response:
        shop_id = request.query.get("shop_id", "")
        if shop_id not in self.shops:
            return Response.html("<h1>Unknown shop</h1>", 400)
        code = self.tokens.issue(PLATFORM, "code", shop_id, self.now, c.TIKTOK_CODE_SECONDS, prefix="ROW_")
        redirect = request.query.get("redirect_uri", "")
        params = urlencode(
            {
                "code": code,
                "state": request.query.get("state", ""),
                "app_key": self.config.tiktok_app_key,
                "shop_region": "ID",
                "locale": "id-ID",
            }
        )
        if redirect:
            return Response.redirect(f"{redirect}{'&' if '?' in redirect else '?'}{params}")
        return Response.html(f"<h1>Authorized</h1><p>Authorization code: <code>{html.escape(code)}</code></p>")

    def _app_ok(self, request: Request) -> Response | None:
        q = request.query
        if q.get("app_key") != self.config.tiktok_app_key or q.get("app_secret") != self.config.tiktok_app_secret:
            return failure(PARAM_ERROR, "Invalid credentials. Invalid 'app_key' or 'app_secret'.", 400)
        return None

    def _pair(self, shop_id: str) -> dict[str, Any]:
        access = self.tokens.issue(PLATFORM, "access", shop_id, self.now, c.TIKTOK_ACCESS_SECONDS, prefix="ROW_")
        refresh = self.tokens.issue(PLATFORM, "refresh", shop_id, self.now, c.TIKTOK_REFRESH_SECONDS, prefix="ROW_")
        return {
            "access_token": access,
            "access_token_expire_in": int(self.now + c.TIKTOK_ACCESS_SECONDS),
            "refresh_token": refresh,
            "refresh_token_expire_in": int(self.now + c.TIKTOK_REFRESH_SECONDS),
            "open_id": f"open-{shop_id}",
            "seller_name": self.shops[shop_id]["name"],
            "seller_base_region": "ID",
            "user_type": 0,
            "granted_scopes": GRANTED_SCOPES,
        }

    def token_get(self, request: Request) -> Response:
        refused = self._app_ok(request)
        if refused:
            return refused
        if request.query.get("grant_type") != "authorized_code":
            return failure(PARAM_ERROR, "Invalid 'grant_type'; expected authorized_code.", 400)
        code = request.query.get("auth_code", "")
        record = self.tokens.find(PLATFORM, "code", code)
        if record is None or record.expires_at <= self.now or not self.tokens.spend(code, self.now):
            return failure(PARAM_ERROR, "Invalid 'auth_code': it is expired, used or unknown.", 400)
        return success(self._pair(record.shop_id), message="success")

    def token_refresh(self, request: Request) -> Response:
        refused = self._app_ok(request)
        if refused:
            return refused
        if request.query.get("grant_type") != "refresh_token":
            return failure(PARAM_ERROR, "Invalid 'grant_type'; expected refresh_token.", 400)
        token = request.query.get("refresh_token", "")
        record = self.tokens.find(PLATFORM, "refresh", token)
        if record is None or record.expires_at <= self.now:
            return failure(PARAM_ERROR, "Invalid 'refresh_token': it is expired or unknown.", 400)
        # Rotation: the used token stays valid for a short grace, then only the newest one works.
        if self.tokens.spend(token, self.now):
            self.tokens.shorten(token, self.now + c.TIKTOK_OLD_REFRESH_GRACE)
        return success(self._pair(record.shop_id), message="success")

    # -- shop ----------------------------------------------------------------------------------
    def authorized_shops(self, request: Request) -> Response:
        shop_id = self.shop_of(request)
        shop = self.shops[shop_id]
        return success(
            {
                "shops": [
                    {
                        "id": shop_id,
                        "name": shop["name"],
                        "region": "ID",
                        "seller_type": "LOCAL",
                        "cipher": shop["cipher"],
                        "code": "IDLCSYNC01",
                    }
                ]
            }
        )
