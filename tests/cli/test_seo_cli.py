"""`syncstore seo set`: a title breaking the seller's rules is one `error:` line, exit 2, and nothing is
locked; `--allow-outside-band` lets only the similarity band be overridden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"
MASTER = "Frame Racing 5 Inch Carbon Fiber 3mm Arm FPV Freestyle"  # PROD-1's master title
UNRELATED = "Baterai LiPo Tattu 6S 1300mAh untuk Drone FPV"  # similarity 38 to MASTER
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _listing(platform: str) -> dict[str, Any]:
    code, out, err = run("products", "show", "PROD-1", "--json")
    assert code == 0, err
    listing: dict[str, Any] = json.loads(out)[platform]
    return listing


@pytest.fixture
def imported(home: Path) -> Path:
    code, _, err = run("import", "--file", str(FIXTURES / "small.jsonl"))
    assert code == 0, err
    return home


def _refused(args: list[str], platform: str, *needles: str) -> str:
    before = _listing(platform)
    code, out, err = run("seo", "set", "PROD-1", *args, "--platform", platform)
    assert code == 2, out + err
    assert err.startswith(f"error: title refused for {platform}: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    assert _listing(platform) == before  # nothing locked, nothing changed
    return err


def test_unrelated_title_is_refused_with_the_band_and_its_similarity(imported: Path) -> None:
    _refused([UNRELATED], "shopee", "similarity 38 to the master title is outside the band 70–80",
             "--allow-outside-band")
    assert not _listing("shopee")["seo_locked"]


def test_master_title_itself_is_refused_as_too_similar(imported: Path) -> None:
    _refused([MASTER], "tiktok", "similarity 100 to the master title is outside the band 70–80")


@pytest.mark.parametrize("flag", [[], ["--allow-outside-band"]])
@pytest.mark.parametrize(
    ("title", "needle"),
    [
        # Collapsed, this was stored as the master title itself, "similarity 100"
        ("Frame Racing 5 Inch Carbon\nFiber 3mm Arm FPV Freestyle", "line break U+000A"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm\nRacing Freestyle [ORIGINAL]", "line break U+000A"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm\tRacing Freestyle [ORIGINAL]", "tab U+0009"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm\rRacing Freestyle [ORIGINAL]", "carriage return U+000D"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm\x07Racing Freestyle [ORIGINAL]", "U+0007"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm\u200bRacing Freestyle [ORIGINAL]", "U+200B"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm Racing Freestyle 🔥 [ORIGINAL]", "emoji"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm &amp; Racing Freestyle [ORIGINAL]", "HTML entities"),
        ("Frame FPV 5 Inch Carbon Fiber 3mm Arm Racing Freestyle !!!!!!!!!!!!", "identical characters"),
        ("Frame 5 Inch", "characters; Shopee needs 20–120 (too short)"),
        (MASTER + " Ringan" * 12, "characters; Shopee needs 20–120 (too long)"),
    ],
)
def test_what_marketplaces_refuse_is_refused_even_when_allowed_outside_the_band(
    imported: Path, flag: list[str], title: str, needle: str,
) -> None:
    _refused([title, *flag], "shopee", needle)


def test_allow_outside_band_locks_it_and_says_validation_will_report_it(imported: Path) -> None:
    code, out, err = run("seo", "set", "PROD-1", UNRELATED, "--platform", "shopee", "--allow-outside-band")
    assert code == 0, err
    assert "PROD-1 shopee: locked title (similarity 38, outside the band 70–80: validation will report it)" in out
    listing = _listing("shopee")
    assert (listing["seo_title"], listing["seo_locked"]) == (UNRELATED, True)


def test_in_band_title_is_locked_as_typed_with_runs_of_spaces_collapsed(imported: Path) -> None:
    typed = "  Frame FPV 5 Inch  Carbon Fiber 3mm Arm Racing Freestyle [ORIGINAL] "
    code, out, err = run("seo", "set", "PROD-1", typed, "--platform", "tiktok")
    assert code == 0, err
    assert "locked title (similarity 76)" in out
    listing = _listing("tiktok")
    assert (listing["seo_title"], listing["seo_locked"]) == (
        "Frame FPV 5 Inch Carbon Fiber 3mm Arm Racing Freestyle [ORIGINAL]", True)
