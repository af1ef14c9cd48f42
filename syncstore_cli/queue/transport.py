"""Huey as the transport of job ids: SqliteHuey in the data folder, or RedisHuey for `redis://` URLs.

Huey is at-most-once (a message leaves storage when dequeued), so it carries only job ids; the
`sync_jobs` table is the truth and the reconciler re-sends whatever a lost message left behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

from syncstore_cli.errors import ConfigError, mask_url

PING_TIMEOUT_S = 3.0  # a queue that does not answer in this long is reported unreachable, not waited for


class JobQueue:
    def __init__(self, huey: Huey, url: str = "") -> None:
        self.huey = huey
        self.url = url

        # Registered so the messages are real Huey tasks; workers read the job id and run it themselves,
        # because the job runner needs the process's services, which a task function cannot carry.
        @huey.task(name="syncstore.sync_job")  # type: ignore[untyped-decorator]
        def sync_job(job_id: int) -> None:  # pragma: no cover - executed through JobRunner, never by Huey
            raise RuntimeError("sync_job messages are run by syncstore's worker")

        self._task: Any = sync_job

    def ping(self, timeout: float = PING_TIMEOUT_S) -> None:
        """Raises ConfigError (one line, no secret) unless the queue answers now.

        A batch checks this before it writes anything: jobs recorded for a queue nobody can reach would
        be sent by the next worker that can, long after the command said the batch was refused.
        """
        storage: Any = self.huey.storage
        try:
            if isinstance(self.huey, RedisHuey):
                from redis import ConnectionPool, Redis

                # A pool of its own with short timeouts: Huey's has none, and a black-holed host would hang.
                pool = storage.pool
                probe = ConnectionPool(connection_class=pool.connection_class, **{
                    **pool.connection_kwargs, "socket_connect_timeout": timeout, "socket_timeout": timeout})
                try:
                    Redis(connection_pool=probe).ping()
                finally:
                    probe.disconnect()
            else:
                storage.queue_size()
        except Exception as error:  # whatever the driver raises, the answer is the same: not reachable
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ConfigError(f"queue_url {mask_url(self.url)}: the queue is unreachable ({detail})") from None

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
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            return JobQueue(RedisHuey(name, url=url, results=False), url)
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            return JobQueue(SqliteHuey(name, filename=str(path), results=False), url)
    except (ValueError, OSError, sqlite3.Error) as error:  # a malformed URL, or a file that cannot be a queue
        raise ConfigError(f"queue_url {mask_url(url)}: {error}") from None
    raise ConfigError(f"queue_url {mask_url(url)!r}: expected sqlite:///PATH or redis://HOST:PORT/DB")
