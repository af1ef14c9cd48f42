"""The CLI as a user and a script see it: output, JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_every_command_has_help() -> None:
    from typer.main import get_command

    command = get_command(app)
    missing: list[str] = []
    seen: list[str] = []

    def walk(group: object, prefix: str) -> None:
        for name, sub in group.commands.items():  # type: ignore[attr-defined]
            seen.append(f"{prefix} {name}")
            if not (sub.help or sub.short_help):
                missing.append(f"{prefix} {name}")
            if hasattr(sub, "commands"):
                walk(sub, f"{prefix} {name}")

    walk(command, "syncstore")
    assert "syncstore products list" in seen and "syncstore import" in seen
    assert missing == []
    code, out, _ = run("--help")
    assert code == 0 and "Exit codes" in out


def test_import_list_show_explain(home: Path) -> None:
    code, out, _ = run("import", "--file", str(FIXTURES / "small.jsonl"), "--json")
    assert code == 0, out
    assert json.loads(out)["created"] == 3

    code, out, _ = run("products", "list", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["total"], data["page"], data["page_size"]) == (3, 1, 50)
    assert data["items"][0] == {
        "id": "PROD-1", "sku": "FRM-5IN-CF-001", "title": "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle",
        "master_price": 150000, "shopee_price": 172500, "tiktok_price": 180000, "status": "not_synced",
    }

    code, out, _ = run("products", "list", "--search", "propeller")
    lines = out.strip().splitlines()
    assert lines[0].split("\t") == ["ID", "SKU", "Title", "Master", "Shopee", "TikTok", "Status"]
    assert [line.split("\t")[0] for line in lines[1:]] == ["PROD-2"]

    code, out, _ = run("products", "show", "PROD-2", "--json")
    shown = json.loads(out)
    assert code == 0
    assert set(shown) == {"master", "variants", "shopee", "tiktok"}
    assert [v["sku"] for v in shown["variants"]] == ["PRP-5145-RED", "PRP-5145-BLUE", "PRP-5145-GREEN"]
    # Nothing is mapped yet: no category, so no Tokopedia either, and the reason says what to run.
    assert shown["tiktok"]["listing_platforms"] == ["TIKTOK_SHOP"] and shown["tiktok"]["category"]["id"] is None
    assert any("categories suggest propeller" in r for r in shown["tiktok"]["blocked_by"])
    assert shown["shopee"]["price_formula"] == "45,000 x 115% = 51,750"
    assert shown["shopee"]["seo_title"] != shown["tiktok"]["seo_title"]

    code, out, _ = run("products", "show", "PROD-1")
    assert code == 0 and "172,500" in out and "180,000" in out and "Listing platforms: TikTok Shop" in out
    assert "blocked:" in out and "categories suggest frame" in out

    code, out, _ = run("pricing", "explain", "PROD-1", "--json")
    explained = json.loads(out)
    assert explained["shopee"]["price"] == 172500 and explained["tiktok"]["price"] == 180000
    assert explained["tiktok"]["formula"] == "150,000 x 120% = 180,000"


def test_rich_table_on_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("import", "--file", str(FIXTURES / "small.jsonl"))
    monkeypatch.setattr("syncstore_cli.cli.products_cmd.is_terminal", lambda: True)
    code, out, _ = run("products", "list")
    assert code == 0
    assert "page 1 of 1, 3 in all" in out and "172,500" in out and "Not Synced" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("products", "show", "PROD-404"), "no product with id 'PROD-404'"),
        (("pricing", "explain", "NOPE"), "no product with id 'NOPE'"),
        (("products", "list", "--status", "flying"), "--status 'flying'"),
        (("seo", "set", "PROD-1", "x", "--platform", "lazada"), "--platform 'lazada'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(home: Path, args: tuple[str, ...], needle: str) -> None:
    run("import", "--file", str(FIXTURES / "small.jsonl"))
    code, _, err = run(*args)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_malformed_import_names_the_line_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = (FIXTURES / "small.csv").read_text().splitlines()
    text[1] = text[1].replace(",frame,", ",kapal,")
    bad.write_text("\n".join(text) + "\n")
    code, _, err = run("import", "--file", str(bad))
    assert code == 2 and f"{bad}:2: field 'category': unknown category 'kapal'" in err
    code, out, _ = run("products", "list", "--json")
    assert json.loads(out)["total"] == 0


def test_broken_config_is_reported(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "syncstore.toml").write_text("[pricing.shopee]\nmarkup_percent = 'x'\n")
    code, _, err = run("products", "list")
    assert code == 2 and "syncstore.toml" in err and "'x' is not a number" in err


def test_config_show_masks_secrets(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
    monkeypatch.setenv("SYNCSTORE_SHOPEE_PARTNER_KEY", secret)
    monkeypatch.setenv("SYNCSTORE_TIKTOK_APP_SECRET", "e59af819cc")
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1/db")
    for args in (("config", "show"), ("config", "show", "--json")):
        code, out, _ = run(*args)
        assert code == 0
        assert secret not in out and "e59af819cc" not in out and "hunter2" not in out
        assert "SYNCSTORE_SHOPEE_PARTNER_KEY" in out


def test_seo_set_and_exceptions(home: Path) -> None:
    run("import", "--file", str(FIXTURES / "small.jsonl"))
    title = "Frame FPV 5 Inch Carbon Fiber 3mm Arm Racing Freestyle [ORIGINAL]"
    code, out, err = run("seo", "set", "PROD-1", title, "--platform", "shopee")
    assert code == 0, err
    _, out, _ = run("products", "show", "PROD-1", "--json")
    assert json.loads(out)["shopee"]["seo_title"] == title and json.loads(out)["shopee"]["seo_locked"]
    code, _, err = run("seo", "set", "PROD-1", "Frame 🔥🔥 Racing 5 Inch Carbon", "--platform", "tiktok")
    assert code == 2 and "emoji" in err.lower()
    code, out, _ = run("seo", "exceptions", "--json")
    assert code == 0 and json.loads(out)["total"] == 0


def test_help_lists_commands_in_sections_in_the_sellers_order() -> None:
    from typer.main import get_command

    code, out, _ = run("--help")
    assert code == 0 and "Usage: syncstore" in out
    headings = [line[:-1] for line in out.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings == ["Options", "Catalog", "Marketplaces", "Sync", "Safety", "Reports", "Administration"]
    listed: dict[str, list[str]] = {}
    section = ""
    for line in out.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            section = line[:-1]
        elif line.startswith("  ") and section not in ("", "Options") and not line.startswith("   "):
            listed.setdefault(section, []).append(line.split()[0])
    assert listed == {
        "Catalog": ["import", "catalog", "products", "pricing", "seo", "categories", "attributes"],
        "Marketplaces": ["auth", "preflight", "sandbox"],
        "Sync": ["sync", "worker", "dlq", "logs", "quota"],
        "Safety": ["rollout", "approve", "rollback", "backup"],
        "Reports": ["validate", "spot-check", "drift", "report"],
        "Administration": ["config", "db", "demo"],
    }
    # every command is in a section of its own (none falls into "Other"), and the help stays plain text
    assert sorted(n for names in listed.values() for n in names) == sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert "\x1b[" not in out and "─" not in out


def test_a_negative_markup_is_warned_about_by_commands_that_price(home: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir(parents=True)
    (home / "syncstore.toml").write_text("[pricing.shopee]\nmarkup_percent = -50\n")
    code, out, err = run("import", "--file", str(FIXTURES / "small.jsonl"), "--json")
    warning = "warning: pricing.shopee.markup_percent is -50%: prices are set below the master price"
    assert code == 0 and err.splitlines() == [warning]
    code, out, err = run("pricing", "explain", "PROD-1", "--json")
    assert code == 0 and err.splitlines() == [warning] and json.loads(out)["shopee"]["price"] == 75000
    code, out, err = run("config", "show")
    assert code == 0 and "warning: pricing.shopee.markup_percent is -50%" in out
    code, _, err = run("products", "list")  # does not price: no warning
    assert code == 0 and err == ""
    monkeypatch.setenv("SYNCSTORE_PRICING_TIKTOK_MARKUP_PERCENT", "-100")
    code, _, err = run("pricing", "explain", "PROD-1")
    assert code == 2 and err.startswith("error: ") and "pricing.tiktok" in err and len(err.splitlines()) == 1


def test_an_unexpected_error_is_one_line_unless_debugging(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "73616e64626f782d64656d6f2d706172746e65722d6b65792d6e6f742d7265616c"
    monkeypatch.setenv("SYNCSTORE_SHOPEE_PARTNER_KEY", secret)

    def broken(*_: object, **__: object) -> None:
        raise ValueError(f"unexpected state while signing with {secret} for postgresql://u:hunter2@db/x")

    monkeypatch.setattr("syncstore_cli.app.catalog.explain_prices", broken)
    code, out, err = run("pricing", "explain", "PROD-1")
    assert code == 1 and out == ""
    assert err.splitlines() == ["error: internal error: ValueError: unexpected state while signing with **** for "
                                "postgresql://u:****@db/x (please report)"]
    monkeypatch.setenv("SYNCSTORE_DEBUG", "1")
    code, _, err = run("pricing", "explain", "PROD-1")
    assert code == 1 and "Traceback" in err and err.splitlines()[-1].startswith("error: internal error: ValueError")


def test_a_network_error_is_one_line_exit_1(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    def dropped(*_: object, **__: object) -> None:
        request = httpx.Request("POST", "http://127.0.0.1:9/api/v2/auth/token/get?sign=abc&access_token=xyz")
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    monkeypatch.setattr("syncstore_cli.app.auth.authorize_shopee", dropped)
    code, _, err = run("auth", "shopee", "--sandbox-approve")
    assert code == 1
    assert err == ("error: network error talking to 127.0.0.1:9: RemoteProtocolError: Server disconnected without "
                   "sending a response.\n")


def _library_errors() -> list[tuple[BaseException, int, str]]:
    import httpx
    import psycopg
    import redis

    return [
        (redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:1."), 2,
         "error: queue_url (from env SYNCSTORE_QUEUE_URL) 'redis://:****@127.0.0.1:1/0': cannot reach the queue: "
         "Error 111 connecting to 127.0.0.1:1."),
        (psycopg.OperationalError("connection failed: server closed the connection\nunexpectedly"), 2,
         "error: database_url (from env SYNCSTORE_DATABASE_URL) 'postgresql://u:****@127.0.0.1:1/x': the database "
         "cannot be used: connection failed: server closed the connection"),
        (PermissionError(13, "Permission denied", "/srv/syncstore/reports"), 2,
         "error: /srv/syncstore/reports: Permission denied"),
        (httpx.ConnectError("[Errno 111] Connection refused"), 1,
         "error: network error: ConnectError: [Errno 111] Connection refused"),
    ]


@pytest.mark.parametrize(("error", "code", "line"), _library_errors(), ids=lambda v: type(v).__name__)
def test_a_library_error_that_escaped_is_one_line_naming_the_setting(
        home: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, code: int, line: str) -> None:
    monkeypatch.setenv("SYNCSTORE_QUEUE_URL", "redis://:hunter2@127.0.0.1:1/0")
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:1/x")

    def broken(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr("syncstore_cli.app.catalog.explain_prices", broken)
    result = runner.invoke(app, ["pricing", "explain", "PROD-1"])
    assert (result.exit_code, result.stderr, result.stdout) == (code, line + "\n", "")


def test_a_connection_closed_during_auth_is_one_network_error_line(home: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy that accepts the connection and closes it without an answer, as some corporate proxies do."""
    import socket
    import threading

    from tests.conftest import point_at_sandbox

    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def close_everything() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.recv(65536)
            connection.close()

    thread = threading.Thread(target=close_everything, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    point_at_sandbox(monkeypatch, url)
    monkeypatch.setenv("SYNCSTORE_HTTP_MAX_ATTEMPTS", "1")  # the HTTP core's own retries are tested elsewhere
    try:
        for args in (["auth", "shopee", "--sandbox-approve"], ["auth", "tiktok", "--sandbox-approve"],
                     ["auth", "shopee", "--code", "c0de", "--shop-id", "1"], ["auth", "tiktok", "--code", "c0de"]):
            result = runner.invoke(app, args)
            lines = result.stderr.splitlines()
            assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
            assert "disconnected" in lines[0].lower() and "Traceback" not in result.stdout + result.stderr
            assert "73616e64" not in result.stdout + result.stderr  # neither sandbox key nor secret
    finally:
        stop.set()
        thread.join()
        listener.close()
