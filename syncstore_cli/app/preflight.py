"""Use case: a read-only preflight before going live. Only read calls go to the configured hosts.

For each marketplace: the credentials and the shop's authorization work (an authenticated read
succeeds); the shop has a usable logistics channel (Shopee) or sales warehouse (TikTok); the live
category tree still has every mapped category as a leaf; every product's listing has its category
and mandatory attributes (counted by reason, against the live tree and the live attribute lists);
and what is known of the shop's limits. A check that could not read what it checks fails, saying so.
Nothing is written: not to the marketplaces, not to the catalog's cache.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from syncstore_cli.domain.catalog import PLATFORMS, Platform
from syncstore_cli.domain.taxonomy import CategoryRequirements, MarketCategory, category_path, listing_terms
from syncstore_cli.engine.taxonomy import read_requirements
from syncstore_cli.marketplaces.errors import MarketplaceError

if TYPE_CHECKING:
    from syncstore_cli.app.context import AppContext
    from syncstore_cli.marketplaces.base import MarketplaceClient


@dataclass(frozen=True)
class PreflightCheck:
    platform: Platform
    name: str  # credentials, logistics, categories, attributes, limits
    passed: bool
    detail: str
    fixes: tuple[str, ...] = ()  # what to do, one line each


@dataclass
class PreflightResult:
    checks: list[PreflightCheck] = field(default_factory=list)
    blocked: dict[str, dict[str, int]] = field(default_factory=dict)  # platform -> reason kind -> products
    ready: dict[str, int] = field(default_factory=dict)  # platform -> products a first batch could send

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)


def _reason_kind(reason: str) -> str:
    head = reason.split(":", 1)[0].split(" ", 1)[0]
    return {"category": "category", "attribute": "attribute", "attributes": "attribute", "brand": "brand",
            "certification": "certification"}.get(head, "product")


def preflight(ctx: AppContext, platforms: Sequence[Platform] = PLATFORMS) -> PreflightResult:
    result = PreflightResult()
    authorized = {s.platform for s in ctx.tokens.shops() if s.authorized}
    with ExitStack() as stack:
        shops = ctx.shops.open_shops(stack) if authorized else {}
        for platform in platforms:
            label = "Shopee" if platform is Platform.SHOPEE else "TikTok Shop"
            shop = shops.get(platform)
            if shop is None:
                result.checks.append(PreflightCheck(platform, "credentials", False, f"no {label} shop is authorized",
                                                    (f"run `syncstore auth {platform.value}`",)))
                continue
            _check_platform(ctx, platform, label, shop.client, result)
    return result


def _check_platform(ctx: AppContext, platform: Platform, label: str, client: MarketplaceClient,
                    result: PreflightResult) -> None:
    add = result.checks.append
    try:
        channels = client.logistics()
    except MarketplaceError as error:  # the first authenticated read: credentials and authorization
        add(PreflightCheck(platform, "credentials", False, f"{label} refused an authenticated read: {error}",
                           (f"check the {platform.value} credentials, then `syncstore auth {platform.value}`",)))
        return
    add(PreflightCheck(platform, "credentials", True, f"{label} answered an authenticated read"))
    usable = [c for c in channels if c.enabled and c.default]
    what = "logistics channel" if platform is Platform.SHOPEE else "sales warehouse"
    add(PreflightCheck(platform, "logistics", bool(usable),
                       f"{len(usable)} usable {what}(s): " + ", ".join(c.name or c.id for c in usable[:5])
                       if usable else f"no usable {what}",
                       () if usable else (f"enable a {what} in the {label} Seller Center",)))
    try:
        nodes = client.categories()
    except MarketplaceError as error:
        add(PreflightCheck(platform, "categories", False, f"could not read {label}'s category tree: {error}"))
        return
    tokopedia: set[str] = set()
    tokopedia_tree = getattr(client, "tokopedia_categories", None)
    if tokopedia_tree is not None:
        tokopedia = {c.id for c in tokopedia_tree()}
    tree = {c.id: MarketCategory(platform, c.id, c.name, c.parent_id, c.is_leaf, c.id in tokopedia) for c in nodes}
    if not tree:
        add(PreflightCheck(platform, "categories", False, f"{label} answered an empty category tree"))
        return
    mapped = sorted({m.category_id for m in ctx.taxonomy.mappings() if m.platform is platform})
    not_leaves = [cid for cid in mapped if cid not in tree or not tree[cid].is_leaf]
    add(PreflightCheck(
        platform, "categories", not not_leaves,
        f"{len(mapped)} mapped categories, all leaves of the live tree" if not not_leaves else
        "mapped but not a leaf of the live tree: " + ", ".join(
            f"{cid} ({category_path(tree, cid) if cid in tree else 'removed'})" for cid in not_leaves),
        tuple(f"map the master categories filed under {cid} again (`syncstore categories suggest` / `map`)"
              for cid in not_leaves)))
    requirements: dict[str, CategoryRequirements] = {}
    try:
        for cid in mapped:
            if cid not in not_leaves:
                requirements[cid] = read_requirements(client, cid)
    except MarketplaceError as error:
        add(PreflightCheck(platform, "attributes", False, f"could not read the attributes of {label} category "
                                                          f"{cid}: {error}"))
        return
    blocked: Counter[str] = Counter()
    ready = 0
    products = [s.product for s in ctx.catalog.all_products()]
    defaults = {leaf: ctx.taxonomy.defaults(platform, leaf) for leaf in mapped}
    for product in products:
        where = ctx.taxonomy.mapped(product, platform)
        leaf = where[0] if where else ""
        terms = listing_terms(product, platform, where, tree, requirements.get(leaf), defaults.get(leaf, {}),
                              tokopedia_shop=ctx.settings.tiktok.tokopedia)
        if terms.reasons:
            for kind in {_reason_kind(r) for r in terms.reasons}:
                blocked[kind] += 1
        else:
            ready += 1
    result.blocked[platform.value] = dict(blocked)
    result.ready[platform.value] = ready
    detail = (f"{ready:,} of {len(products):,} products have their category and every mandatory attribute"
              + ("; blocked: " + ", ".join(f"{n:,} by {kind}" for kind, n in sorted(blocked.items()))
                 if blocked else ""))
    fixes = []
    if blocked.get("category"):
        fixes.append("map every master category: `syncstore categories suggest --all` then `categories map`")
    if blocked.get("attribute"):
        fixes.append("fill the mandatory attributes: `syncstore attributes missing`, then `attributes set`")
    add(PreflightCheck(platform, "attributes", ready > 0 and not blocked.get("category") and
                       not blocked.get("attribute"), detail, tuple(fixes)))
    try:
        limits = client.limits(mapped[0] if mapped else "")
    except (MarketplaceError, ValueError) as error:
        add(PreflightCheck(platform, "limits", False, f"could not read {label}'s listing limits: {error}"))
        return
    add(PreflightCheck(platform, "limits", True,
                       f"price {limits.price[0]:,}–{limits.price[1]:,} IDR, stock {limits.stock[0]}–"
                       f"{limits.stock[1]:,}, {limits.images[0]}–{limits.images[1]} images; rate budget "
                       f"{_rate(ctx, platform)}"))


def _rate(ctx: AppContext, platform: Platform) -> str:
    rate = (ctx.settings.shopee if platform is Platform.SHOPEE else ctx.settings.tiktok).rate
    return f"{rate.per_second:g} requests/s (burst {rate.burst})"
