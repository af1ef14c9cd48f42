"""A refused batch leaves nothing behind; a worker's exit code and a batch's status say what happened.

Against the seeded sandbox over HTTP: every refusal of `sync batch` (a queue URL that is no queue,
an unreachable Redis, a broken setting, a missing credential, a shop not authorized, the staged
rollout, a marketplace read that fails) is one `error:` line and leaves no batch, no job and no
backup; a queue failing after the batch is recorded loses nothing; `worker --until-idle` exits 1
when a job it ran was dead-lettered; and a foreground batch killed with SIGKILL is shown as stalled
with how to resume it, and a worker then finishes it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import Platform
from tests.conftest import SeededWorld, seeded_sandbox

runner = CliRunner()


@dataclass
class World:
    seeded: SeededWorld
    both: list[str]  # products the plan can send to both marketplaces (none blocked, none flawed)
    on_shopee: list[str]  # products with a Shopee listing (a batch's snapshot reads them from Shopee)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from syncstore_cli.app.sync import plan
    from syncstore_cli.domain.catalog import PLATFORMS

    with pytest.MonkeyPatch.context() as mp, \
            seeded_sandbox(tmp_path_factory.mktemp("refusals"), mp, seeded_products=30) as seeded:
        with AppContext() as ctx:
            products = [s.product.id for s in ctx.catalog.all_products()]
            entries = plan(ctx, products, list(PLATFORMS))
            on_shopee = [s.product.id for s in ctx.catalog.get_many(products)
                         if s.listings[Platform.SHOPEE].external_id]
        blocked = {e.product_id for e in entries if e.action.value == "blocked"}
        sendable = [p for p in products if p not in blocked and p not in seeded.flawed]
        yield World(seeded, sendable, [p for p in on_shopee if p in sendable])


def _ids_file(tmp_path: Path, ids: list[str]) -> Path:
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(ids) + "\n")
    return path


def _written(world: World) -> tuple[int, int, list[str]]:
    """(batches, jobs, backup files): what a batch writes."""
    with AppContext() as ctx, ctx.database.connect() as connection:
        batches = connection.execute(text("SELECT count(*) FROM sync_batches")).scalar_one()
        jobs = connection.execute(text("SELECT count(*) FROM sync_jobs")).scalar_one()
    folder = world.seeded.home / "backups"
    return batches, jobs, sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _newest_batch() -> str:
    with AppContext() as ctx, ctx.database.connect() as connection:
        return str(connection.execute(text("SELECT id FROM sync_batches ORDER BY created_at DESC, id DESC")).scalar())


def _refused(world: World, args: list[str], starts: str, code: int = 2) -> str:
    before = _written(world)
    result = runner.invoke(app, args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"error: {starts}"), result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr + result.stdout
    assert _written(world) == before  # no batch, no job, no backup
    return result.stderr


@pytest.mark.parametrize(("env", "starts"), [
    ({"SYNCSTORE_QUEUE_URL": "garbage://x"}, "queue_url"),
    ({"SYNCSTORE_QUEUE_URL": "redis://127.0.0.1:1/0"}, "queue_url redis://127.0.0.1:1/0: the queue is unreachable"),
    ({"SYNCSTORE_QUEUE_URL": "redis://:hunter2-secret@127.0.0.1:1/0"}, "queue_url redis://:****@127.0.0.1:1/0"),
    ({"SYNCSTORE_HTTP_MAX_ATTEMPTS": "0"}, "http.max_attempts"),
    ({"SYNCSTORE_TIKTOK_APP_SECRET": ""}, "tiktok.app_secret is not set"),
], ids=["garbage-queue-url", "unreachable-redis", "redis-password-not-shown", "broken-setting", "no-credential"])
def test_a_batch_refused_for_its_settings_or_queue_writes_nothing(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], starts: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ids = _ids_file(tmp_path, world.both[:2])
    for args in (["sync", "batch", "--file", str(ids)], ["sync", "batch", "--file", str(ids), "--detach"]):
        started = time.monotonic()
        error = _refused(world, args, starts)
        assert time.monotonic() - started < 15  # an unreachable queue is not waited for
        assert "hunter2" not in error


def test_a_batch_for_a_platform_without_an_authorized_shop_writes_nothing(world: World, tmp_path: Path) -> None:
    from syncstore_cli.sandbox import config as c

    ids = _ids_file(tmp_path, world.both[:2])
    with AppContext() as ctx:
        ctx.tokens.mark_unauthorized("tiktok", c.DEMO_TIKTOK_SHOP_ID, "test: authorization withdrawn")
    try:
        _refused(world, ["sync", "batch", "--file", str(ids), "--platform", "both"],
                 "no tiktok shop is authorized (run `syncstore auth tiktok`); nothing was queued")
        _refused(world, ["sync", "batch", "--file", str(ids), "--platform", "tiktok", "--detach"],
                 "no tiktok shop is authorized")
    finally:
        again = runner.invoke(app, ["auth", "tiktok", "--sandbox-approve"])
        assert again.exit_code == 0, again.stderr
    with AppContext() as ctx:
        assert ctx.jobs.dead_letters() == []  # nothing was dead-lettered to block the staged rollout
        assert ctx.safety.rollout_decision(2).allowed


def test_a_batch_past_the_rollout_writes_nothing(world: World, tmp_path: Path) -> None:
    ids = _ids_file(tmp_path, world.both[:11])
    _refused(world, ["sync", "batch", "--file", str(ids)], "a batch of 11 products is refused")


def test_a_batch_whose_snapshot_cannot_be_read_leaves_no_backup(world: World, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_HTTP_BACKOFF_BASE", "0")
    ids = _ids_file(tmp_path, world.on_shopee[:2])
    world.seeded.box.faults.push("5xx", "/api/v2/product/get_item_base_info", count=1000)
    try:
        _refused(world, ["sync", "batch", "--file", str(ids), "--platform", "shopee"], "shopee: ", code=1)
    finally:
        world.seeded.box.faults.queue.clear()


def test_a_queue_failing_after_the_batch_is_recorded_loses_nothing(world: World,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from syncstore_cli.app.sync import submit_batch
    from syncstore_cli.errors import SyncStoreError

    monkeypatch.setenv("SYNCSTORE_SYNC_STALE_AFTER", "0.2")  # the reconciler re-sends lost messages sooner

    def broken(job_ids: list[int]) -> None:
        raise ConnectionError("the queue went away")

    with AppContext() as ctx:
        monkeypatch.setattr(ctx.queue, "enqueue", broken)
        with pytest.raises(SyncStoreError, match=r"is recorded but its jobs could not be queued \(the queue went "
                                                 r"away\); `syncstore worker` sends them once the queue answers"):
            submit_batch(ctx, world.both[2:4], [Platform.SHOPEE])
    batch_id = _newest_batch()
    worker = runner.invoke(app, ["worker", "--until-idle"])
    assert worker.exit_code == 0, (worker.stdout, worker.stderr)
    status = json.loads(runner.invoke(app, ["sync", "status", batch_id, "--json"]).stdout)
    assert status["total_jobs"] == 2 and status["pending"] + status["in_progress"] == 0, status


def test_worker_until_idle_exits_1_when_a_job_it_ran_was_dead_lettered(world: World, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_HTTP_BACKOFF_BASE", "0")
    product = next(p for p in world.both[4:] if json.loads(runner.invoke(
        app, ["sync", "plan", p, "-p", "shopee", "--json"]).stdout)[0]["action"] in ("create", "update"))
    queued = runner.invoke(app, ["sync", "batch", "--file", str(_ids_file(tmp_path, [product])), "--platform",
                                 "shopee", "--detach", "--json"])
    assert queued.exit_code == 0, queued.stderr
    for path in ("/api/v2/product/update_", "/api/v2/product/add_item"):  # every write of the job fails
        world.seeded.box.faults.push("5xx", path, count=1000)
    try:
        worker = runner.invoke(app, ["worker", "--until-idle"])
    finally:
        world.seeded.box.faults.queue.clear()
    parked = [j["job_id"] for j in json.loads(runner.invoke(app, ["dlq", "list", "--json"]).stdout)]
    assert len(parked) == 1
    assert worker.exit_code == 1, (worker.stdout, worker.stderr)
    assert f"1 job(s) it ran ended dead-lettered ({parked[0]}); see `syncstore dlq list`." in worker.stdout
    assert runner.invoke(app, ["dlq", "retry", str(parked[0])]).exit_code == 0
    again = runner.invoke(app, ["worker", "--until-idle"])  # the retried job succeeds: nothing dead-lettered
    assert again.exit_code == 0, (again.stdout, again.stderr)
    help_text = runner.invoke(app, ["worker", "--help"]).stdout
    assert "0 when no job this worker ran ended dead-lettered (failed or dead), 1 when one did" in " ".join(
        help_text.split())


def _status(batch_id: str) -> dict[str, Any]:
    result = runner.invoke(app, ["sync", "status", batch_id, "--json"])
    assert result.exit_code in (0, 1, 3), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_a_foreground_batch_killed_mid_way_is_shown_stalled_and_a_worker_finishes_it(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_SYNC_LEASE_SECONDS", "1")  # stalled after two leases without a worker: 2 s
    ids = _ids_file(tmp_path, world.both[6:10])
    before = _written(world)[0]
    # Every marketplace call takes 300 ms while the batch runs in its own process, killed once a job is leased.
    httpx.post(f"{world.seeded.url}/sandbox/control/faults", json={"latency_ms": [300, 300]}).raise_for_status()
    try:
        process = subprocess.Popen([sys.executable, "-m", "syncstore_cli", "sync", "batch", "--file", str(ids)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
        deadline = time.monotonic() + 60
        leased = 0
        while time.monotonic() < deadline and process.poll() is None and not leased:
            if _written(world)[0] > before:
                leased = _status(_newest_batch())["in_progress"]
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        httpx.post(f"{world.seeded.url}/sandbox/control/faults", json={"latency_ms": None}).raise_for_status()
    assert leased, "the batch never leased a job before the deadline"
    batch_id = _newest_batch()
    deadline = time.monotonic() + 20
    status = _status(batch_id)
    while not status["stalled"] and time.monotonic() < deadline:
        time.sleep(0.3)
        status = _status(batch_id)
    assert status["stalled"] is True and status["status"] == "running", status
    assert status["hint"].startswith("no worker is running") and "syncstore worker --until-idle" in status["hint"]
    plain = runner.invoke(app, ["sync", "status", batch_id])
    assert "Stalled: no worker is running" in plain.stdout
    worker = runner.invoke(app, ["worker", "--until-idle"])
    assert worker.exit_code == 0, (worker.stdout, worker.stderr)
    done = _status(batch_id)
    assert done["pending"] + done["in_progress"] == 0 and done["stalled"] is False and done["hint"] is None, done
    assert done["failed"] == 0, done


def test_a_batch_that_may_start_writes_one_batch_and_one_backup(world: World, tmp_path: Path) -> None:
    batches, jobs, backups = _written(world)
    ids = _ids_file(tmp_path, world.both[10:12])
    result = runner.invoke(app, ["sync", "batch", "--file", str(ids), "--json"])
    assert result.exit_code in (0, 3), (result.stdout, result.stderr)
    after = _written(world)
    assert (after[0], after[1]) == (batches + 1, jobs + 4)
    assert len(set(after[2]) - set(backups)) == 2  # one backup: its database copy and its manifest
