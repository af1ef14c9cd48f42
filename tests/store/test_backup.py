"""Verified database backups on SQLite and PostgreSQL: create, verify, refuse, restore, undo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import MetaData, select, text

from syncstore_cli.app.backups import create_backup, list_backups, restore_backup, verify_backup
from syncstore_cli.app.catalog import import_catalog, product
from syncstore_cli.app.context import AppContext
from syncstore_cli.errors import NotFoundError, UserInputError
from syncstore_cli.store import backup as backup_module
from syncstore_cli.store.backup import BackupError, CopyCheck, Manifest
from syncstore_cli.store.schema import SCHEMA_HEAD

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"


@pytest.fixture
def ctx(database_url: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", database_url)
    with AppContext() as ctx:
        import_catalog(ctx, FIXTURES / "small.jsonl")
        yield ctx


def dump(ctx: AppContext) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: what a restore must bring back exactly."""
    with ctx.database.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        return {t.name: [tuple(r) for r in connection.execute(select(t).order_by(*t.primary_key.columns))]
                for t in metadata.sorted_tables}


def change_catalog(ctx: AppContext) -> None:
    with ctx.database.begin() as connection:
        connection.execute(text("DELETE FROM products WHERE id = 'PROD-1'"))  # its listings, images... cascade
        connection.execute(text("UPDATE products SET title = 'changed' WHERE id = 'PROD-2'"))


def product_ids(ctx: AppContext) -> list[str]:
    with ctx.database.connect() as connection:
        return list(connection.execute(text("SELECT id FROM products ORDER BY id")).scalars())


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # a run of flipped bytes in the middle of the file
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:])


def test_create_verify_change_restore_and_undo(ctx: AppContext) -> None:
    before = dump(ctx)
    backup = create_backup(ctx)
    manifest = backup.manifest
    backend = "sqlite" if ctx.settings.database_url.startswith("sqlite") else "postgresql"
    assert manifest.backend == backend and manifest.reason == "manual"
    assert manifest.schema_revision == SCHEMA_HEAD
    assert manifest.tables["products"] == 3 and manifest.tables["alembic_version"] == 1
    assert set(manifest.tables) >= {"products", "variants", "images", "listings", "listing_variants", "sync_jobs"}
    path = backup.path
    assert path == ctx.backup_folder / manifest.file
    assert path.is_file() and path.name == manifest.file and path.stat().st_size == manifest.size
    assert path.name.endswith(".db" if backend == "sqlite" else ".jsonl.gz")
    saved = json.loads((path.parent / f"{manifest.id}.json").read_text())
    assert Manifest.from_json(saved) == manifest
    assert saved["created_at"].endswith("+00:00") and saved["verified_at"] >= saved["created_at"]
    assert verify_backup(ctx, manifest.id).ok

    change_catalog(ctx)
    assert product_ids(ctx) == ["PROD-2", "PROD-3"]
    changed = dump(ctx)

    result = restore_backup(ctx, manifest.id)
    assert result is not None and result.manifest.id == manifest.id
    assert dump(ctx) == before  # every row of every table, datetimes, floats and booleans included
    assert product(ctx, "PROD-2").product.title != "changed"

    safety = result.safety
    assert safety.reason == f"before restore of {manifest.id}" and safety.tables["products"] == 2
    assert [b.manifest.id for b in list_backups(ctx)] == [safety.id, manifest.id]
    assert verify_backup(ctx, safety.id).ok

    # The restored database takes new rows (ids continue after the restored ones), and the undo works.
    records = [json.loads(line) for line in (FIXTURES / "small.jsonl").read_text().splitlines()]
    extra = {**records[1], "id": "PROD-9", "sku": "NEW-SKU-9"}
    extra["variants"] = [{**v, "sku": f"NEW-{v['sku']}"} for v in extra.get("variants", [])]
    new_file = ctx.settings.home / "extra.jsonl"
    new_file.write_text(json.dumps(extra) + "\n")
    assert import_catalog(ctx, new_file).created == 1
    undo = restore_backup(ctx, safety.id)
    assert dump(ctx) == changed
    assert undo is not None
    assert undo.safety.reason == f"before restore of {safety.id}" and undo.safety.tables["products"] == 4


@pytest.mark.parametrize("how", ["corrupted", "truncated"])
def test_a_damaged_backup_fails_verify_and_restore_is_refused(ctx: AppContext, how: str) -> None:
    backup = create_backup(ctx)
    manifest = backup.manifest
    damage(backup.path, how)
    result = verify_backup(ctx, manifest.id)
    assert not result.ok
    assert any("sha256" in p for p in result.problems)
    if how == "truncated":
        assert any("size is" in p for p in result.problems)

    change_catalog(ctx)
    changed = dump(ctx)
    with pytest.raises(BackupError, match=f"backup {manifest.id} failed verification; nothing was restored") as info:
        restore_backup(ctx, manifest.id)
    assert info.value.exit_code == 1
    assert dump(ctx) == changed  # the database is untouched
    assert [b.manifest.id for b in list_backups(ctx)] == [manifest.id]  # and no safety backup was even taken


def test_a_missing_backup_file_fails_verify(ctx: AppContext) -> None:
    backup = create_backup(ctx)
    manifest = backup.manifest
    backup.path.unlink()
    result = verify_backup(ctx, manifest.id)
    assert result.problems == [f"file {manifest.file} is missing"]


def test_verification_failing_at_creation_leaves_no_manifest_and_no_file(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    if ctx.settings.database_url.startswith("sqlite"):
        monkeypatch.setattr(backup_module, "integrity_check", lambda path: ["integrity check: page 7 is corrupt"])
        problem = "page 7 is corrupt"
    else:
        monkeypatch.setattr(backup_module, "read_export",
                            lambda path: CopyCheck(problems=["table products: 2 rows read back, 3 exported"]))
        problem = "2 rows read back, 3 exported"
    with pytest.raises(BackupError, match="failed verification and was deleted") as info:
        create_backup(ctx)
    assert problem in str(info.value) and info.value.exit_code == 1
    assert list(ctx.backup_folder.iterdir()) == []
    assert list_backups(ctx) == []


def test_unknown_or_malformed_ids_are_not_found(ctx: AppContext) -> None:
    for backup_id in ("BK20990101-000000-abcdef", "../syncstore", "BK20990101-000000-abcdef/../x"):
        with pytest.raises(NotFoundError, match="unknown backup id") as info:
            verify_backup(ctx, backup_id)
        assert isinstance(info.value, UserInputError) and info.value.exit_code == 2
        with pytest.raises(NotFoundError):
            restore_backup(ctx, backup_id)


def test_list_is_newest_first_and_the_batch_backup_says_why(ctx: AppContext) -> None:
    first = create_backup(ctx).manifest
    # What `sync batch` takes before a batch (its reason is checked on a real batch in e2e/test_safety.py).
    second = ctx.backups().create(reason="before batch B20261124-0001")
    third = create_backup(ctx, reason="manual").manifest
    assert second.reason == "before batch B20261124-0001"
    assert [b.manifest.id for b in list_backups(ctx)] == [third.id, second.id, first.id]
    assert [b.manifest.reason for b in list_backups(ctx)] == ["manual", "before batch B20261124-0001", "manual"]
    (ctx.backup_folder / "notes.json").write_text("{}")  # not a manifest: ignored
    (ctx.backup_folder / "BK20000101-000000-000000.json").write_text("not json")  # unreadable: skipped
    assert len(list_backups(ctx)) == 3


@pytest.mark.postgres
def test_postgres_manifest_and_export_hold_no_password(postgres_url: str, home: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The test server trusts local connections, so any password is accepted and must never be written.
    url = postgres_url.replace("postgresql://postgres@", "postgresql://postgres:n0t-a-real-s3cret@", 1)
    assert "n0t-a-real-s3cret" in url
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", url)
    with AppContext() as ctx:
        import_catalog(ctx, FIXTURES / "small.jsonl")
        backup = create_backup(ctx)
        manifest = backup.manifest
        import gzip

        exported = gzip.decompress(backup.path.read_bytes()).decode()
    manifest_text = (ctx.backup_folder / f"{manifest.id}.json").read_text()
    assert "n0t-a-real-s3cret" not in manifest_text and "postgresql" not in manifest_text.replace(
        '"backend": "postgresql"', "")
    assert "n0t-a-real-s3cret" not in exported


@pytest.mark.postgres
def test_postgres_restore_refuses_another_schema_revision(postgres_url: str, home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", postgres_url)
    with AppContext() as ctx:
        import_catalog(ctx, FIXTURES / "small.jsonl")
        manifest = create_backup(ctx).manifest
        with ctx.database.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
        with pytest.raises(BackupError, match="schema revision"):
            restore_backup(ctx, manifest.id)
        assert len(list_backups(ctx)) == 1


def test_sqlite_backup_is_a_self_contained_file(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3
    from contextlib import closing

    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")
    with AppContext() as ctx:
        import_catalog(ctx, FIXTURES / "small.jsonl")
        backup = create_backup(ctx)
        manifest, path = backup.manifest, backup.path
    assert sorted(p.name for p in path.parent.iterdir()) == [manifest.file, f"{manifest.id}.json"]
    with closing(sqlite3.connect(path)) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 3


def test_export_values_round_trip() -> None:
    values: list[Any] = [
        None, True, 0, -(2**62), 1.5, float("inf"), "teks ✓", datetime(2026, 11, 24, 14, 15, 0, 123456),
        datetime(2026, 11, 24, 14, 15, tzinfo=UTC), date(2026, 1, 2), time(3, 4, 5), timedelta(days=1, seconds=2),
        Decimal("12.340"), b"\x00\xff", UUID(int=7), {"a": [1, 2]},
    ]
    encoded = json.loads(json.dumps([backup_module._encode(v) for v in values]))
    assert [backup_module._decode(v) for v in encoded] == values
    with pytest.raises(BackupError, match="cannot export"):
        backup_module._encode(object())


def test_sqlite_restore_refuses_a_schema_revision_this_version_does_not_know(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")
    with AppContext() as ctx:
        import_catalog(ctx, FIXTURES / "small.jsonl")
        with ctx.database.begin() as connection:  # as if written by a newer SyncStore
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        manifest = create_backup(ctx).manifest
        assert manifest.schema_revision == "9999"
        with ctx.database.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": SCHEMA_HEAD})
        with pytest.raises(BackupError, match="does not know; nothing was restored"):
            restore_backup(ctx, manifest.id)
        assert len(list_backups(ctx)) == 1
