"""Batches, jobs (the truth the queue only points at), sync logs, listing state and image uploads.

Jobs move pending -> leased -> done | blocked | failed | dead. A worker claims a job with one
conditional UPDATE (pending and due, or leased with an expired lease) and holds a lease it renews;
everything a worker writes afterwards is conditional on still owning the lease, so a worker that
lost its lease (paused, then resumed after another took the job) cannot overwrite the newer result.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from syncstore_cli.domain.vocabulary import (
    DEAD_LETTER,
    FINISHED,
    OPEN,
    BatchStatus,
    ErrorCode,
    JobState,
    ListingStatus,
    SyncStatus,
)
from syncstore_cli.store.catalog import listing_variants_t, listings_t, products_t
from syncstore_cli.store.engine import writer
from syncstore_cli.store.models import ImageUploadRow, SyncBatchRow, SyncJobRow, SyncLogRow, utcnow

batches_t = SyncBatchRow.__table__  # type: ignore[attr-defined]
jobs_t = SyncJobRow.__table__  # type: ignore[attr-defined]
logs_t = SyncLogRow.__table__  # type: ignore[attr-defined]
uploads_t = ImageUploadRow.__table__  # type: ignore[attr-defined]

LISTING_BUSY_WAIT = 1.0  # seconds a job waits for another job that is syncing the same product


@dataclass(frozen=True)
class Job:
    id: int
    batch_id: str
    product_id: str
    platform: str
    state: str
    action: str | None
    deliveries: int
    attempts: int
    external_id: str | None
    message: str | None
    error_code: str | None
    errors: list[dict[str, Any]]
    lease_owner: str | None
    created_at: Any
    finished_at: Any


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    kind: str
    platforms: str
    status: str
    total_jobs: int
    counts: dict[str, int]
    created_at: Any
    finished_at: Any
    jobs: list[Job] = field(default_factory=list)
    source: str | None = None
    products: int = 0
    forced: bool = False  # started past the staged rollout's limit by the owner
    backup_id: str | None = None
    # Pending jobs due later (a daily quota's reset, a retry's backoff, a Retry-After): how many, and the
    # earliest time one of them runs again (epoch seconds; None when none waits).
    waiting: int = 0
    waiting_until: float | None = None

    @property
    def completed(self) -> int:
        return self.counts.get(JobState.DONE, 0)

    @property
    def failed(self) -> int:
        return sum(self.counts.get(s, 0) for s in DEAD_LETTER)

    @property
    def blocked(self) -> int:
        return self.counts.get(JobState.BLOCKED, 0)

    @property
    def in_progress(self) -> int:
        return self.counts.get(JobState.LEASED, 0)

    @property
    def pending(self) -> int:
        return self.counts.get(JobState.PENDING, 0)

    @property
    def finished(self) -> bool:
        return self.pending + self.in_progress == 0


@dataclass(frozen=True)
class WorkerActivity:
    """What the jobs show of live workers (epoch seconds), for telling a running batch from a stalled one."""

    last_write: float | None  # the newest write to any job: created, claimed, finished, rescheduled
    last_enqueue: float | None  # the newest send to the queue (a live worker's reconciler re-sends)
    lease_until: float | None  # the furthest lease held on any job (a live worker renews its leases)
    first_due: float | None  # the earliest due time of the batch's pending jobs


@dataclass(frozen=True)
class KnownListing:
    """What the store knows of one product on one platform before a sync."""

    external_id: str | None
    state: dict[str, Any] | None
    create_key: str | None
    variant_ids: dict[str, str]


@dataclass(frozen=True)
class LogEntry:
    platform: str
    method: str
    path: str
    status: str
    http_status: int | None
    request_payload: str | None
    response_payload: str | None
    error_message: str | None
    request_id: str | None
    elapsed_ms: int
    batch_id: str | None = None
    job_id: int | None = None
    product_id: str | None = None
    created_at: Any = None  # when the request was made; rows of one job are written together at its end


def _job(row: Any) -> Job:
    return Job(
        id=row.id, batch_id=row.batch_id, product_id=row.product_id, platform=row.platform, state=row.state,
        action=row.action, deliveries=row.deliveries, attempts=row.attempts, external_id=row.external_id,
        message=row.message, error_code=row.error_code, errors=json.loads(row.errors_json or "[]"),
        lease_owner=row.lease_owner, created_at=row.created_at, finished_at=row.finished_at,
    )


# The statements a job runs every time, built once. Building a SQLAlchemy statement costs about
# 0.2 ms of Python (three times running it on SQLite); a job runs about twenty of them.
_P = bindparam
_JOB = select(jobs_t).where(jobs_t.c.id == _P("p_job"))
_CLAIM = update(jobs_t).where(
    jobs_t.c.id == _P("p_job"),
    or_(and_(jobs_t.c.state == JobState.PENDING, jobs_t.c.next_attempt_at <= _P("p_now")),
        and_(jobs_t.c.state == JobState.LEASED, jobs_t.c.lease_until < _P("p_now"))),
).values(state=JobState.LEASED, lease_owner=_P("p_owner"), lease_until=_P("p_until"),
         deliveries=jobs_t.c.deliveries + 1, updated_at=_P("p_at"))
_BATCH_RUNNING = update(batches_t).where(batches_t.c.id == _P("p_batch"),
                                         batches_t.c.status == BatchStatus.QUEUED).values(status=BatchStatus.RUNNING)
_PRODUCT_STATUS = update(products_t).where(products_t.c.id == _P("p_product"),
                                           products_t.c.status != _P("p_status")).values(status=_P("p_status"))
_LISTING = and_(listings_t.c.product_id == _P("p_product"), listings_t.c.platform == _P("p_platform"))
_LOCK = update(listings_t).where(
    _LISTING, or_(listings_t.c.lock_job.is_(None), listings_t.c.lock_until < _P("p_now"),
                  listings_t.c.lock_job == _P("p_job")),
).values(lock_job=_P("p_job"), lock_until=_P("p_until"))
_UNLOCK = update(listings_t).where(_LISTING, listings_t.c.lock_job == _P("p_job")).values(lock_job=None,
                                                                                        lock_until=None)
# A worker outside finish/reschedule (which checked the lease in their own transaction): the lock
# is keyed by job id, and a worker that took the job over holds the same id's lock.
_UNLOCK_HELD = update(listings_t).where(
    _LISTING, listings_t.c.lock_job == _P("p_job"),
    select(jobs_t.c.id).where(jobs_t.c.id == _P("p_job"), jobs_t.c.lease_owner == _P("p_owner"),
                              jobs_t.c.state == JobState.LEASED).exists(),
).values(lock_job=None, lock_until=None)
_WAIT_FOR_LISTING = update(jobs_t).where(jobs_t.c.id == _P("p_job")).values(
    state=JobState.PENDING, next_attempt_at=_P("p_next"), enqueued_at=None, lease_owner=None, lease_until=None,
    deliveries=jobs_t.c.deliveries - 1, message="waiting: another job is syncing this product")
_HELD = select(jobs_t.c.errors_json, jobs_t.c.product_id, jobs_t.c.platform, jobs_t.c.batch_id).where(
    jobs_t.c.id == _P("p_job"), jobs_t.c.lease_owner == _P("p_owner"), jobs_t.c.state == JobState.LEASED)
_FINISH = update(jobs_t).where(jobs_t.c.id == _P("p_job")).values(
    state=_P("p_state"), action=_P("p_action"), external_id=_P("p_external_id"), message=_P("p_message"),
    error_code=_P("p_error_code"), errors_json=_P("p_errors"), attempts=jobs_t.c.attempts + _P("p_attempts"),
    lease_owner=None, lease_until=None, updated_at=_P("p_at"), finished_at=_P("p_finished"))
_LATEST_STATES = select(jobs_t.c.state).where(jobs_t.c.id.in_(
    select(func.max(jobs_t.c.id)).where(jobs_t.c.product_id == _P("p_product")).group_by(jobs_t.c.platform)))
_OPEN_IN_BATCH = select(jobs_t.c.id).where(jobs_t.c.batch_id == _P("p_batch"),
                                           jobs_t.c.state.in_(OPEN)).limit(1)
_DEAD_IN_BATCH = select(jobs_t.c.id).where(jobs_t.c.batch_id == _P("p_batch"),
                                           jobs_t.c.state.in_(DEAD_LETTER)).limit(1)
_BATCH_STATUS = update(batches_t).where(batches_t.c.id == _P("p_batch"), batches_t.c.status != _P("p_status")).values(
    status=_P("p_status"), finished_at=_P("p_finished"))
_KNOWN = select(listings_t).where(_LISTING)
_KNOWN_VARIANTS = select(listing_variants_t.c.variant_sku, listing_variants_t.c.external_id).where(
    listing_variants_t.c.listing_id == _P("p_listing"))
_KNOWN_MANY = select(listings_t.c.id, listings_t.c.product_id, listings_t.c.external_id, listings_t.c.synced_state,
                     listings_t.c.create_key).where(listings_t.c.product_id.in_(_P("p_products", expanding=True)),
                                                    listings_t.c.platform == _P("p_platform"))
_KNOWN_VARIANTS_MANY = select(listing_variants_t.c.listing_id, listing_variants_t.c.variant_sku,
                              listing_variants_t.c.external_id).where(
    listing_variants_t.c.listing_id.in_(_P("p_listings", expanding=True)))
KNOWN_CHUNK = 500  # ids per IN list: well under every database's bound on parameters per statement
_SET_CREATE_KEY = update(listings_t).where(_LISTING).values(create_key=_P("p_key"))
_LISTING_ID = select(listings_t.c.id).where(_LISTING)
_RECORD_SYNCED = update(listings_t).where(listings_t.c.id == _P("p_listing")).values(
    external_id=_P("p_external_id"), synced_state=_P("p_state"), synced_at=_P("p_at"), create_key=None,
    status=ListingStatus.LISTED, last_error=None, updated_at=_P("p_at"))
_RECORD_VARIANT = update(listing_variants_t).where(
    listing_variants_t.c.listing_id == _P("p_listing"), listing_variants_t.c.variant_sku == _P("p_sku")).values(
    external_id=_P("p_variant_id"))
_RECORD_EXTERNAL_ID = update(listings_t).where(_LISTING).values(
    external_id=_P("p_external_id"), create_key=None, status=ListingStatus.LISTED, updated_at=_P("p_at"))
_UPLOADED = select(uploads_t.c.content_hash, uploads_t.c.reference).where(
    uploads_t.c.platform == _P("p_platform"), uploads_t.c.shop_id == _P("p_shop"),
    uploads_t.c.content_hash.in_(_P("p_hashes", expanding=True)))


class JobStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer(engine)

    # -- batches -------------------------------------------------------------------------------
    def create_batch(self, batch_id: str, kind: str, platforms: str, jobs: Sequence[tuple[str, str]],
                     source: str | None = None) -> list[int]:
        """The batch and all its jobs in one transaction; returns the job ids in order."""
        now = utcnow()
        with self._writer.begin() as connection:
            connection.execute(insert(batches_t).values(
                id=batch_id, kind=kind, platforms=platforms, total_jobs=len(jobs), status=BatchStatus.QUEUED,
                source=source,
                created_at=now))
            if jobs:
                connection.execute(insert(jobs_t), [
                    {"batch_id": batch_id, "product_id": product_id, "platform": platform, "state": JobState.PENDING,
                     "deliveries": 0, "attempts": 0, "next_attempt_at": 0.0, "errors_json": "[]",
                     "created_at": now, "updated_at": now}
                    for product_id, platform in jobs])
            ids = list(connection.execute(
                select(jobs_t.c.id).where(jobs_t.c.batch_id == batch_id).order_by(jobs_t.c.id)).scalars())
        return ids

    def batch(self, batch_id: str, *, with_jobs: bool = True) -> BatchSummary | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(batches_t).where(batches_t.c.id == batch_id)).first()
            if row is None:
                return None
            counts = {state: n for state, n in connection.execute(
                select(jobs_t.c.state, func.count()).where(jobs_t.c.batch_id == batch_id).group_by(jobs_t.c.state))}
            jobs = [_job(r) for r in connection.execute(
                select(jobs_t).where(jobs_t.c.batch_id == batch_id).order_by(jobs_t.c.id))] if with_jobs else []
            waiting, waiting_until = connection.execute(
                select(func.count(), func.min(jobs_t.c.next_attempt_at)).where(
                    jobs_t.c.batch_id == batch_id, jobs_t.c.state == JobState.PENDING,
                    jobs_t.c.next_attempt_at > time.time())).one()
        return BatchSummary(batch_id=row.id, kind=row.kind, platforms=row.platforms, status=row.status,
                            total_jobs=row.total_jobs, counts=counts, created_at=row.created_at,
                            finished_at=row.finished_at, jobs=jobs, source=row.source, products=row.products,
                            forced=bool(row.forced), backup_id=row.backup_id, waiting=int(waiting),
                            waiting_until=None if waiting_until is None else float(waiting_until))

    @staticmethod
    def _settle(connection: Any, batch_id: str) -> BatchStatus:
        """Marks the batch completed or failed once no job is pending or leased (inside finish's transaction)."""
        if connection.execute(_OPEN_IN_BATCH, {"p_batch": batch_id}).first() is not None:
            connection.execute(_BATCH_STATUS, {"p_batch": batch_id, "p_status": BatchStatus.RUNNING,
                                               "p_finished": None})
            return BatchStatus.RUNNING
        dead_letter = connection.execute(_DEAD_IN_BATCH, {"p_batch": batch_id}).first()
        status = BatchStatus.FAILED if dead_letter is not None else BatchStatus.COMPLETED
        connection.execute(_BATCH_STATUS, {"p_batch": batch_id, "p_status": status, "p_finished": utcnow()})
        return status

    # -- the queue's truth ---------------------------------------------------------------------
    def due_jobs(self, now: float, *, stale_after: float | None, batch_id: str | None = None) -> list[int]:
        """Job ids a worker should be told about, marked enqueued now: pending jobs that are due and were
        never enqueued (or were rescheduled), jobs whose lease expired (their worker died), and, when
        `stale_after` is given, pending jobs enqueued longer ago than that (their message was lost)."""
        never = jobs_t.c.enqueued_at.is_(None)
        lost = None if stale_after is None else jobs_t.c.enqueued_at < now - stale_after
        waiting = never if lost is None else or_(never, lost)
        # An expired lease is re-sent once; if that message is lost too (a worker killed between taking it
        # and claiming it, a queue that restarted empty), it is re-sent again once it has gone stale.
        resend = or_(never, jobs_t.c.enqueued_at < jobs_t.c.lease_until) if lost is None else or_(
            never, jobs_t.c.enqueued_at < jobs_t.c.lease_until, lost)
        conditions = [or_(
            and_(jobs_t.c.state == JobState.PENDING, jobs_t.c.next_attempt_at <= now, waiting),
            and_(jobs_t.c.state == JobState.LEASED, jobs_t.c.lease_until < now, resend),
        )]
        if batch_id is not None:
            conditions.append(jobs_t.c.batch_id == batch_id)
        with self._writer.begin() as connection:
            ids = list(connection.execute(select(jobs_t.c.id).where(*conditions).order_by(jobs_t.c.id)).scalars())
            for start in range(0, len(ids), 500):
                connection.execute(update(jobs_t).where(jobs_t.c.id.in_(ids[start:start + 500])).values(
                    enqueued_at=now))
        return ids

    def open_jobs(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(jobs_t).where(
                jobs_t.c.state.in_(OPEN))).scalar_one())

    def worker_activity(self, batch_id: str) -> WorkerActivity:
        """Signs of live workers across every batch (a worker busy elsewhere is alive), and when the
        batch's first pending job is due; read-only."""
        with self.engine.connect() as connection:
            row = connection.execute(select(
                func.max(jobs_t.c.updated_at), func.max(jobs_t.c.enqueued_at),
                func.max(case((jobs_t.c.state == JobState.LEASED, jobs_t.c.lease_until))))).one()
            first_due = connection.execute(select(func.min(jobs_t.c.next_attempt_at)).where(
                jobs_t.c.batch_id == batch_id, jobs_t.c.state == JobState.PENDING)).scalar()
        written = row[0]
        if written is not None and written.tzinfo is None:  # SQLite keeps UTC without the zone
            written = written.replace(tzinfo=UTC)
        return WorkerActivity(None if written is None else written.timestamp(),
                              None if row[1] is None else float(row[1]), None if row[2] is None else float(row[2]),
                              None if first_due is None else float(first_due))

    def refresh_product_status(self, product_id: str) -> str:
        """synced when each platform's latest job is done, error when one failed or was blocked, else syncing."""
        with self._writer.begin() as connection:
            return self._set_product_status(connection, product_id)

    @staticmethod
    def _set_product_status(connection: Any, product_id: str) -> str:
        states = set(connection.execute(_LATEST_STATES, {"p_product": product_id}).scalars())
        if states & OPEN:
            status = SyncStatus.SYNCING
        elif states & {JobState.BLOCKED, JobState.FAILED, JobState.DEAD}:
            status = SyncStatus.ERROR
        else:
            status = SyncStatus.SYNCED
        connection.execute(_PRODUCT_STATUS, {"p_product": product_id, "p_status": status})
        return status

    def claim(self, job_id: int, owner: str, now: float, lease_seconds: float) -> tuple[Job, bool] | None:
        """Takes the job if it is pending and due, or leased with an expired lease; None otherwise.

        In the same transaction it tries to lock the product's listing for this job (at most one job
        works on a listing at a time, across batches and workers); the flag says whether it did. When
        it did not, the job is already back to pending, due again in LISTING_BUSY_WAIT seconds.
        """
        until = now + lease_seconds
        with self._writer.begin() as connection:
            claimed = connection.execute(_CLAIM, {"p_job": job_id, "p_now": now, "p_owner": owner, "p_until": until,
                                                  "p_at": utcnow()})
            if claimed.rowcount != 1:
                return None
            row = connection.execute(_JOB, {"p_job": job_id}).one()
            connection.execute(_BATCH_RUNNING, {"p_batch": row.batch_id})
            connection.execute(_PRODUCT_STATUS, {"p_product": row.product_id, "p_status": SyncStatus.SYNCING})
            locked = connection.execute(_LOCK, {"p_product": row.product_id, "p_platform": row.platform,
                                                "p_now": now, "p_job": job_id, "p_until": until}).rowcount == 1
            if not locked:
                # Another job is syncing this product: wait a second for it, costing no delivery or attempt.
                connection.execute(_WAIT_FOR_LISTING, {"p_job": job_id, "p_next": now + LISTING_BUSY_WAIT})
        return _job(row), locked

    def renew(self, job_ids: Iterable[int], owner: str, until: float) -> None:
        ids = list(job_ids)
        if not ids:
            return
        with self._writer.begin() as connection:
            connection.execute(update(jobs_t).where(jobs_t.c.id.in_(ids), jobs_t.c.lease_owner == owner,
                                                    jobs_t.c.state == JobState.LEASED).values(lease_until=until))

    def finish(self, job_id: int, owner: str, state: str, *, action: str | None = None,
               external_id: str | None = None, message: str | None = None, error_code: str | None = None,
               errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0) -> bool:
        """Records the outcome if `owner` still holds the lease; False when the lease was lost."""
        with self._writer.begin() as connection:
            row = connection.execute(_HELD, {"p_job": job_id, "p_owner": owner}).first()
            if row is None:
                return False
            history = json.loads(row.errors_json or "[]") + [dict(e) for e in errors]
            now = utcnow()
            connection.execute(_FINISH, {
                "p_job": job_id, "p_state": state, "p_action": action, "p_external_id": external_id,
                "p_message": message, "p_error_code": error_code, "p_errors": json.dumps(history),
                "p_attempts": attempts, "p_at": now, "p_finished": now if state in FINISHED else None})
            # In the same transaction, so a worker killed right after cannot leave the product "syncing",
            # its listing locked or the batch running.
            self._set_product_status(connection, row.product_id)
            self._unlock(connection, row.product_id, row.platform, job_id)
            self._settle(connection, row.batch_id)
        return True

    def reschedule(self, job_id: int, owner: str, next_attempt_at: float, *,
                   errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0, message: str | None = None,
                   error_code: str | None = None) -> bool:
        """Back to pending, due at `next_attempt_at` (a long Retry-After, a daily quota's reset, or a product
        another job holds); `error_code` says why it waits (QUOTA_WAIT holds back the shop's other jobs)."""
        with self._writer.begin() as connection:
            row = connection.execute(_HELD, {"p_job": job_id, "p_owner": owner}).first()
            if row is None:
                return False
            history = json.loads(row.errors_json or "[]") + [dict(e) for e in errors]
            connection.execute(update(jobs_t).where(jobs_t.c.id == job_id).values(
                state=JobState.PENDING, next_attempt_at=next_attempt_at, enqueued_at=None, lease_owner=None,
                lease_until=None, errors_json=json.dumps(history), attempts=jobs_t.c.attempts + attempts,
                message=message, error_code=error_code, updated_at=utcnow()))
            self._unlock(connection, row.product_id, row.platform, job_id)
        return True

    def blocked_on_images_since_unchanged(self, platform: str) -> set[str]:
        """Products whose latest job on `platform` was blocked by an unreachable image and whose catalog
        record has not changed since that job finished: running them again would block again."""
        latest = select(func.max(jobs_t.c.id)).where(jobs_t.c.platform == platform).group_by(jobs_t.c.product_id)
        query = (select(jobs_t.c.product_id)
                 .join(products_t, products_t.c.id == jobs_t.c.product_id)
                 .where(jobs_t.c.id.in_(latest.scalar_subquery()), jobs_t.c.state == JobState.BLOCKED,
                        jobs_t.c.error_code == ErrorCode.IMAGE_UNREACHABLE,
                        products_t.c.updated_at <= jobs_t.c.finished_at))
        with self.engine.connect() as connection:
            return {str(row.product_id) for row in connection.execute(query)}

    def quota_parked_until(self, platform: str, now: float) -> float | None:
        """When the latest job of `platform` parked for a daily quota runs again, if one waits now: the
        quota is spent until then, so a job it counts is parked without asking the marketplace."""
        with self.engine.connect() as connection:
            until = connection.execute(select(func.max(jobs_t.c.next_attempt_at)).where(
                jobs_t.c.platform == platform, jobs_t.c.state == JobState.PENDING,
                jobs_t.c.error_code == ErrorCode.QUOTA_WAIT, jobs_t.c.next_attempt_at > now)).scalar()
        return None if until is None else float(until)

    def working_processes(self, now: float) -> int:
        """Worker processes holding a live lease now (distinct owners): those sharing a shop's rate."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count(func.distinct(jobs_t.c.lease_owner))).where(
                jobs_t.c.state == JobState.LEASED, jobs_t.c.lease_until > now)).scalar_one())

    def job(self, job_id: int) -> Job | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(jobs_t).where(jobs_t.c.id == job_id)).first()
        return None if row is None else _job(row)

    def dead_letters(self) -> list[Job]:
        with self.engine.connect() as connection:
            return [_job(r) for r in connection.execute(
                select(jobs_t).where(jobs_t.c.state.in_(DEAD_LETTER)).order_by(jobs_t.c.id))]

    def requeue(self, job_ids: Sequence[int]) -> list[int]:
        """Dead-lettered jobs back to pending (an explicit act after review); returns those moved."""
        with self._writer.begin() as connection:
            ids = list(connection.execute(select(jobs_t.c.id).where(
                jobs_t.c.id.in_(list(job_ids)), jobs_t.c.state.in_(DEAD_LETTER))).scalars())
            if ids:
                connection.execute(update(jobs_t).where(jobs_t.c.id.in_(ids)).values(
                    state=JobState.PENDING, next_attempt_at=0.0, enqueued_at=None, deliveries=0, finished_at=None,
                    error_code=None, updated_at=utcnow()))
                batch_ids = list(connection.execute(select(jobs_t.c.batch_id).where(
                    jobs_t.c.id.in_(ids)).distinct()).scalars())
                connection.execute(update(batches_t).where(batches_t.c.id.in_(batch_ids)).values(
                    status=BatchStatus.QUEUED, finished_at=None))
        return ids

    # -- one product on one platform -----------------------------------------------------------
    def unlock_listing(self, product_id: str, platform: str, job_id: int, owner: str) -> None:
        """Releases the job's listing lock, only while `owner` still holds the job's lease."""
        with self._writer.begin() as connection:
            connection.execute(_UNLOCK_HELD, {"p_product": product_id, "p_platform": platform, "p_job": job_id,
                                              "p_owner": owner})

    @staticmethod
    def _unlock(connection: Any, product_id: str, platform: str, job_id: int) -> None:
        connection.execute(_UNLOCK, {"p_product": product_id, "p_platform": platform, "p_job": job_id})

    def known_listing(self, product_id: str, platform: str) -> KnownListing:
        with self.engine.connect() as connection:
            row = connection.execute(_KNOWN, {"p_product": product_id, "p_platform": platform}).first()
            if row is None:
                return KnownListing(None, None, None, {})
            variant_ids = {r.variant_sku: r.external_id for r in connection.execute(
                _KNOWN_VARIANTS, {"p_listing": row.id}) if r.external_id}
        return KnownListing(row.external_id, json.loads(row.synced_state) if row.synced_state else None,
                            row.create_key, variant_ids)

    def known_listings(self, product_ids: Sequence[str], platform: str) -> dict[str, KnownListing]:
        """`known_listing` of many products on one platform, two queries per KNOWN_CHUNK products: product
        id -> what the store knows, for every id asked (the empty KnownListing when it has no listing row).
        Planning the whole catalog (`sync changed`) reads it so, not with two queries per listing."""
        ids = list(dict.fromkeys(product_ids))
        known: dict[str, KnownListing] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(ids), KNOWN_CHUNK):
                rows = connection.execute(_KNOWN_MANY, {"p_products": ids[start:start + KNOWN_CHUNK],
                                                        "p_platform": platform}).all()
                variant_ids: dict[int, dict[str, str]] = {row.id: {} for row in rows}
                if rows:  # one listing per product and platform: never more ids than KNOWN_CHUNK
                    for variant in connection.execute(_KNOWN_VARIANTS_MANY, {"p_listings": list(variant_ids)}):
                        if variant.external_id:
                            variant_ids[variant.listing_id][variant.variant_sku] = variant.external_id
                for row in rows:
                    known[row.product_id] = KnownListing(
                        row.external_id, json.loads(row.synced_state) if row.synced_state else None, row.create_key,
                        variant_ids[row.id])
        return {product_id: known.get(product_id) or KnownListing(None, None, None, {}) for product_id in ids}

    def set_create_intent(self, product_id: str, platform: str, key: str | None) -> None:
        """Stored before a create is sent (and cleared after its id is stored): the create protocol."""
        with self._writer.begin() as connection:
            connection.execute(_SET_CREATE_KEY, {"p_product": product_id, "p_platform": platform, "p_key": key})

    def record_synced(self, product_id: str, platform: str, external_id: str, variant_ids: Mapping[str, str],
                      state: Mapping[str, Any]) -> None:
        """The listing id, its variants' ids and the state read back, in one transaction."""
        now = utcnow()
        with self._writer.begin() as connection:
            listing = connection.execute(_LISTING_ID, {"p_product": product_id, "p_platform": platform}).one()
            connection.execute(_RECORD_SYNCED, {"p_listing": listing.id, "p_external_id": external_id,
                                                "p_state": json.dumps(state, sort_keys=True), "p_at": now})
            if variant_ids:
                connection.execute(_RECORD_VARIANT, [{"p_listing": listing.id, "p_sku": sku, "p_variant_id": vid}
                                                     for sku, vid in variant_ids.items()])

    def record_external_id(self, product_id: str, platform: str, external_id: str) -> None:
        """A create's id, stored as soon as it is known (before the read-back), so it is never lost."""
        with self._writer.begin() as connection:
            connection.execute(_RECORD_EXTERNAL_ID, {"p_product": product_id, "p_platform": platform,
                                                     "p_external_id": external_id, "p_at": utcnow()})

    def forget_listing(self, product_id: str, platform: str) -> None:
        """The listing is gone from the marketplace (a rollback deleted what a batch created): the store
        forgets its ids and state, and the product is not synced until a batch creates it again."""
        now = utcnow()
        with self._writer.begin() as connection:
            listing = connection.execute(_LISTING_ID, {"p_product": product_id, "p_platform": platform}).first()
            if listing is None:
                return
            connection.execute(update(listings_t).where(listings_t.c.id == listing.id).values(
                external_id=None, synced_state=None, synced_at=None, create_key=None,
                status=ListingStatus.NOT_SYNCED,
                last_error=None, updated_at=now))
            connection.execute(update(listing_variants_t).where(listing_variants_t.c.listing_id == listing.id).values(
                external_id=None))
            connection.execute(update(products_t).where(products_t.c.id == product_id).values(
                status=SyncStatus.NOT_SYNCED))

    def mark_not_synced(self, product_id: str) -> None:
        """After a rollback the listing is as it was before the batch, so no longer what the catalog wants."""
        with self._writer.begin() as connection:
            connection.execute(_PRODUCT_STATUS, {"p_product": product_id, "p_status": SyncStatus.NOT_SYNCED})

    def record_error(self, product_id: str, platform: str, message: str) -> None:
        with self._writer.begin() as connection:
            connection.execute(update(listings_t).where(
                listings_t.c.product_id == product_id, listings_t.c.platform == platform).values(
                last_error=message, updated_at=utcnow()))

    def set_synced_states(self, platform: str, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Import's view of each listing (product id -> groups) as the known state to plan against."""
        with self._writer.begin() as connection:
            for product_id, state in states.items():
                connection.execute(update(listings_t).where(
                    listings_t.c.product_id == product_id, listings_t.c.platform == platform).values(
                    synced_state=json.dumps(state, sort_keys=True), synced_at=utcnow()))

    # -- logs ----------------------------------------------------------------------------------
    @staticmethod
    def _insert_logs(connection: Any, logs: Sequence[LogEntry]) -> None:
        if logs:
            now = utcnow()
            connection.execute(insert(logs_t), [{**entry.__dict__, "created_at": entry.created_at or now}
                                                for entry in logs])

    def add_logs(self, logs: Sequence[LogEntry]) -> None:
        if logs:
            with self._writer.begin() as connection:
                self._insert_logs(connection, logs)

    def logs(self, *, batch_id: str | None = None, product_id: str | None = None, status: str | None = None,
             limit: int = 200) -> list[dict[str, Any]]:
        query = select(logs_t)
        if batch_id is not None:
            query = query.where(logs_t.c.batch_id == batch_id)
        if product_id is not None:
            query = query.where(logs_t.c.product_id == product_id)
        if status is not None:
            query = query.where(logs_t.c.status == status)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(logs_t.c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) for r in reversed(rows)]

    # -- image uploads -------------------------------------------------------------------------
    def uploaded_images(self, platform: str, shop_id: str, content_hashes: Sequence[str]) -> dict[str, str]:
        """The shop's reference for each of these content hashes that was uploaded before."""
        if not content_hashes:
            return {}
        with self.engine.connect() as connection:
            return {row.content_hash: row.reference for row in connection.execute(
                _UPLOADED, {"p_platform": platform, "p_shop": shop_id, "p_hashes": list(content_hashes)})}

    def remember_uploads(self, platform: str, shop_id: str, references: Mapping[str, str]) -> dict[str, str]:
        """Stores the shop's reference per content hash; returns the ones that stay (the first stored wins)."""
        if not references:
            return {}
        rows = [{"platform": platform, "shop_id": shop_id, "content_hash": digest, "reference": reference,
                 "created_at": utcnow()} for digest, reference in references.items()]
        try:
            with self._writer.begin() as connection:
                connection.execute(insert(uploads_t), rows)
            return dict(references)
        except IntegrityError:
            pass  # another worker uploaded some of the same bytes first: keep theirs, add the rest one by one
        kept: dict[str, str] = {}
        for row, (digest, reference) in zip(rows, references.items(), strict=True):
            try:
                with self._writer.begin() as connection:
                    connection.execute(insert(uploads_t).values(**row))
                kept[digest] = reference
            except IntegrityError:
                kept[digest] = self.uploaded_images(platform, shop_id, [digest]).get(digest, reference)
        return kept
