"""The signed-HTTP core both marketplace adapters stand on (httpx + tenacity).

One `request()` call:

1. builds the body bytes once (compact JSON; TikTok signs the exact bytes, so they must not change
   between signing and sending, nor between attempts);
2. per attempt: waits for the shop's rate budget, takes a fresh wall-clock timestamp, asks the
   platform's `Signer` for the final query and headers, sends, parses the JSON answer and lets the
   platform's `classify` turn it into a payload or an error from `marketplaces.errors`;
3. repeats only what `should_retry` allows (the single retry decision), sleeping the exponential
   backoff or the marketplace's Retry-After, whichever is longer.

`NeedsAuthError` and `PermanentError` are raised at once: the caller refreshes the token and retries
once itself. Writes that are not idempotent (creates) are never repeated after an outcome-unknown
failure; the caller runs the create protocol (look the SKU up first) instead.

Secrets never leave this module in clear: exception messages, the per-attempt `Exchange` record and
its query pass through `redact()` with the keys, the tokens and the sign of that attempt, and httpx's
own exceptions (whose text may carry the signed URL) are replaced, not chained.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from syncstore_cli.domain.quota import QuotaDay
from syncstore_cli.marketplaces.errors import (
    REDACTED,
    MarketplaceError,
    MarketplaceTimeout,
    NetworkError,
    RateLimited,
    RetriableError,
    ValidationFailed,
    redact,
)
from syncstore_cli.marketplaces.ratelimit import RateBudget

JSON_CONTENT_TYPE = "application/json"
MULTIPART_CONTENT_TYPE = "multipart/form-data"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# Names whose values are credentials wherever they show up: query, headers, request or response JSON.
SENSITIVE_NAMES = frozenset({
    "sign", "access_token", "refresh_token", "app_secret", "partner_key", "auth_code",
    "x-tts-access-token", "authorization",
})

QueryScalar = str | int | float | bool


@dataclass(frozen=True)
class Repeated:
    """A list query parameter sent as repeated keys (`item_status=NORMAL&item_status=BANNED`).

    Shopee documents its `string[]` query parameters this way (congminh1254/shopee-sdk,
    schemas/v2.product.get_item_list.json and v2.product.search_item.json, `item_status`: "please upload
    the url like this: item_status=NORMAL&item_status=BANNED"), while plain sequences stay comma-joined
    (Shopee `int64[]` `item_id_list`, TikTok ids). Signers never see these values: only for platforms
    whose signature covers no query parameter (Shopee, shopee.md §2.1).
    """

    values: tuple[str, ...]

    @classmethod
    def of(cls, values: Iterable[QueryScalar]) -> Repeated:
        return cls(tuple(_query_text(v) for v in values))


QueryValue = QueryScalar | Sequence[QueryScalar] | Repeated
Classifier = Callable[[int, Mapping[str, Any] | None, Mapping[str, str]], MarketplaceError | None]


class QuotaAwareClassify(Protocol):
    def __call__(self, status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str], *,
                 quota_day: QuotaDay, now: float | None) -> MarketplaceError | None: ...


# When the request being classified was sent (wall clock), set by SignedHttpClient around `classify`: a quota
# refusal belongs to the day the request reached the marketplace, which may have ended by the time the answer
# arrives (a refusal sent at 23:59:59.9 is yesterday's; its wait ends at the reset just passed, not tomorrow's).
_SENT_AT: ContextVar[float | None] = ContextVar("syncstore_request_sent_at", default=None)


def with_quota_day(classify: QuotaAwareClassify, quota_day: QuotaDay,
                   clock: Callable[[], float] = time.time) -> Classifier:
    """A platform's `classify` for an app or shop whose daily quota resets on `quota_day` (`quota.*`); the day
    is the one the request was sent in, when the client says (`_SENT_AT`)."""
    def classify_answer(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str]
                        ) -> MarketplaceError | None:
        sent_at = _SENT_AT.get()
        return classify(status, body, headers, quota_day=quota_day, now=clock() if sent_at is None else sent_at)

    return classify_answer


@dataclass(frozen=True)
class OutgoingRequest:
    """What a signer sees of one request: everything the signature may cover, before signing."""

    method: str
    path: str  # the API path without host or query, as both platforms sign it
    query: Mapping[str, str]
    body: bytes  # the exact bytes sent; b"" for no body and for multipart (neither platform signs those)
    content_type: str | None
    repeated: tuple[tuple[str, str], ...] = ()  # `Repeated` parameters, sent after the signed query


@dataclass(frozen=True)
class Signature:
    """A signer's answer for one attempt."""

    query: dict[str, str]  # the complete query to send: the caller's parameters plus the common ones
    headers: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # every value the signer used that must never be shown (key, token, sign)


class Signer(Protocol):
    def sign(self, request: OutgoingRequest, timestamp: int) -> Signature: ...


@dataclass(frozen=True)
class Exchange:
    """One attempt, redacted, for sync_logs. `elapsed` is the HTTP exchange alone, not the rate-budget wait."""

    platform: str
    method: str
    path: str
    query: dict[str, str | list[str]]  # a repeated key keeps all its values, as sent
    request_body: str | None
    status: int | None
    response_body: str | None
    error: str | None
    error_kind: str | None
    request_id: str | None
    elapsed: float
    attempt: int


def should_retry(error: BaseException, *, idempotent: bool, max_retry_after: float) -> bool:
    """The one retry decision: is repeating this attempt both useful and safe?"""
    if not isinstance(error, RetriableError):
        return False
    if error.retry_after is not None and error.retry_after > max_retry_after:
        # A long Retry-After is better served by the queue rescheduling the job than by a blocked worker.
        return False
    if isinstance(error, RateLimited):
        return True  # the marketplace refused the request, so repeating it cannot duplicate a write
    return idempotent or not error.outcome_unknown


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): base, 2·base, 4·base ... up to cap."""
    return float(min(cap, base * 2 ** (attempt - 1)))


class SignedHttpClient:
    """Sends signed requests to one marketplace host for one rate-budget key (platform + shop).

    `client` is borrowed (the caller closes it); with `transport` or neither, the client owns its
    httpx.Client and `close()` closes it. `clock` (monotonic) times exchanges, `wall_clock` gives the
    signed timestamps, `sleep` waits out backoffs: tests inject all three. `secrets` returns extra values
    to redact besides what the signer reports. `on_exchange` gets every attempt before the call returns or
    raises; an exception from it propagates, since a log that silently fails to be written is worse.
    """

    def __init__(
        self,
        platform: str,
        base_url: str,
        signer: Signer,
        classify: Classifier,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        budget: RateBudget | None = None,
        budget_key: str | None = None,
        max_attempts: int = 3,
        backoff_base: float = 2.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        secrets: Callable[[], Iterable[str | None]] = lambda: (),
        on_exchange: Callable[[Exchange], None] | None = None,
        max_logged_body: int = 64_000,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if client is not None and transport is not None:
            raise ValueError("pass an httpx.Client or a transport, not both")
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self._signer = signer
        self._classify = classify
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(transport=transport, timeout=timeout)
        self._budget = budget
        self.budget_key = budget_key or platform
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._max_retry_after = max_retry_after
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._secrets = secrets
        self._on_exchange = on_exchange
        self._max_logged_body = max_logged_body

    def classify_item(self, code: int, message: str) -> MarketplaceError | None:
        """What a per-item error of an answer that was itself a success (batch endpoints' `errors[]`) means,
        by the same rules as a whole answer's code: a daily quota there is the same wait as anywhere."""
        return self._classify(200, {"code": code, "message": message}, {})

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> SignedHttpClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Send until success or a final error; returns the answer's JSON object."""
        prepared = _prepare(method.upper(), path, query, json_body, files, data)
        counter = itertools.count(1)
        retrying = Retrying(
            retry=retry_if_exception(
                lambda error: should_retry(error, idempotent=idempotent, max_retry_after=self._max_retry_after)
            ),
            wait=self._wait,
            stop=stop_after_attempt(self._max_attempts),
            sleep=self._sleep,
            reraise=True,
        )
        result: dict[str, Any] = retrying(lambda: self._attempt(prepared, next(counter)))
        return result

    def _wait(self, state: RetryCallState) -> float:
        delay = backoff_delay(state.attempt_number, self._backoff_base, self._backoff_max)
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, MarketplaceError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay

    def _attempt(self, prepared: _Prepared, attempt: int) -> dict[str, Any]:
        if self._budget is not None:
            self._budget.acquire(self.budget_key)
        signature = self._signer.sign(prepared.outgoing, int(self._wall_clock()))
        secrets = _expand([*self._secrets(), *signature.secrets,
                           *_named_values(signature.query), *_named_values(signature.headers),
                           *_named_values(prepared.json_value), *_named_values(prepared.data)])
        headers = dict(signature.headers)
        if prepared.outgoing.content_type is not None and prepared.files is None:
            headers["content-type"] = prepared.outgoing.content_type
        started = self._clock()
        sent_at = self._wall_clock()
        status: int | None = None
        response_text: str | None = None
        failure: MarketplaceError | None = None
        body: dict[str, Any] | None = None
        try:
            response = self._client.send(self._client.build_request(
                prepared.outgoing.method,
                self.base_url + prepared.outgoing.path,
                params=[*signature.query.items(), *prepared.outgoing.repeated],
                headers=headers,
                content=prepared.content,
                files=prepared.files,
                data=prepared.data if prepared.files is not None else None,
            ))
        except httpx.TimeoutException as exc:
            failure = self._transport_failure(MarketplaceTimeout, exc, prepared.outgoing, secrets)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            failure = self._transport_failure(NetworkError, exc, prepared.outgoing, secrets)
        else:
            status = response.status_code
            raw = response.content
            response_text = raw.decode("utf-8", errors="replace")
            body = _parse_json(raw)
            secrets = _expand([*secrets, *_named_values(body)])
            moment = _SENT_AT.set(sent_at)
            try:
                failure = self._classify(status, body, response.headers)
            finally:
                _SENT_AT.reset(moment)
        elapsed = self._clock() - started
        # Outside the except blocks on purpose: the httpx exception must not ride along as __context__.
        if failure is not None:
            _scrub(failure, secrets)
            if isinstance(failure, RateLimited) and self._budget is not None:
                wait = failure.retry_after
                self._budget.penalize(self.budget_key, wait if wait is not None else self._backoff(attempt))
        self._record(prepared, signature, secrets, status, response_text, failure, body, elapsed, attempt)
        if failure is not None:
            raise failure from None
        if body is None:  # a classify that let a non-JSON answer pass; the callers need an object
            raise ValidationFailed(self.platform, f"{prepared.outgoing.path}: answer was not a JSON object",
                                   http_status=status)
        return body

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self._backoff_base, self._backoff_max)

    def _transport_failure(self, kind: type[MarketplaceError], exc: Exception, outgoing: OutgoingRequest,
                           secrets: list[str]) -> MarketplaceError:
        detail = redact(str(exc) or type(exc).__name__, secrets)
        failure = kind(self.platform, f"{outgoing.method} {outgoing.path}: {type(exc).__name__}: {detail}")
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            # No connection, so nothing was sent: even a create may simply be tried again.
            failure.outcome_unknown = False
        return failure

    def _record(self, prepared: _Prepared, signature: Signature, secrets: list[str], status: int | None,
                response_text: str | None, failure: MarketplaceError | None, body: Mapping[str, Any] | None,
                elapsed: float, attempt: int) -> None:
        if self._on_exchange is None:
            return
        request_id = failure.request_id if failure is not None else (body or {}).get("request_id")
        query: dict[str, str | list[str]] = {
            key: REDACTED if key.lower() in SENSITIVE_NAMES else redact(value, secrets)
            for key, value in signature.query.items()}
        for key, value in prepared.outgoing.repeated:
            listed = query.setdefault(key, [])
            if isinstance(listed, list):
                listed.append(redact(value, secrets))
        self._on_exchange(Exchange(
            platform=self.platform,
            method=prepared.outgoing.method,
            path=prepared.outgoing.path,
            query=query,
            request_body=self._loggable(prepared.log_text, secrets),
            status=status,
            response_body=self._loggable(response_text, secrets),
            error=None if failure is None else str(failure),
            error_kind=None if failure is None else type(failure).__name__,
            request_id=None if request_id is None else redact(str(request_id), secrets),
            elapsed=elapsed,
            attempt=attempt,
        ))

    def _loggable(self, text: str | None, secrets: list[str]) -> str | None:
        if text is None:
            return None
        # Redact before cutting, so a cut can never leave the head of a secret behind.
        text = redact(text, secrets)
        if len(text) > self._max_logged_body:
            text = text[: self._max_logged_body] + f"... [{len(text) - self._max_logged_body} more characters]"
        return text


@dataclass(frozen=True)
class _Prepared:
    outgoing: OutgoingRequest
    content: bytes | None
    files: Mapping[str, Any] | None
    data: Mapping[str, str] | None
    json_value: Any
    log_text: str | None


def _prepare(method: str, path: str, query: Mapping[str, QueryValue] | None, json_body: Any,
             files: Mapping[str, Any] | None, data: Mapping[str, str] | None) -> _Prepared:
    if not path.startswith("/"):
        raise ValueError(f"API path must start with '/': {path!r}")
    if json_body is not None and (files is not None or data is not None):
        raise ValueError("a request has either a JSON body or form fields, not both")
    flat_query = {key: _query_text(value) for key, value in (query or {}).items() if not isinstance(value, Repeated)}
    repeated = tuple((key, item) for key, value in (query or {}).items() if isinstance(value, Repeated)
                     for item in value.values)
    content: bytes | None = None
    content_type: str | None = None
    log_text: str | None = None
    if files is not None:
        content_type = MULTIPART_CONTENT_TYPE  # httpx adds the boundary; neither platform signs multipart bodies
        fields = ", ".join(sorted(files))
        log_text = f"<multipart files: {fields}; fields: {json.dumps(dict(data or {}), ensure_ascii=False)}>"
    elif data is not None:
        content = urllib.parse.urlencode(data).encode("ascii")
        content_type = FORM_CONTENT_TYPE
        log_text = content.decode("ascii")
    elif json_body is not None:
        # Serialised once: the bytes TikTok signs must be the bytes sent, on every attempt.
        content = json.dumps(json_body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        content_type = JSON_CONTENT_TYPE
        log_text = content.decode("utf-8")
    outgoing = OutgoingRequest(method, path, flat_query, content or b"", content_type, repeated)
    return _Prepared(outgoing, content, files, data, json_body, log_text)


def _query_text(value: QueryScalar | Sequence[QueryScalar]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    # Id lists are comma-joined on both platforms (Shopee `int64[]` item_id_list, TikTok ids); Shopee's
    # `string[]` parameters go as `Repeated` instead.
    return ",".join(_query_text(item) for item in value)


def _parse_json(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _named_values(value: Any) -> Iterator[str]:
    """Values stored under a sensitive name anywhere in a JSON-like value (a new token in a refresh answer)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in SENSITIVE_NAMES and isinstance(item, str | int):
                yield str(item)
            else:
                yield from _named_values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _named_values(item)


def _expand(secrets: Iterable[str | None]) -> list[str]:
    """Each secret as written and as it appears percent-encoded in a URL (httpx errors quote the URL)."""
    out: set[str] = set()
    for secret in secrets:
        if secret:
            out.update({secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret),
                        urllib.parse.quote(secret)})
    return sorted(out)


def _scrub(error: MarketplaceError, secrets: list[str]) -> None:
    error.marketplace_message = redact(error.marketplace_message, secrets)
    if error.request_id is not None:
        error.request_id = redact(str(error.request_id), secrets)
    error.args = (str(error),)
