"""Shopee Open Platform v2 products mapped to `marketplaces.base` records: reads, writes and metadata.

A full listing costs: ceil(n / page_size) get_item_list pages + ceil(n / 50) get_item_base_info batches
+ one get_model_list per item with models (Shopee has no batched model read).

A create is add_item, plus init_tier_variation and a get_model_list read-back for a listing with
variants. An update sends only the groups asked for, each as an absolute value. Category, attribute,
brand, channel and limit look-ups are cached for the client's lifetime.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
    ListingLimits,
    ListingSpec,
    LogisticsOption,
    RemoteListing,
    RemoteVariant,
    VariantSpec,
    WriteResult,
    map_in_context,
)
from syncstore_cli.marketplaces.errors import MarketplaceError, NotFound, PermanentError, ValidationFailed
from syncstore_cli.marketplaces.http import QueryValue, Repeated, SignedHttpClient

PLATFORM = "shopee"
MAX_PAGE_SIZE = 100
BASE_INFO_BATCH = 50
BATCH = 50  # update_price / update_stock / update_model lists take 1-50 entries
# Every status a listing can be in except deleted ones (SELLER_DELETE, SHOPEE_DELETE).
LIVE_STATUSES = ("NORMAL", "UNLIST", "BANNED", "REVIEWING")
# "NORMAL/BANNED/UNLIST/REVIEWING/SELLER_DELETE/SHOPEE_DELETE" (congminh1254/shopee-sdk,
# schemas/v2.product.get_item_list.json, params.request_params `item_status`).
DELETED_STATUSES = ("SELLER_DELETE", "SHOPEE_DELETE")
SEARCH_STATUSES = ("NORMAL", "UNLIST")
# Documented fixed tier limits (shopee.md §6, §9; shared README), used when get_item_limit sends none.
DEFAULT_MAX_TIERS = 2
DEFAULT_MAX_OPTIONS = 20
DEFAULT_MAX_MODELS = 50
# Shopee asks for this long between add_item and init_tier_variation ("processing may be delayed").
VARIANT_DELAY_SECONDS = 5.0
NO_WEIGHT_LIMIT_G = 2**31 - 1  # no channel limits the weight
# How far past this machine's clock a read of "changed since" reaches: a marketplace clock ahead of ours.
CLOCK_SLACK_SECONDS = 300
# get_attributes input types (deprecated API) that take a value outside the listed ones.
_LEGACY_CUSTOM_INPUTS = frozenset({"COMBO_BOX", "TEXT_FILED", "MULTIPLE_SELECT_COMBO_BOX"})
_LEGACY_INPUT_TYPES = {"DROP_DOWN": SINGLE_SELECT, "COMBO_BOX": SINGLE_SELECT, "TEXT_FILED": TEXT,
                       "MULTIPLE_SELECT": MULTI_SELECT, "MULTIPLE_SELECT_COMBO_BOX": MULTI_SELECT}
# get_attribute_tree attribute_info.input_type: "SINGLE_DROP_DOWN = 1 SINGLE_COMBO_BOX = 2 FREE_TEXT_FILED = 3
# MULTI_DROP_DOWN = 4 MULTI_COMBO_BOX = 5" (congminh1254/shopee-sdk, schemas/v2.product.get_attribute_tree.json,
# response_params); the combo boxes and the text field take a value outside the listed ones.
_TREE_CUSTOM_INPUTS = frozenset({2, 3, 5})
_TREE_INPUT_TYPES = {1: SINGLE_SELECT, 2: SINGLE_SELECT, 3: TEXT, 4: MULTI_SELECT, 5: MULTI_SELECT}
# get_channel_list fee_type values (congminh1254/shopee-sdk, schemas/v2.logistics.get_channel_list.json):
# SIZE_SELECTION | SIZE_INPUT | FIXED_DEFAULT_PRICE | CUSTOM_PRICE. add_item logistic_info: "size_id ... If
# specify logistic fee_type is SIZE_SELECTION size_id is required", "shipping_fee ... Only needed when
# logistics fee_type = CUSTOM_PRICE" (schemas/v2.product.add_item.json, request_params logistic_info).
SIZE_SELECTION = "SIZE_SELECTION"
CUSTOM_PRICE = "CUSTOM_PRICE"
# get_item_limit gtin_limit.gtin_validation_rule (schemas/v2.product.get_item_limit.json, 2025-01-08) and
# add_item gtin_code: "If you want to set 'Item without GTIN', please pass the gtin_code as "00"";
# Mandatory = a real GTIN required; Flexible = a GTIN or "00" required; Optional = may be omitted.
NO_GTIN = "00"
GTIN_MANDATORY = "mandatory"
GTIN_FLEXIBLE = "flexible"


def rupiah(value: Any, what: str) -> int:
    """A Shopee price (a JSON number, often a float such as 172500.0) as whole rupiah; fractions are refused."""
    if isinstance(value, bool):
        raise ValidationFailed(PLATFORM, f"{what}: expected a price, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if number.is_integer():
                return int(number)
    raise ValidationFailed(PLATFORM, f"{what}: {value!r} is not a whole rupiah amount")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationFailed(PLATFORM, f"{what}: expected an integer, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ValidationFailed(PLATFORM, f"{what}: expected an integer, got {value!r}") from None
    if not number.is_integer():
        raise ValidationFailed(PLATFORM, f"{what}: expected an integer, got {value!r}")
    return int(number)


def _price_of(entry: Mapping[str, Any], what: str) -> int:
    prices = entry.get("price_info") or []
    if not prices:
        raise ValidationFailed(PLATFORM, f"{what}: no price_info")
    first: Mapping[str, Any] = prices[0]
    return rupiah(first.get("original_price", first.get("current_price")), what)


def _stock_of(entry: Mapping[str, Any]) -> int:
    """The seller stock, the field every write sets (`seller_stock[]{stock}`), so a read-back compares like
    with like. `summary_info.total_available_stock` is not it: it leaves out the stock a promotion has
    reserved (`total_reserved_stock`, "Stock reserved for promotion"), see congminh1254/shopee-sdk,
    schemas/v2.product.get_item_base_info.json, response_params `stock_info_v2` (its response_sample has
    seller_stock 10 beside total_available_stock 100); get_model_list's models carry the same object."""
    info = entry.get("stock_info_v2") or {}
    seller = info.get("seller_stock")
    if isinstance(seller, list) and seller:
        return sum(_int(s.get("stock", 0), "seller_stock") for s in seller)
    summary = info.get("summary_info") or {}
    if "total_available_stock" in summary:
        # Only when no seller stock is given (a shop stocked by Shopee's warehouses alone).
        return _int(summary["total_available_stock"], "total_available_stock")
    return 0


_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _image_part(data: bytes) -> tuple[str, str]:
    """(filename, MIME type) for an upload, from the bytes' magic number: Shopee takes JPG/JPEG/PNG only."""
    if data.startswith(_JPEG_MAGIC):
        return "image.jpg", "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image.png", "image/png"
    raise ValidationFailed(PLATFORM, "upload_image: the image is neither JPEG nor PNG (Shopee accepts JPG, JPEG, PNG)")


def _description(info: Mapping[str, Any]) -> str:
    text = info.get("description")
    if isinstance(text, str) and text:
        return text
    extended = ((info.get("description_info") or {}).get("extended_description") or {}).get("field_list") or []
    return "\n".join(str(f.get("text", "")) for f in extended if f.get("field_type") == "text")


def _response(answer: Mapping[str, Any]) -> dict[str, Any]:
    response = answer.get("response")
    return response if isinstance(response, dict) else {}


class ShopeeClient:
    """Product calls for one authorized shop; `http` is signed with that shop's token."""

    platform = PLATFORM

    def __init__(self, http: SignedHttpClient, *, concurrency: int = 1,
                 variant_delay: float = VARIANT_DELAY_SECONDS, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, custom_shipping_fee: int | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.http = http
        self.concurrency = concurrency  # parallel reads; the shared rate budget still paces them
        self.variant_delay = variant_delay
        # The seller's own fee for CUSTOM_PRICE channels (rupiah); without one those channels are left out.
        self.custom_shipping_fee = custom_shipping_fee
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._categories: list[Category] | None = None
        self._attributes: dict[str, list[Attribute]] = {}
        self._brands: dict[str, list[Brand]] = {}
        self._brand_mandatory: dict[str, bool] = {}
        self._item_limits: dict[str, dict[str, Any]] = {}
        self._channel_list: list[dict[str, Any]] | None = None
        self._limits: dict[str, ListingLimits] = {}

    # -- reads ---------------------------------------------------------------------------------
    def item_ids(self, page_size: int = MAX_PAGE_SIZE, statuses: Sequence[str] = LIVE_STATUSES, *,
                 on_total: Callable[[int], None] | None = None,
                 updated_between: tuple[int, int] | None = None) -> Iterator[int]:
        """Every item id of the shop in the given statuses (and, with `updated_between`, whose update time
        is in that range of Unix seconds), paged through get_item_list; `on_total` hears the first page's
        `total_count` (when it gives one), so a caller can show how far it has got."""
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        offset = 0
        while True:
            query: dict[str, QueryValue] = {
                # `item_status` is `string[]`, sent as repeated keys (congminh1254/shopee-sdk,
                # schemas/v2.product.get_item_list.json, params.request_params `item_status`).
                "offset": offset, "page_size": size, "item_status": Repeated.of(statuses)}
            if updated_between is not None:
                # `update_time_from`/`update_time_to` (timestamp, optional) "specify a date range ... based on
                # the item update time"; `error_update_time_range`: "Update_time_to should be later than
                # update_time_from." (congminh1254/shopee-sdk, schemas/v2.product.get_item_list.json,
                # params.request_params and error_list). Sent as a pair, the range the documentation describes.
                query["update_time_from"], query["update_time_to"] = updated_between
            page = _response(self.http.request("GET", "/api/v2/product/get_item_list", query=query))
            if on_total is not None and offset == 0 and isinstance(page.get("total_count"), int):
                on_total(page["total_count"])
            items = page.get("item") or []
            for entry in items:
                yield _int(entry["item_id"], "item_id")
            if not page.get("has_next_page") or not items:
                return
            offset = _int(page.get("next_offset", offset + len(items)), "next_offset")

    def base_infos(self, item_ids: Sequence[int]) -> list[dict[str, Any]]:
        """get_item_base_info for up to 50 ids per call; ids the shop does not have are left out."""
        result: list[dict[str, Any]] = []
        for start in range(0, len(item_ids), BASE_INFO_BATCH):
            batch = list(item_ids[start:start + BASE_INFO_BATCH])
            answer = self.http.request("GET", "/api/v2/product/get_item_base_info",
                                       query={"item_id_list": batch})
            result.extend(_response(answer).get("item_list") or [])
        return result

    def model_list(self, item_id: int) -> dict[str, Any]:
        return _response(self.http.request("GET", "/api/v2/product/get_model_list", query={"item_id": item_id}))

    def listings(self, item_ids: Sequence[int]) -> list[RemoteListing]:
        """Complete listings for these ids (base info in batches, models for items that have them).

        Shopee has no batched model read, so model lists are fetched `concurrency` at a time: with
        marketplace latency, one at a time would leave most of the shop's rate budget unused.
        """
        infos = self.base_infos(item_ids)
        with_models = [_int(info["item_id"], "item_id") for info in infos if info.get("has_model")]
        if self.concurrency > 1 and len(with_models) > 1:
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                models = dict(zip(with_models, map_in_context(pool, self.model_list, with_models), strict=True))
        else:
            models = {item_id: self.model_list(item_id) for item_id in with_models}
        return [self._listing(info, models.get(_int(info["item_id"], "item_id")) if info.get("has_model") else None)
                for info in infos]

    def list_listings(self, page_size: int = MAX_PAGE_SIZE, *,
                      on_total: Callable[[int], None] | None = None) -> Iterator[RemoteListing]:
        pending: list[int] = []
        for item_id in self.item_ids(page_size, on_total=on_total):
            pending.append(item_id)
            if len(pending) == BASE_INFO_BATCH:
                yield from self.listings(pending)
                pending = []
        if pending:
            yield from self.listings(pending)

    def get_listings(self, external_ids: Sequence[str]) -> list[RemoteListing]:
        return self.listings([_int(i, "item_id") for i in external_ids])

    def changed_since(self, since: float) -> list[RemoteListing]:
        """get_item_list over the update-time range [since, now], then the usual base info and models.

        The range ends a little after this machine's clock, so an edit stamped by a marketplace clock
        that runs ahead of ours is still read; `to` is always later than `from`, as Shopee requires.
        """
        start = max(0, int(since))  # rounded down: the boundary second is read again, never skipped
        end = max(start + 1, int(self._wall_clock()) + CLOCK_SLACK_SECONDS)
        return self.listings(list(self.item_ids(updated_between=(start, end))))

    def removed_since(self, since: float) -> list[str]:
        """get_item_list over the same update-time range as `changed_since`, in the deleted statuses."""
        start = max(0, int(since))
        end = max(start + 1, int(self._wall_clock()) + CLOCK_SLACK_SECONDS)
        return [str(item_id) for item_id in self.item_ids(statuses=DELETED_STATUSES, updated_between=(start, end))]

    def get_listing(self, external_id: str) -> RemoteListing:
        found = self.listings([_int(external_id, "item_id")])
        if not found:
            raise NotFound(PLATFORM, f"item {external_id} is not in this shop")
        return found[0]

    def search_item_ids(self, sku: str, page_size: int = MAX_PAGE_SIZE) -> list[int]:
        """search_item by item_sku: a keyword match, so the result still needs an exact check."""
        ids: list[int] = []
        offset = ""
        while True:
            # `item_status` is `string[]`, repeated keys (congminh1254/shopee-sdk,
            # schemas/v2.product.search_item.json, params.request_params `item_status`).
            query: dict[str, Any] = {"item_sku": sku, "page_size": page_size,
                                     "item_status": Repeated.of(SEARCH_STATUSES)}
            if offset:
                query["offset"] = offset
            page = _response(self.http.request("GET", "/api/v2/product/search_item", query=query))
            ids.extend(_int(i, "item_id") for i in page.get("item_id_list") or [])
            offset = str(page.get("next_offset") or "")
            if not offset:
                return ids

    def find_by_skus(self, skus: Sequence[str]) -> dict[str, list[RemoteListing]]:
        """search_item takes one SKU keyword, so one search per SKU, `concurrency` at a time."""
        unique = list(dict.fromkeys(skus))
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            return dict(zip(unique, map_in_context(pool, self.find_by_sku, unique), strict=True))

    def find_by_sku(self, sku: str) -> list[RemoteListing]:
        """Live (NORMAL/UNLIST) listings whose item_sku or a model_sku is exactly `sku`.

        The item_sku check needs only base info; models are fetched only for items that have them and
        whose item_sku did not already match (a model SKU can equal the searched one).
        """
        ids = self.search_item_ids(sku)
        if not ids:
            return []
        result: list[RemoteListing] = []
        for info in self.base_infos(ids):
            models = self.model_list(_int(info["item_id"], "item_id")) if info.get("has_model") else None
            listing = self._listing(info, models)
            if sku in (listing.sku, *(v.sku for v in listing.variants)):
                result.append(listing)
        return result

    # -- writes --------------------------------------------------------------------------------
    def upload_image(self, data: bytes) -> str:
        # Multipart field `image`, "Image format accepted: JPG, JPEG, PNG", "Max 10.0 MB each"
        # (congminh1254/shopee-sdk, schemas/v2.media_space.upload_image.json, params.request_params
        # `image`): sent with a real filename and the MIME type of the bytes, never a bare octet stream.
        filename, mime = _image_part(data)
        answer = _response(self.http.request("POST", "/api/v2/media_space/upload_image",
                                             files={"image": (filename, data, mime)}))
        image_id = (answer.get("image_info") or {}).get("image_id")
        if not image_id:
            raise ValidationFailed(PLATFORM, "upload_image answered without an image_id")
        return str(image_id)

    def delete_listing(self, external_id: str) -> None:
        self.http.request("POST", "/api/v2/product/delete_item",
                          json_body={"item_id": _int(external_id, "item_id")})

    def create_listing(self, spec: ListingSpec, idempotency_key: str) -> WriteResult:
        """add_item, then for a listing with variants init_tier_variation and a get_model_list read-back.

        Shopee creates the item and its variants in two calls. If the variants cannot be set after the
        item was created, the error is raised as it came (its message names the new item id): the item
        exists with its SKU but without variants, and the sync's create protocol finds it by `find_by_sku`
        on the next attempt and brings it to the spec with `update_listing` (fields "variants"). Nothing
        is deleted here, because a delete could fail too and leave the same state less visibly.
        """
        # Shopee has no idempotency key: the parameter is part of the protocol for TikTok, and an unknown
        # add_item outcome is resolved by the caller with find_by_sku instead.
        del idempotency_key
        category_id = _int(spec.category_id, "category_id")
        structure = _Structure.of(spec) if spec.variants else None  # refuse a malformed spec before any write
        if structure is not None:
            # The item-level price and stock are replaced by the models'; add_item still requires a price.
            price = min(v.price for v in spec.variants)
            stock = sum(v.stock for v in spec.variants)
        elif spec.price is None:
            raise ValidationFailed(PLATFORM, f"{spec.sku}: a listing without variants needs a price")
        else:
            price, stock = spec.price, spec.stock
        body: dict[str, Any] = {
            "item_name": spec.title,
            "description": spec.description,
            "original_price": price,
            "seller_stock": [{"stock": stock}],  # normal_stock went offline in 2022-10 (shopee.md §5)
            "weight": _kilograms(spec.weight_g),
            "category_id": category_id,
            "brand": self._brand_field(category_id, spec.brand),
            "image": {"image_id_list": list(spec.images)},
            "logistic_info": self._logistic_info(spec),
            "item_sku": spec.sku,
            "condition": "NEW",
            **self._gtin_field(category_id),
        }
        dimension = _dimension_field(spec)
        if dimension is not None:
            body["dimension"] = dimension
        if spec.attributes:
            body["attribute_list"] = _attribute_list(spec.attributes)
        # Not idempotent: a blind repeat after a lost answer would list the product twice.
        answer = _response(self.http.request("POST", "/api/v2/product/add_item", json_body=body, idempotent=False))
        item_id = _int(answer.get("item_id"), "add_item item_id")
        status = str(answer.get("item_status") or "")
        if structure is None:
            return WriteResult(str(item_id), {}, status)
        started = self._clock()
        try:
            variant_ids = self._init_tiers(item_id, spec, structure, {}, created_at=started)
        except MarketplaceError as exc:
            _prefix(exc, f"item {item_id} was created without its variants (find it by SKU {spec.sku}): ")
            raise
        return WriteResult(str(item_id), variant_ids, status)

    def update_listing(self, external_id: str, spec: ListingSpec, fields: frozenset[str]) -> WriteResult:
        """Sends only the groups in `fields`, each as an absolute value, so repeating an update is harmless.

        Order: item fields (update_item), then the variant structure, then prices and stocks, so new
        variants exist before their prices are set. Variants are matched by SKU; a variant whose SKU
        changed but whose options did not keeps its model (update_model renames it).
        """
        unknown = fields - UPDATE_FIELDS
        if unknown:
            raise ValueError(f"unknown update field groups: {', '.join(sorted(unknown))}")
        item_id = _int(external_id, "item_id")
        status = ""
        item_body = self._item_fields(spec, fields)
        if item_body:
            answer = _response(self.http.request("POST", "/api/v2/product/update_item",
                                                 json_body={"item_id": item_id, **item_body}))
            status = str(answer.get("item_status") or "")
        models: dict[str, Any] | None = None
        if "variants" in fields:
            models = self._apply_variants(item_id, spec)
        variant_ids: dict[str, str] = {}
        if spec.variants:
            if models is None:
                models = self.model_list(item_id)
            # Prices, stocks and a new structure need every variant in place; otherwise report what is there.
            strict = bool({"variants", "price", "stock"} & fields)
            variant_ids = _variant_ids(models, spec, item_id, strict=strict)
        if "price" in fields:
            self._update_prices(item_id, spec, variant_ids)
        if "stock" in fields:
            self._update_stocks(item_id, spec, variant_ids)
        return WriteResult(str(item_id), variant_ids, status)

    def unlist_listing(self, external_id: str) -> None:
        self._set_unlisted(external_id, unlist=True)

    def relist_listing(self, external_id: str) -> None:
        self._set_unlisted(external_id, unlist=False)

    def _set_unlisted(self, external_id: str, *, unlist: bool) -> None:
        item_id = _int(external_id, "item_id")
        answer = _response(self.http.request("POST", "/api/v2/product/unlist_item",
                                             json_body={"item_list": [{"item_id": item_id, "unlist": unlist}]}))
        # The call succeeds as a whole and reports the item in failure_list when it was refused.
        for failure in answer.get("failure_list") or []:
            if str(failure.get("item_id")) == str(item_id):
                reason = str(failure.get("failed_reason") or "refused")
                raise _failure(reason, f"item {item_id}")
        if not any(str(s.get("item_id")) == str(item_id) for s in answer.get("success_list") or []):
            raise ValidationFailed(PLATFORM, f"unlist_item did not report item {item_id}")

    # -- write helpers -------------------------------------------------------------------------
    def _item_fields(self, spec: ListingSpec, fields: frozenset[str]) -> dict[str, Any]:
        """The update_item body for the groups update_item carries (price and stock have their own APIs)."""
        body: dict[str, Any] = {}
        if "title" in fields:
            body["item_name"] = spec.title
        if "description" in fields:
            body["description"] = spec.description
        if "images" in fields:
            body["image"] = {"image_id_list": list(spec.images)}
        if "category" in fields or "brand" in fields:
            category_id = _int(spec.category_id, "category_id")
            if "category" in fields:
                body["category_id"] = category_id
            if "brand" in fields:
                body["brand"] = self._brand_field(category_id, spec.brand)
        if "package" in fields:
            body["weight"] = _kilograms(spec.weight_g)  # overwrites every model's weight too (shopee.md §5)
            dimension = _dimension_field(spec)
            if dimension is not None:
                body["dimension"] = dimension
        if spec.attributes and fields & {"attributes", "category"}:
            # Attribute ids belong to a category, so a new category needs its attributes in the same call.
            # An empty list is not sent: the doc does not say that it clears the item's attributes.
            body["attribute_list"] = _attribute_list(spec.attributes)
        return body

    def _brand_field(self, category_id: int, name: str) -> dict[str, Any]:
        """add_item/update_item `brand`: the id Shopee knows this name by in this category; No Brand is 0,
        refused here when get_brand_list says the category's brand is mandatory."""
        if name.strip().lower() in ("", "no brand"):
            if self.brand_required(str(category_id)):
                raise ValidationFailed(PLATFORM, f"category {category_id} requires a brand (get_brand_list "
                                                 "is_mandatory); 'No Brand' is not accepted there")
            return {"brand_id": 0, "original_brand_name": "No Brand"}
        wanted = name.strip().casefold()
        for brand in self.brands(str(category_id)):
            if brand.name.strip().casefold() == wanted:
                return {"brand_id": _int(brand.id, "brand_id"), "original_brand_name": brand.name}
        raise ValidationFailed(PLATFORM, f"brand {name!r} is not in Shopee's brand list for category {category_id}")

    def _logistic_info(self, spec: ListingSpec) -> list[dict[str, Any]]:
        """add_item `logistic_info`: every channel of the shop (or of those the spec names) that can carry the
        item, with what its `fee_type` needs; a channel that cannot be used is left out, and when none is
        left the create is refused with each channel's reason, before anything is sent."""
        wanted = {_int(channel, "logistic_id") for channel in spec.logistics}
        weight = _kilograms(spec.weight_g)
        chosen: list[dict[str, Any]] = []
        reasons: list[str] = []
        known: set[int] = set()
        for channel in self._channels():
            channel_id = _int(channel["logistics_channel_id"], "logistics_channel_id")
            known.add(channel_id)
            if wanted and channel_id not in wanted:
                continue
            entry, reason = self._channel_entry(channel)
            if entry is not None and not _carries(channel, weight):
                entry, reason = None, f"does not carry {spec.weight_g} g"
            if entry is None:
                reasons.append(f"{channel_id} ({channel.get('logistics_channel_name') or '?'}): {reason}")
            else:
                chosen.append(entry)
        reasons.extend(f"{channel_id}: not a channel of this shop" for channel_id in sorted(wanted - known))
        if not chosen:
            raise ValidationFailed(PLATFORM, f"{spec.sku}: no logistic channel of the shop can be used: "
                                             + ("; ".join(reasons) or "the shop has no channel"))
        return chosen

    def _channel_entry(self, channel: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """One channel's `logistic_info` entry, or None and why it cannot be used (weight aside)."""
        if not channel.get("enabled"):
            return None, "not enabled in the shop"
        if channel.get("mask_channel_id"):
            return None, f"a fulfilment channel under checkout channel {channel['mask_channel_id']}"
        entry: dict[str, Any] = {"logistic_id": _int(channel["logistics_channel_id"], "logistics_channel_id"),
                                 "enabled": True}
        fee_type = str(channel.get("fee_type") or "")
        if fee_type == SIZE_SELECTION:
            # size_list gives only size_id, name and default_price (no dimensions to fit the package to),
            # so the first size the channel lists is taken.
            sizes = [size for size in channel.get("size_list") or [] if str(size.get("size_id") or "").strip()]
            if not sizes:
                return None, "fee_type SIZE_SELECTION needs a size_id and the channel lists no size"
            entry["size_id"] = _int(sizes[0]["size_id"], "size_id")  # size_list gives a string, add_item an int
        elif fee_type == CUSTOM_PRICE:
            if self.custom_shipping_fee is None:
                return None, "fee_type CUSTOM_PRICE needs the seller's shipping_fee and none is configured"
            entry["shipping_fee"] = self.custom_shipping_fee
        return entry, ""

    def _gtin_field(self, category_id: int) -> dict[str, str]:
        """`gtin_code` for add_item, init_tier_variation and add_model entries under the category's rule.

        The catalog holds no GTINs: "Flexible" gets "00" (the documented "Item without GTIN"), "Optional"
        nothing, and "Mandatory" refuses the write before anything is sent. update_item and update_model
        get no gtin_code, so an update never overwrites a GTIN the seller set in the Seller Centre.
        """
        rule = self.gtin_rule(str(category_id))
        if rule == GTIN_MANDATORY:
            raise ValidationFailed(PLATFORM, f"category {category_id} requires a GTIN (get_item_limit "
                                             "gtin_validation_rule Mandatory) and the product has none")
        return {"gtin_code": NO_GTIN} if rule == GTIN_FLEXIBLE else {}

    def _init_tiers(self, item_id: int, spec: ListingSpec, structure: _Structure, current: Mapping[str, Any],
                    *, created_at: float | None = None) -> dict[str, str]:
        """init_tier_variation with the spec's whole structure; returns SKU -> model_id read back.

        Not sent as idempotent: repeating it on an item that already got the structure is refused
        ("The level of tier-variation not change."), so after a lost answer the model list decides.
        Shopee asks for 5 s between add_item and init_tier_variation; rather than always waiting, a
        refusal within that time is retried once after the rest of the wait.
        """
        gtin = self._gtin_field(_int(spec.category_id, "category_id"))
        body = {
            "item_id": item_id,
            "standardise_tier_variation": structure.standardise(current),
            "model": [{"tier_index": list(structure.index[v.sku]), "original_price": v.price,
                       "model_sku": v.sku, "seller_stock": [{"stock": v.stock}], **gtin} for v in spec.variants],
        }
        try:
            self.http.request("POST", "/api/v2/product/init_tier_variation", json_body=body, idempotent=False)
        except PermanentError:
            if created_at is None or self._clock() - created_at >= self.variant_delay:
                raise
            self._sleep(self.variant_delay - (self._clock() - created_at))
            self.http.request("POST", "/api/v2/product/init_tier_variation", json_body=body, idempotent=False)
        except MarketplaceError as exc:
            if not exc.outcome_unknown:
                raise
            try:
                return _variant_ids(self.model_list(item_id), spec, item_id)
            except MarketplaceError:
                raise exc from None
        return _variant_ids(self.model_list(item_id), spec, item_id)

    def _apply_variants(self, item_id: int, spec: ListingSpec) -> dict[str, Any]:
        """Brings the item's tiers and models to the spec's; returns the model list as it is afterwards."""
        current = self.model_list(item_id)
        tiers: list[Mapping[str, Any]] = list(current.get("tier_variation") or [])
        now = [self._variant(m, tiers, str(item_id)) for m in current.get("model") or []]
        if not spec.variants:
            if not now:
                return current
            if spec.price is None:
                raise ValidationFailed(PLATFORM, f"{spec.sku}: a listing without variants needs a price")
            self._remove_tiers(item_id, spec, spec.price, spec.stock)
            return self.model_list(item_id)
        structure = _Structure.of(spec)
        if not now or len(tiers) != len(spec.tier_names):
            # A change in the number of tiers (none included) is what init_tier_variation is for.
            self._init_tiers(item_id, spec, structure, current)
            return self.model_list(item_id)
        wanted = {v.sku: v for v in spec.variants}
        kept: dict[str, RemoteVariant] = {}
        leaving: list[RemoteVariant] = []
        for model in now:
            if model.sku in wanted and model.sku not in kept:
                kept[model.sku] = model
            else:  # not wanted, or a second model with the same SKU (the first one keeps it)
                leaving.append(model)
        renames: list[tuple[RemoteVariant, VariantSpec]] = []
        for variant in spec.variants:
            if variant.sku in kept:
                continue
            same = next((m for m in leaving if m.options == variant.options), None)
            if same is not None:  # a SKU change on the same options: keep the model (and its history)
                leaving.remove(same)
                renames.append((same, variant))
                kept[variant.sku] = same
        if not kept:
            # Nothing survives, and init_tier_variation refuses a structure with the same number of
            # tiers: pass through "no tiers" to replace every model.
            first = spec.variants[0]
            self._remove_tiers(item_id, spec, first.price, first.stock)
            self._init_tiers(item_id, spec, structure, {})
            return self.model_list(item_id)
        for start in range(0, len(renames), BATCH):
            self.http.request("POST", "/api/v2/product/update_model", json_body={
                "item_id": item_id,
                "model": [{"model_id": _int(m.external_id, "model_id"), "model_sku": v.sku}
                          for m, v in renames[start:start + BATCH]]})
        for model in leaving:
            # Before the tier update, so no leaving model can hold a tier_index a kept one moves to.
            # NotFound: gone already (a repeat of an update whose answer was lost), which is what was wanted.
            with contextlib.suppress(NotFound):
                self.http.request("POST", "/api/v2/product/delete_model", json_body={
                    "item_id": item_id, "model_id": _int(model.external_id, "model_id")})
        moved = {sku: structure.index[sku] for sku in kept}
        if structure.differs(tiers) or any(
                model.options != wanted[sku].options for sku, model in kept.items()):
            self.http.request("POST", "/api/v2/product/update_tier_variation", json_body={
                "item_id": item_id,
                "standardise_tier_variation": structure.standardise(current),
                "model_list": [{"model_id": _int(kept[sku].external_id, "model_id"), "tier_index": list(index)}
                               for sku, index in moved.items()]})
        new = [v for v in spec.variants if v.sku not in kept]
        if new:
            # Not idempotent: repeated after a lost answer it would be refused as a duplicate tier_index;
            # the next update matches the created models by SKU instead.
            gtin = self._gtin_field(_int(spec.category_id, "category_id"))
            self.http.request("POST", "/api/v2/product/add_model", idempotent=False, json_body={
                "item_id": item_id,
                "model_list": [{"tier_index": list(structure.index[v.sku]), "original_price": v.price,
                                "model_sku": v.sku, "seller_stock": [{"stock": v.stock}], **gtin} for v in new]})
        return self.model_list(item_id)

    def _remove_tiers(self, item_id: int, spec: ListingSpec, price: int, stock: int) -> None:
        # The documented way back to an item without variants: empty tiers and one model with tier_index [].
        gtin = self._gtin_field(_int(spec.category_id, "category_id"))
        self.http.request("POST", "/api/v2/product/init_tier_variation", idempotent=False, json_body={
            "item_id": item_id, "tier_variation": [], "standardise_tier_variation": [],
            "model": [{"tier_index": [], "original_price": price, "seller_stock": [{"stock": stock}], **gtin}]})

    def _update_prices(self, item_id: int, spec: ListingSpec, variant_ids: Mapping[str, str]) -> None:
        if spec.variants:
            entries = [{"model_id": _int(variant_ids[v.sku], "model_id"), "original_price": v.price}
                       for v in spec.variants]
        elif spec.price is None:
            raise ValidationFailed(PLATFORM, f"{spec.sku}: a listing without variants needs a price")
        else:
            entries = [{"model_id": 0, "original_price": spec.price}]  # model_id 0: the item itself
        for start in range(0, len(entries), BATCH):
            answer = _response(self.http.request("POST", "/api/v2/product/update_price", json_body={
                "item_id": item_id, "price_list": entries[start:start + BATCH]}))
            _raise_failures(answer, f"item {item_id} price")

    def _update_stocks(self, item_id: int, spec: ListingSpec, variant_ids: Mapping[str, str]) -> None:
        targets = ([(_int(variant_ids[v.sku], "model_id"), v.stock) for v in spec.variants] if spec.variants
                   else [(0, spec.stock)])
        entries = [{"model_id": model_id, "seller_stock": [{"stock": stock}]} for model_id, stock in targets]
        for start in range(0, len(entries), BATCH):
            answer = _response(self.http.request("POST", "/api/v2/product/update_stock", json_body={
                "item_id": item_id, "stock_list": entries[start:start + BATCH]}))
            _raise_failures(answer, f"item {item_id} stock")

    # -- metadata (cached per client: it changes rarely and every create would otherwise re-read it) ----
    def categories(self) -> list[Category]:
        if self._categories is None:
            answer = _response(self.http.request("GET", "/api/v2/product/get_category", query={"language": "id"}))
            rows = answer.get("category_list") or []
            if not rows:  # a shop without Indonesian names answers only in its default language
                rows = _response(self.http.request("GET", "/api/v2/product/get_category")).get("category_list") or []
            self._categories = [
                Category(id=str(row["category_id"]),
                         name=str(row.get("display_category_name") or row.get("original_category_name") or ""),
                         parent_id=str(row.get("parent_category_id") or 0), is_leaf=not row.get("has_children"))
                for row in rows]
        return list(self._categories)

    def recommend_categories(self, title: str, *, description: str = "", images: Sequence[str] = ()) -> list[str]:
        """category_recommend: GET with `item_name` (required) and `product_cover_image` (an image id from
        upload_image, optional) (congminh1254/shopee-sdk, schemas/v2.product.category_recommend.json); the
        answer is `response.category_id`, a list of ids. The API takes no description."""
        del description
        query: dict[str, QueryValue] = {"item_name": title}
        if images:
            query["product_cover_image"] = images[0]
        answer = _response(self.http.request("GET", "/api/v2/product/category_recommend", query=query))
        return [str(_int(category, "category_id")) for category in answer.get("category_id") or []]

    def category_rules(self, category_id: str) -> CategoryRules:
        # Shopee has no category-rules call for Indonesia (certification rules are documented for PH/TW only).
        return CategoryRules()

    def attributes(self, category_id: str) -> list[Attribute]:
        key = str(_int(category_id, "category_id"))
        if key not in self._attributes:
            try:
                answer = _response(self.http.request("GET", "/api/v2/product/get_attribute_tree", query={
                    "category_id_list": [int(key)], "language": "id"}))
            except (ValidationFailed, NotFound) as exc:
                if not _route_missing(exc):
                    raise
                # get_attributes is deprecated (absent from the current docs); only a host without the
                # tree gets asked for it.
                self._attributes[key] = self._legacy_attributes(int(key))
            else:
                entry = next((e for e in answer.get("list") or [] if str(e.get("category_id")) == key), None)
                if entry is None:
                    raise ValidationFailed(PLATFORM, f"get_attribute_tree did not answer for category {key}")
                tree = entry.get("attribute_tree") or []
                if not tree and entry.get("warning"):
                    raise ValidationFailed(PLATFORM, f"category {key}: {entry['warning']}")
                self._attributes[key] = [_tree_attribute(a) for a in tree]
        return list(self._attributes[key])

    def _legacy_attributes(self, category_id: int) -> list[Attribute]:
        answer = _response(self.http.request("GET", "/api/v2/product/get_attributes", query={
            "category_id": category_id, "language": "id"}))
        return [Attribute(
            id=str(a["attribute_id"]),
            name=str(a.get("display_attribute_name") or a.get("original_attribute_name") or ""),
            mandatory=bool(a.get("is_mandatory")),
            values=tuple((str(v.get("value_id")), str(v.get("display_value_name") or v.get("original_value_name")
                                                      or "")) for v in a.get("attribute_value_list") or []),
            custom_values=str(a.get("input_type") or "") in _LEGACY_CUSTOM_INPUTS,
            input_type=_LEGACY_INPUT_TYPES.get(str(a.get("input_type") or ""), ""),
            multiple=_LEGACY_INPUT_TYPES.get(str(a.get("input_type") or "")) == MULTI_SELECT,
        ) for a in answer.get("attribute_list") or []]

    def brands(self, category_id: str) -> list[Brand]:
        """The category's approved brands (status 1), every page; "No Brand" (id 0) is not among them."""
        key = str(_int(category_id, "category_id"))
        if key not in self._brands:
            brands: list[Brand] = []
            offset = 0
            while True:
                page = _response(self.http.request("GET", "/api/v2/product/get_brand_list", query={
                    "offset": offset, "page_size": MAX_PAGE_SIZE, "category_id": int(key), "status": 1}))
                if offset == 0:
                    # `is_mandatory`: "Whether is mandatory." (schemas/v2.product.get_brand_list.json)
                    self._brand_mandatory[key] = bool(page.get("is_mandatory"))
                rows = page.get("brand_list") or []
                brands.extend(Brand(id=str(b["brand_id"]),
                                    name=str(b.get("original_brand_name") or b.get("display_brand_name") or ""))
                              for b in rows)
                if not page.get("has_next_page") or not rows:
                    break
                offset = _int(page.get("next_offset", offset + len(rows)), "next_offset")
            self._brands[key] = brands
        return list(self._brands[key])

    def brand_required(self, category_id: str) -> bool:
        key = str(_int(category_id, "category_id"))
        self.brands(key)
        return self._brand_mandatory.get(key, False)

    def logistics(self) -> list[LogisticsOption]:
        """The shop's channels; `default` marks those a create uses when the spec names none (enabled
        checkout channels, i.e. mask_channel_id 0, as shopee.md §5 requires for logistic_info)."""
        return [LogisticsOption(id=str(ch["logistics_channel_id"]), name=str(ch.get("logistics_channel_name") or ""),
                                enabled=bool(ch.get("enabled")), default=self._channel_entry(ch)[0] is not None)
                for ch in self._channels()]

    def _channels(self) -> list[dict[str, Any]]:
        if self._channel_list is None:
            answer = _response(self.http.request("GET", "/api/v2/logistics/get_channel_list"))
            self._channel_list = list(answer.get("logistics_channel_list") or [])
        return self._channel_list

    def limits(self, category_id: str) -> ListingLimits:
        key = str(_int(category_id, "category_id")) if category_id else ""
        if key not in self._limits:
            answer = _response(self._item_limit(key))
            price = _limit_pair(answer, "price_limit")
            tiers = answer.get("tier_variation_limit") or {}
            self._limits[key] = ListingLimits(
                title_length=_int_pair(_limit_pair(answer, "item_name_length_limit"), "item_name_length_limit"),
                description_length=_int_pair(_limit_pair(answer, "item_description_length_limit"),
                                             "item_description_length_limit"),
                images=_int_pair(_limit_pair(answer, "item_image_count_limit"), "item_image_count_limit"),
                price=(rupiah(price[0], "price_limit.min_limit"), rupiah(price[1], "price_limit.max_limit")),
                stock=_int_pair(_limit_pair(answer, "stock_limit"), "stock_limit"),
                # get_item_limit documents no tier counts; the docs' fixed numbers apply unless it sends them.
                max_tiers=_int(tiers.get("max_tier_count", DEFAULT_MAX_TIERS), "max_tier_count"),
                max_options_per_tier=_int(tiers.get("max_option_count", DEFAULT_MAX_OPTIONS), "max_option_count"),
                max_variants=_int(tiers.get("max_model_count", DEFAULT_MAX_MODELS), "max_model_count"),
                weight_g=self._weight_limits(answer.get("weight_limit") or {}),
            )
        return self._limits[key]

    def _item_limit(self, key: str) -> dict[str, Any]:
        """get_item_limit's whole answer for a category ("" = the shop's defaults), read once."""
        if key not in self._item_limits:
            query: dict[str, QueryValue] = {"category_id": int(key)} if key else {}
            self._item_limits[key] = self.http.request("GET", "/api/v2/product/get_item_limit", query=query)
        return self._item_limits[key]

    def gtin_rule(self, category_id: str) -> str:
        """The category's gtin_validation_rule, lower-cased ("mandatory", "flexible", "optional"; "" when
        not given). The doc's schema puts `gtin_limit` beside `response`; inside it is read too."""
        answer = self._item_limit(str(_int(category_id, "category_id")))
        limit = answer.get("gtin_limit") or _response(answer).get("gtin_limit") or {}
        return str(limit.get("gtin_validation_rule") or "").strip().lower() if isinstance(limit, Mapping) else ""

    def _weight_limits(self, limit: Mapping[str, Any]) -> tuple[int, int]:
        """Grams from get_item_limit's weight_limit when it carries a range; else from the channels.

        The documented weight_limit holds only `weight_mandatory`; the real bounds are per channel
        (get_channel_list weight_limit, 0 = none), and a listing needs one channel that carries it.
        """
        if limit.get("min_limit") is not None and limit.get("max_limit") is not None:
            return max(1, _grams(limit["min_limit"])), _grams(limit["max_limit"])
        usable = [ch.get("weight_limit") or {} for ch in self._channels() if _usable_channel(ch)]
        if not usable:
            raise ValidationFailed(PLATFORM, "the shop has no enabled logistic channel")
        lows = [_grams(w.get("item_min_weight") or 0) for w in usable]
        highs = [_grams(w.get("item_max_weight") or 0) for w in usable]
        high = NO_WEIGHT_LIMIT_G if any(h <= 0 for h in highs) else max(highs)
        return max(1, min(lows)), high

    # -- mapping -------------------------------------------------------------------------------
    def _listing(self, info: Mapping[str, Any], models: Mapping[str, Any] | None) -> RemoteListing:
        item_id = str(info["item_id"])
        image = info.get("image") or {}
        images = tuple(str(u) for u in image.get("image_url_list") or image.get("image_id_list") or [])
        tiers: list[Mapping[str, Any]] = list((models or {}).get("tier_variation") or [])
        tier_names = tuple(str(t.get("name", "")) for t in tiers)
        variants = tuple(self._variant(m, tiers, item_id) for m in (models or {}).get("model") or [])
        if variants:
            price: int | None = None
            stock = sum(v.stock for v in variants)
        else:
            price = _price_of(info, f"item {item_id} price")
            stock = _stock_of(info)
        return RemoteListing(
            platform=PLATFORM, external_id=item_id, sku=str(info.get("item_sku") or ""),
            title=str(info.get("item_name") or ""), description=_description(info),
            category_id=str(info.get("category_id") or ""), price=price, stock=stock, images=images,
            tier_names=tier_names, variants=variants, status=str(info.get("item_status") or ""),
            extra={"update_time": info.get("update_time"), "image_ids": tuple(image.get("image_id_list") or ())},
            brand=str((info.get("brand") or {}).get("original_brand_name") or "No Brand"),
            weight_g=_grams(info.get("weight")),
            **_dimensions(info.get("dimension") or {}),
            attributes=_read_attributes(info.get("attribute_list") or []),
        )

    @staticmethod
    def _variant(model: Mapping[str, Any], tiers: Sequence[Mapping[str, Any]], item_id: str) -> RemoteVariant:
        indexes: Iterable[Any] = model.get("tier_index") or []
        options: list[str] = []
        for level, index in enumerate(indexes):
            option_list = tiers[level].get("option_list") or [] if level < len(tiers) else []
            position = _int(index, "tier_index")
            if not 0 <= position < len(option_list):
                raise ValidationFailed(PLATFORM, f"item {item_id}: tier_index {position} has no option")
            options.append(str(option_list[position].get("option", "")))
        model_id = str(model.get("model_id", ""))
        return RemoteVariant(sku=str(model.get("model_sku") or ""), options=tuple(options),
                             price=_price_of(model, f"item {item_id} model {model_id} price"),
                             stock=_stock_of(model), external_id=model_id)


def _grams(kilograms: Any) -> int:
    """Shopee sends weight in kg (a number or a string); the catalog keeps whole grams."""
    from decimal import Decimal, InvalidOperation

    try:
        return int((Decimal(str(kilograms)) * 1000).to_integral_value())
    except (InvalidOperation, ValueError):
        return 0


def _dimensions(dimension: Mapping[str, Any]) -> dict[str, int]:
    names = {"length_cm": "package_length", "width_cm": "package_width", "height_cm": "package_height"}
    result = {}
    for ours, theirs in names.items():
        try:
            result[ours] = int(dimension.get(theirs) or 0)
        except (TypeError, ValueError):
            result[ours] = 0
    return result


def _kilograms(grams: int) -> float:
    # Weight, not money: Shopee takes kg as a float on the wire.
    return round(grams / 1000, 3)


def _dimension_field(spec: ListingSpec) -> dict[str, int] | None:
    """add_item/update_item `dimension`, all three sides or none (the object needs all three)."""
    if min(spec.length_cm, spec.width_cm, spec.height_cm) <= 0:
        return None
    return {"package_length": spec.length_cm, "package_width": spec.width_cm, "package_height": spec.height_cm}


def _usable_channel(channel: Mapping[str, Any]) -> bool:
    # Only enabled checkout channels (mask_channel_id 0) may go into logistic_info (shopee.md §5, G209 §7).
    return bool(channel.get("enabled")) and not channel.get("mask_channel_id")


def _carries(channel: Mapping[str, Any], kilograms: float) -> bool:
    limit = channel.get("weight_limit") or {}
    try:
        low, high = float(limit.get("item_min_weight") or 0), float(limit.get("item_max_weight") or 0)
    except (TypeError, ValueError):
        return True  # an unreadable limit is the marketplace's to enforce
    return (low <= 0 or kilograms >= low) and (high <= 0 or kilograms <= high)


@dataclass(frozen=True)
class _Structure:
    """The tier structure a spec asks for: options per tier in first-seen order, each variant's tier_index."""

    names: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    index: dict[str, tuple[int, ...]]  # variant SKU -> tier_index

    @classmethod
    def of(cls, spec: ListingSpec) -> _Structure:
        levels = len(spec.tier_names)
        if not levels:
            raise ValidationFailed(PLATFORM, f"{spec.sku}: variants need tier names")
        options: list[list[str]] = [[] for _ in range(levels)]
        index: dict[str, tuple[int, ...]] = {}
        combinations: set[tuple[str, ...]] = set()
        for variant in spec.variants:
            if len(variant.options) != levels:
                raise ValidationFailed(PLATFORM, f"{spec.sku}: variant {variant.sku} has {len(variant.options)} "
                                                 f"options for {levels} tiers")
            if not variant.sku or variant.sku in index:
                raise ValidationFailed(PLATFORM, f"{spec.sku}: variant SKU {variant.sku!r} is empty or repeated")
            if variant.options in combinations:
                raise ValidationFailed(PLATFORM, f"{spec.sku}: options {variant.options} are repeated")
            combinations.add(variant.options)
            for level, option in enumerate(variant.options):
                if option not in options[level]:
                    options[level].append(option)
            index[variant.sku] = tuple(options[level].index(o) for level, o in enumerate(variant.options))
        return cls(tuple(spec.tier_names), tuple(tuple(o) for o in options), index)

    def differs(self, tiers: Sequence[Mapping[str, Any]]) -> bool:
        """Whether the item's tiers (get_model_list tier_variation) are not exactly these."""
        now = [(str(t.get("name", "")), tuple(str(o.get("option", "")) for o in t.get("option_list") or []))
               for t in tiers]
        return now != list(zip(self.names, self.options, strict=True))

    def standardise(self, current: Mapping[str, Any]) -> list[dict[str, Any]]:
        """`standardise_tier_variation` for this structure: the classic `tier_variation` is deprecated in
        the docs since 2025-09. Custom variations have id 0; a tier the item already has under the same
        name keeps its ids, and a first-tier option keeps its image."""
        classic: list[Mapping[str, Any]] = list(current.get("tier_variation") or [])
        standard: list[Mapping[str, Any]] = list(current.get("standardise_tier_variation") or [])
        tiers: list[dict[str, Any]] = []
        for level, (name, options) in enumerate(zip(self.names, self.options, strict=True)):
            old: Mapping[str, Any] = {}
            if level < len(standard) and standard[level].get("variation_name") == name:
                old = standard[level]
            old_options = {str(o.get("variation_option_name")): o for o in old.get("variation_option_list") or []}
            images: dict[str, str] = {}
            if level == 0 and classic:  # only the first tier carries option images
                for option in classic[0].get("option_list") or []:
                    image_id = (option.get("image") or {}).get("image_id")
                    if image_id:
                        images[str(option.get("option"))] = str(image_id)
            option_list: list[dict[str, Any]] = []
            for option in options:
                known = old_options.get(option) or {}
                entry: dict[str, Any] = {
                    "variation_option_id": _int(known.get("variation_option_id") or 0, "variation_option_id"),
                    "variation_option_name": option,
                }
                image = images.get(option) or (str(known.get("image_id") or "") if level == 0 else "")
                if image:
                    entry["image_id"] = image
                option_list.append(entry)
            tiers.append({"variation_id": _int(old.get("variation_id") or 0, "variation_id"),
                          "variation_name": name,
                          "variation_group_id": _int(old.get("variation_group_id") or 0, "variation_group_id"),
                          "variation_option_list": option_list})
        return tiers


def _variant_ids(models: Mapping[str, Any], spec: ListingSpec, item_id: int, *, strict: bool = True) -> dict[str, str]:
    """SKU -> model_id for the spec's variants; `strict` refuses a model list missing one of them."""
    by_sku: dict[str, str] = {}
    for model in models.get("model") or []:
        by_sku.setdefault(str(model.get("model_sku") or ""), str(model.get("model_id", "")))
    missing = [v.sku for v in spec.variants if v.sku not in by_sku]
    if strict and missing:
        raise ValidationFailed(PLATFORM, f"item {item_id} has no model with SKU {', '.join(missing)}")
    return {v.sku: by_sku[v.sku] for v in spec.variants if v.sku in by_sku}


def _failure(reason: str, what: str) -> MarketplaceError:
    """A per-entry failure of a batch call (failure_list) as an error of the tree."""
    lowered = reason.lower()
    if any(word in lowered for word in ("not found", "not exist", "not_found")):
        return NotFound(PLATFORM, f"{what}: {reason}")
    return ValidationFailed(PLATFORM, f"{what}: {reason}")


def _raise_failures(answer: Mapping[str, Any], what: str) -> None:
    for failure in answer.get("failure_list") or []:
        model = failure.get("model_id")
        raise _failure(str(failure.get("failed_reason") or "refused"), f"{what} (model {model})")


def _prefix(error: MarketplaceError, text: str) -> None:
    error.marketplace_message = text + error.marketplace_message
    error.args = (str(error),)


def _route_missing(error: MarketplaceError) -> bool:
    """The host does not serve this API at all (live: error_param "…offline or the request path is incorrect")."""
    message = error.marketplace_message.lower()
    return error.http_status == 404 or "request path is incorrect" in message or "no route" in message


def _tree_attribute(raw: Mapping[str, Any]) -> Attribute:
    info = raw.get("attribute_info") or {}
    code = info.get("input_type")
    input_type = _TREE_INPUT_TYPES.get(code, "") if isinstance(code, int) else ""
    return Attribute(
        id=str(raw["attribute_id"]),
        name=str(raw.get("name") or raw.get("display_attribute_name") or raw.get("original_attribute_name") or ""),
        mandatory=bool(raw.get("mandatory")),
        values=tuple((str(v.get("value_id")), str(v.get("name") or v.get("display_value_name")
                                                   or v.get("original_value_name") or ""))
                     for v in raw.get("attribute_value_list") or []),
        custom_values=info.get("input_type") in _TREE_CUSTOM_INPUTS,
        input_type=input_type,
        multiple=input_type == MULTI_SELECT,
        units=tuple(str(unit) for unit in info.get("attribute_unit_list") or [] if unit),
    )


def _attribute_list(values: Sequence[AttributeValue]) -> list[dict[str, Any]]:
    """add_item/update_item `attribute_list`: one entry per attribute, its values in order.

    A listed value goes by `value_id` (its name too, as the doc's sample does); a free-text or custom value
    "needs to be uploaded as 0, and original_value_name is mandatory"; `value_unit` only for quantitative
    attributes (congminh1254/shopee-sdk, schemas/v2.product.add_item.json and v2.product.update_item.json,
    request_params attribute_list).
    """
    grouped: dict[int, list[dict[str, Any]]] = {}
    for value in values:
        value_id = _int(value.value_id, "value_id") if value.value_id else 0
        if value_id == 0 and not value.name:
            raise ValidationFailed(PLATFORM, f"attribute {value.attribute_id}: a value without an id needs its text")
        entry: dict[str, Any] = {"value_id": value_id}
        if value.name:
            entry["original_value_name"] = value.name
        if value.unit:
            entry["value_unit"] = value.unit
        grouped.setdefault(_int(value.attribute_id, "attribute_id"), []).append(entry)
    return [{"attribute_id": attribute_id, "attribute_value_list": entries}
            for attribute_id, entries in grouped.items()]


def _read_attributes(rows: Iterable[Mapping[str, Any]]) -> tuple[AttributeValue, ...]:
    """get_item_base_info `attribute_list[]{attribute_id, attribute_value_list[]{value_id, original_value_name,
    value_unit}}` (schemas/v2.product.get_item_base_info.json); value_id 0 is a custom value."""
    return tuple(
        AttributeValue(attribute_id=str(row.get("attribute_id")),
                       value_id="" if not value.get("value_id") else str(value["value_id"]),
                       name=str(value.get("original_value_name") or ""), unit=str(value.get("value_unit") or ""))
        for row in rows for value in row.get("attribute_value_list") or [])


def _limit_pair(answer: Mapping[str, Any], name: str) -> tuple[Any, Any]:
    limit = answer.get(name)
    if not isinstance(limit, Mapping) or limit.get("min_limit") is None or limit.get("max_limit") is None:
        raise ValidationFailed(PLATFORM, f"get_item_limit answered without {name}")
    return limit["min_limit"], limit["max_limit"]


def _int_pair(pair: tuple[Any, Any], what: str) -> tuple[int, int]:
    return _int(pair[0], f"{what}.min_limit"), _int(pair[1], f"{what}.max_limit")
