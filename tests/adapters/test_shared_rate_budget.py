"""One shop, one rate budget, any number of worker processes: the ledgers in Redis and in the database.

Real processes (forked) acquire from the same key; the send times they record must never exceed
rate * elapsed + burst in any window, on Redis and on SQLite and PostgreSQL. A process-local budget
breaks that bound in the same measurement, which shows the measurement can fail.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from syncstore_cli.marketplaces.ratelimit import BudgetLedger, LocalLedger, RateBudget
from syncstore_cli.settings import load_settings

RATE = 40.0
BURST = 4
PER_PROCESS = 12
KEY = "shopee:14701711"
TIMING_SLACK = 0.015  # seconds a recorded send time may lag its slot (scheduling), either way

LedgerFactory = Callable[[], BudgetLedger]


def _redis_factory(url: str, queue_name: str) -> LedgerFactory:
    def build() -> BudgetLedger:
        from syncstore_cli.marketplaces.ratelimit_shared import RedisLedger

        return RedisLedger(url, f"{queue_name}:rate")

    return build


def _database_factory(url: str) -> LedgerFactory:
    def build() -> BudgetLedger:
        from syncstore_cli.store.engine import make_engine
        from syncstore_cli.store.rate_budgets import DatabaseLedger
        from syncstore_cli.store.schema import ensure_current

        engine = make_engine(url)
        ensure_current(engine)  # the table comes with the schema (migration 0007)
        try:
            return DatabaseLedger(engine)  # it opens connections of its own
        finally:
            engine.dispose()

    return build


@pytest.fixture(params=["redis", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> LedgerFactory:
    if request.param == "redis":
        url, name = request.getfixturevalue("redis_queue_url")
        return _redis_factory(url, name)
    if request.param == "sqlite":
        return _database_factory(f"sqlite:///{tmp_path / 'catalog.db'}")
    return _database_factory(request.getfixturevalue("postgres_url"))


def _send_times(build: LedgerFactory, start_at: float, count: int, results: multiprocessing.Queue[list[float]]
                ) -> None:
    budget = RateBudget(RATE, BURST, ledger=build())
    time.sleep(max(0.0, start_at - time.time()))
    sent = []
    for _ in range(count):
        budget.acquire(KEY)
        sent.append(time.time())
    results.put(sent)
    _close(budget.ledger)


def _close(ledger: BudgetLedger) -> None:
    close = getattr(ledger, "close", None)
    if close is not None:
        close()


def _run_processes(build: LedgerFactory, processes: int) -> list[float]:
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue[list[float]] = context.Queue()
    _close(build())  # the table (database) exists before the race starts
    start_at = time.time() + 0.5
    workers = [context.Process(target=_send_times, args=(build, start_at, PER_PROCESS, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    times = sorted(t for _ in workers for t in results.get(timeout=20))
    for worker in workers:
        worker.join(timeout=10)
    return times


def _worst_excess(times: list[float]) -> float:
    """The most requests any window held beyond what the budget allows in it (rate * window + burst)."""
    return max((j - i + 1) - (RATE * (times[j] - times[i] + TIMING_SLACK) + BURST)
               for i in range(len(times)) for j in range(i, len(times)))


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_sharing_a_ledger_never_exceed_the_rate_together(shared_ledger: LedgerFactory,
                                                                    processes: int) -> None:
    times = _run_processes(shared_ledger, processes)
    assert len(times) == processes * PER_PROCESS
    assert _worst_excess(times) <= 0
    least = (len(times) - BURST) / RATE  # and the budget is spent, not wasted
    assert times[-1] - times[0] < least * 1.3 + 0.1


def test_the_measurement_catches_processes_that_each_keep_their_own_budget() -> None:
    times = _run_processes(LocalLedger, 4)
    assert _worst_excess(times) > BURST


def test_a_penalty_in_one_process_delays_every_other(shared_ledger: LedgerFactory) -> None:
    here = RateBudget(RATE, BURST, ledger=shared_ledger())
    here.penalize(KEY, 1.5)  # this process saw a 429
    penalized_at = time.time()
    times = _run_processes(shared_ledger, 2)  # they start 0.5 s from now
    assert min(times) >= penalized_at + 1.5 - TIMING_SLACK
    assert _worst_excess(times) <= 0  # and they do not burst straight back in
    assert here.blocked_for(KEY) == 0
    _close(here.ledger)


def test_a_sleeper_of_another_process_requeues_behind_a_new_penalty(shared_ledger: LedgerFactory) -> None:
    mine = RateBudget(RATE, 1, ledger=shared_ledger())
    theirs_ledger = shared_ledger()
    for _ in range(int(RATE)):  # a second's worth of slots taken: the next one is a second away
        mine.ledger.reserve(KEY, 1 / RATE, 0.0)

    sleeps: list[float] = []

    def sleep_then_penalized(seconds: float) -> None:
        if not sleeps:
            mine.penalize(KEY, 2.0)  # somebody else got a 429 while we waited
        sleeps.append(seconds)
        time.sleep(seconds)

    theirs = RateBudget(RATE, 1, ledger=theirs_ledger, sleep=sleep_then_penalized)
    started = time.monotonic()
    theirs.acquire(KEY)
    assert time.monotonic() - started >= 2.0 - TIMING_SLACK and len(sleeps) == 2
    _close(mine.ledger)
    _close(theirs_ledger)


def test_without_redis_the_budget_paces_the_process_alone_from_an_empty_bucket() -> None:
    from syncstore_cli.marketplaces.ratelimit_shared import RedisLedger

    budget = RateBudget(RATE, BURST, ledger=RedisLedger("redis://127.0.0.1:1/0", "nowhere:rate"), sleep=lambda _: None)
    waits = [budget.acquire(KEY) for _ in range(3)]
    # No burst: other processes may just have spent it while Redis was away.
    assert waits[1] > 0 and waits[2] > waits[1]


def test_without_redis_each_process_takes_its_share_of_the_rate() -> None:
    from syncstore_cli.marketplaces.ratelimit_shared import RedisLedger

    counted: list[int] = []

    def three_workers() -> int:
        counted.append(3)
        return 3

    budget = RateBudget(RATE, BURST, ledger=RedisLedger("redis://127.0.0.1:1/0", "nowhere:rate", sharers=three_workers),
                        sleep=lambda _: None)
    waits = [budget.acquire(KEY) for _ in range(4)]
    # Three processes pacing alone at a third of the rate each: together, the shop's rate.
    assert waits[2] - waits[1] == pytest.approx(3 / RATE, abs=0.01)
    assert len(counted) == 1  # counted once, not per request


def test_a_budget_whose_state_was_lost_starts_empty(shared_ledger: LedgerFactory) -> None:
    """A Redis restarted with nothing, or a database without the row: other processes may just have spent
    the marketplace's burst, so the first requests are paced, not burst."""
    budget = RateBudget(RATE, BURST, ledger=shared_ledger(), sleep=lambda _: None)
    waits = [budget.acquire("shopee:never-used") for _ in range(3)]
    assert waits[0] == 0 and 0 < waits[1] < waits[2]  # one now, then paced; a full bucket would send BURST now
    _close(budget.ledger)


def test_an_idle_budget_keeps_its_burst(shared_ledger: LedgerFactory) -> None:
    budget = RateBudget(RATE, BURST, ledger=shared_ledger())
    for _ in range(BURST):  # its first requests: paced, earning the burst back
        budget.acquire(KEY)
    time.sleep(BURST / RATE + 0.05)  # idle long enough to refill
    started = time.monotonic()
    for _ in range(BURST):
        budget.acquire(KEY)
    assert time.monotonic() - started < (BURST - 1) / RATE / 2  # the whole burst at once
    _close(budget.ledger)


@pytest.mark.parametrize(("env", "backend", "redis_url"), [
    ({}, "database", None),
    ({"SYNCSTORE_QUEUE_URL": "redis://q:6379/0"}, "redis", "redis://q:6379/0"),
    ({"SYNCSTORE_QUEUE_URL": "redis://q:6379/0", "SYNCSTORE_RATE_REDIS_URL": "redis://r:6379/1"}, "redis",
     "redis://r:6379/1"),
    ({"SYNCSTORE_QUEUE_URL": "redis://q:6379/0", "SYNCSTORE_RATE_SHARED": "database"}, "database",
     "redis://q:6379/0"),
    ({"SYNCSTORE_RATE_SHARED": "process"}, "process", None),
])
def test_the_budget_is_shared_through_redis_when_there_is_one_else_the_database(
        tmp_path: Path, env: dict[str, str], backend: str, redis_url: str | None) -> None:
    sharing = load_settings({"SYNCSTORE_HOME": str(tmp_path), **env}).rate_sharing
    assert (sharing.backend, sharing.redis_url) == (backend, redis_url)


@pytest.mark.parametrize("env", [{"SYNCSTORE_RATE_SHARED": "everywhere"},
                                 {"SYNCSTORE_RATE_SHARED": "redis"},
                                 {"SYNCSTORE_RATE_REDIS_URL": "postgresql://db/x"}])
def test_a_sharing_setting_that_cannot_work_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    from syncstore_cli.errors import ConfigError

    with pytest.raises(ConfigError, match="rate"):
        load_settings({"SYNCSTORE_HOME": str(tmp_path), **env}).validate()


def test_a_client_keeps_half_a_second_of_the_rate_out_of_the_marketplaces_burst() -> None:
    from syncstore_cli.marketplaces.ratelimit import burst_with_headroom

    # Shopee 10/s burst 20 and TikTok 20/s burst 40 (the realistic profile's limits): arrivals that bunch
    # up by the network's jitter find tokens left in the marketplace's bucket.
    assert burst_with_headroom(10, 20) == 15 and burst_with_headroom(20, 40) == 30
    assert burst_with_headroom(1000, 20) == 1  # never less than one request
