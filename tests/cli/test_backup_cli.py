"""`syncstore backup create|list|verify|restore` as a user and a script see them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli import backup_cmd
from syncstore_cli.cli.app import app
from syncstore_cli.store import backup as backup_module

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def catalog(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose database (SQLite or PostgreSQL) holds the three products of small.jsonl."""
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", database_url)
    code, _, err = run("import", "--file", str(FIXTURES / "small.jsonl"), "--json")
    assert code == 0, err
    return home


def product_ids() -> list[str]:
    code, out, _ = run("products", "list", "--json")
    assert code == 0
    return [item["id"] for item in json.loads(out)["items"]]


def delete_product(product_id: str) -> None:
    from sqlalchemy import text

    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx, ctx.database.begin() as connection:
        connection.execute(text("DELETE FROM products WHERE id = :id"), {"id": product_id})


def create() -> dict[str, Any]:
    code, out, err = run("backup", "create", "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_backup_commands_have_help_and_exit_codes() -> None:
    for command in ("create", "list", "verify", "restore", "prune"):
        code, out, _ = run("backup", command, "--help")
        assert code == 0 and "Exit codes" in out, command
    code, out, _ = run("backup", "--help")
    assert code == 0 and all(c in out for c in ("create", "list", "verify", "restore", "prune"))


def test_create_list_verify_restore(catalog: Path) -> None:
    first = create()
    assert first["reason"] == "manual" and first["verified_at"] and Path(str(first["path"])).is_file()
    assert first["tables"]["products"] == 3
    second = create()

    code, out, _ = run("backup", "list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [m["id"] for m in listed] == [second["id"], first["id"]]  # newest first
    assert listed[1] == {**first, "state": "ok"}

    code, out, _ = run("backup", "list")
    tables_rows = f"{len(first['tables'])}/{first['rows']:,}"
    assert code == 0 and str(first["id"]) in out and "manual" in out and tables_rows in out

    code, out, _ = run("backup", "verify", str(first["id"]), "--json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["problems"] == []
    code, out, _ = run("backup", "verify", str(first["id"]))
    assert code == 0 and "verified" in out

    delete_product("PROD-1")
    assert product_ids() == ["PROD-2", "PROD-3"]

    code, out, err = run("backup", "restore", str(first["id"]))  # not a terminal, no --yes
    assert code == 2 and "--yes" in err and len(err.strip().splitlines()) == 1
    assert product_ids() == ["PROD-2", "PROD-3"]

    code, out, err = run("backup", "restore", str(first["id"]), "--yes", "--json")
    assert code == 0, err
    restored = json.loads(out)
    assert restored["restored"] == first["id"]
    assert product_ids() == ["PROD-1", "PROD-2", "PROD-3"]

    code, out, _ = run("backup", "list", "--json")
    newest = json.loads(out)[0]
    assert newest["id"] == restored["safety_backup"]
    assert newest["reason"] == f"before restore of {first['id']}" and newest["tables"]["products"] == 2

    code, out, err = run("backup", "restore", str(restored["safety_backup"]), "--yes")  # undo
    assert code == 0, err
    assert "undoes this restore" in out
    assert product_ids() == ["PROD-2", "PROD-3"]


@pytest.mark.parametrize("how", ["corrupted", "truncated"])
def test_a_damaged_backup_fails_verify_and_restore_is_refused(catalog: Path, how: str) -> None:
    made = create()
    path = Path(str(made["path"]))
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:
        path.write_bytes(data[:100] + b"\x00" * 512 + data[612:])

    code, out, err = run("backup", "verify", str(made["id"]))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines and all(line.startswith(f"error: backup {made['id']}: ") for line in lines)
    assert any("sha256" in line for line in lines)
    code, out, _ = run("backup", "verify", str(made["id"]), "--json")
    assert code == 1 and json.loads(out)["ok"] is False and json.loads(out)["problems"]

    delete_product("PROD-3")
    code, out, err = run("backup", "restore", str(made["id"]), "--yes")
    assert code == 1
    assert "failed verification; nothing was restored" in err and len(err.strip().splitlines()) == 1
    assert product_ids() == ["PROD-1", "PROD-2"]  # unchanged
    code, out, _ = run("backup", "list", "--json")
    assert [m["id"] for m in json.loads(out)] == [made["id"]]  # no safety backup for a refused restore


def test_a_backup_failing_verification_at_creation_is_deleted(catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_module, "integrity_check", lambda path: ["integrity check: page 7 is corrupt"])
    monkeypatch.setattr(backup_module, "read_export",
                        lambda path: backup_module.CopyCheck(problems=["line 9: neither a table header nor a row"]))
    code, out, err = run("backup", "create")
    assert code == 1 and out == ""
    assert err.startswith("error: backup BK") and "failed verification and was deleted" in err
    assert len(err.strip().splitlines()) == 1
    assert list((catalog / "backups").iterdir()) == []
    code, out, _ = run("backup", "list", "--json")
    assert code == 0 and json.loads(out) == []


@pytest.mark.parametrize("command", [("verify",), ("restore", "--yes")])
def test_unknown_id_exits_2_naming_it(home: Path, command: tuple[str, ...]) -> None:
    code, out, err = run("backup", command[0], "BK20990101-000000-abcdef", *command[1:])
    assert code == 2 and out == ""
    assert err == "error: unknown backup id 'BK20990101-000000-abcdef'\n"


def test_list_with_no_backups(home: Path) -> None:
    code, out, _ = run("backup", "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run("backup", "list")
    assert code == 0 and "No backups yet" in out


def test_restore_asks_on_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run("import", "--file", str(FIXTURES / "small.jsonl"))
    assert code == 0, err
    made = create()
    delete_product("PROD-2")
    monkeypatch.setattr(backup_cmd, "_stdin_is_terminal", lambda: True)

    code, out, err = run("backup", "restore", str(made["id"]), stdin="n\n")
    assert code == 1 and "Replace the database's contents" in err and "nothing was changed" in err
    assert product_ids() == ["PROD-1", "PROD-3"]
    code, out, _ = run("backup", "list", "--json")
    assert len(json.loads(out)) == 1

    code, out, err = run("backup", "restore", str(made["id"]), stdin="y\n")
    assert code == 0, err
    assert product_ids() == ["PROD-1", "PROD-2", "PROD-3"]


def test_list_shows_sizes_a_total_and_a_backup_whose_manifest_is_corrupt(catalog: Path) -> None:
    made = create()
    bad = "BK20000101-000000-000000"
    (catalog / "backups" / f"{bad}.json").write_text('{"id": "BK20000101-000000-000000", "size": 3')
    (catalog / "backups" / f"{bad}.db").write_bytes(b"x" * 2048)

    code, out, err = run("backup", "list")
    assert code == 0, err
    assert made["id"] in out and bad in out and "manifest unreadable: not valid JSON" in out
    assert "2.0 KB" in out and "Total" in out and "2 backup(s)" in out

    code, out, _ = run("backup", "list", "--json")
    listed = {m["id"]: m for m in json.loads(out)}
    assert listed[made["id"]]["state"] == "ok"
    assert listed[bad]["state"].startswith("manifest unreadable: not valid JSON")
    assert listed[bad]["size"] == 2048 + len('{"id": "BK20000101-000000-000000", "size": 3')

    code, out, err = run("backup", "verify", bad)
    assert code == 1 and out == ""
    assert err.startswith(f"error: backup {bad}: manifest unreadable: not valid JSON")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_prune_says_what_it_deleted_and_the_space_freed(catalog: Path) -> None:
    made = [create() for _ in range(3)]
    files = sorted(p.name for p in (catalog / "backups").iterdir())

    code, out, err = run("backup", "prune", "--keep", "1", "--dry-run", "--json")
    assert code == 0, err
    planned = json.loads(out)
    assert planned["dry_run"] is True and planned["deleted"] == [made[0]["id"], made[1]["id"]]
    assert planned["kept"] == [made[2]["id"]] and planned["freed_bytes"] > made[0]["size"] + made[1]["size"]
    assert sorted(p.name for p in (catalog / "backups").iterdir()) == files  # nothing deleted

    code, out, err = run("backup", "prune", "--keep", "1")
    assert code == 0, err
    assert f"Deleted {made[0]['id']}" in out and f"Deleted {made[1]['id']}" in out
    assert "Deleted 2 backup(s)" in out and "freed" in out and "1 kept" in out
    code, out, _ = run("backup", "list", "--json")
    assert [m["id"] for m in json.loads(out)] == [made[2]["id"]]

    for keep in ("0", "-3"):
        code, out, err = run("backup", "prune", "--keep", keep)
        assert code == 2 and out == "" and err.startswith("error: ") and "at least 1" in err
        assert len(err.strip().splitlines()) == 1
    code, out, _ = run("backup", "list", "--json")
    assert len(json.loads(out)) == 1
