"""Use cases: the marketplaces' categories and attributes, and the seller's mapping onto them.

`refresh` reads each marketplace's category tree (and, for TikTok, which leaves Tokopedia takes) and
the attributes and rules of every mapped leaf, and caches them; `suggest` asks the marketplace which
leaf fits a master category's products; `map` and `import_mapping` store the seller's choice, checked
against the cached tree; `set_attribute` stores a per-category value checked against the attribute's
value list; `missing_attributes` lists what still blocks products. Nothing here invents an id.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.domain.catalog import CATEGORIES, PLATFORMS, Platform, Product
from syncstore_cli.domain.taxonomy import (
    AttributeDef,
    CategoryRequirements,
    MappingScope,
    MarketCategory,
    Suggestion,
    attribute_values,
    category_path,
    choose_value,
    rank_suggestions,
)
from syncstore_cli.engine.taxonomy import read_requirements
from syncstore_cli.errors import NotFoundError, UserInputError

if TYPE_CHECKING:
    from syncstore_cli.app.context import AppContext
    from syncstore_cli.marketplaces.base import MarketplaceClient

SUGGEST_SAMPLES = 5  # product titles per master category sent to the marketplace's recommender
CSV_COLUMNS = ("scope", "key", "name", "shopee_category_id", "shopee_category", "tiktok_category_id",
               "tiktok_category")


def _label(platform: Platform) -> str:
    return "Shopee" if platform is Platform.SHOPEE else "TikTok Shop"


@contextmanager
def _clients(ctx: AppContext, platforms: Sequence[Platform]) -> Iterator[dict[Platform, MarketplaceClient]]:
    """A client per authorized shop among `platforms`; an unauthorized one is an error naming the command."""
    with ExitStack() as stack:
        shops = ctx.shops.open_shops(stack)
        missing = [p for p in platforms if p not in shops]
        if missing:
            raise UserInputError(f"no {' or '.join(_label(p) for p in missing)} shop is authorized; run "
                                 + " and ".join(f"`syncstore auth {p.value}`" for p in missing) + " first")
        yield {p: shops[p].client for p in platforms}


# -- refresh ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefreshResult:
    platform: Platform
    categories: int
    leaves: int
    tokopedia_leaves: int  # TikTok: leaves Tokopedia takes too
    attributes_read: int  # mapped leaves whose attributes and rules were read
    unmapped_leaves: list[str]  # mapped ids that are no longer leaves of the tree (the seller must re-map)


def refresh(ctx: AppContext, platforms: Sequence[Platform] = PLATFORMS) -> list[RefreshResult]:
    """Reads the trees again, then the attributes of every mapped leaf; replaces the cache."""
    results = []
    with _clients(ctx, platforms) as clients:
        for platform, client in clients.items():
            now = time.time()
            tokopedia: set[str] = set()
            if platform is Platform.TIKTOK:
                # Only TikTok Shop answers which leaves Tokopedia takes (Get Categories, listing_platform).
                tokopedia_tree = getattr(client, "tokopedia_categories", None)
                tokopedia = {c.id for c in tokopedia_tree()} if tokopedia_tree is not None else set()
            nodes = [MarketCategory(platform, c.id, c.name, c.parent_id, c.is_leaf, c.id in tokopedia)
                     for c in client.categories()]
            if not nodes:
                raise UserInputError(f"{_label(platform)} answered an empty category tree; nothing was replaced")
            ctx.taxonomy.replace_tree(platform, nodes, now)
            tree = {n.id: n for n in nodes}
            used = _mapped_ids(ctx, platform)
            gone = sorted(cid for cid in used if cid not in tree or not tree[cid].is_leaf)
            read = 0
            for category_id in sorted(used - set(gone)):
                ctx.taxonomy.put_requirements(platform, category_id, read_requirements(client, category_id), now)
                read += 1
            results.append(RefreshResult(platform, len(nodes), sum(n.is_leaf for n in nodes),
                                         sum(n.is_leaf and n.tokopedia for n in nodes), read, gone))
    return results


def _mapped_ids(ctx: AppContext, platform: Platform) -> set[str]:
    return {m.category_id for m in ctx.taxonomy.mappings() if m.platform is platform}


def _tree(ctx: AppContext, platform: Platform) -> dict[str, MarketCategory]:
    tree = ctx.taxonomy.tree(platform)
    if not tree:
        raise UserInputError(f"{_label(platform)}'s category tree was never read; run `syncstore categories "
                             "refresh` first")
    return tree


def _leaf(ctx: AppContext, platform: Platform, category_id: str) -> MarketCategory:
    tree = _tree(ctx, platform)
    node = tree.get(category_id.strip())
    if node is None:
        raise NotFoundError(f"{_label(platform)} category {category_id!r} is not in its category tree (read "
                            f"{_age(ctx.taxonomy.fetched_at(platform))}); find one with `syncstore categories "
                            f"search TEXT --platform {platform.value}`")
    if not node.is_leaf:
        children = [n for n in tree.values() if n.parent_id == node.id][:6]
        raise UserInputError(f"{_label(platform)} category {node.id} ({category_path(tree, node.id)}) is not a "
                             "leaf; listings go in a leaf, such as "
                             + ", ".join(f"{c.id} ({c.name})" for c in children))
    return node


def _age(stamp: float | None) -> str:
    if stamp is None:
        return "never"
    seconds = max(0.0, time.time() - stamp)
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 172_800:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86_400:.0f} days ago"


# -- search ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FoundCategory:
    platform: Platform
    category_id: str
    path: str
    tokopedia: bool


def search(ctx: AppContext, text: str, platform: Platform, *, limit: int = 30) -> list[FoundCategory]:
    """Leaves whose path holds every word of `text` (case-insensitive), shortest path first."""
    words = text.casefold().split()
    if not words:
        raise UserInputError("search: give a word to look for, e.g. `syncstore categories search drone`")
    tree = _tree(ctx, platform)
    found = []
    for node in tree.values():
        if not node.is_leaf:
            continue
        path = category_path(tree, node.id)
        if all(word in path.casefold() for word in words):
            found.append(FoundCategory(platform, node.id, path, node.tokopedia))
    found.sort(key=lambda f: (len(f.path), f.path))
    return found[:limit]


# -- suggest ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MasterSuggestions:
    master: str  # master category key, or "product:ID"
    platform: Platform
    samples: list[str]  # the titles sent
    suggestions: list[Suggestion]
    mapped: str | None  # the current mapping, if any
    accepted: str | None = None


def _samples(products: Iterable[Product], count: int = SUGGEST_SAMPLES) -> list[str]:
    titles: list[str] = []
    for product in products:
        if product.title.strip() and product.title not in titles:
            titles.append(product.title)
        if len(titles) >= count:
            break
    return titles


def suggest(ctx: AppContext, platforms: Sequence[Platform], *, master: str | None = None,
            product_id: str | None = None, every_master: bool = False, accept: bool = False,
            progress: Callable[[str], None] | None = None) -> list[MasterSuggestions]:
    """The marketplace's recommended leaves for a master category (from up to 5 of its products' titles),
    one product, or every master category; with `accept`, the top suggestion of each *unmapped* one is
    stored (and its attributes read), so a first mapping takes one command."""
    if sum(bool(x) for x in (master, product_id, every_master)) != 1:
        raise UserInputError("suggest: give one MASTER_CATEGORY, --product ID or --all")
    products = [s.product for s in ctx.catalog.all_products()]
    targets: list[tuple[str, MappingScope, str, list[str]]] = []  # (label, scope, key, titles)
    if product_id is not None:
        product = ctx.catalog.get(product_id).product
        targets.append((f"product:{product.id}", MappingScope.PRODUCT, product.id, [product.title]))
    else:
        keys = list(CATEGORIES) if every_master else [_master_key(master or "")]
        by_master: dict[str, list[Product]] = defaultdict(list)
        for product in products:
            by_master[product.category].append(product)
        for key in keys:
            titles = _samples(by_master.get(key, []))
            if not titles:
                if every_master:
                    continue  # no product in it: nothing to map yet
                raise UserInputError(f"master category {key!r} has no product to ask about; import the catalog "
                                     "first")
            targets.append((key, MappingScope.MASTER, key, titles))
    current = {(m.scope, m.key, m.platform): m.category_id for m in ctx.taxonomy.mappings()}
    results: list[MasterSuggestions] = []
    with _clients(ctx, platforms) as clients:
        trees = _ensure_trees(ctx, clients)
        for label, scope, key, titles in targets:
            for platform, client in clients.items():
                if progress is not None:
                    progress(f"{label} on {_label(platform)}")
                ranked = rank_suggestions([client.recommend_categories(t) for t in titles], trees[platform])
                mapped = current.get((scope, key, platform))
                accepted = None
                if accept and mapped is None and ranked:
                    accepted = ranked[0].category_id
                results.append(MasterSuggestions(label, platform, titles, ranked, mapped, accepted))
        chosen = [(MappingScope.PRODUCT if r.master.startswith("product:") else MappingScope.MASTER,
                   r.master.removeprefix("product:"), r.platform, r.accepted) for r in results if r.accepted]
        if chosen:
            ctx.taxonomy.set_mappings([(s, k, p, c) for s, k, p, c in chosen if c is not None], source="suggested")
            _read_missing_requirements(ctx, clients, {(p, c) for _, _, p, c in chosen if c is not None})
    return results


def _ensure_trees(ctx: AppContext, clients: dict[Platform, MarketplaceClient]) -> dict[Platform, dict[
        str, MarketCategory]]:
    trees = {p: ctx.taxonomy.tree(p) for p in clients}
    if not all(trees.values()):  # a first suggest reads the trees itself: nothing to rank against otherwise
        refresh(ctx, [p for p, tree in trees.items() if not tree])
        trees = {p: ctx.taxonomy.tree(p) for p in clients}
    return trees


def _read_missing_requirements(ctx: AppContext, clients: dict[Platform, MarketplaceClient],
                               wanted: Iterable[tuple[Platform, str]]) -> int:
    now, read = time.time(), 0
    for platform, category_id in sorted(wanted):
        if platform in clients and ctx.taxonomy.requirements(platform, category_id) is None:
            ctx.taxonomy.put_requirements(platform, category_id, read_requirements(clients[platform], category_id),
                                          now)
            read += 1
    return read


def _master_key(text: str) -> str:
    key = text.strip()
    if key in CATEGORIES:
        return key
    by_name = {c.name.casefold(): c.key for c in CATEGORIES.values()}
    if key.casefold() in by_name:
        return by_name[key.casefold()]
    raise NotFoundError(f"no master category {text!r}; the seller's categories are: {', '.join(CATEGORIES)}")


# -- map -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MapResult:
    scope: MappingScope
    key: str
    mapped: dict[Platform, MarketCategory]
    attributes_read: int


def map_category(ctx: AppContext, target: str, choices: dict[Platform, str], *, product: bool = False) -> MapResult:
    """Files a master category (or, with `product`, one product) under the given leaves, checked against
    the cached trees; the leaves' attributes are read now when the shop is authorized."""
    if not choices:
        raise UserInputError("map: give --shopee ID and/or --tiktok ID")
    if product:
        scope, key = MappingScope.PRODUCT, ctx.catalog.get(target.strip()).product.id
    else:
        scope, key = MappingScope.MASTER, _master_key(target)
    nodes = {platform: _leaf(ctx, platform, category_id) for platform, category_id in choices.items()}
    ctx.taxonomy.set_mappings([(scope, key, p, n.id) for p, n in nodes.items()], source="manual")
    read = 0
    authorized = {s.platform for s in ctx.tokens.shops() if s.authorized}
    reachable = [p for p in nodes if p.value in authorized]
    if reachable:
        with _clients(ctx, reachable) as clients:
            read = _read_missing_requirements(ctx, clients, {(p, n.id) for p, n in nodes.items()})
    return MapResult(scope, key, nodes, read)


# -- show, export, import --------------------------------------------------------------------------
@dataclass(frozen=True)
class MappingLine:
    scope: MappingScope
    key: str
    name: str
    products: int
    categories: dict[Platform, tuple[str, str, bool] | None]  # id, path, still a leaf


@dataclass(frozen=True)
class MappingOverview:
    lines: list[MappingLine]
    tree_read: dict[Platform, float | None]
    leaves: dict[Platform, int]

    @property
    def unmapped(self) -> list[tuple[str, Platform]]:
        return [(line.key, p) for line in self.lines if line.scope is MappingScope.MASTER and line.products
                for p, c in line.categories.items() if c is None or not c[2]]


def overview(ctx: AppContext) -> MappingOverview:
    counts = Counter(s.product.category for s in ctx.catalog.all_products())
    trees = {p: ctx.taxonomy.tree(p) for p in PLATFORMS}
    mapped: dict[tuple[MappingScope, str], dict[Platform, str]] = defaultdict(dict)
    for m in ctx.taxonomy.mappings():
        mapped[(m.scope, m.key)][m.platform] = m.category_id

    def where(platform: Platform, category_id: str | None) -> tuple[str, str, bool] | None:
        if category_id is None:
            return None
        node = trees[platform].get(category_id)
        return category_id, category_path(trees[platform], category_id), bool(node and node.is_leaf)

    lines = [MappingLine(MappingScope.MASTER, c.key, c.name, counts.get(c.key, 0),
                         {p: where(p, mapped[(MappingScope.MASTER, c.key)].get(p)) for p in PLATFORMS})
             for c in CATEGORIES.values()]
    lines += [MappingLine(MappingScope.PRODUCT, key, key, 1, {p: where(p, ids.get(p)) for p in PLATFORMS})
              for (scope, key), ids in sorted(mapped.items()) if scope is MappingScope.PRODUCT]
    return MappingOverview(lines, {p: ctx.taxonomy.fetched_at(p) for p in PLATFORMS},
                           {p: sum(n.is_leaf for n in trees[p].values()) for p in PLATFORMS})


def export_mapping(ctx: AppContext, path: Path | None) -> str:
    """The mapping as CSV (one row per master category, then per-product overrides); written to `path`,
    or returned when `path` is None."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in overview(ctx).lines:
        cells: list[str] = [line.scope.value, line.key, line.name]
        for platform in PLATFORMS:
            found = line.categories[platform]
            cells += [found[0], found[1]] if found else ["", ""]
        writer.writerow(cells)
    text = out.getvalue()
    if path is not None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserInputError(f"{path}: cannot be written ({exc.strerror or type(exc).__name__})") from None
    return text


@dataclass(frozen=True)
class MappingImport:
    mapped: int
    cleared: int
    attributes_read: int


def import_mapping(ctx: AppContext, path: Path) -> MappingImport:
    """Reads a mapping CSV (as `export` writes it; the name and path columns are for reading and are
    ignored). Every row is checked before anything is stored: all of the file, or nothing. An empty id
    cell clears that mapping."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserInputError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    reader = csv.DictReader(io.StringIO(text))
    needed = {"scope", "key", "shopee_category_id", "tiktok_category_id"}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise UserInputError(f"{path}: the header must have the columns {', '.join(sorted(needed))} "
                               "(`syncstore categories export` writes one)")
    known_products = set(ctx.catalog.sku_owners().values())
    sets: list[tuple[MappingScope, str, Platform, str]] = []
    clears: list[tuple[MappingScope, str, Platform]] = []
    problems: list[str] = []
    trees = {p: ctx.taxonomy.tree(p) for p in PLATFORMS}
    for number, row in enumerate(reader, start=2):
        where = f"{path}, row {number}"
        scope_text = (row.get("scope") or "").strip()
        key = (row.get("key") or "").strip()
        if scope_text not in (MappingScope.MASTER.value, MappingScope.PRODUCT.value):
            problems.append(f"{where}: scope {scope_text!r} must be master or product")
            continue
        scope = MappingScope(scope_text)
        if scope is MappingScope.MASTER and key not in CATEGORIES:
            problems.append(f"{where}: no master category {key!r}")
            continue
        if scope is MappingScope.PRODUCT and key not in known_products:
            problems.append(f"{where}: no product {key!r} in the catalog")
            continue
        for platform in PLATFORMS:
            category_id = (row.get(f"{platform.value}_category_id") or "").strip()
            if not category_id:
                clears.append((scope, key, platform))
                continue
            if not trees[platform]:
                problems.append(f"{where}: {_label(platform)}'s tree was never read; run `syncstore categories "
                                "refresh` first")
                continue
            node = trees[platform].get(category_id)
            if node is None or not node.is_leaf:
                problems.append(f"{where}: {platform.value}_category_id {category_id} is "
                                + ("not in the tree" if node is None else "not a leaf"))
                continue
            sets.append((scope, key, platform, category_id))
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise UserInputError("; ".join(problems[:10]) + more + "; nothing was imported")
    mapped = ctx.taxonomy.set_mappings(sets, source="csv")
    cleared = sum(ctx.taxonomy.remove_mapping(s, k, p) for s, k, p in clears)
    read = 0
    authorized = {s.platform for s in ctx.tokens.shops() if s.authorized}
    reachable = [p for p in PLATFORMS if p.value in authorized]
    if reachable and sets:
        with _clients(ctx, reachable) as clients:
            read = _read_missing_requirements(ctx, clients, {(p, c) for _, _, p, c in sets})
    return MappingImport(mapped, cleared, read)


# -- attributes ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttributeSet:
    platform: Platform
    category_id: str
    attribute: AttributeDef
    value: str  # as stored: the listed values' names, or the text


def set_attribute(ctx: AppContext, category_id: str, platform: Platform, attribute: str, value: str) -> AttributeSet:
    """The seller's value of one attribute for every product in a category (a product's own value wins)."""
    node = _leaf(ctx, platform, category_id)
    requirements = ctx.taxonomy.requirements(platform, node.id)
    if requirements is None:
        with _clients(ctx, [platform]) as clients:
            _read_missing_requirements(ctx, clients, [(platform, node.id)])
        requirements = ctx.taxonomy.requirements(platform, node.id)
        assert requirements is not None
    wanted = attribute.strip()
    found = next((a for a in requirements.attributes if a.id == wanted), None) or next(
        (a for a in requirements.attributes if a.name.casefold() == wanted.casefold()), None)
    if found is None:
        names = ", ".join(f"{a.id} {a.name}" for a in requirements.attributes[:12])
        raise NotFoundError(f"{_label(platform)} category {node.id} has no attribute {attribute!r}; its attributes: "
                            f"{names or 'none'}")
    chosen, problem = choose_value(found, value)
    if problem is not None:
        raise UserInputError(f"attribute {found.name!r} ({found.id}): {problem}")
    stored = "; ".join(f"{c.name} {c.unit}".strip() for c in chosen)
    ctx.taxonomy.set_default(platform, node.id, found.id, stored)
    return AttributeSet(platform, node.id, found, stored)


@dataclass(frozen=True)
class MissingLine:
    platform: Platform
    category_id: str
    category: str  # its path
    master_category: str  # the master category whose products it blocks
    attribute: AttributeDef
    products: int

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform.value, "category_id": self.category_id,
                "master_category": self.master_category, "attribute_id": self.attribute.id,
                "attribute": self.attribute.name, "input_type": self.attribute.input_type.value,
                "values": [{"id": vid, "name": name} for vid, name in self.attribute.values],
                "products": self.products}


@dataclass
class MissingReport:
    lines: list[MissingLine] = field(default_factory=list)
    unmapped: dict[tuple[Platform, str], int] = field(default_factory=dict)  # (platform, master) -> products
    unread: dict[tuple[Platform, str], int] = field(default_factory=dict)  # categories never read -> products
    blocked_products: dict[Platform, int] = field(default_factory=dict)


def missing_attributes(ctx: AppContext, platforms: Sequence[Platform] = PLATFORMS) -> MissingReport:
    """Mandatory attributes without a usable value, grouped by category and master category, with the
    number of products each blocks; plus the categories nothing can be said about yet (unmapped, unread)."""
    report = MissingReport()
    products = [s.product for s in ctx.catalog.all_products()]
    mappings: dict[tuple[Platform, MappingScope, str], str] = {
        (m.platform, m.scope, m.key): m.category_id for m in ctx.taxonomy.mappings()}
    counts: Counter[tuple[Platform, str, str, str]] = Counter()
    attribute_of: dict[tuple[Platform, str, str], AttributeDef] = {}
    for platform in platforms:
        tree = ctx.taxonomy.tree(platform)
        requirements: dict[str, CategoryRequirements | None] = {}
        defaults: dict[str, dict[str, str]] = {}
        blocked: set[str] = set()
        for product in products:
            category_id = (mappings.get((platform, MappingScope.PRODUCT, product.id))
                           or mappings.get((platform, MappingScope.MASTER, product.category)))
            group = product.category
            if category_id is None or category_id not in tree or not tree[category_id].is_leaf:
                report.unmapped[(platform, product.category)] = report.unmapped.get((platform, product.category),
                                                                                    0) + 1
                blocked.add(product.id)
                continue
            if category_id not in requirements:
                requirements[category_id] = ctx.taxonomy.requirements(platform, category_id)
                defaults[category_id] = ctx.taxonomy.defaults(platform, category_id)
            needs = requirements[category_id]
            if needs is None:
                report.unread[(platform, category_id)] = report.unread.get((platform, category_id), 0) + 1
                blocked.add(product.id)
                continue
            _, missing = attribute_values(product, needs, defaults[category_id])
            for gap in missing:
                counts[(platform, category_id, group, gap.attribute.id)] += 1
                attribute_of[(platform, category_id, gap.attribute.id)] = gap.attribute
                blocked.add(product.id)
        report.blocked_products[platform] = len(blocked)
        for (p, category_id, group, attribute_id), number in sorted(counts.items()):
            if p is platform:
                report.lines.append(MissingLine(p, category_id, category_path(tree, category_id), group,
                                                attribute_of[(p, category_id, attribute_id)], number))
    return report
