"""`syncstore drift`: listings edited outside SyncStore, field group by field group."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from syncstore_cli.cli.output import console, is_terminal, print_json
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.fieldgroups import short

if TYPE_CHECKING:
    from syncstore_cli.app.drift import DriftReport

DRIFT_EXIT_CODES = """
Exit codes: 0 no listing was edited outside SyncStore; 1 drift found (listed, and the drift.policy
applied to what the next sync does); 2 bad usage or a platform with no authorized shop.
"""


def _platforms(value: str | None) -> list[Platform] | None:
    from syncstore_cli.app.sync import parse_platforms

    return None if value is None else parse_platforms(value)


def drift_command(
    platform: Annotated[str | None, typer.Option(
        "--platform", "-p", help="shopee, tiktok or both (default: every authorized shop).")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Read every listing, not only those the marketplace says changed since the last check.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Find listings edited outside SyncStore (in the seller centre) and compare each with the last state
    SyncStore confirmed there, field group by field group (from -> to).

    Reads only what changed on the marketplace since the last check (by the marketplaces' update times;
    the first check, or --full, reads everything). The drift.policy setting decides per field group:
    overwrite (default; the next sync puts the master back) or report (listed, and left as the seller
    made it). Safe to run from cron.
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.drift import check_drift

    with open_context() as ctx:
        report = check_drift(ctx, _platforms(platform), full=full)
    if as_json:
        print_json(report.as_json())
    else:
        _render(report)
    raise typer.Exit(1 if report.drifted else 0)


def _render(report: DriftReport) -> None:
    lines: list[str] = []
    for run in report.platforms:
        read = "full read" if run.since is None else "changed since the last check"
        lines.append(f"{run.platform.value}: {len(run.listings)} of {run.listings_read} listings read edited "
                     f"outside SyncStore ({read}; {run.requests} requests)")
        for listing in run.listings:
            lines.append(f"  {listing.product_id} ({listing.sku}) {run.platform.value} {listing.external_id}")
            for group in listing.groups:
                lines.append(f"    {group.group}: {short(group.confirmed)} -> {short(group.found)} [{group.action}]")
    lines.append(f"policy: {report.policy}" + ("; overwrite groups go back to the master on the next sync"
                                               if report.drifted else ""))
    if is_terminal():
        out = console()
        for line in lines:
            out.print(line, markup=False)
    else:
        sys.stdout.write("".join(line + "\n" for line in lines))
