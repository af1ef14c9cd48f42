"""Fault injection and rate limiting for the sandbox (shared/marketplaces/README.md, "Both").

The client must survive what the real hosts do on a bad day: slow answers, 5xx, timeouts,
connections dropped after the write committed, 429 bursts and expired tokens. A seeded random
source and an injectable sleep keep all of it deterministic in tests.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from syncstore_cli.sandbox.config import RateLimit, SandboxConfig
from syncstore_cli.sandbox.tokens import TokenBook
from syncstore_cli.sandbox.web import Handler, Request, Response, Router, request_id

KINDS = ("5xx", "drop", "drop_after_commit", "timeout", "429", "latency")
# Spec names accepted by `--faults`; "drop" is the after-commit kind: the one a client must not mistake for a failure.
SPEC_ALIASES = {"5xx": "5xx", "drop": "drop_after_commit", "drop_after_commit": "drop_after_commit",
                "drop_before": "drop", "timeout": "timeout", "429": "429"}
SHOPEE_RATE_MESSAGE = "Too many requests. You have reached the rate limit. Please try again later."
TIKTOK_RATE_CODE = 36009002
TIKTOK_RATE_MESSAGE = "Too many requests. You've made too many requests in a short period of time."
TIKTOK_INTERNAL_CODE = 36009003
SHOPEE_DAILY_MESSAGE = ("The total API call number made by your APP has reached the daily API call limit, "
                        "please try again after 00: 00 (UTC+08:00)")
UTC8 = 8 * 3600


class TokenBuckets:
    """Token buckets by key, on the sandbox clock (so tests advance time instead of sleeping)."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[tuple[str, ...], tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, *key: str) -> int | None:
        """Spend one token; None if allowed, else the whole seconds to wait (Retry-After, at least 1)."""
        now = self._clock()
        with self._lock:
            tokens, at = self._state.get(key, (float(self.limit.burst), now))
            tokens = min(float(self.limit.burst), tokens + max(0.0, now - at) * self.limit.per_second)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                return None
            self._state[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.limit.per_second))


class DailyQuota:
    """Calls per key per marketplace day; Shopee's quota resets at 00:00 UTC+8."""

    def __init__(self, quota: int | None, clock: Callable[[], float]) -> None:
        self.quota = quota
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def take(self, key: str) -> bool:
        if self.quota is None:
            return True
        day = int((self._clock() + UTC8) // 86_400)
        with self._lock:
            used = self._counts.get((key, day), 0)
            if used >= self.quota:
                return False
            self._counts[(key, day)] = used + 1
            return True


def shopee_rate_limited(retry_after: int) -> Response:
    return Response.json({"request_id": request_id(), "error": "error_rate_limit", "message": SHOPEE_RATE_MESSAGE},
                         429, {"retry-after": str(retry_after)})


def shopee_daily_limited() -> Response:
    return Response.json({"request_id": request_id(), "error": "error_limit", "message": SHOPEE_DAILY_MESSAGE}, 429)


def tiktok_rate_limited(retry_after: int) -> Response:
    return Response.json({"code": TIKTOK_RATE_CODE, "message": TIKTOK_RATE_MESSAGE, "request_id": request_id(),
                          "data": None}, 429, {"retry-after": str(retry_after)})


def platform_of(path: str) -> str | None:
    """Which marketplace an API path belongs to; None for the sandbox's own pages, images and controls."""
    if path.startswith("/api/v2/token/"):
        return "tiktok"  # TikTok's auth host shares the /api/v2 prefix with Shopee
    if path.startswith("/api/v2/"):
        return "shopee"
    if path.startswith(("/product/", "/authorization/", "/logistics/")):
        return "tiktok"
    return None


def server_error(platform: str) -> Response:
    if platform == "shopee":
        return Response.json({"request_id": request_id(), "error": "error_server",
                              "message": "Something wrong. Please try later."}, 500)
    return Response.json({"code": TIKTOK_INTERNAL_CODE, "message": "Internal error. Please retry.",
                          "request_id": request_id(), "data": None}, 500)


@dataclass
class OneShot:
    kind: str
    path_prefix: str = ""
    count: int = 1


@dataclass
class FaultPlan:
    """Per-kind rates (0..1) for every API call, plus one-shot faults queued for matching paths."""

    rates: dict[str, float] = field(default_factory=dict)
    latency_ms: tuple[int, int] | None = None
    timeout_seconds: float = 30.0  # how long a "timeout" holds the connection before closing it unanswered
    seed: int | None = None
    sleep: Callable[[float], None] = time.sleep
    queue: deque[OneShot] = field(default_factory=deque)
    spared: tuple[str, ...] = ()  # path prefixes the random rates leave alone (one-shots still apply)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        unknown = [k for k in self.rates if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown fault kind(s): {', '.join(unknown)}")

    @classmethod
    def for_profile(cls, config: SandboxConfig, *, seed: int | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> FaultPlan:
        limits = config.limits
        share = limits.transient_fault_rate / 2  # the profile's transient faults: half 5xx, half dropped
        rates = {"5xx": share, "drop_after_commit": share} if share else {}
        return cls(rates=rates, latency_ms=limits.latency_ms, seed=seed, sleep=sleep)

    def push(self, kind: str, path_prefix: str = "", count: int = 1) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind: {kind}")
        with self._lock:
            self.queue.append(OneShot(kind, path_prefix, count))

    def _next_for(self, path: str) -> str | None:
        with self._lock:
            for shot in self.queue:
                if path.startswith(shot.path_prefix):
                    shot.count -= 1
                    if shot.count <= 0:
                        self.queue.remove(shot)
                    return shot.kind
            if path.startswith(self.spared) and self.spared:
                return None
            for kind in ("5xx", "drop", "drop_after_commit", "timeout", "429"):
                rate = self.rates.get(kind, 0.0)
                if rate and self._rng.random() < rate:
                    return kind
            return None

    def _latency(self) -> float:
        with self._lock:
            if self.latency_ms is None:
                return 0.0
            low, high = self.latency_ms
            return self._rng.uniform(low, high) / 1000

    def apply(self, request: Request, handler: Handler) -> Response:
        """Run `handler` with this plan's faults around it (the Router's wrapper hook)."""
        platform = platform_of(request.path)
        if platform is None:
            return handler(request)
        delay = self._latency()
        if delay:
            self.sleep(delay)
        kind = self._next_for(request.path)
        if kind == "5xx":
            return server_error(platform)
        if kind == "429":
            if platform == "shopee":
                return shopee_rate_limited(1)
            return tiktok_rate_limited(1)
        if kind == "drop":
            return Response(drop=True)
        if kind == "timeout":
            self.sleep(self.timeout_seconds)
            return Response(drop=True)
        response = handler(request)
        if kind == "drop_after_commit":
            return Response(drop=True)
        return response


def parse_spec(spec: str) -> tuple[dict[str, float], tuple[int, int] | None]:
    """`5xx=0.02,drop=0.01,429=0.01,latency=80-400` -> rates by kind and a latency range in ms."""
    rates: dict[str, float] = {}
    latency: tuple[int, int] | None = None
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        name = name.strip()
        if name == "latency":
            low, _, high = value.partition("-")
            try:
                latency = (int(low), int(high or low))
            except ValueError:
                raise ValueError(f"latency '{value}' is not a range in ms like 80-400") from None
            if latency[0] < 0 or latency[1] < latency[0]:
                raise ValueError(f"latency '{value}' is not a range in ms like 80-400")
            continue
        kind = SPEC_ALIASES.get(name)
        if kind is None:
            raise ValueError(f"unknown fault '{name}' (known: {', '.join([*SPEC_ALIASES, 'latency'])})")
        try:
            rate = float(value)
        except ValueError:
            raise ValueError(f"fault rate '{part}' is not a number") from None
        if not 0 <= rate <= 1:
            raise ValueError(f"fault rate '{part}' is not between 0 and 1")
        rates[kind] = rate
    return rates, latency


def register_controls(router: Router, plan: FaultPlan, tokens: TokenBook, clock: Callable[[], float]) -> None:
    """`POST /sandbox/control/faults` and `POST /sandbox/control/expire_tokens?platform=...`."""

    def faults(request: Request) -> Response:
        try:
            body: Any = request.json()
            if not isinstance(body, Mapping):
                raise ValueError("body must be a JSON object")
            for shot in body.get("next", []):
                plan.push(str(shot["kind"]), str(shot.get("path_prefix", "")), int(shot.get("count", 1)))
            for kind, rate in (body.get("rates") or {}).items():
                if kind not in KINDS or kind == "latency":
                    raise ValueError(f"unknown fault kind: {kind}")
                plan.rates[str(kind)] = float(rate)
            if "latency_ms" in body:
                value = body["latency_ms"]
                plan.latency_ms = None if value is None else (int(value[0]), int(value[1]))
        except (ValueError, KeyError, TypeError) as exc:
            return Response.json({"error": "error_param", "message": str(exc)}, 400)
        return Response.json({"rates": plan.rates, "latency_ms": plan.latency_ms,
                              "queued": [vars(s) for s in plan.queue]})

    def expire(request: Request) -> Response:
        platform = request.query.get("platform", "")
        if platform not in ("shopee", "tiktok"):
            return Response.json({"error": "error_param", "message": "platform must be shopee or tiktok"}, 400)
        expired = tokens.expire_all(platform, "access", clock())
        return Response.json({"platform": platform, "expired": expired})

    router.add("POST", "/sandbox/control/faults", faults)
    router.add("POST", "/sandbox/control/expire_tokens", expire)
