"""Database backups as operations: create, list, verify, restore, and the one taken before every batch.

The work is done by `syncstore_cli.store.backup.BackupStore`; backups live in `<data folder>/backups/`.
Listing and verifying read files only and never open (or create) the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncstore_cli.services import Services
    from syncstore_cli.store.backup import BackupStore, Manifest, RestoreResult, VerifyResult

BACKUP_FOLDER = "backups"


def backup_folder(services: Services) -> Path:
    return services.settings.home / BACKUP_FOLDER


def backup_store(services: Services, *, with_database: bool = True) -> BackupStore:
    from syncstore_cli.store.backup import BackupStore

    return BackupStore(backup_folder(services), services.engine if with_database else None)


def create_backup(services: Services, reason: str = "manual") -> Manifest:
    """A verified backup of the database now; raises BackupError (and leaves nothing) if it fails verification."""
    return backup_store(services).create(reason)


def backup_before_batch(services: Services, batch_id: str) -> Manifest:
    """The verified backup every batch takes before anything is queued."""
    return create_backup(services, reason=f"before batch {batch_id}")


def list_backups(services: Services) -> list[Manifest]:
    """Every backup, newest first."""
    return backup_store(services, with_database=False).list_manifests()


def get_backup(services: Services, backup_id: str) -> Manifest:
    """One backup's manifest; NotFoundError for an unknown id."""
    return backup_store(services, with_database=False).get(backup_id)


def verify_backup(services: Services, backup_id: str) -> VerifyResult:
    """Recheck a backup (size, sha256, integrity, row counts); NotFoundError for an unknown id."""
    return backup_store(services, with_database=False).verify(backup_id)


def restore_backup(services: Services, backup_id: str) -> RestoreResult:
    """Restore a backup that passes verification, after a safety backup of the current state.

    Refused with BackupError (nothing written) when it fails verification; `.safety` of the result
    is the backup to restore to undo this one.
    """
    from syncstore_cli.errors import UserInputError
    from syncstore_cli.store.sync import SyncStore

    # A restore rewinds the job table under running workers: they would finish jobs that no longer exist.
    open_jobs = SyncStore(services.engine).open_jobs()
    if open_jobs:
        raise UserInputError(f"{open_jobs} sync job(s) are pending or running; let their batches finish (or stop "
                             "the workers) before restoring a backup")
    return backup_store(services).restore(backup_id)


def backup_path(services: Services, manifest: Manifest) -> Path:
    return backup_folder(services) / manifest.file
