"""`syncstore categories` and `syncstore attributes`: the marketplaces' category trees and attributes, and
the seller's mapping of master categories (or single products) onto marketplace leaf categories."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from syncstore_cli.cli.output import console, is_terminal, print_json

if TYPE_CHECKING:
    from syncstore_cli.domain.catalog import Platform

app = typer.Typer(help="Marketplace categories: read the trees, get suggestions, map master categories.",
                  no_args_is_help=True)
attributes_app = typer.Typer(help="Marketplace attributes: per-category values, and what still blocks products.",
                             no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
PlatformsOption = Annotated[str, typer.Option("--platform", "-p", help="shopee, tiktok or all.")]
PlatformOption = Annotated[str, typer.Option("--platform", "-p", help="shopee or tiktok.")]


def _platforms(text: str) -> list[Platform]:
    from syncstore_cli.domain.catalog import PLATFORMS, Platform
    from syncstore_cli.errors import UserInputError

    if text.lower() == "all":
        return list(PLATFORMS)
    try:
        return [Platform(text.lower())]
    except ValueError:
        raise UserInputError(f"--platform '{text}' is not shopee, tiktok or all") from None


def _platform(text: str) -> Platform:
    from syncstore_cli.errors import UserInputError

    if text.lower() == "all":
        raise UserInputError("--platform: give one of shopee or tiktok here")
    return _platforms(text)[0]


def _name(platform: Platform) -> str:
    return "Shopee" if platform.value == "shopee" else "TikTok Shop"


@app.command("refresh")
def refresh_command(platform: PlatformsOption = "all", as_json: JsonOption = False) -> None:
    """Read each marketplace's category tree again (TikTok: v2, and which leaves Tokopedia takes), then the
    attributes and rules of every mapped leaf, and cache them. Mapped ids that are no longer leaves are named."""
    from syncstore_cli.app.categories import refresh
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        results = refresh(ctx, _platforms(platform))
    if as_json:
        print_json([{"platform": r.platform.value, "categories": r.categories, "leaves": r.leaves,
                     "tokopedia_leaves": r.tokopedia_leaves, "attributes_read": r.attributes_read,
                     "mapped_but_not_leaves": r.unmapped_leaves} for r in results])
        return
    for r in results:
        extra = f", {r.tokopedia_leaves:,} also on Tokopedia" if r.platform.value == "tiktok" else ""
        typer.echo(f"{_name(r.platform)}: {r.categories:,} categories ({r.leaves:,} leaves{extra}); attributes of "
                   f"{r.attributes_read} mapped categories read")
        for gone in r.unmapped_leaves:
            typer.echo(f"warning: {r.platform.value} category {gone} is mapped but no longer a leaf of the tree; "
                       "its products are blocked until it is mapped again", err=True)


@app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="Words to find in the category path, e.g. 'drone'.")],
    platform: PlatformOption,
    as_json: JsonOption = False,
) -> None:
    """Find leaf categories whose path holds every word (from the cached tree)."""
    from syncstore_cli.app.categories import search
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        found = search(ctx, text, _platform(platform))
    if as_json:
        print_json([{"platform": f.platform.value, "category_id": f.category_id, "path": f.path,
                     "tokopedia": f.tokopedia} for f in found])
        return
    if not found:
        typer.echo(f"no leaf category matches {text!r}")
    for f in found:
        typer.echo(f"{f.category_id}\t{f.path}")


@app.command("suggest")
def suggest_command(
    master: Annotated[str | None, typer.Argument(metavar="[MASTER_CATEGORY]",
                                                 help="A master category key or name, e.g. frame.")] = None,
    product: Annotated[str | None, typer.Option("--product", help="Suggest for one product instead.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every master category that has products.")] = False,
    accept: Annotated[bool, typer.Option("--accept", help="Map each unmapped one to the top suggestion (review "
                                                          "with `categories show`).")] = False,
    platform: PlatformsOption = "all",
    as_json: JsonOption = False,
) -> None:
    """Ask the marketplaces which leaf category fits (Shopee category_recommend, TikTok Recommend Category),
    from up to five of the master category's product titles, ranked by how often each leaf came first."""
    from syncstore_cli.app.categories import suggest
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        results = suggest(ctx, _platforms(platform), master=master, product_id=product, every_master=every,
                          accept=accept)
    if as_json:
        print_json([{"master_category": r.master, "platform": r.platform.value, "mapped": r.mapped,
                     "accepted": r.accepted, "samples": r.samples,
                     "suggestions": [{"category_id": s.category_id, "path": s.path, "votes": s.votes}
                                     for s in r.suggestions]} for r in results])
        return
    for r in results:
        top = r.suggestions[0] if r.suggestions else None
        state = (f"mapped now to {r.accepted}" if r.accepted else
                 f"already mapped to {r.mapped}" if r.mapped else "not mapped")
        typer.echo(f"{r.master} on {_name(r.platform)}: "
                   + (f"{top.category_id} {top.path} ({top.votes}/{len(r.samples)})" if top else "no suggestion")
                   + f"; {state}")
        if not every:
            for s in r.suggestions[1:5]:
                typer.echo(f"    also {s.category_id} {s.path} ({s.votes}/{len(r.samples)})")


@app.command("map")
def map_command(
    target: Annotated[str, typer.Argument(metavar="MASTER_CATEGORY", help="A master category key or name (or a "
                                                                          "product id with --product).")],
    shopee: Annotated[str | None, typer.Option("--shopee", help="Shopee leaf category id.")] = None,
    tiktok: Annotated[str | None, typer.Option("--tiktok", help="TikTok Shop leaf category id (v2).")] = None,
    product: Annotated[bool, typer.Option("--product", help="TARGET is one product id: map only it.")] = False,
) -> None:
    """File a master category (or one product) under marketplace leaf categories, checked against the cached
    tree; the categories' attributes are read at once when the shop is authorized."""
    from syncstore_cli.app.categories import map_category
    from syncstore_cli.app.context import open_context
    from syncstore_cli.domain.catalog import Platform

    choices = {p: v for p, v in ((Platform.SHOPEE, shopee), (Platform.TIKTOK, tiktok)) if v}
    with open_context() as ctx:
        result = map_category(ctx, target, choices, product=product)
    for platform, node in result.mapped.items():
        typer.echo(f"{result.scope.value} {result.key} -> {_name(platform)} {node.id} ({node.name})")
    if result.attributes_read:
        typer.echo(f"attributes of {result.attributes_read} categories read")


@app.command("show")
def show_command(as_json: JsonOption = False) -> None:
    """The mapping: each master category (and product override) with its leaf on each marketplace."""
    from syncstore_cli.app.categories import overview
    from syncstore_cli.app.context import open_context
    from syncstore_cli.domain.catalog import PLATFORMS

    with open_context() as ctx:
        view = overview(ctx)
    if as_json:
        print_json({
            "trees": {p.value: {"read_at": view.tree_read[p], "leaves": view.leaves[p]} for p in PLATFORMS},
            "mappings": [{"scope": line.scope.value, "key": line.key, "name": line.name, "products": line.products,
                          **{p.value: (None if c is None else {"category_id": c[0], "path": c[1], "leaf": c[2]})
                             for p, c in line.categories.items()}} for line in view.lines],
            "unmapped": [{"master_category": key, "platform": p.value} for key, p in view.unmapped],
        })
        return

    def cell(found: tuple[str, str, bool] | None) -> str:
        if found is None:
            return "(not mapped)"
        return f"{found[0]} {found[1]}" + ("" if found[2] else "  [NOT A LEAF]")

    if is_terminal():
        from rich.table import Table

        table = Table("Master / product", "Products", "Shopee", "TikTok Shop")
        for line in view.lines:
            table.add_row(line.key, f"{line.products:,}", *(cell(line.categories[p]) for p in PLATFORMS))
        console().print(table)
    else:
        for line in view.lines:
            typer.echo("\t".join([line.scope.value, line.key, str(line.products),
                                  *(cell(line.categories[p]) for p in PLATFORMS)]))
    for key, p in view.unmapped:
        typer.echo(f"unmapped: {key} on {_name(p)}", err=True)


@app.command("export")
def export_command(
    path: Annotated[Path | None, typer.Argument(metavar="[FILE]", help="CSV file to write; stdout if left out.")
                    ] = None,
) -> None:
    """Write the mapping as CSV to edit in a spreadsheet (the path columns are for reading)."""
    from syncstore_cli.app.categories import export_mapping
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        text = export_mapping(ctx, path)
    if path is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"mapping written to {path}")


@app.command("import")
def import_command(path: Annotated[Path, typer.Argument(metavar="FILE", help="A CSV as `export` writes it.")]
                   ) -> None:
    """Read a mapping CSV: every row is checked against the cached trees first; all of it, or nothing.
    An empty id cell clears that mapping."""
    from syncstore_cli.app.categories import import_mapping
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        result = import_mapping(ctx, path)
    typer.echo(f"{result.mapped} mappings set, {result.cleared} cleared; attributes of {result.attributes_read} "
               "categories read")


@attributes_app.command("set")
def set_command(
    category: Annotated[str, typer.Argument(metavar="CATEGORY", help="Marketplace leaf category id.")],
    attribute: Annotated[str, typer.Argument(help="Attribute id or name.")],
    value: Annotated[str, typer.Argument(help="A listed value's name or id, or free text where allowed; "
                                              "several for a multi-select, separated by ';'.")],
    platform: PlatformOption,
) -> None:
    """Set the value of one attribute for every product in a category (a product's own value wins);
    checked against the attribute's value list and input type."""
    from syncstore_cli.app.categories import set_attribute
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        result = set_attribute(ctx, category, _platform(platform), attribute, value)
    typer.echo(f"{_name(result.platform)} {result.category_id}: {result.attribute.name} "
               f"({result.attribute.id}) = {result.value}")


@attributes_app.command("missing")
def missing_command(platform: PlatformsOption = "all", as_json: JsonOption = False) -> None:
    """What the seller must still fill: mandatory attributes without a value, by category, with the number of
    products each blocks. Exit 0 either way; a script reads --json and fills gaps with `attributes set`."""
    from syncstore_cli.app.categories import missing_attributes
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        report = missing_attributes(ctx, _platforms(platform))
    if as_json:
        print_json({"missing": [line.as_json() for line in report.lines]})
        return
    if not report.lines:
        typer.echo("no mandatory attribute is missing")
    for line in report.lines:
        values = ", ".join(name for _, name in line.attribute.values[:6]) or "free text"
        typer.echo(f"{line.platform.value} {line.category_id} ({line.category}) {line.master_category}: "
                   f"{line.attribute.name} ({line.attribute.id}, {line.attribute.input_type.value}: {values}) "
                   f"blocks {line.products:,} products")
    for (p, key), count in sorted(report.unmapped.items()):
        typer.echo(f"unmapped: {key} on {_name(p)} ({count:,} products); see `syncstore categories suggest`",
                   err=True)
    for (p, category_id), count in sorted(report.unread.items()):
        typer.echo(f"not read: {p.value} category {category_id} ({count:,} products); run `syncstore categories "
                   "refresh`", err=True)
