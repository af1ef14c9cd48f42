"""The layer rules of design.md, checked on every module's imports (static, so lazy imports count too)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "syncstore_cli"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(layer: str) -> list[Path]:
    base = PACKAGE / layer
    return sorted(base.rglob("*.py")) if base.is_dir() else [PACKAGE / f"{layer}.py"]


def _violations(allowed_in: set[str], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in allowed_in:
            continue
        for name in _imports(path):
            if name.split(".")[0] in forbidden or any(name.startswith(f) for f in forbidden if "." in f):
                found.append(f"{relative}: imports {name}")
    return found


def test_domain_does_no_io() -> None:
    banned = ("httpx", "sqlmodel", "sqlalchemy", "huey", "typer", "rich", "psycopg", "redis", "socket",
              "requests", "alembic", "sqlite3", "subprocess")
    bad = [
        f"{p.relative_to(PACKAGE)}: imports {n}"
        for p in _modules("domain")
        for n in _imports(p)
        if n.split(".")[0] in banned or n.startswith(("syncstore_cli.store", "syncstore_cli.cli",
                                                      "syncstore_cli.marketplaces", "syncstore_cli.sync",
                                                      "syncstore_cli.queue", "syncstore_cli.sandbox",
                                                      "syncstore_cli.services"))
    ]
    assert bad == []


def test_only_cli_imports_typer_or_rich() -> None:
    assert _violations({"cli"}, ("typer", "rich")) == []


def test_only_store_imports_sqlmodel_and_sqlalchemy() -> None:
    assert _violations({"store"}, ("sqlmodel", "sqlalchemy", "alembic")) == []


def test_only_queue_imports_huey() -> None:
    assert _violations({"queue"}, ("huey",)) == []


def test_sandbox_and_clients_share_no_code() -> None:
    sandbox = [f"{p}: {n}" for p in _modules("sandbox") for n in _imports(p)
               if n.startswith(("syncstore_cli.marketplaces", "syncstore_cli.sync", "syncstore_cli.queue"))]
    clients = [f"{p}: {n}" for p in _modules("marketplaces") for n in _imports(p)
               if n.startswith("syncstore_cli.sandbox")]
    assert sandbox == [] and clients == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """Guard against a checker that can never fail."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import httpx\n    from sqlalchemy import select\n")
    assert _imports(bad) == {"httpx", "sqlalchemy"}


def test_store_and_marketplaces_know_only_what_is_below_them() -> None:
    upward = ("syncstore_cli.cli", "syncstore_cli.services", "syncstore_cli.sync", "syncstore_cli.queue")
    store = [f"{p}: {n}" for p in _modules("store") for n in _imports(p)
             if n.startswith((*upward, "syncstore_cli.marketplaces", "syncstore_cli.sandbox"))]
    marketplaces = [f"{p}: {n}" for p in _modules("marketplaces") for n in _imports(p)
                    if n.startswith((*upward, "syncstore_cli.store"))]
    assert store == [] and marketplaces == []
