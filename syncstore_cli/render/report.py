"""The batch report laid out and rendered: plain text, Markdown and HTML (no JavaScript, no network).

The report's model, its issues and its recommendation are domain rules (`domain/report.py`); how
they look on a terminal, in a Markdown file or in a browser is this module's.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeAlias

from syncstore_cli.domain.report import (
    LIST_LIMIT,
    NOT_RUN,
    TEXT_WIDTH,
    BatchReport,
    JobLine,
    count_of,
    fmt_duration,
    fmt_int,
    fmt_price,
    fmt_time,
    group_reasons,
    issues,
    passed_text,
    ratio_text,
    recommend,
    some_ids,
)
from syncstore_cli.domain.vocabulary import DEAD_LETTER, JobState, RollbackStepState


@dataclass(frozen=True)
class Fields:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: frozenset[int] = frozenset()  # columns aligned right (numbers)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Paragraph:
    text: str
    emphasis: bool = False  # the recommendation


@dataclass(frozen=True)
class Heading:
    text: str  # a sub-heading inside a section (one product on one platform)


Block: TypeAlias = Fields | Table | Bullets | Paragraph | Heading


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def _header(report: BatchReport) -> Section:
    kind = {"manual": "manual sync (pilot)", "batch": "batch", "rollback": "rollback"}.get(report.kind, report.kind)
    if report.forced:
        kind += " (started past the staged rollout's limit with --force)"
    rows = [("Batch", report.batch_id), ("Kind", kind), ("Platforms", ", ".join(report.platforms) or "-"),
            ("Status", report.status), ("Started", fmt_time(report.created_at)),
            ("Finished", fmt_time(report.finished_at, "not finished")),
            ("Duration", fmt_duration(report.duration_seconds))]
    if report.backup_id:
        rows.append(("Backup before the batch", report.backup_id))
    if report.source:
        rows.append(("Source", report.source))
    rows.append(("Report generated", fmt_time(report.generated_at)))
    return Section("", (Fields(tuple(rows)),))


def _totals(report: BatchReport) -> Fields:
    rows = [("Products", fmt_int(report.products)), ("Jobs (product x platform)", fmt_int(report.total_jobs)),
            ("Completed", fmt_int(report.completed)), ("Blocked", fmt_int(report.blocked)),
            ("Failed (dead letter)", fmt_int(report.failed))]
    if report.open_jobs:
        rows.append(("Still open", fmt_int(report.open_jobs)))
    rows += [("Average time per product", fmt_duration(report.seconds_per_product)),
             ("API calls", fmt_int(report.api_calls) + (f" ({fmt_int(report.api_errors)} answered with an error)"
                                                        if report.api_errors else "")),
             ("API calls per product", ratio_text(report.calls_per_product))]
    return Fields(tuple(rows))


def _spot_for(report: BatchReport, job: JobLine) -> str:
    spot = report.spot_check
    if spot is None:
        return NOT_RUN
    for r in spot.results:
        if r.product_id == job.product_id and r.platform == job.platform:
            verdict = "match" if r.passed else "DIFFERS: " + ("; ".join(r.differences) or "no detail recorded")
            return f"{verdict} (run {spot.run_id}, {fmt_time(spot.finished_at)})"
    return f"not sampled (run {spot.run_id})"


def _pilot_products(report: BatchReport) -> Section:
    blocks: list[Block] = []
    for job in report.jobs:
        blocks.append(Heading(f"{job.product_id} on {job.platform}"))
        blocks.append(Fields((
            ("Product id", job.product_id),
            ("SKU", job.sku or "not in the catalog"),
            ("Title", job.title or "not in the catalog"),
            ("Platform", job.platform),
            ("Action", job.action or "-"),
            ("Listing id", job.external_id or "-"),
            ("Status", job.state + (f" ({job.error_code})" if job.error_code else "")),
            ("Price", fmt_price(job.price, job.price_note)),
            ("Read-back result", job.message or "-"),
            ("Spot check", _spot_for(report, job)),
            ("Attempts", fmt_int(job.attempts)),
            ("Timestamp", fmt_time(job.finished_at, "not finished")),
        )))
    if not blocks:
        blocks.append(Paragraph("The batch has no jobs."))
    return Section("Products", tuple(blocks))


def _blocked(report: BatchReport) -> Section:
    groups = group_reasons([j for j in report.jobs if j.state == JobState.BLOCKED])
    if not groups:
        return Section(f"Blocked ({fmt_int(report.blocked)})", (Paragraph("No job was blocked."),))
    title = f"Blocked ({count_of(report.blocked, 'job')}, {count_of(report.blocked_products, 'product')})"
    return Section(title, (Table(
        ("Jobs", "Code", "Reason", "Products"),
        tuple((fmt_int(g.jobs), g.error_code, g.reason, some_ids(g.product_ids)) for g in groups),
        frozenset({0})),))


def _failed(report: BatchReport) -> Section:
    failed = [j for j in report.jobs if j.state in DEAD_LETTER]
    title = f"Failed, dead letter ({fmt_int(len(failed))})"
    if not failed:
        return Section(title, (Paragraph("No job failed."),))
    rows = tuple((j.product_id, j.sku or "-", j.platform, j.error_code or "-", fmt_int(j.attempts), j.message or "-")
                 for j in failed[:LIST_LIMIT])
    blocks: list[Block] = [Table(("Product", "SKU", "Platform", "Code", "Attempts", "Message"), rows,
                                 frozenset({4}))]
    if len(failed) > LIST_LIMIT:
        blocks.append(Paragraph(f"… and {len(failed) - LIST_LIMIT:,} more; `syncstore dlq list` shows them all."))
    return Section(title, tuple(blocks))


def _spot_section(report: BatchReport) -> Section:
    spot = report.spot_check
    if spot is None:
        return Section("Spot check", (Fields((("Result", NOT_RUN),)),
                                      Paragraph(f"Run `syncstore spot-check {report.batch_id}`.")))
    rows = [("Result", passed_text(spot.passed)), ("Run", f"{spot.run_id} at {fmt_time(spot.finished_at)}"),
            ("Summary", spot.summary),
            ("Sampled listings", fmt_int(len(spot.results))),
            ("Matching", fmt_int(len(spot.results) - spot.differing)), ("Differing", fmt_int(spot.differing))]
    if spot.stale:
        rows.append(("Note", "ran before the batch finished; run it again"))
    blocks: list[Block] = [Fields(tuple(rows))]
    if spot.results:
        blocks.append(Table(("Product", "Platform", "Listing", "Result", "Differences"), tuple(
            (r.product_id, r.platform, r.external_id or "-", "match" if r.passed else "DIFFERS",
             "; ".join(r.differences) or "-") for r in spot.results)))
    else:
        blocks.append(Paragraph("No listing was sampled."))
    return Section("Spot check", tuple(blocks))


def _validation_section(report: BatchReport) -> Section:
    validation = report.validation
    if validation is None:
        return Section("Validation", (Fields((("Result", NOT_RUN),)),
                                      Paragraph(f"Run `syncstore validate --batch {report.batch_id}`.")))
    rows = [("Result", passed_text(validation.passed)),
            ("Run", f"{validation.run_id} at {fmt_time(validation.finished_at)}"), ("Summary", validation.summary)]
    if validation.stale:
        rows.append(("Note", "ran before the batch finished; run it again"))
    blocks: list[Block] = [Fields(tuple(rows))]
    if validation.checks:
        blocks.append(Table(("Check", "Result", "Checked", "Problems", "First problem"), tuple(
            (c.name, "pass" if c.passed else "FAIL", fmt_int(c.checked), fmt_int(len(c.problems)),
             c.problems[0] if c.problems else "-") for c in validation.checks), frozenset({2, 3})))
    return Section("Validation", tuple(blocks))


def _approval_section(report: BatchReport) -> Section:
    approval = report.approval
    if approval is None:
        value = "not approved" if report.kind == "batch" else f"not applicable (a {report.kind} sync is not approved)"
        return Section("Approval", (Fields((("Approval", value),)),))
    rows = [("Approved at", fmt_time(approval.approved_at)), ("Products approved", fmt_int(approval.products))]
    if approval.note:
        rows.append(("Note", approval.note))
    return Section("Approval", (Fields(tuple(rows)),))


def _rollback_section(report: BatchReport) -> Section | None:
    if not report.rollback:
        return None
    done = sum(1 for s in report.rollback if s.state == RollbackStepState.DONE)
    return Section(f"Rollback ({fmt_int(done)} of {fmt_int(len(report.rollback))} steps done)", (Table(
        ("Product", "Platform", "Action", "Listing", "State", "Detail"),
        tuple((s.product_id, s.platform, s.action, s.external_id or "-", s.state, s.message or "-")
              for s in report.rollback)),))


def layout(report: BatchReport) -> tuple[str, list[Section]]:
    """The report's title and sections, in the shape of the seller's template for this batch."""
    sections = [_header(report)]
    if report.is_pilot:
        sections.append(_pilot_products(report))
        sections.append(Section("Totals", (_totals(report),)))
    else:
        sections.append(Section("Results", (_totals(report),)))
        sections.append(_blocked(report))
        sections.append(_failed(report))
    sections.append(_spot_section(report))
    sections.append(_validation_section(report))
    if report.kind == "batch" or report.approval is not None:
        sections.append(_approval_section(report))
    rollback = _rollback_section(report)
    if rollback is not None:
        sections.append(rollback)
    found = issues(report)
    sections.append(Section("Issues found", (Bullets(tuple(found)),) if found
                            else (Paragraph("None: no failed or blocked job, no failing check."),)))
    advice = recommend(report)
    sections.append(Section("Recommendation", (Paragraph(advice.text, emphasis=True),)))
    return report.title, sections


# --------------------------------------------------------------------------- text


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    lines: list[str] = []
    for part in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(part, width=width, initial_indent=indent, subsequent_indent=indent,
                                   break_long_words=True, break_on_hyphens=False) or [indent.rstrip()])
    return lines


def _text_fields(block: Fields, width: int) -> list[str]:
    label_width = min(max((len(label) for label, _ in block.rows), default=0), 26) + 2
    lines: list[str] = []
    for label, value in block.rows:
        wrapped = _wrap(value, width - label_width)
        head = (label + ":").ljust(label_width)
        if len(head) > label_width:  # a label longer than the column: value on the next lines
            lines.append(label + ":")
            head = ""
        lines.append((head.ljust(label_width) + wrapped[0]).rstrip())
        lines.extend((" " * label_width + more).rstrip() for more in wrapped[1:])
    return lines


def _column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    natural = [max([len(h), *(len(line) for r in rows for line in (r[i].splitlines() or [""]))])
               for i, h in enumerate(headers)]
    widths = list(natural)
    budget = width - 2 * (len(headers) - 1)
    while sum(widths) > budget:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 6:
            break
        widths[widest] -= 1
    return widths


def _text_table(block: Table, width: int) -> list[str]:
    widths = _column_widths(block.headers, block.rows, width)

    def render(cells: Sequence[str]) -> list[str]:
        wrapped = [_wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        out = []
        for n in range(height):
            parts = []
            for i, lines in enumerate(wrapped):
                cell = lines[n] if n < len(lines) else ""
                parts.append(cell.rjust(widths[i]) if i in block.right else cell.ljust(widths[i]))
            out.append("  ".join(parts).rstrip())
        return out

    lines = render(block.headers)
    lines.append("  ".join("-" * w for w in widths))
    for row in block.rows:
        lines.extend(render(row))
    return lines


def render_text(report: BatchReport, width: int = TEXT_WIDTH) -> str:
    """Fixed-width plain text, no line longer than `width`."""
    title, sections = layout(report)
    lines = [title, "=" * len(title), ""]
    for section in sections:
        if section.title:
            heading = section.title.upper()
            lines += [heading, "-" * min(len(heading), width)]
        for block in section.blocks:
            if isinstance(block, Fields):
                lines += _text_fields(block, width)
            elif isinstance(block, Table):
                lines += _text_table(block, width)
            elif isinstance(block, Bullets):
                for item in block.items:
                    wrapped = _wrap(item, width - 2)
                    lines += ["- " + wrapped[0], *("  " + more for more in wrapped[1:])]
            elif isinstance(block, Heading):
                lines += [f"[{block.text}]"]
            else:
                lines += _wrap(block.text, width)
            lines.append("")
        if not section.blocks:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- Markdown

_CODE = re.compile(r"(`[^`]*`)")
_MD_SPECIAL = re.compile(r"([\\*_\[\]|#<>~]|&(?=#?\w+;))")


def _outside_code(text: str, escape: Callable[[str], str], code: Callable[[str], str]) -> str:
    """`escape` applied to the text outside `code spans`, `code` to the spans (with their backticks)."""
    return "".join(code(part) if _CODE.fullmatch(part) else escape(part) for part in _CODE.split(text))


def md_escape(text: str) -> str:
    """A value safe in a Markdown paragraph or table cell: Markdown's specials escaped (outside `code`),
    one line."""
    flat = " ".join(text.split())
    return _outside_code(flat, lambda s: _MD_SPECIAL.sub(r"\\\1", s), lambda s: s.replace("|", "\\|"))


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(md_escape(c) if c else " " for c in cells) + " |"


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int]) -> list[str]:
    rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"
    return [_md_row(headers), rule, *(_md_row(r) for r in rows)]


def render_markdown(report: BatchReport) -> str:
    title, sections = layout(report)
    lines = [f"# {md_escape(title)}", ""]
    for section in sections:
        if section.title:
            lines += [f"## {md_escape(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Fields):
                lines += _md_table(("Item", "Value"), block.rows, frozenset())
            elif isinstance(block, Table):
                lines += _md_table(block.headers, block.rows, block.right)
            elif isinstance(block, Bullets):
                lines += [f"- {md_escape(item)}" for item in block.items]
            elif isinstance(block, Heading):
                lines += [f"### {md_escape(block.text)}"]
            elif block.emphasis:
                lines += [f"**{md_escape(block.text)}**"]
            else:
                lines += [md_escape(block.text)]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 1100px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #1f2328; padding-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
thead th { background: #f6f8fa; }
table.fields th { width: 16rem; background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { background: #f6f8fa; padding: .05rem .3rem; border-radius: 4px; font-size: .92em; }
.recommendation { padding: .8rem 1rem; border-radius: 6px; font-weight: 600; border: 1px solid; }
.recommendation.ready { background: #dafbe1; border-color: #4ac26b; }
.recommendation.attention { background: #fff1e5; border-color: #fb8f44; }
footer { margin-top: 2rem; color: #59636e; font-size: .85rem; }
""".strip()


def _h(text: str) -> str:
    """Escaped for HTML, `code spans` as <code>."""
    return _outside_code(text, lambda s: html.escape(s, quote=True),
                         lambda s: f"<code>{html.escape(s[1:-1], quote=True)}</code>")


def _html_table(block: Table) -> str:
    head = "".join(f"<th>{_h(h)}</th>" for h in block.headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{_h(c)}</td>' if i in block.right else f"<td>{_h(c)}</td>"
                                    for i, c in enumerate(row)) + "</tr>\n" for row in block.rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def render_html(report: BatchReport) -> str:
    """One self-contained page: inline CSS, no script, no external asset; every value escaped."""
    title, sections = layout(report)
    advice = recommend(report)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_h(title)} – {_h(report.batch_id)}</title>", f"<style>\n{_CSS}\n</style>", "</head>", "<body>",
             f"<h1>{_h(title)}</h1>"]
    for section in sections:
        if section.title:
            parts.append(f"<h2>{_h(section.title)}</h2>")
        for block in section.blocks:
            if isinstance(block, Fields):
                parts.append('<table class="fields">\n' + "".join(
                    f"<tr><th>{_h(label)}</th><td>{_h(value)}</td></tr>\n" for label, value in block.rows)
                    + "</table>")
            elif isinstance(block, Table):
                parts.append(_html_table(block))
            elif isinstance(block, Bullets):
                parts.append("<ul>\n" + "".join(f"<li>{_h(item)}</li>\n" for item in block.items) + "</ul>")
            elif isinstance(block, Heading):
                parts.append(f"<h3>{_h(block.text)}</h3>")
            elif block.emphasis:
                tone = "ready" if advice.ready else "attention"
                parts.append(f'<p class="recommendation {tone}">{_h(block.text)}</p>')
            else:
                parts.append(f"<p>{_h(block.text)}</p>")
    parts += [f"<footer>Generated by syncstore {_h(fmt_time(report.generated_at))} from the measured data in its "
              "store.</footer>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


RENDERERS: Final[dict[str, Callable[[BatchReport], str]]] = {
    "text": render_text, "md": render_markdown, "html": render_html,
}


def render(report: BatchReport, fmt: str) -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(RENDERERS)}") from None
    return renderer(report)
