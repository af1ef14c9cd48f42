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
    allow_outside_band: Annotated[
        bool,
        typer.Option(
            "--allow-outside-band",
            help="Lock it even if its similarity to the master title is outside 70–80 (validation reports it). "
            "What the marketplaces refuse (length, emoji, HTML entities, line breaks) is still refused.",
        ),
    ] = False,
) -> None:
    """Lock a hand-written SEO title for one platform.

    It must be 70–80 similar to the master title, within the platform's length limits, on one line
    and free of emoji, HTML entities and control characters, and differ from the other platform's
    title. Exit 2 with one `error:` line naming the broken rule otherwise.
    """
    from syncstore_cli.app.catalog import set_seo_title
    from syncstore_cli.app.context import open_context
    from syncstore_cli.domain.seo import SIMILARITY_BAND, in_band, score_text

    chosen = _platform(platform)
    with open_context() as ctx:
        stored = set_seo_title(ctx, product_id, chosen, title, allow_outside_band=allow_outside_band)
    score = stored.listings[chosen].seo_similarity or 0.0
    note = "" if in_band(score) else (
        f", outside the band {SIMILARITY_BAND[0]:.0f}–{SIMILARITY_BAND[1]:.0f}: validation will report it"
    )
    console().print(f"{product_id} {chosen.value}: locked title (similarity {score_text(score)}{note})", markup=False)


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
