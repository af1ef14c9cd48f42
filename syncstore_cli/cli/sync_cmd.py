"""`syncstore sync plan|manual|batch|status`, `syncstore worker`, `syncstore logs`, `syncstore dlq`."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncstore_cli.cli.output import console, is_terminal, print_json
from syncstore_cli.domain.vocabulary import DEAD_LETTER, OPEN, ErrorCode, JobState, SyncStatus, label_for
from syncstore_cli.errors import UserInputError

if TYPE_CHECKING:
    from syncstore_cli.app.chunks import ChunkOutcome
    from syncstore_cli.app.sync import BatchProgress, BatchSummary, Job, Selection
    from syncstore_cli.domain.catalog import Platform
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
    from syncstore_cli.app.sync import parse_platforms, plan, product_ids_from, tiktok_schedule

    product_ids = product_ids_from(ids, file)
    platforms = parse_platforms(platform)
    with open_context() as ctx:
        entries = plan(ctx, product_ids, platforms, source=file)
        schedule = None if as_json else tiktok_schedule(ctx, entries)
    if as_json:
        print_json([e.as_json() for e in entries])
    else:
        _render_plan(entries)
        if schedule is not None:
            when = "today" if schedule.days == 1 else f"the last part after {_moment(schedule.last_part_from)}"
            console().print(f"TikTok: {schedule.creates} new listing(s) need {schedule.days} quota day(s) at "
                            f"{schedule.limit} a day ({schedule.used_today} used today): {when}.", markup=False)
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


BATCH_EXIT_CODES = """
Exit codes: 0 every job succeeded, or the selection was empty (nothing to do); 1 a job failed (see `syncstore dlq
list`) or, with --chunk, a batch's spot check or validation failed (the next batches were not started); 2 bad input
(unknown or repeated id, unreadable file, bad option, not exactly one selection, a selection larger than the staged
rollout allows without --chunk); 3 nothing failed but some products are blocked (invalid, never sent).
"""


@app.command("batch", epilog=BATCH_EXIT_CODES)
def batch_command(
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Product ids, one per line (# comments "
                                                                    "allowed).")] = None,
    changed: Annotated[bool, typer.Option(
        "--changed", help="Products whose listing would change on a platform asked (create or update in `sync "
                          "plan`: a re-imported master file, a pricing-rule change). Blocked ones are counted, not "
                          "selected.")] = False,
    all_products: Annotated[bool, typer.Option("--all", help="Every product in the catalog.")] = False,
    category: Annotated[str | None, typer.Option("--category", help="Products of this master category key, e.g. "
                                                                    "motor or battery.")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Products whose title or SKU contains this text "
                                                                "(case-insensitive), as `products list`.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Products with this sync status: not_synced, "
                                                                "syncing, synced or error.")] = None,
    chunk: Annotated[bool, typer.Option(
        "--chunk", help="Run a selection larger than the staged rollout allows as consecutive batches of the size "
                        "it allows, each started only after the previous one finished with no failure and passed "
                        "its spot check and validation.")] = False,
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

    Choose its products with exactly one of --file, --changed, --all, --category, --search and
    --status; an empty selection does nothing (exit 0). Before it is queued: the staged rollout must
    allow its size (10, then 50 after an approved batch of 10, then 1,000 after an approved 50; see
    `syncstore rollout` and `syncstore approve`), or --chunk splits it; a verified backup of the
    database is taken, and the current marketplace state of every listing it touches is stored for
    `syncstore rollback`. With --chunk, approving each batch stays the owner's unless setting
    `rollout.auto_approve_after` is N > 0 and the owner approved N clean batches: then a batch that
    passed its checks is approved automatically, with a note saying so.
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import Selection, check_concurrency, parse_platforms

    platforms = parse_platforms(platform)
    selection = Selection(file, changed, all_products, category, search, status).check()
    check_concurrency(concurrency)
    if chunk and (detach or force):
        raise UserInputError(f"--chunk runs its batches here, one after another, each within the staged rollout; "
                             f"it cannot be combined with {'--detach' if detach else '--force'}")
    if chunk:
        _chunked_batch(selection, platforms, concurrency, as_json)
        return
    from syncstore_cli.app.sync import run_selection

    with open_context() as ctx, _Progress("", enabled=not as_json and not detach) as progress:
        result = run_selection(ctx, selection, platforms, force=force, confirm=_confirm_forced if force else None,
                               detach=detach, concurrency=concurrency, on_progress=progress.update)
        if result.run is not None:
            progress.update(result.run.summary)
    run = result.run
    if run is None:
        _nothing_to_do(result.selected.source, result.selected.blocked, as_json)
        return
    if as_json:
        print_json(_status_json(run.summary))
    elif detach:
        console().print(f"Queued batch {run.batch_id}: {run.summary.total_jobs} jobs. Run `syncstore worker` to "
                        f"process it; `syncstore sync status {run.batch_id}` to follow it.", markup=False)
    else:
        _render_summary(run.summary, run.seconds)
    if not detach:
        raise typer.Exit(_exit_code(run.summary.jobs))


def _nothing_to_do(source: str, blocked: list[str], as_json: bool) -> None:
    if as_json:
        print_json({"batch_id": None, "status": "nothing_to_do", "selection": source, "total_jobs": 0,
                    "blocked_not_selected": blocked})
        return
    console().print(f"Nothing to do: {source} selects no product{_blocked_note(blocked)}.", markup=False)


def _blocked_note(blocked: list[str]) -> str:
    if not blocked:
        return ""
    return f" ({len(blocked)} blocked product(s) not selected, e.g. {blocked[0]}: see `syncstore sync plan`)"


def _chunked_batch(selection: Selection, platforms: list[Platform], concurrency: int | None, as_json: bool) -> None:
    from syncstore_cli.app.chunks import run_chunked
    from syncstore_cli.app.context import open_context

    def say(chunk: ChunkOutcome) -> None:
        if not as_json:
            _render_summary(chunk.run.summary, chunk.run.seconds)
            _render_chunk_checks(chunk)

    with open_context() as ctx, _Progress("", enabled=not as_json) as progress:
        result = run_chunked(ctx, selection, platforms, concurrency=concurrency, on_progress=progress.update,
                             on_chunk=say)
    if not result.chunks:
        _nothing_to_do(result.selected.source, result.selected.blocked, as_json)
        return
    jobs = [job for chunk in result.chunks for job in chunk.run.summary.jobs]
    if as_json:
        print_json({"selection": result.selected.source, "selected": len(result.selected.product_ids),
                    "blocked_not_selected": result.selected.blocked,
                    "batches": [{**_status_json(c.run.summary), "spot_check": c.spot_check,
                                 "validation": c.validation, "passed": c.passed,
                                 "approval": "automatic" if c.approval_note else None,
                                 "approval_note": c.approval_note} for c in result.chunks],
                    "stopped": result.stopped, "not_started": result.not_started})
    else:
        done = len(result.selected.product_ids) - len(result.not_started)
        line = (f"{done:,} of {len(result.selected.product_ids):,} selected products run in {len(result.chunks)} "
                f"batch(es){_blocked_note(result.selected.blocked)}.")
        if result.stopped:
            line += f" Stopped: {result.stopped}; {len(result.not_started):,} products were not started."
        console().print(line, markup=False)
    raise typer.Exit(1 if result.stopped else _exit_code(jobs))


CHANGED_EXIT_CODES = """
Exit codes: 0 nothing changed (nothing was written), or every job succeeded; 1 a job failed (see `syncstore dlq
list`); 2 bad input (bad option, broken configuration, a shop not authorized, unreachable queue); 3 nothing failed
but some products are blocked (invalid, never sent).
"""


@app.command("changed", epilog=CHANGED_EXIT_CODES)
def changed_command(
    platform: PlatformOption = "both",
    concurrency: Annotated[int | None, typer.Option(help="Worker threads, 1 to 256 (default: setting "
                                                         "sync.concurrency).")]
    = None,
    as_json: JsonOption = False,
) -> None:
    """For cron: sync what changed (as `sync batch --changed`) and print one summary line.

    Nothing changed: exit 0 and nothing is written (no batch, backup or snapshot). More changed
    products than the staged rollout allows in one batch: the first ones it allows are synced, the
    line says how many wait, and the next run takes them.
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.sync import check_concurrency, parse_platforms, sync_changed

    platforms = parse_platforms(platform)
    check_concurrency(concurrency)
    with open_context() as ctx:
        result = sync_changed(ctx, platforms, concurrency=concurrency)
    run = result.run
    if as_json:
        counts = ({"batch_id": run.batch_id, "status": run.summary.status, "total_jobs": run.summary.total_jobs,
                   "completed": run.summary.completed, "failed": run.summary.failed, "blocked": run.summary.blocked}
                  if run is not None else {"batch_id": None, "status": "nothing_to_do", "total_jobs": 0})
        print_json({**counts, "changed": len(result.selected.product_ids), "synced_products": result.synced,
                    "deferred": result.deferred, "batch_limit": result.limit,
                    "blocked_not_selected": len(result.selected.blocked)})
    elif run is None:
        console().print(f"sync changed: nothing to do{_blocked_note(result.selected.blocked)}.", markup=False)
    else:
        summary = run.summary
        wait = (f"; {result.deferred:,} more changed product(s) wait for the next run (the staged rollout allows "
                f"{result.limit:,} per batch)" if result.deferred else "")
        console().print(f"sync changed: batch {run.batch_id} {summary.status}: {result.synced:,} product(s), "
                        f"{summary.completed} done, {summary.failed} failed, {summary.blocked} blocked (of "
                        f"{summary.total_jobs} jobs){wait}{_blocked_note(result.selected.blocked)}.", markup=False)
    raise typer.Exit(0 if run is None else _exit_code(run.summary.jobs))


def _render_chunk_checks(chunk: ChunkOutcome) -> None:
    out = console()
    if chunk.spot_check is not None:
        out.print(f"  spot check: {chunk.spot_check}", markup=False)
    if chunk.validation is not None:
        out.print(f"  validation: {chunk.validation}", markup=False)
    if chunk.passed:
        approval = chunk.approval_note or f"yours to give: `syncstore approve {chunk.run.batch_id}`"
        out.print(f"  approval: {approval}", markup=False)


def _waiting_text(summary: BatchSummary, separator: str) -> str:
    """Jobs parked until later (a daily quota's reset, a backoff) and when the first runs again; "" if none."""
    if not summary.waiting or summary.waiting_until is None:
        return ""
    from datetime import datetime

    until = datetime.fromtimestamp(summary.waiting_until).astimezone()
    left = max(0, round(summary.waiting_until - time.time()))
    return f"{separator}waiting {summary.waiting} until {until:%H:%M:%S} (in {left} s)"


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
                                 TextColumn("failed {task.fields[failed]}  in progress {task.fields[active]}"
                                            "{task.fields[waiting]}"),
                                 TimeRemainingColumn(), console=console())
            self._bar.start()
        return self

    def update(self, summary: BatchSummary) -> None:
        if not self.enabled:
            return
        if self.rich and (self._task is None or summary.batch_id != self.batch_id):  # --chunk: one bar a batch
            self._task = self._bar.add_task(f"batch {summary.batch_id}", total=None, failed=0, active=0,
                                            waiting="")
        self.batch_id = summary.batch_id
        done = summary.completed + summary.failed + summary.blocked
        if self.rich:
            self._bar.update(self._task, total=summary.total_jobs, completed=done, failed=summary.failed,
                             active=summary.in_progress, waiting=_waiting_text(summary, "  "))
        elif self.enabled and (time.monotonic() - self._last_line > 5 or summary.finished):
            self._last_line = time.monotonic()
            sys.stdout.write(f"batch {self.batch_id}: {done}/{summary.total_jobs} finished, {summary.failed} failed, "
                             f"{summary.blocked} blocked, {summary.in_progress} in progress"
                             f"{_waiting_text(summary, ', ')}\n")
            sys.stdout.flush()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _status_json(summary: BatchSummary, progress: BatchProgress | None = None) -> dict[str, Any]:
    from syncstore_cli.app.sync import quota_resumes_at

    return {
        "batch_id": summary.batch_id, "total_jobs": summary.total_jobs, "completed": summary.completed,
        "failed": summary.failed, "blocked": summary.blocked, "in_progress": summary.in_progress,
        "pending": summary.pending, "status": summary.status,
        "stalled": progress.stalled if progress is not None else False,
        "hint": progress.hint if progress is not None else None,
        "jobs": [_status_job_json(j) for j in summary.jobs],
        "waiting_for_quota": sum(1 for j in summary.jobs if quota_resumes_at(j) is not None),
        "waiting": summary.waiting,  # pending jobs due later (quota resets, backoffs) and the first one's time
        "waiting_until": None if summary.waiting_until is None else _moment(summary.waiting_until),
    }


def _status_job_json(job: Job) -> dict[str, Any]:
    """A job as `sync status --json` shows it; one parked for a daily quota is pending, with why and until when."""
    from syncstore_cli.app.sync import quota_resumes_at

    resumes_at = quota_resumes_at(job)
    return {"job_id": job.id, "product_id": job.product_id, "platform": job.platform, "status": job.state,
            "action": job.action, "external_id": job.external_id,
            "error": None if job.state == JobState.DONE else job.message,
            "error_code": ErrorCode.QUOTA_WAIT if resumes_at is not None else job.error_code,
            "resumes_at": None if resumes_at is None else _moment(resumes_at)}


def _moment(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _render_summary(summary: BatchSummary, seconds: float | None = None) -> None:
    out = console()
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    out.print(f"Batch {summary.batch_id} {summary.status}{took}: {summary.completed} done, {summary.failed} failed, "
              f"{summary.blocked} blocked, {summary.in_progress} in progress, {summary.pending} pending "
              f"(of {summary.total_jobs}).", markup=False)
    from syncstore_cli.app.sync import quota_resumes_at

    waits: list[float] = []
    for job in summary.jobs:
        if job.state in DEAD_LETTER | {JobState.BLOCKED}:
            out.print(f"  {job.state}: {job.product_id} on {job.platform}: {job.message}", markup=False)
        elif (resumes_at := quota_resumes_at(job)) is not None:
            waits.append(resumes_at)
            out.print(f"  waiting: {job.product_id} on {job.platform}: {job.message}", markup=False)
    if waits:
        out.print(f"Waiting for a daily quota: {len(waits)} job(s), not failed; the first resume at "
                  f"{_moment(min(waits))} and the last at {_moment(max(waits))}.", markup=False)


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
