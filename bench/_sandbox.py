"""The sandbox in a process of its own, as the benches start it: a free port, the command's output in
`<home>/sandbox.log`, and the `export SYNCSTORE_...` settings it prints once it serves."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


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
