"""The composition root: wires settings, the store and the domain into the operations the CLI offers.

Each public function here is one user-visible operation; the CLI parses, calls one of
these, and renders the result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from syncstore_cli.domain.catalog import PLATFORMS, Platform, Product
from syncstore_cli.errors import CatalogFileError, NotFoundError, UserInputError
from syncstore_cli.settings import Settings, load_settings

if TYPE_CHECKING:
    from syncstore_cli.domain.pricing import PriceBreakdown
    from syncstore_cli.store.catalog import CatalogStore, StoredProduct
    from syncstore_cli.store.engine import Engine
    from syncstore_cli.store.fastread import ProductPage


@dataclass
class ImportSummary:
    path: str
    products: int
    created: int
    updated: int
    unchanged: int
    relisted: int
    seo_exceptions: dict[str, list[str]] = field(default_factory=dict)  # platform -> product ids
    price_warnings: list[str] = field(default_factory=list)
    duplicate_variant_skus: dict[str, list[str]] = field(default_factory=dict)


class Services:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()

    @cached_property
    def engine(self) -> Engine:
        from syncstore_cli.store.engine import make_engine
        from syncstore_cli.store.schema import ensure_current

        self.settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.database_url)
        ensure_current(engine)
        return engine

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def catalog(self) -> CatalogStore:
        from syncstore_cli.store.catalog import CatalogStore

        return CatalogStore(self.engine)

    # -- catalog -----------------------------------------------------------------------------
    def import_catalog(self, path: Path) -> ImportSummary:
        from syncstore_cli.catalog_files import read_catalog

        lines = read_catalog(path)
        _check_unique(lines, path)
        owners = self.catalog.sku_owners()
        for line, product in lines:
            owner = owners.get(product.sku)
            if owner is not None and owner != product.id:
                raise CatalogFileError(
                    str(path), line, "sku", f"'{product.sku}' already belongs to {owner} in the catalog"
                )
        return self.store_products([product for _, product in lines], str(path))

    def store_products(self, products: list[Product], source: str) -> ImportSummary:
        """Price, title and store products in one transaction; shared by file and marketplace imports."""
        from syncstore_cli.domain.listing import derive_listings, price_guard_warnings
        from syncstore_cli.domain.records import duplicate_skus, fingerprint
        from syncstore_cli.store.catalog import ImportItem

        locked = self.catalog.locked_titles()
        pricing = self.settings.pricing
        items = []
        exceptions: dict[str, list[str]] = {p.value: [] for p in PLATFORMS}
        for product in products:
            drafts = derive_listings(product, pricing, locked.get(product.id))
            for platform, draft in drafts.items():
                if draft.seo_title is None:
                    exceptions[platform.value].append(product.id)
            items.append(ImportItem(product, fingerprint(product), drafts))
        old_prices = self.catalog.listing_prices()
        result = self.catalog.apply_import(items)
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

    def product(self, product_id: str) -> StoredProduct:
        return self.catalog.get(product_id)

    def product_page(
        self, *, search: str | None = None, status: str | None = None, page: int = 1, page_size: int = 50
    ) -> ProductPage:
        from syncstore_cli.store.fastread import FastReader
        from syncstore_cli.store.version import SCHEMA_HEAD

        url = self.settings.database_url
        if not _database_exists(url):
            _ = self.engine  # creates and migrates an empty catalog
        with FastReader(url) as reader:
            if reader.schema_revision() != SCHEMA_HEAD:
                _ = self.engine
            return reader.product_page(search=search, status=status, page=page, page_size=page_size)

    def price_explain(self, product_id: str) -> dict[Platform, PriceBreakdown | None]:
        from syncstore_cli.domain.listing import price_breakdown

        product = self.catalog.get(product_id).product
        return {p: price_breakdown(product, p, self.settings.pricing) for p in PLATFORMS}

    def variant_price_explain(self, product_id: str) -> dict[Platform, dict[str, PriceBreakdown | None]]:
        from syncstore_cli.domain.pricing import compute_price

        product = self.catalog.get(product_id).product
        result: dict[Platform, dict[str, PriceBreakdown | None]] = {}
        for platform in PLATFORMS:
            rule = self.settings.pricing[platform.value].rule_for(product.category)
            result[platform] = {
                v.sku: None if v.price is None else compute_price(v.price, rule) for v in product.variants
            }
        return result

    def set_seo_title(self, product_id: str, platform: Platform, title: str | None) -> StoredProduct:
        """Lock a hand-written title (checked against the platform's rules), or unlock with None."""
        from syncstore_cli.domain.listing import ListingDraft
        from syncstore_cli.domain.seo import seo_titles, similarity, title_problems

        stored = self.catalog.get(product_id)
        if title is not None:
            title = " ".join(title.split())
            problems = title_problems(title, platform)
            if problems:
                raise UserInputError(f"title refused for {platform.value}: {'; '.join(problems)}")
            other = stored.listings.get(_other(platform))
            if other and other.seo_title and other.seo_title.casefold() == title.casefold():
                raise UserInputError(f"title is the same as the {_other(platform).value} title; they must differ")
            draft = ListingDraft(
                platform=platform,
                price=None,
                formula="",
                seo_title=title,
                seo_similarity=similarity(stored.product.title, title),
                seo_locked=True,
            )
        else:
            generated = seo_titles(stored.product.title, key=stored.product.sku)[platform]
            draft = ListingDraft(
                platform=platform,
                price=None,
                formula="",
                seo_title=generated.title,
                seo_similarity=generated.similarity,
                seo_reason=generated.reason,
            )
        self.catalog.set_seo_title(product_id, platform, draft)
        return self.catalog.get(product_id)


def _other(platform: Platform) -> Platform:
    return Platform.TIKTOK if platform is Platform.SHOPEE else Platform.SHOPEE


def _check_unique(lines: list[tuple[int, Product]], path: Path) -> None:
    seen_ids: dict[str, int] = {}
    seen_skus: dict[str, int] = {}
    for line, product in lines:
        product_id, sku = product.id, product.sku
        if product_id in seen_ids:
            raise CatalogFileError(str(path), line, "id", f"'{product_id}' is also on line {seen_ids[product_id]}")
        if sku in seen_skus:
            raise CatalogFileError(str(path), line, "sku", f"'{sku}' is also on line {seen_skus[sku]}")
        seen_ids[product_id] = line
        seen_skus[sku] = line


def _database_exists(url: str) -> bool:
    from syncstore_cli.store.urls import sqlite_path

    if not url.startswith("sqlite"):
        return True
    path = sqlite_path(url)
    return path is not None and path.exists()


def generate_catalog_file(out: Path, *, seed: int, image_base_url: str, manifest: Path | None) -> tuple[int, Path]:
    from syncstore_cli.catalog_files import write_catalog
    from syncstore_cli.domain.generator import generate_catalog

    catalog = generate_catalog(seed, image_base_url=image_base_url)
    count = write_catalog(catalog.products, out)
    manifest_path = manifest or out.with_name(out.stem + ".manifest.json")
    manifest_path.write_text(json.dumps(catalog.manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return count, manifest_path


def require_products(services: Services, product_ids: list[str]) -> None:
    found = {p.product.id for p in services.catalog.get_many(product_ids)}
    missing = [i for i in product_ids if i not in found]
    if missing:
        raise NotFoundError(f"unknown product id(s): {', '.join(missing)}")
