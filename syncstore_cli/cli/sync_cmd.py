"""`syncstore sync plan|manual|batch|status`, `syncstore worker`, `syncstore logs`, `syncstore dlq`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncstore_cli.cli.output import console, is_terminal, print_json
from syncstore_cli.domain.vocabulary import DEAD_LETTER, OPEN, ErrorCode, JobState, SyncStatus, label_for

if TYPE_CHECKING:
    from syncstore_cli.app.sync import BatchProgress, BatchSummary, Job
    from syncstore_cli.domain.desired import PlanEntry

SYNC_EXIT_CODES = """
Exit codes: 0 every job succeeded; 1 a job failed (see `syncstore dlq list`); 2 bad input (unknown or repeated
id, unreadable file, bad option); 3 nothing failed but some products are blocked (invalid, never sent).
"""

WORKER_EXIT_CODES = """
Exit codes: 0 no job this worker ran ended dead-lettered; 1 a job it ran ended dead-lettered (failed or
dead; see `syncstore dlq list`); 2 bad input (bad option, broken configuration, unreachable queue).
"""

app = typer.Typer(help="Plan and apply listings: one product by hand, or batches through the queue.",
                  no_args_is_help=True)
dlq_app = typer.Typer(help="The dead-letter queue: jobs that failed for good, waiting for review.",
                      no_args_is_help=True)

PlatformOption = Annotated[str, typer.Option("--platform", "-p", help="shopee, tiktok or both.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]



# -- plan ------------------------------------------------------------------------------------------
@app.command("plan", epilog=SYNC_EXIT_CODES)
def plan_command(
    ids: Annotated[list[str] | None, typer.Argument(help="Product ids, e.g. PROD-1 PROD-2.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="A file of product ids, one per line.")] = None,
    platform: PlatformOption = "both",
    as_json: JsonOption = False,
) -> None:
    """Show what a sync would do (create, update with the changed fields, no change, blocked); sends nothing."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import parse_platforms, plan, product_ids_from

    product_ids = product_ids_from(ids, file)
    platforms = parse_platforms(platform)
    with open_context() as ctx:
        entries = plan(ctx, product_ids, platforms, source=file)
    if as_json:
        print_json([e.as_json() for e in entries])
    else:
        _render_plan(entries)
    from syncstore_cli.domain.desired import Action

    if any(e.action is Action.BLOCKED for e in entries):
        raise typer.Exit(3)


def _render_plan(entries: list[PlanEntry]) -> None:
    out = console()
    marks = {"create": "[green]+[/green]", "update": "[yellow]~[/yellow]", "no_change": " ", "blocked": "[red]![/red]"}
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.action.value] = counts.get(entry.action.value, 0) + 1
        head = f"{marks[entry.action.value]} {entry.product_id} ({entry.sku}) on {entry.platform.value}: "
        label = {"create": "create", "update": f"update {entry.external_id}", "no_change": "no change",
                 "blocked": "blocked"}[entry.action.value]
        out.print(head + label)
        if entry.action.value == "update":
            for group, (old, new) in entry.changes.items():
                out.print(f"      {group}: {_brief(old)} -> {_brief(new)}", markup=False)
        elif entry.action.value == "create" and entry.desired is not None:
            d = entry.desired
            out.print(f"      title: {d.title}", markup=False)
            out.print(f"      price: {_brief(d.groups()['price'])}  images: {len(d.images)}  variants: "
                      f"{len(d.variants)}", markup=False)
        for reason in entry.reasons:
            out.print(f"      - {reason}", markup=False)
    summary = ", ".join(f"{counts.get(k, 0)} {k.replace('_', ' ')}" for k in ("create", "update", "no_change",
                                                                             "blocked"))
    out.print(f"Plan: {summary}.")


def _brief(value: Any, limit: int = 70) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- manual ----------------------------------------------------------------------------------------
@app.command("manual", epilog=SYNC_EXIT_CODES)
def manual_command(
    product_id: Annotated[str, typer.Argument(help="The product id, e.g. PROD-1.")],
    platform: PlatformOption = "both",
    as_json: JsonOption = False,
) -> None:
    """Sync one product now: apply its plan, read the listing back, print the result."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import manual_sync, parse_platforms
    from syncstore_cli.errors import NotFoundError

    platforms = parse_platforms(platform)
    with open_context() as ctx:
        try:
            result = manual_sync(ctx, product_id, platforms)
        except NotFoundError as error:
            if as_json:
                print_json({"success": False, "error": "Product not found", "message": str(error),
                            "error_code": ErrorCode.PRODUCT_NOT_FOUND})
                raise typer.Exit(2) from None
            raise
    batch_id, jobs = result.batch_id, result.jobs
    results = [_contract(batch_id, job) for job in jobs]
    if as_json:
        print_json(results[0] if len(results) == 1 else results)
    else:
        out = console()
        for job, line in zip(jobs, results, strict=True):
            mark = "[green]ok[/green]" if line["success"] else "[red]failed[/red]"
            out.print(f"{mark} {job.product_id} on {job.platform}: ", end="")
            out.print(line["message"] + (f" (listing {job.external_id})" if job.external_id else ""), markup=False)
        out.print(f"Sync id {batch_id}; requests: `syncstore logs --batch {batch_id}`.", markup=False)
    raise typer.Exit(_exit_code(jobs))


def _contract(batch_id: str, job: Job) -> dict[str, Any]:
    if job.state == JobState.DONE:
        timestamp = job.finished_at.isoformat() if job.finished_at is not None else None
        return {"success": True, "sync_id": batch_id, "platform": job.platform, "message": job.message or "",
                "data": {"external_id": job.external_id, "timestamp": timestamp, "status": SyncStatus.SYNCED,
                         "action": job.action}}
    code = job.error_code or ErrorCode.INTERNAL_ERROR
    return {"success": False, "sync_id": batch_id, "platform": job.platform,
            "error": label_for(code), "message": job.message or "",
            "error_code": code}


def _exit_code(jobs: list[Job]) -> int:
    states = {j.state for j in jobs}
    if states & (DEAD_LETTER | OPEN):
        return 1
    return 3 if JobState.BLOCKED in states else 0


# -- batch -----------------------------------------------------------------------------------------
def _confirm_forced(batch_id: str) -> bool:
    typer.echo(f"This batch is larger than the staged rollout allows. To start {batch_id} anyway, type its id:",
               err=True)
    try:
        typed = input().strip()
    except EOFError:
        typed = ""
    return typed == batch_id


@app.command("batch", epilog=SYNC_EXIT_CODES)
def batch_command(
    file: Annotated[Path, typer.Option("--file", "-f", help="Product ids, one per line (# comments allowed).")],
    platform: PlatformOption = "both",
    detach: Annotated[bool, typer.Option("--detach", help="Queue only; `syncstore worker` runs it.")] = False,
    concurrency: Annotated[int | None, typer.Option(help="Worker threads, 1 to 256 (default: setting "
                                                         "sync.concurrency).")]
    = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Owner only: start a batch larger than the staged rollout allows. Asks for the batch id "
                        "to be typed back (reads it from stdin when not on a terminal) and records it.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Queue a batch (all jobs in one transaction) and, unless --detach, run it here with a progress bar.

    Before it is queued: the staged rollout must allow its size (10, then 50 after an approved
    batch of 10, then 1,000 after an approved 50; see `syncstore approve`), a verified backup of
    the database is taken, and the current marketplace state of every listing it touches is
    stored for `syncstore rollback`.
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import parse_platforms, read_id_file, run_batch

    platforms = parse_platforms(platform)
    product_ids = read_id_file(file)
    with open_context() as ctx, _Progress("", enabled=not as_json and not detach) as progress:
        run = run_batch(ctx, product_ids, platforms, source=str(file), force=force,
                        confirm=_confirm_forced if force else None, detach=detach, concurrency=concurrency,
                        on_progress=progress.update)
        progress.update(run.summary)
    if as_json:
        print_json(_status_json(run.summary))
    elif detach:
        console().print(f"Queued batch {run.batch_id}: {run.summary.total_jobs} jobs. Run `syncstore worker` to "
                        f"process it; `syncstore sync status {run.batch_id}` to follow it.", markup=False)
    else:
        _render_summary(run.summary, run.seconds)
    if not detach:
        raise typer.Exit(_exit_code(run.summary.jobs))


class _Progress:
    """A Rich progress bar on a terminal; a plain line every few seconds (and at the end) otherwise."""

    def __init__(self, batch_id: str, enabled: bool) -> None:
        self.batch_id = batch_id
        self.enabled = enabled
        self.rich = enabled and is_terminal()
        self._last_line = 0.0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.rich:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("failed {task.fields[failed]}  in progress {task.fields[active]}"),
                                 TimeRemainingColumn(), console=console())
            self._bar.start()
        return self

    def update(self, summary: BatchSummary) -> None:
        if not self.enabled:
            return
        if self.rich and self._task is None:
            self._task = self._bar.add_task(f"batch {summary.batch_id}", total=None, failed=0, active=0)
        self.batch_id = summary.batch_id
        done = summary.completed + summary.failed + summary.blocked
        if self.rich:
            self._bar.update(self._task, total=summary.total_jobs, completed=done, failed=summary.failed,
                             active=summary.in_progress)
        elif self.enabled and (time.monotonic() - self._last_line > 5 or summary.finished):
            self._last_line = time.monotonic()
            sys.stdout.write(f"batch {self.batch_id}: {done}/{summary.total_jobs} finished, {summary.failed} failed, "
                             f"{summary.blocked} blocked, {summary.in_progress} in progress\n")
            sys.stdout.flush()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _status_json(summary: BatchSummary, progress: BatchProgress | None = None) -> dict[str, Any]:
    return {
        "batch_id": summary.batch_id, "total_jobs": summary.total_jobs, "completed": summary.completed,
        "failed": summary.failed, "blocked": summary.blocked, "in_progress": summary.in_progress,
        "pending": summary.pending, "status": summary.status,
        "stalled": progress.stalled if progress is not None else False,
        "hint": progress.hint if progress is not None else None,
        "jobs": [{"job_id": j.id, "product_id": j.product_id, "platform": j.platform, "status": j.state,
                  "action": j.action, "external_id": j.external_id,
                  "error": None if j.state == JobState.DONE else j.message, "error_code": j.error_code}
                 for j in summary.jobs],
    }


def _render_summary(summary: BatchSummary, seconds: float | None = None) -> None:
    out = console()
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    out.print(f"Batch {summary.batch_id} {summary.status}{took}: {summary.completed} done, {summary.failed} failed, "
              f"{summary.blocked} blocked, {summary.in_progress} in progress, {summary.pending} pending "
              f"(of {summary.total_jobs}).", markup=False)
    for job in summary.jobs:
        if job.state in DEAD_LETTER | {JobState.BLOCKED}:
            out.print(f"  {job.state}: {job.product_id} on {job.platform}: {job.message}", markup=False)


@app.command("status", epilog=SYNC_EXIT_CODES)
def status_command(
    batch_id: Annotated[str, typer.Argument(help="The batch id printed by `sync batch`.")],
    watch: Annotated[bool, typer.Option("--watch", help="Refresh until the batch ends (or no worker is left "
                                                        "to end it).")] = False,
    as_json: JsonOption = False,
) -> None:
    """A batch's progress and each job's state and error.

    A batch with open jobs that no worker has touched for two leases (`sync.lease_seconds`; a worker
    was killed, or none was started after `--detach`) is shown as stalled, with how to resume it
    (`--json`: "stalled": true and a "hint").
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import batch_progress, watch_batch

    with open_context() as ctx:
        if watch:
            with _Progress(batch_id, enabled=not as_json) as bar:
                progress = watch_batch(ctx, batch_id, on_progress=bar.update)
                bar.update(progress.summary)
        else:
            progress = batch_progress(ctx, batch_id)
    summary = progress.summary
    if as_json:
        print_json(_status_json(summary, progress))
    else:
        _render_summary(summary)
        if progress.hint:
            console().print(f"Stalled: {progress.hint}.", markup=False)
    raise typer.Exit(_exit_code(summary.jobs) if summary.finished else 0)


# -- worker ----------------------------------------------------------------------------------------
def worker_command(
    concurrency: Annotated[int | None, typer.Option(help="Worker threads, 1 to 256 (default: setting "
                                                         "sync.concurrency).")]
    = None,
    until_idle: Annotated[bool, typer.Option(
        "--until-idle", help="Exit once no job is pending or running: 0 when no job this worker ran ended "
                             "dead-lettered (failed or dead), 1 when one did.")] = False,
) -> None:
    """Serve queued batches (for `sync batch --detach`) until interrupted (Ctrl-C finishes running jobs first)."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import run_worker

    with open_context() as ctx:
        result = run_worker(ctx, concurrency=concurrency, until_idle=until_idle)
    out = console()
    out.print(f"Worker stopped after {result.deliveries} deliveries.", markup=False)
    if result.failed:
        shown = ", ".join(map(str, result.dead_lettered[:10])) + (" ..." if len(result.dead_lettered) > 10 else "")
        out.print(f"{len(result.dead_lettered)} job(s) it ran ended dead-lettered ({shown}); see `syncstore dlq "
                  "list`.", markup=False)
        raise typer.Exit(1)


# -- logs ------------------------------------------------------------------------------------------
def logs_command(
    batch: Annotated[str | None, typer.Option("--batch", help="Only this batch (or manual sync id).")] = None,
    product: Annotated[str | None, typer.Option("--product", help="Only this product id.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="ok or error.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000, help="At most this many, newest last.")] = 200,
    as_json: JsonOption = False,
) -> None:
    """Every marketplace request SyncStore made (secrets removed)."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import sync_logs

    with open_context() as ctx:
        rows = sync_logs(ctx, batch_id=batch, product_id=product, status=status, limit=limit)
    if as_json:
        print_json(rows)
        return
    out = console()
    if not rows:
        out.print("No sync logs match.")
        return
    if is_terminal():
        from rich.table import Table

        table = Table("id", "time", "batch", "product", "platform", "request", "status", "ms")
        for r in rows:
            table.add_row(str(r["id"]), str(r["created_at"])[:19], r["batch_id"] or "-", r["product_id"] or "-",
                          r["platform"], f"{r['method']} {r['path']}",
                          r["status"] if not r["error_message"] else f"{r['status']}: {r['error_message'][:60]}",
                          str(r["elapsed_ms"]))
        out.print(table)
    else:
        for r in rows:
            sys.stdout.write("\t".join([str(r["id"]), str(r["created_at"]), r["batch_id"] or "-",
                                        r["product_id"] or "-", r["platform"], r["method"], r["path"], r["status"],
                                        str(r["http_status"]), r["error_message"] or ""]) + "\n")


# -- dead-letter queue -----------------------------------------------------------------------------
@dlq_app.command("list")
def dlq_list(as_json: JsonOption = False) -> None:
    """Jobs that failed for good (permanent errors, or retries exhausted)."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import dead_letters

    with open_context() as ctx:
        jobs = dead_letters(ctx)
    if as_json:
        print_json([_job_json(j) for j in jobs])
        return
    out = console()
    if not jobs:
        out.print("The dead-letter queue is empty.")
        return
    for job in jobs:
        out.print(f"{job.id}\t{job.batch_id}\t{job.product_id}\t{job.platform}\t{job.state}\t{job.error_code}\t"
                  f"{job.attempts} attempt(s)\t{job.message}", markup=False)


@dlq_app.command("show")
def dlq_show(job_id: Annotated[int, typer.Argument(min=1, max=2**63 - 1, help="The job id from `dlq list`.")],
             as_json: JsonOption = False) -> None:
    """One job with every attempt's error."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import dead_letter

    with open_context() as ctx:
        job = dead_letter(ctx, job_id)
    if as_json:
        print_json(_job_json(job))
        return
    out = console()
    out.print(f"Job {job.id} ({job.state}): {job.product_id} on {job.platform}, batch {job.batch_id}", markup=False)
    out.print(f"  {job.error_code}: {job.message}", markup=False)
    for error in job.errors:
        out.print(f"  attempt {error.get('attempt')}: {error.get('kind')}: {error.get('message')}"
                  f" (request {error.get('request_id')})", markup=False)


@dlq_app.command("retry")
def dlq_retry(
    job_ids: Annotated[list[int] | None, typer.Argument(help="Job ids to queue again.")] = None,
    all_jobs: Annotated[bool, typer.Option("--all", help="Every job in the dead-letter queue.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Queue reviewed jobs again (run them with `syncstore worker`)."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import retry_dead_letters

    with open_context() as ctx:
        moved = retry_dead_letters(ctx, job_ids, all_jobs=all_jobs)
    if as_json:
        print_json({"requeued": moved})
    else:
        console().print(f"Queued {len(moved)} job(s) again; `syncstore worker` runs them.", markup=False)


def _job_json(job: Job) -> dict[str, Any]:
    return {"job_id": job.id, "batch_id": job.batch_id, "product_id": job.product_id, "platform": job.platform,
            "status": job.state, "error_code": job.error_code, "message": job.message, "attempts": job.attempts,
            "deliveries": job.deliveries, "errors": job.errors}
