"""Authorizing both shops against the sandbox over HTTP, recovering from an expired token, leaking nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.marketplaces.shopee.signer import ShopeeShopToken
from syncstore_cli.marketplaces.tokens import with_fresh_token
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import Sandbox, build_sandbox, serve_in_background
from tests.conftest import point_at_sandbox

runner = CliRunner()


@pytest.fixture
def sandbox(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    box = build_sandbox(c.SandboxConfig(), home / "sandbox-state")
    server = serve_in_background(box)
    point_at_sandbox(monkeypatch, server.url)
    yield box
    server.stop()
    box.close()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_authorize_both_shops_and_show_status(sandbox: Sandbox, home: Path) -> None:
    code, out, err = _run("auth", "shopee", "--sandbox-approve", "--json")
    assert code == 0, err
    assert json.loads(out)["shop_id"] == c.DEMO_SHOPEE_SHOP_ID
    code, out, err = _run("auth", "tiktok", "--sandbox-approve", "--json")
    assert code == 0, err
    assert json.loads(out)["shop_id"] == c.DEMO_TIKTOK_SHOP_ID
    code, out, _ = _run("auth", "status", "--json")
    shops = {s["platform"]: s for s in json.loads(out)["shops"]}
    assert code == 0 and shops["shopee"]["authorized"] and shops["tiktok"]["authorized"]
    assert shops["shopee"]["warnings"] == []
    # the configured secrets never reach the database or anything printed
    for secret in (c.DEMO_SHOPEE_PARTNER_KEY, c.DEMO_TIKTOK_APP_SECRET):
        assert secret not in out
        for path in home.rglob("*"):
            if path.is_file() and "sandbox-state" not in path.parts:
                assert secret.encode() not in path.read_bytes(), path


def test_expired_token_is_refreshed_and_the_call_succeeds(sandbox: Sandbox) -> None:
    assert _run("auth", "shopee", "--sandbox-approve")[0] == 0
    with AppContext() as ctx:
        auth = ctx.shops
        before = auth.tokens.get_shop("shopee", c.DEMO_SHOPEE_SHOP_ID)
        assert before is not None
        # The marketplace expires the token early (as after a password change); our clock still trusts it.
        assert sandbox.tokens.expire_all("shopee", "access", time.time()) >= 1
        keeper = auth.keeper("shopee")

        def shop_info(token: str) -> dict[str, object]:
            shop_token = ShopeeShopToken(int(c.DEMO_SHOPEE_SHOP_ID), token)
            with auth.shopee_http(lambda: shop_token) as http:
                return http.request("GET", "/api/v2/shop/get_shop_info")

        info = with_fresh_token(keeper, c.DEMO_SHOPEE_SHOP_ID, shop_info)
        assert info["shop_name"] == "FPV Parts Jakarta"
        after = auth.tokens.get_shop("shopee", c.DEMO_SHOPEE_SHOP_ID)
        assert after is not None and after.tokens.access_token != before.tokens.access_token
        assert after.generation == before.generation + 1


def test_wrong_code_and_live_host_sandbox_approve_are_refused(sandbox: Sandbox,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _run("auth", "shopee", "--code", "0123456789abcdef", "--shop-id", c.DEMO_SHOPEE_SHOP_ID)
    assert code == 1 and "invalid_code" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setenv("SYNCSTORE_SHOPEE_BASE_URL", "https://partner.shopeemobile.com")
    code, _, err = _run("auth", "shopee", "--sandbox-approve")
    assert code == 2 and "only against the local sandbox" in err
    monkeypatch.delenv("SYNCSTORE_SHOPEE_PARTNER_KEY")
    code, _, err = _run("auth", "shopee", "--sandbox-approve")
    assert code == 2 and "SYNCSTORE_SHOPEE_PARTNER_KEY" in err


def test_status_with_no_shop_exits_1(home: Path) -> None:
    code, out, _ = _run("auth", "status")
    assert code == 1 and "No shop is authorized" in out
