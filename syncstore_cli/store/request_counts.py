"""How many marketplace requests SyncStore made since a moment, counted from the sync_logs it keeps.

`syncstore quota` measures a day's use of the marketplaces' daily quotas with it. Only what SyncStore
logged is counted: requests made by other apps, or by the seller in the seller centre, are not.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from syncstore_cli.store.models import SyncLogRow

logs_t = SyncLogRow.__table__  # type: ignore[attr-defined]


class RequestCounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def since(self, platform: str, moment: float, *, method: str | None = None, path: str | None = None,
              succeeded_only: bool = False) -> int:
        """Requests to `platform` logged at or after `moment` (epoch seconds), optionally of one method and
        path, and only those the marketplace accepted."""
        query = select(func.count()).select_from(logs_t).where(
            logs_t.c.platform == platform, logs_t.c.created_at >= datetime.fromtimestamp(moment, UTC))
        if method is not None:
            query = query.where(logs_t.c.method == method)
        if path is not None:
            query = query.where(logs_t.c.path == path)
        if succeeded_only:
            query = query.where(logs_t.c.status == "ok")
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())
