"""Drift: a marketplace listing edited outside SyncStore (in the seller centre), found group by group
against the last state SyncStore confirmed there, and what the seller's policy does with it. Pure.

The comparison is `domain.fieldgroups`' (images by count, attributes for the wanted ones), over the
groups a read-back confirms after every sync (`CONFIRMED_GROUPS`): brand and package are not
confirmed by a read-back, so a difference there says nothing about who changed what.

Policies, per field group:
- `overwrite`: the stored state takes what the marketplace has now for that group, so the plan
  (desired vs stored state) shows an update and the next sync puts the master's value back;
- `report`: the stored state keeps the value SyncStore last confirmed, which is the master's, so the
  plan shows no change and the next sync leaves the seller's edit alone. The stored state then
  differs from the marketplace on purpose: a full drift read lists the edit again, and a later change
  of the master in that group is still sent (the master changed, not just the marketplace).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from syncstore_cli.domain.fieldgroups import CONFIRMED_GROUPS, FIELD_GROUPS, group_differs, in_order

DRIFT_GROUPS: Final[tuple[str, ...]] = tuple(in_order(CONFIRMED_GROUPS))


class DriftAction(StrEnum):
    OVERWRITE = "overwrite"  # the next sync puts the master back
    REPORT = "report"  # listed, and left as the seller made it


@dataclass(frozen=True)
class DriftPolicy:
    """The action for each field group; groups not named take `default`."""

    default: DriftAction = DriftAction.OVERWRITE
    by_group: Mapping[str, DriftAction] | None = None

    def action(self, group: str) -> DriftAction:
        return (self.by_group or {}).get(group, self.default)

    def describe(self) -> str:
        named = self.by_group or {}
        return ",".join([self.default.value, *(f"{g}={named[g].value}" for g in in_order(named))])


def parse_policy(text: str) -> DriftPolicy:
    """`overwrite`, `report`, `title=report`, `report,price=overwrite,stock=overwrite`: comma-separated
    items, each an action for every group not named, or `GROUP=ACTION`. Raises ValueError naming the
    item that is neither."""
    actions = ", ".join(a.value for a in DriftAction)
    default = DriftAction.OVERWRITE
    by_group: dict[str, DriftAction] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        group, sep, action = (part.strip().lower() for part in item.partition("="))
        if not sep:
            group, action = "", group
        if action not in {a.value for a in DriftAction}:
            raise ValueError(f"'{item}': the action must be one of {actions}")
        if not sep:
            default = DriftAction(action)
        elif group not in FIELD_GROUPS:
            raise ValueError(f"'{item}': unknown field group '{group}' (one of {', '.join(FIELD_GROUPS)})")
        else:
            by_group[group] = DriftAction(action)
    return DriftPolicy(default, by_group)


@dataclass(frozen=True)
class GroupDrift:
    """One field group of one listing that the marketplace shows differently from the stored state."""

    group: str
    confirmed: Any  # what SyncStore last confirmed there (stored state)
    found: Any  # what the marketplace has now
    action: DriftAction


def find_drift(stored: Mapping[str, Any], found: Mapping[str, Any], policy: DriftPolicy,
               groups: Iterable[str] = DRIFT_GROUPS) -> list[GroupDrift]:
    """The groups (in plan order) in which the marketplace's listing (`found`, `remote_state` groups)
    is not the stored state; [] when nobody edited it outside SyncStore."""
    return [GroupDrift(g, stored.get(g), found.get(g), policy.action(g))
            for g in in_order(groups) if group_differs(stored, found, g)]


def state_after_drift(stored: Mapping[str, Any], found: Mapping[str, Any],
                      drift: Iterable[GroupDrift]) -> dict[str, Any]:
    """The stored state with the marketplace's value for each group whose policy is `overwrite`
    (so the plan sees the difference from the master); `report` groups keep the confirmed value."""
    state = dict(stored)
    for item in drift:
        if item.action is DriftAction.OVERWRITE:
            state[item.group] = found.get(item.group)
    return state


# -- where the next incremental read starts ---------------------------------------------------------
CHECK_KIND_PREFIX: Final = "drift_"


def check_kind(platform: str) -> str:
    """The check-run kind a platform's drift runs are recorded under."""
    return CHECK_KIND_PREFIX + platform


def read_from(last_run: Mapping[str, Any] | None, shop_id: str, overlap: float) -> float | None:
    """Where the next read of changes on a shop starts (epoch seconds): the previous drift run's start less
    `overlap`; None (a full read is needed) when there was none, or it was of another shop."""
    if last_run is None or last_run.get("shop_id") != shop_id:
        return None  # another shop (re-authorized): nothing it read says anything about this one
    started = last_run.get("started_at")
    if not isinstance(started, int | float) or isinstance(started, bool):
        return None
    return max(0.0, float(started) - overlap)


def reported_product_ids(runs: Iterable[Mapping[str, Any]], shop_id: str) -> set[str]:
    """Products whose listing on this shop a drift run left as the seller made it (a `report` group): their
    stored state keeps SyncStore's value on purpose, so it is not what the marketplace shows."""
    found: set[str] = set()
    for run in runs:
        if run.get("shop_id") != shop_id:
            continue
        for listing in run.get("listings") or []:
            if any(group.get("action") == DriftAction.REPORT for group in listing.get("groups") or []):
                found.add(str(listing.get("product_id")))
    return found
