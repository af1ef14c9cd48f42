"""Single-use refresh tokens under contention: eight workers, one refresh, nothing lost (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from syncstore_cli.domain.auth import TokenPair
from syncstore_cli.marketplaces.errors import ValidationFailed
from syncstore_cli.marketplaces.tokens import ShopUnauthorized, TokenKeeper
from syncstore_cli.store.engine import make_engine
from syncstore_cli.store.schema import ensure_current
from syncstore_cli.store.tokens import TokenStore

DAY = 86_400.0


class SingleUseRefreshEndpoint:
    """Behaves like Shopee's access_token/get: each refresh token works once and yields a new pair."""

    def __init__(self, first: TokenPair, latency: float = 0.05) -> None:
        self.valid = {first.refresh_token}
        self.calls = 0
        self.current = first
        self._latency = latency
        self._lock = threading.Lock()

    def __call__(self, shop_id: str, refresh_token: str) -> TokenPair:
        time.sleep(self._latency)  # a network round trip, to give racing workers their chance
        with self._lock:
            self.calls += 1
            if refresh_token not in self.valid:
                raise ValidationFailed("shopee", "Your refresh token is error", code="error_shop_refresh_token")
            self.valid.discard(refresh_token)
            now = time.time()
            self.current = TokenPair(f"access-{self.calls}", f"refresh-{self.calls}", now + 14_400, now + 30 * DAY)
            self.valid.add(self.current.refresh_token)
            return self.current


@pytest.fixture
def engine_url(database_url: str) -> Iterator[str]:
    engine = make_engine(database_url)
    ensure_current(engine)
    engine.dispose()
    yield database_url


def _expiring_pair() -> TokenPair:
    now = time.time()
    return TokenPair("access-0", "refresh-0", now + 60, now + 30 * DAY)


def test_eight_workers_needing_a_refresh_at_once_refresh_once(engine_url: str) -> None:
    setup = make_engine(engine_url)
    TokenStore(setup).save_authorization("shopee", "14701711", _expiring_pair(), shop_name="FPV Jakarta")
    endpoint = SingleUseRefreshEndpoint(_expiring_pair())
    barrier = threading.Barrier(8)
    results: list[str] = []
    failures: list[BaseException] = []

    def worker() -> None:
        engine = make_engine(engine_url)  # each worker has its own connections, as separate processes would
        try:
            keeper = TokenKeeper(TokenStore(engine), "shopee", endpoint, poll_seconds=0.01)
            barrier.wait()
            results.append(keeper.access_token("14701711"))
        except BaseException as exc:
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert endpoint.calls == 1
    assert results == ["access-1"] * 8
    stored = TokenStore(setup).get_shop("shopee", "14701711")
    assert stored is not None and stored.authorized
    assert stored.tokens == endpoint.current  # the newest pair is the one kept
    assert stored.tokens.refresh_token in endpoint.valid
    setup.dispose()


def test_threads_sharing_one_keeper_refresh_once(engine_url: str) -> None:
    """A worker's threads share one keeper (one lease owner): the database lease alone let two of them
    spend the same single-use refresh token at once, and the loser marked the shop unauthorized."""
    engine = make_engine(engine_url)
    TokenStore(engine).save_authorization("shopee", "14701711", _expiring_pair())
    endpoint = SingleUseRefreshEndpoint(_expiring_pair())
    keeper = TokenKeeper(TokenStore(engine), "shopee", endpoint, poll_seconds=0.01)
    barrier = threading.Barrier(8)
    results: list[str] = []
    failures: list[BaseException] = []

    def rejected() -> None:  # every thread's request was refused with the same access token
        try:
            barrier.wait()
            results.append(keeper.refresh_after_rejection("14701711", "access-0"))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=rejected) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert endpoint.calls == 1 and results == ["access-1"] * 8
    stored = TokenStore(engine).get_shop("shopee", "14701711")
    assert stored is not None and stored.authorized and stored.tokens == endpoint.current
    engine.dispose()


def test_fresh_token_is_used_without_refreshing(engine_url: str) -> None:
    engine = make_engine(engine_url)
    now = time.time()
    pair = TokenPair("access-fresh", "refresh-0", now + 3_600, now + 30 * DAY)
    TokenStore(engine).save_authorization("tiktok", "7494", pair)
    endpoint = SingleUseRefreshEndpoint(pair, latency=0)
    assert TokenKeeper(TokenStore(engine), "tiktok", endpoint).access_token("7494") == "access-fresh"
    assert endpoint.calls == 0
    engine.dispose()


def test_rejected_refresh_rereads_the_store_before_giving_up(engine_url: str) -> None:
    engine = make_engine(engine_url)
    store = TokenStore(engine)
    store.save_authorization("shopee", "1", _expiring_pair())
    endpoint = SingleUseRefreshEndpoint(_expiring_pair(), latency=0)

    class RacedEndpoint:
        """Another process spends our refresh token and stores its pair just before our call lands."""

        def __call__(self, shop_id: str, refresh_token: str) -> TokenPair:
            newer = endpoint(shop_id, refresh_token)
            store.store_refreshed("shopee", shop_id, "someone-else", newer)
            return endpoint(shop_id, refresh_token)  # our own call: rejected, the token is spent

    keeper = TokenKeeper(store, "shopee", RacedEndpoint())
    assert keeper.access_token("1") == "access-1"
    shop = store.get_shop("shopee", "1")
    assert shop is not None and shop.authorized
    engine.dispose()


def test_refresh_rejected_for_good_marks_the_shop_unauthorized(engine_url: str) -> None:
    engine = make_engine(engine_url)
    store = TokenStore(engine)
    store.save_authorization("shopee", "1", _expiring_pair())
    endpoint = SingleUseRefreshEndpoint(TokenPair("x", "not-the-stored-one", 0, 0), latency=0)
    keeper = TokenKeeper(store, "shopee", endpoint)
    with pytest.raises(ShopUnauthorized, match="authorize again"):
        keeper.access_token("1")
    shop = store.get_shop("shopee", "1")
    assert shop is not None and not shop.authorized
    with pytest.raises(ShopUnauthorized):
        keeper.access_token("1")
    engine.dispose()


def test_a_crashed_refresher_lease_expires(engine_url: str) -> None:
    engine = make_engine(engine_url)
    store = TokenStore(engine)
    store.save_authorization("shopee", "1", _expiring_pair())
    now = time.time()
    assert store.try_lease("shopee", "1", "crashed-worker", now + 30, now)
    assert not store.try_lease("shopee", "1", "me", now + 30, now)
    assert store.try_lease("shopee", "1", "me", now + 100, now + 31)  # after the lease ran out
    engine.dispose()
