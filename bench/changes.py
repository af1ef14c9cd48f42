"""What the cron entry point (`syncstore sync changed`) and the drift check cost over the whole catalog.

Usage: python bench/changes.py [--profile fast|realistic] [--products N] [--concurrency C] [--processes P]

Starts the sandbox in its own process (`syncstore sandbox serve`, seeded with the seller's listings;
with `--products N`, a process of this script seeded with the first N products only, so that the
imported catalog is N products), authorizes both shops, imports the listings, maps the categories,
fills the mandatory attributes and syncs the whole catalog to both platforms through the queue. Then:

  (a) `sync_changed` with nothing changed: write calls (must be 0), marketplace requests, wall time
      and database queries (counted on every SQLAlchemy engine of this process);
  (b) a pricing change (Shopee chargers and TikTok whoops get their own markup), then `sync_changed`:
      it must update exactly the listings of those categories that were in sync before (exit 1 if not);
  (c) drift: a first (full) check, then checks after 0, 5 and 25 seller-centre edits made through the
      sandbox (price, title and stock, over both platforms): edits found (must equal the edits made),
      listings read and requests sent. `drift.overlap_seconds` is set to 2 (default 60) so that each
      check reads only its own step's edits, not the previous step's too.

The initial sync is approved on the owner's behalf (stands in for `validate` + `approve`), so that
`sync changed` may hold up to 1,000 products per batch, as it would at the last rollout stage.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from _harness import free_port, run_batch, sandbox_process
from sqlalchemy import Engine, event, func, select

from syncstore_cli.app.auth import authorize_shopee, authorize_tiktok
from syncstore_cli.app.context import AppContext
from syncstore_cli.app.demo import fill_attributes, map_categories
from syncstore_cli.app.drift import check_drift
from syncstore_cli.app.marketplace_import import import_from_marketplaces
from syncstore_cli.app.sandbox import edit_listing
from syncstore_cli.app.sync import batch_status, sync_changed
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.desired import Action
from syncstore_cli.engine.apply import SyncEngine
from syncstore_cli.settings import load_settings
from syncstore_cli.store.jobs import logs_t

DRIFT_OVERLAP = 2.0  # seconds; see the module's docstring
# (b): the categories whose price rule changes, per platform, and the markup they get.
REPRICED = {Platform.SHOPEE: "charger", Platform.TIKTOK: "whoop"}
NEW_MARKUP = {Platform.SHOPEE: 25, Platform.TIKTOK: 32}  # the seller's defaults: 15 and 20


class QueryCounter:
    """Statements sent to any database through SQLAlchemy, on any thread of this process."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        with self._lock:
            self.count += 1


# -- the sandbox in its own process -----------------------------------------------------------------
def _sandbox_process(home: Path, profile: str, products: int | None) -> AbstractContextManager[dict[str, str]]:
    """The sandbox in its own process; yields the settings it prints (`export NAME=value` lines)."""
    port = free_port()
    state = home / "sandbox"
    if products is None:
        command = [sys.executable, "-m", "syncstore_cli", "sandbox", "serve", "--port", str(port), "--profile",
                   profile, "--state", str(state)]
    else:
        command = [sys.executable, __file__, "--serve-seeded", str(products), "--port", str(port), "--profile",
                   profile, "--state", str(state)]
    return sandbox_process(command, home)


def _serve_seeded(products: int, port: int, profile: str, state: Path) -> None:
    """`sandbox serve`, seeded with the first `products` products of the generated catalog only."""
    from syncstore_cli.sandbox import config as c
    from syncstore_cli.sandbox.app import build_sandbox
    from syncstore_cli.sandbox.generator import generate_catalog
    from syncstore_cli.sandbox.web import SandboxServer

    state.mkdir(parents=True, exist_ok=True)
    box = build_sandbox(c.SandboxConfig(profile=profile), state)
    server = SandboxServer(box.router, port=port)
    seeded = generate_catalog(image_base_url=server.url).products[:products]
    box.shopee_products.seed_from_catalog(seeded, c.DEMO_SHOPEE_SHOP_ID)
    box.tiktok_products.seed_from_catalog(seeded, c.DEMO_TIKTOK_SHOP_ID)
    exports = {"SYNCSTORE_SHOPEE_BASE_URL": server.url, "SYNCSTORE_TIKTOK_BASE_URL": server.url,
               "SYNCSTORE_TIKTOK_AUTH_URL": server.url, "SYNCSTORE_SHOPEE_PARTNER_ID": c.DEMO_SHOPEE_PARTNER_ID,
               "SYNCSTORE_SHOPEE_PARTNER_KEY": c.DEMO_SHOPEE_PARTNER_KEY,
               "SYNCSTORE_TIKTOK_APP_KEY": c.DEMO_TIKTOK_APP_KEY}
    if profile == "fast":  # as `sandbox serve` prints them: the fast profile has no rate limits
        exports.update({f"SYNCSTORE_{p}_{k}": "1000" for p in ("SHOPEE", "TIKTOK")
                        for k in ("RATE_PER_SECOND", "RATE_BURST")})
    exports["SYNCSTORE_TIKTOK_APP_SECRET"] = c.DEMO_TIKTOK_APP_SECRET  # last: the parent waits for this line
    for name, value in exports.items():
        print(f"export {name}={value}", flush=True)
    try:
        server.serve_forever()
    finally:
        box.close()


# -- measuring ----------------------------------------------------------------------------------------
def _last_log_id(ctx: AppContext) -> int:
    with ctx.database.connect() as connection:
        return int(connection.execute(select(func.coalesce(func.max(logs_t.c.id), 0))).scalar_one())


def _requests_since(ctx: AppContext, log_id: int) -> tuple[int, int]:
    """(requests, write requests) logged after `log_id`: every marketplace request SyncStore made."""
    with ctx.database.connect() as connection:
        rows = connection.execute(select(logs_t.c.method, logs_t.c.path).where(logs_t.c.id > log_id)).all()
    writes = sum(1 for method, path in rows if method != "GET" and "/search" not in path)
    return len(rows), writes


def _initial_sync(ctx: AppContext, ids: list[str], concurrency: int, processes: int) -> str:
    batch_id, wall = run_batch(ctx, ids, concurrency, processes)
    summary = batch_status(ctx, batch_id, with_jobs=False)
    print(f"initial sync: {summary.completed:,} done, {summary.blocked:,} blocked, {summary.failed:,} failed of "
          f"{summary.total_jobs:,} jobs in {wall:.1f} s")
    # The owner's validate + approve, stood in for: `sync changed` may then hold 1,000 products a batch.
    ctx.safety.approve(batch_id, len(ids), None, "bench: approved on the owner's behalf")
    return batch_id


def measure_zero_change(ctx: AppContext, queries: QueryCounter, label: str) -> tuple[list[str], bool]:
    """(a): the cron entry point with nothing changed in the catalog; returns the products it still selects
    (a listing whose job was blocked at sync time, e.g. by an unreachable image, is planned again each run)
    and whether it sent no write."""
    log_id = _last_log_id(ctx)
    before = queries.count
    started = time.perf_counter()
    result = sync_changed(ctx, list(PLATFORMS))
    wall = time.perf_counter() - started
    statements = queries.count - before
    requests, writes = _requests_since(ctx, log_id)
    products = len(ctx.catalog.product_ids())
    outcomes = Counter(f"{job.action}/{job.state}" + (f" {job.error_code}" if job.error_code else "")
                       for job in (result.run.summary.jobs if result.run is not None else []))
    print(f"(a) {label}: sync_changed over {products:,} products x 2 platforms, nothing changed in the catalog: "
          f"{len(result.selected.product_ids)} selected (their jobs: {dict(outcomes)}), "
          f"{len(result.selected.blocked)} blocked not selected; {writes} write calls, {requests} marketplace "
          f"requests, {wall:.2f} s, {statements:,} database queries")
    return result.selected.product_ids, writes == 0


def _plans(ctx: AppContext, products: list[str]) -> dict[tuple[str, Platform], Action]:
    """Each listing's plan, product by product (the engine's own reads): the reference for (b)."""
    engine = SyncEngine(ctx.catalog, ctx.jobs, ctx.settings.pricing, {}, None, taxonomy=ctx.taxonomy)
    return {(stored.product.id, platform): engine.plan(stored, platform).action
            for stored in ctx.catalog.get_many(products) for platform in PLATFORMS}


def measure_pricing_change(home: Path, env: dict[str, str], queries: QueryCounter, baseline: list[str]) -> bool:
    """(b): a price rule changes for two categories; `sync_changed` must update exactly their listings that were
    in sync, and the next run select only what a run with nothing changed selects (`baseline`)."""
    with AppContext(load_settings(env)) as ctx:
        in_category = {platform: set(ctx.catalog.product_ids(category=category))
                       for platform, category in REPRICED.items()}
        products = sorted(set().union(*in_category.values()))
        before = _plans(ctx, products)
    expected = {(pid, platform.value) for platform, ids in in_category.items() for pid in ids
                if before[(pid, platform)] is Action.NO_CHANGE}
    (home / "syncstore.toml").write_text("".join(
        f"[pricing.{platform.value}.categories.{category}]\nmarkup_percent = {NEW_MARKUP[platform]}\n"
        for platform, category in REPRICED.items()))
    with AppContext(load_settings(env)) as ctx:
        log_id = _last_log_id(ctx)
        statements = queries.count
        started = time.perf_counter()
        result = sync_changed(ctx, list(PLATFORMS))
        wall = time.perf_counter() - started
        statements = queries.count - statements
        requests, writes = _requests_since(ctx, log_id)
        jobs = result.run.summary.jobs if result.run is not None else []
        updated = {(job.product_id, job.platform) for job in jobs if job.action == Action.UPDATE.value}
        other = Counter(f"{job.action}/{job.state}" for job in jobs
                        if (job.product_id, job.platform) not in updated)
        again = sync_changed(ctx, list(PLATFORMS))
    shown = ", ".join(f"{platform.value} {category} +{NEW_MARKUP[platform]}%" for platform, category in
                      REPRICED.items())
    print(f"(b) pricing change ({shown}): {sum(len(v) for v in in_category.values())} products in those "
          f"categories; expected updates {len(expected)}, updated {len(updated)} "
          f"({len(result.selected.product_ids)} products selected, {result.deferred} deferred); "
          f"other jobs: {dict(other)}; {requests} requests ({writes} writes), {wall:.1f} s, "
          f"{statements:,} database queries; then sync_changed again selects "
          f"{len(again.selected.product_ids)} (with nothing changed: {len(baseline)})")
    ok = updated == expected and result.deferred == 0 and again.selected.product_ids == baseline
    if not ok:
        print(f"    FAILED: missing {sorted(expected - updated)[:10]}, unexpected {sorted(updated - expected)[:10]}")
    return ok


def _edit_targets(ctx: AppContext, count: int, skip: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(platform, listing id, product id) of `count` synced listings, alternating platforms, spread over the catalog."""
    owners = sorted((pid[0], p.value, external_id) for (p, external_id), pid in ctx.catalog.external_id_owners().items()
                    if len(pid) == 1)
    by_platform: dict[str, list[tuple[str, str, str]]] = {p.value: [] for p in PLATFORMS}
    for product_id, platform, external_id in owners:
        if (platform, external_id) not in skip and ctx.jobs.known_listing(product_id, platform).state is not None:
            by_platform[platform].append((platform, external_id, product_id))
    step = max(1, min(len(v) for v in by_platform.values()) // count)
    pools = [by_platform[p.value][::step] for p in PLATFORMS]
    return [pools[i % 2][i // 2] for i in range(count)]


def _edit(ctx: AppContext, home: Path, targets: list[tuple[str, str, str]], offset: int) -> None:
    for number, (platform, external_id, _) in enumerate(targets, offset):
        kind = number % 3  # price, title and stock in turn
        edit_listing(ctx, platform, external_id, price=150_000 + number if kind == 0 else None,
                     title=f"Edited in the seller centre #{number}" if kind == 1 else None,
                     stock=900 + number if kind == 2 else None, state=home / "sandbox")


def _drift(ctx: AppContext, label: str, edits: int) -> bool:
    time.sleep(DRIFT_OVERLAP + 1)  # edits and earlier checks out of the overlap window
    started = time.perf_counter()
    report = check_drift(ctx)
    wall = time.perf_counter() - started
    per = "; ".join(f"{p.platform.value} {len(p.listings)} found, {p.listings_read} read, {p.requests} requests"
                    for p in report.platforms)
    print(f"(c) drift {label}: {report.drifted} of {edits} edits found, "
          f"{sum(p.listings_read for p in report.platforms)} listings read, "
          f"{sum(p.requests for p in report.platforms)} requests, {wall:.2f} s ({per})")
    return label.startswith("first") or report.drifted == edits


def measure_drift(env: dict[str, str], home: Path) -> bool:
    """(c): drift checks after 0, 5 and 25 seller-centre edits."""
    ok = True
    with AppContext(load_settings(env)) as ctx:
        ok &= _drift(ctx, "first check (full read)", 0)
        ok &= _drift(ctx, "after 0 edits", 0)
        five = _edit_targets(ctx, 5, set())
        time.sleep(DRIFT_OVERLAP + 1)  # the previous check's start out of the overlap window
        _edit(ctx, home, five, 0)
        ok &= _drift(ctx, "after 5 edits", 5)
        many = _edit_targets(ctx, 25, {(p, e) for p, e, _ in five})
        time.sleep(DRIFT_OVERLAP + 1)
        _edit(ctx, home, many, 5)
        ok &= _drift(ctx, "after 25 edits", 25)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=("fast", "realistic"), default="fast")
    parser.add_argument("--products", type=int, default=None, help="catalog size (default: the whole catalog)")
    parser.add_argument("--concurrency", type=int, default=8, help="worker threads per process (initial sync)")
    parser.add_argument("--processes", type=int, default=2, help="worker processes for the initial sync")
    parser.add_argument("--serve-seeded", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--state", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_seeded is not None:
        _serve_seeded(args.serve_seeded, args.port, args.profile, args.state)
        return
    load = os.getloadavg()
    print(f"profile {args.profile}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} "
          "cores at the start")
    queries = QueryCounter()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        os.environ["SYNCSTORE_HOME"] = str(home)
        with _sandbox_process(home, args.profile, args.products) as settings:
            env = {"SYNCSTORE_HOME": str(home), "SYNCSTORE_DRIFT_OVERLAP_SECONDS": str(DRIFT_OVERLAP), **settings}
            os.environ.update(env)
            with AppContext(load_settings(env)) as ctx:
                authorize_shopee(ctx, sandbox_approve=True)
                authorize_tiktok(ctx, sandbox_approve=True)
                import_from_marketplaces(ctx, list(PLATFORMS))
                map_categories(ctx)
                fill_attributes(ctx)
                ids = ctx.catalog.product_ids()
                print(f"catalog: {len(ids):,} products; initial sync with {args.processes} worker process(es) x "
                      f"{args.concurrency} threads")
                _initial_sync(ctx, ids, args.concurrency, args.processes)
                ok &= measure_zero_change(ctx, queries, "first")[1]
                baseline, no_writes = measure_zero_change(ctx, queries, "second")
                ok &= no_writes
            ok &= measure_pricing_change(home, env, queries, baseline)
            ok &= measure_drift(env, home)
    print("all checks passed" if ok else "CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
