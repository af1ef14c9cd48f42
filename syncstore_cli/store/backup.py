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
"""

from __future__ import annotations

import base64
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

from syncstore_cli.errors import NotFoundError, SyncStoreError
from syncstore_cli.store.engine import BUSY_TIMEOUT_MS

__all__ = [
    "BackupError",
    "BackupStore",
    "CopyCheck",
    "Manifest",
    "RestoreResult",
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
    """Backups of one database in one folder. `engine` is needed to create and restore only."""

    def __init__(self, folder: Path, engine: Engine | None = None) -> None:
        self.folder = folder
        self._engine = engine

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
            return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"backup {backup_id}: its manifest cannot be read: {exc}") from None

    def list_manifests(self) -> list[Manifest]:
        """Every backup with a readable manifest, newest first."""
        manifests: list[Manifest] = []
        if not self.folder.is_dir():
            return manifests
        for path in self.folder.glob("BK*.json"):
            if not ID_PATTERN.fullmatch(path.stem):
                continue
            try:
                manifests.append(Manifest.from_json(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # `verify` on that id says what is wrong with it
        return sorted(manifests, key=lambda m: (m.created_at, m.id), reverse=True)

    # -- create ------------------------------------------------------------------------------------
    def create(self, reason: str = "manual") -> Manifest:
        """Snapshot the database, verify the copy, then write its manifest; raises BackupError if unverified."""
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
        written = 0
        for row in rows:
            out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False, separators=(",", ":")) + "\n")
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
        safety = self.create(reason=f"before restore of {backup_id}")
        if backend == "sqlite":
            self._restore_sqlite(self.path_of(manifest))
        else:
            self._restore_postgres(self.path_of(manifest), manifest)
        return RestoreResult(manifest, safety)

    def _restore_sqlite(self, path: Path) -> None:
        from syncstore_cli.store.schema import ensure_current

        live = self._live_sqlite_path()
        self.engine.dispose()
        with closing(_read_only(path)) as copy, \
                closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT_MS / 1000)) as database:
            database.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            copy.backup(database, pages=-1)  # one write transaction on the live file: all pages or none
        self.engine.dispose()
        ensure_current(self.engine)  # an older backup is brought up to the schema this code expects

    def _restore_postgres(self, path: Path, manifest: Manifest) -> None:
        with self.engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection, only=self._project_tables(connection))
            preparer = connection.dialect.identifier_preparer
            names = ", ".join(preparer.format_table(t) for t in metadata.sorted_tables)
            if names:
                connection.execute(text(f"TRUNCATE TABLE {names} CASCADE"))
            restored: dict[str, int] = {}
            for table, rows in _export_chunks(path, metadata):
                restored[table.name] = restored.get(table.name, 0) + len(rows)
                if rows:
                    connection.execute(table.insert(), rows)
            if restored != manifest.tables:
                raise BackupError(f"backup {manifest.id}: rows restored {restored} differ from the manifest "
                                  f"{manifest.tables}; nothing was restored")
            for table in metadata.sorted_tables:
                _reset_sequence(connection, table)


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
