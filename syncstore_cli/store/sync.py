"""Batches, jobs (the truth the queue only points at), sync logs, listing state and image uploads.

Jobs move pending -> leased -> done | blocked | failed | dead. A worker claims a job with one
conditional UPDATE (pending and due, or leased with an expired lease) and holds a lease it renews;
everything a worker writes afterwards is conditional on still owning the lease, so a worker that
lost its lease (paused, then resumed after another took the job) cannot overwrite the newer result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from syncstore_cli.store.catalog import listing_variants_t, listings_t, products_t
from syncstore_cli.store.engine import writer
from syncstore_cli.store.models import ImageUploadRow, SyncBatchRow, SyncJobRow, SyncLogRow, utcnow

batches_t = SyncBatchRow.__table__  # type: ignore[attr-defined]
jobs_t = SyncJobRow.__table__  # type: ignore[attr-defined]
logs_t = SyncLogRow.__table__  # type: ignore[attr-defined]
uploads_t = ImageUploadRow.__table__  # type: ignore[attr-defined]

PENDING, LEASED, DONE, BLOCKED, FAILED, DEAD = "pending", "leased", "done", "blocked", "failed", "dead"
FINISHED = (DONE, BLOCKED, FAILED, DEAD)
DEAD_LETTER = (FAILED, DEAD)  # what a person must look at: permanent failures and exhausted retries


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

    @property
    def completed(self) -> int:
        return self.counts.get(DONE, 0)

    @property
    def failed(self) -> int:
        return sum(self.counts.get(s, 0) for s in DEAD_LETTER)

    @property
    def blocked(self) -> int:
        return self.counts.get(BLOCKED, 0)

    @property
    def in_progress(self) -> int:
        return self.counts.get(LEASED, 0)

    @property
    def pending(self) -> int:
        return self.counts.get(PENDING, 0)

    @property
    def finished(self) -> bool:
        return self.pending + self.in_progress == 0


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


def _job(row: Any) -> Job:
    return Job(
        id=row.id, batch_id=row.batch_id, product_id=row.product_id, platform=row.platform, state=row.state,
        action=row.action, deliveries=row.deliveries, attempts=row.attempts, external_id=row.external_id,
        message=row.message, error_code=row.error_code, errors=json.loads(row.errors_json or "[]"),
        lease_owner=row.lease_owner, created_at=row.created_at, finished_at=row.finished_at,
    )


class SyncStore:
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
                id=batch_id, kind=kind, platforms=platforms, total_jobs=len(jobs), status="queued", source=source,
                created_at=now))
            if jobs:
                connection.execute(insert(jobs_t), [
                    {"batch_id": batch_id, "product_id": product_id, "platform": platform, "state": PENDING,
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
        return BatchSummary(batch_id=row.id, kind=row.kind, platforms=row.platforms, status=row.status,
                            total_jobs=row.total_jobs, counts=counts, created_at=row.created_at,
                            finished_at=row.finished_at, jobs=jobs)

    def settle_batch(self, batch_id: str) -> str | None:
        """Marks the batch completed or failed once no job is pending or leased; returns its status."""
        with self.engine.connect() as connection:  # most calls find work left: no write lock for those
            open_jobs = connection.execute(select(func.count()).select_from(jobs_t).where(
                jobs_t.c.batch_id == batch_id, jobs_t.c.state.in_((PENDING, LEASED)))).scalar_one()
            status = connection.execute(select(batches_t.c.status).where(batches_t.c.id == batch_id)).scalar()
        if open_jobs and status == "running":
            return "running"
        with self._writer.begin() as connection:
            counts = {state: n for state, n in connection.execute(
                select(jobs_t.c.state, func.count()).where(jobs_t.c.batch_id == batch_id).group_by(jobs_t.c.state))}
            if counts.get(PENDING, 0) + counts.get(LEASED, 0):
                status = "running"
                connection.execute(update(batches_t).where(batches_t.c.id == batch_id,
                                                           batches_t.c.status != status).values(status=status))
                return status
            status = "failed" if any(counts.get(s, 0) for s in DEAD_LETTER) else "completed"
            connection.execute(update(batches_t).where(batches_t.c.id == batch_id).values(
                status=status, finished_at=utcnow()))
            return status

    # -- the queue's truth ---------------------------------------------------------------------
    def due_jobs(self, now: float, *, stale_after: float | None, batch_id: str | None = None) -> list[int]:
        """Job ids a worker should be told about, marked enqueued now: pending jobs that are due and were
        never enqueued (or were rescheduled), jobs whose lease expired (their worker died), and, when
        `stale_after` is given, pending jobs enqueued longer ago than that (their message was lost)."""
        never = jobs_t.c.enqueued_at.is_(None)
        waiting = never if stale_after is None else or_(never, jobs_t.c.enqueued_at < now - stale_after)
        conditions = [or_(
            and_(jobs_t.c.state == PENDING, jobs_t.c.next_attempt_at <= now, waiting),
            and_(jobs_t.c.state == LEASED, jobs_t.c.lease_until < now,
                 or_(never, jobs_t.c.enqueued_at < jobs_t.c.lease_until)),
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
                jobs_t.c.state.in_((PENDING, LEASED)))).scalar_one())

    def refresh_product_status(self, product_id: str) -> str:
        """synced when each platform's latest job is done, error when one failed or was blocked, else syncing."""
        with self._writer.begin() as connection:
            return self._set_product_status(connection, product_id)

    @staticmethod
    def _set_product_status(connection: Any, product_id: str) -> str:
        latest: dict[str, str] = {}
        for row in connection.execute(select(jobs_t.c.platform, jobs_t.c.state).where(
                jobs_t.c.product_id == product_id).order_by(jobs_t.c.id)):
            latest[row.platform] = row.state
        states = set(latest.values())
        if states & {PENDING, LEASED}:
            status = "syncing"
        elif states & {BLOCKED, FAILED, DEAD}:
            status = "error"
        else:
            status = "synced"
        connection.execute(update(products_t).where(products_t.c.id == product_id).values(status=status))
        return status

    def claim(self, job_id: int, owner: str, now: float, lease_seconds: float) -> Job | None:
        """Takes the job if it is pending and due, or leased with an expired lease; None otherwise."""
        with self._writer.begin() as connection:
            claimed = connection.execute(update(jobs_t).where(
                jobs_t.c.id == job_id,
                or_(and_(jobs_t.c.state == PENDING, jobs_t.c.next_attempt_at <= now),
                    and_(jobs_t.c.state == LEASED, jobs_t.c.lease_until < now)),
            ).values(state=LEASED, lease_owner=owner, lease_until=now + lease_seconds,
                     deliveries=jobs_t.c.deliveries + 1, updated_at=utcnow()))
            if claimed.rowcount != 1:
                return None
            row = connection.execute(select(jobs_t).where(jobs_t.c.id == job_id)).one()
            connection.execute(update(batches_t).where(batches_t.c.id == row.batch_id,
                                                       batches_t.c.status == "queued").values(status="running"))
            connection.execute(update(products_t).where(products_t.c.id == row.product_id).values(status="syncing"))
        return _job(row)

    def renew(self, job_ids: Iterable[int], owner: str, until: float) -> None:
        ids = list(job_ids)
        if not ids:
            return
        with self._writer.begin() as connection:
            connection.execute(update(jobs_t).where(jobs_t.c.id.in_(ids), jobs_t.c.lease_owner == owner,
                                                    jobs_t.c.state == LEASED).values(lease_until=until))

    def finish(self, job_id: int, owner: str, state: str, *, action: str | None = None,
               external_id: str | None = None, message: str | None = None, error_code: str | None = None,
               errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0) -> bool:
        """Records the outcome if `owner` still holds the lease; False when the lease was lost."""
        with self._writer.begin() as connection:
            row = connection.execute(select(jobs_t.c.errors_json).where(
                jobs_t.c.id == job_id, jobs_t.c.lease_owner == owner, jobs_t.c.state == LEASED)).first()
            if row is None:
                return False
            history = json.loads(row.errors_json or "[]") + [dict(e) for e in errors]
            connection.execute(update(jobs_t).where(jobs_t.c.id == job_id).values(
                state=state, action=action, external_id=external_id, message=message, error_code=error_code,
                errors_json=json.dumps(history), attempts=jobs_t.c.attempts + attempts, lease_owner=None,
                lease_until=None, updated_at=utcnow(), finished_at=utcnow() if state in FINISHED else None))
            # In the same transaction, so a worker killed right after cannot leave the product "syncing"
            # or its listing locked.
            product_id = connection.execute(select(jobs_t.c.product_id).where(jobs_t.c.id == job_id)).scalar_one()
            self._set_product_status(connection, product_id)
            connection.execute(update(listings_t).where(listings_t.c.lock_job == job_id).values(
                lock_job=None, lock_until=None))
        return True

    def reschedule(self, job_id: int, owner: str, next_attempt_at: float, *,
                   errors: Sequence[Mapping[str, Any]] = (), attempts: int = 0, message: str | None = None) -> bool:
        """Back to pending, due at `next_attempt_at` (a long Retry-After, or a product another job holds)."""
        with self._writer.begin() as connection:
            row = connection.execute(select(jobs_t.c.errors_json).where(
                jobs_t.c.id == job_id, jobs_t.c.lease_owner == owner, jobs_t.c.state == LEASED)).first()
            if row is None:
                return False
            history = json.loads(row.errors_json or "[]") + [dict(e) for e in errors]
            connection.execute(update(jobs_t).where(jobs_t.c.id == job_id).values(
                state=PENDING, next_attempt_at=next_attempt_at, enqueued_at=None, lease_owner=None,
                lease_until=None, errors_json=json.dumps(history), attempts=jobs_t.c.attempts + attempts,
                message=message, updated_at=utcnow()))
            connection.execute(update(listings_t).where(listings_t.c.lock_job == job_id).values(
                lock_job=None, lock_until=None))
        return True

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
                    state=PENDING, next_attempt_at=0.0, enqueued_at=None, deliveries=0, finished_at=None,
                    error_code=None, updated_at=utcnow()))
                batch_ids = list(connection.execute(select(jobs_t.c.batch_id).where(
                    jobs_t.c.id.in_(ids)).distinct()).scalars())
                connection.execute(update(batches_t).where(batches_t.c.id.in_(batch_ids)).values(
                    status="queued", finished_at=None))
        return ids

    # -- one product on one platform -----------------------------------------------------------
    def lock_listing(self, product_id: str, platform: str, job_id: int, now: float, until: float) -> bool:
        """At most one job works on a product's listing at a time, across batches and workers."""
        with self._writer.begin() as connection:
            locked = connection.execute(update(listings_t).where(
                listings_t.c.product_id == product_id, listings_t.c.platform == platform,
                or_(listings_t.c.lock_job.is_(None), listings_t.c.lock_until < now, listings_t.c.lock_job == job_id),
            ).values(lock_job=job_id, lock_until=until))
            return locked.rowcount == 1

    def unlock_listing(self, product_id: str, platform: str, job_id: int) -> None:
        with self._writer.begin() as connection:
            connection.execute(update(listings_t).where(
                listings_t.c.product_id == product_id, listings_t.c.platform == platform,
                listings_t.c.lock_job == job_id).values(lock_job=None, lock_until=None))

    def known_listing(self, product_id: str, platform: str) -> KnownListing:
        with self.engine.connect() as connection:
            row = connection.execute(select(listings_t).where(
                listings_t.c.product_id == product_id, listings_t.c.platform == platform)).first()
            if row is None:
                return KnownListing(None, None, None, {})
            variant_ids = {r.variant_sku: r.external_id for r in connection.execute(
                select(listing_variants_t).where(listing_variants_t.c.listing_id == row.id)) if r.external_id}
        return KnownListing(row.external_id, json.loads(row.synced_state) if row.synced_state else None,
                            row.create_key, variant_ids)

    def set_create_intent(self, product_id: str, platform: str, key: str | None) -> None:
        """Stored before a create is sent (and cleared after its id is stored): the create protocol."""
        with self._writer.begin() as connection:
            connection.execute(update(listings_t).where(
                listings_t.c.product_id == product_id, listings_t.c.platform == platform).values(create_key=key))

    def record_synced(self, product_id: str, platform: str, external_id: str, variant_ids: Mapping[str, str],
                      state: Mapping[str, Any]) -> None:
        """The listing id, its variants' ids and the state read back, in one transaction."""
        now = utcnow()
        with self._writer.begin() as connection:
            listing = connection.execute(select(listings_t.c.id).where(
                listings_t.c.product_id == product_id, listings_t.c.platform == platform)).one()
            connection.execute(update(listings_t).where(listings_t.c.id == listing.id).values(
                external_id=external_id, synced_state=json.dumps(state, sort_keys=True), synced_at=now,
                create_key=None, status="listed", last_error=None, updated_at=now))
            for sku, variant_id in variant_ids.items():
                connection.execute(update(listing_variants_t).where(
                    listing_variants_t.c.listing_id == listing.id, listing_variants_t.c.variant_sku == sku,
                ).values(external_id=variant_id))

    def record_external_id(self, product_id: str, platform: str, external_id: str) -> None:
        """A create's id, stored as soon as it is known (before the read-back), so it is never lost."""
        with self._writer.begin() as connection:
            connection.execute(update(listings_t).where(
                listings_t.c.product_id == product_id, listings_t.c.platform == platform).values(
                external_id=external_id, create_key=None, status="listed", updated_at=utcnow()))

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
            connection.execute(insert(logs_t), [{**entry.__dict__, "created_at": now} for entry in logs])

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
    def uploaded_image(self, platform: str, shop_id: str, content_hash: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(select(uploads_t.c.reference).where(
                uploads_t.c.platform == platform, uploads_t.c.shop_id == shop_id,
                uploads_t.c.content_hash == content_hash)).scalar()

    def remember_upload(self, platform: str, shop_id: str, content_hash: str, reference: str) -> None:
        try:
            with self._writer.begin() as connection:
                connection.execute(insert(uploads_t).values(platform=platform, shop_id=shop_id,
                                                            content_hash=content_hash, reference=reference,
                                                            created_at=utcnow()))
        except IntegrityError:
            pass  # another worker uploaded the same bytes first; both references are valid, the first stays
