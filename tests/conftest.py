"""Shared fixtures: a fresh data folder per test, and databases on SQLite and PostgreSQL.

Tests that need PostgreSQL or Redis skip when the service is unreachable, unless
SYNCSTORE_REQUIRE_SERVICES is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("SYNCSTORE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SYNCSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return bool(os.environ.get("SYNCSTORE_REQUIRE_SERVICES"))


def _unavailable(what: str, exc: Exception) -> None:
    if services_required():
        pytest.fail(f"{what} is required (SYNCSTORE_REQUIRE_SERVICES is set) but unreachable: {exc}")
    pytest.skip(f"{what} unreachable: {exc}")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder, with every SYNCSTORE_* variable from the outer environment removed."""
    for name in list(os.environ):
        if name.startswith("SYNCSTORE_") and name != "SYNCSTORE_REQUIRE_SERVICES":
            monkeypatch.delenv(name)
    data = tmp_path / "home"
    monkeypatch.setenv("SYNCSTORE_HOME", str(data))
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
