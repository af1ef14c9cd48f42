"""`syncstore report`: batches built directly in the store (no marketplace), reported in both shapes."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.domain.report import fmt_duration
from syncstore_cli.store.jobs import JobStore, LogEntry

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"
runner = CliRunner()
OWNER = "test-worker"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ctx(home: Path) -> Iterator[AppContext]:
    """The three products of fixtures/catalog/small.jsonl imported (PROD-2 has three variants)."""
    code, out, err = run("import", "--file", str(FIXTURES / "small.jsonl"), "--json")
    assert code == 0, (out, err)
    with AppContext() as opened:
        yield opened


def finish(store: JobStore, job_id: int, state: str, *, price: Any = None, **fields: Any) -> None:
    """Claims the job and records its outcome, as a worker does; a done job's read-back state is stored."""
    claimed = store.claim(job_id, OWNER, time.time(), 60)
    assert claimed is not None and claimed[1], "claimed, with the listing locked"
    job = claimed[0]
    if state == "done":
        store.record_synced(job.product_id, job.platform, fields["external_id"], {}, {"price": price})
    assert store.finish(job_id, OWNER, state, **fields)


def add_calls(store: JobStore, batch_id: str, calls: int, errors: int = 0) -> None:
    store.add_logs([LogEntry(platform="shopee", method="POST", path="/api/v2/product/add_item",
                             status="error" if n < errors else "ok", http_status=500 if n < errors else 200,
                             request_payload=None, response_payload=None, error_message=None, request_id=f"r{n}",
                             elapsed_ms=40, batch_id=batch_id, product_id="PROD-1") for n in range(calls)])


def pilot(ctx: AppContext) -> str:
    """A manual sync of PROD-1 and PROD-2 on both platforms: two created, one unchanged, one blocked."""
    store = ctx.jobs
    ids = store.create_batch("M-PILOT", "manual", "shopee+tiktok",
                             [(p, f) for p in ("PROD-1", "PROD-2") for f in ("shopee", "tiktok")])
    finish(store, ids[0], "done", price=172500, action="create", external_id="9001",
           message="created 9001; read back as intended (NORMAL)", attempts=1)
    finish(store, ids[1], "done", price=180000, action="create", external_id="9002",
           message="created 9002; read back as intended (ACTIVATE)", attempts=1)
    finish(store, ids[2], "done", price={"PRP-5145-RED": 51750, "PRP-5145-BLUE": 51750, "PRP-5145-GREEN": 51750},
           action="no_change", external_id="9003", message="already up to date; nothing sent")
    finish(store, ids[3], "blocked", action="blocked", error_code="INVALID_PRODUCT",
           message="has 1 image(s); at least 3 needed")
    add_calls(store, "M-PILOT", 7)
    return "M-PILOT"


def ten(ctx: AppContext) -> str:
    """A batch of PROD-1..3 on both platforms: four done, one blocked, one dead-lettered; validated after."""
    store = ctx.jobs
    ids = store.create_batch("B-TEN", "batch", "shopee+tiktok",
                             [(p, f) for p in ("PROD-1", "PROD-2", "PROD-3") for f in ("shopee", "tiktok")])
    for n, job_id in enumerate(ids[:4]):
        finish(store, job_id, "done", price=1000 + n, action="create", external_id=f"80{n}",
               message=f"created 80{n}; read back as intended (NORMAL)", attempts=1)
    finish(store, ids[4], "blocked", action="blocked", error_code="INVALID_PRODUCT",
           message="description is 12 characters; at least 100 needed")
    finish(store, ids[5], "dead", action="create", error_code="MARKETPLACE_UNAVAILABLE", attempts=5,
           message="tiktok: system busy <retry> & \"later\" | HTTP 503 | request abc")
    add_calls(store, "B-TEN", 1234, errors=3)
    ctx.safety.record_check(
        "validate", "B-TEN", True, "7/7 checks passed", [
            {"name": "pricing", "passed": True, "checked": 1200, "problems": []},
            {"name": "images", "passed": True, "checked": 24, "problems": []}], datetime.now(UTC))
    return "B-TEN"


def test_a_pilot_writes_the_test_report_with_what_was_measured(ctx: AppContext, home: Path) -> None:
    batch_id = pilot(ctx)
    code, out, err = run("report", batch_id)
    path = home / "reports" / f"{batch_id}.txt"
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"Wrote {path}"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("TEST REPORT\n") and "BATCH SYNC" not in text
    assert "Kind:             manual sync (pilot)" in text
    for heading in ("[PROD-1 on shopee]", "[PROD-1 on tiktok]", "[PROD-2 on shopee]", "[PROD-2 on tiktok]"):
        assert heading in text
    assert "SKU:              FRM-5IN-CF-001" in text
    assert "Title:            Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle" in text
    assert "Listing id:       9001" in text
    assert "Price:            Rp 172,500\n" in text and "Price:            Rp 180,000\n" in text
    assert "Price:            Rp 51,750 (3 variants) — unchanged, nothing sent" in text
    assert "Price:            not sent (blocked)" in text
    assert "Read-back result: created 9002; read back as intended (ACTIVATE)" in text
    assert "Spot check:       not run" in text
    assert "Status:           blocked (INVALID_PRODUCT)" in text
    assert "Products:                  2\n" in text and "Jobs (product x platform): 4\n" in text
    assert "Completed:                 3\n" in text and "Blocked:                   1\n" in text
    assert "Failed (dead letter):      0\n" in text
    assert "API calls:                 7\n" in text and "API calls per product:     3.50" in text
    assert "- 1 job blocked (INVALID_PRODUCT): has 1 image(s); at least 3 needed [PROD-2]" in text
    assert "Fix the 1 blocked product in the catalog; the rest is synced." in text

    code, out, _ = run("report", batch_id, "--format", "html", "--json")
    written = json.loads(out)
    assert code == 0 and written == {
        "batch_id": batch_id, "format": "html", "path": str(home / "reports" / f"{batch_id}.html"),
        "recommendation": "Fix the 1 blocked product in the catalog; the rest is synced. Run `syncstore spot-check "
                          "M-PILOT` and `syncstore validate --batch M-PILOT` before moving on."}
    page = Path(written["path"]).read_text(encoding="utf-8")
    assert "<h1>TEST REPORT</h1>" in page and "Rp 172,500" in page


def test_a_batch_writes_the_batch_sync_report_with_its_measured_counts(ctx: AppContext, home: Path) -> None:
    batch_id = ten(ctx)
    summary = ctx.jobs.batch(batch_id)
    assert summary is not None and summary.finished_at is not None
    measured = fmt_duration((summary.finished_at - summary.created_at).total_seconds())

    code, out, err = run("report", batch_id, "--format", "md")
    assert (code, err) == (0, "")
    assert out == (f"Wrote {home / 'reports' / 'B-TEN.md'}\nRecommendation: Do not scale: fix the 1 failure (see "
                   "`syncstore dlq list`) and re-run.\n")
    md = (home / "reports" / f"{batch_id}.md").read_text(encoding="utf-8")
    assert md.startswith("# BATCH SYNC TEST REPORT\n")
    for row in ("| Batch | B-TEN |", "| Platforms | shopee, tiktok |", "| Status | failed |",
                "| Products | 3 |", "| Jobs (product x platform) | 6 |", "| Completed | 4 |", "| Blocked | 1 |",
                "| Failed (dead letter) | 1 |", f"| Duration | {measured} |",
                "| API calls | 1,234 (3 answered with an error) |", "| API calls per product | 411.33 |",
                "| 1 | INVALID\\_PRODUCT | description is N characters | PROD-3 |",
                "| Approval | not approved |"):
        assert row in md, row
    spot = md.split("## Spot check")[1].split("## Validation")[0]
    assert "| Result | not run |" in spot
    validation = md.split("## Validation")[1].split("## Approval")[0]
    assert "| Result | PASSED |" in validation and "| pricing | pass | 1,200 | 0 | - |" in validation
    assert "**Do not scale: fix the 1 failure (see `syncstore dlq list`) and re-run.**" in md

    # A spot check recorded afterwards shows up, in the shape `syncstore spot-check` stores.
    ctx.safety.record_check("spot_check", batch_id, False, "1/2 listings of 1 products match", [
        {"product_id": "PROD-1", "platform": "shopee", "external_id": "800", "passed": True, "differences": []},
        {"product_id": "PROD-1", "platform": "tiktok", "external_id": "801", "passed": False,
         "differences": ["price: sent 1001, marketplace has <999>"]}], datetime.now(UTC))
    assert run("report", batch_id)[0] == 0
    text = (home / "reports" / f"{batch_id}.txt").read_text(encoding="utf-8")
    assert text.startswith("BATCH SYNC TEST REPORT\n")
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "Completed:                 4\n" in text and "API calls:                 1,234" in text
    assert "PROD-1   tiktok    801      DIFFERS  price: sent 1001, marketplace has <999>" in text
    assert "- Spot check: PROD-1 on tiktok differs: price: sent 1001, marketplace has <999>" in text
    assert run("report", batch_id, "--format", "html")[0] == 0
    page = (home / "reports" / f"{batch_id}.html").read_text(encoding="utf-8")
    assert "marketplace has &lt;999&gt;" in page and "system busy &lt;retry&gt; &amp;" in page


def test_the_failed_job_is_listed_with_its_sku_and_message(ctx: AppContext, home: Path) -> None:
    batch_id = ten(ctx)
    sku = ctx.catalog.get("PROD-3").product.sku
    assert run("report", batch_id)[0] == 0
    text = (home / "reports" / f"{batch_id}.txt").read_text(encoding="utf-8")
    failed = text.split("FAILED, DEAD LETTER (1)")[1].split("SPOT CHECK")[0]
    assert "PROD-3" in failed and sku in failed and "MARKETPLACE_UNAVAILABLE" in failed
    assert "system busy <retry>" in failed


def test_an_unknown_batch_is_a_one_line_error(ctx: AppContext, home: Path) -> None:
    code, out, err = run("report", "B-NOPE")
    assert code == 2 and out == ""
    assert err == "error: no batch with id 'B-NOPE'\n"
    assert not (home / "reports").exists()


def test_an_unwritable_out_is_a_one_line_error_and_leaves_no_file(ctx: AppContext, tmp_path: Path) -> None:
    batch_id = pilot(ctx)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (tmp_path / "missing" / "report.txt", blocker / "report.txt"):
        code, stdout, err = run("report", batch_id, "--out", str(out))
        assert code == 2 and stdout == ""
        assert err.startswith(f"error: cannot write the report to {out}: ") and err.count("\n") == 1
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "home"]  # no temporary file left


def test_out_picks_the_file_its_extension_the_format_and_a_folder_gets_the_default_name(
        ctx: AppContext, tmp_path: Path) -> None:
    batch_id = pilot(ctx)
    target = tmp_path / "pilot.html"
    code, out, _ = run("report", batch_id, "--out", str(target), "--json")
    assert code == 0 and json.loads(out)["format"] == "html" and json.loads(out)["path"] == str(target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    folder = tmp_path / "out"
    folder.mkdir()
    code, out, _ = run("report", batch_id, "--out", str(folder), "--format", "md", "--json")
    assert code == 0 and json.loads(out)["path"] == str(folder / f"{batch_id}.md")
    code, _, err = run("report", batch_id, "--format", "pdf")
    assert code == 2 and err == "error: --format pdf: use one of text, md, html\n"


def test_a_pilot_price_replaced_by_a_later_sync_is_not_shown_as_this_batchs(ctx: AppContext, home: Path) -> None:
    batch_id = pilot(ctx)
    store = ctx.jobs
    store.add_logs([LogEntry(platform="shopee", method="POST", path="/api/v2/product/update_price", status="ok",
                             http_status=200, request_payload=None, response_payload=None, error_message=None,
                             request_id="later", elapsed_ms=30, batch_id="B-LATER", product_id="PROD-1")])
    assert run("report", batch_id)[0] == 0
    text = (home / "reports" / f"{batch_id}.txt").read_text(encoding="utf-8")
    shopee = text.split("[PROD-1 on shopee]")[1].split("[PROD-1 on tiktok]")[0]
    assert "Price:            not shown: the listing was synced again later (B-LATER)" in shopee
    assert "Price:            Rp 180,000\n" in text  # the TikTok listing was not touched again


def test_the_html_report_charts_the_batchs_logged_calls_and_finished_jobs(ctx: AppContext, home: Path) -> None:
    batch_id = ten(ctx)
    ctx.jobs.add_logs([LogEntry(platform="tiktok", method="POST", path=f"/product/202309/products/{n}/partial_edit",
                                status="ok", http_status=200, request_payload=None, response_payload=None,
                                error_message=None, request_id=f"t{n}", elapsed_ms=250, batch_id=batch_id,
                                product_id="PROD-2", created_at=datetime.now(UTC)) for n in (7001, 7002)])
    assert run("report", batch_id, "--format", "html")[0] == 0
    page = (home / "reports" / f"{batch_id}.html").read_text(encoding="utf-8")
    assert "<script" not in page and page.count("<svg") == 3
    charts = page.split("<h2>Charts</h2>")[1].split("<h2>")[0]
    jobs, endpoints, products = charts.split("</figure>")[:3]
    steps = re.search(r'points="([^"]+)"', jobs)
    assert steps is not None and len(steps.group(1).split()) == 1 + 2 * 4  # four jobs done
    assert "4 of 6 jobs completed" in jobs
    assert endpoints.count('class="bar"') == 2
    assert ">shopee POST /api/v2/product/add_item</text>" in endpoints and ">1,234 (3 errors)</text>" in endpoints
    assert ">tiktok POST /product/202309/products/{id}/partial_edit</text>" in endpoints and ">2</text>" in endpoints
    assert products.count('class="bar"') == 2 and ">PROD-1</text>" in products and ">PROD-2</text>" in products
    assert "1 product sent no request and is not shown" in products
