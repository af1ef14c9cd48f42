"""A product's own attribute values in the seller's catalog files: read from JSON Lines and CSV, refused
with file, line and field when malformed, part of the fingerprint, and written back out losslessly."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from syncstore_cli.domain.records import fingerprint
from syncstore_cli.errors import CatalogFileError
from syncstore_cli.store.catalog_files import read_catalog, write_catalog

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"
LONG = "x" * 256


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (FIXTURES / "small.jsonl").read_text().splitlines()]


def _jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _csv(path: Path, columns: dict[str, list[str]]) -> Path:
    """The small CSV fixture with extra columns; each value list gives a cell per data row."""
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    out = [",".join([lines[0], *columns])]
    for index, line in enumerate(lines[1:]):
        out.append(",".join([line, *(_quoted(cells[index]) for cells in columns.values())]))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if cell else ""


def _error(path: Path) -> CatalogFileError:
    with pytest.raises(CatalogFileError) as info:
        read_catalog(path)
    return info.value


# --------------------------------------------------------------------------- reading

def test_jsonl_attributes_are_read_sorted_by_name_with_the_sellers_spelling(tmp_path: Path) -> None:
    records = _records()
    records[0]["attributes"] = {
        "  Negara Asal ": " China ", "Berat Frame": 120, "Ketebalan Arm (mm)": 3.5,
        "Fitur": ["Ringan", " Kuat "], "Garansi": "", "Kompatibel": [],
    }
    products = [p for _, p in read_catalog(_jsonl(tmp_path / "c.jsonl", records))]
    assert products[0].attributes == (
        ("Berat Frame", "120"),
        ("Fitur", "Ringan; Kuat"),
        ("Ketebalan Arm (mm)", "3.5"),
        ("Negara Asal", "China"),
    )  # blank text and an empty list are "no value"; numbers become their decimal text
    assert products[1].attributes == ()


@pytest.mark.parametrize(("number", "text"), [(2.0, "2"), (0.00001, "0.00001"), (1e21, "1000000000000000000000")])
def test_jsonl_numbers_become_the_decimal_text_a_seller_would_type(tmp_path: Path, number: float, text: str) -> None:
    records = _records()
    records[0]["attributes"] = {"Ukuran": number}
    assert read_catalog(_jsonl(tmp_path / "c.jsonl", records))[0][1].attributes == (("Ukuran", text),)


def test_csv_attribute_columns_are_read_from_the_products_first_row(tmp_path: Path) -> None:
    # rows: PROD-1, PROD-2 (+2 variant rows), PROD-3 (+3 variant rows)
    path = _csv(tmp_path / "c.csv", {
        "attr:Negara Asal": ["China", "China", "", "", "Tiongkok", "", "", ""],
        " attr: Fitur ": ["Ringan; Kuat", "", "", "", "", "", "", ""],
        "ATTR:Konektor": ["", "", "", "", "XT60", "XT60", "", ""],  # a variant row may repeat its product's value
    })
    products = [p for _, p in read_catalog(path)]
    assert products[0].attributes == (("Fitur", "Ringan; Kuat"), ("Negara Asal", "China"))
    assert products[1].attributes == (("Negara Asal", "China"),)
    assert products[2].attributes == (("Konektor", "XT60"), ("Negara Asal", "Tiongkok"))


def test_jsonl_and_csv_give_the_same_product(tmp_path: Path) -> None:
    records = _records()
    records[0]["attributes"] = {"Negara Asal": "China", "Fitur": ["Ringan", "Kuat"]}
    from_jsonl = read_catalog(_jsonl(tmp_path / "c.jsonl", records))[0][1]
    path = _csv(tmp_path / "c.csv", {
        "attr:Negara Asal": ["China", *[""] * 7], "attr:Fitur": ["Ringan; Kuat", *[""] * 7],
    })
    assert read_catalog(path)[0][1] == from_jsonl


# --------------------------------------------------------------------------- refused

@pytest.mark.parametrize(
    ("attributes", "field", "problem"),
    [
        (["Negara Asal", "China"], "attributes", "expected an object of attribute name to value"),
        ("Negara Asal: China", "attributes", "expected an object of attribute name to value"),
        ({"Negara Asal": {"id": 1}}, "attributes.Negara Asal", "got an object"),
        ({"Garansi": True}, "attributes.Garansi", "got true or false"),
        ({"Garansi": None}, "attributes.Garansi", "got null"),
        ({"Fitur": ["Ringan", None]}, "attributes.Fitur[1]", "expected text or a number, got null"),
        ({"Fitur": ["Ringan", ["Kuat"]]}, "attributes.Fitur[1]", "got a list"),
        ({"Fitur": ["Ringan", " "]}, "attributes.Fitur[1]", "a choice of a multi-select is empty"),
        ({"  ": "China"}, "attributes", "an attribute name is empty"),
        ({"Warna": "Hitam", "warna ": "Merah"}, "attributes", "'Warna' and 'warna' name the same attribute"),
        ({LONG: "China"}, "attributes", "is 256 characters; at most 255"),
        ({"Negara Asal": LONG}, "attributes.Negara Asal", "the value is 256 characters; at most 255"),
        ({"Fitur": ["x" * 200, "y" * 60]}, "attributes.Fitur", "the value is 262 characters; at most 255"),
    ],
)
def test_malformed_jsonl_attributes_name_file_line_and_field(
    tmp_path: Path, attributes: Any, field: str, problem: str
) -> None:
    records = _records()
    records[2]["attributes"] = attributes
    path = _jsonl(tmp_path / "bad.jsonl", records)
    error = _error(path)
    assert (error.line, error.field) == (3, field)
    assert problem in error.problem
    assert str(error).startswith(f"{path}:3: field '{field}': ")


def test_jsonl_attribute_given_twice_with_the_same_spelling_is_refused(tmp_path: Path) -> None:
    # json.loads would silently keep the last of the two
    lines = (FIXTURES / "small.jsonl").read_text().splitlines()
    lines[1] = lines[1][:-1] + ', "attributes": {"Warna": "Hitam", "Warna": "Merah"}}'
    path = tmp_path / "twice.jsonl"
    path.write_text("\n".join(lines) + "\n")
    error = _error(path)
    assert (error.line, error.field) == (2, "attributes")
    assert "'Warna' is given twice" in error.problem


def test_jsonl_nonfinite_number_is_refused(tmp_path: Path) -> None:
    lines = (FIXTURES / "small.jsonl").read_text().splitlines()
    lines[0] = lines[0][:-1] + ', "attributes": {"Ukuran": NaN}}'
    path = tmp_path / "nan.jsonl"
    path.write_text("\n".join(lines) + "\n")
    error = _error(path)
    assert (error.line, error.field) == (1, "attributes.Ukuran") and "not a finite number" in error.problem


@pytest.mark.parametrize(
    ("columns", "field", "problem"),
    [
        ({"attr:Warna": [""] * 8, "attr: warna ": [""] * 8}, "attr: warna ",
         "names the same attribute as the column 'attr:Warna'"),
        ({"attr:  ": [""] * 8}, "attr:  ", "an attribute name is empty"),
        ({"attr:" + LONG: [""] * 8}, "attr:" + LONG, "is 256 characters; at most 255"),
    ],
)
def test_malformed_csv_attribute_columns_are_refused_on_the_header(
    tmp_path: Path, columns: dict[str, list[str]], field: str, problem: str
) -> None:
    error = _error(_csv(tmp_path / "bad.csv", columns))
    assert (error.line, error.field) == (1, field)
    assert problem in error.problem


def test_csv_value_too_long_names_its_row_and_column(tmp_path: Path) -> None:
    path = _csv(tmp_path / "bad.csv", {"attr:Negara Asal": ["", "", "", "", LONG, "", "", ""]})
    error = _error(path)
    assert (error.line, error.field) == (6, "attr:Negara Asal")
    assert "the value is 256 characters; at most 255" in error.problem
    assert str(error).startswith(f"{path}:6: field 'attr:Negara Asal': ")


def test_csv_variant_row_that_changes_an_attribute_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path / "bad.csv", {"attr:Konektor": ["", "", "", "", "XT60", "XT30", "", ""]})
    error = _error(path)
    assert (error.line, error.field) == (7, "attr:Konektor")
    assert "differs from the product's first row" in error.problem


# --------------------------------------------------------------------------- fingerprint

def test_fingerprint_follows_attribute_values_not_their_order(tmp_path: Path) -> None:
    records = _records()
    records[0]["attributes"] = {"Negara Asal": "China", "Fitur": ["Ringan", "Kuat"]}
    base = read_catalog(_jsonl(tmp_path / "a.jsonl", records))[0][1]
    records[0]["attributes"] = {"Fitur": ["Ringan", "Kuat"], "Negara Asal": "China"}
    reordered = read_catalog(_jsonl(tmp_path / "b.jsonl", records))[0][1]
    assert fingerprint(reordered) == fingerprint(base)
    assert fingerprint(dataclasses.replace(base, attributes=base.attributes[::-1])) == fingerprint(base)
    records[0]["attributes"] = {"Fitur": ["Ringan", "Kuat"], "Negara Asal": "Indonesia"}
    changed = read_catalog(_jsonl(tmp_path / "c.jsonl", records))[0][1]
    assert fingerprint(changed) != fingerprint(base)
    assert fingerprint(dataclasses.replace(base, attributes=())) != fingerprint(base)


def test_a_product_without_attributes_keeps_its_fingerprint() -> None:
    # Fingerprints stored before attributes existed (computed by the code of that time): a product
    # without attributes must not look changed after the upgrade, or every re-import would update all.
    products = [p for _, p in read_catalog(FIXTURES / "small.jsonl")]
    assert [fingerprint(p) for p in products] == [
        "f7016c5d400a5b194f079afdd3fbb9e8eb3a8202cb934aecb2c26faa0e64a82c",
        "3f42de8472cd6aad0ebdc966b7f6b36b6ba9e79ac712fbb6b1b9c8e0e7b97022",
        "e3d12cf653e8ce2a9f9997fa5eed1d01e270eee196e77e3d6556eca00fed7486",
    ]


# --------------------------------------------------------------------------- writing back

MUTATIONS: list[Callable[[list[dict[str, Any]]], None]] = [
    lambda r: r[0].update(attributes={"Negara Asal": "China", "Fitur": ["Ringan", "Kuat"], "Berat": 120}),
    lambda r: r[1].update(attributes={"Bahan": "Polycarbonate; PC", "Ukuran, inch": '5" x 4.5'}),
    lambda r: r[2].update(attributes={"Konektor": "XT60", "Catatan": "Baris\nkedua"}),
]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_export_then_import_is_lossless(tmp_path: Path, suffix: str) -> None:
    records = _records()
    for mutate in MUTATIONS:
        mutate(records)
    products = [p for _, p in read_catalog(_jsonl(tmp_path / "in.jsonl", records))]
    assert all(p.attributes for p in products)
    out = tmp_path / f"out{suffix}"
    assert write_catalog(products, out) == 3
    assert [p for _, p in read_catalog(out)] == products


def test_csv_export_has_one_column_per_attribute_filled_on_the_products_first_row(tmp_path: Path) -> None:
    products = [p for _, p in read_catalog(FIXTURES / "small.jsonl")]
    products[0] = dataclasses.replace(products[0], attributes=(("Negara Asal", "China"),))
    products[2] = dataclasses.replace(products[2], attributes=(("Konektor", "XT60"), ("Negara Asal", "China")))
    out = tmp_path / "out.csv"
    write_catalog(products, out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [c for c in rows[0] if c.startswith("attr:")] == ["attr:Konektor", "attr:Negara Asal"]
    assert [(r["sku"], r["attr:Konektor"], r["attr:Negara Asal"]) for r in rows] == [
        ("FRM-5IN-CF-001", "", "China"),
        ("PRP-5145-SET", "", ""), ("PRP-5145-SET", "", ""), ("PRP-5145-SET", "", ""),
        ("BAT-6S-1300", "XT60", "China"),
        ("BAT-6S-1300", "", ""), ("BAT-6S-1300", "", ""), ("BAT-6S-1300", "", ""),
    ]


def test_csv_export_refuses_two_spellings_of_one_attribute(tmp_path: Path) -> None:
    products = [p for _, p in read_catalog(FIXTURES / "small.jsonl")]
    products[0] = dataclasses.replace(products[0], attributes=(("Warna", "Hitam"),))
    products[1] = dataclasses.replace(products[1], attributes=(("warna", "Merah"),))
    out = tmp_path / "out.csv"
    with pytest.raises(CatalogFileError) as info:
        write_catalog(products, out)
    assert info.value.field == "attr:warna" and "'Warna' and 'warna'" in info.value.problem
    assert not out.exists() and not list(tmp_path.iterdir())
    write_catalog(products, tmp_path / "out.jsonl")  # JSON Lines keeps each product's spelling
    assert [p for _, p in read_catalog(tmp_path / "out.jsonl")] == products
