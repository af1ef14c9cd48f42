"""`syncstore import --file`: a price that is not exact whole rupiah, or a column named twice, is one
`error:` line naming file, line and field, exit 2, and the catalog is left as it was."""

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


def _catalog() -> list[dict[str, object]]:
    code, out, err = run("products", "list", "--json")
    assert code == 0, err
    return list(json.loads(out)["items"])


def _sheet(tmp_path: Path, price: str) -> Path:
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    lines[1] = lines[1].replace(",150000,", f",{price},", 1)
    path = tmp_path / "sheet.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        ("150000.5", "fraction of a rupiah"),
        ('"Rp 1.500.000,50"', "fraction of a rupiah"),
        ('"1,500,000.50"', "fraction of a rupiah"),
        ("12.34.5", "groups digits wrongly"),
        ("1" + "0" * 30, "above the maximum of 150,000,000"),
    ],
)
def test_inexact_price_is_refused_and_writes_nothing(home: Path, tmp_path: Path, price: str, reason: str) -> None:
    code, _, err = run("import", "--file", str(FIXTURES / "small.jsonl"))
    assert code == 0, err
    before = _catalog()
    bad = _sheet(tmp_path, price)
    code, out, err = run("import", "--file", str(bad))
    assert code == 2, out + err
    assert err.startswith(f"error: {bad}:2: field 'price': ") and reason in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _catalog() == before


def test_inexact_price_on_an_empty_catalog_imports_nothing(home: Path, tmp_path: Path) -> None:
    code, _, err = run("import", "--file", str(_sheet(tmp_path, "150000.5")))
    assert code == 2 and err.startswith("error: ")
    assert _catalog() == []


def test_column_named_twice_is_refused_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    run("import", "--file", str(FIXTURES / "small.jsonl"))
    before = _catalog()
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    lines = [f"{line},price" if n == 0 else f"{line},999999" for n, line in enumerate(lines)]
    bad = tmp_path / "twice.csv"
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = run("import", "--file", str(bad))
    assert code == 2
    assert err.startswith(f"error: {bad}:1: field 'price': the column appears twice")
    assert len(err.strip().splitlines()) == 1
    assert _catalog() == before


@pytest.mark.parametrize("price", ['"Rp 1.500.000"', '"1,500,000.00"', '"1.500.000,00"'])
def test_written_forms_of_the_rule_import_exactly(home: Path, tmp_path: Path, price: str) -> None:
    code, _, err = run("import", "--file", str(_sheet(tmp_path, price)))
    assert code == 0, err
    first = _catalog()[0]
    assert (first["id"], first["master_price"]) == ("PROD-1", 1_500_000)
