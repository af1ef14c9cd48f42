"""`syncstore report`: gathers one batch's measured data from the store into a `BatchReport`, renders it
(`syncstore_cli.domain.report`) and writes it atomically.

Sources, and nothing else: the batch and its jobs (`JobStore.batch`), the batch row's safety columns
and its logged API calls (`SafetyStore.batch_facts`; one by one, for the charts, `SafetyStore.batch_calls`),
the latest spot check and validation run of the batch, its approval and rollback steps (`SafetyStore`),
product SKUs and titles (`CatalogStore`), and, for a pilot, the price each listing was confirmed with on
its read-back (`JobStore.known_listing`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syncstore_cli.domain.catalog import Platform, Product
from syncstore_cli.domain.report import (
    FORMATS,
    PILOT_MAX_PRODUCTS,
    ApprovalInfo,
    BatchReport,
    JobLine,
    ReadBackResult,
    RollbackLine,
    SpotCheckRun,
    ValidationCheck,
    ValidationRun,
    calls_by_endpoint,
    recommend,
    time_per_product,
)
from syncstore_cli.domain.vocabulary import OPEN, JobState
from syncstore_cli.errors import NotFoundError, UserInputError
from syncstore_cli.render.report import render

if TYPE_CHECKING:
    from syncstore_cli.app.context import AppContext
    from syncstore_cli.store.jobs import Job, JobStore
    from syncstore_cli.store.safety import CheckRun

REPORTS_DIR = "reports"
SUFFIX_FORMATS = {".txt": "text", ".text": "text", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


@dataclass(frozen=True)
class WrittenReport:
    batch_id: str
    format: str
    path: Path
    recommendation: str
    verdict: str


def _utc(moment: Any) -> datetime | None:
    """SQLite gives naive datetimes (stored as UTC), PostgreSQL aware ones: both as aware UTC."""
    if not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _before(check_finished: datetime | None, batch_finished: datetime | None) -> bool:
    """A check is stale when the batch has not finished, or finished after the check did."""
    return batch_finished is None or check_finished is None or check_finished < batch_finished


def _str(value: Any, default: str = "") -> str:
    return default if value is None else str(value)


def _validation(run: CheckRun, batch_finished: datetime | None) -> ValidationRun:
    checks = tuple(ValidationCheck(_str(r.get("name"), "?"), bool(r.get("passed")), int(r.get("checked") or 0),
                                   tuple(str(p) for p in r.get("problems") or ()))
                   for r in run.results if isinstance(r, Mapping))
    finished = _utc(run.finished_at)
    return ValidationRun(run.id, run.passed, run.summary, finished, _before(finished, batch_finished), checks)


def _spot_check(run: CheckRun, batch_finished: datetime | None) -> SpotCheckRun:
    results = tuple(ReadBackResult(_str(r.get("product_id"), "?"), _str(r.get("platform"), "?"),
                                   None if r.get("external_id") is None else str(r.get("external_id")),
                                   bool(r.get("passed")), tuple(str(d) for d in r.get("differences") or ()))
                    for r in run.results if isinstance(r, Mapping))
    finished = _utc(run.finished_at)
    return SpotCheckRun(run.id, run.passed, run.summary, finished, _before(finished, batch_finished), results)


def _price(store: JobStore, job: Job) -> tuple[int | dict[str, int] | None, str | None]:
    """The price this job's listing was confirmed with on its read-back, or why there is none to show."""
    if job.state == JobState.BLOCKED:
        return None, "not sent (blocked)"
    if job.state in OPEN:
        return None, "not sent yet"
    if job.state != JobState.DONE:
        return None, "not confirmed (the job failed)"
    finished = _utc(job.finished_at)
    # The store keeps only the latest confirmed state: a later sync (or a rollback) of this listing
    # replaced it, and then it is not this batch's.
    for entry in store.logs(product_id=job.product_id, limit=500):
        logged = _utc(entry.get("created_at"))
        if (entry.get("batch_id") not in (job.batch_id, None) and entry.get("platform") == job.platform
                and logged is not None and finished is not None and logged > finished):
            return None, f"not shown: the listing was synced again later ({entry['batch_id']})"
    state = store.known_listing(job.product_id, job.platform).state
    price = None if state is None else state.get("price")
    note = "unchanged, nothing sent" if job.action == "no_change" else None
    if isinstance(price, int) and not isinstance(price, bool):
        return price, note
    if isinstance(price, Mapping) and price and all(isinstance(v, int) for v in price.values()):
        return {str(k): int(v) for k, v in price.items()}, note
    return None, "not recorded"


def build_report(ctx: AppContext, batch_id: str, *, now: datetime | None = None) -> BatchReport:
    """Every measured figure of the batch; raises NotFoundError for an unknown batch."""

    store = ctx.jobs
    summary = store.batch(batch_id)
    if summary is None:
        raise NotFoundError(f"no batch with id '{batch_id}'")
    safety = ctx.safety
    facts = safety.batch_facts(batch_id)
    finished = _utc(summary.finished_at) if summary.finished else None
    product_ids = list(dict.fromkeys(j.product_id for j in summary.jobs))
    pilot = summary.kind == "manual" or len(product_ids) <= PILOT_MAX_PRODUCTS
    # SKUs and titles for every product of a pilot; for a batch, only those named in the report.
    named = product_ids if pilot else list(dict.fromkeys(
        j.product_id for j in summary.jobs if j.state != JobState.DONE))
    catalog = {s.product.id: s.product for s in ctx.catalog.get_many(named)} if named else {}
    lines = []
    for job in summary.jobs:
        product = catalog.get(job.product_id)
        price, note = _price(store, job) if pilot else (None, None)
        category, attributes = _filed(ctx, product, job.platform) if pilot and product else (None, ())
        lines.append(JobLine(
            product_id=job.product_id, platform=job.platform, state=job.state, action=job.action,
            external_id=job.external_id, message=job.message, error_code=job.error_code, attempts=job.attempts,
            finished_at=_utc(job.finished_at), sku=product.sku if product else None,
            title=product.title if product else None, price=price, price_note=note, category=category,
            attributes=attributes))
    validations = safety.checks(kind="validate", batch_id=batch_id, limit=1)
    spots = safety.checks(kind="spot_check", batch_id=batch_id, limit=1)
    approval = safety.approval(batch_id)
    calls = safety.batch_calls(batch_id)
    return BatchReport(
        batch_id=summary.batch_id, kind=summary.kind,
        platforms=tuple(p for p in summary.platforms.split("+") if p), status=summary.status,
        created_at=_utc(summary.created_at), finished_at=finished, generated_at=now or datetime.now(UTC),
        jobs=tuple(lines), api_calls=facts.api_calls if facts else 0, api_errors=facts.api_errors if facts else 0,
        spot_check=_spot_check(spots[0], finished) if spots else None,
        validation=_validation(validations[0], finished) if validations else None,
        approval=None if approval is None else ApprovalInfo(_utc(approval.approved_at), approval.products,
                                                            approval.note),
        rollback=tuple(RollbackLine(s.product_id, s.platform, s.action, s.external_id, s.state, s.message)
                       for s in safety.rollback_steps(batch_id)),
        forced=facts.forced if facts else False, backup_id=facts.backup_id if facts else None,
        source=facts.source if facts else None,
        endpoint_calls=calls_by_endpoint(calls), product_times=time_per_product(calls),
    )


def _filed(ctx: AppContext, product: Product, platform: str) -> tuple[str | None, tuple[str, ...]]:
    """The marketplace category and attribute values the product's listing is filed with (the mapping now)."""
    terms = ctx.taxonomy.listing_terms(product, Platform(platform))
    if terms.category_id is None:
        return None, ()
    values = tuple(f"{terms.attribute_names.get(v.attribute_id, v.attribute_id)}: {f'{v.name} {v.unit}'.strip()}"
                   for v in terms.attributes)
    return f"{terms.category_id} {terms.category_name}".strip(), values


def resolve_format(fmt: str | None, out: Path | None) -> str:
    """--format when given; else what --out's extension says; else text."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UserInputError(f"--format {fmt}: use one of {', '.join(FORMATS)}")
        return fmt
    if out is not None:
        return SUFFIX_FORMATS.get(out.suffix.lower(), "text")
    return "text"


def report_path(home: Path, batch_id: str, fmt: str, out: Path | None) -> Path:
    """--out (a file, or an existing folder to write <batch>.<ext> into), else <data folder>/reports/."""
    name = f"{batch_id}.{FORMATS[fmt]}"
    if out is None:
        return home / REPORTS_DIR / name
    out = out.expanduser()
    return out / name if out.is_dir() else out


def write_atomically(path: Path, text: str) -> None:
    """The whole file or nothing: written next to `path` under a temporary name, synced, then renamed."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_report(ctx: AppContext, batch_id: str, *, fmt: str | None = None, out: Path | None = None,
                 now: datetime | None = None) -> WrittenReport:
    """Builds, renders and writes the report; an unwritable destination is a UserInputError (nothing written)."""
    chosen = resolve_format(fmt, out)
    report = build_report(ctx, batch_id, now=now)
    text = render(report, chosen)
    path = report_path(ctx.settings.home, report.batch_id, chosen, out)
    try:
        if out is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
    except OSError as error:
        raise UserInputError(f"cannot write the report to {path}: {error.strerror or error}") from None
    advice = recommend(report)
    return WrittenReport(report.batch_id, chosen, path, advice.text, advice.verdict)

