"""`validate` and `spot-check`: the seller's checklist after a sync, run from the store and the marketplaces.

This module gathers the facts and hands them, as plain records, to the pure checks of
`syncstore_cli.domain.checks`; it records each run (`SafetyStore.record_check`) so `approve` can
rely on it.

What is checked ("synced listings"): with a batch, each product and platform whose job in that batch
finished `done`; without one, each product and platform whose latest sync job (of any batch) is done,
for products not reset to "not synced" (by a rollback). So a listing whose external id was lost is
still checked (and reported), while a listing only imported from a marketplace, never synced, is not.

`run_validation` is safe to run from cron: it never prompts, holds a non-blocking `flock` on
`<data folder>/validate.lock` for the whole run (a second run at the same time stops at once with
`ValidationBusy`, exit 1), and appends one line per run to `<data folder>/logs/validate.log`.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import httpx

from syncstore_cli.domain.catalog import PLATFORMS, Platform, SyncStatus
from syncstore_cli.domain.checks import (
    COULD_NOT_RUN,
    CheckResult,
    ReadBack,
    RemoteSummary,
    SyncedListing,
    check_duplicates,
    check_images,
    check_mappings,
    check_marketplace,
    check_pricing,
    check_seo_titles,
    check_variants,
    group_differences,
    seeded_sample,
    summary_line,
    tokopedia_problem,
)
from syncstore_cli.errors import NotFoundError, SyncStoreError, UserInputError
from syncstore_cli.marketplaces.errors import MarketplaceError, RetriableError

if TYPE_CHECKING:
    from syncstore_cli.app.context import AppContext, SyncSession
    from syncstore_cli.engine.ports import Shop
    from syncstore_cli.marketplaces.base import RemoteListing
    from syncstore_cli.store.catalog import StoredProduct
    from syncstore_cli.store.jobs import KnownListing

LOCK_FILE: Final = "validate.lock"
LOG_FILE: Final = Path("logs") / "validate.log"
DEFAULT_SAMPLE: Final = 5
IMAGE_WORKERS: Final = 8
IMAGE_TIMEOUT_S: Final = 15.0
# The field groups `validate` reads back for its sample (`spot-check` compares every group sent).
READBACK_GROUPS: Final[frozenset[str]] = frozenset({"title", "price", "images", "variants", "sku",
                                                    "listing_platforms"})
T = TypeVar("T")


class ValidationBusy(SyncStoreError):
    """Another `validate` holds the lock (exit 1: try again later; cron's next run will)."""

    exit_code = 1


@dataclass
class ValidationReport:
    batch_id: str | None
    passed: bool
    checks: list[CheckResult]
    check_run_id: int
    duration_s: float
    listings: int  # synced listings checked
    sample: int
    seed: int
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "batch_id": self.batch_id, "checks": [c.as_json() for c in self.checks],
                "check_run_id": self.check_run_id, "duration_s": self.duration_s}


@dataclass
class SpotCheckReport:
    batch_id: str
    sample: int
    seed: int
    passed: bool
    products: list[ReadBack] = field(default_factory=list)
    check_run_id: int = 0
    summary: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "sample": self.sample, "seed": self.seed, "passed": self.passed,
                "products": [p.as_json() for p in self.products], "check_run_id": self.check_run_id}


# -- the lock and the log ----------------------------------------------------------------------------
@contextmanager
def validate_lock(home: Path) -> Iterator[None]:
    """Holds `<home>/validate.lock` (flock, non-blocking) with this process's id in it, or raises
    `ValidationBusy` naming the holder's. The kernel drops the lock if the process dies."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise ValidationBusy(f"another validate is running (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def _log(home: Path, line: str) -> None:
    path = home / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with path.open("a", encoding="utf-8") as log:
        log.write(f"{stamp} {' '.join(line.split())}\n")


def _log_line(report: ValidationReport) -> str:
    counts = " ".join(f"{c.name}={len(c.problems)}" for c in report.checks)
    unrun = [c.name for c in report.checks if c.status == COULD_NOT_RUN]
    if unrun:  # a zero count there means "not looked at", not "fine"
        counts += f" could_not_run={','.join(unrun)}"
    return (f"validate batch={report.batch_id or 'all'} {'passed' if report.passed else 'failed'} {counts} "
            f"listings={report.listings} sample={report.sample} seed={report.seed} "
            f"duration={report.duration_s:.2f}s run={report.check_run_id}")


# -- validate ----------------------------------------------------------------------------------------
def run_validation(ctx: AppContext, *, batch_id: str | None = None, sample: int = DEFAULT_SAMPLE,
                   seed: int | None = None, image_workers: int = IMAGE_WORKERS) -> ValidationReport:
    """Runs the whole checklist over a batch's synced listings (or every synced listing) and records it.

    Raises NotFoundError for an unknown batch, UserInputError for a negative sample, ValidationBusy
    when another run holds the lock; a failing check is a report with `passed` False, not an error.
    """

    if sample < 0:
        raise UserInputError(f"--sample {sample}: must be 0 or more")
    if batch_id is not None and ctx.jobs.batch(batch_id, with_jobs=False) is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    seed = secrets.randbelow(2**31) if seed is None else seed
    home = ctx.settings.home
    scope = f"batch={batch_id or 'all'}"
    started_at = datetime.now(UTC)
    clock = time.perf_counter()
    try:
        with validate_lock(home):
            listings, results = _validate(ctx, batch_id, sample, seed, image_workers)
            passed = all(r.passed for r in results)
            summary = (f"{summary_line(results)} ({len(listings)} synced listings; sample {sample} per "
                       f"platform, seed {seed})")
            run_id = ctx.safety.record_check("validate", batch_id, passed, summary,
                                                         [r.as_json() for r in results], started_at)
    except ValidationBusy as error:
        _log(home, f"validate {scope} refused: {error}")
        raise
    except Exception as error:
        _log(home, f"validate {scope} error: {type(error).__name__}: {error} "
                   f"duration={time.perf_counter() - clock:.2f}s")
        raise
    report = ValidationReport(batch_id, passed, results, run_id, round(time.perf_counter() - clock, 3),
                              len(listings), sample, seed, summary)
    _log(home, _log_line(report))
    return report


def _validate(ctx: AppContext, batch_id: str | None, sample_size: int, seed: int,
              image_workers: int) -> tuple[list[SyncedListing], list[CheckResult]]:

    stored, known, listings = _synced_listings(ctx, batch_id)
    read = _Reader(ctx)
    owners = ctx.catalog.external_id_owners()
    fetched = fetch_images(sorted({url for listing in listings for url in _image_urls(listing)}), image_workers)
    readbacks: list[ReadBack] = []
    scanned: dict[Platform, list[RemoteSummary]] = {}
    scan_errors: dict[Platform, str] = {}
    platforms = [p for p in PLATFORMS if any(listing.platform is p for listing in listings)]
    if platforms:
        with ctx.sync_session() as session:
            readbacks = _read_back_sample(session, stored, known, listings, sample_size, seed, read)
            for platform in platforms:
                shop = session.shops.get(platform)
                if shop is None:
                    scan_errors[platform] = f"no {platform.value} shop is authorized; run `syncstore auth " \
                                            f"{platform.value}`"
                    continue
                try:
                    scanned[platform] = _scan_shop(ctx, shop, platform, listings, read)
                except (MarketplaceError, httpx.HTTPError) as error:  # these checks could not run; the rest can
                    scan_errors[platform] = _error_text(error)
    skus: dict[Platform, set[str]] = {}
    for listing in listings:
        skus.setdefault(listing.platform, set()).update(
            {listing.product.sku, *(v.sku for v in listing.product.variants)})
    results = [
        check_pricing(listings, ctx.settings.pricing),
        check_seo_titles(listings),
        check_mappings(listings, owners),
        check_images(listings, fetched),
        check_variants(listings),
        check_marketplace(listings, readbacks, scanned, scan_errors),
        check_duplicates(scanned, skus, scan_errors),
    ]
    return listings, results


def _synced_listings(ctx: AppContext, batch_id: str | None) -> tuple[
    dict[str, StoredProduct], dict[tuple[str, Platform], KnownListing], list[SyncedListing]
]:

    pairs = [(pid, Platform(p)) for pid, p in ctx.safety.synced_listings(batch_id)]
    ids = sorted({pid for pid, _ in pairs})
    stored = {s.product.id: s for start in range(0, len(ids), 500)
              for s in ctx.catalog.get_many(ids[start:start + 500])}
    if batch_id is None:  # a rollback puts products back to "not synced": nothing of theirs is SyncStore's now
        stored = {pid: s for pid, s in stored.items() if s.product.status is not SyncStatus.NOT_SYNCED}
    store = ctx.jobs
    known: dict[tuple[str, Platform], KnownListing] = {}
    listings: list[SyncedListing] = []
    for product_id, platform in pairs:
        item = stored.get(product_id)
        if item is None:
            continue
        state = item.listings.get(platform)
        known[(product_id, platform)] = k = store.known_listing(product_id, platform.value)
        listings.append(SyncedListing(
            product=item.product, platform=platform, external_id=state.external_id if state else None,
            price=state.price if state else None, variant_prices=dict(state.variant_prices) if state else {},
            variant_external_ids=dict(state.variant_external_ids) if state else {},
            seo_title=state.seo_title if state else None, seo_locked=state.seo_locked if state else False,
            synced_state=k.state))
    return stored, known, listings


class _Reader:
    """A check's marketplace read, retried on transient errors like any other call: the HTTP layer retries
    each request (`http.max_attempts`), and the whole read is tried up to `sync.job_attempts` times, the
    budget a sync job gets, before the check concludes it could not run."""

    def __init__(self, ctx: AppContext, sleep: Callable[[float], None] = time.sleep) -> None:
        self.attempts = ctx.settings.sync.job_attempts
        http = ctx.settings.http
        self.backoff_base, self.backoff_max = http.backoff_base, http.backoff_max
        self.sleep = sleep

    def __call__(self, read: Callable[[], T]) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return read()
            except RetriableError:
                if attempt == self.attempts:
                    raise
                self.sleep(min(self.backoff_max, self.backoff_base * 2 ** attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")


def _image_urls(listing: SyncedListing) -> list[str]:
    synced = (listing.synced_state or {}).get("images") or []
    return [*listing.product.images, *(str(u) for u in synced)]


def fetch_images(urls: Sequence[str], workers: int = IMAGE_WORKERS,
                 timeout: float = IMAGE_TIMEOUT_S) -> dict[str, str | None]:
    """Each URL -> None when a GET answers 200, else why not ("HTTP 404", "ConnectTimeout"); a few at a time."""
    if not urls:
        return {}
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:

        def fetch(url: str) -> str | None:
            try:
                response = client.get(url)
            except httpx.HTTPError as error:
                return type(error).__name__
            except ValueError as error:  # not a URL httpx can request
                return f"invalid URL ({error})"
            return None if response.status_code == 200 else f"HTTP {response.status_code}"

        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="syncstore-validate") as pool:
            return dict(zip(urls, pool.map(fetch, urls), strict=True))


SCAN_KIND_PREFIX: Final = "listing_scan_"


def _scan_shop(ctx: AppContext, shop: Shop, platform: Platform, listings: Sequence[SyncedListing],
               read: Callable[[Callable[[], Any]], Any]) -> list[RemoteSummary]:
    """The shop's listings as the checks compare them, read in full or, after a previous scan of this shop
    (and unless `drift.reads = full`), as that scan plus what changed since it started (less
    `drift.overlap_seconds`): the listings updated or deleted since then are read, and so are those the last
    scan found wrong or missing; every other synced listing stands as SyncStore last confirmed it, and every
    other listing carrying one of the catalog's SKUs as the last scan found it. So the cost follows the
    changes, and the duplicate check still sees a copy made long ago. It trusts the marketplace's update
    times. Each scan is recorded (check kind `listing_scan_<platform>`) for the next one to start from."""
    started_at = datetime.now(UTC)
    started = time.time()  # before the read: an edit made while it runs is read again next time
    previous = _previous_scan(ctx, platform, shop.shop_id)
    ours = {listing.external_id: listing for listing in listings
            if listing.platform is platform and listing.external_id}
    catalog_skus = set(ctx.catalog.sku_owners()) | set(ctx.catalog.variant_sku_owners())
    if previous is None or ctx.settings.drift.full_reads:
        mode, since = "full", None
        summaries: list[RemoteSummary] = read(lambda: [_summarise(platform, r) for r in shop.client.list_listings()])
        fresh = {s.external_id: s for s in summaries}
        read_count = len(summaries)
    else:
        mode = "changed"
        since = max(0.0, float(previous["started_at"]) - ctx.settings.drift.overlap_seconds)
        changed = read(lambda: shop.client.changed_since(since))
        removed = set(read(lambda: shop.client.removed_since(since)))
        fresh = {r.external_id: _summarise(platform, r) for r in changed}
        again = [eid for eid in previous.get("unsettled", []) if eid not in fresh and eid not in removed]
        if again:
            reread = read(lambda: shop.client.get_listings(again))
            fresh.update({r.external_id: _summarise(platform, r) for r in reread})
        gone = removed | (set(again) - set(fresh))
        read_count = len(fresh)
        summaries = list(fresh.values())
        summaries += [_confirmed_summary(platform, listing) for eid, listing in ours.items()
                      if eid not in fresh and eid not in gone and listing.synced_state is not None]
        summaries += [summary for summary in (_summary_from_json(platform, item) for item in previous.get("others", []))
                      if summary.external_id not in fresh and summary.external_id not in gone
                      and summary.external_id not in ours]
    unsettled = sorted(eid for eid, listing in ours.items() if listing.synced_state is not None and (
        eid not in {s.external_id for s in summaries}
        or (eid in fresh and _prices(fresh[eid]) != _prices(_confirmed_summary(platform, listing)))))
    owned = {external_id for (p, external_id) in ctx.catalog.external_id_owners() if p is platform}
    others = [_summary_json(summary) for summary in summaries
              if summary.external_id not in owned and summary.external_id not in ours
              and {summary.sku, *summary.skus} & catalog_skus]
    run = {"platform": platform.value, "shop_id": shop.shop_id, "started_at": started, "read": mode,
           "since": since, "listings_read": read_count, "listings": len(summaries), "unsettled": unsettled,
           "others": others}
    ctx.safety.record_check(SCAN_KIND_PREFIX + platform.value, None, True,
                            f"{platform.value}: {read_count} listings read ({mode}), {len(summaries)} in the scan",
                            [run], started_at)
    return summaries


def _previous_scan(ctx: AppContext, platform: Platform, shop_id: str) -> dict[str, Any] | None:
    runs = ctx.safety.checks(kind=SCAN_KIND_PREFIX + platform.value, limit=1)
    if not runs or not runs[0].results:
        return None
    last = runs[0].results[0]
    if last.get("shop_id") != shop_id or not isinstance(last.get("started_at"), int | float):
        return None  # another shop (re-authorized): what it read says nothing about this one
    return last


def _confirmed_summary(platform: Platform, listing: SyncedListing) -> RemoteSummary:
    """A synced listing as SyncStore last confirmed it (its synced state), in the scan's terms."""
    state = listing.synced_state or {}
    price = state.get("price")
    variant_skus = tuple(v.sku for v in listing.product.variants)
    return RemoteSummary(platform=platform, external_id=listing.external_id or "", sku=listing.product.sku,
                         skus=variant_skus or (listing.product.sku,),
                         price=price if isinstance(price, int) else None,
                         variant_prices=dict(price) if isinstance(price, Mapping) else {})


def _prices(summary: RemoteSummary) -> Any:
    return dict(summary.variant_prices) if summary.variant_prices else summary.price


def _summary_json(summary: RemoteSummary) -> dict[str, Any]:
    return {"external_id": summary.external_id, "sku": summary.sku, "skus": list(summary.skus),
            "price": summary.price, "variant_prices": dict(summary.variant_prices)}


def _summary_from_json(platform: Platform, item: Mapping[str, Any]) -> RemoteSummary:
    return RemoteSummary(platform=platform, external_id=str(item["external_id"]), sku=str(item.get("sku") or ""),
                         skus=tuple(str(s) for s in item.get("skus") or ()), price=item.get("price"),
                         variant_prices={str(k): int(v) for k, v in (item.get("variant_prices") or {}).items()})


def _summarise(platform: Platform, remote: RemoteListing) -> RemoteSummary:
    return RemoteSummary(platform=platform, external_id=remote.external_id, sku=remote.sku, skus=remote.skus,
                         price=remote.price, variant_prices={v.sku: v.price for v in remote.variants})


def _error_text(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _read_back_sample(session: SyncSession, stored: Mapping[str, StoredProduct],
                      known: Mapping[tuple[str, Platform], KnownListing], listings: Sequence[SyncedListing],
                      size: int, seed: int, read: Callable[[Callable[[], Any]], Any]) -> list[ReadBack]:
    """Reads `size` random synced listings per platform back and compares them with the desired listing."""
    from syncstore_cli.engine.remote import readback_differences

    readbacks: list[ReadBack] = []
    for platform in PLATFORMS:
        candidates = sorted((listing.product.id, listing.external_id) for listing in listings
                            if listing.platform is platform and listing.external_id)
        chosen = seeded_sample(candidates, size, seed)
        if not chosen:
            continue
        shop = session.shops.get(platform)
        remote: dict[str, RemoteListing] = {}
        error: str | None = None
        if shop is None:
            error = f"no {platform.value} shop is authorized; run `syncstore auth {platform.value}`"
        else:
            try:
                remote = {r.external_id: r for r in read(
                    partial(shop.client.get_listings, [eid for _, eid in chosen]))}
            except (MarketplaceError, httpx.HTTPError) as failure:  # the check could not run, the rest can
                error = _error_text(failure)
        for product_id, external_id in chosen:
            item = stored[product_id]
            listing = remote.get(external_id)
            if listing is None:
                readbacks.append(ReadBack(product_id, item.product.sku, platform, external_id,
                                          error=error or "not found on the marketplace", unreadable=bool(error)))
                continue
            desired = session.engine.plan(item, platform, known[(product_id, platform)]).desired
            assert desired is not None
            differences = [d for d in readback_differences(desired, listing)
                           if d.split(":", 1)[0] in READBACK_GROUPS]
            if desired.tokopedia and (problem := tokopedia_problem(listing.extra.get("tokopedia_status"))):
                differences.append(problem)
            readbacks.append(ReadBack(product_id, item.product.sku, platform, external_id, tuple(differences)))
    return readbacks


# -- spot-check --------------------------------------------------------------------------------------
def spot_check(ctx: AppContext, batch_id: str, *, sample: int = DEFAULT_SAMPLE,
               seed: int | None = None) -> SpotCheckReport:
    """Reads `sample` random products of the batch (seeded) back from each marketplace the batch synced
    them to, and compares every field group sent with the desired listing; records the run."""

    if sample < 0:
        raise UserInputError(f"--sample {sample}: must be 0 or more")
    store = ctx.jobs
    if store.batch(batch_id, with_jobs=False) is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    seed = secrets.randbelow(2**31) if seed is None else seed
    started_at = datetime.now(UTC)
    safety = ctx.safety
    pairs = {(pid, Platform(p)) for pid, p in safety.synced_listings(batch_id)}
    chosen = seeded_sample(sorted({pid for pid, _ in pairs}), sample, seed)
    stored = {s.product.id: s for s in ctx.catalog.get_many(chosen)}
    results: list[ReadBack] = []
    if chosen:
        with ctx.sync_session() as session:
            for product_id in chosen:
                for platform in (p for p in PLATFORMS if (product_id, p) in pairs):
                    results.append(_spot_one(session, stored[product_id], platform,
                                             store.known_listing(product_id, platform.value)))
    passed = all(r.passed for r in results)
    differing = [r for r in results if not r.passed]
    summary = (f"{len(results) - len(differing)}/{len(results)} listings of {len(chosen)} products match"
               f" (sample {sample}, seed {seed})" if results else f"nothing synced in {batch_id} to check")
    if differing:
        summary += "; differ: " + ", ".join(f"{r.product_id} {r.platform.value}" for r in differing[:5])
    report = SpotCheckReport(batch_id, sample, seed, passed, results, summary=summary)
    report.check_run_id = safety.record_check("spot_check", batch_id, passed, summary,
                                              [r.as_json() for r in results], started_at)
    return report


def _spot_one(session: SyncSession, item: StoredProduct, platform: Platform, known: KnownListing) -> ReadBack:
    from syncstore_cli.engine.remote import readback_differences, remote_state
    from syncstore_cli.marketplaces.errors import NotFound

    product = item.product
    if not known.external_id:
        return ReadBack(product.id, product.sku, platform, "", error="no marketplace listing id is stored")
    shop = session.shops.get(platform)
    if shop is None:
        return ReadBack(product.id, product.sku, platform, known.external_id,
                        error=f"no {platform.value} shop is authorized; run `syncstore auth {platform.value}`")
    try:
        listing = shop.client.get_listing(known.external_id)
    except NotFound:
        return ReadBack(product.id, product.sku, platform, known.external_id, error="not found on the marketplace")
    except (MarketplaceError, httpx.HTTPError) as error:  # this listing's failure, not the run's
        return ReadBack(product.id, product.sku, platform, known.external_id, error=_error_text(error))
    desired = session.engine.plan(item, platform, known).desired
    assert desired is not None
    differences = readback_differences(desired, listing)
    differences += group_differences(desired.groups(), remote_state(listing), ("brand", "package"))
    if desired.tokopedia and (problem := tokopedia_problem(listing.extra.get("tokopedia_status"))):
        differences.append(problem)
    return ReadBack(product.id, product.sku, platform, known.external_id, tuple(differences))
