"""Several worker processes on PostgreSQL + Redis against the realistic sandbox, killed at random,
with Redis itself killed and restarted empty in the middle of the batch.

What a seller running workers on several machines depends on: every job ends done, blocked or
dead-lettered (none stuck), no SKU is listed twice, and together the workers stay within the shop's
rate limits (no 429 after the first second). The queue in Redis is only a carrier: when Redis
restarts with nothing (this one keeps nothing on disk), the reconciler rebuilds it from the jobs table.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncstore_cli.cli.app import app
from syncstore_cli.sandbox.app import Sandbox
from syncstore_cli.sandbox.config import SandboxConfig
from syncstore_cli.sandbox.faults import FaultPlan, platform_of
from syncstore_cli.sandbox.web import Handler, Request, Response
from tests.conftest import _unavailable, seeded_sandbox

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

runner = CliRunner()
REDIS_SERVER = "/usr/bin/redis-server"
SEEDED = 120  # listings the shops already have; the batch is taken from the products they import as
PRODUCTS = 60
WORKERS = 3
CHAOS_SECONDS = 30.0  # kills stop after this; then one last worker must finish what is left
FINAL_WORKER_TIMEOUT = 120.0
FIRST_BURST_SECONDS = 1.0  # the workers' first second may meet a sandbox bucket the setup left part-spent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PrivateRedis:
    """A redis-server of this test's own, keeping nothing on disk, so killing it loses the queue."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@contextmanager
def private_redis(workdir: Path) -> Iterator[PrivateRedis]:
    if not Path(REDIS_SERVER).exists():
        _unavailable("redis-server", FileNotFoundError(REDIS_SERVER))
    server = PrivateRedis(workdir)
    try:
        server.start()
        yield server
    finally:
        server.kill()


class AnswerLog:
    """Every marketplace answer the sandbox gives, with when: the sandbox keeps no count of its 429s, so
    the test wraps the router's fault hook (the sandbox's own extension point) to count them."""

    def __init__(self, inner: Callable[[Request, Handler], Response]) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.answers: list[tuple[float, str, int]] = []  # (monotonic time, platform, HTTP status)

    def __call__(self, request: Request, handler: Handler) -> Response:
        response = self._inner(request, handler)
        platform = platform_of(request.path)
        if platform is not None:
            with self._lock:
                self.answers.append((time.monotonic(), platform, 0 if response.drop else response.status))
        return response

    def rate_limited(self, start: float, end: float = float("inf")) -> dict[str, int]:
        """429 answers in [start, end), per platform."""
        with self._lock:
            hits = [platform for at, platform, status in self.answers if status == 429 and start <= at < end]
        return {platform: hits.count(platform) for platform in sorted(set(hits))}

    def calls(self, start: float) -> int:
        with self._lock:
            return sum(1 for at, _, _ in self.answers if at >= start)


class Workers:
    """`syncstore worker` processes, each with its stderr in a file (the evidence when something hangs)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started: list[tuple[subprocess.Popen[bytes], Path]] = []
        logs.mkdir(parents=True, exist_ok=True)

    def start(self) -> subprocess.Popen[bytes]:
        # SIGUSR1 makes the worker print every thread's stack into its log.
        code = ("import faulthandler, signal; faulthandler.register(signal.SIGUSR1, all_threads=True); "
                "from syncstore_cli.cli.app import main; main()")
        log = self.logs / f"worker-{len(self.started)}.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen([sys.executable, "-c", code, "worker", "--concurrency", "4", "--until-idle"],
                                       env=self.env, stdout=subprocess.DEVNULL, stderr=stderr)
        self.started.append((process, log))
        return process

    def live(self) -> list[subprocess.Popen[bytes]]:
        return [process for process, _ in self.started if process.poll() is None]

    def kill_all(self) -> None:
        for process in self.live():
            process.send_signal(signal.SIGKILL)
        for process, _ in self.started:
            process.wait()

    def dump_stacks(self) -> None:
        for process in self.live():
            process.send_signal(signal.SIGUSR1)
        time.sleep(1)

    def tails(self, count: int = 3, chars: int = 4000) -> str:
        return "\n".join(f"--- {log.name} (exit {process.returncode}):\n"
                         f"{log.read_text(errors='replace')[-chars:]}" for process, log in self.started[-count:])


def _duplicates(box: Sandbox) -> tuple[dict[str, Any], dict[str, Any]]:
    return box.shopee_products.audit().duplicate_skus, box.tiktok_products.audit()["duplicate_seller_skus"]


def _clean_products() -> list[str]:
    """Imported products the plan would send on both platforms (none blocked), in id order."""
    from syncstore_cli.app.context import AppContext
    from syncstore_cli.app.sync import plan
    from syncstore_cli.domain.catalog import PLATFORMS

    with AppContext() as ctx:
        entries = plan(ctx, [s.product.id for s in ctx.catalog.all_products()], list(PLATFORMS))
    blocked = {e.product_id for e in entries if e.action.value == "blocked"}
    return sorted({e.product_id for e in entries} - blocked, key=lambda i: int(i.split("-")[1]))


def _counts(batch_id: str) -> dict[str, int]:
    from syncstore_cli.app.context import AppContext

    with AppContext() as ctx:
        summary = ctx.jobs.batch(batch_id)
        assert summary is not None
        return {str(state): count for state, count in summary.counts.items()}


def _open_job_rows(batch_id: str) -> list[dict[str, Any]]:
    """The queue bookkeeping of the batch's open jobs (times on the epoch clock), beside the time now."""
    from sqlalchemy import select

    from syncstore_cli.app.context import AppContext
    from syncstore_cli.store.jobs import jobs_t

    columns = (jobs_t.c.id, jobs_t.c.platform, jobs_t.c.state, jobs_t.c.lease_owner, jobs_t.c.lease_until,
               jobs_t.c.enqueued_at, jobs_t.c.next_attempt_at, jobs_t.c.deliveries)
    with AppContext() as ctx, ctx.jobs.engine.connect() as connection:
        rows = connection.execute(select(*columns).where(jobs_t.c.batch_id == batch_id,
                                                         jobs_t.c.state.in_(("pending", "leased"))))
        return [{**row._asdict(), "now": time.time()} for row in rows]


def _evidence(batch_id: str, answers: AnswerLog, since: float, workers: Workers) -> str:
    status = runner.invoke(app, ["sync", "status", batch_id, "--json"])
    summary: dict[str, Any] = json.loads(status.stdout) if status.exit_code == 0 else {"error": status.stderr}
    summary["jobs"] = [job for job in summary.get("jobs", []) if job["status"] != "done"]
    logs = runner.invoke(app, ["logs", "--batch", batch_id, "--json", "--limit", "30"])
    fields = ("created_at", "product_id", "platform", "method", "path", "http_status", "status", "error_message")
    last = [{k: entry.get(k) for k in fields} for entry in json.loads(logs.stdout or "[]")] \
        if logs.exit_code == 0 else logs.stderr
    return (f"\nbatch (jobs not done): {json.dumps(summary, indent=1)}\nopen jobs' queue rows: "
            f"{_open_job_rows(batch_id)}\n429s since the workers started: {answers.rate_limited(since)}"
            f"\nlast logs: {json.dumps(last, indent=1)}\nworkers:\n{workers.tails()}")


def test_three_workers_killed_at_random_and_a_redis_restart_lose_nothing(
        home: Path, tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(13)
    setup_started = time.monotonic()
    config = SandboxConfig(profile="realistic")
    faults = FaultPlan.for_profile(config, seed=13)
    realistic_latency, realistic_rates = faults.latency_ms, dict(faults.rates)
    # The setup (import, category mapping) is not under test: it runs without the profile's latency and
    # transient faults, which are back on before the batch is queued. The rate limits stay on throughout.
    faults.latency_ms = None
    faults.rates.clear()
    with private_redis(tmp_path / "redis") as queue_redis:
        env = {"SYNCSTORE_DATABASE_URL": postgres_url, "SYNCSTORE_QUEUE_URL": queue_redis.url,
               "SYNCSTORE_QUEUE_NAME": "syncstore-many-workers"}
        with seeded_sandbox(tmp_path, monkeypatch, config=config, faults=faults, seeded_products=SEEDED,
                            unlimited_rate=False, env=env) as seeded:
            answers = AnswerLog(faults.apply)
            seeded.box.router.wrapper = answers
            before = _duplicates(seeded.box)
            products = _clean_products()[:PRODUCTS]
            assert len(products) == PRODUCTS, f"only {len(products)} clean products were imported"
            faults.latency_ms = realistic_latency
            faults.rates.update(realistic_rates)

            ids = tmp_path / "ids.txt"
            ids.write_text("\n".join(products) + "\n")
            # Forced past the staged rollout (its rule is tested in test_safety.py): this tests the queue.
            monkeypatch.setattr("syncstore_cli.cli.sync_cmd._confirm_forced", lambda batch_id: True)
            queued = runner.invoke(app, ["sync", "batch", "--file", str(ids), "--detach", "--force", "--json"])
            assert queued.exit_code == 0, queued.stderr
            batch_id = json.loads(queued.stdout)["batch_id"]

            print(f"setup {time.monotonic() - setup_started:.1f} s")
            workers = Workers({**os.environ, "SYNCSTORE_SYNC_LEASE_SECONDS": "2",
                               "SYNCSTORE_SYNC_RECONCILE_SECONDS": "0.3", "SYNCSTORE_SYNC_STALE_AFTER": "1"},
                              tmp_path / "worker-logs")
            try:
                started = time.monotonic()
                for _ in range(WORKERS):
                    workers.start()
                kills = 0
                redis_down: tuple[float, float] | None = None
                open_at_redis_kill: dict[str, int] = {}
                while time.monotonic() - started < CHAOS_SECONDS:
                    time.sleep(rng.uniform(1.0, 3.0))
                    counts = _counts(batch_id)
                    if counts.get("pending", 0) + counts.get("leased", 0) == 0:
                        break
                    if redis_down is None and kills >= 2:
                        open_at_redis_kill = counts
                        killed_at = time.monotonic()
                        queue_redis.kill()
                        time.sleep(rng.uniform(0.5, 1.5))
                        queue_redis.start()
                        redis_down = (killed_at, time.monotonic())
                        continue
                    live = workers.live()
                    if live:
                        victim = rng.choice(live)
                        victim.send_signal(signal.SIGKILL)
                        victim.wait()
                        kills += 1
                    while len(workers.live()) < WORKERS:  # replaces the killed one, and any that gave up
                        workers.start()
                workers.kill_all()
                chaos_done = time.monotonic()
                assert kills >= 2 and redis_down is not None, \
                    f"the batch finished before the chaos: {kills} kills, Redis restarted: {redis_down is not None}"

                final = workers.start()
                try:
                    final.wait(timeout=FINAL_WORKER_TIMEOUT)
                except subprocess.TimeoutExpired:
                    workers.dump_stacks()
                    pytest.fail(f"the last worker did not finish in {FINAL_WORKER_TIMEOUT:.0f} s"
                                + _evidence(batch_id, answers, started, workers))
                finished = time.monotonic()
                evidence = _evidence(batch_id, answers, started, workers)
                assert final.returncode == 0, evidence

                counts = _counts(batch_id)
                assert sum(counts.values()) == 2 * len(products), (counts, evidence)
                assert set(counts) <= {"done", "blocked", "failed", "dead"}, (counts, evidence)
                status = runner.invoke(app, ["sync", "status", batch_id, "--json"])
                assert status.exit_code == 0 and '"in_progress": 0' in status.stdout, evidence
                assert _duplicates(seeded.box) == before, evidence

                first_second_over = started + FIRST_BURST_SECONDS
                phases = (f"open jobs when Redis was killed: {open_at_redis_kill}; jobs at the end: {counts}; "
                          f"{kills} workers killed; {answers.calls(started)} marketplace calls; 429s in the "
                          f"first second {answers.rate_limited(started, first_second_over)}, before the Redis "
                          f"kill {answers.rate_limited(first_second_over, redis_down[0])}, from the kill to "
                          f"5 s after the restart {answers.rate_limited(redis_down[0], redis_down[1] + 5)}, "
                          f"after that {answers.rate_limited(redis_down[1] + 5)}; chaos "
                          f"{chaos_done - started:.1f} s, last worker {finished - chaos_done:.1f} s")
                print(phases)
                # The shared budget lives in Redis, and this Redis keeps nothing: restarted empty, it forgets the
                # budget, which then starts empty (no burst); while Redis is away each process paces itself at its
                # share of the rate (README "Several machines"). So no process goes over the shop's limit after
                # the first second, before, during or after the restart.
                assert answers.rate_limited(first_second_over) == {}, phases
            finally:
                workers.kill_all()
                seeded.box.router.wrapper = faults.apply

