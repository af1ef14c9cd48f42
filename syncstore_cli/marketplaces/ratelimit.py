"""A token-bucket rate budget per (platform, shop) key, shared by every worker thread, and with a shared
ledger by every worker process, of the shop.

The bucket is kept as a "theoretical arrival time" (GCRA): each `acquire` reserves the next free slot
atomically in the ledger and sleeps outside it, so callers queue up fairly (in the order they reserved)
and nothing is held while they wait. Slots are `1 / rate` apart and up to `burst` of them may be taken
at once after an idle spell. Where the state lives is the ledger's business: this process
(`LocalLedger`), Redis (`ratelimit_shared.RedisLedger`) or the database (`store.rate_budgets`); the
arithmetic is the same everywhere:

    reserve:  tat = max(tat, now) + interval;  the slot starts at tat - interval - tolerance
    penalize: blocked_until = now + seconds;   tat = max(tat, blocked_until + tolerance)

(tolerance = (burst - 1) * interval). Because a penalty pushes `tat` past its end, a reservation never
needs to look at `blocked_until` itself.

A 429 answered with Retry-After means the marketplace refused us: `penalize` empties the bucket until
then, and a caller that was already asleep on an older reservation re-queues instead of sending into
the penalty (it compares the key's penalty count before and after its sleep).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol


class Slot(NamedTuple):
    """A reserved send time: `wait` seconds from now (0 or less: now), taken when the key had `penalties`."""

    wait: float
    penalties: int


class Penalty(NamedTuple):
    """A key's penalty count and the seconds left of its current penalty (0 when none)."""

    penalties: int
    seconds_left: float


class BudgetLedger(Protocol):
    """Where budgets keep their state; every method is one atomic step on it.

    Answers are plain tuples (a `Slot`, a `Penalty`) so that store/, which may not import this layer,
    can be a ledger too.
    """

    def reserve(self, key: str, interval: float, tolerance: float) -> tuple[float, int]: ...

    def penalize(self, key: str, seconds: float, tolerance: float) -> None: ...

    def penalty(self, key: str) -> tuple[int, float]: ...


@dataclass
class _Bucket:
    tat: float
    blocked_until: float = float("-inf")
    penalties: int = 0


class LocalLedger:
    """The state in this process: shared by its threads only.

    `start_full=False` makes a new key start with an empty bucket (no burst): the fallback of a shared
    ledger that lost its store uses it, because other processes may just have spent the burst.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, start_full: bool = True) -> None:
        self._clock = clock
        self._start_full = start_full
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, key: str, now: float, tolerance: float) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket(float("-inf") if self._start_full else now + tolerance)
        return self._buckets[key]

    def reserve(self, key: str, interval: float, tolerance: float) -> Slot:
        with self._lock:
            now = self._clock()
            bucket = self._bucket(key, now, tolerance)
            bucket.tat = max(bucket.tat, now) + interval
            return Slot(bucket.tat - interval - tolerance - now, bucket.penalties)

    def penalize(self, key: str, seconds: float, tolerance: float) -> None:
        with self._lock:
            now = self._clock()
            bucket = self._bucket(key, now, tolerance)
            until = now + seconds
            if until <= bucket.blocked_until:
                return
            bucket.blocked_until = until
            # Start again from an empty bucket at `until`, so the herd does not burst straight back in.
            bucket.tat = max(bucket.tat, until + tolerance)
            bucket.penalties += 1

    def penalty(self, key: str) -> Penalty:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return Penalty(0, 0.0)
            return Penalty(bucket.penalties, max(0.0, bucket.blocked_until - self._clock()))


# Requests paced exactly at a marketplace's limit do not arrive paced: network and server latency shift
# each one by up to a few hundred milliseconds (the realistic sandbox: 80-400 ms), so several can reach the
# marketplace's bucket closer together than they were sent. Once the burst is spent that bucket is near
# empty, and one such bunch is a 429 (three workers on PostgreSQL + Redis saw one now and then). So the
# budget keeps this much of the rate in reserve out of the burst it may spend.
ARRIVAL_JITTER_SECONDS = 0.5


def burst_with_headroom(rate_per_second: float, burst: int) -> int:
    """The burst a client may spend of a marketplace's `burst`, keeping `ARRIVAL_JITTER_SECONDS` of requests
    in reserve for arrivals that bunch up (at least 1)."""
    return max(1, burst - math.ceil(rate_per_second * ARRIVAL_JITTER_SECONDS))


class RateBudget:
    """At most `rate_per_second` requests per second per key, with bursts of up to `burst`.

    Without `ledger` the state is this process's own (`LocalLedger` on `clock`); with a shared one, every
    process using the same ledger and key shares the rate.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        ledger: BudgetLedger | None = None,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate_per_second = rate_per_second
        self.burst = burst
        self._interval = 1.0 / rate_per_second
        self._tolerance = (burst - 1) * self._interval
        self._sleep = sleep
        self.ledger: BudgetLedger = ledger if ledger is not None else LocalLedger(clock)

    def acquire(self, key: str) -> float:
        """Wait (through the injected sleep) until `key` may send one request; returns the seconds waited."""
        waited = 0.0
        while True:
            wait, penalties = self.ledger.reserve(key, self._interval, self._tolerance)
            if wait <= 0:
                return waited
            self._sleep(wait)
            waited += wait
            if self.ledger.penalty(key)[0] == penalties:
                return waited
            # A penalty arrived while we slept: our slot predates it, so take a new one after it.

    def penalize(self, key: str, seconds: float) -> None:
        """Nobody on `key` sends for `seconds` from now (the marketplace said Retry-After)."""
        if seconds > 0:
            self.ledger.penalize(key, seconds, self._tolerance)

    def blocked_for(self, key: str) -> float:
        """Seconds left of a penalty on `key` (0 when none)."""
        return self.ledger.penalty(key)[1]
