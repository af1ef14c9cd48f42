"""The vocabulary: each word is the string the database and the JSON have always held (pure)."""

from __future__ import annotations

import json

import pytest

from syncstore_cli.domain import catalog
from syncstore_cli.domain.vocabulary import (
    DEAD_LETTER,
    FINISHED,
    OPEN,
    BatchStatus,
    ErrorCode,
    JobState,
    ListingStatus,
    RollbackAction,
    RollbackStepState,
    SyncStatus,
    label_for,
)

# The labels `sync status` and `dlq list` show (QUOTA_WAIT is new: a job waiting for a daily quota's reset).
LABELS = {
    "INVALID_PRODUCT": "Invalid product", "PRODUCT_NOT_FOUND": "Product not found",
    "LISTING_NOT_FOUND": "Listing not found", "UNAUTHORIZED": "Unauthorized", "RATE_LIMITED": "Rate limited",
    "MARKETPLACE_UNAVAILABLE": "Marketplace unavailable", "QUOTA_WAIT": "Waiting for a daily quota",
    "REJECTED_BY_MARKETPLACE": "Rejected by marketplace",
    "READBACK_MISMATCH": "Read-back mismatch", "IMAGE_UNREACHABLE": "Image unreachable",
    "DUPLICATE_LISTING": "Duplicate listing", "WORKER_LOST": "Worker lost", "INTERNAL_ERROR": "Internal error",
}


def test_the_stored_strings_do_not_change() -> None:
    assert [s.value for s in JobState] == ["pending", "leased", "done", "blocked", "failed", "dead"]
    assert [s.value for s in BatchStatus] == ["queued", "running", "completed", "failed"]
    assert [s.value for s in RollbackAction] == ["restore", "delete", "nothing"]
    assert [s.value for s in RollbackStepState] == ["pending", "planned", "done", "failed"]
    assert [s.value for s in SyncStatus] == ["not_synced", "syncing", "synced", "error"]
    assert [s.value for s in ListingStatus] == ["not_synced", "listed"]
    assert [c.value for c in ErrorCode] == list(LABELS)


def test_a_member_is_its_string() -> None:
    from_a_row: str = "done"
    assert from_a_row == JobState.DONE and JobState("dead") is JobState.DEAD
    assert json.dumps({"state": JobState.BLOCKED, "code": ErrorCode.RATE_LIMITED}) == \
        '{"state": "blocked", "code": "RATE_LIMITED"}'
    assert f"{BatchStatus.COMPLETED}" == "completed" and str(ErrorCode.WORKER_LOST) == "WORKER_LOST"
    assert "failed" in DEAD_LETTER and "leased" in OPEN and "done" in FINISHED  # plain strings from a row


def test_the_state_groups() -> None:
    assert {JobState.FAILED, JobState.DEAD} == DEAD_LETTER
    assert {JobState.PENDING, JobState.LEASED} == OPEN
    assert set(JobState) - OPEN == FINISHED
    assert DEAD_LETTER < FINISHED


@pytest.mark.parametrize(("code", "label"), list(LABELS.items()))
def test_every_error_code_has_its_label(code: str, label: str) -> None:
    assert ErrorCode(code).label == label
    assert label_for(code) == label


def test_label_for_an_unknown_code_or_none() -> None:
    assert label_for("SOME_NEW_CODE") == "Some new code"
    assert label_for(None) == "Internal error" and label_for("") == "Internal error"


def test_sync_status_is_still_importable_from_the_catalog() -> None:
    assert catalog.SyncStatus is SyncStatus
    assert SyncStatus.NOT_SYNCED.label == "Not Synced"
