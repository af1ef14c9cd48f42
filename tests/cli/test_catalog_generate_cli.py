"""`catalog generate --out`: a file, or a folder that gets `catalog.jsonl` and its manifest."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from syncstore_cli.cli.app import app

runner = CliRunner()


def _generate(out: str) -> dict[str, object]:
    result = runner.invoke(app, ["catalog", "generate", "--out", out, "--json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _check(folder: Path, written: dict[str, object]) -> None:
    catalog, manifest = folder / "catalog.jsonl", folder / "catalog.manifest.json"
    assert written == {"file": str(catalog), "products": 4147, "manifest": str(manifest)}
    assert len(catalog.read_text(encoding="utf-8").splitlines()) == 4147
    assert isinstance(json.loads(manifest.read_text(encoding="utf-8")), dict)
    assert sorted(p.name for p in folder.iterdir()) == ["catalog.jsonl", "catalog.manifest.json"]


def test_an_existing_folder_or_a_path_ending_in_a_slash_gets_the_catalog_and_its_manifest(
        home: Path, tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir()
    _check(existing, _generate(str(existing)))
    fresh = tmp_path / "fresh"
    _check(fresh, _generate(f"{fresh}/"))
    # a file name still names the file
    written = _generate(str(tmp_path / "mine.csv"))
    assert written["file"] == str(tmp_path / "mine.csv") and written["manifest"] == str(tmp_path / "mine.manifest.json")


def test_an_empty_out_is_one_error_line(home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "generate", "--out", ""])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "error: --out is empty: give a file (.jsonl or .csv) or a folder\n"
