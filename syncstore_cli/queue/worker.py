"""Worker threads that take job ids off the queue, and the reconciler that keeps the queue honest.

The reconciler runs at start and then every `reconcile_seconds` on one thread: it renews the leases
of the jobs this process is running, re-sends jobs that were never enqueued or were rescheduled and
are now due, jobs whose lease expired (their worker died), and, when the queue is empty, pending
jobs whose message was lost (dequeued by a worker that died before claiming it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from syncstore_cli.domain.vocabulary import DEAD_LETTER
from syncstore_cli.engine.jobs import JobRunner
from syncstore_cli.queue.transport import JobQueue
from syncstore_cli.store.jobs import JobStore

log = logging.getLogger(__name__)
# After an unexpected failure (a database busy past its timeout, a queue that went away) a thread or
# the reconciler pauses this long before it tries again, rather than dying and leaving jobs unserved.
FAILURE_PAUSE_SECONDS = 1.0


class Worker:
    def __init__(self, runner: JobRunner, store: JobStore, queue: JobQueue, *, concurrency: int = 4,
                 reconcile_seconds: float = 2.0, poll_seconds: float = 0.05, stale_after: float = 5.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.runner = runner
        self.store = store
        self.queue = queue
        self.concurrency = max(1, concurrency)
        self.reconcile_seconds = reconcile_seconds
        self.poll_seconds = poll_seconds
        self.stale_after = stale_after
        self.clock = clock
        self.stopping = threading.Event()
        self.processed = 0
        self.dead_lettered: list[int] = []  # jobs this worker ran that ended failed or dead
        self._count_lock = threading.Lock()

    def reconcile(self) -> int:
        self.runner.renew_leases()
        stale = self.stale_after if self.queue.waiting() == 0 else None
        ids = self.store.due_jobs(self.clock(), stale_after=stale)
        self.queue.enqueue(ids)
        return len(ids)

    def _work(self) -> None:
        while not self.stopping.is_set():
            try:
                self._serve_one()
            except Exception:
                # A thread that died here would leave the process alive with nobody serving the queue (and
                # `--until-idle` waiting for ever). The job it held is no longer renewed: its lease runs
                # out and the reconciler hands it out again.
                log.exception("worker thread: unexpected failure; pausing %.0f s and going on",
                              FAILURE_PAUSE_SECONDS)
                self.stopping.wait(FAILURE_PAUSE_SECONDS)

    def _serve_one(self) -> None:
        job_id = self.queue.dequeue()
        if job_id is None:
            self.stopping.wait(self.poll_seconds)
            return
        outcome = self.runner.run(job_id)
        with self._count_lock:
            self.processed += 1
            if outcome is not None and outcome.retry_at is None and outcome.state in DEAD_LETTER:
                self.dead_lettered.append(job_id)

    def _reconcile_on_beat(self) -> None:
        try:
            self.reconcile()
        except Exception:  # the next beat tries again; the jobs stay where they are meanwhile
            log.exception("worker reconciler: unexpected failure; trying again on the next beat")

    def run(self, until: Callable[[], bool] = lambda: False, on_tick: Callable[[], None] | None = None) -> None:
        """Serve until `until()` is true or `stop()` is called; `on_tick` runs on the reconciler's beat."""
        self.reconcile()
        threads = [threading.Thread(target=self._work, name=f"syncstore-worker-{i}", daemon=True)
                   for i in range(self.concurrency)]
        for thread in threads:
            thread.start()
        last = self.clock()
        try:
            while not self.stopping.is_set():
                if on_tick is not None:
                    on_tick()
                if until():
                    break
                self.stopping.wait(min(0.2, self.reconcile_seconds))
                if self.clock() - last >= self.reconcile_seconds:
                    self._reconcile_on_beat()
                    last = self.clock()
        finally:
            self.stopping.set()
            for thread in threads:
                thread.join()

    def stop(self) -> None:
        self.stopping.set()
