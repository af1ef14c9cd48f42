"""Verified database backups: a consistent snapshot, checked before it counts, and restorable.

A backup is not a backup until it has been verified (design.md, reliability). Each one is two
files in the backups folder (`<data folder>/backups/`):

    BK20261124-141500-ab12cd.db          SQLite: a copy made with the online backup API (one step)
    BK20261124-141500-ab12cd.jsonl.gz    PostgreSQL: every project table, exported in one snapshot
    BK20261124-141500-ab12cd.json        the manifest: sizes, sha256, schema revision, row counts

The copy is written as `<name>.partial`, fsynced, checked (`PRAGMA integrity_check` and row counts
on SQLite; read back in full and counted on PostgreSQL) and only then renamed; the manifest is
written last (temporary file, fsync, `os.replace`). A copy that fails its check is deleted and
`BackupError` is raised, so a file without a manifest is never a backup.

The PostgreSQL export is JSON lines in gzip: for each table a header line
`{"table": ..., "columns": [...], "rows": N}` and then one JSON array per row, values that JSON
cannot carry (datetimes, bytes, decimals...) encoded as one-key objects such as `{"$dt": "..."}`.
Tables are written parents first, so a restore inserts them in file order. Rows are streamed
(server-side cursor out, chunked inserts in): no table is ever held in memory whole.

Manifests hold no database URL, so no password can leak through them.

Shop authorizations are not history: a restore keeps the `shop_auth` rows the database has now
(tokens, generations, refresh leases), and backups carry those rows without their tokens. Shopee
refresh tokens are single-use, so a pair older than the last refresh is a lost authorization.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import io
import json
import math
import os
import re
import secrets
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Connection, Engine, Integer, MetaData, Table, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from syncstore_cli.errors import NotFoundError, SyncStoreError
from syncstore_cli.store.engine import BUSY_TIMEOUT_MS

__all__ = [
    "BackupError",
    "BackupStore",
    "CopyCheck",
    "Manifest",
    "PruneResult",
    "RestoreResult",
    "UnreadableBackup",
    "VerifyResult",
    "check_copy",
    "integrity_check",
    "read_export",
    "sqlite_counts",
]

FORMAT: Final = 1
ID_PATTERN: Final = re.compile(r"BK\d{8}-\d{6}-[0-9a-f]{6}")
SUFFIXES: Final = {"sqlite": ".db", "postgresql": ".jsonl.gz"}
CHUNK_ROWS: Final = 1_000
_READ_BLOCK: Final = 1 << 20
LIVE_TABLES: Final = ("shop_auth",)  # a restore keeps these as they are now (module docstring)
TOKEN_COLUMNS: Final = {"shop_auth": ("access_token", "refresh_token")}  # blanked in every backup


class BackupError(SyncStoreError):
    """A backup could not be made, failed verification, or a restore was refused (exit code 1)."""

    exit_code = 1


@dataclass(frozen=True)
class Manifest:
    """What a verified backup holds; stored as `<id>.json` next to the copy."""

    id: str
    created_at: str  # UTC, ISO 8601
    backend: str  # sqlite | postgresql
    file: str  # the copy's file name, in the same folder
    size: int  # bytes
    sha256: str
    schema_revision: str | None
    tables: dict[str, int]  # table -> rows
    reason: str
    verified_at: str  # UTC, ISO 8601
    format: int = FORMAT

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "created_at": self.created_at, "backend": self.backend, "file": self.file,
            "size": self.size, "sha256": self.sha256, "schema_revision": self.schema_revision,
            "tables": dict(self.tables), "rows": self.rows, "reason": self.reason, "verified_at": self.verified_at,
            "format": self.format,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            id=str(data["id"]), created_at=str(data["created_at"]), backend=str(data["backend"]),
            file=str(data["file"]), size=int(data["size"]), sha256=str(data["sha256"]),
            schema_revision=None if data.get("schema_revision") is None else str(data["schema_revision"]),
            tables={str(k): int(v) for k, v in dict(data["tables"]).items()}, reason=str(data["reason"]),
            verified_at=str(data["verified_at"]), format=int(data.get("format", FORMAT)),
        )


@dataclass(frozen=True)
class VerifyResult:
    manifest: Manifest
    problems: list[str]
    checked_at: str
    tables: dict[str, int] = field(default_factory=dict)  # rows found in the copy

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest  # the backup now in the database
    safety: Manifest  # the backup of the state it replaced: restore this one to undo


@dataclass(frozen=True)
class UnreadableBackup:
    """A backup whose manifest cannot be read: listed so that it is seen, never restored or pruned."""

    id: str
    problem: str  # "manifest unreadable: <reason>"
    files: tuple[str, ...]  # the files of the folder carrying its id
    size: int  # their bytes on disk


@dataclass(frozen=True)
class PruneResult:
    keep: int
    deleted: list[Manifest]  # oldest first; with dry_run, what would be deleted
    kept: list[Manifest]  # newest first
    protected: list[str]  # ids kept past `keep` because an approved batch (or a restore) needs them
    freed: int  # bytes on disk of the deleted files
    dry_run: bool
    problems: list[str] = field(default_factory=list)  # files that could not be deleted


@dataclass
class CopyCheck:
    """What reading a copy back found: rows per table, its schema revision, and any problem."""

    tables: dict[str, int] = field(default_factory=dict)
    revision: str | None = None
    problems: list[str] = field(default_factory=list)


# -- checking copies -------------------------------------------------------------------------------
def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def integrity_check(path: Path) -> list[str]:
    """`PRAGMA integrity_check` on a SQLite copy: its problems, [] when it reports ok."""
    try:
        with closing(_read_only(path)) as connection:
            lines = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.Error as exc:
        return [f"integrity check could not run: {exc}"]
    return [] if lines == ["ok"] else [f"integrity check: {line}" for line in lines]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_counts(path: Path) -> tuple[dict[str, int], str | None]:
    """Rows of every table of a SQLite copy, and its schema revision."""
    with closing(_read_only(path)) as connection:
        names = [str(row[0]) for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {name: int(connection.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0])
                  for name in names}
        revision = None
        if "alembic_version" in counts:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = None if row is None else str(row[0])
    return counts, revision


def read_export(path: Path) -> CopyCheck:
    """Read a PostgreSQL export back in full: rows per table, checked against each table's header."""
    check = CopyCheck()
    declared: dict[str, int] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            current: str | None = None
            width = 0
            revision_at: int | None = None
            for number, line in enumerate(lines, 1):
                item = json.loads(line)
                if isinstance(item, dict):
                    current = str(item["table"])
                    if current in declared:
                        check.problems.append(f"line {number}: table {current} appears twice")
                        break
                    columns = [str(c) for c in item["columns"]]
                    declared[current], width = int(item["rows"]), len(columns)
                    check.tables[current] = 0
                    revision_at = columns.index("version_num") if current == "alembic_version" else None
                elif isinstance(item, list) and current is not None:
                    if len(item) != width:
                        check.problems.append(f"line {number}: {len(item)} values for the {width} columns of "
                                              f"{current}")
                        break
                    check.tables[current] += 1
                    if revision_at is not None:
                        check.revision = str(item[revision_at])
                else:
                    check.problems.append(f"line {number}: neither a table header nor a row")
                    break
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        check.problems.append(f"cannot be read back: {exc}")
        return check
    for name, rows in declared.items():
        if check.tables[name] != rows:
            check.problems.append(f"table {name}: {check.tables[name]:,} rows read back, {rows:,} exported")
    return check


def check_copy(backend: str, path: Path) -> CopyCheck:
    """The check a copy must pass, at creation and on every `verify`."""
    if backend == "sqlite":
        problems = integrity_check(path)
        if problems:
            return CopyCheck(problems=problems)
        try:
            tables, revision = sqlite_counts(path)
        except sqlite3.Error as exc:
            return CopyCheck(problems=[f"rows could not be counted: {exc}"])
        return CopyCheck(tables=tables, revision=revision)
    if backend == "postgresql":
        return read_export(path)
    return CopyCheck(problems=[f"unknown backend '{backend}'"])


# -- values of the PostgreSQL export -----------------------------------------------------------------
def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, dict | list):
        return {"$json": value}
    raise BackupError(f"cannot export a value of type {type(value).__name__}")


_DECODERS: Final[dict[str, Any]] = {
    "$float": float,
    "$dt": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$td": lambda v: timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "$dec": Decimal,
    "$b64": base64.b64decode,
    "$uuid": UUID,
    "$json": lambda v: v,
}


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        ((kind, raw),) = value.items()
        return _DECODERS[kind](raw)
    return value


# -- files -----------------------------------------------------------------------------------------
def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not possible everywhere (Windows); the files themselves are synced
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _now() -> datetime:
    return datetime.now(UTC)


# -- the store -------------------------------------------------------------------------------------
class BackupStore:
    """Backups of one database in one folder. `engine` is needed to create, restore and prune only.

    With `keep`, every new backup is followed by a prune to the `keep` newest (plus those of approved
    batches, see `prune`).
    """

    def __init__(self, folder: Path, engine: Engine | None = None, *, keep: int | None = None) -> None:
        self.folder = folder
        self._engine = engine
        self.keep = keep

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise BackupError("no database given to back up or restore")
        return self._engine

    @property
    def backend(self) -> str:
        name = self.engine.dialect.name
        if name not in SUFFIXES:
            raise BackupError(f"backups support SQLite and PostgreSQL databases, not {name}")
        return name

    def path_of(self, manifest: Manifest) -> Path:
        return self.folder / manifest.file

    # -- reading manifests -------------------------------------------------------------------------
    def get(self, backup_id: str) -> Manifest:
        path = self.folder / f"{backup_id}.json"
        if not ID_PATTERN.fullmatch(backup_id) or not path.is_file():
            raise NotFoundError(f"unknown backup id {backup_id!r}")
        try:
            return _read_manifest(path)
        except _Unreadable as exc:
            raise BackupError(f"backup {backup_id}: {exc}") from None

    def _scan(self) -> tuple[list[Manifest], list[UnreadableBackup]]:
        manifests: list[Manifest] = []
        unreadable: list[UnreadableBackup] = []
        if not self.folder.is_dir():
            return manifests, unreadable
        for path in self.folder.glob("BK*.json"):
            if not ID_PATTERN.fullmatch(path.stem):
                continue
            try:
                manifests.append(_read_manifest(path))
            except _Unreadable as exc:
                files = sorted(p for p in self.folder.glob(f"{path.stem}.*") if p.is_file())
                unreadable.append(UnreadableBackup(path.stem, str(exc), tuple(p.name for p in files),
                                                   sum(_disk_size(p) for p in files)))
        return (sorted(manifests, key=lambda m: (m.created_at, m.id), reverse=True),
                sorted(unreadable, key=lambda u: u.id, reverse=True))

    def list_manifests(self) -> list[Manifest]:
        """Every backup with a readable manifest, newest first."""
        return self._scan()[0]

    def unreadable(self) -> list[UnreadableBackup]:
        """Every backup whose manifest cannot be read (the id's newest first), and why."""
        return self._scan()[1]

    # -- retention ---------------------------------------------------------------------------------
    def protected_ids(self) -> set[str]:
        """Backups taken before a batch the owner approved: what a rollback of the rollout may need."""
        from syncstore_cli.store.models import ApprovalRow, SyncBatchRow

        batches = SyncBatchRow.__table__  # type: ignore[attr-defined]
        approvals = ApprovalRow.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as connection:
            return {str(v) for v in connection.execute(
                select(batches.c.backup_id).join(approvals, approvals.c.batch_id == batches.c.id).where(
                    batches.c.backup_id.is_not(None))).scalars()}

    def prune(self, keep: int, *, dry_run: bool = False, protect: frozenset[str] = frozenset()) -> PruneResult:
        """Deletes all but the `keep` newest backups, never one of an approved batch or in `protect`.

        A backup whose manifest cannot be read is left alone (`unreadable` lists it). Its copy is deleted
        before its manifest, so an interrupted prune leaves at worst a manifest whose file is missing,
        which `verify` reports and the next prune removes.
        """
        if keep < 1:
            raise BackupError(f"keep must be at least 1, not {keep}")
        manifests = self.list_manifests()
        protected = self.protected_ids() | set(protect)
        kept: list[Manifest] = []
        deleted: list[Manifest] = []
        held: list[str] = []
        for index, manifest in enumerate(manifests):
            if index < keep:
                kept.append(manifest)
            elif manifest.id in protected:
                kept.append(manifest)
                held.append(manifest.id)
            else:
                deleted.append(manifest)
        freed = 0
        problems: list[str] = []
        for manifest in reversed(deleted):  # oldest first
            for path in (self.path_of(manifest), self.folder / f"{manifest.id}.json"):
                size = _disk_size(path)
                if not dry_run:
                    try:
                        path.unlink(missing_ok=True)
                    except OSError as exc:
                        problems.append(f"{path.name}: {exc.strerror or exc}")
                        continue
                freed += size
        if deleted and not dry_run:
            _fsync_dir(self.folder)
        return PruneResult(keep, list(reversed(deleted)), kept, held, freed, dry_run, problems)

    def _prune_after_create(self, protect: frozenset[str] = frozenset()) -> None:
        if self.keep is None:
            return
        # Retention must never cost the backup just taken (or the batch waiting for it); nothing is
        # deleted when the approvals cannot be read, and `backup prune` shows what stopped it.
        with contextlib.suppress(OSError, SQLAlchemyError):
            self.prune(self.keep, protect=protect)

    # -- create ------------------------------------------------------------------------------------
    def create(self, reason: str = "manual", *, prune: bool = True) -> Manifest:
        """Snapshot the database, verify the copy, then write its manifest; raises BackupError if unverified.

        Then, with `keep` set and unless `prune` is False, older backups are pruned (`prune`).
        """
        backend = self.backend
        self.folder.mkdir(parents=True, exist_ok=True)
        created = _now()
        backup_id = f"BK{created:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        while any(self.folder.glob(f"{backup_id}.*")):  # never reuse (or, on failure, delete) another's files
            backup_id = f"BK{created:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        final = self.folder / f"{backup_id}{SUFFIXES[backend]}"
        partial = final.with_name(final.name + ".partial")
        manifest_path = self.folder / f"{backup_id}.json"
        try:
            exported: dict[str, int] | None = None
            if backend == "sqlite":
                self._snapshot_sqlite(partial)
            else:
                exported = self._export_postgres(partial)
            _fsync_file(partial)
            check = check_copy(backend, partial)
            problems = list(check.problems)
            if exported is not None and not problems and exported != check.tables:
                problems.append(f"rows read back {check.tables} differ from rows exported {exported}")
            if problems:
                raise BackupError(f"backup {backup_id} failed verification and was deleted: {'; '.join(problems)}")
            size, digest = _size_and_sha256(partial)
            os.replace(partial, final)
            _fsync_dir(self.folder)
            manifest = Manifest(
                id=backup_id, created_at=created.isoformat(), backend=backend, file=final.name, size=size,
                sha256=digest, schema_revision=check.revision, tables=dict(sorted(check.tables.items())),
                reason=reason, verified_at=_now().isoformat(),
            )
            _write_json_atomically(manifest_path, manifest.as_json())
        except BaseException as exc:
            for path in (partial, final, manifest_path):
                path.unlink(missing_ok=True)
            if isinstance(exc, BackupError) or not isinstance(exc, Exception):
                raise
            raise BackupError(f"backup {backup_id} failed and was deleted: {exc}") from exc
        if prune:
            self._prune_after_create()
        return manifest

    def _live_sqlite_path(self) -> Path:
        database = self.engine.url.database
        if not database or database == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up or restored")
        path = Path(database)
        if not path.is_file():
            raise BackupError(f"database file {path} does not exist")
        return path

    def _snapshot_sqlite(self, dest: Path) -> None:
        dest.unlink(missing_ok=True)
        live = self._live_sqlite_path()
        with closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000)) as source, \
                closing(sqlite3.connect(dest)) as copy:
            source.backup(copy, pages=-1)  # one step: one read transaction, one consistent snapshot
            # A self-contained file: rollback journal, not WAL (which would want -wal/-shm beside it).
            copy.execute("PRAGMA journal_mode=DELETE").fetchone()
            _blank_tokens(copy)

    def _restore_sqlite(self, path: Path) -> None:
        """The backup, brought to this code's schema and given the live shop_auth rows in a staging copy,
        then written over the live file in one step (all pages or none).

        The live rows are read just before that step, which holds the write lock; a token refresh
        waiting for it lands on the restored rows afterwards."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        from syncstore_cli.store.schema import ensure_current

        live = self._live_sqlite_path()
        staging = self.folder / f".restoring-{secrets.token_hex(4)}.db"
        try:
            with closing(_read_only(path)) as copy, closing(sqlite3.connect(staging)) as stage:
                copy.backup(stage, pages=-1)
            staged = create_engine(f"sqlite:///{staging}", poolclass=NullPool)
            try:
                ensure_current(staged)  # an older backup is upgraded here, before the live file is touched
            finally:
                staged.dispose()
            with closing(sqlite3.connect(staging.resolve().as_uri(), uri=True, isolation_level=None)) as stage:
                _keep_live_rows(stage, live)
            self.engine.dispose()
            with closing(_read_only(staging)) as stage, \
                    closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000)) as database:
                database.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                stage.backup(database, pages=-1)
            self.engine.dispose()
        finally:
            for leftover in (staging, staging.with_name(staging.name + "-journal")):
                leftover.unlink(missing_ok=True)

    def _project_tables(self, connection: Connection) -> list[str]:
        from sqlmodel import SQLModel

        from syncstore_cli.store import models  # noqa: F401  (registers the tables on the metadata)

        wanted = set(SQLModel.metadata.tables) | {"alembic_version"}
        return sorted(name for name in inspect(connection).get_table_names() if name in wanted)

    def _export_postgres(self, dest: Path) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.engine.connect() as base:
            connection = base.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with connection.begin(), open(dest, "wb") as raw:
                metadata = MetaData()
                metadata.reflect(connection, only=self._project_tables(connection))
                with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed, \
                        io.TextIOWrapper(packed, encoding="utf-8", newline="\n") as out:
                    for table in metadata.sorted_tables:  # parents first
                        counts[table.name] = self._export_table(connection, table, out)
                raw.flush()
                os.fsync(raw.fileno())
        return counts

    @staticmethod
    def _export_table(connection: Connection, table: Table, out: io.TextIOWrapper) -> int:
        expected = connection.execute(select(func.count()).select_from(table)).scalar_one()
        header = {"table": table.name, "columns": [c.name for c in table.columns], "rows": expected}
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        rows = connection.execute(select(table).order_by(*table.primary_key.columns),
                                  execution_options={"stream_results": True, "yield_per": CHUNK_ROWS})
        blank = {i for i, c in enumerate(table.columns) if c.name in TOKEN_COLUMNS.get(table.name, ())}
        written = 0
        for row in rows:
            values = ["" if i in blank else _encode(v) for i, v in enumerate(row)]
            out.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n")
            written += 1
        if written != expected:
            raise BackupError(f"table {table.name}: {written:,} rows exported, the snapshot counted {expected:,}")
        return int(written)

    # -- verify ------------------------------------------------------------------------------------
    def verify(self, backup_id: str) -> VerifyResult:
        """Recheck a backup against its manifest: size, sha256, the copy's own check and its row counts."""
        manifest = self.get(backup_id)
        path = self.path_of(manifest)
        problems: list[str] = []
        found: dict[str, int] = {}
        if not path.is_file():
            problems.append(f"file {manifest.file} is missing")
        else:
            size, digest = _size_and_sha256(path)
            if size != manifest.size:
                problems.append(f"size is {size:,} bytes, the manifest says {manifest.size:,}")
            if digest != manifest.sha256:
                problems.append("sha256 differs from the manifest: the file changed after it was verified")
            check = check_copy(manifest.backend, path)
            problems.extend(check.problems)
            found = check.tables
            if not check.problems:
                for name in sorted(set(manifest.tables) | set(found)):
                    if manifest.tables.get(name) != found.get(name):
                        problems.append(f"table {name}: {_rows(found.get(name))} in the copy, the manifest says "
                                        f"{_rows(manifest.tables.get(name))}")
                if check.revision != manifest.schema_revision:
                    problems.append(f"schema revision {check.revision} in the copy, the manifest says "
                                    f"{manifest.schema_revision}")
        return VerifyResult(manifest, problems, _now().isoformat(), found)

    # -- restore -----------------------------------------------------------------------------------
    def restore(self, backup_id: str) -> RestoreResult:
        """Put a verified backup back, after taking a safety backup of the current state.

        Refused (BackupError, nothing written) when the backup fails verification, was made from the
        other kind of database, or (PostgreSQL) is at another schema revision than the database.
        """
        result = self.verify(backup_id)
        if not result.ok:
            raise BackupError(f"backup {backup_id} failed verification; nothing was restored: "
                              f"{'; '.join(result.problems)}")
        manifest = result.manifest
        backend = self.backend
        if manifest.backend != backend:
            raise BackupError(f"backup {backup_id} is of a {manifest.backend} database and this one is {backend}; "
                              "nothing was restored")
        if backend == "postgresql":
            from syncstore_cli.store.schema import current_revision

            revision = current_revision(self.engine)
            if revision != manifest.schema_revision:
                raise BackupError(f"backup {backup_id} is at schema revision {manifest.schema_revision} and the "
                                  f"database at {revision}; nothing was restored")
        elif not _known_revision(manifest.schema_revision):  # an older one is upgraded after the copy
            raise BackupError(f"backup {backup_id} is at schema revision {manifest.schema_revision}, which this "
                              "version of SyncStore does not know; nothing was restored")
        safety = self.create(reason=f"before restore of {backup_id}", prune=False)
        # Before the restore, while the approvals of the state being replaced can still be read.
        self._prune_after_create(protect=frozenset({backup_id, safety.id}))
        if backend == "sqlite":
            self._restore_sqlite(self.path_of(manifest))
        else:
            self._restore_postgres(self.path_of(manifest), manifest)
        return RestoreResult(manifest, safety)

    def _restore_postgres(self, path: Path, manifest: Manifest) -> None:
        with self.engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection, only=self._project_tables(connection))
            preparer = connection.dialect.identifier_preparer
            # Nothing references the live tables, so truncating the others (CASCADE) leaves them untouched.
            replaced = [t for t in metadata.sorted_tables if t.name not in LIVE_TABLES]
            names = ", ".join(preparer.format_table(t) for t in replaced)
            if names:
                connection.execute(text(f"TRUNCATE TABLE {names} CASCADE"))
            restored: dict[str, int] = {}
            for table, rows in _export_chunks(path, metadata):
                restored[table.name] = restored.get(table.name, 0) + len(rows)
                if rows and table.name not in LIVE_TABLES:
                    connection.execute(table.insert(), rows)
            if restored != manifest.tables:
                raise BackupError(f"backup {manifest.id}: rows restored {restored} differ from the manifest "
                                  f"{manifest.tables}; nothing was restored")
            for table in replaced:
                _reset_sequence(connection, table)


class _Unreadable(Exception):
    """A manifest that cannot be read; its message is what `backup list` shows."""


def _read_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise _Unreadable("manifest unreadable: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"manifest unreadable: not valid JSON ({exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno})") from None
    except OSError as exc:
        raise _Unreadable(f"manifest unreadable: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise _Unreadable(f"manifest unreadable: a JSON {type(data).__name__}, not an object")
    try:
        return Manifest.from_json(data)
    except KeyError as exc:
        raise _Unreadable(f"manifest unreadable: no {exc.args[0]!r} field") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise _Unreadable(f"manifest unreadable: a field has the wrong type ({exc})") from None


def _disk_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _blank_tokens(copy: sqlite3.Connection) -> None:
    """Blanks the token columns of a fresh SQLite copy, their old bytes zeroed (secure_delete) and no
    journal on disk holding them."""
    present = {str(row[0]) for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    tables = [(t, columns) for t, columns in TOKEN_COLUMNS.items() if t in present]
    if not tables:
        return
    copy.execute("PRAGMA journal_mode=MEMORY").fetchone()
    copy.execute("PRAGMA secure_delete=ON").fetchone()
    with copy:
        for table, columns in tables:
            copy.execute(f"UPDATE {_quote(table)} SET " + ", ".join(f"{_quote(c)} = ''" for c in columns))
    copy.execute("PRAGMA journal_mode=DELETE").fetchone()


def _keep_live_rows(stage: sqlite3.Connection, live: Path) -> None:
    """Replaces the staged copy's LIVE_TABLES rows with the live database's, in one transaction."""
    stage.execute("ATTACH DATABASE ? AS live", (f"{live.resolve().as_uri()}?mode=ro",))
    try:
        stage.execute("BEGIN")
        for table in LIVE_TABLES:
            ours = [str(r[1]) for r in stage.execute(f"PRAGMA main.table_info({_quote(table)})")]
            theirs = {str(r[1]) for r in stage.execute(f"PRAGMA live.table_info({_quote(table)})")}
            if not theirs:
                raise BackupError(f"the database has no table {table} to keep; nothing was restored")
            columns = ", ".join(_quote(c) for c in ours if c in theirs)
            stage.execute(f"DELETE FROM main.{_quote(table)}")
            if columns:
                stage.execute(f"INSERT INTO main.{_quote(table)} ({columns}) SELECT {columns} "
                              f"FROM live.{_quote(table)}")
        stage.execute("COMMIT")
    except BaseException:
        stage.execute("ROLLBACK")
        raise
    finally:
        stage.execute("DETACH DATABASE live")


def _known_revision(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from syncstore_cli.store.schema import MIGRATIONS_DIR

    if revision is None:
        return False
    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except CommandError:
        return False


def _rows(count: int | None) -> str:
    return "no table" if count is None else f"{count:,} rows"


def _export_chunks(path: Path, metadata: MetaData) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
    """The export's rows, table by table in file order, in chunks ready for an executemany insert."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        table: Table | None = None
        columns: list[str] = []
        chunk: list[dict[str, Any]] = []
        for line in lines:
            item = json.loads(line)
            if isinstance(item, dict):
                if table is not None:
                    yield table, chunk
                name = str(item["table"])
                table = metadata.tables.get(name)
                columns = [str(c) for c in item["columns"]]
                if table is None:
                    raise BackupError(f"table {name} of the backup is not in the database; nothing was restored")
                if set(columns) != {c.name for c in table.columns}:
                    raise BackupError(f"table {name}: the backup's columns differ from the database's; "
                                      "nothing was restored")
                chunk = []
            elif table is not None:
                chunk.append({c: _decode(v) for c, v in zip(columns, item, strict=True)})
                if len(chunk) >= CHUNK_ROWS:
                    yield table, chunk
                    chunk = []
        if table is not None:
            yield table, chunk


def _reset_sequence(connection: Connection, table: Table) -> None:
    """Point an integer id's sequence past the restored rows (setval to max(id))."""
    key = list(table.primary_key.columns)
    if len(key) != 1 or not isinstance(key[0].type, Integer):
        return
    sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                  {"table": connection.dialect.identifier_preparer.format_table(table),
                                   "column": key[0].name}).scalar()
    if sequence is None:
        return
    top = connection.execute(select(func.max(key[0]))).scalar()
    connection.execute(text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                       {"sequence": sequence, "value": top if top is not None else 1, "called": top is not None})
