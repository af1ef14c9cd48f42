"""How long `import --from all` takes against the sandbox, and how many API calls it makes.

Usage: python bench/import_listings.py [--profile fast|realistic]

Starts the sandbox in-process (seeded with the seller's 3,647 Shopee and 500 TikTok listings),
authorizes both shops, runs the import into a fresh data folder and prints wall time, API calls,
calls per product and, for the realistic profile, the least time its rate limits allow for those
calls (Shopee 10/s per shop after a burst of 20; TikTok 20/s per API after 40), as a ratio.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from syncstore_cli.app.auth import authorize_shopee, authorize_tiktok
from syncstore_cli.app.context import AppContext
from syncstore_cli.app.marketplace_import import import_from_marketplaces
from syncstore_cli.domain.catalog import PLATFORMS
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
from syncstore_cli.sandbox.generator import generate_catalog
from syncstore_cli.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=("fast", "realistic"), default="fast")
    profile = parser.parse_args().profile
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        box = build_sandbox(c.SandboxConfig(profile=profile), home / "sandbox")
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
        if profile == "fast":  # no limits on the fast sandbox: let the client's budget match, as serve prints
            env.update({f"SYNCSTORE_{p}_{k}": "1000" for p in ("SHOPEE", "TIKTOK") for k in ("RATE_PER_SECOND",
                                                                                                "RATE_BURST")})
        with AppContext(load_settings(env)) as ctx:
            authorize_shopee(ctx, sandbox_approve=True)
            authorize_tiktok(ctx, sandbox_approve=True)
            print(f"profile {profile}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
            per_platform: Counter[str] = Counter()
            started = time.perf_counter()
            summary = import_from_marketplaces(ctx, list(PLATFORMS))
            wall = time.perf_counter() - started
            assert summary.catalog is not None
            per_platform.update(summary.listings)
        server.stop()
        box.close()
    total = sum(per_platform.values())
    print(f"listings read: {dict(per_platform)}; products created {summary.catalog.created:,}")
    print(f"wall time {wall:.1f} s; API calls {summary.calls:,}; calls per product {summary.calls / total:.2f}; "
          f"{total / wall:.0f} products/s")
    for api, count in sorted(summary.calls_by_api.items()):
        print(f"  {api:<60} {count:>6,}")
    # Import reads Shopee, then TikTok, so their least times add up. Shopee: 10/s per shop after a burst
    # of 20; TikTok: 20/s per API after a burst of 40, APIs in parallel, so the busiest API decides.
    shopee = sum(n for api, n in summary.calls_by_api.items() if api.startswith("shopee "))
    tiktok_apis = [n for api, n in summary.calls_by_api.items() if api.startswith("tiktok ")]
    least = max(0.0, (shopee - 20) / 10) + max((max(0.0, (n - 40) / 20) for n in tiktok_apis), default=0.0)
    print(f"least time the realistic rate limits allow for these calls: {least:.1f} s; "
          f"this run took {wall / least:.2f}x that" if least else "no rate-limited calls")


if __name__ == "__main__":
    main()
