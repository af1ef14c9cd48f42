"""`syncstore import --from shopee|tiktok|all`: the seller's existing listings become the master catalog.

Every listing is read through the real client (paged and batched as each API allows), turned
into a catalog product, and stored with the mapping to its listing and variant ids. Running it
again creates nothing new. A listing whose SKU another listing or product already uses is
reported, never merged.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from syncstore_cli.domain.catalog import Platform, Product, Tier, Variant
from syncstore_cli.domain.report import count_of
from syncstore_cli.domain.seo import PLATFORM_LABELS
from syncstore_cli.domain.taxonomy import MappingScope, guess_master_category
from syncstore_cli.engine.remote import remote_state
from syncstore_cli.errors import UserInputError
from syncstore_cli.marketplaces.base import RemoteListing
from syncstore_cli.marketplaces.http import Exchange

if TYPE_CHECKING:
    from syncstore_cli.app.context import AppContext
    from syncstore_cli.app.shops import ShopConnections
    from syncstore_cli.domain.records import ImportSummary



@dataclass
class MarketplaceImportSummary:
    listings: dict[str, int] = field(default_factory=dict)
    collisions: list[str] = field(default_factory=list)
    unknown_categories: list[str] = field(default_factory=list)
    mapped: int = 0
    categories_mapped: int = 0  # master categories mapped to where their listings already are
    calls: int = 0
    calls_by_api: dict[str, int] = field(default_factory=dict)  # "platform METHOD /path" with ids folded
    catalog: ImportSummary | None = None


@dataclass(frozen=True)
class ImportProgress:
    """How far the read of one platform has got: after each listing, and once more when it is done."""

    platform: str
    read: int  # listings read so far
    total: int | None  # what the marketplace says its shops hold (summed over the shops started); None: not said
    finished: bool = False


def describe_import(summary: MarketplaceImportSummary) -> str:
    """The outcome in words, for the CLI and the demo: what was read from where, what it did to the catalog,
    what it could not take and what it cost."""
    read = [f"{count_of(count, 'listing')} read from {PLATFORM_LABELS[Platform(platform)]}" if n == 0
            else f"{count:,} from {PLATFORM_LABELS[Platform(platform)]}"
            for n, (platform, count) in enumerate(summary.listings.items())]
    parts = [", ".join(read) or "nothing read"]
    catalog = summary.catalog
    if catalog is not None:
        changes = f"{catalog.created:,} created, {catalog.updated:,} updated"
        if catalog.relisted:
            changes += f", {catalog.relisted:,} re-priced or re-titled"
        parts.append(f"{changes}, {catalog.unchanged:,} unchanged")
    parts.append(f"{summary.mapped:,} listing and variant ids recorded")
    if summary.categories_mapped:
        parts.append(f"{count_of(summary.categories_mapped, 'master category mapping', 'master category mappings')} "
                     "taken from where the listings are")
    parts.append(count_of(len(summary.collisions), "SKU collision"))
    if summary.unknown_categories:
        parts.append(f"{len(summary.unknown_categories):,} skipped for an unknown category")
    parts.append(count_of(summary.calls, "API call"))
    return "; ".join(parts)


class _Reading:
    """Counts one platform's listings as they arrive and tells `progress`, with the total once it is known."""

    def __init__(self, platform: Platform, progress: Callable[[ImportProgress], None] | None) -> None:
        self.platform = platform
        self.progress = progress
        self.read = 0
        self.totals: list[int] = []  # each shop's total_count, as its first page arrives

    def total(self, count: int) -> None:
        self.totals.append(count)
        self._tell()

    def listing(self) -> None:
        self.read += 1
        self._tell()

    def done(self) -> None:
        self._tell(finished=True)

    def _tell(self, finished: bool = False) -> None:
        if self.progress is not None:
            self.progress(ImportProgress(self.platform.value, self.read, sum(self.totals) if self.totals else None,
                                         finished))


def _listings(auth: ShopConnections, platform: Platform, on_call: Callable[[Exchange], None],
              on_total: Callable[[int], None] | None = None) -> Iterator[RemoteListing]:
    from syncstore_cli.marketplaces.shopee.client import ShopeeClient
    from syncstore_cli.marketplaces.shopee.signer import ShopeeShopToken
    from syncstore_cli.marketplaces.tiktok.client import TikTokClient
    from syncstore_cli.marketplaces.tiktok.signer import TikTokShopToken

    shops = [s for s in auth.tokens.shops() if s.platform == platform.value]
    if not shops:
        raise UserInputError(f"no {platform.value} shop is authorized: run `syncstore auth {platform.value}` first")
    keeper = auth.keeper(platform.value)
    concurrency = auth.settings.read_concurrency
    for shop in shops:
        # The token is looked up on every attempt, so a long import refreshes it when it nears expiry.
        if platform is Platform.SHOPEE:
            def shopee_token(shop_id: str = shop.shop_id) -> ShopeeShopToken:
                return ShopeeShopToken(int(shop_id), keeper.access_token(shop_id))

            with auth.shopee_http(shopee_token, on_exchange=on_call, shop_id=shop.shop_id) as http:
                yield from ShopeeClient(http, concurrency=concurrency).list_listings(on_total=on_total)
        else:
            def tiktok_token(shop_id: str = shop.shop_id, cipher: str | None = shop.shop_cipher) -> TikTokShopToken:
                return TikTokShopToken(keeper.access_token(shop_id), cipher)

            with auth.tiktok_http(tiktok_token, on_exchange=on_call, shop_id=shop.shop_id) as http:
                yield from TikTokClient(http, concurrency=concurrency).list_listings(on_total=on_total)


def _product(listing: RemoteListing, product_id: str, category: str) -> Product:
    variants = tuple(Variant(v.sku, v.options, v.price, v.stock) for v in listing.variants)
    tiers = tuple(
        Tier(name, tuple(dict.fromkeys(v.options[index] for v in listing.variants)))
        for index, name in enumerate(listing.tier_names)
    )
    price = listing.price if listing.price is not None else min((v.price for v in listing.variants), default=None)
    return Product(
        id=product_id, sku=listing.sku, title=listing.title, description=listing.description, category=category,
        brand=listing.brand, weight_g=listing.weight_g, length_cm=listing.length_cm, width_cm=listing.width_cm,
        height_cm=listing.height_cm, price=price, stock=listing.stock, images=listing.images, tiers=tiers,
        variants=variants, origin=Platform(listing.platform),
    )


def import_from_marketplaces(ctx: AppContext, platforms: list[Platform],
                             progress: Callable[[ImportProgress], None] | None = None) -> MarketplaceImportSummary:
    auth = ctx.shops
    summary = MarketplaceImportSummary()
    owners = ctx.catalog.sku_owners()
    next_number = max((int(i.rsplit("-", 1)[1]) for i in owners.values() if i.rsplit("-", 1)[-1].isdigit()),
                      default=0)
    products: list[Product] = []
    mappings: dict[Platform, dict[str, tuple[str, dict[str, str]]]] = {p: {} for p in platforms}
    states: dict[Platform, dict[str, dict[str, Any]]] = {p: {} for p in platforms}
    claimed: dict[str, str] = {}  # sku -> "platform:external id" of the listing that brought it

    counting = threading.Lock()  # reads run on several threads

    def count_call(exchange: Exchange) -> None:
        path = "/".join("{id}" if part.isdigit() else part for part in exchange.path.split("/"))
        key = f"{exchange.platform} {exchange.method} {path}"
        with counting:
            summary.calls += 1
            summary.calls_by_api[key] = summary.calls_by_api.get(key, 0) + 1

    # The master category of a listing: its product's, if the catalog has it; else the one master the
    # seller mapped its marketplace category to; else the seller's words in its title (most marketplace
    # leaves hold several masters). Where it sits on the marketplace is kept (see _keep_categories).
    existing = {s.product.sku: s.product.category for s in ctx.catalog.all_products()}
    masters_of: dict[tuple[Platform, str], set[str]] = defaultdict(set)
    for filed in ctx.taxonomy.mappings(MappingScope.MASTER):
        masters_of[(filed.platform, filed.category_id)].add(filed.key)
    placed: dict[Platform, dict[str, tuple[str, str]]] = {p: {} for p in platforms}  # product -> (master, leaf)
    undecided: list[tuple[Platform, RemoteListing, str]] = []

    def take(platform: Platform, listing: RemoteListing, where: str, category: str) -> None:
        nonlocal next_number
        claimed[listing.sku] = where
        product_id = owners.get(listing.sku)
        if product_id is None:
            next_number += 1
            product_id = f"PROD-{next_number}"
        products.append(_product(listing, product_id, category))
        placed[platform][product_id] = (category, listing.category_id)
        mappings[platform][product_id] = (listing.external_id, {v.sku: v.external_id for v in listing.variants})
        states[platform][product_id] = remote_state(listing)

    for platform in platforms:
        reading = _Reading(platform, progress)
        for listing in _listings(auth, platform, count_call, reading.total):
            reading.listing()
            where = f"{platform.value}:{listing.external_id}"
            if not listing.sku or listing.sku in claimed:
                summary.collisions.append(f"{where} SKU '{listing.sku}' is already used by {claimed.get(listing.sku)}")
                continue
            masters = masters_of.get((platform, listing.category_id), set())
            category = existing.get(listing.sku) or (next(iter(masters)) if len(masters) == 1 else None) \
                or guess_master_category(listing.title)
            if category is None:
                undecided.append((platform, listing, where))
                continue
            take(platform, listing, where, category)
        summary.listings[platform.value] = reading.read
        reading.done()
    # A title without the seller's words: the master category most listings of its marketplace leaf have.
    usual: dict[tuple[Platform, str], Counter[str]] = defaultdict(Counter)
    for platform, placements in placed.items():
        for master, leaf in placements.values():
            usual[(platform, leaf)][master] += 1
    for platform, listing, where in undecided:
        votes = usual.get((platform, listing.category_id))
        if listing.sku in claimed:
            summary.collisions.append(f"{where} SKU '{listing.sku}' is already used by {claimed[listing.sku]}")
        elif votes:
            take(platform, listing, where, votes.most_common(1)[0][0])
        else:
            summary.unknown_categories.append(f"{where} category {listing.category_id} (no master category fits "
                                              "its title or its category)")
    summary.catalog = ctx.catalog.store_products(products, ctx.settings.pricing, "+".join(p.value for p in platforms))
    summary.categories_mapped = _keep_categories(ctx, placed)
    for platform, mapping in mappings.items():
        summary.mapped += ctx.catalog.record_external_ids(platform, mapping)
        # What is on the marketplace now is the state the first sync plans against.
        ctx.jobs.set_synced_states(platform.value, states[platform])
    return summary


def _keep_categories(ctx: AppContext, placed: dict[Platform, dict[str, tuple[str, str]]]) -> int:
    """Keeps imported listings in the marketplace categories they are in: a master category not mapped yet
    on a platform is mapped to where most of its listings are; a listing elsewhere gets its own mapping.
    Returns how many master mappings this made."""
    current = {(m.platform, m.key): m.category_id for m in ctx.taxonomy.mappings(MappingScope.MASTER)}
    masters: list[tuple[MappingScope, str, Platform, str]] = []
    overrides: list[tuple[MappingScope, str, Platform, str]] = []
    for platform, products in placed.items():
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for master, leaf in products.values():
            votes[master][leaf] += 1
        chosen = dict(current)
        for master, counter in votes.items():
            if (platform, master) not in chosen:
                leaf = counter.most_common(1)[0][0]
                chosen[(platform, master)] = leaf
                masters.append((MappingScope.MASTER, master, platform, leaf))
        overrides += [(MappingScope.PRODUCT, product_id, platform, leaf)
                      for product_id, (master, leaf) in products.items() if chosen[(platform, master)] != leaf]
    ctx.taxonomy.set_mappings(masters, source="import")
    ctx.taxonomy.set_mappings(overrides, source="import")
    return len(masters)


IMPORT_SOURCES = {"shopee": [Platform.SHOPEE], "tiktok": [Platform.TIKTOK], "all": [Platform.SHOPEE, Platform.TIKTOK]}


def import_from_source(ctx: AppContext, source: str,
                       progress: Callable[[ImportProgress], None] | None = None) -> MarketplaceImportSummary:
    """`import --from shopee|tiktok|all`."""
    if source not in IMPORT_SOURCES:
        raise UserInputError(f"--from '{source}' is not shopee, tiktok or all")
    return import_from_marketplaces(ctx, IMPORT_SOURCES[source], progress)
