"""`syncstore sandbox`: the local Shopee + TikTok Shop stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Run the local marketplace sandbox.", no_args_is_help=True)


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8780,
    profile: Annotated[str, typer.Option(help="fast (tests) or realistic (latency, rate limits, faults).")] = "fast",
    state: Annotated[Path | None, typer.Option(help="Folder for the sandbox's state; default: data folder.")] = None,
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
    sandbox = build_sandbox(config, state or settings.home / "sandbox")
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
