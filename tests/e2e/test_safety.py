"""Staged rollout, approval, pre-batch snapshots and rollback, against the seeded sandbox over HTTP."""

from __future__ import annotations

import json
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
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import batch_status, plan, run_worker, submit_batch
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.desired import Action
from syncstore_cli.engine.remote import remote_state
from syncstore_cli.errors import UserInputError
from tests.conftest import seeded_sandbox

runner = CliRunner()


@dataclass
class World:
    url: str
    valid: list[str]  # valid products that came from Shopee, in catalog order: a batch updates and creates


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp, seeded_sandbox(tmp_path_factory.mktemp("safety"), mp) as seeded:
        tiktok_skus = {p.sku for p in seeded.catalog.products if p.origin is Platform.TIKTOK}
        with AppContext() as ctx:
            candidates = [s.product.id for s in ctx.catalog.all_products()[2:400]
                          if s.product.id not in seeded.flawed and s.product.sku not in tiktok_skus]
            blocked = {e.product_id for e in plan(ctx, candidates, list(PLATFORMS))
                       if e.action is Action.BLOCKED}  # e.g. a variant with stock 0 cannot be created on TikTok
        yield World(seeded.url, [pid for pid in candidates if pid not in blocked])


def _audit(world: World) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{world.url}/sandbox/audit.json").json()
    return found


def _run_batch(ids: list[str], **options: Any) -> str:
    with AppContext() as ctx:
        batch_id = submit_batch(ctx, ids, list(PLATFORMS), **options)
        run_worker(ctx, concurrency=4, reconcile_seconds=0.5,
                   until=lambda: batch_status(ctx, batch_id, with_jobs=False).finished)
        summary = batch_status(ctx, batch_id)
    assert summary.completed == summary.total_jobs, [(j.product_id, j.platform, j.state, j.message)
                                                      for j in summary.jobs if j.state != "done"]
    return batch_id


def test_a_50_product_batch_is_refused_before_an_approved_10(world: World, tmp_path: Path) -> None:
    ids = tmp_path / "fifty.txt"
    ids.write_text("\n".join(world.valid[100:150]) + "\n")
    with AppContext() as ctx:
        before = ctx.jobs.open_jobs()
    result = runner.invoke(app, ["sync", "batch", "--file", str(ids), "--platform", "both"])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "50 products is refused" in result.stderr and "syncstore approve" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with AppContext() as ctx:
        assert ctx.jobs.open_jobs() == before  # nothing was queued
    status = runner.invoke(app, ["rollout", "--json"])
    assert json.loads(status.stdout)["batch_limit"] == 10


def test_force_needs_the_batch_id_typed_back_and_is_recorded(world: World) -> None:
    ids = world.valid[150:162]  # 12 products: past the first stage's 10
    with AppContext() as ctx, pytest.raises(UserInputError, match="not confirmed"):
        submit_batch(ctx, ids, [Platform.SHOPEE], force=True, confirm=lambda batch_id: False)
    typed: list[str] = []
    batch_id = _run_batch(ids, force=True, confirm=lambda b: typed.append(b) or True)
    assert typed == [batch_id]
    with AppContext() as ctx:
        summary = ctx.jobs.batch(batch_id)
        assert summary is not None and summary.forced and summary.products == 12 and summary.backup_id
        assert "forced past the rollout limit of 10" in (summary.source or "")
        # The verified backup taken before the batch says why it was taken.
        assert ctx.backups(with_database=False).get(summary.backup_id).reason == f"before batch {batch_id}"


def test_rollback_restores_updates_and_deletes_creates_and_resumes_after_a_crash(world: World) -> None:
    audit_before = _audit(world)
    ids = world.valid[:4]
    batch_id = _run_batch(ids)
    with AppContext() as ctx:
        snapshots = ctx.safety.snapshots(batch_id)
        summary = batch_status(ctx, batch_id)
    actions = {(j.product_id, j.platform): j.action for j in summary.jobs}
    assert set(actions.values()) == {"create", "update"}, actions  # Shopee updated, TikTok created
    assert all(s.state is not None for s in snapshots if s.platform == "shopee")
    assert all(s.external_id is None for s in snapshots if s.platform == "tiktok")

    # Every marketplace call takes 400 ms while the rollback runs in its own process, killed mid-way.
    httpx.post(f"{world.url}/sandbox/control/faults", json={"latency_ms": [400, 400]}).raise_for_status()
    try:
        process = subprocess.Popen([sys.executable, "-m", "syncstore_cli", "rollback", batch_id, "--json"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        done: list[str] = []
        while time.monotonic() < deadline and process.poll() is None:
            with AppContext() as ctx:
                done = [s.state for s in ctx.safety.rollback_steps(batch_id) if s.state == "done"]
            if done:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        httpx.post(f"{world.url}/sandbox/control/faults", json={"latency_ms": None}).raise_for_status()
    with AppContext() as ctx:
        steps = ctx.safety.rollback_steps(batch_id)
    assert len(steps) == 8 and 1 <= sum(s.state == "done" for s in steps) < 8, [(s.state, s.action) for s in steps]

    resumed = runner.invoke(app, ["rollback", batch_id, "--json"])
    assert resumed.exit_code == 0, (resumed.stdout, resumed.stderr)
    report = json.loads(resumed.stdout)
    assert report["failed"] == 0 and report["done"] == 8

    # The marketplaces read back as the snapshots show; what the batch created is gone; the audit is unchanged.
    with AppContext() as ctx, ctx.sync_session() as session:
        for snap in snapshots:
            client = session.shops[Platform(snap.platform)].client
            product = ctx.catalog.get(snap.product_id)
            if snap.external_id is None:
                assert client.find_by_sku(product.product.sku) == []
                assert product.listings[Platform(snap.platform)].external_id is None
            else:
                assert snap.state is not None
                now = remote_state(client.get_listing(snap.external_id))
                assert {g: now[g] for g in ("title", "price", "stock", "variants", "description")} == \
                    {g: snap.state[g] for g in ("title", "price", "stock", "variants", "description")}
            assert product.product.status.value == "not_synced"
    assert _audit(world) == audit_before

    # Idempotent: a third run finds every step done and sends nothing.
    with AppContext() as ctx:
        calls_before = len(ctx.jobs.logs(batch_id=f"RB-{batch_id}", limit=10_000))
    again = runner.invoke(app, ["rollback", batch_id, "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["done"] == 8
    with AppContext() as ctx:
        assert len(ctx.jobs.logs(batch_id=f"RB-{batch_id}", limit=10_000)) == calls_before


def test_rollback_dry_run_shows_the_plan_and_sends_nothing(world: World) -> None:
    batch_id = _run_batch(world.valid[4:6])
    result = runner.invoke(app, ["rollback", batch_id, "--dry-run", "--json"])
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert {(s["platform"], s["action"], s["state"]) for s in plan["steps"]} == {
        ("shopee", "restore", "planned"), ("tiktok", "delete", "planned")}
    with AppContext() as ctx:
        assert ctx.jobs.logs(batch_id=f"RB-{batch_id}") == []
        assert ctx.safety.rollback_steps(batch_id) == []
    one = json.loads(runner.invoke(app, ["rollback", batch_id, "--products", world.valid[4], "--dry-run",
                                         "--json"]).stdout)
    assert {(s["product_id"], s["platform"]) for s in one["steps"]} == {(world.valid[4], "shopee"),
                                                                         (world.valid[4], "tiktok")}
    nothing_failed = json.loads(runner.invoke(app, ["rollback", batch_id, "--only-failed", "--dry-run",
                                                    "--json"]).stdout)
    assert nothing_failed["steps"] == []  # every job of the batch succeeded
    outsider = runner.invoke(app, ["rollback", batch_id, "--products", world.valid[40], "--dry-run"])
    assert outsider.exit_code == 2 and world.valid[40] in outsider.stderr
    unknown = runner.invoke(app, ["rollback", "B-nope"])
    assert unknown.exit_code == 2 and "B-nope" in unknown.stderr


def test_approval_needs_a_passing_validation_and_then_lets_the_rollout_grow(world: World) -> None:
    batch_id = _run_batch(world.valid[20:30])
    refused = runner.invoke(app, ["approve", batch_id])
    assert refused.exit_code == 1 and "validate --batch" in refused.stderr
    validated = runner.invoke(app, ["validate", "--batch", batch_id, "--json"])
    assert validated.exit_code == 0, validated.stdout[-2000:]
    approved = runner.invoke(app, ["approve", batch_id, "--json"])
    assert approved.exit_code == 0, approved.stderr
    assert json.loads(approved.stdout)["batch_limit"] == 50
    assert json.loads(runner.invoke(app, ["rollout", "--json"]).stdout)["batch_limit"] == 50
    manual = runner.invoke(app, ["sync", "manual", world.valid[31], "--json"])
    payload = json.loads(manual.stdout)
    manual_id = (payload[0] if isinstance(payload, list) else payload)["sync_id"]
    not_a_batch = runner.invoke(app, ["approve", manual_id])
    assert not_a_batch.exit_code == 2 and "not a batch" in not_a_batch.stderr


def test_force_on_the_command_line_asks_for_the_batch_id_typed_back(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = tmp_path / "sixty.txt"
    ids.write_text("\n".join(world.valid[200:260]) + "\n")  # past the 50 the approvals allow so far
    monkeypatch.setattr("syncstore_cli.app.sync.new_batch_id", lambda kind="B": "B-typed-back")
    wrong = runner.invoke(app, ["sync", "batch", "--file", str(ids), "--platform", "shopee", "--force"],
                          input="B-something-else\n")
    assert wrong.exit_code == 2 and "not confirmed" in wrong.stderr
    with AppContext() as ctx:
        assert ctx.jobs.batch("B-typed-back") is None
    right = runner.invoke(app, ["sync", "batch", "--file", str(ids), "--platform", "shopee", "--force", "--json"],
                          input="B-typed-back\n")
    assert right.exit_code in (0, 3), (right.stdout[-2000:], right.stderr)
    with AppContext() as ctx:
        summary = ctx.jobs.batch("B-typed-back")
    assert summary is not None and summary.forced and summary.finished
