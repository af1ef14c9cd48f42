"""The listing each product should have on each marketplace, the rules that block it, and the plan.

`desired_listing` turns a catalog product plus its derived `ListingDraft` (price by the platform's
rule, SEO title) into a `DesiredListing`. `blocking_reasons` is the seller's checklist plus each
platform's documented limits: a product that fails it is planned as `blocked` and never sent.
`plan_listing` compares the desired listing with the last state known to be on the marketplace,
field group by field group, the way `terraform plan` compares configuration and state.

A state ("snapshot") is the JSON-ready dict of field groups from `DesiredListing.groups()`: what
SyncStore last confirmed on the marketplace by reading it back (or found there on import).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.fieldgroups import ATTRIBUTES, FIELD_GROUPS, group_differs
from syncstore_cli.domain.listing import ListingDraft
from syncstore_cli.domain.seo import title_problems
from syncstore_cli.domain.taxonomy import ChosenValue, ListingTerms, attributes_state

MIN_IMAGES: Final = 3  # the seller's rule; both marketplaces would take one
MAX_IMAGES: Final = 9  # both marketplaces
MIN_DESCRIPTION: Final = 100  # Shopee's item_description_length_limit; the seller holds TikTok to it too
PRICE_RANGE: Final[dict[Platform, tuple[int, int]]] = {
    Platform.SHOPEE: (100, 150_000_000),  # get_item_limit price_limit (IDR)
    Platform.TIKTOK: (100, 100_000_000),  # TikTok Shop ID price limits
}
MAX_STOCK: Final[dict[Platform, int]] = {Platform.SHOPEE: 999_999, Platform.TIKTOK: 99_999}
MAX_WEIGHT_G: Final = 300_000
MAX_TIERS: Final[dict[Platform, int]] = {Platform.SHOPEE: 2, Platform.TIKTOK: 3}
MAX_VARIANTS: Final[dict[Platform, int]] = {Platform.SHOPEE: 50, Platform.TIKTOK: 100}
SKU_PATTERN: Final = re.compile(r"^\S{1,50}$")

GROUPS: Final = FIELD_GROUPS  # field groups, in the order a plan prints them (domain.fieldgroups)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    NO_CHANGE = "no_change"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class DesiredVariant:
    sku: str
    options: tuple[str, ...]
    price: int
    stock: int


@dataclass(frozen=True)
class DesiredListing:
    platform: Platform
    product_id: str
    sku: str
    title: str
    description: str
    category_id: str
    images: tuple[str, ...]  # the catalog's image URLs; adapters upload them and send references
    price: int | None  # the listing's own price when it has no variants
    stock: int
    tier_names: tuple[str, ...]
    variants: tuple[DesiredVariant, ...]
    brand: str
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    tokopedia: bool  # TikTok: list on Tokopedia too (the shop is linked and the category is in its tree)
    attributes: tuple[ChosenValue, ...] = ()  # the category's attribute values (domain.taxonomy)

    def groups(self) -> dict[str, Any]:
        """Each field group as a JSON-ready value; two listings match where their groups are equal."""
        return {
            "title": self.title,
            "description": self.description,
            "images": list(self.images),
            "category": self.category_id,
            "brand": self.brand,
            "attributes": attributes_state(self.attributes),
            "package": [self.weight_g, self.length_cm, self.width_cm, self.height_cm],
            "variants": {"tiers": list(self.tier_names), "skus": [[v.sku, list(v.options)] for v in self.variants]},
            "price": {v.sku: v.price for v in self.variants} if self.variants else self.price,
            "stock": {v.sku: v.stock for v in self.variants} if self.variants else self.stock,
        }


@dataclass(frozen=True)
class PlanEntry:
    product_id: str
    sku: str
    platform: Platform
    action: Action
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # group -> (known, desired)
    reasons: tuple[str, ...] = ()  # why blocked
    external_id: str | None = None
    desired: DesiredListing | None = None

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id, "sku": self.sku, "platform": self.platform.value,
            "action": self.action.value, "external_id": self.external_id,
            "changes": {k: {"from": old, "to": new} for k, (old, new) in self.changes.items()},
            "reasons": list(self.reasons),
        }


def desired_listing(product: Product, draft: ListingDraft, terms: ListingTerms) -> DesiredListing:
    """The listing `product` should have on `draft.platform`; prices are the draft's (already ruled), the
    category, attributes and Tokopedia choice are `terms` (domain.taxonomy.listing_terms)."""
    platform = draft.platform
    variants = tuple(
        DesiredVariant(v.sku, v.options, draft.variant_prices.get(v.sku) or 0, v.stock) for v in product.variants
    )
    return DesiredListing(
        platform=platform, product_id=product.id, sku=product.sku, title=draft.seo_title or "",
        description=product.description, category_id=terms.category_id or "", images=product.images,
        price=None if variants else draft.price, stock=0 if variants else product.stock,
        tier_names=tuple(t.name for t in product.tiers), variants=variants, brand=product.brand or "No Brand",
        weight_g=product.weight_g, length_cm=product.length_cm, width_cm=product.width_cm,
        height_cm=product.height_cm, tokopedia=terms.tokopedia, attributes=terms.attributes,
    )


def blocking_reasons(
    product: Product, draft: ListingDraft, sku_owners: Mapping[str, str] | None = None, *, creating: bool = True,
) -> list[str]:
    """Why `product` must not be sent to `draft.platform`; [] when it may.

    `sku_owners` maps every variant SKU to the first product (catalog order) that uses it, so the
    later product of a duplicated SKU is the one blocked. `creating` says the listing does not exist
    yet: TikTok Shop refuses a SKU with no inventory on create, but takes 0 as an update.
    """
    platform = draft.platform
    label = platform.value
    reasons: list[str] = []
    master = title_problems(product.title, platform)
    reasons.extend(f"master title: {problem}" for problem in master)
    if draft.seo_title is None:
        reasons.append(f"no {label} title: {draft.seo_reason or 'no title in the similarity band'}")
    elif not master:
        reasons.extend(f"{label} title: {problem}" for problem in title_problems(draft.seo_title, platform))
    if len(product.images) < MIN_IMAGES:
        reasons.append(f"has {len(product.images)} image(s); at least {MIN_IMAGES} needed")
    if len(product.images) > MAX_IMAGES:
        reasons.append(f"has {len(product.images)} images; at most {MAX_IMAGES} allowed")
    if len(product.description.strip()) < MIN_DESCRIPTION:
        reasons.append(f"description is {len(product.description.strip())} characters; at least {MIN_DESCRIPTION} "
                       "needed")
    if product.weight_g <= 0:
        reasons.append("weight is 0 g; a shipping weight is required")
    elif product.weight_g > MAX_WEIGHT_G:
        reasons.append(f"weight {product.weight_g} g is over {MAX_WEIGHT_G} g")
    if not SKU_PATTERN.match(product.sku):
        reasons.append(f"SKU {product.sku!r} must be 1–50 characters without spaces")
    reasons.extend(_price_reasons(product, draft))
    reasons.extend(_variant_reasons(product, platform, sku_owners or {}))
    if platform is Platform.TIKTOK and product.total_stock <= 0:
        reasons.append("stock is 0; TikTok Shop refuses a product with no inventory")
    elif platform is Platform.TIKTOK and creating and any(v.stock <= 0 for v in product.variants):
        empty = ", ".join(v.sku for v in product.variants if v.stock <= 0)
        reasons.append(f"variant(s) {empty} have stock 0; TikTok Shop refuses a new SKU with no inventory")
    if product.total_stock > MAX_STOCK[platform] or any(v.stock > MAX_STOCK[platform] for v in product.variants):
        reasons.append(f"stock is over {label}'s {MAX_STOCK[platform]:,}")
    return reasons


def _price_reasons(product: Product, draft: ListingDraft) -> list[str]:
    low, high = PRICE_RANGE[draft.platform]
    prices: list[tuple[str, int | None]]
    if product.variants:
        prices = [(f"variant {v.sku}", draft.variant_prices.get(v.sku)) for v in product.variants]
    else:
        prices = [("price", draft.price)]
    reasons = []
    for what, price in prices:
        if price is None or price <= 0:
            reasons.append(f"{what} is {'missing' if price is None else 0}; a price is required")
        elif not low <= price <= high:
            reasons.append(f"{what} {price:,} is outside {draft.platform.value}'s {low:,}–{high:,}")
    return reasons


def _variant_reasons(product: Product, platform: Platform, sku_owners: Mapping[str, str]) -> list[str]:
    if not product.variants:
        return []
    reasons = []
    if len(product.tiers) > MAX_TIERS[platform]:
        reasons.append(f"{len(product.tiers)} variant tiers; {platform.value} allows {MAX_TIERS[platform]}")
    if len(product.variants) > MAX_VARIANTS[platform]:
        reasons.append(f"{len(product.variants)} variants; {platform.value} allows {MAX_VARIANTS[platform]}")
    seen: set[str] = set()
    for variant in product.variants:
        if variant.sku in seen:
            reasons.append(f"variant SKU {variant.sku} appears twice in this product")
        seen.add(variant.sku)
        owner = sku_owners.get(variant.sku)
        if owner is not None and owner != product.id:
            reasons.append(f"variant SKU {variant.sku} is already used by {owner}")
    return reasons


def plan_listing(
    desired: DesiredListing, known: Mapping[str, Any] | None, external_id: str | None, reasons: list[str],
) -> PlanEntry:
    """create (no listing yet), update (the groups that differ from the known state), no change, or blocked."""
    def entry(action: Action, changes: dict[str, tuple[Any, Any]] | None = None) -> PlanEntry:
        return PlanEntry(product_id=desired.product_id, sku=desired.sku, platform=desired.platform, action=action,
                         changes=changes or {}, reasons=tuple(reasons), external_id=external_id, desired=desired)

    if reasons:
        return entry(Action.BLOCKED)
    wanted = desired.groups()
    if external_id is None:
        return entry(Action.CREATE, {g: (None, wanted[g]) for g in GROUPS})
    state = known or {}
    # Attributes count as changed only where a wanted one differs (a marketplace may add its own); every
    # other group is compared whole, images by URL (the catalog's, as last sent).
    changes = {g: (state.get(g), wanted[g]) for g in GROUPS
               if (group_differs(wanted, state, g) if g == ATTRIBUTES else state.get(g) != wanted[g])}
    return entry(Action.UPDATE if changes else Action.NO_CHANGE, changes)
