"""The shared signed-HTTP core: re-signing per attempt, the retry decision, rate budget and redaction.

Everything runs on httpx.MockTransport with a fake clock whose sleep only records and advances time.
Signatures are checked with the sandbox's own verifiers, written apart from the client's signers.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from syncstore_cli.marketplaces import errors
from syncstore_cli.marketplaces.http import (
    Exchange,
    OutgoingRequest,
    Signature,
    SignedHttpClient,
    Signer,
    backoff_delay,
    should_retry,
)
from syncstore_cli.marketplaces.ratelimit import RateBudget
from syncstore_cli.marketplaces.shopee.responses import classify as shopee_classify
from syncstore_cli.marketplaces.shopee.signer import ShopeePartner, ShopeeShopToken, ShopeeSigner
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok_classify
from syncstore_cli.marketplaces.tiktok.signer import TikTokApp, TikTokShopToken, TikTokSigner
from syncstore_cli.sandbox.signatures import shopee_sign_ok, tiktok_sign_ok

PARTNER = ShopeePartner(2001887, "57615053704d6470644f554a78656d50484143644964436a5568777544524579")
SHOP = ShopeeShopToken(14701711, "59777174636562737266615546704c6d")
APP = TikTokApp("29a39d", "e59af819cc0ab5a1e4a3b1e9c4a3f0d1secret")
# A token with characters that get percent-encoded in a URL, to prove the encoded form is redacted too.
TIKTOK_TOKEN = TikTokShopToken("ROW_tok+en/with=chars_0123456789", "ROW_cipher_abc123")
EPOCH = 1_700_000_000
SHOPEE_OK = {"error": "", "message": "", "request_id": "req-ok", "response": {"item_id": 1}}
TIKTOK_OK = {"code": 0, "message": "Success", "request_id": "req-ok", "data": {"product_id": "7"}}


@dataclass
class FakeTime:
    """A monotonic clock that only moves when somebody sleeps; the wall clock follows it."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return EPOCH + self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """A MockTransport handler that answers from a list and remembers every request it saw."""

    replies: list[Reply]
    time: FakeTime
    requests: list[httpx.Request] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        self.sent_at.append(self.time.now)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)


def respond(status: int, body: Any = None, headers: dict[str, str] | None = None, text: str | None = None
            ) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def shopee_client(script: Script, fake_time: FakeTime, *, token: Callable[[], ShopeeShopToken | None] = lambda: SHOP,
                  budget: RateBudget | None = None, exchanges: list[Exchange] | None = None,
                  signer: Signer | None = None, **kwargs: Any) -> SignedHttpClient:
    return SignedHttpClient(
        "shopee", "https://partner.example", signer or ShopeeSigner(lambda: PARTNER, token), shopee_classify,
        transport=httpx.MockTransport(script), budget=budget, budget_key="shopee:14701711",
        clock=fake_time.clock, wall_clock=fake_time.wall, sleep=fake_time.sleep,
        secrets=lambda: [PARTNER.partner_key], on_exchange=None if exchanges is None else exchanges.append, **kwargs,
    )


def tiktok_client(script: Script, fake_time: FakeTime, *, signer: Signer | None = None,
                  exchanges: list[Exchange] | None = None, **kwargs: Any) -> SignedHttpClient:
    return SignedHttpClient(
        "tiktok", "https://open-api.example", signer or TikTokSigner(lambda: APP, lambda: TIKTOK_TOKEN),
        tiktok_classify, transport=httpx.MockTransport(script), clock=fake_time.clock, wall_clock=fake_time.wall,
        sleep=fake_time.sleep, on_exchange=None if exchanges is None else exchanges.append, **kwargs,
    )


def shopee_signed_ok(request: httpx.Request) -> bool:
    q = request.url.params
    return shopee_sign_ok(PARTNER.partner_key, q["sign"], partner_id=q["partner_id"], path=request.url.path,
                          timestamp=q["timestamp"], access_token=q.get("access_token"), shop_id=q.get("shop_id"))


def tiktok_signed_ok(request: httpx.Request) -> bool:
    query = dict(request.url.params)
    return tiktok_sign_ok(APP.app_secret, query["sign"], request.url.path, query, request.content,
                          request.headers.get("content-type", ""))


# --- retries and re-signing ---------------------------------------------------------------------------------


def test_a_retry_is_signed_again_with_a_fresh_timestamp(fake_time: FakeTime) -> None:
    script = Script([respond(503, {"error": "error_server", "message": "busy"}), respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time) as client:
        body = client.request("GET", "/api/v2/product/get_item_base_info", query={"item_id_list": [1, 2]})
    assert body == SHOPEE_OK
    first, second = (r.url.params for r in script.requests)
    assert first["timestamp"] != second["timestamp"]
    assert int(second["timestamp"]) - int(first["timestamp"]) == 2
    assert first["sign"] != second["sign"]
    assert all(shopee_signed_ok(r) for r in script.requests)
    assert first["item_id_list"] == "1,2" and first["shop_id"] == "14701711"
    assert fake_time.sleeps == [2.0]


def test_tiktok_retry_is_signed_again_too(fake_time: FakeTime) -> None:
    script = Script([httpx.ReadTimeout("timed out"), respond(200, TIKTOK_OK)], fake_time)
    with tiktok_client(script, fake_time) as client:
        client.request("POST", "/product/202309/products/search", query={"page_size": 10}, json_body={"x": 1})
    first, second = (r.url.params for r in script.requests)
    assert (first["timestamp"], first["sign"]) != (second["timestamp"], second["sign"])
    assert all(tiktok_signed_ok(r) for r in script.requests)


def test_backoff_doubles_and_the_last_error_is_raised(fake_time: FakeTime) -> None:
    script = Script([respond(502, {"error": "error_server", "message": f"busy {n}"}) for n in (1, 2, 3)], fake_time)
    with shopee_client(script, fake_time) as client, pytest.raises(errors.ServerBusy) as caught:
        client.request("GET", "/api/v2/product/get_item_list")
    assert len(script.requests) == 3
    assert fake_time.sleeps == [2.0, 4.0]
    assert caught.value.marketplace_message == "busy 3"
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_backoff_is_configurable() -> None:
    assert [backoff_delay(n, 2.0, 60.0) for n in range(1, 7)] == [2, 4, 8, 16, 32, 60]
    assert [backoff_delay(n, 0.5, 60.0) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_retry_after_is_honoured_and_penalizes_the_key(fake_time: FakeTime) -> None:
    budget = RateBudget(100, 10, clock=fake_time.clock, sleep=fake_time.sleep)
    script = Script([respond(429, {"error": "error_rate_limit", "message": "slow down"}, {"Retry-After": "7"}),
                     respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time, budget=budget) as client:
        client.request("GET", "/api/v2/product/get_item_list")
    assert fake_time.sleeps[0] >= 7
    assert script.sent_at[1] - script.sent_at[0] >= 7


def test_a_429_blocks_everybody_on_that_key_until_retry_after(fake_time: FakeTime) -> None:
    budget = RateBudget(100, 10, clock=fake_time.clock, sleep=fake_time.sleep)
    script = Script([respond(429, {"error": "error_rate_limit", "message": "slow down"}, {"Retry-After": "7"})],
                    fake_time)
    with shopee_client(script, fake_time, budget=budget, max_attempts=1) as client, \
            pytest.raises(errors.RateLimited):
        client.request("GET", "/api/v2/product/get_item_list")
    assert budget.blocked_for("shopee:14701711") == pytest.approx(7)
    assert budget.blocked_for("shopee:other-shop") == 0
    assert budget.acquire("shopee:other-shop") == 0
    assert budget.acquire("shopee:14701711") == pytest.approx(7)


def test_a_retry_after_longer_than_the_limit_goes_back_to_the_caller(fake_time: FakeTime) -> None:
    script = Script([respond(429, {"error": "error_rate_limit", "message": "x"}, {"Retry-After": "3600"})], fake_time)
    with shopee_client(script, fake_time, max_retry_after=120) as client, pytest.raises(errors.RateLimited) as caught:
        client.request("GET", "/api/v2/product/get_item_list")
    assert caught.value.retry_after == 3600 and len(script.requests) == 1 and fake_time.sleeps == []


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (respond(200, {"error": "product.error_param", "message": "Invalid Weight."}), errors.ValidationFailed),
        (respond(200, {"error": "invalid_acceess_token", "message": "Invalid access_token."}), errors.NeedsAuthError),
        (respond(200, {"error": "error_limit", "message": "daily quota"}), errors.QuotaExhausted),
        (respond(200, text="<html>not json</html>"), errors.ValidationFailed),
    ],
)
def test_permanent_auth_and_quota_errors_are_not_retried(fake_time: FakeTime, reply: httpx.Response,
                                                    kind: type[errors.MarketplaceError]) -> None:
    script = Script([reply], fake_time)
    with shopee_client(script, fake_time) as client, pytest.raises(kind):
        client.request("GET", "/api/v2/product/get_item_list")
    assert len(script.requests) == 1 and fake_time.sleeps == []


def test_tiktok_expired_token_is_not_retried(fake_time: FakeTime) -> None:
    script = Script([respond(401, {"code": 105002, "message": "Access token expired", "request_id": "r1"})],
                    fake_time)
    with tiktok_client(script, fake_time) as client, pytest.raises(errors.NeedsAuthError) as caught:
        client.request("GET", "/product/202309/products/1")
    assert len(script.requests) == 1 and caught.value.request_id == "r1"


def dropped(request: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (httpx.ReadTimeout("timed out"), errors.MarketplaceTimeout),
        (httpx.WriteTimeout("timed out"), errors.MarketplaceTimeout),
        (respond(500, {"error": "error_inner", "message": "internal"}), errors.ServerBusy),
        (respond(502, text="bad gateway"), errors.ServerBusy),
        (dropped, errors.NetworkError),
        (httpx.ReadError("connection reset by peer"), errors.NetworkError),
    ],
)
def test_a_create_is_not_repeated_after_an_unknown_outcome(fake_time: FakeTime, fault: Reply,
                                                            kind: type[errors.MarketplaceError]) -> None:
    script = Script([fault, respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time) as client, pytest.raises(kind) as caught:
        client.request("POST", "/api/v2/product/add_item", json_body={"item_sku": "A"}, idempotent=False)
    assert len(script.requests) == 1 and fake_time.sleeps == []
    assert caught.value.outcome_unknown and caught.value.retriable


def test_the_same_faults_are_retried_for_idempotent_calls(fake_time: FakeTime) -> None:
    script = Script([httpx.ReadTimeout("t"), dropped, respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time) as client:
        assert client.request("POST", "/api/v2/product/update_price", json_body={"price": 1}) == SHOPEE_OK
    assert len(script.requests) == 3 and fake_time.sleeps == [2.0, 4.0]


def test_a_create_is_retried_after_a_429_because_it_was_refused(fake_time: FakeTime) -> None:
    script = Script([respond(429, {"error": "error_rate_limit", "message": "x"}, {"Retry-After": "1"}),
                     respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time) as client:
        assert client.request("POST", "/api/v2/product/add_item", json_body={"a": 1}, idempotent=False) == SHOPEE_OK
    assert len(script.requests) == 2 and fake_time.sleeps == [2.0]


@pytest.mark.parametrize("fault", [httpx.ConnectError("connection refused"), httpx.ConnectTimeout("connect")])
def test_a_create_is_retried_when_no_connection_was_made(fake_time: FakeTime, fault: Exception) -> None:
    script = Script([fault, respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time) as client:
        assert client.request("POST", "/api/v2/product/add_item", json_body={"a": 1}, idempotent=False) == SHOPEE_OK
    assert len(script.requests) == 2


def test_a_timeout_becomes_marketplace_timeout_with_unknown_outcome(fake_time: FakeTime) -> None:
    script = Script([httpx.ReadTimeout("The read operation timed out")], fake_time)
    with shopee_client(script, fake_time) as client, pytest.raises(errors.MarketplaceTimeout) as caught:
        client.request("GET", "/api/v2/product/get_item_list")
    error = caught.value
    assert error.outcome_unknown and error.platform == "shopee" and "ReadTimeout" in str(error)
    assert len(script.requests) == 3 and error.__context__ is None and error.__cause__ is None


def test_should_retry_is_the_one_decision() -> None:
    busy = errors.ServerBusy("shopee", "x")
    limited = errors.RateLimited("shopee", "x", retry_after=5)
    assert should_retry(busy, idempotent=True, max_retry_after=60)
    assert not should_retry(busy, idempotent=False, max_retry_after=60)
    assert should_retry(limited, idempotent=False, max_retry_after=60)
    assert not should_retry(limited, idempotent=True, max_retry_after=1)
    assert not should_retry(errors.NeedsAuthError("shopee", "x"), idempotent=True, max_retry_after=60)
    assert not should_retry(errors.ValidationFailed("shopee", "x"), idempotent=True, max_retry_after=60)
    assert not should_retry(ValueError("bug"), idempotent=True, max_retry_after=60)


# --- bodies, headers and signers ------------------------------------------------------------------------------


@dataclass
class Spy:
    """Wraps a signer and keeps what it was asked to sign."""

    inner: Signer
    seen: list[tuple[OutgoingRequest, int]] = field(default_factory=list)

    def sign(self, request: OutgoingRequest, timestamp: int) -> Signature:
        self.seen.append((request, timestamp))
        return self.inner.sign(request, timestamp)


def test_the_body_signed_is_the_body_sent_byte_for_byte(fake_time: FakeTime) -> None:
    payload = {"title": "Frame 5\" carbon — ringan", "skus": [{"seller_sku": "FR-5", "price": {"amount": "150000"}}],
               "z": None, "a": [1, 2.5, True]}
    spy = Spy(TikTokSigner(lambda: APP, lambda: TIKTOK_TOKEN))
    script = Script([respond(503, {"code": 36009003, "message": "busy"}), respond(200, TIKTOK_OK)], fake_time)
    with tiktok_client(script, fake_time, signer=spy) as client:
        client.request("POST", "/product/202309/products", json_body=payload)
    assert [req.body for req, _ in spy.seen] == [r.content for r in script.requests]
    assert script.requests[0].content == json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert script.requests[0].content == script.requests[1].content
    assert script.requests[0].headers["content-type"] == "application/json"
    assert all(tiktok_signed_ok(r) for r in script.requests)


def test_tiktok_token_goes_in_the_header_and_the_cipher_only_on_shop_calls(fake_time: FakeTime) -> None:
    script = Script([respond(200, TIKTOK_OK)], fake_time)
    with tiktok_client(script, fake_time) as client:
        client.request("GET", "/product/202309/categories", query={"category_version": "v2"})
        client.request("GET", "/authorization/202309/shops")
    shop_call, auth_call = script.requests
    assert shop_call.headers["x-tts-access-token"] == TIKTOK_TOKEN.access_token
    assert shop_call.url.params["shop_cipher"] == TIKTOK_TOKEN.shop_cipher
    assert shop_call.url.params["app_key"] == APP.app_key and shop_call.url.params["timestamp"] == str(EPOCH)
    assert "shop_cipher" not in auth_call.url.params
    assert all("access_token" not in r.url.params for r in script.requests)
    assert all(tiktok_signed_ok(r) for r in script.requests)


def test_multipart_upload_passes_files_through_and_signs_without_the_body(fake_time: FakeTime) -> None:
    spy = Spy(TikTokSigner(lambda: APP, lambda: TIKTOK_TOKEN))
    script = Script([respond(200, TIKTOK_OK)], fake_time)
    exchanges: list[Exchange] = []
    with tiktok_client(script, fake_time, signer=spy, exchanges=exchanges) as client:
        client.request("POST", "/product/202309/images/upload",
                       files={"data": ("a.jpg", b"\xff\xd8jpeg", "image/jpeg")}, data={"use_case": "MAIN_IMAGE"})
    (sent,) = script.requests
    outgoing, _ = spy.seen[0]
    assert outgoing.body == b"" and outgoing.content_type == "multipart/form-data"
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b"\xff\xd8jpeg" in sent.content and b"MAIN_IMAGE" in sent.content
    assert "shop_cipher" not in sent.url.params
    assert tiktok_signed_ok(sent)
    assert exchanges[0].request_body is not None and "data" in exchanges[0].request_body


def test_shopee_upload_image_is_signed_public(fake_time: FakeTime) -> None:
    script = Script([respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time) as client:
        client.request("POST", "/api/v2/media_space/upload_image", files={"image": ("a.jpg", b"jpeg", "image/jpeg")})
    (sent,) = script.requests
    assert "access_token" not in sent.url.params and "shop_id" not in sent.url.params
    assert shopee_signed_ok(sent)


def test_a_token_refreshed_between_attempts_is_used_by_the_retry(fake_time: FakeTime) -> None:
    tokens = iter([SHOP, ShopeeShopToken(SHOP.shop_id, "new_token_after_refresh_0001")])
    script = Script([respond(503, {"error": "error_server", "message": "busy"}), respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time, token=lambda: next(tokens)) as client:
        client.request("GET", "/api/v2/product/get_item_list")
    sent_tokens = [r.url.params["access_token"] for r in script.requests]
    assert sent_tokens == [SHOP.access_token, "new_token_after_refresh_0001"]
    assert all(shopee_signed_ok(r) for r in script.requests)


def test_a_shop_call_without_a_token_asks_for_authorization(fake_time: FakeTime) -> None:
    script = Script([respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time, token=lambda: None) as client, pytest.raises(errors.NeedsAuthError):
        client.request("GET", "/api/v2/product/get_item_list")
    assert script.requests == []


def test_each_attempt_is_recorded(fake_time: FakeTime) -> None:
    exchanges: list[Exchange] = []
    script = Script([respond(503, {"error": "error_server", "message": "busy", "request_id": "r-1"}),
                     respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time, exchanges=exchanges) as client:
        client.request("POST", "/api/v2/product/update_stock", json_body={"item_id": 1, "stock_list": []})
    assert [(e.attempt, e.status, e.error_kind, e.request_id) for e in exchanges] == [
        (1, 503, "ServerBusy", "r-1"), (2, 200, None, "req-ok")]
    assert exchanges[0].request_body == '{"item_id":1,"stock_list":[]}'
    assert exchanges[0].query["sign"] == "[redacted]" and exchanges[0].query["access_token"] == "[redacted]"
    assert exchanges[0].query["partner_id"] == "2001887" and exchanges[0].method == "POST"


# --- no secret leaves the core ---------------------------------------------------------------------------------


def echo_token(request: httpx.Request) -> httpx.Response:
    """A gateway that quotes what it got back at us, token included."""
    token = request.headers.get("x-tts-access-token") or request.url.params.get("access_token")
    return respond(200, {"code": 36009004, "error": "error_param",
                         "message": f"bad request {request.url} token={token}", "request_id": "r"})


def url_in_error(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"failed to reach {request.url}", request=request)


def url_in_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout(f"timed out on {request.url}", request=request)


def refresh_answer(request: httpx.Request) -> httpx.Response:
    return respond(200, {"error": "", "access_token": "fresh_access_token_9999", "refresh_token": "fresh_refresh_8888",
                         "data": {"access_token": "fresh_access_token_9999"}})


SCENARIOS: list[Reply] = [
    echo_token, url_in_error, url_in_timeout, dropped, refresh_answer,
    respond(429, {"error": "error_rate_limit", "message": "x"}, {"Retry-After": "1"}),
    respond(500, text="oops"),
]


def all_text(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error), repr(vars(error))])


@pytest.mark.parametrize("reply", SCENARIOS)
@pytest.mark.parametrize("platform", ["shopee", "tiktok"])
def test_no_secret_reaches_an_error_or_a_record(fake_time: FakeTime, reply: Reply, platform: str) -> None:
    exchanges: list[Exchange] = []
    script = Script([reply], fake_time)
    texts: list[str] = []
    # Real Shopee tokens are hex; this one is not, so that its percent-encoded form shows up in the URL.
    odd_token = ShopeeShopToken(SHOP.shop_id, "shop+tok/en=with_chars_42")
    client = (shopee_client(script, fake_time, exchanges=exchanges, token=lambda: odd_token) if platform == "shopee"
              else tiktok_client(script, fake_time, exchanges=exchanges))
    path = "/api/v2/product/add_item" if platform == "shopee" else "/product/202309/products"
    with client:
        for idempotent in (True, False):
            try:
                client.request("POST", path,
                               json_body={"refresh_token": "body_refresh_token_7777", "x": 1}, idempotent=idempotent)
            except errors.MarketplaceError as error:
                texts.append(all_text(error))
    texts += [repr(exchange) for exchange in exchanges]
    assert exchanges, "every attempt must be recorded"
    signs = {r.url.params["sign"] for r in script.requests}
    encoded_tokens = {part.split("=", 1)[1] for r in script.requests for part in r.url.query.decode().split("&")
                      if part.startswith("access_token=")}
    assert platform == "tiktok" or encoded_tokens == {"shop%2Btok%2Fen%3Dwith_chars_42"}
    secrets = {PARTNER.partner_key, odd_token.access_token, APP.app_secret, TIKTOK_TOKEN.access_token,
               "fresh_access_token_9999", "fresh_refresh_8888", "body_refresh_token_7777", *signs, *encoded_tokens}
    leaks = [(secret, text) for text in texts for secret in secrets if secret in text]
    assert leaks == []


def test_repr_of_credentials_hides_them() -> None:
    shown = repr([PARTNER, SHOP, APP, TIKTOK_TOKEN])
    for secret in (PARTNER.partner_key, SHOP.access_token, APP.app_secret, TIKTOK_TOKEN.access_token):
        assert secret not in shown


# --- rate budget --------------------------------------------------------------------------------------------------


def test_the_client_spends_the_budget_at_the_configured_rate(fake_time: FakeTime) -> None:
    budget = RateBudget(5, 1, clock=fake_time.clock, sleep=fake_time.sleep)
    script = Script([respond(200, SHOPEE_OK)], fake_time)
    with shopee_client(script, fake_time, budget=budget) as client:
        for _ in range(6):
            client.request("GET", "/api/v2/product/get_item_list")
    gaps = [b - a for a, b in zip(script.sent_at, script.sent_at[1:], strict=False)]
    assert gaps == pytest.approx([0.2] * 5)


def test_budget_burst_then_steady_rate(fake_time: FakeTime) -> None:
    budget = RateBudget(10, 3, clock=fake_time.clock, sleep=fake_time.sleep)
    waits = [budget.acquire("k") for _ in range(6)]
    assert waits == pytest.approx([0, 0, 0, 0.1, 0.1, 0.1])
    fake_time.now += 10  # idle refills the bucket, but never beyond the burst
    assert [budget.acquire("k") for _ in range(4)] == pytest.approx([0, 0, 0, 0.1])
    assert budget.acquire("other") == 0


def test_budget_penalty_empties_the_bucket(fake_time: FakeTime) -> None:
    budget = RateBudget(10, 5, clock=fake_time.clock, sleep=fake_time.sleep)
    budget.penalize("k", 3)
    budget.penalize("k", 1)  # a shorter penalty never shortens a longer one
    assert budget.acquire("k") == pytest.approx(3)
    assert budget.acquire("k") == pytest.approx(0.1)  # no burst straight after a penalty


def test_a_sleeper_requeues_when_a_penalty_arrives_during_its_wait() -> None:
    time_ = FakeTime()
    budget: RateBudget

    def sleep(seconds: float) -> None:
        if not time_.sleeps:
            budget.penalize("k", 5)  # somebody else got a 429 while we waited
        time_.sleep(seconds)

    budget = RateBudget(10, 1, clock=time_.clock, sleep=sleep)
    budget.acquire("k")
    waited = budget.acquire("k")
    assert time_.now >= 5 and waited == pytest.approx(time_.now)


def test_budget_is_thread_safe(fake_time: FakeTime) -> None:
    # A frozen clock: every reservation is computed from the same instant, so the waits handed out must be
    # exactly 0 (burst) and then one interval apart, whatever the interleaving.
    budget = RateBudget(20, 4, clock=lambda: 0.0, sleep=lambda _: None)
    waits: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(25):
            wait = budget.acquire("shopee:1")
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [0.0] * 4 + [n * 0.05 for n in range(1, 197)]
    assert sorted(waits) == pytest.approx(expected)


def test_budget_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RateBudget(0, 1)
    with pytest.raises(ValueError):
        RateBudget(1, 0)


@pytest.fixture(autouse=True)
def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any code path that forgot the injected sleep fails loudly instead of slowing the suite."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"real sleep({seconds}) called")

    monkeypatch.setattr("time.sleep", refuse)
    yield


def test_tiktoks_daily_listing_limit_answered_per_product_by_activate_is_a_quota_wait(fake_time: FakeTime) -> None:
    """Activate answers code 0 and lists 12052093 in `errors[]`: the same wait for the reset as a create
    refused outright, never a permanent failure (which would dead-letter the job)."""
    from syncstore_cli.domain.quota import QuotaDay, parse_reset
    from syncstore_cli.marketplaces.http import with_quota_day
    from syncstore_cli.marketplaces.tiktok.client import TikTokClient
    from syncstore_cli.marketplaces.tiktok.responses import classify as quota_aware

    product = {"code": 0, "message": "Success", "request_id": "r1",
               "data": {"id": "1729582718312380123", "listing_platforms": ["TIKTOK_SHOP"]}}
    refused = {"code": 0, "message": "Success", "request_id": "r2", "data": {"errors": [
        {"code": 12052093, "message": "Exceeded the product listing limit for the seller."}]}}
    script = Script([respond(200, product), respond(200, refused)], fake_time)
    day = QuotaDay(parse_reset("00:00+07:00"), 600.0)  # a ten-minute "day"
    http = SignedHttpClient(
        "tiktok", "https://open-api.example", TikTokSigner(lambda: APP, lambda: TIKTOK_TOKEN),
        with_quota_day(quota_aware, day, clock=fake_time.wall), transport=httpx.MockTransport(script),
        clock=fake_time.clock, wall_clock=fake_time.wall, sleep=fake_time.sleep)
    with pytest.raises(errors.QuotaExhausted) as raised:
        TikTokClient(http).relist_listing("1729582718312380123")
    assert raised.value.code == 12052093
    assert raised.value.resets_at == day.next_reset(fake_time.wall())
    assert raised.value.resets_at > fake_time.wall()


def test_a_quota_refusal_sent_before_a_reset_and_answered_after_it_waits_for_that_reset(fake_time: FakeTime) -> None:
    """The marketplace counted the refusal on the day the request reached it: the wait ends at the reset just
    passed (the job runs again at once), not a whole day later."""
    from syncstore_cli.domain.quota import QuotaDay, parse_reset
    from syncstore_cli.marketplaces.http import with_quota_day
    from syncstore_cli.marketplaces.tiktok.responses import classify as quota_aware

    day = QuotaDay(parse_reset("00:00+07:00"), 600.0)
    reset = day.next_reset(fake_time.wall())
    fake_time.now += reset - fake_time.wall() - 0.05  # sent 50 ms before the reset

    def refused_after_the_reset(request: httpx.Request) -> httpx.Response:
        fake_time.now += 0.1  # answered 50 ms after it
        return respond(200, {"code": 12052093, "message": "Exceeded the product listing limit", "request_id": "r"})

    http = SignedHttpClient(
        "tiktok", "https://open-api.example", TikTokSigner(lambda: APP, lambda: TIKTOK_TOKEN),
        with_quota_day(quota_aware, day, clock=fake_time.wall),
        transport=httpx.MockTransport(Script([refused_after_the_reset], fake_time)),
        clock=fake_time.clock, wall_clock=fake_time.wall, sleep=fake_time.sleep)
    with pytest.raises(errors.QuotaExhausted) as raised:
        http.request("POST", "/product/202309/products", json_body={})
    assert fake_time.wall() > reset
    assert raised.value.resets_at == reset  # due now, not at reset + 600
