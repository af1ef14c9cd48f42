"""The sandbox Shopee shop's listings: items, models and uploaded images, in the sandbox's own SQLite file.

This stands in for Shopee's product database, not SyncStore's store, so it lives beside the
token book and survives a restart the way listings on the real marketplace do. One lock guards
the connection (the HTTP server is threaded); `atomic()` groups a read-check-write so two
concurrent `add_item` calls cannot both pass a limit check or take the same id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from syncstore_cli.sandbox.statedb import StateDatabase

ITEM_ID_BASE: Final = 2_000_000_000
MODEL_ID_BASE: Final = 5_000_000_000

NORMAL: Final = "NORMAL"
UNLIST: Final = "UNLIST"
SELLER_DELETE: Final = "SELLER_DELETE"
ITEM_STATUSES: Final = frozenset({NORMAL, UNLIST, SELLER_DELETE, "BANNED", "REVIEWING", "SHOPEE_DELETE"})

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    item_id INTEGER PRIMARY KEY,
    shop_id INTEGER NOT NULL,
    item_sku TEXT NOT NULL DEFAULT '',
    item_name TEXT NOT NULL,
    description TEXT NOT NULL,
    category_id INTEGER NOT NULL,
    brand_id INTEGER NOT NULL DEFAULT 0,
    brand_name TEXT NOT NULL DEFAULT 'No Brand',
    weight REAL NOT NULL,
    dimension TEXT,
    images TEXT NOT NULL,
    price INTEGER NOT NULL,
    stock INTEGER NOT NULL,
    item_status TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    tier_variation TEXT NOT NULL DEFAULT '[]',
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS items_by_shop ON items (shop_id, item_status, item_id);
CREATE INDEX IF NOT EXISTS items_by_sku ON items (shop_id, item_sku);
CREATE TABLE IF NOT EXISTS models (
    model_id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL,
    model_sku TEXT NOT NULL DEFAULT '',
    tier_index TEXT NOT NULL,
    price INTEGER NOT NULL,
    stock INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS models_by_item ON models (item_id, model_id);
CREATE TABLE IF NOT EXISTS images (
    image_id TEXT PRIMARY KEY,
    data BLOB,
    url TEXT,
    content_type TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS removed_categories (
    category_id INTEGER PRIMARY KEY,
    removed REAL NOT NULL
);
"""

_ITEM_COLUMNS: Final = (
    "item_id, shop_id, item_sku, item_name, description, category_id, brand_id, brand_name, weight, dimension, "
    "images, price, stock, item_status, create_time, update_time, tier_variation, extra"
)
_MODEL_COLUMNS: Final = "model_id, item_id, model_sku, tier_index, price, stock"


@dataclass(frozen=True)
class TierOption:
    option: str
    image_id: str | None = None


@dataclass(frozen=True)
class Tier:
    name: str
    options: tuple[TierOption, ...]


@dataclass(frozen=True)
class ItemRecord:
    item_id: int
    shop_id: int
    item_sku: str
    item_name: str
    description: str
    category_id: int
    brand_id: int
    brand_name: str
    weight: float  # kg, as on the wire
    dimension: tuple[int, int, int] | None  # package length, width, height in cm
    images: tuple[str, ...]  # image ids in display order
    price: int  # for an item with models: the lowest model price (what the shop page shows)
    stock: int  # for an item with models: the sum of model stock
    item_status: str
    create_time: int
    update_time: int
    tiers: tuple[Tier, ...] = ()
    # logistic_info, attribute_list, condition, pre_order, ...: stored as sent, echoed back on reads
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelRecord:
    model_id: int
    item_id: int
    model_sku: str
    tier_index: tuple[int, ...]
    price: int
    stock: int


@dataclass(frozen=True)
class ImageRecord:
    image_id: str
    data: bytes | None  # None for an image known by URL only (seeded listings)
    url: str | None
    content_type: str
    width: int
    height: int


def tiers_to_json(tiers: Sequence[Tier]) -> str:
    return json.dumps(
        [{"name": t.name, "options": [{"option": o.option, "image_id": o.image_id} for o in t.options]}
         for t in tiers],
        ensure_ascii=False,
    )


def tiers_from_json(text: str) -> tuple[Tier, ...]:
    return tuple(
        Tier(str(t["name"]), tuple(TierOption(str(o["option"]), o.get("image_id")) for o in t["options"]))
        for t in json.loads(text)
    )


def _item_row(item: ItemRecord) -> tuple[Any, ...]:
    return (
        item.item_id, item.shop_id, item.item_sku, item.item_name, item.description, item.category_id,
        item.brand_id, item.brand_name, item.weight,
        None if item.dimension is None else json.dumps(list(item.dimension)),
        json.dumps(list(item.images)), item.price, item.stock, item.item_status, item.create_time,
        item.update_time, tiers_to_json(item.tiers), json.dumps(item.extra, ensure_ascii=False),
    )


def _item_from_row(row: Sequence[Any]) -> ItemRecord:
    dimension = None if row[9] is None else tuple(int(v) for v in json.loads(row[9]))
    return ItemRecord(
        item_id=int(row[0]), shop_id=int(row[1]), item_sku=str(row[2]), item_name=str(row[3]),
        description=str(row[4]), category_id=int(row[5]), brand_id=int(row[6]), brand_name=str(row[7]),
        weight=float(row[8]), dimension=None if dimension is None else (dimension[0], dimension[1], dimension[2]),
        images=tuple(str(i) for i in json.loads(row[10])), price=int(row[11]), stock=int(row[12]),
        item_status=str(row[13]), create_time=int(row[14]), update_time=int(row[15]),
        tiers=tiers_from_json(row[16]), extra=dict(json.loads(row[17])),
    )


def _model_row(model: ModelRecord) -> tuple[Any, ...]:
    return (model.model_id, model.item_id, model.model_sku, json.dumps(list(model.tier_index)), model.price,
            model.stock)


def _model_from_row(row: Sequence[Any]) -> ModelRecord:
    return ModelRecord(int(row[0]), int(row[1]), str(row[2]), tuple(int(i) for i in json.loads(row[3])),
                       int(row[4]), int(row[5]))


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


class ShopeeListings(StateDatabase):
    """Items, models and images of the sandbox's Shopee shops; `path=None` keeps them in memory."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, SCHEMA)

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    # -- ids ---------------------------------------------------------------------------------
    def next_item_ids(self, n: int = 1) -> list[int]:
        with self._lock:
            top = int(self._one("SELECT COALESCE(MAX(item_id), ?) FROM items", (ITEM_ID_BASE,))[0])
        return list(range(top + 1, top + 1 + n))

    def next_model_ids(self, n: int = 1) -> list[int]:
        with self._lock:
            top = int(self._one("SELECT COALESCE(MAX(model_id), ?) FROM models", (MODEL_ID_BASE,))[0])
        return list(range(top + 1, top + 1 + n))

    # -- items -------------------------------------------------------------------------------
    def insert_items(self, items: Iterable[ItemRecord]) -> None:
        with self.atomic():
            self._db.executemany(f"INSERT INTO items ({_ITEM_COLUMNS}) VALUES ({_placeholders(18)})",
                                 [_item_row(i) for i in items])

    def save_item(self, item: ItemRecord) -> None:
        """Write every column of an existing item."""
        with self.atomic():
            self._db.execute(f"REPLACE INTO items ({_ITEM_COLUMNS}) VALUES ({_placeholders(18)})", _item_row(item))

    def item(self, item_id: int) -> ItemRecord | None:
        row = self._one(f"SELECT {_ITEM_COLUMNS} FROM items WHERE item_id = ?", (item_id,))
        return None if row is None else _item_from_row(row)

    def items(self, item_ids: Sequence[int]) -> dict[int, ItemRecord]:
        if not item_ids:
            return {}
        rows = self._all(f"SELECT {_ITEM_COLUMNS} FROM items WHERE item_id IN ({_placeholders(len(item_ids))})",
                         list(item_ids))
        return {int(r[0]): _item_from_row(r) for r in rows}

    def list_items(
        self, shop_id: int, statuses: Sequence[str], offset: int, limit: int,
        update_from: int | None = None, update_to: int | None = None,
    ) -> tuple[list[tuple[int, str, int]], int]:
        """(item_id, item_status, update_time) of one page, in item_id order, and the total."""
        where = f"shop_id = ? AND item_status IN ({_placeholders(len(statuses))})"
        params: list[Any] = [shop_id, *statuses]
        if update_from is not None:
            where += " AND update_time >= ?"
            params.append(update_from)
        if update_to is not None:
            where += " AND update_time <= ?"
            params.append(update_to)
        with self._lock:
            total = int(self._one(f"SELECT COUNT(*) FROM items WHERE {where}", params)[0])
            # item_id order keeps pages stable while listings are being edited between calls
            rows = self._all(f"SELECT item_id, item_status, update_time FROM items WHERE {where} "
                             "ORDER BY item_id LIMIT ? OFFSET ?", [*params, limit, offset])
        return [(int(r[0]), str(r[1]), int(r[2])) for r in rows], total

    def search_items(
        self, shop_id: int, statuses: Sequence[str], offset: int, limit: int, *,
        sku_keyword: str | None = None, name_keyword: str | None = None,
    ) -> tuple[list[int], int]:
        """One page (`limit` -1: all) of matching item ids, in item_id order, and the total."""
        where = f"shop_id = ? AND item_status IN ({_placeholders(len(statuses))})"
        params: list[Any] = [shop_id, *statuses]
        if sku_keyword is not None:
            where += " AND instr(lower(item_sku), lower(?)) > 0"
            params.append(sku_keyword)
        elif name_keyword is not None:
            where += " AND instr(lower(item_name), lower(?)) > 0"
            params.append(name_keyword)
        with self._lock:
            total = int(self._one(f"SELECT COUNT(*) FROM items WHERE {where}", params)[0])
            rows = self._all(f"SELECT item_id FROM items WHERE {where} ORDER BY item_id LIMIT ? OFFSET ?",
                             [*params, limit, offset])
        return [int(r[0]) for r in rows], total

    def count_items(self, shop_id: int, *, created_since: int | None = None, live_only: bool = True) -> int:
        where, params = "shop_id = ?", [shop_id]
        if live_only:
            where += f" AND item_status != '{SELLER_DELETE}'"
        if created_since is not None:
            where += " AND create_time >= ?"
            params.append(created_since)
        return int(self._one(f"SELECT COUNT(*) FROM items WHERE {where}", params)[0])

    def item_skus(self, shop_id: int) -> set[str]:
        return {str(r[0]) for r in self._all("SELECT item_sku FROM items WHERE shop_id = ?", (shop_id,))}

    def brand_names(self) -> set[str]:
        return {str(r[0]) for r in self._all("SELECT DISTINCT brand_name FROM items WHERE brand_id != 0")}

    def sku_rows(self, shop_id: int | None = None) -> list[tuple[int, int | None, str]]:
        """(item_id, model_id or None, sku) of every live listing and its models."""
        shop_filter = "" if shop_id is None else " AND i.shop_id = ?"
        params: list[Any] = [] if shop_id is None else [shop_id]
        rows = self._all(
            f"SELECT i.item_id, NULL, i.item_sku FROM items i WHERE i.item_status != '{SELLER_DELETE}'{shop_filter} "
            f"UNION ALL SELECT m.item_id, m.model_id, m.model_sku FROM models m JOIN items i ON i.item_id = m.item_id "
            f"WHERE i.item_status != '{SELLER_DELETE}'{shop_filter} ORDER BY 1, 2",
            params * 2,
        )
        return [(int(r[0]), None if r[1] is None else int(r[1]), str(r[2])) for r in rows]

    # -- the category tree -------------------------------------------------------------------
    def remove_category(self, category_id: int, now: float) -> None:
        """Take a leaf out of the served tree, for every server over this state (idempotent)."""
        with self.atomic():
            self._db.execute("INSERT OR IGNORE INTO removed_categories (category_id, removed) VALUES (?, ?)",
                             (category_id, now))

    def removed_categories(self) -> frozenset[int]:
        return frozenset(int(r[0]) for r in self._all("SELECT category_id FROM removed_categories"))

    # -- models ------------------------------------------------------------------------------
    def models(self, item_id: int) -> list[ModelRecord]:
        rows = self._all(f"SELECT {_MODEL_COLUMNS} FROM models WHERE item_id = ? ORDER BY model_id", (item_id,))
        return [_model_from_row(r) for r in rows]

    def models_of(self, item_ids: Sequence[int]) -> dict[int, list[ModelRecord]]:
        out: dict[int, list[ModelRecord]] = {i: [] for i in item_ids}
        if not item_ids:
            return out
        rows = self._all(f"SELECT {_MODEL_COLUMNS} FROM models WHERE item_id IN ({_placeholders(len(item_ids))}) "
                         "ORDER BY model_id", list(item_ids))
        for row in rows:
            model = _model_from_row(row)
            out[model.item_id].append(model)
        return out

    def insert_models(self, models: Iterable[ModelRecord]) -> None:
        with self.atomic():
            self._db.executemany(f"INSERT INTO models ({_MODEL_COLUMNS}) VALUES ({_placeholders(6)})",
                                 [_model_row(m) for m in models])

    def save_models(self, models: Iterable[ModelRecord]) -> None:
        with self.atomic():
            self._db.executemany(f"REPLACE INTO models ({_MODEL_COLUMNS}) VALUES ({_placeholders(6)})",
                                 [_model_row(m) for m in models])

    def delete_models(self, model_ids: Sequence[int]) -> None:
        with self.atomic():
            self._db.executemany("DELETE FROM models WHERE model_id = ?", [(m,) for m in model_ids])

    # -- images ------------------------------------------------------------------------------
    def put_image(self, image: ImageRecord, now: float) -> None:
        """Store uploaded bytes; the id is a hash of them, so a second upload is a no-op."""
        with self.atomic():
            self._db.execute(
                "INSERT OR IGNORE INTO images (image_id, data, url, content_type, width, height, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (image.image_id, image.data, image.url, image.content_type, image.width, image.height, now),
            )

    def put_image_urls(self, pairs: Iterable[tuple[str, str]], now: float) -> None:
        """Images known by URL only (seeded listings): (image_id, url)."""
        with self.atomic():
            self._db.executemany("INSERT OR IGNORE INTO images (image_id, url, created) VALUES (?, ?, ?)",
                                 [(image_id, url, now) for image_id, url in pairs])

    def image(self, image_id: str) -> ImageRecord | None:
        row = self._one("SELECT image_id, data, url, content_type, width, height FROM images WHERE image_id = ?",
                        (image_id,))
        if row is None:
            return None
        return ImageRecord(str(row[0]), None if row[1] is None else bytes(row[1]), row[2], str(row[3]),
                           int(row[4]), int(row[5]))

    def image_urls(self, image_ids: Iterable[str]) -> dict[str, str | None]:
        """The known ids among `image_ids`, each with its external URL (None: served by the sandbox)."""
        ids = sorted(set(image_ids))
        if not ids:
            return {}
        rows = self._all(f"SELECT image_id, url FROM images WHERE image_id IN ({_placeholders(len(ids))})", ids)
        return {str(r[0]): (None if r[1] is None else str(r[1])) for r in rows}
