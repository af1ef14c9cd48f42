"""The seller's existing listings become the master catalog: import --from all against the seeded sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.app import Sandbox
from syncstore_cli.sandbox.generator import generate_catalog
from tests.conftest import seeded_sandbox

runner = CliRunner()


@pytest.fixture
def seeded(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with seeded_sandbox(home.parent, monkeypatch, import_listings=False) as world:
        yield world.box


def _json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_import_all_listings_twice(seeded: Sandbox, home: Path) -> None:
    first = _json("import", "--from", "all", "--json")
    assert first["listings"] == {"shopee": 3647, "tiktok": 500}
    assert first["created"] == 4147 and first["collisions"] == [] and first["unknown_categories"] == []
    listed = _json("products", "list", "--json", "--page-size", "1000")
    assert listed["total"] == 4147
    # every product carries the external id of the listing it came from
    catalog = {p.sku: p for p in generate_catalog().products}
    pilot = _json("products", "show", "PROD-1", "--json")
    master = pilot["master"]
    assert isinstance(master, dict) and master["sku"] == "FRM-5IN-CF-001" and master["price"] == 150_000
    shopee = pilot["shopee"]
    assert isinstance(shopee, dict) and shopee["external_id"] and shopee["price"] == 172_500
    assert master["weight_g"] == catalog["FRM-5IN-CF-001"].weight_g
    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx:
        stored = ctx.catalog.all_products()
        missing = [s.product.id for s in stored
                   if not s.listings[s.product.origin].external_id
                   or any(not i for i in s.listings[s.product.origin].variant_external_ids.values())]
        assert missing == []
        assert {s.product.sku for s in stored} == set(catalog)
        b = next(s for s in stored if s.product.sku == catalog["PRP-5145-001"].sku)
        assert [v.options for v in b.product.variants] == [("Red",), ("Blue",), ("Green",)]
    second = _json("import", "--from", "all", "--json")
    assert (second["created"], second["updated"], second["mapped"]) == (0, 0, 0)
    # the configured secrets are nowhere in the data folder outside the sandbox's own state
    for path in home.rglob("*"):
        if path.is_file() and "sandbox-state" not in path.parts:
            data = path.read_bytes()
            assert c.DEMO_SHOPEE_PARTNER_KEY.encode() not in data and c.DEMO_TIKTOK_APP_SECRET.encode() not in data


def test_import_needs_an_authorized_shop_and_one_source(home: Path) -> None:
    result = runner.invoke(app, ["import", "--from", "shopee"])
    assert result.exit_code == 2 and "syncstore auth shopee" in result.stderr
    result = runner.invoke(app, ["import"])
    assert result.exit_code == 2 and "exactly one of --file" in result.stderr
    result = runner.invoke(app, ["import", "--from", "lazada"])
    assert result.exit_code == 2
