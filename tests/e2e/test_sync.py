"""Plan, manual sync and batch sync against the seeded sandbox over HTTP, read back from the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app
from syncstore_cli.sandbox import config as c
from tests.conftest import SeededWorld as World
from tests.conftest import seeded_sandbox

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp, seeded_sandbox(tmp_path_factory.mktemp("sync"), mp) as seeded:
        yield seeded


def _run(*args: str, code: int | None = 0) -> Any:
    result = runner.invoke(app, list(args))
    if code is not None:
        assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout) if "--json" in args and result.stdout.strip() else result


def _seller_page(world: World, platform: str, external_id: str) -> dict[str, Any]:
    """The listing as the sandbox's seller centre shows it, in one shape for both marketplaces."""
    path = f"/sandbox/shopee/items/{external_id}.json" if platform == "shopee" else \
        f"/sandbox/tiktok/products/{external_id}.json"
    response = httpx.get(world.url + path)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    if platform == "shopee":
        item = data["item"]
        variants = {m["model_sku"]: int(m["price_info"][0]["original_price"]) for m in data["model"]}
        return {"title": item["item_name"], "images": item["image"]["image_url_list"], "variants": variants,
                "price": None if variants else int(item["price_info"][0]["original_price"]), "tokopedia": None}
    skus = data["skus"]
    variants = {s["seller_sku"]: int(s["price"]["amount"]) for s in skus if s.get("sales_attributes")}
    return {"title": data["title"], "images": data["main_images"], "variants": variants,
            "price": None if variants else int(skus[0]["price"]["amount"]),
            "tokopedia": next((s["status"] for s in data.get("integrated_platform_statuses") or []
                               if s["platform"] == "TOKOPEDIA"), None),
            "listing_platforms": data.get("listing_platforms")}


def _write_calls(batch_or_product: str) -> int:
    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx:
        rows = ctx.jobs.logs(batch_id=batch_or_product, limit=100_000)
    return sum(1 for r in rows if r["method"] != "GET" and "/search" not in r["path"])


def test_plan_shows_updates_for_imported_listings_and_creates_for_the_other_platform(world: World) -> None:
    entries = _run("sync", "plan", "PROD-1", "--platform", "both", "--json")
    by_platform = {e["platform"]: e for e in entries}
    assert by_platform["shopee"]["action"] == "update"
    assert set(by_platform["shopee"]["changes"]) == {"title", "price"}
    assert by_platform["shopee"]["changes"]["price"] == {"from": 150_000, "to": 172_500}
    assert by_platform["tiktok"]["action"] == "create"
    text = _run("sync", "plan", "PROD-1").stdout
    assert "update" in text and "create" in text and "Plan:" in text


def test_pilot_products_sync_by_hand_to_both_platforms(world: World) -> None:
    results = _run("sync", "manual", "PROD-1", "--platform", "both", "--json")
    assert [r["success"] for r in results] == [True, True], results
    ids = {r["platform"]: r["data"]["external_id"] for r in results}
    shown = _run("products", "show", "PROD-1", "--json")
    shopee = _seller_page(world, "shopee", ids["shopee"])
    tiktok = _seller_page(world, "tiktok", ids["tiktok"])
    assert shopee["price"] == 172_500 and tiktok["price"] == 180_000, (shopee, tiktok)
    assert shopee["title"] == shown["shopee"]["seo_title"] and tiktok["title"] == shown["tiktok"]["seo_title"]
    assert shopee["title"] != tiktok["title"]
    assert len(shopee["images"]) == len(tiktok["images"]) == len(shown["master"]["images"])
    assert "TOKOPEDIA" in (tiktok["listing_platforms"] or []) or tiktok["tokopedia"] is not None, tiktok
    assert shown["master"]["status"].lower() == "synced"

    results = _run("sync", "manual", "PROD-2", "--platform", "both", "--json")
    assert [r["success"] for r in results] == [True, True], results
    for result in results:
        page = _seller_page(world, result["platform"], result["data"]["external_id"])
        variants = page["variants"]
        assert set(variants) == {"PRP-5145-001-RED", "PRP-5145-001-BLU", "PRP-5145-001-GRN"}, page
        markup = 115 if result["platform"] == "shopee" else 120
        shown = _run("products", "show", "PROD-2", "--json")
        for variant in shown["variants"]:
            assert variants[variant["sku"]] == variant["price"] * markup // 100


def test_a_second_manual_sync_of_an_unchanged_product_writes_nothing(world: World) -> None:
    _run("sync", "manual", "PROD-1", "--platform", "both", "--json")
    results = _run("sync", "manual", "PROD-1", "--platform", "both", "--json")
    assert all(r["success"] and r["data"]["action"] == "no_change" for r in results)
    assert _write_calls(results[0]["sync_id"]) == 0


def test_manual_sync_errors_follow_the_contract(world: World) -> None:
    result = _run("sync", "manual", "PROD-999999", "--json", code=2)
    assert result == {"success": False, "error": "Product not found", "message": "no product with id 'PROD-999999'",
                      "error_code": "PRODUCT_NOT_FOUND"}
    few_images = next(pid for pid, kind in world.flawed.items() if kind == "few_images")
    blocked = _run("sync", "manual", few_images, "--platform", "shopee", "--json", code=3)
    assert blocked["success"] is False and blocked["error_code"] == "INVALID_PRODUCT"
    assert "at least 3 needed" in blocked["message"]


def test_a_batch_syncs_valid_products_and_reports_flawed_ones_as_blocked(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 50 products is past the staged rollout's first stage: the owner forces it (tests/e2e/test_safety.py
    # covers the rollout and the typed-back confirmation; here the prompt is answered yes).
    monkeypatch.setattr("syncstore_cli.cli.sync_cmd._confirm_forced", lambda batch_id: True)
    clean = [f"PROD-{n}" for n in range(3, 400) if f"PROD-{n}" not in world.flawed][:45]
    flawed = [pid for pid, kind in world.flawed.items() if kind in ("weight_zero", "broken_image_url")][:5]
    ids = tmp_path / "ids.txt"
    ids.write_text("# fifty products\n" + "\n".join(clean[:25]) + "\n\n" + "\n".join(flawed + clean[25:]) + "\n")
    status = _run("sync", "batch", "--file", str(ids), "--platform", "both", "--force", "--json", code=None)
    failed = [j for j in status["jobs"] if j["status"] in ("failed", "dead")]
    assert failed == [], json.dumps(failed)
    jobs = status["jobs"]
    assert status["total_jobs"] == 100 and status["failed"] == 0 and status["status"] == "completed"
    assert status["completed"] + status["blocked"] == 100 and status["blocked"] >= 10
    for job in jobs:
        if job["product_id"] in flawed:
            assert job["status"] == "blocked" and job["error"], job
        elif job["status"] == "blocked":  # a clean product can still break a platform rule
            assert job["platform"] == "tiktok" and "stock 0" in job["error"], job
    again = _run("sync", "batch", "--file", str(ids), "--platform", "both", "--force", "--json", code=3)
    assert again["completed"] == status["completed"]
    assert all(j["action"] == "no_change" for j in again["jobs"] if j["status"] == "done")
    assert _write_calls(again["batch_id"]) == 0
    follow = _run("sync", "status", status["batch_id"], "--json", code=3)
    assert follow["batch_id"] == status["batch_id"] and follow["completed"] == status["completed"]
    logs = _run("logs", "--batch", status["batch_id"], "--json", "--limit", "100000")
    assert logs and all(r["batch_id"] == status["batch_id"] for r in logs)
    assert not any(c.DEMO_SHOPEE_PARTNER_KEY in json.dumps(r) or c.DEMO_TIKTOK_APP_SECRET in json.dumps(r)
                   for r in logs)
    assert {r["method"] for r in logs} >= {"GET", "POST"}


def test_a_batch_file_with_unknown_or_repeated_ids_queues_nothing(world: World, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("PROD-3\nPROD-3\nPROD-0\n")
    result = _run("sync", "batch", "--file", str(ids), code=2)
    assert "unknown product id(s): 'PROD-0'" in result.stderr and "repeated" in result.stderr
    assert "nothing was queued" in result.stderr


def test_exhausted_retries_park_the_job_in_the_dead_letter_queue_until_retried(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_SYNC_BACKOFF_BASE", "0.01")  # the schedule is 2, 4, 8 s; not worth waiting here
    product = next(f"PROD-{n}" for n in range(400, 600) if f"PROD-{n}" not in world.flawed
                   and _run("sync", "plan", f"PROD-{n}", "-p", "shopee", "--json")[0]["action"] == "update")
    world.box.faults.push("5xx", "/api/v2/product/update_", count=3)
    failed = _run("sync", "manual", product, "--platform", "shopee", "--json", code=1)
    assert failed["success"] is False and failed["error_code"] == "MARKETPLACE_UNAVAILABLE", failed
    parked = [j for j in _run("dlq", "list", "--json") if j["product_id"] == product]
    assert len(parked) == 1 and parked[0]["status"] == "dead"
    shown = _run("dlq", "show", str(parked[0]["job_id"]), "--json")
    failures = [e for e in shown["errors"] if e.get("kind") == "request"]
    assert len(failures) == 3 and all(e["http_status"] == 500 for e in failures), shown["errors"]
    assert _run("dlq", "retry", "12345678", code=2).stderr.startswith("error: not in the dead-letter queue")
    assert _run("dlq", "retry", str(parked[0]["job_id"]), "--json") == {"requeued": [parked[0]["job_id"]]}
    _run("worker", "--until-idle")
    assert not [j for j in _run("dlq", "list", "--json") if j["product_id"] == product]
    assert _run("sync", "plan", product, "-p", "shopee", "--json")[0]["action"] == "no_change"
