"""Use case: sync: plan, manual sync, batches through the queue, the worker, status, logs, dead letters.

A batch starts the safe way (everything it needs checked before anything is written: ids,
settings, authorized shops, a queue that answers, the staged rollout; then a snapshot of every
listing it touches and a verified backup) and only then writes its jobs, in one transaction, and
queues their ids. Every marketplace request of a job lands in sync_logs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import CATEGORIES, Platform
from syncstore_cli.domain.desired import PlanEntry
from syncstore_cli.domain.vocabulary import SyncStatus
from syncstore_cli.errors import NotFoundError, RolloutRefused, SyncStoreError, UserInputError

if TYPE_CHECKING:
    from syncstore_cli.domain.auth import ShopAuth
    from syncstore_cli.domain.rollout import RolloutDecision
    from syncstore_cli.engine.ports import Shop
    from syncstore_cli.engine.snapshots import ChangesSince
    from syncstore_cli.store.jobs import BatchSummary, Job, WorkerActivity

__all__ = ["BatchProgress", "BatchRun", "BatchSummary", "ChangedRun", "Job", "ManualSyncResult", "SelectedProducts",
           "Selection", "SelectionRun", "WorkerResult"]

STALLED_HINT = "start `syncstore worker` (or `syncstore worker --until-idle`) to finish it"


def new_batch_id(kind: str = "B") -> str:
    return f"{kind}{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def parse_platforms(value: str) -> list[Platform]:
    if value == "both":
        return [Platform.SHOPEE, Platform.TIKTOK]
    try:
        return [Platform(value)]
    except ValueError:
        raise UserInputError(f"--platform {value!r}: expected shopee, tiktok or both") from None


_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def read_id_file(path: Path) -> list[str]:
    """Product ids one per line; blank lines and `#` comments allowed.

    Only a regular file is read: a FIFO would block until something writes to it, and a directory
    or a device is a mistake to name, not a list of ids. The file is opened without blocking and
    then examined, so what is checked is what would be read.
    """
    def refuse_unless_regular(mode: int) -> None:
        if not stat.S_ISREG(mode):
            what = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
            raise UserInputError(f"{path}: is {what}, not a file of product ids")

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise UserInputError(f"{path}: no such file") from None
    except OSError as error:
        with contextlib.suppress(OSError):  # a socket cannot even be opened: say what it is, not the errno
            refuse_unless_regular(os.stat(path).st_mode)
        raise UserInputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        refuse_unless_regular(os.fstat(fd).st_mode)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except OSError as error:
        raise UserInputError(f"{path}: cannot read ({error.strerror})") from None
    finally:
        os.close(fd)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise UserInputError(f"{path}: not UTF-8 text") from None
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


MAX_CONCURRENCY = 256  # the bound of the sync.concurrency setting: more threads is a typo, not a plan


def check_concurrency(concurrency: int | None) -> None:
    """`--concurrency` is a number of worker threads, 1 to MAX_CONCURRENCY (None: the setting's)."""
    if concurrency is not None and not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UserInputError(f"--concurrency {concurrency}: must be a whole number from 1 to {MAX_CONCURRENCY}")


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


# -- selections ------------------------------------------------------------------------------------
SELECTION_OPTIONS = ("--file", "--changed", "--all", "--category", "--search", "--status")


@dataclass(frozen=True)
class Selection:
    """Which products a batch takes; exactly one of these is given (`check`)."""

    file: Path | None = None
    changed: bool = False
    all_products: bool = False
    category: str | None = None
    search: str | None = None
    status: str | None = None

    def check(self) -> Selection:
        given = [name for name, value in zip(SELECTION_OPTIONS, (self.file, self.changed, self.all_products,
                                                                 self.category, self.search, self.status),
                                             strict=True) if value not in (None, False)]
        if len(given) != 1:
            shown = f" (given: {', '.join(given)})" if given else ""
            raise UserInputError(f"choose the products with exactly one of {', '.join(SELECTION_OPTIONS)}{shown}")
        if self.category is not None and self.category not in CATEGORIES:
            raise UserInputError(f"--category {self.category!r} is not a master category; expected one of: "
                                 f"{', '.join(CATEGORIES)}")
        if self.search is not None and not self.search.strip():
            raise UserInputError("--search: give some text to look for in titles and SKUs")
        if self.status is not None:
            parse_status(self.status)
        return self

    def describe(self) -> str:
        """How the products were chosen, as the batch records it (its `source`)."""
        if self.file is not None:
            return str(self.file)
        if self.changed:
            return "--changed"
        if self.all_products:
            return "--all"
        if self.category is not None:
            return f"--category {self.category}"
        if self.search is not None:
            return f"--search {self.search!r}"
        return f"--status {parse_status(self.status or '')}"


def parse_status(text: str) -> SyncStatus:
    """A product sync status as `products list --status` takes it ("Not synced", "not-synced" too)."""
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return SyncStatus(value)
    except ValueError:
        raise UserInputError(f"--status {text!r} is not one of: {', '.join(SyncStatus)}") from None


@dataclass(frozen=True)
class SelectedProducts:
    product_ids: list[str]  # in catalog order (a file's: in its order)
    source: str
    blocked: list[str]  # --changed only: blocked on a requested platform and changed on none, so not selected


PLAN_SLICE = 500  # products planned per catalog read: bounded memory over the whole catalog


def changed_products(ctx: AppContext, platforms: Sequence[Platform]) -> tuple[list[str], list[str]]:
    """(changed, blocked): products whose plan on some requested platform is create or update (their desired
    listing differs from the last confirmed state), and those not changed but blocked on one, which includes
    a product whose last job there was blocked by an unreachable image and that was not edited since (`sync
    batch` with it named retries it at once). Reads only the store, like `plan`."""
    from syncstore_cli.domain.desired import Action
    from syncstore_cli.engine.apply import SyncEngine

    # The mappings, trees and rules read once for the run, not five queries per product and platform.
    engine = SyncEngine(ctx.catalog, ctx.jobs, ctx.settings.pricing, {}, None, taxonomy=ctx.taxonomy.snapshot())
    ids = ctx.catalog.product_ids()
    # A product blocked at run time by an unreachable image, not edited since, would only block again: cron
    # must not start a batch (and take a backup) for it every run. It counts as blocked until it changes.
    stuck = {platform: ctx.jobs.blocked_on_images_since_unchanged(platform.value) for platform in platforms}
    changed: list[str] = []
    blocked: list[str] = []
    for start in range(0, len(ids), PLAN_SLICE):
        chunk = ids[start:start + PLAN_SLICE]
        # What the store knows of the slice's listings, a few queries per platform, not two per listing.
        known = {platform: ctx.jobs.known_listings(chunk, platform.value) for platform in platforms}
        for stored in ctx.catalog.get_many(chunk):
            actions = {Action.BLOCKED if stored.product.id in stuck[platform]
                       else engine.plan(stored, platform, known[platform][stored.product.id]).action
                       for platform in platforms}
            if actions & {Action.CREATE, Action.UPDATE}:
                changed.append(stored.product.id)
            elif Action.BLOCKED in actions:
                blocked.append(stored.product.id)
    return changed, blocked


def select_products(ctx: AppContext, selection: Selection, platforms: Sequence[Platform]) -> SelectedProducts:
    """The products a selection names now; reads only the store (a file's ids are checked when the batch
    starts, naming the file)."""
    selection.check()
    source = selection.describe()
    if selection.file is not None:
        return SelectedProducts(read_id_file(selection.file), source, [])
    if selection.changed:
        changed, blocked = changed_products(ctx, platforms)
        return SelectedProducts(changed, source, blocked)
    status = parse_status(selection.status) if selection.status is not None else None
    ids = ctx.catalog.product_ids(category=selection.category, search=selection.search, status=status)
    return SelectedProducts(ids, source, [])


# -- plan ------------------------------------------------------------------------------------------
def plan(ctx: AppContext, product_ids: Sequence[str], platforms: Sequence[Platform], *,
         source: Path | None = None) -> list[PlanEntry]:
    """The plan for these products; reads only the store, sends nothing."""
    from syncstore_cli.engine.apply import SyncEngine

    check_ids(ctx, product_ids, f"{source}: " if source else "")
    engine = SyncEngine(ctx.catalog, ctx.jobs, ctx.settings.pricing, {}, None, taxonomy=ctx.taxonomy)
    return [engine.plan(stored, platform)
            for stored in ctx.catalog.get_many(list(product_ids)) for platform in platforms]


@dataclass(frozen=True)
class ListingSchedule:
    """How many of TikTok's quota days a plan's new listings need at the configured daily listing limit."""

    creates: int
    limit: int
    used_today: int  # listings SyncStore already created on the current quota day
    days: int  # today counted as the first
    last_part_from: float  # when the last day's part can start (epoch seconds): now, or a quota reset


def tiktok_schedule(ctx: AppContext, entries: Sequence[PlanEntry], *, now: float | None = None
                    ) -> ListingSchedule | None:
    """The schedule of the plan's TikTok creates (`tiktok.daily_listing_limit`, `quota.*`); None without any."""
    from syncstore_cli.domain.desired import Action
    from syncstore_cli.domain.quota import days_needed
    from syncstore_cli.marketplaces.tiktok.client import PRODUCT_PATH
    from syncstore_cli.store.request_counts import RequestCounts

    creates = sum(1 for e in entries if e.platform is Platform.TIKTOK and e.action is Action.CREATE)
    if not creates:
        return None
    moment = time.time() if now is None else now
    quota = ctx.settings.quota
    used = RequestCounts(ctx.database).since(Platform.TIKTOK.value, quota.tiktok_day.start(moment), method="POST",
                                             path=PRODUCT_PATH, succeeded_only=True)
    days = days_needed(creates, quota.tiktok_daily_listings, used)
    last = moment if days == 1 else quota.tiktok_day.start(moment) + (days - 1) * quota.tiktok_day.length
    return ListingSchedule(creates, quota.tiktok_daily_listings, used, days, last)


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
def _check_shops(ctx: AppContext, platforms: Sequence[Platform]) -> None:
    """Each platform asked has the app's credentials and an authorized shop whose authorization lasts.

    Without this a batch would be recorded and every one of its jobs dead-lettered by the worker,
    and unresolved dead letters stop the staged rollout.
    """
    now = time.time()
    shops: dict[str, ShopAuth] = {}
    for authorized in ctx.tokens.shops():
        if authorized.authorized:
            shops.setdefault(authorized.platform, authorized)  # the one a sync session uses (ShopConnections)
    problems: list[str] = []
    for platform in platforms:
        if platform is Platform.SHOPEE:
            ctx.shops.shopee_partner()  # ConfigError naming the missing credential
        else:
            ctx.shops.tiktok_app()
        shop = shops.get(platform.value)
        run_auth = f"run `syncstore auth {platform.value}`"
        if shop is None:
            problems.append(f"no {platform.value} shop is authorized ({run_auth})")
        elif shop.authorization_expires_at is not None and 0 < shop.authorization_expires_at < now:
            problems.append(f"the {platform.value} shop {shop.shop_id}'s authorization has expired ({run_auth})")
        elif 0 < shop.tokens.refresh_expires_at < now:
            problems.append(f"the {platform.value} shop {shop.shop_id}'s refresh token has expired ({run_auth})")
    if problems:
        raise UserInputError(f"{'; '.join(problems)}; nothing was queued")


def check_batch_can_start(ctx: AppContext, product_ids: Sequence[str], platforms: Sequence[Platform], *,
                          source: str | None = None, force: bool = False) -> RolloutDecision:
    """Everything a batch needs, checked before anything of it is written; returns the rollout's decision.

    The ids; every setting (parsed now, not when a worker first needs it); the app credentials and an
    authorized shop for each platform asked; the queue: a URL it can be, answering now; the staged
    rollout, unless `force`. Each refusal is one error (exit 2) and leaves no batch, job or backup.
    """
    check_ids(ctx, product_ids, f"{source}: " if source else "")
    if not platforms:
        raise UserInputError("no platform given; nothing was queued")
    ctx.settings.validate()
    _check_shops(ctx, platforms)
    ctx.queue.ping()
    decision = ctx.safety.rollout_decision(len(product_ids))
    if not decision.allowed and not force:
        hint = f"; next: {decision.next_step}" if decision.next_step else ""
        raise RolloutRefused(f"{decision.reason}{hint}; select at most {decision.limit:,} products, or add --chunk "
                             f"to run them as consecutive batches of {decision.limit:,} (the owner may override with "
                             "--force)")
    return decision


DRIFT_RUNS_READ = 1000  # the newest drift runs searched for edits left as the seller made them


def changes_since_last_drift(ctx: AppContext, shops: Mapping[Platform, Shop], platforms: Sequence[Platform]
                             ) -> dict[Platform, ChangesSince]:
    """For each shop a drift check has read, where its stored states were last brought in step with it and
    which listings to read again anyway (an edit a `report` policy left); none with `drift.reads = full`."""
    from syncstore_cli.domain.drift import check_kind, read_from, reported_product_ids
    from syncstore_cli.engine.snapshots import ChangesSince

    settings = ctx.settings.drift
    if settings.full_reads:
        return {}
    found: dict[Platform, ChangesSince] = {}
    for platform in platforms:
        shop = shops.get(platform)
        if shop is None:
            continue
        runs = [run.results[0] for run in ctx.safety.checks(kind=check_kind(platform.value), limit=DRIFT_RUNS_READ)
                if run.results]
        since = read_from(runs[0] if runs else None, shop.shop_id, settings.overlap_seconds)
        if since is not None:
            found[platform] = ChangesSince(since, frozenset(reported_product_ids(runs, shop.shop_id)))
    return found


def submit_batch(ctx: AppContext, product_ids: Sequence[str], platforms: Sequence[Platform], *,
                 source: str | None = None, force: bool = False,
                 confirm: Callable[[str], bool] | None = None) -> str:
    """Starts a batch the safe way, then puts its job ids on the queue; returns its id.

    In order: everything the batch needs is checked (`check_batch_can_start`: ids, settings, shops,
    queue, the staged rollout, unless `force`; then `confirm(batch_id)` must return True: the owner
    typed the id back); every listing the batch will touch is read from its marketplace (a batch
    that could not be undone must not start); a verified backup of the database is taken; the reads
    are stored as the batch's snapshot; then the batch and its jobs are recorded in one transaction.
    Anything failing before that last step leaves no batch and queues nothing, and a refusal or a
    failed read leaves no backup either.
    """
    from syncstore_cli.engine.snapshots import take_snapshots

    decision = check_batch_can_start(ctx, product_ids, platforms, source=source, force=force)
    forced = not decision.allowed
    batch_id = new_batch_id()
    if forced and confirm is not None and not confirm(batch_id):
        raise UserInputError(f"batch {batch_id} was not confirmed; nothing was queued")
    skus = {s.product.id: (s.product.sku, [v.sku for v in s.product.variants])
            for s in ctx.catalog.get_many(list(product_ids))}
    with ctx.sync_session() as session, session.capture.job(batch_id, None, None):
        # Logged under the batch: its snapshot's reads are part of what the batch cost.
        snapshots = take_snapshots(ctx.jobs, batch_id, product_ids, platforms, session.shops, skus,
                                   changes=changes_since_last_drift(ctx, session.shops, platforms))
    backup = ctx.backups().create(reason=f"before batch {batch_id}")
    ctx.safety.save_snapshots(snapshots)
    note = f" (forced past the rollout limit of {decision.limit})" if forced else ""
    ctx.jobs.create_batch(batch_id, "batch", "+".join(p.value for p in platforms),
                          [(i, p.value) for i in product_ids for p in platforms],
                          source=f"{source or ''}{note}" or None)
    ctx.safety.set_batch_safety(batch_id, products=len(product_ids), forced=forced, backup_id=backup.id)
    for product_id in product_ids:
        ctx.jobs.refresh_product_status(product_id)
    # Marked enqueued before the send: if the send fails, the jobs stay pending and a worker's
    # reconciler re-sends them (pending, enqueued longer ago than sync.stale_after, queue empty).
    due = ctx.jobs.due_jobs(time.time(), stale_after=None, batch_id=batch_id)
    try:
        ctx.queue.enqueue(due)
    except Exception as error:  # the queue went away since the check: the batch is safe in the store
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SyncStoreError(f"batch {batch_id} is recorded but its jobs could not be queued ({detail}); "
                             "`syncstore worker` sends them once the queue answers") from None
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
    check_concurrency(concurrency)
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


@dataclass(frozen=True)
class SelectionRun:
    selected: SelectedProducts
    run: BatchRun | None  # None: the selection was empty; nothing was written


def run_selection(ctx: AppContext, selection: Selection, platforms: Sequence[Platform], *, force: bool = False,
                  confirm: Callable[[str], bool] | None = None, detach: bool = False, concurrency: int | None = None,
                  on_progress: Callable[[BatchSummary], None] | None = None) -> SelectionRun:
    """`sync batch` with a selection: the products it names now, as one batch (`run_batch`).

    An empty selection writes nothing (no batch, backup or snapshot); an empty id file stays an
    error, as before: naming a file and giving no id is a mistake, not a quiet day.
    """
    check_concurrency(concurrency)
    selected = select_products(ctx, selection, platforms)
    if not selected.product_ids and selection.file is None:
        return SelectionRun(selected, None)
    return SelectionRun(selected, run_batch(ctx, selected.product_ids, platforms, source=selected.source,
                                            force=force, confirm=confirm, detach=detach, concurrency=concurrency,
                                            on_progress=on_progress))


@dataclass(frozen=True)
class ChangedRun:
    selected: SelectedProducts
    run: BatchRun | None  # None: nothing changed; nothing was written
    limit: int  # the most products the staged rollout allows in one batch now
    deferred: int  # changed products left for a later run: past `limit`

    @property
    def synced(self) -> int:
        return len(self.selected.product_ids) - self.deferred


def sync_changed(ctx: AppContext, platforms: Sequence[Platform], *, concurrency: int | None = None) -> ChangedRun:
    """`sync changed`, the cron entry point: a batch of what changed, no larger than the rollout allows.

    Past the rollout's limit, the first `limit` changed products (in catalog order) are synced and the
    rest are left for the next run; nothing is forced. Nothing changed: nothing is written at all.
    """
    check_concurrency(concurrency)
    selected = select_products(ctx, Selection(changed=True), platforms)
    limit = ctx.safety.rollout_decision(0).limit
    if not selected.product_ids:
        return ChangedRun(selected, None, limit, 0)
    first = selected.product_ids[:limit]
    deferred = len(selected.product_ids) - len(first)
    source = "sync changed" + (f" (the first {len(first):,} of {len(selected.product_ids):,})" if deferred else "")
    return ChangedRun(selected, run_batch(ctx, first, platforms, source=source, concurrency=concurrency), limit,
                      deferred)


@dataclass(frozen=True)
class WorkerResult:
    """What one worker did: the deliveries it handled, and the jobs it ran that ended dead-lettered."""

    deliveries: int
    dead_lettered: list[int]  # job ids, failed or dead (see `syncstore dlq list`)

    @property
    def failed(self) -> bool:
        return bool(self.dead_lettered)


def run_worker(ctx: AppContext, *, concurrency: int | None = None, until: Callable[[], bool] = lambda: False,
               on_tick: Callable[[], None] | None = None, reconcile_seconds: float | None = None,
               until_idle: bool = False) -> WorkerResult:
    """Serves queued jobs until `until()` (or, with `until_idle`, no job is open)."""
    from syncstore_cli.queue.worker import Worker

    check_concurrency(concurrency)
    sync = ctx.settings.sync
    ctx.queue.ping()  # one line at once for a queue that does not answer, not a worker stuck on it
    stop = (lambda: ctx.jobs.open_jobs() == 0) if until_idle else until
    with ctx.sync_session() as session:
        worker = Worker(session.runner, ctx.jobs, ctx.queue, concurrency=concurrency or sync.concurrency,
                        reconcile_seconds=reconcile_seconds or sync.reconcile_seconds, stale_after=sync.stale_after)
        worker.run(until=stop, on_tick=on_tick)
        return WorkerResult(worker.processed, sorted(set(worker.dead_lettered)))


def batch_status(ctx: AppContext, batch_id: str, *, with_jobs: bool = True) -> BatchSummary:
    """The batch's counts, and each job unless `with_jobs` is False (progress polling needs only counts)."""
    summary = ctx.jobs.batch(batch_id, with_jobs=with_jobs)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    return summary


def quota_resumes_at(job: Job) -> float | None:
    """When a job parked for a daily quota runs again (epoch seconds); None for any other job.

    The engine records each quota wait as the job's newest error entry (code QUOTA_WAIT, `resumes_at`):
    a rescheduled job keeps no error code of its own, and its newest entry is what parked it."""
    from syncstore_cli.domain.vocabulary import ErrorCode, JobState

    if job.state != JobState.PENDING or not job.errors:
        return None
    newest = job.errors[-1]
    if newest.get("code") != ErrorCode.QUOTA_WAIT or not isinstance(newest.get("resumes_at"), int | float):
        return None
    return float(newest["resumes_at"])


@dataclass(frozen=True)
class BatchProgress:
    """A batch's counts, and whether it is stalled: open jobs, and no worker seen for a while."""

    summary: BatchSummary
    stalled: bool = False
    hint: str | None = None  # what to do about it, when stalled


def stalled_for(activity: WorkerActivity, now: float, lease_seconds: float) -> float | None:
    """Seconds since the jobs last showed a live worker, when that is longer than two leases; else None.

    No table of workers is needed: a live worker writes to jobs (claims, finishes, reschedules), renews
    its leases and re-sends due jobs every few seconds, and a pending job that is not due yet (a
    retry later) is nobody's to run before then. A killed worker's leases run out after one lease;
    after two, nothing is running the batch.
    """
    signs = [t for t in (activity.last_write, activity.last_enqueue, activity.first_due) if t is not None]
    if activity.lease_until is not None:
        signs.append(activity.lease_until - lease_seconds)  # its last renewal
    quiet = now - max(signs) if signs else float("inf")
    return quiet if quiet > 2 * lease_seconds else None


def batch_progress(ctx: AppContext, batch_id: str, *, with_jobs: bool = True) -> BatchProgress:
    """`sync status`: the batch, and, while it has open jobs, whether any worker is still running it."""
    summary = batch_status(ctx, batch_id, with_jobs=with_jobs)
    if summary.finished:
        return BatchProgress(summary)
    quiet = stalled_for(ctx.jobs.worker_activity(batch_id), time.time(), ctx.settings.sync.lease_seconds)
    if quiet is None:
        return BatchProgress(summary)
    seen = "no worker has touched any job" if quiet == float("inf") else \
        f"no worker has been seen for {_duration(quiet)}"
    return BatchProgress(summary, True, f"no worker is running ({seen}): {STALLED_HINT}")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def watch_batch(ctx: AppContext, batch_id: str, *, on_progress: Callable[[BatchSummary], None] | None = None,
                poll_seconds: float = 1.0) -> BatchProgress:
    """`sync status --watch`: polls the batch until it ends, or until no worker is left to end it."""
    progress = batch_progress(ctx, batch_id, with_jobs=False)
    while not progress.summary.finished and not progress.stalled:
        if on_progress is not None:
            on_progress(progress.summary)
        time.sleep(poll_seconds)
        progress = batch_progress(ctx, batch_id, with_jobs=False)
    return batch_progress(ctx, batch_id)


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
