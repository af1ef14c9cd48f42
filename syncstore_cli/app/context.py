"""The application context: what every use case shares, built once per command and closed once.

A use case is a function of `app/<use case>.py` that takes an `AppContext` and typed inputs and
returns a typed result. It gets settings, stores, shop connections and the queue from here and
builds none of them itself. Everything is created on first use, so a command that only reads the
catalog never opens the queue or the marketplaces (start-up time matters: cron runs the CLI often).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.settings import Settings, load_settings

if TYPE_CHECKING:
    from syncstore_cli.app.shops import ShopConnections
    from syncstore_cli.engine.apply import SyncEngine
    from syncstore_cli.engine.images import ImageCache
    from syncstore_cli.engine.jobs import JobRunner, LogCapture
    from syncstore_cli.engine.ports import Shop
    from syncstore_cli.queue.transport import JobQueue
    from syncstore_cli.store.backup import BackupStore
    from syncstore_cli.store.catalog import CatalogStore
    from syncstore_cli.store.engine import Database
    from syncstore_cli.store.jobs import JobStore
    from syncstore_cli.store.safety import SafetyStore
    from syncstore_cli.store.tokens import TokenStore

BACKUP_FOLDER = "backups"


@dataclass
class SyncSession:
    """The engine and a job runner over every authorized shop, for the life of a `with` block."""

    engine: SyncEngine
    runner: JobRunner
    shops: dict[Platform, Shop]
    images: ImageCache
    capture: LogCapture


class AppContext:
    """Settings, stores, shop connections and the queue of one command; a context manager."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.dispose()

    # -- the database and its stores --------------------------------------------------------------
    @cached_property
    def database(self) -> Database:
        """The catalog database, created and migrated to the current schema on first use."""
        from syncstore_cli.store.engine import make_engine
        from syncstore_cli.store.schema import ensure_current

        self.settings.home.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.settings.database_url)
        ensure_current(engine)
        return engine

    @cached_property
    def catalog(self) -> CatalogStore:
        from syncstore_cli.store.catalog import CatalogStore

        return CatalogStore(self.database)

    @cached_property
    def jobs(self) -> JobStore:
        from syncstore_cli.store.jobs import JobStore

        return JobStore(self.database)

    @cached_property
    def safety(self) -> SafetyStore:
        from syncstore_cli.store.safety import SafetyStore

        return SafetyStore(self.database)

    @cached_property
    def tokens(self) -> TokenStore:
        from syncstore_cli.store.tokens import TokenStore

        return TokenStore(self.database)

    @property
    def backup_folder(self) -> Path:
        return self.settings.home / BACKUP_FOLDER

    def backups(self, *, with_database: bool = True) -> BackupStore:
        """Listing and verifying backups read files only; they never open (or create) the database."""
        from syncstore_cli.store.backup import BackupStore

        return BackupStore(self.backup_folder, self.database if with_database else None)

    # -- the marketplaces and the queue -----------------------------------------------------------
    @cached_property
    def shops(self) -> ShopConnections:
        from syncstore_cli.app.shops import ShopConnections

        return ShopConnections(self.settings, self.tokens)

    @cached_property
    def queue(self) -> JobQueue:
        from syncstore_cli.queue.transport import open_queue

        return open_queue(self.settings.queue_url, self.settings.queue_name)

    @contextmanager
    def sync_session(self) -> Iterator[SyncSession]:
        """The engine and a job runner over every authorized shop; every request lands in sync_logs."""
        from syncstore_cli.engine.apply import SyncEngine
        from syncstore_cli.engine.images import ImageCache
        from syncstore_cli.engine.jobs import JobRunner, LogCapture

        sync = self.settings.sync
        capture = LogCapture(self.jobs)
        with ExitStack() as stack:
            shops = self.shops.open_shops(stack, on_exchange=capture)
            fetch = self.shops.image_fetcher(stack)
            images = ImageCache(self.jobs, fetch)
            stack.callback(images.close)
            engine = SyncEngine(self.catalog, self.jobs, self.settings.pricing, shops, images,
                                max_attempts=sync.job_attempts)
            runner = JobRunner(engine, self.jobs, capture, lease_seconds=sync.lease_seconds)
            yield SyncSession(engine, runner, shops, images, capture)


def open_context(settings: Settings | None = None, **overrides: Any) -> AppContext:
    """The context for one command; `overrides` replace settings by key (tests, the demo)."""
    base = settings or load_settings()
    return AppContext(base.with_values(**overrides) if overrides else base)
