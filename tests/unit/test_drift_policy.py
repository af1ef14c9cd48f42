"""Drift: the comparison with the last confirmed state, the policy and what it leaves for the plan."""

from __future__ import annotations

from typing import Any

import pytest

from syncstore_cli.domain.drift import DriftAction, DriftPolicy, find_drift, parse_policy, state_after_drift
from syncstore_cli.domain.fieldgroups import differing_groups
from syncstore_cli.errors import ConfigError
from syncstore_cli.settings import load_settings


def _state(**changes: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "title": "Frame Racing 5 Inch FPV", "description": "Carbon frame", "images": ["a.jpg", "b.jpg"],
        "category": "100", "brand": "No Brand", "attributes": {"10": [["1", "Carbon", ""]]},
        "package": [200, 10, 10, 5], "variants": {"tiers": [], "skus": []}, "price": 150_000, "stock": 12,
    }
    state.update(changes)
    return state


def test_no_drift_when_the_marketplace_shows_what_was_confirmed_even_with_its_own_image_urls() -> None:
    found = _state(images=["https://cdn/1", "https://cdn/2"], attributes={"10": [["1", "Carbon", ""]], "99": []})
    assert find_drift(_state(), found, DriftPolicy()) == []


def test_each_edited_group_is_found_from_and_to_in_plan_order() -> None:
    found = _state(stock=3, title="Frame Murah", price=139_000)
    drift = find_drift(_state(), found, DriftPolicy())
    assert [(d.group, d.confirmed, d.found) for d in drift] == [
        ("title", "Frame Racing 5 Inch FPV", "Frame Murah"), ("price", 150_000, 139_000), ("stock", 12, 3)]
    assert all(d.action is DriftAction.OVERWRITE for d in drift)


def test_brand_and_package_are_not_drift_a_read_back_never_confirms_them() -> None:
    assert find_drift(_state(), _state(brand="Other", package=[1, 1, 1, 1]), DriftPolicy()) == []


def test_a_variant_price_edit_is_price_drift() -> None:
    stored = _state(price={"A-RED": 41_000, "A-BLUE": 41_000}, stock={"A-RED": 5, "A-BLUE": 5})
    found = _state(price={"A-RED": 39_000, "A-BLUE": 41_000}, stock={"A-RED": 5, "A-BLUE": 5})
    assert [d.group for d in find_drift(stored, found, DriftPolicy())] == ["price"]


def test_overwrite_makes_the_plan_see_the_edit_and_report_keeps_it_out_of_the_plan() -> None:
    master = _state()  # what the last sync confirmed is the master's listing
    found = _state(title="Frame Murah", price=139_000)
    policy = parse_policy("overwrite,title=report")
    drift = find_drift(master, found, policy)
    assert {d.group: d.action for d in drift} == {"title": DriftAction.REPORT, "price": DriftAction.OVERWRITE}
    stored = state_after_drift(master, found, drift)
    assert stored["price"] == 139_000 and stored["title"] == master["title"]
    # the plan compares the master's listing with the stored state: only the overwritten group differs
    assert differing_groups(master, stored) == frozenset({"price"})


def test_state_after_drift_leaves_the_stored_state_untouched_when_everything_is_reported() -> None:
    master = _state()
    found = _state(stock=0)
    drift = find_drift(master, found, parse_policy("report"))
    assert state_after_drift(master, found, drift) == master


@pytest.mark.parametrize(("text", "default", "named"), [
    ("overwrite", DriftAction.OVERWRITE, {}),
    ("report", DriftAction.REPORT, {}),
    ("title=report", DriftAction.OVERWRITE, {"title": DriftAction.REPORT}),
    (" Report , price=overwrite,stock = OVERWRITE ", DriftAction.REPORT,
     {"price": DriftAction.OVERWRITE, "stock": DriftAction.OVERWRITE}),
])
def test_policy_text(text: str, default: DriftAction, named: dict[str, DriftAction]) -> None:
    policy = parse_policy(text)
    assert policy.default is default and dict(policy.by_group or {}) == named


@pytest.mark.parametrize(("text", "message"), [
    ("ignore", "'ignore': the action must be one of overwrite, report"),
    ("colour=report", "unknown field group 'colour'"),
    ("title=keep", "'title=keep': the action must be one of"),
])
def test_a_bad_policy_is_refused_naming_the_item(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_policy(text)


def test_the_setting_defaults_to_overwrite_and_a_bad_one_is_a_config_error_naming_it() -> None:
    assert load_settings({"HOME": "/nonexistent"}).drift.policy.action("title") is DriftAction.OVERWRITE
    broken = load_settings({"HOME": "/nonexistent", "SYNCSTORE_DRIFT_POLICY": "title=ignore"})
    with pytest.raises(ConfigError, match=r"drift\.policy \(from env SYNCSTORE_DRIFT_POLICY\): 'title=ignore'"):
        broken.validate()

