"""The pre-batch snapshot: every listing a batch will touch, read from its marketplace before any job runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.engine.ports import KnownListingsPort, Shop, Snapshot
from syncstore_cli.engine.remote import remote_state
from syncstore_cli.errors import UserInputError
from syncstore_cli.marketplaces.base import map_in_context


def take_snapshots(listings: KnownListingsPort, batch_id: str, product_ids: Sequence[str],
                   platforms: Sequence[Platform], shops: Mapping[Platform, Shop]) -> list[Snapshot]:
    """Reads every listing the batch will touch from its marketplace (nothing is stored here).

    A listing the store knows no id for is recorded as absent: undoing the batch there means
    deleting what it created. A listing whose marketplace read fails stops the batch (raised):
    a batch that could not be undone must not start.
    """

    def platform_snapshots(platform: Platform) -> list[Snapshot]:
        known = {pid: listings.known_listing(pid, platform.value) for pid in product_ids}
        listed = {k.external_id: pid for pid, k in known.items() if k.external_id}
        remote: dict[str, Any] = {}
        if listed:
            shop = shops.get(platform)
            if shop is None:
                raise UserInputError(f"no {platform.value} shop is authorized; run `syncstore auth {platform.value}`")
            remote = {listing.external_id: listing for listing in shop.client.get_listings(list(listed))}
        found = []
        for product_id, k in known.items():
            listing = remote.get(k.external_id) if k.external_id else None
            found.append(Snapshot(
                batch_id, product_id, platform.value, k.external_id if listing is not None else None,
                remote_state(listing) if listing is not None else None,
                {v.sku: v.external_id for v in listing.variants} if listing is not None else {}, k.state))
        return found

    # Both marketplaces at once: their rate budgets are separate.
    with ThreadPoolExecutor(max_workers=max(1, len(platforms))) as pool:
        return [s for found in map_in_context(pool, platform_snapshots, platforms) for s in found]
