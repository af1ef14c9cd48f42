"""Use case: sync: plan, manual sync, batches through the queue, the worker, status, logs, dead letters.

A batch starts the safe way (ids checked, the staged rollout, a verified backup, a snapshot of
every listing it touches) and only then writes its jobs, in one transaction, and queues their
ids. Every marketplace request of a job lands in sync_logs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.desired import PlanEntry
from syncstore_cli.errors import NotFoundError, RolloutRefused, UserInputError

if TYPE_CHECKING:
    from syncstore_cli.store.jobs import BatchSummary, Job

__all__ = ["BatchRun", "BatchSummary", "Job", "ManualSyncResult"]


def new_batch_id(kind: str = "B") -> str:
    return f"{kind}{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def parse_platforms(value: str) -> list[Platform]:
    if value == "both":
        return [Platform.SHOPEE, Platform.TIKTOK]
    try:
        return [Platform(value)]
    except ValueError:
        raise UserInputError(f"--platform {value!r}: expected shopee, tiktok or both") from None


def read_id_file(path: Path) -> list[str]:
    """Product ids one per line; blank lines and `#` comments allowed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserInputError(f"{path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise UserInputError(f"{path}: not UTF-8 text") from None
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def product_ids_from(ids: Sequence[str] | None, file: Path | None) -> list[str]:
    """Ids given on the command line or in a file: exactly one of the two."""
    if bool(ids) == (file is not None):
        raise UserInputError("give product ids or --file ids.txt (one of them)")
    return list(ids or []) if file is None else read_id_file(file)


def check_ids(ctx: AppContext, product_ids: Sequence[str], where: str = "") -> None:
    """Unknown or repeated ids are one error naming them all; nothing is queued."""
    problems = []
    seen: dict[str, int] = {}
    for number, product_id in enumerate(product_ids, 1):
        if product_id in seen:
            problems.append(f"'{product_id}' repeated (entries {seen[product_id]} and {number})")
        seen.setdefault(product_id, number)
    known = {s.product.id for s in ctx.catalog.get_many(list(seen))}
    unknown = [i for i in seen if i not in known]
    if unknown:
        shown = ", ".join(f"'{i}'" for i in unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10
                                                              else "")
        problems.insert(0, f"unknown product id(s): {shown}")
    if not product_ids:
        problems.append("no product ids given")
    if problems:
        raise UserInputError(f"{where}{'; '.join(problems)}; nothing was queued")


# -- plan ------------------------------------------------------------------------------------------
def plan(ctx: AppContext, product_ids: Sequence[str], platforms: Sequence[Platform], *,
         source: Path | None = None) -> list[PlanEntry]:
    """The plan for these products; reads only the store, sends nothing."""
    from syncstore_cli.engine.apply import SyncEngine

    check_ids(ctx, product_ids, f"{source}: " if source else "")
    engine = SyncEngine(ctx.catalog, ctx.jobs, ctx.settings.pricing, {}, None)
    return [engine.plan(stored, platform)
            for stored in ctx.catalog.get_many(list(product_ids)) for platform in platforms]


# -- manual ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ManualSyncResult:
    batch_id: str
    jobs: list[Job]


def manual_sync(ctx: AppContext, product_ids: str | Sequence[str], platforms: Sequence[Platform]) -> ManualSyncResult:
    """Applies the plan for these products now, in this process."""
    from syncstore_cli.domain.vocabulary import JobState

    ids = [product_ids] if isinstance(product_ids, str) else list(product_ids)
    for product_id in ids:
        ctx.catalog.get(product_id)  # NotFoundError names the id before anything is recorded
    batch_id = new_batch_id("M")
    job_ids = ctx.jobs.create_batch(batch_id, "manual", "+".join(p.value for p in platforms),
                                    [(i, p.value) for i in ids for p in platforms],
                                    source=f"sync manual {' '.join(ids)}")
    with ctx.sync_session() as session:
        for job_id in job_ids:
            # A batch's job may hold this product right now; wait for it (up to the lease) rather than fail.
            deadline = time.time() + session.runner.lease_seconds
            while session.runner.run(job_id) is None and time.time() < deadline:
                job = ctx.jobs.job(job_id)
                if job is None or job.state not in (JobState.PENDING, JobState.LEASED):
                    break
                time.sleep(0.5)
    return ManualSyncResult(batch_id, batch_status(ctx, batch_id).jobs)


# -- batches ---------------------------------------------------------------------------------------
def submit_batch(ctx: AppContext, product_ids: Sequence[str], platforms: Sequence[Platform], *,
                 source: str | None = None, force: bool = False,
                 confirm: Callable[[str], bool] | None = None) -> str:
    """Starts a batch the safe way, then puts its job ids on the queue; returns its id.

    In order: the ids are checked; the staged rollout must allow the batch's size, unless `force`
    (then `confirm(batch_id)` must return True: the owner typed the id back); a verified backup of
    the database is taken; every listing the batch will touch is read from its marketplace and
    stored as the batch's snapshot; then the batch and its jobs are recorded in one transaction.
    Anything failing before that last step leaves no batch and queues nothing.
    """
    from syncstore_cli.engine.snapshots import take_snapshots

    check_ids(ctx, product_ids, f"{source}: " if source else "")
    decision = ctx.safety.rollout_decision(len(product_ids))
    if not decision.allowed and not force:
        hint = f"; next: {decision.next_step}" if decision.next_step else ""
        raise RolloutRefused(f"{decision.reason}{hint} (the owner may override with --force)")
    forced = not decision.allowed
    batch_id = new_batch_id()
    if forced and confirm is not None and not confirm(batch_id):
        raise UserInputError(f"batch {batch_id} was not confirmed; nothing was queued")
    backup = ctx.backups().create(reason=f"before batch {batch_id}")
    with ctx.sync_session() as session, session.capture.job(batch_id, None, None):
        # Logged under the batch: its snapshot's reads are part of what the batch cost.
        snapshots = take_snapshots(ctx.jobs, batch_id, product_ids, platforms, session.shops)
    ctx.safety.save_snapshots(snapshots)
    note = f" (forced past the rollout limit of {decision.limit})" if forced else ""
    ctx.jobs.create_batch(batch_id, "batch", "+".join(p.value for p in platforms),
                          [(i, p.value) for i in product_ids for p in platforms],
                          source=f"{source or ''}{note}" or None)
    ctx.safety.set_batch_safety(batch_id, products=len(product_ids), forced=forced, backup_id=backup.id)
    for product_id in product_ids:
        ctx.jobs.refresh_product_status(product_id)
    # Marked enqueued before the send: if the send fails, the reconciler re-sends them later.
    ctx.queue.enqueue(ctx.jobs.due_jobs(time.time(), stale_after=None, batch_id=batch_id))
    return batch_id


@dataclass(frozen=True)
class BatchRun:
    batch_id: str
    summary: BatchSummary
    detached: bool
    seconds: float


def run_batch(ctx: AppContext, product_ids: Sequence[str], platforms: Sequence[Platform], *,
              source: str | None = None, force: bool = False, confirm: Callable[[str], bool] | None = None,
              detach: bool = False, concurrency: int | None = None,
              on_progress: Callable[[BatchSummary], None] | None = None) -> BatchRun:
    """`sync batch`: submit the batch, then (unless `detach`) serve it here until it finishes."""
    batch_id = submit_batch(ctx, product_ids, platforms, source=source, force=force, confirm=confirm)
    started = time.monotonic()
    if not detach:
        def tick() -> None:
            if on_progress is not None:
                on_progress(batch_status(ctx, batch_id, with_jobs=False))

        run_worker(ctx, concurrency=concurrency, on_tick=tick,
                   until=lambda: batch_status(ctx, batch_id, with_jobs=False).finished)
    summary = batch_status(ctx, batch_id)
    return BatchRun(batch_id, summary, detach, time.monotonic() - started)


def run_worker(ctx: AppContext, *, concurrency: int | None = None, until: Callable[[], bool] = lambda: False,
               on_tick: Callable[[], None] | None = None, reconcile_seconds: float | None = None,
               until_idle: bool = False) -> int:
    """Serves queued jobs until `until()` (or, with `until_idle`, no job is open); returns the deliveries handled."""
    from syncstore_cli.queue.worker import Worker

    sync = ctx.settings.sync
    stop = (lambda: ctx.jobs.open_jobs() == 0) if until_idle else until
    with ctx.sync_session() as session:
        worker = Worker(session.runner, ctx.jobs, ctx.queue, concurrency=concurrency or sync.concurrency,
                        reconcile_seconds=reconcile_seconds or sync.reconcile_seconds, stale_after=sync.stale_after)
        worker.run(until=stop, on_tick=on_tick)
        return worker.processed


def batch_status(ctx: AppContext, batch_id: str, *, with_jobs: bool = True) -> BatchSummary:
    """The batch's counts, and each job unless `with_jobs` is False (progress polling needs only counts)."""
    summary = ctx.jobs.batch(batch_id, with_jobs=with_jobs)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    return summary


def watch_batch(ctx: AppContext, batch_id: str, *, on_progress: Callable[[BatchSummary], None] | None = None,
                poll_seconds: float = 1.0) -> BatchSummary:
    """`sync status --watch`: polls the batch until it ends, reporting each poll."""
    summary = batch_status(ctx, batch_id, with_jobs=False)
    while not summary.finished:
        if on_progress is not None:
            on_progress(summary)
        time.sleep(poll_seconds)
        summary = batch_status(ctx, batch_id, with_jobs=False)
    return batch_status(ctx, batch_id)


# -- logs and dead letters -------------------------------------------------------------------------
LOG_STATUSES = ("ok", "error")


def sync_logs(ctx: AppContext, *, batch_id: str | None = None, product_id: str | None = None,
              status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Every marketplace request SyncStore made (secrets removed), oldest first."""
    if status not in (None, *LOG_STATUSES):
        raise UserInputError(f"--status {status!r}: expected ok or error")
    return ctx.jobs.logs(batch_id=batch_id, product_id=product_id, status=status, limit=limit)


def dead_letters(ctx: AppContext) -> list[Job]:
    """Jobs that failed for good (permanent errors, or retries exhausted)."""
    return ctx.jobs.dead_letters()


def dead_letter(ctx: AppContext, job_id: int) -> Job:
    job = ctx.jobs.job(job_id)
    if job is None:
        raise NotFoundError(f"no job with id {job_id}")
    return job


def retry_dead_letters(ctx: AppContext, job_ids: Sequence[int] | None, *, all_jobs: bool = False) -> list[int]:
    """Queues reviewed dead-lettered jobs again; every id must be in the dead-letter list (else nothing moves)."""
    if bool(job_ids) == all_jobs:
        raise UserInputError("give job ids or --all (one of them)")
    parked = [j.id for j in ctx.jobs.dead_letters()]
    wanted = parked if all_jobs else list(job_ids or [])
    missing = sorted(set(wanted) - set(parked))
    if missing:
        raise UserInputError(f"not in the dead-letter queue: {', '.join(map(str, missing))}; nothing was queued")
    moved = ctx.jobs.requeue(wanted)
    ctx.queue.enqueue(ctx.jobs.due_jobs(time.time(), stale_after=None))
    return moved
