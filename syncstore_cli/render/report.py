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
from datetime import UTC, datetime
from typing import Final, TypeAlias

from syncstore_cli.domain.report import (
    LIST_LIMIT,
    NOT_MEASURED,
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
            ("Category", job.category or "not mapped"),
            ("Attributes", "; ".join(job.attributes) or "none"),
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
figure.chart { margin: 1rem 0 1.6rem; }
figure.chart figcaption { font-weight: 600; margin-bottom: .3rem; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figure.chart p.note { color: #59636e; font-size: .9rem; margin: .3rem 0 0; }
p.not-measured { color: #59636e; font-style: italic; margin: .2rem 0; }
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


# --------------------------------------------------------------------------- HTML charts (inline SVG)

CHARTS_AFTER: Final = ("Results", "Totals")  # the section the charts follow
CHART_WIDTH: Final = 720
BAR_ROWS: Final = 15  # endpoints drawn one by one; the rest are one bar
PRODUCT_BARS: Final = 20  # up to this many products get a bar each; more make a histogram
HISTOGRAM_BINS: Final = 12
_INK, _MUTED, _BLUE, _RED, _GREEN = "#1f2328", "#59636e", "#0969da", "#cf222e", "#1a7f37"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _n(value: float) -> str:
    return f"{value:.1f}"


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = _INK) -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="12" fill="{fill}">'
            f"{_e(text)}</text>")


def _svg(height: float, label: str, body: Sequence[str]) -> str:
    return (f'<svg viewBox="0 0 {CHART_WIDTH} {_n(height)}" width="{CHART_WIDTH}" height="{_n(height)}" '
            f'role="img" aria-label="{_e(label)}" font-family="sans-serif">\n<title>{_e(label)}</title>\n'
            + "\n".join(body) + "\n</svg>")


def _figure(caption: str, chart: str | None, note: str = "") -> str:
    """A chart with its caption; without one (nothing was measured) the caption and "not measured"."""
    inner = chart if chart is not None else f'<p class="not-measured">{_e(NOT_MEASURED)}</p>'
    extra = f'\n<p class="note">{_e(note)}</p>' if note and chart is not None else ""
    return f'<figure class="chart">\n<figcaption>{_e(caption)}</figcaption>\n{inner}{extra}\n</figure>'


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hbars(rows: Sequence[tuple[str, float, str, float]], label: str) -> str:
    """Horizontal bars: (label, value, value as text, part of the value drawn red), one row each."""
    label_width = min(max(len(_clip(r[0])) for r in rows) * 7 + 12, 430)
    value_room = max(len(r[2]) for r in rows) * 7 + 12
    scale = max((r[1] for r in rows), default=0) or 1.0
    room = max(CHART_WIDTH - label_width - value_room, 60)
    body: list[str] = []
    for index, (name, value, shown, red) in enumerate(rows):
        top = 6 + index * 22
        width = room * value / scale
        body.append(f'<g><title>{_e(name)}: {_e(shown)}</title>')
        body.append(_text(label_width - 8, top + 13, _clip(name), "end"))
        body.append(f'<rect class="bar" x="{label_width}" y="{top + 2}" width="{_n(width)}" height="15" '
                    f'fill="{_BLUE}"/>')
        if red > 0:
            part = room * red / scale
            body.append(f'<rect class="errors" x="{_n(label_width + width - part)}" y="{top + 2}" '
                        f'width="{_n(part)}" height="15" fill="{_RED}"/>')
        body.append(_text(label_width + width + 6, top + 13, shown) + "</g>")
    return _svg(12 + len(rows) * 22, label, body)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _completions_chart(report: BatchReport) -> str:
    times = report.completions
    caption = "Jobs completed over time"
    if not times:
        return _figure(caption, None)
    start = times[0] if report.created_at is None else min(_as_utc(report.created_at), times[0])
    span = (times[-1] - start).total_seconds()
    height, left, right, top, bottom = 220.0, 56.0, CHART_WIDTH - 24.0, 14.0, 178.0

    def x(moment: datetime) -> float:
        return left + (right - left) * ((moment - start).total_seconds() / span if span > 0 else 1.0)

    def y(count: int) -> float:
        return bottom - (bottom - top) * count / len(times)

    points = [(left, bottom)]
    for count, moment in enumerate(times, 1):
        points += [(x(moment), y(count - 1)), (x(moment), y(count))]
    label = (f"{fmt_int(len(times))} of {count_of(report.total_jobs, 'job')} completed, the last "
             f"{fmt_duration(span)} after the batch started")
    body = [f'<line class="axis" x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" y2="{_n(bottom)}" '
            f'stroke="{_MUTED}"/>',
            f'<line class="axis" x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" y2="{_n(bottom)}" stroke="{_MUTED}"/>',
            f'<polyline class="steps" fill="none" stroke="{_GREEN}" stroke-width="2" points="'
            + " ".join(f"{_n(px)},{_n(py)}" for px, py in points) + '"/>',
            _text(left - 6, bottom + 4, "0", "end"), _text(left - 6, top + 8, fmt_int(len(times)), "end"),
            _text(left, bottom + 18, "0 s"), _text(right, bottom + 18, fmt_duration(span), "end"),
            _text((left + right) / 2, bottom + 36, "time since the batch started", "middle", _MUTED)]
    return _figure(caption, _svg(height, label, body), label + ".")


def _endpoint_chart(report: BatchReport) -> str:
    caption = "API calls by endpoint"
    calls = report.endpoint_calls
    if not calls:
        return _figure(caption, None)
    shown = list(calls[:BAR_ROWS])
    rest = calls[BAR_ROWS:]
    rows = [(c.endpoint, float(c.calls), fmt_int(c.calls) + (f" ({fmt_int(c.errors)} errors)" if c.errors else ""),
             float(c.errors)) for c in shown]
    if rest:
        total, errors = sum(c.calls for c in rest), sum(c.errors for c in rest)
        rows.append((f"{count_of(len(rest), 'other endpoint')}", float(total),
                     fmt_int(total) + (f" ({fmt_int(errors)} errors)" if errors else ""), float(errors)))
    requests = sum(c.calls for c in calls)
    failed = sum(c.errors for c in calls)
    note = (f"{count_of(requests, 'request')} to {count_of(len(calls), 'endpoint')}"
            + (f"; {fmt_int(failed)} answered with an error (red)" if failed else "") + ".")
    return _figure(caption, _hbars(rows, f"{caption}: {note}"), note)


def _histogram(seconds: Sequence[float], label: str) -> str:
    longest = max(seconds) or 1.0
    width = longest / HISTOGRAM_BINS
    counts = [0] * HISTOGRAM_BINS
    for value in seconds:
        counts[min(int(value / width), HISTOGRAM_BINS - 1)] += 1
    height, left, right, top, bottom = 220.0, 56.0, CHART_WIDTH - 24.0, 18.0, 178.0
    step = (right - left) / HISTOGRAM_BINS
    peak = max(counts)
    body = [f'<line class="axis" x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" y2="{_n(bottom)}" '
            f'stroke="{_MUTED}"/>']
    for index, count in enumerate(counts):
        bar = (bottom - top) * count / peak
        low, high = fmt_duration(index * width), fmt_duration((index + 1) * width)
        body.append(f'<g><title>{count_of(count, "product")} took {_e(low)} to {_e(high)}</title>'
                    f'<rect class="bar" x="{_n(left + index * step + 2)}" y="{_n(bottom - bar)}" '
                    f'width="{_n(step - 4)}" height="{_n(bar)}" fill="{_BLUE}"/>'
                    + (_text(left + (index + 0.5) * step, bottom - bar - 4, fmt_int(count), "middle") if count else "")
                    + "</g>")
    body += [_text(left, bottom + 16, "0 s"), _text(right, bottom + 16, fmt_duration(longest), "end"),
             _text((left + right) / 2, bottom + 34, "time per product", "middle", _MUTED),
             _text(left - 6, bottom + 4, "0", "end"), _text(left - 6, top + 8, fmt_int(peak), "end")]
    return _svg(height, label, body)


def _product_time_chart(report: BatchReport) -> str:
    caption = "Time per product"
    times = report.product_times
    if not times:
        return _figure(caption, None)
    ordered = sorted(t.seconds for t in times)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    slowest = max(times, key=lambda t: t.seconds)
    note = (f"{count_of(len(times), 'product')}: median {fmt_duration(median)}, slowest {slowest.product_id} "
            f"({fmt_duration(slowest.seconds)}); from each job's first request to its last answer, summed over "
            "its platforms")
    untimed = report.products - len(times)
    if untimed > 0:
        note += f"; {count_of(untimed, 'product')} sent no request and {'is' if untimed == 1 else 'are'} not shown"
    note += "."
    if len(times) <= PRODUCT_BARS:
        chart = _hbars([(t.product_id, t.seconds, fmt_duration(t.seconds), 0.0)
                        for t in sorted(times, key=lambda t: (-t.seconds, t.product_id))], f"{caption}: {note}")
    else:
        chart = _histogram([t.seconds for t in times], f"{caption}: {note}")
    return _figure(caption, chart, note)


def charts_html(report: BatchReport) -> str:
    """The report's charts, drawn from measured data only: each says "not measured" when it has none."""
    return "\n".join(["<h2>Charts</h2>", _completions_chart(report), _endpoint_chart(report),
                      _product_time_chart(report)])


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
        if section.title in CHARTS_AFTER:
            parts.append(charts_html(report))
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
