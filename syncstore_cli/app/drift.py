"""Use case: drift: listings edited outside SyncStore (in the seller centre), found cheaply.

Each run reads only the listings whose marketplace update time is at or after the previous run's start
(less `drift.overlap_seconds`): Shopee get_item_list with an update-time range, TikTok search with
`update_time_ge`. So its cost follows the number of edits, not the size of the shop. The first run on
a shop, or `full=True`, reads every listing. It trusts the marketplaces' update times: an edit that did
not move a listing's update time is seen only by a full read.

Every listing read that the store knows (by its marketplace id, with a confirmed state) is compared
with that state group by group (`domain.drift`), and the seller's policy (`drift.policy`) is applied
to the stored state: `overwrite` groups take the marketplace's value, so the plan shows an update and
the next sync puts the master back; `report` groups keep the confirmed value, so the next sync leaves
the seller's edit alone. A sync job that records a listing while a drift check runs can see its state
replaced by one built from an earlier read; the cost is one unneeded update (absolute values), never a
lost edit.

Each platform's run is recorded as a check run (kind `drift_<platform>`) with what it found and when
it started: the next run reads from there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.drift import (
    DriftPolicy,
    GroupDrift,
    check_kind,
    find_drift,
    read_from,
    state_after_drift,
)
from syncstore_cli.engine.jobs import LogCapture
from syncstore_cli.engine.ports import Shop
from syncstore_cli.engine.remote import remote_state
from syncstore_cli.errors import UserInputError
from syncstore_cli.marketplaces.base import RemoteListing
from syncstore_cli.marketplaces.http import Exchange


@dataclass(frozen=True)
class ListingDrift:
    product_id: str
    sku: str
    platform: Platform
    external_id: str
    groups: tuple[GroupDrift, ...]

    def as_json(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "sku": self.sku, "platform": self.platform.value,
                "external_id": self.external_id,
                "groups": [{"group": g.group, "from": g.confirmed, "to": g.found, "action": g.action.value}
                           for g in self.groups]}


@dataclass(frozen=True)
class PlatformDrift:
    """One platform's run: how it read, what it read and cost, and the listings edited outside SyncStore."""

    platform: Platform
    shop_id: str
    since: float | None  # the update time it read from; None: a full read
    started_at: float
    listings_read: int
    requests: int
    listings: tuple[ListingDrift, ...]
    check_run_id: int

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform.value, "shop_id": self.shop_id,
                "read": "full" if self.since is None else "changed", "since": self.since,
                "started_at": self.started_at, "listings_read": self.listings_read, "requests": self.requests,
                "drifted": len(self.listings), "listings": [item.as_json() for item in self.listings],
                "check_run_id": self.check_run_id}


@dataclass(frozen=True)
class DriftReport:
    policy: str
    platforms: tuple[PlatformDrift, ...]

    @property
    def drifted(self) -> int:
        return sum(len(p.listings) for p in self.platforms)

    def as_json(self) -> dict[str, Any]:
        return {"drift_found": self.drifted > 0, "drifted": self.drifted, "policy": self.policy,
                "platforms": [p.as_json() for p in self.platforms]}


class _RequestCounter:
    """Counts marketplace requests per platform (every attempt), on whichever thread sends them."""

    def __init__(self, then: Callable[[Exchange], None]) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._then = then

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self.counts[exchange.platform] = self.counts.get(exchange.platform, 0) + 1
        self._then(exchange)


def check_drift(ctx: AppContext, platforms: Sequence[Platform] | None = None, *, full: bool = False,
                clock: Callable[[], float] = time.time) -> DriftReport:
    """Finds seller-centre edits on each platform (default: every authorized shop's) and applies the
    policy to the stored state. Raises UserInputError when a platform asked for has no authorized shop."""
    settings = ctx.settings.drift
    capture = LogCapture(ctx.jobs)
    counter = _RequestCounter(capture)
    results: list[PlatformDrift] = []
    with ExitStack() as stack:
        shops = ctx.shops.open_shops(stack, on_exchange=counter)
        wanted = list(platforms) if platforms else sorted(shops, key=lambda p: p.value)
        if not wanted:
            raise UserInputError("no shop is authorized; run `syncstore auth shopee` or `syncstore auth tiktok`")
        for platform in wanted:
            shop = shops.get(platform)
            if shop is None:
                raise UserInputError(f"no {platform.value} shop is authorized; run `syncstore auth {platform.value}`")
            with capture.job(None, None, None):
                results.append(_check_platform(ctx, shop, settings.policy, settings.overlap_seconds, full, clock,
                                               counter))
    return DriftReport(settings.policy.describe(), tuple(results))


def _read_from(ctx: AppContext, shop: Shop, overlap: float) -> float | None:
    """Where the previous run on this shop started, less the overlap; None when there was none."""
    previous = ctx.safety.checks(kind=check_kind(shop.platform.value), limit=1)
    return read_from(previous[0].results[0] if previous and previous[0].results else None, shop.shop_id, overlap)


def _check_platform(ctx: AppContext, shop: Shop, policy: DriftPolicy, overlap: float, full: bool,
                    clock: Callable[[], float], counter: _RequestCounter) -> PlatformDrift:
    platform = shop.platform
    started = clock()  # before the read: an edit made while it runs is read again next time
    started_at = datetime.now(UTC)
    since = None if full else _read_from(ctx, shop, overlap)
    before = counter.counts.get(platform.value, 0)
    remote: list[RemoteListing] = (list(shop.client.list_listings()) if since is None
                                   else shop.client.changed_since(since))
    owners = {external_id: ids[0] for (p, external_id), ids in ctx.catalog.external_id_owners().items()
              if p is platform and len(ids) == 1}  # several owners is a broken mapping: `validate` reports it
    found: list[tuple[str, RemoteListing]] = [(owners[r.external_id], r) for r in remote if r.external_id in owners]
    skus = {s.product.id: s.product.sku for s in ctx.catalog.get_many(sorted({pid for pid, _ in found}))}
    drifted: list[ListingDrift] = []
    new_states: dict[str, dict[str, Any]] = {}
    known_listings = ctx.jobs.known_listings([pid for pid, _ in found], platform.value)
    for product_id, listing in found:
        known = known_listings[product_id]
        if known.state is None or known.external_id != listing.external_id:
            continue  # nothing confirmed to compare with (a create under way, or never synced nor imported)
        current = remote_state(listing)
        groups = find_drift(known.state, current, policy)
        if not groups:
            continue
        drifted.append(ListingDrift(product_id, skus.get(product_id, ""), platform, listing.external_id,
                                    tuple(groups)))
        state = state_after_drift(known.state, current, groups)
        if state != known.state:
            new_states[product_id] = state
    ctx.jobs.set_synced_states(platform.value, new_states)
    requests = counter.counts.get(platform.value, 0) - before
    summary = (f"{len(drifted)} of {len(remote)} listings read edited outside SyncStore "
               f"({'full read' if since is None else 'changed since the last check'}; {requests} requests)")
    run = {"platform": platform.value, "shop_id": shop.shop_id, "started_at": started, "since": since,
           "listings_read": len(remote), "requests": requests, "policy": policy.describe(),
           "listings": [item.as_json() for item in drifted]}
    run_id = ctx.safety.record_check(check_kind(platform.value), None, not drifted, summary, [run], started_at)
    return PlatformDrift(platform, shop.shop_id, since, started, len(remote), requests, tuple(drifted), run_id)
