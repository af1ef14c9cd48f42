"""One shop's rate budget shared by N worker processes: how close together they come to the limit.

Usage: python bench/shared_budget.py [--backend redis|sqlite|postgresql|process] [--processes N]
       [--requests R] [--rate S] [--burst B] [--url URL]

Each process acquires R/N slots from the same key as fast as the budget lets it, through the ledger
SyncStore uses for that backend (`process`: each its own, as before shared budgets). Prints the wall
time against the least time the limit allows ((R - burst) / rate), as a ratio (goal: 1.0 to 1.1,
never below 1.0), and the most requests any window held beyond rate * window + burst (goal: 0).
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from syncstore_cli.marketplaces.ratelimit import BudgetLedger, LocalLedger, RateBudget

KEY = "shopee:bench"


def _ledger_builder(backend: str, url: str) -> Callable[[], BudgetLedger]:
    if backend == "redis":
        prefix = f"syncstore-bench-{uuid.uuid4().hex[:8]}:rate"

        def redis_ledger() -> BudgetLedger:
            from syncstore_cli.marketplaces.ratelimit_shared import RedisLedger

            return RedisLedger(url, prefix)

        return redis_ledger
    if backend == "process":
        return LocalLedger

    from syncstore_cli.store.engine import make_engine
    from syncstore_cli.store.schema import ensure_current

    schema = make_engine(url)
    ensure_current(schema)  # once, before the processes start: the table comes with migration 0007
    schema.dispose()

    def database_ledger() -> BudgetLedger:
        from syncstore_cli.store.rate_budgets import DatabaseLedger

        engine = make_engine(url)
        try:
            return DatabaseLedger(engine)  # it opens connections of its own
        finally:
            engine.dispose()

    return database_ledger


def _acquire(build: Callable[[], BudgetLedger], rate: float, burst: int, count: int, start_at: float,
             results: multiprocessing.Queue[list[float]]) -> None:
    budget = RateBudget(rate, burst, ledger=build())
    time.sleep(max(0.0, start_at - time.time()))
    sent = []
    for _ in range(count):
        budget.acquire(KEY)
        sent.append(time.time())
    results.put(sent)


def _worst_excess(times: list[float], rate: float, burst: int) -> float:
    """The most requests any window of the sorted send times held beyond rate * window + burst."""
    worst = float("-inf")
    for j in range(len(times)):
        for i in range(j + 1):
            worst = max(worst, (j - i + 1) - (rate * (times[j] - times[i]) + burst))
    return worst


@contextmanager
def _own_postgres(backend: str, url: str | None) -> Iterator[str]:
    """A database of its own on the local PostgreSQL, dropped afterwards (never the shared `test`)."""
    if backend != "postgresql" or url:
        yield ""
        return
    import psycopg

    name = f"syncstore_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("redis", "sqlite", "postgresql", "process"), default="sqlite")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second (Shopee's default: 10)")
    parser.add_argument("--burst", type=int, default=20, help="burst (Shopee's default: 20)")
    parser.add_argument("--url", help="Redis or PostgreSQL URL (default: the local test services)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _own_postgres(args.backend, args.url) as postgres:
        url = args.url or {"redis": "redis://127.0.0.1:6379/0", "sqlite": f"sqlite:///{Path(folder) / 'bench.db'}",
                           "postgresql": postgres, "process": ""}[args.backend]
        build = _ledger_builder(args.backend, url)
        build()  # the database's table exists before the race starts
        context = multiprocessing.get_context("fork")
        results: multiprocessing.Queue[list[float]] = context.Queue()
        each = args.requests // args.processes
        start_at = time.time() + 1.0
        workers = [context.Process(target=_acquire, args=(build, args.rate, args.burst, each, start_at, results))
                   for _ in range(args.processes)]
        for worker in workers:
            worker.start()
        times = sorted(t for _ in workers for t in results.get(timeout=3600))
        for worker in workers:
            worker.join()
    least = (len(times) - args.burst) / args.rate
    wall = times[-1] - start_at
    excess = max(0.0, _worst_excess(times, args.rate, args.burst))
    print(f"{args.backend}: {args.processes} processes, {len(times)} requests at {args.rate:g}/s, burst {args.burst}: "
          f"{wall:.2f} s, least the limit allows {least:.2f} s, ratio {wall / least:.3f}; "
          f"most requests beyond rate*window+burst in any window: {excess:.1f} (a few ms of scheduling shows as 0.1)")


if __name__ == "__main__":
    main()
