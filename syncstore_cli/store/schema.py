"""Schema version checks and Alembic upgrades, applied automatically when the store opens.

The check is one cheap query; Alembic (slow to import) is loaded only when an upgrade is due.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

from syncstore_cli.errors import StoreError
from syncstore_cli.store.version import SCHEMA_HEAD

__all__ = ["SCHEMA_HEAD", "current_revision", "ensure_current", "upgrade"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _alembic_config(connection: object) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Apply pending migrations; returns the revision the database is at afterwards."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)  # type: ignore[arg-type]
    return current_revision(engine)


def alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def ensure_current(engine: Engine) -> None:
    revision = current_revision(engine)
    if revision == SCHEMA_HEAD:
        return
    try:
        upgrade(engine)
    except Exception as exc:
        raise StoreError(f"database schema upgrade failed ({engine.url.render_as_string()}): {exc}") from exc
