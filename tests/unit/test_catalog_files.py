"""Reading catalog files: good files round-trip; malformed ones name file, line and field."""

import json
from pathlib import Path

import pytest

from syncstore_cli.errors import CatalogFileError
from syncstore_cli.store.catalog_files import read_catalog, write_catalog

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"


def _records() -> list[dict[str, object]]:
    return [json.loads(line) for line in (FIXTURES / "small.jsonl").read_text().splitlines()]


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_jsonl_and_csv_hold_the_same_catalog(tmp_path: Path) -> None:
    from_jsonl = [p for _, p in read_catalog(FIXTURES / "small.jsonl")]
    from_csv = [p for _, p in read_catalog(FIXTURES / "small.csv")]
    assert from_jsonl == from_csv
    assert [p.id for p in from_jsonl] == ["PROD-1", "PROD-2", "PROD-3"]
    b = from_jsonl[1]
    assert [v.options for v in b.variants] == [("Red",), ("Blue",), ("Green",)]
    assert [v.price for v in b.variants] == [45_000, 45_000, 47_500]
    assert from_jsonl[2].tiers[1].options == ("850mAh", "1300mAh")
    # and writing them out again gives the same products
    out = tmp_path / "again.csv"
    write_catalog(from_jsonl, out)
    assert [p for _, p in read_catalog(out)] == from_jsonl


def test_lines_are_reported_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("\n" + (FIXTURES / "small.jsonl").read_text())
    assert [line for line, _ in read_catalog(path)] == [2, 3, 4]


@pytest.mark.parametrize(
    ("mutate", "line", "field", "problem"),
    [
        (lambda r: r[1].update(price="mahal"), 2, "price", "'mahal' is not a number"),
        (lambda r: r[2].pop("sku"), 3, "sku", "is missing"),
        (lambda r: r[0].update(category="kapal"), 1, "category", "unknown category 'kapal'"),
        (lambda r: r[0].update(price=-5), 1, "price", "negative"),
        (lambda r: r[0].update(price=1500.5), 1, "price", "not a whole number"),
        (lambda r: r[0].update(stock="banyak"), 1, "stock", "not a number"),
        (lambda r: r[1]["variants"][1].update(price="x"), 2, "variants[1].price", "not a number"),
        (lambda r: r[1]["variants"][0].update(options=["Purple"]), 2, "variants[0].options", "Purple"),
        (lambda r: r[0].update(origin="lazada"), 1, "origin", "lazada"),
        (lambda r: r[0].update(sku="FRM 5IN"), 1, "sku", "white space"),
        (lambda r: r[0].update(images=7), 1, "images", "list"),
    ],
)
def test_malformed_jsonl_names_file_line_and_field(tmp_path: Path, mutate, line, field, problem) -> None:  # type: ignore[no-untyped-def]
    records = _records()
    mutate(records)
    path = _write_jsonl(tmp_path / "bad.jsonl", records)
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    error = info.value
    assert (error.line, error.field) == (line, field)
    assert problem in error.problem
    assert str(error).startswith(f"{path}:{line}: field '{field}'")


def test_broken_json_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text((FIXTURES / "small.jsonl").read_text() + '{"id": "PROD-4", "sku": \n')
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert info.value.line == 4 and "not valid JSON" in str(info.value)


def test_csv_missing_required_column(tmp_path: Path) -> None:
    text = (FIXTURES / "small.csv").read_text().replace("price,", "harga,", 1)
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field) == (1, "price")


def test_csv_price_not_a_number(tmp_path: Path) -> None:
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    lines[1] = lines[1].replace(",150000,", ",seratus ribu,")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field) == (2, "price")


def test_spreadsheet_prices_with_thousand_separators(tmp_path: Path) -> None:
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    lines[1] = lines[1].replace(",150000,", ',"150.000",')
    path = tmp_path / "sheet.csv"
    path.write_text("\n".join(lines) + "\n")
    assert read_catalog(path)[0][1].price == 150_000


def test_flawed_products_still_read(tmp_path: Path) -> None:
    records = _records()
    records[0].update(price=None, images=["http://x/1.jpg"], weight_g=0, title="Frame 5in")
    products = read_catalog(_write_jsonl(tmp_path / "flawed.jsonl", records))
    assert products[0][1].price is None and len(products[0][1].images) == 1


def test_unknown_file_type_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="unknown file type"):
        (tmp_path / "c.xlsx").write_text("x")
        read_catalog(tmp_path / "c.xlsx")
    with pytest.raises(CatalogFileError, match="no such file"):
        read_catalog(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(CatalogFileError, match="no products"):
        read_catalog(tmp_path / "empty.jsonl")
