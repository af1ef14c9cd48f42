"""What the safety net keeps: pre-batch snapshots, rollback steps, check runs and approvals.

A snapshot row is the listing as the marketplace had it just before a batch (or "not there"); a
rollback turns each into a step (restore, delete or nothing) whose state survives a crash, so a
second `rollback` resumes. Check runs record what `validate` and `spot-check` found; an approval
records the owner's go-ahead for a batch, which is what lets the staged rollout grow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, case, func, insert, select, update

from syncstore_cli.domain.report import LoggedCall
from syncstore_cli.domain.rollout import RolloutDecision, decide
from syncstore_cli.domain.vocabulary import DEAD_LETTER, JobState
from syncstore_cli.store.engine import writer
from syncstore_cli.store.jobs import batches_t, jobs_t, logs_t
from syncstore_cli.store.models import (
    ApprovalRow,
    BatchSnapshotRow,
    CheckRunRow,
    RollbackStepRow,
    utcnow,
)

# An approval whose note starts with this was recorded by `sync batch --chunk`, not typed by the owner
# (kept in the note: no schema change; an owner's note starting with it only counts against trust).
AUTOMATIC_APPROVAL = "automatic approval"

snapshots_t = BatchSnapshotRow.__table__  # type: ignore[attr-defined]
steps_t = RollbackStepRow.__table__  # type: ignore[attr-defined]
checks_t = CheckRunRow.__table__  # type: ignore[attr-defined]
approvals_t = ApprovalRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Snapshot:
    batch_id: str
    product_id: str
    platform: str
    external_id: str | None  # None: the listing did not exist before the batch
    state: dict[str, Any] | None  # remote_state groups as the marketplace showed them
    variant_ids: dict[str, str]
    synced_state: dict[str, Any] | None  # what the store believed was there


@dataclass(frozen=True)
class RollbackStep:
    batch_id: str
    product_id: str
    platform: str
    action: str  # restore | delete | nothing
    external_id: str | None
    state: str  # pending | done | failed
    message: str | None


@dataclass(frozen=True)
class CheckRun:
    id: int
    kind: str
    batch_id: str | None
    passed: bool
    summary: str
    results: list[dict[str, Any]]
    started_at: Any
    finished_at: Any


@dataclass(frozen=True)
class Approval:
    batch_id: str
    products: int
    check_run_id: int | None
    note: str | None
    approved_at: Any


@dataclass(frozen=True)
class BatchFacts:
    """What a batch report needs beyond `JobStore.batch`: the row's safety columns and its API calls."""

    products: int
    forced: bool
    backup_id: str | None
    source: str | None
    api_calls: int  # sync_logs rows of the batch: one per marketplace request (each attempt)
    api_errors: int  # of which answered with an error


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


class SafetyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer(engine)

    # -- snapshots -----------------------------------------------------------------------------
    def save_snapshots(self, snapshots: Sequence[Snapshot]) -> None:
        """All of a batch's snapshots in one transaction (taken before any of its jobs may run)."""
        if not snapshots:
            return
        now = utcnow()
        with self._writer.begin() as connection:
            connection.execute(insert(snapshots_t), [{
                "batch_id": s.batch_id, "product_id": s.product_id, "platform": s.platform,
                "external_id": s.external_id,
                "state_json": json.dumps(s.state, sort_keys=True) if s.state is not None else None,
                "variant_ids_json": json.dumps(s.variant_ids, sort_keys=True),
                "synced_state_json": json.dumps(s.synced_state, sort_keys=True) if s.synced_state is not None
                else None,
                "taken_at": now} for s in snapshots])

    def snapshots(self, batch_id: str) -> list[Snapshot]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(snapshots_t).where(snapshots_t.c.batch_id == batch_id).order_by(
                snapshots_t.c.id)).all()
        return [Snapshot(r.batch_id, r.product_id, r.platform, r.external_id, _loads(r.state_json),
                         _loads(r.variant_ids_json) or {}, _loads(r.synced_state_json)) for r in rows]

    # -- rollback steps ------------------------------------------------------------------------
    def plan_rollback(self, steps: Sequence[RollbackStep]) -> None:
        """Records the steps not recorded yet; steps of an earlier, interrupted rollback stay as they are."""
        with self._writer.begin() as connection:
            existing = {(r.product_id, r.platform) for r in connection.execute(
                select(steps_t.c.product_id, steps_t.c.platform).where(
                    steps_t.c.batch_id.in_({s.batch_id for s in steps})))} if steps else set()
            fresh = [s for s in steps if (s.product_id, s.platform) not in existing]
            if fresh:
                connection.execute(insert(steps_t), [{
                    "batch_id": s.batch_id, "product_id": s.product_id, "platform": s.platform, "action": s.action,
                    "external_id": s.external_id, "state": s.state, "message": s.message, "updated_at": utcnow()}
                    for s in fresh])

    def rollback_steps(self, batch_id: str) -> list[RollbackStep]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(steps_t).where(steps_t.c.batch_id == batch_id).order_by(
                steps_t.c.id)).all()
        return [RollbackStep(r.batch_id, r.product_id, r.platform, r.action, r.external_id, r.state, r.message)
                for r in rows]

    def finish_step(self, batch_id: str, product_id: str, platform: str, state: str, message: str) -> None:
        with self._writer.begin() as connection:
            connection.execute(update(steps_t).where(
                steps_t.c.batch_id == batch_id, steps_t.c.product_id == product_id,
                steps_t.c.platform == platform).values(state=state, message=message, updated_at=utcnow()))

    # -- check runs ----------------------------------------------------------------------------
    def record_check(self, kind: str, batch_id: str | None, passed: bool, summary: str,
                     results: Sequence[Mapping[str, Any]], started_at: Any) -> int:
        with self._writer.begin() as connection:
            inserted = connection.execute(insert(checks_t).values(
                kind=kind, batch_id=batch_id, passed=passed, summary=summary,
                results_json=json.dumps(list(results), sort_keys=True, default=str), started_at=started_at,
                finished_at=utcnow()))
            key = inserted.inserted_primary_key
            assert key is not None
            return int(key[0])

    def checks(self, *, kind: str | None = None, batch_id: str | None = None, limit: int = 50) -> list[CheckRun]:
        """Newest first."""
        query = select(checks_t)
        if kind is not None:
            query = query.where(checks_t.c.kind == kind)
        if batch_id is not None:
            query = query.where(checks_t.c.batch_id == batch_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(checks_t.c.id.desc()).limit(limit)).all()
        return [CheckRun(r.id, r.kind, r.batch_id, bool(r.passed), r.summary, json.loads(r.results_json),
                         r.started_at, r.finished_at) for r in rows]

    # -- approvals and the staged rollout ------------------------------------------------------
    def approve(self, batch_id: str, products: int, check_run_id: int | None, note: str | None) -> None:
        with self._writer.begin() as connection:
            if connection.execute(select(approvals_t.c.batch_id).where(
                    approvals_t.c.batch_id == batch_id)).first() is None:
                connection.execute(insert(approvals_t).values(batch_id=batch_id, products=products,
                                                              check_run_id=check_run_id, note=note,
                                                              approved_at=utcnow()))

    def approval(self, batch_id: str) -> Approval | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(approvals_t).where(approvals_t.c.batch_id == batch_id)).first()
        return None if row is None else Approval(row.batch_id, row.products, row.check_run_id, row.note,
                                                 row.approved_at)

    def owner_approved_clean_batches(self) -> int:
        """Batches the owner approved (not automatically) that were not forced past the rollout.

        What `rollout.auto_approve_after` counts: only the owner's own go-aheads build the trust.
        """
        query = select(func.count()).select_from(approvals_t.join(batches_t, batches_t.c.id == approvals_t.c.batch_id)
                                                 ).where(batches_t.c.forced.is_(False),
                                                         func.coalesce(approvals_t.c.note, "").not_like(
                                                             f"{AUTOMATIC_APPROVAL}%"))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def approved_sizes(self) -> list[int]:
        """Product counts of every approved batch."""
        with self.engine.connect() as connection:
            return list(connection.execute(select(approvals_t.c.products)).scalars())

    def largest_batch(self) -> int:
        """Products in the largest batch run so far (manual syncs and rollbacks do not count)."""
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.max(batches_t.c.products), 0)).where(
                batches_t.c.kind == "batch")).scalar_one())

    def rollout_decision(self, products: int) -> RolloutDecision:
        """What the staged rollout says of a batch of this many products, from the approvals so far."""
        return decide(products, self.approved_sizes(), self.largest_batch(), self.unresolved_dead_letters())

    def unresolved_dead_letters(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(jobs_t).where(
                jobs_t.c.state.in_(DEAD_LETTER))).scalar_one())

    def synced_listings(self, batch_id: str | None = None) -> list[tuple[str, str]]:
        """(product id, platform) of each listing a sync job finished (`done`): the batch's done jobs, or,
        without a batch, every pair whose latest job (of any batch) is done. What `validate` checks."""
        if batch_id is not None:
            query = select(jobs_t.c.product_id, jobs_t.c.platform).where(
                jobs_t.c.batch_id == batch_id, jobs_t.c.state == JobState.DONE).distinct()
        else:
            latest = select(func.max(jobs_t.c.id)).group_by(jobs_t.c.product_id, jobs_t.c.platform)
            query = select(jobs_t.c.product_id, jobs_t.c.platform).where(
                jobs_t.c.id.in_(latest), jobs_t.c.state == JobState.DONE)
        with self.engine.connect() as connection:
            return sorted((str(p), str(f)) for p, f in connection.execute(query))

    def batch_facts(self, batch_id: str) -> BatchFacts | None:
        """The batch row's products, forced, backup and source, and how many requests it logged; None if unknown."""
        with self.engine.connect() as connection:
            row = connection.execute(select(batches_t.c.products, batches_t.c.forced, batches_t.c.backup_id,
                                            batches_t.c.source).where(batches_t.c.id == batch_id)).first()
            if row is None:
                return None
            calls, errors = connection.execute(select(
                func.count(), func.coalesce(func.sum(case((logs_t.c.status == "error", 1), else_=0)), 0)).where(
                logs_t.c.batch_id == batch_id)).one()
        return BatchFacts(int(row.products or 0), bool(row.forced), row.backup_id, row.source, int(calls),
                          int(errors))

    def batch_calls(self, batch_id: str) -> list[LoggedCall]:
        """Every request the batch logged, without payloads: what the report's charts are drawn from."""
        query = select(logs_t.c.product_id, logs_t.c.job_id, logs_t.c.platform, logs_t.c.method, logs_t.c.path,
                       logs_t.c.status, logs_t.c.elapsed_ms, logs_t.c.created_at).where(
            logs_t.c.batch_id == batch_id).order_by(logs_t.c.id)
        with self.engine.connect() as connection:
            return [LoggedCall(r.product_id, r.job_id, r.platform, r.method, r.path, r.status == "error",
                               int(r.elapsed_ms or 0), r.created_at) for r in connection.execute(query)]

    def set_batch_safety(self, batch_id: str, *, products: int, forced: bool, backup_id: str | None) -> None:
        with self._writer.begin() as connection:
            connection.execute(update(batches_t).where(batches_t.c.id == batch_id).values(
                products=products, forced=forced, backup_id=backup_id))
