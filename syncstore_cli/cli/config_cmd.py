"""`syncstore config show`: the effective settings, secrets masked."""

from __future__ import annotations

from typing import Annotated

import typer

from syncstore_cli.cli.output import console, print_json

app = typer.Typer(help="Settings.", no_args_is_help=True)


@app.command("show")
def show(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """Print the effective settings and where each comes from (environment, syncstore.toml, default)."""
    from syncstore_cli.app.config import effective_settings
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        rows = effective_settings(ctx)
    if as_json:
        print_json({row.key: {"value": row.value, "source": row.source} for row in rows})
        return
    out = console()
    width = max(len(row.key) for row in rows)
    for row in rows:
        source = f"  ({row.source})" if row.source else ""
        out.print(f"{row.key:<{width}}  {row.value}{source}", markup=False)
