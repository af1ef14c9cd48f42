"""The application context: what every use case shares, built once per command and closed once.

A use case is a function of `app/<use case>.py` that takes an `AppContext` and typed inputs and
returns a typed result. It gets settings, stores, shop connections and the queue from here and
builds none of them itself. Everything is created on first use, so a command that only reads the
catalog never opens the queue or the marketplaces (start-up time matters: cron runs the CLI often).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.errors import ConfigError
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
    from syncstore_cli.store.taxonomy import TaxonomyStore
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

    # -- the data folder ---------------------------------------------------------------------------
    def _data_folder_where(self) -> str:
        return f"data folder {self.settings.home} (from {self.settings.sources.get('home', 'default')})"

    def existing_data_folder(self) -> Path:
        """The data folder's path for commands that only look: refused if it is a file, never created."""
        home = self.settings.home
        if home.exists() and not home.is_dir():
            raise ConfigError(f"{self._data_folder_where()} is not a folder")
        return home

    @cached_property
    def data_folder(self) -> Path:
        """The data folder, created on first use; one that is a file or cannot be written is a ConfigError
        naming it, before anything is written (the database, queue, backups and sandbox all live there)."""
        home = self.existing_data_folder()
        where = self._data_folder_where()
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{where} cannot be created: {exc.strerror or type(exc).__name__}"
                              + (f" ({exc.filename})" if exc.filename and str(exc.filename) != str(home) else "")
                              ) from None
        if not os.access(home, os.W_OK | os.X_OK):
            raise ConfigError(f"{where} is read-only: SyncStore keeps its database, queue and backups there")
        return home

    # -- the database and its stores --------------------------------------------------------------
    @cached_property
    def database(self) -> Database:
        """The catalog database, created and migrated to the current schema on first use."""
        from syncstore_cli.store.engine import make_engine, opening
        from syncstore_cli.store.schema import ensure_current

        _ = self.data_folder
        url, where = self.settings.database_url, self.settings.where("database_url")
        engine = make_engine(url, setting=where)
        try:
            with opening(url, where):
                ensure_current(engine)
        except BaseException:
            engine.dispose()
            raise
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
    def taxonomy(self) -> TaxonomyStore:
        from syncstore_cli.store.taxonomy import TaxonomyStore

        return TaxonomyStore(self.database, tokopedia_shop=self.settings.tiktok.tokopedia)

    @cached_property
    def tokens(self) -> TokenStore:
        from syncstore_cli.store.tokens import TokenStore

        return TokenStore(self.database)

    @property
    def backup_folder(self) -> Path:
        return self.existing_data_folder() / BACKUP_FOLDER

    def backups(self, *, with_database: bool = True) -> BackupStore:
        """Listing and verifying backups read files only; they never open (or create) the database."""
        from syncstore_cli.store.backup import BackupStore

        if not with_database:
            return BackupStore(self.backup_folder)
        return BackupStore(self.backup_folder, self.database, keep=self.settings.backup.keep)

    # -- the marketplaces and the queue -----------------------------------------------------------
    @cached_property
    def shops(self) -> ShopConnections:
        from syncstore_cli.app.shops import ShopConnections

        return ShopConnections(self.settings, self.tokens, database=self.database,
                               sharers=lambda: self.jobs.working_processes(time.time()))

    @cached_property
    def queue(self) -> JobQueue:
        from syncstore_cli.queue.transport import open_queue

        url = self.settings.queue_url
        if url.startswith("sqlite"):  # the default queue lives in the data folder
            _ = self.data_folder
        return open_queue(url, self.settings.queue_name)

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
                                taxonomy=self.taxonomy, max_attempts=sync.job_attempts)
            runner = JobRunner(engine, self.jobs, capture, lease_seconds=sync.lease_seconds)
            yield SyncSession(engine, runner, shops, images, capture)


def open_context(settings: Settings | None = None, **overrides: Any) -> AppContext:
    """The context for one command; `overrides` replace settings by key (tests, the demo)."""
    base = settings or load_settings()
    return AppContext(base.with_values(**overrides) if overrides else base)
