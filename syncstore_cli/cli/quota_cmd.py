"""`syncstore quota`: each shop's use of its marketplace's daily quota today, and when it resets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from syncstore_cli.cli.output import console, print_json

if TYPE_CHECKING:
    from syncstore_cli.app.quota import QuotaUse

QUOTA_EXIT_CODES = """
Exit codes: 0 shown; 2 bad input or a broken setting (quota.*, tiktok.daily_listing_limit, shopee.daily_call_limit).
"""


def _moment(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _as_json(use: QuotaUse) -> dict[str, Any]:
    return {"platform": use.platform.value, "shop_id": use.shop_id, "quota": use.quota, "counted": use.counted,
            "used": use.used, "limit": use.limit, "remaining": use.remaining,
            "day_started_at": _moment(use.day_started_at), "resets_at": _moment(use.resets_at)}


def quota_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False) -> None:
    """Each shop's use of its daily quota today (TikTok: listings created; Shopee: API calls), against the
    configured limit, and when it resets. Counts what SyncStore logged; a job refused for a quota waits
    for the reset (`sync status` shows it as waiting), it does not fail."""
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.quota import quota_usage

    with open_context() as ctx:
        usage = quota_usage(ctx)
    if as_json:
        print_json([_as_json(u) for u in usage])
        return
    out = console()
    for use in usage:
        shop = use.shop_id or "no shop authorized"
        limit = f"{use.used:,} of {use.limit:,} ({use.remaining:,} left)" if use.limit is not None and \
            use.remaining is not None else f"{use.used:,} (no limit known; set shopee.daily_call_limit)"
        out.print(f"{use.platform.value} {shop}: {use.quota}: {limit}; resets at {_moment(use.resets_at)}",
                  markup=False)
        out.print(f"  counted: {use.counted}", markup=False)
