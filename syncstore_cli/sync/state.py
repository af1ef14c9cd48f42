"""A marketplace listing as field groups (the plan's "state"), and what a read-back found different.

`remote_state` puts a `RemoteListing` in the shape of `DesiredListing.groups()`, so import can
record what is on the marketplace and a read-back can be compared group by group. Images are
compared by count: a marketplace serves its own copies under its own URLs.
"""

from __future__ import annotations

from typing import Any

from syncstore_cli.domain.desired import DesiredListing
from syncstore_cli.marketplaces.base import RemoteListing


def remote_state(listing: RemoteListing) -> dict[str, Any]:
    return {
        "title": listing.title,
        "description": listing.description,
        "images": list(listing.images),
        "category": listing.category_id,
        "brand": listing.brand,
        "package": [listing.weight_g, listing.length_cm, listing.width_cm, listing.height_cm],
        "variants": {"tiers": list(listing.tier_names),
                     "skus": [[v.sku, list(v.options)] for v in listing.variants]},
        "price": {v.sku: v.price for v in listing.variants} if listing.variants else listing.price,
        "stock": {v.sku: v.stock for v in listing.variants} if listing.variants else listing.stock,
    }


def readback_differences(desired: DesiredListing, listing: RemoteListing) -> list[str]:
    """What the marketplace shows that is not what was sent; [] when the listing is as intended."""
    wanted = desired.groups()
    found = remote_state(listing)
    problems = []
    for group in ("title", "description", "category", "variants", "price", "stock"):
        if wanted[group] != found[group]:
            problems.append(f"{group}: sent {_short(wanted[group])}, marketplace has {_short(found[group])}")
    if len(wanted["images"]) != len(found["images"]):
        problems.append(f"images: sent {len(wanted['images'])}, marketplace has {len(found['images'])}")
    if listing.sku != desired.sku:
        problems.append(f"sku: sent {desired.sku}, marketplace has {listing.sku}")
    if desired.tokopedia and "TOKOPEDIA" not in listing.extra.get("listing_platforms", ("TOKOPEDIA",)):
        problems.append("listing_platforms: Tokopedia was asked for but is not listed")
    return problems


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
