"""`syncstore sandbox`: the local Shopee + TikTok Shop stand-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Run the local marketplace sandbox.", no_args_is_help=True)
StateOption = Annotated[Path | None, typer.Option(help="Folder for the sandbox's state; default: data folder.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
# What a seller centre's form takes: a price in whole rupiah and a stock count, within what its database stores.
MAX_PRICE = 1_000_000_000
MAX_STOCK = 2_147_483_647


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
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sandbox import audit as audit_sandbox

    with open_context() as ctx:
        report = audit_sandbox(ctx, state)
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
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sandbox import listing_view

    with open_context() as ctx:
        summary = listing_view(ctx, platform, listing_id, state)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_summary(summary)


@app.command("edit")
def edit(
    platform: Annotated[str, typer.Argument(help="shopee or tiktok.")],
    listing_id: Annotated[str, typer.Argument(metavar="ID", help="Shopee item id or TikTok product id.")],
    price: Annotated[int | None, typer.Option(min=1, max=MAX_PRICE, help="New price (IDR) for every variant.")] = None,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    stock: Annotated[int | None, typer.Option(min=0, max=MAX_STOCK, help="New stock for every variant.")] = None,
    state: StateOption = None,
) -> None:
    """Change a listing as the seller would in the seller centre, behind SyncStore's back."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sandbox import edit_listing

    with open_context() as ctx:
        summary = edit_listing(ctx, platform, listing_id, price=price, title=title, stock=stock, state=state)
    _print_summary(summary)


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")] = 8780,
    profile: Annotated[str, typer.Option(help="fast (tests) or realistic (latency, rate limits, faults).")] = "fast",
    state: StateOption = None,
    faults: Annotated[str | None, typer.Option(
        help="Fault rates replacing the profile's, e.g. 5xx=0.02,drop=0.01,429=0.01,latency=80-400.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the fault dice, for a repeatable run.")] = None,
    tiktok_daily_listings: Annotated[int | None, typer.Option(
        help="New TikTok listings a day before error 12052093 (default: the profile's).")] = None,
    shopee_daily_calls: Annotated[int | None, typer.Option(
        help="Shopee API calls a day before error_limit (default: no quota).")] = None,
    day_seconds: Annotated[float | None, typer.Option(
        help="Length of a marketplace day in seconds (1 to 86400), so quotas reset in seconds; prints the "
             "matching `export SYNCSTORE_QUOTA_DAY_SECONDS`.")] = None,
) -> None:
    """Serve the sandbox marketplaces in the foreground and print the settings that point SyncStore at it."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sandbox import start_sandbox

    with open_context() as ctx:
        running = start_sandbox(ctx, port=port, profile=profile, state=state, faults=faults, seed=seed,
                                tiktok_daily_listings=tiktok_daily_listings, shopee_daily_calls=shopee_daily_calls,
                                day_seconds=day_seconds)
    typer.echo(f"# SyncStore sandbox ({running.profile}) on {running.url}; state in {running.state}")
    for name, value in running.exports:
        typer.echo(f"export {name}={value}")
    running.serve()
