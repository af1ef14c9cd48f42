"""TikTok Shop Open API (202309+) request signing (client side).

string = path + concat(key + value for query params sorted by key, except `sign` and `access_token`)
         + raw body (unless multipart/form-data)
sign   = lowercase hex HMAC-SHA256(key = app_secret, message = app_secret + string + app_secret)
The body is signed as the exact bytes sent. See shared/marketplaces/tiktok.md §1.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

EXCLUDED_KEYS = frozenset({"sign", "access_token"})


def string_to_sign(path: str, query: Mapping[str, str], body: bytes | str = b"", *, multipart: bool = False) -> str:
    params = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in EXCLUDED_KEYS)
    body_text = "" if multipart else (body.decode("utf-8") if isinstance(body, bytes) else body)
    return f"{path}{params}{body_text}"


def sign(app_secret: str, path: str, query: Mapping[str, str], body: bytes | str = b"", *,
         multipart: bool = False) -> str:
    wrapped = f"{app_secret}{string_to_sign(path, query, body, multipart=multipart)}{app_secret}"
    return hmac.new(app_secret.encode("utf-8"), wrapped.encode("utf-8"), hashlib.sha256).hexdigest()
