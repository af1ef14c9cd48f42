"""Which field groups differ: the one comparison behind update, read-back, rollback and the checks (pure)."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import pytest

from syncstore_cli.domain.checks import group_differences
from syncstore_cli.domain.desired import GROUPS
from syncstore_cli.domain.fieldgroups import (
    CONFIRMED_GROUPS,
    FIELD_GROUPS,
    describe_differences,
    differing_groups,
    in_order,
    short,
)

WANTED: dict[str, Any] = {
    "title": "Frame Racing 5 Inch", "description": "Carbon fiber frame. " * 8,
    "images": ["http://x/1.png", "http://x/2.png", "http://x/3.png"], "category": "101944", "brand": "iFlight",
    "package": [120, 25, 20, 5], "variants": {"tiers": [], "skus": []}, "price": 172_500, "stock": 25,
}


def _found(**changes: Any) -> dict[str, Any]:
    found = deepcopy(WANTED)
    found["images"] = ["https://cdn.marketplace/a.jpg", "https://cdn.marketplace/b.jpg",
                       "https://cdn.marketplace/c.jpg"]  # its own copies, under its own URLs
    found.update(changes)
    return found


def test_the_groups_are_the_plans() -> None:
    assert FIELD_GROUPS == GROUPS == (
        "title", "description", "images", "category", "brand", "attributes", "package", "variants", "price",
        "stock")
    assert set(CONFIRMED_GROUPS) == set(FIELD_GROUPS) - {"brand", "package"}


def test_images_are_compared_by_count() -> None:
    assert differing_groups(WANTED, _found()) == frozenset()
    assert differing_groups(WANTED, _found(images=["https://cdn/a.jpg"])) == {"images"}
    assert differing_groups({"images": None}, {}) == frozenset()  # a missing group has no images


def test_other_groups_are_compared_by_value() -> None:
    found = _found(price=180_000, brand="No Brand", package=[120, 25, 20, 6])
    assert differing_groups(WANTED, found) == {"price", "brand", "package"}
    assert differing_groups(WANTED, found, groups=("title", "price")) == {"price"}
    assert in_order(differing_groups(WANTED, found)) == ["brand", "package", "price"]


def test_the_messages_name_what_was_sent_and_what_is_there() -> None:
    found = _found(title="Frame Racing 5in", stock=24, images=["https://cdn/a.jpg"], brand="Other")
    assert describe_differences(WANTED, found) == [
        "title: sent 'Frame Racing 5 Inch', marketplace has 'Frame Racing 5in'",
        "stock: sent 25, marketplace has 24",
        "images: sent 3, marketplace has 1",  # the read-back's order: images last; brand is not read back
    ]
    assert describe_differences(WANTED, found, groups=("brand", "package")) == ["brand: sent 'iFlight', "
                                                                                "marketplace has 'Other'"]
    assert describe_differences(WANTED, _found()) == []


def test_long_values_are_cut() -> None:
    assert short("x" * 100) == repr("x" * 100)[:79] + "…" and len(short("x" * 100)) == 80
    assert short([1, 2]) == "[1, 2]"
    message = describe_differences(WANTED, _found(description="other"))[0]
    assert message.startswith("description: sent 'Carbon fiber frame. Carbon")
    assert message.endswith("…, marketplace has 'other'")


# -- the same answers as the four comparisons this replaced ---------------------------------------------

def _old_readback(wanted: dict[str, Any], found: dict[str, Any]) -> list[str]:
    problems = []
    for group in ("title", "description", "category", "variants", "price", "stock"):
        if wanted[group] != found[group]:
            problems.append(f"{group}: sent {short(wanted[group])}, marketplace has {short(found[group])}")
    if len(wanted["images"]) != len(found["images"]):
        problems.append(f"images: sent {len(wanted['images'])}, marketplace has {len(found['images'])}")
    return problems


def _old_update_fields(wanted: dict[str, Any], current: dict[str, Any]) -> frozenset[str]:
    fields = frozenset(g for g in wanted if g != "images" and wanted[g] != current[g])
    if len(current["images"]) != len(wanted["images"]):
        fields |= {"images"}
    return fields


def _old_rollback(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    changed = []
    for group in FIELD_GROUPS:
        if group == "images":
            if len(before.get("images") or []) != len(now.get("images") or []):
                changed.append(group)
        elif before.get(group) != now.get(group):
            changed.append(group)
    return changed


CASES = [
    {}, {"title": "T"}, {"images": []}, {"images": ["a", "b", "c", "d"]}, {"price": {"A": 1}},
    {"variants": {"tiers": ["Warna"], "skus": [["A", ["Red"]]]}, "stock": {"A": 3}},
    {"brand": "B", "package": [0, 0, 0, 0], "category": "1"}, {"description": "", "title": "", "stock": 0},
]


@pytest.mark.parametrize("changes", CASES)
def test_the_same_answers_as_before(changes: dict[str, Any]) -> None:
    found = _found(**changes)
    assert describe_differences(WANTED, found) == _old_readback(WANTED, found)
    assert differing_groups(WANTED, found) == _old_update_fields(WANTED, found)
    assert in_order(differing_groups(WANTED, found)) == _old_rollback(WANTED, found)
    assert group_differences(WANTED, found, ("brand", "package")) == [
        f"{g}: sent {short(WANTED.get(g))}, marketplace has {short(found.get(g))}"
        for g in ("brand", "package") if WANTED.get(g) != found.get(g)]


def test_attributes_differ_only_where_a_wanted_one_differs() -> None:
    wanted = {"attributes": {"100010": ["China"], "100037": ["1 Bulan"]}}
    # The marketplace may fill in attributes of its own: those are not a difference.
    assert differing_groups(wanted, {"attributes": {"100010": ["China"], "100037": ["1 Bulan"], "9": ["x"]}},
                            groups=["attributes"]) == frozenset()
    assert differing_groups(wanted, {"attributes": {"100010": ["China"]}}, groups=["attributes"]) == {"attributes"}
    assert differing_groups(wanted, {"attributes": {"100010": ["Indonesia"], "100037": ["1 Bulan"]}},
                            groups=["attributes"]) == {"attributes"}
