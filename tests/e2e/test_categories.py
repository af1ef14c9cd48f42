"""Categories and attributes from the marketplace, through the CLI against the sandbox over HTTP: the
seller's first mapping, what blocks a product and why, the CSV round trip, and the read-only preflight."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app
from tests.conftest import SeededWorld, map_and_fill_attributes, seeded_sandbox

runner = CliRunner()
SEEDED = 60
PLAN_BLOCKED = 3  # `sync plan`: a product in the plan is blocked


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SeededWorld]:
    # Imported, but not mapped: every test starts where a seller starts after `import`.
    with seeded_sandbox(tmp_path, monkeypatch, seeded_products=SEEDED, map_categories=False) as seeded:
        yield seeded


def _json(args: list[str], code: int = 0) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return json.loads(result.stdout)


def test_unmapped_products_are_blocked_before_any_call_naming_the_fix(world: SeededWorld, tmp_path: Path) -> None:
    # The import mapped the masters it saw to where their listings are; a master it never saw is unmapped.
    result = runner.invoke(app, ["categories", "show", "--json"])
    shown = json.loads(result.stdout)
    assert shown["trees"]["shopee"]["read_at"] is None  # the trees are not read yet
    plan = _json(["sync", "plan", "PROD-1", "--json"], code=PLAN_BLOCKED)
    reasons = [r for entry in plan for r in entry["reasons"]]  # type: ignore[union-attr]
    assert any("category tree was never read" in r for r in reasons), reasons
    refreshed = _json(["categories", "refresh", "--json"])
    assert {r["platform"] for r in refreshed} == {"shopee", "tiktok"}  # type: ignore[union-attr]
    plan = _json(["sync", "plan", "PROD-1", "--json"], code=PLAN_BLOCKED)
    reasons = [r for entry in plan for r in entry["reasons"]]  # type: ignore[union-attr]
    assert any("is mandatory" in r and "attributes set" in r for r in reasons), reasons


def test_the_first_mapping_takes_suggest_accept_and_attributes_set(world: SeededWorld) -> None:
    _json(["categories", "refresh", "--json"])
    suggested = _json(["categories", "suggest", "frame", "--platform", "shopee", "--json"])
    top = suggested[0]["suggestions"][0]  # type: ignore[index]
    assert top["category_id"] == "100706" and top["path"].startswith("Kamera & Drone > ")
    searched = _json(["categories", "search", "drone", "--platform", "shopee", "--json"])
    assert "100705" in {f["category_id"] for f in searched}  # type: ignore[union-attr]
    # A parent category is refused with its leaves named; nothing is stored.
    refused = runner.invoke(app, ["categories", "map", "frame", "--shopee", "100635"])
    assert refused.exit_code == 2 and refused.stderr.startswith("error:") and "not a leaf" in refused.stderr
    assert runner.invoke(app, ["categories", "map", "frame", "--shopee", "999"]).exit_code == 2
    assert runner.invoke(app, ["categories", "map", "no-such-master", "--shopee", "100706"]).exit_code == 2

    missing = _json(["attributes", "missing", "--json"])["missing"]  # type: ignore[index]
    assert missing, "the sandbox's drone categories have mandatory attributes"
    first = missing[0]
    assert set(first) == {"platform", "category_id", "master_category", "attribute_id", "attribute", "input_type",
                          "values", "products"}
    assert first["products"] >= 1 and all(set(v) == {"id", "name"} for v in first["values"])
    # A value outside a drop-down's list is refused, naming the attribute.
    if first["values"] and first["input_type"] == "SINGLE_SELECT":
        bad = runner.invoke(app, ["attributes", "set", first["category_id"], first["attribute_id"], "Atlantis",
                                  "--platform", first["platform"]])
        assert bad.exit_code == 2 and first["attribute"] in bad.stderr

    map_and_fill_attributes()
    assert _json(["attributes", "missing", "--json"]) == {"missing": []}
    shown = _json(["products", "show", "PROD-1", "--json"])
    for platform in ("shopee", "tiktok"):
        listing = shown[platform]  # type: ignore[index]
        assert listing["category"]["id"] and listing["category"]["path"]
        assert listing["attributes"] and not listing["blocked_by"]
    synced = runner.invoke(app, ["sync", "manual", "PROD-1", "--platform", "both", "--json"])
    assert synced.exit_code == 0, synced.stdout + synced.stderr


def test_the_mapping_goes_to_a_spreadsheet_and_back_all_or_nothing(world: SeededWorld, tmp_path: Path) -> None:
    _json(["categories", "refresh", "--json"])
    _json(["categories", "suggest", "--all", "--accept", "--json"])
    exported = tmp_path / "mapping.csv"
    assert runner.invoke(app, ["categories", "export", str(exported)]).exit_code == 0
    text = exported.read_text()
    assert text.splitlines()[0] == ("scope,key,name,shopee_category_id,shopee_category,tiktok_category_id,"
                                    "tiktok_category")
    before = _json(["categories", "show", "--json"])
    # One bad row: nothing of the file is taken.
    edited = tmp_path / "edited.csv"
    lines = text.splitlines()
    frame = next(i for i, line in enumerate(lines) if line.startswith("master,frame,"))
    lines[frame] = lines[frame].replace(",100706,", ",101407,", 1)  # a good change...
    lines.append("master,nonsense,x,100706,,7100121,")  # ...and a bad row
    edited.write_text("\n".join(lines) + "\n")
    refused = runner.invoke(app, ["categories", "import", str(edited)])
    assert refused.exit_code == 2 and "nonsense" in refused.stderr and "nothing was imported" in refused.stderr
    assert _json(["categories", "show", "--json"]) == before
    edited.write_text("\n".join(lines[:-1]) + "\n")
    assert runner.invoke(app, ["categories", "import", str(edited)]).exit_code == 0
    after = _json(["categories", "show", "--json"])
    frame_row = next(m for m in after["mappings"] if m["key"] == "frame")  # type: ignore[index]
    assert frame_row["shopee"]["category_id"] == "101407"


def test_preflight_passes_after_the_mapping_and_names_a_category_removed_from_the_tree(world: SeededWorld) -> None:
    map_and_fill_attributes()
    report = _json(["preflight", "--json"])
    assert report["passed"] is True, report  # type: ignore[index]
    assert {c["check"] for c in report["checks"]} >= {"credentials", "logistics", "categories", "attributes",  # type: ignore[index]
                                                       "limits"}
    world.box.remove_category("tiktok", "7100121")  # the frame leaf leaves TikTok's tree
    result = runner.invoke(app, ["preflight", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    failed = [c for c in report["checks"] if not c["passed"]]
    assert any(c["check"] == "categories" and "7100121" in c["detail"] for c in failed), failed
    # Read-only: the cached tree still has it until the seller refreshes.
    assert runner.invoke(app, ["preflight"]).exit_code == 1
