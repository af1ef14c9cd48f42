"""`syncstore sandbox`: the local Shopee + TikTok Shop stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from syncstore_cli.sandbox.app import Sandbox

app = typer.Typer(help="Run the local marketplace sandbox.", no_args_is_help=True)
StateOption = Annotated[Path | None, typer.Option(help="Folder for the sandbox's state; default: data folder.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PLATFORMS = ("shopee", "tiktok")


@contextmanager
def _open_state(state: Path | None) -> Iterator[Sandbox]:
    """The sandbox's state folder opened directly: SQLite WAL lets this run beside a serving sandbox."""
    from syncstore_cli.sandbox.app import build_sandbox
    from syncstore_cli.sandbox.config import SandboxConfig
    from syncstore_cli.settings import load_settings

    settings = load_settings()
    sandbox = build_sandbox(SandboxConfig.from_values(settings.values), state or settings.home / "sandbox")
    try:
        yield sandbox
    finally:
        sandbox.close()


def _platform(platform: str) -> str:
    from syncstore_cli.errors import UserInputError

    if platform not in PLATFORMS:
        raise UserInputError(f"platform '{platform}' is not shopee or tiktok")
    return platform


def _seller_view(sandbox: Sandbox, platform: str, listing_id: str) -> dict[str, Any]:
    """The listing as the seller centre's JSON route shows it (no HTTP needed: the router is called directly)."""
    from syncstore_cli.errors import NotFoundError
    from syncstore_cli.sandbox.web import Request

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


def _print_summary(summary: dict[str, Any]) -> None:
    prices = summary["prices"]
    price = "-" if not prices else f"Rp{prices[0]:,}" if len(prices) == 1 else f"Rp{prices[0]:,} - Rp{prices[-1]:,}"
    typer.echo(f"{summary['platform']} {summary['id']}: {summary['title']}")
    status = summary["status"]
    if summary["platform"] == "tiktok":
        status += f" (Tokopedia: {summary['tokopedia_status'] or 'not listed'})"
    typer.echo(f"  status: {status}")
    typer.echo(f"  price: {price}   stock: {summary['stock']}")
    typer.echo(f"  images: {len(summary['images'])}")
    for url in summary["images"]:
        typer.echo(f"    {url}")
    for variant in summary["variants"]:
        options = " / ".join(variant["options"]) or "-"
        typer.echo(f"  variant {variant['sku']}: {options}  Rp{variant['price']:,}  stock {variant['stock']}")


@app.command("audit")
def audit(state: StateOption = None, as_json: JsonOption = False) -> None:
    """Per marketplace: SKUs on more than one listing, and listed SKUs the catalog does not know."""
    from syncstore_cli.domain.generator import generate_catalog

    # The generated catalog is the seller's catalog the sandbox was seeded from; reading the store would
    # need the database to be set up, which the sandbox does not.
    known = {sku for p in generate_catalog().products for sku in (p.sku, *(v.sku for v in p.variants))}
    with _open_state(state) as sandbox:
        shopee = sandbox.shopee_products.audit(known)
        tiktok = sandbox.tiktok_products.audit(known)
    report: dict[str, Any] = {
        "shopee": {"duplicate_skus": {sku: [str(i) for i in ids] for sku, ids in shopee.duplicate_skus.items()},
                   "unknown_skus": [{"item_id": str(item), "model_id": None if model is None else str(model),
                                     "sku": sku} for item, model, sku in shopee.unknown_skus]},
        "tiktok": {"duplicate_skus": tiktok["duplicate_seller_skus"],
                   "unknown_skus": [{"product_id": row["product_id"], "sku_id": row["sku_id"],
                                     "sku": row["seller_sku"]} for row in tiktok["unknown_skus"]]},
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for platform, found in report.items():
        typer.echo(f"{platform}: {len(found['duplicate_skus'])} SKU(s) on more than one listing, "
                   f"{len(found['unknown_skus'])} listed SKU(s) unknown to the catalog")
        for sku, ids in found["duplicate_skus"].items():
            typer.echo(f"  duplicate {sku}: {', '.join(ids)}")
        for row in found["unknown_skus"]:
            typer.echo(f"  unknown {row['sku'] or '(empty)'}: {row.get('item_id') or row.get('product_id')}")


@app.command("show")
def show(
    platform: Annotated[str, typer.Argument(help="shopee or tiktok.")],
    listing_id: Annotated[str, typer.Argument(metavar="ID", help="Shopee item id or TikTok product id.")],
    state: StateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a listing as the marketplace's seller centre shows it."""
    with _open_state(state) as sandbox:
        summary = _summary(_platform(platform), _seller_view(sandbox, platform, listing_id))
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_summary(summary)


@app.command("edit")
def edit(
    platform: Annotated[str, typer.Argument(help="shopee or tiktok.")],
    listing_id: Annotated[str, typer.Argument(metavar="ID", help="Shopee item id or TikTok product id.")],
    price: Annotated[int | None, typer.Option(help="New price (IDR) for every variant.")] = None,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    stock: Annotated[int | None, typer.Option(help="New stock for every variant.")] = None,
    state: StateOption = None,
) -> None:
    """Change a listing as the seller would in the seller centre, behind SyncStore's back."""
    from syncstore_cli.errors import NotFoundError, UserInputError

    _platform(platform)
    if price is None and title is None and stock is None:
        raise UserInputError("nothing to change: give --price, --title or --stock")
    with _open_state(state) as sandbox:
        try:
            if platform == "shopee":
                if not listing_id.isdigit():
                    raise KeyError(listing_id)
                sandbox.shopee_products.edit_listing(int(listing_id), price=price, title=title, stock=stock)
            else:
                sandbox.tiktok_products.edit_listing(listing_id, price=price, title=title, stock=stock)
        except KeyError:
            raise NotFoundError(f"no {platform} listing {listing_id}") from None
        summary = _summary(platform, _seller_view(sandbox, platform, listing_id))
    _print_summary(summary)


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8780,
    profile: Annotated[str, typer.Option(help="fast (tests) or realistic (latency, rate limits, faults).")] = "fast",
    state: StateOption = None,
    faults: Annotated[str | None, typer.Option(
        help="Fault rates replacing the profile's, e.g. 5xx=0.02,drop=0.01,429=0.01,latency=80-400.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the fault dice, for a repeatable run.")] = None,
) -> None:
    """Serve the sandbox marketplaces in the foreground and print the settings that point SyncStore at it."""
    from syncstore_cli.errors import UserInputError
    from syncstore_cli.sandbox.app import build_sandbox
    from syncstore_cli.sandbox.config import DEMO_SHOPEE_PARTNER_KEY, DEMO_TIKTOK_APP_SECRET, SandboxConfig
    from syncstore_cli.sandbox.web import SandboxServer
    from syncstore_cli.settings import load_settings

    if profile not in ("fast", "realistic"):
        raise UserInputError(f"--profile '{profile}' is not fast or realistic")
    settings = load_settings()
    config = SandboxConfig.from_values(settings.values, profile=profile)
    from syncstore_cli.sandbox.faults import FaultPlan, parse_spec

    plan = FaultPlan.for_profile(config, seed=seed)
    if faults is not None:
        try:
            plan.rates, latency = parse_spec(faults)
        except ValueError as exc:
            raise UserInputError(f"--faults: {exc}") from None
        plan.latency_ms = latency
    sandbox = build_sandbox(config, state or settings.home / "sandbox", faults=plan)
    try:
        server = SandboxServer(sandbox.router, port=port)
    except OSError as exc:
        raise UserInputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    url = server.url
    from syncstore_cli.domain.generator import generate_catalog
    from syncstore_cli.sandbox.config import DEMO_SHOPEE_SHOP_ID, DEMO_TIKTOK_SHOP_ID

    # The seller's existing listings, as they are today (idempotent: a restart seeds nothing new).
    products = generate_catalog(image_base_url=url).products
    sandbox.shopee_products.seed_from_catalog(products, DEMO_SHOPEE_SHOP_ID)
    sandbox.tiktok_products.seed_from_catalog(products, DEMO_TIKTOK_SHOP_ID)
    typer.echo(f"# SyncStore sandbox ({profile}) on {url}; state in {state or settings.home / 'sandbox'}")
    for name, value in (
        ("SYNCSTORE_SHOPEE_BASE_URL", url),
        ("SYNCSTORE_TIKTOK_BASE_URL", url),
        ("SYNCSTORE_TIKTOK_AUTH_URL", url),
        ("SYNCSTORE_SHOPEE_PARTNER_ID", config.shopee_partner_id),
        ("SYNCSTORE_TIKTOK_APP_KEY", config.tiktok_app_key),
    ):
        typer.echo(f"export {name}={value}")
    if profile == "fast":  # the fast profile has no rate limits; the realistic one matches the defaults
        for name in ("SHOPEE", "TIKTOK"):
            typer.echo(f"export SYNCSTORE_{name}_RATE_PER_SECOND=1000\nexport SYNCSTORE_{name}_RATE_BURST=1000")
    # The demo key and secret are public sandbox values, so they can be printed; the seller's own never are.
    if config.shopee_partner_key == DEMO_SHOPEE_PARTNER_KEY:
        typer.echo(f"export SYNCSTORE_SHOPEE_PARTNER_KEY={DEMO_SHOPEE_PARTNER_KEY}")
    if config.tiktok_app_secret == DEMO_TIKTOK_APP_SECRET:
        typer.echo(f"export SYNCSTORE_TIKTOK_APP_SECRET={DEMO_TIKTOK_APP_SECRET}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.close()
