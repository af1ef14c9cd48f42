"""The pre-batch snapshot: every listing a batch will touch, as its marketplace has it before any job runs.

Read in full (every listing by id), or, given where the shop's changes were last read (`ChangesSince`,
from the last drift check), as the last confirmed state plus what changed: one read of the listings
updated since then, and by id only those whose stored state cannot stand for the marketplace's (never
confirmed, or a seller edit the drift policy reported and left). So its cost follows the number of
changes, not the size of the batch. It trusts the marketplace's update times, as drift does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.engine.ports import KnownListingsPort, Shop, Snapshot
from syncstore_cli.engine.remote import listings_with_skus, remote_state
from syncstore_cli.errors import UserInputError
from syncstore_cli.marketplaces.base import RemoteListing, map_in_context


@dataclass(frozen=True)
class ChangesSince:
    """A shop whose listings' stored states were last brought in step with it at `since` (epoch seconds):
    those updated later are read, and `reread` (product ids) always are."""

    since: float
    reread: Collection[str] = frozenset()


def take_snapshots(listings: KnownListingsPort, batch_id: str, product_ids: Sequence[str],
                   platforms: Sequence[Platform], shops: Mapping[Platform, Shop],
                   skus: Mapping[str, tuple[str, Sequence[str]]], *,
                   changes: Mapping[Platform, ChangesSince] | None = None) -> list[Snapshot]:
    """Reads every listing the batch will touch from its marketplace (nothing is stored here).

    A listing the store knows no id for is looked up by SKU (`skus`: product id -> its SKU and its
    variants'), as the job will before it creates: one the seller made by hand, or one a restored
    backup forgot, is what the batch will adopt, so its fields are what a rollback must put back. A
    listing found nowhere is recorded as absent: undoing the batch there means deleting what it
    created. A read that fails stops the batch (raised): a batch that could not be undone must not start.
    """

    def platform_snapshots(platform: Platform) -> list[Snapshot]:
        known = {pid: listings.known_listing(pid, platform.value) for pid in product_ids}
        listed = {k.external_id: pid for pid, k in known.items() if k.external_id}
        shop = shops.get(platform)
        if shop is None:
            raise UserInputError(f"no {platform.value} shop is authorized; run `syncstore auth {platform.value}`")
        remote: dict[str, Any] = {}
        trusted: set[str] = set()  # listings whose stored state stands for the marketplace's
        since = (changes or {}).get(platform)
        if since is not None and listed:
            remote = {listing.external_id: listing for listing in shop.client.changed_since(since.since)
                      if listing.external_id in listed}
            trusted = {external_id for external_id, pid in listed.items()
                       if external_id not in remote and known[pid].state is not None and pid not in since.reread}
        unread = [external_id for external_id in listed if external_id not in remote and external_id not in trusted]
        if unread:
            remote.update({listing.external_id: listing for listing in shop.client.get_listings(unread)})
        unlisted = {pid: skus[pid] for pid, k in known.items() if not k.external_id and pid in skus}
        by_sku: dict[str, RemoteListing] = {}
        for product_id, matches in (listings_with_skus(shop.client, unlisted) if unlisted else {}).items():
            if len(matches) == 1:  # several: the job refuses the SKU (DUPLICATE_LISTING); nothing to adopt
                by_sku[product_id] = matches[0]
        found = []
        for product_id, k in known.items():
            if k.external_id in trusted:
                found.append(Snapshot(batch_id, product_id, platform.value, k.external_id, k.state,
                                      dict(k.variant_ids), k.state))
                continue
            listing = remote.get(k.external_id) if k.external_id else by_sku.get(product_id)
            found.append(Snapshot(
                batch_id, product_id, platform.value, listing.external_id if listing is not None else None,
                remote_state(listing) if listing is not None else None,
                {v.sku: v.external_id for v in listing.variants} if listing is not None else {}, k.state))
        return found

    # Both marketplaces at once: their rate budgets are separate.
    with ThreadPoolExecutor(max_workers=max(1, len(platforms))) as pool:
        return [s for found in map_in_context(pool, platform_snapshots, platforms) for s in found]
