"""Huey as the transport of job ids: SqliteHuey in the data folder, or RedisHuey for `redis://` URLs.

Huey is at-most-once (a message leaves storage when dequeued), so it carries only job ids; the
`sync_jobs` table is the truth and the reconciler re-sends whatever a lost message left behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

from syncstore_cli.errors import ConfigError


class JobQueue:
    def __init__(self, huey: Huey) -> None:
        self.huey = huey

        # Registered so the messages are real Huey tasks; workers read the job id and run it themselves,
        # because the job runner needs the process's services, which a task function cannot carry.
        @huey.task(name="syncstore.sync_job")  # type: ignore[untyped-decorator]
        def sync_job(job_id: int) -> None:  # pragma: no cover - executed through JobRunner, never by Huey
            raise RuntimeError("sync_job messages are run by syncstore's worker")

        self._task: Any = sync_job

    def enqueue(self, job_ids: list[int]) -> None:
        for job_id in job_ids:
            self._task(job_id)

    def dequeue(self) -> int | None:
        task = self.huey.dequeue()
        if task is None:
            return None
        return int(task.args[0])

    def waiting(self) -> int:
        return int(self.huey.pending_count())

    def flush(self) -> None:
        self.huey.flush()


def open_queue(url: str, name: str = "syncstore") -> JobQueue:
    """`sqlite:///path` (the default, in the data folder) or `redis://host:port/db`."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return JobQueue(RedisHuey(name, url=url, results=False))
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return JobQueue(SqliteHuey(name, filename=str(path), results=False))
    raise ConfigError(f"queue_url {url!r}: expected sqlite:///PATH or redis://HOST:PORT/DB")
