"""Reading catalog files: good files round-trip; malformed ones name file, line and field."""

import dataclasses
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


# --------------------------------------------------------------------------- money, read exactly

def _csv_with(tmp_path: Path, line: int, old: str, new: str, name: str = "sheet.csv") -> Path:
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("150000.5", "fraction of a rupiah"),  # was read as 1,500,005
        ('"Rp 1.500.000,50"', "fraction of a rupiah"),  # was read as 150,000,050
        ('"1,500,000.50"', "fraction of a rupiah"),
        ("12.34.5", "groups digits wrongly"),  # was accepted
        ('"1,5000"', "groups digits wrongly"),
        ('"1.500,000"', "mixes"),
        ("1" + "0" * 30, "above the maximum of 150,000,000"),  # was a traceback from the database
        ("-150000", "negative"),
    ],
)
def test_csv_price_that_is_not_exact_rupiah_is_refused(tmp_path: Path, cell: str, reason: str) -> None:
    path = _csv_with(tmp_path, 2, ",150000,", f",{cell},")
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field) == (2, "price")
    assert reason in info.value.problem
    assert str(info.value).startswith(f"{path}:2: field 'price': ")


@pytest.mark.parametrize("cell", ['"Rp 1.500.000"', '"1,500,000.00"', '"1.500.000,00"', "1500000", '"IDR 1.500.000"'])
def test_csv_price_forms_of_the_rule_read_exactly(tmp_path: Path, cell: str) -> None:
    path = _csv_with(tmp_path, 2, ",150000,", f",{cell},")
    assert read_catalog(path)[0][1].price == 1_500_000


def test_csv_variant_price_is_refused_on_its_own_line_and_column(tmp_path: Path) -> None:
    path = _csv_with(tmp_path, 4, ",45000,50,", ",45000.5,50,")  # PRP-5145-BLUE's row
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field) == (4, "variant_price")
    assert "fraction of a rupiah" in info.value.problem


def test_csv_variant_price_forms_read_exactly(tmp_path: Path) -> None:
    path = _csv_with(tmp_path, 5, ",47500,50,", ',"Rp 47.500,00",50,')
    assert [v.price for v in read_catalog(path)[1][1].variants] == [45_000, 45_000, 47_500]


def test_csv_variant_stock_follows_the_digit_rule(tmp_path: Path) -> None:
    path = _csv_with(tmp_path, 4, ",45000,50,", ",45000,5.0.0,")
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field) == (4, "variant_stock")


@pytest.mark.parametrize("column", ["price", "sku", "variant_price"])
def test_csv_with_a_column_twice_is_refused(tmp_path: Path, column: str) -> None:
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    lines = [f"{line},{column}" if n == 0 else f"{line},999" for n, line in enumerate(lines)]
    path = tmp_path / "twice.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field) == (1, column)
    assert "appears twice" in info.value.problem
    assert str(info.value).startswith(f"{path}:1: field '{column}': ")


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda r: r[0].update(price="150000.5"), "price", "fraction of a rupiah"),
        (lambda r: r[0].update(price="Rp 1.500.000,50"), "price", "fraction of a rupiah"),
        (lambda r: r[0].update(price="12.34.5"), "price", "groups digits wrongly"),
        (lambda r: r[0].update(price=10**30), "price", "above the maximum"),
        (lambda r: r[0].update(price=1e30), "price", "above the maximum"),
        (lambda r: r[0].update(price=150_000_001), "price", "above the maximum"),
        (lambda r: r[0].update(price=True), "price", "not a number"),
        (lambda r: r[1]["variants"][0].update(price=45000.5), "variants[0].price", "fraction of a rupiah"),
        (lambda r: r[1]["variants"][2].update(price="1,5000"), "variants[2].price", "groups digits wrongly"),
        (lambda r: r[0].update(stock=10**30), "stock", "above the maximum"),
    ],
)
def test_jsonl_money_by_the_same_rule(tmp_path: Path, mutate, field: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    records = _records()
    mutate(records)
    path = _write_jsonl(tmp_path / "bad.jsonl", records)
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field) == (1 if field in ("price", "stock") else 2, field)
    assert reason in info.value.problem


def test_jsonl_money_forms_of_the_rule_read_exactly(tmp_path: Path) -> None:
    records = _records()
    records[0]["price"] = "Rp 1.500.000,00"
    records[1]["variants"][0]["price"] = 45_000.0
    records[1]["variants"][1]["price"] = "45,000"
    products = [p for _, p in read_catalog(_write_jsonl(tmp_path / "ok.jsonl", records))]
    assert products[0].price == 1_500_000
    assert [v.price for v in products[1].variants] == [45_000, 45_000, 47_500]


def test_jsonl_number_too_long_to_convert_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    text = (FIXTURES / "small.jsonl").read_text().replace('"price": 150000', '"price": 1' + "0" * 5000, 1)
    path.write_text(text)
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert info.value.line == 1 and "not valid JSON" in info.value.problem


def test_csv_with_trailing_unnamed_columns_still_reads(tmp_path: Path) -> None:
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    path = tmp_path / "sheet.csv"
    path.write_text("\n".join(f"{line},," for line in lines) + "\n")
    assert [p.price for _, p in read_catalog(path)] == [150_000, 45_000, 650_000]


def test_csv_cell_with_line_breaks_keeps_them(tmp_path: Path) -> None:
    # Indonesian descriptions are often written in paragraphs; reading the sheet line by line dropped the breaks.
    products = [p for _, p in read_catalog(FIXTURES / "small.jsonl")]
    products[0] = dataclasses.replace(products[0], description="Frame racing 5 inch.\nIsi paket:\r\n- 4 arm")
    out = tmp_path / "paragraphs.csv"
    write_catalog(products, out)
    assert [p for _, p in read_catalog(out)] == products
    assert read_catalog(out)[2][0] == 8  # lines are the file's own, counting the cell's line breaks


def test_jsonl_field_given_twice_is_refused(tmp_path: Path) -> None:
    # json would keep the last of the two; which price the seller meant is unknowable
    lines = (FIXTURES / "small.jsonl").read_text().splitlines()
    lines[1] = lines[1][:-1] + ', "price": 50000}'
    path = tmp_path / "twice.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    assert (info.value.line, info.value.field, info.value.problem) == (2, "price", "is given twice")
