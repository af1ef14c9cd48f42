"""Shopee Open Platform v2 product reads (and a few writes) mapped to `marketplaces.base` records.

A full listing costs: ceil(n / page_size) get_item_list pages + ceil(n / 50) get_item_base_info batches
+ one get_model_list per item with models (Shopee has no batched model read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from syncstore_cli.marketplaces.base import RemoteListing, RemoteVariant
from syncstore_cli.marketplaces.errors import NotFound, ValidationFailed
from syncstore_cli.marketplaces.http import SignedHttpClient

PLATFORM = "shopee"
MAX_PAGE_SIZE = 100
BASE_INFO_BATCH = 50
# Every status a listing can be in except deleted ones (SELLER_DELETE, SHOPEE_DELETE).
LIVE_STATUSES = ("NORMAL", "UNLIST", "BANNED", "REVIEWING")
SEARCH_STATUSES = ("NORMAL", "UNLIST")


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
    info = entry.get("stock_info_v2") or {}
    summary = info.get("summary_info") or {}
    if "total_available_stock" in summary:
        return _int(summary["total_available_stock"], "total_available_stock")
    return sum(_int(s.get("stock", 0), "seller_stock") for s in info.get("seller_stock") or [])


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

    def __init__(self, http: SignedHttpClient, *, concurrency: int = 1) -> None:
        self.http = http
        self.concurrency = concurrency  # parallel reads; the shared rate budget still paces them

    # -- reads ---------------------------------------------------------------------------------
    def item_ids(self, page_size: int = MAX_PAGE_SIZE, statuses: Sequence[str] = LIVE_STATUSES) -> Iterator[int]:
        """Every item id of the shop in the given statuses, paged through get_item_list."""
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        offset = 0
        while True:
            page = _response(self.http.request("GET", "/api/v2/product/get_item_list", query={
                "offset": offset, "page_size": size, "item_status": list(statuses)}))
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
                models = dict(zip(with_models, pool.map(self.model_list, with_models), strict=True))
        else:
            models = {item_id: self.model_list(item_id) for item_id in with_models}
        return [self._listing(info, models.get(_int(info["item_id"], "item_id")) if info.get("has_model") else None)
                for info in infos]

    def list_listings(self, page_size: int = MAX_PAGE_SIZE) -> Iterator[RemoteListing]:
        pending: list[int] = []
        for item_id in self.item_ids(page_size):
            pending.append(item_id)
            if len(pending) == BASE_INFO_BATCH:
                yield from self.listings(pending)
                pending = []
        if pending:
            yield from self.listings(pending)

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
            query: dict[str, Any] = {"item_sku": sku, "page_size": page_size, "item_status": list(SEARCH_STATUSES)}
            if offset:
                query["offset"] = offset
            page = _response(self.http.request("GET", "/api/v2/product/search_item", query=query))
            ids.extend(_int(i, "item_id") for i in page.get("item_id_list") or [])
            offset = str(page.get("next_offset") or "")
            if not offset:
                return ids

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
        answer = _response(self.http.request("POST", "/api/v2/media_space/upload_image",
                                             files={"image": ("image", data)}))
        image_id = (answer.get("image_info") or {}).get("image_id")
        if not image_id:
            raise ValidationFailed(PLATFORM, "upload_image answered without an image_id")
        return str(image_id)

    def delete_listing(self, external_id: str) -> None:
        self.http.request("POST", "/api/v2/product/delete_item",
                          json_body={"item_id": _int(external_id, "item_id")})

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
