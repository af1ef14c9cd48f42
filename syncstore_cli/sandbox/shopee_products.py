"""Shopee's product module as the sandbox serves it: media upload, catalog look-ups, items and models.

Field names, shapes and error codes follow shared/marketplaces/shopee.md §4–§6 (the official
doc JSON). Limits are data: they come from `limits/shopee_limits.json`, shaped like
`get_item_limit`'s response, which the sandbox also serves, so a client that reads its limits
from the marketplace sees the same numbers the sandbox enforces. Product-module errors carry
the `product.` prefix the live API uses; clients are expected to match on the suffix.

Nothing here imports the client's code: the point of the sandbox is to read the documents on
its own, so a misreading shared with the client cannot pass unnoticed.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox import taxonomy_shopee as tx
from syncstore_cli.sandbox.images import image_header
from syncstore_cli.sandbox.listings_shopee import (
    ITEM_STATUSES,
    NORMAL,
    SELLER_DELETE,
    UNLIST,
    ImageRecord,
    ItemRecord,
    ModelRecord,
    ShopeeListings,
    Tier,
    TierOption,
)
from syncstore_cli.sandbox.shopee import error, ok
from syncstore_cli.sandbox.web import Request, Response, Router, request_id

Handler = Callable[[Request], Response]
Guard = Callable[[Handler], Handler]

LIMITS_FILE: Final = Path(__file__).parent / "limits" / "shopee_limits.json"
DEFAULT_DAILY_LISTING_LIMIT: Final = 1_000_000
MAX_IMAGE_BYTES: Final = 10 * 1024 * 1024
MIN_IMAGE_SIDE: Final = 500
MAX_UPLOAD_IMAGES: Final = 9
MAX_BATCH: Final = 50
MAX_PAGE_SIZE: Final = 100
MAX_BASE_INFO_IDS: Final = 50
MAX_ATTRIBUTE_TREE_CATEGORIES: Final = 20
MAX_MODEL_SKU: Final = 100
MAX_HASHTAGS: Final = 18
LOCATION_ID: Final = "IDZ"
CURRENCY: Final = "IDR"
SEED_AGE_SECONDS: Final = 30 * 86_400
UTC8: Final = 8 * 3600


# --------------------------------------------------------------------------------------------
# Limits


@dataclass(frozen=True)
class ShopeeLimits:
    raw: dict[str, Any]
    price: tuple[float, float]
    stock: tuple[int, int]
    name: tuple[int, int]
    images: tuple[int, int]
    description: tuple[int, int]
    tier_name: tuple[int, int]
    tier_option: tuple[int, int]
    item_count: int
    weight: tuple[float, float]
    days_to_ship: tuple[int, int]
    non_pre_order_days_to_ship: int
    max_tiers: int
    max_options: int
    max_models: int

    @classmethod
    def load(cls, path: Path = LIMITS_FILE) -> ShopeeLimits:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ShopeeLimits:
        def pair(key: str) -> tuple[int, int]:
            return int(raw[key]["min_limit"]), int(raw[key]["max_limit"])

        dts = raw["dts_limit"]
        tiers = raw["tier_variation_limit"]
        return cls(
            raw=raw,
            price=(float(raw["price_limit"]["min_limit"]), float(raw["price_limit"]["max_limit"])),
            stock=pair("stock_limit"),
            name=pair("item_name_length_limit"),
            images=pair("item_image_count_limit"),
            description=pair("item_description_length_limit"),
            tier_name=pair("tier_variation_name_length_limit"),
            tier_option=pair("tier_variation_option_length_limit"),
            item_count=int(raw["item_count_limit"]["max_limit"]),
            weight=(float(raw["weight_limit"]["min_limit"]), float(raw["weight_limit"]["max_limit"])),
            days_to_ship=(int(dts["days_to_ship_limit"]["min_limit"]), int(dts["days_to_ship_limit"]["max_limit"])),
            non_pre_order_days_to_ship=int(dts["non_pre_order_days_to_ship"]),
            max_tiers=int(tiers["max_tier_count"]),
            max_options=int(tiers["max_option_count"]),
            max_models=int(tiers["max_model_count"]),
        )


# --------------------------------------------------------------------------------------------
# Logistics channels. fee_type decides what a logistic_info entry needs: SIZE_SELECTION a size_id
# from the channel's size_list, CUSTOM_PRICE a shipping_fee (congminh1254/shopee-sdk,
# schemas/v2.logistics.get_channel_list.json `fee_type`, `size_list`; schemas/v2.product.add_item.json
# logistic_info `size_id`, `shipping_fee`). Ids and names are modelled on Shopee Indonesia's couriers.

SIZE_INPUT: Final = "SIZE_INPUT"
SIZE_SELECTION: Final = "SIZE_SELECTION"
CUSTOM_PRICE: Final = "CUSTOM_PRICE"
FIXED_DEFAULT_PRICE: Final = "FIXED_DEFAULT_PRICE"


@dataclass(frozen=True)
class _Size:
    size_id: str  # a string in get_channel_list, an int32 in add_item's logistic_info
    name: str
    default_price: float


@dataclass(frozen=True)
class _Channel:
    channel_id: int
    name: str
    enabled: bool
    cod: bool
    max_weight: float  # kg
    fee_type: str = SIZE_INPUT
    sizes: tuple[_Size, ...] = ()
    seller_logistics: bool = False


CHANNELS: Final[tuple[_Channel, ...]] = (
    _Channel(8003, "J&T Express", True, True, 50.0),
    _Channel(8005, "SiCepat REG", True, True, 50.0),
    _Channel(8002, "JNE Reguler", False, True, 50.0),  # not enabled by this shop: refused in logistic_info
    _Channel(8010, "Instant (Tarif Tetap)", True, False, 20.0, FIXED_DEFAULT_PRICE),
    _Channel(8020, "Kargo Ukuran Paket", True, False, 150.0, SIZE_SELECTION, (
        _Size("1", "Kecil (maks. 30 x 20 x 10 cm)", 15_000.0),
        _Size("2", "Sedang (maks. 50 x 40 x 30 cm)", 35_000.0),
        _Size("3", "Besar (maks. 100 x 60 x 60 cm)", 90_000.0),
    )),
    _Channel(8030, "Kurir Toko", True, True, 30.0, CUSTOM_PRICE, seller_logistics=True),
)
_CHANNELS_BY_ID: Final = {ch.channel_id: ch for ch in CHANNELS}
SEED_CHANNEL: Final = 8003


def brand_id_for(name: str) -> int:
    """A stable id per brand name, so a restart or a re-seed gives every brand the same id; 0 is No Brand."""
    if name.strip().lower() in ("", "no brand"):
        return 0
    digest = hashlib.blake2b(name.strip().lower().encode(), digest_size=8).digest()
    return 1_000_000 + int.from_bytes(digest, "big") % 8_000_000


@cache
def _catalog_brands() -> tuple[str, ...]:
    # Every brand the seller's catalog can carry, so a product first listed on TikTok Shop can
    # still name its brand here; generated once per process (about a quarter of a second).
    from syncstore_cli.sandbox.generator import generate_catalog

    return tuple(sorted({p.brand for p in generate_catalog().products if brand_id_for(p.brand) != 0}))


# --------------------------------------------------------------------------------------------
# Images and multipart


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(content type, width, height) from a PNG IHDR or a JPEG SOF header; None if neither."""
    header = image_header(data)
    if header is None:
        return None
    kind, width, height = header
    return f"image/{kind.lower()}", width, height


def image_id_for_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def image_id_for_url(url: str) -> str:
    return hashlib.blake2b(url.encode(), digest_size=16, person=b"shopee-url").hexdigest()


_UPLOAD_CONTENT_TYPES: Final = frozenset({"image/jpeg", "image/jpg", "image/png"})


def multipart_files(request: Request, names: Collection[str]) -> list[bytes] | None:
    """The parts of a multipart/form-data body named one of `names`; None if the body is not multipart."""
    parts = multipart_parts(request, names)
    return None if parts is None else [content for content, _ in parts]


def multipart_parts(request: Request, names: Collection[str]) -> list[tuple[bytes, str]] | None:
    """(content, declared content type or "") of each part named one of `names`; None if not multipart."""
    match = re.search(r'boundary=(?:"([^"]+)"|([^;\s]+))', request.content_type, re.IGNORECASE)
    if not request.content_type.lower().startswith("multipart/form-data") or match is None:
        return None
    boundary = b"--" + (match.group(1) or match.group(2)).encode()
    files: list[tuple[bytes, str]] = []
    for part in request.body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, separator, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            continue
        lines = head.decode("utf-8", "replace").split("\r\n")
        disposition = next((line for line in lines if line.lower().startswith("content-disposition:")), "")
        declared = next((line.split(":", 1)[1].strip() for line in lines
                         if line.lower().startswith("content-type:")), "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        if name is not None and name.group(1).removesuffix("[]") in names:
            files.append((content.removesuffix(b"\r\n"), declared))
    return files


# --------------------------------------------------------------------------------------------
# Errors and coercion


class ProductError(Exception):
    def __init__(self, code: str, message: str, module: str = "product") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.module = module


def _detail(text: str) -> ProductError:
    return ProductError("error_param", f"Wrong parameters, detail: {text}.")


def _not_found() -> ProductError:
    return ProductError("error_item_not_found", "Item_id is not found.")


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _detail(f"{name} should be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise _detail(f"{name} should be an integer")


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _as_list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise _detail(f"{name} should be a list")
    return value


def _as_dict(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _detail(f"{name} should be an object")
    return value


def _as_str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise _detail(f"{name} should be a string")
    return value


def _required(body: Mapping[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise _detail(f"{name} is required")
    return body[name]


# Emoji and pictographs (the emoji blocks, dingbats, misc symbols, joiners and selectors), HTML
# entities or tags, and control characters: Shopee's title filter refuses them.
_PICTOGRAPH: Final = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3]")
_HTML: Final = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);|</?[a-z][^>]*>", re.IGNORECASE)
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\ufeff]")
_HASHTAG: Final = re.compile(r"#\w+")


def _query_values(request: Request, name: str) -> list[str]:
    """All values of a GET array parameter, sent as repeated keys or comma-joined (shopee.md §5)."""
    raw = getattr(request, "raw_query", None)  # repeated keys survive only in the raw query string
    if isinstance(raw, str) and raw:
        sent = [v for k, v in parse_qsl(raw, keep_blank_values=True) if k in (name, f"{name}[]")]
    else:
        sent = [request.query[name]] if name in request.query else []
    return [piece.strip() for value in sent for piece in value.strip("[]").split(",") if piece.strip()]


def _repeated_values(request: Request, name: str) -> list[str]:
    """Every value of a `string[]` query parameter, one per repeated key, exactly as sent (no splitting)."""
    if request.raw_query:
        return [v.strip() for k, v in parse_qsl(request.raw_query, keep_blank_values=True) if k == name]
    return [request.query[name].strip()] if name in request.query else []


def _query_int(request: Request, name: str, *, default: int | None = None) -> int:
    value = request.query.get(name, "")
    if value == "":
        if default is None:
            raise _detail(f"{name} is required")
        return default
    return _as_int(value, name)


def _half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


def _attribute_value(attribute: tx.Attribute, raw: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of attribute_value_list, checked against the attribute's input type; as it reads back."""
    value_id = _as_int(raw.get("value_id", 0), "value_id")
    name = raw.get("original_value_name")
    unit = raw.get("value_unit") or ""
    if not isinstance(unit, str):
        raise ProductError("error_invalid_attribute_value", "Invalid attribute value.")
    if value_id != 0:
        if attribute.input_type == tx.FREE_TEXT_FILED:
            raise ProductError("error_value_id_must_equal_zero", "Value_id must equal 0.")
        listed = attribute.value(value_id)
        if listed is None:
            raise ProductError("error_invalid_attribute_value", "Invalid attribute value.")
        return {"value_id": value_id, "original_value_name": listed.name, "value_unit": ""}
    if not isinstance(name, str) or not name.strip():
        raise ProductError("error_value_name_required", "Value_name is required.")
    if attribute.input_type not in tx.CUSTOM_VALUE_TYPES:
        raise ProductError("error_invalid_attribute_value", "Invalid attribute value.")
    if attribute.validation == tx.VALIDATOR_INT and not re.fullmatch(r"\d+", name.strip()):
        raise ProductError("error_invalid_attribute_value", "Invalid attribute value.")
    if attribute.format_type == tx.FORMAT_QUANTITATIVE_WITH_UNIT and unit not in attribute.units:
        raise ProductError("error_invalid_attribute_value", "Invalid attribute value.")
    return {"value_id": 0, "original_value_name": name.strip(), "value_unit": unit}


def _lacks_attributes(item: ItemRecord, *, required: bool) -> bool:
    given = {a["attribute_id"] for a in item.extra.get("attribute_list", []) if a.get("attribute_value_list")}
    return any(mandatory == required and attribute.attribute_id not in given
               for attribute, mandatory in tx.rules_for(item.category_id).attributes)


def _seed_attributes(product: Product, leaf: int) -> list[dict[str, Any]]:
    """The attributes an existing listing was created with: the product's own values where the category
    lists them (by name), else the seeding default for a mandatory attribute; as get_item_base_info reads."""
    own = {name.casefold(): text.strip().casefold() for name, text in product.attributes}
    out: list[dict[str, Any]] = []
    for attribute, mandatory in tx.rules_for(leaf).attributes:
        wanted = own.get(attribute.name.casefold())
        value = next((v for v in attribute.values if v.name.casefold() == wanted), None)
        if value is None and mandatory:
            value = attribute.value(tx.SEED_VALUES[attribute.attribute_id])
        if value is not None:
            out.append({"attribute_id": attribute.attribute_id, "original_attribute_name": attribute.name,
                        "is_mandatory": mandatory, "attribute_value_list": [
                            {"value_id": value.value_id, "original_value_name": value.name, "value_unit": ""}]})
    return out


def _attribute_request(item: ItemRecord) -> list[dict[str, Any]]:
    """An item's saved attributes as an attribute_list request, to check them against a new category."""
    return [{"attribute_id": a["attribute_id"], "attribute_value_list": a["attribute_value_list"]}
            for a in item.extra.get("attribute_list", [])]


NO_GTIN: Final = "00"  # "Item without GTIN" (add_item `gtin_code`)


def _valid_gtin(code: str) -> bool:
    """A GS1 GTIN-8, -12, -13 or -14: digits with the mod-10 check digit (add_item `gtin_code`: "8 to 14
    digits"; the lengths and the check digit are GS1's, the stricter reading)."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in code]
    total = sum(d * (3 if n % 2 == 0 else 1) for n, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


# --------------------------------------------------------------------------------------------
# Control-helper results


@dataclass(frozen=True)
class ShopeeAudit:
    duplicate_skus: dict[str, list[int]]  # SKU -> live item ids carrying it, where more than one does
    unknown_skus: list[tuple[int, int | None, str]]  # (item_id, model_id or None, sku) not in the known set


@dataclass(frozen=True)
class _ModelDraft:
    tier_index: tuple[int, ...]
    model_sku: str
    price: int
    stock: int


# --------------------------------------------------------------------------------------------


class ShopeeProducts:
    """The product, media-space and logistics look-up APIs of the sandbox's Shopee shops."""

    def __init__(
        self,
        config: c.SandboxConfig,
        state: ShopeeListings,
        shops: Mapping[str, str],
        *,
        limits: ShopeeLimits | None = None,
        daily_listing_limit: int = DEFAULT_DAILY_LISTING_LIMIT,
        module_prefix: bool = True,
    ) -> None:
        self.config = config
        self.state = state
        self.shops = shops
        self.limits = limits or ShopeeLimits.load()
        self.daily_listing_limit = daily_listing_limit
        self.module_prefix = module_prefix

    @property
    def now(self) -> int:
        return int(self.config.clock())

    def register(self, router: Router, guard: Guard, public_guard: Guard | None = None) -> None:
        """Mount the APIs behind `guard` (ShopeeSandbox.shop_api); `public_guard` (ShopeeSandbox.public)
        lets upload_image also take the Public sign it is documented with."""
        reads: dict[str, Callable[[Request], Response]] = {
            "/api/v2/product/get_category": self.get_category,
            "/api/v2/product/category_recommend": self.category_recommend,
            "/api/v2/product/get_attribute_tree": self.get_attribute_tree,
            "/api/v2/product/get_brand_list": self.get_brand_list,
            "/api/v2/product/get_item_limit": self.get_item_limit,
            "/api/v2/logistics/get_channel_list": self.get_channel_list,
            "/api/v2/product/get_item_list": self.get_item_list,
            "/api/v2/product/get_item_base_info": self.get_item_base_info,
            "/api/v2/product/get_model_list": self.get_model_list,
            "/api/v2/product/search_item": self.search_item,
        }
        writes: dict[str, Callable[[Request], Response]] = {
            "/api/v2/product/add_item": self.add_item,
            "/api/v2/product/update_item": self.update_item,
            "/api/v2/product/delete_item": self.delete_item,
            "/api/v2/product/unlist_item": self.unlist_item,
            "/api/v2/product/update_price": self.update_price,
            "/api/v2/product/update_stock": self.update_stock,
            "/api/v2/product/init_tier_variation": self.init_tier_variation,
            "/api/v2/product/update_tier_variation": self.update_tier_variation,
            "/api/v2/product/add_model": self.add_model,
            "/api/v2/product/update_model": self.update_model,
            "/api/v2/product/delete_model": self.delete_model,
        }
        for path, handler in reads.items():
            router.add("GET", path, guard(self._answer(handler)))
        for path, handler in writes.items():
            router.add("POST", path, guard(self._answer(handler, atomic=True)))

        upload = self._answer(self.upload_image)
        shop_signed = guard(upload)
        public_signed = public_guard(upload) if public_guard is not None else None

        def upload_route(request: Request) -> Response:
            # Documented as Public, but clients shop-sign it too and the live gateway takes both.
            if public_signed is not None and "access_token" not in request.query:
                return public_signed(request)
            return shop_signed(request)

        router.add("POST", "/api/v2/media_space/upload_image", upload_route)
        router.add_prefix("GET", "/shopee/file/", self.serve_file)
        router.add_prefix("GET", "/sandbox/shopee/items/", self.seller_page)

    def _answer(self, handler: Callable[[Request], Response], *, atomic: bool = False) -> Handler:
        def answered(request: Request) -> Response:
            try:
                if atomic:
                    with self.state.atomic():
                        return handler(request)
                return handler(request)
            except ProductError as exc:
                code = f"{exc.module}.{exc.code}" if exc.module and self.module_prefix else exc.code
                return error(code, exc.message)

        return answered

    # -- small helpers -------------------------------------------------------------------------
    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError as exc:
            raise _detail(f"the body is not valid JSON ({exc.__class__.__name__})") from None
        if not isinstance(body, dict):
            raise _detail("the body should be a JSON object")
        return body

    @staticmethod
    def _shop(request: Request) -> int:
        return int(request.query["shop_id"])

    @staticmethod
    def _host(request: Request) -> str:
        return request.headers.get("host") or "127.0.0.1"

    def _live_item(self, shop_id: int, item_id: int) -> ItemRecord:
        item = self.state.item(item_id)
        if item is None or item.shop_id != shop_id or item.item_status == SELLER_DELETE:
            raise _not_found()
        return item

    @staticmethod
    def _image_url(image_id: str, urls: Mapping[str, str | None], host: str) -> str:
        return urls.get(image_id) or f"http://{host}/shopee/file/{image_id}"

    def _rollup(self, item: ItemRecord, models: Sequence[ModelRecord], **changes: Any) -> ItemRecord:
        """Save an item with its shop-page price and total stock following its models."""
        if models:
            changes.setdefault("price", min(m.price for m in models))
            changes.setdefault("stock", sum(m.stock for m in models))
        updated = replace(item, update_time=self.now, **changes)
        self.state.save_item(updated)
        return updated

    # -- media space ---------------------------------------------------------------------------
    def upload_image(self, request: Request) -> Response:
        parts = multipart_parts(request, ("image", "file"))
        files = None if parts is None else [content for content, _ in parts]
        if files is None or parts is None:
            raise ProductError("error_param", "Wrong parameters, detail: send multipart/form-data with field image.",
                               module="")
        if not files:
            raise ProductError("error_param", "Wrong parameters, detail: image is required.", module="")
        if len(files) > MAX_UPLOAD_IMAGES:
            raise ProductError("error_param", "image number should be less than 9", module="")
        # "Image format accepted: JPG, JPEG, PNG" (congminh1254/shopee-sdk,
        # schemas/v2.media_space.upload_image.json, params.request_params `image`): a part must declare
        # one of these image types (marketplaces/README.md decision). The doc lists no error of its own
        # for this, so the documented generic `error_param` "Wrong parameters, detail: {msg}." answers it.
        for _, declared in parts:
            if declared.split(";", 1)[0].strip().lower() not in _UPLOAD_CONTENT_TYPES:
                raise ProductError("error_param", "Wrong parameters, detail: image content type should be "
                                   f"image/jpeg or image/png, not {declared or 'missing'}.", module="")
        host = self._host(request)
        results: list[dict[str, Any]] = []
        first_ok: dict[str, Any] | None = None
        first_error: tuple[str, str] | None = None
        for index, data in enumerate(files):
            problem, info = self._store_image(data, host)
            if problem is not None:
                first_error = first_error or ("error_param", problem)
                results.append({"id": index, "error": "error_param", "message": problem, "image_info": {}})
                continue
            first_ok = first_ok or info
            results.append({"id": index, "error": "", "message": "", "image_info": info})
        if first_ok is None and first_error is not None:
            raise ProductError(*first_error, module="")
        warning = "" if first_error is None else "some images failed, see image_info_list"
        return ok(response={"image_info": first_ok, "image_info_list": results}, warning=warning)

    def _store_image(self, data: bytes, host: str) -> tuple[str | None, dict[str, Any]]:
        if len(data) > MAX_IMAGE_BYTES:
            return "Wrong parameters, detail: image exceeds 10.0 MB.", {}
        size = image_size(data)
        if size is None:
            return "Wrong parameters, detail: image format should be JPG, JPEG or PNG.", {}
        content_type, width, height = size
        if width < MIN_IMAGE_SIDE or height < MIN_IMAGE_SIDE:
            return (f"Wrong parameters, detail: image is {width}x{height} px; "
                    f"at least {MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE} is required."), {}
        image_id = image_id_for_bytes(data)
        self.state.put_image(ImageRecord(image_id, data, None, content_type, width, height), self.config.clock())
        url = f"http://{host}/shopee/file/{image_id}"
        return None, {"image_id": image_id, "image_url_list": [{"image_url_region": "ID", "image_url": url}]}

    def serve_file(self, request: Request) -> Response:
        image = self.state.image(request.path.removeprefix("/shopee/file/"))
        if image is None:
            return Response(404, b"not found", {"content-type": "text/plain"})
        if image.data is None:
            return Response.redirect(image.url or "/")
        return Response(200, image.data, {"content-type": image.content_type or "application/octet-stream",
                                          "cache-control": "public, max-age=86400"})

    # -- the category tree ---------------------------------------------------------------------
    def _live_tree(self) -> dict[int, tx.CategoryNode]:
        return tx.live_nodes(self.state.removed_categories())

    def _live_leaf(self, category_id: int) -> bool:
        return category_id in tx.LEAF_IDS and category_id not in self.state.removed_categories()

    def remove_category(self, category_id: str) -> None:
        """Shopee retiring a leaf category: it leaves get_category, category_recommend and
        get_attribute_tree, and add_item / update_item refuse it. Kept in the shop state, so every
        sandbox served over the same state directory sees it."""
        leaf = int(category_id)
        if leaf not in tx.LEAF_IDS:
            raise ValueError(f"{category_id} is not a leaf of the sandbox's Shopee category tree")
        self.state.remove_category(leaf, self.config.clock())

    @staticmethod
    def _language(request: Request) -> str:
        # ID answers "en" (the default) and "id" (congminh1254/shopee-sdk, schemas/v2.product.get_category.json
        # and get_attribute_tree.json, request_params `language`); anything else is `error_invalid_language`.
        language = request.query.get("language", "") or "en"
        if language not in ("en", "id"):
            raise ProductError("error_invalid_language", "Invalid language.")
        return language

    # -- look-ups ------------------------------------------------------------------------------
    def get_category(self, request: Request) -> Response:
        language = self._language(request)
        live = self._live_tree()
        parents = {node.parent_id for node in live.values()}
        categories = [{
            "category_id": node.category_id, "parent_category_id": node.parent_id,
            "original_category_name": node.name,
            "display_category_name": node.name_id if language == "id" else node.name,
            "has_children": node.category_id in parents,
        } for node in live.values()]
        return ok(response={"category_list": categories})

    def category_recommend(self, request: Request) -> Response:
        # item_name required, product_cover_image optional: an image id from upload_image, "" ignored
        # (congminh1254/shopee-sdk, schemas/v2.product.category_recommend.json, request_params); the answer
        # is `response.category_id`, a list of ids (same file, response_params and response_sample).
        item_name = request.query.get("item_name", "")
        if not item_name.strip():
            raise _detail("item_name is required")
        cover = request.query.get("product_cover_image", "")
        if cover and not self.state.image_urls([cover]):
            raise ProductError("error_image_unavailable", "Image is unavailable")
        return ok(response={"category_id": tx.recommend(item_name, self._live_tree())})

    def get_attribute_tree(self, request: Request) -> Response:
        language = self._language(request)
        # The schema names the parameter category_id_list; the doc's own sample sends category_ids.
        ids = _query_values(request, "category_id_list") or _query_values(request, "category_ids")
        if not ids:
            raise _detail("category_id_list is required")
        if len(ids) > MAX_ATTRIBUTE_TREE_CATEGORIES:
            raise _detail(f"category_id_list should have at most {MAX_ATTRIBUTE_TREE_CATEGORIES} ids")
        category_ids = [_as_int(v, "category_id_list") for v in ids]
        # A non-leaf, unknown or retired id: the documented `error_invalid_category` "Invalid category ID
        # {{.error_info}}" (schemas/v2.product.get_attribute_tree.json, error_list). The per-entry
        # `warning` is the other documented way; the sandbox takes the stricter one.
        for category_id in category_ids:
            if not self._live_leaf(category_id):
                raise ProductError("error_invalid_category", f"Invalid category ID {category_id}")
        return ok(response={"list": [
            {"category_id": category_id, "warning": "",
             "attribute_tree": [self._attribute_json(attribute, mandatory, language)
                                for attribute, mandatory in tx.rules_for(category_id).attributes]}
            for category_id in category_ids]})

    @staticmethod
    def _attribute_json(attribute: tx.Attribute, mandatory: bool, language: str) -> dict[str, Any]:
        def named(indonesian: str, english: str) -> str:
            return indonesian if language == "id" else english

        return {
            "attribute_id": attribute.attribute_id, "mandatory": mandatory,
            "name": named(attribute.name, attribute.name_en),
            "multi_lang": [{"language": "id", "value": attribute.name}],
            "attribute_value_list": [{"value_id": v.value_id, "name": named(v.name, v.name_en), "value_unit": "",
                                      "child_attribute_list": [],
                                      "multi_lang": [{"language": "id", "value": v.name}]}
                                     for v in attribute.values],
            "attribute_info": {"input_type": attribute.input_type, "input_validation_type": attribute.validation,
                               "format_type": attribute.format_type, "date_format_type": 0,
                               "attribute_unit_list": list(attribute.units),
                               "max_value_count": attribute.max_value_count, "introduction": "", "is_oem": False,
                               "support_search_value": False},
        }

    def _brands(self) -> dict[int, str]:
        names = set(_catalog_brands()) | self.state.brand_names()
        return {brand_id_for(name): name for name in sorted(names) if brand_id_for(name) != 0}

    def get_brand_list(self, request: Request) -> Response:
        offset = _query_int(request, "offset")
        page_size = _query_int(request, "page_size")
        if not 1 <= page_size <= MAX_PAGE_SIZE or offset < 0:
            raise _detail(f"page_size should be between 1 and {MAX_PAGE_SIZE} and offset at least 0")
        category_id = self._check_category(request.query.get("category_id") or None)
        status = _query_int(request, "status")
        if status not in (1, 2):
            raise _detail("status should be 1 (normal) or 2 (pending)")
        brands = sorted(self._brands().items(), key=lambda kv: kv[1].lower()) if status == 1 else []
        page = brands[offset : offset + page_size]
        has_next = offset + len(page) < len(brands)
        # `is_mandatory` per category (congminh1254/shopee-sdk, schemas/v2.product.get_brand_list.json).
        return ok(response={
            "brand_list": [{"brand_id": bid, "original_brand_name": name, "display_brand_name": name}
                           for bid, name in page],
            "has_next_page": has_next, "next_offset": offset + len(page),
            "is_mandatory": tx.rules_for(category_id).brand_mandatory, "input_type": "DROP_DOWN",
        })

    def _gtin_rule(self, category_id: int | None) -> str:
        default = str(self.limits.raw.get("gtin_limit", {}).get("gtin_validation_rule", tx.GTIN_OPTIONAL))
        if category_id is None:
            return default
        return tx.rules_for(category_id).gtin_rule or default

    def get_item_limit(self, request: Request) -> Response:
        category_id: int | None = None
        if request.query.get("category_id"):
            category_id = _as_int(request.query["category_id"], "category_id")
            # get_item_limit documents no category error of its own: the generic `error_param`.
            if not self._live_leaf(category_id):
                raise _detail(f"category_id {category_id} is not a leaf category")
        limits = {k: v for k, v in self.limits.raw.items() if k != "gtin_limit"}
        # The schema puts gtin_limit beside `response`, not inside it (congminh1254/shopee-sdk,
        # schemas/v2.product.get_item_limit.json, response_params).
        return ok(response=limits, gtin_limit={"gtin_validation_rule": self._gtin_rule(category_id)})

    def get_channel_list(self, request: Request) -> Response:
        channels = [{
            "logistics_channel_id": ch.channel_id, "logistics_channel_name": ch.name, "cod_enabled": ch.cod,
            "enabled": ch.enabled, "fee_type": ch.fee_type,
            "size_list": [{"size_id": size.size_id, "name": size.name, "default_price": size.default_price}
                          for size in ch.sizes],
            "weight_limit": {"item_max_weight": ch.max_weight, "item_min_weight": 0.0},
            "item_max_dimension": {"height": 100, "width": 100, "length": 100, "unit": "cm", "dimension_sum": 300},
            "volume_limit": {"item_max_volume": 0, "item_min_volume": 0},
            "logistics_description": f"{ch.name} (sandbox)", "force_enable": False, "mask_channel_id": 0,
            "block_seller_cover_shipping_fee": False, "support_cross_border": False,
            "seller_logistic_has_configuration": ch.seller_logistics or None,
            "logistics_capability": {"seller_logistics": ch.seller_logistics},
            "preprint": False, "support_pause": False,
        } for ch in CHANNELS]
        # This API's documented answer has no `warning`.
        return Response.json({"request_id": request_id(), "error": "", "message": "",
                              "response": {"logistics_channel_list": channels}})

    # -- field checks shared by add_item and update_item ---------------------------------------
    def _check_name(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ProductError("error_item_name_empty", "Item name is empty.")
        lo, hi = self.limits.name
        if len(value) < lo:
            raise ProductError("error_item_name_is_too_short", "Item_name length is less than min limit.")
        if len(value) > hi:
            raise ProductError("error_title_exceeds_max_length", f"Item name length exceeds max limit {hi}.")
        for pattern, what in ((_PICTOGRAPH, "emoji"), (_HTML, "HTML entities or tags"),
                              (_CONTROL, "control characters")):
            if pattern.search(value):
                raise ProductError("error_title_character_forbidden", f"Item name contains forbidden {what}.")
        return value

    def _check_description(self, value: Any) -> str:
        if value is None:
            raise _detail("description is required")
        text = _as_str(value, "description")
        lo, hi = self.limits.description
        if len(text) < lo:
            raise ProductError("error_desc_length_min_limit", f"Description length is less than min limit {lo}.")
        if len(text) > hi:
            raise _detail(f"description length exceeds max limit {hi}")
        if len(_HASHTAG.findall(text)) > MAX_HASHTAGS:
            raise ProductError("error_desc_hash_tag_over_limit", "Count of hash tags is more than 18")
        return text

    def _check_images(self, value: Any) -> tuple[str, ...]:
        ids = [] if value is None else _as_dict(value, "image").get("image_id_list") or []
        ids = _as_list(ids, "image.image_id_list")
        lo, hi = self.limits.images
        if len(ids) < lo:
            raise ProductError("error_image_num_min", f"The number of images is less than {lo}.")
        if len(ids) > hi:
            raise _detail(f"image_id_list has more than {hi} images")
        if any(not isinstance(i, str) or len(i) < 32 for i in ids):
            raise ProductError("error_image_unavailable", "single image url length is less than 32")
        known = self.state.image_urls(ids)
        if any(i not in known for i in ids):
            raise ProductError("error_param", "Image not exist.")
        return tuple(ids)

    def _check_price(self, value: Any) -> int:
        number = _as_number(value)
        if number is None:
            raise ProductError("error_invalid_price", "Invalid price.")
        if not number.is_integer():
            raise ProductError("error_invalid_price", "Price for region ID should be an integer.")
        lo, hi = self.limits.price
        if number < lo:
            raise ProductError("error_price_exceed_min_limitt", f"Price should be greater than or equal to {lo:.0f}.")
        if number > hi:
            raise ProductError("error_price_exceed_max_limitt", f"Price should be less than or equal to {hi:.0f}.")
        return int(number)

    def _check_stock(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _detail("stock should be an integer")
        lo, hi = self.limits.stock
        if not lo <= value <= hi:
            raise _detail(f"stock should be between {lo} and {hi}")
        return value

    def _stock_from(self, entry: Mapping[str, Any], *, required: bool) -> int | None:
        """Stock from `seller_stock[]` (current) or `normal_stock` (clients from before 2022-10)."""
        if entry.get("seller_stock") is not None:
            rows = _as_list(entry["seller_stock"], "seller_stock")
            if not rows:
                raise _detail("seller_stock should not be empty")
            return sum(self._check_stock(_as_dict(r, "seller_stock").get("stock")) for r in rows)
        if entry.get("normal_stock") is not None:
            return self._check_stock(entry["normal_stock"])
        if required:
            raise _detail("seller_stock is required")
        return None

    def _check_weight(self, value: Any) -> float:
        number = _as_number(value)
        lo, hi = self.limits.weight
        if number is None or not lo <= number <= hi:
            raise ProductError("error_param", "Invalid Weight.")
        return number

    @staticmethod
    def _check_dimension(value: Any) -> tuple[int, int, int]:
        problem = _detail("dimension needs package_length, package_width and package_height as positive "
                          "integers (cm)")
        if not isinstance(value, dict):
            raise problem
        sides: list[int] = []
        for key in ("package_length", "package_width", "package_height"):
            side = value.get(key)
            if isinstance(side, bool) or not isinstance(side, int) or side <= 0:
                raise problem
            sides.append(side)
        return sides[0], sides[1], sides[2]

    def _check_category(self, value: Any) -> int:
        """A current leaf of the tree. Unknown, retired and non-leaf ids get the documented
        `error_invalid_category` "Invalid category ID {{.error_info}}"; an id that is not a number the
        documented "Invalid category." (congminh1254/shopee-sdk, schemas/v2.product.add_item.json, error_list)."""
        if value is None:
            raise ProductError("error_invalid_category", "Invalid category.")
        try:
            category_id = _as_int(value, "category_id")
        except ProductError:
            raise ProductError("error_invalid_category", "Invalid category.") from None
        if category_id in tx.NODES and category_id not in tx.LEAF_IDS:
            raise ProductError("error_invalid_category",
                               f"Invalid category ID {category_id}: it has sub-categories, use a leaf category")
        if not self._live_leaf(category_id):
            raise ProductError("error_invalid_category",
                               f"Invalid category ID {category_id}: not in the category tree")
        return category_id

    def _check_brand(self, value: Any, category_id: int) -> tuple[int, str]:
        """A brand of the list, or 0 "No Brand" where get_brand_list says the brand is not mandatory;
        where it is, no brand (or No Brand) is the documented `error_less_required_brand` "Brand information
        required" (congminh1254/shopee-sdk, schemas/v2.product.add_item.json, error_list)."""
        brand_id, name = self._parse_brand(value)
        if brand_id == 0 and tx.rules_for(category_id).brand_mandatory:
            raise ProductError("error_less_required_brand", "Brand information required")
        return brand_id, name

    def _parse_brand(self, value: Any) -> tuple[int, str]:
        if value is None:
            return 0, "No Brand"
        brand = _as_dict(value, "brand")
        if brand.get("brand_id") is None:
            raise ProductError("error_invalid_brand", "Brand ID required")
        brand_id = _as_int(brand["brand_id"], "brand.brand_id")
        if brand_id == 0:
            return 0, "No Brand"
        name = brand.get("original_brand_name")
        if not isinstance(name, str) or not name.strip():
            raise ProductError("error_invalid_brand", "Brand name required")
        known = self._brands()
        if brand_id not in known:
            raise ProductError("error_invalid_brand", "Invalid brand")
        return brand_id, known[brand_id]

    @staticmethod
    def _check_attributes(value: Any, category_id: int) -> list[dict[str, Any]]:
        """attribute_list against the category's attribute tree (congminh1254/shopee-sdk,
        schemas/v2.product.add_item.json, request_params `attribute_list` and error_list):
        - every mandatory attribute needs a value: `error_less_required_attribute` "Mandatory attribute
          information required" (Indonesia: "This field is optional(expect Indonesia)");
        - an attribute the category does not have: `error_invalid_category_attribute`;
        - value_id 0 with original_value_name only where custom values are allowed (TEXT_FILED, COMBO_BOX,
          MULTIPLE_SELECT_COMBO_BOX); free text takes value_id 0 only (`error_value_id_must_equal_zero`);
          a custom value needs its name (`error_value_name_required`); any other unusable value,
          `error_invalid_attribute_value` "Invalid attribute value."
        """
        rules = tx.rules_for(category_id)
        entries = [] if value is None else _as_list(value, "attribute_list")
        out: list[dict[str, Any]] = []
        seen: set[int] = set()
        for raw in entries:
            entry = _as_dict(raw, "attribute_list")
            attribute_id = _as_int(entry.get("attribute_id"), "attribute_id")
            found = rules.attribute(attribute_id)
            if found is None:
                raise ProductError("error_invalid_category_attribute", "Category and attribute not match.")
            if attribute_id in seen:
                raise ProductError("error_param", f"Invalid attribute. attribute {attribute_id} is given twice")
            seen.add(attribute_id)
            attribute, mandatory = found
            values = [_attribute_value(attribute, _as_dict(v, "attribute_value_list"))
                      for v in _as_list(entry.get("attribute_value_list") or [], "attribute_value_list")]
            if not values:
                continue  # an attribute without a value is not set; a mandatory one is caught below
            if len(values) > attribute.max_value_count or (
                    len(values) > 1 and attribute.input_type not in tx.MULTI_VALUE_TYPES):
                raise ProductError("error_invalid_attribute_value", "Invalid attribute value.")
            out.append({"attribute_id": attribute_id, "original_attribute_name": attribute.name,
                        "is_mandatory": mandatory, "attribute_value_list": values})
        given = {a["attribute_id"] for a in out}
        if any(a.attribute_id not in given for a in rules.mandatory):
            raise ProductError("error_less_required_attribute", "Mandatory attribute information required")
        return out

    @staticmethod
    def _check_logistics(value: Any, weight: float) -> list[dict[str, Any]]:
        """Documented `error_invalid_logistic_info` "invalid logistic info , {{.error_info}}"
        (congminh1254/shopee-sdk, schemas/v2.product.add_item.json, error_list)."""
        def refused(detail: str) -> ProductError:
            return ProductError("error_invalid_logistic_info", f"invalid logistic info , {detail}")

        if not isinstance(value, list) or not value:
            raise refused("logistic_info is required")
        out: list[dict[str, Any]] = []
        for raw in value:
            if not isinstance(raw, dict) or raw.get("logistic_id") is None or not isinstance(raw.get("enabled"), bool):
                raise refused("logistic_id and enabled are required")
            channel = _CHANNELS_BY_ID.get(_as_int(raw["logistic_id"], "logistic_id"))
            if channel is None:
                raise refused(f"logistic {raw['logistic_id']} does not exist")
            if raw["enabled"] and not channel.enabled:
                raise refused(f"logistic {channel.channel_id} is not enabled for this shop")
            if raw["enabled"] and weight > channel.max_weight:
                raise refused(f"item weight exceeds the limit of logistic {channel.channel_id}")
            entry: dict[str, Any] = {"logistic_id": channel.channel_id, "enabled": raw["enabled"],
                                     "is_free": bool(raw.get("is_free", False))}
            # "If specify logistic fee_type is SIZE_SELECTION size_id is required"; "shipping_fee: Only needed
            # when logistics fee_type = CUSTOM_PRICE" (add_item logistic_info). The doc does not exempt an
            # entry that disables the channel, so neither does the sandbox.
            if channel.fee_type == SIZE_SELECTION:
                size_id = raw.get("size_id")
                sizes = {size.size_id for size in channel.sizes}
                if size_id is None or isinstance(size_id, bool) or str(size_id) not in sizes:
                    raise refused(f"size_id is required for logistic {channel.channel_id} (fee_type SIZE_SELECTION)"
                                  f" and should be one of {', '.join(sorted(sizes))}")
                entry["size_id"] = int(str(size_id))
            if channel.fee_type == CUSTOM_PRICE:
                fee = _as_number(raw.get("shipping_fee"))
                if fee is None or fee < 0 or not fee.is_integer():
                    raise refused(f"shipping_fee is required for logistic {channel.channel_id} "
                                  "(fee_type CUSTOM_PRICE), a whole rupiah amount of at least 0")
                entry["shipping_fee"] = int(fee)
            out.append(entry)
        if not any(e["enabled"] for e in out):
            raise refused("at least one logistic channel must be enabled")
        return out

    @staticmethod
    def _check_gtin(value: Any, rule: str, *, required: bool) -> str | None:
        """gtin_code by get_item_limit's gtin_validation_rule (congminh1254/shopee-sdk,
        schemas/v2.product.get_item_limit.json and add_item.json `gtin_code`): Mandatory needs a valid GTIN,
        Flexible a valid GTIN or "00", Optional either or nothing. Missing: `product.error_busi` "The GTIN code
        is mandatory, please check and upload again."; malformed: `error_param_validate` (add_item error_list)."""
        if value is None:
            if required and rule in (tx.GTIN_MANDATORY, tx.GTIN_FLEXIBLE):
                raise ProductError("error_busi", "The GTIN code is mandatory, please check and upload again.")
            return None
        code = _as_str(value, "gtin_code")
        if code == NO_GTIN and rule != tx.GTIN_MANDATORY:
            return code
        if not _valid_gtin(code):
            raise ProductError("error_param_validate", "This is not a valid GTIN. Please, inform a valid number.")
        return code

    def _check_pre_order(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {"is_pre_order": False, "days_to_ship": self.limits.non_pre_order_days_to_ship}
        pre_order = _as_dict(value, "pre_order")
        if not isinstance(pre_order.get("is_pre_order"), bool):
            raise _detail("pre_order.is_pre_order is required")
        if not pre_order["is_pre_order"]:
            return {"is_pre_order": False, "days_to_ship": self.limits.non_pre_order_days_to_ship}
        days = _as_int(pre_order.get("days_to_ship"), "days_to_ship")
        lo, hi = self.limits.days_to_ship
        if not lo <= days <= hi:
            raise ProductError("error_invalid_days_to_ship", f"days_to_ship should be between {lo} and {hi}.")
        return {"is_pre_order": True, "days_to_ship": days}

    @staticmethod
    def _check_choice(value: Any, name: str, choices: Collection[str]) -> str:
        if value not in choices:
            raise _detail(f"{name} should be one of {', '.join(sorted(choices))}")
        return str(value)

    @staticmethod
    def _check_item_sku(value: Any) -> str:
        sku = _as_str(value, "item_sku")
        if len(sku) > MAX_MODEL_SKU:
            raise _detail(f"item_sku length should be at most {MAX_MODEL_SKU}")
        return sku

    # -- items ---------------------------------------------------------------------------------
    def add_item(self, request: Request) -> Response:
        body = self._body(request)
        shop_id = self._shop(request)
        name = self._check_name(body.get("item_name"))
        description = self._check_description(body.get("description"))
        images = self._check_images(body.get("image"))
        price = self._check_price(_required(body, "original_price"))
        weight = self._check_weight(body.get("weight"))
        dimension = None if body.get("dimension") is None else self._check_dimension(body["dimension"])
        category_id = self._check_category(body.get("category_id"))
        brand_id, brand_name = self._check_brand(body.get("brand"), category_id)
        attributes = self._check_attributes(body.get("attribute_list"), category_id)
        gtin = self._check_gtin(body.get("gtin_code"), self._gtin_rule(category_id), required=True)
        logistics = self._check_logistics(body.get("logistic_info"), weight)
        stock = self._stock_from(body, required=False) or 0
        extra = {
            "logistic_info": logistics, "attribute_list": attributes,
            "pre_order": self._check_pre_order(body.get("pre_order")),
            "condition": self._check_choice(body.get("condition", "NEW"), "condition", ("NEW", "USED")),
            "item_dangerous": _as_int(body.get("item_dangerous", 0), "item_dangerous"),
        }
        if gtin is not None:
            extra["gtin_code"] = gtin
        status = self._check_choice(body.get("item_status", NORMAL), "item_status", (NORMAL, UNLIST))
        item_sku = self._check_item_sku(body.get("item_sku", ""))
        self._check_shop_limits(shop_id)
        now = self.now
        item = ItemRecord(
            item_id=self.state.next_item_ids()[0], shop_id=shop_id, item_sku=item_sku, item_name=name,
            description=description, category_id=category_id, brand_id=brand_id, brand_name=brand_name,
            weight=weight, dimension=dimension, images=images, price=price, stock=stock, item_status=status,
            create_time=now, update_time=now, extra=extra,
        )
        self.state.insert_items([item])
        return ok(response=self._item_echo(item, self._host(request)))

    def _check_shop_limits(self, shop_id: int) -> None:
        if self.state.count_items(shop_id) >= self.limits.item_count:
            raise ProductError("error_reach_shop_item_limit",
                               f"The shop has reached its limit of {self.limits.item_count} items.")
        # Shopee counts the day in UTC+8, as it does for its daily API quota.
        day_start = (self.now + UTC8) // 86_400 * 86_400 - UTC8
        if self.state.count_items(shop_id, created_since=day_start, live_only=False) >= self.daily_listing_limit:
            raise ProductError("error_reach_shop_item_limit",
                               f"The shop has reached its daily listing limit of {self.daily_listing_limit} new "
                               "items; try again after 00:00 (UTC+08:00).")

    def _item_echo(self, item: ItemRecord, host: str) -> dict[str, Any]:
        """add_item / update_item's answer: the item as stored."""
        urls = self.state.image_urls(item.images)
        echo: dict[str, Any] = {
            "item_id": item.item_id, "item_name": item.item_name, "description": item.description,
            "item_status": item.item_status, "category_id": item.category_id, "item_sku": item.item_sku,
            "price_info": {"original_price": item.price, "current_price": item.price},
            "images": {"image_id_list": list(item.images),
                       "image_url_list": [self._image_url(i, urls, host) for i in item.images]},
            "weight": item.weight, "logistic_info": item.extra.get("logistic_info", []),
            "pre_order": item.extra.get("pre_order"), "condition": item.extra.get("condition", "NEW"),
            "attribute": item.extra.get("attribute_list", []),
            "brand": {"brand_id": item.brand_id, "original_brand_name": item.brand_name},
            "item_dangerous": item.extra.get("item_dangerous", 0),
            "seller_stock": [{"location_id": LOCATION_ID, "stock": item.stock}],
        }
        if item.dimension is not None:
            echo["dimension"] = self._dimension_json(item.dimension)
        return echo

    @staticmethod
    def _dimension_json(dimension: tuple[int, int, int]) -> dict[str, int]:
        return {"package_length": dimension[0], "package_width": dimension[1], "package_height": dimension[2]}

    def update_item(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        changes: dict[str, Any] = {}
        extra = dict(item.extra)
        if "item_name" in body:
            changes["item_name"] = self._check_name(body["item_name"])
        if "description" in body:
            changes["description"] = self._check_description(body["description"])
        if "image" in body:
            changes["images"] = self._check_images(body["image"])
        if "weight" in body:
            changes["weight"] = self._check_weight(body["weight"])
        if "dimension" in body:
            changes["dimension"] = self._check_dimension(body["dimension"])
        if "category_id" in body:
            changes["category_id"] = self._check_category(body["category_id"])
        category_id = changes.get("category_id", item.category_id)
        moved = category_id != item.category_id
        if "brand" in body:
            changes["brand_id"], changes["brand_name"] = self._check_brand(body["brand"], category_id)
        elif moved:
            self._check_brand({"brand_id": item.brand_id, "original_brand_name": item.brand_name}, category_id)
        # Whatever the item ends up with must satisfy its (new) category: the attributes sent replace the
        # old ones, and a category change checks the attributes kept, so a move without the new category's
        # mandatory attributes is refused as add_item would refuse it.
        if "attribute_list" in body or moved:
            extra["attribute_list"] = self._check_attributes(
                body["attribute_list"] if "attribute_list" in body else _attribute_request(item), category_id)
        gtin_rule = self._gtin_rule(category_id)
        if "gtin_code" in body or moved:
            # update_item's gtin_code follows the same rule as add_item's; the sandbox asks for it when the
            # item would otherwise be left without one its category needs.
            gtin = self._check_gtin(body.get("gtin_code", item.extra.get("gtin_code")), gtin_rule, required=True)
            if gtin is not None:
                extra["gtin_code"] = gtin
        if "item_sku" in body:
            changes["item_sku"] = self._check_item_sku(body["item_sku"])
        if "item_status" in body:
            changes["item_status"] = self._check_choice(body["item_status"], "item_status", (NORMAL, UNLIST))
        if "logistic_info" in body:
            extra["logistic_info"] = self._check_logistics(body["logistic_info"], changes.get("weight", item.weight))
        if "pre_order" in body:
            extra["pre_order"] = self._check_pre_order(body["pre_order"])
        if "condition" in body:
            extra["condition"] = self._check_choice(body["condition"], "condition", ("NEW", "USED"))
        ignored = sorted(k for k in ("original_price", "seller_stock", "normal_stock") if k in body)
        updated = replace(item, update_time=self.now, extra=extra, **changes)
        self.state.save_item(updated)
        # Price and stock have their own APIs; a client that sends them here must not think they changed.
        warning = f"{', '.join(ignored)} not updated: use update_price / update_stock" if ignored else ""
        return ok(response=self._item_echo(updated, self._host(request)), warning=warning)

    def delete_item(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        self.state.save_item(replace(item, item_status=SELLER_DELETE, update_time=self.now))
        return ok()

    def unlist_item(self, request: Request) -> Response:
        body = self._body(request)
        shop_id = self._shop(request)
        entries = _as_list(_required(body, "item_list"), "item_list")
        if not 1 <= len(entries) <= MAX_BATCH:
            raise _detail(f"item_list should have 1 to {MAX_BATCH} entries")
        success: list[dict[str, Any]] = []
        failure: list[dict[str, Any]] = []
        for raw in entries:
            entry = _as_dict(raw, "item_list")
            item_id = _as_int(_required(entry, "item_id"), "item_id")
            unlist = entry.get("unlist")
            if not isinstance(unlist, bool):
                raise _detail("item_list.unlist should be true or false")
            try:
                item = self._live_item(shop_id, item_id)
            except ProductError as exc:
                failure.append({"item_id": item_id, "failed_reason": exc.message})
                continue
            self.state.save_item(replace(item, item_status=UNLIST if unlist else NORMAL, update_time=self.now))
            success.append({"item_id": item_id, "unlist": unlist})
        return ok(response={"failure_list": failure, "success_list": success},
                  warning="some items failed, see failure_list" if failure else "")

    def update_price(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        entries = _as_list(_required(body, "price_list"), "price_list")
        if not 1 <= len(entries) <= MAX_BATCH:
            raise _detail(f"price_list should have 1 to {MAX_BATCH} entries")
        models = {m.model_id: m for m in self.state.models(item.item_id)}
        success: list[dict[str, Any]] = []
        failure: list[dict[str, Any]] = []
        item_price = item.price
        for raw in entries:
            entry = _as_dict(raw, "price_list")
            model_id = _as_int(entry.get("model_id", 0), "model_id")
            try:
                price = self._check_price(entry.get("original_price"))
                self._check_model_target(model_id, models)
            except ProductError as exc:
                failure.append({"model_id": model_id, "failed_reason": f"{exc.code}: {exc.message}"})
                continue
            if models:
                models[model_id] = replace(models[model_id], price=price)
            else:
                item_price = price
            success.append({"model_id": model_id, "original_price": price})
        if success:
            self.state.save_models(models.values())
            self._rollup(item, list(models.values()), **({} if models else {"price": item_price}))
        return ok(response={"failure_list": failure, "success_list": success},
                  warning="some prices were not updated, see failure_list" if failure else "")

    def update_stock(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        entries = _as_list(_required(body, "stock_list"), "stock_list")
        if not 1 <= len(entries) <= MAX_BATCH:
            raise _detail(f"stock_list should have 1 to {MAX_BATCH} entries")
        models = {m.model_id: m for m in self.state.models(item.item_id)}
        success: list[dict[str, Any]] = []
        failure: list[dict[str, Any]] = []
        item_stock = item.stock
        for raw in entries:
            entry = _as_dict(raw, "stock_list")
            model_id = _as_int(entry.get("model_id", 0), "model_id")
            try:
                stock = self._stock_from(entry, required=True)
                self._check_model_target(model_id, models)
            except ProductError as exc:
                failure.append({"model_id": model_id, "failed_reason": f"{exc.code}: {exc.message}"})
                continue
            assert stock is not None
            if models:
                models[model_id] = replace(models[model_id], stock=stock)
            else:
                item_stock = stock
            success.append({"model_id": model_id, "location_id": LOCATION_ID, "stock": stock})
        if success:
            self.state.save_models(models.values())
            self._rollup(item, list(models.values()), **({} if models else {"stock": item_stock}))
        return ok(response={"failure_list": failure, "success_list": success},
                  warning="some stock was not updated, see failure_list" if failure else "")

    @staticmethod
    def _check_model_target(model_id: int, models: Mapping[int, ModelRecord]) -> None:
        if models and model_id == 0:
            raise ProductError("error_edit_item_price_for_item_has_model",
                               "The item has models: set each model_id, not 0.")
        if not models and model_id != 0:
            raise ProductError("error_item_or_variation_not_found", "The item has no models: use model_id 0.")
        if models and model_id not in models:
            raise ProductError("error_item_or_variation_not_found", f"Model {model_id} is not found.")

    # -- tiers and models ----------------------------------------------------------------------
    def _parse_tiers(self, body: Mapping[str, Any]) -> tuple[Tier, ...]:
        """Tiers from `standardise_tier_variation` (current) or `tier_variation` (classic, still sent)."""
        if body.get("standardise_tier_variation") is not None:
            raw_tiers = _as_list(body["standardise_tier_variation"], "standardise_tier_variation")
            name_key, list_key, option_key = "variation_name", "variation_option_list", "variation_option_name"
        elif body.get("tier_variation") is not None:
            raw_tiers = _as_list(body["tier_variation"], "tier_variation")
            name_key, list_key, option_key = "name", "option_list", "option"
        else:
            raise _detail("standardise_tier_variation or tier_variation is required")
        if len(raw_tiers) > self.limits.max_tiers:
            raise ProductError("error_param", f"The level of tier-variation over {self.limits.max_tiers}.")
        tiers: list[Tier] = []
        image_ids: list[str] = []
        for level, raw in enumerate(raw_tiers):
            tier = _as_dict(raw, "tier_variation")
            name = tier.get(name_key)
            lo, hi = self.limits.tier_name
            if not isinstance(name, str) or not name.strip():
                raise _detail("tier variation name is required")
            if not lo <= len(name) <= hi:
                raise ProductError("error_tier_var_name_too_long", f"Tier variation name should be {lo}-{hi} chars.")
            raw_options = _as_list(tier.get(list_key) or [], list_key)
            if not raw_options:
                raise _detail(f"tier variation {name!r} has no options")
            if len(raw_options) > self.limits.max_options:
                raise ProductError("error_tier_opt_too_many",
                                   f"Count of tier_variation options should be under {self.limits.max_options}.")
            options: list[TierOption] = []
            for raw_option in raw_options:
                option = _as_dict(raw_option, list_key)
                text = option.get(option_key)
                olo, ohi = self.limits.tier_option
                if not isinstance(text, str) or not text.strip():
                    raise _detail("tier variation option is required")
                if not olo <= len(text) <= ohi:
                    raise ProductError("error_tier_opt_val_too_long", f"Option should be {olo}-{ohi} chars.")
                image = option.get("image_id")
                if image is None and isinstance(option.get("image"), dict):
                    image = option["image"].get("image_id")
                if image:
                    if level > 0:
                        raise _detail("only the first tier_variation can have option images")
                    image_ids.append(_as_str(image, "image_id"))
                options.append(TierOption(text, str(image) if image else None))
            if len({o.option.strip().lower() for o in options}) != len(options):
                raise ProductError("error_model_duplicate_name", f"Duplicate option in tier variation {name!r}.")
            tiers.append(Tier(name, tuple(options)))
        known = self.state.image_urls(image_ids)
        if any(i not in known for i in image_ids):
            raise ProductError("error_param", "Image not exist.")
        return tuple(tiers)

    def _parse_models(self, raw_models: list[Any], tiers: Sequence[Tier]) -> list[_ModelDraft]:
        drafts: list[_ModelDraft] = []
        for raw in raw_models:
            entry = _as_dict(raw, "model")
            index = tuple(_as_int(i, "tier_index") for i in _as_list(_required(entry, "tier_index"), "tier_index"))
            if len(index) != len(tiers) or any(not 0 <= i < len(t.options) for i, t in zip(index, tiers, strict=False)):
                raise ProductError("error_tier_index", f"Wrong tier_index {list(index)}.")
            sku = _as_str(entry.get("model_sku") or "", "model_sku")
            if len(sku) > MAX_MODEL_SKU:
                raise _detail(f"model_sku length should be at most {MAX_MODEL_SKU}")
            price = self._check_price(_required(entry, "original_price"))
            stock = self._stock_from(entry, required=True)
            assert stock is not None
            drafts.append(_ModelDraft(index, sku, price, stock))
        if len({d.tier_index for d in drafts}) != len(drafts):
            raise ProductError("error_model_duplicate_tier_variation_index", "Duplicate tier_index in models.")
        return drafts

    def _check_model_count(self, count: int) -> None:
        if count > self.limits.max_models:
            raise ProductError("error_model_count_over_limit", f"Should be under {self.limits.max_models}.")

    def _tier_json(self, tiers: Sequence[Tier], urls: Mapping[str, str | None], host: str) -> list[dict[str, Any]]:
        def option(o: TierOption) -> dict[str, Any]:
            out: dict[str, Any] = {"option": o.option}
            if o.image_id:
                out["image"] = {"image_id": o.image_id, "image_url": self._image_url(o.image_id, urls, host)}
            return out

        return [{"name": t.name, "option_list": [option(o) for o in t.options]} for t in tiers]

    def _standardise_json(self, tiers: Sequence[Tier], urls: Mapping[str, str | None],
                          host: str) -> list[dict[str, Any]]:
        return [{"variation_id": 0, "variation_name": t.name, "variation_group_id": 0,
                 "variation_option_list": [
                     {"variation_option_id": 0, "variation_option_name": o.option, "image_id": o.image_id or "",
                      "image_url": self._image_url(o.image_id, urls, host) if o.image_id else ""}
                     for o in t.options]}
                for t in tiers]

    @staticmethod
    def _model_echo(model: ModelRecord) -> dict[str, Any]:
        return {"tier_index": list(model.tier_index), "model_id": model.model_id, "model_sku": model.model_sku,
                "price_info": [{"original_price": model.price}],
                "seller_stock": [{"location_id": LOCATION_ID, "stock": model.stock}]}

    def init_tier_variation(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        tiers = self._parse_tiers(body)
        raw_models = _as_list(_required(body, "model"), "model")
        if not raw_models:
            raise _detail("model is required")
        self._check_model_count(len(raw_models))
        drafts = self._parse_models(raw_models, tiers)
        old = [m.model_id for m in self.state.models(item.item_id)]
        self.state.delete_models(old)
        host = self._host(request)
        if not tiers:
            # Removing every tier: the one model left becomes the item's own price and stock.
            if len(drafts) != 1:
                raise _detail("removing all tiers needs exactly one model with tier_index []")
            self._rollup(item, [], tiers=(), price=drafts[0].price, stock=drafts[0].stock)
            return ok(response={"item_id": item.item_id, "tier_variation": [], "model": []})
        models = [ModelRecord(model_id, item.item_id, d.model_sku, d.tier_index, d.price, d.stock)
                  for model_id, d in zip(self.state.next_model_ids(len(drafts)), drafts, strict=True)]
        self.state.insert_models(models)
        self._rollup(item, models, tiers=tiers)
        urls = self.state.image_urls(o.image_id for t in tiers for o in t.options if o.image_id)
        return ok(response={"item_id": item.item_id, "tier_variation": self._tier_json(tiers, urls, host),
                            "model": [self._model_echo(m) for m in models]})

    def update_tier_variation(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        if not item.tiers:
            raise ProductError("error_param", "Item without tier_variation. Please use init_tier_variation api")
        tiers = self._parse_tiers(body)
        if len(tiers) != len(item.tiers):
            raise ProductError("error_tier_var_level_not_same",
                               "The level of tier_variation should be the same; use init_tier_variation.")
        models = {m.model_id: m for m in self.state.models(item.item_id)}
        moved: set[int] = set()
        for raw in _as_list(body.get("model_list") or [], "model_list"):
            entry = _as_dict(raw, "model_list")
            model_id = _as_int(_required(entry, "model_id"), "model_id")
            if model_id not in models:
                raise ProductError("error_wrong_modelid", f"Model {model_id} is not in this item.")
            if model_id in moved:
                raise ProductError("error_duplicate_modelid", f"Model {model_id} is listed twice.")
            moved.add(model_id)
            index = tuple(_as_int(i, "tier_index") for i in _as_list(_required(entry, "tier_index"), "tier_index"))
            models[model_id] = replace(models[model_id], tier_index=index)
        keep = {mid: m for mid, m in models.items() if len(m.tier_index) == len(tiers) and all(
            0 <= i < len(t.options) for i, t in zip(m.tier_index, tiers, strict=True))}
        bad_moved = moved - keep.keys()
        if bad_moved:
            raise ProductError("error_tier_index", f"Wrong tier_index for model {min(bad_moved)}.")
        if not keep:
            raise ProductError("error_busi_cannot_delete_all_model", "Cannot delete all models.")
        if len({m.tier_index for m in keep.values()}) != len(keep):
            raise ProductError("error_model_duplicate_tier_variation_index", "Duplicate tier_index in models.")
        # Models whose option was removed go with it, as on Shopee.
        self.state.delete_models([mid for mid in models if mid not in keep])
        self.state.save_models(keep.values())
        self._rollup(item, list(keep.values()), tiers=tiers)
        return ok()

    def add_model(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        if not item.tiers:
            raise ProductError("error_param", "Item without tier_variation. Please use init_tier_variation api")
        existing = self.state.models(item.item_id)
        raw_models = _as_list(_required(body, "model_list"), "model_list")
        if not raw_models:
            raise _detail("model_list is required")
        self._check_model_count(len(existing) + len(raw_models))
        drafts = self._parse_models(raw_models, item.tiers)
        taken = {m.tier_index for m in existing}
        if any(d.tier_index in taken for d in drafts):
            raise ProductError("error_model_duplicate_tier_variation_index", "A model with this tier_index exists.")
        models = [ModelRecord(model_id, item.item_id, d.model_sku, d.tier_index, d.price, d.stock)
                  for model_id, d in zip(self.state.next_model_ids(len(drafts)), drafts, strict=True)]
        self.state.insert_models(models)
        self._rollup(item, existing + models)
        return ok(response={"model": [self._model_echo(m) for m in models]})

    def update_model(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        entries = _as_list(_required(body, "model"), "model")
        if not 1 <= len(entries) <= MAX_BATCH:
            raise _detail(f"model should have 1 to {MAX_BATCH} entries")
        models = {m.model_id: m for m in self.state.models(item.item_id)}
        for raw in entries:
            entry = _as_dict(raw, "model")
            model_id = _as_int(_required(entry, "model_id"), "model_id")
            if model_id not in models:
                raise ProductError("error_item_or_variation_not_found", f"Model {model_id} is not found.")
            if "model_sku" in entry:
                sku = _as_str(entry["model_sku"], "model_sku")
                if len(sku) > MAX_MODEL_SKU:
                    raise _detail(f"model_sku length should be at most {MAX_MODEL_SKU}")
                models[model_id] = replace(models[model_id], model_sku=sku)
        self.state.save_models(models.values())
        self._rollup(item, list(models.values()))
        return ok()

    def delete_model(self, request: Request) -> Response:
        body = self._body(request)
        item = self._live_item(self._shop(request), _as_int(_required(body, "item_id"), "item_id"))
        model_id = _as_int(_required(body, "model_id"), "model_id")
        models = self.state.models(item.item_id)
        if model_id not in {m.model_id for m in models}:
            raise ProductError("error_item_or_variation_not_found", f"Model {model_id} is not found.")
        if len(models) == 1:
            raise ProductError("error_busi_cannot_delete_all_model", "Cannot delete all models.")
        self.state.delete_models([model_id])
        self._rollup(item, [m for m in models if m.model_id != model_id])
        return ok()

    # -- reads ---------------------------------------------------------------------------------
    def _statuses(self, request: Request, invalid: ProductError, *,
                  default: Sequence[str] | None = None) -> list[str]:
        """`item_status` is `string[]`, sent as repeated keys: "If you want to search multiple status, please
        upload the url like this: item_status=NORMAL&item_status=BANNED" (congminh1254/shopee-sdk,
        schemas/v2.product.get_item_list.json and v2.product.search_item.json, params.request_params
        `item_status`). Each value must be one status, so a comma-joined `NORMAL,UNLIST` is refused."""
        statuses = _repeated_values(request, "item_status")
        if not statuses:
            if default is None:
                raise _detail("item_status is required")
            return list(default)
        if any(s not in ITEM_STATUSES for s in statuses):
            raise invalid
        return statuses

    def get_item_list(self, request: Request) -> Response:
        offset = _query_int(request, "offset")
        page_size = _query_int(request, "page_size")
        if offset < 0 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise _detail(f"page_size should be between 1 and {MAX_PAGE_SIZE} and offset at least 0")
        # get_item_list's error_list documents `error_param_item_status` "Item status error."
        # (congminh1254/shopee-sdk, schemas/v2.product.get_item_list.json, error_list).
        statuses = self._statuses(request, ProductError("error_param_item_status", "Item status error."))
        update_from = _query_int(request, "update_time_from", default=-1)
        update_to = _query_int(request, "update_time_to", default=-1)
        # "Update_time_to should be later than update_time_from." (congminh1254/shopee-sdk,
        # schemas/v2.product.get_item_list.json, error_list `error_update_time_range`): strictly later, so an
        # empty range (to == from) is refused too.
        if update_from >= 0 and update_to >= 0 and update_to <= update_from:
            raise ProductError("error_update_time_range", "Update_time_to should be later than update_time_from.")
        rows, total = self.state.list_items(self._shop(request), statuses, offset, page_size,
                                            update_from if update_from >= 0 else None,
                                            update_to if update_to >= 0 else None)
        has_next = offset + len(rows) < total
        return ok(response={
            "item": [{"item_id": i, "item_status": s, "update_time": t} for i, s, t in rows],
            "total_count": total, "has_next_page": has_next, "next_offset": offset + len(rows),
        })

    def get_item_base_info(self, request: Request) -> Response:
        ids = [_as_int(v, "item_id_list") for v in _query_values(request, "item_id_list")]
        if not ids:
            raise _detail("item_id_list is required")
        if len(ids) > MAX_BASE_INFO_IDS:
            raise _detail(f"item_id_list should have at most {MAX_BASE_INFO_IDS} ids")
        shop_id = self._shop(request)
        found = {i: item for i, item in self.state.items(ids).items() if item.shop_id == shop_id}
        models = self.state.models_of(list(found))
        urls = self.state.image_urls(i for item in found.values() for i in item.images)
        host = self._host(request)
        infos = [self._base_info(found[i], models[i], urls, host) for i in dict.fromkeys(ids) if i in found]
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        warning = f"item_id not found: {', '.join(map(str, missing))}" if missing else ""
        return ok(response={"item_list": infos}, warning=warning)

    def _base_info(self, item: ItemRecord, models: Sequence[ModelRecord], urls: Mapping[str, str | None],
                   host: str) -> dict[str, Any]:
        stock = sum(m.stock for m in models) if models else item.stock
        logistics = [{**entry, "logistic_name": _CHANNELS_BY_ID[entry["logistic_id"]].name}
                     for entry in item.extra.get("logistic_info", []) if entry["logistic_id"] in _CHANNELS_BY_ID]
        info: dict[str, Any] = {
            "item_id": item.item_id, "category_id": item.category_id, "item_name": item.item_name,
            "description": item.description, "description_type": "normal", "item_sku": item.item_sku,
            "create_time": item.create_time, "update_time": item.update_time,
            "attribute_list": item.extra.get("attribute_list", []),
            "image": {"image_id_list": list(item.images),
                      "image_url_list": [self._image_url(i, urls, host) for i in item.images],
                      "image_ratio": "1:1"},
            "weight": f"{item.weight:.3f}",  # a string on this API, e.g. "0.930"
            "logistic_info": logistics,
            "pre_order": item.extra.get("pre_order") or {
                "is_pre_order": False, "days_to_ship": self.limits.non_pre_order_days_to_ship},
            "condition": item.extra.get("condition", "NEW"), "item_status": item.item_status,
            "has_model": bool(models),
            "brand": {"brand_id": item.brand_id, "original_brand_name": item.brand_name},
            "item_dangerous": item.extra.get("item_dangerous", 0),
            "stock_info_v2": {
                "summary_info": {"total_reserved_stock": 0, "total_available_stock": stock},
                "seller_stock": [{"location_id": LOCATION_ID, "stock": stock, "if_saleable": True}],
            },
        }
        if item.dimension is not None:
            info["dimension"] = self._dimension_json(item.dimension)
        if "gtin_code" in item.extra:
            info["gtin_code"] = item.extra["gtin_code"]
        if not models:  # model prices live in get_model_list (shopee.md §8)
            info["price_info"] = [{"currency": CURRENCY, "original_price": item.price, "current_price": item.price}]
        return info

    def _model_list(self, item: ItemRecord, host: str) -> dict[str, Any]:
        models = self.state.models(item.item_id)
        urls = self.state.image_urls(o.image_id for t in item.tiers for o in t.options if o.image_id)
        return {
            "tier_variation": self._tier_json(item.tiers, urls, host),
            "standardise_tier_variation": self._standardise_json(item.tiers, urls, host),
            "model": [{
                "model_id": m.model_id, "model_sku": m.model_sku, "tier_index": list(m.tier_index),
                "model_status": "MODEL_NORMAL", "promotion_id": 0, "has_promotion": False,
                "price_info": [{"currency": CURRENCY, "original_price": m.price, "current_price": m.price}],
                "stock_info_v2": {
                    "summary_info": {"total_reserved_stock": 0, "total_available_stock": m.stock},
                    "seller_stock": [{"location_id": LOCATION_ID, "stock": m.stock, "if_saleable": True}],
                },
                "pre_order": item.extra.get("pre_order") or {
                    "is_pre_order": False, "days_to_ship": self.limits.non_pre_order_days_to_ship},
                "weight": f"{item.weight:.3f}",
            } for m in models],
        }

    def get_model_list(self, request: Request) -> Response:
        item = self.state.item(_query_int(request, "item_id"))
        if item is None or item.shop_id != self._shop(request):
            raise _not_found()
        return ok(response=self._model_list(item, self._host(request)))

    def search_item(self, request: Request) -> Response:
        page_size = _query_int(request, "page_size")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise _detail(f"page_size should be between 1 and {MAX_PAGE_SIZE}")
        offset_text = request.query.get("offset", "")
        offset = _as_int(offset_text, "offset") if offset_text else 0
        # search_item's error_list has no item_status code, only the generic `error_param` "Wrong parameters,
        # detail: {msg}." (congminh1254/shopee-sdk, schemas/v2.product.search_item.json, error_list).
        statuses = self._statuses(request, _detail("item_status is invalid"), default=(NORMAL, UNLIST))
        sku = request.query.get("item_sku") or None
        name = request.query.get("item_name") or None
        attribute_status = request.query.get("attribute_status", "")
        if attribute_status and attribute_status not in ("1", "2"):
            raise _detail("attribute_status should be 1 or 2")
        # Keyword (partial, case-insensitive) match; when both are given, only item_sku counts.
        if not attribute_status:
            ids, total = self.state.search_items(self._shop(request), statuses, offset, page_size,
                                                 sku_keyword=sku, name_keyword=name)
        else:
            # "1: get item lack of requires attribute. 2: get item lack of optional attribute."
            # (congminh1254/shopee-sdk, schemas/v2.product.search_item.json, request_params).
            matching, _ = self.state.search_items(self._shop(request), statuses, 0, -1,
                                                  sku_keyword=sku, name_keyword=name)
            items = self.state.items(matching)
            lacking = [i for i in matching if _lacks_attributes(items[i], required=attribute_status == "1")]
            ids, total = lacking[offset : offset + page_size], len(lacking)
        following = offset + len(ids)
        return ok(response={"item_id_list": ids, "total_count": total,
                            "next_offset": str(following) if following < total else ""})

    # -- seller centre -------------------------------------------------------------------------
    def seller_page(self, request: Request) -> Response:
        tail = request.path.removeprefix("/sandbox/shopee/items/")
        as_json = tail.endswith(".json")
        key = tail.removesuffix(".json")
        item = self.state.item(int(key)) if key.isdigit() else None
        if item is None:
            if as_json:
                return Response.json({"error": "not_found", "message": f"no listing {key}"}, 404)
            return Response.html("<!doctype html><title>Not found</title><p>No such listing.</p>", 404)
        host = self._host(request)
        urls = self.state.image_urls(item.images)
        details = self._model_list(item, host)
        info = self._base_info(item, self.state.models(item.item_id), urls, host)
        if as_json:
            return Response.json({"item": info, "tier_variation": details["tier_variation"],
                                  "model": details["model"]})
        return Response.html(self._render(item, info, details))

    def _render(self, item: ItemRecord, info: Mapping[str, Any], details: Mapping[str, Any]) -> str:
        e = html.escape
        images = "".join(f'<img src="{e(url)}" alt="image {n}" width="160" height="160">'
                         for n, url in enumerate(info["image"]["image_url_list"], 1))
        if details["model"]:
            prices = sorted({m["price_info"][0]["original_price"] for m in details["model"]})
            price = f"Rp{prices[0]:,}" if len(prices) == 1 else f"Rp{prices[0]:,} – Rp{prices[-1]:,}"
        else:
            price = f"Rp{item.price:,}"
        tiers = [t["name"] for t in details["tier_variation"]]
        rows = "".join(
            "<tr>" + "".join(f"<td>{e(details['tier_variation'][level]['option_list'][i]['option'])}</td>"
                             for level, i in enumerate(m["tier_index"]))
            + f"<td>{e(m['model_sku'])}</td><td>Rp{m['price_info'][0]['original_price']:,}</td>"
            f"<td>{m['stock_info_v2']['summary_info']['total_available_stock']}</td></tr>"
            for m in details["model"]
        )
        variants = (
            "<h2>Variants</h2><table><tr>" + "".join(f"<th>{e(t)}</th>" for t in tiers)
            + f"<th>SKU</th><th>Price</th><th>Stock</th></tr>{rows}</table>" if rows else "<p>No variants.</p>"
        )
        return (
            f"<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>{e(item.item_name)}"
            "</title></head><body>"
            f"<p>Shopee Seller Centre (sandbox) · shop {item.shop_id} · item {item.item_id}</p>"
            f"<h1 class=\"title\">{e(item.item_name)}</h1>"
            f"<p class=\"status\">Status: {e(item.item_status)}</p>"
            f"<p class=\"price\">Price: {e(price)}</p>"
            f"<p class=\"sku\">SKU: {e(item.item_sku)}</p>"
            f"<p class=\"stock\">Stock: {info['stock_info_v2']['summary_info']['total_available_stock']}</p>"
            f"<p>Category {item.category_id} · Brand {e(item.brand_name)} · Weight {info['weight']} kg</p>"
            f"<div class=\"images\">{images}</div>{variants}"
            f"<h2>Description</h2><pre>{e(item.description)}</pre></body></html>"
        )

    # -- seeding and control helpers -----------------------------------------------------------
    def seed_from_catalog(self, products: Iterable[Product], shop_id: int | str, *,
                          price_factor: Fraction = Fraction(1)) -> int:
        """Give the shop the seller's existing Shopee listings (origin SHOPEE); returns how many were new.

        Idempotent: a product whose SKU the shop already lists is skipped. Images are recorded by
        URL (the sandbox image host renders them), so nothing is uploaded. `price_factor` turns the
        catalog price into the listed price (half-up to the rupiah) if the two differ.
        """
        shop = int(shop_id)
        now = self.now
        created = now - SEED_AGE_SECONDS  # the seller's listings predate SyncStore (and today's listing limit)
        with self.state.atomic():
            seen = self.state.item_skus(shop)
            todo: list[Product] = []
            for product in products:
                if product.origin == Platform.SHOPEE and product.sku not in seen:
                    seen.add(product.sku)
                    todo.append(product)
            item_ids = self.state.next_item_ids(len(todo))
            model_ids = iter(self.state.next_model_ids(sum(len(p.variants) for p in todo)))
            items: list[ItemRecord] = []
            models: list[ModelRecord] = []
            image_urls: dict[str, str] = {}

            def image_id(url: str) -> str:
                key = image_id_for_url(url)
                image_urls[key] = url
                return key

            def listed(price: int | None) -> int:
                return _half_up(Fraction(price or 0) * price_factor)

            for product, item_id in zip(todo, item_ids, strict=True):
                option_images: dict[str, str] = {}
                for variant in product.variants:
                    if variant.image and variant.options:
                        option_images.setdefault(variant.options[0], image_id(variant.image))
                tiers = tuple(
                    Tier(t.name, tuple(TierOption(o, option_images.get(o) if level == 0 else None)
                                       for o in t.options))
                    for level, t in enumerate(product.tiers)
                )
                item_models = [
                    ModelRecord(next(model_ids), item_id, v.sku,
                                tuple(t.options.index(o) for t, o in zip(product.tiers, v.options, strict=True)),
                                listed(v.price), v.stock)
                    for v in product.variants
                ]
                models.extend(item_models)
                leaf = tx.SEED_LEAF.get(product.category, tx.DRONE_ACCESSORIES)
                extra: dict[str, Any] = {
                    "logistic_info": [{"logistic_id": SEED_CHANNEL, "enabled": True, "is_free": False}],
                    "attribute_list": _seed_attributes(product, leaf), "condition": "NEW", "item_dangerous": 0,
                    "pre_order": {"is_pre_order": False, "days_to_ship": self.limits.non_pre_order_days_to_ship},
                }
                if self._gtin_rule(leaf) == tx.GTIN_FLEXIBLE:
                    extra["gtin_code"] = NO_GTIN
                items.append(ItemRecord(
                    item_id=item_id, shop_id=shop, item_sku=product.sku, item_name=product.title,
                    description=product.description, category_id=leaf,
                    brand_id=brand_id_for(product.brand),
                    brand_name=product.brand if brand_id_for(product.brand) else "No Brand",
                    weight=product.weight_g / 1000,
                    dimension=(product.length_cm, product.width_cm, product.height_cm),
                    images=tuple(image_id(url) for url in product.images),
                    price=min((m.price for m in item_models), default=listed(product.price)),
                    stock=product.total_stock, item_status=NORMAL, create_time=created, update_time=created,
                    tiers=tiers,
                    extra=extra,
                ))
            self.state.put_image_urls(image_urls.items(), now)
            self.state.insert_items(items)
            self.state.insert_models(models)
        return len(items)

    def edit_listing(
        self,
        item_id: int,
        *,
        price: int | None = None,
        title: str | None = None,
        description: str | None = None,
        stock: int | None = None,
        status: str | None = None,
        item_sku: str | None = None,
        model_prices: Mapping[str, int] | None = None,
        model_stock: Mapping[str, int] | None = None,
    ) -> ItemRecord:
        """The seller editing a listing in Seller Centre, behind SyncStore's back (no checks, as a person
        can type anything the web form takes). `price`/`stock` set every model of an item with models."""
        with self.state.atomic():
            item = self.state.item(item_id)
            if item is None:
                raise KeyError(item_id)
            models = self.state.models(item_id)
            changes: dict[str, Any] = {}
            if title is not None:
                changes["item_name"] = title
            if description is not None:
                changes["description"] = description
            if status is not None:
                changes["item_status"] = status
            if item_sku is not None:
                changes["item_sku"] = item_sku
            if models:
                models = [replace(
                    m,
                    price=(model_prices or {}).get(m.model_sku, m.price if price is None else price),
                    stock=(model_stock or {}).get(m.model_sku, m.stock if stock is None else stock),
                ) for m in models]
                self.state.save_models(models)
            else:
                if price is not None:
                    changes["price"] = price
                if stock is not None:
                    changes["stock"] = stock
            return self._rollup(item, models, **changes)

    def audit(self, known_skus: Collection[str] | None = None, shop_id: int | str | None = None) -> ShopeeAudit:
        """SKUs carried by more than one live listing, and live listings (or models) whose SKU is not known."""
        rows = self.state.sku_rows(None if shop_id is None else int(shop_id))
        carriers: dict[str, set[int]] = {}
        for item_id, _model_id, sku in rows:
            if sku:
                carriers.setdefault(sku, set()).add(item_id)
        duplicates = {sku: sorted(ids) for sku, ids in sorted(carriers.items()) if len(ids) > 1}
        unknown = [] if known_skus is None else [row for row in rows if row[2] not in known_skus]
        return ShopeeAudit(duplicates, unknown)
