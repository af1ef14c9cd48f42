"""TikTok Shop's product APIs (202309+) as the sandbox serves them, for an Indonesian shop on TikTok + Tokopedia.

Paths, fields and error codes follow shared/marketplaces/tiktok.md §3-§5 and the Create Product error
table it cites (DOC-CREATE); the limits are data, read from limits/tiktok_rules.json. Decisions where
the public facts are silent:

- Audit: a new or edited product is PENDING for the profile's audit delay, then ACTIVATE, or FAILED
  when its description has fewer than `audit.min_description_text_length` (100) characters of text
  once the HTML is stripped. TikTok's own docs ask for "a clear and comprehensive product description
  preferably longer than 300 characters" (Create/Partial Edit, description field); 100 is the bar the
  README sets for Shopee, so a catalog's too-short descriptions fail on both marketplaces alike.
  Tokopedia's state in `integrated_platform_statuses` mirrors the same audit.
- Statuses are settled lazily: every request first finishes the audits whose delay has passed on the
  sandbox clock, so tests move time by moving `config.clock`.
- Update Inventory accepts 0 (the seller marks a SKU sold out); creating or fully editing a SKU with
  0 is refused (12052055), as documented. The bound is `inventory.update_min` in the rules file.
- Deactivate/Activate without `listing_platforms` act on TIKTOK_SHOP only (the documented default).
- Update Price and Update Inventory need an ACTIVATE product (documented); anything else, PENDING and
  FAILED included, is refused with 12052901 as a top-level error.
- `idempotency_key` is validated (1-128 chars) but ignored unless `SandboxConfig.tiktok_idempotency_dedup`:
  no source says TikTok answers a reused key with the first result, so a repeat makes a second product.
- The daily listing limit counts products created with save_mode LISTING since midnight in Jakarta: the
  docs say only "per day" and "try again the next day" (lazykern/ecommerce-api-docs, data/raw/tiktok/
  api-reference/products/products-api-overview.json), not when the day turns over. The limit is the
  profile's unless `SandboxConfig.tiktok_daily_listings` sets it, and a day lasts `SandboxConfig.day_seconds`.
- Categories: the v2 tree of taxonomy_tiktok.py. Every category call and every write must say
  `category_version=v2`: a missing version means v1 (LYWZX products/RecommendCategory.ts "The old version
  of category data will be given by default"; Create Product "Default: v1"), and SEA shops must use v2
  (12052217 "All region shops must use V2 categories...", DOC-CREATE = the create-product-202309 copy cited
  in shared/marketplaces/tiktok.md; a live report of that answer to Get Categories without the version:
  find_string id 59083934214). A v1 id with v2 is 12052230 "Category version and categoryID are not matched."
  (same copies). A removed category is gone from Get Categories and "does not exist" (12052023) everywhere.
- Product attributes are checked against Get Attributes: every `is_requried` one present (12052104), the
  conditional ones when their condition holds (12052182), listed value ids (12052529), custom names only
  where `is_customizable` (12052247), one value unless `is_multiple_selection` (12052246). Codes from the
  Create Product error table (lazykern/ecommerce-api-docs data/raw/tiktok/api-reference/products/
  create-product.doc.json); the table has no "unknown product attribute id" code, so 12052240 "Do not
  support custom property." is used for an id the category does not have.
- Certifications the rules mark required are enforced (12052105 "required qualification miss"), and Edit
  Product overwrites everything it is sent and clears what it is not sent, price and inventory excepted
  (edit-product.doc.json: "All inputs, including blanks, in the request payload will overwrite existing
  values ... Exceptions to this rule are the price and inventory fields").
- TOKOPEDIA in listing_platforms: refused with 12052994 "seller is not toko seller" when the shop is not
  linked (`SandboxConfig.tiktok_tokopedia_linked`), and with 12052358 "Tokopedia platform doesn't support this
  kind of product" when the category is not in the Tokopedia tree (both in DOC-CREATE's table; no source says
  which code a non-Tokopedia category gets, 12052330 "product is not supported to list in designated sale
  platform" being the other candidate).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox import taxonomy_tiktok as tx
from syncstore_cli.sandbox.images import IMAGE_SIZE, image_for_path, image_header
from syncstore_cli.sandbox.listings_tiktok import (
    ACTIVATE,
    DELETED,
    DRAFT,
    FAILED,
    PENDING,
    SELLER_DEACTIVATED,
    ImageRecord,
    Listing,
    SearchFilter,
    Sku,
    TikTokListings,
)
from syncstore_cli.sandbox.tiktok import failure, success
from syncstore_cli.sandbox.web import Handler, Request, Response, Router

TIKTOK_SHOP = "TIKTOK_SHOP"
TOKOPEDIA = "TOKOPEDIA"
WAREHOUSE_ID = "7068517275539719942"
IMAGE_URI_PREFIX = "tos-alisg-i-sbxfpv-id/"
NO_BRAND = "No Brand"
JAKARTA_OFFSET = 7 * 3600
SEARCH_STATUSES = ("ALL", "DRAFT", "PENDING", "FAILED", "ACTIVATE", "SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED",
                   "FREEZE", "DELETED")
# Fields the sandbox keeps as sent and gives back on Get Product, without judging them.
KEPT_FIELDS = ("is_cod_allowed", "minimum_order_quantity", "shipping_insurance_requirement", "external_product_id",
               "is_not_for_sale", "is_pre_owned", "video")
# Delivery options of the shop's warehouse (Get Product `delivery_options[] {id, name, is_available}`,
# get-product.doc.json); ids modelled. LiPo batteries may not fly, so sellers pick the land option for them.
DELIVERY_OPTIONS = {"7129734561278953217": "Reguler", "7129734561278953218": "Hemat Kargo (Darat)",
                    "7129734561278953219": "Instan"}
LAND_DELIVERY = "7129734561278953218"

PARAM_ERROR = 36009004
NOT_LIVE = 12052901  # Update Price / Update Inventory on a product that is not ACTIVATE
INVALID_PARAM = 98001004
PRODUCT_MISSING = 12052032
PRODUCT_OF_OTHER_SHOP = 12052034
V1_CATEGORIES = (12052217, "All region shops must use V2 categories. Check the documentation for further details.")
VERSION_MISMATCH = (12052230, "Category version and categoryID are not matched.")
CATEGORY_MISSING = (12052023, "Category does not exist")
NOT_LEAF = (12052024, "Category is not final category")
NOT_TOKO_SELLER = (12052994, "seller is not toko seller")
NOT_ON_TOKOPEDIA = (12052358, "Tokopedia platform doesn't support this kind of product")

@cache
def _catalog_brands() -> tuple[str, ...]:
    from syncstore_cli.sandbox.generator import generate_catalog

    return tuple(sorted({p.brand for p in generate_catalog().products if p.brand and p.brand != NO_BRAND}))


_STARTER_BRANDS = ("BetaFPV", "Caddx", "DJI", "Emax", "Foxeer", "GEPRC", "Gemfan", "HappyModel", "HQProp",
                   "iFlight", "RadioMaster", "RunCam", "SpeedyBee", "T-Motor", "TBS", "Tattu")


class Refused(Exception):
    """A request the marketplace turns down: the envelope's code and message, and the HTTP status."""

    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _pascal(field_name: str) -> str:
    return "".join(part.capitalize() for part in field_name.split("_"))


def required(field_name: str) -> Refused:
    return Refused(PARAM_ERROR, f"{_pascal(field_name)} is a required field and has not been provided.", 400)


def invalid(param: str, reason: str, expected: str) -> Refused:
    return Refused(INVALID_PARAM, f"Parameter {param} is invalid. Reason: {reason}. Expected: {expected}")


# -- limits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TikTokRules:
    """The limits file, with the profile's audit delay and daily listing limit picked out."""

    data: Mapping[str, Any]
    audit_delay_seconds: float
    daily_listing_limit: int

    @classmethod
    def load(cls, profile: str = "fast", path: Path | None = None) -> TikTokRules:
        if path is None:
            text = (resources.files("syncstore_cli.sandbox") / "limits" / "tiktok_rules.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        data: dict[str, Any] = json.loads(text)
        profiles = data["profiles"]
        chosen = profiles.get(profile, profiles["fast"])
        return cls(data, float(chosen["audit_delay_seconds"]), int(chosen["daily_listing_limit"]))

    def number(self, section: str, key: str) -> int:
        return int(self.data[section][key])

    def names(self, section: str, key: str | None = None) -> list[str]:
        value = self.data[section] if key is None else self.data[section][key]
        return [str(v) for v in value]


# -- ids ---------------------------------------------------------------------------------------


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def attribute_id(name: str) -> str:
    """Stable per name, so the same custom attribute keeps its id across products (as TikTok's do per seller)."""
    return str(100_000 + _digest("attribute:" + name.strip().casefold()) % 900_000)


def attribute_value_id(attr_id: str, name: str) -> str:
    return str(7_000_000_000_000_000_000 + _digest(f"value:{attr_id}:{name.strip().casefold()}") % 10**18)


def brand_id_of(name: str) -> str:
    return str(7_100_000_000_000_000_000 + _digest("brand:" + name.strip().casefold()) % 10**17)


def image_uri(data: bytes) -> str:
    """Content-addressed like TikTok's: the same bytes always get the same uri."""
    return IMAGE_URI_PREFIX + hashlib.sha256(data).hexdigest()[:32]


def catalog_image_uri(url: str) -> str:
    # Catalog images are rendered on request from their URL path; hashing the path avoids rendering
    # thousands of PNGs just to seed, and stays stable because the bytes are a function of the path.
    return IMAGE_URI_PREFIX + hashlib.sha256(("catalog:" + urlsplit(url).path).encode()).hexdigest()[:32]


# -- image headers and multipart ---------------------------------------------------------------

_PART_NAME = re.compile(r'(?:^|;)\s*name="([^"]*)"', re.IGNORECASE)


def parse_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """Field name -> raw bytes. Written out because `cgi` is deprecated and email's parser may touch line ends."""
    boundary = ""
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip().strip('"')
    if not boundary:
        return {}
    fields: dict[str, bytes] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                match = _PART_NAME.search(value)
                if match:
                    fields[match.group(1)] = data.removesuffix(b"\r\n")
    return fields


# -- text hygiene (12052931-12052935) ------------------------------------------------------------

_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab and line ends are ordinary text
_REPEAT = re.compile(r"(\S)\1{9,}")
_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_TAG = re.compile(r"<[^>]*>")
_IMG_TAG = re.compile(r"<img\b", re.IGNORECASE)


def hygiene_problem(text: str, *, html_text: bool = False) -> str | None:
    """Why `text` breaks TikTok's formatting rules, or None. In HTML the tags themselves are not judged."""
    plain = _TAG.sub(" ", text) if html_text else text
    if _ENTITY.search(plain):
        return "it contains an HTML escape character such as &nbsp;"
    if _EMOJI.search(plain):
        return "it contains an emoji"
    if _CONTROL.search(plain):
        return "it contains an ASCII control character"
    if plain.strip() and not any(ch.isalnum() for ch in plain):
        return "it consists solely of symbols"
    if _REPEAT.search(plain):
        return "it has more than 9 consecutive repeated characters"
    return None


def plain_text(description: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", description)).split())


# -- the category tree ---------------------------------------------------------------------------


def _builtin_attributes() -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    attributes: dict[str, str] = {}
    values: dict[str, tuple[str, str, str]] = {}
    sales = [*tx.GENERIC_SALES, *(prop for props in tx.SALES_BY_LEAF.values() for prop in props)]
    for name, options in sales:
        aid = attribute_id(name)
        attributes.setdefault(aid, name)
        for option in options:
            vid = attribute_value_id(aid, option)
            values.setdefault(vid, (vid, aid, option))
    for leaf in tx.LEAVES.values():
        for spec in leaf.attributes:
            attributes.setdefault(spec.id, spec.name)
            for vid, name in spec.values:
                values.setdefault(vid, (vid, spec.id, name))
    return list(attributes.items()), list(values.values())


def _sales_properties(category_id: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tx.SALES_BY_LEAF.get(category_id, ()) + tx.GENERIC_SALES


# -- validated drafts ----------------------------------------------------------------------------


@dataclass
class SkuDraft:
    id: str | None
    seller_sku: str
    sales_attributes: list[dict[str, Any]]
    price: str | None  # None: keep the SKU's price (edit)
    currency: str
    inventory: list[dict[str, Any]] | None  # None: keep the SKU's inventory (edit)
    external_sku_id: str


@dataclass
class ProductDraft:
    title: str
    description: str
    category_id: str
    brand_id: str | None
    main_images: list[str]
    package_weight: dict[str, Any]
    package_dimensions: dict[str, Any] | None
    product_attributes: list[Any]
    listing_platforms: list[str] | None  # None: not given
    save_mode: str
    skus: list[SkuDraft]
    extra: dict[str, Any]
    warnings: list[dict[str, str]]
    new_attributes: list[tuple[str, str]]
    new_values: list[tuple[str, str, str]]


def _text_field(body: Mapping[str, Any], name: str) -> str:
    if name not in body or body[name] is None:
        raise required(name)
    value = body[name]
    if not isinstance(value, str):
        raise invalid(name, f"{name} must be a string", "a string")
    return value


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class Guard(Protocol):
    def __call__(self, handler: Handler, *, shop_scoped: bool = True) -> Handler: ...


class TikTokProducts:
    def __init__(self, config: c.SandboxConfig, state: TikTokListings, shops: dict[str, dict[str, str]], *,
                 rules: TikTokRules | None = None) -> None:
        self.config = config
        self.state = state
        self.shops = shops  # shop_id -> {"name", "cipher"}, the same book TikTokSandbox uses
        self.rules = rules or TikTokRules.load(config.profile)
        attributes, values = _builtin_attributes()
        state.put_attributes(attributes, values)
        # TikTok's brand registry knows every brand the seller's catalog carries (as Shopee's does), so a
        # product first listed on Shopee can name its brand here too.
        state.put_brands((brand_id_of(name), name) for name in (*_STARTER_BRANDS, *_catalog_brands()))

    @property
    def now(self) -> float:
        return self.config.clock()

    # -- routes ----------------------------------------------------------------------------
    def register(self, router: Router, guard: Guard) -> None:
        api = self._api
        router.add("POST", "/product/202309/images/upload", guard(api(self.upload_image), shop_scoped=False))
        router.add("GET", "/product/202309/categories", guard(api(self.categories)))
        router.add("POST", "/product/202309/categories/recommend", guard(api(self.recommend_category)))
        router.add_prefix("GET", "/product/202309/categories/", guard(api(self.category_detail)))
        router.add("GET", "/product/202309/brands", guard(api(self.brands)))
        router.add("GET", "/logistics/202309/warehouses", guard(api(self.warehouses)))
        router.add("GET", "/product/202312/prerequisites", guard(api(self.prerequisites)))
        router.add("POST", "/product/202309/products", guard(api(self.create)))
        router.add("DELETE", "/product/202309/products", guard(api(self.delete)))
        router.add("POST", "/product/202309/products/deactivate", guard(api(self.deactivate)))
        router.add("POST", "/product/202309/products/activate", guard(api(self.activate)))
        router.add("POST", "/product/202309/products/recover", guard(api(self.recover)))
        for version in ("202309", "202312", "202502"):
            router.add("POST", f"/product/{version}/products/search", guard(api(self.search)))
        router.add_prefix("GET", "/product/202309/products/", guard(api(self.get_product)))
        router.add_prefix("PUT", "/product/202309/products/", guard(api(self.edit)))
        router.add_prefix("POST", "/product/202309/products/", guard(api(self.product_action)))
        router.add_prefix("GET", "/tiktok/img/", self.serve_image)
        router.add_prefix("GET", "/sandbox/tiktok/products/", self.seller_page)

    def _api(self, handler: Callable[[Request], dict[str, Any]]) -> Handler:
        def run(request: Request) -> Response:
            try:
                return success(handler(request))
            except Refused as refused:
                return failure(refused.code, refused.message, refused.status)

        return run

    # -- request helpers ---------------------------------------------------------------------
    def _shop(self, request: Request) -> str:
        # The gateway already matched shop_cipher to the token's shop; the cipher names the shop.
        cipher = request.query.get("shop_cipher", "")
        for shop_id, shop in self.shops.items():
            if shop.get("cipher") == cipher:
                return shop_id
        raise Refused(106013, "Missing identifier. The 'shop_cipher' query parameter is required to identify "
                              "the target shop.", 400)

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refused(PARAM_ERROR, f"Invalid request body: it is not valid JSON ({exc}).", 400) from exc
        if not isinstance(body, dict):
            raise Refused(PARAM_ERROR, "Invalid request body: a JSON object is expected.", 400)
        return body

    @staticmethod
    def _base_url(request: Request) -> str:
        host = request.headers.get("host", "")
        return f"http://{host}" if host else ""

    def _owned(self, product_id: str, shop_id: str) -> Listing:
        listing = self.state.get(product_id)
        if listing is None or listing.status == DELETED:
            raise Refused(PRODUCT_MISSING, "The product does not exist")
        if listing.shop_id != shop_id:
            raise Refused(PRODUCT_OF_OTHER_SHOP, "This product doesn't belong to this shop")
        return listing

    def _page_size(self, request: Request) -> int:
        size = _whole(request.query.get("page_size", ""))
        low, high = self.rules.number("search", "min_page_size"), self.rules.number("search", "max_page_size")
        if size is None or not low <= size <= high:
            raise Refused(PARAM_ERROR, f"Invalid 'page_size': it is required and must be between {low} and {high}.",
                          400)
        return size

    # -- images ----------------------------------------------------------------------------------
    def upload_image(self, request: Request) -> dict[str, Any]:
        if not request.content_type.lower().startswith("multipart/form-data"):
            raise Refused(PARAM_ERROR, "Invalid content type: multipart/form-data is required.", 400)
        fields = parse_multipart(request.body, request.content_type)
        data = fields.get("data")
        if not data:
            raise required("data")
        use_case = fields.get("use_case", b"MAIN_IMAGE").decode("utf-8", "replace") or "MAIN_IMAGE"
        limits = self.rules.data["image_upload"]
        if use_case not in limits["use_cases"]:
            raise invalid("use_case", f"unknown use case {use_case!r}", ", ".join(limits["use_cases"]))
        if len(data) > int(limits["max_bytes"]):
            raise Refused(12052302, f"The main images size exceed limit. The file is {len(data)} bytes, at most "
                                    f"{limits['max_bytes']} are accepted.")
        header = image_header(data)
        if header is None or header[0] not in limits["formats"]:
            raise Refused(12052304, "Main product image format not support. Use JPG, JPEG or PNG.")
        fmt, width, height = header
        bounds = limits["strict_use_cases"].get(use_case, limits)
        low, high = int(bounds["min_px"]), int(bounds["max_px"])
        if min(width, height) < low:
            raise Refused(12052301, f"Width and length of main image must be at least {low}, the image is "
                                    f"{width}x{height}")
        if max(width, height) > high:
            raise Refused(12052302, f"The main images size exceed limit: {width}x{height}, at most {high}x{high}.")
        uri = image_uri(data)
        self.state.put_images([ImageRecord(uri, width, height, fmt, use_case, data)], self.now)
        return {"uri": uri, "url": f"{self._base_url(request)}/tiktok/img/{uri}", "width": width, "height": height,
                "use_case": use_case}

    def serve_image(self, request: Request) -> Response:
        uri = request.path.removeprefix("/tiktok/img/")
        record = self.state.images([uri]).get(uri)
        data = record.data if record is not None else None
        if record is not None and data is None and record.source_url:
            data = image_for_path(urlsplit(record.source_url).path)
        if record is None or data is None:
            return Response(404, b"not found", {"content-type": "text/plain"})
        kind = "image/png" if record.format == "PNG" else "image/jpeg"
        return Response(200, data, {"content-type": kind, "cache-control": "public, max-age=86400"})

    # -- reference data -------------------------------------------------------------------------
    # The tree as this shop sees it now: removals are read from the state on every call.
    def _removed(self) -> set[str]:
        removed = self.state.removed_categories()
        return {cid for top in removed if top in tx.NODES for cid in tx.subtree(top)}

    @staticmethod
    def _require_v2(version: Any) -> None:
        if version != "v2":
            raise Refused(*V1_CATEGORIES)

    def _leaf(self, category_id: Any, version: Any) -> tx.LeafSpec:
        """The current v2 leaf named by a request, or the documented refusal."""
        if not isinstance(category_id, str) or not category_id.isdigit():
            raise Refused(12052002, "Incorrect category format")
        self._require_v2(version)
        if category_id in tx.V1_CATEGORY_IDS:
            raise Refused(*VERSION_MISMATCH)
        if category_id not in tx.NODES or category_id in self._removed():
            raise Refused(*CATEGORY_MISSING)
        leaf = tx.LEAVES.get(category_id)
        if leaf is None:
            raise Refused(*NOT_LEAF)
        return leaf

    def _platform_tree(self, platform: str) -> set[str]:
        if platform not in self.rules.names("listing_platforms"):
            raise invalid("listing_platform", f"unknown listing platform {platform!r}",
                          ", ".join(self.rules.names("listing_platforms")))
        if platform == TOKOPEDIA and not self.config.tiktok_tokopedia_linked:
            raise Refused(*NOT_TOKO_SELLER)
        ids = tx.tokopedia_ids() if platform == TOKOPEDIA else set(tx.NODES)
        return ids - self._removed()

    def categories(self, request: Request) -> dict[str, Any]:
        self._require_v2(request.query.get("category_version"))
        ids = self._platform_tree(request.query.get("listing_platform") or TIKTOK_SHOP)
        keyword = request.query.get("keyword", "").casefold()
        return {"categories": [{
            "id": node.id, "parent_id": node.parent_id, "local_name": node.name, "is_leaf": tx.is_leaf(node.id),
            "permission_statuses": ["AVAILABLE"],
        } for node in tx.NODES.values() if node.id in ids and keyword in node.name.casefold()]}

    def recommend_category(self, request: Request) -> dict[str, Any]:
        # Recommend Category (recommend-category.doc.json; LYWZX products/RecommendCategory.ts): one leaf,
        # with `categories` its chain from the root ("Category chain information of the recommended category").
        body = self._body(request)
        title = _text_field(body, "product_title")
        if not title.strip():
            raise Refused(12052261, "product name is empty")
        if _CHINESE.search(title):
            raise Refused(12052262, "Chinese characters are not supported in product name")
        low, high = self.rules.number("title", "min_length"), self.rules.number("title", "max_length")
        if len(title) > high:
            raise Refused(12052051, f"The product name exceed max limit characters ({len(title)} > {high})")
        if len(title) < low:
            raise invalid("product_title", f"the title has {len(title)} characters", f"{low}-{high} characters")
        if problem := hygiene_problem(title):
            raise Refused(12052931, f"The title must follow the formatting rules: {problem}.")
        self._require_v2(body.get("category_version"))
        ids = self._platform_tree(body.get("listing_platform") or TIKTOK_SHOP)
        ranked = tx.recommend(title, ids & set(tx.LEAVES))
        if not ranked:
            raise Refused(12019064, "No matching categories. Provide the full name of your product, edit its product "
                                    "properties, and try again.")
        path = tx.chain(ranked[0])
        return {"leaf_category_id": ranked[0], "categories": [{
            "id": node.id, "name": node.name, "level": level, "is_leaf": node.id == ranked[0],
            "permission_statuses": ["AVAILABLE"],
        } for level, node in enumerate(path, start=1)]}

    def category_detail(self, request: Request) -> dict[str, Any]:
        parts = request.path.removeprefix("/product/202309/categories/").split("/")
        if len(parts) != 2 or parts[1] not in ("attributes", "rules"):
            raise Refused(36009009, "Invalid path. The specified path does not match any available endpoint", 404)
        leaf = self._leaf(parts[0], request.query.get("category_version"))
        if parts[1] == "rules":
            return self.category_rules(leaf)
        attributes: list[dict[str, Any]] = []
        for name, options in _sales_properties(leaf.category_id):
            aid = attribute_id(name)
            attributes.append({
                "id": aid, "name": name, "type": tx.SALES_PROPERTY, "is_requried": False,
                "is_multiple_selection": False, "is_customizable": True, "requirement_conditions": [],
                "values": [{"id": attribute_value_id(aid, o), "name": o} for o in options],
            })
        for spec in leaf.attributes:
            attributes.append({
                "id": spec.id, "name": spec.name, "type": spec.type, "is_requried": spec.required,
                "is_multiple_selection": spec.multiple, "is_customizable": spec.customizable,
                "requirement_conditions": [{"condition_type": "VALUE_ID_MATCH", "attribute_id": aid,
                                            "attribute_value_id": vid} for aid, vid in spec.required_when],
                "values": [{"id": vid, "name": name} for vid, name in spec.values],
            })
        return {"attributes": attributes}

    def _certification_required(self, leaf: tx.LeafSpec) -> bool:
        return leaf.category_id == self.config.tiktok_certification_required_category

    def category_rules(self, leaf: tx.LeafSpec) -> dict[str, Any]:
        """Get Category Rules (get-category-rules.doc.json): the JSON file's base plus the leaf's own rules."""
        rules = dict(self.rules.data["category_rules"])
        rules["product_certifications"] = [{
            "id": cert.id, "name": cert.name, "is_required": self._certification_required(leaf),
            "document_details": cert.document_details, "sample_image_url": "", "requirement_conditions": [],
            "expiration_date": {"is_required": cert.expiration_required},
        } for cert in leaf.certifications]
        rules["size_chart"] = {"is_supported": leaf.size_chart_supported, "is_required": False}
        return rules

    def brands(self, request: Request) -> dict[str, Any]:
        size = self._page_size(request)
        offset = self._offset_token(request.query.get("page_token", ""))
        if request.query.get("category_id"):
            self._leaf(request.query["category_id"], request.query.get("category_version"))
        wanted = request.query.get("brand_name", "").casefold()
        # "Filter results to include brand names that begin with the specified value" (get-brands.doc.json).
        rows = [(bid, name) for bid, name in self.state.brands() if name.casefold().startswith(wanted)]
        page = rows[offset : offset + size]
        more = offset + size < len(rows)
        return {
            "brands": [{"id": bid, "name": name, "authorized_status": "AUTHORIZED", "brand_status": "AVAILABLE",
                        "is_t1_brand": False} for bid, name in page],
            "total_count": len(rows),
            "next_page_token": self._token({"offset": offset + size}) if more else "",
        }

    def remove_category(self, category_id: str) -> None:
        """TikTok retiring a category: it and everything under it leave the tree. KeyError for an unknown id."""
        if category_id not in tx.NODES:
            raise KeyError(category_id)
        self.state.remove_categories([category_id], self.now)

    def warehouses(self, request: Request) -> dict[str, Any]:
        shop = self.shops.get(self._shop(request), {})
        return {"warehouses": [{
            "id": WAREHOUSE_ID, "name": f"Gudang {shop.get('name', 'Utama')}", "effect_status": "ENABLED",
            "type": "SALES_WAREHOUSE", "sub_type": "DOMESTIC_WAREHOUSE", "is_default": True,
            "address": {"region": "Indonesia", "region_code": "ID", "state": "DKI Jakarta", "city": "Jakarta Barat",
                        "district": "Kebon Jeruk", "postal_code": "11530", "full_address": "Jl. Panjang No. 8",
                        "contact_person": "Gudang FPV", "phone_number": "(+62)81234567890"},
        }]}

    def prerequisites(self, request: Request) -> dict[str, Any]:
        items = ("SHOP_STATUS", "SHOP_TAX", "PICKUP_WAREHOUSE", "RETURN_WAREHOUSE", "DELIVERY_OPTION",
                 "SHIPPING_TEMPLATE", "PRODUCT_QUANTITY_LIMIT", "BANk_ACCOUNT", "CONTACT_INFO")
        return {"check_results": [{"check_item": item, "is_failed": False, "fail_reasons": []} for item in items]}

    # -- page tokens ------------------------------------------------------------------------------
    @staticmethod
    def _token(payload: dict[str, Any]) -> str:
        return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()

    @staticmethod
    def _read_token(token: str) -> dict[str, Any]:
        try:
            payload = json.loads(base64.b64decode(token.encode(), validate=True))
        except (ValueError, binascii.Error) as exc:
            raise Refused(PARAM_ERROR, "Invalid 'page_token'.", 400) from exc
        if not isinstance(payload, dict):
            raise Refused(PARAM_ERROR, "Invalid 'page_token'.", 400)
        return payload

    def _offset_token(self, token: str) -> int:
        if not token:
            return 0
        offset = self._read_token(token).get("offset")
        if not isinstance(offset, int) or offset < 0:
            raise Refused(PARAM_ERROR, "Invalid 'page_token'.", 400)
        return offset

    # -- validation ---------------------------------------------------------------------------------
    def _validate(self, body: Mapping[str, Any], existing: Listing | None) -> ProductDraft:
        """The Create/Edit body checked in the order a reader of the error table would expect."""
        r = self.rules
        for name in ("title", "description", "category_id", "main_images", "skus", "package_weight"):
            if body.get(name) is None:
                raise required(name)
        leaf = self._leaf(body["category_id"], body.get("category_version"))
        category_id = leaf.category_id
        platforms = self._platforms(body)
        # Omitting listing_platforms on Edit re-audits on the current platforms (edit-product.doc.json).
        target = platforms or (existing.listing_platforms if existing is not None else [TIKTOK_SHOP])
        if TOKOPEDIA in target:
            if not self.config.tiktok_tokopedia_linked:
                raise Refused(*NOT_TOKO_SELLER)
            if not leaf.on_tokopedia:
                raise Refused(*NOT_ON_TOKOPEDIA)

        title = _text_field(body, "title")
        if not title.strip():
            raise Refused(12052261, "product name is empty")
        if _CHINESE.search(title):
            raise Refused(12052262, "Chinese characters are not supported in product name")
        low, high = r.number("title", "min_length"), r.number("title", "max_length")
        if len(title) > high:
            raise Refused(12052051, f"The product name exceed max limit characters ({len(title)} > {high})")
        if len(title) < low:
            # The error table has no "too short" code; TikTok's generic invalid-parameter shape is used.
            raise invalid("title", f"the title has {len(title)} characters", f"{low}-{high} characters")
        problem = hygiene_problem(title)
        if problem:
            raise Refused(12052931, f"The title must follow the formatting rules: {problem}.")

        description = _text_field(body, "description")
        if not plain_text(description) and not _IMG_TAG.search(description):
            raise Refused(12052015, "The product description is required")
        if len(description) > r.number("description", "max_length"):
            raise Refused(12052013, f"The product description cannot exceed maximum characters "
                                    f"({r.number('description', 'max_length')})")
        if len(_IMG_TAG.findall(description)) > r.number("description", "max_images"):
            raise Refused(12052056, "The num of image in description cannot exceed max limit")
        if _CHINESE.search(description):
            raise Refused(12052346, "The product description has Chinese characters")
        problem = hygiene_problem(description, html_text=True)
        if problem:
            raise Refused(12052932, f"The description must follow the formatting rules: {problem}.")

        main_images = self._main_images(body["main_images"])
        package_weight = self._weight(body["package_weight"])
        package_dimensions = self._dimensions(body.get("package_dimensions"))
        warnings: list[dict[str, str]] = []
        brand_id = body.get("brand_id") or None
        if brand_id is not None and (not isinstance(brand_id, str) or self.state.brand_name(brand_id) is None):
            warnings.append({"message": f"The [brand_id]:{brand_id} field is incorrect and has been automatically "
                                        "cleared by the system. Reason: [Brand does not exist]. "
                                        "You can edit it later."})
            brand_id = None
        new_values: list[tuple[str, str, str]] = []
        product_attributes = self._product_attributes(body.get("product_attributes"), leaf, new_values)
        extra = {k: body[k] for k in KEPT_FIELDS if k in body}
        certifications = self._certifications(body.get("certifications"), leaf)
        if certifications:
            extra["certifications"] = certifications
        size_chart = self._size_chart(body.get("size_chart"), leaf)
        if size_chart is not None:
            extra["size_chart"] = size_chart
        delivery = body.get("delivery_option_ids")
        if delivery:
            if not isinstance(delivery, list) or any(d not in DELIVERY_OPTIONS for d in delivery):
                raise invalid("delivery_option_ids", f"{delivery!r} names an unknown delivery option",
                              "ids of the warehouse's delivery options")
            extra["delivery_option_ids"] = list(dict.fromkeys(delivery))
        save_mode = body.get("save_mode") or "LISTING"
        if save_mode not in ("LISTING", "AS_DRAFT"):
            raise invalid("save_mode", f"unknown save mode {save_mode!r}", "LISTING or AS_DRAFT")
        draft = ProductDraft(
            title=title, description=description, category_id=category_id, brand_id=brand_id,
            main_images=main_images, package_weight=package_weight, package_dimensions=package_dimensions,
            product_attributes=product_attributes, listing_platforms=platforms, save_mode=save_mode, skus=[],
            extra=extra, warnings=warnings, new_attributes=[], new_values=new_values,
        )
        self._skus(body["skus"], existing, draft)
        return draft

    def _product_attributes(self, value: Any, leaf: tx.LeafSpec,
                            new_values: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """The product attributes as Get Product shows them, every rule of Get Attributes checked."""
        if value is None:
            value = []
        if not isinstance(value, list):
            raise invalid("product_attributes", "it must be a list", "a list of {id, values[]}")
        specs = {spec.id: spec for spec in leaf.attributes}
        out: list[dict[str, Any]] = []
        chosen: set[tuple[str, str]] = set()
        for raw in value:
            aid = str(raw.get("id") or "") if isinstance(raw, dict) else ""
            if not aid:
                raise Refused(12052241, "attribute name or attribute id is empty.")
            spec = specs.get(aid)
            if spec is None:
                raise Refused(12052240, f"Do not support custom property. Attribute {aid} is not one of category "
                                        f"{leaf.category_id}'s product attributes.")
            if any(a["id"] == aid for a in out):
                raise Refused(12052254, "Duplicate attribute id")
            raw_values = raw.get("values")
            if not isinstance(raw_values, list) or not raw_values:
                raise Refused(12052248, "The product property value name or attribute value id is empty.")
            if len(raw_values) > 1 and not spec.multiple:
                raise Refused(12052246, f"The product property not support multi selected, attribute id is :{aid}.")
            values: list[dict[str, str]] = []
            for item in raw_values:
                values.append(self._product_attribute_value(item, spec, new_values))
            if len({v["id"] for v in values}) < len(values):
                raise Refused(12052251, "Duplicated attribute values found for an attribute. Remove or modify the "
                                        "duplicated value.")
            chosen.update((aid, v["id"]) for v in values)
            out.append({"id": aid, "name": spec.name, "values": values})
        present = {a["id"] for a in out}
        for spec in leaf.attributes:
            if spec.id in present:
                continue
            if spec.required:
                raise Refused(12052104, f"property is required: {spec.name} (attribute id {spec.id})")
            trigger = next(((aid, vid) for aid, vid in spec.required_when if (aid, vid) in chosen), None)
            if trigger is not None:
                parent = next(s for s in leaf.attributes if s.id == trigger[0])
                raise Refused(12052182, f"The '{spec.name}' field is required as you've selected "
                                        f"'{parent.value_name(trigger[1])}' for '{parent.name}'.")
        return out

    def _product_attribute_value(self, item: Any, spec: tx.AttributeSpec,
                                 new_values: list[tuple[str, str, str]]) -> dict[str, str]:
        if not isinstance(item, dict):
            raise Refused(12052248, "The product property value name or attribute value id is empty.")
        vid, name = item.get("id") or None, item.get("name") or None
        if vid is not None:  # "if both are provided, the ID takes priority" (create-product.doc.json)
            listed = spec.value_name(str(vid))
            known = self.state.attribute_value(str(vid))  # a custom value this seller made earlier
            if listed is None and (known is None or known[0] != spec.id):
                raise Refused(12052529, f"The property value id not exist. ({vid} for attribute {spec.id})")
            return {"id": str(vid), "name": listed if listed is not None else known[1] if known else ""}
        if not isinstance(name, str) or not name.strip():
            raise Refused(12052248, "The product property value name or attribute value id is empty.")
        if not spec.customizable:
            raise Refused(12052247, f"Do not support custom product attribute. Choose one of the values of "
                                    f"{spec.name} (attribute id {spec.id}) by id.")
        limit = self.rules.number("product_attributes", "value_name_max_length")
        if len(name) > limit:
            raise Refused(12052249, f"The product property value name characters cannot exceed {limit}, attribute "
                                    f"value name is :{name[:50]}.")
        if _CHINESE.search(name):
            raise Refused(12052250, "The product property value name characters contain Chinese.")
        if flaw := hygiene_problem(name):
            raise Refused(12052935, f"Product attribute value names must follow the formatting rules: {flaw}.")
        # "The system will auto-generate an ID after listing" (create-product.doc.json, values.name).
        custom = attribute_value_id(spec.id, name)
        new_values.append((custom, spec.id, name))
        return {"id": custom, "name": name}

    def _certifications(self, value: Any, leaf: tx.LeafSpec) -> list[dict[str, Any]]:
        """Certifications as sent (id, images, files, expiration_date), checked against Get Category Rules."""
        if value is None:
            value = []
        limit = self.rules.number("certifications", "max_count")
        if not isinstance(value, list) or len(value) > limit:
            raise invalid("certifications", "it must be a list of certifications", f"at most {limit}")
        known = {cert.id: cert for cert in leaf.certifications}
        out: list[dict[str, Any]] = []
        for raw in value:
            cid = str(raw.get("id") or "") if isinstance(raw, dict) else ""
            cert = known.get(cid)
            if cert is None:
                raise Refused(12052655, f"qualification id not exist ({cid or 'empty'})")
            if any(c["id"] == cid for c in out):
                raise Refused(12052656, "qualification id duplicate")
            images = raw.get("images") or []
            files = raw.get("files") or []
            if not isinstance(images, list) or not isinstance(files, list) or (not images and not files):
                raise Refused(12052657, "qualification image and pdf file is out of limit.")
            uris = [i.get("uri") if isinstance(i, dict) else None for i in images]
            if any(not isinstance(u, str) for u in uris) or len(self.state.images([str(u) for u in uris])) < len(
                    set(uris)):
                raise Refused(12052650, "product qualification image uri illegal")
            for f in files:
                if (not isinstance(f, dict) or not f.get("id") or not f.get("name")
                        or str(f.get("format", "")).upper() != "PDF"):
                    raise Refused(12052658, "product qualification file uri illegal")
            cert_out: dict[str, Any] = {"id": cid, "images": [{"uri": u} for u in uris],
                                        "files": [{"id": str(f["id"]), "name": str(f["name"]), "format": "PDF"}
                                                  for f in files]}
            expiry = raw.get("expiration_date")
            if expiry is not None or cert.expiration_required:
                if isinstance(expiry, bool) or not isinstance(expiry, int) or expiry <= self.now:
                    raise Refused(12052385, "Please enter valid certificate expiration date")
                cert_out["expiration_date"] = expiry
            out.append(cert_out)
        if self._certification_required(leaf):
            missing = [cert.name for cert in leaf.certifications if cert.id not in {c["id"] for c in out}]
            if missing:
                raise Refused(12052105, f"required qualification miss: {', '.join(missing)}")
        return out

    def _size_chart(self, value: Any, leaf: tx.LeafSpec) -> dict[str, Any] | None:
        if not value:
            return None
        if not isinstance(value, dict):
            raise invalid("size_chart", "it must be an object", "{image: {uri}} or {template: {id}}")
        image, template = value.get("image"), value.get("template")
        if image:
            uri = image.get("uri") if isinstance(image, dict) else None
            if not isinstance(uri, str) or not self.state.images([uri]):
                raise Refused(12052670, "The size chart image URI is invalid. Note: API users must use the URI "
                                        "generated by the Upload Product Image API.")
            chart: dict[str, Any] = {"image": {"uri": uri}}
        elif template:
            raise Refused(12052128, "Size chart not found")  # the sandbox shop has no size chart templates
        else:
            raise Refused(12052673, "Product sizechart image is required")
        # "If size charts are not supported, even if you provide a size chart ... the size chart will not be
        # saved" (get-category-rules.doc.json, size_chart.is_supported).
        return chart if leaf.size_chart_supported else None

    def _platforms(self, body: Mapping[str, Any]) -> list[str] | None:
        if "listing_platforms" not in body or body["listing_platforms"] is None:
            return None
        value = body["listing_platforms"]
        allowed = self.rules.names("listing_platforms")
        if not isinstance(value, list) or not value or any(p not in allowed for p in value):
            raise invalid("listing_platforms", f"{value!r} is not a list of listing platforms", ", ".join(allowed))
        return [p for p in allowed if p in value]

    def _main_images(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not value:
            raise Refused(12052028, "Main product image is required")
        limits = self.rules.data["main_images"]
        if len(value) > int(limits["max_count"]):
            raise Refused(12052306, f"main product images count exceed limit ({len(value)} > {limits['max_count']})")
        uris: list[str] = []
        for item in value:
            uri = item.get("uri") if isinstance(item, dict) else None
            if not isinstance(uri, str) or not uri.strip() or any(ch.isspace() for ch in uri):
                raise Refused(12052300, "product main image uri illegal")
            uris.append(uri)
        known = self.state.images(uris)
        for uri in uris:
            record = known.get(uri)
            if record is None:
                raise Refused(12052722, f"The image URI does not exist in TikTok Shop. ({uri})")
            if min(record.width, record.height) < int(limits["min_px"]):
                raise Refused(12052301, f"Width and length of main image must be at least {limits['min_px']}, "
                                        f"check uri {uri}")
            if max(record.width, record.height) > int(limits["max_px"]):
                raise Refused(12052302, "The main images size exceed limit.")
        return uris

    def _weight(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Refused(12052006, "Incorrect parcel weight format")
        unit = value.get("unit")
        if unit in ("POUND", "OUNCE"):
            raise Refused(12019061, "Product weight or dimensions unit does not support the imperial units on non-US "
                                    "local products.")
        amount = _decimal(value.get("value"))
        if unit not in self.rules.names("package_weight", "units") or amount is None:
            raise Refused(12052006, "Incorrect parcel weight format")
        if amount == 0:
            raise Refused(12052181, "The package weight of the product can not be zero.")
        exponent = amount.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if unit == "KILOGRAM" and decimals > self.rules.number("package_weight", "kilogram_decimals"):
            raise Refused(12052006, "Incorrect parcel weight format: at most 3 decimals in KILOGRAM")
        if unit == "GRAM" and decimals > 0:
            raise Refused(12052006, "Incorrect parcel weight format: GRAM must be a whole number")
        return {"value": str(value["value"]), "unit": unit}

    def _dimensions(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None  # optional for Indonesian shops
        if not isinstance(value, dict):
            raise Refused(12052116, "product package size is invalid")
        if value.get("unit") == "INCH":
            raise Refused(12019061, "Product weight or dimensions unit does not support the imperial units on non-US "
                                    "local products.")
        if value.get("unit") not in self.rules.names("package_dimensions", "units"):
            raise Refused(12052116, "product package size is invalid")
        out: dict[str, Any] = {}
        for name, code in (("length", 12052005), ("width", 12052004), ("height", 12052003)):
            number = _whole(value.get(name))
            if number is None or number <= 0:
                raise Refused(code, f"Incorrect parcel {name} format")
            out[name] = str(value[name])
        out["unit"] = value["unit"]
        return out

    def _skus(self, value: Any, existing: Listing | None, draft: ProductDraft) -> None:
        r = self.rules
        if not isinstance(value, list) or not value:
            raise required("skus")
        if len(value) > r.number("skus", "max_count"):
            raise Refused(12052050, f"A single product cannot have more than {r.number('skus', 'max_count')} "
                                    "different SKUs")
        combos: set[tuple[tuple[str, str], ...]] = set()
        attribute_sets: set[tuple[str, ...]] = set()
        image_attributes: set[str] = set()
        for raw in value:
            if not isinstance(raw, dict):
                raise invalid("skus", "every SKU must be an object", "a list of SKU objects")
            sku_id = raw.get("id") or None
            old: Sku | None = None
            if sku_id is not None:
                old = existing.sku(str(sku_id)) if existing is not None else None
                if old is None:
                    raise invalid("skus.id", f"SKU {sku_id} does not belong to this product",
                                  "the id of one of this product's SKUs, or no id for a new SKU")
            attributes = self._sales_attributes(raw.get("sales_attributes") or [], draft)
            ids = tuple(a["id"] for a in attributes)
            if len(value) > 1 and not attributes:
                raise Refused(12052550, "SKU property must contain all properties")
            attribute_sets.add(tuple(sorted(ids)))
            combo = tuple(sorted((a["id"], a["value_id"]) for a in attributes))
            if combo in combos:
                raise Refused(12052560, "The SKU contains duplicate sales attribute.")
            combos.add(combo)
            image_attributes.update(a["id"] for a in attributes if "sku_img" in a)
            seller_sku = raw.get("seller_sku") or ""
            if not isinstance(seller_sku, str):
                raise Refused(12019059, "seller sku is invalid")
            if len(seller_sku) > r.number("seller_sku", "max_length"):
                raise Refused(12052054, f"The seller SKU text length cannot exceed max limit characters "
                                        f"({r.number('seller_sku', 'max_length')})")
            if not r.data["seller_sku"]["allow_spaces"] and any(ch.isspace() for ch in seller_sku):
                raise Refused(12019059, f"seller sku is invalid: {seller_sku!r} contains spaces")
            price, currency = self._price(raw.get("price"), keep=old is not None)
            inventory = self._inventory(raw.get("inventory"), keep=old is not None,
                                        low=r.number("inventory", "min"), high=r.number("inventory", "max"))
            external = raw.get("external_sku_id") or ""
            draft.skus.append(SkuDraft(None if old is None else old.id, seller_sku, attributes, price,
                                       currency or (old.currency if old is not None else "IDR"), inventory,
                                       str(external)))
        if len(attribute_sets) > 1:
            raise Refused(12052550, "SKU property must contain all properties")
        if len(image_attributes) > 1:
            raise Refused(12052528, "You can add images to only 1 product variation, which will serve as the primary "
                                    "variation for display in the product options gallery.")

    def _sales_attributes(self, value: Any, draft: ProductDraft) -> list[dict[str, Any]]:
        r = self.rules
        if not isinstance(value, list):
            raise invalid("sales_attributes", "it must be a list", "a list of {id|name, value_id|value_name}")
        if len(value) > r.number("skus", "max_sales_attributes"):
            raise Refused(12052525, f"The attribute max num cannot exceed {r.number('skus', 'max_sales_attributes')}.")
        out: list[dict[str, Any]] = []
        for raw in value:
            if not isinstance(raw, dict):
                raise Refused(12052241, "attribute name or attribute id is empty.")
            # When both are given the id wins (TikTok's documented rule).
            aid, name = raw.get("id") or None, raw.get("name") or None
            if aid is not None:
                known_name = self.state.attribute_name(str(aid)) or dict(draft.new_attributes).get(str(aid))
                if known_name is None:
                    raise Refused(12052527, "The sale attribute id not exist.")
                aid, name = str(aid), known_name
            elif isinstance(name, str) and name.strip():
                if len(name) > r.number("skus", "attribute_name_max_length"):
                    raise Refused(12052242, "The attribute name characters cannot exceed max_limit")
                if problem := hygiene_problem(name):
                    raise Refused(12052933, f"Sales attribute names must follow the formatting rules: {problem}.")
                aid = attribute_id(name)
                draft.new_attributes.append((aid, name))
            else:
                raise Refused(12052241, "attribute name or attribute id is empty.")
            vid, value_name = raw.get("value_id") or None, raw.get("value_name") or None
            if vid is not None:
                known = self.state.attribute_value(str(vid))
                fresh = next(((v[1], v[2]) for v in draft.new_values if v[0] == str(vid)), None)
                known = known or fresh
                if known is None or known[0] != aid:
                    raise Refused(12052529, "The property value id not exist.")
                vid, value_name = str(vid), known[1]
            elif isinstance(value_name, str) and value_name.strip():
                if len(value_name) > r.number("skus", "value_name_max_length"):
                    raise Refused(12052249, f"The sales attribute value name characters cannot exceed "
                                            f"{r.number('skus', 'value_name_max_length')}, attribute value name is "
                                            f":{value_name}.")
                if problem := hygiene_problem(value_name):
                    raise Refused(12052934, f"Sales attribute value names must follow the formatting rules: "
                                            f"{problem}.")
                vid = attribute_value_id(aid, value_name)
                draft.new_values.append((vid, aid, value_name))
            else:
                raise Refused(12052248, "The sales attribute value name or attribute value id is empty.")
            if any(a["id"] == aid for a in out):
                raise Refused(12052254, "Duplicate attribute id")
            item: dict[str, Any] = {"id": aid, "name": name, "value_id": vid, "value_name": value_name}
            image = raw.get("sku_img")
            if isinstance(image, dict) and image.get("uri"):
                if not self.state.images([str(image["uri"])]):
                    raise Refused(12052520, "product sale property image uri illegal")
                item["sku_img"] = {"uri": str(image["uri"])}
            out.append(item)
        return out

    def _price(self, value: Any, *, keep: bool) -> tuple[str | None, str | None]:
        if value is None:
            if keep:
                return None, None
            raise Refused(12052571, "Missing price for SKU(s)")
        if not isinstance(value, dict) or value.get("amount") in (None, ""):
            raise Refused(12052571, "Missing price for SKU(s)")
        currency = value.get("currency")
        if currency != self.rules.data["currency"]:
            raise Refused(12052084, "The provided currency is not available for this shop/region")
        amount = _decimal(value["amount"])
        if amount is None or amount <= 0 or amount != amount.to_integral_value():
            raise Refused(12052073, f"The product price is invalid: {value['amount']!r} (IDR prices are whole "
                                    "rupiah)")
        low, high = self.rules.number("price", "min"), self.rules.number("price", "max")
        if not low <= amount <= high:
            raise Refused(12052570, f"product price exceed limit: {value['amount']} is outside {low}-{high} IDR")
        return str(value["amount"]).strip(), str(currency)

    def _inventory(self, value: Any, *, keep: bool, low: int, high: int) -> list[dict[str, Any]] | None:
        if value is None and keep:
            return None
        if not isinstance(value, list) or not value:
            raise required("inventory")
        out: list[dict[str, Any]] = []
        for row in value:
            if not isinstance(row, dict):
                raise required("inventory")
            warehouse = str(row.get("warehouse_id") or WAREHOUSE_ID)
            if warehouse != WAREHOUSE_ID:
                raise Refused(12052097, f"The warehouse does not exist ({warehouse})")
            if any(o["warehouse_id"] == warehouse for o in out):
                raise Refused(12052555, "The warehouse id is duplicate")
            quantity = row.get("quantity")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or not low <= quantity <= high:
                raise Refused(12052055, f"The SKU inventory quantity for the warehouse must be within allowed limits "
                                        f"[{low}, {high}]; got {quantity!r}.")
            out.append({"warehouse_id": warehouse, "quantity": quantity})
        return out

    # -- audit -------------------------------------------------------------------------------------
    def _audit_reasons(self, listing: Listing) -> list[dict[str, Any]]:
        need = self.rules.number("audit", "min_description_text_length")
        have = len(plain_text(listing.description))
        if have >= need:
            return []
        platforms = [p for p in (TIKTOK_SHOP, TOKOPEDIA) if p in listing.listing_platforms]
        return [{
            "listing_platform": platform,
            "position": "description",
            "reasons": [f"The product description is too short ({have} characters); at least {need} are needed."],
            "suggestions": ["Describe the product, its specifications and what is in the package in more detail."],
        } for platform in platforms]

    def _start_audit(self, listing: Listing, now: float) -> None:
        reasons = self._audit_reasons(listing)
        listing.audit_outcome = FAILED if reasons else ACTIVATE
        listing.audit_failed_reasons = reasons
        listing.audit_due_at = now + self.rules.audit_delay_seconds

    def _day_start(self, now: float) -> float:
        # create_time is whole seconds, as on the wire: a product made in the second a (compressed) day began
        # counts toward the new day, the stricter side, rather than letting the new day make one too many.
        return math.floor(self.config.day_start(now, JAKARTA_OFFSET))

    # -- create / edit ------------------------------------------------------------------------------
    def create(self, request: Request) -> dict[str, Any]:
        shop_id = self._shop(request)
        body = self._body(request)
        now = self.now
        key = body.get("idempotency_key")
        with self.state.transaction():
            self.state.settle(now)
            if key is not None and (not isinstance(key, str)
                                    or not 0 < len(key) <= self.rules.number("idempotency", "max_key_length")):
                raise invalid("idempotency_key", "it must be a string of 1-128 characters", "a v4 UUID")
            if key is not None and self.config.tiktok_idempotency_dedup:
                ttl = self.rules.number("idempotency", "ttl_seconds")
                prior = self.state.idempotent_result(shop_id, key, now - ttl)
                if prior is not None:
                    return prior
            draft = self._validate(body, None)
            listed = draft.save_mode == "LISTING"
            if listed:
                limit = self.config.tiktok_daily_listings or self.rules.daily_listing_limit
                if self.state.count_listed_since(shop_id, self._day_start(now)) >= limit:
                    raise Refused(12052093, f"Exceeded the product listing limit for the seller. The daily upload "
                                            f"limit is {limit}.")
            platforms = draft.listing_platforms or self.rules.names("default_listing_platforms")
            ids = self.state.new_ids(1 + len(draft.skus))
            listing = Listing(
                product_id=ids[0], shop_id=shop_id, title=draft.title, description=draft.description,
                category_id=draft.category_id, brand_id=draft.brand_id, main_images=draft.main_images,
                package_weight=draft.package_weight, package_dimensions=draft.package_dimensions,
                product_attributes=draft.product_attributes, listing_platforms=platforms,
                status=PENDING if listed else DRAFT,
                tokopedia_status=(PENDING if listed else DRAFT) if TOKOPEDIA in platforms else None,
                audit_due_at=None, audit_outcome=None, audit_failed_reasons=[], extra=draft.extra,
                create_time=int(now), update_time=int(now), counts_toward_limit=listed,
                skus=[Sku(sku_id, d.seller_sku, d.sales_attributes, d.price or "", d.currency, d.inventory or [],
                          d.external_sku_id) for sku_id, d in zip(ids[1:], draft.skus, strict=True)],
            )
            if listed:
                self._start_audit(listing, now)
            self.state.put_attributes(draft.new_attributes, draft.new_values)
            self.state.save(listing)
            result = self._write_result(listing, draft.warnings)
            if key is not None and self.config.tiktok_idempotency_dedup:
                self.state.remember(shop_id, key, result, now)
        return result

    @staticmethod
    def _write_result(listing: Listing, warnings: list[dict[str, str]]) -> dict[str, Any]:
        skus = []
        for sku in listing.skus:
            item: dict[str, Any] = {"id": sku.id, "seller_sku": sku.seller_sku,
                                    "sales_attributes": [{"id": a["id"], "value_id": a["value_id"]}
                                                         for a in sku.sales_attributes]}
            if sku.external_sku_id:
                item["external_sku_id"] = sku.external_sku_id
            skus.append(item)
        return {"product_id": listing.product_id, "skus": skus, "warnings": warnings}

    def _as_body(self, listing: Listing) -> dict[str, Any]:
        """A stored product as an Edit body, the base that Partial Edit overlays."""
        body: dict[str, Any] = {
            "title": listing.title, "description": listing.description, "category_id": listing.category_id,
            "category_version": self.rules.data["category_version"], "brand_id": listing.brand_id,
            "main_images": [{"uri": u} for u in listing.main_images], "package_weight": listing.package_weight,
            "package_dimensions": listing.package_dimensions, "product_attributes": listing.product_attributes,
            "skus": [{
                "id": s.id, "seller_sku": s.seller_sku, "external_sku_id": s.external_sku_id,
                "sales_attributes": [{k: v for k, v in a.items() if k in ("id", "value_id", "sku_img")}
                                     for a in s.sales_attributes],
            } for s in listing.skus],
            **listing.extra,
        }
        return body

    @staticmethod
    def _content(listing: Listing) -> Any:
        """Everything but price and inventory: a change here sends the product back to audit."""
        return (listing.title, listing.description, listing.category_id, listing.brand_id, listing.main_images,
                listing.package_weight, listing.package_dimensions, listing.product_attributes,
                [(s.id, s.seller_sku, s.sales_attributes, s.external_sku_id) for s in listing.skus])

    def edit(self, request: Request) -> dict[str, Any]:
        product_id = request.path.removeprefix("/product/202309/products/")
        if not product_id.isdigit():
            raise Refused(36009009, "Invalid path. The specified path does not match any available endpoint", 404)
        return self._edit(request, product_id, partial=False)

    def _edit(self, request: Request, product_id: str, *, partial: bool) -> dict[str, Any]:
        shop_id = self._shop(request)
        body = self._body(request)
        now = self.now
        with self.state.transaction():
            self.state.settle(now)
            old = self._owned(product_id, shop_id)
            if partial:
                merged = self._as_body(old)
                merged.update({k: v for k, v in body.items() if k != "listing_platforms"})
                merged["listing_platforms"] = body.get("listing_platforms")
                body = merged
            draft = self._validate(body, old)
            new_ids = iter(self.state.new_ids(sum(1 for d in draft.skus if d.id is None)))
            skus = []
            for d in draft.skus:
                kept = old.sku(d.id) if d.id is not None else None
                skus.append(Sku(
                    id=d.id if d.id is not None else next(new_ids), seller_sku=d.seller_sku,
                    sales_attributes=d.sales_attributes,
                    price=d.price if d.price is not None else (kept.price if kept else ""),
                    currency=d.currency,
                    inventory=d.inventory if d.inventory is not None else (kept.inventory if kept else []),
                    external_sku_id=d.external_sku_id,
                ))
            new = replace(
                old, title=draft.title, description=draft.description, category_id=draft.category_id,
                brand_id=draft.brand_id, main_images=draft.main_images, package_weight=draft.package_weight,
                package_dimensions=draft.package_dimensions, product_attributes=draft.product_attributes,
                extra=draft.extra, skus=skus, update_time=int(now),
            )
            reaudit = self._content(new) != self._content(old)
            given = draft.listing_platforms
            if given is not None:
                new.listing_platforms = given
                if TOKOPEDIA not in given and new.tokopedia_status not in (None, DRAFT):
                    new.tokopedia_status = SELLER_DEACTIVATED
                if TOKOPEDIA in given and new.tokopedia_status is None:
                    new.tokopedia_status = PENDING
                    reaudit = True
                if TIKTOK_SHOP not in given and new.status not in (DRAFT,):
                    new.status = SELLER_DEACTIVATED
            if draft.save_mode == "LISTING" and new.status == DRAFT:
                new.status = PENDING
                new.tokopedia_status = PENDING if new.tokopedia_status is not None else None
                reaudit = True
            if reaudit:
                if new.status in (ACTIVATE, FAILED):
                    new.status = PENDING
                if new.tokopedia_status in (ACTIVATE, FAILED):
                    new.tokopedia_status = PENDING
                if PENDING in (new.status, new.tokopedia_status):
                    self._start_audit(new, now)
            self.state.put_attributes(draft.new_attributes, draft.new_values)
            self.state.save(new)
            result = self._write_result(new, draft.warnings)
            if new.audit_due_at is not None and PENDING in (new.status, new.tokopedia_status):
                result["audit"] = {"status": "AUDITING"}
            else:
                result["audit"] = {"status": "APPROVED" if new.status == ACTIVATE else "NONE"}
        return result

    def product_action(self, request: Request) -> dict[str, Any]:
        rest = request.path.removeprefix("/product/202309/products/")
        product_id, _, action = rest.partition("/")
        if product_id.isdigit():
            if action == "partial_edit":
                return self._edit(request, product_id, partial=True)
            if action == "prices/update":
                return self.update_prices(request, product_id)
            if action == "inventory/update":
                return self.update_inventory(request, product_id)
        raise Refused(36009009, "Invalid path. The specified path does not match any available endpoint", 404)

    # -- price and inventory -----------------------------------------------------------------------
    def _sku_list(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        skus = body.get("skus")
        if not isinstance(skus, list) or not skus or not all(isinstance(s, dict) for s in skus):
            raise required("skus")
        return skus

    @staticmethod
    def _require_live(listing: Listing) -> None:
        # Update Price / Update Inventory: "Update the price [inventory quantity] of ... SKUs belonging to a
        # product in the `ACTIVATE` status"; both error tables list 12052901 "The product in its current status
        # is not available for this operation. Change the product status and try again." (lazykern/
        # ecommerce-api-docs data/raw/tiktok/api-reference/products/update-price.doc.json and
        # update-inventory.doc.json). The docs give no HTTP status for it: business errors come back HTTP 200.
        if listing.status != ACTIVATE:
            raise Refused(NOT_LIVE, "The product in its current status is not available for this operation. "
                                    "Change the product status and try again.")

    def update_prices(self, request: Request, product_id: str) -> dict[str, Any]:
        shop_id = self._shop(request)
        body = self._body(request)
        now = self.now
        with self.state.transaction():
            self.state.settle(now)
            listing = self._owned(product_id, shop_id)
            self._require_live(listing)
            changes: list[tuple[Sku, str, str]] = []
            for raw in self._sku_list(body):
                sku = listing.sku(str(raw.get("id") or ""))
                if sku is None:
                    raise invalid("skus.id", f"SKU {raw.get('id')!r} does not belong to product {product_id}",
                                  "the id of one of this product's SKUs")
                amount, currency = self._price(raw.get("price"), keep=False)
                assert amount is not None and currency is not None
                changes.append((sku, amount, currency))
            for sku, amount, currency in changes:  # all or nothing: applied only once every SKU passed
                sku.price, sku.currency = amount, currency
            listing.update_time = int(now)
            self.state.save(listing)
        return {}

    def update_inventory(self, request: Request, product_id: str) -> dict[str, Any]:
        shop_id = self._shop(request)
        body = self._body(request)
        now = self.now
        low, high = self.rules.number("inventory", "update_min"), self.rules.number("inventory", "max")
        errors: list[dict[str, Any]] = []
        with self.state.transaction():
            self.state.settle(now)
            listing = self._owned(product_id, shop_id)
            self._require_live(listing)
            for raw in self._sku_list(body):
                sku_id = str(raw.get("id") or "")
                sku = listing.sku(sku_id)
                if sku is None:
                    errors.append({"code": INVALID_PARAM, "message": f"Parameter skus.id is invalid. Reason: SKU "
                                   f"{sku_id!r} does not belong to product {product_id}. Expected: one of its SKUs",
                                   "detail": {"sku_id": sku_id, "extra_errors": []}})
                    continue
                try:
                    rows = self._inventory(raw.get("inventory"), keep=False, low=low, high=high)
                except Refused as refused:
                    warehouse = ""
                    inventory = raw.get("inventory")
                    if isinstance(inventory, list) and inventory and isinstance(inventory[0], dict):
                        warehouse = str(inventory[0].get("warehouse_id") or WAREHOUSE_ID)
                    errors.append({"code": refused.code, "message": refused.message, "detail": {
                        "sku_id": sku_id,
                        "extra_errors": [{"warehouse_id": warehouse, "code": refused.code, "message": refused.message}],
                    }})
                    continue
                assert rows is not None
                merged = {row["warehouse_id"]: row for row in sku.inventory}
                merged.update({row["warehouse_id"]: row for row in rows})  # absolute, per warehouse
                sku.inventory = list(merged.values())
            listing.update_time = int(now)
            self.state.save(listing)
        return {"errors": errors} if errors else {}

    # -- batch status changes -------------------------------------------------------------------------
    def _batch(self, request: Request, change: Callable[[Listing, list[str], float], Refused | None]) -> dict[str, Any]:
        shop_id = self._shop(request)
        body = self._body(request)
        ids = body.get("product_ids")
        limit = self.rules.number("batch", "max_product_ids")
        if not isinstance(ids, list) or not ids or len(ids) > limit or not all(isinstance(i, str) for i in ids):
            raise Refused(PARAM_ERROR, f"Invalid 'product_ids': 1 to {limit} product ids are required.", 400)
        platforms = self._platforms(body) or [TIKTOK_SHOP]
        now = self.now
        errors: list[dict[str, Any]] = []
        with self.state.transaction():
            self.state.settle(now)
            for product_id in ids:
                listing = self.state.get(product_id)
                problem: Refused | None
                if listing is None or listing.shop_id != shop_id:
                    problem = (Refused(PRODUCT_MISSING, "The product does not exist") if listing is None
                               else Refused(PRODUCT_OF_OTHER_SHOP, "This product doesn't belong to this shop"))
                else:
                    problem = change(listing, platforms, now)
                    if problem is None:
                        listing.update_time = int(now)
                        self.state.save(listing)
                if problem is not None:
                    errors.append({"code": problem.code, "message": problem.message,
                                   "detail": {"product_id": product_id}})
        return {"errors": errors}

    def delete(self, request: Request) -> dict[str, Any]:
        def change(listing: Listing, platforms: list[str], now: float) -> Refused | None:
            if listing.status == DELETED:
                return Refused(PRODUCT_MISSING, "The product does not exist")
            listing.status = DELETED
            listing.tokopedia_status = DELETED if listing.tokopedia_status is not None else None
            listing.audit_due_at = None
            return None

        return self._batch(request, change)

    def deactivate(self, request: Request) -> dict[str, Any]:
        def change(listing: Listing, platforms: list[str], now: float) -> Refused | None:
            if listing.status == DELETED:
                return Refused(PRODUCT_MISSING, "The product does not exist")
            if TIKTOK_SHOP in platforms:
                listing.status = SELLER_DEACTIVATED
            if TOKOPEDIA in platforms and listing.tokopedia_status is not None:
                listing.tokopedia_status = SELLER_DEACTIVATED
            return None

        return self._batch(request, change)

    def activate(self, request: Request) -> dict[str, Any]:
        def change(listing: Listing, platforms: list[str], now: float) -> Refused | None:
            if listing.status == DELETED:
                return Refused(PRODUCT_MISSING, "The product does not exist")
            if TOKOPEDIA in platforms:
                if not self.config.tiktok_tokopedia_linked:
                    return Refused(*NOT_TOKO_SELLER)
                leaf = tx.LEAVES.get(listing.category_id)
                if leaf is None or not leaf.on_tokopedia:
                    return Refused(*NOT_ON_TOKOPEDIA)
            woken = False
            if TIKTOK_SHOP in platforms and listing.status in (SELLER_DEACTIVATED, DRAFT):
                listing.status, woken = PENDING, True
            if TOKOPEDIA in platforms and listing.tokopedia_status in (None, SELLER_DEACTIVATED, DRAFT):
                listing.tokopedia_status, woken = PENDING, True
                if TOKOPEDIA not in listing.listing_platforms:
                    listing.listing_platforms = [*listing.listing_platforms, TOKOPEDIA]
            if woken:  # activation goes back through audit
                self._start_audit(listing, now)
            return None

        return self._batch(request, change)

    def recover(self, request: Request) -> dict[str, Any]:
        def change(listing: Listing, platforms: list[str], now: float) -> Refused | None:
            if listing.status != DELETED:
                return None
            listing.status = SELLER_DEACTIVATED
            if listing.tokopedia_status is not None:
                listing.tokopedia_status = SELLER_DEACTIVATED
            return None

        return self._batch(request, change)

    # -- reading ------------------------------------------------------------------------------------
    @staticmethod
    def _audit_status(listing: Listing) -> str:
        if listing.status == PENDING:
            return "AUDITING"
        if listing.status == FAILED:
            return "FAILED"
        return "NONE" if listing.status == DRAFT else "APPROVED"

    @staticmethod
    def _price_view(sku: Sku) -> dict[str, str]:
        # `amount` as sent on create, plus the names Get Product and Search use for the same number.
        return {"amount": sku.price, "currency": sku.currency, "sale_price": sku.price,
                "tax_exclusive_price": sku.price}

    def _platform_statuses(self, listing: Listing) -> list[dict[str, str]] | None:
        if listing.tokopedia_status is None:
            return None
        return [{"platform": TOKOPEDIA, "status": listing.tokopedia_status}]

    def product_view(self, listing: Listing, base_url: str = "") -> dict[str, Any]:
        images = self.state.images(listing.main_images + [
            a["sku_img"]["uri"] for s in listing.skus for a in s.sales_attributes if "sku_img" in a])

        def url(uri: str) -> str:
            return f"{base_url}/tiktok/img/{uri}"

        chains = [{"id": node.id, "parent_id": node.parent_id, "local_name": node.name, "is_leaf": tx.is_leaf(node.id)}
                  for node in tx.chain(listing.category_id)]
        extra = dict(listing.extra)
        certifications = extra.pop("certifications", None)
        size_chart = extra.pop("size_chart", None)
        delivery = extra.pop("delivery_option_ids", None)
        view: dict[str, Any] = {
            "id": listing.product_id,
            "title": listing.title,
            "description": listing.description,
            "status": listing.status,
            "audit": {"status": self._audit_status(listing)},
            "audit_failed_reasons": (listing.audit_failed_reasons
                                     if FAILED in (listing.status, listing.tokopedia_status) else []),
            "category_chains": chains,
            "main_images": [{
                "uri": uri, "urls": [url(uri)], "thumb_urls": [url(uri)],
                "width": images[uri].width if uri in images else 0,
                "height": images[uri].height if uri in images else 0,
            } for uri in listing.main_images],
            "skus": [{
                "id": s.id,
                "seller_sku": s.seller_sku,
                "price": self._price_view(s),
                "inventory": [dict(row) for row in s.inventory],
                "sales_attributes": [
                    {**a, "sku_img": {"uri": a["sku_img"]["uri"], "urls": [url(a["sku_img"]["uri"])]}}
                    if "sku_img" in a else dict(a) for a in s.sales_attributes],
                "external_sku_id": s.external_sku_id,
                "status_info": {"status": "NORMAL"},
            } for s in listing.skus],
            "package_weight": listing.package_weight,
            "product_attributes": listing.product_attributes,
            "listing_platforms": listing.listing_platforms,
            "has_draft": False,
            "create_time": listing.create_time,
            "update_time": listing.update_time,
            **extra,
        }
        # Get Product's shapes (get-product.doc.json): certifications carry `title`, images and file URLs;
        # the size chart its image with URLs; custom delivery options {id, name, is_available}.
        if certifications:
            view["certifications"] = [{
                "id": cert["id"],
                "title": next((c.name for leaf in tx.LEAVES.values() for c in leaf.certifications
                               if c.id == cert["id"]), ""),
                "images": [self._image_view(i["uri"], url) for i in cert["images"]],
                "files": [{**f, "urls": [f"{base_url}/tiktok/files/{f['id']}"]} for f in cert["files"]],
                **({"expiration_date": cert["expiration_date"]} if "expiration_date" in cert else {}),
            } for cert in certifications]
        if size_chart:
            view["size_chart"] = {"image": self._image_view(size_chart["image"]["uri"], url)}
        if delivery:
            view["delivery_options"] = [{"id": d, "name": DELIVERY_OPTIONS[d], "is_available": True} for d in delivery]
        if listing.brand_id is not None:
            view["brand"] = {"id": listing.brand_id, "name": self.state.brand_name(listing.brand_id) or ""}
        if listing.package_dimensions is not None:
            view["package_dimensions"] = listing.package_dimensions
        statuses = self._platform_statuses(listing)
        if statuses is not None:
            view["integrated_platform_statuses"] = statuses
        return view

    def _image_view(self, uri: str, url: Callable[[str], str]) -> dict[str, Any]:
        record = self.state.images([uri]).get(uri)
        return {"uri": uri, "urls": [url(uri)], "thumb_urls": [url(uri)],
                "width": record.width if record else 0, "height": record.height if record else 0}

    def get_product(self, request: Request) -> dict[str, Any]:
        product_id = request.path.removeprefix("/product/202309/products/")
        if not product_id.isdigit():
            raise Refused(36009009, "Invalid path. The specified path does not match any available endpoint", 404)
        shop_id = self._shop(request)
        with self.state.transaction():
            self.state.settle(self.now)
            listing = self._owned(product_id, shop_id)
        return self.product_view(listing, self._base_url(request))

    def search(self, request: Request) -> dict[str, Any]:
        shop_id = self._shop(request)
        size = self._page_size(request)
        body = self._body(request)
        token = request.query.get("page_token", "")
        after = None
        if token:
            after = self._read_token(token).get("after")
            if not isinstance(after, str) or not after.isdigit():
                raise Refused(PARAM_ERROR, "Invalid 'page_token'.", 400)
        status = body.get("status") or "ALL"
        if status not in SEARCH_STATUSES:
            raise invalid("status", f"unknown status {status!r}", ", ".join(SEARCH_STATUSES))
        where = SearchFilter(
            statuses=None if status == "ALL" else [status],
            seller_skus=self._strings(body, "seller_skus", None),
            sku_ids=self._strings(body, "sku_ids", self.rules.number("search", "max_sku_ids")),
            platforms=self._platforms(body),
            create_time_ge=self._timestamp(body, "create_time_ge"),
            create_time_le=self._timestamp(body, "create_time_le"),
            update_time_ge=self._timestamp(body, "update_time_ge"),
            update_time_le=self._timestamp(body, "update_time_le"),
        )
        for low, high in (("create_time_ge", "create_time_le"), ("update_time_ge", "update_time_le")):
            if body.get(low) is not None and body.get(high) is not None and body[low] > body[high]:
                raise invalid(low, f"{low} is after {high}", f"at most {high}")
        with self.state.transaction():
            self.state.settle(self.now)
            page, total = self.state.search(shop_id, where, after=after, limit=size + 1)
        more = len(page) > size
        page = page[:size]
        products = []
        for listing in page:
            item: dict[str, Any] = {
                "id": listing.product_id, "title": listing.title, "status": listing.status,
                "audit": {"status": self._audit_status(listing)},
                "create_time": listing.create_time, "update_time": listing.update_time, "has_draft": False,
                "is_not_for_sale": bool(listing.extra.get("is_not_for_sale", False)), "sales_regions": ["ID"],
                "listing_platforms": listing.listing_platforms, "product_sync_fail_reasons": [],
                "skus": [{"id": s.id, "seller_sku": s.seller_sku, "price": self._price_view(s),
                          "inventory": [dict(row) for row in s.inventory], "status_info": {"status": "NORMAL"}}
                         for s in listing.skus],
            }
            statuses = self._platform_statuses(listing)
            if statuses is not None:
                item["integrated_platform_statuses"] = statuses
            products.append(item)
        return {"products": products, "total_count": total,
                "next_page_token": self._token({"after": page[-1].product_id}) if more else ""}

    @staticmethod
    def _timestamp(body: Mapping[str, Any], name: str) -> int | None:
        """`create_time_ge/le`, `update_time_ge/le`: type `int`, "Unix timestamp" (lazykern/ecommerce-api-docs,
        data/raw/tiktok/api-reference/products/search-products.spec.json, request_body_param); a string, a
        fraction or a negative number is refused rather than ignored. The documentation names no error for a
        range whose start is after its end; the sandbox refuses it (the stricter reading)."""
        value = body.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise invalid(name, f"{value!r} is not a Unix timestamp", "a whole number of seconds")
        return value

    @staticmethod
    def _strings(body: Mapping[str, Any], name: str, limit: int | None) -> list[str] | None:
        value = body.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(name, "it must be a list of strings", "a list of strings")
        if limit is not None and len(value) > limit:
            raise invalid(name, f"{len(value)} values were given", f"at most {limit}")
        return value

    # -- seller centre ------------------------------------------------------------------------------
    def _view_by_id(self, product_id: str) -> dict[str, Any] | None:
        with self.state.transaction():
            self.state.settle(self.now)
            listing = self.state.get(product_id)
        return None if listing is None else self.product_view(listing)

    def seller_page(self, request: Request) -> Response:
        tail = request.path.removeprefix("/sandbox/tiktok/products/")
        as_json = tail.endswith(".json")
        view = self._view_by_id(tail.removesuffix(".json"))
        if view is None:
            if as_json:
                return Response.json({"error": "not_found", "message": "The product does not exist"}, 404)
            return Response.html("<h1>Produk tidak ditemukan</h1>", 404)
        if as_json:
            return Response.json(view)
        e = html.escape
        tokopedia = next((s["status"] for s in view.get("integrated_platform_statuses", [])), "not listed")
        images = "".join(f'<img src="{e(i["urls"][0])}" width="120" height="120" alt="{e(i["uri"])}">'
                         for i in view["main_images"])
        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                e(s["seller_sku"]),
                e(", ".join(f"{a['name']}: {a['value_name']}" for a in s["sales_attributes"]) or "-"),
                e(_rupiah(s["price"]["amount"])),
                sum(int(row["quantity"]) for row in s["inventory"]),
            )
            for s in view["skus"])
        reasons = "".join(f"<li>{e(r['listing_platform'])}: {e('; '.join(r['reasons']))}</li>"
                          for r in view["audit_failed_reasons"])
        return Response.html(
            f"<!doctype html><meta charset=utf-8><title>{e(view['title'])} - TikTok Shop Seller Center (sandbox)"
            f"</title><h1>{e(view['title'])}</h1>"
            f"<p>Product ID <code>{e(view['id'])}</code> &middot; Status <b class=status>{e(view['status'])}</b>"
            f" &middot; Tokopedia <b class=tokopedia>{e(tokopedia)}</b></p>"
            f"<div class=images>{images}</div>"
            f"<table border=1><tr><th>Seller SKU</th><th>Variant</th><th>Price</th><th>Stock</th></tr>{rows}</table>"
            + (f"<h2>Audit failed</h2><ul>{reasons}</ul>" if reasons else "")
            + f"<h2>Description</h2><div class=description>{view['description']}</div>"
            + f'<p><a href="/sandbox/tiktok/products/{e(view["id"])}.json">JSON</a></p>'
        )

    # -- seeding and control ------------------------------------------------------------------------
    def seed_from_catalog(self, products: Iterable[Product], shop_id: str) -> int:
        """The seller's existing TikTok listings (catalog products from TikTok), live on TikTok and Tokopedia.

        Idempotent: a catalog product already seeded for the shop is skipped. Returns how many were created.
        """
        now = self.now
        with self.state.transaction():
            seeded = self.state.seed_keys(shop_id)
            todo = [p for p in products if p.origin == Platform.TIKTOK and p.id not in seeded]
            if not todo:
                return 0
            ids = iter(self.state.new_ids(sum(1 + max(1, len(p.variants)) for p in todo)))
            images: dict[str, ImageRecord] = {}
            brands: dict[str, str] = {}
            attributes: dict[str, str] = {}
            values: dict[str, tuple[str, str, str]] = {}
            listings: list[Listing] = []
            start = int(now) - 30 * 86_400  # listed before SyncStore came along
            for n, p in enumerate(todo):
                for url in p.images:
                    images.setdefault(catalog_image_uri(url), ImageRecord(
                        catalog_image_uri(url), IMAGE_SIZE, IMAGE_SIZE, "PNG", "MAIN_IMAGE", None, url))
                brand = None
                if p.brand and p.brand != NO_BRAND:
                    brand = brand_id_of(p.brand)
                    brands.setdefault(brand, p.brand)
                product_id = next(ids)
                skus: list[Sku] = []
                for variant in p.variants or (None,):
                    attrs: list[dict[str, Any]] = []
                    if variant is None:
                        seller_sku, price, stock = p.sku, p.price, p.stock
                    else:
                        seller_sku, price, stock = variant.sku, variant.price, variant.stock
                        for depth, (tier, option) in enumerate(zip(p.tiers, variant.options, strict=False)):
                            aid = attribute_id(tier.name)
                            vid = attribute_value_id(aid, option)
                            attributes.setdefault(aid, tier.name)
                            values.setdefault(vid, (vid, aid, option))
                            attr: dict[str, Any] = {"id": aid, "name": tier.name, "value_id": vid,
                                                    "value_name": option}
                            if depth == 0 and variant.image:
                                uri = catalog_image_uri(variant.image)
                                images.setdefault(uri, ImageRecord(uri, IMAGE_SIZE, IMAGE_SIZE, "PNG",
                                                                   "ATTRIBUTE_IMAGE", None, variant.image))
                                attr["sku_img"] = {"uri": uri}
                            attrs.append(attr)
                    # A missing catalog price is kept visible as "0" rather than invented.
                    skus.append(Sku(next(ids), seller_sku, attrs, str(price or 0), "IDR",
                                    [{"warehouse_id": WAREHOUSE_ID, "quantity": stock}]))
                leaf = tx.LEAVES[tx.SEED_LEAF[p.category]]
                on_tokopedia = leaf.on_tokopedia and self.config.tiktok_tokopedia_linked
                extra, documents = _seeded_documents(p, leaf)
                for uri, use_case in documents:
                    images.setdefault(uri, ImageRecord(uri, IMAGE_SIZE, IMAGE_SIZE, "PNG", use_case, None,
                                                       f"/images/{uri.rsplit('/', 1)[-1]}/1.png"))
                listings.append(Listing(
                    product_id=product_id, shop_id=shop_id, title=p.title, description=_html_description(p.description),
                    category_id=leaf.category_id, brand_id=brand,
                    main_images=[catalog_image_uri(u) for u in p.images],
                    package_weight={"value": format(Decimal(p.weight_g) / 1000, "f"), "unit": "KILOGRAM"},
                    package_dimensions={"length": str(p.length_cm), "width": str(p.width_cm),
                                        "height": str(p.height_cm), "unit": "CENTIMETER"},
                    product_attributes=_seeded_attributes(p, leaf),
                    listing_platforms=[TIKTOK_SHOP, TOKOPEDIA] if on_tokopedia else [TIKTOK_SHOP], status=ACTIVATE,
                    tokopedia_status=ACTIVATE if on_tokopedia else None, audit_due_at=None, audit_outcome=None,
                    audit_failed_reasons=[], extra=extra, create_time=start + n * 60, update_time=start + n * 60,
                    skus=skus, seed_key=p.id, counts_toward_limit=False,
                ))
            self.state.put_images(images.values(), now)
            self.state.put_brands(brands.items())
            self.state.put_attributes(attributes.items(), values.values())
            self.state.save_many(listings)
        return len(listings)

    def edit_listing(self, product_id: str, *, price: int | None = None, stock: int | None = None,
                     title: str | None = None, description: str | None = None, seller_sku: str | None = None,
                     status: str | None = None, sku_id: str | None = None) -> dict[str, Any]:
        """The seller editing in Seller Center behind SyncStore's back: no validation, no audit.

        Price, stock and seller_sku apply to every SKU, or only to `sku_id`. Raises KeyError for an unknown product.
        """
        now = self.now
        with self.state.transaction():
            self.state.settle(now)
            listing = self.state.get(product_id)
            if listing is None:
                raise KeyError(product_id)
            if title is not None:
                listing.title = title
            if description is not None:
                listing.description = description
            if status is not None:
                listing.status = status
            for sku in listing.skus:
                if sku_id is not None and sku.id != sku_id:
                    continue
                if price is not None:
                    sku.price = str(price)
                if stock is not None:
                    sku.inventory = [{"warehouse_id": WAREHOUSE_ID, "quantity": stock}]
                if seller_sku is not None:
                    sku.seller_sku = seller_sku
            listing.update_time = int(now)
            self.state.save(listing)
        return self.product_view(listing)

    def audit(self, known_skus: Collection[str] | None = None, shop_id: str | None = None) -> dict[str, Any]:
        """Seller SKUs on more than one live product, and live SKUs whose seller SKU is not in `known_skus`."""
        products_of: dict[str, set[str]] = {}
        unknown: list[dict[str, str]] = []
        for product_id, sku_id, seller_sku in self.state.live_skus(shop_id):
            if seller_sku:
                products_of.setdefault(seller_sku, set()).add(product_id)
            if known_skus is not None and seller_sku not in known_skus:
                unknown.append({"product_id": product_id, "sku_id": sku_id, "seller_sku": seller_sku})
        duplicates = {sku: sorted(ids) for sku, ids in sorted(products_of.items()) if len(ids) > 1}
        return {"duplicate_seller_skus": duplicates, "unknown_skus": unknown}


def _rupiah(amount: str) -> str:
    number = _decimal(amount)
    return f"Rp {int(number):,}".replace(",", ".") if number is not None else f"Rp {amount}"


def _html_description(text: str) -> str:
    # quote=False: TikTok refuses HTML escape characters in descriptions, and quotes need none inside <p>.
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=False).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _seeded_attributes(product: Product, leaf: tx.LeafSpec) -> list[dict[str, Any]]:
    """Values a seller would have filled in for the leaf's required attributes (and a battery's chemistry)."""
    title = product.title.casefold()
    lithium = product.category == "battery" or (product.category in ("drone", "whoop") and "lipo" in title)
    picks = {
        tx.DANGEROUS_GOODS.id: tx.LITHIUM_BATTERY if lithium else tx.NO_DANGEROUS_GOODS,
        tx.COUNTRY_OF_ORIGIN.id: tx.CHINA,
        tx.WARRANTY_REQUIRED.id: (tx.OFFICIAL_WARRANTY if "garansi resmi" in title
                                  else tx.SHOP_WARRANTY if "garansi" in title else tx.NO_WARRANTY),
        tx.BATTERY_CHEMISTRY.id: "1024402" if "lihv" in title or " hv " in f" {title} " else "1024401",
    }
    out: list[dict[str, Any]] = []
    for spec in leaf.attributes:
        wanted = spec.required or (spec.id == tx.BATTERY_CHEMISTRY.id and lithium)
        if wanted and spec.id in picks:
            vid = picks[spec.id]
            out.append({"id": spec.id, "name": spec.name, "values": [{"id": vid, "name": spec.value_name(vid) or ""}]})
    return out


def _seeded_documents(product: Product, leaf: tx.LeafSpec) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Certifications, a size chart and delivery options on some existing listings, so a client that drops
    them on Edit Product (a full overwrite) visibly loses them. Returns the extra fields and the image uris
    (with their use case) they need."""
    extra: dict[str, Any] = {}
    documents: list[tuple[str, str]] = []
    key = hashlib.sha256(product.id.encode()).hexdigest()[:24]
    if leaf.certifications:
        cert = leaf.certifications[0]
        uri = f"{IMAGE_URI_PREFIX}cert-{key}"
        documents.append((uri, "CERTIFICATION_IMAGE"))
        seeded: dict[str, Any] = {"id": cert.id, "images": [{"uri": uri}],
                                  "files": [{"id": f"v09ea0g4sbx{key}", "name": f"{cert.id}.PDF", "format": "PDF"}]}
        if cert.expiration_required:
            seeded["expiration_date"] = 1_956_528_000  # 2032-01-01
        extra["certifications"] = [seeded]
    if leaf.size_chart_supported:
        uri = f"{IMAGE_URI_PREFIX}size-{key}"
        documents.append((uri, "SIZE_CHART_IMAGE"))
        extra["size_chart"] = {"image": {"uri": uri}}
    if product.category == "battery":
        extra["delivery_option_ids"] = [LAND_DELIVERY]
    return extra, documents
