"""The sandbox's rate limits and injected faults, over HTTP with the clients' signers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from syncstore_cli.marketplaces.shopee.signing import signed_query
from syncstore_cli.marketplaces.tiktok.signing import sign
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import Sandbox, build_sandbox, serve_in_background
from syncstore_cli.sandbox.faults import FaultPlan, parse_spec
from syncstore_cli.sandbox.generator import generate_catalog

PARTNER, KEY, SHOP = int(c.DEMO_SHOPEE_PARTNER_ID), c.DEMO_SHOPEE_PARTNER_KEY, int(c.DEMO_SHOPEE_SHOP_ID)
APP_KEY, SECRET, CIPHER = c.DEMO_TIKTOK_APP_KEY, c.DEMO_TIKTOK_APP_SECRET, c.DEMO_TIKTOK_SHOP_CIPHER
SHOP_INFO = "/api/v2/shop/get_shop_info"
TIKTOK_SHOPS = "/authorization/202309/shops"
TIKTOK_WAREHOUSES = "/logistics/202309/warehouses"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Env:
    box: Sandbox
    http: httpx.Client
    clock: Clock
    slept: list[float] = field(default_factory=list)
    shopee_token: str = ""
    tiktok_token: str = ""

    def shopee(self, path: str = SHOP_INFO, method: str = "GET", body: Any = None) -> httpx.Response:
        query = signed_query(PARTNER, KEY, path, int(self.clock.now), access_token=self.shopee_token, shop_id=SHOP)
        return self.http.request(method, path, params=query, json=body)

    def tiktok(self, path: str, method: str = "GET", body: Any = None, *, shop: bool = True) -> httpx.Response:
        query = {"app_key": APP_KEY, "timestamp": str(int(self.clock.now))}
        if shop:
            query["shop_cipher"] = CIPHER
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        query["sign"] = sign(SECRET, path, query, raw)
        return self.http.request(method, path, params=query, content=raw,
                                 headers={"x-tts-access-token": self.tiktok_token, "content-type": "application/json"})

    def control(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post("/sandbox/control/faults", json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def _env(profile: str, plan: FaultPlan | None = None) -> tuple[Env, Any]:
    clock = Clock()
    slept: list[float] = []
    config = c.SandboxConfig(clock=clock, profile=profile)
    # The injected sleep records instead of sleeping, so latency and timeouts cost the tests nothing.
    plan = plan or FaultPlan.for_profile(config, seed=7, sleep=slept.append)
    box = build_sandbox(config, faults=plan)
    server = serve_in_background(box)
    http = httpx.Client(base_url=server.url, timeout=5)
    env = Env(box, http, clock, slept)
    env.shopee_token = box.tokens.issue("shopee", "access", str(SHOP), clock.now, c.SHOPEE_ACCESS_SECONDS)
    env.tiktok_token = box.tokens.issue("tiktok", "access", c.DEMO_TIKTOK_SHOP_ID, clock.now,
                                        c.TIKTOK_ACCESS_SECONDS, prefix="ROW_")
    return env, server


@pytest.fixture
def realistic() -> Iterator[Env]:
    # No random faults here: the rate limit tests count answers exactly.
    slept: list[float] = []
    env, server = _env("realistic", FaultPlan(seed=1, latency_ms=(80, 400), sleep=slept.append))
    yield env
    env.http.close()
    server.stop()
    env.box.close()


@pytest.fixture
def fast() -> Iterator[Env]:
    env, server = _env("fast")
    yield env
    env.http.close()
    server.stop()
    env.box.close()


def test_shopee_rate_limit_answers_429_after_the_burst_and_recovers(realistic: Env) -> None:
    statuses = [realistic.shopee().status_code for _ in range(20)]
    assert statuses == [200] * 20
    limited = realistic.shopee()
    assert limited.status_code == 429
    body = limited.json()
    assert body["error"] == "error_rate_limit"
    assert body["message"] == "Too many requests. You have reached the rate limit. Please try again later."
    assert body["request_id"]
    assert int(limited.headers["retry-after"]) >= 1
    realistic.clock.now += 1  # 10 tokens back
    assert [realistic.shopee().status_code for _ in range(11)] == [200] * 10 + [429]


def test_tiktok_rate_limit_is_per_api_and_answers_429(realistic: Env) -> None:
    assert all(realistic.tiktok(TIKTOK_WAREHOUSES).status_code == 200 for _ in range(40))
    limited = realistic.tiktok(TIKTOK_WAREHOUSES)
    assert limited.status_code == 429
    assert limited.json()["code"] == 36009002
    assert int(limited.headers["retry-after"]) >= 1
    # another API of the same shop has its own budget
    assert realistic.tiktok(TIKTOK_SHOPS, shop=False).json()["code"] == 0
    realistic.clock.now += 2
    assert realistic.tiktok(TIKTOK_WAREHOUSES).json()["code"] == 0


def test_fast_profile_is_effectively_unlimited_and_has_no_latency(fast: Env) -> None:
    assert all(fast.shopee().status_code == 200 for _ in range(60))
    assert fast.slept == []


def test_latency_uses_the_injected_sleep() -> None:
    config = c.SandboxConfig(profile="realistic")
    slept: list[float] = []
    plan = FaultPlan.for_profile(config, seed=3, sleep=slept.append)
    plan.rates.clear()  # only latency here
    env, server = _env("realistic", plan)
    try:
        for _ in range(5):
            assert env.shopee().status_code == 200
        assert len(slept) == 5 and all(0.08 <= s <= 0.4 for s in slept)
        # the sandbox's own pages and controls are not slowed
        env.control({})
        assert len(slept) == 5
    finally:
        env.http.close()
        server.stop()
        env.box.close()


def test_injected_5xx_on_both_platforms(fast: Env) -> None:
    fast.control({"next": [{"kind": "5xx", "path_prefix": "/api/v2/shop/", "count": 2},
                           {"kind": "5xx", "path_prefix": "/logistics/"}]})
    for _ in range(2):
        answer = fast.shopee()
        assert answer.status_code == 500 and answer.json()["error"] == "error_server"
    assert fast.shopee().json()["error"] == ""
    answer = fast.tiktok(TIKTOK_WAREHOUSES)
    assert answer.status_code == 500 and answer.json()["code"] == 36009003
    assert fast.tiktok(TIKTOK_WAREHOUSES).json()["code"] == 0


def test_drop_after_commit_commits_but_the_client_sees_no_answer(fast: Env) -> None:
    product = next(p for p in generate_catalog().products if p.origin.value == "tiktok")
    fast.box.tiktok_products.seed_from_catalog([product], c.DEMO_TIKTOK_SHOP_ID)
    listed = fast.box.tiktok_products.state.live_skus(c.DEMO_TIKTOK_SHOP_ID)
    product_id = listed[0][0]
    fast.control({"next": [{"kind": "drop_after_commit", "path_prefix": "/product/202309/products/deactivate"}]})
    with pytest.raises(httpx.RemoteProtocolError):
        fast.tiktok("/product/202309/products/deactivate", "POST", {"product_ids": [product_id]})
    page = fast.http.get(f"/sandbox/tiktok/products/{product_id}.json").json()
    assert page["status"] == "SELLER_DEACTIVATED"
    # the one-shot fault is spent: the next call is answered
    again = fast.tiktok("/product/202309/products/activate", "POST", {"product_ids": [product_id]})
    assert again.json()["code"] == 0


def test_drop_before_the_handler_commits_nothing(fast: Env) -> None:
    fast.control({"next": [{"kind": "drop", "path_prefix": SHOP_INFO}]})
    with pytest.raises(httpx.RemoteProtocolError):
        fast.shopee()
    assert fast.shopee().json()["error"] == ""


def test_timeout_holds_then_closes_unanswered(fast: Env) -> None:
    fast.box.faults.timeout_seconds = 42
    fast.control({"next": [{"kind": "timeout", "path_prefix": SHOP_INFO}]})
    with pytest.raises(httpx.RemoteProtocolError):
        fast.shopee()
    assert fast.slept == [42]


def test_expire_tokens_control(fast: Env) -> None:
    assert fast.shopee().json()["error"] == ""
    answer = fast.http.post("/sandbox/control/expire_tokens", params={"platform": "shopee"})
    assert answer.status_code == 200 and answer.json()["expired"] >= 1
    fast.clock.now += 1
    assert fast.shopee().json()["error"] == "invalid_acceess_token"
    assert fast.tiktok(TIKTOK_WAREHOUSES).json()["code"] == 0  # only the named platform
    assert fast.http.post("/sandbox/control/expire_tokens", params={"platform": "lazada"}).status_code == 400


def test_bad_control_body_is_refused(fast: Env) -> None:
    assert fast.http.post("/sandbox/control/faults", json={"next": [{"kind": "meteor"}]}).status_code == 400
    assert fast.http.post("/sandbox/control/faults", json={"rates": {"meteor": 1}}).status_code == 400


def test_rates_are_deterministic_with_a_seed() -> None:
    def outcomes(seed: int) -> list[str | None]:
        plan = FaultPlan(rates={"5xx": 0.3, "drop_after_commit": 0.3}, seed=seed)
        return [plan._next_for("/api/v2/x") for _ in range(50)]

    assert outcomes(5) == outcomes(5)
    assert {"5xx", "drop_after_commit", None} <= set(outcomes(5))


def test_realistic_profile_has_one_percent_transient_faults() -> None:
    plan = FaultPlan.for_profile(c.SandboxConfig(profile="realistic"), seed=11)
    assert sum(plan.rates.values()) == pytest.approx(0.01)
    assert plan.latency_ms == (80, 400)
    assert FaultPlan.for_profile(c.SandboxConfig()).rates == {}


def test_parse_spec() -> None:
    rates, latency = parse_spec("5xx=0.02,drop=0.01,429=0.01,latency=80-400")
    assert rates == {"5xx": 0.02, "drop_after_commit": 0.01, "429": 0.01} and latency == (80, 400)
    for bad in ("5xx=2", "meteor=0.1", "latency=400-80", "5xx=x"):
        with pytest.raises(ValueError):
            parse_spec(bad)


def test_shopee_daily_quota() -> None:
    clock = Clock()
    box = build_sandbox(c.SandboxConfig(clock=clock, shopee_daily_quota=3))
    server = serve_in_background(box)
    env = Env(box, httpx.Client(base_url=server.url, timeout=5), clock)
    env.shopee_token = box.tokens.issue("shopee", "access", str(SHOP), clock.now, c.SHOPEE_ACCESS_SECONDS)
    try:
        assert [env.shopee().status_code for _ in range(3)] == [200] * 3
        over = env.shopee()
        assert over.status_code == 429 and over.json()["error"] == "error_limit"
        clock.now += 86_400
        env.shopee_token = box.tokens.issue("shopee", "access", str(SHOP), clock.now, c.SHOPEE_ACCESS_SECONDS)
        assert env.shopee().json()["error"] == ""
    finally:
        env.http.close()
        server.stop()
        box.close()
