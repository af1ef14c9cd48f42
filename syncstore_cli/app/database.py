"""Use case: the database schema: upgrade it, and say which revision it is at."""

from __future__ import annotations

from dataclasses import dataclass

from syncstore_cli.app.context import AppContext


@dataclass(frozen=True)
class SchemaStatus:
    revision: str | None
    newest: str


def upgrade(ctx: AppContext) -> SchemaStatus:
    """Applies pending migrations (opening the database does) and returns the revision it is at now."""
    from syncstore_cli.store.schema import SCHEMA_HEAD, current_revision

    return SchemaStatus(current_revision(ctx.database), SCHEMA_HEAD)


def schema_status(ctx: AppContext) -> SchemaStatus:
    """The database's revision without migrating it, and the newest one this version ships."""
    from syncstore_cli.store.engine import make_engine
    from syncstore_cli.store.schema import SCHEMA_HEAD, current_revision

    engine = make_engine(ctx.settings.database_url)
    try:
        return SchemaStatus(current_revision(engine), SCHEMA_HEAD)
    finally:
        engine.dispose()
