"""Verified database backups on SQLite and PostgreSQL: create, verify, refuse, restore, undo."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import MetaData, select, text

from syncstore_cli.app.backups import (
    create_backup,
    list_backups,
    prune_backups,
    restore_backup,
    verify_backup,
)
from syncstore_cli.app.catalog import import_catalog, product
from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.auth import TokenPair
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
    assert [b.manifest.id for b in list_backups(ctx).backups] == [safety.id, manifest.id]
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
    assert [b.manifest.id for b in list_backups(ctx).backups] == [manifest.id]  # and no safety backup was even taken


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
    assert list_backups(ctx).backups == []


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
    assert [b.manifest.id for b in list_backups(ctx).backups] == [third.id, second.id, first.id]
    assert [b.manifest.reason for b in list_backups(ctx).backups] == ["manual", "before batch B20261124-0001", "manual"]
    (ctx.backup_folder / "notes.json").write_text("{}")  # not a manifest: ignored
    assert len(list_backups(ctx).backups) == 3 and list_backups(ctx).unreadable == []


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
        assert len(list_backups(ctx).backups) == 1


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
        assert len(list_backups(ctx).backups) == 1


# -- tokens: a restore never brings back an older authorization ----------------------------------------------
def _pair(tag: str, now: float) -> TokenPair:
    return TokenPair(f"tok-access-{tag}-5f1c9e", f"tok-refresh-{tag}-7b2d4a", now + 4 * 3600, now + 30 * 86_400)


def test_a_restore_keeps_the_shops_current_tokens_and_backups_carry_none(ctx: AppContext) -> None:
    now = datetime.now(UTC).timestamp()
    ctx.tokens.save_authorization("shopee", "14701711", _pair("old", now), shop_name="FPV Parts Jakarta")
    backup = create_backup(ctx)
    # After the backup: the Shopee pair is refreshed (the old refresh token is spent: single-use), TikTok is
    # authorized for the first time, and a refresher holds the Shopee lease while the restore runs.
    assert ctx.tokens.try_lease("shopee", "14701711", "refresher-1", now + 30, now)
    ctx.tokens.store_refreshed("shopee", "14701711", "refresher-1", _pair("new", now))
    ctx.tokens.release_lease("shopee", "14701711", "refresher-1")
    ctx.tokens.save_authorization("tiktok", "7494", _pair("tiktok", now), shop_cipher="ROW_cipher")
    assert ctx.tokens.try_lease("shopee", "14701711", "refresher-2", now + 30, now)
    live = dump(ctx)["shop_auth"]
    change_catalog(ctx)

    result = restore_backup(ctx, backup.manifest.id)

    assert result is not None and product_ids(ctx) == ["PROD-1", "PROD-2", "PROD-3"]  # the catalog went back
    assert dump(ctx)["shop_auth"] == live  # the authorizations did not: tokens, generations, leases
    shopee = ctx.tokens.get_shop("shopee", "14701711")
    assert shopee is not None and shopee.authorized and shopee.tokens == _pair("new", now)
    tiktok = ctx.tokens.get_shop("tiktok", "7494")
    assert tiktok is not None and tiktok.authorized and tiktok.tokens.refresh_token == "tok-refresh-tiktok-7b2d4a"
    assert not ctx.tokens.try_lease("shopee", "14701711", "refresher-3", now + 30, now)  # still refresher-2's

    # No backup file holds a token: neither the one taken before the refresh nor the restore's safety backup.
    for made in (backup.manifest, result.safety):
        data = (ctx.backup_folder / made.file).read_bytes()
        if made.backend == "postgresql":
            data = gzip.decompress(data)
        assert b"tok-access-" not in data and b"tok-refresh-" not in data, made.id
        assert verify_backup(ctx, made.id).ok
    assert result.safety.tables["shop_auth"] == 2  # the rows (shop ids, names) are kept, without their tokens

    undo = restore_backup(ctx, result.safety.id)  # undoing the restore keeps them too
    assert undo is not None and dump(ctx)["shop_auth"] == live and product_ids(ctx) == ["PROD-2", "PROD-3"]


# -- a manifest that cannot be read is shown, not hidden -----------------------------------------------------
@pytest.mark.parametrize(("text", "reason"), [
    (b"not json", "not valid JSON (Expecting value at line 1, column 1)"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    (b"[1, 2]", "a JSON list, not an object"),
    (b'{"id": "BK20000101-000000-000000"}', "no 'created_at' field"),
], ids=["not-json", "not-utf8", "not-an-object", "missing-field"])
def test_a_backup_whose_manifest_is_corrupt_is_listed_with_the_reason_and_fails_verify(
        ctx: AppContext, text: bytes, reason: str) -> None:
    good = create_backup(ctx).manifest
    bad = "BK20000101-000000-000000"
    (ctx.backup_folder / f"{bad}.json").write_bytes(text)
    (ctx.backup_folder / f"{bad}.db").write_bytes(b"x" * 1000)

    listing = list_backups(ctx)

    assert [b.manifest.id for b in listing.backups] == [good.id]
    [unreadable] = listing.unreadable
    assert (unreadable.id, unreadable.problem) == (bad, f"manifest unreadable: {reason}")
    assert unreadable.size == 1000 + len(text) and unreadable.files == (f"{bad}.db", f"{bad}.json")
    assert listing.total_bytes == good.size + unreadable.size
    with pytest.raises(BackupError, match=f"^backup {bad}: manifest unreadable: ") as info:
        verify_backup(ctx, bad)
    assert reason in str(info.value) and info.value.exit_code == 1
    with pytest.raises(BackupError, match="manifest unreadable"):
        restore_backup(ctx, bad)


# -- retention -----------------------------------------------------------------------------------------------
def _approved_batch(ctx: AppContext, batch_id: str, backup_id: str, *, approved: bool = True) -> None:
    ctx.jobs.create_batch(batch_id, "batch", "shopee", [])
    ctx.safety.set_batch_safety(batch_id, products=1, forced=False, backup_id=backup_id)
    if approved:
        ctx.safety.approve(batch_id, 1, None, None)


def _files(ctx: AppContext) -> set[str]:
    return {p.name for p in ctx.backup_folder.iterdir()}


def test_prune_keeps_the_newest_and_those_of_approved_batches(ctx: AppContext) -> None:
    made = [ctx.backups().create(reason=f"before batch B-{n}", prune=False) for n in range(5)]  # oldest first
    _approved_batch(ctx, "B-0", made[0].id)  # approved: its backup stays whatever its age
    _approved_batch(ctx, "B-1", made[1].id, approved=False)  # not approved (yet): no exception for it
    sizes = {m.id: m.size + (ctx.backup_folder / f"{m.id}.json").stat().st_size for m in made}

    result = ctx.backups().prune(2)

    assert [m.id for m in result.deleted] == [made[1].id, made[2].id]
    assert [m.id for m in result.kept] == [made[4].id, made[3].id, made[0].id]
    assert result.protected == [made[0].id] and result.problems == [] and not result.dry_run
    assert result.freed == sizes[made[1].id] + sizes[made[2].id]
    assert [b.manifest.id for b in list_backups(ctx).backups] == [made[4].id, made[3].id, made[0].id]
    assert _files(ctx) == {name for m in result.kept for name in (m.file, f"{m.id}.json")}
    assert all(verify_backup(ctx, m.id).ok for m in result.kept)


def test_prune_dry_run_deletes_nothing_and_says_what_it_would(ctx: AppContext) -> None:
    made = [ctx.backups().create(prune=False) for _ in range(3)]
    before = _files(ctx)

    result = prune_backups(ctx, 1, dry_run=True)

    assert result.dry_run and [m.id for m in result.deleted] == [made[0].id, made[1].id]
    assert result.freed == sum(m.size + (ctx.backup_folder / f"{m.id}.json").stat().st_size for m in made[:2])
    assert _files(ctx) == before
    with pytest.raises(UserInputError, match="at least 1"):
        prune_backups(ctx, 0)
    assert _files(ctx) == before


def test_every_new_backup_prunes_to_the_setting_and_a_restore_keeps_what_it_needs(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_BACKUP_KEEP", "2")
    bad = "BK20000101-000000-000000"
    ctx.backup_folder.mkdir(exist_ok=True)
    (ctx.backup_folder / f"{bad}.json").write_text("{")  # unreadable: never pruned
    with AppContext() as fresh:
        made = [create_backup(fresh).manifest for _ in range(4)]
        assert [b.manifest.id for b in list_backups(fresh).backups] == [made[3].id, made[2].id]
        # The pre-batch backup goes through the same store (app/sync.py): it prunes too.
        batch_backup = fresh.backups().create(reason="before batch B-9")
        _approved_batch(fresh, "B-9", batch_backup.id)
        newer = [create_backup(fresh).manifest for _ in range(2)]
        assert [b.manifest.id for b in list_backups(fresh).backups] == [newer[1].id, newer[0].id, batch_backup.id]

        # A restore takes a safety backup and prunes: neither that one nor the one restored is deleted.
        result = restore_backup(fresh, newer[0].id)
        assert result is not None
        assert [b.manifest.id for b in list_backups(fresh).backups] == [result.safety.id, newer[1].id,
                                                                        newer[0].id, batch_backup.id]
        assert [u.id for u in list_backups(fresh).unreadable] == [bad]


def test_backup_keep_must_be_a_whole_number_of_at_least_one(ctx: AppContext,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from syncstore_cli.errors import ConfigError

    for value in ("0", "-3", "ten"):
        monkeypatch.setenv("SYNCSTORE_BACKUP_KEEP", value)
        with AppContext() as fresh, pytest.raises(ConfigError, match=r"backup\.keep"):
            create_backup(fresh)
    assert list_backups(ctx).backups == []
