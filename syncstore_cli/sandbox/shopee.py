"""Shopee Open Platform v2 as the sandbox serves it: gateway checks, OAuth, shop APIs.

Gateway checks follow shared/marketplaces/shopee.md §8 in order: partner_id, timestamp
(±300 s), sign, then for shop APIs access_token and shop_id. Errors carry Shopee's codes and
messages (including its spelling `invalid_acceess_token`); success is `error == ""`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.faults import DailyQuota, TokenBuckets, shopee_daily_limited, shopee_rate_limited
from syncstore_cli.sandbox.signatures import shopee_sign_ok
from syncstore_cli.sandbox.tokens import TokenBook
from syncstore_cli.sandbox.web import Request, Response, Router, request_id

PLATFORM = "shopee"
REFRESH_TOKEN_ERROR = "Your refresh token is error ,please check refresh token or shopid."  # Shopee's wording
PUBLIC_PATHS = {
    "/api/v2/shop/auth_partner",
    "/api/v2/auth/token/get",
    "/api/v2/auth/access_token/get",
    "/api/v2/public/get_shops_by_partner",
}


def error(code: str, message: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response.json({"request_id": request_id(), "error": code, "message": message}, status, headers)


def ok(response: dict[str, Any] | None = None, **top_level: Any) -> Response:
    body: dict[str, Any] = {"request_id": request_id(), "error": "", "message": "", "warning": ""}
    if response is not None:
        body["response"] = response
    body.update(top_level)
    return Response.json(body)


class ShopeeSandbox:
    def __init__(self, config: c.SandboxConfig, tokens: TokenBook, shops: dict[str, str]) -> None:
        self.config = config
        self.tokens = tokens
        self.shops = shops  # shop_id -> shop name
        self.rate = TokenBuckets(config.limits.shopee_per_shop, config.clock)
        # DailyQuota counts days of 86,400 s from 00:00 UTC+8; on the calendar clock they last `day_seconds`.
        self.daily = DailyQuota(config.shopee_daily_quota, config.calendar)

    @property
    def now(self) -> float:
        return self.config.clock()

    def register(self, router: Router) -> None:
        router.add("GET", "/api/v2/shop/auth_partner", self.auth_partner)
        router.add("GET", "/sandbox/shopee/approve", self.approve)
        router.add("POST", "/api/v2/auth/token/get", self.public(self.token_get))
        router.add("POST", "/api/v2/auth/access_token/get", self.public(self.refresh))
        router.add("GET", "/api/v2/shop/get_shop_info", self.shop_api(self.shop_info))

    # -- gateway ---------------------------------------------------------------------------
    def gateway(self, request: Request, *, shop_api: bool) -> Response | None:
        q = request.query
        partner_id = q.get("partner_id")
        if not partner_id:
            return error("error_param", "There is no partner_id in query.", 400)
        if not partner_id.isdigit() or int(partner_id) > 4294967295:
            return error("error_param", "partner_id should be an integer between 0 and 4294967295.", 400)
        if partner_id != self.config.shopee_partner_id:
            return error("invalid_partner_id", "Invalid partner_id, please have a check.", 403)
        timestamp = q.get("timestamp")
        if not timestamp:
            return error("error_param", "no timestamp", 400)
        if not timestamp.isdigit():
            return error("error_param", "Invalid timestamp", 400)
        if abs(self.now - int(timestamp)) > c.TIMESTAMP_WINDOW:
            return error("error_param", "Timestamp is expired.", 400)
        sign = q.get("sign")
        if not sign:
            return error("error_param", "There is no sign in query.", 400)
        access_token = q.get("access_token") if shop_api else None
        shop_id = q.get("shop_id") if shop_api else None
        if shop_api and not access_token:
            return error("error_param", "There is no access_token in query.", 400)
        if shop_api and not shop_id:
            return error("error_param", "There is no shop_id in query.", 400)
        if not shopee_sign_ok(self.config.shopee_partner_key, sign, partner_id=partner_id, path=request.path,
                              timestamp=timestamp, access_token=access_token, shop_id=shop_id):
            return error("error_sign", "Wrong sign.", 403)
        if shop_api:
            record = self.tokens.find(PLATFORM, "access", access_token or "")
            if record is None or record.expires_at <= self.now:
                return error("invalid_acceess_token", "Invalid access_token, please have a check.", 403)
            if record.shop_id != shop_id:
                return error("error_auth", "Invalid partner_id or shopid.", 403)
            # Limits count per shop, and only calls the gateway has authenticated.
            wait = self.rate.take(shop_id or "")
            if wait is not None:
                return shopee_rate_limited(wait)
            if not self.daily.take(shop_id or ""):
                return shopee_daily_limited()
        return None

    def public(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def guarded(request: Request) -> Response:
            return self.gateway(request, shop_api=False) or handler(request)

        return guarded

    def shop_api(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def guarded(request: Request) -> Response:
            return self.gateway(request, shop_api=True) or handler(request)

        return guarded

    # -- authorization ---------------------------------------------------------------------
    def auth_partner(self, request: Request) -> Response:
        refused = self.gateway(request, shop_api=False)
        if refused is not None:
            return refused
        redirect = request.query.get("redirect", "")
        if not redirect:
            return error("error_param", "redirect is required", 400)
        options = "".join(
            f'<li><a href="/sandbox/shopee/approve?{urlencode({"redirect": redirect, "shop_id": sid})}">'
            f"Authorize {html.escape(name)} (shop {sid})</a></li>"
            for sid, name in self.shops.items()
        )
        return Response.html(
            "<!doctype html><title>Shopee Open Platform (sandbox): authorize app</title>"
            f"<h1>Authorize partner {html.escape(self.config.shopee_partner_id)}</h1>"
            "<p>The app asks to manage your shop's products. Authorization lasts 365 days.</p>"
            f"<ul>{options}</ul>"
        )

    def approve(self, request: Request) -> Response:
        redirect = request.query.get("redirect", "")
        shop_id = request.query.get("shop_id", "")
        if shop_id not in self.shops or not redirect:
            return error("error_param", "unknown shop or missing redirect", 400)
        code = self.tokens.issue(PLATFORM, "code", shop_id, self.now, c.SHOPEE_CODE_SECONDS)
        separator = "&" if "?" in redirect else "?"
        return Response.redirect(f"{redirect}{separator}{urlencode({'code': code, 'shop_id': shop_id})}")

    def _issue_pair(self, shop_id: str) -> dict[str, Any]:
        access = self.tokens.issue(PLATFORM, "access", shop_id, self.now, c.SHOPEE_ACCESS_SECONDS)
        refresh = self.tokens.issue(PLATFORM, "refresh", shop_id, self.now, c.SHOPEE_REFRESH_SECONDS)
        return {"access_token": access, "refresh_token": refresh, "expire_in": c.SHOPEE_ACCESS_SECONDS}

    def token_get(self, request: Request) -> Response:
        body = request.json()
        code, shop_id = str(body.get("code", "")), str(body.get("shop_id", ""))
        if str(body.get("partner_id", "")) != self.config.shopee_partner_id:
            return error("error_param", "partner_id in body does not match the query.", 400)
        record = self.tokens.find(PLATFORM, "code", code)
        if record is None or record.expires_at <= self.now or record.shop_id != shop_id or not self.tokens.spend(
            code, self.now
        ):
            return error("invalid_code", "The code is expired or used or invalid, please check the code.")
        return ok(**self._issue_pair(shop_id))

    def refresh(self, request: Request) -> Response:
        body = request.json()
        token, shop_id = str(body.get("refresh_token", "")), str(body.get("shop_id", ""))
        record = self.tokens.find(PLATFORM, "refresh", token)
        if record is None or record.shop_id != shop_id:
            return error("error_shop_refresh_token", REFRESH_TOKEN_ERROR)
        if record.expires_at <= self.now:
            return error("refresh_token_expired", "refresh_token is expired.")
        if not self.tokens.spend(token, self.now):
            return error("error_shop_refresh_token", REFRESH_TOKEN_ERROR)
        # The access tokens issued before stay valid for 5 more minutes, as on Shopee.
        for old in self.tokens.latest(PLATFORM, "access", shop_id):
            self.tokens.shorten(old.token, self.now + c.SHOPEE_OLD_ACCESS_GRACE)
        return ok(partner_id=int(self.config.shopee_partner_id), shop_id=int(shop_id), **self._issue_pair(shop_id))

    # -- shop ----------------------------------------------------------------------------------
    def shop_info(self, request: Request) -> Response:
        shop_id = request.query["shop_id"]
        auth_time = int(self.now)
        return ok(shop_name=self.shops.get(shop_id, ""), region="ID", status="NORMAL", is_cb=False,
                  auth_time=auth_time, expire_time=auth_time + 365 * 86_400)
