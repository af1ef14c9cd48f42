"""Task runner: `nox -s lint typecheck tests`; `nox -s services` for the PostgreSQL/Redis suites."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PACKAGES = ["syncstore_cli", "tests", "bench", "noxfile.py"]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting-independent checks."""
    session.install("ruff")
    session.run("ruff", "check", *PACKAGES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".[dev]")
    session.run("mypy", "syncstore_cli")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite; service-backed tests skip if PostgreSQL/Redis are unreachable."""
    session.install("-e", ".[dev]")
    session.run("pytest", *session.posargs)


@nox.session
def services(session: nox.Session) -> None:
    """Only the tests that need PostgreSQL or Redis, and they must not skip."""
    session.install("-e", ".[dev]")
    session.run("pytest", "-m", "postgres or redis", *session.posargs, env={"SYNCSTORE_REQUIRE_SERVICES": "1"})
