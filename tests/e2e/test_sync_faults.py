"""Batches under the sandbox's faults, and workers killed mid-batch, on SqliteHuey and RedisHuey.

Invariants checked afterwards: every valid product synced (no job lost or stuck), at most one
listing per SKU on each marketplace (the sandbox's audit), and the listings read back as intended.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.sandbox.app import Sandbox
from syncstore_cli.sandbox.faults import FaultPlan
from tests.conftest import seeded_sandbox

runner = CliRunner()
SEEDED = 240  # the first products of the catalog are the shops' existing listings here


@dataclass
class Shop:
    box: Sandbox
    url: str
    clean: list[str]


# Shopee refresh tokens are single-use (shared/marketplaces/shopee.md §3.3): a refresh whose answer is
# lost after Shopee committed it leaves no usable token, and the seller must authorize again (the
# keeper then marks the shop unauthorized, which test_token_refresh covers). The random faults here
# test the sync, so they spare that one call; the token expiry mid-batch still forces a refresh.
SPARED = ("/api/v2/auth/access_token/get",)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def shop(request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    queue: dict[str, str] = {}
    if request.param == "redis":
        url, name = request.getfixturevalue("redis_queue_url")
        queue = {"SYNCSTORE_QUEUE_URL": url, "SYNCSTORE_QUEUE_NAME": name}
    with seeded_sandbox(home.parent, monkeypatch, faults=FaultPlan(seed=7, spared=SPARED), seeded_products=SEEDED,
                        env=queue) as seeded:
        from syncstore_cli.app.context import AppContext
        from syncstore_cli.app.sync import plan
        from syncstore_cli.domain.catalog import PLATFORMS

        with AppContext() as ctx:  # products the plan would send (not blocked) on both platforms
            entries = plan(ctx, [s.product.id for s in ctx.catalog.all_products()], list(PLATFORMS))
        blocked = {e.product_id for e in entries if e.action.value == "blocked"}
        clean = sorted({e.product_id for e in entries} - blocked, key=lambda i: int(i.split("-")[1]))
        yield Shop(seeded.box, seeded.url, clean)


def _duplicates(box: Sandbox) -> tuple[dict[str, Any], dict[str, Any]]:
    return box.shopee_products.audit().duplicate_skus, box.tiktok_products.audit()["duplicate_seller_skus"]


def _check_all_synced(batch_id: str, product_ids: list[str]) -> None:
    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx:
        summary = ctx.jobs.batch(batch_id)
        assert summary is not None
        not_done = [(j.product_id, j.platform, j.state, j.message) for j in summary.jobs if j.state != "done"]
        assert not_done == [], not_done
        assert summary.total_jobs == 2 * len(product_ids) and summary.status == "completed"
        for stored in ctx.catalog.get_many(product_ids):
            assert stored.product.status.value == "synced", stored.product.id
            assert all(stored.listings[p].external_id for p in Platform)


def test_a_batch_under_faults_syncs_every_valid_product_exactly_once(shop: Shop, home: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from syncstore_cli.app.context import AppContext
    from syncstore_cli.app.sync import batch_status, run_worker, submit_batch
    from syncstore_cli.domain.catalog import PLATFORMS

    # More attempts than the default so a 15% fault rate cannot exhaust a request's retries by chance;
    # the backoff is real in production and a no-op here (no test waits out a backoff).
    monkeypatch.setenv("SYNCSTORE_SYNC_MAX_ATTEMPTS", "6")
    before = _duplicates(shop.box)
    products = shop.clean[:40]
    shop.box.faults.rates.update({"5xx": 0.05, "drop_after_commit": 0.05, "429": 0.05})
    expired = []
    with AppContext() as ctx:
        # Every session of this context (the batch's snapshot, the worker) reaches the shops through ctx.shops.
        ctx.shops.http_overrides["sleep"] = lambda _seconds: None
        # Forced past the staged rollout (its rule is tested in test_safety.py): these test the queue.
        batch_id = submit_batch(ctx, products, list(PLATFORMS), force=True)

        def expire_tokens_once() -> None:
            if not expired and batch_status(ctx, batch_id).completed >= 20:
                expired.extend(shop.box.tokens.expire_all(p, "access", time.time()) for p in ("shopee", "tiktok"))

        run_worker(ctx, concurrency=4, on_tick=expire_tokens_once,
                   reconcile_seconds=0.2, until=lambda: batch_status(ctx, batch_id).finished)
    shop.box.faults.rates.clear()
    assert expired, "the token expiry fault never fired"
    _check_all_synced(batch_id, products)
    assert _duplicates(shop.box) == before
    # The faults did hit writes: some requests failed and were retried, and logs show them.
    result = runner.invoke(app, ["logs", "--batch", batch_id, "--status", "error", "--json", "--limit", "100000"])
    assert result.exit_code == 0 and result.stdout.count('"status": "error"') >= 5
    again = runner.invoke(app, ["sync", "plan", *products[:10], "--json"])
    assert again.exit_code == 0 and '"action": "update"' not in again.stdout and '"create"' not in again.stdout


def _worker(env: dict[str, str], *, keep_errors: bool = False) -> subprocess.Popen[bytes]:
    # SIGUSR1 makes the worker print every thread's stack: the evidence if it ever hangs.
    code = ("import faulthandler, signal; faulthandler.register(signal.SIGUSR1, all_threads=True); "
            "from syncstore_cli.cli.app import main; main()")
    return subprocess.Popen([sys.executable, "-c", code, "worker", "--concurrency", "4", "--until-idle"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if keep_errors else subprocess.DEVNULL)


def test_workers_killed_mid_batch_lose_nothing_and_duplicate_nothing(shop: Shop, home: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = _duplicates(shop.box)
    products = shop.clean[:60]
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(products) + "\n")
    monkeypatch.setattr("syncstore_cli.cli.sync_cmd._confirm_forced", lambda batch_id: True)
    queued = runner.invoke(app, ["sync", "batch", "--file", str(ids), "--detach", "--force", "--json"])
    assert queued.exit_code == 0, queued.stderr
    batch_id = queued.stdout.split('"batch_id": "', 1)[1].split('"', 1)[0]
    env = {**os.environ, "SYNCSTORE_SYNC_LEASE_SECONDS": "2", "SYNCSTORE_SYNC_RECONCILE_SECONDS": "0.3",
           "SYNCSTORE_SYNC_STALE_AFTER": "1"}
    rng = random.Random(11)
    kills = 0
    for _ in range(4):
        worker = _worker(env)
        time.sleep(rng.uniform(0.8, 2.5))
        if worker.poll() is not None:
            break
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
    assert kills >= 2, "the batch finished before the workers could be killed"
    final = _worker(env, keep_errors=True)
    try:
        _, errors = final.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        final.send_signal(signal.SIGUSR1)
        time.sleep(1)
        final.kill()
        _, errors = final.communicate()
        status = runner.invoke(app, ["sync", "status", batch_id, "--json"])
        logs = runner.invoke(app, ["logs", "--batch", batch_id, "--json", "--limit", "40"])
        pytest.fail(f"the last worker did not finish in 180 s\nbatch: {status.stdout}\nlast logs: {logs.stdout}"
                    f"\nits stacks:\n"
                    f"{errors.decode(errors='replace')[-20000:]}")
    assert final.returncode == 0, errors.decode()
    _check_all_synced(batch_id, products)
    assert _duplicates(shop.box) == before
    status = runner.invoke(app, ["sync", "status", batch_id, "--json"])
    assert status.exit_code == 0 and '"in_progress": 0' in status.stdout
