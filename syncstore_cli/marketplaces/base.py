"""The small interface the sync engine needs from a marketplace, and the plain records it speaks in.

Adapters (`shopee.client.ShopeeClient`, `tiktok.client.TikTokClient`) map each marketplace's wire shapes
to these records; nothing above `marketplaces/` sees a marketplace's JSON. Prices are whole rupiah (IDR has
no minor unit on either marketplace); an adapter refuses a fractional price with `ValidationFailed`
rather than rounding it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable


@dataclass(frozen=True)
class AttributeValue:
    """One value of a product attribute, as sent in a create/update or read back from the marketplace.

    Several values with the same `attribute_id` make a multi-select attribute's selection.
    """

    attribute_id: str
    value_id: str = ""  # the marketplace's id of a listed value; "" for free text or a custom value
    name: str = ""  # the value's text: the listed value's name, or the free text
    unit: str = ""  # Shopee value_unit for quantitative attributes; "" otherwise


@dataclass(frozen=True)
class RemoteVariant:
    """One model (Shopee) or SKU (TikTok) of a listing."""

    sku: str
    options: tuple[str, ...]  # one option name per tier, in tier order; () when the listing has no tiers
    price: int
    stock: int
    external_id: str  # Shopee model_id, TikTok sku id


@dataclass(frozen=True)
class RemoteListing:
    """A listing as the marketplace has it now.

    `price`/`stock` are the listing's own values for an item without variants; for an item with variants
    `price` is None and `stock` is the sum over the variants. `images` are URLs where the marketplace
    gives them (ids otherwise). `extra` carries platform-specific facts (TikTok: `tokopedia_status`,
    `audit_status`; Shopee: `update_time`), never anything the sync must compare. `attributes` are the
    product attributes with the names the marketplace shows.
    """

    platform: str
    external_id: str
    sku: str
    title: str
    description: str
    category_id: str
    price: int | None
    stock: int
    images: tuple[str, ...]
    tier_names: tuple[str, ...]
    variants: tuple[RemoteVariant, ...]
    status: str
    extra: dict[str, Any] = field(default_factory=dict)
    brand: str = "No Brand"
    weight_g: int = 0
    length_cm: int = 0
    width_cm: int = 0
    height_cm: int = 0
    attributes: tuple[AttributeValue, ...] = ()

    @property
    def skus(self) -> tuple[str, ...]:
        """Every SKU this listing carries: the variants' SKUs, or its own when it has none."""
        return tuple(v.sku for v in self.variants) if self.variants else (self.sku,)


@dataclass(frozen=True)
class VariantSpec:
    """One variant as the sync wants it: its SKU, one option per tier, absolute price and stock."""

    sku: str
    options: tuple[str, ...]
    price: int
    stock: int


@dataclass(frozen=True)
class ListingSpec:
    """Everything a listing should carry, as the sync sends it (create, or update of some fields).

    `images` are references returned by `upload_image` (Shopee image_id, TikTok uri), cover first.
    `price`/`stock` are the listing's own for a product without variants (`variants == ()`); with
    variants they are ignored and each variant carries its own. `logistics` are Shopee logistic
    channel ids or the TikTok warehouse id; empty means "the adapter picks the shop's default".
    `tokopedia` asks TikTok to list on Tokopedia too (`listing_platforms`); Shopee ignores it.
    `attributes` are the product attributes (category-specific), sent on create and when the "attributes"
    or "category" group changes.
    """

    sku: str
    title: str
    description: str
    category_id: str
    images: tuple[str, ...]
    price: int | None
    stock: int
    tier_names: tuple[str, ...] = ()
    variants: tuple[VariantSpec, ...] = ()
    brand: str = "No Brand"
    weight_g: int = 0
    length_cm: int = 0
    width_cm: int = 0
    height_cm: int = 0
    logistics: tuple[str, ...] = ()
    tokopedia: bool = True
    attributes: tuple[AttributeValue, ...] = ()


# The field groups `update_listing` understands; the sync sends only the groups that changed.
UPDATE_FIELDS: frozenset[str] = frozenset({
    "title", "description", "images", "category", "brand", "package",  # package = weight + dimensions
    "price", "stock",  # absolute values: the listing's own, or each variant's
    "variants",  # the variant structure: tier names, options, variants added or removed
    "attributes",  # the product attributes (a category change sends them too)
})


@dataclass(frozen=True)
class WriteResult:
    """What a create or an update left on the marketplace: the listing id and each variant's id."""

    external_id: str
    variant_ids: dict[str, str] = field(default_factory=dict)  # variant SKU -> model_id / sku id
    status: str = ""  # as the marketplace reports it right after the write (TikTok: PENDING while audited)


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    parent_id: str
    is_leaf: bool


# Attribute.input_type, normalised across marketplaces.
SINGLE_SELECT = "SINGLE_SELECT"
MULTI_SELECT = "MULTI_SELECT"
TEXT = "TEXT"


@dataclass(frozen=True)
class Attribute:
    id: str
    name: str
    mandatory: bool
    values: tuple[tuple[str, str], ...]  # (value id, value name)
    custom_values: bool  # whether a value outside `values` is accepted
    input_type: str = ""  # SINGLE_SELECT, MULTI_SELECT or TEXT; "" when the marketplace does not say
    multiple: bool = False  # whether several values may be chosen
    units: tuple[str, ...] = ()  # the units a quantitative value takes (Shopee attribute_unit_list)


@dataclass(frozen=True)
class Certification:
    """A certification a category asks for; `required` when always required (conditions aside)."""

    id: str
    name: str
    required: bool


@dataclass(frozen=True)
class CategoryRules:
    """What a category demands beyond attributes (TikTok Get Category Rules; Shopee has no such call)."""

    certifications: tuple[Certification, ...] = ()
    size_chart_required: bool = False
    package_dimensions_required: bool = False


@dataclass(frozen=True)
class Brand:
    id: str
    name: str


@dataclass(frozen=True)
class LogisticsOption:
    """A Shopee logistic channel or a TikTok warehouse."""

    id: str
    name: str
    enabled: bool
    default: bool = False


@dataclass(frozen=True)
class ListingLimits:
    """What a valid listing must respect on this marketplace (inclusive ranges)."""

    title_length: tuple[int, int]
    description_length: tuple[int, int]
    images: tuple[int, int]
    price: tuple[int, int]
    stock: tuple[int, int]
    max_tiers: int
    max_options_per_tier: int
    max_variants: int
    weight_g: tuple[int, int]


@runtime_checkable
class MarketplaceClient(Protocol):
    """What the sync needs from one shop on one marketplace."""

    platform: str

    def list_listings(self, page_size: int = 100) -> Iterator[RemoteListing]:
        """Every listing of the shop (deleted ones excluded), complete, read in pages and batches."""
        ...

    def get_listing(self, external_id: str) -> RemoteListing:
        """One listing by the marketplace's id; `NotFound` when the shop has no such listing."""
        ...

    def get_listings(self, external_ids: Sequence[str]) -> list[RemoteListing]:
        """Several listings by id, batched where the marketplace allows; ids not in the shop are left out."""
        ...

    def changed_since(self, since: float) -> list[RemoteListing]:
        """Every listing (deleted ones excluded), complete, whose marketplace update time is at or after
        `since` (Unix seconds): what was edited since then, as far as the marketplace's update times say.
        Its cost follows the number of changed listings, not the size of the shop."""
        ...

    def removed_since(self, since: float) -> list[str]:
        """The ids of listings deleted (by the seller or the marketplace) whose update time is at or after
        `since`: what a changed-since read cannot show, since it leaves deleted listings out."""
        ...

    def find_by_sku(self, sku: str) -> list[RemoteListing]:
        """Listings whose SKU (or one of whose variant SKUs) is exactly `sku`; [] when none."""
        ...

    def find_by_skus(self, skus: Sequence[str]) -> dict[str, list[RemoteListing]]:
        """`find_by_sku` for many SKUs at once (each SKU asked -> its listings), in as few requests as the
        marketplace allows: a batch snapshot looks up every product it may create."""
        ...

    def upload_image(self, data: bytes) -> str:
        """Uploads one image; returns the reference a listing uses (Shopee image_id, TikTok uri)."""
        ...

    def delete_listing(self, external_id: str) -> None:
        """Deletes one listing; `NotFound` when it is not there."""
        ...

    def create_listing(self, spec: ListingSpec, idempotency_key: str) -> WriteResult:
        """Creates one listing with its variants. `idempotency_key` is fixed by the caller before the
        first attempt (TikTok honours it; Shopee has none, so the caller resolves an unknown outcome by
        `find_by_sku`). Raises `ValidationFailed` with the marketplace's reason when refused."""
        ...

    def update_listing(self, external_id: str, spec: ListingSpec, fields: frozenset[str]) -> WriteResult:
        """Makes the listing carry `spec` for the field groups in `fields` (see UPDATE_FIELDS), with
        absolute values only, so a retry is safe. Variants are matched by SKU."""
        ...

    def unlist_listing(self, external_id: str) -> None:
        """Hides a listing from buyers without deleting it (Shopee UNLIST, TikTok deactivate)."""
        ...

    def relist_listing(self, external_id: str) -> None:
        """Shows an unlisted listing again."""
        ...

    def categories(self) -> list[Category]:
        ...

    def recommend_categories(self, title: str, *, description: str = "", images: Sequence[str] = ()) -> list[str]:
        """Leaf category ids the marketplace suggests for a product, best first. `images` are upload
        references (as in `ListingSpec.images`)."""
        ...

    def attributes(self, category_id: str) -> list[Attribute]:
        ...

    def brands(self, category_id: str) -> list[Brand]:
        ...

    def brand_required(self, category_id: str) -> bool:
        """Whether a listing in this category must name a brand ("No Brand" is then refused)."""
        ...

    def category_rules(self, category_id: str) -> CategoryRules:
        ...

    def logistics(self) -> list[LogisticsOption]:
        ...

    def limits(self, category_id: str) -> ListingLimits:
        ...


A = TypeVar("A")
R = TypeVar("R")


def map_in_context(pool: Executor, function: Callable[[A], R], items: Iterable[A]) -> Iterator[R]:
    """`pool.map`, but each call runs in a copy of the caller's context (ContextVars), so requests made
    on the pool's threads are logged under the caller's job or batch. Results come in order."""
    futures = [pool.submit(contextvars.copy_context().run, function, item) for item in items]
    return (future.result() for future in futures)
