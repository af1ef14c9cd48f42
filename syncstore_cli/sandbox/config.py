"""The sandbox's registered app credentials, profile and clock.

Credentials come from the same settings the clients read; when unset, these documented demo
values are used (they are not secrets: they only open the local sandbox).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

DEMO_SHOPEE_PARTNER_ID = "1000016"
DEMO_SHOPEE_PARTNER_KEY = "73616e64626f782d64656d6f2d706172746e65722d6b65792d6e6f742d7265616c"
DEMO_TIKTOK_APP_KEY = "6ab3sbx0demo"
DEMO_TIKTOK_APP_SECRET = "73616e64626f782d64656d6f2d6170702d736563726574"
DEMO_SHOPEE_SHOP_ID = "14701711"
DEMO_TIKTOK_SHOP_ID = "7494049642642441621"
DEMO_TIKTOK_SHOP_CIPHER = "ROW_sbxFPVjkt0AAAeVAQra0eZWebF"

SHOPEE_ACCESS_SECONDS = 4 * 3600
SHOPEE_REFRESH_SECONDS = 30 * 86_400
SHOPEE_CODE_SECONDS = 600
SHOPEE_OLD_ACCESS_GRACE = 300
TIKTOK_ACCESS_SECONDS = 7 * 86_400
TIKTOK_REFRESH_SECONDS = 365 * 86_400
TIKTOK_CODE_SECONDS = 1800
TIKTOK_OLD_REFRESH_GRACE = 300
TIMESTAMP_WINDOW = 300
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `per_second` refill, `burst` capacity."""

    per_second: float
    burst: int


@dataclass(frozen=True)
class ProfileLimits:
    shopee_per_shop: RateLimit
    tiktok_per_path_per_shop: RateLimit
    latency_ms: tuple[int, int] | None  # uniform range added before each API answer; None: none
    transient_fault_rate: float  # share of API calls answered with a 5xx or a dropped connection


# Limits are data (shared/marketplaces/README.md "Both"): the gateways read them from here by profile name.
PROFILES: dict[str, ProfileLimits] = {
    "fast": ProfileLimits(RateLimit(1_000_000, 1_000_000), RateLimit(1_000_000, 1_000_000), None, 0.0),
    "realistic": ProfileLimits(RateLimit(10, 20), RateLimit(20, 40), (80, 400), 0.01),
}


@dataclass
class SandboxConfig:
    shopee_partner_id: str = DEMO_SHOPEE_PARTNER_ID
    shopee_partner_key: str = DEMO_SHOPEE_PARTNER_KEY
    tiktok_app_key: str = DEMO_TIKTOK_APP_KEY
    tiktok_app_secret: str = DEMO_TIKTOK_APP_SECRET
    profile: str = "fast"
    clock: Callable[[], float] = field(default=time.time)
    shopee_daily_quota: int | None = None  # calls per shop per day (UTC+8) before `error_limit`; None: off
    # New TikTok listings per day before 12052093; None: the profile's (limits/tiktok_rules.json).
    tiktok_daily_listings: int | None = None
    # The marketplaces' day, compressed for tests and demos: quotas reset every `day_seconds` (86,400: live).
    day_seconds: float = DAY_SECONDS
    # No TikTok source documents that a reused `idempotency_key` returns the first create's result (the
    # changelog only announces the field), so by default the sandbox ignores it, as the worst case; True
    # makes it deduplicate for the key's 24 h window (shared/marketplaces/README.md "TikTok Shop decisions").
    tiktok_idempotency_dedup: bool = False
    # The seller migrated from Tokopedia, so listing_platforms may name TOKOPEDIA; False: refused (12052994).
    tiktok_tokopedia_linked: bool = True
    # A TikTok leaf category id whose certifications Get Category Rules marks is_required (and Create/Edit
    # enforce, 12052105); "" keeps every certification optional on the seller's leaves.
    tiktok_certification_required_category: str = ""

    @property
    def limits(self) -> ProfileLimits:
        return PROFILES[self.profile]

    def calendar(self) -> float:
        """Now on the marketplaces' calendar, whose 86,400-second days pass in `day_seconds` of the clock."""
        return self.clock() * DAY_SECONDS / self.day_seconds

    def day_start(self, now: float, utc_offset: int) -> float:
        """When (on the clock) the marketplace day holding `now` began: local midnight at `utc_offset`
        seconds east of UTC, in days of `day_seconds`."""
        midnight = (-utc_offset) % DAY_SECONDS * self.day_seconds / DAY_SECONDS
        return math.floor((now - midnight) / self.day_seconds) * self.day_seconds + midnight

    @classmethod
    def from_values(cls, values: Mapping[str, str | None], profile: str = "fast") -> SandboxConfig:
        return cls(
            shopee_partner_id=values.get("shopee.partner_id") or DEMO_SHOPEE_PARTNER_ID,
            shopee_partner_key=values.get("shopee.partner_key") or DEMO_SHOPEE_PARTNER_KEY,
            tiktok_app_key=values.get("tiktok.app_key") or DEMO_TIKTOK_APP_KEY,
            tiktok_app_secret=values.get("tiktok.app_secret") or DEMO_TIKTOK_APP_SECRET,
            profile=profile,
        )
