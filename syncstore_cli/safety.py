"""The safety net around batches: the staged rollout, pre-batch snapshots, approval and rollback.

Before a batch starts: the rollout must allow its size (or the owner forced it), a verified
database backup is taken, and the current remote state of every listing it will touch is read
and stored. Afterwards the owner approves it once its checks pass, which lets the next batch be
larger; or rolls it back, which puts the marketplaces back from those snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.rollout import RolloutDecision, decide
from syncstore_cli.errors import NotFoundError, SyncStoreError, UserInputError
from syncstore_cli.marketplaces.base import map_in_context

if TYPE_CHECKING:
    from syncstore_cli.services import Services
    from syncstore_cli.store.safety import SafetyStore, Snapshot
    from syncstore_cli.sync.engine import Shop


class RolloutRefused(UserInputError):
    """A batch larger than the staged rollout allows (exit 2: change the batch, or approve first)."""


class ApprovalRefused(SyncStoreError):
    exit_code = 1


def safety_store(services: Services) -> SafetyStore:
    from syncstore_cli.store.safety import SafetyStore

    return SafetyStore(services.engine)


# -- the staged rollout ----------------------------------------------------------------------------
def rollout_decision(services: Services, products: int) -> RolloutDecision:
    safety = safety_store(services)
    return decide(products, safety.approved_sizes(), safety.largest_batch(), safety.unresolved_dead_letters())


def check_rollout(services: Services, products: int, *, force: bool) -> RolloutDecision:
    """Raises RolloutRefused (with what to do next) unless the batch fits, or `force` was confirmed."""
    decision = rollout_decision(services, products)
    if not decision.allowed and not force:
        hint = f"; next: {decision.next_step}" if decision.next_step else ""
        raise RolloutRefused(f"{decision.reason}{hint} (the owner may override with --force)")
    return decision


# -- snapshots -------------------------------------------------------------------------------------
def take_snapshots(services: Services, batch_id: str, product_ids: Sequence[str], platforms: Sequence[Platform],
                   shops: dict[Platform, Shop]) -> list[Snapshot]:
    """Reads every listing the batch will touch from its marketplace and stores it, before any job runs.

    A listing the store knows no id for is recorded as absent: undoing the batch there means
    deleting what it created. A listing whose marketplace read fails stops the batch (raised):
    a batch that could not be undone must not start.
    """
    from syncstore_cli.store.safety import Snapshot
    from syncstore_cli.store.sync import SyncStore
    from syncstore_cli.sync.state import remote_state

    store = SyncStore(services.engine)

    def platform_snapshots(platform: Platform) -> list[Snapshot]:
        known = {pid: store.known_listing(pid, platform.value) for pid in product_ids}
        listed = {k.external_id: pid for pid, k in known.items() if k.external_id}
        remote: dict[str, Any] = {}
        if listed:
            shop = shops.get(platform)
            if shop is None:
                raise UserInputError(f"no {platform.value} shop is authorized; run `syncstore auth {platform.value}`")
            remote = {listing.external_id: listing for listing in shop.client.get_listings(list(listed))}
        found = []
        for product_id, k in known.items():
            listing = remote.get(k.external_id) if k.external_id else None
            found.append(Snapshot(
                batch_id, product_id, platform.value, k.external_id if listing is not None else None,
                remote_state(listing) if listing is not None else None,
                {v.sku: v.external_id for v in listing.variants} if listing is not None else {}, k.state))
        return found

    # Both marketplaces at once: their rate budgets are separate.
    with ThreadPoolExecutor(max_workers=max(1, len(platforms))) as pool:
        snapshots = [s for found in map_in_context(pool, platform_snapshots, platforms) for s in found]
    safety_store(services).save_snapshots(snapshots)
    return snapshots


# -- approval --------------------------------------------------------------------------------------
@dataclass
class ApprovalResult:
    batch_id: str
    products: int
    check_run_id: int | None
    next_limit: int


def approve(services: Services, batch_id: str, note: str | None = None) -> ApprovalResult:
    """Approves a finished batch with no failures whose latest validation (after it ended) passed."""
    from syncstore_cli.store.sync import SyncStore

    summary = SyncStore(services.engine).batch(batch_id)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    safety = safety_store(services)
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
        raise ApprovalRefused(f"{batch_id}'s latest validation failed ({checks[0].summary}); fix it and validate "
                              "again")
    spot = safety.checks(kind="spot_check", batch_id=batch_id, limit=1)
    if spot and not spot[0].passed:
        raise ApprovalRefused(f"{batch_id}'s latest spot check found differences ({spot[0].summary})")
    products = len({job.product_id for job in summary.jobs})
    safety.approve(batch_id, products, checks[0].id, note)
    return ApprovalResult(batch_id, products, checks[0].id, rollout_decision(services, 0).limit)


def _naive(moment: Any) -> Any:
    # SQLite returns naive datetimes (stored as UTC), PostgreSQL aware ones: compare them as naive UTC.
    return moment.replace(tzinfo=None) if getattr(moment, "tzinfo", None) else moment


# -- rollback --------------------------------------------------------------------------------------
@dataclass
class RollbackReport:
    batch_id: str
    dry_run: bool
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for s in self.steps if s["state"] == "failed")

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s["state"] == "done")


def rollback(services: Services, batch_id: str, *, only_failed: bool = False, products: Sequence[str] = (),
             dry_run: bool = False) -> RollbackReport:
    """Puts the batch's listings back as the snapshots show them; resumable and idempotent."""
    from syncstore_cli.store.safety import RollbackStep
    from syncstore_cli.store.sync import DEAD_LETTER, SyncStore
    from syncstore_cli.sync.rollback import Rollback, step_for
    from syncstore_cli.syncing import sync_session

    store = SyncStore(services.engine)
    summary = store.batch(batch_id)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    if not summary.finished:
        raise UserInputError(f"{batch_id} is still running; stop its workers or wait before rolling it back")
    safety = safety_store(services)
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
        report.steps = [_step_json(s, s.state if s.state == "done" else "planned", s.message or "") for s in steps]
        return report
    safety.plan_rollback([s for s in steps if (s.product_id, s.platform) not in recorded])
    by_key = {(s.product_id, s.platform): s for s in chosen}
    sku_of = {s.product.id: s.product.sku for s in services.catalog.get_many([s.product_id for s in chosen])}
    with sync_session(services) as session:
        runner = Rollback(store, safety, session.shops, session.images, lambda pid: sku_of[pid])
        for step in steps:
            if step.state == "done":
                report.steps.append(_step_json(step, "done", step.message or ""))
                continue
            # Its requests are logged under the rollback's own id, so `syncstore logs --batch RB-...` shows them.
            with session.capture.job(rollback_log_id(batch_id), None, step.product_id):
                result = runner.run(step, by_key[(step.product_id, step.platform)])
            report.steps.append(_step_json(step, result.state, result.message))
    return report


def rollback_log_id(batch_id: str) -> str:
    return f"RB-{batch_id}"


def _step_json(step: Any, state: str, message: str) -> dict[str, Any]:
    return {"product_id": step.product_id, "platform": step.platform, "action": step.action,
            "external_id": step.external_id, "state": state, "message": message}
