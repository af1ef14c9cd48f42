"""`sync batch --chunk`: a selection larger than the staged rollout allows, as consecutive batches.

A composite (like `demo`): it strings together the use cases of sync, checks and safety, which
may not import each other. Each batch holds as many products as the rollout allows when it
starts, and starts only after the previous one finished with no failed job and passed its
spot check and its validation; the first that does not stops the chain, and the products after
it are not started. Approving each batch stays the owner's (`syncstore approve`), unless the
owner set `rollout.auto_approve_after`: then a batch that passed is approved automatically, with
a note saying so, which may let the next batch be larger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syncstore_cli.app.checks import run_validation, spot_check
from syncstore_cli.app.context import AppContext
from syncstore_cli.app.safety import approve_automatically
from syncstore_cli.app.sync import (
    BatchRun,
    SelectedProducts,
    Selection,
    check_concurrency,
    run_batch,
    select_products,
)
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.errors import UserInputError

if TYPE_CHECKING:
    from syncstore_cli.store.jobs import BatchSummary


@dataclass(frozen=True)
class ChunkOutcome:
    """One batch of the chain and what its checks and approval said."""

    run: BatchRun
    spot_check: str | None  # the spot check's summary, when it ran
    validation: str | None  # the validation's summary, when it ran
    passed: bool  # no failed job, spot check and validation passed
    approval_note: str | None  # set when it was approved automatically; else approving is the owner's


@dataclass(frozen=True)
class ChunkedRun:
    selected: SelectedProducts
    chunks: list[ChunkOutcome]
    not_started: list[str]  # products after the batch that stopped the chain
    stopped: str | None  # why the chain stopped early, or None when every product was run


def run_chunked(ctx: AppContext, selection: Selection, platforms: Sequence[Platform], *,
                concurrency: int | None = None, on_progress: Callable[[BatchSummary], None] | None = None,
                on_chunk: Callable[[ChunkOutcome], None] | None = None) -> ChunkedRun:
    """Runs the selection as rollout-sized batches here, one after another (see the module's docstring)."""
    check_concurrency(concurrency)
    selected = select_products(ctx, selection, platforms)
    if not selected.product_ids and selection.file is not None:
        raise UserInputError(f"{selected.source}: no product ids given; nothing was queued")
    remaining = list(selected.product_ids)
    chunks: list[ChunkOutcome] = []
    while remaining:
        limit = ctx.safety.rollout_decision(0).limit
        part, remaining = remaining[:limit], remaining[limit:]
        run = run_batch(ctx, part, platforms, source=f"{selected.source} --chunk (part {len(chunks) + 1})",
                        concurrency=concurrency, on_progress=on_progress)
        outcome, stopped = _check(ctx, run)
        chunks.append(outcome)
        if on_chunk is not None:
            on_chunk(outcome)
        if stopped is not None:
            return ChunkedRun(selected, chunks, remaining, stopped)
    return ChunkedRun(selected, chunks, [], None)


def _check(ctx: AppContext, run: BatchRun) -> tuple[ChunkOutcome, str | None]:
    """The batch's checks, in the order approval needs them; the reason to stop, when one did not pass."""
    batch_id, summary = run.batch_id, run.summary
    if summary.failed:
        return (ChunkOutcome(run, None, None, False, None),
                f"batch {batch_id} has {summary.failed} failed job(s) (`syncstore dlq list`)")
    spot = spot_check(ctx, batch_id)
    if not spot.passed:
        return (ChunkOutcome(run, spot.summary, None, False, None),
                f"batch {batch_id}'s spot check found differences: {spot.summary}")
    validation = run_validation(ctx, batch_id=batch_id)
    if not validation.passed:
        return (ChunkOutcome(run, spot.summary, validation.summary, False, None),
                f"batch {batch_id}'s validation failed: {validation.summary}")
    note = approve_automatically(ctx, batch_id)
    return ChunkOutcome(run, spot.summary, validation.summary, True, note), None
