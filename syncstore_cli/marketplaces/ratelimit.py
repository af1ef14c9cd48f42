"""A token-bucket rate budget per (platform, shop) key, shared by every worker thread of one process.

The bucket is kept as a "theoretical arrival time" (GCRA): each `acquire` reserves the next free slot
under the lock and sleeps outside it, so threads queue up fairly and no thread holds the lock while
it waits. Slots are `1 / rate` apart and up to `burst` of them may be taken at once after an idle spell.

A 429 answered with Retry-After means the marketplace refused us: `penalize` empties the bucket until
then, and a thread that was already asleep on an older reservation re-queues instead of sending into
the penalty.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tat: float = float("-inf")  # when the bucket would next be completely full again
    blocked_until: float = float("-inf")
    penalties: int = 0  # bumped by every penalize(), so sleepers can tell their slot went stale


class RateBudget:
    """At most `rate_per_second` requests per second per key, with bursts of up to `burst`."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate_per_second = rate_per_second
        self.burst = burst
        self._interval = 1.0 / rate_per_second
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str) -> float:
        """Wait (through the injected sleep) until `key` may send one request; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                bucket = self._buckets.setdefault(key, _Bucket())
                now = self._clock()
                start = max(bucket.tat, now)
                allowed_at = max(start - self._tolerance, bucket.blocked_until)
                bucket.tat = max(start, allowed_at + self._tolerance) + self._interval
                seen = bucket.penalties
            delay = allowed_at - now
            if delay > 0:
                self._sleep(delay)
                waited += delay
            with self._lock:
                if bucket.penalties == seen:
                    return waited
            # A penalty arrived while we slept: our slot predates it, so take a new one after it.

    def penalize(self, key: str, seconds: float) -> None:
        """Nobody on `key` sends for `seconds` from now (the marketplace said Retry-After)."""
        if seconds <= 0:
            return
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket())
            until = self._clock() + seconds
            if until <= bucket.blocked_until:
                return
            bucket.blocked_until = until
            # Start again from an empty bucket at `until`, so the herd does not burst straight back in.
            bucket.tat = max(bucket.tat, until + self._tolerance)
            bucket.penalties += 1

    def blocked_for(self, key: str) -> float:
        """Seconds left of a penalty on `key` (0 when none)."""
        with self._lock:
            bucket = self._buckets.get(key)
            return 0.0 if bucket is None else max(0.0, bucket.blocked_until - self._clock())
