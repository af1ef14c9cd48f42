"""What each marketplace listing of a product should carry: its price(s) and SEO title."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syncstore_cli.domain.catalog import PLATFORMS, Platform, Product
from syncstore_cli.domain.pricing import PlatformPricing, PriceBreakdown, compute_price, price_change_flag
from syncstore_cli.domain.seo import seo_titles, similarity


@dataclass(frozen=True)
class ListingDraft:
    platform: Platform
    price: int | None
    formula: str
    variant_prices: Mapping[str, int | None] = field(default_factory=dict)
    seo_title: str | None = None
    seo_similarity: float | None = None
    seo_reason: str | None = None
    seo_locked: bool = False


def price_breakdown(product: Product, platform: Platform, pricing: Mapping[str, PlatformPricing]) -> (
    PriceBreakdown | None
):
    if product.price is None:
        return None
    return compute_price(product.price, pricing[platform.value].rule_for(product.category))


def derive_listings(
    product: Product,
    pricing: Mapping[str, PlatformPricing],
    locked_titles: Mapping[Platform, str] | None = None,
) -> dict[Platform, ListingDraft]:
    """Price every platform (variants one by one) and give each an SEO title, honouring locked titles."""
    locked = locked_titles or {}
    generated = seo_titles(product.title, key=product.sku)
    drafts: dict[Platform, ListingDraft] = {}
    for platform in PLATFORMS:
        rule = pricing[platform.value].rule_for(product.category)
        breakdown = price_breakdown(product, platform, pricing)
        variant_prices = {
            v.sku: (None if v.price is None else compute_price(v.price, rule).price) for v in product.variants
        }
        if platform in locked:
            title: str | None = locked[platform]
            score: float | None = similarity(product.title, locked[platform])
            reason = None
        else:
            seo = generated[platform]
            title, score, reason = seo.title, seo.similarity, seo.reason
        drafts[platform] = ListingDraft(
            platform=platform,
            price=breakdown.price if breakdown else None,
            formula=breakdown.formula if breakdown else "no base price: cannot be priced",
            variant_prices=variant_prices,
            seo_title=title,
            seo_similarity=score,
            seo_reason=reason,
            seo_locked=platform in locked,
        )
    return drafts


def price_guard_warnings(
    old: Mapping[Platform, int | None], drafts: Mapping[Platform, ListingDraft],
    pricing: Mapping[str, PlatformPricing],
) -> list[str]:
    warnings = []
    for platform, draft in drafts.items():
        if draft.price is None:
            continue
        flag = price_change_flag(old.get(platform), draft.price, pricing[platform.value].max_change_percent)
        if flag:
            warnings.append(f"{platform.value}: {flag}")
    return warnings
