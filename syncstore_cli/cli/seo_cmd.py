"""`syncstore seo`: per-platform SEO titles, hand-written overrides and exceptions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from syncstore_cli.domain.catalog import Platform

from syncstore_cli.cli.output import console, is_terminal, print_json

app = typer.Typer(help="SEO titles per platform.", no_args_is_help=True)

PlatformOption = Annotated[str, typer.Option("--platform", "-p", help="shopee or tiktok.")]


def _platform(text: str) -> Platform:
    from syncstore_cli.domain.catalog import Platform
    from syncstore_cli.errors import UserInputError

    try:
        return Platform(text.lower())
    except ValueError:
        raise UserInputError(f"--platform '{text}' is not shopee or tiktok") from None


@app.command("set")
def set_title(
    product_id: Annotated[str, typer.Argument(metavar="ID", help="Product id, e.g. PROD-1.")],
    title: Annotated[str, typer.Argument(help="The hand-written title; it is locked until unlocked.")],
    platform: PlatformOption,
) -> None:
    """Lock a hand-written SEO title for one platform (it must meet the platform's rules)."""
    from syncstore_cli.app.catalog import set_seo_title
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        stored = set_seo_title(ctx, product_id, _platform(platform), title)
    listing = stored.listings[_platform(platform)]
    console().print(f"{product_id} {platform}: locked title (similarity {listing.seo_similarity:.1f})")


@app.command("unlock")
def unlock(
    product_id: Annotated[str, typer.Argument(metavar="ID", help="Product id, e.g. PROD-1.")],
    platform: PlatformOption,
) -> None:
    """Drop a hand-written title and go back to the generated one."""
    from syncstore_cli.app.catalog import set_seo_title
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        stored = set_seo_title(ctx, product_id, _platform(platform), None)
    listing = stored.listings[_platform(platform)]
    console().print(f"{product_id} {platform}: generated title: {listing.seo_title or listing.seo_reason}")


@app.command("exceptions")
def exceptions(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """List products that have no in-band SEO title on a platform, with the reason."""
    from syncstore_cli.app.catalog import seo_exceptions
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        found = seo_exceptions(ctx)
    rows = [{"id": e.product_id, "platform": e.platform.value, "title": e.title, "reason": e.reason} for e in found]
    if as_json:
        print_json({"total": len(rows), "items": rows})
        return
    if not is_terminal():
        for row in rows:
            print(f"{row['id']}\t{row['platform']}\t{row['reason']}")
        return
    from rich.markup import escape

    out = console()
    out.print(f"{len(rows)} product-platform pair(s) without an SEO title")
    for row in rows:
        out.print(f"{row['id']:<10} {row['platform']:<7} {escape(str(row['reason']))}")
