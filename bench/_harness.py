"""What the benches share: the sandbox in a process of its own (a free port, the command's output in
`<home>/sandbox.log`, the `export SYNCSTORE_...` settings it prints once it serves), and a batch run
through the real queue by worker threads or worker processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncstore_cli.app.context import AppContext


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sandbox_process(command: Sequence[str], home: Path, *,
                    before_stop: Callable[[int], None] | None = None) -> Iterator[dict[str, str]]:
    """Runs `command` (a `sandbox serve` that prints its settings, the TikTok app secret last) and yields
    those settings; stops it on exit, after `before_stop(pid)` (a bench reading the process's CPU time)."""
    log = home / "sandbox.log"
    with log.open("w") as out:
        process = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        text = ""
        for _ in range(600):
            text = log.read_text()
            if "export SYNCSTORE_TIKTOK_APP_SECRET" in text:
                break
            if process.poll() is not None:
                raise SystemExit(f"sandbox exited: {text[-2000:]}")
            time.sleep(0.2)
        else:
            raise SystemExit(f"the sandbox printed no settings in 120 s: {text[-2000:]}")
        yield dict(line.removeprefix("export ").split("=", 1) for line in text.splitlines()
                   if line.startswith("export "))
    finally:
        if before_stop is not None:
            before_stop(process.pid)
        process.terminate()
        process.wait(timeout=30)


def run_batch(ctx: AppContext, ids: list[str], concurrency: int, processes: int) -> tuple[str, float]:
    """The batch through the queue: worker threads in this process, or `processes` separate
    `syncstore worker --until-idle` processes (how a seller spreads work over several cores); its id and
    the seconds from submission to its end."""
    from syncstore_cli.app.sync import batch_status, run_worker, submit_batch
    from syncstore_cli.domain.catalog import PLATFORMS

    started = time.perf_counter()
    # Forced past the staged rollout (recorded on the batch): the benches measure work, not approvals.
    batch_id = submit_batch(ctx, ids, list(PLATFORMS), source="bench", force=True)
    if processes <= 1:
        run_worker(ctx, concurrency=concurrency, reconcile_seconds=0.5,
                   until=lambda: batch_status(ctx, batch_id, with_jobs=False).finished)
    else:
        workers = [subprocess.Popen([sys.executable, "-m", "syncstore_cli", "worker", "--concurrency",
                                     str(concurrency), "--until-idle"], stdout=subprocess.DEVNULL)
                   for _ in range(processes)]
        for worker in workers:
            worker.wait()
    return batch_id, time.perf_counter() - started
