"""Use case: roll a batch back: put its listings back as the pre-batch snapshots show them.

Updated listings get their snapshot's fields back as absolute values; listings the batch created
are removed. Each step's state is stored, so a crashed rollback resumes and a finished one sends
nothing. Requests are logged under `RB-<batch>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.vocabulary import DEAD_LETTER, RollbackStepState
from syncstore_cli.errors import NotFoundError, UserInputError

if TYPE_CHECKING:
    from syncstore_cli.store.safety import RollbackStep


@dataclass(frozen=True)
class RollbackStepResult:
    product_id: str
    platform: str
    action: str
    external_id: str | None
    state: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RollbackReport:
    batch_id: str
    dry_run: bool
    steps: list[RollbackStepResult] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.steps if s.state == RollbackStepState.FAILED)

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.state == RollbackStepState.DONE)


def rollback(ctx: AppContext, batch_id: str, *, only_failed: bool = False, products: Sequence[str] = (),
             dry_run: bool = False) -> RollbackReport:
    """Puts the batch's listings back as the snapshots show them; resumable and idempotent."""
    from syncstore_cli.engine.rollback import Rollback, step_for

    store = ctx.jobs
    summary = store.batch(batch_id)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    if not summary.finished:
        raise UserInputError(f"{batch_id} is still running; stop its workers or wait before rolling it back")
    safety = ctx.safety
    snapshots = safety.snapshots(batch_id)
    if not snapshots:
        raise UserInputError(f"{batch_id} has no pre-batch snapshot (it ran before snapshots existed, or is not a "
                             "batch); nothing can be rolled back safely")
    unknown = [p for p in products if p not in {s.product_id for s in snapshots}]
    if unknown:
        raise UserInputError(f"not in batch {batch_id}: {', '.join(unknown)}")
    failed_jobs = {(j.product_id, j.platform) for j in summary.jobs if j.state in DEAD_LETTER}
    chosen = [s for s in snapshots if (not products or s.product_id in products)
              and (not only_failed or (s.product_id, s.platform) in failed_jobs)]
    recorded = {(s.product_id, s.platform): s for s in safety.rollback_steps(batch_id)}
    steps: list[RollbackStep] = []
    for snapshot in chosen:
        step = recorded.get((snapshot.product_id, snapshot.platform))
        steps.append(step or step_for(snapshot, store.known_listing(snapshot.product_id, snapshot.platform)))
    report = RollbackReport(batch_id, dry_run)
    if dry_run:
        report.steps = [_step_result(s, RollbackStepState.DONE if s.state == RollbackStepState.DONE
                                     else RollbackStepState.PLANNED, s.message or "") for s in steps]
        return report
    safety.plan_rollback([s for s in steps if (s.product_id, s.platform) not in recorded])
    by_key = {(s.product_id, s.platform): s for s in chosen}
    sku_of = {s.product.id: s.product.sku for s in ctx.catalog.get_many([s.product_id for s in chosen])}
    with ctx.sync_session() as session:
        runner = Rollback(store, safety, session.shops, session.images, lambda pid: sku_of[pid])
        for step in steps:
            if step.state == RollbackStepState.DONE:
                report.steps.append(_step_result(step, RollbackStepState.DONE, step.message or ""))
                continue
            # Its requests are logged under the rollback's own id, so `syncstore logs --batch RB-...` shows them.
            with session.capture.job(rollback_log_id(batch_id), None, step.product_id):
                result = runner.run(step, by_key[(step.product_id, step.platform)])
            report.steps.append(_step_result(step, result.state, result.message))
    return report


def rollback_log_id(batch_id: str) -> str:
    return f"RB-{batch_id}"


def _step_result(step: RollbackStep, state: str, message: str) -> RollbackStepResult:
    return RollbackStepResult(step.product_id, step.platform, step.action, step.external_id, state, message)
