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

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from syncstore_cli.marketplaces.base import RemoteListing, RemoteVariant
from syncstore_cli.marketplaces.errors import NotFound, ValidationFailed
from syncstore_cli.marketplaces.http import SignedHttpClient

PLATFORM = "tiktok"
SEARCH_PATH = "/product/202502/products/search"
PRODUCT_PATH = "/product/202309/products"
IMAGE_UPLOAD_PATH = "/product/202309/images/upload"
MAX_PAGE_SIZE = 100
DELETED = "DELETED"
TOKOPEDIA = "TOKOPEDIA"


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

    # -- reads ---------------------------------------------------------------------------------
    def search(self, body: Mapping[str, Any] | None = None, page_size: int = MAX_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Search 202502, every page; yields the raw products of each page (DELETED ones left out)."""
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        token = ""
        while True:
            query: dict[str, Any] = {"page_size": size}
            if token:
                query["page_token"] = token
            page = _data(self.http.request("POST", SEARCH_PATH, query=query, json_body=dict(body or {})))
            for product in page.get("products") or []:
                if product.get("status") != DELETED:
                    yield product
            token = str(page.get("next_page_token") or "")
            if not token:
                return

    def product(self, product_id: str) -> dict[str, Any]:
        if not product_id.isdigit():
            raise NotFound(PLATFORM, f"product id {product_id!r} is not a TikTok product id")
        return _data(self.http.request("GET", f"{PRODUCT_PATH}/{product_id}"))

    def list_listings(self, page_size: int = MAX_PAGE_SIZE, *, details: bool = True) -> Iterator[RemoteListing]:
        if not details:
            for found in self.search({"status": "ALL"}, page_size):
                yield self._listing(found)
            return
        # Search omits images and descriptions, so each product is read; `concurrency` at a time.
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            batch: list[str] = []
            for found in self.search({"status": "ALL"}, page_size):
                batch.append(str(found["id"]))
                if len(batch) == page_size:
                    yield from pool.map(self.get_listing, batch)
                    batch = []
            yield from pool.map(self.get_listing, batch)

    def get_listing(self, external_id: str) -> RemoteListing:
        return self._listing(self.product(external_id))

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
        for error in answer.get("errors") or []:
            message = f"delete {external_id}: {error.get('message', '')} ({error.get('code')})"
            if _int(error.get("code", 0), "code") == 12052032:
                raise NotFound(PLATFORM, message)
            raise ValidationFailed(PLATFORM, message)

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
        return RemoteListing(
            platform=PLATFORM, external_id=product_id, sku=product_sku(product, skus),
            title=str(product.get("title") or ""), description=str(product.get("description") or ""),
            category_id=str(leaf.get("id") or ""),
            price=variants[0].price if plain else None,
            stock=sum(v.stock for v in variants),
            images=images, tier_names=tier_names, variants=() if plain else variants,
            status=str(product.get("status") or ""),
            extra={"tokopedia_status": statuses.get(TOKOPEDIA),
                   "audit_status": (product.get("audit") or {}).get("status"),
                   "sku_ids": tuple(v.external_id for v in variants),
                   "details": "description" in product},
            brand=str((product.get("brand") or {}).get("name") or "No Brand"),
            weight_g=_grams(product.get("package_weight") or {}),
            **_dimensions(product.get("package_dimensions") or {}),
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


def _grams(weight: Mapping[str, Any]) -> int:
    from decimal import Decimal, InvalidOperation

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
