"""The signing test vectors of shared/marketplaces/, against the client signers and, separately,
the sandbox verifiers (which share no code with the client)."""

from __future__ import annotations

import pytest

from syncstore_cli.marketplaces.shopee import signing as shopee_client
from syncstore_cli.marketplaces.tiktok import signing as tiktok_client
from syncstore_cli.sandbox import signatures as sandbox

SHOPEE_KEY = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
TOKEN = "59777174636562737266615546704c6d"

# shopee.md §2.4: (partner_id, path, timestamp, access_token, shop_id) -> sign
SHOPEE_VECTORS = [
    (2001887, "/api/v2/public/get_shops_by_partner", 1655714431, None, None,
     "60ab8c4a535009ab33b8a0029ee18a667ef6eaeb16481ed3d573a5059122d4df"),
    (2001887, "/api/v2/shop/get_shop_info", 1655714431, TOKEN, 14701711,
     "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1"),
    (2001887, "/api/v2/global_product/get_category", 1655714431, "09777174636962737266615546704c6d", 1000000,
     "a50a2229b148e76048e21ad69a9d619885a21bd4aa7738bc524e1207df73a151"),
    (10090, "/api/v2/shop/auth_partner", 1594897040, None, None,
     "d5408be6659c51c650d6cfcc6ba82a61046f7cc1e1c3dcf5e347df1efeae5e1b"),
    (1000016, "/api/v2/auth/token/get", 1657263479, None, None,
     "38747705d4d60fea41da39637d9dc43b666ad46e88de754967d764848898d134"),
    (2001887, "/api/v2/product/add_item", 1655714431, TOKEN, 14701711,
     "a9537a0f4e8e39253a945e4bd00621d13640a26a836c41f738b12dc3718571e7"),
]
SHOPEE_WRONG_WAY = "38655dc67bb74e4241833e5968c312650cc51942c158be347adfb9b8c4484257"  # key hex-decoded


@pytest.mark.parametrize(("partner_id", "path", "ts", "token", "shop", "expected"), SHOPEE_VECTORS)
def test_shopee_client_signer(partner_id: int, path: str, ts: int, token: str | None, shop: int | None,
                              expected: str) -> None:
    query = shopee_client.signed_query(partner_id, SHOPEE_KEY, path, ts, access_token=token, shop_id=shop)
    assert query["sign"] == expected
    assert ("access_token" in query) == (token is not None)


@pytest.mark.parametrize(("partner_id", "path", "ts", "token", "shop", "expected"), SHOPEE_VECTORS)
def test_shopee_sandbox_verifier(partner_id: int, path: str, ts: int, token: str | None, shop: int | None,
                                 expected: str) -> None:
    parts = {"partner_id": str(partner_id), "path": path, "timestamp": str(ts),
             "access_token": token, "shop_id": None if shop is None else str(shop)}
    assert sandbox.shopee_sign_ok(SHOPEE_KEY, expected, **parts)
    assert not sandbox.shopee_sign_ok(SHOPEE_KEY, expected[:-1] + ("0" if expected[-1] != "0" else "1"), **parts)


def test_shopee_negative_vector_fails_on_both_sides() -> None:
    base = shopee_client.base_string(2001887, "/api/v2/product/add_item", 1655714431, TOKEN, 14701711)
    assert shopee_client.sign(SHOPEE_KEY, base) != SHOPEE_WRONG_WAY
    assert not sandbox.shopee_sign_ok(SHOPEE_KEY, SHOPEE_WRONG_WAY, partner_id="2001887",
                                      path="/api/v2/product/add_item", timestamp="1655714431",
                                      access_token=TOKEN, shop_id="14701711")


S = "e59af819cc"
CIPHER = "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"
TV2_QUERY = {"app_key": "68xu9ks5p4i8", "shop_cipher": CIPHER, "timestamp": "1696909648"}
TV8_BODY = ('{"title":"Kaos Polos Katun Combed 30s Hitam Unisex","category_id":"601226","category_version":"v2",'
            '"listing_platforms":["TIKTOK_SHOP","TOKOPEDIA"]}')
# tiktok.md §1.4: (secret, path, query, body, expected)
TIKTOK_VECTORS = [
    ("TV1", S, "/authorization/202309/shops", {"app_key": "29a39d", "timestamp": "1623812664"}, "",
     "b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8"),
    ("TV2", S, "/event/202309/webhooks", TV2_QUERY, "",
     "ed58e1b5e59865c22a7b828c1cab65007441f43cc91a6cb2f2cdc638e0995a37"),
    ("TV3", S, "/event/202309/webhooks", TV2_QUERY,
     '{"event_type":"PACKAGE_UPDATE","address":"https://partner.tiktokshop.com"}',
     "701dd6deb2389fe4c469b89bd37fc56f96a6da6afeb4d01c9077a65169752fa7"),
    ("TV4", S, "/event/202309/webhooks", TV2_QUERY,
     '{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}',
     "cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a"),
    ("TV5", "app_secret", "/test-api", {"foo": "bar"}, "",
     "d3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f"),
    ("TV6", "bi-mat-ung-dung-gia", "/analytics/202510/shop_lives/7512345678901234567/performance_per_minutes",
     {"app_key": "38abcd", "currency": "LOCAL", "shop_cipher": "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3",
      "timestamp": "1789105000"}, "",
     "1a162e4c2ef1000bff7b1579e899a953fb69ee127b5d11b05325eb590bd5eaf2"),
    ("TV7", S, "/product/202309/products/1729592969712207008",
     {"app_key": "29a39d", "shop_cipher": "ROW_abc", "shop_id": "", "timestamp": "1700000000",
      "version": "202309"}, "",
     "930dafa55de31881ed02421d1cf7128a191a5c4cc09f45c2be3e636504ce61db"),
    ("TV8", S, "/product/202309/products", {"app_key": "29a39d", "shop_cipher": "ROW_abc", "timestamp": "1700000000"},
     TV8_BODY, "a0daeefbc59c7300fc7ba40f31a3d63e8d1540375e94586fd05036241eaa4084"),
]
WHITESPACE_VARIANT = "495c39774c04ee06162f20a6bef8edae5b17676229588fe76630bb5166da37d2"


@pytest.mark.parametrize(("name", "secret", "path", "query", "body", "expected"), TIKTOK_VECTORS)
def test_tiktok_client_signer(name: str, secret: str, path: str, query: dict[str, str], body: str,
                              expected: str) -> None:
    assert tiktok_client.sign(secret, path, query, body.encode()) == expected
    # access_token and sign never take part
    assert tiktok_client.sign(secret, path, {**query, "access_token": "x", "sign": "y"}, body.encode()) == expected


@pytest.mark.parametrize(("name", "secret", "path", "query", "body", "expected"), TIKTOK_VECTORS)
def test_tiktok_sandbox_verifier(name: str, secret: str, path: str, query: dict[str, str], body: str,
                                 expected: str) -> None:
    assert sandbox.tiktok_sign_ok(secret, expected, path, {**query, "sign": expected}, body.encode(),
                                  "application/json")
    assert not sandbox.tiktok_sign_ok(secret, expected, path, query, body.encode() + b" ", "application/json")


def test_tiktok_tv1_wrapped_string() -> None:
    text = tiktok_client.string_to_sign("/authorization/202309/shops", {"app_key": "29a39d", "timestamp": "1623812664"})
    assert f"{S}{text}{S}" == "e59af819cc/authorization/202309/shopsapp_key29a39dtimestamp1623812664e59af819cc"


def test_tiktok_whitespace_in_the_body_changes_the_sign() -> None:
    spaced = '{    "address":"https://partner.tiktokshop.com",    "event_type": "PACKAGE_UPDATE"}'
    compact = '{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}'
    assert tiktok_client.sign(S, "/event/202309/webhooks", TV2_QUERY, spaced.encode()) == WHITESPACE_VARIANT
    assert tiktok_client.sign(S, "/event/202309/webhooks", TV2_QUERY, compact.encode()) != WHITESPACE_VARIANT


def test_tiktok_multipart_body_is_not_signed() -> None:
    query = {"app_key": "29a39d", "timestamp": "1700000000"}
    with_body = tiktok_client.sign(S, "/product/202309/images/upload", query, b"--boundary...", multipart=True)
    assert with_body == tiktok_client.sign(S, "/product/202309/images/upload", query)
    assert sandbox.tiktok_sign_ok(S, with_body, "/product/202309/images/upload", query, b"--boundary...",
                                  "multipart/form-data; boundary=x")
