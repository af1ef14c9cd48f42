"""Batch sync throughput, API calls, the zero-change re-run and peak memory, against the sandbox.

Usage: python bench/sync_batch.py [--profile fast|realistic] [--products N] [--concurrency C]

Starts the sandbox in this process (seeded with the seller's listings), authorizes both shops,
imports them, then syncs the first N products to both platforms through the real queue (SqliteHuey)
and worker threads, and prints: product-platform syncs per second, API calls per product, the
least time the realistic profile's rate limits allow for those calls (as a ratio), the re-run of
the same batch with nothing changed (write calls must be 0), and the process's peak RSS (sandbox
included, so an upper bound for SyncStore alone).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

from syncstore_cli.domain.catalog import PLATFORMS
from syncstore_cli.domain.generator import generate_catalog
from syncstore_cli.marketplace_import import import_from_marketplaces
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
from syncstore_cli.services import Services
from syncstore_cli.settings import load_settings
from syncstore_cli.store.sync import SyncStore
from syncstore_cli.syncing import batch_status, run_worker, submit_batch


def _calls(store: SyncStore, batch_id: str) -> tuple[Counter[str], int]:
    by_api: Counter[str] = Counter()
    writes = 0
    for row in store.logs(batch_id=batch_id, limit=10_000_000):
        path = "/".join("{id}" if part.isdigit() else part for part in row["path"].split("/"))
        by_api[f"{row['platform']} {row['method']} {path}"] += 1
        writes += row["method"] != "GET" and "/search" not in path
    return by_api, writes


def _run(services: Services, ids: list[str], concurrency: int) -> tuple[str, float]:
    started = time.perf_counter()
    batch_id = submit_batch(services, ids, list(PLATFORMS), source="bench")
    run_worker(services, concurrency=concurrency, reconcile_seconds=0.5,
               until=lambda: batch_status(services, batch_id).finished)
    return batch_id, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=("fast", "realistic"), default="fast")
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        box = build_sandbox(c.SandboxConfig(profile=args.profile), home / "sandbox")
        server = serve_in_background(box)
        products = generate_catalog(image_base_url=server.url).products
        box.shopee_products.seed_from_catalog(products, c.DEMO_SHOPEE_SHOP_ID)
        box.tiktok_products.seed_from_catalog(products, c.DEMO_TIKTOK_SHOP_ID)
        env = {"SYNCSTORE_HOME": str(home), "SYNCSTORE_SHOPEE_BASE_URL": server.url,
               "SYNCSTORE_TIKTOK_BASE_URL": server.url, "SYNCSTORE_TIKTOK_AUTH_URL": server.url,
               "SYNCSTORE_SHOPEE_PARTNER_ID": c.DEMO_SHOPEE_PARTNER_ID,
               "SYNCSTORE_SHOPEE_PARTNER_KEY": c.DEMO_SHOPEE_PARTNER_KEY,
               "SYNCSTORE_TIKTOK_APP_KEY": c.DEMO_TIKTOK_APP_KEY,
               "SYNCSTORE_TIKTOK_APP_SECRET": c.DEMO_TIKTOK_APP_SECRET}
        if args.profile == "fast":
            env.update({f"SYNCSTORE_{p}_{k}": "1000" for p in ("SHOPEE", "TIKTOK") for k in ("RATE_PER_SECOND",
                                                                                                "RATE_BURST")})
        os.environ.update(env)
        with Services(load_settings(env)) as services:
            from syncstore_cli.authorization import Authorization

            auth = Authorization(services)
            auth.authorize_shopee(sandbox_approve=True)
            auth.authorize_tiktok(sandbox_approve=True)
            import_from_marketplaces(services, list(PLATFORMS))
            ids = [s.product.id for s in services.catalog.all_products()][: args.products]
            store = SyncStore(services.engine)
            print(f"profile {args.profile}; {len(ids)} products x 2 platforms; concurrency {args.concurrency}; "
                  f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
            batch_id, wall = _run(services, ids, args.concurrency)
            summary = batch_status(services, batch_id)
            by_api, writes = _calls(store, batch_id)
            calls = sum(by_api.values())
            print(f"first run: {summary.completed} synced, {summary.blocked} blocked, {summary.failed} failed "
                  f"of {summary.total_jobs} jobs in {wall:.1f} s")
            print(f"  {summary.total_jobs / wall:.1f} product-platform jobs/s "
                  f"({summary.completed / wall:.1f} synced/s); {calls:,} API calls ({writes:,} writes), "
                  f"{calls / len(ids):.2f} calls per product")
            for api, count in sorted(by_api.items()):
                print(f"    {api:<62} {count:>7,}")
            # Shopee: 10/s per shop after a burst of 20; TikTok: 20/s per API after 40; both shops in parallel.
            shopee = sum(n for api, n in by_api.items() if api.startswith("shopee "))
            tiktok = [n for api, n in by_api.items() if api.startswith("tiktok ")]
            least = max(max(0.0, (shopee - 20) / 10), max((max(0.0, (n - 40) / 20) for n in tiktok), default=0.0))
            if args.profile == "realistic" and least:
                print(f"  least time the realistic rate limits allow: {least:.1f} s; this run took "
                      f"{wall / least:.2f}x that")
            again, rewall = _run(services, ids, args.concurrency)
            resummary = batch_status(services, again)
            reapi, rewrites = _calls(store, again)
            print(f"re-run, nothing changed: {resummary.completed} done, {sum(reapi.values()):,} API calls, "
                  f"{rewrites} write calls, {rewall:.1f} s")
        server.stop()
        box.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB (this process: SyncStore and the in-process sandbox together)")


if __name__ == "__main__":
    main()
