"""Batch sync throughput, API calls, the zero-change re-run and peak memory, against the sandbox.

Usage: python bench/sync_batch.py [--profile fast|realistic] [--products N] [--concurrency C] [--processes P]
                                  [--services]

Starts the sandbox (`syncstore sandbox serve`, seeded with the seller's listings) in its own process,
as a seller rehearsing would, or with `--sandbox thread` inside this one; authorizes both shops,
imports the listings, then syncs the first N products to both platforms through the real queue (SqliteHuey)
and worker threads, and prints: product-platform syncs per second, API calls per product, the
least time the realistic profile's rate limits allow for those calls (as a ratio), the re-run of
the same batch with nothing changed (write calls must be 0), and this process's peak RSS (SyncStore
alone, or with the sandbox when it runs as a thread). `--rerun-all` also times the zero-change
re-run of the whole catalog. `--services` runs the catalog on a PostgreSQL database of its own and
the queue and rate budgets on the local Redis (a queue name of its own), as several machines would;
without it, SQLite and Huey's SQLite storage in the data folder. Every 429 the marketplaces answered
is counted from the request log, with when it came relative to the batch's start.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC
from pathlib import Path

from _harness import free_port, run_batch, sandbox_process

from syncstore_cli.app.auth import authorize_shopee, authorize_tiktok
from syncstore_cli.app.context import AppContext
from syncstore_cli.app.demo import fill_attributes, map_categories
from syncstore_cli.app.marketplace_import import import_from_marketplaces
from syncstore_cli.app.sync import batch_status
from syncstore_cli.domain.catalog import PLATFORMS
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
from syncstore_cli.sandbox.generator import generate_catalog
from syncstore_cli.settings import load_settings
from syncstore_cli.store.jobs import JobStore


def _rate_limited(store: JobStore, batch_id: str, started_wall: float) -> list[float]:
    """Seconds after the batch's start of each 429 the marketplaces answered during it."""
    moments = []
    for row in store.logs(batch_id=batch_id, limit=10_000_000):
        if row.get("http_status") == 429:
            at = row["created_at"]
            moments.append(at.replace(tzinfo=at.tzinfo or UTC).timestamp() - started_wall)
    return sorted(moments)


def _print_pace(store: JobStore, batch_id: str, started_wall: float, window: float = 30.0) -> None:
    """Shopee requests per second in each `window` of the batch: where the shop's budget (10/s on the
    realistic profile) was not spent, the run lost time against the least its limits allow."""
    counts: Counter[int] = Counter()
    for row in store.logs(batch_id=batch_id, limit=10_000_000):
        if row["platform"] == "shopee":
            at = row["created_at"]
            counts[int((at.replace(tzinfo=at.tzinfo or UTC).timestamp() - started_wall) // window)] += 1
    if counts:
        print(f"  Shopee requests/s per {window:.0f} s from the batch's start: "
              + " ".join(f"{counts.get(i, 0) / window:.1f}" for i in range(max(counts) + 1)))


@contextmanager
def _services(enabled: bool) -> Iterator[dict[str, str]]:
    """A PostgreSQL database and a Redis queue name of this run's own (dropped after), or nothing."""
    if not enabled:
        yield {}
        return
    import psycopg
    import redis

    name = f"syncstore_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield {"SYNCSTORE_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{name}",
                   "SYNCSTORE_QUEUE_URL": "redis://127.0.0.1:6379/0", "SYNCSTORE_QUEUE_NAME": name}
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
            for key in client.scan_iter(f"*{name}*"):
                client.delete(key)


def _calls(store: JobStore, batch_id: str) -> tuple[Counter[str], int]:
    by_api: Counter[str] = Counter()
    writes = 0
    for row in store.logs(batch_id=batch_id, limit=10_000_000):
        path = "/".join("{id}" if part.isdigit() else part for part in row["path"].split("/"))
        by_api[f"{row['platform']} {row['method']} {path}"] += 1
        writes += row["method"] != "GET" and "/search" not in path
    return by_api, writes


def _sandbox_process(home: Path, profile: str, daily_listings: int | None = None
                     ) -> AbstractContextManager[dict[str, str]]:
    """`syncstore sandbox serve` in its own process; yields the settings it prints."""
    command = [sys.executable, "-m", "syncstore_cli", "sandbox", "serve", "--port", str(free_port()),
               "--profile", profile, "--state", str(home / "sandbox"),
               *(["--tiktok-daily-listings", str(daily_listings)] if daily_listings else [])]
    return sandbox_process(command, home, before_stop=_print_cpu)


def _print_cpu(pid: int) -> None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        print(f"sandbox process CPU: {(int(fields[11]) + int(fields[12])) / ticks:.1f} s; this process CPU: "
              f"{time.process_time():.1f} s (setup, import and every run included)")
    except (OSError, IndexError, ValueError):
        pass  # not Linux: the CPU split is a nicety


@contextmanager
def _sandbox_thread(home: Path, profile: str, daily_listings: int | None = None) -> Iterator[dict[str, str]]:
    box = build_sandbox(c.SandboxConfig(profile=profile, tiktok_daily_listings=daily_listings), home / "sandbox")
    server = serve_in_background(box)
    products = generate_catalog(image_base_url=server.url).products
    box.shopee_products.seed_from_catalog(products, c.DEMO_SHOPEE_SHOP_ID)
    box.tiktok_products.seed_from_catalog(products, c.DEMO_TIKTOK_SHOP_ID)
    try:
        yield {"SYNCSTORE_SHOPEE_BASE_URL": server.url, "SYNCSTORE_TIKTOK_BASE_URL": server.url,
               "SYNCSTORE_TIKTOK_AUTH_URL": server.url,
               "SYNCSTORE_SHOPEE_PARTNER_ID": c.DEMO_SHOPEE_PARTNER_ID,
               "SYNCSTORE_SHOPEE_PARTNER_KEY": c.DEMO_SHOPEE_PARTNER_KEY,
               "SYNCSTORE_TIKTOK_APP_KEY": c.DEMO_TIKTOK_APP_KEY,
               "SYNCSTORE_TIKTOK_APP_SECRET": c.DEMO_TIKTOK_APP_SECRET,
               **({f"SYNCSTORE_{p}_{k}": "1000" for p in ("SHOPEE", "TIKTOK") for k in ("RATE_PER_SECOND",
                                                                                          "RATE_BURST")}
                  if profile == "fast" else {})}
    finally:
        server.stop()
        box.close()


def _report_run(label: str, ctx: AppContext, store: JobStore, batch_id: str, wall: float, products: int) -> None:
    summary = batch_status(ctx, batch_id)
    by_api, writes = _calls(store, batch_id)
    calls = sum(by_api.values())
    print(f"{label}: {summary.completed} synced, {summary.blocked} blocked, {summary.failed} failed "
          f"of {summary.total_jobs} jobs in {wall:.1f} s")
    print(f"  {summary.total_jobs / wall:.1f} product-platform jobs/s ({summary.completed / wall:.1f} synced/s); "
          f"{calls:,} API calls ({writes:,} writes), {calls / products:.2f} calls per product")
    for api, count in sorted(by_api.items()):
        print(f"    {api:<62} {count:>7,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=("fast", "realistic"), default="fast")
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sandbox", choices=("process", "thread"), default="process")
    parser.add_argument("--processes", type=int, default=2,
                        help="worker processes (1: threads in this process, as `sync batch` runs them)")
    parser.add_argument("--rerun-all", action="store_true", help="also re-run the whole catalog with nothing changed")
    parser.add_argument("--daily-listings", type=int, default=None,
                        help="TikTok's daily listing limit in the sandbox and SyncStore (default: the profile's; the "
                             "realistic profile's 300 parks a larger batch's creates until the next day)")
    parser.add_argument("--services", action="store_true",
                        help="PostgreSQL (a database of its own) and Redis (a queue name of its own) instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _services(args.services) as services:
        home = Path(folder)
        os.environ["SYNCSTORE_HOME"] = str(home)
        os.environ.update(services)
        sandbox = _sandbox_process if args.sandbox == "process" else _sandbox_thread
        limit = {"SYNCSTORE_TIKTOK_DAILY_LISTING_LIMIT": str(args.daily_listings)} if args.daily_listings else {}
        os.environ.update(limit)
        with sandbox(home, args.profile, args.daily_listings) as settings:
            env = {"SYNCSTORE_HOME": str(home), **settings, **services, **limit}
            os.environ.update(env)
            with AppContext(load_settings(env)) as ctx:
                authorize_shopee(ctx, sandbox_approve=True)
                authorize_tiktok(ctx, sandbox_approve=True)
                import_from_marketplaces(ctx, list(PLATFORMS))
                map_categories(ctx)  # the seller's first mapping and attribute values, as the demo makes them
                fill_attributes(ctx)
                everything = [s.product.id for s in ctx.catalog.all_products()]
                ids = everything[: args.products]
                store = ctx.jobs
                print(f"profile {args.profile}; {len(ids)} products x 2 platforms; {args.processes} worker "
                      f"process(es) x {args.concurrency} threads; "
                      f"{'PostgreSQL + Redis' if args.services else 'SQLite'}; rate budgets shared through "
                      f"{ctx.settings.rate_sharing.backend}; "
                      f"sandbox in its own {args.sandbox}; load average {os.getloadavg()[0]:.2f} "
                      f"on {os.cpu_count()} cores")
                started_wall = time.time()
                batch_id, wall = run_batch(ctx, ids, args.concurrency, args.processes)
                _report_run("first run", ctx, store, batch_id, wall, len(ids))
                _print_pace(store, batch_id, started_wall)
                limited = _rate_limited(store, batch_id, started_wall)
                print(f"  429 answers: {len(limited)} in all, {sum(1 for t in limited if t > 1.0)} after the first "
                      f"second" + (f" (at {', '.join(f'{t:.1f}' for t in limited[:10])} s)" if limited else ""))
                by_api, _ = _calls(store, batch_id)
                # Shopee: 10/s per shop after a burst of 20; TikTok: 20/s per API after 40; both shops in parallel.
                shopee = sum(n for api, n in by_api.items() if api.startswith("shopee "))
                tiktok = [n for api, n in by_api.items() if api.startswith("tiktok ")]
                least = max(max(0.0, (shopee - 20) / 10),
                            max((max(0.0, (n - 40) / 20) for n in tiktok), default=0.0))
                if args.profile == "realistic" and least:
                    print(f"  least time the realistic rate limits allow: {least:.1f} s; this run took "
                          f"{wall / least:.2f}x that")
                again, rewall = run_batch(ctx, ids, args.concurrency, args.processes)
                resummary = batch_status(ctx, again)
                reapi, rewrites = _calls(store, again)
                print(f"re-run, nothing changed: {resummary.completed} done, {sum(reapi.values()):,} API calls, "
                      f"{rewrites} write calls, {rewall:.1f} s ({resummary.total_jobs / rewall:.1f} jobs/s)")
                if args.rerun_all:
                    # Every product once, so the rest of the catalog is synced; then the zero-change re-run.
                    rest = everything[args.products:]
                    if rest:
                        fill, fillwall = run_batch(ctx, rest, args.concurrency, args.processes)
                        _report_run("rest of the catalog", ctx, store, fill, fillwall, len(rest))
                    whole, wholewall = run_batch(ctx, everything, args.concurrency, args.processes)
                    wholesummary = batch_status(ctx, whole)
                    wholeapi, wholewrites = _calls(store, whole)
                    print(f"whole catalog re-run, nothing changed: {len(everything):,} products, "
                          f"{wholesummary.total_jobs:,} jobs ({wholesummary.completed:,} done, "
                          f"{wholesummary.blocked:,} blocked), {sum(wholeapi.values()):,} API calls, "
                          f"{wholewrites} write calls, {wholewall:.1f} s")
                workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # sandbox not waited yet
    if args.processes > 1:
        print(f"peak RSS of a worker process: {workers_peak:.0f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    where = "SyncStore alone" if args.sandbox == "process" else "SyncStore and the in-process sandbox together"
    print(f"peak RSS {peak:.0f} MB (this process: {where})")


if __name__ == "__main__":
    main()
