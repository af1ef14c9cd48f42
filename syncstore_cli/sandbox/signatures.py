"""Signature checks as the marketplaces' gateways do them.

Written apart from the client's signers on purpose (the sandbox imports nothing from
`marketplaces/`): a misreading shared by both sides would otherwise pass unnoticed. The shared
test vectors in shared/marketplaces/ are run against both.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


def _hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def shopee_expected_sign(
    partner_key: str, partner_id: str, path: str, timestamp: str, access_token: str | None, shop_id: str | None
) -> str:
    pieces = [partner_id, path, timestamp]
    if access_token is not None and shop_id is not None:
        pieces += [access_token, shop_id]
    return _hmac_hex(partner_key, "".join(pieces))


def shopee_sign_ok(partner_key: str, received: str, **parts: str | None) -> bool:
    expected = shopee_expected_sign(
        partner_key,
        parts["partner_id"] or "",
        parts["path"] or "",
        parts["timestamp"] or "",
        parts.get("access_token"),
        parts.get("shop_id"),
    )
    return hmac.compare_digest(expected, received.lower()) and len(received) == 64


def tiktok_expected_sign(
    app_secret: str, path: str, query: Mapping[str, str], raw_body: bytes, content_type: str
) -> str:
    keys = sorted(k for k in query if k not in ("sign", "access_token"))
    text = path + "".join(k + query[k] for k in keys)
    if not content_type.lower().startswith("multipart/form-data"):
        text += raw_body.decode("utf-8", errors="surrogateescape")
    return _hmac_hex(app_secret, app_secret + text + app_secret)


def tiktok_sign_ok(app_secret: str, received: str, path: str, query: Mapping[str, str], raw_body: bytes,
                   content_type: str) -> bool:
    return hmac.compare_digest(tiktok_expected_sign(app_secret, path, query, raw_body, content_type), received)
