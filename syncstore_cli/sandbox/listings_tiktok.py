"""TikTok Shop's side of the seller's listings, as the sandbox keeps them.

The sandbox stands in for TikTok's own systems, so its products, SKUs, uploaded images and
idempotency keys live in the sandbox's SQLite file (like tokens.py), never in SyncStore's store.
One connection behind one re-entrant lock: handlers run a whole read-modify-write inside
`transaction()`, so two concurrent requests for the same product never interleave.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncstore_cli.sandbox.statedb import StateDatabase

# 19-digit decimal ids like TikTok's (e.g. 1729592969712207008); one counter for products and SKUs
# keeps them unique together, and increasing ids make "newest first" a plain ORDER BY.
ID_BASE = 1_731_000_000_000_000_000

PENDING = "PENDING"
ACTIVATE = "ACTIVATE"
FAILED = "FAILED"
SELLER_DEACTIVATED = "SELLER_DEACTIVATED"
DELETED = "DELETED"
DRAFT = "DRAFT"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    product_id TEXT PRIMARY KEY,
    shop_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    category_id TEXT NOT NULL,
    brand_id TEXT,
    main_images TEXT NOT NULL,
    package_weight TEXT NOT NULL,
    package_dimensions TEXT,
    product_attributes TEXT NOT NULL,
    listing_platforms TEXT NOT NULL,
    status TEXT NOT NULL,
    tokopedia_status TEXT,
    audit_due_at REAL,
    audit_outcome TEXT,
    audit_failed_reasons TEXT NOT NULL,
    extra TEXT NOT NULL,
    seed_key TEXT,
    counts_toward_limit INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS products_by_shop ON products (shop_id, product_id);
CREATE UNIQUE INDEX IF NOT EXISTS products_by_seed ON products (shop_id, seed_key) WHERE seed_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS products_in_audit ON products (audit_due_at) WHERE audit_due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS skus (
    sku_id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    seller_sku TEXT NOT NULL,
    sales_attributes TEXT NOT NULL,
    price_amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    inventory TEXT NOT NULL,
    external_sku_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS skus_by_product ON skus (product_id, position);
CREATE INDEX IF NOT EXISTS skus_by_seller_sku ON skus (seller_sku);
CREATE TABLE IF NOT EXISTS images (
    uri TEXT PRIMARY KEY,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    format TEXT NOT NULL,
    use_case TEXT NOT NULL,
    data BLOB,
    source_url TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    shop_id TEXT NOT NULL,
    key TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (shop_id, key)
);
CREATE TABLE IF NOT EXISTS brands (brand_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS removed_categories (category_id TEXT PRIMARY KEY, removed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attributes (attribute_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attribute_values (
    value_id TEXT PRIMARY KEY,
    attribute_id TEXT NOT NULL,
    name TEXT NOT NULL
);
"""

_PRODUCT_COLUMNS = (
    "product_id, shop_id, title, description, category_id, brand_id, main_images, package_weight, "
    "package_dimensions, product_attributes, listing_platforms, status, tokopedia_status, audit_due_at, "
    "audit_outcome, audit_failed_reasons, extra, seed_key, counts_toward_limit, create_time, update_time"
)
_SKU_COLUMNS = "sku_id, product_id, position, seller_sku, sales_attributes, price_amount, currency, inventory, " \
               "external_sku_id"


@dataclass
class Sku:
    id: str
    seller_sku: str
    sales_attributes: list[dict[str, Any]]  # {id, name, value_id, value_name[, sku_img]}
    price: str  # the amount as the seller sent it (a decimal string)
    currency: str
    inventory: list[dict[str, Any]]  # [{warehouse_id, quantity}]
    external_sku_id: str = ""

    @property
    def stock(self) -> int:
        return sum(int(row["quantity"]) for row in self.inventory)


@dataclass
class Listing:
    product_id: str
    shop_id: str
    title: str
    description: str
    category_id: str
    brand_id: str | None
    main_images: list[str]
    package_weight: dict[str, Any]
    package_dimensions: dict[str, Any] | None
    product_attributes: list[Any]
    listing_platforms: list[str]
    status: str
    tokopedia_status: str | None
    audit_due_at: float | None
    audit_outcome: str | None
    audit_failed_reasons: list[dict[str, Any]]
    extra: dict[str, Any]
    create_time: int
    update_time: int
    skus: list[Sku] = field(default_factory=list)
    seed_key: str | None = None
    counts_toward_limit: bool = True

    def sku(self, sku_id: str) -> Sku | None:
        return next((s for s in self.skus if s.id == sku_id), None)


@dataclass(frozen=True)
class ImageRecord:
    uri: str
    width: int
    height: int
    format: str
    use_case: str
    data: bytes | None = None  # uploaded bytes; None when the image is a catalog URL rendered on request
    source_url: str | None = None


@dataclass(frozen=True)
class SearchFilter:
    statuses: Sequence[str] | None = None  # None: every status but DELETED
    seller_skus: Sequence[str] | None = None
    sku_ids: Sequence[str] | None = None
    platforms: Sequence[str] | None = None
    create_time_ge: int | None = None
    create_time_le: int | None = None
    update_time_ge: int | None = None
    update_time_le: int | None = None


def _listing(row: Sequence[Any]) -> Listing:
    return Listing(
        product_id=row[0], shop_id=row[1], title=row[2], description=row[3], category_id=row[4], brand_id=row[5],
        main_images=json.loads(row[6]), package_weight=json.loads(row[7]),
        package_dimensions=None if row[8] is None else json.loads(row[8]), product_attributes=json.loads(row[9]),
        listing_platforms=json.loads(row[10]), status=row[11], tokopedia_status=row[12], audit_due_at=row[13],
        audit_outcome=row[14], audit_failed_reasons=json.loads(row[15]), extra=json.loads(row[16]),
        seed_key=row[17], counts_toward_limit=bool(row[18]), create_time=row[19], update_time=row[20],
    )


def _product_row(p: Listing) -> tuple[Any, ...]:
    return (
        p.product_id, p.shop_id, p.title, p.description, p.category_id, p.brand_id, json.dumps(p.main_images),
        json.dumps(p.package_weight), None if p.package_dimensions is None else json.dumps(p.package_dimensions),
        json.dumps(p.product_attributes, ensure_ascii=False), json.dumps(p.listing_platforms), p.status,
        p.tokopedia_status, p.audit_due_at, p.audit_outcome, json.dumps(p.audit_failed_reasons, ensure_ascii=False),
        json.dumps(p.extra, ensure_ascii=False), p.seed_key, int(p.counts_toward_limit), p.create_time, p.update_time,
    )


def _sku_rows(p: Listing) -> list[tuple[Any, ...]]:
    return [
        (s.id, p.product_id, n, s.seller_sku, json.dumps(s.sales_attributes, ensure_ascii=False), s.price,
         s.currency, json.dumps(s.inventory), s.external_sku_id)
        for n, s in enumerate(p.skus)
    ]


class TikTokListings(StateDatabase):
    def __init__(self, path: Path | None) -> None:
        super().__init__(path, SCHEMA)

    transaction = StateDatabase.atomic

    # -- ids and audit ---------------------------------------------------------------------
    def new_ids(self, count: int) -> list[str]:
        with self.transaction():
            row = self._db.execute("SELECT value FROM meta WHERE key = 'next_id'").fetchone()
            start = int(row[0]) if row else 1
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)", (str(start + count),))
        return [str(ID_BASE + n) for n in range(start, start + count)]

    def settle(self, now: float) -> int:
        """Finish every audit whose delay has passed (computed on read: no background thread to stop)."""
        with self.transaction():
            return self._db.execute(
                "UPDATE products SET "
                "status = CASE WHEN status = 'PENDING' THEN audit_outcome ELSE status END, "
                "tokopedia_status = CASE WHEN tokopedia_status = 'PENDING' THEN audit_outcome "
                "ELSE tokopedia_status END, "
                "audit_due_at = NULL "
                "WHERE audit_due_at IS NOT NULL AND audit_due_at <= ?",
                (now,),
            ).rowcount

    # -- products ----------------------------------------------------------------------------
    def _attach_skus(self, listings: list[Listing]) -> list[Listing]:
        if not listings:
            return listings
        by_id = {p.product_id: p for p in listings}
        marks = ",".join("?" * len(by_id))
        rows = self._db.execute(
            f"SELECT {_SKU_COLUMNS} FROM skus WHERE product_id IN ({marks}) ORDER BY product_id, position",
            tuple(by_id),
        ).fetchall()
        for row in rows:
            by_id[row[1]].skus.append(Sku(
                id=row[0], seller_sku=row[3], sales_attributes=json.loads(row[4]), price=row[5], currency=row[6],
                inventory=json.loads(row[7]), external_sku_id=row[8],
            ))
        return listings

    def get(self, product_id: str) -> Listing | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE product_id = ?",
                                   (product_id,)).fetchone()
            return None if row is None else self._attach_skus([_listing(row)])[0]

    def save(self, listing: Listing) -> None:
        self.save_many([listing])

    def save_many(self, listings: Sequence[Listing]) -> None:
        """Insert or overwrite whole products; a product's SKUs are exactly the ones given (edit semantics)."""
        marks = ",".join("?" * len(_PRODUCT_COLUMNS.split(",")))
        with self.transaction():
            self._db.executemany(f"INSERT OR REPLACE INTO products ({_PRODUCT_COLUMNS}) VALUES ({marks})",
                                 [_product_row(p) for p in listings])
            self._db.executemany("DELETE FROM skus WHERE product_id = ?", [(p.product_id,) for p in listings])
            self._db.executemany(f"INSERT INTO skus ({_SKU_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 [row for p in listings for row in _sku_rows(p)])

    def search(self, shop_id: str, where: SearchFilter, *, after: str | None, limit: int) -> tuple[list[Listing], int]:
        """A page of products, newest first, after the product id `after`; and the total that match."""
        clauses = ["shop_id = ?"]
        args: list[Any] = [shop_id]
        if where.statuses is None:
            clauses.append("status != 'DELETED'")
        else:
            clauses.append(f"status IN ({','.join('?' * len(where.statuses))})")
            args.extend(where.statuses)
        if where.seller_skus is not None:
            clauses.append(f"product_id IN (SELECT product_id FROM skus WHERE seller_sku IN "
                           f"({','.join('?' * len(where.seller_skus))}))")
            args.extend(where.seller_skus)
        if where.sku_ids is not None:
            clauses.append(f"product_id IN (SELECT product_id FROM skus WHERE sku_id IN "
                           f"({','.join('?' * len(where.sku_ids))}))")
            args.extend(where.sku_ids)
        for platform in where.platforms or ():
            clauses.append("listing_platforms LIKE ?")
            args.append(f'%"{platform}"%')
        bounds = (("create_time", ">=", where.create_time_ge), ("create_time", "<=", where.create_time_le),
                  ("update_time", ">=", where.update_time_ge), ("update_time", "<=", where.update_time_le))
        for column, op, value in bounds:
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        sql_where = " AND ".join(clauses)
        with self._lock:
            total = int(self._db.execute(f"SELECT COUNT(*) FROM products WHERE {sql_where}", args).fetchone()[0])
            page_where = sql_where + (" AND product_id < ?" if after is not None else "")
            page_args = [*args, after] if after is not None else args
            rows = self._db.execute(
                f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE {page_where} ORDER BY product_id DESC LIMIT ?",
                [*page_args, limit],
            ).fetchall()
            return self._attach_skus([_listing(r) for r in rows]), total

    def count_listed_since(self, shop_id: str, since: float) -> int:
        with self._lock:
            return int(self._db.execute(
                "SELECT COUNT(*) FROM products WHERE shop_id = ? AND counts_toward_limit = 1 AND create_time >= ?",
                (shop_id, since),
            ).fetchone()[0])

    def seed_keys(self, shop_id: str) -> set[str]:
        with self._lock:
            rows = self._db.execute("SELECT seed_key FROM products WHERE shop_id = ? AND seed_key IS NOT NULL",
                                    (shop_id,)).fetchall()
        return {r[0] for r in rows}

    def live_skus(self, shop_id: str | None = None) -> list[tuple[str, str, str]]:
        """(product_id, sku_id, seller_sku) of every product not deleted."""
        sql = ("SELECT s.product_id, s.sku_id, s.seller_sku FROM skus s JOIN products p ON p.product_id = s.product_id "
               "WHERE p.status != 'DELETED'")
        args: tuple[str, ...] = ()
        if shop_id is not None:
            sql += " AND p.shop_id = ?"
            args = (shop_id,)
        with self._lock:
            return [(r[0], r[1], r[2]) for r in self._db.execute(sql + " ORDER BY s.product_id, s.position", args)]

    # -- idempotency ---------------------------------------------------------------------------
    def idempotent_result(self, shop_id: str, key: str, not_before: float) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT result FROM idempotency WHERE shop_id = ? AND key = ? AND created_at >= ?",
                                   (shop_id, key, not_before)).fetchone()
        if row is None:
            return None
        result: dict[str, Any] = json.loads(row[0])
        return result

    def remember(self, shop_id: str, key: str, result: dict[str, Any], now: float) -> None:
        # REPLACE: a key past its 24 h window starts a new one.
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO idempotency (shop_id, key, result, created_at) VALUES (?, ?, ?, ?)",
                (shop_id, key, json.dumps(result, ensure_ascii=False), now),
            )

    # -- images --------------------------------------------------------------------------------
    def put_images(self, images: Iterable[ImageRecord], now: float) -> None:
        # IGNORE: uris are content-derived, so the first record of the same bytes is as good as any.
        with self.transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO images (uri, width, height, format, use_case, data, source_url, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(i.uri, i.width, i.height, i.format, i.use_case, i.data, i.source_url, now) for i in images],
            )

    def images(self, uris: Sequence[str]) -> dict[str, ImageRecord]:
        if not uris:
            return {}
        with self._lock:
            rows = self._db.execute(
                f"SELECT uri, width, height, format, use_case, data, source_url FROM images "
                f"WHERE uri IN ({','.join('?' * len(uris))})",
                tuple(uris),
            ).fetchall()
        return {r[0]: ImageRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}

    # -- the category tree ----------------------------------------------------------------------
    def remove_categories(self, category_ids: Iterable[str], now: float) -> None:
        with self.transaction():
            self._db.executemany("INSERT OR IGNORE INTO removed_categories (category_id, removed_at) VALUES (?, ?)",
                                 [(cid, now) for cid in category_ids])

    def removed_categories(self) -> set[str]:
        """Read on every request: another sandbox process over the same file may have removed some."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT category_id FROM removed_categories")}

    # -- brands and sales attributes -----------------------------------------------------------
    def put_brands(self, brands: Iterable[tuple[str, str]]) -> None:
        with self.transaction():
            self._db.executemany("INSERT OR IGNORE INTO brands (brand_id, name) VALUES (?, ?)", list(brands))

    def brands(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(r[0], r[1]) for r in self._db.execute("SELECT brand_id, name FROM brands ORDER BY name, brand_id")]

    def brand_name(self, brand_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT name FROM brands WHERE brand_id = ?", (brand_id,)).fetchone()
        return None if row is None else str(row[0])

    def put_attributes(self, attributes: Iterable[tuple[str, str]], values: Iterable[tuple[str, str, str]]) -> None:
        """(attribute_id, name) and (value_id, attribute_id, name); existing ids keep their first name."""
        with self.transaction():
            self._db.executemany("INSERT OR IGNORE INTO attributes (attribute_id, name) VALUES (?, ?)",
                                 list(attributes))
            self._db.executemany(
                "INSERT OR IGNORE INTO attribute_values (value_id, attribute_id, name) VALUES (?, ?, ?)", list(values)
            )

    def attribute_name(self, attribute_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT name FROM attributes WHERE attribute_id = ?", (attribute_id,)).fetchone()
        return None if row is None else str(row[0])

    def attribute_value(self, value_id: str) -> tuple[str, str] | None:
        """(attribute_id, value name) of a value id."""
        with self._lock:
            row = self._db.execute("SELECT attribute_id, name FROM attribute_values WHERE value_id = ?",
                                   (value_id,)).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))
