"""`import --from` as a person sees it: progress lines with the marketplace's total, then the summary in words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli import catalog_cmd
from syncstore_cli.cli.app import app
from syncstore_cli.sandbox import config as c
from tests.conftest import SeededWorld, seeded_sandbox

runner = CliRunner()
SEEDED = 150  # Shopee's listings of these span two pages of get_item_list


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SeededWorld]:
    with seeded_sandbox(tmp_path, monkeypatch, config=c.SandboxConfig(profile="fast"), seeded_products=SEEDED,
                        import_listings=False) as seeded:
        yield seeded


def test_progress_in_a_pipe_is_one_line_at_a_time_with_the_marketplaces_total(
        world: SeededWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = Counter(p.origin.value for p in world.catalog.products[:SEEDED])
    assert expected["shopee"] > 100 and expected["tiktok"] > 0
    monkeypatch.setattr(catalog_cmd._ImportProgress, "EVERY_SECONDS", 0.0)  # a line for every listing read
    result = runner.invoke(app, ["import", "--from", "all"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\r" not in out and out.endswith("\n")
    lines = out.splitlines()
    for platform in ("shopee", "tiktok"):
        total = expected[platform]
        progress = [line for line in lines if line.startswith(f"{platform}: ")]
        # each line names how many were read of the total the marketplace announced on its first page
        read = [int(m.group(1)) for m in (re.fullmatch(rf"{platform}: (\d+)/{total} listings read( \(done\))?",
                                                       line) for line in progress) if m]
        assert len(read) == len(progress) >= total, progress[:3]
        assert read == sorted(read) and read[-1] == total
        assert progress[-1] == f"{platform}: {total}/{total} listings read (done)"
    assert re.fullmatch(rf"Imported: {expected['shopee']} listings read from Shopee, {expected['tiktok']} from TikTok "
                        rf"Shop; {SEEDED} created, 0 updated, 0 unchanged; \d+ listing and variant ids recorded; "
                        r"\d+ master category mappings taken from where the listings are; "
                        r"0 SKU collisions; \d+ API calls\.", lines[-1]), lines[-1]


def test_a_pipe_gets_only_the_last_line_per_platform_when_reading_is_quick_and_json_gets_none(
        world: SeededWorld) -> None:
    result = runner.invoke(app, ["import", "--from", "tiktok"])
    assert result.exit_code == 0, result.stderr
    tiktok = Counter(p.origin.value for p in world.catalog.products[:SEEDED])["tiktok"]
    assert result.stdout.splitlines()[0] == f"tiktok: {tiktok}/{tiktok} listings read (done)"
    again = runner.invoke(app, ["import", "--from", "tiktok", "--json"])
    assert again.exit_code == 0 and again.stdout.startswith("{")
