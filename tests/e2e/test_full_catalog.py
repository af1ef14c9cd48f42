"""The whole generated catalog through import, listing and titles: what the seller sees on day one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.catalog import generate_catalog_file, import_catalog, product
from syncstore_cli.app.context import AppContext
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.seo import similarity, title_problems
from syncstore_cli.sandbox.generator import generate_catalog
from syncstore_cli.settings import load_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "catalog.jsonl"
    generate_catalog_file(path, seed=20261124, image_base_url="http://127.0.0.1:8780", manifest=None)
    return path


@pytest.fixture
def ctx(database_url: str, tmp_path: Path) -> Iterator[AppContext]:
    settings = load_settings({"SYNCSTORE_HOME": str(tmp_path / "home"), "SYNCSTORE_DATABASE_URL": database_url})
    with AppContext(settings) as ctx:
        yield ctx


def test_full_catalog_imports_and_every_title_meets_the_rules(ctx: AppContext, catalog_file: Path) -> None:
    summary = import_catalog(ctx, catalog_file)
    assert (summary.products, summary.created) == (4147, 4147)
    manifest = json.loads(catalog_file.with_name("catalog.manifest.json").read_text())
    short_titles = set(manifest["title_too_short"])

    stored = ctx.catalog.all_products()
    assert len(stored) == 4147
    exceptions = 0
    for item in stored:
        titles = {}
        for platform in PLATFORMS:
            listing = item.listings[platform]
            if listing.seo_title is None:
                # Only masters too short to reach the band within the length limits go without.
                assert item.product.id in short_titles, (item.product.id, listing.seo_reason)
                assert listing.seo_reason and "characters" in listing.seo_reason
                exceptions += 1
                continue
            assert title_problems(listing.seo_title, platform) == [], (item.product.id, listing.seo_title)
            assert 70 <= similarity(item.product.title, listing.seo_title) <= 80
            titles[platform] = listing.seo_title.casefold()
        if len(titles) == 2:
            assert titles[Platform.SHOPEE] != titles[Platform.TIKTOK]
    assert exceptions == sum(len(v) for v in summary.seo_exceptions.values())

    a = product(ctx, "PROD-1")
    assert (a.listings[Platform.SHOPEE].price, a.listings[Platform.TIKTOK].price) == (172_500, 180_000)

    again = import_catalog(ctx, catalog_file)
    assert (again.created, again.updated, again.relisted, again.unchanged) == (0, 0, 0, 4147)


def test_products_list_pages_through_the_whole_catalog(home: Path, catalog_file: Path) -> None:
    assert runner.invoke(app, ["import", "--file", str(catalog_file)]).exit_code == 0
    seen: list[str] = []
    page = 1
    while True:
        result = runner.invoke(app, ["products", "list", "--json", "--page", str(page)])
        data = json.loads(result.stdout)
        assert data["total"] == 4147 and data["page_size"] == 50
        if not data["items"]:
            break
        seen.extend(item["id"] for item in data["items"])
        page += 1
    assert page - 1 == 83  # ceil(4147 / 50)
    assert len(seen) == len(set(seen)) == 4147
    assert seen[:3] == ["PROD-1", "PROD-2", "PROD-3"]
    pilot = json.loads(runner.invoke(app, ["products", "list", "--json", "--search", "FRM-5IN-CF-001"]).stdout)
    assert pilot["items"][0]["shopee_price"] == 172_500 and pilot["items"][0]["tiktok_price"] == 180_000
    origins = {p.origin for p in generate_catalog().products}
    assert origins == {Platform.SHOPEE, Platform.TIKTOK}
