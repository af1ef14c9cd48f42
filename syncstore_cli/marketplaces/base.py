"""The small interface the sync engine needs from a marketplace, and the plain records it speaks in.

Adapters (`shopee.client.ShopeeClient`, `tiktok.client.TikTokClient`) map each marketplace's wire shapes
to these records; nothing above `marketplaces/` sees a marketplace's JSON. Prices are whole rupiah (IDR has
no minor unit on either marketplace); an adapter refuses a fractional price with `ValidationFailed`
rather than rounding it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


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
    `audit_status`; Shopee: `update_time`), never anything the sync must compare.
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

    @property
    def skus(self) -> tuple[str, ...]:
        """Every SKU this listing carries: the variants' SKUs, or its own when it has none."""
        return tuple(v.sku for v in self.variants) if self.variants else (self.sku,)


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

    def find_by_sku(self, sku: str) -> list[RemoteListing]:
        """Listings whose SKU (or one of whose variant SKUs) is exactly `sku`; [] when none."""
        ...

    def upload_image(self, data: bytes) -> str:
        """Uploads one image; returns the reference a listing uses (Shopee image_id, TikTok uri)."""
        ...

    def delete_listing(self, external_id: str) -> None:
        """Deletes one listing; `NotFound` when it is not there."""
        ...
