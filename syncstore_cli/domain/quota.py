"""Daily quotas: when a marketplace's quota day starts and ends, and how many days a publish needs.

A quota day starts at a fixed time of day in the marketplace's time zone (Shopee: 00:00 UTC+8,
TikTok: midnight in Jakarta, an assumption) and lasts `length` seconds: 86,400 in live use; the
sandbox compresses it to a few seconds, and the reset moment keeps its place within the (shorter)
day, so SyncStore and a sandbox given the same day length agree on every reset. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

DAY_SECONDS: Final = 86_400
_RESET = re.compile(r"^(\d{2}):(\d{2})([+-])(\d{2}):(\d{2})$")


def parse_reset(text: str) -> int:
    """"00:00+08:00" (a local time of day and its UTC offset) -> seconds after 00:00 UTC, 0 to 86,399.

    ValueError names what is wrong."""
    match = _RESET.match(text.strip())
    if match is None:
        raise ValueError(f"'{text}' is not a time of day with its UTC offset, like 00:00+08:00")
    hours, minutes, sign, offset_hours, offset_minutes = match.groups()
    if int(hours) > 23 or int(minutes) > 59 or int(offset_hours) > 14 or int(offset_minutes) > 59:
        raise ValueError(f"'{text}' is not a time of day with its UTC offset, like 00:00+08:00")
    local = int(hours) * 3600 + int(minutes) * 60
    offset = (int(offset_hours) * 3600 + int(offset_minutes) * 60) * (1 if sign == "+" else -1)
    return (local - offset) % DAY_SECONDS


@dataclass(frozen=True)
class QuotaDay:
    """One marketplace's quota day: it resets `reset_utc_seconds` after 00:00 UTC (in a 24-hour day)."""

    reset_utc_seconds: int
    length: float = DAY_SECONDS

    def __post_init__(self) -> None:
        if not 0 <= self.reset_utc_seconds < DAY_SECONDS or not self.length > 0:
            raise ValueError("a quota day needs a reset within the day and a positive length")

    @property
    def _phase(self) -> float:
        return self.reset_utc_seconds * self.length / DAY_SECONDS

    def start(self, now: float) -> float:
        """When the quota day holding `now` began (epoch seconds)."""
        return math.floor((now - self._phase) / self.length) * self.length + self._phase

    def next_reset(self, now: float) -> float:
        """When the quota day holding `now` ends and the quota is whole again."""
        return self.start(now) + self.length


def days_needed(creates: int, limit: int, used_today: int = 0) -> int:
    """Quota days (today counted as the first) that `creates` new listings need at `limit` a day,
    when `used_today` of today's are already spent; 0 when nothing is to be created."""
    if creates <= 0:
        return 0
    if limit <= 0:
        raise ValueError("a daily limit must be positive")
    left_today = max(0, limit - used_today)
    if creates <= left_today:
        return 1
    return 1 + math.ceil((creates - left_today) / limit)


# What each marketplace's daily quota counts, so a job the quota would refuse waits without asking:
# TikTok's limit counts new listings ("product uploads"), Shopee's counts every API call.
QUOTA_NAMES: Final = {"tiktok": "TikTok's daily listing limit", "shopee": "Shopee's daily API call quota"}


def quota_holds_back(platform: str, creating: bool) -> bool:
    """Whether a job on `platform` (a create or not) is one the platform's daily quota counts."""
    return platform == "shopee" or (platform == "tiktok" and creating)
