"""Shopee Open Platform v2 request signing (client side).

sign = lowercase hex HMAC-SHA256(key = partner_key as UTF-8 text,
                                 message = partner_id + api_path + timestamp [+ access_token + shop_id])
Public APIs (auth token endpoints, the auth link, image upload) sign without token and shop.
The body and the other query parameters are not signed. See shared/marketplaces/shopee.md §2.
"""

from __future__ import annotations

import hashlib
import hmac


def base_string(partner_id: int, path: str, timestamp: int, access_token: str = "", shop_id: int | None = None) -> str:
    shop_part = "" if shop_id is None else str(shop_id)
    return f"{partner_id}{path}{timestamp}{access_token}{shop_part}"


def sign(partner_key: str, base: str) -> str:
    return hmac.new(partner_key.encode("utf-8"), base.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_query(
    partner_id: int,
    partner_key: str,
    path: str,
    timestamp: int,
    *,
    access_token: str | None = None,
    shop_id: int | None = None,
) -> dict[str, str]:
    """The common query parameters of one attempt, signed for that attempt's timestamp."""
    query = {"partner_id": str(partner_id), "timestamp": str(timestamp)}
    if access_token is not None and shop_id is not None:
        query["access_token"] = access_token
        query["shop_id"] = str(shop_id)
        base = base_string(partner_id, path, timestamp, access_token, shop_id)
    else:
        base = base_string(partner_id, path, timestamp)
    query["sign"] = sign(partner_key, base)
    return query
