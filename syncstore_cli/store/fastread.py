"""The product list, read straight through the database driver.

`syncstore products list` is run by hand and from scripts many times a day; importing the
ORM stack costs more than the query itself, so this one read path uses the DB-API driver
(sqlite3 or psycopg) with portable SQL. It reads the tables the migrations create and
writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

SCHEMA_QUERY = "SELECT version_num FROM alembic_version"

_LIST_SQL = """
SELECT p.id, p.sku, p.title, p.price, s.price, t.price, p.status
FROM products p
LEFT JOIN listings s ON s.product_id = p.id AND s.platform = 'shopee'
LEFT JOIN listings t ON t.product_id = p.id AND t.platform = 'tiktok'
{where}
ORDER BY p.seq
LIMIT :limit OFFSET :offset
"""
_COUNT_SQL = "SELECT COUNT(*) FROM products p {where}"


@dataclass(frozen=True)
class ProductLine:
    id: str
    sku: str
    title: str
    master_price: int | None
    shopee_price: int | None
    tiktok_price: int | None
    status: str


@dataclass(frozen=True)
class ProductPage:
    total: int
    page: int
    page_size: int
    items: list[ProductLine]


class FastReader:
    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._connection: Any = None
        self._named_to_pyformat = False

    def __enter__(self) -> FastReader:
        url = self._url
        if url.startswith("sqlite:///"):
            import sqlite3

            path = url.removeprefix("sqlite:///")
            self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        elif url.startswith(("postgresql", "postgres")):
            import psycopg

            self._connection = psycopg.connect(_pg_conninfo(url))
            self._named_to_pyformat = True
        else:
            raise ValueError(f"unsupported database URL scheme in '{urlsplit(url).scheme}'")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()

    def _execute(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        if self._named_to_pyformat:
            sql = re.sub(r":(\w+)", r"%(\1)s", sql)
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def schema_revision(self) -> str | None:
        try:
            rows = self._execute(SCHEMA_QUERY, {})
        except Exception:
            if self._named_to_pyformat:
                self._connection.rollback()
            return None
        return str(rows[0][0]) if rows else None

    def product_page(self, *, search: str | None, status: str | None, page: int, page_size: int) -> ProductPage:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if search:
            clauses.append("(LOWER(p.title) LIKE :pattern OR LOWER(p.sku) LIKE :pattern)")
            escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["pattern"] = f"%{escaped}%"
        if status:
            clauses.append("p.status = :status")
            params["status"] = status
        where = ""
        if clauses:
            where = "WHERE " + " AND ".join(clauses)
            if search:
                where = where.replace("LIKE :pattern", "LIKE :pattern ESCAPE '\\'")
        total = int(self._execute(_COUNT_SQL.format(where=where), params)[0][0])
        rows = self._execute(
            _LIST_SQL.format(where=where), {**params, "limit": page_size, "offset": (page - 1) * page_size}
        )
        return ProductPage(
            total=total,
            page=page,
            page_size=page_size,
            items=[ProductLine(*row) for row in rows],
        )


def _pg_conninfo(url: str) -> str:
    parts = urlsplit(url)
    pieces = []
    if parts.hostname:
        pieces.append(f"host={parts.hostname}")
    if parts.port:
        pieces.append(f"port={parts.port}")
    if parts.username:
        pieces.append(f"user={unquote(parts.username)}")
    if parts.password:
        pieces.append(f"password={unquote(parts.password)}")
    if parts.path.strip("/"):
        pieces.append(f"dbname={parts.path.strip('/')}")
    return " ".join(pieces)
