"""`syncstore pricing`: how each platform's price is reached."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from syncstore_cli.cli.output import console, print_json, rupiah

app = typer.Typer(help="Explain platform prices.", no_args_is_help=True)


@app.command("explain")
def explain(
    product_id: Annotated[str, typer.Argument(metavar="ID", help="Product id, e.g. PROD-1.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show the price breakdown for each platform, step by step, and for each variant."""
    from syncstore_cli.app.catalog import explain_prices
    from syncstore_cli.app.context import open_context
    from syncstore_cli.domain.catalog import PLATFORMS

    with open_context() as ctx:
        explanation = explain_prices(ctx, product_id)
    breakdowns, variant_breakdowns = explanation.listings, explanation.variants
    data: dict[str, Any] = {}
    for platform in PLATFORMS:
        b = breakdowns[platform]
        data[platform.value] = {
            "base": b.base if b else None,
            "price": b.price if b else None,
            "formula": b.formula if b else "no base price: cannot be priced",
            "steps": [{"step": s.label, "amount": s.amount} for s in b.steps] if b else [],
            "variants": {
                sku: {"base": vb.base, "price": vb.price, "formula": vb.formula} if vb else None
                for sku, vb in variant_breakdowns[platform].items()
            },
        }
    if as_json:
        print_json({"product_id": product_id, **data})
        return
    from rich.markup import escape

    out = console()
    for platform in PLATFORMS:
        entry = data[platform.value]
        out.print(f"[bold]{platform.value}[/bold]: {rupiah(entry['price'])}")
        for step in entry["steps"]:
            out.print(f"  {escape(step['step']):<70} {rupiah(step['amount']):>14}")
        if not entry["steps"]:
            out.print(f"  {entry['formula']}")
        for sku, vb in entry["variants"].items():
            out.print(f"  variant {escape(sku)}: " + (escape(vb["formula"]) if vb else "no base price"))
