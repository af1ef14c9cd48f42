"""The seller's master catalog as plain values: no I/O, no ORM.

A `Product` is what the seller owns; marketplaces get a *listing* derived from it
(price by the platform's rule, an SEO title for the platform). Money is whole rupiah
(`int`); a missing price is `None`, never 0 pretending to be a price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

# Re-exported: SyncStatus lives with the rest of the vocabulary; `domain.catalog.SyncStatus` keeps working.
from syncstore_cli.domain.vocabulary import SyncStatus as SyncStatus


class Platform(StrEnum):
    SHOPEE = "shopee"
    TIKTOK = "tiktok"


PLATFORMS: Final[tuple[Platform, ...]] = (Platform.SHOPEE, Platform.TIKTOK)


@dataclass(frozen=True)
class Category:
    """One of the seller's own (master) categories. Which marketplace category each one is filed under
    is the seller's mapping (`syncstore categories`), made against the trees the marketplaces return."""

    key: str
    name: str


# The seller's categories (catalog.md).
CATEGORIES: Final[dict[str, Category]] = {
    c.key: c
    for c in (
        Category("frame", "Drone FPV > Frame"),
        Category("propeller", "Drone FPV > Propeller"),
        Category("motor", "Drone FPV > Motor Brushless"),
        Category("esc", "Drone FPV > ESC"),
        Category("flight_controller", "Drone FPV > Flight Controller & Stack"),
        Category("vtx", "Drone FPV > Video Transmitter (VTX)"),
        Category("camera", "Drone FPV > Kamera FPV"),
        Category("antenna", "Drone FPV > Antena"),
        Category("receiver", "Drone FPV > Receiver"),
        Category("radio", "Drone FPV > Radio Transmitter"),
        Category("goggles", "Drone FPV > Goggles & DVR"),
        Category("battery", "Drone FPV > Baterai LiPo"),
        Category("charger", "Drone FPV > Charger"),
        Category("cable", "Drone FPV > Kabel & Konektor"),
        Category("hardware", "Drone FPV > Baut, Standoff & Hardware"),
        Category("tool", "Drone FPV > Peralatan"),
        Category("drone", "Drone FPV > Drone BNF/PNP"),
        Category("whoop", "Drone FPV > Tiny Whoop"),
    )
}


@dataclass(frozen=True)
class Tier:
    """A variation axis such as colour or KV, with its options in display order."""

    name: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    sku: str
    options: tuple[str, ...]  # one value per tier, in tier order
    price: int | None
    stock: int
    image: str | None = None


@dataclass(frozen=True)
class Product:
    id: str
    sku: str
    title: str
    description: str
    category: str
    brand: str
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    price: int | None
    stock: int
    images: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()
    variants: tuple[Variant, ...] = ()
    origin: Platform = Platform.SHOPEE
    # The product's own attribute values by attribute name ("Negara Asal" -> "China"), sorted by name;
    # they win over the seller's per-category defaults. A multi-select value lists its choices with "; ".
    attributes: tuple[tuple[str, str], ...] = ()
    status: SyncStatus = field(default=SyncStatus.NOT_SYNCED, compare=False)

    @property
    def has_variants(self) -> bool:
        return bool(self.variants)

    @property
    def total_stock(self) -> int:
        return sum(v.stock for v in self.variants) if self.variants else self.stock
