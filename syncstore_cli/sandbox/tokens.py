"""The sandbox marketplaces' token book: codes, access and refresh tokens with real lifetimes.

Kept in the sandbox's own SQLite file (the sandbox stands in for the marketplaces' systems,
which are not SyncStore's store), so tokens survive a restart as they do on the real hosts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from syncstore_cli.sandbox.statedb import StateDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    kind TEXT NOT NULL,
    shop_id TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    spent_at REAL
);
"""


@dataclass(frozen=True)
class TokenRecord:
    token: str
    platform: str
    kind: str
    shop_id: str
    issued_at: float
    expires_at: float
    spent_at: float | None


class TokenBook(StateDatabase):
    def __init__(self, path: Path | None) -> None:
        super().__init__(path, SCHEMA)

    def issue(self, platform: str, kind: str, shop_id: str, now: float, lifetime: float, *, prefix: str = "") -> str:
        token = prefix + secrets.token_hex(16)
        with self._lock:
            self._db.execute(
                "INSERT INTO tokens (token, platform, kind, shop_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (token, platform, kind, shop_id, now, now + lifetime),
            )
        return token

    def find(self, platform: str, kind: str, token: str) -> TokenRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT token, platform, kind, shop_id, issued_at, expires_at, spent_at FROM tokens "
                "WHERE token = ? AND platform = ? AND kind = ?",
                (token, platform, kind),
            ).fetchone()
        return None if row is None else TokenRecord(*row)

    def spend(self, token: str, now: float) -> bool:
        """Mark a single-use token spent; False if it already was (someone used it first)."""
        with self._lock:
            cursor = self._db.execute("UPDATE tokens SET spent_at = ? WHERE token = ? AND spent_at IS NULL",
                                      (now, token))
            return cursor.rowcount == 1

    def shorten(self, token: str, expires_at: float) -> None:
        with self._lock:
            self._db.execute("UPDATE tokens SET expires_at = MIN(expires_at, ?) WHERE token = ?", (expires_at, token))

    def expire_all(self, platform: str, kind: str, now: float) -> int:
        """Fault injection: every token of a kind expires now."""
        with self._lock:
            return self._db.execute(
                "UPDATE tokens SET expires_at = ? WHERE platform = ? AND kind = ? AND expires_at > ?",
                (now - 1, platform, kind, now),
            ).rowcount

    def latest(self, platform: str, kind: str, shop_id: str) -> list[TokenRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT token, platform, kind, shop_id, issued_at, expires_at, spent_at FROM tokens "
                "WHERE platform = ? AND kind = ? AND shop_id = ? ORDER BY issued_at DESC",
                (platform, kind, shop_id),
            ).fetchall()
        return [TokenRecord(*row) for row in rows]

