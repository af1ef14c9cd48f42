"""The rate budgets' state in Redis: one budget per shop for every worker process, on any machine.

Each step is one short Lua script, which Redis runs atomically, on Redis's own clock (`TIME`), so
workers on several machines need no synchronized clocks. Considered instead: the `limits` library (its
moving-window and fixed-window strategies answer "allowed now?" and would make callers poll; none
reserves a future slot, hands back the wait or has a penalty that every caller sees) and redis-py's
built-ins (no rate limiter; `register_script` is used here for EVALSHA with its NOSCRIPT fallback).

Redis unreachable (restarting, say) must not stop the workers, so the budget falls back to this
process's own, with no burst and its share of the rate (the rate divided by the worker processes
holding leases, `sharers`), and tries Redis again after `RETRY_AFTER_OUTAGE` seconds. A budget whose
key is missing (the first use of a shop, or a Redis that restarted empty and forgot it) starts EMPTY:
other processes may just have spent the marketplace's burst, and a missing key cannot tell. So the
key never expires while it may matter (a day after its last use), or an idle shop would lose its
burst for nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from syncstore_cli.marketplaces.ratelimit import LocalLedger, Penalty, Slot

log = logging.getLogger(__name__)

RETRY_AFTER_OUTAGE = 1.0  # seconds on the fallback before Redis is tried again
SHARE_RECOUNT_SECONDS = 2.0
SOCKET_TIMEOUT = 2.0  # a Redis that does not answer in this long counts as unreachable

# KEYS[1]: the budget's hash (tat, blocked_until, penalties; seconds on Redis's clock).
# ARGV: operation (reserve | penalize | peek), interval, tolerance, penalty seconds.
# Returns {seconds until the reserved slot (reserve), penalties, seconds left of the penalty}; the
# floats as strings, because Redis truncates a Lua number to an integer on the way out.
GCRA_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tat', 'blocked_until', 'penalties')
local interval, tolerance = tonumber(ARGV[2]), tonumber(ARGV[3])
-- A missing key starts empty (see the module's docstring): no burst until one has been earned.
local tat = tonumber(state[1]) or (now + tolerance)
local blocked_until = tonumber(state[2]) or 0
local penalties = tonumber(state[3]) or 0
local wait = 0
if ARGV[1] == 'reserve' then
  tat = math.max(tat, now) + interval
  wait = tat - interval - tolerance - now
elseif ARGV[1] == 'penalize' then
  local blocked = now + tonumber(ARGV[4])
  if blocked > blocked_until then
    blocked_until = blocked
    tat = math.max(tat, blocked + tolerance)
    penalties = penalties + 1
  end
end
if ARGV[1] ~= 'peek' then
  redis.call('HSET', KEYS[1], 'tat', string.format('%.6f', tat),
             'blocked_until', string.format('%.6f', blocked_until), 'penalties', penalties)
  -- Kept a day past its last use: a missing key starts empty, so an idle shop keeps its burst.
  redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(tat, blocked_until) - now) * 1000) + 86400000)
end
return {string.format('%.6f', wait), penalties, string.format('%.6f', math.max(0, blocked_until - now))}
"""


class RedisLedger:
    """Budgets under `prefix` in the Redis at `url` (the key prefix keeps data folders and test runs apart)."""

    def __init__(self, url: str, prefix: str, *, clock: Callable[[], float] = time.monotonic,
                 sharers: Callable[[], int] | None = None) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT)
        self._script = self._redis.register_script(GCRA_SCRIPT)
        self._prefix = prefix
        self._clock = clock
        self._fallback = LocalLedger(clock, start_full=False)
        self._lock = threading.Lock()
        self._shared_again_at = float("-inf")
        self._sharers = sharers
        self._share: tuple[float, int] = (float("-inf"), 1)  # (when counted, processes): counted at most every 2 s

    def close(self) -> None:
        self._redis.close()

    def _run(self, key: str, operation: str, interval: float = 0.0, tolerance: float = 0.0,
             seconds: float = 0.0) -> tuple[float, int, float] | None:
        """The script's answer, or None while Redis is unreachable (the caller uses the fallback)."""
        with self._lock:
            if self._clock() < self._shared_again_at:
                return None
        try:
            answer: Any = self._script(keys=[f"{self._prefix}:{key}"],
                                       args=[operation, repr(interval), repr(tolerance), repr(seconds)])
        except redis.RedisError as error:
            with self._lock:
                if self._clock() >= self._shared_again_at:
                    log.warning("rate budget: Redis unreachable (%s); this process paces itself alone for %.0f s",
                                type(error).__name__, RETRY_AFTER_OUTAGE)
                self._shared_again_at = self._clock() + RETRY_AFTER_OUTAGE
            return None
        return float(answer[0]), int(answer[1]), float(answer[2])

    def reserve(self, key: str, interval: float, tolerance: float) -> Slot:
        answer = self._run(key, "reserve", interval, tolerance)
        if answer is None:  # this process's share, paced, no burst
            return self._fallback.reserve(key, interval * self._processes(), 0.0)
        return Slot(answer[0], answer[1])

    def _processes(self) -> int:
        """How many processes share the rate while Redis is away (at least 1; 1 when nobody can tell)."""
        if self._sharers is None:
            return 1
        with self._lock:
            counted_at, processes = self._share
            if self._clock() - counted_at < SHARE_RECOUNT_SECONDS:
                return processes
        try:
            processes = max(1, self._sharers())
        except Exception as error:
            log.warning("rate budget: could not count the worker processes (%s)", type(error).__name__)
            processes = max(1, self._share[1])
        with self._lock:
            self._share = (self._clock(), processes)
        return processes

    def penalize(self, key: str, seconds: float, tolerance: float) -> None:
        self._fallback.penalize(key, seconds, tolerance)  # so the fallback honours it too, should Redis go away
        self._run(key, "penalize", tolerance=tolerance, seconds=seconds)

    def penalty(self, key: str) -> Penalty:
        answer = self._run(key, "peek")
        if answer is None:
            return self._fallback.penalty(key)
        return Penalty(answer[1], answer[2])
