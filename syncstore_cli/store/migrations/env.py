"""Alembic environment: runs on the connection SyncStore hands it (see `store.schema.upgrade`)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from syncstore_cli.store import models  # noqa: F401  (registers the tables on the metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `syncstore db upgrade`, which supplies the connection")
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
