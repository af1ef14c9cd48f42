"""Field groups, and which of them differ between two listings: the one comparison behind a plan's
fields to update, a read-back, a rollback's restore and the checks. Pure: plain mappings in.

A listing's state is a dict of field groups (`DesiredListing.groups()`, or `engine.remote.remote_state`
of a marketplace listing). Two states match in a group when the group's values are equal, except
images, which are compared by their count: a marketplace serves its own copies under its own URLs,
so a listing never shows the URLs it was sent; and attributes, which are compared for the attributes
that are wanted only: a marketplace may fill in others of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

# Field groups, in the order a plan prints them; the same names as marketplaces.base.UPDATE_FIELDS.
FIELD_GROUPS: Final[tuple[str, ...]] = (
    "title", "description", "images", "category", "brand", "attributes", "package", "variants", "price", "stock",
)
# The groups a read-back after a create or update confirms (not brand or package), in the order its
# messages name them.
CONFIRMED_GROUPS: Final[tuple[str, ...]] = ("title", "description", "category", "attributes", "variants", "price",
                                            "stock", "images")
IMAGES: Final = "images"
ATTRIBUTES: Final = "attributes"


def _image_count(state: Mapping[str, Any]) -> int:
    return len(state.get(IMAGES) or [])


def group_differs(wanted: Mapping[str, Any], found: Mapping[str, Any], group: str) -> bool:
    if group == IMAGES:
        return _image_count(wanted) != _image_count(found)
    if group == ATTRIBUTES:
        have = found.get(ATTRIBUTES) or {}
        return any(have.get(attribute) != values for attribute, values in (wanted.get(ATTRIBUTES) or {}).items())
    return bool(wanted.get(group) != found.get(group))


def differing_groups(wanted: Mapping[str, Any], found: Mapping[str, Any], *,
                     groups: Iterable[str] = FIELD_GROUPS) -> frozenset[str]:
    """The groups (of `groups`) in which `found` is not what is `wanted`; images by their count."""
    return frozenset(g for g in groups if group_differs(wanted, found, g))


def in_order(groups: Iterable[str], order: Iterable[str] = FIELD_GROUPS) -> list[str]:
    """`groups` in `order` (the plan's, by default), for messages that name them."""
    chosen = set(groups)
    return [g for g in order if g in chosen]


def describe_differences(wanted: Mapping[str, Any], found: Mapping[str, Any], *,
                         groups: Iterable[str] = CONFIRMED_GROUPS) -> list[str]:
    """'title: sent 'A', marketplace has 'B'' for each group (of `groups`, in that order) that differs;
    'images: sent 3, marketplace has 2' for images. [] when they match."""
    problems = []
    for group in groups:
        if not group_differs(wanted, found, group):
            continue
        if group == IMAGES:
            problems.append(f"images: sent {_image_count(wanted)}, marketplace has {_image_count(found)}")
        else:
            problems.append(f"{group}: sent {short(wanted.get(group))}, marketplace has {short(found.get(group))}")
    return problems


def short(value: Any, limit: int = 80) -> str:
    """`repr(value)`, cut to `limit` characters with an ellipsis."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
