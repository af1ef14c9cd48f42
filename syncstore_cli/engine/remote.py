"""A marketplace listing as field groups (the plan's "state"), and what a read-back found different.

`remote_state` puts a `RemoteListing` in the shape of `DesiredListing.groups()`, so import can
record what is on the marketplace and a read-back can be compared group by group (the comparison
itself is `domain.fieldgroups`: images by count, since a marketplace serves its own copies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from syncstore_cli.domain.desired import DesiredListing
from syncstore_cli.domain.fieldgroups import CONFIRMED_GROUPS, describe_differences
from syncstore_cli.domain.taxonomy import ChosenValue, attributes_state
from syncstore_cli.marketplaces.base import MarketplaceClient, RemoteListing


def remote_state(listing: RemoteListing) -> dict[str, Any]:
    return {
        "title": listing.title,
        "description": listing.description,
        "images": list(listing.images),
        "category": listing.category_id,
        "brand": listing.brand,
        "attributes": attributes_state(ChosenValue(a.attribute_id, a.value_id, a.name, a.unit)
                                       for a in listing.attributes),
        "package": [listing.weight_g, listing.length_cm, listing.width_cm, listing.height_cm],
        "variants": {"tiers": list(listing.tier_names),
                     "skus": [[v.sku, list(v.options)] for v in listing.variants]},
        "price": {v.sku: v.price for v in listing.variants} if listing.variants else listing.price,
        "stock": {v.sku: v.stock for v in listing.variants} if listing.variants else listing.stock,
    }


def readback_differences(desired: DesiredListing, listing: RemoteListing,
                         groups: Iterable[str] = CONFIRMED_GROUPS) -> list[str]:
    """What the marketplace shows that is not what was sent; [] when the listing is as intended. `groups`:
    the field groups to confirm (an update confirms what it sent; a create, every confirmed group)."""
    problems = describe_differences(desired.groups(), remote_state(listing), groups=groups)
    if listing.sku != desired.sku:
        problems.append(f"sku: sent {desired.sku}, marketplace has {listing.sku}")
    if desired.tokopedia and "TOKOPEDIA" not in listing.extra.get("listing_platforms", ("TOKOPEDIA",)):
        problems.append("listing_platforms: Tokopedia was asked for but is not listed")
    return problems


def listings_with_skus(client: MarketplaceClient, products: Mapping[str, tuple[str, Sequence[str]]]
                       ) -> dict[str, list[RemoteListing]]:
    """`listings_with_sku` for many products at once (product id -> its SKU and its variants'), through
    the client's batched SKU search: the same search terms and the same matching, a few requests in all."""
    terms = {pid: [sku, *variant_skus[:1]] for pid, (sku, variant_skus) in products.items()}
    found = client.find_by_skus([term for chosen in terms.values() for term in chosen])
    result: dict[str, list[RemoteListing]] = {}
    for pid, (sku, variant_skus) in products.items():
        skus = {sku, *variant_skus}
        matches: dict[str, RemoteListing] = {}
        for term in terms[pid]:
            for listing in found.get(term, []):
                if listing.sku == sku or skus & set(listing.skus):
                    matches[listing.external_id] = listing
        result[pid] = list(matches.values())
    return result


def listings_with_sku(client: MarketplaceClient, sku: str, variant_skus: Sequence[str]) -> list[RemoteListing]:
    """Every live listing carrying the product's SKU or one of its variants' (distinct, in search order).

    One search, two for a product with variants: TikTok keeps no product SKU on a listing it did not
    get from us, so only a variant's seller SKU finds a hand-made one.
    """
    skus = {sku, *variant_skus}
    found: dict[str, RemoteListing] = {}
    for term in [sku, *variant_skus[:1]]:
        for listing in client.find_by_sku(term):
            if listing.sku == sku or skus & set(listing.skus):
                found[listing.external_id] = listing
    return list(found.values())
