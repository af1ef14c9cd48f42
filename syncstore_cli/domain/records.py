"""Catalog records (one product as a flat mapping, as in a JSON Lines or CSV file) to and from `Product`.

Two kinds of trouble are kept apart on purpose:
- a *malformed* record (missing required field, a price that is not a number or not whole rupiah by
  the rule of `domain.money`, an unknown category, an attribute named twice) cannot become a `Product`:
  `RecordError` names the field, and the import stops;
- a *flawed* product (too few images, price 0 or missing, a title too long for a platform)
  is still a product: it imports, and validation reports it later.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any, Final

from syncstore_cli.domain.catalog import CATEGORIES, Platform, Product, Tier, Variant
from syncstore_cli.domain.money import MAX_QUANTITY, MoneyError, rupiah, whole_number

REQUIRED_FIELDS: Final = ("sku", "title", "category", "price")
MAX_TIERS: Final = 2
# The seller's limit on an attribute's name and on its value (a multi-select's choices joined); longer
# text is a typing accident in a sheet, not an attribute.
MAX_ATTRIBUTE_TEXT: Final = 255
MULTI_SELECT_SEPARATOR: Final = "; "


class RecordError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def _text(record: Mapping[str, Any], field: str, *, required: bool = False, default: str = "") -> str:
    value = record.get(field)
    if value is None or value == "":
        if required:
            raise RecordError(field, "is required")
        return default
    if not isinstance(value, str):
        raise RecordError(field, f"expected text, got {type(value).__name__}")
    return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rupiah(record: Mapping[str, Any], field: str) -> int | None:
    """A money field by the rule of `domain.money` (whole rupiah up to its maximum); blank is no price,
    a flaw that imports and that validation reports."""
    value = record.get(field)
    if _blank(value):
        return None
    try:
        return rupiah(value)
    except MoneyError as exc:
        raise RecordError(field, exc.reason) from None


def _int(record: Mapping[str, Any], field: str, default: int = 0) -> int:
    """A whole, non-negative quantity (stock, weight, sizes): the digit rule of money, without a currency."""
    value = record.get(field)
    if _blank(value):
        return default
    try:
        return whole_number(value)
    except MoneyError as exc:
        raise RecordError(field, exc.reason) from None


def _string_list(value: Any, field: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        # Spreadsheet cells carry lists separated by '|'.
        return tuple(part.strip() for part in value.split("|") if part.strip())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RecordError(field, "expected a list of text")


def _tiers(value: Any) -> tuple[Tier, ...]:
    if value in (None, "", []):
        return ()
    if not isinstance(value, list):
        raise RecordError("tiers", "expected a list of {name, options}")
    tiers: list[Tier] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise RecordError(f"tiers[{index}].name", "is required")
        options = _string_list(item.get("options"), f"tiers[{index}].options")
        if not options:
            raise RecordError(f"tiers[{index}].options", "needs at least one option")
        tiers.append(Tier(item["name"], options))
    if len(tiers) > MAX_TIERS:
        raise RecordError("tiers", f"{len(tiers)} tiers; at most {MAX_TIERS} are supported")
    return tuple(tiers)


def _variants(value: Any, tiers: tuple[Tier, ...]) -> tuple[Variant, ...]:
    if value in (None, "", []):
        if tiers:
            raise RecordError("variants", "tiers are given but there are no variants")
        return ()
    if not isinstance(value, list):
        raise RecordError("variants", "expected a list")
    if not tiers:
        raise RecordError("tiers", "variants are given but there are no tiers")
    variants: list[Variant] = []
    for index, item in enumerate(value):
        where = f"variants[{index}]"
        if not isinstance(item, dict):
            raise RecordError(where, "expected an object")
        try:
            sku = _text(item, "sku", required=True)
            options = _string_list(item.get("options"), "options")
            price = _rupiah(item, "price")
            stock = _int(item, "stock")
            image = _text(item, "image") or None
        except RecordError as exc:
            raise RecordError(f"{where}.{exc.field}", exc.problem) from None
        if len(options) != len(tiers):
            raise RecordError(f"{where}.options", f"has {len(options)} values for {len(tiers)} tiers")
        for tier, option in zip(tiers, options, strict=True):
            if option not in tier.options:
                raise RecordError(f"{where}.options", f"'{option}' is not an option of tier '{tier.name}'")
        variants.append(Variant(sku=sku, options=options, price=price, stock=stock, image=image))
    return tuple(variants)


def attribute_name(raw: str, field: str) -> str:
    """The seller's spelling of an attribute name, trimmed; `field` is where it came from."""
    name = raw.strip()
    if not name:
        raise RecordError(field, "an attribute name is empty")
    if len(name) > MAX_ATTRIBUTE_TEXT:
        raise RecordError(
            field, f"the attribute name '{name[:40]}…' is {len(name)} characters; at most {MAX_ATTRIBUTE_TEXT}")
    return name


_KINDS: Final = {dict: "an object", bool: "true or false", type(None): "null", list: "a list"}


def _attribute_choice(raw: Any, field: str, expected: str) -> str:
    # bool is an int to Python, but `true` is not a value any attribute means.
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise RecordError(field, f"{raw} is not a finite number")
        # Decimal text, never "1e-05" or "2.0": what the seller would type.
        return str(int(raw)) if raw.is_integer() else format(Decimal(repr(raw)), "f")
    raise RecordError(field, f"expected {expected}, got {_KINDS.get(type(raw), type(raw).__name__)}")


def attribute_value(raw: Any, field: str) -> str | None:
    """An attribute's value as stored: text, a number as its decimal text, or a list (a multi-select)
    joined with "; "; blank text and an empty list are no value."""
    if isinstance(raw, list):
        choices = [_attribute_choice(choice, f"{field}[{index}]", "text or a number")
                   for index, choice in enumerate(raw)]
        for index, choice in enumerate(choices):
            if not choice:
                raise RecordError(f"{field}[{index}]", "a choice of a multi-select is empty")
        value = MULTI_SELECT_SEPARATOR.join(choices)
    else:
        value = _attribute_choice(raw, field, "text, a number or a list of them")
    if len(value) > MAX_ATTRIBUTE_TEXT:
        raise RecordError(field, f"the value is {len(value)} characters; at most {MAX_ATTRIBUTE_TEXT}")
    return value or None


def attribute_key(name: str) -> str:
    """What makes two attribute names the same attribute: case does not ("Warna" and "warna" are one),
    while the seller's own spelling is kept for display and for the marketplaces."""
    return name.casefold()


def _attributes(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise RecordError("attributes", "expected an object of attribute name to value")
    names = [attribute_name(raw_name, "attributes") for raw_name in value]
    spellings: dict[str, str] = {}
    for name in names:
        earlier = spellings.get(attribute_key(name))
        if earlier is not None:
            # Which of the two values the seller meant is unknowable.
            raise RecordError("attributes", f"'{earlier}' and '{name}' name the same attribute (names ignore case)")
        spellings[attribute_key(name)] = name
    pairs: list[tuple[str, str]] = []
    for name, raw in zip(names, value.values(), strict=True):
        text = attribute_value(raw, f"attributes.{name}")
        if text is not None:
            pairs.append((name, text))
    return tuple(sorted(pairs))


def product_from_record(record: Mapping[str, Any], *, default_id: str) -> Product:
    """Build a `Product` from a record, or raise `RecordError` naming the bad field."""
    for field in REQUIRED_FIELDS:
        if field not in record:
            raise RecordError(field, "is missing")
    category = _text(record, "category", required=True)
    if category not in CATEGORIES:
        raise RecordError("category", f"unknown category '{category}'")
    origin_text = _text(record, "origin", default=Platform.SHOPEE.value)
    try:
        origin = Platform(origin_text)
    except ValueError:
        raise RecordError("origin", f"'{origin_text}' is not shopee or tiktok") from None
    sku = _text(record, "sku", required=True)
    if any(c.isspace() for c in sku):
        raise RecordError("sku", f"'{sku}' contains white space")
    tiers = _tiers(record.get("tiers"))
    variants = _variants(record.get("variants"), tiers)
    stock = sum(v.stock for v in variants) if variants else _int(record, "stock")
    if stock > MAX_QUANTITY:
        raise RecordError("stock", f"the variants' stock adds up to {stock:,}, above the maximum of {MAX_QUANTITY:,}")
    return Product(
        id=_text(record, "id") or default_id,
        sku=sku,
        title=_text(record, "title", required=True),
        description=_text(record, "description"),
        category=category,
        brand=_text(record, "brand", default="No Brand"),
        weight_g=_int(record, "weight_g"),
        length_cm=_int(record, "length_cm"),
        width_cm=_int(record, "width_cm"),
        height_cm=_int(record, "height_cm"),
        price=_rupiah(record, "price"),
        stock=stock,
        images=_string_list(record.get("images"), "images"),
        tiers=tiers,
        variants=variants,
        origin=origin,
        attributes=_attributes(record.get("attributes")),
    )


def product_to_record(product: Product) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": product.id,
        "sku": product.sku,
        "title": product.title,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "weight_g": product.weight_g,
        "length_cm": product.length_cm,
        "width_cm": product.width_cm,
        "height_cm": product.height_cm,
        "price": product.price,
        "stock": product.stock,
        "origin": product.origin.value,
        "images": list(product.images),
    }
    if product.tiers:
        record["tiers"] = [{"name": t.name, "options": list(t.options)} for t in product.tiers]
        record["variants"] = [
            {"sku": v.sku, "options": list(v.options), "price": v.price, "stock": v.stock, "image": v.image}
            for v in product.variants
        ]
    # Only when there are any: a product without attributes keeps the fingerprint it had before they existed.
    if product.attributes:
        record["attributes"] = dict(product.attributes)
    return record


def fingerprint(product: Product) -> str:
    """A content hash of everything the seller controls, to tell a changed product from an unchanged one."""
    canonical = json.dumps(product_to_record(product), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def duplicate_skus(products: Sequence[Product]) -> dict[str, list[str]]:
    """Variant SKUs used by more than one variant, with the product ids using them."""
    seen: dict[str, list[str]] = {}
    for product in products:
        for variant in product.variants:
            seen.setdefault(variant.sku, []).append(product.id)
    return {sku: ids for sku, ids in seen.items() if len(ids) > 1}


@dataclass
class ImportSummary:
    path: str
    products: int
    created: int
    updated: int
    unchanged: int
    relisted: int
    seo_exceptions: dict[str, list[str]] = dataclass_field(default_factory=dict)  # platform -> product ids
    price_warnings: list[str] = dataclass_field(default_factory=list)
    duplicate_variant_skus: dict[str, list[str]] = dataclass_field(default_factory=dict)
