"""Use case: `syncstore quota`: each shop's use of its marketplace's daily quota today, and when it resets.

What is counted is what SyncStore logged (sync_logs), on the marketplace's quota day (the `quota.*`
settings): on TikTok, the products it created (accepted Create Product calls: TikTok's daily limit is on
product uploads); on Shopee, every API call it made, accepted or not (Shopee's quota is on "the total API
call number made by your APP", and the docs do not say that refused calls are free). Calls by other apps
or in the seller centre are not seen, so the marketplace may count more; its refusal still only parks
jobs until the reset. Logs carry no shop id: a platform's count is that of every shop SyncStore serves
there (the seller has one per platform).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from syncstore_cli.app.context import AppContext
from syncstore_cli.domain.catalog import Platform
from syncstore_cli.domain.quota import QuotaDay
from syncstore_cli.marketplaces.shopee.responses import DAILY_QUOTA_NAME as SHOPEE_QUOTA
from syncstore_cli.marketplaces.tiktok.client import PRODUCT_PATH as TIKTOK_CREATE_PATH
from syncstore_cli.marketplaces.tiktok.responses import DAILY_QUOTA_NAME as TIKTOK_QUOTA

TIKTOK_COUNTED = "products created by SyncStore today (accepted Create Product calls)"
SHOPEE_COUNTED = "API calls SyncStore made today (accepted or refused)"


@dataclass(frozen=True)
class QuotaUse:
    """One shop's use of its daily quota on the marketplace's current quota day."""

    platform: Platform
    shop_id: str | None  # None: no shop of this platform is authorized yet
    quota: str
    counted: str
    used: int
    limit: int | None  # None: the marketplace publishes none and none is configured
    day_started_at: float
    resets_at: float

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


def tiktok_listings_today(ctx: AppContext, now: float) -> int:
    """New TikTok products SyncStore created on the current quota day (what the daily listing limit counts)."""
    from syncstore_cli.store.request_counts import RequestCounts

    start = ctx.settings.quota.tiktok_day.start(now)
    return RequestCounts(ctx.database).since(Platform.TIKTOK.value, start, method="POST", path=TIKTOK_CREATE_PATH,
                                             succeeded_only=True)


def quota_usage(ctx: AppContext, *, now: float | None = None) -> list[QuotaUse]:
    """Per authorized shop (or per platform, when none is), today's use against the configured daily limit."""
    from syncstore_cli.store.request_counts import RequestCounts

    moment = time.time() if now is None else now
    quota = ctx.settings.quota
    counts = RequestCounts(ctx.database)
    shops: dict[Platform, list[str | None]] = {Platform.SHOPEE: [], Platform.TIKTOK: []}
    for shop in ctx.tokens.shops():
        if shop.authorized and Platform(shop.platform) in shops:
            shops[Platform(shop.platform)].append(shop.shop_id)

    def use(platform: Platform, day: QuotaDay, used: int, limit: int | None) -> list[QuotaUse]:
        name, counted = (SHOPEE_QUOTA, SHOPEE_COUNTED) if platform is Platform.SHOPEE else \
            (TIKTOK_QUOTA, TIKTOK_COUNTED)
        return [QuotaUse(platform, shop_id, name, counted, used, limit, day.start(moment), day.next_reset(moment))
                for shop_id in shops[platform] or [None]]

    shopee_calls = counts.since(Platform.SHOPEE.value, quota.shopee_day.start(moment))
    return [*use(Platform.SHOPEE, quota.shopee_day, shopee_calls, quota.shopee_daily_calls or None),
            *use(Platform.TIKTOK, quota.tiktok_day, tiktok_listings_today(ctx, moment), quota.tiktok_daily_listings)]
