"""`syncstore db`: schema migrations."""

from __future__ import annotations

import typer

from syncstore_cli.cli.output import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply pending schema migrations (they are also applied automatically when needed)."""
    from syncstore_cli.services import Services
    from syncstore_cli.store.schema import current_revision

    services = Services()
    console().print(f"Database schema at revision {current_revision(services.engine)}", markup=False)


@app.command("status")
def status() -> None:
    """Show the schema revision of the database and the newest one this version ships."""
    from syncstore_cli.services import Services
    from syncstore_cli.store.engine import make_engine
    from syncstore_cli.store.schema import SCHEMA_HEAD, current_revision

    url = Services().settings.database_url
    revision = current_revision(make_engine(url))
    console().print(f"database revision: {revision or '(empty)'}; newest: {SCHEMA_HEAD}", markup=False)
