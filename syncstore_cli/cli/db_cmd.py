"""`syncstore db`: schema migrations."""

from __future__ import annotations

import typer

from syncstore_cli.cli.output import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply pending schema migrations (they are also applied automatically when needed)."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.database import upgrade as upgrade_schema

    with open_context() as ctx:
        status = upgrade_schema(ctx)
    console().print(f"Database schema at revision {status.revision}", markup=False)


@app.command("status")
def status() -> None:
    """Show the schema revision of the database and the newest one this version ships."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.database import schema_status

    with open_context() as ctx:
        found = schema_status(ctx)
    console().print(f"database revision: {found.revision or '(empty)'}; newest: {found.newest}", markup=False)
