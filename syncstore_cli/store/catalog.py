"""The catalog repository: products, variants, images and per-platform listing state."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, Engine, bindparam, delete, func, insert, select, update

from syncstore_cli.domain.catalog import PLATFORMS, Platform, Product, Tier, Variant
from syncstore_cli.domain.listing import ListingDraft, derive_listings, price_guard_warnings
from syncstore_cli.domain.pricing import PlatformPricing
from syncstore_cli.domain.records import ImportSummary, duplicate_skus, fingerprint
from syncstore_cli.domain.vocabulary import ListingStatus, SyncStatus
from syncstore_cli.errors import NotFoundError
from syncstore_cli.store.engine import writer
from syncstore_cli.store.models import ImageRow, ListingRow, ListingVariantRow, ProductRow, VariantRow, utcnow

products_t = ProductRow.__table__  # type: ignore[attr-defined]
variants_t = VariantRow.__table__  # type: ignore[attr-defined]
images_t = ImageRow.__table__  # type: ignore[attr-defined]
listings_t = ListingRow.__table__  # type: ignore[attr-defined]
listing_variants_t = ListingVariantRow.__table__  # type: ignore[attr-defined]

# Built once: every sync job reads its product through these (building a statement costs more than running it).
_IDS: BindParameter[str] = bindparam("p_ids", expanding=True)
_PRODUCTS_BY_ID = select(products_t).where(products_t.c.id.in_(_IDS))
_VARIANTS_BY_PRODUCT = select(variants_t).where(variants_t.c.product_id.in_(_IDS)).order_by(
    variants_t.c.product_id, variants_t.c.position)
_IMAGES_BY_PRODUCT = select(images_t).where(images_t.c.product_id.in_(_IDS)).order_by(
    images_t.c.product_id, images_t.c.position)
_LISTINGS_BY_PRODUCT = select(listings_t).where(listings_t.c.product_id.in_(_IDS))
_LISTING_VARIANTS = select(listing_variants_t).where(
    listing_variants_t.c.listing_id.in_(bindparam("p_listings", expanding=True)))


@dataclass(frozen=True)
class ImportItem:
    product: Product
    fingerprint: str
    drafts: Mapping[Platform, ListingDraft]


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    relisted: list[str] = field(default_factory=list)  # listing price/title recomputed only


@dataclass(frozen=True)
class ListingState:
    platform: Platform
    external_id: str | None
    price: int | None
    price_formula: str
    seo_title: str | None
    seo_similarity: float | None
    seo_locked: bool
    seo_reason: str | None
    status: str
    variant_prices: Mapping[str, int | None]
    variant_external_ids: Mapping[str, str | None]


@dataclass(frozen=True)
class StoredProduct:
    product: Product
    listings: Mapping[Platform, ListingState]


def _product_values(product: Product, fingerprint: str, seq: int) -> dict[str, Any]:
    return {
        "id": product.id,
        "seq": seq,
        "sku": product.sku,
        "title": product.title,
        "description": product.description,
        "category": product.category,
        "brand": product.brand,
        "weight_g": product.weight_g,
        "length_cm": product.length_cm,
        "width_cm": product.width_cm,
        "height_cm": product.height_cm,
        "price": product.price,
        "stock": product.stock,
        "origin": product.origin.value,
        "tiers_json": json.dumps([[t.name, list(t.options)] for t in product.tiers], ensure_ascii=False),
        "attributes_json": json.dumps(dict(product.attributes), ensure_ascii=False),
        "fingerprint": fingerprint,
        "updated_at": utcnow(),
    }


def _listing_values(draft: ListingDraft) -> dict[str, Any]:
    return {
        "price": draft.price,
        "price_formula": draft.formula,
        "seo_title": draft.seo_title,
        "seo_similarity": draft.seo_similarity,
        "seo_locked": draft.seo_locked,
        "seo_reason": draft.seo_reason,
    }


def _id_seq(product_id: str) -> int | None:
    prefix, _, number = product_id.rpartition("-")
    return int(number) if prefix == "PROD" and number.isdigit() else None


class CatalogStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer(engine)

    # -- reads -----------------------------------------------------------------------------
    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(products_t)).scalar_one())

    def sku_owners(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            return {sku: pid for sku, pid in connection.execute(select(products_t.c.sku, products_t.c.id))}

    def variant_sku_owners(self) -> dict[str, str]:
        """Each variant SKU -> the first product (catalog order) that uses it."""
        query = (select(variants_t.c.sku, variants_t.c.product_id)
                 .join(products_t, products_t.c.id == variants_t.c.product_id)
                 .order_by(products_t.c.seq, variants_t.c.position))
        owners: dict[str, str] = {}
        with self.engine.connect() as connection:
            for sku, product_id in connection.execute(query):
                owners.setdefault(sku, product_id)
        return owners

    def listing_prices(self) -> dict[str, dict[Platform, int | None]]:
        prices: dict[str, dict[Platform, int | None]] = {}
        with self.engine.connect() as connection:
            for product_id, platform, price in connection.execute(
                select(listings_t.c.product_id, listings_t.c.platform, listings_t.c.price)
            ):
                prices.setdefault(product_id, {})[Platform(platform)] = price
        return prices

    def external_id_owners(self) -> dict[tuple[Platform, str], list[str]]:
        """Each marketplace listing id the store holds -> the products whose listing carries it (sorted);
        more than one product for an id is a broken mapping."""
        query = select(listings_t.c.platform, listings_t.c.external_id, listings_t.c.product_id).where(
            listings_t.c.external_id.is_not(None))
        owners: dict[tuple[Platform, str], list[str]] = {}
        with self.engine.connect() as connection:
            for platform, external_id, product_id in connection.execute(query):
                owners.setdefault((Platform(platform), external_id), []).append(product_id)
        return {key: sorted(ids) for key, ids in owners.items()}

    def locked_titles(self) -> dict[str, dict[Platform, str]]:
        query = select(listings_t.c.product_id, listings_t.c.platform, listings_t.c.seo_title).where(
            listings_t.c.seo_locked.is_(True)
        )
        locked: dict[str, dict[Platform, str]] = {}
        with self.engine.connect() as connection:
            for product_id, platform, title in connection.execute(query):
                locked.setdefault(product_id, {})[Platform(platform)] = title
        return locked

    def get(self, product_id: str) -> StoredProduct:
        found = self.get_many([product_id])
        if not found:
            raise NotFoundError(f"no product with id '{product_id}'")
        return found[0]

    def get_many(self, product_ids: Sequence[str]) -> list[StoredProduct]:
        """Products in the order asked for; unknown ids are left out."""
        if not product_ids:
            return []
        ids = {"p_ids": list(product_ids)}
        with self.engine.connect() as connection:
            rows = connection.execute(_PRODUCTS_BY_ID, ids).mappings().all()
            variant_rows = connection.execute(_VARIANTS_BY_PRODUCT, ids).mappings().all()
            image_rows = connection.execute(_IMAGES_BY_PRODUCT, ids).mappings().all()
            listing_rows = connection.execute(_LISTINGS_BY_PRODUCT, ids).mappings().all()
            listing_ids = [row["id"] for row in listing_rows]
            lv_rows = (connection.execute(_LISTING_VARIANTS, {"p_listings": listing_ids}).mappings().all()
                       if listing_ids else [])
        variants: dict[str, list[Variant]] = {}
        for v in variant_rows:
            variants.setdefault(v["product_id"], []).append(
                Variant(
                    sku=v["sku"],
                    options=tuple(json.loads(v["options_json"])),
                    price=v["price"],
                    stock=v["stock"],
                    image=v["image"],
                )
            )
        images: dict[str, list[str]] = {}
        for image in image_rows:
            images.setdefault(image["product_id"], []).append(image["url"])
        lv_by_listing: dict[int, list[Any]] = {}
        for lv in lv_rows:
            lv_by_listing.setdefault(lv["listing_id"], []).append(lv)
        listings: dict[str, dict[Platform, ListingState]] = {}
        for row in listing_rows:
            platform = Platform(row["platform"])
            lvs = lv_by_listing.get(row["id"], [])
            listings.setdefault(row["product_id"], {})[platform] = ListingState(
                platform=platform,
                external_id=row["external_id"],
                price=row["price"],
                price_formula=row["price_formula"],
                seo_title=row["seo_title"],
                seo_similarity=row["seo_similarity"],
                seo_locked=bool(row["seo_locked"]),
                seo_reason=row["seo_reason"],
                status=row["status"],
                variant_prices={lv["variant_sku"]: lv["price"] for lv in lvs},
                variant_external_ids={lv["variant_sku"]: lv["external_id"] for lv in lvs},
            )
        by_id: dict[str, StoredProduct] = {}
        for row in rows:
            tiers = tuple(Tier(name, tuple(options)) for name, options in json.loads(row["tiers_json"]))
            product = Product(
                id=row["id"],
                sku=row["sku"],
                title=row["title"],
                description=row["description"],
                category=row["category"],
                brand=row["brand"],
                weight_g=row["weight_g"],
                length_cm=row["length_cm"],
                width_cm=row["width_cm"],
                height_cm=row["height_cm"],
                price=row["price"],
                stock=row["stock"],
                images=tuple(images.get(row["id"], [])),
                tiers=tiers,
                variants=tuple(variants.get(row["id"], [])),
                origin=Platform(row["origin"]),
                # Sorted by name, as `Product` keeps them, whatever order the JSON object has.
                attributes=tuple(sorted(json.loads(row["attributes_json"]).items())),
                status=SyncStatus(row["status"]),
            )
            by_id[row["id"]] = StoredProduct(product, listings.get(row["id"], {}))
        return [by_id[i] for i in product_ids if i in by_id]

    def product_ids(self, *, category: str | None = None, search: str | None = None,
                    status: str | None = None) -> list[str]:
        """Ids in catalog order of the products matching every filter given (none: all of them).

        `search` matches the title or the product SKU, case-insensitive, as `products list --search` does.
        """
        query = select(products_t.c.id).order_by(products_t.c.seq)
        if category is not None:
            query = query.where(products_t.c.category == category)
        if status is not None:
            query = query.where(products_t.c.status == status)
        if search is not None:
            escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            query = query.where(func.lower(products_t.c.title).like(pattern, escape="\\")
                                | func.lower(products_t.c.sku).like(pattern, escape="\\"))
        with self.engine.connect() as connection:
            return [str(i) for i in connection.execute(query).scalars()]

    def all_products(self) -> list[StoredProduct]:
        ids = self.product_ids()
        result: list[StoredProduct] = []
        for start in range(0, len(ids), 500):
            result.extend(self.get_many(ids[start : start + 500]))
        return result

    # -- writes ----------------------------------------------------------------------------
    def apply_import(self, items: Sequence[ImportItem]) -> ImportResult:
        """Create new products, replace changed ones, refresh listing prices and titles; one transaction."""
        result = ImportResult()
        with self._writer.begin() as connection:
            existing = {
                row.id: row
                for row in connection.execute(select(products_t.c.id, products_t.c.fingerprint, products_t.c.seq))
            }
            next_seq = int(connection.execute(select(func.coalesce(func.max(products_t.c.seq), 0))).scalar_one())
            listing_rows = {
                (row.product_id, row.platform): row
                for row in connection.execute(
                    select(
                        listings_t.c.id,
                        listings_t.c.product_id,
                        listings_t.c.platform,
                        listings_t.c.price,
                        listings_t.c.price_formula,
                        listings_t.c.seo_title,
                        listings_t.c.seo_reason,
                        listings_t.c.seo_locked,
                    )
                )
            }
            new_products: list[dict[str, Any]] = []
            changed: list[ImportItem] = []
            taken_seqs = {row.seq for row in existing.values()}
            for item in items:
                product = item.product
                if product.id in existing:
                    if existing[product.id].fingerprint != item.fingerprint:
                        changed.append(item)
                    continue
                seq = _id_seq(product.id)
                if seq is None or seq in taken_seqs:
                    seq = max(next_seq, max(taken_seqs, default=0)) + 1
                taken_seqs.add(seq)
                next_seq = max(next_seq, seq)
                new_products.append(_product_values(product, item.fingerprint, seq))
                result.created.append(product.id)
            # Replace changed products' rows wholesale: a changed record is the seller's new truth.
            for item in changed:
                values = _product_values(item.product, item.fingerprint, existing[item.product.id].seq)
                del values["id"], values["seq"]
                connection.execute(update(products_t).where(products_t.c.id == item.product.id).values(**values))
                result.updated.append(item.product.id)
            changed_ids = [item.product.id for item in changed]
            for start in range(0, len(changed_ids), 500):
                chunk = changed_ids[start : start + 500]
                connection.execute(delete(variants_t).where(variants_t.c.product_id.in_(chunk)))
                connection.execute(delete(images_t).where(images_t.c.product_id.in_(chunk)))
            if new_products:
                connection.execute(insert(products_t), new_products)
            touched = [item for item in items if item.product.id in set(result.created) | set(changed_ids)]
            variant_values = [
                {
                    "product_id": item.product.id,
                    "position": position,
                    "sku": v.sku,
                    "options_json": json.dumps(list(v.options), ensure_ascii=False),
                    "price": v.price,
                    "stock": v.stock,
                    "image": v.image,
                }
                for item in touched
                for position, v in enumerate(item.product.variants)
            ]
            if variant_values:
                connection.execute(insert(variants_t), variant_values)
            image_values = [
                {"product_id": item.product.id, "position": position, "url": url}
                for item in touched
                for position, url in enumerate(item.product.images)
            ]
            if image_values:
                connection.execute(insert(images_t), image_values)
            relisted = self._write_listings(connection, items, listing_rows)
            result.relisted = sorted(relisted - set(result.created) - set(result.updated))
            result.unchanged = len(items) - len(result.created) - len(result.updated) - len(result.relisted)
        return result

    def _write_listings(
        self, connection: Any, items: Iterable[ImportItem], listing_rows: Mapping[tuple[str, str], Any]
    ) -> set[str]:
        """Bring stored listing prices and titles in line with the drafts; returns the products touched."""
        variant_rows: dict[int, dict[str, Any]] = {}
        for row in connection.execute(
            select(listing_variants_t.c.id, listing_variants_t.c.listing_id, listing_variants_t.c.variant_sku,
                   listing_variants_t.c.price)
        ):
            variant_rows.setdefault(row.listing_id, {})[row.variant_sku] = row
        new_listings: list[dict[str, Any]] = []
        new_listing_prices: dict[tuple[str, str], Mapping[str, int | None]] = {}
        touched: set[str] = set()
        for item in items:
            product_id = item.product.id
            for platform, draft in item.drafts.items():
                values = _listing_values(draft)
                current = listing_rows.get((product_id, platform.value))
                if current is None:
                    new_listings.append({"product_id": product_id, "platform": platform.value, **values})
                    new_listing_prices[(product_id, platform.value)] = draft.variant_prices
                    touched.add(product_id)
                    continue
                if any(getattr(current, key) != value for key, value in values.items()
                       if key != "seo_similarity"):
                    values["updated_at"] = utcnow()
                    connection.execute(update(listings_t).where(listings_t.c.id == current.id).values(**values))
                    touched.add(product_id)
                if self._sync_variant_prices(connection, current.id, draft.variant_prices,
                                             variant_rows.get(current.id, {})):
                    touched.add(product_id)
        if new_listings:
            connection.execute(insert(listings_t), new_listings)
            listing_ids = {
                (row.product_id, row.platform): row.id
                for row in connection.execute(select(listings_t.c.id, listings_t.c.product_id, listings_t.c.platform))
            }
            lv_values = [
                {"listing_id": listing_ids[key], "variant_sku": sku, "price": price}
                for key, prices in new_listing_prices.items()
                for sku, price in prices.items()
            ]
            if lv_values:
                connection.execute(insert(listing_variants_t), lv_values)
        return touched

    @staticmethod
    def _sync_variant_prices(
        connection: Any, listing_id: int, prices: Mapping[str, int | None], current: Mapping[str, Any]
    ) -> bool:
        changed = False
        gone = [row.id for sku, row in current.items() if sku not in prices]
        if gone:
            connection.execute(delete(listing_variants_t).where(listing_variants_t.c.id.in_(gone)))
            changed = True
        for sku, price in prices.items():
            row = current.get(sku)
            if row is None:
                connection.execute(
                    insert(listing_variants_t).values(listing_id=listing_id, variant_sku=sku, price=price)
                )
                changed = True
            elif row.price != price:
                connection.execute(
                    update(listing_variants_t).where(listing_variants_t.c.id == row.id).values(price=price)
                )
                changed = True
        return changed

    def record_external_ids(self, platform: Platform, mapping: Mapping[str, tuple[str, Mapping[str, str]]]) -> int:
        """Remember which marketplace listing (and variant ids) each product already has; returns rows changed."""
        changed = 0
        with self._writer.begin() as connection:
            rows = {
                row.product_id: row
                for row in connection.execute(
                    select(listings_t.c.id, listings_t.c.product_id, listings_t.c.external_id).where(
                        listings_t.c.platform == platform.value
                    )
                )
            }
            variant_rows: dict[int, dict[str, Any]] = {}
            for row in connection.execute(select(listing_variants_t)):
                variant_rows.setdefault(row.listing_id, {})[row.variant_sku] = row
            for product_id, (external_id, variant_ids) in mapping.items():
                listing = rows.get(product_id)
                if listing is None:
                    continue
                if listing.external_id != external_id:
                    connection.execute(update(listings_t).where(listings_t.c.id == listing.id).values(
                        external_id=external_id, status=ListingStatus.LISTED, updated_at=utcnow()))
                    changed += 1
                for sku, variant_id in variant_ids.items():
                    current = variant_rows.get(listing.id, {}).get(sku)
                    if current is not None and current.external_id != variant_id:
                        connection.execute(update(listing_variants_t).where(
                            listing_variants_t.c.id == current.id).values(external_id=variant_id))
                        changed += 1
        return changed

    def set_seo_title(self, product_id: str, platform: Platform, draft: ListingDraft) -> None:
        with self._writer.begin() as connection:
            updated = connection.execute(
                update(listings_t)
                .where(listings_t.c.product_id == product_id, listings_t.c.platform == platform.value)
                .values(
                    seo_title=draft.seo_title,
                    seo_similarity=draft.seo_similarity,
                    seo_locked=draft.seo_locked,
                    seo_reason=draft.seo_reason,
                    updated_at=utcnow(),
                )
            )
            if updated.rowcount == 0:
                raise NotFoundError(f"no product with id '{product_id}'")

    def store_products(self, products: list[Product], pricing: Mapping[str, PlatformPricing],
                       source: str) -> ImportSummary:
        """Price, title and store products in one transaction; shared by file and marketplace imports."""
        from syncstore_cli.store.catalog import ImportItem

        locked = self.locked_titles()
        items = []
        exceptions: dict[str, list[str]] = {p.value: [] for p in PLATFORMS}
        for product in products:
            drafts = derive_listings(product, pricing, locked.get(product.id))
            for platform, draft in drafts.items():
                if draft.seo_title is None:
                    exceptions[platform.value].append(product.id)
            items.append(ImportItem(product, fingerprint(product), drafts))
        old_prices = self.listing_prices()
        result = self.apply_import(items)
        warnings: list[str] = []
        for item in items:
            if item.product.id in old_prices:
                warnings.extend(
                    f"{item.product.id} {w}"
                    for w in price_guard_warnings(old_prices[item.product.id], item.drafts, pricing)
                )
        return ImportSummary(
            path=source,
            products=len(items),
            created=len(result.created),
            updated=len(result.updated),
            unchanged=result.unchanged,
            relisted=len(result.relisted),
            seo_exceptions={k: v for k, v in exceptions.items() if v},
            price_warnings=warnings,
            duplicate_variant_skus=duplicate_skus(products),
        )
