"""The staged rollout's rule: 10, then 50 after an approved 10, then 1,000 after an approved 50."""

from __future__ import annotations

import pytest

from syncstore_cli.domain.rollout import STAGES, decide, stage_limit


@pytest.mark.parametrize(("approved", "limit"), [
    ([], 10), ([2], 10), ([9], 10), ([10], 50), ([12, 3], 50), ([49], 50), ([10, 50], 1000), ([1000], 1000),
])
def test_approvals_raise_the_limit_stage_by_stage(approved: list[int], limit: int) -> None:
    assert stage_limit(approved) == limit


def test_a_50_product_batch_is_refused_before_an_approved_10_and_says_what_to_do() -> None:
    decision = decide(50, approved_sizes=[], largest_run=0, dead_letters=0)
    assert not decision.allowed
    assert decision.limit == 10
    assert "50 products is refused" in decision.reason
    assert "syncstore approve" in decision.next_step and "up to 50" in decision.next_step


def test_after_an_approved_10_a_50_fits_and_a_51_does_not() -> None:
    assert decide(50, [10], largest_run=10, dead_letters=0).allowed
    refused = decide(51, [10], largest_run=10, dead_letters=0)
    assert not refused.allowed and refused.limit == 50


def test_dead_letters_block_stepping_up_but_not_a_stage_already_reached() -> None:
    blocked = decide(50, [10], largest_run=10, dead_letters=2)
    assert not blocked.allowed and blocked.limit == 10
    assert "dead-letter" in blocked.reason and "dlq" in blocked.next_step
    # A stage the seller already ran at stays open: fixing the dead letters may need a batch that size.
    assert decide(50, [10], largest_run=50, dead_letters=2).allowed


def test_the_last_stage_has_no_next_step() -> None:
    decision = decide(1000, [10, 50], largest_run=50, dead_letters=0)
    assert decision.allowed and decision.limit == STAGES[-1] and decision.next_step == ""
