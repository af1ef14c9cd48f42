"""`syncstore catalog generate` and `syncstore import`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncstore_cli.cli.output import console, print_json

app = typer.Typer(help="Generate the sample catalog.", no_args_is_help=True)


@app.command("generate")
def generate(
    out: Annotated[
        Path | None, typer.Option(help="Where to write the catalog (.jsonl or .csv); default: the data folder.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Generator seed; the same seed gives the same catalog.")] = None,
    image_base_url: Annotated[
        str, typer.Option(help="Where the sandbox image host serves product images.")
    ] = "http://127.0.0.1:8780",
    manifest: Annotated[Path | None, typer.Option(help="Where to write the flaw manifest (JSON).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Write the deterministic sample catalog of 4,147 FPV products, with a manifest of its flawed records."""
    from syncstore_cli.domain.generator import DEFAULT_SEED
    from syncstore_cli.services import generate_catalog_file
    from syncstore_cli.settings import load_settings

    target = out or load_settings().home / "catalog.jsonl"
    count, manifest_path = generate_catalog_file(
        target, seed=DEFAULT_SEED if seed is None else seed, image_base_url=image_base_url, manifest=manifest
    )
    if as_json:
        print_json({"file": str(target), "products": count, "manifest": str(manifest_path)})
    else:
        console().print(f"Wrote {count:,} products to {target}\nFlaw manifest: {manifest_path}")


def import_command(
    file: Annotated[Path, typer.Option("--file", "-f", help="Master catalog: JSON Lines (.jsonl) or CSV (.csv).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Import a master catalog file. All or nothing: a malformed record stops the import, naming file, line
    and field. Re-importing the same file changes nothing; a changed row updates that product."""
    from syncstore_cli.services import Services

    summary = Services().import_catalog(file)
    data = {
        "file": summary.path,
        "products": summary.products,
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "relisted": summary.relisted,
        "seo_exceptions": summary.seo_exceptions,
        "price_warnings": summary.price_warnings,
        "duplicate_variant_skus": summary.duplicate_variant_skus,
    }
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(
        f"Imported {summary.products:,} products from {summary.path}: {summary.created:,} new, "
        f"{summary.updated:,} updated, {summary.relisted:,} re-priced or re-titled, {summary.unchanged:,} unchanged."
    )
    for platform, ids in summary.seo_exceptions.items():
        out.print(f"No in-band SEO title on {platform} for {len(ids)} product(s): see `syncstore seo exceptions`.")
    for sku, ids in summary.duplicate_variant_skus.items():
        out.print(f"Warning: variant SKU {sku} is used by {', '.join(ids)}.")
    for warning in summary.price_warnings:
        out.print(f"Price guard: {warning}")
