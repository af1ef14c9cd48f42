"""`syncstore report BATCH`: the seller's test report of one batch, written to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from syncstore_cli.cli.output import console, print_json

REPORT_EXIT_CODES = """
Exit codes: 0 the report was written (whatever it recommends); 2 unknown batch, bad option, or
the file cannot be written (nothing is left behind: the file is written whole or not at all).
"""


def report_command(
    batch_id: Annotated[str, typer.Argument(metavar="BATCH", help="The batch (or manual sync) to report on.")],
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", metavar="text|md|html",
        help="text (fixed width), md (Markdown tables) or html (one self-contained page). Default: from --out's "
             "extension, else text.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="PATH",
        help="Where to write it (a file, or an existing folder). Default: <data folder>/reports/BATCH.<txt|md|html>.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Write the seller's report of a batch, filled only with what the store measured.

    A manual sync or a batch of at most 2 products gets the "TEST REPORT" (each product on each
    platform: SKU, title, action, listing id, status, price, read-back, time); any other batch the
    "BATCH SYNC TEST REPORT" (completed, blocked by reason, failed, duration, time and API calls per
    product, spot check, validation, approval, rollback). Both end with the issues found and a
    recommendation. A check that was not run says "not run"; nothing is filled in by default.
    """
    from syncstore_cli.app.context import open_context
    from syncstore_cli.app.reports import write_report

    with open_context() as ctx:
        written = write_report(ctx, batch_id, fmt=fmt.lower() if fmt else None, out=out)
    if as_json:
        print_json({"batch_id": written.batch_id, "format": written.format, "path": str(written.path),
                    "recommendation": written.recommendation})
        return
    out_console = console()
    out_console.print(f"Wrote {written.path}", markup=False, soft_wrap=True)
    out_console.print(f"Recommendation: {written.recommendation}", markup=False, soft_wrap=True)
