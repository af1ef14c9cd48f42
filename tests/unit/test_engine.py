"""The engine against in-memory fakes (tests/unit/fakes.py): the create protocol, leases, retries, the
dead letters, token refresh and rollback. No sandbox, no HTTP, no database, no sleeping: the clock is
injected and moved by hand. The whole file runs in milliseconds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fakes import (
    Crash,
    FakeCatalog,
    FakeClock,
    FakeJobStore,
    FakeMarketplace,
    FakeSafetyStore,
    FakeTaxonomy,
    fetch_image,
    simple_product,
    variant_product,
)

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.pricing import SELLER_DEFAULTS
from syncstore_cli.domain.vocabulary import ErrorCode, JobState
from syncstore_cli.engine.apply import Outcome, SyncEngine
from syncstore_cli.engine.images import ImageCache
from syncstore_cli.engine.jobs import JobRunner, LogCapture
from syncstore_cli.engine.ports import KnownListing, Shop, Snapshot
from syncstore_cli.engine.remote import remote_state
from syncstore_cli.engine.rollback import Rollback, step_for
from syncstore_cli.marketplaces.errors import (
    MarketplaceError,
    NetworkError,
    QuotaExhausted,
    RateLimited,
    ServerBusy,
    ValidationFailed,
)

SHOPEE = Platform.SHOPEE
SKU = "FRM-5IN-CF-001"  # simple_product's


@dataclass
class World:
    """One Shopee shop, the catalog, the stores and the engine, all in memory."""

    clock: FakeClock
    catalog: FakeCatalog
    store: FakeJobStore
    safety: FakeSafetyStore
    market: FakeMarketplace
    images: ImageCache
    refreshes: list[float] = field(default_factory=list)
    refresh_fixes_token: bool = True

    def __post_init__(self) -> None:
        self.shop = Shop(SHOPEE, "shop-1", self.market, self._refresh)
        self.engine = SyncEngine(self.catalog, self.store, SELLER_DEFAULTS, {SHOPEE: self.shop}, self.images,
                                 taxonomy=FakeTaxonomy(), clock=self.clock)
        self.capture = LogCapture(self.store)

    def _refresh(self) -> None:
        self.refreshes.append(self.clock())
        if self.refresh_fixes_token:
            self.market.refresh_token()

    def runner(self, owner: str = "worker-a") -> JobRunner:
        return JobRunner(self.engine, self.store, self.capture, lease_seconds=60, owner=owner, clock=self.clock)

    def sync(self, product_id: str, batch_id: str = "B-0") -> Outcome:
        outcome = self.runner().run(self.store.add_job(product_id, batch_id=batch_id))
        assert outcome is not None and outcome.state == JobState.DONE, outcome
        return outcome

    def known(self, product_id: str) -> KnownListing:
        return self.store.known_listing(product_id, SHOPEE.value)

    def snapshot(self, batch_id: str, product_id: str) -> Snapshot:
        """The listing as the marketplace has it before the batch (read directly: no request is logged)."""
        known = self.known(product_id)
        listing = self.market.listings.get(known.external_id) if known.external_id else None
        if listing is None:
            return Snapshot(batch_id, product_id, SHOPEE.value, None, None, {}, known.state)
        return Snapshot(batch_id, product_id, SHOPEE.value, listing.external_id, remote_state(listing),
                        {v.sku: v.external_id for v in listing.variants}, known.state)

    def run_batch(self, batch_id: str, product_ids: list[str]) -> dict[str, Snapshot]:
        """Snapshots first, then a job per product, each run to done; the snapshots by product."""
        snapshots = {pid: self.snapshot(batch_id, pid) for pid in product_ids}
        for pid in product_ids:
            self.sync(pid, batch_id)
        return snapshots

    def rollback(self) -> Rollback:
        return Rollback(self.store, self.safety, {SHOPEE: self.shop}, self.images,
                        lambda pid: self.catalog.products[pid].sku)

    def plan_rollback(self, snapshots: dict[str, Snapshot]) -> None:
        self.safety.plan_rollback([step_for(s, self.known(s.product_id)) for s in snapshots.values()])

    def resume_rollback(self, batch_id: str, snapshots: dict[str, Snapshot]) -> list[str]:
        """The rollback use case's loop (app/rollback.py): every recorded step not done yet, in order."""
        rollback = self.rollback()
        return [rollback.run(step, snapshots[step.product_id]).state
                for step in self.safety.rollback_steps(batch_id) if step.state != "done"]


@pytest.fixture
def world() -> Iterator[World]:
    store = FakeJobStore()
    images = ImageCache(store, fetch_image, parallel=2)
    try:
        yield World(FakeClock(), FakeCatalog(simple_product(), variant_product()), store, FakeSafetyStore(),
                    FakeMarketplace(), images)
    finally:
        images.close()


# -- the create protocol ------------------------------------------------------------------------------------


def test_an_unknown_create_outcome_is_resolved_by_sku_lookup_not_a_second_create(world: World) -> None:
    # The marketplace made the listing, then the connection dropped before its answer arrived.
    world.market.fail_next("create_listing", NetworkError("shopee", "connection reset"), after_commit=True)
    job_id = world.store.add_job("PROD-1")

    outcome = world.runner().run(job_id)

    [listing] = world.market.listings.values()
    assert world.market.calls("create_listing") == [SKU]
    assert world.market.calls("find_by_sku") == [SKU, SKU]  # before the create; then to resolve its outcome
    assert world.market.updates == []  # the adopted listing already carries every field
    assert outcome is not None and outcome.attempts == 2 and "adopted" in outcome.message
    job = world.store.job(job_id)
    assert (job.state, job.external_id) == (JobState.DONE, listing.external_id)
    assert [e["kind"] for e in job.errors] == ["NetworkError"]
    known = world.known("PROD-1")
    assert (known.external_id, known.create_key) == (listing.external_id, None)
    assert known.state is not None and known.state["price"] == listing.price


def test_a_worker_killed_right_after_sending_a_create_leaves_one_listing(world: World) -> None:
    world.market.fail_next("create_listing", Crash(), after_commit=True)
    job_id = world.store.add_job("PROD-1")
    with pytest.raises(Crash):
        world.runner("worker-a").run(job_id)
    assert world.store.job(job_id).state == JobState.LEASED  # nobody recorded an outcome
    assert world.known("PROD-1").create_key is not None  # but the intent was stored before the create

    world.clock.advance(61)  # the dead worker's lease runs out; the reconciler delivers the job again
    outcome = world.runner("worker-b").run(job_id)

    [listing] = world.market.listings.values()
    assert world.market.calls("create_listing") == [SKU]
    assert outcome is not None and "adopted" in outcome.message
    job = world.store.job(job_id)
    assert (job.state, job.external_id, job.deliveries) == (JobState.DONE, listing.external_id, 2)


# -- leases -----------------------------------------------------------------------------------------------


def test_a_job_another_worker_holds_or_that_is_done_is_not_run_again(world: World) -> None:
    job_id = world.store.add_job("PROD-1")
    assert world.store.claim(job_id, "worker-a", world.clock(), 60) is not None  # worker A is on it
    world.clock.advance(30)
    assert world.runner("worker-b").run(job_id) is None  # a duplicate delivery
    assert world.market.requests == []
    assert world.store.job(job_id).lease_owner == "worker-a"

    world.clock.advance(31)  # A died: its lease ran out
    assert world.runner("worker-b").run(job_id) is not None
    world.market.requests.clear()
    assert world.runner("worker-c").run(job_id) is None  # delivered again after it was done
    assert world.market.requests == []


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_newer_result(world: World) -> None:
    job_id = world.store.add_job("PROD-1")
    newer: list[Outcome | None] = []

    def stall_and_get_overtaken() -> None:
        world.clock.advance(120)  # worker A stalls past its lease (a paused VM) right after its create
        newer.append(world.runner("worker-b").run(job_id))  # the job is delivered again; B finishes it

    world.market.before_next("get_listing", stall_and_get_overtaken)
    world.runner("worker-a").run(job_id)

    [outcome_b] = newer
    assert outcome_b is not None and (outcome_b.state, outcome_b.action) == (JobState.DONE, "update")
    assert world.store.refused == [("finish", job_id, "worker-a")]  # A's "created" was not written
    job = world.store.job(job_id)
    assert (job.state, job.action, job.message) == (JobState.DONE, "update", outcome_b.message)
    assert (job.lease_owner, job.deliveries, job.attempts) == (None, 2, 1)
    assert len(world.market.listings) == 1 and world.market.calls("create_listing") == [SKU]


def test_a_renewed_lease_keeps_a_slow_job_from_being_taken(world: World) -> None:
    job_id = world.store.add_job("PROD-1")
    worker_a = world.runner("worker-a")
    taken: list[Outcome | None] = []

    def slow_read_back() -> None:
        world.clock.advance(50)
        worker_a.renew_leases()  # the worker's heartbeat
        world.clock.advance(50)  # 100 s after the claim: past the first lease, inside the renewed one
        taken.append(world.runner("worker-b").run(job_id))

    world.market.before_next("get_listing", slow_read_back)
    outcome = worker_a.run(job_id)

    assert taken == [None]
    assert outcome is not None and outcome.state == JobState.DONE
    assert world.store.job(job_id).state == JobState.DONE and world.store.refused == []
    assert world.market.calls("create_listing") == [SKU]


# -- retries and the dead letters --------------------------------------------------------------------------


def test_a_rate_limited_job_is_rescheduled_after_retry_after_then_succeeds(world: World) -> None:
    world.market.fail_next("create_listing", RateLimited("shopee", "error_rate_limit", http_status=429,
                                                         retry_after=30))
    job_id = world.store.add_job("PROD-1")
    runner = world.runner()

    first = runner.run(job_id)

    assert first is not None and first.retry_at == world.clock() + 30
    job = world.store.job(job_id)
    assert (job.state, job.lease_owner, job.attempts) == (JobState.PENDING, None, 1)
    assert [e["kind"] for e in job.errors] == ["RateLimited"]
    assert world.market.listings == {}
    assert runner.run(job_id) is None  # not due yet

    world.clock.advance(30)
    second = runner.run(job_id)

    [listing] = world.market.listings.values()
    assert second is not None and second.state == JobState.DONE
    job = world.store.job(job_id)
    assert (job.state, job.external_id, job.attempts) == (JobState.DONE, listing.external_id, 2)
    assert world.market.calls("find_by_sku") == [SKU, SKU]  # a lookup before each create, the intent's included
    assert len(world.market.keys) == 2 and world.market.keys[0] == world.market.keys[1]


def test_a_spent_daily_quota_parks_the_shops_other_jobs_without_a_request(world: World) -> None:
    resets_at = world.clock() + 3600
    world.market.fail_next("create_listing", QuotaExhausted("shopee", "error_limit", resets_at=resets_at,
                                                            quota="Shopee's daily API call quota"))
    first, second = world.store.add_job("PROD-1"), world.store.add_job("PROD-2")
    runner = world.runner()

    parked = runner.run(first)
    asked = len(world.market.calls("find_by_sku")) + len(world.market.calls("create_listing"))
    held = runner.run(second)

    assert parked is not None and held is not None
    assert (parked.retry_at, held.retry_at) == (resets_at, resets_at)
    for job_id in (first, second):
        job = world.store.job(job_id)
        assert (job.state, job.error_code, job.attempts) == (JobState.PENDING, ErrorCode.QUOTA_WAIT, 0)
        assert job.errors[-1]["code"] == ErrorCode.QUOTA_WAIT and job.errors[-1]["resumes_at"] == resets_at
    # The second job never reached the marketplace: Shopee's quota counts every call, refusals included.
    assert len(world.market.calls("find_by_sku")) + len(world.market.calls("create_listing")) == asked
    assert world.store.job(second).errors[-1]["kind"] == "quota"

    world.clock.advance(3600)
    assert [runner.run(first).state, runner.run(second).state] == [JobState.DONE, JobState.DONE]  # type: ignore[union-attr]
    assert len(world.market.listings) == 2


def test_a_server_error_on_create_is_retried_with_the_same_idempotency_key(world: World) -> None:
    world.market.fail_next("create_listing", ServerBusy("shopee", "system busy", http_status=503))
    job_id = world.store.add_job("PROD-1")

    outcome = world.runner().run(job_id)

    [listing] = world.market.listings.values()
    assert outcome is not None and (outcome.state, outcome.attempts) == (JobState.DONE, 2)
    assert world.store.job(job_id).external_id == listing.external_id
    assert len(world.market.keys) == 2 and world.market.keys[0] == world.market.keys[1]


@pytest.mark.parametrize(("error", "times", "state", "code"), [
    (ValidationFailed("shopee", "brand is mandatory for this category", code="error_param"), 1,
     JobState.FAILED, ErrorCode.REJECTED_BY_MARKETPLACE),
    (ServerBusy("shopee", "system busy", http_status=503), 3, JobState.DEAD, ErrorCode.MARKETPLACE_UNAVAILABLE),
], ids=["permanent", "retries-exhausted"])
def test_a_failure_retrying_cannot_fix_goes_to_the_dead_letters(
    world: World, error: MarketplaceError, times: int, state: JobState, code: ErrorCode,
) -> None:
    world.market.fail_next("create_listing", error, times=times)
    job_id = world.store.add_job("PROD-1")
    world.store.add_job("PROD-2")  # another job, not run: not a dead letter

    world.runner().run(job_id)

    [dead] = world.store.dead_letters()
    assert (dead.id, dead.state, dead.error_code, dead.attempts) == (job_id, state, code, times)
    assert [e["message"] for e in dead.errors] == [str(error)] * times  # every attempt's error is kept
    assert len(world.market.calls("create_listing")) == times  # a permanent error is not retried
    assert world.market.listings == {}
    assert world.known("PROD-1").external_id is None


# -- tokens -----------------------------------------------------------------------------------------------


def test_a_rejected_token_is_refreshed_once_and_the_sync_succeeds(world: World) -> None:
    world.market.expire_token()
    job_id = world.store.add_job("PROD-1")

    outcome = world.runner().run(job_id)

    assert world.refreshes == [world.clock()]
    [listing] = world.market.listings.values()
    assert outcome is not None and (outcome.state, outcome.attempts) == (JobState.DONE, 2)
    job = world.store.job(job_id)
    assert (job.state, job.external_id) == (JobState.DONE, listing.external_id)
    assert [e["kind"] for e in job.errors] == ["NeedsAuthError"]


def test_a_token_still_rejected_after_the_refresh_fails_the_job_as_unauthorized(world: World) -> None:
    world.refresh_fixes_token = False
    world.market.expire_token()
    job_id = world.store.add_job("PROD-1")

    world.runner().run(job_id)

    assert len(world.refreshes) == 1  # one refresh, not a loop
    job = world.store.job(job_id)
    assert (job.state, job.error_code) == (JobState.FAILED, ErrorCode.UNAUTHORIZED)
    assert world.market.listings == {}


# -- rollback ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("delete_refused", [False, True], ids=["deleted", "unlisted-when-delete-refused"])
def test_rolling_back_a_listing_the_batch_created_removes_it(world: World, delete_refused: bool) -> None:
    snapshots = world.run_batch("B-1", ["PROD-1"])
    created = world.known("PROD-1").external_id
    assert created in world.market.listings
    world.plan_rollback(snapshots)
    [step] = world.safety.rollback_steps("B-1")
    assert (step.action, step.external_id) == ("delete", created)
    world.market.refuse_delete = delete_refused

    result = world.rollback().run(step, snapshots["PROD-1"])

    assert result.state == "done"
    if delete_refused:
        assert world.market.listings[created].status == "UNLIST"
        assert world.market.calls("unlist_listing") == [created]
    else:
        assert created not in world.market.listings
    assert world.known("PROD-1") == KnownListing(None, None, None, {})
    assert [s.state for s in world.safety.rollback_steps("B-1")] == ["done"]


def test_rolling_back_a_listing_the_batch_updated_restores_its_snapshot_fields(world: World) -> None:
    world.sync("PROD-2")  # listed before the batch
    external_id = world.known("PROD-2").external_id
    assert external_id is not None
    before = world.market.listings[external_id]
    world.catalog.put(variant_product(prices=(30_000, 40_000, 44_000), stocks=(10, 3, 10)))
    snapshots = world.run_batch("B-2", ["PROD-2"])  # the batch sends new prices and stock
    assert world.market.listings[external_id].variants != before.variants
    world.plan_rollback(snapshots)
    [step] = world.safety.rollback_steps("B-2")
    assert (step.action, step.external_id) == ("restore", external_id)
    world.market.requests.clear()

    result = world.rollback().run(step, snapshots["PROD-2"])

    assert result.state == "done"
    assert world.market.listings[external_id] == before
    assert world.market.updates[-1] == (external_id, frozenset({"price", "stock"}))
    assert world.market.requests == [("get_listing", external_id), ("update_listing", external_id),
                                     ("get_listing", external_id)]
    assert world.known("PROD-2").state == snapshots["PROD-2"].state  # the store follows the marketplace
    assert "PROD-2" in world.store.not_synced


def test_a_crashed_rollback_resumes_with_only_the_steps_it_had_not_finished(world: World) -> None:
    world.sync("PROD-2")
    updated = world.known("PROD-2").external_id
    assert updated is not None
    before = world.market.listings[updated]
    world.catalog.put(variant_product(prices=(31_000, 33_000, 35_000)))
    snapshots = world.run_batch("B-3", ["PROD-1", "PROD-2"])  # creates PROD-1, updates PROD-2
    created = world.known("PROD-1").external_id
    world.plan_rollback(snapshots)
    # The process dies right after the restore of PROD-2 was sent, before its step was recorded.
    world.market.fail_next("update_listing", Crash(), after_commit=True)

    with pytest.raises(Crash):
        world.resume_rollback("B-3", snapshots)

    assert {s.product_id: s.state for s in world.safety.rollback_steps("B-3")} == {
        "PROD-1": "done", "PROD-2": "pending"}
    assert created not in world.market.listings
    world.market.requests.clear()

    assert world.resume_rollback("B-3", snapshots) == ["done"]

    # Nothing for the finished delete; the restore had landed, so one read and no second update.
    assert world.market.requests == [("get_listing", updated)]
    assert world.market.listings[updated] == before
    assert {s.state for s in world.safety.rollback_steps("B-3")} == {"done"}


def test_a_rollback_that_died_after_sending_a_delete_completes_it_on_resume(world: World) -> None:
    snapshots = world.run_batch("B-4", ["PROD-1"])
    created = world.known("PROD-1").external_id
    assert created is not None
    world.plan_rollback(snapshots)
    world.market.fail_next("delete_listing", Crash(), after_commit=True)

    with pytest.raises(Crash):
        world.resume_rollback("B-4", snapshots)
    assert [s.state for s in world.safety.rollback_steps("B-4")] == ["pending"]
    world.market.requests.clear()

    assert world.resume_rollback("B-4", snapshots) == ["done"]

    assert world.market.requests == [("delete_listing", created)]  # answered NotFound: already gone
    assert world.market.listings == {}
    assert world.known("PROD-1").external_id is None
