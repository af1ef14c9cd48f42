"""Use case: database backups: create, list, verify, restore, prune (the one before every batch is taken
by `sync`).

The work is done by `syncstore_cli.store.backup.BackupStore`; backups live in `<data folder>/backups/`.
Listing and verifying read files only and never open (or create) the database. Every new backup is
followed by a prune to the setting `backup.keep` (the backups of approved batches stay).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.errors import UserInputError

if TYPE_CHECKING:
    from syncstore_cli.store.backup import Manifest, PruneResult, RestoreResult, UnreadableBackup, VerifyResult

__all__ = ["Backup", "BackupList", "Manifest", "PruneResult", "UnreadableBackup", "create_backup", "list_backups",
           "prune_backups", "restore_backup", "verify_backup"]


@dataclass(frozen=True)
class Backup:
    manifest: Manifest
    path: Path

    def as_json(self) -> dict[str, Any]:
        return {**self.manifest.as_json(), "path": str(self.path)}


def _backup(ctx: AppContext, manifest: Manifest) -> Backup:
    return Backup(manifest, ctx.backup_folder / manifest.file)


def create_backup(ctx: AppContext, reason: str = "manual") -> Backup:
    """A verified backup of the database now; raises BackupError (and leaves nothing) if it fails verification."""
    return _backup(ctx, ctx.backups().create(reason))


@dataclass(frozen=True)
class BackupList:
    backups: list[Backup]  # newest first
    unreadable: list[UnreadableBackup]  # backups whose manifest cannot be read: shown, never used

    @property
    def total_bytes(self) -> int:
        return sum(b.manifest.size for b in self.backups) + sum(u.size for u in self.unreadable)


def list_backups(ctx: AppContext) -> BackupList:
    """Every backup, newest first, and those whose manifest cannot be read (with the reason)."""
    store = ctx.backups(with_database=False)
    return BackupList([_backup(ctx, m) for m in store.list_manifests()], store.unreadable())


def prune_backups(ctx: AppContext, keep: int | None = None, *, dry_run: bool = False) -> PruneResult:
    """Deletes all but the `keep` newest backups (default: the setting `backup.keep`), never one taken
    before an approved batch; with `dry_run`, only says what it would delete."""
    if keep is None:
        keep = ctx.settings.backup.keep
    elif keep < 1:
        raise UserInputError(f"--keep must be at least 1 (got {keep}): the newest backup is always kept")
    return ctx.backups().prune(keep, dry_run=dry_run)


def verify_backup(ctx: AppContext, backup_id: str) -> VerifyResult:
    """Recheck a backup (size, sha256, integrity, row counts); NotFoundError for an unknown id."""
    return ctx.backups(with_database=False).verify(backup_id)


def restore_backup(ctx: AppContext, backup_id: str,
                   confirm: Callable[[Manifest], bool] | None = None) -> RestoreResult | None:
    """Restore a backup that passes verification, after a safety backup of the current state.

    `confirm(manifest)` is asked first when given; None is returned (nothing changed) if it says no.
    Refused with BackupError (nothing written) when the backup fails verification; `.safety` of the
    result is the backup to restore to undo this one.
    """
    if confirm is not None and not confirm(ctx.backups(with_database=False).get(backup_id)):
        return None
    # A restore rewinds the job table under running workers: they would finish jobs that no longer exist.
    open_jobs = ctx.jobs.open_jobs()
    if open_jobs:
        raise UserInputError(f"{open_jobs} sync job(s) are pending or running; let their batches finish (or stop "
                             "the workers) before restoring a backup")
    return ctx.backups().restore(backup_id)
