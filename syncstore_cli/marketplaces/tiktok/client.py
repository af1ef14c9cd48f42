"""TikTok Shop Open API (202309 product module, 202502 search) mapped to `marketplaces.base` records.

Search returns a product's SKUs with seller_sku, price and inventory, but not its description, images,
category or the SKUs' sales attributes; a complete listing therefore needs Get Product per product.
`list_listings(details=False)` stops at the search pages (one call per `page_size` products) for callers
that only compare SKUs, prices and stock.

TikTok has no product-level seller SKU. A listing's `sku` is, in order: `external_product_id` when the
listing carries one (SyncStore sets it on the products it creates), the only SKU's seller_sku for a
product without sales attributes, else the longest common dash-separated prefix of its SKUs' seller_skus
(the seller's convention: variant SKU = product SKU + "-" + option codes), at most the first SKU minus
one segment per sales attribute, which is also the answer when the SKUs share no prefix. This is a
heuristic for listings made before SyncStore; it can be wrong for a SKU off the convention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from syncstore_cli.marketplaces.base import (
    MULTI_SELECT,
    SINGLE_SELECT,
    TEXT,
    UPDATE_FIELDS,
    Attribute,
    AttributeValue,
    Brand,
    Category,
    CategoryRules,
    Certification,
    ListingLimits,
    ListingSpec,
    LogisticsOption,
    RemoteListing,
    RemoteVariant,
    WriteResult,
    map_in_context,
)
from syncstore_cli.marketplaces.errors import MarketplaceError, NotFound, NotLiveYet, ValidationFailed
from syncstore_cli.marketplaces.http import SignedHttpClient
from syncstore_cli.marketplaces.tiktok.responses import LISTING_LIMIT

PLATFORM = "tiktok"
SEARCH_PATH = "/product/202502/products/search"
PRODUCT_PATH = "/product/202309/products"
IMAGE_UPLOAD_PATH = "/product/202309/images/upload"
MAX_PAGE_SIZE = 100
DELETED = "DELETED"
# Seller SKUs per search. No source gives a maximum for `seller_skus`; 20 keeps each search's answer (up to
# 100 products a page) small and stays well inside any plausible limit.
SKUS_PER_SEARCH = 20
TOKOPEDIA = "TOKOPEDIA"
TIKTOK_SHOP = "TIKTOK_SHOP"
PENDING = "PENDING"
ACTIVATE = "ACTIVATE"
FAILED = "FAILED"
# How long a sync waits before looking again at a product in review. TikTok documents no audit duration;
# this only paces the re-reads (one Get Product each), it does not bound the wait.
AUDIT_WAIT_SECONDS = 300.0
CATEGORIES_PATH = "/product/202309/categories"
RECOMMEND_CATEGORY_PATH = "/product/202309/categories/recommend"
BRANDS_PATH = "/product/202309/brands"
WAREHOUSES_PATH = "/logistics/202309/warehouses"
# Indonesia is a SEA market: Create/Edit require v2 categories there (12052217), so every call names v2.
CATEGORY_VERSION = "v2"
CURRENCY = "IDR"
NO_BRAND = "No Brand"
SALES_WAREHOUSE = "SALES_WAREHOUSE"
MISSING_PRODUCT_CODES = frozenset({12052032, 12052260, 12052034})  # missing, unknown id, another shop's
# Update groups that Partial Edit carries (top-level product properties); price and stock have their own calls.
CONTENT_FIELDS = frozenset({"title", "description", "images", "category", "brand", "package", "attributes"})
# Groups whose change sends product_attributes: attribute ids belong to a category.
ATTRIBUTE_FIELDS = frozenset({"attributes", "category"})
# Get Product fields an Edit (a full overwrite) must send back unchanged when the sync has no say in them.
KEPT_ON_EDIT = ("is_cod_allowed", "is_not_for_sale", "is_pre_owned", "minimum_order_quantity",
                "shipping_insurance_requirement")

# TikTok has no limits endpoint: Get Category Rules answers certifications, size chart, COD, package
# dimensions and fees, none of the ranges below. These are the documented limits for an Indonesian local
# shop (shared/marketplaces/tiktok.md §4 and README "TikTok Shop decisions"), kept in this one place.
LIMITS = ListingLimits(
    title_length=(25, 255),
    description_length=(1, 10_000),  # required, at most 10,000 characters of HTML
    images=(1, 9),
    price=(100, 100_000_000),  # older doc (LYWZX); the current doc defers to a pricing page not found
    # Create needs at least 1 per warehouse; a live SKU selling out is still a valid listing, so 0 is allowed
    # here and Update Inventory is trusted (or refuses) with 0 — unverified on live TikTok (tiktok.md §8.5).
    stock=(0, 99_999),
    max_tiers=3,  # sales attribute types (12052525)
    max_options_per_tier=100,  # no per-attribute limit is documented; the SKU cap bounds it
    max_variants=100,  # SKUs per product for "other regions" (12052050)
    # Positive with at most 3 decimals in KILOGRAM, so 1 g at least; no maximum is documented, and this
    # bound only keeps the range finite without refusing anything TikTok might accept.
    weight_g=(1, 1_000_000),
)


def rupiah(value: Any, what: str) -> int:
    """A TikTok amount (a decimal string such as "172500") as whole rupiah; fractions are refused."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    whole, _, fraction = text.partition(".")
    if whole.isdigit() and (fraction == "" or set(fraction) == {"0"}):
        return int(whole)
    raise ValidationFailed(PLATFORM, f"{what}: {value!r} is not a whole rupiah amount")


def _int(value: Any, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ValidationFailed(PLATFORM, f"{what}: expected an integer, got {value!r}")


def _data(answer: Mapping[str, Any]) -> dict[str, Any]:
    data = answer.get("data")
    return data if isinstance(data, dict) else {}


def product_sku(product: Mapping[str, Any], skus: Sequence[Mapping[str, Any]]) -> str:
    external = product.get("external_product_id")
    if isinstance(external, str) and external:
        return external
    sellers = [str(s.get("seller_sku") or "") for s in skus]
    if len(sellers) == 1 and not skus[0].get("sales_attributes"):
        return sellers[0]
    if not sellers:
        return ""
    parts = [s.split("-") for s in sellers]
    common: list[str] = []
    for pieces in zip(*parts, strict=False):
        if len(set(pieces)) != 1:
            break
        common.append(pieces[0])
    # Each variant SKU ends in (at least) one option code per sales attribute, so the product SKU is at
    # most the first SKU without that many segments; a SKU off the convention falls back to that bound.
    attributes = len(skus[0].get("sales_attributes") or [])
    bound = max(1, len(parts[0]) - attributes)
    common = common[:bound] or parts[0][:bound]
    return "-".join(common)


class TikTokClient:
    """Product calls for one authorized shop; `http` is signed with that shop's token and cipher."""

    platform = PLATFORM

    def __init__(self, http: SignedHttpClient, *, concurrency: int = 1) -> None:
        self.http = http
        self.concurrency = concurrency  # parallel reads; the shared rate budget still paces them
        # Reference data changes rarely and one client lives for one sync run: read once per instance.
        self._categories: list[Category] | None = None
        self._attributes: dict[str, list[Attribute]] = {}
        self._brands: dict[str, list[Brand]] = {}
        self._rules: dict[str, CategoryRules] = {}
        self._tokopedia_categories: list[Category] | None = None
        self._warehouses: list[LogisticsOption] | None = None

    # -- reads ---------------------------------------------------------------------------------
    def search(self, body: Mapping[str, Any] | None = None, page_size: int = MAX_PAGE_SIZE, *,
               on_total: Callable[[int], None] | None = None, deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Search 202502, every page; yields the raw products of each page (DELETED ones left out, or only
        those with `deleted`). `on_total` hears the first page's `total_count` (when it gives one)."""
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        token = ""
        while True:
            query: dict[str, Any] = {"page_size": size}
            if token:
                query["page_token"] = token
            page = _data(self.http.request("POST", SEARCH_PATH, query=query, json_body=dict(body or {})))
            if on_total is not None and not token and isinstance(page.get("total_count"), int):
                on_total(page["total_count"])
            for product in page.get("products") or []:
                if (product.get("status") == DELETED) is deleted:
                    yield product
            token = str(page.get("next_page_token") or "")
            if not token:
                return

    def product(self, product_id: str) -> dict[str, Any]:
        if not product_id.isdigit():
            raise NotFound(PLATFORM, f"product id {product_id!r} is not a TikTok product id")
        return _data(self.http.request("GET", f"{PRODUCT_PATH}/{product_id}"))

    def list_listings(self, page_size: int = MAX_PAGE_SIZE, *, details: bool = True,
                      on_total: Callable[[int], None] | None = None) -> Iterator[RemoteListing]:
        if not details:
            for found in self.search({"status": "ALL"}, page_size, on_total=on_total):
                yield self._listing(found)
            return
        # Search omits images and descriptions, so each product is read; `concurrency` at a time.
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            batch: list[str] = []
            for found in self.search({"status": "ALL"}, page_size, on_total=on_total):
                batch.append(str(found["id"]))
                if len(batch) == page_size:
                    yield from map_in_context(pool, self.get_listing, batch)
                    batch = []
            yield from map_in_context(pool, self.get_listing, batch)

    def get_listing(self, external_id: str) -> RemoteListing:
        return self._listing(self.product(external_id))

    def get_listings(self, external_ids: Sequence[str]) -> list[RemoteListing]:
        """TikTok reads one product per call; `concurrency` at a time. Ids not in the shop are left out."""
        def read(product_id: str) -> RemoteListing | None:
            try:
                return self.get_listing(product_id)
            except NotFound:
                return None

        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            return [listing for listing in map_in_context(pool, read, external_ids) if listing is not None]

    def changed_since(self, since: float) -> list[RemoteListing]:
        """Search 202502 with `update_time_ge`, then Get Product for each product found.

        `update_time_ge` (int, Unix timestamp): "updated on or after"; with `update_time_le` left empty it
        "will default to the current time" (lazykern/ecommerce-api-docs,
        data/raw/tiktok/api-reference/products/search-products.spec.json, request_body_param). Leaving
        `le` to TikTok means its own clock ends the range, so an edit is never cut off by ours.
        """
        found = self.search({"status": "ALL", "update_time_ge": max(0, int(since))})
        return self.get_listings([str(product["id"]) for product in found])

    def removed_since(self, since: float) -> list[str]:
        """Search with status DELETED and `update_time_ge`: the products deleted since then."""
        return [str(product["id"]) for product in self.search(
            {"status": DELETED, "update_time_ge": max(0, int(since))}, deleted=True)]

    def find_by_skus(self, skus: Sequence[str]) -> dict[str, list[RemoteListing]]:
        """One search for up to SKUS_PER_SEARCH seller SKUs ("search for all products that contain these
        Seller SKUs", lywzx/tiktok-partner-api, packages/tk-origin-api/src/products/SearchProducts.ts,
        `seller_skus`), then Get Product for each product found; each SKU asked -> its exact matches."""
        unique = list(dict.fromkeys(skus))
        found: dict[str, None] = {}
        for start in range(0, len(unique), SKUS_PER_SEARCH):
            for product in self.search({"status": "ALL", "seller_skus": unique[start:start + SKUS_PER_SEARCH]}):
                found[str(product["id"])] = None
        listings = self.get_listings(list(found))
        return {sku: [listing for listing in listings if sku in (listing.sku, *(v.sku for v in listing.variants))]
                for sku in unique}

    def find_by_sku(self, sku: str) -> list[RemoteListing]:
        """Live listings with a SKU whose seller_sku is exactly `sku`, or whose product SKU is `sku`.

        Search by seller_skus finds listings carrying that seller SKU; the product-level SKU (which
        TikTok does not store) is only found through `external_product_id` on listings we created.
        """
        result: list[RemoteListing] = []
        for found in self.search({"status": "ALL", "seller_skus": [sku]}):
            listing = self.get_listing(str(found["id"]))
            if sku in (listing.sku, *(v.sku for v in listing.variants)):
                result.append(listing)
        return result

    # -- writes --------------------------------------------------------------------------------
    def upload_image(self, data: bytes, use_case: str = "MAIN_IMAGE") -> str:
        answer = _data(self.http.request("POST", IMAGE_UPLOAD_PATH, files={"data": ("image", data)},
                                         data={"use_case": use_case}))
        uri = answer.get("uri")
        if not uri:
            raise ValidationFailed(PLATFORM, "image upload answered without a uri")
        return str(uri)

    def delete_listing(self, external_id: str) -> None:
        answer = _data(self.http.request("DELETE", PRODUCT_PATH, json_body={"product_ids": [external_id]}))
        _raise_item_errors(answer, f"delete {external_id}", self.http)

    def create_listing(self, spec: ListingSpec, idempotency_key: str) -> WriteResult:
        """Create Product with every SKU; the answer's status is PENDING until TikTok's audit settles it."""
        warehouse = self._warehouse(spec)
        body: dict[str, Any] = {
            **self._content(spec, CONTENT_FIELDS, editing=False),
            "skus": [_new_sku(spec, sku, warehouse) for sku in _wanted_skus(spec)],
            # TikTok keeps no product-level seller SKU; this is how find_by_sku recognises our listings.
            "external_product_id": spec.sku,
            "listing_platforms": _platforms(spec),
        }
        if spec.attributes:
            body["product_attributes"] = _attribute_body(spec.attributes)
        if idempotency_key:
            body["idempotency_key"] = idempotency_key  # a body field (Create Product §3.1), not a query param
        # No source documents that TikTok answers a reused key with the first create's result (the changelog
        # only announces the field; shared/marketplaces/README.md "TikTok Shop decisions"), so a repeat could
        # make a second product: the create is not retried here, and an unknown outcome (timeout, dropped
        # connection) is resolved by the engine's lookup by seller SKU before any new create.
        answer = _data(self.http.request("POST", PRODUCT_PATH, json_body=body, idempotent=False))
        product_id = str(answer.get("product_id") or "")
        if not product_id:
            raise ValidationFailed(PLATFORM, f"create {spec.sku}: answered without a product_id")
        return WriteResult(product_id, _variant_ids(spec, answer.get("skus") or []),
                           str(answer.get("status") or PENDING))

    def update_listing(self, external_id: str, spec: ListingSpec, fields: frozenset[str]) -> WriteResult:
        """Sends only the groups in `fields`, each with absolute values, so repeating an update is harmless.

        A changed variant structure needs the full Edit (SKUs not named by id are deleted, SKUs without an
        id are created); it then also carries the other groups in `fields`. Otherwise content goes by
        Partial Edit and price/stock by their own calls, which do not send the product back to audit but
        need a live product: for one still in review this raises NotLiveYet before sending anything.
        """
        unknown = fields - UPDATE_FIELDS
        if unknown:
            raise ValueError(f"unknown update field groups: {', '.join(sorted(unknown))}")
        if fields & {"variants", "category"}:
            # Partial Edit (202309, lywzx/tiktok-partner-api PartialEditProduct.ts) lists no category_id,
            # category_version or listing_platforms: a new category goes by the full Edit.
            return self._edit(external_id, spec, fields)
        answer: dict[str, Any] = {}
        product: dict[str, Any] | None = None
        content = fields & CONTENT_FIELDS
        if fields & {"price", "stock"}:
            # One read gives the sku ids (which the sync does not keep) and the status: Update Price and
            # Update Inventory only work on an ACTIVATE product (12052901 otherwise; update-price.doc.json,
            # update-inventory.doc.json in lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products).
            # Checked before anything is sent, so a product under review gets no half of the change.
            product = self.product(external_id)
            _require_live(product, external_id)
            ids = _sku_ids(product, spec)
            # Price and stock go before a content edit: the edit may send the product back to review,
            # which would then refuse them.
            if "price" in fields:
                self.http.request("POST", f"{PRODUCT_PATH}/{external_id}/prices/update", json_body={
                    "skus": [{"id": ids[sku.sku], "price": _price(sku.price, sku.sku)} for sku in _wanted_skus(spec)]})
            if "stock" in fields:
                warehouse = self._warehouse(spec)
                stocked = _data(self.http.request("POST", f"{PRODUCT_PATH}/{external_id}/inventory/update", json_body={
                    "skus": [{"id": ids[sku.sku], "inventory": [{"warehouse_id": warehouse, "quantity": sku.stock}]}
                             for sku in _wanted_skus(spec)]}))
                _raise_item_errors(stocked, f"update stock of {external_id}", self.http)
        if content:
            body = self._content(spec, content, editing=True)
            if content & ATTRIBUTE_FIELDS:
                # Partial Edit replaces a top-level property whole, so the list carries the product's other
                # attributes too.
                product = product or self.product(external_id)
                attributes = self._merged_attributes(spec, product, changes_category="category" in content)
                if attributes:
                    body["product_attributes"] = attributes
            answer = _data(self.http.request("POST", f"{PRODUCT_PATH}/{external_id}/partial_edit", json_body=body))
        skus = answer.get("skus")
        if not isinstance(skus, list):
            product = product or self.product(external_id)
            skus = product.get("skus") or []
        status = _audit_status(answer) or str((product or {}).get("status") or "")
        return WriteResult(external_id, _variant_ids(spec, skus), status)

    def _edit(self, external_id: str, spec: ListingSpec, fields: frozenset[str]) -> WriteResult:
        product = self.product(external_id)
        body = _kept_content(product)
        # Edit overwrites the whole product, so the groups the sync did not ask for are sent back as they are.
        content = self._content(spec, fields & CONTENT_FIELDS, editing=False)
        if "brand" in fields and "brand_id" not in content:
            body.pop("brand_id", None)  # "No Brand": an Edit without brand_id leaves the product without one
        body.update(content)
        # Edit overwrites the attributes too: the spec's, and those of the product the spec does not name.
        body.pop("product_attributes", None)
        attributes = self._merged_attributes(spec, product, changes_category="category" in fields)
        if attributes:
            body["product_attributes"] = attributes
        body["external_product_id"] = spec.sku
        body["listing_platforms"] = _platforms(spec)  # naming one platform only would deactivate the other
        body["skus"] = self._edited_skus(product, spec, fields)
        # Repeating this after an unknown outcome lands on the same product: a SKU the first attempt created
        # is not named by id in the repeat, so TikTok replaces it (new sku id, same seller_sku) instead of
        # adding a second one; everything else is absolute.
        answer = _data(self.http.request("PUT", f"{PRODUCT_PATH}/{external_id}", json_body=body))
        skus = answer.get("skus")
        if not isinstance(skus, list):
            skus = self.product(external_id).get("skus") or []
        status = _audit_status(answer) or str(product.get("status") or "")
        return WriteResult(external_id, _variant_ids(spec, skus), status)

    def _edited_skus(self, product: Mapping[str, Any], spec: ListingSpec,
                     fields: frozenset[str]) -> list[dict[str, Any]]:
        """The wanted SKUs for Edit: existing ones (matched by seller_sku) keep their id, the rest are new."""
        current = {str(s.get("seller_sku") or ""): s for s in product.get("skus") or []}
        attribute_ids: dict[str, str] = {}
        value_ids: dict[tuple[str, str], str] = {}
        images: dict[tuple[str, str], dict[str, Any]] = {}
        for old in current.values():
            for held in old.get("sales_attributes") or []:
                aid, name, value = (str(held.get(k) or "") for k in ("id", "name", "value_name"))
                if aid and name:
                    attribute_ids.setdefault(name, aid)
                if aid and value and held.get("value_id"):
                    value_ids.setdefault((aid, value), str(held["value_id"]))
                uri = (held.get("sku_img") or {}).get("uri")
                if aid and value and uri:
                    images.setdefault((aid, value), {"uri": str(uri)})
        adds = bool(set(_seller_skus(spec)) - set(current))
        warehouse = self._warehouse(spec) if adds or "stock" in fields else ""
        result: list[dict[str, Any]] = []
        for wanted in _wanted_skus(spec):
            existing = current.get(wanted.sku)
            sku: dict[str, Any] = {"seller_sku": wanted.sku}
            if existing is not None:
                sku["id"] = str(existing.get("id") or "")
                for name in ("external_sku_id", "identifier_code"):
                    if existing.get(name):
                        sku[name] = existing[name]
            attributes: list[dict[str, Any]] = []
            for tier, option in zip(spec.tier_names, wanted.options, strict=True):
                # Ids where TikTok already has the attribute or value (a name could mint a second one).
                aid = attribute_ids.get(tier, "")
                attribute: dict[str, Any] = {"id": aid} if aid else {"name": tier}
                vid = value_ids.get((aid, option), "")
                attribute.update({"value_id": vid} if vid else {"value_name": option})
                image = images.get((aid, option))
                if image:
                    attribute["sku_img"] = image  # the option's picture stays with the option
                attributes.append(attribute)
            if attributes:
                sku["sales_attributes"] = attributes
            # Edit keeps an existing SKU's price and inventory when they are left out; a new SKU needs both.
            if existing is None or "price" in fields:
                sku["price"] = _price(wanted.price, wanted.sku)
            if existing is None or "stock" in fields:
                sku["inventory"] = [{"warehouse_id": warehouse, "quantity": wanted.stock}]
            result.append(sku)
        return result

    def unlist_listing(self, external_id: str) -> None:
        self._switch("deactivate", external_id)

    def relist_listing(self, external_id: str) -> None:
        self._switch("activate", external_id)

    def _switch(self, action: str, external_id: str) -> None:
        # The product's own platforms: Activate with TOKOPEDIA would put a TikTok-only product on Tokopedia.
        platforms = [p for p in self.product(external_id).get("listing_platforms") or [] if p in (TIKTOK_SHOP,
                                                                                                   TOKOPEDIA)]
        answer = _data(self.http.request("POST", f"{PRODUCT_PATH}/{action}", json_body={
            "product_ids": [external_id], "listing_platforms": platforms or [TIKTOK_SHOP]}))
        _raise_item_errors(answer, f"{action} {external_id}", self.http)

    # -- building bodies -------------------------------------------------------------------------
    def _content(self, spec: ListingSpec, groups: frozenset[str], *, editing: bool) -> dict[str, Any]:
        """The top-level product properties for `groups`; each object complete, as Partial Edit requires."""
        body: dict[str, Any] = {}
        if "title" in groups:
            body["title"] = spec.title
        if "description" in groups:
            body["description"] = spec.description
        if "category" in groups:
            body["category_id"] = spec.category_id
            body["category_version"] = CATEGORY_VERSION
        if "brand" in groups:
            brand_id = self._brand_id(spec)
            if brand_id is not None:
                body["brand_id"] = brand_id
            elif editing:
                body["brand_id"] = ""  # Partial Edit leaves an omitted property alone; an empty id clears it
        if "images" in groups:
            body["main_images"] = [{"uri": uri} for uri in spec.images]
        if "package" in groups:
            body["package_weight"] = {"value": _kilograms(spec.weight_g), "unit": "KILOGRAM"}
            sides = (spec.length_cm, spec.width_cm, spec.height_cm)
            if any(sides):  # optional in Indonesia; a zero side is sent so TikTok names the problem
                body["package_dimensions"] = {"length": str(spec.length_cm), "width": str(spec.width_cm),
                                              "height": str(spec.height_cm), "unit": "CENTIMETER"}
        return body

    def _merged_attributes(self, spec: ListingSpec, product: Mapping[str, Any], *,
                           changes_category: bool) -> list[dict[str, Any]]:
        """`product_attributes` for an edit: the spec's, then the product's attributes the spec does not name.
        Moving to another category keeps only those of the product's attributes the new category has."""
        named = {value.attribute_id for value in spec.attributes}
        others = [attribute for attribute in _product_attributes(product) if attribute["id"] not in named]
        if changes_category and others and spec.category_id != _leaf_id(product):
            allowed = {attribute.id for attribute in self.attributes(spec.category_id)}
            others = [attribute for attribute in others if attribute["id"] in allowed]
        return _attribute_body(spec.attributes) + others

    def _brand_id(self, spec: ListingSpec) -> str | None:
        wanted = spec.brand.strip().casefold()
        if not wanted or wanted == NO_BRAND.casefold():
            return None
        for brand in self.brands(spec.category_id):
            if brand.name.strip().casefold() == wanted:
                return brand.id
        # TikTok would clear an unknown brand_id with only a warning; refusing here keeps the brand visible.
        raise ValidationFailed(PLATFORM, f"brand {spec.brand!r} is not available in TikTok category "
                                         f"{spec.category_id}; use one TikTok lists for it, or {NO_BRAND!r}")

    def _warehouse(self, spec: ListingSpec) -> str:
        if spec.logistics:
            return spec.logistics[0]
        enabled = [w for w in self.logistics() if w.enabled]
        chosen = next((w for w in enabled if w.default), enabled[0] if enabled else None)
        if chosen is None:
            raise ValidationFailed(PLATFORM, "the shop has no enabled sales warehouse to hold inventory")
        return chosen.id

    # -- reference data --------------------------------------------------------------------------
    def categories(self) -> list[Category]:
        if self._categories is None:
            answer = _data(self.http.request("GET", CATEGORIES_PATH, query={"category_version": CATEGORY_VERSION}))
            self._categories = [_category(c) for c in answer.get("categories") or []]
        return list(self._categories)

    def tokopedia_categories(self) -> list[Category]:
        """The Tokopedia category tree: Get Categories with `listing_platform=TOKOPEDIA` ("Filter categories by
        the specified platform", get-categories.spec.json in lazykern/ecommerce-api-docs
        data/raw/tiktok/api-reference/products)."""
        if self._tokopedia_categories is None:
            answer = _data(self.http.request("GET", CATEGORIES_PATH, query={
                "category_version": CATEGORY_VERSION, "listing_platform": TOKOPEDIA}))
            self._tokopedia_categories = [_category(c) for c in answer.get("categories") or []]
        return list(self._tokopedia_categories)

    def recommend_categories(self, title: str, *, description: str = "", images: Sequence[str] = ()) -> list[str]:
        """Recommend Category: POST body `product_title` (required), `description`, `images[{uri}]`,
        `category_version`; answer `leaf_category_id` and `categories[]{id, is_leaf, permission_statuses}`
        (recommend-category.spec.json, lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products).
        A category the shop may not list in (permission_statuses without AVAILABLE) is left out."""
        body: dict[str, Any] = {"product_title": title, "category_version": CATEGORY_VERSION}
        if description:
            body["description"] = description
        if images:
            body["images"] = [{"uri": uri} for uri in images]
        answer = _data(self.http.request("POST", RECOMMEND_CATEGORY_PATH, json_body=body))
        categories = {str(c.get("id") or ""): c for c in answer.get("categories") or [] if isinstance(c, Mapping)}
        leaves = [str(answer.get("leaf_category_id") or "")]
        leaves += [cid for cid, c in categories.items() if c.get("is_leaf")]
        result: list[str] = []
        for cid in leaves:
            statuses = (categories.get(cid) or {}).get("permission_statuses")
            if cid and cid not in result and (not statuses or "AVAILABLE" in statuses):
                result.append(cid)
        return result

    def category_rules(self, category_id: str) -> CategoryRules:
        """Get Category Rules: `product_certifications[]{id, name, is_required}`, `size_chart.is_required`,
        `package_dimension.is_required` (get-category-rules.spec.json, lazykern/ecommerce-api-docs). A
        certification required only under `requirement_conditions` counts as not required."""
        if category_id not in self._rules:
            if not category_id.isdigit():
                raise NotFound(PLATFORM, f"category id {category_id!r} is not a TikTok category id")
            answer = _data(self.http.request("GET", f"{CATEGORIES_PATH}/{category_id}/rules",
                                             query={"category_version": CATEGORY_VERSION}))
            self._rules[category_id] = CategoryRules(
                certifications=tuple(
                    Certification(id=str(c.get("id") or ""), name=str(c.get("name") or ""),
                                  required=bool(c.get("is_required")))
                    for c in answer.get("product_certifications") or [] if isinstance(c, Mapping)),
                size_chart_required=bool((answer.get("size_chart") or {}).get("is_required")),
                package_dimensions_required=bool((answer.get("package_dimension") or {}).get("is_required")),
            )
        return self._rules[category_id]

    def brand_required(self, category_id: str) -> bool:
        # Neither Get Brands nor Get Category Rules documents a mandatory brand; Create Product's brand_id is
        # optional.
        return False

    def attributes(self, category_id: str) -> list[Attribute]:
        """Product properties only: sales properties are the variant tiers, which a spec names itself."""
        if category_id not in self._attributes:
            if not category_id.isdigit():
                raise NotFound(PLATFORM, f"category id {category_id!r} is not a TikTok category id")
            answer = _data(self.http.request("GET", f"{CATEGORIES_PATH}/{category_id}/attributes",
                                             query={"category_version": CATEGORY_VERSION}))
            # Get Attributes `type` PRODUCT_PROPERTY | SALES_PROPERTY, `is_multiple_selection`, `is_customizable`
            # (get-attributes.spec.json, lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products).
            self._attributes[category_id] = [
                _attribute(a) for a in answer.get("attributes") or [] if a.get("type") == "PRODUCT_PROPERTY"]
        return list(self._attributes[category_id])

    def brands(self, category_id: str) -> list[Brand]:
        if category_id not in self._brands:
            found: list[Brand] = []
            token = ""
            while True:
                query: dict[str, Any] = {"page_size": MAX_PAGE_SIZE, "category_id": category_id,
                                         "category_version": CATEGORY_VERSION}
                if token:
                    query["page_token"] = token
                page = _data(self.http.request("GET", BRANDS_PATH, query=query))
                found.extend(Brand(str(b.get("id") or ""), str(b.get("name") or ""))
                             for b in page.get("brands") or [] if b.get("brand_status") != "UNAVAILABLE")
                token = str(page.get("next_page_token") or "")
                if not token:
                    break
            self._brands[category_id] = found
        return list(self._brands[category_id])

    def logistics(self) -> list[LogisticsOption]:
        """The shop's sales warehouses (return warehouses cannot hold a SKU's inventory)."""
        if self._warehouses is None:
            answer = _data(self.http.request("GET", WAREHOUSES_PATH))
            self._warehouses = [
                LogisticsOption(id=str(w.get("id") or ""), name=str(w.get("name") or ""),
                                enabled=w.get("effect_status") == "ENABLED", default=bool(w.get("is_default")))
                for w in answer.get("warehouses") or [] if w.get("type", SALES_WAREHOUSE) == SALES_WAREHOUSE]
        return list(self._warehouses)

    def limits(self, category_id: str) -> ListingLimits:
        return LIMITS

    # -- mapping -------------------------------------------------------------------------------
    def _listing(self, product: Mapping[str, Any]) -> RemoteListing:
        product_id = str(product.get("id") or "")
        skus: list[Mapping[str, Any]] = list(product.get("skus") or [])
        tier_names: tuple[str, ...] = ()
        if skus and skus[0].get("sales_attributes"):
            tier_names = tuple(str(a.get("name", "")) for a in skus[0]["sales_attributes"])
        variants = tuple(self._variant(s, product_id) for s in skus)
        plain = len(variants) == 1 and not tier_names
        chains = product.get("category_chains") or []
        leaf = next((c for c in chains if c.get("is_leaf")), chains[-1] if chains else {})
        images = tuple(str((img.get("urls") or [img.get("uri", "")])[0]) for img in product.get("main_images") or [])
        statuses = {str(s.get("platform")): str(s.get("status")) for s in product.get("integrated_platform_statuses")
                    or []}
        extra: dict[str, Any] = {"tokopedia_status": statuses.get(TOKOPEDIA),
                                 "audit_status": (product.get("audit") or {}).get("status"),
                                 "sku_ids": tuple(v.external_id for v in variants),
                                 "details": "description" in product}
        if isinstance(product.get("listing_platforms"), list):
            # Only when TikTok says: a read-back treats a missing key as "not known", an empty one as "none".
            extra["listing_platforms"] = tuple(str(p) for p in product["listing_platforms"])
        sides = _dimensions(product.get("package_dimensions") or {})
        return RemoteListing(
            platform=PLATFORM, external_id=product_id, sku=product_sku(product, skus),
            title=str(product.get("title") or ""), description=str(product.get("description") or ""),
            category_id=str(leaf.get("id") or ""),
            price=variants[0].price if plain else None,
            stock=sum(v.stock for v in variants),
            images=images, tier_names=tier_names, variants=() if plain else variants,
            status=str(product.get("status") or ""),
            extra=extra,
            brand=str((product.get("brand") or {}).get("name") or "No Brand"),
            weight_g=_grams(product.get("package_weight") or {}),
            attributes=tuple(
                AttributeValue(attribute_id=str(attribute.get("id") or ""), value_id=str(value.get("id") or ""),
                               name=str(value.get("name") or ""))
                for attribute in product.get("product_attributes") or [] for value in attribute.get("values") or []),
            length_cm=sides["length_cm"], width_cm=sides["width_cm"], height_cm=sides["height_cm"],
        )

    @staticmethod
    def _variant(sku: Mapping[str, Any], product_id: str) -> RemoteVariant:
        price = sku.get("price") or {}
        amount = price.get("sale_price", price.get("amount", price.get("tax_exclusive_price")))
        if amount is None:
            raise ValidationFailed(PLATFORM, f"product {product_id} sku {sku.get('id')}: no price")
        stock = sum(_int(row.get("quantity", 0), "quantity") for row in sku.get("inventory") or [])
        return RemoteVariant(
            sku=str(sku.get("seller_sku") or ""),
            options=tuple(str(a.get("value_name", "")) for a in sku.get("sales_attributes") or []),
            price=rupiah(amount, f"product {product_id} sku {sku.get('id')} price"), stock=stock,
            external_id=str(sku.get("id") or ""))


@dataclass(frozen=True)
class _WantedSku:
    sku: str
    options: tuple[str, ...]
    price: int | None
    stock: int


def _wanted_skus(spec: ListingSpec) -> list[_WantedSku]:
    """The SKUs a spec asks for: its variants, or the product itself as the one SKU without attributes."""
    if not spec.variants:
        return [_WantedSku(spec.sku, (), spec.price, spec.stock)]
    for variant in spec.variants:
        if len(variant.options) != len(spec.tier_names):
            raise ValidationFailed(PLATFORM, f"variant {variant.sku}: {len(variant.options)} options for "
                                             f"{len(spec.tier_names)} tiers")
    return [_WantedSku(v.sku, v.options, v.price, v.stock) for v in spec.variants]


def _seller_skus(spec: ListingSpec) -> list[str]:
    return [sku.sku for sku in _wanted_skus(spec)]


def _new_sku(spec: ListingSpec, sku: _WantedSku, warehouse: str) -> dict[str, Any]:
    item: dict[str, Any] = {"seller_sku": sku.sku, "price": _price(sku.price, sku.sku),
                            "inventory": [{"warehouse_id": warehouse, "quantity": sku.stock}]}
    if sku.options:
        item["sales_attributes"] = [{"name": tier, "value_name": option}
                                    for tier, option in zip(spec.tier_names, sku.options, strict=True)]
    return item


def _price(amount: int | None, sku: str) -> dict[str, str]:
    # Whole rupiah only: IDR has no minor unit, and a float or a missing price must not be guessed at.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(PLATFORM, f"SKU {sku}: price {amount!r} is not a whole rupiah amount")
    return {"amount": str(amount), "currency": CURRENCY}


def _kilograms(grams: int) -> str:
    """Grams as TikTok's KILOGRAM value: a decimal string, at most 3 decimals, never a float."""
    return format(Decimal(grams) / 1000, "f")


def _platforms(spec: ListingSpec) -> list[str]:
    return [TIKTOK_SHOP, TOKOPEDIA] if spec.tokopedia else [TIKTOK_SHOP]


def _sku_ids(product: Mapping[str, Any], spec: ListingSpec) -> dict[str, str]:
    """seller_sku -> sku id for every SKU the spec names; a SKU the product lacks needs a variants update."""
    skus = list(product.get("skus") or [])
    ids = {str(s.get("seller_sku") or ""): str(s.get("id") or "") for s in skus}
    if not spec.variants and len(skus) == 1 and not skus[0].get("sales_attributes"):
        # A plain product's one SKU is the product, whatever seller_sku it carries (external_product_id
        # may be what named it the spec's SKU).
        return {spec.sku: str(skus[0].get("id") or "")}
    missing = [sku for sku in _seller_skus(spec) if sku not in ids]
    if missing:
        raise ValidationFailed(PLATFORM, f"product {product.get('id')} has no SKU {', '.join(missing)}; "
                                         "its variants must be updated first")
    return ids


def _variant_ids(spec: ListingSpec, skus: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    # Like RemoteListing.variants: a product without variants has none, though TikTok gives its SKU an id.
    if not spec.variants:
        return {}
    return {str(s.get("seller_sku") or ""): str(s.get("id") or "") for s in skus if s.get("seller_sku")}


def _require_live(product: Mapping[str, Any], external_id: str) -> None:
    """Raises unless a Get Product answer is live (ACTIVATE), the only status price and stock updates accept.

    PENDING (in review) ends by itself: NotLiveYet, so the sync waits and retries. FAILED needs the seller's
    fix, so it fails with TikTok's own reasons (`audit_failed_reasons[].reasons`, Get Product). Any other
    status (DRAFT, deactivated, frozen) is not going to change by waiting either.
    """
    status = str(product.get("status") or "")
    if status == ACTIVATE:
        return
    if status == PENDING:
        raise NotLiveYet(PLATFORM, f"product {external_id} is still in TikTok's review (PENDING); price and stock "
                                   "can only be changed once it is live", retry_after=AUDIT_WAIT_SECONDS)
    if status == FAILED:
        reasons = [f"{r.get('position') or 'product'}: {reason}" for r in product.get("audit_failed_reasons") or []
                   if isinstance(r, Mapping) for reason in r.get("reasons") or []]
        raise ValidationFailed(PLATFORM, f"product {external_id} failed TikTok's review"
                               + (": " + "; ".join(reasons) if reasons else "")
                               + "; fix it before price or stock can change")
    raise ValidationFailed(PLATFORM, f"product {external_id} is {status or 'in an unknown status'}; TikTok changes "
                                     "price and stock only on a live (ACTIVATE) product")


def _audit_status(answer: Mapping[str, Any]) -> str:
    """The product status an edit's `audit.status` implies, or "" when it implies none."""
    audit = answer.get("audit")
    status = str(audit.get("status") or "") if isinstance(audit, Mapping) else ""
    return {"AUDITING": PENDING, "FAILED": "FAILED"}.get(status, "")


def _leaf_id(product: Mapping[str, Any]) -> str:
    chains = product.get("category_chains") or []
    leaf = next((c for c in chains if c.get("is_leaf")), chains[-1] if chains else {})
    return str(leaf.get("id") or "")


def _kept_content(product: Mapping[str, Any]) -> dict[str, Any]:
    """A Get Product answer as the content part of an Edit body (Edit replaces what it is not sent).

    Get Product's shapes are not Edit's request shapes: images carry urls and sizes, certification files
    carry urls, delivery options are objects. Each is mapped to the request shape (edit-product.spec.json
    and get-product.spec.json, lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products; the same
    fields in lywzx/tiktok-partner-api packages/tk-origin-api/src/products/EditProduct.ts, 202309).
    """
    body: dict[str, Any] = {
        "title": product.get("title") or "",
        "description": product.get("description") or "",
        "category_id": _leaf_id(product),
        "category_version": CATEGORY_VERSION,
        "main_images": _uris(product.get("main_images")),
        "package_weight": product.get("package_weight") or {},
    }
    brand_id = (product.get("brand") or {}).get("id")
    if brand_id:
        body["brand_id"] = str(brand_id)
    if product.get("package_dimensions"):
        body["package_dimensions"] = product["package_dimensions"]
    attributes = _product_attributes(product)
    if attributes:
        body["product_attributes"] = attributes
    certifications = [_certification(c) for c in product.get("certifications") or [] if isinstance(c, Mapping)]
    if certifications:
        body["certifications"] = certifications
    size_chart = _size_chart(product.get("size_chart"))
    if size_chart:
        body["size_chart"] = size_chart
    # Get Product `delivery_options[]{id, name, is_available}` -> Edit `delivery_option_ids[]`; an option
    # TikTok marks unavailable for the product is not sent back. None at all means "the warehouse's default".
    delivery = [str(option["id"]) for option in product.get("delivery_options") or []
                if isinstance(option, Mapping) and option.get("id") and option.get("is_available", True) is not False]
    if delivery:
        body["delivery_option_ids"] = delivery
    video = product.get("video")
    if isinstance(video, Mapping) and video.get("id"):
        body["video"] = {"id": str(video["id"])}
    for name in KEPT_ON_EDIT:
        if product.get(name) is not None:
            body[name] = product[name]
    return body


def _uris(images: Any) -> list[dict[str, str]]:
    """Get Product image objects {uri, urls, thumb_urls, width, height} as request images {uri}."""
    return [{"uri": str(image["uri"])} for image in images or [] if isinstance(image, Mapping) and image.get("uri")]


def _certification(held: Mapping[str, Any]) -> dict[str, Any]:
    """Get Product `certifications[]{id, title, files[]{id, urls, name, format}, images[]{uri, urls, …},
    expiration_date}` as the request's `certifications[]{id, images[]{uri}, files[]{id, name, format},
    expiration_date}`."""
    certification: dict[str, Any] = {"id": str(held.get("id") or "")}
    images = _uris(held.get("images"))
    if images:
        certification["images"] = images
    files = [{"id": str(f.get("id") or ""), "name": str(f.get("name") or ""), "format": str(f.get("format") or "")}
             for f in held.get("files") or [] if isinstance(f, Mapping) and f.get("id")]
    if files:
        certification["files"] = files
    if held.get("expiration_date"):
        certification["expiration_date"] = held["expiration_date"]
    return certification


def _size_chart(held: Any) -> dict[str, Any]:
    """Get Product `size_chart{image{uri, urls, …}, template{id}}` as the request's `size_chart{image{uri} |
    template{id}}` ("if both are provided, the ID takes priority", so both are kept as they are)."""
    if not isinstance(held, Mapping):
        return {}
    chart: dict[str, Any] = {}
    image = held.get("image")
    if isinstance(image, Mapping) and image.get("uri"):
        chart["image"] = {"uri": str(image["uri"])}
    template = held.get("template")
    if isinstance(template, Mapping) and template.get("id"):
        chart["template"] = {"id": str(template["id"])}
    return chart


def _product_attributes(product: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Get Product `product_attributes[]{id, name, values[]{id, name}}` in the request shape
    `[{id, values[{id} | {name}]}]`: a value with an id goes by id (the id takes priority anyway)."""
    attributes: list[dict[str, Any]] = []
    for attribute in product.get("product_attributes") or []:
        values = [{"id": str(v["id"])} if v.get("id") else {"name": str(v.get("name") or "")}
                  for v in attribute.get("values") or []]
        if attribute.get("id") and values:
            attributes.append({"id": str(attribute["id"]), "values": values})
    return attributes


def _attribute_body(values: Sequence[AttributeValue]) -> list[dict[str, Any]]:
    """Create/Edit/Partial Edit `product_attributes[]{id, values[]{id | name}}`: "Provide either a built-in ID
    or a custom name; if both are provided, the ID takes priority" (create-product.spec.json); one entry per
    attribute, its values in order."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for value in values:
        if not value.value_id and not value.name:
            raise ValidationFailed(PLATFORM, f"attribute {value.attribute_id}: a value needs an id or a text")
        grouped.setdefault(value.attribute_id, []).append(
            {"id": value.value_id} if value.value_id else {"name": value.name})
    return [{"id": attribute_id, "values": entries} for attribute_id, entries in grouped.items()]


def _category(raw: Mapping[str, Any]) -> Category:
    return Category(id=str(raw.get("id") or ""), name=str(raw.get("local_name") or ""),
                    parent_id=str(raw.get("parent_id") or "0"), is_leaf=bool(raw.get("is_leaf")))


def _attribute(raw: Mapping[str, Any]) -> Attribute:
    values = tuple((str(v.get("id") or ""), str(v.get("name") or "")) for v in raw.get("values") or [])
    customizable = bool(raw.get("is_customizable"))
    multiple = bool(raw.get("is_multiple_selection"))
    if multiple:
        input_type = MULTI_SELECT
    elif customizable and not values:
        input_type = TEXT  # nothing to choose from: the seller types the value
    else:
        input_type = SINGLE_SELECT
    return Attribute(
        id=str(raw.get("id") or ""), name=str(raw.get("name") or ""),
        # TikTok spells it `is_requried`; the corrected name is read too in case it is fixed.
        mandatory=bool(raw.get("is_requried", raw.get("is_required", False))),
        values=values, custom_values=customizable, input_type=input_type, multiple=multiple)


def _raise_item_errors(answer: Mapping[str, Any], what: str, http: SignedHttpClient) -> None:
    """Batch endpoints answer code 0 and list what failed in `errors[]`: the first one is raised."""
    errors = [e for e in answer.get("errors") or [] if isinstance(e, Mapping)]
    if not errors:
        return
    error = errors[0]
    try:
        code = int(error.get("code") or 0)
    except (TypeError, ValueError):
        code = 0
    message = f"{what}: {error.get('message', '')}"
    extra = [e for e in (error.get("detail") or {}).get("extra_errors") or [] if isinstance(e, Mapping)]
    if extra:
        message += " (" + "; ".join(str(e.get("message") or "") for e in extra) + ")"
    if len(errors) > 1:
        message += f" and {len(errors) - 1} more"
    kind: type[MarketplaceError] = ValidationFailed
    if code in MISSING_PRODUCT_CODES:
        kind = NotFound
    elif code == LISTING_LIMIT:  # Activate answers it per product: the same wait for the quota's reset
        quota = http.classify_item(code, message)
        if quota is not None:
            raise quota
    raise kind(PLATFORM, message, code=code or None)


def _grams(weight: Mapping[str, Any]) -> int:
    try:
        value = Decimal(str(weight.get("value")))
    except (InvalidOperation, ValueError):
        return 0
    factors: dict[str, Decimal] = {"KILOGRAM": Decimal(1000), "GRAM": Decimal(1), "POUND": Decimal("453.59237")}
    factor = factors.get(str(weight.get("unit")), Decimal(1000))
    return int((value * factor).to_integral_value())


def _dimensions(dimensions: Mapping[str, Any]) -> dict[str, int]:
    result = {}
    for name in ("length", "width", "height"):
        try:
            result[f"{name}_cm"] = int(str(dimensions.get(name) or 0))
        except ValueError:
            result[f"{name}_cm"] = 0
    return result
