"""SyncStore's own words, defined once: job states, batch statuses, error codes, rollback steps and
where a product or listing stands with the marketplaces.

Each is a `StrEnum`, so a member *is* its string: the database columns and the JSON output hold
exactly the strings they always held ("done", "INVALID_PRODUCT"), a plain string read back from the
database compares equal to its member, and `JobState(row.state)` turns it into one. Pure: no I/O.

The marketplaces' own words (Shopee's and TikTok's statuses and error codes) are not here: they
belong to the adapters and the sandbox, which mimic them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class JobState(StrEnum):
    """One product on one platform in a batch: pending -> leased -> done | blocked | failed | dead."""

    PENDING = "pending"  # waiting for a worker (new, rescheduled, or requeued from the dead letters)
    LEASED = "leased"  # a worker holds it
    DONE = "done"  # the marketplace has what the catalog wants, confirmed by a read-back
    BLOCKED = "blocked"  # the product breaks a rule, or its images are unreachable: never sent
    FAILED = "failed"  # a permanent failure (rejected, unauthorized, read-back mismatch)
    DEAD = "dead"  # retriable failures until the attempts ran out


FINISHED: Final[frozenset[JobState]] = frozenset({JobState.DONE, JobState.BLOCKED, JobState.FAILED, JobState.DEAD})
# What a person must look at: permanent failures and exhausted retries (`syncstore dlq list`).
DEAD_LETTER: Final[frozenset[JobState]] = frozenset({JobState.FAILED, JobState.DEAD})
OPEN: Final[frozenset[JobState]] = frozenset({JobState.PENDING, JobState.LEASED})


class BatchStatus(StrEnum):
    """A batch: queued until a worker claims its first job, running until no job is open, then settled."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"  # every job finished and none is dead-lettered (blocked jobs do not fail a batch)
    FAILED = "failed"  # at least one job failed or is dead


class ErrorCode(StrEnum):
    """The stable error codes of the seller's contract, one per kind of failure; `.label` is how they read."""

    INVALID_PRODUCT = "INVALID_PRODUCT"
    PRODUCT_NOT_FOUND = "PRODUCT_NOT_FOUND"
    LISTING_NOT_FOUND = "LISTING_NOT_FOUND"
    UNAUTHORIZED = "UNAUTHORIZED"
    RATE_LIMITED = "RATE_LIMITED"
    MARKETPLACE_UNAVAILABLE = "MARKETPLACE_UNAVAILABLE"
    QUOTA_WAIT = "QUOTA_WAIT"  # a daily quota is used up: the job waits for its reset (not a failure)
    REJECTED_BY_MARKETPLACE = "REJECTED_BY_MARKETPLACE"
    READBACK_MISMATCH = "READBACK_MISMATCH"
    IMAGE_UNREACHABLE = "IMAGE_UNREACHABLE"
    DUPLICATE_LISTING = "DUPLICATE_LISTING"
    WORKER_LOST = "WORKER_LOST"
    INTERNAL_ERROR = "INTERNAL_ERROR"

    @property
    def label(self) -> str:
        return _ERROR_LABELS[self]


_ERROR_LABELS: Final[dict[ErrorCode, str]] = {
    ErrorCode.INVALID_PRODUCT: "Invalid product",
    ErrorCode.PRODUCT_NOT_FOUND: "Product not found",
    ErrorCode.LISTING_NOT_FOUND: "Listing not found",
    ErrorCode.UNAUTHORIZED: "Unauthorized",
    ErrorCode.RATE_LIMITED: "Rate limited",
    ErrorCode.MARKETPLACE_UNAVAILABLE: "Marketplace unavailable",
    ErrorCode.QUOTA_WAIT: "Waiting for a daily quota",
    ErrorCode.REJECTED_BY_MARKETPLACE: "Rejected by marketplace",
    ErrorCode.READBACK_MISMATCH: "Read-back mismatch",
    ErrorCode.IMAGE_UNREACHABLE: "Image unreachable",
    ErrorCode.DUPLICATE_LISTING: "Duplicate listing",
    ErrorCode.WORKER_LOST: "Worker lost",
    ErrorCode.INTERNAL_ERROR: "Internal error",
}


def label_for(code: str | None) -> str:
    """How an error code reads: its label; a code this version does not know (an older row, say) as its
    words ("SOME_CODE" -> "Some code"); no code at all as an internal error."""
    if not code:
        return ErrorCode.INTERNAL_ERROR.label
    try:
        return ErrorCode(code).label
    except ValueError:
        return code.replace("_", " ").capitalize()


class RollbackAction(StrEnum):
    """What undoing a batch means for one listing."""

    RESTORE = "restore"  # the batch updated it: its snapshot's fields go back
    DELETE = "delete"  # the batch created it: delete it (or unlist it where the marketplace refuses)
    NOTHING = "nothing"  # the batch did not create it and there is nothing to put back


class RollbackStepState(StrEnum):
    PENDING = "pending"  # recorded, not run yet (or interrupted: a second rollback resumes it)
    PLANNED = "planned"  # what a dry run reports for a step it would run
    DONE = "done"
    FAILED = "failed"


class SyncStatus(StrEnum):
    """Where a product stands with the marketplaces (the `Status` column of `products list`)."""

    NOT_SYNCED = "not_synced"
    SYNCING = "syncing"
    SYNCED = "synced"
    ERROR = "error"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


class ListingStatus(StrEnum):
    """Whether SyncStore knows a listing id for one product on one platform (the `listings.status` column)."""

    NOT_SYNCED = "not_synced"
    LISTED = "listed"
