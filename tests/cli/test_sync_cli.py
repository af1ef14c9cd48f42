"""`sync batch`, `sync status` and `worker` without a marketplace: bad ids files, bad options, and a
batch whose worker is gone (killed, or never started after `--detach`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app

FIXTURES = Path(__file__).parents[1].parent / "fixtures" / "catalog"
runner = CliRunner()
HINT = "start `syncstore worker` (or `syncstore worker --until-idle`) to finish it"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def catalog(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose database (SQLite or PostgreSQL) holds the three products of small.jsonl."""
    monkeypatch.setenv("SYNCSTORE_DATABASE_URL", database_url)
    code, _, err = run("import", "--file", str(FIXTURES / "small.jsonl"), "--json")
    assert code == 0, err
    return home


def _counts() -> tuple[int, int]:
    """(batches, jobs) in the store."""
    from sqlalchemy import text

    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx, ctx.database.connect() as connection:
        return (connection.execute(text("SELECT count(*) FROM sync_batches")).scalar_one(),
                connection.execute(text("SELECT count(*) FROM sync_jobs")).scalar_one())


# -- the ids file -----------------------------------------------------------------------------------
def _cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """The real program in its own process: a command that would block is stopped by the timeout."""
    return subprocess.run([sys.executable, "-m", "syncstore_cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=os.environ.copy(), cwd=Path(__file__).parents[2])


def test_an_ids_file_that_is_a_fifo_is_refused_at_once(catalog: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "ids.fifo"
    os.mkfifo(fifo)
    for command in (["sync", "batch", "--file", str(fifo)], ["sync", "plan", "--file", str(fifo)]):
        started = time.monotonic()
        result = _cli(*command)  # before the fix, this blocked until something wrote to the FIFO
        assert time.monotonic() - started < 20
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert result.stderr == f"error: {fifo}: is a named pipe (FIFO), not a file of product ids\n"
    assert _counts() == (0, 0)


def test_an_ids_file_that_is_a_directory_a_device_or_a_socket_is_named_as_such(catalog: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ids"
    folder.mkdir()
    sock_path = tmp_path / "ids.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(sock_path))
    try:
        cases = {folder: "a directory", Path("/dev/null"): "a character device", sock_path: "a socket"}
        for path, what in cases.items():
            for command in (["sync", "batch", "--file", str(path)], ["sync", "plan", "--file", str(path)]):
                code, out, err = run(*command)
                assert (code, out) == (2, ""), (command, err)
                assert err == f"error: {path}: is {what}, not a file of product ids\n"
    finally:
        sock.close()
    code, _, err = run("sync", "batch", "--file", str(tmp_path / "missing.txt"))
    assert code == 2 and err == f"error: {tmp_path / 'missing.txt'}: no such file\n"
    assert _counts() == (0, 0)


# -- concurrency ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["0", "-3", "100000"])
def test_a_concurrency_outside_1_to_256_is_refused_before_anything_is_written(
        catalog: Path, tmp_path: Path, value: str) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("PROD-1\n")
    for command in (["sync", "batch", "--file", str(ids), "--detach", "--concurrency", value],
                    ["sync", "batch", "--file", str(ids), "--concurrency", value],
                    ["worker", "--until-idle", "--concurrency", value]):
        code, out, err = run(*command)
        assert code == 2, (command, out, err)
        assert err == f"error: --concurrency {value}: must be a whole number from 1 to 256\n"
    assert _counts() == (0, 0)
    assert not (catalog / "backups").exists() or list((catalog / "backups").iterdir()) == []


def test_the_concurrency_setting_is_refused_the_same_way(catalog: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("PROD-1\n")
    monkeypatch.setenv("SYNCSTORE_SYNC_CONCURRENCY", "0")
    for command in (["sync", "batch", "--file", str(ids), "--detach"], ["worker", "--until-idle"]):
        code, _, err = run(*command)
        assert code == 2 and err.startswith("error: sync.concurrency (from env SYNCSTORE_SYNC_CONCURRENCY): '0'")
        assert len(err.splitlines()) == 1
    assert _counts() == (0, 0)


def test_an_idle_worker_exits_0(catalog: Path) -> None:
    code, out, err = run("worker", "--until-idle")
    assert code == 0, err
    assert out == "Worker stopped after 0 deliveries.\n"


# -- a batch nobody runs ----------------------------------------------------------------------------
def _status(batch_id: str) -> dict[str, Any]:
    code, out, err = run("sync", "status", batch_id, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def _queued_batch(batch_id: str, products: list[str]) -> list[int]:
    """A batch recorded as `sync batch --detach` records it (no marketplace needed: no worker runs it)."""
    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx:
        return ctx.jobs.create_batch(batch_id, "batch", "shopee", [(p, "shopee") for p in products])


def test_a_batch_no_worker_runs_is_shown_stalled_with_how_to_resume(catalog: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_SYNC_LEASE_SECONDS", "0.5")  # stalled after two leases: 1 s
    _queued_batch("B-DETACHED", ["PROD-1", "PROD-2"])
    fresh = _status("B-DETACHED")
    assert (fresh["stalled"], fresh["hint"]) == (False, None)  # just queued: a worker may be on its way
    time.sleep(1.3)
    stalled = _status("B-DETACHED")
    assert stalled["stalled"] is True and stalled["status"] == "queued" and stalled["pending"] == 2
    assert stalled["hint"].startswith("no worker is running (no worker has been seen for ")
    assert stalled["hint"].endswith(HINT)
    code, out, _ = run("sync", "status", "B-DETACHED")
    assert code == 0 and out.splitlines()[-1].startswith("Stalled: no worker is running") and HINT in out


def test_leased_jobs_of_a_killed_worker_are_stalled_once_the_lease_is_long_gone(
        catalog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from syncstore_cli.app.context import AppContext

    monkeypatch.setenv("SYNCSTORE_SYNC_LEASE_SECONDS", "0.5")
    first, second = _queued_batch("B-KILLED", ["PROD-1", "PROD-2"])
    with AppContext() as ctx:
        # Two workers claim a job each; one renews its lease far ahead (alive, on a long job), one is killed.
        assert ctx.jobs.claim(first, "worker-killed", time.time(), 0.5) is not None
        assert ctx.jobs.claim(second, "worker-alive", time.time(), 0.5) is not None
    time.sleep(1.3)
    with AppContext() as ctx:
        ctx.jobs.renew([second], "worker-alive", time.time() + 0.5)
    alive = _status("B-KILLED")
    assert alive["in_progress"] == 2 and alive["stalled"] is False, alive
    time.sleep(1.3)  # neither renews any more: both workers are gone
    gone = _status("B-KILLED")
    assert gone["in_progress"] == 2 and gone["status"] == "running" and gone["stalled"] is True
    assert gone["hint"].endswith(HINT)


def test_a_job_waiting_for_a_later_retry_is_not_stalled_before_it_is_due(
        catalog: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from syncstore_cli.app.context import AppContext

    monkeypatch.setenv("SYNCSTORE_SYNC_LEASE_SECONDS", "0.5")
    (job,) = _queued_batch("B-LATER", ["PROD-1"])
    with AppContext() as ctx:
        assert ctx.jobs.claim(job, "worker-1", time.time(), 0.5) is not None
        assert ctx.jobs.reschedule(job, "worker-1", time.time() + 3600)  # a long Retry-After
    time.sleep(1.3)
    status = _status("B-LATER")
    assert status["stalled"] is False
    # Shown waiting, with when it runs again (a quota's reset reads the same).
    assert status["waiting"] == 1 and status["waiting_until"] is not None
    assert 3500 < datetime.fromisoformat(status["waiting_until"]).timestamp() - time.time() <= 3600
    # The progress line of a foreground `sync batch` (and of `--watch`) in a pipe says so too.
    from syncstore_cli.cli.sync_cmd import _Progress

    with AppContext() as ctx:
        summary = ctx.jobs.batch("B-LATER", with_jobs=False)
    assert summary is not None
    with _Progress("B-LATER", enabled=True) as progress:
        progress.update(summary)
    line = capsys.readouterr().out
    assert "0/1 finished" in line and "waiting 1 until" in line and "(in 35" in line, line


def test_watch_stops_at_a_stalled_batch_instead_of_waiting_forever(catalog: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCSTORE_SYNC_LEASE_SECONDS", "0.5")
    _queued_batch("B-WATCHED", ["PROD-1"])
    result = _cli("sync", "status", "B-WATCHED", "--watch")
    assert result.returncode == 0, result.stderr
    assert "Stalled: no worker is running" in result.stdout and HINT in result.stdout
