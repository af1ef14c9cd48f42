"""The staged rollout: how many products a batch may hold, given what has been approved so far.

The seller's rule is "better 50 products perfectly than 4,000 with errors": a batch holds at most
10 products until a batch of 10 has finished with no failures, passed validation and been
approved; then at most 50 until an approved batch of 50; then at most 1,000. Unresolved
dead-letter jobs block stepping up to a stage not reached before (they do not shrink a stage
already reached: fixing them may need a batch of that size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

STAGES = (10, 50, 1000)


@dataclass(frozen=True)
class RolloutDecision:
    allowed: bool
    limit: int  # the most products a batch may hold now
    reason: str  # why this limit (or why the batch is refused)
    next_step: str  # what the owner does to raise it ("" at the last stage)


def stage_limit(approved_sizes: Sequence[int]) -> int:
    """The largest batch the approvals allow, ignoring dead letters."""
    limit = STAGES[0]
    for stage, following in pairwise(STAGES):
        if any(size >= stage for size in approved_sizes):
            limit = following
    return limit


def decide(requested: int, approved_sizes: Sequence[int], largest_run: int, dead_letters: int) -> RolloutDecision:
    """May a batch of `requested` products start? `largest_run` is the largest batch already run."""
    earned = stage_limit(approved_sizes)
    reached = max((s for s in STAGES if s <= max(largest_run, STAGES[0])), default=STAGES[0])
    limit = earned if dead_letters == 0 else min(earned, reached)
    position = STAGES.index(limit) if limit in STAGES else 0
    if position + 1 < len(STAGES):
        next_step = (f"finish a batch of {limit} products with no failures, run `syncstore validate --batch B`, "
                     f"then `syncstore approve B` to allow batches of up to {STAGES[position + 1]}")
    else:
        next_step = ""
    if dead_letters and limit < earned:
        reason = (f"{dead_letters} dead-letter job(s) are unresolved, so the rollout stays at {limit} products; "
                  "review them with `syncstore dlq list` and retry or fix them first")
        next_step = "resolve the dead-letter jobs (`syncstore dlq list`, `syncstore dlq retry`)"
    elif limit == STAGES[0] and not approved_sizes:
        reason = f"no batch has been approved yet, so a batch may hold at most {limit} products"
    else:
        reason = f"the approved batches allow at most {limit} products per batch"
    if requested <= limit:
        return RolloutDecision(True, limit, reason, next_step)
    return RolloutDecision(False, limit, f"a batch of {requested:,} products is refused: {reason}", next_step)
