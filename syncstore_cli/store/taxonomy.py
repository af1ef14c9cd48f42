"""The marketplaces' category trees, attributes and rules as last read, and the seller's choices on them:
which leaf each master category (or one product) is filed under, and attribute values per category.

`listing_terms` answers the engine's question "where does this product go and with what attributes";
it reads a category tree once per refresh (a cheap `max(fetched_at)` tells whether the copy in memory
is still the latest) and the rest per call, so a mapping changed while a worker runs is seen at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.taxonomy import (
    AttributeDef,
    CategoryRequirements,
    InputType,
    ListingTerms,
    MappingScope,
    MarketCategory,
    listing_terms,
)
from syncstore_cli.store.engine import writer
from syncstore_cli.store.models import (
    AttributeDefaultRow,
    CategoryMappingRow,
    MarketAttributeRow,
    MarketCategoryRow,
    MarketCategoryRulesRow,
    utcnow,
)

categories_t = MarketCategoryRow.__table__  # type: ignore[attr-defined]
attributes_t = MarketAttributeRow.__table__  # type: ignore[attr-defined]
rules_t = MarketCategoryRulesRow.__table__  # type: ignore[attr-defined]
mappings_t = CategoryMappingRow.__table__  # type: ignore[attr-defined]
defaults_t = AttributeDefaultRow.__table__  # type: ignore[attr-defined]

_BATCH = 500


@dataclass(frozen=True)
class CategoryMapping:
    scope: MappingScope
    key: str  # master category key, or product id
    platform: Platform
    category_id: str
    source: str  # manual, suggested, csv
    updated_at: datetime


class TaxonomyStore:
    def __init__(self, engine: Engine, *, tokopedia_shop: bool = True) -> None:
        self.engine = engine
        self._writer = writer(engine)
        self.tokopedia_shop = tokopedia_shop
        self._trees: dict[Platform, tuple[float, dict[str, MarketCategory]]] = {}
        self._lock = threading.Lock()

    # -- trees ---------------------------------------------------------------------------------
    def replace_tree(self, platform: Platform, categories: Iterable[MarketCategory], fetched_at: float) -> int:
        """Replaces the cached tree of `platform` with what the marketplace just returned, in one go."""
        rows = [{"platform": platform.value, "category_id": c.id, "parent_id": c.parent_id, "name": c.name,
                 "is_leaf": c.is_leaf, "tokopedia": c.tokopedia, "fetched_at": fetched_at} for c in categories]
        with self._writer.begin() as connection:
            connection.execute(delete(categories_t).where(categories_t.c.platform == platform.value))
            for start in range(0, len(rows), _BATCH):
                connection.execute(insert(categories_t), rows[start:start + _BATCH])
        return len(rows)

    def fetched_at(self, platform: Platform) -> float | None:
        with self.engine.connect() as connection:
            value = connection.execute(select(func.max(categories_t.c.fetched_at)).where(
                categories_t.c.platform == platform.value)).scalar()
        return None if value is None else float(value)

    def tree(self, platform: Platform) -> dict[str, MarketCategory]:
        """The cached tree by category id ({} when never read)."""
        stamp = self.fetched_at(platform)
        if stamp is None:
            return {}
        with self._lock:
            cached = self._trees.get(platform)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        with self.engine.connect() as connection:
            rows = connection.execute(select(categories_t).where(categories_t.c.platform == platform.value)).all()
        tree = {r.category_id: MarketCategory(platform, r.category_id, r.name, r.parent_id, bool(r.is_leaf),
                                              bool(r.tokopedia)) for r in rows}
        with self._lock:
            self._trees[platform] = (stamp, tree)
        return tree

    # -- attributes and rules ------------------------------------------------------------------
    def put_requirements(self, platform: Platform, category_id: str, requirements: CategoryRequirements,
                         fetched_at: float) -> None:
        where = (attributes_t.c.platform == platform.value, attributes_t.c.category_id == category_id)
        rows = [{"platform": platform.value, "category_id": category_id, "attribute_id": a.id, "position": i,
                 "name": a.name, "mandatory": a.mandatory, "input_type": a.input_type.value,
                 "values_json": json.dumps([list(v) for v in a.values], ensure_ascii=False),
                 "custom_values": a.custom_values, "units_json": json.dumps(list(a.units), ensure_ascii=False)}
                for i, a in enumerate(requirements.attributes)]
        with self._writer.begin() as connection:
            connection.execute(delete(attributes_t).where(*where))
            if rows:
                connection.execute(insert(attributes_t), rows)
            connection.execute(delete(rules_t).where(rules_t.c.platform == platform.value,
                                                     rules_t.c.category_id == category_id))
            connection.execute(insert(rules_t), [{
                "platform": platform.value, "category_id": category_id,
                "brand_required": requirements.brand_required,
                "certifications_json": json.dumps(list(requirements.certifications), ensure_ascii=False),
                "fetched_at": fetched_at}])

    def requirements(self, platform: Platform, category_id: str) -> CategoryRequirements | None:
        """The category's cached attributes and rules; None when they were never read."""
        with self.engine.connect() as connection:
            rule = connection.execute(select(rules_t).where(rules_t.c.platform == platform.value,
                                                            rules_t.c.category_id == category_id)).first()
            if rule is None:
                return None
            rows = connection.execute(select(attributes_t).where(
                attributes_t.c.platform == platform.value, attributes_t.c.category_id == category_id,
            ).order_by(attributes_t.c.position)).all()
        return CategoryRequirements(
            attributes=tuple(_attribute(r) for r in rows), brand_required=bool(rule.brand_required),
            certifications=tuple(json.loads(rule.certifications_json)))

    def requirements_read_at(self, platform: Platform) -> dict[str, float]:
        with self.engine.connect() as connection:
            return {r.category_id: float(r.fetched_at) for r in connection.execute(
                select(rules_t.c.category_id, rules_t.c.fetched_at).where(rules_t.c.platform == platform.value))}

    # -- the seller's mapping ------------------------------------------------------------------
    def set_mapping(self, scope: MappingScope, key: str, platform: Platform, category_id: str, source: str) -> None:
        with self._writer.begin() as connection:
            self._set_mapping(connection, scope, key, platform, category_id, source)

    def set_mappings(self, mappings: Iterable[tuple[MappingScope, str, Platform, str]], source: str) -> int:
        """Several mappings in one transaction: all of them or none."""
        count = 0
        with self._writer.begin() as connection:
            for scope, key, platform, category_id in mappings:
                self._set_mapping(connection, scope, key, platform, category_id, source)
                count += 1
        return count

    @staticmethod
    def _set_mapping(connection: Any, scope: MappingScope, key: str, platform: Platform, category_id: str,
                     source: str) -> None:
        connection.execute(delete(mappings_t).where(mappings_t.c.scope == scope.value, mappings_t.c.key == key,
                                                    mappings_t.c.platform == platform.value))
        connection.execute(insert(mappings_t).values(scope=scope.value, key=key, platform=platform.value,
                                                     category_id=category_id, source=source, updated_at=utcnow()))

    def remove_mapping(self, scope: MappingScope, key: str, platform: Platform) -> bool:
        with self._writer.begin() as connection:
            return bool(connection.execute(delete(mappings_t).where(
                mappings_t.c.scope == scope.value, mappings_t.c.key == key,
                mappings_t.c.platform == platform.value)).rowcount)

    def mappings(self, scope: MappingScope | None = None) -> list[CategoryMapping]:
        query = select(mappings_t).order_by(mappings_t.c.scope, mappings_t.c.key, mappings_t.c.platform)
        if scope is not None:
            query = query.where(mappings_t.c.scope == scope.value)
        with self.engine.connect() as connection:
            return [CategoryMapping(MappingScope(r.scope), r.key, Platform(r.platform), r.category_id, r.source,
                                    r.updated_at) for r in connection.execute(query)]

    def mapped(self, product: Product, platform: Platform) -> tuple[str, str] | None:
        """(category id, "product" or "master") the product is filed under on `platform`; None if unmapped."""
        with self.engine.connect() as connection:
            rows = {r.scope: r.category_id for r in connection.execute(select(
                mappings_t.c.scope, mappings_t.c.category_id).where(
                mappings_t.c.platform == platform.value,
                ((mappings_t.c.scope == MappingScope.PRODUCT.value) & (mappings_t.c.key == product.id))
                | ((mappings_t.c.scope == MappingScope.MASTER.value) & (mappings_t.c.key == product.category))))}
        for scope in (MappingScope.PRODUCT, MappingScope.MASTER):
            if scope.value in rows:
                return rows[scope.value], scope.value
        return None

    # -- attribute defaults --------------------------------------------------------------------
    def set_default(self, platform: Platform, category_id: str, attribute_id: str, value: str) -> None:
        with self._writer.begin() as connection:
            connection.execute(delete(defaults_t).where(
                defaults_t.c.platform == platform.value, defaults_t.c.category_id == category_id,
                defaults_t.c.attribute_id == attribute_id))
            connection.execute(insert(defaults_t).values(platform=platform.value, category_id=category_id,
                                                         attribute_id=attribute_id, value=value, updated_at=utcnow()))

    def remove_default(self, platform: Platform, category_id: str, attribute_id: str) -> bool:
        with self._writer.begin() as connection:
            return bool(connection.execute(delete(defaults_t).where(
                defaults_t.c.platform == platform.value, defaults_t.c.category_id == category_id,
                defaults_t.c.attribute_id == attribute_id)).rowcount)

    def defaults(self, platform: Platform, category_id: str) -> dict[str, str]:
        with self.engine.connect() as connection:
            return {r.attribute_id: r.value for r in connection.execute(select(
                defaults_t.c.attribute_id, defaults_t.c.value).where(
                defaults_t.c.platform == platform.value, defaults_t.c.category_id == category_id))}

    def all_defaults(self) -> list[tuple[Platform, str, str, str]]:
        with self.engine.connect() as connection:
            return [(Platform(r.platform), r.category_id, r.attribute_id, r.value) for r in connection.execute(
                select(defaults_t).order_by(defaults_t.c.platform, defaults_t.c.category_id,
                                            defaults_t.c.attribute_id))]

    # -- the engine's question -----------------------------------------------------------------
    def listing_terms(self, product: Product, platform: Platform) -> ListingTerms:
        return _terms(self, product, platform, self.tokopedia_shop)

    def snapshot(self) -> TaxonomySnapshot:
        """The engine's question answered from one read of each table, for planning many products at once
        (`sync changed` over the whole catalog: five queries per product and platform otherwise). A mapping
        changed while it is used is not seen; workers, which must see it, ask the store itself."""
        return TaxonomySnapshot(self)


class TaxonomySnapshot:
    """A TaxonomyPort over what the store held when it was made: the mappings read at once, each tree,
    category's rules and attribute defaults on first use, then kept. For one planning run on one thread."""

    def __init__(self, store: TaxonomyStore) -> None:
        self._store = store
        self._mappings = {(m.scope, m.key, m.platform): m.category_id for m in store.mappings()}
        self._trees: dict[Platform, dict[str, MarketCategory]] = {}
        self._requirements: dict[tuple[Platform, str], CategoryRequirements | None] = {}
        self._defaults: dict[tuple[Platform, str], dict[str, str]] = {}

    def mapped(self, product: Product, platform: Platform) -> tuple[str, str] | None:
        for scope, key in ((MappingScope.PRODUCT, product.id), (MappingScope.MASTER, product.category)):
            category_id = self._mappings.get((scope, key, platform))
            if category_id is not None:
                return category_id, scope.value
        return None

    def tree(self, platform: Platform) -> dict[str, MarketCategory]:
        if platform not in self._trees:
            self._trees[platform] = self._store.tree(platform)
        return self._trees[platform]

    def requirements(self, platform: Platform, category_id: str) -> CategoryRequirements | None:
        if (platform, category_id) not in self._requirements:
            self._requirements[(platform, category_id)] = self._store.requirements(platform, category_id)
        return self._requirements[(platform, category_id)]

    def defaults(self, platform: Platform, category_id: str) -> dict[str, str]:
        if (platform, category_id) not in self._defaults:
            self._defaults[(platform, category_id)] = self._store.defaults(platform, category_id)
        return self._defaults[(platform, category_id)]

    def listing_terms(self, product: Product, platform: Platform) -> ListingTerms:
        return _terms(self, product, platform, self._store.tokopedia_shop)


def _terms(reader: TaxonomyStore | TaxonomySnapshot, product: Product, platform: Platform,
           tokopedia_shop: bool) -> ListingTerms:
    """Where the product goes on `platform` and with what, from the reader's mapping, tree, rules and defaults."""
    mapped = reader.mapped(product, platform)
    tree = reader.tree(platform)
    requirements = defaults = None
    if mapped is not None and mapped[0] in tree and tree[mapped[0]].is_leaf:
        requirements = reader.requirements(platform, mapped[0])
        defaults = reader.defaults(platform, mapped[0])
    return listing_terms(product, platform, mapped, tree, requirements, defaults or {}, tokopedia_shop=tokopedia_shop)


def _attribute(row: Any) -> AttributeDef:
    return AttributeDef(id=row.attribute_id, name=row.name, mandatory=bool(row.mandatory),
                        input_type=InputType(row.input_type),
                        values=tuple((str(v[0]), str(v[1])) for v in json.loads(row.values_json)),
                        custom_values=bool(row.custom_values), units=tuple(json.loads(row.units_json)))
