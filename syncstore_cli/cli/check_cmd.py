"""`syncstore validate` and `syncstore spot-check`: the seller's checklist after a sync."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from syncstore_cli.cli.output import console, is_terminal, print_json

if TYPE_CHECKING:
    from syncstore_cli.domain.checks import CheckResult, ReadBack

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SeedOption = Annotated[int | None, typer.Option(
    "--seed", help="Seed for the random sample; the same seed picks the same listings again (default: a random "
                   "seed, shown in the summary).")]

VALIDATE_EXIT_CODES = """
Exit codes: 0 every check passed; 1 a check failed or could not run, or another validate is running
(it holds <data folder>/validate.lock; this run stops at once and says which pid); 2 bad usage
(unknown batch, bad option). Each run appends one line to <data folder>/logs/validate.log.
"""

SPOT_CHECK_EXIT_CODES = """
Exit codes: 0 every sampled listing matches; 1 a listing differs or could not be read;
2 unknown batch or bad option.
"""

FIRST_PROBLEMS = 3


def validate_command(
    batch: Annotated[str | None, typer.Option("--batch", metavar="BATCH",
                                              help="Check this batch's products only (default: everything synced).")]
    = None,
    sample: Annotated[int, typer.Option("--sample", min=0, metavar="N",
                                        help="Listings per platform read back from the marketplaces.")] = 5,
    seed: SeedOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the seller's checklist over synced listings: pricing, SEO titles, mappings, images,
    variants, a marketplace read-back (a sample, plus every price from a full listing scan) and
    duplicate SKUs. Never prompts: safe to run from cron (plain text when not on a terminal).

    Each check says pass, fail (with its problems) or "could not run" (with the reason): it could
    not read what it needs (a marketplace read still failing after its retries, a shop not
    authorized) or checked nothing where there was something to check. "could not run" is never
    a pass: exit 1, and `approve` refuses the batch until a validation runs in full.
    """
    from syncstore_cli.app.checks import run_validation
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        report = run_validation(ctx, batch_id=batch, sample=sample, seed=seed)
    if as_json:
        print_json(report.as_json())
    elif is_terminal():
        _render_table(report.checks, report.summary, report.batch_id)
    else:
        _render_plain(report.checks, report.summary, report.check_run_id)
    raise typer.Exit(0 if report.passed else 1)


def _render_table(checks: list[CheckResult], summary: str, batch_id: str | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Validation of {batch_id or 'everything synced'}", title_justify="left")
    table.add_column("check")
    table.add_column("status")
    table.add_column("checked", justify="right")
    table.add_column("problems", justify="right")
    table.add_column("first problems", overflow="fold")
    for check in checks:
        status = {"pass": "[green]pass[/green]", "fail": "[red]FAIL[/red]"}.get(
            check.status, "[yellow]could not run[/yellow]")
        first = "\n".join(escape(p) for p in check.problems[:FIRST_PROBLEMS])
        if len(check.problems) > FIRST_PROBLEMS:
            first += f"\n… and {len(check.problems) - FIRST_PROBLEMS} more (--json lists them all)"
        if check.reason:
            first += ("\n" if first else "") + escape(f"could not run: {check.reason}")
        table.add_row(check.name, status, f"{check.checked:,}", str(len(check.problems)), first)
    out = console()
    out.print(table)
    out.print(summary, markup=False)


def _render_plain(checks: list[CheckResult], summary: str, run_id: int) -> None:
    for check in checks:
        status = {"pass": "pass", "fail": "FAIL"}.get(check.status, check.status)
        sys.stdout.write(f"{check.name}\t{status}\t{check.checked}\t{len(check.problems)}\n")
        for problem in check.problems[:FIRST_PROBLEMS]:
            sys.stdout.write(f"  {problem}\n")
        if len(check.problems) > FIRST_PROBLEMS:
            sys.stdout.write(f"  ... and {len(check.problems) - FIRST_PROBLEMS} more (--json lists them all)\n")
        if check.reason:
            sys.stdout.write(f"  could not run: {check.reason}\n")
    sys.stdout.write(f"{summary} [check run {run_id}]\n")


def spot_check_command(
    batch_id: Annotated[str, typer.Argument(metavar="BATCH", help="The batch to spot-check.")],
    sample: Annotated[int, typer.Option("--sample", min=0, metavar="N",
                                        help="Products of the batch to read back.")] = 5,
    seed: SeedOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read a few random products of a batch back from each marketplace and compare every field sent
    (title, description, category, brand, package, price, stock, variants, image count, SKU,
    Tokopedia) with the listing SyncStore wants there.
    """
    from syncstore_cli.app.checks import spot_check
    from syncstore_cli.app.context import open_context

    with open_context() as ctx:
        report = spot_check(ctx, batch_id, sample=sample, seed=seed)
    if as_json:
        print_json(report.as_json())
    else:
        _render_spot(report.products, report.summary)
    raise typer.Exit(0 if report.passed else 1)


def _render_spot(results: list[ReadBack], summary: str) -> None:
    if is_terminal():
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="Spot check", title_justify="left")
        for column in ("product", "platform", "listing", "status", "differences"):
            table.add_column(column, overflow="fold")
        for r in results:
            detail = r.as_json()["differences"]
            table.add_row(r.product_id, r.platform.value, r.external_id or "-",
                          "[green]match[/green]" if r.passed else "[red]DIFFERS[/red]",
                          "\n".join(escape(d) for d in detail))
        out = console()
        out.print(table)
        out.print(summary, markup=False)
        return
    for r in results:
        sys.stdout.write(f"{r.product_id}\t{r.platform.value}\t{r.external_id or '-'}\t"
                         f"{'match' if r.passed else 'DIFFERS'}\n")
        for difference in r.as_json()["differences"]:
            sys.stdout.write(f"  {difference}\n")
    sys.stdout.write(summary + "\n")


PREFLIGHT_EXIT_CODES = """
Exit codes: 0 a first batch could go; 1 something must be fixed first (each failed check names what),
or a check could not read what it checks; 2 bad usage or configuration.
"""


def preflight_command(
    platform: Annotated[str, typer.Option("--platform", "-p", help="shopee, tiktok or all.")] = "all",
    as_json: JsonOption = False,
) -> None:
    """Before going live: read-only checks against the configured marketplace hosts (credentials and shop
    authorization, a usable logistics channel or warehouse, every mapped category still a leaf of the live
    tree, every product's mandatory attributes, the listing limits). Sends no write."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.preflight import preflight
    from syncstore_cli.domain.catalog import PLATFORMS, Platform
    from syncstore_cli.errors import UserInputError

    if platform.lower() == "all":
        chosen = list(PLATFORMS)
    else:
        try:
            chosen = [Platform(platform.lower())]
        except ValueError:
            raise UserInputError(f"--platform '{platform}' is not shopee, tiktok or all") from None
    with open_context() as ctx:
        result = preflight(ctx, chosen)
    if as_json:
        print_json({"passed": result.passed, "ready": result.ready, "blocked": result.blocked,
                    "checks": [{"platform": c.platform.value, "check": c.name, "passed": c.passed,
                                "detail": c.detail, "fixes": list(c.fixes)} for c in result.checks]})
    else:
        for check in result.checks:
            typer.echo(f"{'ok  ' if check.passed else 'FAIL'} {check.platform.value:<7} {check.name:<12} "
                       f"{check.detail}")
            for fix in check.fixes:
                typer.echo(f"     fix: {fix}")
        typer.echo("ready for a first batch" if result.passed else "not ready: fix the failed checks above")
    raise typer.Exit(0 if result.passed else 1)
