"""Engine set-up: SQLite tuned for several processes, or PostgreSQL, from one URL.

SQLite is shared by the CLI, workers and the reconciler, so (see design.md, reliability):
WAL, synchronous=FULL, a 30 s busy timeout, foreign keys on, and `BEGIN IMMEDIATE` for write
transactions: a deferred transaction that later writes can fail with "database is locked"
instead of waiting its turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool, QueuePool

from syncstore_cli.errors import ConfigError, mask_url
from syncstore_cli.store.urls import is_sqlite, normalize_url, sqlite_path

__all__ = ["Engine", "Writer", "is_sqlite", "make_engine", "normalize_url", "opening", "sqlite_path", "writer"]

BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 16  # worker threads plus the reconciler and the CLI's own reads


# What callers outside store/ name the database handle, without importing SQLAlchemy themselves.
Database = Engine


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc  # the driver's own words, without SQLAlchemy's SQL and links
    return mask_url(str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__)


@contextmanager
def opening(url: str, setting: str = "database_url") -> Iterator[None]:
    """Failing to reach or open the database is a ConfigError naming the setting (`setting`, e.g.
    "database_url (from env SYNCSTORE_DATABASE_URL)") and the URL with its password masked."""
    try:
        yield
    except DBAPIError as exc:  # unreachable, refused, not a database at all ("file is not a database")
        raise ConfigError(f"{setting}: cannot open the database at '{mask_url(url)}': {_first_line(exc)}") from None


def make_engine(url: str, *, setting: str = "database_url") -> Engine:
    """An engine for `url`; a URL SQLAlchemy cannot use, or a SQLite folder that cannot be made, is a
    ConfigError naming `setting` (nothing connects yet: see `opening`)."""
    url = normalize_url(url)
    if not is_sqlite(url):
        try:
            return create_engine(url, pool_pre_ping=True, future=True)
        except (ArgumentError, ImportError) as exc:  # NoSuchModuleError (unknown dialect) is an ArgumentError
            raise ConfigError(f"{setting}: '{mask_url(url)}' is not a database URL SyncStore can open: "
                              f"{_first_line(exc)}") from None
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{setting}: cannot create the folder of {path}: "
                              f"{exc.strerror or type(exc).__name__}") from None
    # A file database keeps its connections: opening one (and its PRAGMAs) cost more than the
    # queries of a whole sync job. Connections are per process, so other processes are unaffected.
    pooled = path is not None
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        poolclass=QueuePool if pooled else NullPool,
        **({"pool_size": POOL_SIZE, "max_overflow": POOL_SIZE} if pooled else {}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not pysqlite, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Writer:
    """Write transactions of one engine: `with writer.begin() as connection: ...`.

    On SQLite, a process-wide lock per database file is held for the whole transaction, commit
    included. Threads of one process then queue on the lock instead of on SQLite's busy handler,
    which sleeps 1 ms, 2 ms, 5 ms... up to 100 ms per retry and starved the worker threads of a batch.
    Other processes still wait their turn through `busy_timeout`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock: threading.RLock | None = None
        if engine.dialect.name == "sqlite":
            self.engine = engine.execution_options(sqlite_begin="IMMEDIATE")
            with _LOCKS_GUARD:
                self._lock = _WRITE_LOCKS.setdefault(str(engine.url), threading.RLock())

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        if self._lock is None:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._lock, self.engine.begin() as connection:
            yield connection


_WRITE_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def writer(engine: Engine) -> Writer:
    """Write transactions that take the write lock up front (SQLite) and queue within the process."""
    return Writer(engine)
