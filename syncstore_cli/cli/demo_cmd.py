"""`syncstore demo`: the seller's whole plan against the local sandbox, on a fresh data folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from syncstore_cli.cli.output import console, print_json

DEMO_EXIT_CODES = """
Exit codes: 0 every step passed; 1 a step failed (the demo stops there and says why);
2 the folder is not empty and not an earlier demo's.
"""


def demo_command(
    folder: Annotated[Path, typer.Option("--folder", help="Data folder for the demo; an earlier demo's is wiped.")]
    = Path("syncstore-demo"),
    port: Annotated[int, typer.Option("--port", min=1, max=65535,
                                      help="Port for the demo's sandbox on 127.0.0.1.")] = 8780,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Run the seller's plan end to end on the local sandbox (about a minute or two).

    Starts the sandbox, authorizes both shops, imports the existing listings, syncs the two pilot
    products by hand and spot-checks them, runs a batch of 10 then of 50 (each spot-checked,
    validated and approved before the next), validates everything, writes the reports, and rolls
    back a throwaway batch, proving with the sandbox's audit and read-backs that nothing is left.
    """
    from syncstore_cli.app.demo import DemoFailed, run_demo

    started = time.monotonic()
    say = (lambda _line: None) if as_json else (lambda line: console().print(line, markup=False))
    folder = folder.resolve()
    failure: str | None = None
    try:
        result = run_demo(folder, say, port)
    except DemoFailed as error:
        failure = str(error)
        result = error.result
    elapsed = time.monotonic() - started
    if as_json:
        print_json({"ok": failure is None and result.ok, "folder": str(folder), "seconds": round(elapsed, 1),
                    "batches": result.batches, "reports": [str(p) for p in result.reports],
                    "steps": [{"name": s.name, "ok": s.ok, "detail": s.detail, "seconds": round(s.seconds, 1)}
                              for s in result.steps], "error": failure})
    else:
        from rich.table import Table

        table = Table(title=f"SyncStore demo: {sum(s.ok for s in result.steps)}/{len(result.steps)} steps passed "
                            f"in {elapsed:.0f} s")
        table.add_column("step")
        table.add_column("result")
        table.add_column("s", justify="right")
        for step in result.steps:
            table.add_row(step.name, "ok" if step.ok else "FAILED", f"{step.seconds:.1f}")
        console().print(table)
        for path in result.reports:
            console().print(f"report: {path}", markup=False)
        console().print(f"Data folder: {folder}. The sandbox stopped with the demo; to look around, serve its "
                        f"state again and point SyncStore at it:\n  syncstore sandbox serve --port {port} --state "
                        f"{folder / 'sandbox'}   (then, in another shell, the printed export lines and "
                        f"SYNCSTORE_HOME={folder})", markup=False)
        if failure:
            console().print(f"error: {failure}", markup=False)
    raise typer.Exit(1 if failure or not result.ok else 0)
