"""The `syncstore` command. Each command parses, calls one operation, renders; nothing else."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from syncstore_cli.cli import (
    auth_cmd,
    backup_cmd,
    catalog_cmd,
    check_cmd,
    config_cmd,
    db_cmd,
    demo_cmd,
    pricing_cmd,
    products_cmd,
    report_cmd,
    safety_cmd,
    sandbox_cmd,
    seo_cmd,
    sync_cmd,
)
from syncstore_cli.errors import SyncStoreError

EXIT_CODES_HELP = """
Exit codes: 0 success; 1 the operation ran but failed (or found failures);
2 bad input or usage (unknown id, malformed file, broken configuration).
"""


class ErrorMappingGroup(TyperGroup):
    """Turns SyncStore's own errors into one line on stderr and their exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SyncStoreError as exc:  # a marketplace error says its own words, code and request id
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=ErrorMappingGroup,
    name="syncstore",
    help="Publish one master catalog to Shopee and TikTok Shop, safely and in batches.\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(products_cmd.app, name="products")
app.add_typer(pricing_cmd.app, name="pricing")
app.add_typer(seo_cmd.app, name="seo")
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(backup_cmd.app, name="backup")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(auth_cmd.app, name="auth")
app.command("import", epilog=EXIT_CODES_HELP)(catalog_cmd.import_command)
app.add_typer(sync_cmd.app, name="sync")
app.add_typer(sync_cmd.dlq_app, name="dlq")
app.command("worker", epilog=sync_cmd.SYNC_EXIT_CODES)(sync_cmd.worker_command)
app.command("logs", epilog=EXIT_CODES_HELP)(sync_cmd.logs_command)
app.command("approve", epilog=safety_cmd.APPROVE_EXIT_CODES)(safety_cmd.approve_command)
app.command("rollback", epilog=safety_cmd.ROLLBACK_EXIT_CODES)(safety_cmd.rollback_command)
app.command("rollout", epilog=EXIT_CODES_HELP)(safety_cmd.rollout_command)
app.command("demo", epilog=demo_cmd.DEMO_EXIT_CODES)(demo_cmd.demo_command)
app.command("validate", epilog=check_cmd.VALIDATE_EXIT_CODES)(check_cmd.validate_command)
app.command("spot-check", epilog=check_cmd.SPOT_CHECK_EXIT_CODES)(check_cmd.spot_check_command)
app.command("report", epilog=report_cmd.REPORT_EXIT_CODES)(report_cmd.report_command)


def main() -> None:
    app(prog_name="syncstore")
