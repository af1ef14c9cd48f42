"""The batch report: the recommendation rule, the two template shapes and the three renderers (pure)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncstore_cli.domain.report import (
    NOT_RUN,
    TEXT_WIDTH,
    ApprovalInfo,
    BatchReport,
    EndpointCalls,
    JobLine,
    LoggedCall,
    ProductTime,
    ReadBackResult,
    RollbackLine,
    SpotCheckRun,
    ValidationCheck,
    ValidationRun,
    calls_by_endpoint,
    endpoint_of,
    fmt_duration,
    fmt_price,
    group_reasons,
    issues,
    reason_key,
    recommend,
    time_per_product,
)
from syncstore_cli.render.report import HISTOGRAM_BINS, render, render_html, render_markdown, render_text

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
B = "B20240501-100000-abc123"


def job(n: int, platform: str = "shopee", state: str = "done", **extra: Any) -> JobLine:
    values: dict[str, Any] = {
        "action": "create", "external_id": f"{1000 + n}" if state == "done" else None,
        "message": f"created {1000 + n}; read back as intended (NORMAL)" if state == "done" else None,
        "error_code": None, "attempts": 1, "finished_at": T0 + timedelta(seconds=n), "sku": f"SKU-{n}",
        "title": f"Product {n}",
    }
    values.update(extra)
    return JobLine(f"PROD-{n}", platform, state, **values)


def passed_validation(**extra: Any) -> ValidationRun:
    values: dict[str, Any] = {"run_id": 7, "passed": True, "summary": "7/7 checks passed",
                              "finished_at": T0 + timedelta(hours=2), "stale": False,
                              "checks": (ValidationCheck("pricing", True, 20), ValidationCheck("images", True, 60))}
    values.update(extra)
    return ValidationRun(**values)


def passed_spot(**extra: Any) -> SpotCheckRun:
    values: dict[str, Any] = {"run_id": 8, "passed": True, "summary": "2/2 listings of 1 products match",
                              "finished_at": T0 + timedelta(hours=2), "stale": False,
                              "results": (ReadBackResult("PROD-1", "shopee", "1001", True),
                                          ReadBackResult("PROD-1", "tiktok", "1001", True))}
    values.update(extra)
    return SpotCheckRun(**values)


def batch(jobs: tuple[JobLine, ...] | None = None, **extra: Any) -> BatchReport:
    """A finished 10-product batch on both platforms, every job done, checked and passed, not approved."""
    values: dict[str, Any] = {
        "batch_id": B, "kind": "batch", "platforms": ("shopee", "tiktok"), "status": "completed",
        "created_at": T0, "finished_at": T0 + timedelta(seconds=125), "generated_at": T0 + timedelta(hours=3),
        "jobs": jobs if jobs is not None else tuple(job(n, p) for n in range(1, 11) for p in ("shopee", "tiktok")),
        "api_calls": 64, "spot_check": passed_spot(), "validation": passed_validation(),
    }
    values.update(extra)
    return BatchReport(**values)


# --------------------------------------------------------------------------- the recommendation rule


def test_all_done_and_both_checks_passed_is_ready_to_approve() -> None:
    advice = recommend(batch())
    assert advice.verdict == "ready" and advice.ready
    assert advice.text == f"Ready: approve this batch (`syncstore approve {B}`) and move to the next stage."


def test_failures_mean_do_not_scale_with_their_count_even_when_checks_passed() -> None:
    jobs = (job(1), job(2, state="dead", error_code="MARKETPLACE_UNAVAILABLE", message="shopee: busy"),
            job(3, state="failed", error_code="REJECTED_BY_MARKETPLACE", message="tiktok: bad category"),
            job(4, state="blocked", error_code="INVALID_PRODUCT", message="weight is 0 g"))
    advice = recommend(batch(jobs))
    assert advice.verdict == "do_not_scale"
    assert advice.text == "Do not scale: fix the 2 failures (see `syncstore dlq list`) and re-run."


def test_blocked_only_says_fix_them_in_the_catalog_the_rest_is_synced() -> None:
    jobs = (job(1), job(1, "tiktok"), job(2, state="blocked", error_code="INVALID_PRODUCT", message="weight is 0 g"),
            job(2, "tiktok", state="blocked", error_code="INVALID_PRODUCT", message="weight is 0 g"), job(3))
    advice = recommend(batch(jobs))
    assert advice.verdict == "fix_blocked"
    # Two blocked jobs of one product: one product to fix.
    assert advice.text == "Fix the 1 blocked product in the catalog; the rest is synced."


def test_blocked_without_checks_also_says_which_checks_to_run() -> None:
    jobs = (job(1), job(2, state="blocked", error_code="INVALID_PRODUCT", message="weight is 0 g"), job(3))
    advice = recommend(batch(jobs, spot_check=None, validation=None))
    assert advice.verdict == "fix_blocked"
    assert advice.text.startswith("Fix the 1 blocked product in the catalog; the rest is synced. Run ")
    assert f"`syncstore spot-check {B}`" in advice.text and f"`syncstore validate --batch {B}`" in advice.text


@pytest.mark.parametrize(("spot", "validation", "expected"), [
    (None, None, f"Run `syncstore spot-check {B}` and `syncstore validate --batch {B}` before approving."),
    (None, passed_validation(), f"Run `syncstore spot-check {B}` before approving."),
    (passed_spot(), None, f"Run `syncstore validate --batch {B}` before approving."),
    # A validation that finished before the batch did does not count: approve refuses it too.
    (passed_spot(), passed_validation(stale=True), f"Run `syncstore validate --batch {B}` before approving."),
])
def test_missing_or_stale_checks_say_run_them_before_approving(spot: SpotCheckRun | None,
                                                               validation: ValidationRun | None,
                                                               expected: str) -> None:
    advice = recommend(batch(spot_check=spot, validation=validation))
    assert (advice.verdict, advice.text) == ("run_checks", expected)


def test_a_failed_validation_or_spot_check_means_do_not_scale() -> None:
    failing = passed_validation(passed=False, summary="6/7 checks passed",
                                checks=(ValidationCheck("pricing", True, 20),
                                        ValidationCheck("images", False, 60, ("PROD-3 image 2 answered 404",))))
    advice = recommend(batch(validation=failing))
    assert advice.verdict == "do_not_scale" and "validation failed (images)" in advice.text
    differing = passed_spot(passed=False, results=(ReadBackResult("PROD-1", "shopee", "1001", False, ("price",)),))
    advice = recommend(batch(spot_check=differing))
    assert advice.verdict == "do_not_scale" and "found 1 listing that differ" in advice.text
    assert f"`syncstore spot-check {B}`" in advice.text


def test_open_jobs_say_wait_before_anything_else() -> None:
    jobs = (job(1), job(2, state="dead"), job(3, state="pending", finished_at=None))
    advice = recommend(batch(jobs, finished_at=None, status="running"))
    assert advice.verdict == "wait" and "1 of 3 jobs are still open" in advice.text


def test_approved_pilot_rollback_and_empty_batches() -> None:
    approved = recommend(batch(approval=ApprovalInfo(T0 + timedelta(hours=4), 10)))
    assert approved.verdict == "approved" and "2024-05-01 14:00:00 UTC" in approved.text
    pilot = recommend(batch((job(1), job(1, "tiktok")), kind="manual"))
    assert pilot.verdict == "ready" and "pilot passed" in pilot.text and "approve" not in pilot.text.lower()
    steps = (RollbackLine("PROD-1", "shopee", "delete", "1001", "done", "deleted 1001"),
             RollbackLine("PROD-2", "shopee", "restore", "1002", "failed", "shopee: busy"))
    unfinished = recommend(batch(rollback=steps))
    assert unfinished.verdict == "rollback" and f"`syncstore rollback {B}`" in unfinished.text
    done = recommend(batch(rollback=(steps[0],)))
    assert done.verdict == "rolled_back"
    assert recommend(batch(())).verdict == "empty"


# --------------------------------------------------------------------------- figures and grouping


def test_duration_and_averages_come_from_the_timestamps_and_counts() -> None:
    report = batch()
    assert report.products == 10 and report.total_jobs == 20 and report.completed == 20
    assert report.duration_seconds == 125.0 and report.seconds_per_product == 12.5
    assert report.calls_per_product == 6.4
    assert fmt_duration(125.0) == "2 min 05 s" and fmt_duration(3723.4) == "1 h 02 min 03 s"
    assert fmt_duration(12.5) == "12.5 s" and fmt_duration(1.234) == "1.23 s" and fmt_duration(0.0421) == "42 ms"
    unfinished = batch(finished_at=None)
    assert unfinished.duration_seconds is None and unfinished.seconds_per_product is None
    assert "Average time per product:  not measured" in render_text(unfinished)


def test_prices_are_shown_in_rupiah_with_separators_or_say_why_not() -> None:
    assert fmt_price(1172500) == "Rp 1,172,500"
    assert fmt_price({"A": 45000, "B": 45000}) == "Rp 45,000 (2 variants)"
    assert fmt_price({"A": 45000, "B": 1047000}, "unchanged, nothing sent") == \
        "Rp 45,000–1,047,000 (2 variants) — unchanged, nothing sent"
    assert fmt_price(None, "not sent (blocked)") == "not sent (blocked)"


def test_blocked_reasons_group_by_code_and_message_prefix() -> None:
    assert reason_key("has 1 image(s); at least 3 needed") == "has N image(s)"
    assert reason_key("shopee: price 1,000 too low | code error_param | HTTP 400") == "shopee: price N too low"
    assert reason_key("SKU 'AB CD' must be 1–50 characters without spaces") == \
        "SKU '…' must be N–N characters without spaces"
    jobs = [job(n, state="blocked", error_code="INVALID_PRODUCT", message=f"has {n % 3} image(s); at least 3 needed")
            for n in range(1, 8)] + [job(9, state="blocked", error_code="IMAGE_UNREACHABLE", message="image 404")]
    groups = group_reasons(jobs)
    assert [(g.error_code, g.reason, g.jobs) for g in groups] == [
        ("INVALID_PRODUCT", "has N image(s)", 7), ("IMAGE_UNREACHABLE", "image N", 1)]
    assert groups[0].product_ids[:2] == ("PROD-1", "PROD-2")


def test_issues_list_every_failed_blocked_and_failing_check_and_nothing_when_clean() -> None:
    assert issues(batch()) == []
    jobs = (job(1), job(2, state="dead", error_code="MARKETPLACE_UNAVAILABLE", message="shopee: busy | HTTP 503"),
            job(3, state="blocked", error_code="INVALID_PRODUCT", message="weight is 0 g; a shipping weight is "
                                                                          "required"))
    failing = passed_validation(passed=False, checks=(ValidationCheck("images", False, 6, ("PROD-1 image 404",)),))
    differing = passed_spot(passed=False, results=(ReadBackResult("PROD-1", "tiktok", "1001", False,
                                                                  ("stock: sent 5, marketplace has 4",)),))
    found = issues(batch(jobs, validation=failing, spot_check=differing))
    assert found == [
        "1 job failed (MARKETPLACE_UNAVAILABLE): shopee: busy | HTTP 503 [PROD-2]",
        "1 job blocked (INVALID_PRODUCT): weight is 0 g; a shipping weight is required [PROD-3]",
        "Validation check images failed: 1 problem, first: PROD-1 image 404",
        "Spot check: PROD-1 on tiktok differs: stock: sent 5, marketplace has 4",
    ]


# --------------------------------------------------------------------------- the renderers


def _big_batch() -> BatchReport:
    jobs = tuple(job(n, p) for n in range(1, 1301) for p in ("shopee", "tiktok"))
    jobs = (*jobs[:-3], job(1300, "shopee", state="blocked", error_code="INVALID_PRODUCT",
                            message="description is 12 characters; at least 100 needed"),
            job(1301, "tiktok", state="dead", error_code="REJECTED_BY_MARKETPLACE",
                message="tiktok: " + "a very long marketplace message " * 8 + "| code 12052700 | request ABC"),
            job(1302, "tiktok", state="failed", error_code="READBACK_MISMATCH", message="price differs"))
    return batch(jobs, api_calls=12345, api_errors=12, finished_at=T0 + timedelta(seconds=3723.4))


def test_text_report_fits_100_columns_and_shows_thousands_separators() -> None:
    text = render_text(_big_batch())
    too_long = [line for line in text.splitlines() if len(line) > TEXT_WIDTH]
    assert too_long == []
    assert text.startswith("BATCH SYNC TEST REPORT\n")
    assert "Products:                  1,302" in text
    assert "Jobs (product x platform): 2,600" in text
    assert "Completed:                 2,597" in text
    assert "API calls:                 12,345 (12 answered with an error)" in text
    assert "API calls per product:     9.48" in text
    assert "Duration:         1 h 02 min 03 s" in text and "Average time per product:  2.86 s" in text
    assert "Do not scale: fix the 2 failures" in text


def test_a_batch_without_a_spot_check_says_not_run_in_every_format_never_a_default() -> None:
    report = batch(spot_check=None, validation=None)
    page = re.sub(r"<style>.*</style>", "", render_html(report), flags=re.S)
    for output in (render_text(report), render_markdown(report), page):
        assert NOT_RUN in output
        assert "100%" not in output and "PASSED" not in output
    text = render_text(report)
    assert re.search(r"SPOT CHECK\n-+\nResult: not run", text)
    assert re.search(r"VALIDATION\n-+\nResult: not run", text)


def test_an_empty_spot_check_renders_as_sampled_nothing() -> None:
    empty = passed_spot(summary=f"nothing synced in {B} to check", results=())
    text = render_text(batch(spot_check=empty))
    assert "Sampled listings: 0" in text and "No listing was sampled." in text


def test_html_is_one_self_contained_page_with_every_value_escaped() -> None:
    title = 'Frame 5" <script>alert(1)</script> & "Props" \'Set\''
    jobs = (job(1, title=title, sku="FRM<&>"), job(1, "tiktok", title=title, sku="FRM<&>"),
            job(2, state="dead", error_code="REJECTED_BY_MARKETPLACE", message="tiktok: <b>bad</b> & \"worse\""))
    page = render_html(batch(jobs))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "<script" not in page and "<b>" not in page
    assert "Frame 5&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Props&quot; &#x27;Set&#x27;" in page
    assert "FRM&lt;&amp;&gt;" in page
    assert "tiktok: &lt;b&gt;bad&lt;/b&gt; &amp; &quot;worse&quot;" in page
    assert not re.search(r"(src|href)\s*=", page), "no external asset"
    assert "<code>syncstore dlq list</code>" in page


def test_markdown_uses_tables_and_escapes_what_would_break_them() -> None:
    jobs = (job(1), job(2), job(3, state="dead", error_code="REJECTED_BY_MARKETPLACE",
                                message="shopee: a | b <i>c</i> *d*"))
    md = render_markdown(batch(jobs))
    assert md.startswith("# BATCH SYNC TEST REPORT\n")
    assert "| Completed | 2 |" in md and "| Failed (dead letter) | 1 |" in md
    assert "| Product | SKU | Platform | Code | Attempts | Message |" in md
    assert r"shopee: a \| b \<i\>c\</i\> \*d\*" in md
    assert "`syncstore dlq list`" in md  # commands stay code spans


def test_a_manual_sync_or_two_product_batch_renders_as_the_test_report() -> None:
    jobs = (job(1, price=172500), job(1, "tiktok", action="no_change", price={"A": 45000, "B": 47000},
                                       price_note="unchanged, nothing sent",
                                       message="already up to date; nothing sent"),
            job(2, "tiktok", state="blocked", action="blocked", error_code="INVALID_PRODUCT",
                message="has 1 image(s); at least 3 needed", price_note="not sent (blocked)"))
    for report in (batch(jobs, kind="manual"), batch(jobs)):  # two products: a pilot whatever its kind
        text = render_text(report)
        assert text.startswith("TEST REPORT\n") and "BATCH SYNC" not in text
        assert "[PROD-1 on shopee]" in text and "[PROD-2 on tiktok]" in text
        assert "SKU:              SKU-1" in text and "Title:            Product 1" in text
        assert "Price:            Rp 172,500\n" in text
        assert "Price:            Rp 45,000–47,000 (2 variants) — unchanged, nothing sent" in text
        assert "Price:            not sent (blocked)" in text
        assert "Read-back result: created 1001; read back as intended (NORMAL)" in text
        assert "Spot check:       match (run 8, 2024-05-01 12:00:00 UTC)" in text
        assert "Spot check:       not sampled (run 8)" in text  # PROD-2 was not in the sample
        assert "Timestamp:        2024-05-01 10:00:01 UTC" in text
        assert "Completed:                 2" in text and "Blocked:                   1" in text
    assert "Kind:             manual sync (pilot)" in render_text(batch(jobs, kind="manual"))
    assert "TEST REPORT" in render_markdown(batch(jobs)) and "<h1>TEST REPORT</h1>" in render_html(batch(jobs))


def test_three_products_render_as_the_batch_report_and_render_rejects_unknown_formats() -> None:
    report = batch((job(1), job(2), job(3)))
    assert render(report, "text").startswith("BATCH SYNC TEST REPORT")
    assert render(report, "md").startswith("# BATCH SYNC TEST REPORT")
    with pytest.raises(ValueError, match="unknown report format"):
        render(report, "pdf")


def test_more_failures_than_the_list_limit_are_counted_not_dropped() -> None:
    jobs = tuple(job(n, state="dead", error_code="MARKETPLACE_UNAVAILABLE", message="busy") for n in range(1, 251))
    text = render_text(replace(batch(jobs), validation=None))
    assert "FAILED, DEAD LETTER (250)" in text
    assert "… and 50 more; `syncstore dlq list` shows them all." in text


# --------------------------------------------------------------------------- the HTML charts


def _figures(page: str) -> dict[str, str]:
    """Each chart of the page by its caption."""
    return {m.group(1): m.group(0) for m in re.finditer(
        r'<figure class="chart">\n<figcaption>([^<]*)</figcaption>.*?</figure>', page, re.S)}


def test_endpoint_labels_fold_ids_but_keep_tiktoks_version() -> None:
    assert endpoint_of("tiktok", "post", "/product/202309/products/1729384756/partial_edit") == \
        "tiktok POST /product/202309/products/{id}/partial_edit"
    assert endpoint_of("shopee", "GET", "/api/v2/product/get_item_base_info?item_id_list=1") == \
        "shopee GET /api/v2/product/get_item_base_info"
    calls = [LoggedCall("PROD-1", 1, "tiktok", "GET", f"/product/202309/products/{n}", n == 2, 10, T0)
             for n in (1, 2, 3)] + [LoggedCall("PROD-1", 1, "shopee", "POST", "/api/v2/product/add_item", False,
                                               10, T0)]
    assert calls_by_endpoint(calls) == (EndpointCalls("tiktok GET /product/202309/products/{id}", 3, 1),
                                        EndpointCalls("shopee POST /api/v2/product/add_item", 1, 0))


def test_time_per_product_spans_each_jobs_requests_and_sums_its_platforms() -> None:
    naive = T0.replace(tzinfo=None)  # SQLite hands back naive UTC
    calls = [
        LoggedCall("PROD-1", 1, "shopee", "POST", "/a", False, 500, T0 + timedelta(seconds=1)),  # started at 0.5 s
        LoggedCall("PROD-1", 1, "shopee", "POST", "/b", False, 1000, T0 + timedelta(seconds=3)),
        LoggedCall("PROD-1", 2, "tiktok", "POST", "/c", False, 200, T0 + timedelta(seconds=60)),  # queued in between
        LoggedCall("PROD-2", 3, "shopee", "POST", "/a", True, 1500, naive + timedelta(seconds=9)),
        LoggedCall(None, None, "shopee", "GET", "/auth", False, 50, T0),  # no product: not a product's time
    ]
    assert time_per_product(calls) == (ProductTime("PROD-1", 2.7), ProductTime("PROD-2", 1.5))


def test_html_charts_draw_the_measured_jobs_calls_and_times_with_every_label_escaped() -> None:
    jobs = (*(job(n, finished_at=T0 + timedelta(seconds=10 * n)) for n in range(1, 6)),
            job(6, state="dead", error_code="MARKETPLACE_UNAVAILABLE", message="busy"),
            job(7, state="blocked", error_code="INVALID_PRODUCT", message="no images", finished_at=None))
    calls = (EndpointCalls("tiktok POST /product/202309/products/{id}/partial_edit", 40, 3),
             EndpointCalls("shopee POST /api/v2/product/<b>add_item</b>", 12),
             EndpointCalls("shopee GET /api/v2/product/get_item_base_info", 5))
    times = (ProductTime("PROD-3", 4.5), ProductTime("PROD-1", 1.25), ProductTime("PROD-<2>", 0.5))
    page = render_html(batch(jobs, endpoint_calls=calls, product_times=times))
    assert "<script" not in page and "<b>" not in page
    charts = _figures(page)
    assert list(charts) == ["Jobs completed over time", "API calls by endpoint", "Time per product"]
    assert all(chart.count("<svg") == 1 and "not measured" not in chart for chart in charts.values())
    # five jobs done: a step up for each (the dead and the blocked job are not completions)
    steps = re.search(r'<polyline class="steps"[^>]* points="([^"]+)"', charts["Jobs completed over time"])
    assert steps is not None and len(steps.group(1).split()) == 1 + 2 * 5
    assert "5 of 7 jobs completed, the last 50.0 s after the batch started" in charts["Jobs completed over time"]
    endpoints = charts["API calls by endpoint"]
    assert endpoints.count('class="bar"') == 3 and endpoints.count('class="errors"') == 1
    assert ">tiktok POST /product/202309/products/{id}/partial_edit</text>" in endpoints
    assert ">40 (3 errors)</text>" in endpoints and ">12</text>" in endpoints
    assert "shopee POST /api/v2/product/&lt;b&gt;add_item&lt;/b&gt;" in endpoints
    per_product = charts["Time per product"]
    assert per_product.count('class="bar"') == 3
    labels = re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', per_product)
    assert labels == ["PROD-3", "PROD-1", "PROD-&lt;2&gt;"]  # slowest first
    assert ">4.50 s</text>" in per_product and ">500 ms</text>" in per_product
    assert "3 products: median 1.25 s, slowest PROD-3 (4.50 s)" in per_product
    assert "4 products sent no request and are not shown" in per_product  # 7 products in the batch
    # the charts follow the results, before the checks
    assert page.index("<h2>Results</h2>") < page.index("<h2>Charts</h2>") < page.index("<h2>Spot check</h2>")


def test_many_products_make_a_histogram_that_counts_every_product() -> None:
    times = tuple(ProductTime(f"PROD-{n}", 0.1 * n) for n in range(1, 46))
    chart = _figures(render_html(batch(product_times=times)))["Time per product"]
    assert chart.count('class="bar"') == HISTOGRAM_BINS
    counted = [int(n) for n in re.findall(r"<title>(\d+) products? took", chart)]
    assert len(counted) == HISTOGRAM_BINS and sum(counted) == 45
    assert ">4.50 s</text>" in chart  # the longest time ends the axis


def test_charts_without_measured_data_say_not_measured() -> None:
    open_jobs = tuple(job(n, state="pending", finished_at=None) for n in range(1, 4))
    for report in (batch(open_jobs), batch(()), batch(kind="manual")):
        charts = _figures(render_html(report))
        measured = {"Jobs completed over time"} if report.kind == "manual" else set()  # its jobs finished
        assert len(charts) == 3
        for caption, chart in charts.items():
            if caption in measured:
                continue
            assert "<svg" not in chart and '<p class="not-measured">not measured</p>' in chart, caption
    # text and Markdown stay as they were: charts are the HTML page's
    assert "<svg" not in render_markdown(batch()) and "Charts" not in render_text(batch())
