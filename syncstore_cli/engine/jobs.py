"""Running one job: claim it, lock the product's listing, sync, record the outcome and the logs.

Whatever transports job ids (Huey, or a direct call for `sync manual`) calls `JobRunner.run`. A
delivery of a job that is done, or that another worker holds, does nothing, so duplicate
deliveries are harmless.
"""

from __future__ import annotations

import contextvars
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.vocabulary import ErrorCode, JobState
from syncstore_cli.engine.apply import Outcome, SyncEngine
from syncstore_cli.engine.ports import JobPort, LogEntry, SyncLogPort
from syncstore_cli.marketplaces.http import Exchange

MAX_DELIVERIES = 5  # a job whose worker died this many times is parked for review, not retried forever


@dataclass
class _JobContext:
    batch_id: str | None
    job_id: int | None
    product_id: str | None
    entries: list[LogEntry]


class LogCapture:
    """Turns each marketplace exchange into a sync_logs row for the job running in this context.

    A context variable, not a thread-local: a job's image uploads run on helper threads in a copy
    of the job's context, and their requests belong to the job too.
    """

    def __init__(self, store: SyncLogPort) -> None:
        self._store = store
        self._current: contextvars.ContextVar[_JobContext | None] = contextvars.ContextVar(
            f"syncstore-job-{id(self)}", default=None)

    @contextmanager
    def job(self, batch_id: str | None, job_id: int | None, product_id: str | None) -> Iterator[_JobContext]:
        context = _JobContext(batch_id, job_id, product_id, [])
        token = self._current.set(context)
        try:
            yield context
        finally:
            self._current.reset(token)
            self._store.add_logs(context.entries)

    def __call__(self, exchange: Exchange) -> None:
        context = self._current.get()
        entry = LogEntry(
            platform=exchange.platform, method=exchange.method, path=exchange.path,
            status="ok" if exchange.error is None else "error", http_status=exchange.status,
            request_payload=json.dumps({"query": exchange.query, "body": exchange.request_body}),
            response_payload=exchange.response_body, error_message=exchange.error, request_id=exchange.request_id,
            elapsed_ms=int(exchange.elapsed * 1000), created_at=datetime.now(UTC),
            batch_id=context.batch_id if context else None, job_id=context.job_id if context else None,
            product_id=context.product_id if context else None,
        )
        if context is None:
            self._store.add_logs([entry])
        else:
            context.entries.append(entry)


class JobRunner:
    def __init__(self, engine: SyncEngine, store: JobPort, capture: LogCapture, *, lease_seconds: float = 60.0,
                 owner: str | None = None, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.store = store
        self.capture = capture
        self.lease_seconds = lease_seconds
        self.owner = owner or f"worker-{uuid.uuid4().hex[:12]}"
        self.clock = clock
        self._inflight: set[int] = set()
        self._inflight_lock = threading.Lock()

    def inflight(self) -> list[int]:
        with self._inflight_lock:
            return list(self._inflight)

    def renew_leases(self) -> None:
        self.store.renew(self.inflight(), self.owner, self.clock() + self.lease_seconds)

    def run(self, job_id: int) -> Outcome | None:
        """Runs the job if it can be claimed; None when it is done, not due, or held by another worker, and
        when its outcome was not recorded because another worker took the job over meanwhile."""
        now = self.clock()
        claimed = self.store.claim(job_id, self.owner, now, self.lease_seconds)
        if claimed is None:
            return None
        job, listing_locked = claimed
        if not listing_locked:
            return None  # claim already put it back, to wait for the job that holds the product
        with self._inflight_lock:
            self._inflight.add(job.id)
        try:
            if job.deliveries > MAX_DELIVERIES:
                outcome = Outcome(JobState.DEAD, message=f"gave up after {job.deliveries - 1} deliveries that never "
                                                         "finished (the worker died each time)",
                                  error_code=ErrorCode.WORKER_LOST)
                if not self.store.finish(job.id, self.owner, outcome.state, message=outcome.message,
                                         error_code=outcome.error_code):
                    return None
                return outcome
            released = False  # finish and reschedule release the listing lock (and settle the batch) themselves
            try:
                with self.capture.job(job.batch_id, job.id, job.product_id) as context:
                    try:
                        outcome = self.engine.sync(job.product_id, Platform(job.platform))
                    except Exception as error:  # a bug or an unexpected failure: park the job, keep the worker
                        outcome = Outcome(JobState.FAILED, message=f"internal error: {type(error).__name__}: {error}",
                                          error_code=ErrorCode.INTERNAL_ERROR)
                if outcome.state != JobState.DONE:
                    # Every failed request of this delivery (the HTTP layer's own retries included), then
                    # what the engine concluded: the dead-letter queue shows each attempt's error.
                    outcome.errors = [
                        {"kind": "request", "request": f"{e.method} {e.path}", "http_status": e.http_status,
                         "message": e.error_message, "request_id": e.request_id}
                        for e in context.entries if e.status == "error"] + outcome.errors
                if outcome.retry_at is not None:
                    released = self.store.reschedule(job.id, self.owner, outcome.retry_at, errors=outcome.errors,
                                                     attempts=outcome.attempts, message=outcome.message,
                                                     error_code=outcome.error_code)
                else:
                    released = self.store.finish(job.id, self.owner, outcome.state, action=outcome.action,
                                      external_id=outcome.external_id, message=outcome.message,
                                      error_code=outcome.error_code, errors=outcome.errors,
                                      attempts=outcome.attempts)
                # Refused: the lease was lost and another worker's result stands; this one is stale.
                return outcome if released else None
            finally:
                if not released:
                    # Only while this worker still holds the job: the lock is keyed by job id, and a worker
                    # that took the job over holds the same id's lock.
                    self.store.unlock_listing(job.product_id, job.platform, job.id, self.owner)
        finally:
            with self._inflight_lock:
                self._inflight.discard(job.id)
