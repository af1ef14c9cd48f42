"""The worker keeps serving after an unexpected failure: a thread that died would leave the process
alive with nobody serving the queue, and `syncstore worker --until-idle` waiting for ever."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from syncstore_cli.engine.jobs import JobRunner
from syncstore_cli.queue import worker as worker_module
from syncstore_cli.queue.transport import JobQueue
from syncstore_cli.queue.worker import Worker
from syncstore_cli.store.jobs import JobStore


class _Queue:
    def __init__(self, ids: list[int]) -> None:
        self.ids = list(ids)
        self.lock = threading.Lock()

    def dequeue(self) -> int | None:
        with self.lock:
            return self.ids.pop(0) if self.ids else None

    def enqueue(self, ids: list[int]) -> None:
        with self.lock:
            self.ids.extend(ids)

    def waiting(self) -> int:
        return len(self.ids)


class _Runner:
    """Fails on its first job (as a database busy past its timeout would), then serves normally."""

    def __init__(self) -> None:
        self.served: list[int] = []
        self.failed = False
        self.lock = threading.Lock()

    def run(self, job_id: int) -> Any:
        with self.lock:
            if not self.failed:
                self.failed = True
                raise RuntimeError("database is locked")
            self.served.append(job_id)
        return None

    def renew_leases(self) -> None:
        pass


class _Store:
    def __init__(self, redeliver: list[int], *, fail_first: bool = False) -> None:
        self.redeliver = redeliver
        self.fail_first = fail_first
        self.calls = 0

    def due_jobs(self, now: float, *, stale_after: float | None) -> list[int]:
        self.calls += 1
        if self.fail_first and self.calls == 2:  # the first beat after the start
            raise RuntimeError("database is locked")
        ids, self.redeliver[:] = list(self.redeliver), []
        return ids


def _worker(runner: _Runner, store: _Store, queue: _Queue) -> Worker:
    return Worker(cast(JobRunner, runner), cast(JobStore, store), cast(JobQueue, queue), concurrency=1,
                  reconcile_seconds=0.01, poll_seconds=0.001)


def test_a_thread_survives_a_failing_job_and_serves_the_rest(monkeypatch: Any) -> None:
    monkeypatch.setattr(worker_module, "FAILURE_PAUSE_SECONDS", 0.01)
    runner, queue = _Runner(), _Queue([1, 2, 3])
    # Job 1's failure leaves it leased; once its lease runs out the reconciler hands it out again.
    store = _Store(redeliver=[1])
    worker = _worker(runner, store, queue)
    deadline = time.monotonic() + 10  # a dead thread would otherwise make this wait for ever
    worker.run(until=lambda: sorted(runner.served) == [1, 2, 3] or time.monotonic() > deadline)
    assert sorted(runner.served) == [1, 2, 3]


def test_the_reconciler_survives_a_failing_beat(monkeypatch: Any) -> None:
    monkeypatch.setattr(worker_module, "FAILURE_PAUSE_SECONDS", 0.01)
    runner, queue = _Runner(), _Queue([])
    runner.failed = True  # only the reconciler fails in this one
    store = _Store(redeliver=[], fail_first=True)
    worker = _worker(runner, store, queue)
    deadline = time.monotonic() + 10
    worker.run(until=lambda: store.calls >= 4 or time.monotonic() > deadline)
    assert store.calls >= 4
