"""Every request a real session sends is one the documentation describes.

A session against the served sandbox, as the seller runs it: authorize both shops, import both
marketplaces, sync the pilot by hand to both (a Shopee update and a TikTok create), sync a small batch to
both, roll that batch back. Every HTTP request leaving SyncStore is recorded at the httpx transport (so
the token calls on TikTok's auth host are seen too) and each marketplace API request goes through
`doc_contract.check`. The summary (endpoint -> count, and what the checker refused) is printed.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import batch_status, run_worker, submit_batch
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS
from tests.conftest import seeded_sandbox
from tests.contract import doc_contract

# Paths of the marketplaces' APIs (the rest is the sandbox's image host, seller centre and control pages).
API_PREFIXES = ("/api/v2/", "/product/", "/logistics/", "/authorization/", "/seller/")
# Browser pages of the authorization flow, not API calls (the seller's browser opens them).
BROWSER_PAGES = ("/api/v2/shop/auth_partner", "/oauth/authorize")
runner = CliRunner()


def test_a_whole_session_sends_only_documented_requests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[doc_contract.SentRequest] = []
    lock = threading.Lock()
    original = httpx.HTTPTransport.handle_request

    def recording(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        request.read()
        recorded = doc_contract.sent_request(request.method, str(request.url), dict(request.headers), request.content)
        with lock:
            sent.append(recorded)
        return original(transport, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", recording)
    # A step that fails is reported after the audit, so the audit still covers what was sent.
    failed_steps: list[str] = []
    with seeded_sandbox(tmp_path, monkeypatch, seeded_products=40):
        refreshed = runner.invoke(app, ["categories", "refresh"])
        if refreshed.exit_code != 0:
            failed_steps.append(f"categories refresh: exit {refreshed.exit_code}: {refreshed.stdout[-400:]}")
        manual = runner.invoke(app, ["sync", "manual", "PROD-1", "--platform", "both", "--json"])
        if manual.exit_code != 0:
            failed_steps.append(f"sync manual PROD-1: exit {manual.exit_code}: {manual.stdout[-400:]}")
        with AppContext() as ctx:
            batch_id = submit_batch(ctx, ["PROD-2", "PROD-3", "PROD-4"], list(PLATFORMS))
            run_worker(ctx, concurrency=2, reconcile_seconds=0.5,
                       until=lambda: batch_status(ctx, batch_id, with_jobs=False).finished)
            summary = batch_status(ctx, batch_id)
        failed_steps += [f"batch {j.product_id} {j.platform}: {j.state} {j.message}" for j in summary.jobs
                         if j.state != "done"]
        rollback = runner.invoke(app, ["rollback", batch_id, "--json"])
        if rollback.exit_code != 0:
            failed_steps.append(f"rollback: exit {rollback.exit_code}: {rollback.stdout[-400:]}")

    calls = [r for r in sent if r.path.startswith(API_PREFIXES) and not r.path.startswith(BROWSER_PAGES)]
    by_endpoint: Counter[str] = Counter()
    refused: dict[str, list[str]] = {}
    for request in calls:
        endpoint = doc_contract.endpoint_for(request.method, request.path)
        key = f"{request.method} {endpoint.path if endpoint else request.path}"
        by_endpoint[key] += 1
        for problem in doc_contract.check(request):
            refused.setdefault(key, [])
            if problem not in refused[key]:
                refused[key].append(problem)
    print("\nrequests per endpoint:")
    for key, count in sorted(by_endpoint.items()):
        print(f"  {count:5d}  {key}")
    print("not documented:" if refused else "every request is documented")
    print(json.dumps(refused, indent=1))
    print("failed steps:", json.dumps(failed_steps, indent=1))
    assert calls, "the session sent no marketplace request"
    assert not refused, f"{sum(len(v) for v in refused.values())} undocumented request shapes: {list(refused)}"
    assert not failed_steps, failed_steps
