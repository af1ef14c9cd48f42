"""The seller's report of one batch: the data, the rule that recommends what to do next, three renderers.

Pure: `syncstore_cli.app.reports` gathers a `BatchReport` from the store; nothing here reads or writes.

Two shapes, after the seller's templates. A pilot (a manual sync, or a batch of at most
`PILOT_MAX_PRODUCTS` products) renders as "TEST REPORT": one block per product and platform (id,
SKU, title, action, listing id, status, price, read-back, timestamp), then the totals. Any other
batch renders as "BATCH SYNC TEST REPORT": the totals, blocked jobs grouped by reason, failed jobs
with their messages, time and API calls per product, the spot check, the validation, the approval
and any rollback. Both end with "Issues found" and a "Recommendation" (`recommend`).

Every figure comes from the report; one that was not measured renders as "not run" (a check) or
"not measured" (a time), never as a default. The renderers share one neutral layout (`layout`), so
the text (fixed width, at most `TEXT_WIDTH` columns), Markdown and HTML files say the same things.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, TypeAlias

from syncstore_cli.domain.vocabulary import DEAD_LETTER, OPEN, JobState, RollbackStepState

PILOT_MAX_PRODUCTS: Final = 2
TEXT_WIDTH: Final = 100
NOT_RUN: Final = "not run"
NOT_MEASURED: Final = "not measured"
LIST_LIMIT: Final = 200  # failed jobs listed one by one; the rest are counted (`syncstore dlq list` has them all)
EXAMPLES: Final = 5  # product ids named per group of blocked or failed jobs

ReportFormat: TypeAlias = Literal["text", "md", "html"]
FORMATS: Final[dict[str, str]] = {"text": "txt", "md": "md", "html": "html"}  # format -> file extension

# --------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class JobLine:
    """One product on one platform in the batch, as its job ended (or stands)."""

    product_id: str
    platform: str
    state: str  # done | blocked | failed | dead | pending | leased
    action: str | None  # create | update | no_change | blocked; None before the plan ran
    external_id: str | None
    message: str | None  # the engine's words: "created 123; read back as intended (NORMAL)", or why not
    error_code: str | None
    attempts: int
    finished_at: datetime | None
    sku: str | None = None  # None: the product is no longer in the catalog
    title: str | None = None
    # The price the marketplace confirmed on the read-back after this job (an amount, or variant SKU ->
    # amount); None when there is none to show, and `price_note` says why.
    price: int | Mapping[str, int] | None = None
    price_note: str | None = None
    # Pilots: the marketplace category ("id path") and the attribute values ("name: value") it is filed with.
    category: str | None = None
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationCheck:
    name: str
    passed: bool
    checked: int
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadBackResult:
    product_id: str
    platform: str
    external_id: str | None
    passed: bool
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationRun:
    """The latest `syncstore validate --batch B`."""

    run_id: int
    passed: bool
    summary: str
    finished_at: datetime | None
    stale: bool  # it finished before the batch did, so it does not cover the batch's last jobs
    checks: tuple[ValidationCheck, ...] = ()


@dataclass(frozen=True)
class SpotCheckRun:
    """The latest `syncstore spot-check B`."""

    run_id: int
    passed: bool
    summary: str
    finished_at: datetime | None
    stale: bool
    results: tuple[ReadBackResult, ...] = ()

    @property
    def differing(self) -> int:
        return sum(1 for r in self.results if not r.passed)


@dataclass(frozen=True)
class ApprovalInfo:
    approved_at: datetime | None
    products: int
    note: str | None = None


@dataclass(frozen=True)
class RollbackLine:
    product_id: str
    platform: str
    action: str  # restore | delete | nothing
    external_id: str | None
    state: str  # pending | done | failed
    message: str | None


@dataclass(frozen=True)
class LoggedCall:
    """One logged marketplace request (one attempt) of the batch: what the charts are drawn from."""

    product_id: str | None
    job_id: int | None
    platform: str
    method: str
    path: str
    failed: bool
    elapsed_ms: int
    ended_at: datetime | None  # when the answer (or the error) came


@dataclass(frozen=True)
class EndpointCalls:
    endpoint: str  # "tiktok POST /product/202309/products/{id}/partial_edit": ids folded
    calls: int
    errors: int = 0


@dataclass(frozen=True)
class ProductTime:
    product_id: str
    seconds: float  # from its first request's start to its last answer, summed over its jobs


def endpoint_of(platform: str, method: str, path: str) -> str:
    """The endpoint a request called, with the ids in its path folded to `{id}`. The segment after the
    first is kept even when it is all digits: it is TikTok's API version (`/product/202309/...`)."""
    parts = path.split("?", 1)[0].split("/")
    folded = "/".join("{id}" if index > 2 and part.isdigit() else part for index, part in enumerate(parts))
    return f"{platform} {method.upper()} {folded}"


def calls_by_endpoint(calls: Iterable[LoggedCall]) -> tuple[EndpointCalls, ...]:
    """Requests and errors per endpoint, the most called first."""
    counts: dict[str, list[int]] = {}
    for call in calls:
        tally = counts.setdefault(endpoint_of(call.platform, call.method, call.path), [0, 0])
        tally[0] += 1
        tally[1] += int(call.failed)
    return tuple(sorted((EndpointCalls(e, n, errors) for e, (n, errors) in counts.items()),
                        key=lambda c: (-c.calls, c.endpoint)))


def time_per_product(calls: Iterable[LoggedCall]) -> tuple[ProductTime, ...]:
    """Each product's time at the marketplaces, from its logged requests: per job, the first request's start
    (its answer less its duration) to the last answer; summed over the product's jobs, so queue waits
    between its platforms do not count. Products without a timed request are left out, slowest first."""
    spans: dict[tuple[str, int | None], tuple[datetime, datetime]] = {}
    for call in calls:
        if call.product_id is None or call.ended_at is None:
            continue
        end = _utc(call.ended_at)
        start = end - timedelta(milliseconds=max(call.elapsed_ms, 0))
        key = (call.product_id, call.job_id)
        known = spans.get(key)
        spans[key] = (start, end) if known is None else (min(known[0], start), max(known[1], end))
    totals: dict[str, float] = {}
    for (product_id, _), (start, end) in spans.items():
        totals[product_id] = totals.get(product_id, 0.0) + (end - start).total_seconds()
    return tuple(sorted((ProductTime(p, s) for p, s in totals.items()), key=lambda t: (-t.seconds, t.product_id)))


@dataclass(frozen=True)
class BatchReport:
    """Everything the report says about one batch, each figure as the store measured it."""

    batch_id: str
    kind: str  # batch | manual | rollback
    platforms: tuple[str, ...]
    status: str  # queued | running | completed | failed
    created_at: datetime | None
    finished_at: datetime | None
    generated_at: datetime
    jobs: tuple[JobLine, ...] = ()
    api_calls: int = 0  # sync_logs rows of the batch: one per marketplace request (each attempt)
    api_errors: int = 0
    spot_check: SpotCheckRun | None = None
    validation: ValidationRun | None = None
    approval: ApprovalInfo | None = None
    rollback: tuple[RollbackLine, ...] = ()
    forced: bool = False  # started past the staged rollout's limit by the owner
    backup_id: str | None = None
    source: str | None = None
    # What the charts draw, from the logged requests; empty when none was logged (the charts say "not measured").
    endpoint_calls: tuple[EndpointCalls, ...] = ()
    product_times: tuple[ProductTime, ...] = ()

    # -- derived figures (all from the jobs and timestamps above) --------------------------------
    @property
    def total_jobs(self) -> int:
        return len(self.jobs)

    @property
    def products(self) -> int:
        return len({j.product_id for j in self.jobs})

    def _count(self, states: Collection[str]) -> int:
        return sum(1 for j in self.jobs if j.state in states)

    @property
    def completed(self) -> int:
        return self._count((JobState.DONE,))

    @property
    def blocked(self) -> int:
        return self._count((JobState.BLOCKED,))

    @property
    def failed(self) -> int:
        return self._count(DEAD_LETTER)

    @property
    def open_jobs(self) -> int:
        return self._count(OPEN)

    @property
    def blocked_products(self) -> int:
        return len({j.product_id for j in self.jobs if j.state == JobState.BLOCKED})

    @property
    def duration_seconds(self) -> float | None:
        """Finished minus created; None while the batch has not finished."""
        if self.created_at is None or self.finished_at is None or self.open_jobs:
            return None
        return max((_utc(self.finished_at) - _utc(self.created_at)).total_seconds(), 0.0)

    @property
    def seconds_per_product(self) -> float | None:
        duration = self.duration_seconds
        return None if duration is None or not self.products else duration / self.products

    @property
    def calls_per_product(self) -> float | None:
        return None if not self.products else self.api_calls / self.products

    @property
    def completions(self) -> tuple[datetime, ...]:
        """When each completed (done) job finished, earliest first; jobs without a finish time left out."""
        return tuple(sorted(_utc(j.finished_at) for j in self.jobs
                            if j.state == JobState.DONE and j.finished_at is not None))

    @property
    def is_pilot(self) -> bool:
        return self.kind == "manual" or self.products <= PILOT_MAX_PRODUCTS

    @property
    def title(self) -> str:
        return "TEST REPORT" if self.is_pilot else "BATCH SYNC TEST REPORT"


@dataclass(frozen=True)
class Recommendation:
    verdict: str  # empty | wait | rollback | rolled_back | do_not_scale | fix_blocked | run_checks | approved | ready
    text: str

    @property
    def ready(self) -> bool:
        return self.verdict in ("ready", "approved")


# --------------------------------------------------------------------------- the rule


def count_of(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def recommend(report: BatchReport) -> Recommendation:
    """What the seller should do next, from the measured data only; the first rule that applies wins.

    No jobs; jobs still open (wait); a rollback (finish it, or start again); failed jobs (do not scale);
    a failed validation or spot check (do not scale); blocked products (fix them in the catalog);
    a missing or stale spot check or validation (run them); approved; otherwise ready.
    """
    b = report.batch_id
    if not report.jobs:
        return Recommendation("empty", "Nothing to judge: the batch has no jobs.")
    if report.open_jobs:
        return Recommendation("wait", f"Wait: {report.open_jobs:,} of {report.total_jobs:,} jobs are still open; let "
                                      f"the worker finish (`syncstore sync status {b}`), then write this report again.")
    if report.rollback:
        unfinished = sum(1 for s in report.rollback if s.state != RollbackStepState.DONE)
        if unfinished:
            return Recommendation("rollback", f"Finish the rollback: {count_of(unfinished, 'step')} not done; run "
                                              f"`syncstore rollback {b}` again (it resumes).")
        return Recommendation("rolled_back", "Rolled back: the listings are as they were before this batch; fix the "
                                             "issues found and run a new batch.")
    if report.failed:
        return Recommendation("do_not_scale", f"Do not scale: fix the {count_of(report.failed, 'failure')} (see "
                                              "`syncstore dlq list`) and re-run.")
    validation, spot = report.validation, report.spot_check
    if validation is not None and not validation.stale and not validation.passed:
        failing = ", ".join(c.name for c in validation.checks if not c.passed) or validation.summary
        return Recommendation("do_not_scale", f"Do not scale: validation failed ({failing}); fix the issues found and "
                                              f"run `syncstore validate --batch {b}` again.")
    if spot is not None and not spot.stale and not spot.passed:
        return Recommendation("do_not_scale", f"Do not scale: the spot check found "
                                              f"{count_of(spot.differing, 'listing')} that differ from what was sent; "
                                              f"fix them and run `syncstore spot-check {b}` again.")
    missing = []
    if spot is None or spot.stale:
        missing.append(f"`syncstore spot-check {b}`")
    if validation is None or validation.stale:
        missing.append(f"`syncstore validate --batch {b}`")
    when = "before approving" if report.kind == "batch" else "before moving on"
    run_checks = f"Run {' and '.join(missing)} {when}." if missing else ""
    if report.blocked:
        rest = "the rest is synced" if report.completed else "nothing else was in the batch"
        text = f"Fix the {count_of(report.blocked_products, 'blocked product')} in the catalog; {rest}."
        return Recommendation("fix_blocked", f"{text} {run_checks}".strip())
    if missing:
        return Recommendation("run_checks", run_checks)
    if report.approval is not None:
        return Recommendation("approved", f"Approved {fmt_time(report.approval.approved_at)}: move to the next stage "
                                          "(`syncstore rollout` shows how many products a batch may now hold).")
    if report.kind == "batch":
        return Recommendation("ready", f"Ready: approve this batch (`syncstore approve {b}`) and move to the next "
                                       "stage.")
    return Recommendation("ready", "Ready: the pilot passed; move to the next stage, a batch (`syncstore rollout` "
                                   "shows how many products it may hold).")


# --------------------------------------------------------------------------- grouping and issues


def reason_key(message: str | None) -> str:
    """What jobs blocked or failed for the same reason share: the message's first clause, with numbers
    and quoted values made generic: "has 1 image(s); at least 3 needed" becomes "has N image(s)"."""
    if not message or not message.strip():
        return "(no message)"
    first = message.split(" | ")[0].split("; ")[0].strip()
    first = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", first)
    first = re.sub(r"\d[\d,.]*", "N", first)
    return first if len(first) <= 90 else first[:89] + "…"


@dataclass(frozen=True)
class ReasonGroup:
    error_code: str
    reason: str
    jobs: int
    product_ids: tuple[str, ...]  # distinct, in job order
    example: str  # the first job's whole message


def group_reasons(jobs: Sequence[JobLine]) -> list[ReasonGroup]:
    """Jobs grouped by (error code, `reason_key`), largest group first."""
    groups: dict[tuple[str, str], list[JobLine]] = {}
    for job in jobs:
        groups.setdefault((job.error_code or "-", reason_key(job.message)), []).append(job)
    result = [ReasonGroup(code, reason, len(members), tuple(dict.fromkeys(j.product_id for j in members)),
                          members[0].message or "") for (code, reason), members in groups.items()]
    return sorted(result, key=lambda g: (-g.jobs, g.error_code, g.reason))


def some_ids(ids: Sequence[str], limit: int = EXAMPLES) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def issues(report: BatchReport) -> list[str]:
    """Every problem the measured data shows, summarised: open, failed and blocked jobs (grouped), failing
    or stale checks, unfinished rollback steps. Empty when there are none."""
    found: list[str] = []
    if report.open_jobs:
        found.append(f"{count_of(report.open_jobs, 'job')} still open (pending or in progress).")
    for label, states in (("failed", DEAD_LETTER), ("blocked", {JobState.BLOCKED})):
        for g in group_reasons([j for j in report.jobs if j.state in states]):
            found.append(f"{count_of(g.jobs, 'job')} {label} ({g.error_code}): {g.example} "
                         f"[{some_ids(g.product_ids)}]")
    validation = report.validation
    if validation is not None:
        if validation.stale:
            found.append(f"The latest validation (run {validation.run_id}) ran before the batch finished; it does "
                         "not cover the batch's last jobs.")
        for check in validation.checks:
            if not check.passed:
                first = f", first: {check.problems[0]}" if check.problems else ""
                found.append(f"Validation check {check.name} failed: "
                             f"{count_of(len(check.problems), 'problem')}{first}")
        if not validation.passed and not any(not c.passed for c in validation.checks):
            found.append(f"Validation failed: {validation.summary}")
    spot = report.spot_check
    if spot is not None:
        if spot.stale:
            found.append(f"The latest spot check (run {spot.run_id}) ran before the batch finished.")
        for r in spot.results:
            if not r.passed:
                found.append(f"Spot check: {r.product_id} on {r.platform} differs: "
                             f"{'; '.join(r.differences) or 'no detail recorded'}")
        if not spot.passed and not spot.differing:
            found.append(f"Spot check failed: {spot.summary}")
    for step in report.rollback:
        if step.state != RollbackStepState.DONE:
            found.append(f"Rollback of {step.product_id} on {step.platform} ({step.action}) is {step.state}"
                         + (f": {step.message}" if step.message else "."))
    return found


# --------------------------------------------------------------------------- formatting


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def fmt_int(n: int) -> str:
    return f"{n:,}"


def fmt_time(moment: datetime | None, missing: str = NOT_MEASURED) -> str:
    return missing if moment is None else _utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return NOT_MEASURED
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours:,} h {minutes:02d} min {secs:02d} s"
    return f"{minutes} min {secs:02d} s"


def fmt_price(price: int | Mapping[str, int] | None, note: str | None = None) -> str:
    if price is None:
        return note or NOT_MEASURED
    if isinstance(price, int):
        text = f"Rp {price:,}"
    else:
        amounts = sorted(price.values())
        if not amounts:
            return note or NOT_MEASURED
        variants = count_of(len(amounts), "variant")
        text = (f"Rp {amounts[0]:,} ({variants})" if amounts[0] == amounts[-1]
                else f"Rp {amounts[0]:,}–{amounts[-1]:,} ({variants})")
    return f"{text} — {note}" if note else text


def ratio_text(value: float | None) -> str:
    return NOT_MEASURED if value is None else f"{value:,.2f}"


def passed_text(passed: bool) -> str:
    return "PASSED" if passed else "FAILED"


# --------------------------------------------------------------------------- the neutral layout
