"""TikTok answers read as the documentation means them, independent of the sandbox."""

from __future__ import annotations

from syncstore_cli.marketplaces.errors import NotFound, PermanentError, ValidationFailed
from syncstore_cli.marketplaces.tiktok.responses import classify


def test_invalid_path_is_our_bug_not_a_missing_listing() -> None:
    # 36009009 "Invalid path. The specified path does not match any available endpoint" (TikTok's common
    # error codes, shared/marketplaces/tiktok.md §5; seen with HTTP 404): the request named no endpoint, so
    # a sync must not conclude the listing is gone (NotFound makes it forget or recreate the listing).
    body = {"code": 36009009, "message": "Invalid path. The specified path does not match any available endpoint",
            "request_id": "2026113011120001", "data": {}}
    error = classify(404, body, {})
    assert isinstance(error, ValidationFailed) and isinstance(error, PermanentError)
    assert not isinstance(error, NotFound) and not error.retriable
    assert error.code == 36009009 and "Invalid path" in str(error)


def test_a_missing_product_is_still_not_found() -> None:
    error = classify(200, {"code": 12052032, "message": "The product does not exist", "data": {}}, {})
    assert isinstance(error, NotFound)
