"""What each marketplace answer means for the caller: retry, re-authorize, or give up."""

from __future__ import annotations

import pytest

from syncstore_cli.marketplaces import errors
from syncstore_cli.marketplaces.shopee.responses import classify as shopee
from syncstore_cli.marketplaces.tiktok.responses import classify as tiktok


def test_shopee_success_is_decided_by_the_body() -> None:
    assert shopee(200, {"error": "", "message": "", "request_id": "r"}, {}) is None
    assert isinstance(shopee(200, {"error": "error_param", "message": "Invalid Weight."}, {}), errors.ValidationFailed)


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind"),
    [
        (429, {"error": "error_rate_limit", "message": "Too many requests."}, {"Retry-After": "2"}, errors.RateLimited),
        (200, {"error": "invalid_acceess_token", "message": "Invalid access_token."}, {}, errors.NeedsAuthError),
        (200, {"error": "common.error_auth", "message": "Invalid access_token."}, {}, errors.NeedsAuthError),
        (200, {"error": "product.error_item_not_found", "message": "Item_id is not found."}, {}, errors.NotFound),
        (200, {"error": "product.error_param", "message": "The information you queried is not found."}, {},
         errors.NotFound),
        (200, {"error": "error_system_busy", "message": "try later"}, {}, errors.ServerBusy),
        (502, None, {}, errors.ServerBusy),
        (200, {"error": "error_limit", "message": "daily API call limit"}, {}, errors.Forbidden),
        (200, {"error": "error_sign", "message": "Wrong sign."}, {}, errors.ValidationFailed),
        (200, {"error": "product.error_price_exceed_max_limitt", "message": "price"}, {}, errors.ValidationFailed),
    ],
)
def test_shopee_errors(status: int, body: dict[str, str] | None, headers: dict[str, str], kind: type) -> None:
    error = shopee(status, body, headers)
    assert type(error) is kind
    if kind is errors.RateLimited:
        assert error is not None and error.retry_after == 2.0 and error.retriable


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (429, {"code": 36009002, "message": "Too many requests."}, errors.RateLimited),
        (401, {"code": 105002, "message": "Expired credentials."}, errors.NeedsAuthError),
        (401, {"code": 106001, "message": "Invalid credentials. The 'sign' query parameter is invalid."},
         errors.ValidationFailed),
        (200, {"code": 12052032, "message": "The product does not exist"}, errors.NotFound),
        (200, {"code": 12052093, "message": "exceeded listing limit"}, errors.Forbidden),
        (200, {"code": 36009003, "message": "internal error"}, errors.ServerBusy),
        (503, None, errors.ServerBusy),
        (400, {"code": 36009004, "message": "Skus is a required field and has not been provided."},
         errors.ValidationFailed),
        (400, {"code": 36009004, "message": "Invalid credentials. The 'x-tts-access-token' header is invalid"},
         errors.NeedsAuthError),
    ],
)
def test_tiktok_errors(status: int, body: dict[str, object] | None, kind: type) -> None:
    assert type(tiktok(status, body, {})) is kind
    assert tiktok(200, {"code": 0, "message": "Success", "data": {}}, {}) is None


def test_outcome_unknown_marks_timeouts_and_dropped_connections() -> None:
    assert errors.MarketplaceTimeout("shopee", "timed out").outcome_unknown
    assert errors.NetworkError("shopee", "connection reset").outcome_unknown
    assert not errors.ValidationFailed("shopee", "bad").outcome_unknown


def test_error_text_keeps_code_and_request_id_but_redact_removes_secrets() -> None:
    error = errors.ValidationFailed("tiktok", "bad title", code=12052051, request_id="2023RID", http_status=200)
    assert str(error) == "tiktok: bad title | code 12052051 | HTTP 200 | request 2023RID"
    text = "GET /x?access_token=abcd1234token&sign=ffee99&partner_key=k3y-secret"
    cleaned = errors.redact(text, ["abcd1234token", "ffee99", "k3y-secret", None, ""])
    assert "abcd1234token" not in cleaned and "ffee99" not in cleaned and "k3y-secret" not in cleaned
    assert cleaned.count(errors.REDACTED) == 3
