"""A publish larger than TikTok's daily listing limit finishes over several (compressed) quota days: the
sandbox allows 5 new listings a day and a day lasts a few seconds; SyncStore is told the same day length,
parks each job the limit refuses until the reset, shows it as waiting in `sync status`, and dead-letters
nothing."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import WorkerResult, plan, run_worker, submit_batch
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.desired import Action
from syncstore_cli.domain.quota import QuotaDay, parse_reset
from syncstore_cli.sandbox.config import SandboxConfig
from tests.conftest import seeded_sandbox

DAILY_LISTINGS = 5
DAY_SECONDS = 4
CREATES = 12
CREATE_PATH = "/product/202309/products"


def test_a_publish_past_the_daily_listing_limit_waits_for_each_reset_and_dead_letters_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = SandboxConfig(tiktok_daily_listings=DAILY_LISTINGS, day_seconds=DAY_SECONDS)
    with seeded_sandbox(tmp_path, monkeypatch, config=config, seeded_products=60,
                        env={"SYNCSTORE_QUOTA_DAY_SECONDS": str(DAY_SECONDS),
                             "SYNCSTORE_TIKTOK_DAILY_LISTING_LIMIT": str(DAILY_LISTINGS)}):
        with AppContext() as ctx:
            ids = [f"PROD-{n}" for n in range(1, 61)]  # import numbers the seeded listings in order
            creates = [e.product_id for e in plan(ctx, ids, [Platform.TIKTOK]) if e.action is Action.CREATE]
            assert len(creates) >= CREATES, "the seeded shops should leave products to create on TikTok"
            batch_id = submit_batch(ctx, creates[:CREATES], [Platform.TIKTOK], force=True)

        result: list[WorkerResult] = []

        def serve() -> None:
            with AppContext() as worker_ctx:
                result.append(run_worker(worker_ctx, until_idle=True))

        worker = threading.Thread(target=serve)
        worker.start()
        seen_waiting: list[dict[str, object]] = []
        while worker.is_alive():
            status = json.loads(CliRunner().invoke(app, ["sync", "status", batch_id, "--json"]).stdout)
            seen_waiting += [j for j in status["jobs"] if j["resumes_at"] is not None]
            time.sleep(0.5)
        worker.join()
        final = json.loads(CliRunner().invoke(app, ["sync", "status", batch_id, "--json"]).stdout)

        with AppContext() as ctx:
            created_at = [row["created_at"] for row in ctx.jobs.logs(batch_id=batch_id, status="ok", limit=10_000)
                          if row["method"] == "POST" and row["path"] == CREATE_PATH]

    assert result and result[0].dead_lettered == []
    assert (final["status"], final["completed"], final["failed"]) == ("completed", CREATES, 0)
    assert seen_waiting, "no job was ever shown waiting for the quota"
    assert all(j["status"] == "pending" and j["error_code"] == "QUOTA_WAIT" and
               "TikTok's daily listing limit" in str(j["error"]) for j in seen_waiting)
    day = QuotaDay(parse_reset("00:00+07:00"), DAY_SECONDS)
    per_day = Counter(day.start(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp()) for moment in created_at)
    assert sum(per_day.values()) == CREATES
    assert max(per_day.values()) <= DAILY_LISTINGS and len(per_day) >= 3, per_day


def test_quota_json_counts_todays_listings_and_sandbox_serve_offers_the_quota_flags(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with seeded_sandbox(tmp_path, monkeypatch, seeded_products=20, env={"SYNCSTORE_TIKTOK_DAILY_LISTING_LIMIT": "7"}):
        with AppContext() as ctx:
            creates = [e.product_id for e in plan(ctx, [f"PROD-{n}" for n in range(1, 21)], [Platform.TIKTOK])
                       if e.action is Action.CREATE][:2]
            submit_batch(ctx, creates, [Platform.TIKTOK], force=True)
            run_worker(ctx, until_idle=True)
        shown = CliRunner().invoke(app, ["quota", "--json"])
        help_text = CliRunner().invoke(app, ["sandbox", "serve", "--help"]).stdout

    assert shown.exit_code == 0, shown.stderr
    usage = {row["platform"]: row for row in json.loads(shown.stdout)}
    assert set(usage) == {"shopee", "tiktok"}
    tiktok = usage["tiktok"]
    assert (tiktok["used"], tiktok["limit"], tiktok["remaining"]) == (len(creates), 7, 7 - len(creates))
    assert tiktok["shop_id"] and tiktok["resets_at"].endswith("17:00:00+00:00")  # midnight in Jakarta
    assert usage["shopee"]["limit"] is None and usage["shopee"]["remaining"] is None  # Shopee publishes none
    assert usage["shopee"]["resets_at"].endswith("16:00:00+00:00")  # 00:00 UTC+8
    for flag in ("--tiktok-daily-listings", "--shopee-daily-calls", "--day-seconds"):
        assert flag in help_text
