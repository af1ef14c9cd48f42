"""The rate budgets' state in Redis: one budget per shop for every worker process, on any machine.

Each step is one short Lua script, which Redis runs atomically, on Redis's own clock (`TIME`), so
workers on several machines need no synchronized clocks. Considered instead: the `limits` library (its
moving-window and fixed-window strategies answer "allowed now?" and would make callers poll; none
reserves a future slot, hands back the wait or has a penalty that every caller sees) and redis-py's
built-ins (no rate limiter; `register_script` is used here for EVALSHA with its NOSCRIPT fallback).

Redis unreachable (restarting, say) must not stop the workers, so the budget falls back to this
process's own, starting empty so as not to add a burst to what the others just spent, and tries
Redis again after `RETRY_AFTER_OUTAGE` seconds. A Redis that restarts empty forgets the budgets
too: the next requests may burst once, and a 429 they cause is penalized as usual.
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
SOCKET_TIMEOUT = 2.0  # a Redis that does not answer in this long counts as unreachable

# KEYS[1]: the budget's hash (tat, blocked_until, penalties; seconds on Redis's clock).
# ARGV: operation (reserve | penalize | peek), interval, tolerance, penalty seconds.
# Returns {seconds until the reserved slot (reserve), penalties, seconds left of the penalty}; the
# floats as strings, because Redis truncates a Lua number to an integer on the way out.
GCRA_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tat', 'blocked_until', 'penalties')
local tat = tonumber(state[1]) or now
local blocked_until = tonumber(state[2]) or 0
local penalties = tonumber(state[3]) or 0
local interval, tolerance = tonumber(ARGV[2]), tonumber(ARGV[3])
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
  -- Once tat has passed, the bucket is full again: the same as no key at all.
  redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(tat, blocked_until) - now) * 1000) + 60000)
end
return {string.format('%.6f', wait), penalties, string.format('%.6f', math.max(0, blocked_until - now))}
"""


class RedisLedger:
    """Budgets under `prefix` in the Redis at `url` (the key prefix keeps data folders and test runs apart)."""

    def __init__(self, url: str, prefix: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT)
        self._script = self._redis.register_script(GCRA_SCRIPT)
        self._prefix = prefix
        self._clock = clock
        self._fallback = LocalLedger(clock, start_full=False)
        self._lock = threading.Lock()
        self._shared_again_at = float("-inf")

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
        if answer is None:
            return self._fallback.reserve(key, interval, tolerance)
        return Slot(answer[0], answer[1])

    def penalize(self, key: str, seconds: float, tolerance: float) -> None:
        self._fallback.penalize(key, seconds, tolerance)  # so the fallback honours it too, should Redis go away
        self._run(key, "penalize", tolerance=tolerance, seconds=seconds)

    def penalty(self, key: str) -> Penalty:
        answer = self._run(key, "peek")
        if answer is None:
            return self._fallback.penalty(key)
        return Penalty(answer[1], answer[2])
