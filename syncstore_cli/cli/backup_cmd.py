"""`syncstore backup create|list|verify|restore|prune`: verified database backups."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from syncstore_cli.cli.output import console, print_json

if TYPE_CHECKING:
    from syncstore_cli.app.backups import Manifest

BACKUP_EXIT_CODES = """
Exit codes: 0 success; 1 the backup failed verification (or could not be made, or its manifest cannot
be read), a restore was refused because its backup failed verification, the restore was not
confirmed, or a prune could not delete a file; 2 unknown backup id, or bad usage (restore without
--yes when not on a terminal, --keep below 1).
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
    """List the backups, newest first, with their sizes and the total.

    A backup whose manifest cannot be read is listed too, with the reason; `backup verify ID` on it
    exits 1. Such a backup is never restored or pruned.
    """
    from syncstore_cli.app.backups import list_backups
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        listing = list_backups(ctx)
        folder = ctx.backup_folder
    if as_json:
        print_json([{**b.as_json(), "state": "ok"} for b in listing.backups]
                   + [{"id": u.id, "state": u.problem, "size": u.size, "files": list(u.files),
                       "path": str(folder / f"{u.id}.json")} for u in listing.unreadable])
        return
    out = console()
    count = len(listing.backups) + len(listing.unreadable)
    if not count:
        out.print("No backups yet (`syncstore backup create` makes one).", markup=False)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Backups ({count}, newest first, {_size(listing.total_bytes)} in all)",
                  title_justify="left")
    for name, justify in (("ID", "left"), ("Created (UTC)", "left"), ("Backend", "left"), ("Size", "right"),
                          ("Tables/rows", "right"), ("Reason", "left"), ("Verified (UTC)", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "Reason")  # type: ignore[arg-type]
    for m in (b.manifest for b in listing.backups):
        table.add_row(m.id, _when(m.created_at), m.backend, _size(m.size), f"{len(m.tables)}/{m.rows:,}",
                      escape(m.reason), _when(m.verified_at))
    for u in listing.unreadable:
        table.add_row(u.id, "?", "?", _size(u.size), "?", f"[bold red]{escape(u.problem)}[/]", "-")
    table.add_section()
    table.add_row("Total", "", "", _size(listing.total_bytes), "", f"{count} backup(s)", "")
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


@app.command("prune", epilog=BACKUP_EXIT_CODES)
def prune_command(
    keep: Annotated[int | None, typer.Option("--keep", metavar="N", help="Keep the N newest backups (default: the "
                                             "setting backup.keep, 10).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete all but the newest backups, and say what was deleted and the space freed.

    A backup taken before a batch the owner approved is always kept, as is one whose manifest cannot
    be read (`backup list` shows it). The same prune runs after every new backup, to backup.keep.
    """
    from syncstore_cli.app.backups import prune_backups
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        result = prune_backups(ctx, keep, dry_run=dry_run)
    if as_json:
        print_json({"keep": result.keep, "dry_run": result.dry_run, "deleted": [m.id for m in result.deleted],
                    "freed_bytes": result.freed, "kept": [m.id for m in result.kept],
                    "kept_for_approved_batches": result.protected, "problems": result.problems})
    else:
        out = console()
        verb = "Would delete" if dry_run else "Deleted"
        for m in result.deleted:
            out.print(f"{verb} {m.id} ({_when(m.created_at)} UTC, {_size(m.size)}, {m.reason})", markup=False)
        held = f", {len(result.protected)} of them for approved batches" if result.protected else ""
        out.print(f"{verb} {len(result.deleted)} backup(s), {_size(result.freed)} "
                  f"{'would be ' if dry_run else ''}freed; {len(result.kept)} kept (newest {result.keep}{held}).",
                  markup=False)
    for problem in result.problems:
        typer.echo(f"error: backup prune: {problem}", err=True)
    if result.problems:
        raise typer.Exit(1)
