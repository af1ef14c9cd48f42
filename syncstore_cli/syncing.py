"""Sync operations the CLI offers: plan, manual sync, batches, the worker, logs and the dead-letter queue.

Wires the store, the authorized shops' clients, the image cache and the queue into the engine
(`sync/`) and the worker (`queue/`). Every marketplace request of a job lands in sync_logs.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.desired import PlanEntry
from syncstore_cli.errors import ConfigError, NotFoundError, UserInputError

if TYPE_CHECKING:
    from syncstore_cli.queue.transport import JobQueue
    from syncstore_cli.services import Services
    from syncstore_cli.store.sync import BatchSummary, Job, SyncStore
    from syncstore_cli.sync.engine import ImageCache, Shop, SyncEngine
    from syncstore_cli.sync.jobs import JobRunner, LogCapture


def new_batch_id(kind: str = "B") -> str:
    return f"{kind}{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def sync_store(services: Services) -> SyncStore:
    from syncstore_cli.store.sync import SyncStore

    return SyncStore(services.engine)


def _int_setting(services: Services, key: str, default: int) -> int:
    raw = services.settings.get(key)
    try:
        return int(raw) if raw not in (None, "") else default
    except ValueError:
        raise ConfigError(f"{key}: {raw!r} is not a whole number") from None


def _float_setting(services: Services, key: str, default: float) -> float:
    raw = services.settings.get(key)
    try:
        return float(raw) if raw not in (None, "") else default
    except ValueError:
        raise ConfigError(f"{key}: {raw!r} is not a number") from None


def fetch_image(client: httpx.Client, url: str) -> bytes:
    from syncstore_cli.sync.engine import ImageUnreachable

    try:
        response = client.get(url)
    except httpx.HTTPError as error:
        raise ImageUnreachable(url, type(error).__name__) from None
    if response.status_code != 200:
        raise ImageUnreachable(url, f"HTTP {response.status_code}")
    return response.content


@dataclass
class SyncSession:
    engine: SyncEngine
    runner: JobRunner
    store: SyncStore
    shops: dict[Platform, Shop]
    images: ImageCache
    capture: LogCapture


@contextmanager
def sync_session(services: Services, *, authorization: Any = None) -> Iterator[SyncSession]:
    """The engine and a job runner over every authorized shop, for the life of the block."""
    from syncstore_cli.authorization import Authorization
    from syncstore_cli.marketplaces.shopee.client import ShopeeClient
    from syncstore_cli.marketplaces.shopee.signer import ShopeeShopToken
    from syncstore_cli.marketplaces.tiktok.client import TikTokClient
    from syncstore_cli.marketplaces.tiktok.signer import TikTokShopToken
    from syncstore_cli.sync.engine import ImageCache, Shop, SyncEngine
    from syncstore_cli.sync.jobs import JobRunner, LogCapture

    auth = authorization or Authorization(services)
    store = sync_store(services)
    # Reads of many listings at once (a batch's snapshot) go this many at a time; the shop's rate budget
    # still paces them. One at a time, a marketplace 100-400 ms away made the snapshot the slowest step.
    reads = _int_setting(services, "sync.concurrency", 4)
    capture = LogCapture(store)
    shops: dict[Platform, Shop] = {}
    with ExitStack() as stack:
        for shop in auth.tokens.shops():
            if not shop.authorized or Platform(shop.platform) in shops:
                continue
            platform = Platform(shop.platform)
            keeper = auth.keeper(platform.value)

            def rejected(shop_id: str = shop.shop_id, keeper: Any = keeper) -> None:
                keeper.refresh_after_rejection(shop_id, keeper.access_token(shop_id))

            if platform is Platform.SHOPEE:
                def shopee_token(shop_id: str = shop.shop_id, keeper: Any = keeper) -> ShopeeShopToken:
                    return ShopeeShopToken(int(shop_id), keeper.access_token(shop_id))

                http = stack.enter_context(auth.shopee_http(shopee_token, on_exchange=capture, shop_id=shop.shop_id))
                shops[platform] = Shop(platform, shop.shop_id, ShopeeClient(http, concurrency=reads), rejected)
            else:
                def tiktok_token(shop_id: str = shop.shop_id, cipher: str | None = shop.shop_cipher,
                                 keeper: Any = keeper) -> TikTokShopToken:
                    return TikTokShopToken(keeper.access_token(shop_id), cipher)

                http = stack.enter_context(auth.tiktok_http(tiktok_token, on_exchange=capture, shop_id=shop.shop_id))
                shops[platform] = Shop(platform, shop.shop_id, TikTokClient(http, concurrency=reads), rejected)
        image_client = stack.enter_context(httpx.Client(timeout=30.0, follow_redirects=True))
        images = ImageCache(store, lambda url: fetch_image(image_client, url))
        stack.callback(images.close)
        engine = SyncEngine(services.catalog, store, services.settings.pricing, shops, images,
                            max_attempts=_int_setting(services, "sync.max_attempts", 3))
        runner = JobRunner(engine, store, capture, lease_seconds=_float_setting(services, "sync.lease_seconds", 60))
        yield SyncSession(engine, runner, store, shops, images, capture)


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


def check_ids(services: Services, product_ids: Sequence[str], where: str = "") -> None:
    """Unknown or repeated ids are one error naming them all; nothing is queued."""
    problems = []
    seen: dict[str, int] = {}
    for number, product_id in enumerate(product_ids, 1):
        if product_id in seen:
            problems.append(f"'{product_id}' repeated (entries {seen[product_id]} and {number})")
        seen.setdefault(product_id, number)
    known = {s.product.id for s in services.catalog.get_many(list(seen))}
    unknown = [i for i in seen if i not in known]
    if unknown:
        shown = ", ".join(f"'{i}'" for i in unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10
                                                              else "")
        problems.insert(0, f"unknown product id(s): {shown}")
    if not product_ids:
        problems.append("no product ids given")
    if problems:
        raise UserInputError(f"{where}{'; '.join(problems)}; nothing was queued")


def plan(services: Services, product_ids: Sequence[str], platforms: Sequence[Platform]) -> list[PlanEntry]:
    """The plan for these products; reads only the store, sends nothing."""
    from syncstore_cli.sync.engine import SyncEngine

    store = sync_store(services)
    engine = SyncEngine(services.catalog, store, services.settings.pricing, {}, None)
    entries = []
    for stored in services.catalog.get_many(list(product_ids)):
        for platform in platforms:
            entries.append(engine.plan(stored, platform))
    return entries


def manual_sync(services: Services, product_ids: str | Sequence[str],
                platforms: Sequence[Platform]) -> tuple[str, list[Job]]:
    """Applies the plan for these products now, in this process; returns the batch id and its jobs."""
    ids = [product_ids] if isinstance(product_ids, str) else list(product_ids)
    for product_id in ids:
        services.catalog.get(product_id)  # NotFoundError names the id before anything is recorded
    store = sync_store(services)
    batch_id = new_batch_id("M")
    job_ids = store.create_batch(batch_id, "manual", "+".join(p.value for p in platforms),
                                 [(i, p.value) for i in ids for p in platforms],
                                 source=f"sync manual {' '.join(ids)}")
    with sync_session(services) as session:
        for job_id in job_ids:
            # A batch's job may hold this product right now; wait for it (up to the lease) rather than fail.
            deadline = time.time() + session.runner.lease_seconds
            while session.runner.run(job_id) is None and time.time() < deadline:
                job = store.job(job_id)
                if job is None or job.state not in ("pending", "leased"):
                    break
                time.sleep(0.5)
    summary = store.batch(batch_id)
    assert summary is not None
    return batch_id, summary.jobs


def submit_batch(services: Services, product_ids: Sequence[str], platforms: Sequence[Platform], *,
                 source: str | None = None, force: bool = False,
                 confirm: Callable[[str], bool] | None = None) -> str:
    """Starts a batch the safe way, then puts its job ids on the queue.

    In order: the ids are checked; the staged rollout must allow the batch's size, unless `force`
    (then `confirm(batch_id)` must return True: the owner typed the id back); a verified backup of
    the database is taken; every listing the batch will touch is read from its marketplace and
    stored as the batch's snapshot; then the batch and its jobs are recorded in one transaction.
    Anything failing before that last step leaves no batch and queues nothing.
    """
    from syncstore_cli.backups import backup_before_batch
    from syncstore_cli.safety import check_rollout, safety_store, take_snapshots

    check_ids(services, product_ids, f"{source}: " if source else "")
    decision = check_rollout(services, len(product_ids), force=force)
    forced = not decision.allowed
    batch_id = new_batch_id()
    if forced and confirm is not None and not confirm(batch_id):
        raise UserInputError(f"batch {batch_id} was not confirmed; nothing was queued")
    backup = backup_before_batch(services, batch_id)
    with sync_session(services) as session, session.capture.job(batch_id, None, None):
        # Logged under the batch: its snapshot's reads are part of what the batch cost.
        take_snapshots(services, batch_id, product_ids, platforms, session.shops)
    store = sync_store(services)
    note = f" (forced past the rollout limit of {decision.limit})" if forced else ""
    store.create_batch(batch_id, "batch", "+".join(p.value for p in platforms),
                       [(i, p.value) for i in product_ids for p in platforms], source=f"{source or ''}{note}" or None)
    safety_store(services).set_batch_safety(batch_id, products=len(product_ids), forced=forced, backup_id=backup.id)
    for product_id in product_ids:
        store.refresh_product_status(product_id)
    # Marked enqueued before the send: if the send fails, the reconciler re-sends them later.
    open_queue(services).enqueue(store.due_jobs(time.time(), stale_after=None, batch_id=batch_id))
    return batch_id


def open_queue(services: Services) -> JobQueue:
    from syncstore_cli.queue.transport import open_queue as open_transport

    name = services.settings.get("queue_name") or "syncstore"
    return open_transport(services.settings.queue_url, name)


def run_worker(services: Services, *, concurrency: int | None = None, until: Callable[[], bool] = lambda: False,
               on_tick: Callable[[], None] | None = None, reconcile_seconds: float | None = None,
               authorization: Any = None) -> int:
    """Serves queued jobs until `until()`; returns how many deliveries it handled."""
    from syncstore_cli.queue.worker import Worker

    threads = concurrency or _int_setting(services, "sync.concurrency", 4)
    with sync_session(services, authorization=authorization) as session:
        worker = Worker(session.runner, session.store, open_queue(services), concurrency=threads,
                        reconcile_seconds=reconcile_seconds or _float_setting(services, "sync.reconcile_seconds", 2),
                        stale_after=_float_setting(services, "sync.stale_after", 5))
        worker.run(until=until, on_tick=on_tick)
        return worker.processed


def batch_status(services: Services, batch_id: str, *, with_jobs: bool = True) -> BatchSummary:
    """The batch's counts, and each job unless `with_jobs` is False (progress polling needs only counts)."""
    summary = sync_store(services).batch(batch_id, with_jobs=with_jobs)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    return summary

