"""`syncstore approve`, `syncstore rollback` and `syncstore rollout`: growing batches safely, and undoing one."""

from __future__ import annotations

from typing import Annotated

import typer

from syncstore_cli.cli.output import console, print_json

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

APPROVE_EXIT_CODES = """
Exit codes: 0 approved; 1 refused (not finished, failures, not validated, validation or
spot check failed); 2 unknown batch or not a batch.
"""

ROLLBACK_EXIT_CODES = """
Exit codes: 0 every step done (or planned, with --dry-run); 1 a step failed (run it again to
resume: finished steps are skipped); 2 unknown batch, product not in it, no snapshot, or the
batch is still running.
"""


def approve_command(
    batch_id: Annotated[str, typer.Argument(metavar="BATCH", help="The batch to approve.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, or who; kept with the approval.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a finished batch with no failures whose validation (run after it finished) passed.

    Approvals are what let the staged rollout grow: an approved batch of 10 allows batches of 50,
    an approved batch of 50 allows batches of 1,000.
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.safety import approve

    with open_context() as ctx:
        result = approve(ctx, batch_id, note)
    if as_json:
        print_json({"batch_id": result.batch_id, "approved": True, "products": result.products,
                    "check_run_id": result.check_run_id, "batch_limit": result.next_limit})
        return
    console().print(f"Approved {result.batch_id} ({result.products} products). Batches may now hold up to "
                    f"{result.next_limit:,} products.", markup=False)


def rollout_command(as_json: JsonOption = False) -> None:
    """Show the staged rollout: how many products a batch may hold now, and how to raise it."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.safety import rollout_decision

    with open_context() as ctx:
        decision = rollout_decision(ctx)
    if as_json:
        print_json({"batch_limit": decision.limit, "reason": decision.reason, "next_step": decision.next_step})
        return
    console().print(f"A batch may hold up to {decision.limit:,} products: {decision.reason}.", markup=False)
    if decision.next_step:
        console().print(f"Next: {decision.next_step}.", markup=False)


def rollback_command(
    batch_id: Annotated[str, typer.Argument(metavar="BATCH", help="The batch to undo.")],
    only_failed: Annotated[bool, typer.Option("--only-failed", help="Only listings whose job failed.")] = False,
    products: Annotated[list[str] | None, typer.Option("--products", help="Only these product ids (repeatable).")]
    = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; send nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Put the marketplaces back as they were before a batch, from its pre-batch snapshots.

    Listings the batch updated get their previous fields back; listings it created are deleted
    (or unlisted where the marketplace refuses the delete); the catalog's listing state follows.
    Every request is logged under RB-<BATCH> (`syncstore logs --batch RB-<BATCH>`). Running it
    again resumes an interrupted rollback and does nothing once it is complete.
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.rollback import rollback

    with open_context() as ctx:
        report = rollback(ctx, batch_id, only_failed=only_failed, products=products or (), dry_run=dry_run)
    if as_json:
        print_json({"batch_id": report.batch_id, "dry_run": report.dry_run, "done": report.done,
                    "failed": report.failed, "steps": [s.as_json() for s in report.steps]})
    else:
        from rich.table import Table

        table = Table(title=f"Rollback of {report.batch_id}" + (" (dry run: nothing sent)" if dry_run else ""))
        for column in ("product", "platform", "action", "listing", "state", "detail"):
            table.add_column(column, overflow="fold")
        for step in report.steps:
            table.add_row(step.product_id, step.platform, step.action, step.external_id or "-", step.state,
                          step.message)
        console().print(table)
        if not dry_run:
            console().print(f"{report.done} done, {report.failed} failed of {len(report.steps)} listings.",
                            markup=False)
    raise typer.Exit(1 if report.failed else 0)
