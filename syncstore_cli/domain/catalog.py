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
    """One of the seller's categories, with the leaf category each marketplace files it under."""

    key: str
    name: str
    shopee_category_id: int
    tiktok_category_id: str


# The seller's categories. The marketplace ids are the leaf categories the listings
# use today; the sandbox serves the same tree (see sandbox seeding).
CATEGORIES: Final[dict[str, Category]] = {
    c.key: c
    for c in (
        Category("frame", "Drone FPV > Frame", 101_944, "601120"),
        Category("propeller", "Drone FPV > Propeller", 101_945, "601121"),
        Category("motor", "Drone FPV > Motor Brushless", 101_946, "601122"),
        Category("esc", "Drone FPV > ESC", 101_947, "601123"),
        Category("flight_controller", "Drone FPV > Flight Controller & Stack", 101_948, "601124"),
        Category("vtx", "Drone FPV > Video Transmitter (VTX)", 101_949, "601125"),
        Category("camera", "Drone FPV > Kamera FPV", 101_950, "601126"),
        Category("antenna", "Drone FPV > Antena", 101_951, "601127"),
        Category("receiver", "Drone FPV > Receiver", 101_952, "601128"),
        Category("radio", "Drone FPV > Radio Transmitter", 101_953, "601129"),
        Category("goggles", "Drone FPV > Goggles & DVR", 101_954, "601130"),
        Category("battery", "Drone FPV > Baterai LiPo", 101_955, "601131"),
        Category("charger", "Drone FPV > Charger", 101_956, "601132"),
        Category("cable", "Drone FPV > Kabel & Konektor", 101_957, "601133"),
        Category("hardware", "Drone FPV > Baut, Standoff & Hardware", 101_958, "601134"),
        Category("tool", "Drone FPV > Peralatan", 101_959, "601135"),
        Category("drone", "Drone FPV > Drone BNF/PNP", 101_960, "601136"),
        Category("whoop", "Drone FPV > Tiny Whoop", 101_961, "601137"),
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
    status: SyncStatus = field(default=SyncStatus.NOT_SYNCED, compare=False)

    @property
    def has_variants(self) -> bool:
        return bool(self.variants)

    @property
    def total_stock(self) -> int:
        return sum(v.stock for v in self.variants) if self.variants else self.stock
