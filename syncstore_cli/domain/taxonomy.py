"""Marketplace categories and attributes as the seller's listings need them. Pure: plain values in.

Each marketplace files a listing under one of its own *leaf* categories and wants, per category, the
attributes it marks mandatory. SyncStore never invents either: the trees and attribute lists are read
from the marketplace (`syncstore categories refresh`) and cached; the seller maps each master category
(or one product) to a leaf and sets attribute values per category (`syncstore attributes set`) or per
product (the catalog's `attributes`). `listing_terms` turns all of that into what one listing carries
(category id, attribute values, Tokopedia) or the reasons it cannot be sent yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from syncstore_cli.domain.catalog import CATEGORIES, Platform, Product

MULTI_VALUE_SEPARATOR: Final = ";"  # "a; b" is two choices of a multi-select attribute


class InputType(StrEnum):
    SINGLE_SELECT = "SINGLE_SELECT"
    MULTI_SELECT = "MULTI_SELECT"
    TEXT = "TEXT"


class MappingScope(StrEnum):
    MASTER = "master"  # a master category: every product in it
    PRODUCT = "product"  # one product, overriding its master category's mapping


@dataclass(frozen=True)
class MarketCategory:
    platform: Platform
    id: str
    name: str
    parent_id: str
    is_leaf: bool
    tokopedia: bool = False  # TikTok: the category is in the Tokopedia tree too


@dataclass(frozen=True)
class AttributeDef:
    """One product attribute of a marketplace category, as the marketplace describes it."""

    id: str
    name: str
    mandatory: bool
    input_type: InputType
    values: tuple[tuple[str, str], ...] = ()  # (value id, name); empty for free text
    custom_values: bool = False  # a value outside `values` is accepted (as text)
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoryRequirements:
    """What a leaf category demands: its attributes, a brand, certifications (names of required ones)."""

    attributes: tuple[AttributeDef, ...]
    brand_required: bool = False
    certifications: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChosenValue:
    """One attribute value a listing carries (several with one attribute id: a multi-select)."""

    attribute_id: str
    value_id: str  # "" for a free-text / custom value
    name: str
    unit: str = ""


@dataclass(frozen=True)
class ListingTerms:
    """Where a listing goes on one marketplace and what it carries there; `reasons` block it."""

    category_id: str | None
    category_name: str = ""
    attributes: tuple[ChosenValue, ...] = ()
    tokopedia: bool = False
    reasons: tuple[str, ...] = ()
    attribute_names: Mapping[str, str] = field(default_factory=dict)  # attribute id -> name, for display


@dataclass(frozen=True)
class MissingAttribute:
    """A mandatory attribute a product has no usable value for."""

    attribute: AttributeDef
    problem: str  # "missing" or why the value given is not usable


def mapping_hint(platform: Platform, master: str, product_id: str | None = None) -> str:
    """The commands that (re)map a master category, or one product when its own mapping is the one used."""
    if product_id is not None:
        return (f"run `syncstore categories suggest --product {product_id} --platform {platform.value}` and "
                f"`syncstore categories map {product_id} --product --{platform.value} ID`")
    return (f"run `syncstore categories suggest {master} --platform {platform.value}` and "
            f"`syncstore categories map {master} --{platform.value} ID`")


def category_path(categories: Mapping[str, MarketCategory], category_id: str) -> str:
    """'Cameras & Drones > Drone Accessories' for a node of the tree (its id when not in it)."""
    names: list[str] = []
    seen: set[str] = set()
    current = categories.get(category_id)
    while current is not None and current.id not in seen:
        seen.add(current.id)
        names.append(current.name)
        current = categories.get(current.parent_id)
    return " > ".join(reversed(names)) if names else category_id


def split_values(text: str) -> list[str]:
    return [part.strip() for part in text.split(MULTI_VALUE_SEPARATOR) if part.strip()]


def choose_value(attribute: AttributeDef, text: str) -> tuple[list[ChosenValue], str | None]:
    """The values `text` stands for in `attribute`, or why it does not fit (the second item).

    A listed value is matched by its name (case-insensitively) or its id; a value outside the list is
    taken as text only where the marketplace accepts custom values. A unit the attribute knows may end
    the text ("5000 mAh").
    """
    parts = split_values(text) if attribute.input_type is InputType.MULTI_SELECT else [text.strip()]
    parts = [p for p in parts if p]
    if not parts:
        return [], "empty value"
    by_name = {name.casefold(): (vid, name) for vid, name in attribute.values}
    by_id = {vid: (vid, name) for vid, name in attribute.values}
    chosen: list[ChosenValue] = []
    for part in parts:
        listed = by_name.get(part.casefold()) or by_id.get(part)
        if listed is not None:
            chosen.append(ChosenValue(attribute.id, listed[0], listed[1]))
            continue
        if attribute.values and not attribute.custom_values:
            examples = ", ".join(name for _, name in attribute.values[:8])
            more = "…" if len(attribute.values) > 8 else ""
            return [], f"{part!r} is not one of its values ({examples}{more})"
        value, unit = _split_unit(part, attribute.units)
        chosen.append(ChosenValue(attribute.id, "", value, unit))
    return chosen, None


def _split_unit(text: str, units: Sequence[str]) -> tuple[str, str]:
    for unit in sorted(units, key=len, reverse=True):
        if unit and text.casefold().endswith(unit.casefold()) and len(text) > len(unit):
            return text[: -len(unit)].strip(), unit
    return text, ""


def attribute_values(
    product: Product, requirements: CategoryRequirements, defaults: Mapping[str, str],
) -> tuple[list[ChosenValue], list[MissingAttribute]]:
    """Values for the category's attributes: the product's own (by attribute name), else the seller's
    default for the category (by attribute id); and the mandatory ones left without a usable value."""
    own = {name.casefold(): value for name, value in product.attributes}
    chosen: list[ChosenValue] = []
    missing: list[MissingAttribute] = []
    for attribute in requirements.attributes:
        text = own.get(attribute.name.casefold())
        if text is None or not text.strip():
            text = defaults.get(attribute.id)
        if text is None or not text.strip():
            if attribute.mandatory:
                missing.append(MissingAttribute(attribute, "missing"))
            continue
        values, problem = choose_value(attribute, text)
        if problem is not None:
            if attribute.mandatory:
                missing.append(MissingAttribute(attribute, problem))
            continue  # an optional attribute with an unusable value is left out, not sent wrong
        chosen.extend(values)
    return chosen, missing


def listing_terms(
    product: Product,
    platform: Platform,
    mapped: tuple[str, str] | None,
    categories: Mapping[str, MarketCategory],
    requirements: CategoryRequirements | None,
    defaults: Mapping[str, str],
    *,
    tokopedia_shop: bool = False,
) -> ListingTerms:
    """The category, attributes and Tokopedia choice of `product`'s listing on `platform`.

    `mapped` is (category id, what mapped it: "product" or "master") or None; `categories` the cached
    tree; `requirements` the category's cached attributes and rules (None: never read). Every gap is a
    reason, named so the seller knows which command fills it; nothing is guessed.
    """
    label = "Shopee" if platform is Platform.SHOPEE else "TikTok Shop"
    master = product.category
    master_name = CATEGORIES[master].name if master in CATEGORIES else master
    if mapped is None:
        return ListingTerms(None, reasons=(
            f"category: no {label} category is mapped for {master!r} ({master_name}); "
            f"{mapping_hint(platform, master)}",))
    category_id, scope = mapped
    whose = f"product {product.id}" if scope == MappingScope.PRODUCT else repr(master)
    if not categories:
        return ListingTerms(category_id, reasons=(
            f"category: {label}'s category tree was never read, so {category_id} (mapped for {whose}) cannot "
            f"be checked; run `syncstore categories refresh`",))
    node = categories.get(category_id)
    if node is None:
        return ListingTerms(category_id, reasons=(
            f"category: {label} category {category_id} (mapped for {whose}) is not in the marketplace's "
            f"current tree; {mapping_hint(platform, master, product.id if scope == MappingScope.PRODUCT else None)}",))
    path = category_path(categories, category_id)
    if not node.is_leaf:
        return ListingTerms(category_id, path, reasons=(
            f"category: {label} category {category_id} ({path}, mapped for {whose}) is not a leaf; map one "
            f"of its subcategories",))
    if requirements is None:
        return ListingTerms(category_id, path, reasons=(
            f"attributes: {label} category {category_id} ({path}) has no attribute list read yet; run "
            f"`syncstore categories refresh`",))
    chosen, missing = attribute_values(product, requirements, defaults)
    reasons = [
        f"attribute {m.attribute.name!r} ({m.attribute.id}) is mandatory in {label} category {category_id} "
        f"({path}): " + ("no value; set it with `syncstore attributes set " + category_id
                         + f" --platform {platform.value} {m.attribute.id} VALUE` or the product's "
                           f"attr:{m.attribute.name}" if m.problem == "missing" else m.problem)
        for m in missing]
    if requirements.brand_required and product.brand.strip().casefold() in ("", "no brand"):
        reasons.append(f"brand: {label} category {category_id} ({path}) requires a brand; the product has none")
    reasons.extend(f"certification {name!r} is required by {label} category {category_id} ({path}); SyncStore "
                   "does not send certifications: list this product in the Seller Center, or map another "
                   "category" for name in requirements.certifications)
    return ListingTerms(
        category_id, path, tuple(chosen),
        tokopedia=platform is Platform.TIKTOK and tokopedia_shop and node.tokopedia,
        reasons=tuple(reasons), attribute_names={a.id: a.name for a in requirements.attributes})


def attributes_state(values: Iterable[ChosenValue]) -> dict[str, list[str]]:
    """The "attributes" field group: attribute id -> its value names, sorted (a multi-select in any order
    is the same listing). Names, not ids: a custom value gets its id only on the marketplace."""
    state: dict[str, list[str]] = {}
    for value in values:
        state.setdefault(value.attribute_id, []).append(f"{value.name} {value.unit}".strip())
    return {aid: sorted(names) for aid, names in sorted(state.items())}


@dataclass(frozen=True)
class Suggestion:
    category_id: str
    path: str
    votes: int  # how many of the sampled products' titles the marketplace recommended it for
    is_leaf: bool


def rank_suggestions(recommended: Iterable[Sequence[str]], categories: Mapping[str, MarketCategory]) -> list[
        Suggestion]:
    """Leaf categories recommended for a master category's sample titles, by votes (a first place counts
    more than a later one), then by the marketplace's order; non-leaves and unknown ids are dropped."""
    score: dict[str, float] = {}
    votes: dict[str, int] = {}
    order: dict[str, int] = {}
    for ranking in recommended:
        for place, category_id in enumerate(ranking):
            node = categories.get(category_id)
            if node is None or not node.is_leaf:
                continue
            score[category_id] = score.get(category_id, 0.0) + 1.0 / (place + 1)
            votes[category_id] = votes.get(category_id, 0) + 1
            order.setdefault(category_id, len(order))
    ranked = sorted(score, key=lambda cid: (-score[cid], order[cid]))
    return [Suggestion(cid, category_path(categories, cid), votes[cid], True) for cid in ranked]


# The seller's words for each master category, for an imported listing whose marketplace category maps
# to no single master (most parts share one marketplace leaf). The earliest word in the title wins: an
# Indonesian title names the product first ("Baut Frame …" is hardware, "Frame … Carbon" a frame).
_MASTER_WORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("whoop", ("whoop",)),
    ("vtx", ("vtx", "video transmitter")),
    ("goggles", ("goggles", "goggle", "kacamata fpv", "headset fpv")),
    ("flight_controller", ("flight controller", "fc", "stack", "aio")),
    ("radio", ("radio", "remote", "transmitter", "literadio")),
    ("receiver", ("receiver", "rx")),
    ("camera", ("camera", "kamera")),
    ("esc", ("esc",)),
    ("motor", ("motor",)),
    ("propeller", ("propeller", "prop", "props", "baling baling", "baling-baling")),
    ("antenna", ("antena", "antenna", "whoop ant")),
    ("charger", ("charger",)),
    ("battery", ("baterai", "batre", "battery", "lipo", "li-ion", "liion")),
    ("cable", ("kabel", "cable", "konektor", "connector", "selongsong", "heat shrink", "xt60", "xt30", "pigtail")),
    ("hardware", ("baut", "mur", "standoff", "battery strap", "strap", "damper", "karet", "spacer", "screw", "nut",
                  "grommet")),
    ("tool", ("tang", "obeng", "pinset", "solder", "smoke stopper", "lipo checker", "toolkit", "tool", "kunci")),
    ("frame", ("frame",)),
)
_FALLBACK_MASTER: Final = ("drone", ("drone",))  # "Drone FPV" also starts titles of parts and whoops
_BRAND_WORDS: Final = ("t-motor", "tmotor")  # brands spelled like a category word


def guess_master_category(title: str) -> str | None:
    """The master category whose word comes first in `title`; None when no word matches."""
    text = " " + " ".join(title.casefold().replace("/", " ").split()) + " "
    for brand in _BRAND_WORDS:
        text = text.replace(f" {brand} ", " ")
    best: tuple[int, int, int, str] | None = None
    for rank, (master, words) in enumerate(_MASTER_WORDS):
        for word in words:
            at = text.find(f" {word} ")
            # Earliest first; at one place the longer phrase ("battery strap" over "battery"), then the rule order.
            if at >= 0 and (best is None or (at, -len(word), rank) < best[:3]):
                best = (at, -len(word), rank, master)
    if best is not None:
        return best[3]
    master, words = _FALLBACK_MASTER
    return master if any(f" {word} " in text for word in words) else None
