"""Daily quotas are waits, not failures: when a quota day turns over, how the marketplaces' quota answers
are classified, and what the engine does with them (reschedule at the reset, attempts untouched)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes import FakeCatalog, FakeClock, FakeJobStore, FakeMarketplace, FakeTaxonomy, fetch_image, simple_product

from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.pricing import SELLER_DEFAULTS
from syncstore_cli.domain.quota import QuotaDay, days_needed, parse_reset
from syncstore_cli.domain.vocabulary import ErrorCode, JobState
from syncstore_cli.engine.apply import SyncEngine
from syncstore_cli.engine.images import ImageCache
from syncstore_cli.engine.jobs import JobRunner, LogCapture
from syncstore_cli.engine.ports import Shop
from syncstore_cli.marketplaces.errors import QuotaExhausted
from syncstore_cli.marketplaces.http import should_retry
from syncstore_cli.marketplaces.shopee import responses as shopee
from syncstore_cli.marketplaces.tiktok import responses as tiktok


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


# -- the quota day ------------------------------------------------------------------------------------------

def test_a_reset_time_is_read_with_its_utc_offset() -> None:
    assert parse_reset("00:00+08:00") == 16 * 3600  # Shopee: midnight in UTC+8 is 16:00 UTC
    assert parse_reset("00:00+07:00") == 17 * 3600
    assert parse_reset("06:30-02:00") == 8 * 3600 + 1800
    for bad in ("24:00+08:00", "00:00", "midnight", "00:00+15:00"):
        with pytest.raises(ValueError):
            parse_reset(bad)


def test_a_quota_day_turns_over_at_the_reset_in_the_marketplaces_time_zone() -> None:
    day = QuotaDay(parse_reset("00:00+08:00"))
    assert day.start(epoch("2026-03-01 15:59:59")) == epoch("2026-02-28 16:00:00")
    assert day.next_reset(epoch("2026-03-01 15:59:59")) == epoch("2026-03-01 16:00:00")
    assert day.next_reset(epoch("2026-03-01 16:00:00")) == epoch("2026-03-02 16:00:00")


def test_a_compressed_day_resets_every_length_seconds() -> None:
    day = QuotaDay(parse_reset("00:00+07:00"), length=6)
    now = 1_700_000_000.5
    assert 0 < day.next_reset(now) - now <= 6
    assert day.next_reset(day.next_reset(now)) == day.next_reset(now) + 6
    assert day.start(now) <= now < day.next_reset(now)


@pytest.mark.parametrize(("creates", "limit", "used", "days"), [
    (0, 5, 0, 0), (5, 5, 0, 1), (12, 5, 0, 3), (12, 5, 2, 3), (12, 5, 4, 4), (1, 100, 100, 2),
])
def test_days_needed_counts_today_as_the_first(creates: int, limit: int, used: int, days: int) -> None:
    assert days_needed(creates, limit, used) == days


# -- classification -----------------------------------------------------------------------------------------

SHOPEE_QUOTA_BODY = {"error": "error_limit", "request_id": "r-1", "message": (
    "The total API call number made by your APP has reached the daily API call limit, please try again after "
    "00: 00 (UTC+08:00)")}


@pytest.mark.parametrize("status", [200, 429])
def test_shopee_error_limit_is_a_wait_until_midnight_utc8_not_a_rate_limit(status: int) -> None:
    error = shopee.classify(status, SHOPEE_QUOTA_BODY, {}, now=epoch("2026-03-01 17:00:00"))

    assert isinstance(error, QuotaExhausted) and error.retriable
    assert error.resets_at == epoch("2026-03-02 16:00:00")
    assert (error.code, error.request_id, error.quota) == ("error_limit", "r-1", "Shopee's daily API call quota")


def test_tiktok_listing_limit_is_a_wait_until_the_configured_reset() -> None:
    body = {"code": 12052093, "message": "Exceeded the product listing limit for the seller.", "request_id": "x"}

    assumed = tiktok.classify(200, body, {}, now=epoch("2026-03-01 16:59:00"))
    configured = tiktok.classifier(QuotaDay(parse_reset("00:00+00:00")), lambda: epoch("2026-03-01 16:59:00"))(
        200, body, {})

    assert isinstance(assumed, QuotaExhausted) and assumed.resets_at == epoch("2026-03-01 17:00:00")
    assert isinstance(configured, QuotaExhausted) and configured.resets_at == epoch("2026-03-02 00:00:00")
    assert assumed.quota == "TikTok's daily listing limit"


def test_the_http_layer_never_waits_out_a_quota_in_process() -> None:
    error = QuotaExhausted("tiktok", "limit", resets_at=1.0, quota="TikTok's daily listing limit")
    assert not should_retry(error, idempotent=True, max_retry_after=10**9)


# -- the engine ---------------------------------------------------------------------------------------------

def test_a_quota_refusal_parks_the_job_until_the_reset_without_spending_an_attempt() -> None:
    clock, store, market = FakeClock(), FakeJobStore(), FakeMarketplace()
    images = ImageCache(store, fetch_image, parallel=2)
    engine = SyncEngine(FakeCatalog(simple_product()), store, SELLER_DEFAULTS,
                        {Platform.SHOPEE: Shop(Platform.SHOPEE, "shop-1", market)}, images,
                        taxonomy=FakeTaxonomy(), clock=clock, max_attempts=2)
    runner = JobRunner(engine, store, LogCapture(store), owner="worker-a", clock=clock)
    job_id = store.add_job("PROD-1")
    try:
        for day in range(3):  # more quota refusals than the job has attempts
            resets_at = clock() + 3600
            market.fail_next("create_listing", QuotaExhausted("shopee", "daily quota", code="error_limit",
                                                              resets_at=resets_at, quota="Shopee's quota"))
            parked = runner.run(job_id)

            job = store.job(job_id)
            assert parked is not None and parked.retry_at == resets_at, day
            assert (job.state, job.attempts, job.lease_owner) == (JobState.PENDING, 0, None)
            assert job.errors[-1]["code"] == ErrorCode.QUOTA_WAIT and job.errors[-1]["resumes_at"] == resets_at
            assert "Shopee's quota" in (job.message or "")
            assert runner.run(job_id) is None  # not due before the reset
            clock.advance(3600)

        done = runner.run(job_id)
    finally:
        images.close()

    assert done is not None and done.state == JobState.DONE
    assert store.dead_letters() == []
    assert len(market.listings) == 1


@pytest.mark.parametrize("day_seconds", [86_400, 6, 2.5])
def test_the_sandbox_and_syncstore_agree_on_when_each_compressed_day_begins(day_seconds: float) -> None:
    from syncstore_cli.sandbox.config import SandboxConfig

    sandbox = SandboxConfig(day_seconds=day_seconds)
    for offset, reset in ((8 * 3600, "00:00+08:00"), (7 * 3600, "00:00+07:00")):
        ours = QuotaDay(parse_reset(reset), day_seconds)
        for now in (1_700_000_000.0, 1_700_000_001.3, 1_799_999_999.9):
            assert sandbox.day_start(now, offset) == pytest.approx(ours.start(now))
