"""Every command, given bad input, answers with one line `error: ...` on stderr, exit code 2, no traceback,
and leaves the data folder as it was.

The commands are read from the Typer app, so a command added without a case here fails
`test_every_command_has_a_bad_input_case`. Options, ids and files run in-process (CliRunner);
a broken environment, settings file or data folder runs as a subprocess, as a user would meet it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from syncstore_cli.cli.app import app
from tests.conftest import clean_environment

FIXTURES = Path(__file__).parents[2] / "fixtures" / "catalog"
runner = CliRunner()

# Placeholders in the cases below, replaced by paths of the prepared data folder's surroundings.
MISSING, MALFORMED, FOLDER, EMPTY, AFILE = "@missing", "@malformed", "@folder", "@empty", "@afile"

# command path -> bad inputs (the arguments after the command path). At least one per command.
CASES: dict[str, list[list[str]]] = {
    "import": [["--file", MISSING], ["--file", MALFORMED], ["--file", FOLDER], ["--from", "lazada"],
               ["--file", MISSING, "--from", "all"], ["--bogus"], ["--file"]],
    "catalog generate": [["--seed", "x"], ["--out", f"{AFILE}/catalog.jsonl"], ["--bogus"]],
    "products list": [["--page", "99999999999999999999"], ["--page", "0"], ["--page", "x"],
                      ["--page-size", "0"], ["--status", "flying"]],
    "products show": [["PROD-404"], []],
    "pricing explain": [["NOPE"], ["PROD-1", "--bogus"]],
    "seo set": [["PROD-404", "Frame FPV 5 Inch", "--platform", "shopee"], ["PROD-1", "x", "--platform", "lazada"],
                ["PROD-1", "Frame FPV 5 Inch"]],
    "seo unlock": [["PROD-404", "--platform", "tiktok"], ["PROD-1", "--platform", "lazada"], ["PROD-1"]],
    "seo exceptions": [["--bogus"]],
    "auth shopee": [["--code", "abc"], ["--code", "abc", "--shop-id", "x"], ["--code"]],
    "auth tiktok": [["--code", "abc"], ["--bogus"]],
    "auth status": [["--bogus"]],
    "sandbox audit": [["--state", EMPTY], ["--state", AFILE]],
    "sandbox show": [["shopee", "1", "--state", EMPTY], ["lazada", "1", "--state", EMPTY], ["shopee"]],
    "sandbox edit": [["shopee", "1", "--price", "5", "--state", EMPTY], ["shopee", "1", "--price", "x"]],
    "sandbox serve": [["--port", "70000"], ["--port", "-1"], ["--state", AFILE], ["--profile", "slow"],
                      ["--faults", "5xx=2", "--port", "0", "--state", EMPTY],
                      ["--day-seconds", "0", "--port", "0", "--state", EMPTY],
                      ["--tiktok-daily-listings", "0", "--port", "0", "--state", EMPTY]],
    "sync plan": [["PROD-404"], ["--file", MISSING], ["--file", FOLDER], ["PROD-1", "--platform", "lazada"]],
    "sync manual": [["PROD-404"], ["PROD-1", "--platform", "lazada"]],
    "sync batch": [["--file", MISSING], ["--file", FOLDER], ["--file", "@unknown_ids"], ["--file", "@repeated_ids"],
                   ["--file", "@ids", "--platform", "lazada"], ["--file", "@ids", "--concurrency", "x"],
                   ["--file", "@ids", "--concurrency", "0"], [],
                   ["--changed", "--all"], ["--file", "@ids", "--search", "frame"], ["--category", "kapal"],
                   ["--search", " "], ["--status", "flying"], ["--all", "--chunk", "--detach"],
                   ["--all", "--chunk", "--force"], ["--all"]],  # the last: more than the rollout allows
    "sync changed": [["--platform", "lazada"], ["--concurrency", "0"], ["--bogus"]],
    "sync status": [["999"], ["abc"]],
    "worker": [["--concurrency", "x"], ["--concurrency", "0", "--until-idle"], ["--concurrency", "-3"], ["--bogus"]],
    "dlq list": [["--bogus"]],
    "dlq show": [["999"], ["abc"], ["99999999999999999999"]],
    "dlq retry": [["999"]],
    "logs": [["--status", "maybe"], ["--limit", "x"], ["--limit", "-1"]],
    "quota": [["--bogus"]],
    "drift": [["--platform", "lazada"], ["--platform", "shopee"], ["--bogus"]],  # no shop is authorized
    "rollout": [["--bogus"]],
    "approve": [["999"], []],
    "rollback": [["999"], ["999", "--bogus"]],
    "backup create": [["--bogus"]],
    "backup list": [["--bogus"]],
    "backup verify": [["nope"]],
    "backup restore": [["nope", "--yes"]],
    "backup prune": [["--keep", "0"], ["--keep", "x"]],
    "validate": [["--batch", "999"], ["--sample", "x"]],
    "spot-check": [["999"], ["abc", "--sample", "x"]],
    "report": [["999"], ["1", "--format", "pdf"]],
    "config show": [["--bogus"]],
    "db upgrade": [["--bogus"]],
    "db status": [["--bogus"]],
    "demo": [["--folder", AFILE], ["--port", "70000"]],
    "categories refresh": [["--platform", "lazada"], ["--platform", "shopee"]],  # no shop authorized
    "categories search": [["drone", "--platform", "lazada"], ["drone", "--platform", "shopee"], ["drone"]],
    "categories suggest": [[], ["frame", "--platform", "lazada"], ["nosuch-master"], ["frame", "--all"]],
    "categories map": [["frame"], ["frame", "--shopee", "100706"], ["nosuch", "--shopee", "1"],
                       ["PROD-404", "--product", "--tiktok", "1"]],
    "categories show": [["--bogus"]],
    "categories export": [[f"{AFILE}/mapping.csv"]],
    "categories import": [[MISSING], [MALFORMED], [FOLDER]],
    "attributes set": [["100706", "x", "y", "--platform", "lazada"], ["100706", "x", "y", "--platform", "shopee"],
                       ["100706", "x", "y"]],
    "attributes missing": [["--platform", "lazada"]],
    "preflight": [["--platform", "lazada"], ["--bogus"]],
    # the groups themselves
    "": [["--bogus"], ["nosuch"]],
    "products": [["nosuch"]],
    "sync": [["--bogus"]],
}


def leaf_commands() -> list[str]:
    found: list[str] = []

    def walk(group: object, prefix: str) -> None:
        for name, sub in group.commands.items():  # type: ignore[attr-defined]
            path = f"{prefix} {name}".strip()
            if hasattr(sub, "commands"):
                walk(sub, path)
            else:
                found.append(path)

    walk(get_command(app), "")
    return sorted(found)


def test_every_command_has_a_bad_input_case() -> None:
    commands = leaf_commands()
    assert len(commands) > 30 and "sync batch" in commands and "worker" in commands
    assert [c for c in commands if not CASES.get(c)] == []
    assert [c for c in CASES if c and c not in commands and not any(x.startswith(f"{c} ") for x in commands)] == []


# -- the prepared data folder -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A data folder holding an imported catalog, and the files the cases name."""
    root = tmp_path_factory.mktemp("bad-input")
    home = root / "home"
    with pytest.MonkeyPatch.context() as mp:
        clean_environment(mp, home)
        result = runner.invoke(app, ["import", "--file", str(FIXTURES / "small.jsonl")])
        assert result.exit_code == 0, result.stderr
    malformed = root / "malformed.csv"
    lines = (FIXTURES / "small.csv").read_text().splitlines()
    malformed.write_text("\n".join([lines[0], lines[1].replace(",frame,", ",kapal,"), *lines[2:]]) + "\n")
    (root / "folder").mkdir()
    (root / "empty").mkdir()
    (root / "afile").write_text("not a folder\n")
    (root / "unknown_ids.txt").write_text("PROD-1\nPROD-404\n")
    (root / "repeated_ids.txt").write_text("PROD-1\nPROD-1\n")
    (root / "ids.txt").write_text("PROD-1\n")
    yield {"root": root, "home": home, "@missing": root / "missing.csv", "@malformed": malformed,
           "@folder": root / "folder", "@empty": root / "empty", "@afile": root / "afile",
           "@unknown_ids": root / "unknown_ids.txt", "@repeated_ids": root / "repeated_ids.txt",
           "@ids": root / "ids.txt"}


def fingerprint(folder: Path) -> tuple[list[str], str]:
    """The data folder's files (SQLite's -wal/-shm aside) and a hash of every row of its databases."""
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if not p.name.endswith(("-wal", "-shm", "-journal")))
    digest = hashlib.sha256()
    for db in sorted(folder.rglob("*.db")):
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
            for line in connection.iterdump():
                digest.update(line.encode())
    return files, digest.hexdigest()


def assert_one_error_line(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert code == 2, (code, err)


def resolve(world: dict[str, Path], arg: str) -> str:
    """`@afile/catalog.jsonl` -> the prepared file's path followed by `/catalog.jsonl`."""
    name, sep, rest = arg.partition("/")
    return f"{world[name]}{sep}{rest}" if name in world else arg


def _cases() -> list[tuple[str, list[str]]]:
    return [(command, args) for command, cases in CASES.items() for args in cases]


@pytest.mark.parametrize(("command", "args"), _cases(),
                         ids=[f"{c or 'syncstore'}:{' '.join(a) or '(none)'}" for c, a in _cases()])
def test_bad_input_is_one_error_line_exit_2_and_changes_nothing(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch, command: str, args: list[str]
) -> None:
    clean_environment(monkeypatch, world["home"])
    monkeypatch.chdir(world["root"])  # a relative path written by mistake lands here, not in the repository
    argv = [*command.split(), *(resolve(world, a) for a in args)]
    before = fingerprint(world["home"])
    result = runner.invoke(app, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_one_error_line(result.exit_code, result.stdout, result.stderr)
    assert fingerprint(world["home"]) == before
    assert list(world[EMPTY].iterdir()) == [], "a refused command created files"


def test_usage_errors_name_the_option_and_the_help_to_read(world: dict[str, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch, world["home"])
    err = runner.invoke(app, ["sync", "batch", "--bogus"]).stderr
    assert err == "error: no such option: --bogus (try `syncstore sync batch --help`)\n"
    err = runner.invoke(app, ["products", "list", "--page", "99999999999999999999"]).stderr
    assert err.startswith("error: --page: '99999999999999999999': ") and "Usage:" not in err
    help_text = runner.invoke(app, ["sync", "batch", "--help"])
    assert help_text.exit_code == 0 and help_text.stdout.startswith("Usage: syncstore sync batch")


# -- a broken environment, settings file or data folder, as a subprocess -------------------------------
def syncstore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SYNCSTORE_") or k == "SYNCSTORE_REQUIRE_SERVICES"}
    return subprocess.run([sys.executable, "-m", "syncstore_cli", *args], env={**base, **env}, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)


ENV_CASES: list[tuple[str, dict[str, str], list[str], str]] = [
    # (name, environment over SYNCSTORE_HOME=<prepared data folder>, arguments, text the line must hold)
    ("garbage database url", {"SYNCSTORE_DATABASE_URL": "garbage"}, ["products", "list"], "database_url"),
    ("garbage database url, show", {"SYNCSTORE_DATABASE_URL": "garbage"}, ["products", "show", "PROD-1"],
     "database_url (from env SYNCSTORE_DATABASE_URL)"),
    ("unknown database dialect", {"SYNCSTORE_DATABASE_URL": "mysql://u:hunter2@127.0.0.1:1/x"},
     ["sync", "status", "1"], "database_url"),
    ("unreachable postgres, list", {"SYNCSTORE_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"},
     ["products", "list"], "database_url (from env SYNCSTORE_DATABASE_URL)"),
    ("unreachable postgres, show", {"SYNCSTORE_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"},
     ["products", "show", "PROD-1"], "127.0.0.1:1"),
    ("unreachable postgres, db status", {"SYNCSTORE_DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"},
     ["db", "status"], "database_url"),
    ("unreachable redis", {"SYNCSTORE_QUEUE_URL": "redis://:hunter2@127.0.0.1:1/0"}, ["worker", "--until-idle"],
     "127.0.0.1:1"),
    ("garbage queue url", {"SYNCSTORE_QUEUE_URL": "garbage://x"}, ["worker", "--until-idle"], "queue_url"),
    ("garbage marketplace host", {"SYNCSTORE_SHOPEE_BASE_URL": "not a url", "SYNCSTORE_SHOPEE_PARTNER_ID": "1",
                                  "SYNCSTORE_SHOPEE_PARTNER_KEY": "hunter2hunter2"},
     ["auth", "shopee", "--code", "c", "--shop-id", "1"], "shopee.base_url"),
    ("partner id not a number", {"SYNCSTORE_SHOPEE_PARTNER_ID": "abc"}, ["auth", "shopee", "--code", "c"],
     "shopee.partner_id"),
    ("concurrency 1e400", {"SYNCSTORE_SYNC_CONCURRENCY": "1e400"}, ["worker", "--until-idle"], "sync.concurrency"),
    ("timeout inf", {"SYNCSTORE_HTTP_REQUEST_TIMEOUT": "inf", "SYNCSTORE_SHOPEE_PARTNER_ID": "1",
                     "SYNCSTORE_SHOPEE_PARTNER_KEY": "hunter2hunter2"},
     ["auth", "shopee", "--code", "c", "--shop-id", "1"], "http.request_timeout"),
    ("markup -150 from the environment", {"SYNCSTORE_PRICING_SHOPEE_MARKUP_PERCENT": "-150"},
     ["pricing", "explain", "PROD-1"], "markup_percent"),
    ("markup nan from the environment", {"SYNCSTORE_PRICING_TIKTOK_MARKUP_PERCENT": "nan"},
     ["import", "--file", str(FIXTURES / "small.jsonl")], "markup_percent"),
]


@pytest.mark.parametrize(("env", "args", "needle"), [c[1:] for c in ENV_CASES], ids=[c[0] for c in ENV_CASES])
def test_broken_environment_is_one_error_line(world: dict[str, Path], env: dict[str, str], args: list[str],
                                              needle: str) -> None:
    before = fingerprint(world["home"])
    result = syncstore({"SYNCSTORE_HOME": str(world["home"]), **env}, *args)
    assert_one_error_line(result.returncode, result.stdout, result.stderr)
    assert needle in result.stderr and "hunter2" not in result.stdout + result.stderr
    assert fingerprint(world["home"]) == before


SETTINGS_FILES: list[tuple[str, bytes, list[str], str]] = [
    ("not UTF-8", b'database_url = "sqlite:///x\xff\xfe.db"\n', ["products", "list"], "not UTF-8"),
    ("not TOML", b"[pricing.shopee\nmarkup_percent = 5\n", ["products", "show", "PROD-1"], "not valid TOML"),
    ("markup 1e400", b"[pricing.shopee]\nmarkup_percent = 1e400\n", ["pricing", "explain", "PROD-1"],
     "pricing.shopee.markup_percent"),
    ("markup inf", b"[pricing.tiktok]\nmarkup_percent = inf\n", ["import", "--file", str(FIXTURES / "small.jsonl")],
     "pricing.tiktok.markup_percent"),
    ("rounding step 1e400", b"[pricing.shopee]\nrounding_step = 1e400\n", ["pricing", "explain", "PROD-1"],
     "rounding_step"),
    ("fixed fee nan", b"[pricing.shopee.fees]\nfixed_fee = nan\n", ["products", "list"], "fixed_fee"),
    ("lease seconds 1e400", b"[sync]\nlease_seconds = 1e400\n", ["worker", "--until-idle"], "sync.lease_seconds"),
    ("unknown key", b"colour = 'blue'\n", ["config", "show"], "unknown setting 'colour'"),
]


@pytest.mark.parametrize(("content", "args", "needle"), [c[1:] for c in SETTINGS_FILES],
                         ids=[c[0] for c in SETTINGS_FILES])
def test_broken_settings_file_is_one_error_line(world: dict[str, Path], tmp_path: Path, content: bytes,
                                               args: list[str], needle: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    for name in ("syncstore.db",):
        (home / name).write_bytes((world["home"] / name).read_bytes())
    (home / "syncstore.toml").write_bytes(content)
    before = fingerprint(home)
    result = syncstore({"SYNCSTORE_HOME": str(home)}, *args)
    assert_one_error_line(result.returncode, result.stdout, result.stderr)
    assert "syncstore.toml" in result.stderr and needle in result.stderr
    assert fingerprint(home) == before


@pytest.mark.parametrize("args", [["products", "list"], ["products", "show", "PROD-1"], ["sync", "status", "1"],
                                  ["backup", "create"], ["backup", "list"], ["worker", "--until-idle"],
                                  ["sandbox", "audit"], ["sandbox", "serve", "--port", "0"],
                                  ["import", "--file", str(FIXTURES / "small.csv")]])
def test_data_folder_that_is_a_file_is_named(tmp_path: Path, args: list[str]) -> None:
    afile = tmp_path / "data"
    afile.write_text("a file, not a folder\n")
    result = syncstore({"SYNCSTORE_HOME": str(afile)}, *args)
    assert_one_error_line(result.returncode, result.stdout, result.stderr)
    assert str(afile) in result.stderr and "not a folder" in result.stderr
    assert afile.read_text() == "a file, not a folder\n"


def test_data_folder_below_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("x")
    result = syncstore({"SYNCSTORE_HOME": str(tmp_path / "data" / "home")}, "products", "show", "PROD-1")
    assert_one_error_line(result.returncode, result.stdout, result.stderr)
    assert f"data folder {tmp_path / 'data' / 'home'}" in result.stderr


def test_read_only_data_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    clean_environment(monkeypatch, home)
    home.mkdir()
    home.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the folder read-only as far as the access check goes
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == home and mode & os.W_OK
                            else real_access(p, mode, **kw))
    try:
        for args in (["import", "--file", str(FIXTURES / "small.jsonl")], ["products", "show", "PROD-1"],
                     ["worker", "--until-idle"]):
            result = runner.invoke(app, args)
            assert_one_error_line(result.exit_code, result.stdout, result.stderr)
            assert f"data folder {home}" in result.stderr and "read-only" in result.stderr
        assert list(home.iterdir()) == []
    finally:
        home.chmod(0o755)


@pytest.mark.parametrize("args", [["products", "list"], ["products", "show", "PROD-1"], ["db", "status"]])
def test_a_database_url_to_a_file_that_is_no_database_is_named(world: dict[str, Path], tmp_path: Path,
                                                              args: list[str]) -> None:
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_bytes(b"\xff\xfegarbage, not SQLite\n" * 100)
    before = fingerprint(world["home"])
    result = syncstore({"SYNCSTORE_HOME": str(world["home"]), "SYNCSTORE_DATABASE_URL": f"sqlite:///{not_a_database}"},
                       *args)
    assert_one_error_line(result.returncode, result.stdout, result.stderr)
    assert "database_url (from env SYNCSTORE_DATABASE_URL)" in result.stderr and "not a database" in result.stderr
    assert not_a_database.read_bytes() == b"\xff\xfegarbage, not SQLite\n" * 100
    assert fingerprint(world["home"]) == before
