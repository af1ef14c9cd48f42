"""`validate` and `spot-check` against the seeded sandbox over real HTTP.

A few valid products are synced to both platforms; `validate` passes; then each check is broken on
purpose (in the store, in the image URLs, or on the marketplace behind SyncStore's back) and must be
the only one failing, and what was broken is put back before the next case.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import manual_sync
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.marketplaces.base import AttributeValue, ListingSpec, VariantSpec
from tests.conftest import SeededWorld, seeded_sandbox

runner = CliRunner()
PRODUCTS = ["PROD-1", "PROD-2", "PROD-3", "PROD-4"]  # PROD-2 has three variants
CHECKS = ["pricing", "seo_titles", "mappings", "images", "variants", "marketplace", "duplicates"]


@dataclass
class World:
    seeded: SeededWorld
    batch_id: str  # the manual sync of PRODUCTS to both platforms

    @property
    def home(self) -> Path:
        return self.seeded.home

    @property
    def sandbox_state(self) -> Path:
        return self.seeded.home.parent / "sandbox-state"  # where seeded_sandbox keeps it


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp, \
            seeded_sandbox(tmp_path_factory.mktemp("validate"), mp, seeded_products=40) as seeded:
        with AppContext() as ctx:
            synced = manual_sync(ctx, PRODUCTS, list(PLATFORMS))
        jobs = synced.jobs
        assert [j.state for j in jobs] == ["done"] * 8, [(j.product_id, j.platform, j.message) for j in jobs]
        yield World(seeded, synced.batch_id)


def _validate(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["validate", "--json", *args])
    assert result.exit_code in (0, 1), (result.exit_code, result.stdout, result.stderr)
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


def _failing(*args: str) -> dict[str, list[str]]:
    """The failing checks (name -> problems) of a `validate --json` run; its exit code must agree."""
    code, report = _validate(*args)
    failing = {c["name"]: c["problems"] for c in report["checks"] if not c["passed"]}
    assert code == (1 if failing else 0) and report["passed"] is (not failing), report
    return failing


def _sql(statement: str, **params: Any) -> Any:
    """Runs one statement on the store behind SyncStore's back; a SELECT's first value is returned."""
    with AppContext() as ctx, ctx.database.begin() as connection:
        result = connection.execute(text(statement), params)
        return result.scalar() if result.returns_rows else None


def _listing(product_id: str, platform: Platform) -> Any:
    with AppContext() as ctx:
        return ctx.catalog.get(product_id).listings[platform]


def _sandbox_edit(world: World, platform: Platform, external_id: str, *args: str) -> None:
    result = runner.invoke(app, ["sandbox", "edit", platform.value, external_id, *args,
                                 "--state", str(world.sandbox_state)])
    assert result.exit_code == 0, (result.stdout, result.stderr)


def test_validate_passes_after_a_clean_sync_and_records_the_run(world: World) -> None:
    code, report = _validate()
    assert code == 0 and report["passed"] is True, report
    assert set(report) == {"passed", "batch_id", "checks", "check_run_id", "duration_s"}
    assert report["batch_id"] is None and isinstance(report["duration_s"], float)
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert all(c["passed"] and c["checked"] > 0 and c["problems"] == [] for c in report["checks"]), report
    with AppContext() as ctx:
        run = ctx.safety.checks(kind="validate", limit=1)[0]
    assert run.id == report["check_run_id"] and run.passed and run.batch_id is None
    assert [r["name"] for r in run.results] == CHECKS

    code, by_batch = _validate("--batch", world.batch_id, "--sample", "2", "--seed", "7")
    assert code == 0 and by_batch["batch_id"] == world.batch_id, by_batch

    plain = runner.invoke(app, ["validate"])  # not a terminal: plain lines, no table
    assert plain.exit_code == 0, plain.stderr
    assert "pricing\tpass\t" in plain.stdout and "7/7 checks passed" in plain.stdout


def test_a_wrong_price_in_the_store_fails_only_pricing(world: World) -> None:
    _sql("UPDATE listings SET price = 172501 WHERE product_id = 'PROD-1' AND platform = 'shopee'")
    try:
        failing = _failing()
    finally:
        _sql("UPDATE listings SET price = 172500 WHERE product_id = 'PROD-1' AND platform = 'shopee'")
    assert list(failing) == ["pricing"], failing
    assert failing["pricing"] == ["PROD-1 (FRM-5IN-CF-001) shopee: stored price 172,501, but the rule gives 172,500 "
                                  "from the base price 150,000"]
    assert _failing() == {}


def test_a_title_out_of_the_band_fails_only_seo_titles(world: World) -> None:
    original = _listing("PROD-3", Platform.TIKTOK).seo_title
    master = _sql("SELECT title FROM products WHERE id = 'PROD-3'")
    _sql("UPDATE listings SET seo_title = :t WHERE product_id = 'PROD-3' AND platform = 'tiktok'", t=master)
    try:
        failing = _failing()
    finally:
        _sql("UPDATE listings SET seo_title = :t WHERE product_id = 'PROD-3' AND platform = 'tiktok'", t=original)
    assert list(failing) == ["seo_titles"], failing
    assert len(failing["seo_titles"]) == 1
    assert failing["seo_titles"][0].startswith("PROD-3 (HWR-SCR-TITA-M3X30-001) tiktok: title ")
    assert "is 100 similar to the master title; the band is 70–80" in failing["seo_titles"][0]
    assert _failing() == {}


def test_a_missing_external_id_fails_only_mappings(world: World) -> None:
    original = _listing("PROD-4", Platform.SHOPEE).external_id
    _sql("UPDATE listings SET external_id = NULL WHERE product_id = 'PROD-4' AND platform = 'shopee'")
    try:
        failing = _failing()
    finally:
        _sql("UPDATE listings SET external_id = :e WHERE product_id = 'PROD-4' AND platform = 'shopee'", e=original)
    assert failing == {"mappings": ["PROD-4 (CHG-M7AC-001) shopee: synced, but no marketplace listing id is stored"]}
    assert _failing() == {}


def test_a_broken_image_fails_only_images(world: World) -> None:
    original = _sql("SELECT url FROM images WHERE product_id = 'PROD-2' AND position = 1")
    broken = f"{world.seeded.url}/images/PRP-5145-001/missing-2.png"  # the sandbox's 404 path
    _sql("UPDATE images SET url = :u WHERE product_id = 'PROD-2' AND position = 1", u=broken)
    try:
        failing = _failing()
    finally:
        _sql("UPDATE images SET url = :u WHERE product_id = 'PROD-2' AND position = 1", u=original)
    assert failing == {"images": [f"PROD-2 (PRP-5145-001): image {broken} is unreachable (HTTP 404)"]}
    assert _failing() == {}


def test_a_duplicate_listing_made_behind_the_tools_back_fails_only_duplicates(world: World) -> None:
    with AppContext() as ctx, ctx.sync_session() as session:
        shop = session.shops[Platform.SHOPEE]
        desired = session.engine.plan(ctx.catalog.get("PROD-3"), Platform.SHOPEE).desired
        assert desired is not None
        spec = ListingSpec(
            sku=desired.sku, title=desired.title, description=desired.description, category_id=desired.category_id,
            images=session.images.references(shop, desired.images), price=desired.price, stock=desired.stock,
            tier_names=desired.tier_names, variants=tuple(VariantSpec(v.sku, v.options, v.price, v.stock)
                                                          for v in desired.variants),
            brand=desired.brand, weight_g=desired.weight_g, length_cm=desired.length_cm, width_cm=desired.width_cm,
            height_cm=desired.height_cm,
            attributes=tuple(AttributeValue(v.attribute_id, v.value_id, v.name, v.unit) for v in desired.attributes))
        duplicate = shop.client.create_listing(spec, "made-in-the-seller-centre").external_id
    try:
        failing = _failing()
    finally:
        with AppContext() as ctx, ctx.sync_session() as session:
            session.shops[Platform.SHOPEE].client.delete_listing(duplicate)
    original = _listing("PROD-3", Platform.SHOPEE).external_id
    assert failing == {"duplicates": [
        f"shopee: SKU HWR-SCR-TITA-M3X30-001 is listed 2 times ({', '.join(sorted([original, duplicate]))})"]}
    assert _failing() == {}


def test_a_price_changed_in_the_seller_centre_fails_the_marketplace_check_even_unsampled(world: World) -> None:
    external_id = _listing("PROD-1", Platform.SHOPEE).external_id
    _sandbox_edit(world, Platform.SHOPEE, external_id, "--price", "123456")
    try:
        unsampled = _failing("--sample", "0")  # only the full listing scan can see it
        sampled = _failing("--sample", "5")  # every synced listing of a platform is read back too
    finally:
        _sandbox_edit(world, Platform.SHOPEE, external_id, "--price", "172500")
    assert unsampled == {"marketplace": [f"PROD-1 (FRM-5IN-CF-001) shopee {external_id}: price is 123,456 on the "
                                         "marketplace, SyncStore confirmed 172,500"]}
    assert list(sampled) == ["marketplace"]
    assert f"PROD-1 (FRM-5IN-CF-001) shopee {external_id}: read-back differs: price: sent 172500, marketplace " \
           "has 123456" in sampled["marketplace"]
    assert _failing() == {}


def test_spot_check_passes_on_the_synced_batch_and_catches_a_seller_centre_edit(world: World) -> None:
    def spot(*args: str) -> tuple[int, dict[str, Any]]:
        result = runner.invoke(app, ["spot-check", world.batch_id, "--json", *args])
        assert result.exit_code in (0, 1), (result.stdout, result.stderr)
        return result.exit_code, json.loads(result.stdout)

    code, report = spot("--seed", "11")
    assert code == 0 and report["passed"] is True, report
    assert (report["batch_id"], report["sample"], report["seed"]) == (world.batch_id, 5, 11)
    assert sorted((p["product_id"], p["platform"]) for p in report["products"]) == sorted(
        (pid, p.value) for pid in PRODUCTS for p in PLATFORMS)
    first = spot("--sample", "2", "--seed", "3")[1]["products"]
    assert [p["product_id"] for p in first] == [p["product_id"] for p in spot("--sample", "2", "--seed", "3")[1][
        "products"]] and len({p["product_id"] for p in first}) == 2

    listing = _listing("PROD-2", Platform.TIKTOK)
    _sandbox_edit(world, Platform.TIKTOK, listing.external_id, "--title", "Baling Baling 5145 Diedit di Seller Centre")
    try:
        code, report = spot("--sample", "4", "--seed", "11")
    finally:
        _sandbox_edit(world, Platform.TIKTOK, listing.external_id, "--title", listing.seo_title)
    assert code == 1 and report["passed"] is False
    wrong = [p for p in report["products"] if not p["passed"]]
    assert [(p["product_id"], p["platform"], p["external_id"]) for p in wrong] == [
        ("PROD-2", "tiktok", listing.external_id)]
    assert len(wrong[0]["differences"]) == 1 and wrong[0]["differences"][0].startswith("title: sent ")
    with AppContext() as ctx:
        run = ctx.safety.checks(kind="spot_check", batch_id=world.batch_id, limit=1)[0]
    assert run.passed is False and "PROD-2 tiktok" in run.summary
    assert spot("--seed", "11")[0] == 0


def test_an_unknown_batch_is_a_one_line_usage_error(world: World) -> None:
    for args in (["validate", "--batch", "B-NOPE"], ["spot-check", "B-NOPE"], ["validate", "--batch", "B-NOPE",
                                                                               "--json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert result.stderr == "error: no batch with id 'B-NOPE'\n" and result.stdout == ""
    assert runner.invoke(app, ["validate", "--sample", "-1"]).exit_code == 2


HOLD_THE_LOCK = """
import sys
from pathlib import Path
from syncstore_cli.app.checks import validate_lock
with validate_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_a_second_validate_is_refused_at_once_while_one_runs(world: World) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(world.home)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = runner.invoke(app, ["validate", "--json"])
        assert time.monotonic() - started < 5
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == f"error: another validate is running (pid {holder.pid})\n"
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()  # type: ignore[union-attr]
    last = (world.home / "logs" / "validate.log").read_text().splitlines()[-1]
    assert last.endswith(f"validate batch=all refused: another validate is running (pid {holder.pid})"), last
    assert _failing() == {}  # the lock went with the process


LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ validate batch=(?P<batch>\S+) (?P<result>passed|failed) "
    + " ".join(rf"{name}=(?P<{name}>\d+)" for name in CHECKS)
    + r" listings=\d+ sample=\d+ seed=\d+ duration=\d+\.\d\ds run=\d+$")


def test_each_run_appends_one_log_line(world: World) -> None:
    log = world.home / "logs" / "validate.log"
    before = log.read_text().splitlines() if log.exists() else []
    original = _listing("PROD-4", Platform.TIKTOK).price
    _sql("UPDATE listings SET price = 1 WHERE product_id = 'PROD-4' AND platform = 'tiktok'")
    try:
        _validate("--batch", world.batch_id)
    finally:
        _sql("UPDATE listings SET price = :p WHERE product_id = 'PROD-4' AND platform = 'tiktok'", p=original)
    _validate()
    lines = log.read_text().splitlines()
    assert len(lines) == len(before) + 2
    failed, passed = (LOG_LINE.match(line) for line in lines[-2:])
    assert failed is not None and passed is not None, lines[-2:]
    assert (failed["batch"], failed["result"], failed["pricing"], failed["images"]) == (world.batch_id, "failed",
                                                                                       "1", "0")
    assert (passed["batch"], passed["result"], passed["pricing"]) == ("all", "passed", "0")


# -- a check that could not read what it needs ----------------------------------------------------------
SHOPEE_SCAN = "/api/v2/product/get_item_list"  # the first request of Shopee's full listing scan


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without waiting: what is tested is how many there are, not how long they wait."""
    monkeypatch.setenv("SYNCSTORE_HTTP_BACKOFF_BASE", "0")
    monkeypatch.setenv("SYNCSTORE_HTTP_BACKOFF_MAX", "0")


def _shopee_scan_fails(world: World, times: int) -> None:
    world.seeded.box.faults.push("5xx", SHOPEE_SCAN, count=times)


def test_a_scan_failing_past_every_retry_makes_duplicates_and_marketplace_could_not_run(
        world: World, no_backoff: None) -> None:
    _shopee_scan_fails(world, 1000)  # more than every retry of every read
    try:
        code, report = _validate("--sample", "0")
        plain = runner.invoke(app, ["validate", "--sample", "0"])
    finally:
        world.seeded.box.faults.queue.clear()
    by_name = {c["name"]: c for c in report["checks"]}
    assert code == 1 and report["passed"] is False, report
    for name in ("duplicates", "marketplace"):
        check = by_name[name]
        assert check["passed"] is False and check["problems"] == [], check  # never "pass", and nothing found
        assert check["status"] == "could not run", check
        assert check["could_not_run"].startswith("shopee: the full listing scan failed: shopee: "), check
    assert all(by_name[n]["status"] == "pass" for n in ("pricing", "seo_titles", "mappings", "images", "variants"))
    assert plain.exit_code == 1 and "duplicates\tcould not run\t" in plain.stdout
    assert "  could not run: shopee: the full listing scan failed" in plain.stdout
    assert "5/7 checks passed; marketplace: could not run, duplicates: could not run" in plain.stdout
    last = (world.home / "logs" / "validate.log").read_text().splitlines()[-1]
    assert " failed " in last and "could_not_run=marketplace,duplicates" in last, last
    assert _failing() == {}


def test_a_transient_scan_error_that_outlasts_the_http_retries_is_retried_not_failed(
        world: World, no_backoff: None) -> None:
    with AppContext() as ctx:
        http_attempts = ctx.settings.http.max_attempts
    _shopee_scan_fails(world, http_attempts)  # the whole first read fails; the second one answers
    try:
        code, report = _validate("--sample", "0")
    finally:
        world.seeded.box.faults.queue.clear()
    assert code == 0 and report["passed"] is True, report
    assert all(c["status"] == "pass" and c["checked"] > 0 for c in report["checks"]), report


def test_approve_refuses_a_batch_whose_latest_validation_could_not_run(
        world: World, no_backoff: None, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("PROD-1\nPROD-3\n")
    queued = runner.invoke(app, ["sync", "batch", "--file", str(ids), "--json"])
    assert queued.exit_code == 0, (queued.stdout, queued.stderr)
    batch_id = json.loads(queued.stdout)["batch_id"]
    _shopee_scan_fails(world, 1000)
    try:
        code, report = _validate("--batch", batch_id, "--sample", "0")
    finally:
        world.seeded.box.faults.queue.clear()
    assert code == 1 and {c["name"] for c in report["checks"] if c["status"] == "could not run"} == {
        "marketplace", "duplicates"}, report
    refused = runner.invoke(app, ["approve", batch_id])
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith(f"error: {batch_id}'s latest validation could not run marketplace, duplicates")
    assert len(refused.stderr.splitlines()) == 1
    assert _validate("--batch", batch_id)[0] == 0  # once the marketplace answers, it runs in full
    assert runner.invoke(app, ["approve", batch_id]).exit_code == 0
