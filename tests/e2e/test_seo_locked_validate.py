"""A title locked with `seo set --allow-outside-band` is synced as the seller insisted, and `validate`
reports it (exit 1, the SEO check naming the title, that it is locked by hand, and its similarity)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.app.context import AppContext
from syncstore_cli.app.sync import manual_sync
from syncstore_cli.cli.app import app
from syncstore_cli.domain.catalog import PLATFORMS
from syncstore_cli.domain.seo import similarity
from tests.conftest import seeded_sandbox

runner = CliRunner()


def test_a_title_locked_outside_the_band_is_reported_by_validate(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp, seeded_sandbox(tmp_path, mp, seeded_products=5):
        with AppContext() as ctx:
            master = ctx.catalog.get("PROD-1").product.title
        mine = "Goggles DJI Avata Integra Original Garansi Resmi"
        score = round(similarity(master, mine))
        assert score < 70
        refused = runner.invoke(app, ["seo", "set", "PROD-1", mine, "--platform", "tiktok"])
        assert refused.exit_code == 2 and "outside the band 70–80" in refused.stderr
        locked = runner.invoke(app, ["seo", "set", "PROD-1", mine, "--platform", "tiktok", "--allow-outside-band"])
        assert locked.exit_code == 0, locked.stderr
        with AppContext() as ctx:
            jobs = manual_sync(ctx, ["PROD-1"], list(PLATFORMS)).jobs
        assert [j.state for j in jobs] == ["done", "done"], [(j.platform, j.message) for j in jobs]

        result = runner.invoke(app, ["validate", "--json"])
        assert result.exit_code == 1, (result.stdout, result.stderr)
        checks = json.loads(result.stdout)["checks"]
        failing = {c["name"]: c["problems"] for c in checks if not c["passed"] and c["problems"]}
        assert list(failing) == ["seo_titles"], checks
        (problem,) = failing["seo_titles"]
        assert problem.startswith("PROD-1 (")
        assert f"tiktok: title {mine!r} (locked by hand) is {score} similar to the master title" in problem
