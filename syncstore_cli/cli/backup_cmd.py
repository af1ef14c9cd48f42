"""`syncstore backup create|list|verify|restore`: verified database backups."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from syncstore_cli.cli.output import console, print_json

if TYPE_CHECKING:
    from syncstore_cli.app.backups import Manifest

BACKUP_EXIT_CODES = """
Exit codes: 0 success; 1 the backup failed verification (or could not be made), a restore was
refused because its backup failed verification, or the restore was not confirmed; 2 unknown backup
id, or bad usage (restore without --yes when not on a terminal).
"""

app = typer.Typer(
    help="Verified backups of the database (kept in the data folder's backups/); one is also taken before every "
         "batch.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The backup id, e.g. BK20261124-141500-ab12cd.")]


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size:,} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size:,} B"  # unreachable


def _when(iso: str) -> str:
    return iso[:19].replace("T", " ")


@app.command("create", epilog=BACKUP_EXIT_CODES)
def create_command(as_json: JsonOption = False) -> None:
    """Back up the database now: a consistent snapshot, verified before it is kept.

    SQLite: a copy made with the online backup API, checked with PRAGMA integrity_check. PostgreSQL:
    every table exported in one read-only snapshot, read back and counted. A backup that fails its
    check is deleted and the command exits 1.
    """
    from syncstore_cli.app.backups import create_backup
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        backup = create_backup(ctx)
    if as_json:
        print_json(backup.as_json())
        return
    manifest, path = backup.manifest, backup.path
    console().print(f"Backup {manifest.id} created and verified: {len(manifest.tables)} tables, "
                    f"{manifest.rows:,} rows, {_size(manifest.size)} ({path})", markup=False)


@app.command("list", epilog=BACKUP_EXIT_CODES)
def list_command(as_json: JsonOption = False) -> None:
    """List the backups, newest first."""
    from syncstore_cli.app.backups import list_backups
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        backups = list_backups(ctx)
    if as_json:
        print_json([b.as_json() for b in backups])
        return
    manifests = [b.manifest for b in backups]
    out = console()
    if not manifests:
        out.print("No backups yet (`syncstore backup create` makes one).", markup=False)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Backups ({len(manifests)}, newest first)", title_justify="left")
    for name, justify in (("ID", "left"), ("Created (UTC)", "left"), ("Backend", "left"), ("Size", "right"),
                          ("Tables/rows", "right"), ("Reason", "left"), ("Verified (UTC)", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "Reason")  # type: ignore[arg-type]
    for m in manifests:
        table.add_row(m.id, _when(m.created_at), m.backend, _size(m.size), f"{len(m.tables)}/{m.rows:,}",
                      escape(m.reason), _when(m.verified_at))
    out.print(table)


@app.command("verify", epilog=BACKUP_EXIT_CODES)
def verify_command(backup_id: IdArgument, as_json: JsonOption = False) -> None:
    """Check a backup again: size and sha256 against its manifest, integrity, and row counts.

    Exits 0 when it passes, 1 with one line per problem when it does not.
    """
    from syncstore_cli.app.backups import verify_backup
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        result = verify_backup(ctx, backup_id)
    manifest = result.manifest
    if as_json:
        print_json({"id": manifest.id, "ok": result.ok, "problems": result.problems, "checked_at": result.checked_at,
                    "tables": result.tables, "manifest": manifest.as_json()})
    elif result.ok:
        console().print(f"Backup {manifest.id} verified: {len(manifest.tables)} tables, {manifest.rows:,} rows, "
                        f"sha256 {manifest.sha256[:12]}... matches.", markup=False)
    else:
        for problem in result.problems:
            typer.echo(f"error: backup {manifest.id}: {problem}", err=True)
    if not result.ok:
        raise typer.Exit(1)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


@app.command("restore", epilog=BACKUP_EXIT_CODES)
def restore_command(
    backup_id: IdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (needed off a terminal).")]
    = False,
    as_json: JsonOption = False,
) -> None:
    """Replace the database's contents with a backup, which must pass verification first.

    A safety backup of the current state is taken before anything is replaced; its id is printed,
    and restoring it undoes this restore. Asks for confirmation on a terminal unless --yes.
    """
    from syncstore_cli.app.backups import restore_backup
    from syncstore_cli.app.context import open_context
    from syncstore_cli.errors import UserInputError

    if not yes and not _stdin_is_terminal():
        raise UserInputError("restore replaces the database's contents; pass --yes to confirm when not on a terminal")

    def confirm(manifest: Manifest) -> bool:
        question = (f"Replace the database's contents with backup {manifest.id} ({_when(manifest.created_at)} "
                    f"UTC, {manifest.rows:,} rows, {manifest.reason})? A safety backup is taken first.")
        return typer.confirm(question, default=False, err=True)

    with open_context() as ctx:
        result = restore_backup(ctx, backup_id, confirm=None if yes else confirm)
    if result is None:
        typer.echo("Not restored; nothing was changed.", err=True)
        raise typer.Exit(1)
    if as_json:
        print_json({"restored": result.manifest.id, "safety_backup": result.safety.id,
                    "tables": result.manifest.tables, "rows": result.manifest.rows})
        return
    console().print(f"Restored backup {result.manifest.id} ({len(result.manifest.tables)} tables, "
                    f"{result.manifest.rows:,} rows). The state before it is backup {result.safety.id}: "
                    f"`syncstore backup restore {result.safety.id}` undoes this restore.", markup=False)
