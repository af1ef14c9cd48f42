"""Catalog records (one product as a flat mapping, as in a JSON Lines or CSV file) to and from `Product`.

Two kinds of trouble are kept apart on purpose:
- a *malformed* record (missing required field, a price that is not a number or not whole rupiah by
  the rule of `domain.money`, an unknown category) cannot become a `Product`: `RecordError` names the
  field, and the import stops;
- a *flawed* product (too few images, price 0 or missing, a title too long for a platform)
  is still a product: it imports, and validation reports it later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Final

from syncstore_cli.domain.catalog import CATEGORIES, Platform, Product, Tier, Variant
from syncstore_cli.domain.money import MAX_QUANTITY, MoneyError, rupiah, whole_number

REQUIRED_FIELDS: Final = ("sku", "title", "category", "price")
MAX_TIERS: Final = 2


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
