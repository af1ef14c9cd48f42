"""Reading and writing master-catalog files: JSON Lines (one product per line) and CSV (the seller's sheet).

CSV layout, one row per product, or one row per variant for products with variants
(the first row of a product carries its fields; later rows with the same `sku` add variants):

    id, sku, title, description, category, brand, weight_g, length_cm, width_cm, height_cm,
    price, stock, origin, images (separated by '|'), tier1_name, tier2_name,
    variant_sku, option1, option2, variant_price, variant_stock, variant_image,
    attr:NAME ... (one column per product attribute; an empty cell is no value)

The product's attributes are in its first row; a variant row may leave them empty or repeat them.
In JSON Lines they are the object `attributes` (name -> text, number, or a list for a multi-select).

Every problem is reported as `CatalogFileError` with the file, the line and the field. Money cells
are read by the rule of `domain.money` (whole rupiah, no guessing); a column named twice is refused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Final

from syncstore_cli.domain.catalog import Product
from syncstore_cli.domain.money import MoneyError, rupiah, whole_number
from syncstore_cli.domain.records import (
    RecordError,
    attribute_key,
    attribute_name,
    attribute_value,
    product_from_record,
    product_to_record,
)
from syncstore_cli.errors import CatalogFileError

PRODUCT_COLUMNS: Final = (
    "id", "sku", "title", "description", "category", "brand", "weight_g", "length_cm", "width_cm",
    "height_cm", "price", "stock", "origin", "images",
)
VARIANT_COLUMNS: Final = (
    "tier1_name", "tier2_name", "variant_sku", "option1", "option2", "variant_price", "variant_stock",
    "variant_image",
)
REQUIRED_COLUMNS: Final = ("sku", "title", "category", "price")
ATTRIBUTE_PREFIX: Final = "attr:"


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise CatalogFileError(str(path), None, None, "unknown file type; use .jsonl or .csv")


def read_catalog(path: Path) -> list[tuple[int, Product]]:
    """Every product in the file with the line it starts on; the first problem raises."""
    if not path.is_file():
        raise CatalogFileError(str(path), None, None, "no such file")
    records = _read_jsonl(path) if detect_format(path) == "jsonl" else _read_csv(path)
    products: list[tuple[int, Product]] = []
    for position, (line, record) in enumerate(records, start=1):
        try:
            products.append((line, product_from_record(record, default_id=f"PROD-{position}")))
        except RecordError as exc:
            raise CatalogFileError(str(path), line, exc.field, exc.problem) from None
    if not products:
        raise CatalogFileError(str(path), None, None, "contains no products")
    return products


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise CatalogFileError(str(path), None, None, f"cannot be read: {exc.strerror}") from None
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                repeated: list[str] = []
                try:
                    record = json.loads(line, object_pairs_hook=_object_noting_repeats(repeated))
                except json.JSONDecodeError as exc:
                    raise CatalogFileError(str(path), number, None, f"not valid JSON: {exc.msg}") from None
                except ValueError as exc:  # e.g. a number of more digits than Python converts
                    raise CatalogFileError(str(path), number, None, f"not valid JSON: {exc}") from None
                if not isinstance(record, dict):
                    raise CatalogFileError(str(path), number, None, "expected a JSON object per line")
                if repeated:
                    raise _repeated_key_error(path, number, record, repeated[0])
                yield number, record
        except UnicodeDecodeError:
            raise CatalogFileError(str(path), None, None, "is not UTF-8 text") from None


def _object_noting_repeats(repeated: list[str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A JSON object hook that notes keys given twice: `json` would silently keep the last one, and
    which value the seller meant is unknowable."""
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built: dict[str, Any] = {}
        for key, value in pairs:
            if key in built:
                repeated.append(key)
            built[key] = value
        return built
    return build


def _repeated_key_error(path: Path, line: int, record: dict[str, Any], key: str) -> CatalogFileError:
    attributes = record.get("attributes")
    if isinstance(attributes, dict) and key in attributes:
        return CatalogFileError(str(path), line, "attributes", f"'{key}' is given twice")
    if key in record:
        return CatalogFileError(str(path), line, key, "is given twice")
    return CatalogFileError(str(path), line, None, f"the key '{key}' is given twice in one object")


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # newline="" as the csv module asks: a quoted cell may hold a line break (an attribute note, a
    # description), which reading the text line by line, or translating "\r\n", would change.
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise CatalogFileError(str(path), None, None, "is not UTF-8 text") from None
    except OSError as exc:
        raise CatalogFileError(str(path), None, None, f"cannot be read: {exc.strerror}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        raise CatalogFileError(str(path), 1, None, f"not valid CSV: {exc}") from None
    # DictReader keeps the last of two same-named columns: which value the seller meant is unknowable.
    # Unnamed columns (a sheet's trailing empty ones) are read by nothing, so they may repeat.
    for index, column in enumerate(header):
        if column.strip() and column in header[:index]:
            first = header.index(column) + 1
            raise CatalogFileError(str(path), 1, column, f"the column appears twice (columns {first} and {index + 1})")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise CatalogFileError(str(path), 1, column, "required column is missing")
    attribute_columns = _attribute_columns(header, path)
    current: dict[str, Any] | None = None
    current_line = 0
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise CatalogFileError(str(path), line, None, "more cells than columns")
            sku = (row.get("sku") or "").strip()
            if not sku:
                raise CatalogFileError(str(path), line, "sku", "is required")
            if current is not None and current["sku"] == sku and row.get("variant_sku"):
                _check_repeated_attributes(current, row, attribute_columns, path, line)
                _add_variant(current, row, path, line)
                continue
            if current is not None:
                yield current_line, current
            current, current_line = _product_row(row), line
            if attribute_columns:
                current["attributes"] = _row_attributes(row, attribute_columns, path, line)
            if row.get("variant_sku"):
                _add_variant(current, row, path, line)
    except csv.Error as exc:
        raise CatalogFileError(str(path), reader.line_num, None, f"not valid CSV: {exc}") from None
    if current is not None:
        yield current_line, current


def _attribute_columns(header: list[str], path: Path) -> dict[str, str]:
    """Each `attr:NAME` column -> the attribute name; two columns naming one attribute are refused."""
    columns: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for column in header:
        label = column.strip()
        if not label.lower().startswith(ATTRIBUTE_PREFIX):
            continue
        try:
            name = attribute_name(label[len(ATTRIBUTE_PREFIX):], column)
        except RecordError as exc:
            raise CatalogFileError(str(path), 1, column, exc.problem) from None
        earlier = by_key.get(attribute_key(name))
        if earlier is not None:
            raise CatalogFileError(str(path), 1, column, f"names the same attribute as the column '{earlier}' "
                                                         "(attribute names ignore case and surrounding spaces)")
        by_key[attribute_key(name)] = column
        columns[column] = name
    return columns


def _row_attributes(row: dict[str, str], columns: dict[str, str], path: Path, line: int) -> dict[str, str]:
    values: dict[str, str] = {}
    for column, name in columns.items():
        try:
            value = attribute_value(row.get(column) or "", column)
        except RecordError as exc:
            raise CatalogFileError(str(path), line, exc.field, exc.problem) from None
        if value is not None:
            values[name] = value
    return values


def _check_repeated_attributes(
    record: dict[str, Any], row: dict[str, str], columns: dict[str, str], path: Path, line: int
) -> None:
    """A variant row may repeat its product's attributes (sheets often fill columns down) but not change
    them: attributes belong to the product, and a different value on a variant row would be lost."""
    own = _row_attributes(row, columns, path, line)
    for column, name in columns.items():
        if name in own and record["attributes"].get(name) != own[name]:
            raise CatalogFileError(str(path), line, column, "differs from the product's first row; attributes belong "
                                                            "to the product, so a variant row leaves them empty")


def _product_row(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {k: row[k] for k in PRODUCT_COLUMNS if k in row and row[k] != ""}
    for column in REQUIRED_COLUMNS:
        record.setdefault(column, row.get(column, ""))
    tier_names = [row[k] for k in ("tier1_name", "tier2_name") if row.get(k)]
    if tier_names:
        record["tiers"] = [{"name": name, "options": []} for name in tier_names]
        record["variants"] = []
    return record


def _add_variant(record: dict[str, Any], row: dict[str, str], path: Path, line: int) -> None:
    tiers: list[dict[str, Any]] | None = record.get("tiers")
    if not tiers:
        raise CatalogFileError(str(path), line, "tier1_name", "a variant row needs the product's tier names")
    options = [row.get(f"option{i + 1}", "") for i in range(len(tiers))]
    for index, option in enumerate(options):
        if not option:
            raise CatalogFileError(str(path), line, f"option{index + 1}", "is required for a variant")
        if option not in tiers[index]["options"]:
            tiers[index]["options"].append(option)
    # Read the variant's numbers here, where the row's own line and column are known; the record
    # would only name the product's first line.
    numbers: dict[str, int | None] = {}
    for column, parse in (("variant_price", rupiah), ("variant_stock", whole_number)):
        text = row.get(column) or ""
        try:
            numbers[column] = parse(text) if text.strip() else None
        except MoneyError as exc:
            raise CatalogFileError(str(path), line, column, exc.reason) from None
    record["variants"].append(
        {
            "sku": row.get("variant_sku", ""),
            "options": options,
            "price": numbers["variant_price"],
            "stock": numbers["variant_stock"],
            "image": row.get("variant_image", ""),
        }
    )


def write_catalog(products: Iterable[Product], path: Path, file_format: str | None = None) -> int:
    """Write products as JSON Lines or CSV; returns how many were written."""
    file_format = file_format or detect_format(path)
    listed = list(products)
    # A CSV header names every attribute column: known before the first row is written.
    attribute_names = _csv_attribute_names(listed, path) if file_format == "csv" else []
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        if file_format == "jsonl":
            for product in listed:
                handle.write(json.dumps(product_to_record(product), ensure_ascii=False) + "\n")
        else:
            attribute_columns = [ATTRIBUTE_PREFIX + name for name in attribute_names]
            writer = csv.DictWriter(handle, fieldnames=[*PRODUCT_COLUMNS, *VARIANT_COLUMNS, *attribute_columns])
            writer.writeheader()
            for product in listed:
                writer.writerows(_csv_rows(product))
    tmp.replace(path)
    return len(listed)


def _csv_attribute_names(products: list[Product], path: Path) -> list[str]:
    """One column per attribute of any product. A column has one spelling, so two products spelling an
    attribute differently ("Warna", "warna") cannot both be kept: refused rather than silently respelt."""
    spellings: dict[str, str] = {}
    for product in products:
        for name, _ in product.attributes:
            earlier = spellings.setdefault(attribute_key(name), name)
            if earlier != name:
                raise CatalogFileError(
                    str(path), None, ATTRIBUTE_PREFIX + name,
                    f"products spell this attribute both '{earlier}' and '{name}', and a CSV column holds one "
                    "spelling; write JSON Lines (.jsonl) to keep both")
    return sorted(spellings.values())


def _csv_rows(product: Product) -> list[dict[str, Any]]:
    record = product_to_record(product)
    base = {k: record.get(k) for k in PRODUCT_COLUMNS}
    base.update((ATTRIBUTE_PREFIX + name, value) for name, value in product.attributes)
    base["images"] = "|".join(product.images)
    if base["price"] is None:
        base["price"] = ""
    if not product.variants:
        return [base]
    rows: list[dict[str, Any]] = []
    for index, variant in enumerate(product.variants):
        row: dict[str, Any] = dict(base) if index == 0 else {"sku": product.sku}
        for tier_index, tier in enumerate(product.tiers):
            if index == 0:
                row[f"tier{tier_index + 1}_name"] = tier.name
            row[f"option{tier_index + 1}"] = variant.options[tier_index]
        row.update(
            variant_sku=variant.sku,
            variant_price="" if variant.price is None else variant.price,
            variant_stock=variant.stock,
            variant_image=variant.image or "",
        )
        rows.append(row)
    return rows
