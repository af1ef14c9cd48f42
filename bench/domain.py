"""How long the pure domain takes on the full catalog: generation, pricing and SEO titles.

Usage: python bench/domain.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from syncstore_cli.domain.listing import derive_listings
from syncstore_cli.domain.pricing import SELLER_DEFAULTS
from syncstore_cli.domain.seo import seo_titles
from syncstore_cli.sandbox.generator import generate_catalog


def timed(label: str, runs: int, work: Callable[[], object]) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    print(f"{label:<44} min {min(times):6.3f} s   median {statistics.median(times):6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    products = generate_catalog().products
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {len(products):,} products")
    timed("generate the catalog", runs, generate_catalog)
    timed("SEO titles, both platforms (8,294 titles)", runs,
          lambda: [seo_titles(p.title, key=p.sku) for p in products])
    timed("listing drafts (prices + titles)", runs,
          lambda: [derive_listings(p, SELLER_DEFAULTS) for p in products])


if __name__ == "__main__":
    main()
