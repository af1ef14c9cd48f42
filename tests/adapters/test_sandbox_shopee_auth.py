"""Shopee's gateway and OAuth as the sandbox serves them, reached over HTTP with the client's signer."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from syncstore_cli.marketplaces.shopee.signing import signed_query
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import Sandbox, build_sandbox, serve_in_background

PARTNER = int(c.DEMO_SHOPEE_PARTNER_ID)
KEY = c.DEMO_SHOPEE_PARTNER_KEY
SHOP = int(c.DEMO_SHOPEE_SHOP_ID)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(clock: Clock) -> Iterator[tuple[Sandbox, httpx.Client]]:
    box = build_sandbox(c.SandboxConfig(clock=clock))
    server = serve_in_background(box)
    with httpx.Client(base_url=server.url, timeout=5) as client:
        yield box, client
    server.stop()
    box.close()


def _public(clock: Clock, path: str, **extra: str) -> dict[str, str]:
    return {**signed_query(PARTNER, KEY, path, int(clock.now)), **extra}


def _authorize(clock: Clock, client: httpx.Client) -> dict[str, object]:
    path = "/api/v2/shop/auth_partner"
    page = client.get(path, params=_public(clock, path, redirect="http://127.0.0.1:9/callback"))
    assert page.status_code == 200 and "Authorize" in page.text
    approve = page.text.split('href="')[1].split('"')[0].replace("&amp;", "&")
    redirect = client.get(approve)
    assert redirect.status_code == 302
    callback = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert callback["shop_id"] == [str(SHOP)]
    path = "/api/v2/auth/token/get"
    answer = client.post(path, params=_public(clock, path),
                         json={"code": callback["code"][0], "partner_id": PARTNER, "shop_id": SHOP})
    body: dict[str, object] = answer.json()
    assert body["error"] == "" and body["expire_in"] == 14_400
    # the code is single-use
    again = client.post(path, params=_public(clock, path),
                        json={"code": callback["code"][0], "partner_id": PARTNER, "shop_id": SHOP}).json()
    assert again["error"] == "invalid_code"
    return body


def _shop_info(clock: Clock, client: httpx.Client, token: str, *, sign_key: str = KEY,
               ts_offset: int = 0) -> dict[str, object]:
    path = "/api/v2/shop/get_shop_info"
    query = signed_query(PARTNER, sign_key, path, int(clock.now) + ts_offset, access_token=token, shop_id=SHOP)
    result: dict[str, object] = client.get(path, params=query).json()
    return result


def test_authorize_and_call_a_shop_api(sandbox: tuple[Sandbox, httpx.Client], clock: Clock) -> None:
    _, client = sandbox
    tokens = _authorize(clock, client)
    info = _shop_info(clock, client, str(tokens["access_token"]))
    assert info["error"] == "" and info["shop_name"] == "FPV Parts Jakarta" and info["region"] == "ID"


def test_wrong_sign_stale_timestamp_and_expired_token_are_refused(
    sandbox: tuple[Sandbox, httpx.Client], clock: Clock
) -> None:
    _, client = sandbox
    token = str(_authorize(clock, client)["access_token"])
    wrong = _shop_info(clock, client, token, sign_key=KEY[::-1])
    assert (wrong["error"], wrong["message"]) == ("error_sign", "Wrong sign.")
    stale = _shop_info(clock, client, token, ts_offset=-301)
    assert (stale["error"], stale["message"]) == ("error_param", "Timestamp is expired.")
    assert _shop_info(clock, client, token, ts_offset=-299)["error"] == ""
    clock.now += 4 * 3600 + 1
    expired = _shop_info(clock, client, token)
    assert expired["error"] == "invalid_acceess_token"


def test_refresh_is_single_use_and_the_old_access_token_lives_five_minutes(
    sandbox: tuple[Sandbox, httpx.Client], clock: Clock
) -> None:
    _, client = sandbox
    first = _authorize(clock, client)
    path = "/api/v2/auth/access_token/get"
    body = {"refresh_token": first["refresh_token"], "partner_id": PARTNER, "shop_id": SHOP}
    second = client.post(path, params=_public(clock, path), json=body).json()
    assert second["error"] == "" and second["access_token"] != first["access_token"]
    assert second["shop_id"] == SHOP
    reused = client.post(path, params=_public(clock, path), json=body).json()
    assert reused["error"] == "error_shop_refresh_token"
    assert _shop_info(clock, client, str(first["access_token"]))["error"] == ""
    clock.now += 301
    assert _shop_info(clock, client, str(first["access_token"]))["error"] == "invalid_acceess_token"
    assert _shop_info(clock, client, str(second["access_token"]))["error"] == ""


def test_gateway_names_what_is_missing(sandbox: tuple[Sandbox, httpx.Client], clock: Clock) -> None:
    _, client = sandbox
    path = "/api/v2/shop/get_shop_info"
    query = signed_query(PARTNER, KEY, path, int(clock.now), access_token="x", shop_id=SHOP)
    for missing, message in (("partner_id", "There is no partner_id in query."), ("timestamp", "no timestamp"),
                             ("sign", "There is no sign in query."),
                             ("access_token", "There is no access_token in query.")):
        answer = client.get(path, params={k: v for k, v in query.items() if k != missing}).json()
        assert (answer["error"], answer["message"]) == ("error_param", message)
    other = client.get(path, params={**query, "partner_id": "999"}).json()
    assert other["error"] == "invalid_partner_id"
