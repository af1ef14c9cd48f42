"""`syncstore demo` end to end: the seller's plan on a fresh folder, then validate on its result."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
from syncstore_cli.sandbox.generator import generate_catalog
from tests.conftest import point_at_sandbox

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_demo_runs_the_plan_and_its_result_validates_until_the_seller_centre_changes_a_price(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SYNCSTORE_") and name != "SYNCSTORE_REQUIRE_SERVICES":
            monkeypatch.delenv(name)
    folder, port = tmp_path / "demo", _free_port()
    result = runner.invoke(app, ["demo", "--folder", str(folder), "--port", str(port), "--json"])
    assert result.exit_code == 0, (result.stdout[-3000:], result.stderr)
    summary = json.loads(result.stdout)
    assert summary["ok"] and summary["error"] is None
    assert all(step["ok"] for step in summary["steps"])
    details = {step["name"]: step["detail"] for step in summary["steps"]}
    assert details["import the existing listings"].startswith(
        "4,147 products in the catalog: 3,647 listings read from Shopee, 500 from TikTok Shop; 4,147 created")
    assert details["sync the two pilot products by hand"].startswith("2/2 products")
    assert details["batch of 10: sync"].startswith("10/10 products, 20/20 jobs done")
    assert details["batch of 50: sync"].startswith("50/50 products, 100/100 jobs done")
    assert "read-back and sandbox audit match the state before" in details["rollback of a throwaway batch"]
    reports = [Path(p) for p in summary["reports"]]
    assert len(reports) == 6 and all(p.is_file() for p in reports)
    by_batch = {label: summary["batches"][label] for label in ("pilots", "batch of 10", "batch of 50")}
    for label, expected in (("pilots", "2"), ("batch of 10", "10"), ("batch of 50", "50")):
        markdown = next(p for p in reports if p.name == f"{by_batch[label]}.md").read_text()
        assert by_batch[label] in markdown and expected in markdown
    # The pilots' report names each listing's marketplace category and the attribute values it carries.
    pilots = next(p for p in reports if p.name == f"{by_batch['pilots']}.md").read_text()
    assert "| Category | 100706 " in pilots and "not mapped" not in pilots
    assert "Negara Asal: China" in pilots and "Barang Berbahaya: " in pilots
    assert "mappings accepted from the marketplaces' suggestions" in details["map the categories (suggest, accept)"]
    assert details["fill the mandatory attributes"].endswith("none missing now")

    # The demo's result, served again on the same port (its image URLs name it), validates clean...
    box = build_sandbox(c.SandboxConfig(), folder / "sandbox")
    server = serve_in_background(box, port=port)
    try:
        monkeypatch.setenv("SYNCSTORE_HOME", str(folder))
        point_at_sandbox(monkeypatch, server.url)
        clean = runner.invoke(app, ["validate", "--json"])
        assert clean.exit_code == 0, clean.stdout[-3000:]
        # ...until the seller changes a price in the seller centre, behind SyncStore's back.
        pilot_sku = generate_catalog().products[0].sku  # product A of the pilot
        with AppContext() as ctx:
            pilot = ctx.catalog.get(ctx.catalog.sku_owners()[pilot_sku])
        shopee_id = next(ls.external_id for p, ls in pilot.listings.items() if p.value == "shopee")
        assert shopee_id is not None
        edited = runner.invoke(app, ["sandbox", "edit", "shopee", shopee_id, "--price", "99000", "--state",
                                     str(folder / "sandbox")])
        assert edited.exit_code == 0, edited.stderr
        drifted = runner.invoke(app, ["validate", "--json"])
        assert drifted.exit_code == 1
        checks = {check["name"]: check for check in json.loads(drifted.stdout)["checks"]}
        assert not checks["marketplace"]["passed"]
        assert any(shopee_id in problem for problem in checks["marketplace"]["problems"])
    finally:
        server.stop()
        box.close()
