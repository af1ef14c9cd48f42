"""`syncstore sandbox audit/show/edit` on the sandbox's state folder, with no server running."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import build_sandbox
from syncstore_cli.sandbox.generator import generate_catalog

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def seeded(home: Path) -> Path:
    """The state `sandbox serve` leaves behind: the seller's existing listings on both marketplaces."""
    box = build_sandbox(c.SandboxConfig(), home / "sandbox")
    try:
        products = generate_catalog().products
        assert box.shopee_products.seed_from_catalog(products, c.DEMO_SHOPEE_SHOP_ID) > 0
        assert box.tiktok_products.seed_from_catalog(products, c.DEMO_TIKTOK_SHOP_ID) > 0
    finally:
        box.close()
    return home / "sandbox"


def _catalog_duplicates(origin: Platform) -> set[str]:
    """SKUs the catalog gives to more than one product of that marketplace (item or variant SKU)."""
    counts: Counter[str] = Counter()
    for product in generate_catalog().products:
        if product.origin == origin:
            counts.update({product.sku, *(v.sku for v in product.variants)})
    return {sku for sku, n in counts.items() if n > 1}


def test_audit_finds_exactly_the_catalogs_duplicate_skus(seeded: Path) -> None:
    code, out, _ = run("sandbox", "audit", "--json")
    assert code == 0, out
    report = json.loads(out)
    for platform, origin in (("shopee", Platform.SHOPEE), ("tiktok", Platform.TIKTOK)):
        assert set(report[platform]["duplicate_skus"]) == _catalog_duplicates(origin)
        assert report[platform]["unknown_skus"] == []
    assert report["shopee"]["duplicate_skus"] or report["tiktok"]["duplicate_skus"]
    code, out, _ = run("sandbox", "audit", "--state", str(seeded))
    assert code == 0 and out.startswith("shopee: ") and "tiktok: " in out


def test_edit_then_show_reflects_the_change(seeded: Path) -> None:
    box = build_sandbox(c.SandboxConfig(), seeded)
    try:
        shopee_id = str(box.shopee_products.state.sku_rows(None)[0][0])
        tiktok_id = box.tiktok_products.state.live_skus(None)[0][0]
    finally:
        box.close()
    for platform, listing in (("shopee", shopee_id), ("tiktok", tiktok_id)):
        code, out, err = run("sandbox", "edit", platform, listing, "--price", "123456", "--title",
                             "Judul diubah penjual langsung di seller centre", "--stock", "7")
        assert code == 0, (out, err)
        code, out, _ = run("sandbox", "show", platform, listing, "--json")
        assert code == 0
        shown = json.loads(out)
        assert shown["title"] == "Judul diubah penjual langsung di seller centre"
        assert shown["prices"] == [123456]
        assert all(v["stock"] == 7 for v in shown["variants"]) and shown["images"]
        code, out, _ = run("sandbox", "show", platform, listing)
        assert code == 0 and "Rp123,456" in out and "Judul diubah" in out
    assert "Tokopedia: ACTIVATE" in run("sandbox", "show", "tiktok", tiktok_id)[1]


@pytest.mark.parametrize("args", [
    ("show", "shopee", "999999999"),
    ("show", "tiktok", "123"),
    ("edit", "shopee", "nope", "--price", "1000"),
    ("edit", "tiktok", "999", "--title", "x"),
    ("show", "lazada", "1"),
    ("show", "shopee", "99999999999999999999999"),
    ("edit", "shopee", "99999999999999999999999", "--price", "5"),
])
def test_unknown_listing_exits_2_with_one_line(seeded: Path, args: tuple[str, ...]) -> None:
    code, out, err = run("sandbox", *args)
    assert code == 2
    assert len((out + err).strip().splitlines()) == 1


@pytest.mark.parametrize("args", [("audit",), ("audit", "--json"), ("show", "shopee", "1"),
                                  ("edit", "tiktok", "1", "--price", "1000")])
def test_a_folder_without_sandbox_state_is_refused_and_left_empty(home: Path, tmp_path: Path,
                                                                  args: tuple[str, ...]) -> None:
    empty = tmp_path / "no-sandbox-here"
    empty.mkdir()
    code, out, err = run("sandbox", *args, "--state", str(empty))
    assert (code, out) == (2, "")
    assert err == f"error: no sandbox state in {empty}: run `syncstore sandbox serve --state {empty}` first\n"
    assert list(empty.iterdir()) == []
    code, _, err = run("sandbox", *args)  # the default state folder, in a data folder never served from
    assert code == 2 and err.startswith(f"error: no sandbox state in {home / 'sandbox'}: ")
    assert not home.exists()


@pytest.mark.parametrize("change", [("--price", "99999999999999999999"), ("--price", "0"), ("--stock", "-3"),
                                    ("--title", " ")])
def test_an_edit_the_seller_centre_would_refuse_is_one_line_and_changes_nothing(
        seeded: Path, change: tuple[str, str]) -> None:
    box = build_sandbox(c.SandboxConfig(), seeded)
    try:
        listings = {"shopee": str(box.shopee_products.state.sku_rows(None)[0][0]),
                    "tiktok": box.tiktok_products.state.live_skus(None)[0][0]}
    finally:
        box.close()
    for platform, listing in listings.items():
        before = run("sandbox", "show", platform, listing, "--json")[1]
        code, out, err = run("sandbox", "edit", platform, listing, *change)
        assert (code, out) == (2, "") and err.startswith("error: ") and len(err.splitlines()) == 1, err
        assert run("sandbox", "show", platform, listing, "--json")[1] == before
