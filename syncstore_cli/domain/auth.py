"""A shop's authorization as plain values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_at: float  # unix seconds
    refresh_expires_at: float


@dataclass(frozen=True)
class ShopAuth:
    platform: str
    shop_id: str
    tokens: TokenPair
    authorized: bool
    generation: int
    shop_cipher: str | None = None
    shop_name: str | None = None
    authorization_expires_at: float | None = None
