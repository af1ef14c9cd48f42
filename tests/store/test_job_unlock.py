"""The listing lock a worker releases outside finish/reschedule is released only while it still holds
the job: the lock is keyed by job id, and a worker that took the job over holds the same id's lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from syncstore_cli.app.catalog import import_catalog
from syncstore_cli.app.context import AppContext
from syncstore_cli.store.catalog import listings_t

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"


def lock_of(ctx: AppContext, product_id: str, platform: str) -> int | None:
    with ctx.database.connect() as connection:
        value = connection.execute(select(listings_t.c.lock_job).where(
            listings_t.c.product_id == product_id, listings_t.c.platform == platform)).scalar_one()
    return None if value is None else int(value)


def test_a_worker_that_lost_its_lease_cannot_release_the_new_owners_listing_lock(
        tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")
    with AppContext() as ctx:
        import_catalog(ctx, FIXTURES / "small.jsonl")
        [job_id] = ctx.jobs.create_batch("B-1", "batch", "shopee", [("PROD-1", "shopee")])
        [other] = ctx.jobs.create_batch("B-2", "batch", "shopee", [("PROD-1", "shopee")])
        assert ctx.jobs.claim(job_id, "worker-a", 1_000.0, 60) is not None
        taken = ctx.jobs.claim(job_id, "worker-b", 1_100.0, 60)  # A's lease ran out; B took the job over
        assert taken is not None and taken[1] is True
        assert not ctx.jobs.finish(job_id, "worker-a", "done")  # A's late finish is refused...

        ctx.jobs.unlock_listing("PROD-1", "shopee", job_id, "worker-a")  # ...and so is its unlock

        assert lock_of(ctx, "PROD-1", "shopee") == job_id
        waiting = ctx.jobs.claim(other, "worker-c", 1_101.0, 60)
        assert waiting is not None and waiting[1] is False  # no second job on the listing B works on
        ctx.jobs.unlock_listing("PROD-1", "shopee", job_id, "worker-b")  # the holder's own unlock works
        assert lock_of(ctx, "PROD-1", "shopee") is None


def test_a_job_whose_worker_died_is_sent_again_each_time_its_message_is_lost(
        tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The kill test's hang: worker A died holding the job; the reconciler re-sent it once; worker B took that
    # message and died before claiming it. Once that message has gone stale, the job must be sent again.
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", f"sqlite:///{tmp_path / 'catalog.db'}")
    with AppContext() as ctx:
        import_catalog(ctx, FIXTURES / "small.jsonl")
        [job_id] = ctx.jobs.create_batch("B-1", "batch", "shopee", [("PROD-1", "shopee")])
        assert ctx.jobs.due_jobs(1_000.0, stale_after=None) == [job_id]  # first sent
        assert ctx.jobs.claim(job_id, "worker-a", 1_000.0, 2) is not None  # A takes it, lease to 1,002; A dies
        assert ctx.jobs.due_jobs(1_001.0, stale_after=1.0) == []  # the lease still runs
        assert ctx.jobs.due_jobs(1_003.0, stale_after=1.0) == [job_id]  # expired: sent again (B takes it, dies)
        assert ctx.jobs.due_jobs(1_003.5, stale_after=1.0) == []  # that message may still be on its way
        assert ctx.jobs.due_jobs(1_005.0, stale_after=None) == []  # a busy queue: not yet judged lost
        assert ctx.jobs.due_jobs(1_005.0, stale_after=1.0) == [job_id]  # an empty queue: it was lost; again
