"""Use case: the master catalog: import a file, list and show products, explain prices, set SEO titles.

Importing prices every product for each platform, derives its SEO titles and stores it in one
transaction; a marketplace import (`marketplace_import`) stores what it reads through the same path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import PLATFORMS, Platform, Product
from syncstore_cli.domain.records import ImportSummary
from syncstore_cli.domain.taxonomy import ListingTerms
from syncstore_cli.errors import CatalogFileError, NotFoundError, UserInputError

if TYPE_CHECKING:
    from syncstore_cli.domain.pricing import PriceBreakdown
    from syncstore_cli.store.catalog import StoredProduct
    from syncstore_cli.store.fastread import ProductPage


def import_catalog(ctx: AppContext, path: Path) -> ImportSummary:
    from syncstore_cli.store.catalog_files import read_catalog

    lines = read_catalog(path)
    _check_unique(lines, path)
    owners = ctx.catalog.sku_owners()
    for line, product in lines:
        owner = owners.get(product.sku)
        if owner is not None and owner != product.id:
            raise CatalogFileError(
                str(path), line, "sku", f"'{product.sku}' already belongs to {owner} in the catalog"
            )
    return ctx.catalog.store_products([product for _, product in lines], ctx.settings.pricing, str(path))

def product(ctx: AppContext, product_id: str) -> StoredProduct:
    """One product with its listings; NotFoundError names an unknown id."""
    return ctx.catalog.get(product_id)


@dataclass(frozen=True)
class ProductView:
    stored: StoredProduct
    terms: dict[Platform, ListingTerms]  # where each listing goes and with what attributes, or why it cannot


def product_view(ctx: AppContext, product_id: str) -> ProductView:
    """One product with its listings and, per platform, its marketplace category and attribute values."""
    stored = ctx.catalog.get(product_id)
    return ProductView(stored, {p: ctx.taxonomy.listing_terms(stored.product, p) for p in PLATFORMS})

def product_page(
    ctx: AppContext, *, search: str | None = None, status: str | None = None, page: int = 1, page_size: int = 50
) -> ProductPage:
    from syncstore_cli.store.fastread import FastReader
    from syncstore_cli.store.version import SCHEMA_HEAD

    url = ctx.settings.database_url
    if not _database_exists(url):
        _ = ctx.database  # creates and migrates an empty catalog
    with FastReader(url) as reader:
        if reader.schema_revision() != SCHEMA_HEAD:
            _ = ctx.database
        return reader.product_page(search=search, status=status, page=page, page_size=page_size)

def price_explain(ctx: AppContext, product_id: str) -> dict[Platform, PriceBreakdown | None]:
    from syncstore_cli.domain.listing import price_breakdown

    product = ctx.catalog.get(product_id).product
    return {p: price_breakdown(product, p, ctx.settings.pricing) for p in PLATFORMS}

def variant_price_explain(ctx: AppContext, product_id: str) -> dict[Platform, dict[str, PriceBreakdown | None]]:
    from syncstore_cli.domain.pricing import compute_price

    product = ctx.catalog.get(product_id).product
    result: dict[Platform, dict[str, PriceBreakdown | None]] = {}
    for platform in PLATFORMS:
        rule = ctx.settings.pricing[platform.value].rule_for(product.category)
        result[platform] = {
            v.sku: None if v.price is None else compute_price(v.price, rule) for v in product.variants
        }
    return result

def set_seo_title(
    ctx: AppContext, product_id: str, platform: Platform, title: str | None, *, allow_outside_band: bool = False,
) -> StoredProduct:
    """Lock a hand-written title, or unlock with None.

    The title must meet the seller's rules (`domain.seo.check_hand_title`, on the text as typed):
    what the marketplaces refuse (length, emoji, HTML entities, line breaks and other control
    characters) is always refused; a similarity outside the band only unless `allow_outside_band`,
    and then validation reports it."""
    from syncstore_cli.domain.listing import ListingDraft
    from syncstore_cli.domain.seo import check_hand_title, normalize, seo_titles

    stored = ctx.catalog.get(product_id)
    if title is not None:
        checked = check_hand_title(title, stored.product.title, platform)
        broken = list(checked.refused)
        if checked.outside_band and not allow_outside_band:
            hint = "" if broken else " (--allow-outside-band locks it anyway; validation will report it)"
            broken.insert(0, checked.outside_band + hint)
        if broken:
            raise UserInputError(f"title refused for {platform.value}: {'; '.join(broken)}")
        other = stored.listings.get(_other(platform))
        if other and other.seo_title and normalize(other.seo_title) == normalize(checked.title):
            raise UserInputError(f"title is the same as the {_other(platform).value} title; they must differ")
        draft = ListingDraft(
            platform=platform,
            price=None,
            formula="",
            seo_title=checked.title,
            seo_similarity=checked.similarity,
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
    ctx.catalog.set_seo_title(product_id, platform, draft)
    return ctx.catalog.get(product_id)



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
    from syncstore_cli.sandbox.generator import generate_catalog
    from syncstore_cli.store.catalog_files import write_catalog

    catalog = generate_catalog(seed, image_base_url=image_base_url)
    count = write_catalog(catalog.products, out)
    manifest_path = manifest or out.with_name(out.stem + ".manifest.json")
    manifest_path.write_text(json.dumps(catalog.manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return count, manifest_path


def require_products(ctx: AppContext, product_ids: list[str]) -> None:
    found = {p.product.id for p in ctx.catalog.get_many(product_ids)}
    missing = [i for i in product_ids if i not in found]
    if missing:
        raise NotFoundError(f"unknown product id(s): {', '.join(missing)}")

__all__ = ["GeneratedCatalog", "ImportSummary", "PriceExplanation", "SeoException"]


@dataclass(frozen=True)
class PriceExplanation:
    """`pricing explain`: each platform's price, step by step, for the product and each variant."""

    product: Product
    listings: dict[Platform, PriceBreakdown | None]
    variants: dict[Platform, dict[str, PriceBreakdown | None]]


def explain_prices(ctx: AppContext, product_id: str) -> PriceExplanation:
    return PriceExplanation(ctx.catalog.get(product_id).product, price_explain(ctx, product_id),
                            variant_price_explain(ctx, product_id))


@dataclass(frozen=True)
class SeoException:
    product_id: str
    platform: Platform
    title: str
    reason: str | None


def seo_exceptions(ctx: AppContext) -> list[SeoException]:
    """Products with no in-band SEO title on a platform, with the reason."""
    return [SeoException(stored.product.id, platform, stored.product.title, listing.seo_reason)
            for stored in ctx.catalog.all_products()
            for platform, listing in stored.listings.items() if listing.seo_title is None]


@dataclass(frozen=True)
class GeneratedCatalog:
    file: Path
    products: int
    manifest: Path


def generate_sample_catalog(ctx: AppContext, out: Path | str | None = None, *, seed: int | None = None,
                            image_base_url: str, manifest: Path | None = None) -> GeneratedCatalog:
    """`catalog generate`: the deterministic sample catalog (default: `catalog.jsonl` in the data folder).

    `out` may name a folder, one that exists or (given as text) any path ending in a separator: the catalog
    is written into it as `catalog.jsonl`, with its manifest beside it."""
    import os

    from syncstore_cli.sandbox.generator import DEFAULT_SEED

    if isinstance(out, str) and not out.strip():
        raise UserInputError("--out is empty: give a file (.jsonl or .csv) or a folder")
    into_folder = isinstance(out, str) and out.endswith(("/", os.sep))
    chosen = ctx.settings.home if out is None else Path(out).expanduser()
    target = chosen / "catalog.jsonl" if out is None or into_folder or chosen.is_dir() else chosen
    count, manifest_path = generate_catalog_file(target, seed=DEFAULT_SEED if seed is None else seed,
                                                 image_base_url=image_base_url, manifest=manifest)
    return GeneratedCatalog(target, count, manifest_path)
