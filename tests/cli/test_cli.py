"""The CLI as a user and a script see it: output, JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_command_has_help() -> None:
    from typer.main import get_command

    command = get_command(app)
    missing: list[str] = []
    seen: list[str] = []

    def walk(group: object, prefix: str) -> None:
        for name, sub in group.commands.items():  # type: ignore[attr-defined]
            seen.append(f"{prefix} {name}")
            if not (sub.help or sub.short_help):
                missing.append(f"{prefix} {name}")
            if hasattr(sub, "commands"):
                walk(sub, f"{prefix} {name}")

    walk(command, "syncstore")
    assert "syncstore products list" in seen and "syncstore import" in seen
    assert missing == []
    code, out, _ = run("--help")
    assert code == 0 and "Exit codes" in out


def test_import_list_show_explain(home: Path) -> None:
    code, out, _ = run("import", "--file", str(FIXTURES / "small.jsonl"), "--json")
    assert code == 0, out
    assert json.loads(out)["created"] == 3

    code, out, _ = run("products", "list", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["total"], data["page"], data["page_size"]) == (3, 1, 50)
    assert data["items"][0] == {
        "id": "PROD-1", "sku": "FRM-5IN-CF-001", "title": "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle",
        "master_price": 150000, "shopee_price": 172500, "tiktok_price": 180000, "status": "not_synced",
    }

    code, out, _ = run("products", "list", "--search", "propeller")
    lines = out.strip().splitlines()
    assert lines[0].split("\t") == ["ID", "SKU", "Title", "Master", "Shopee", "TikTok", "Status"]
    assert [line.split("\t")[0] for line in lines[1:]] == ["PROD-2"]

    code, out, _ = run("products", "show", "PROD-2", "--json")
    shown = json.loads(out)
    assert code == 0
    assert set(shown) == {"master", "variants", "shopee", "tiktok"}
    assert [v["sku"] for v in shown["variants"]] == ["PRP-5145-RED", "PRP-5145-BLUE", "PRP-5145-GREEN"]
    assert shown["tiktok"]["listing_platforms"] == ["TIKTOK_SHOP", "TOKOPEDIA"]
    assert shown["shopee"]["price_formula"] == "45,000 x 115% = 51,750"
    assert shown["shopee"]["seo_title"] != shown["tiktok"]["seo_title"]

    code, out, _ = run("products", "show", "PROD-1")
    assert code == 0 and "172,500" in out and "180,000" in out and "Tokopedia" in out

    code, out, _ = run("pricing", "explain", "PROD-1", "--json")
    explained = json.loads(out)
    assert explained["shopee"]["price"] == 172500 and explained["tiktok"]["price"] == 180000
    assert explained["tiktok"]["formula"] == "150,000 x 120% = 180,000"


def test_rich_table_on_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("import", "--file", str(FIXTURES / "small.jsonl"))
    monkeypatch.setattr("syncstore_cli.cli.products_cmd.is_terminal", lambda: True)
    code, out, _ = run("products", "list")
    assert code == 0
    assert "page 1 of 1, 3 in all" in out and "172,500" in out and "Not Synced" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("products", "show", "PROD-404"), "no product with id 'PROD-404'"),
        (("pricing", "explain", "NOPE"), "no product with id 'NOPE'"),
        (("products", "list", "--status", "flying"), "--status 'flying'"),
        (("seo", "set", "PROD-1", "x", "--platform", "lazada"), "--platform 'lazada'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(home: Path, args: tuple[str, ...], needle: str) -> None:
    run("import", "--file", str(FIXTURES / "small.jsonl"))
    code, _, err = run(*args)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_malformed_import_names_the_line_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = (FIXTURES / "small.csv").read_text().splitlines()
    text[1] = text[1].replace(",frame,", ",kapal,")
    bad.write_text("\n".join(text) + "\n")
    code, _, err = run("import", "--file", str(bad))
    assert code == 2 and f"{bad}:2: field 'category': unknown category 'kapal'" in err
    code, out, _ = run("products", "list", "--json")
    assert json.loads(out)["total"] == 0


def test_broken_config_is_reported(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "syncstore.toml").write_text("[pricing.shopee]\nmarkup_percent = 'x'\n")
    code, _, err = run("products", "list")
    assert code == 2 and "syncstore.toml" in err and "'x' is not a number" in err


def test_config_show_masks_secrets(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
    monkeypatch.setenv("SYNCSTORE_SHOPEE_PARTNER_KEY", secret)
    monkeypatch.setenv("SYNCSTORE_TIKTOK_APP_SECRET", "e59af819cc")
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1/db")
    for args in (("config", "show"), ("config", "show", "--json")):
        code, out, _ = run(*args)
        assert code == 0
        assert secret not in out and "e59af819cc" not in out and "hunter2" not in out
        assert "SYNCSTORE_SHOPEE_PARTNER_KEY" in out


def test_seo_set_and_exceptions(home: Path) -> None:
    run("import", "--file", str(FIXTURES / "small.jsonl"))
    title = "Frame FPV 5 Inch Carbon Fiber 3mm Racing Freestyle Ringan [ORIGINAL]"
    code, out, err = run("seo", "set", "PROD-1", title, "--platform", "shopee")
    assert code == 0, err
    _, out, _ = run("products", "show", "PROD-1", "--json")
    assert json.loads(out)["shopee"]["seo_title"] == title and json.loads(out)["shopee"]["seo_locked"]
    code, _, err = run("seo", "set", "PROD-1", "Frame 🔥🔥 Racing 5 Inch Carbon", "--platform", "tiktok")
    assert code == 2 and "emoji" in err.lower()
    code, out, _ = run("seo", "exceptions", "--json")
    assert code == 0 and json.loads(out)["total"] == 0
