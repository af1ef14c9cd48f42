"""`sync batch` selections and `sync changed` without a marketplace: what is selected, what is counted,
and that nothing to do writes nothing (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from syncstore_cli.cli.app import app

FIXTURES = Path(__file__).parents[2] / "fixtures" / "catalog"
runner = CliRunner()


@pytest.fixture
def catalog(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three products of small.jsonl, none of whose categories is mapped: every plan is blocked."""
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", database_url)
    result = runner.invoke(app, ["import", "--file", str(FIXTURES / "small.jsonl"), "--json"])
    assert result.exit_code == 0, result.stderr
    return home


def _written(home: Path) -> tuple[int, int, bool]:
    """(batches, jobs, a backups folder exists)."""
    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx, ctx.database.connect() as connection:
        return (connection.execute(text("SELECT count(*) FROM sync_batches")).scalar_one(),
                connection.execute(text("SELECT count(*) FROM sync_jobs")).scalar_one(),
                (home / "backups").exists())


def test_sync_changed_with_only_blocked_products_is_nothing_to_do_and_counts_them(catalog: Path) -> None:
    before = _written(catalog)
    result = runner.invoke(app, ["sync", "changed"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert result.stdout.splitlines() == [
        "sync changed: nothing to do (3 blocked product(s) not selected, e.g. PROD-1: see `syncstore sync plan`)."]
    as_json = runner.invoke(app, ["sync", "changed", "--platform", "tiktok", "--json"])
    assert as_json.exit_code == 0, as_json.stderr
    payload = json.loads(as_json.stdout)
    assert (payload["status"], payload["batch_id"], payload["changed"], payload["blocked_not_selected"]) == (
        "nothing_to_do", None, 0, 3)
    assert _written(catalog) == before


def test_batch_changed_selects_no_blocked_product_and_writes_nothing(catalog: Path) -> None:
    before = _written(catalog)
    result = runner.invoke(app, ["sync", "batch", "--changed", "--json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    payload = json.loads(result.stdout)
    assert payload["status"] == "nothing_to_do" and payload["blocked_not_selected"] == ["PROD-1", "PROD-2", "PROD-3"]
    assert _written(catalog) == before


def test_a_selection_that_is_not_empty_goes_through_the_batch_checks(catalog: Path) -> None:
    before = _written(catalog)
    result = runner.invoke(app, ["sync", "batch", "--category", "frame", "--platform", "shopee"])
    assert result.exit_code == 2 and result.stderr.startswith("error: shopee.partner_id"), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert _written(catalog) == before


def test_the_help_names_every_selection_and_the_cron_entry_point(catalog: Path) -> None:
    batch = runner.invoke(app, ["sync", "batch", "--help"]).stdout
    for option in ("--file", "--changed", "--all", "--category", "--search", "--status", "--chunk",
                   "rollout.auto_approve_after"):
        assert option in batch, option
    changed = runner.invoke(app, ["sync", "changed", "--help"])
    assert changed.exit_code == 0 and "cron" in changed.stdout and "Exit codes" in changed.stdout
