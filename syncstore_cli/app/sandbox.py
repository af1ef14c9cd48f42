"""Use case: the local marketplace sandbox: serve it, and look at or edit its listings as a seller would.

The sandbox (`syncstore_cli.sandbox`) is a stand-in for Shopee and TikTok Shop over real HTTP; these
functions open its state folder (default: `<data folder>/sandbox`) for the `syncstore sandbox` commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.errors import NotFoundError, UserInputError

if TYPE_CHECKING:
    from syncstore_cli.sandbox.app import Sandbox
    from syncstore_cli.sandbox.config import SandboxConfig
    from syncstore_cli.sandbox.web import SandboxServer

PLATFORMS = ("shopee", "tiktok")
PROFILES = ("fast", "realistic")
# What `sandbox serve` leaves in its state folder; without them there is no sandbox to look at.
STATE_FILES = ("shopee_listings.db", "tiktok_listings.db")
DAY_SECONDS = 86_400
MIN_DAY_SECONDS = 1  # a shorter "day" would reset the quotas between a job's requests


def _state_folder(ctx: AppContext, state: Path | None) -> Path:
    folder = state if state is not None else ctx.existing_data_folder() / "sandbox"
    if folder.exists() and not folder.is_dir():
        raise UserInputError(f"sandbox state {folder} is not a folder")
    return folder


@contextmanager
def _open_state(ctx: AppContext, state: Path | None) -> Iterator[Sandbox]:
    """The sandbox's state folder opened directly: SQLite WAL lets this run beside a serving sandbox.
    A folder `sandbox serve` never used is refused, not created: audit would report it "clean"."""
    from syncstore_cli.sandbox.app import build_sandbox

    folder = _state_folder(ctx, state)
    if not all((folder / name).is_file() for name in STATE_FILES):
        serve = "syncstore sandbox serve" + ("" if state is None else f" --state {folder}")
        raise UserInputError(f"no sandbox state in {folder}: run `{serve}` first")
    sandbox = build_sandbox(_sandbox_config(ctx, "fast"), folder)
    try:
        yield sandbox
    finally:
        sandbox.close()


def _sandbox_config(ctx: AppContext, profile: str) -> SandboxConfig:
    """The sandbox answers to the credentials SyncStore is configured with, or to its public demo ones."""
    from syncstore_cli.sandbox.config import SandboxConfig

    shopee, tiktok = ctx.settings.shopee, ctx.settings.tiktok
    return SandboxConfig.from_values({
        "shopee.partner_id": None if shopee.partner_id is None else str(shopee.partner_id),
        "shopee.partner_key": shopee.partner_key, "tiktok.app_key": tiktok.app_key,
        "tiktok.app_secret": tiktok.app_secret}, profile=profile)


def _platform(platform: str) -> str:
    if platform not in PLATFORMS:
        raise UserInputError(f"platform '{platform}' is not shopee or tiktok")
    return platform


def _listing_id(platform: str, listing_id: str) -> str:
    """Both marketplaces number listings; anything else (or a Shopee id beyond its 64-bit range) is no listing."""
    if not (listing_id.isascii() and listing_id.isdigit()) or (platform == "shopee" and int(listing_id) >= 2**63):
        raise NotFoundError(f"no {platform} listing {listing_id}")
    return listing_id


def _seller_view(sandbox: Sandbox, platform: str, listing_id: str) -> dict[str, Any]:
    """The listing as the seller centre's JSON route shows it (no HTTP needed: the router is called directly)."""
    from syncstore_cli.sandbox.web import Request

    listing_id = _listing_id(platform, listing_id)
    prefix = "/sandbox/shopee/items/" if platform == "shopee" else "/sandbox/tiktok/products/"
    response = sandbox.router.handle(Request("GET", f"{prefix}{listing_id}.json", {}, {}, b""))
    if response.status == 404:
        raise NotFoundError(f"no {platform} listing {listing_id}")
    view: dict[str, Any] = json.loads(response.body)
    return view


def _summary(platform: str, view: dict[str, Any]) -> dict[str, Any]:
    if platform == "shopee":
        item = view["item"]
        tiers = [t["name"] for t in view["tier_variation"]]
        variants = [{"sku": m["model_sku"],
                     "options": [view["tier_variation"][n]["option_list"][i]["option"]
                                 for n, i in enumerate(m["tier_index"])],
                     "price": m["price_info"][0]["original_price"],
                     "stock": m["stock_info_v2"]["summary_info"]["total_available_stock"]} for m in view["model"]]
        prices = sorted({v["price"] for v in variants}) or [p["original_price"] for p in item.get("price_info", [])]
        return {"platform": platform, "id": str(item["item_id"]), "title": item["item_name"],
                "status": item["item_status"], "sku": item["item_sku"], "prices": prices,
                "stock": item["stock_info_v2"]["summary_info"]["total_available_stock"],
                "images": item["image"]["image_url_list"], "tiers": tiers, "variants": variants}
    skus = view["skus"]
    variants = [{"sku": s["seller_sku"], "options": [a["value_name"] for a in s["sales_attributes"]],
                 "price": int(float(s["price"]["amount"])),
                 "stock": sum(int(row["quantity"]) for row in s["inventory"])} for s in skus]
    tokopedia = next((s["status"] for s in view.get("integrated_platform_statuses", [])), None)
    return {"platform": platform, "id": view["id"], "title": view["title"], "status": view["status"],
            "tokopedia_status": tokopedia, "prices": sorted({v["price"] for v in variants}),
            "stock": sum(v["stock"] for v in variants), "images": [i["urls"][0] for i in view["main_images"]],
            "variants": variants}


def listing_view(ctx: AppContext, platform: str, listing_id: str, state: Path | None = None) -> dict[str, Any]:
    """`sandbox show`: a listing as the marketplace's seller centre shows it."""
    _platform(platform)
    with _open_state(ctx, state) as sandbox:
        return _summary(platform, _seller_view(sandbox, platform, listing_id))


def edit_listing(ctx: AppContext, platform: str, listing_id: str, *, price: int | None = None,
                 title: str | None = None, stock: int | None = None, state: Path | None = None) -> dict[str, Any]:
    """`sandbox edit`: change a listing as the seller would in the seller centre, behind SyncStore's back."""
    _platform(platform)
    if price is None and title is None and stock is None:
        raise UserInputError("nothing to change: give --price, --title or --stock")
    if title is not None and not title.strip():
        raise UserInputError("--title: a listing needs a title")  # as the seller centre refuses an empty one
    listing_id = _listing_id(platform, listing_id)
    with _open_state(ctx, state) as sandbox:
        try:
            if platform == "shopee":
                sandbox.shopee_products.edit_listing(int(listing_id), price=price, title=title, stock=stock)
            else:
                sandbox.tiktok_products.edit_listing(listing_id, price=price, title=title, stock=stock)
        except KeyError:
            raise NotFoundError(f"no {platform} listing {listing_id}") from None
        return _summary(platform, _seller_view(sandbox, platform, listing_id))


def audit(ctx: AppContext, state: Path | None = None) -> dict[str, Any]:
    """`sandbox audit`: per marketplace, SKUs on more than one listing and listed SKUs the catalog does not know."""
    from syncstore_cli.sandbox.generator import generate_catalog

    # The generated catalog is the seller's catalog the sandbox was seeded from; reading the store would
    # need the database to be set up, which the sandbox does not.
    known = {sku for p in generate_catalog().products for sku in (p.sku, *(v.sku for v in p.variants))}
    with _open_state(ctx, state) as sandbox:
        shopee = sandbox.shopee_products.audit(known)
        tiktok = sandbox.tiktok_products.audit(known)
    return {
        "shopee": {"duplicate_skus": {sku: [str(i) for i in ids] for sku, ids in shopee.duplicate_skus.items()},
                   "unknown_skus": [{"item_id": str(item), "model_id": None if model is None else str(model),
                                     "sku": sku} for item, model, sku in shopee.unknown_skus]},
        "tiktok": {"duplicate_skus": tiktok["duplicate_seller_skus"],
                   "unknown_skus": [{"product_id": row["product_id"], "sku_id": row["sku_id"],
                                     "sku": row["seller_sku"]} for row in tiktok["unknown_skus"]]},
    }


@dataclass
class RunningSandbox:
    """A sandbox listening on 127.0.0.1, seeded with the seller's listings; `serve()` blocks until Ctrl-C."""

    url: str
    profile: str
    state: Path
    exports: list[tuple[str, str]]
    server: SandboxServer
    sandbox: Sandbox

    def serve(self) -> None:
        try:
            self.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.sandbox.close()


def start_sandbox(ctx: AppContext, *, port: int = 8780, profile: str = "fast", state: Path | None = None,
                  faults: str | None = None, seed: int | None = None, tiktok_daily_listings: int | None = None,
                  shopee_daily_calls: int | None = None, day_seconds: float | None = None) -> RunningSandbox:
    """`sandbox serve`: the sandbox on a port, with the settings that point SyncStore at it.

    The quota knobs: `tiktok_daily_listings` new listings a day (else the profile's), `shopee_daily_calls`
    calls a day (else none), and a day of `day_seconds` (else 86,400), so a quota reset takes seconds; the
    exports then carry the same day length and limits, so that SyncStore's schedule agrees with the sandbox."""
    from syncstore_cli.sandbox.app import build_sandbox
    from syncstore_cli.sandbox.config import (
        DEMO_SHOPEE_PARTNER_KEY,
        DEMO_SHOPEE_SHOP_ID,
        DEMO_TIKTOK_APP_SECRET,
        DEMO_TIKTOK_SHOP_ID,
    )
    from syncstore_cli.sandbox.faults import FaultPlan, parse_spec
    from syncstore_cli.sandbox.generator import generate_catalog
    from syncstore_cli.sandbox.web import SandboxServer

    if profile not in PROFILES:
        raise UserInputError(f"--profile '{profile}' is not fast or realistic")
    for option, limit in (("--tiktok-daily-listings", tiktok_daily_listings),
                          ("--shopee-daily-calls", shopee_daily_calls)):
        if limit is not None and limit < 1:
            raise UserInputError(f"{option} {limit}: must be a whole number of at least 1")
    if day_seconds is not None and not MIN_DAY_SECONDS <= day_seconds <= DAY_SECONDS:
        raise UserInputError(f"--day-seconds {day_seconds:g}: must be from {MIN_DAY_SECONDS} to {DAY_SECONDS}")
    config = _sandbox_config(ctx, profile)
    config.tiktok_daily_listings = tiktok_daily_listings
    config.shopee_daily_quota = shopee_daily_calls
    config.day_seconds = day_seconds or DAY_SECONDS
    plan = FaultPlan.for_profile(config, seed=seed)
    if faults is not None:
        try:
            plan.rates, latency = parse_spec(faults)
        except ValueError as exc:
            raise UserInputError(f"--faults: {exc}") from None
        plan.latency_ms = latency
    folder = _state_folder(ctx, state)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"sandbox state {folder} cannot be created: {exc.strerror}") from None
    sandbox = build_sandbox(config, folder, faults=plan)
    try:
        server = SandboxServer(sandbox.router, port=port)
    except OSError as exc:
        sandbox.close()
        raise UserInputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    url = server.url
    # The seller's existing listings, as they are today (idempotent: a restart seeds nothing new).
    products = generate_catalog(image_base_url=url).products
    sandbox.shopee_products.seed_from_catalog(products, DEMO_SHOPEE_SHOP_ID)
    sandbox.tiktok_products.seed_from_catalog(products, DEMO_TIKTOK_SHOP_ID)
    exports = [("SYNCSTORE_SHOPEE_BASE_URL", url), ("SYNCSTORE_TIKTOK_BASE_URL", url),
               ("SYNCSTORE_TIKTOK_AUTH_URL", url), ("SYNCSTORE_SHOPEE_PARTNER_ID", str(config.shopee_partner_id)),
               ("SYNCSTORE_TIKTOK_APP_KEY", str(config.tiktok_app_key))]
    if profile == "fast":  # the fast profile has no rate limits; the realistic one matches the defaults
        for name in ("SHOPEE", "TIKTOK"):
            exports += [(f"SYNCSTORE_{name}_RATE_PER_SECOND", "1000"), (f"SYNCSTORE_{name}_RATE_BURST", "1000")]
    if day_seconds is not None:
        exports.append(("SYNCSTORE_QUOTA_DAY_SECONDS", f"{day_seconds:g}"))
    if tiktok_daily_listings is not None:
        exports.append(("SYNCSTORE_TIKTOK_DAILY_LISTING_LIMIT", str(tiktok_daily_listings)))
    if shopee_daily_calls is not None:
        exports.append(("SYNCSTORE_SHOPEE_DAILY_CALL_LIMIT", str(shopee_daily_calls)))
    # The demo key and secret are public sandbox values, so they can be printed; the seller's own never are.
    if config.shopee_partner_key == DEMO_SHOPEE_PARTNER_KEY:
        exports.append(("SYNCSTORE_SHOPEE_PARTNER_KEY", DEMO_SHOPEE_PARTNER_KEY))
    if config.tiktok_app_secret == DEMO_TIKTOK_APP_SECRET:
        exports.append(("SYNCSTORE_TIKTOK_APP_SECRET", DEMO_TIKTOK_APP_SECRET))
    return RunningSandbox(url, profile, folder, exports, server, sandbox)
