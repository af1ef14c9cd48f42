"""How fast `syncstore products list` answers from a cold process on the full catalog.

Usage: python bench/cli_startup.py [--runs 15] [--database-url URL]

Generates the 4,147-product catalog into a temporary data folder, imports it, then runs
`syncstore products list` and a search as fresh processes, printing min / median / max wall
time for each and the machine's load, since these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "products list": ["products", "list"],
    "products list --search carbon": ["products", "list", "--search", "carbon"],
    "products list --json --page 83": ["products", "list", "--json", "--page", "83"],
    "python -c pass (floor)": None,
}


def syncstore(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syncstore_cli", *args], env=env, capture_output=True, text=True, check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="default: SQLite in the temporary data folder")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SYNCSTORE_HOME": home}
        if options.database_url:
            env["SYNCSTORE_DATABASE_URL"] = options.database_url
        catalog = Path(home) / "catalog.jsonl"
        started = time.perf_counter()
        syncstore("catalog", "generate", "--out", str(catalog), env=env)
        generated = time.perf_counter()
        syncstore("import", "--file", str(catalog), env=env)
        imported = time.perf_counter()
        print(f"generate: {generated - started:.2f} s   import of 4,147 products: {imported - generated:.2f} s")
        print(f"load average before timing: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"{'command':<36} {'min':>7} {'median':>7} {'max':>7}  (seconds, {options.runs} cold runs)")
        for label, args in CASES.items():
            command = [sys.executable, "-c", "pass"] if args is None else [sys.executable, "-m", "syncstore_cli", *args]
            times = []
            for _ in range(options.runs):
                start = time.perf_counter()
                subprocess.run(command, env=env, capture_output=True, check=True)
                times.append(time.perf_counter() - start)
            print(f"{label:<36} {min(times):7.3f} {statistics.median(times):7.3f} {max(times):7.3f}")
        print(f"load average after timing: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
