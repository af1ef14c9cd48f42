"""Shared fixtures: a fresh data folder per test, and databases on SQLite and PostgreSQL.

Tests that need PostgreSQL or Redis skip when the service is unreachable, unless
SYNCSTORE_REQUIRE_SERVICES is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from syncstore_cli.sandbox.app import Sandbox
    from syncstore_cli.sandbox.config import SandboxConfig
    from syncstore_cli.sandbox.faults import FaultPlan
    from syncstore_cli.sandbox.generator import GeneratedCatalog
    from syncstore_cli.sandbox.web import SandboxServer

PG_ADMIN_URL = os.environ.get("SYNCSTORE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SYNCSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return bool(os.environ.get("SYNCSTORE_REQUIRE_SERVICES"))


def _unavailable(what: str, exc: Exception) -> None:
    if services_required():
        pytest.fail(f"{what} is required (SYNCSTORE_REQUIRE_SERVICES is set) but unreachable: {exc}")
    pytest.skip(f"{what} unreachable: {exc}")


def clean_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Every SYNCSTORE_* variable from the outer environment removed (but SYNCSTORE_REQUIRE_SERVICES),
    and SYNCSTORE_HOME set to `home`."""
    for name in list(os.environ):
        if name.startswith("SYNCSTORE_") and name != "SYNCSTORE_REQUIRE_SERVICES":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SYNCSTORE_HOME", str(home))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder, with every SYNCSTORE_* variable from the outer environment removed."""
    data = tmp_path / "home"
    clean_environment(monkeypatch, data)
    return data


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of its own for this test, dropped afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL.replace("postgresql://", "postgresql://", 1), autocommit=True,
                                connect_timeout=3)
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
        raise
    name = f"syncstore_t_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        try:
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def point_at_sandbox(monkeypatch: pytest.MonkeyPatch, url: str, *, unlimited_rate: bool = True) -> None:
    """Settings that point SyncStore at a sandbox on `url`, with its public demo credentials."""
    from syncstore_cli.sandbox import config as c

    values = {
        "SYNCSTORE_SHOPEE_BASE_URL": url, "SYNCSTORE_TIKTOK_BASE_URL": url, "SYNCSTORE_TIKTOK_AUTH_URL": url,
        "SYNCSTORE_SHOPEE_PARTNER_ID": c.DEMO_SHOPEE_PARTNER_ID,
        "SYNCSTORE_SHOPEE_PARTNER_KEY": c.DEMO_SHOPEE_PARTNER_KEY,
        "SYNCSTORE_TIKTOK_APP_KEY": c.DEMO_TIKTOK_APP_KEY, "SYNCSTORE_TIKTOK_APP_SECRET": c.DEMO_TIKTOK_APP_SECRET,
    }
    if unlimited_rate:  # the fast profile has no rate limit; the client's budget follows, as `serve` prints
        values.update({f"SYNCSTORE_{p}_{k}": "1000" for p in ("SHOPEE", "TIKTOK") for k in ("RATE_PER_SECOND",
                                                                                            "RATE_BURST")})
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@dataclass
class SeededWorld:
    """A running sandbox holding the seller's existing listings, with SyncStore pointed at it."""

    box: Sandbox
    server: SandboxServer
    url: str
    home: Path  # SYNCSTORE_HOME
    catalog: GeneratedCatalog  # what the shops were seeded from; its image URLs are served by this sandbox
    flawed: dict[str, str] = field(default_factory=dict)  # imported product id -> flaw kind; {} without import


@contextmanager
def seeded_sandbox(root: Path, mp: pytest.MonkeyPatch, *, config: SandboxConfig | None = None,
                   faults: FaultPlan | None = None, seeded_products: int | None = None, authorize: bool = True,
                   import_listings: bool = True, map_categories: bool = True, unlimited_rate: bool = True,
                   env: Mapping[str, str] | None = None) -> Iterator[SeededWorld]:
    """The sandbox on 127.0.0.1, seeded, with both shops authorized and their listings imported.

    In order: every SYNCSTORE_* variable is removed (but SYNCSTORE_REQUIRE_SERVICES), SYNCSTORE_HOME
    is `root/home` and `env` is set; the sandbox is built (`config`, default profile; `faults`, default
    the profile's) with its state in `root/sandbox-state` and served; both shops are seeded with the
    generated catalog (its first `seeded_products` only, when given); the settings point at the
    sandbox (`point_at_sandbox`); then, unless told not to, both shops are authorized through the CLI
    (`auth ... --sandbox-approve`) and imported (`import --from all`). Import numbers products in
    listing order, so the generator's manifest of flawed products is mapped to the imported ids
    through SKUs (`SeededWorld.flawed`); then, unless `map_categories` is false, every master category
    is mapped and every mandatory attribute filled (`map_and_fill_attributes`). The server is stopped
    and the sandbox closed on exit.
    """
    from typer.testing import CliRunner

    from syncstore_cli.cli.app import app
    from syncstore_cli.sandbox import config as c
    from syncstore_cli.sandbox.app import build_sandbox, serve_in_background
    from syncstore_cli.sandbox.generator import generate_catalog

    assert authorize or not import_listings, "import needs the shops authorized"
    home = root / "home"
    clean_environment(mp, home)
    for name, value in (env or {}).items():
        mp.setenv(name, value)
    box = build_sandbox(config or c.SandboxConfig(), root / "sandbox-state", faults=faults)
    server = serve_in_background(box)
    try:
        catalog = generate_catalog(image_base_url=server.url)
        products = catalog.products if seeded_products is None else catalog.products[:seeded_products]
        box.shopee_products.seed_from_catalog(products, c.DEMO_SHOPEE_SHOP_ID)  # each its own origin's
        box.tiktok_products.seed_from_catalog(products, c.DEMO_TIKTOK_SHOP_ID)
        point_at_sandbox(mp, server.url, unlimited_rate=unlimited_rate)
        runner = CliRunner()
        if authorize:
            for platform in ("shopee", "tiktok"):
                result = runner.invoke(app, ["auth", platform, "--sandbox-approve"])
                assert result.exit_code == 0, result.stderr
        flawed: dict[str, str] = {}
        if import_listings:
            result = runner.invoke(app, ["import", "--from", "all", "--json"])
            assert result.exit_code == 0, result.stderr
            if map_categories:
                map_and_fill_attributes()
            from syncstore_cli.app.context import AppContext

            with AppContext() as ctx:
                owner = ctx.catalog.sku_owners()
            sku_of = {p.id: p.sku for p in catalog.products}
            flawed = {owner[sku_of[pid]]: kind for kind, ids in catalog.manifest.items() for pid in ids
                      if sku_of[pid] in owner}  # products not seeded were not imported
        yield SeededWorld(box, server, server.url, home, catalog, flawed)
    finally:
        server.stop()
        box.close()


@pytest.fixture
def redis_queue_url() -> Iterator[tuple[str, str]]:
    """A Redis URL and a queue name of their own for this test (keys removed afterwards)."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
    except Exception as exc:
        _unavailable("Redis", exc)
        raise
    name = f"syncstore-t-{uuid.uuid4().hex[:12]}"
    yield REDIS_URL, name
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)
    client.close()


def map_and_fill_attributes() -> None:
    """What a seller's first-run script does, through the CLI: read the trees, map every unmapped master
    category to the marketplace's top suggestion, then give every missing mandatory attribute a value
    (a listed one where the marketplace has a list; lithium for battery leaves, whose type TikTok then
    asks for too)."""
    import json

    from typer.testing import CliRunner

    from syncstore_cli.cli.app import app

    runner = CliRunner()
    for command in (["categories", "refresh"], ["categories", "suggest", "--all", "--accept"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.stderr)
    result = runner.invoke(app, ["attributes", "missing", "--json"])
    assert result.exit_code == 0, result.stderr
    done: set[tuple[str, str, str]] = set()
    for gap in json.loads(result.stdout)["missing"]:
        key = (gap["platform"], gap["category_id"], gap["attribute_id"])
        if key in done:
            continue
        done.add(key)
        names = [v["name"] for v in gap["values"]]
        lithium = next((n for n in names if "litium" in n.casefold()), None) \
            if gap["master_category"] == "battery" else None
        usual = ("china", "tiongkok", "tidak ada", "tanpa garansi")
        value = lithium or next((n for n in names if n.casefold() in usual), names[0] if names else "-")
        result = runner.invoke(app, ["attributes", "set", gap["category_id"], gap["attribute_id"], value,
                                     "--platform", gap["platform"]])
        assert result.exit_code == 0, result.stderr
        if lithium:
            result = runner.invoke(app, ["attributes", "set", gap["category_id"], "Jenis Baterai", "LiPo",
                                         "--platform", gap["platform"]])
            assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["attributes", "missing", "--json"])
    assert json.loads(result.stdout)["missing"] == []
