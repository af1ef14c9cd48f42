"""Assembling the sandbox: its marketplaces on one router, with persistent state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from syncstore_cli.sandbox import config as c
from syncstore_cli.sandbox.faults import FaultPlan, register_controls
from syncstore_cli.sandbox.images import image_for_path
from syncstore_cli.sandbox.listings_shopee import ShopeeListings
from syncstore_cli.sandbox.listings_tiktok import TikTokListings
from syncstore_cli.sandbox.shopee import ShopeeSandbox
from syncstore_cli.sandbox.shopee_products import ShopeeProducts
from syncstore_cli.sandbox.tiktok import TikTokSandbox
from syncstore_cli.sandbox.tiktok_products import TikTokProducts
from syncstore_cli.sandbox.tokens import TokenBook
from syncstore_cli.sandbox.web import Request, Response, Router, SandboxServer


@dataclass
class Sandbox:
    config: c.SandboxConfig
    router: Router
    tokens: TokenBook
    shopee: ShopeeSandbox
    tiktok: TikTokSandbox
    shopee_listings: ShopeeListings
    shopee_products: ShopeeProducts
    tiktok_listings: TikTokListings
    tiktok_products: TikTokProducts
    faults: FaultPlan

    def remove_category(self, platform: str, category_id: str) -> None:
        """A marketplace retiring a leaf category ("shopee" or "tiktok"): later creates with it are refused."""
        if platform == "shopee":
            self.shopee_products.remove_category(category_id)
        elif platform == "tiktok":
            self.tiktok_products.remove_category(category_id)
        else:
            raise ValueError(f"unknown platform {platform!r}: expected 'shopee' or 'tiktok'")

    def close(self) -> None:
        self.tokens.close()
        self.shopee_listings.close()
        self.tiktok_listings.close()


def build_sandbox(config: c.SandboxConfig, state_dir: Path | None = None, faults: FaultPlan | None = None) -> Sandbox:
    """`faults` defaults to the profile's own (none for `fast`)."""
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    tokens = TokenBook(None if state_dir is None else state_dir / "tokens.db")
    router = Router()
    shopee = ShopeeSandbox(config, tokens, {c.DEMO_SHOPEE_SHOP_ID: "FPV Parts Jakarta"})
    shopee.register(router)
    shopee_listings = ShopeeListings(None if state_dir is None else state_dir / "shopee_listings.db")
    shopee_products = ShopeeProducts(config, shopee_listings, shopee.shops)
    shopee_products.register(router, shopee.shop_api, shopee.public)
    tiktok_shops = {c.DEMO_TIKTOK_SHOP_ID: {"name": "FPV Parts Jakarta", "cipher": c.DEMO_TIKTOK_SHOP_CIPHER}}
    tiktok = TikTokSandbox(config, tokens, tiktok_shops)
    tiktok.register(router)
    tiktok_listings = TikTokListings(None if state_dir is None else state_dir / "tiktok_listings.db")
    tiktok_products = TikTokProducts(config, tiktok_listings, tiktok_shops)
    tiktok_products.register(router, tiktok.guard)
    router.add_prefix("GET", "/images/", _serve_image)

    def audit(_: Request) -> Response:
        # What a seller centre's overview counts: live listings, and SKUs carried by more than one of them.
        shopee_rows = shopee_listings.sku_rows(None)
        tiktok_rows = tiktok_listings.live_skus(None)
        return Response.json({
            "shopee": {"live_listings": len({row[0] for row in shopee_rows}),
                       "duplicate_skus": shopee_products.audit().duplicate_skus},
            "tiktok": {"live_listings": len({row[0] for row in tiktok_rows}),
                       "duplicate_skus": tiktok_products.audit()["duplicate_seller_skus"]},
        })

    router.add("GET", "/sandbox/audit.json", audit)
    plan = faults if faults is not None else FaultPlan.for_profile(config)
    router.wrapper = plan.apply
    register_controls(router, plan, tokens, config.clock)
    return Sandbox(
        config, router, tokens, shopee, tiktok, shopee_listings, shopee_products, tiktok_listings, tiktok_products,
        plan,
    )


def _serve_image(request: Request) -> Response:
    data = image_for_path(request.path)
    if data is None:
        return Response(404, b"not found", {"content-type": "text/plain"})
    return Response(200, data, {"content-type": "image/png", "cache-control": "public, max-age=86400"})


def serve_in_background(sandbox: Sandbox, port: int = 0) -> SandboxServer:
    return SandboxServer(sandbox.router, port=port).start()
