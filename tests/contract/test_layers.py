"""The layer rules of ARCHITECTURE.md, checked on every module's imports.

Static, from the source: imports inside functions and under `TYPE_CHECKING` count too, because a
lazy import only hides a dependency, it does not remove it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "syncstore_cli"
PREFIX = "syncstore_cli"


def _module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports; `from a import b` counts as `a.b` too when `a.b` might be a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (names that are not modules are dropped)."""
    files = {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    return {name: {m for m in _imports(path) if m in files and m != name} for name, path in files.items()}


def _cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Each import cycle once (as the path that closes it), found by depth-first search."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                found.append([*stack[stack.index(target):], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


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


# -- the rules --------------------------------------------------------------------------------------
def test_no_import_cycle_anywhere_in_the_package() -> None:
    assert _cycles(_graph()) == []


# What the CLI may import: the application layer, value types from the domain, the error tree.
CLI_MAY_IMPORT = {"app", "domain", "errors", "cli"}


def test_the_cli_imports_only_the_application_layer_the_domain_and_errors() -> None:
    bad = [f"{module}: imports {target}" for module, targets in _graph().items() if _layer(module) == "cli"
           for target in targets if _layer(target) not in CLI_MAY_IMPORT]
    assert bad == []


# Not use cases: the context every use case shares, and the shop connections it owns.
APP_INFRASTRUCTURE = {"syncstore_cli.app", "syncstore_cli.app.context", "syncstore_cli.app.shops"}
# The demo is the seller's whole plan on the sandbox: a script of use cases, the one module allowed to call them.
# `sync batch --chunk` runs a batch, then its spot check and validation, then (when the owner allowed it) its
# approval, before the next batch: three use cases strung together, so it is a composite too.
APP_COMPOSITES = {"syncstore_cli.app.demo", "syncstore_cli.app.chunks"}


def test_use_cases_do_not_import_each_other() -> None:
    graph = _graph()
    use_cases = {m for m in graph if _layer(m) == "app" and m not in APP_INFRASTRUCTURE}
    bad = [f"{module}: imports {target}" for module in sorted(use_cases - APP_COMPOSITES)
           for target in graph[module] if target in use_cases]
    assert bad == []


def test_the_infrastructure_of_the_application_layer_imports_no_use_case() -> None:
    graph = _graph()
    bad = [f"{module}: imports {target}" for module in APP_INFRASTRUCTURE for target in graph.get(module, ())
           if _layer(target) == "app" and target not in APP_INFRASTRUCTURE]
    assert bad == []


CONCRETE_STORES = ("JobStore", "CatalogStore", "SafetyStore", "TokenStore", "BackupStore")


def test_the_engine_knows_ports_not_concrete_stores() -> None:
    bad = []
    for path in _modules("engine"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(f"{PREFIX}.store"):
                bad += [f"{path.name}: imports {alias.name} from {node.module}" for alias in node.names
                        if alias.name in CONCRETE_STORES or alias.name in {"engine", "backup", "schema"}]
    assert bad == []


def test_the_engine_and_lower_layers_never_reach_up() -> None:
    graph = _graph()
    upward = {"engine": {"app", "cli", "queue"}, "queue": {"app", "cli"},
              "store": {"app", "cli", "engine", "queue", "marketplaces", "sandbox"},
              "marketplaces": {"app", "cli", "engine", "queue", "store", "sandbox"},
              "domain": {"app", "cli", "engine", "queue", "store", "marketplaces", "sandbox", "settings"},
              "sandbox": {"app", "cli", "engine", "queue", "marketplaces"}}
    bad = [f"{module}: imports {target}" for module, targets in graph.items()
           for target in targets if _layer(target) in upward.get(_layer(module), set())]
    assert bad == []


def test_domain_does_no_io() -> None:
    banned = ("httpx", "sqlmodel", "sqlalchemy", "huey", "typer", "rich", "psycopg", "redis", "socket",
              "requests", "alembic", "sqlite3", "subprocess")
    bad = [f"{p.relative_to(PACKAGE)}: imports {n}" for p in _modules("domain") for n in _imports(p)
           if n.split(".")[0] in banned]
    assert bad == []


def test_only_cli_imports_typer_or_rich() -> None:
    assert _violations({"cli"}, ("typer", "rich")) == []


def test_only_store_imports_sqlmodel_and_sqlalchemy() -> None:
    assert _violations({"store"}, ("sqlmodel", "sqlalchemy", "alembic")) == []


def test_only_queue_imports_huey() -> None:
    assert _violations({"queue"}, ("huey",)) == []


def test_sandbox_and_clients_share_no_code() -> None:
    sandbox = [f"{p}: {n}" for p in _modules("sandbox") for n in _imports(p)
               if n.startswith((f"{PREFIX}.marketplaces", f"{PREFIX}.engine", f"{PREFIX}.queue", f"{PREFIX}.app"))]
    clients = [f"{p}: {n}" for p in _modules("marketplaces") for n in _imports(p) if n.startswith(f"{PREFIX}.sandbox")]
    assert sandbox == [] and clients == []


# -- the checkers themselves can fail ---------------------------------------------------------------
def _write_package(root: Path, files: dict[str, str]) -> Path:
    package = root / "syncstore_cli"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def test_the_import_reader_sees_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import redis\n"
                   "def f():\n    import httpx\n    from sqlalchemy import select\n")
    assert {"httpx", "sqlalchemy", "redis"} <= _imports(bad)


def test_a_cycle_hidden_in_a_function_level_import_is_found(tmp_path: Path) -> None:
    package = _write_package(tmp_path, {
        "__init__.py": "", "app/__init__.py": "",
        "app/sync.py": "from syncstore_cli.app import safety\n",
        "app/safety.py": "def f():\n    from syncstore_cli.app.sync import plan\n",
        "app/checks.py": "from syncstore_cli.app import sync\n",
    })
    cycles = _cycles(_graph(package))
    assert cycles == [["syncstore_cli.app.sync", "syncstore_cli.app.safety", "syncstore_cli.app.sync"]]


def test_no_cycle_is_reported_for_a_tree(tmp_path: Path) -> None:
    package = _write_package(tmp_path, {"__init__.py": "", "a.py": "import syncstore_cli.b\n",
                                        "b.py": "import syncstore_cli.c\n", "c.py": ""})
    assert _cycles(_graph(package)) == []


@pytest.mark.parametrize(("module", "source", "rule"), [
    ("cli/x_cmd.py", "def f():\n    from syncstore_cli.store.jobs import JobStore\n", "cli"),
    ("app/sync.py", "def f():\n    from syncstore_cli.app.checks import run\n", "use cases"),
])
def test_a_forbidden_import_is_reported(tmp_path: Path, module: str, source: str, rule: str) -> None:
    package = _write_package(tmp_path, {"__init__.py": "", "cli/__init__.py": "", "app/__init__.py": "",
                                        "store/__init__.py": "", "store/jobs.py": "", "app/checks.py": "",
                                        module: source})
    graph = _graph(package)
    if rule == "cli":
        bad = [t for m, ts in graph.items() if _layer(m) == "cli" for t in ts if _layer(t) not in CLI_MAY_IMPORT]
    else:
        bad = [t for t in graph["syncstore_cli.app.sync"] if _layer(t) == "app"]
    assert bad


def test_starting_the_cli_and_the_catalog_use_cases_loads_no_database_or_http_library() -> None:
    """`products list` answers from a raw SQLite read; cron runs the CLI often, so start-up must stay light."""
    import subprocess
    import sys

    code = ("import sys, syncstore_cli.cli.app, syncstore_cli.app.catalog, syncstore_cli.app.context; "
            "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'httpx', 'huey', 'alembic', 'rapidfuzz') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
