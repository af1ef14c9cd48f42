"""The seller's post-sync checklist as pure functions: plain data in, a `CheckResult` out. No I/O.

`syncstore validate` (see `syncstore_cli.app.checks`) gathers the facts, from the store and from the
marketplaces, and hands them to these functions as the plain records below:

* `SyncedListing`: one product's listing on one platform that a sync job finished ("synced"), with
  what the store holds for it (external ids, prices, SEO title) and the state SyncStore last confirmed
  on the marketplace (`synced_state`, the `DesiredListing.groups()` it read back);
* `RemoteSummary`: one listing from a full scan of a shop (every listing, not just the synced ones);
* `ReadBack`: what a read-back of one sampled listing found different from the desired listing.

Each check returns `CheckResult(name, passed, checked, problems, unread)`; every problem names the
product id and SKU, the platform, and what is wrong, so the seller can act on it without looking
anything up. A check has one of three statuses: "pass", "fail" (it found problems) or "could not run":
it could not read what it needs (`unread` says what and why: a shop scan or a read-back that failed
after its retries), or it checked nothing although there was something to check. A check that could
not run is never a pass: `validate` exits 1 and `approve` refuses the batch.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from syncstore_cli.domain.catalog import PLATFORMS, Platform, Product
from syncstore_cli.domain.desired import MIN_IMAGES
from syncstore_cli.domain.fieldgroups import describe_differences
from syncstore_cli.domain.fieldgroups import short as _short
from syncstore_cli.domain.pricing import PlatformPricing, compute_price
from syncstore_cli.domain.seo import SIMILARITY_BAND, in_band, normalize, score_text, similarity, title_problems

PRICING: Final = "pricing"
SEO_TITLES: Final = "seo_titles"
MAPPINGS: Final = "mappings"
IMAGES: Final = "images"
VARIANTS: Final = "variants"
MARKETPLACE: Final = "marketplace"
DUPLICATES: Final = "duplicates"
CHECK_NAMES: Final[tuple[str, ...]] = (PRICING, SEO_TITLES, MAPPINGS, IMAGES, VARIANTS, MARKETPLACE, DUPLICATES)

# A check's status.
PASS: Final = "pass"
FAIL: Final = "fail"
COULD_NOT_RUN: Final = "could not run"
NOTHING_CHECKED: Final = "nothing was checked although there were synced listings to check"

# Tokopedia statuses (TikTok's integrated_platform_statuses) that mean the product is not on Tokopedia
# although the seller asked for it; PENDING (in audit) and ACTIVATE are fine.
TOKOPEDIA_BAD: Final[frozenset[str]] = frozenset({
    "FAILED", "SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "DELETED", "FREEZE", "DRAFT",
})  # fmt: skip

T = TypeVar("T")


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    checked: int  # how many things were looked at (prices, titles, listings, image URLs, variants, SKUs)
    problems: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # what could not be read, and why: the check could not run

    def __post_init__(self) -> None:
        if self.passed and (self.problems or self.unread):
            raise ValueError(f"check {self.name}: a check with problems or unread data cannot pass")

    @property
    def status(self) -> str:
        """pass; fail when it found problems (even if part could not be read); else could not run."""
        if self.passed:
            return PASS
        return FAIL if self.problems or not self.unread else COULD_NOT_RUN

    @property
    def reason(self) -> str | None:
        """Why (part of) the check could not run; None when it read everything it needs."""
        return "; ".join(self.unread) or None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "passed": self.passed, "checked": self.checked,
                "problems": list(self.problems), "could_not_run": self.reason}


def _result(name: str, checked: int, problems: list[str], *, unread: Sequence[str] = (),
            expected: bool = False) -> CheckResult:
    """`expected`: there was something to check, so having checked nothing means the check did not run."""
    reasons = list(unread)
    if expected and checked == 0 and not problems and not reasons:
        reasons.append(NOTHING_CHECKED)
    return CheckResult(name, not problems and not reasons, checked, problems, reasons)


@dataclass(frozen=True)
class SyncedListing:
    """One product's listing on one platform that a sync finished, as the store holds it."""

    product: Product
    platform: Platform
    external_id: str | None
    price: int | None  # listings.price: the listing's own price by the platform's rule
    variant_prices: Mapping[str, int | None] = field(default_factory=dict)  # listing variant SKU -> price
    variant_external_ids: Mapping[str, str | None] = field(default_factory=dict)  # listing variant SKU -> id
    seo_title: str | None = None
    seo_locked: bool = False
    synced_state: Mapping[str, Any] | None = None  # DesiredListing.groups() as last confirmed on the marketplace

    @property
    def who(self) -> str:
        """How a problem names this listing: product id, SKU and platform."""
        return f"{self.product.id} ({self.product.sku}) {self.platform.value}"


@dataclass(frozen=True)
class RemoteSummary:
    """One listing of a shop's full scan, reduced to what the checks compare."""

    platform: Platform
    external_id: str
    sku: str
    skus: tuple[str, ...]  # the variants' SKUs, or its own when it has none
    price: int | None  # the listing's own price when it has no variants
    variant_prices: Mapping[str, int] = field(default_factory=dict)  # variant SKU -> price


@dataclass(frozen=True)
class ReadBack:
    """A sampled listing read back from its marketplace and compared with the desired listing."""

    product_id: str
    sku: str
    platform: Platform
    external_id: str
    differences: tuple[str, ...] = ()
    error: str | None = None  # the read failed (not found, marketplace error)
    unreadable: bool = False  # `error` is a failed read (marketplace or network error), not a finding

    @property
    def passed(self) -> bool:
        return not self.differences and self.error is None

    def as_json(self) -> dict[str, Any]:
        problems = [*self.differences, *([self.error] if self.error else [])]
        return {"product_id": self.product_id, "platform": self.platform.value, "external_id": self.external_id,
                "passed": self.passed, "differences": problems}


# --------------------------------------------------------------------------- helpers


def seeded_sample(items: Sequence[T], n: int, seed: int) -> list[T]:
    """Up to `n` of `items` (in a stable order: the caller sorts them), chosen at random but the same
    for the same seed and items; all of them when there are no more than `n`."""
    if n >= len(items):
        return list(items)
    return random.Random(seed).sample(list(items), max(n, 0))


def _money(value: int | None) -> str:
    return "none" if value is None else f"{value:,}"


def group_differences(wanted: Mapping[str, Any], found: Mapping[str, Any], groups: Iterable[str]) -> list[str]:
    """'group: sent X, marketplace has Y' for each of `groups` whose values differ (see
    `domain.fieldgroups.describe_differences`, which this is)."""
    return describe_differences(wanted, found, groups=groups)


def tokopedia_problem(status: str | None) -> str | None:
    """Why a TikTok listing that should also be on Tokopedia is not, from its Tokopedia status; None if fine."""
    if status is not None and status.upper() in TOKOPEDIA_BAD:
        return f"tokopedia: status is {status}; the listing is not live on Tokopedia"
    return None


# --------------------------------------------------------------------------- the checks


def check_pricing(listings: Sequence[SyncedListing], pricing: Mapping[str, PlatformPricing]) -> CheckResult:
    """Every stored platform price (the listing's and each variant's) is the platform's rule applied to
    the base price: all of them, not a sample."""
    problems: list[str] = []
    checked = 0
    for listing in listings:
        product = listing.product
        rule = pricing[listing.platform.value].rule_for(product.category)
        expected = None if product.price is None else compute_price(product.price, rule).price
        checked += 1
        if listing.price != expected:
            problems.append(f"{listing.who}: stored price {_money(listing.price)}, but the rule gives "
                            f"{_money(expected)} from the base price {_money(product.price)}")
        for variant in product.variants:
            checked += 1
            want = None if variant.price is None else compute_price(variant.price, rule).price
            if variant.sku not in listing.variant_prices:
                problems.append(f"{listing.who}: variant {variant.sku} has no stored price; the rule gives "
                                f"{_money(want)}")
                continue
            have = listing.variant_prices[variant.sku]
            if have != want:
                problems.append(f"{listing.who}: variant {variant.sku} stored price {_money(have)}, but the rule "
                                f"gives {_money(want)} from the base price {_money(variant.price)}")
    return _result(PRICING, checked, problems, expected=bool(listings))


def check_seo_titles(listings: Sequence[SyncedListing]) -> CheckResult:
    """Each title is present, 70–80 similar to the master title, within the platform's length limits and
    free of what the platforms reject; a product's two platform titles differ."""
    problems: list[str] = []
    lo, hi = SIMILARITY_BAND
    titles: dict[str, dict[Platform, str]] = {}
    for listing in listings:
        title = listing.seo_title
        if not title or not title.strip():
            problems.append(f"{listing.who}: no SEO title")
            continue
        titles.setdefault(listing.product.id, {})[listing.platform] = title
        score = similarity(listing.product.title, title)
        locked = " (locked by hand)" if listing.seo_locked else ""
        if not in_band(score):
            problems.append(f"{listing.who}: title {title!r}{locked} is {score_text(score)} similar to the master "
                            f"title; the band is {lo:.0f}–{hi:.0f}")
        problems.extend(f"{listing.who}: title {title!r}{locked}: {p}" for p in title_problems(title, listing.platform))
    by_id = {listing.product.id: listing.product for listing in listings}
    for product_id, per_platform in titles.items():
        if len(per_platform) == len(PLATFORMS) and len({normalize(t) for t in per_platform.values()}) == 1:
            product = by_id[product_id]
            problems.append(f"{product.id} ({product.sku}): the Shopee and TikTok titles are the same "
                            f"({per_platform[Platform.SHOPEE]!r}); they must differ")
    return _result(SEO_TITLES, len(listings), problems)


def check_mappings(
    listings: Sequence[SyncedListing], external_id_owners: Mapping[tuple[Platform, str], Collection[str]],
) -> CheckResult:
    """Every synced listing has its marketplace id; its variant rows are exactly the product's variants
    (none missing, none dangling: a SKU the product does not have); no two products share one
    marketplace id on a platform (`external_id_owners`: every listing id in the store -> its products)."""
    problems: list[str] = []
    checked = 0
    for listing in listings:
        checked += 1
        if not listing.external_id:
            problems.append(f"{listing.who}: synced, but no marketplace listing id is stored")
        else:
            owners = sorted(set(external_id_owners.get((listing.platform, listing.external_id), ())))
            others = [o for o in owners if o != listing.product.id]
            if others:
                problems.append(f"{listing.who}: listing id {listing.external_id} is also stored for "
                                f"{', '.join(others)}")
        product_skus = [v.sku for v in listing.product.variants]
        stored_skus = set(listing.variant_prices) | set(listing.variant_external_ids)
        for sku in product_skus:
            checked += 1
            if sku not in stored_skus:
                problems.append(f"{listing.who}: variant {sku} has no listing row (no price, no marketplace id)")
        for sku in sorted(stored_skus - set(product_skus)):
            problems.append(f"{listing.who}: listing variant {sku} is not a variant of the product (dangling)")
        ids = [i for i in listing.variant_external_ids.values() if i]
        for repeated in sorted({i for i in ids if ids.count(i) > 1}):
            skus = sorted(s for s, i in listing.variant_external_ids.items() if i == repeated)
            problems.append(f"{listing.who}: variant id {repeated} is stored for {len(skus)} variants "
                            f"({', '.join(skus)})")
    return _result(MAPPINGS, checked, problems, expected=bool(listings))


def check_images(listings: Sequence[SyncedListing], fetched: Mapping[str, str | None]) -> CheckResult:
    """Every image is reachable (`fetched`: URL -> None when it answered 200, else why not), each product
    has at least MIN_IMAGES, and both platforms were sent the same images (the `images` group of each
    platform's synced state)."""
    problems: list[str] = []
    products: dict[str, Product] = {}
    synced: dict[str, dict[Platform, list[str] | None]] = {}
    for listing in listings:
        products[listing.product.id] = listing.product
        state = listing.synced_state
        images = state.get("images") if state is not None else None
        synced.setdefault(listing.product.id, {})[listing.platform] = None if images is None else list(images)
    seen: set[str] = set()
    for product_id, product in products.items():
        who = f"{product.id} ({product.sku})"
        if len(product.images) < MIN_IMAGES:
            problems.append(f"{who}: has {len(product.images)} image(s); at least {MIN_IMAGES} needed")
        per_platform = synced[product_id]
        urls = list(dict.fromkeys([*product.images, *(u for imgs in per_platform.values() for u in imgs or [])]))
        for url in urls:
            seen.add(url)
            if url not in fetched:
                problems.append(f"{who}: image {url} was not checked")
            elif fetched[url] is not None:
                problems.append(f"{who}: image {url} is unreachable ({fetched[url]})")
        for platform, images in per_platform.items():
            if images is None:
                problems.append(f"{who} {platform.value}: no synced images recorded")
        recorded = {p: imgs for p, imgs in per_platform.items() if imgs is not None}
        if len(recorded) == len(PLATFORMS) and recorded[Platform.SHOPEE] != recorded[Platform.TIKTOK]:
            shopee, tiktok = recorded[Platform.SHOPEE], recorded[Platform.TIKTOK]
            only_shopee = [u for u in shopee if u not in tiktok]
            only_tiktok = [u for u in tiktok if u not in shopee]
            detail = (f"{len(only_shopee)} only on Shopee, {len(only_tiktok)} only on TikTok"
                      if only_shopee or only_tiktok else "same images in a different order")
            problems.append(f"{who}: Shopee was sent {len(shopee)} image(s) and TikTok {len(tiktok)}, not the "
                            f"same ({detail})")
    return _result(IMAGES, len(seen), problems, expected=bool(listings))


def check_variants(listings: Sequence[SyncedListing]) -> CheckResult:
    """Every variant of the product was synced (it is in the synced state, with its options, price and
    stock) and has its marketplace variant id; the synced state carries no variant the product lacks."""
    problems: list[str] = []
    checked = 0
    for listing in listings:
        product = listing.product
        state = listing.synced_state
        if state is None:
            checked += max(1, len(product.variants))
            problems.append(f"{listing.who}: no synced state recorded; its variants cannot be confirmed")
            continue
        groups = state.get("variants") or {}
        synced = {str(sku): list(options) for sku, options in groups.get("skus") or []}
        prices = state.get("price") if isinstance(state.get("price"), Mapping) else {}
        stocks = state.get("stock") if isinstance(state.get("stock"), Mapping) else {}
        tiers = [t.name for t in product.tiers]
        if product.variants and list(groups.get("tiers") or []) != tiers:
            problems.append(f"{listing.who}: synced variant tiers {list(groups.get('tiers') or [])} are not the "
                            f"product's {tiers}")
        for variant in product.variants:
            checked += 1
            what = f"{listing.who}: variant {variant.sku}"
            if variant.sku not in synced:
                problems.append(f"{what} was not synced (not in the listing's synced variants)")
                continue
            if synced[variant.sku] != list(variant.options):
                problems.append(f"{what} was synced with options {synced[variant.sku]}, the product has "
                                f"{list(variant.options)}")
            if variant.sku not in (prices or {}) or variant.sku not in (stocks or {}):
                problems.append(f"{what} has no synced price or stock")
            if not listing.variant_external_ids.get(variant.sku):
                problems.append(f"{what} has no marketplace variant id")
        for sku in sorted(set(synced) - {v.sku for v in product.variants}):
            problems.append(f"{listing.who}: synced variant {sku} is not a variant of the product")
    return _result(VARIANTS, checked, problems, expected=any(listing.product.variants for listing in listings))


def _remote_prices(remote: RemoteSummary) -> int | dict[str, int] | None:
    return dict(remote.variant_prices) if remote.variant_prices else remote.price


def check_marketplace(
    listings: Sequence[SyncedListing], readbacks: Sequence[ReadBack],
    scanned: Mapping[Platform, Sequence[RemoteSummary]], scan_errors: Mapping[Platform, str] | None = None,
) -> CheckResult:
    """The sampled read-backs found nothing different from the desired listing; and, from a full scan of
    each shop, every synced listing is still there with the price(s) SyncStore last confirmed (its
    synced state), so a price changed in the seller centre is caught even when it was not sampled.

    A read-back or a scan that failed (`ReadBack.unreadable`, `scan_errors`, a platform with synced
    listings that was not scanned) is what the check could not read: never a pass."""
    problems: list[str] = []
    unread: list[str] = []
    for readback in readbacks:
        who = f"{readback.product_id} ({readback.sku}) {readback.platform.value} {readback.external_id}"
        if readback.error:
            (unread if readback.unreadable else problems).append(f"{who}: read-back failed: {readback.error}")
        problems.extend(f"{who}: read-back differs: {d}" for d in readback.differences)
    errors = dict(scan_errors or {})
    for platform in PLATFORMS:
        if platform not in scanned and platform not in errors and any(
                listing.platform is platform and listing.external_id for listing in listings):
            errors[platform] = "the shop was not scanned"
    for platform, error in errors.items():
        unread.append(f"{platform.value}: the full listing scan failed: {error}")
    by_id = {(p, r.external_id): r for p, found in scanned.items() for r in found}
    compared = 0
    for listing in listings:
        if not listing.external_id or listing.platform in errors or listing.platform not in scanned:
            continue  # no id: the mappings check reports it; a failed scan is reported once above
        compared += 1
        who = f"{listing.who} {listing.external_id}"
        remote = by_id.get((listing.platform, listing.external_id))
        if remote is None:
            problems.append(f"{who}: the listing is not in the marketplace's full listing scan (deleted or "
                            "moved behind SyncStore's back?)")
            continue
        confirmed = listing.synced_state.get("price") if listing.synced_state is not None else None
        if confirmed is None:
            confirmed = dict(listing.variant_prices) if listing.product.variants else listing.price
        found = _remote_prices(remote)
        if isinstance(confirmed, Mapping):
            for sku, price in confirmed.items():
                have = found.get(sku) if isinstance(found, Mapping) else None
                if have != price:
                    problems.append(f"{who}: variant {sku} is {_money(have)} on the marketplace, SyncStore "
                                    f"confirmed {_money(price)}")
        elif isinstance(found, Mapping):
            problems.append(f"{who}: has variant prices {_short(found)} on the marketplace, SyncStore "
                            f"confirmed one price {_money(confirmed)}")
        elif found != confirmed:
            problems.append(f"{who}: price is {_money(found)} on the marketplace, SyncStore confirmed "
                            f"{_money(confirmed)}")
    return _result(MARKETPLACE, len(readbacks) + compared, problems, unread=unread,
                   expected=bool(readbacks) or any(listing.external_id for listing in listings))


def check_duplicates(
    scanned: Mapping[Platform, Sequence[RemoteSummary]], skus: Mapping[Platform, Collection[str]],
    scan_errors: Mapping[Platform, str] | None = None,
) -> CheckResult:
    """No SKU of the checked products (`skus`, per platform: product and variant SKUs) is carried by
    more than one listing of the shop's full scan. A platform with SKUs to check whose scan failed
    (`scan_errors`) or is missing could not be checked: the check could not run, it does not pass."""
    problems: list[str] = []
    unread: list[str] = []
    checked = 0
    for platform in PLATFORMS:
        wanted = sorted(set(skus.get(platform, ())))
        if not wanted:
            continue
        if platform not in scanned:
            why = (scan_errors or {}).get(platform) or "the shop was not scanned"
            unread.append(f"{platform.value}: the full listing scan failed: {why}")
            continue
        carriers: dict[str, set[str]] = {}
        for remote in scanned[platform]:
            for sku in {remote.sku, *remote.skus}:
                if sku:
                    carriers.setdefault(sku, set()).add(remote.external_id)
        for sku in wanted:
            checked += 1
            ids = carriers.get(sku, set())
            if len(ids) > 1:
                problems.append(f"{platform.value}: SKU {sku} is listed {len(ids)} times "
                                f"({', '.join(sorted(ids))})")
    return _result(DUPLICATES, checked, problems, unread=unread, expected=any(skus.values()))


def summary_line(results: Sequence[CheckResult]) -> str:
    """'5/7 checks passed; pricing: 2 problems, images: 1 problem'."""
    failed = [r for r in results if not r.passed]
    head = f"{len(results) - len(failed)}/{len(results)} checks passed"
    if not failed:
        return head
    return head + "; " + ", ".join(
        f"{r.name}: could not run" if r.status == COULD_NOT_RUN else
        f"{r.name}: {len(r.problems)} problem{'s' if len(r.problems) != 1 else ''}" for r in failed)
