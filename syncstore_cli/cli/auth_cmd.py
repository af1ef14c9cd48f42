"""`syncstore auth`: authorize the seller's shops and watch their tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from syncstore_cli.cli.output import console, print_json

app = typer.Typer(help="Authorize shops and show token status.", no_args_is_help=True)

SandboxApprove = Annotated[
    bool, typer.Option("--sandbox-approve", help="Against the local sandbox: approve on the seller's behalf.")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _when(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _report(shop: Any, as_json: bool) -> None:
    data = {"platform": shop.platform, "shop_id": shop.shop_id, "shop_name": shop.shop_name,
            "authorized": shop.authorized, "access_expires_at": _when(shop.tokens.access_expires_at),
            "refresh_expires_at": _when(shop.tokens.refresh_expires_at),
            "authorization_expires_at": _when(shop.authorization_expires_at)}
    if as_json:
        print_json(data)
    else:
        console().print(f"Authorized {shop.platform} shop {shop.shop_id} ({shop.shop_name or 'unnamed'}); "
                        f"access token until {data['access_expires_at']}", markup=False)


def _show_link(link: str) -> None:
    typer.echo("Open this link, sign in as the seller and approve SyncStore (waiting for the redirect):", err=True)
    typer.echo(link, err=True)


@app.command("shopee")
def shopee(
    code: Annotated[str | None, typer.Option(help="An authorization code pasted by hand.")] = None,
    shop_id: Annotated[str | None, typer.Option(help="The shop id that came with --code.")] = None,
    sandbox_approve: SandboxApprove = False,
    as_json: JsonFlag = False,
) -> None:
    """Authorize a Shopee shop: authorization link, redirect on a loopback port (or --code), tokens stored."""
    from syncstore_cli.app.auth import authorize_shopee
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        shop = authorize_shopee(ctx, code=code, shop_id=shop_id, sandbox_approve=sandbox_approve,
                                                        show_link=_show_link)
        _report(shop, as_json)


@app.command("tiktok")
def tiktok(
    code: Annotated[str | None, typer.Option(help="An authorization code pasted by hand.")] = None,
    sandbox_approve: SandboxApprove = False,
    as_json: JsonFlag = False,
) -> None:
    """Authorize a TikTok Shop (and its Tokopedia listings): link, redirect or --code, tokens stored."""
    from syncstore_cli.app.auth import authorize_tiktok
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        shop = authorize_tiktok(ctx, code=code, sandbox_approve=sandbox_approve,
                                                        show_link=_show_link)
        _report(shop, as_json)


@app.command("status")
def status(as_json: JsonFlag = False) -> None:
    """Each authorized shop with token and authorization expiry, warning well before anything lapses.
    Exits 1 when a shop needs attention."""
    from syncstore_cli.app.auth import shop_statuses
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        shops = shop_statuses(ctx)
    rows: list[dict[str, Any]] = [
        {"platform": s.platform, "shop_id": s.shop_id, "shop_name": s.shop_name, "authorized": s.authorized,
         "access_expires_at": _when(s.access_expires_at), "refresh_expires_at": _when(s.refresh_expires_at),
         "authorization_expires_at": _when(s.authorization_expires_at), "warnings": list(s.warnings)}
        for s in shops
    ]
    if as_json:
        print_json({"shops": rows})
    else:
        out = console()
        if not rows:
            out.print("No shop is authorized yet: run `syncstore auth shopee` and `syncstore auth tiktok`.",
                      markup=False)
        for row in rows:
            state = "authorized" if row["authorized"] else "NOT AUTHORIZED"
            out.print(f"{row['platform']:<7} shop {row['shop_id']} ({row['shop_name'] or '-'}): {state}; access "
                      f"until {row['access_expires_at']}, refresh until {row['refresh_expires_at']}, "
                      f"authorization until {row['authorization_expires_at']}", markup=False)
            for warning in row["warnings"]:
                out.print(f"  warning: {warning}", markup=False)
    if not rows or any(row["warnings"] for row in rows):
        raise typer.Exit(1)
