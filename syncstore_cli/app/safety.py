"""Use case: the staged rollout and approval of batches.

Before a batch starts the rollout must allow its size (or the owner forced it; see `sync`).
Afterwards the owner approves it once its checks pass, which lets the next batch be larger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.checks import COULD_NOT_RUN, FAIL
from syncstore_cli.domain.rollout import RolloutDecision
from syncstore_cli.errors import ApprovalRefused, NotFoundError, UserInputError


def rollout_decision(ctx: AppContext, products: int = 0) -> RolloutDecision:
    """`syncstore rollout`: the largest batch allowed now, and what unlocks the next step."""
    return ctx.safety.rollout_decision(products)


# -- approval --------------------------------------------------------------------------------------
@dataclass
class ApprovalResult:
    batch_id: str
    products: int
    check_run_id: int | None
    next_limit: int


def approve(ctx: AppContext, batch_id: str, note: str | None = None) -> ApprovalResult:
    """Approves a finished batch with no failures whose latest validation (after it ended) passed."""
    summary = ctx.jobs.batch(batch_id)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    safety = ctx.safety
    if summary.kind != "batch":
        raise UserInputError(f"{batch_id} is a {summary.kind} sync, not a batch; only batches are approved")
    if not summary.finished:
        raise ApprovalRefused(f"{batch_id} has not finished ({summary.pending + summary.in_progress} jobs open)")
    if summary.failed:
        raise ApprovalRefused(f"{batch_id} has {summary.failed} failed job(s); fix or retry them (`syncstore dlq "
                              "list`) before approving")
    checks = safety.checks(kind="validate", batch_id=batch_id, limit=1)
    if not checks or (summary.finished_at is not None and _naive(checks[0].finished_at) < _naive(
            summary.finished_at)):
        raise ApprovalRefused(f"{batch_id} has not been validated since it finished; run `syncstore validate "
                              f"--batch {batch_id}` first")
    if not checks[0].passed:
        unrun = [str(r.get("name")) for r in checks[0].results
                 if isinstance(r, Mapping) and r.get("status") == COULD_NOT_RUN]
        if unrun and not any(isinstance(r, Mapping) and r.get("status") == FAIL for r in checks[0].results):
            # Nothing was found wrong, but not everything was looked at: no approval on a partial check.
            raise ApprovalRefused(f"{batch_id}'s latest validation could not run {', '.join(unrun)} "
                                  f"({checks[0].summary}); run `syncstore validate --batch {batch_id}` again "
                                  "once the marketplaces answer")
        raise ApprovalRefused(f"{batch_id}'s latest validation failed ({checks[0].summary}); fix it and validate "
                              "again")
    spot = safety.checks(kind="spot_check", batch_id=batch_id, limit=1)
    if spot and not spot[0].passed:
        raise ApprovalRefused(f"{batch_id}'s latest spot check found differences ({spot[0].summary})")
    products = len({job.product_id for job in summary.jobs})
    safety.approve(batch_id, products, checks[0].id, note)
    return ApprovalResult(batch_id, products, checks[0].id, ctx.safety.rollout_decision(0).limit)


def _naive(moment: Any) -> Any:
    # SQLite returns naive datetimes (stored as UTC), PostgreSQL aware ones: compare them as naive UTC.
    return moment.replace(tzinfo=None) if getattr(moment, "tzinfo", None) else moment


def approve_automatically(ctx: AppContext, batch_id: str) -> str | None:
    """Approves a batch that passed its checks on the owner's standing instruction; returns the approval's
    note, or None when approving it stays the owner's.

    Only when `rollout.auto_approve_after` is N > 0 and the owner has approved N clean (not forced)
    batches themselves; the approval goes through the same refusals as the owner's (`approve`) and
    its note says it was automatic.
    """
    from syncstore_cli.store.safety import AUTOMATIC_APPROVAL

    needed = ctx.settings.rollout.auto_approve_after
    earned = ctx.safety.owner_approved_clean_batches()
    if needed == 0 or earned < needed:
        return None
    note = (f"{AUTOMATIC_APPROVAL}: its checks passed and the owner had approved {earned} clean batch(es) "
            f"(rollout.auto_approve_after = {needed})")
    approve(ctx, batch_id, note)
    return note
